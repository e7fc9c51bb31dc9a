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


def test_the_fast_seal_is_the_hash_of_the_canonical_body() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from fairdebt.domain.events import event_hash

    text = st.text(max_size=12)
    values = st.recursive(
        st.none() | st.booleans() | st.integers() | text,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
        max_leaves=8,
    )

    @given(text, st.integers(1, 10**6), text, st.dictionaries(text, values, max_size=4))
    def check(case: str, seq: int, actor: str, data: dict) -> None:
        event = chain(case, seq, GENESIS, AT, NewEvent('t\u00e9"x', actor, data))
        assert event.hash == event_hash(event.body())

    check()
