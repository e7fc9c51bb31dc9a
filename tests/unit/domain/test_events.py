from dataclasses import replace
from datetime import UTC, datetime

from fairdebt.domain.events import GENESIS, NewEvent, chain, verify_chain

AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def _log(n: int) -> list:
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        event = chain(
            "C-1", seq, prev, AT, NewEvent("note_added", "u1", {"n": seq, "text": "你好"})
        )
        events.append(event)
        prev = event.hash
    return events


def test_an_untouched_chain_verifies() -> None:
    assert verify_chain("C-1", _log(5)) is None


def test_editing_an_event_names_that_event() -> None:
    events = _log(5)
    events[2] = replace(events[2], data={"n": 3, "text": "edited"})

    broken = verify_chain("C-1", events)

    assert broken is not None and broken.seq == 3 and "edited" in broken.reason


def test_removing_an_event_breaks_the_chain_where_it_was() -> None:
    events = _log(5)
    del events[1]

    broken = verify_chain("C-1", events)

    assert broken is not None and broken.seq == 2


def test_rehashing_an_edited_event_still_breaks_the_next_link() -> None:
    events = _log(3)
    forged = chain("C-1", 2, events[0].hash, AT, NewEvent("note_added", "u1", {"n": 99}))
    events[1] = forged

    broken = verify_chain("C-1", events)

    assert broken is not None and broken.seq == 3


def test_the_hash_covers_prev_and_is_stable() -> None:
    first = _log(1)[0]
    again = chain("C-1", 1, GENESIS, AT, NewEvent("note_added", "u1", {"text": "你好", "n": 1}))

    assert first.hash == again.hash  # key order does not matter: the JSON is canonical
    assert first.prev == GENESIS and len(first.hash) == 64
