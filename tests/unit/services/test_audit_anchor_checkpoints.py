"""Checkpoints over the fake unit of work: every tampering the chains alone miss is found, named
by case, seq and the checkpoint since which it happened; an untouched log passes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fakes import FakeUnitOfWork

from fairdebt.adapters.signing import SigningKey
from fairdebt.domain.anchor import Head, parse_line
from fairdebt.domain.events import GENESIS, NewEvent, chain
from fairdebt.services.anchor import CheckpointRefused, make_checkpoint
from fairdebt.services.audit import verify_log

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEY = SigningKey(Ed25519PrivateKey.generate())


def _log(uow: FakeUnitOfWork, cases: int = 3, events: int = 4) -> None:
    with uow:
        for c in range(1, cases + 1):
            for i in range(events):
                uow.events.append(f"C-{c}", NewEvent("note_added", "u1", {"n": i}), AT)
        uow.commit()


def _append(uow: FakeUnitOfWork, case: str, n: int = 1) -> None:
    with uow:
        for i in range(n):
            uow.events.append(case, NewEvent("note_added", "u1", {"late": i}), AT)
        uow.commit()


def _verify(uow: FakeUnitOfWork, **kw):  # type: ignore[no-untyped-def]
    return verify_log(uow, kw.pop("key", KEY), **kw)


def _kinds(uow: FakeUnitOfWork, **kw) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(f.kind, f.where) for f in _verify(uow, **kw)[1].findings]


def _rehash_from(uow: FakeUnitOfWork, case: str, seq: int, data: dict) -> None:  # type: ignore[type-arg]
    """Edit event `seq` and recompute every hash after it: the chain alone stays valid."""
    old = uow.events.chains[case]
    kept = old[: seq - 1]
    prev = kept[-1].hash if kept else GENESIS
    at = datetime.fromisoformat(old[0].at.replace("Z", "+00:00"))
    for e in old[seq - 1 :]:
        new = chain(
            case, e.seq, prev, at, NewEvent(e.type, e.actor, data if e.seq == seq else e.data)
        )
        kept.append(new)
        prev = new.hash
    uow.events.chains[case] = kept


@pytest.fixture
def uow() -> FakeUnitOfWork:
    made = FakeUnitOfWork()
    _log(made)
    make_checkpoint(made, KEY, AT)
    return made


def test_an_untouched_log_passes_and_later_events_are_not_yet_anchored(uow) -> None:
    _append(uow, "C-2", 2)
    _append(uow, "C-9")

    chains, anchor = _verify(uow)

    assert chains.ok and anchor.ok
    assert (anchor.unanchored_events, anchor.unanchored_cases) == (3, 2)
    assert anchor.latest is not None and anchor.latest.number == 1 and anchor.latest.size == 3


def test_checkpoints_chain_and_record_only_changed_heads(uow) -> None:
    _append(uow, "C-2")
    second = make_checkpoint(uow, KEY, AT + timedelta(minutes=10))
    third = make_checkpoint(uow, KEY, AT + timedelta(minutes=20))

    first = uow.checkpoints.all()[0]
    assert second.prev == first.hash and third.prev == second.hash
    assert [h for n, h in uow.checkpoints.heads if n == 2] == [
        Head("C-2", 5, uow.events.chains["C-2"][-1].hash)
    ]
    assert third.root == second.root and third.size == 3
    assert _verify(uow)[1].ok
    assert parse_line(third.line()) == third


def test_deleting_the_last_event_is_truncation(uow) -> None:
    uow.events.chains["C-2"].pop()

    chains, anchor = _verify(uow)

    assert chains.ok  # the chain alone sees nothing
    (found,) = anchor.findings
    assert (found.kind, found.where) == ("truncated", "case C-2")
    assert "event 4 deleted since checkpoint 1" in found.detail


def test_the_last_three_and_the_last_of_every_case(uow) -> None:
    del uow.events.chains["C-1"][-3:]
    for case in ("C-2", "C-3"):
        uow.events.chains[case].pop()

    found = _verify(uow)[1].findings

    assert [(f.kind, f.where) for f in found] == [
        ("truncated", "case C-1"),
        ("truncated", "case C-2"),
        ("truncated", "case C-3"),
    ]
    assert "events 2-4 deleted since checkpoint 1" in found[0].detail


def test_a_whole_chain_deleted(uow) -> None:
    del uow.events.chains["C-3"]

    (found,) = _verify(uow)[1].findings

    assert (found.kind, found.where) == ("deleted", "case C-3")
    assert "events 1-4" in found.detail


def test_an_edit_with_the_hashes_recomputed_after_it(uow) -> None:
    _append(uow, "C-1")
    make_checkpoint(uow, KEY, AT + timedelta(minutes=10))  # C-1 anchored at 4 (cp 1) and 5 (cp 2)
    _rehash_from(uow, "C-1", 5, {"n": "changed"})

    chains, anchor = _verify(uow)

    assert chains.ok
    (found,) = anchor.findings
    assert (found.kind, found.where) == ("rewritten", "case C-1")
    assert (
        "event 5 is not the one checkpoint 2 signed: event 5 changed since checkpoint 2"
        in found.detail
    )


def test_an_early_rewrite_is_bounded_by_the_first_checkpoint_that_saw_it(uow) -> None:
    _rehash_from(uow, "C-2", 2, {"n": "changed"})

    (found,) = _verify(uow)[1].findings

    assert found.kind == "rewritten" and "events 1-4 changed since checkpoint 1" in found.detail


def test_a_forged_checkpoint_fails_its_signature(uow) -> None:
    cp = uow.checkpoints.rows[0]
    uow.checkpoints.rows[0] = dataclasses.replace(cp, at="2020-01-01T00:00:00.000000Z")

    assert _kinds(uow) == [("forged", "checkpoint 1")]


def test_a_checkpoint_signed_by_another_key(uow) -> None:
    other = SigningKey(Ed25519PrivateKey.generate())

    assert _kinds(uow, key=other) == [("wrong-key", "checkpoint 1")]


def test_a_removed_middle_checkpoint_breaks_the_numbering(uow) -> None:
    for minutes in (10, 20):
        _append(uow, "C-1")
        make_checkpoint(uow, KEY, AT + timedelta(minutes=minutes))
    uow.checkpoints.rows = [c for c in uow.checkpoints.rows if c.number != 2]
    uow.checkpoints.heads = [r for r in uow.checkpoints.heads if r[0] != 2]

    assert _kinds(uow) == [("removed", "checkpoint 2")]


def test_the_latest_checkpoint_removed_shows_against_a_published_copy(uow) -> None:
    _append(uow, "C-1")
    published = make_checkpoint(uow, KEY, AT + timedelta(minutes=10))
    uow.checkpoints.rows.pop()
    uow.checkpoints.heads = [r for r in uow.checkpoints.heads if r[0] != 2]

    assert _kinds(uow) == []  # nothing inside the log can show it
    assert _kinds(uow, published=[published]) == [("removed", "checkpoint 2")]


def test_altered_head_records_do_not_give_the_signed_root(uow) -> None:
    number, head = uow.checkpoints.heads[0]
    uow.checkpoints.heads[0] = (number, dataclasses.replace(head, seq=3))

    kinds = _kinds(uow)

    assert ("heads-altered", "checkpoint 1") in kinds


def test_a_checkpoint_refuses_to_anchor_a_truncated_log(uow) -> None:
    uow.events.chains["C-2"].pop()

    with pytest.raises(CheckpointRefused, match="case C-2 ends at event 3, anchored at 4"):
        make_checkpoint(uow, KEY, AT + timedelta(minutes=10))
    assert len(uow.checkpoints.rows) == 1


def test_a_checkpoint_refuses_to_chain_onto_a_forged_one(uow) -> None:
    uow.checkpoints.rows[0] = dataclasses.replace(uow.checkpoints.rows[0], size=99)

    with pytest.raises(CheckpointRefused, match="does not verify"):
        make_checkpoint(uow, KEY, AT + timedelta(minutes=10))


def test_no_checkpoint_yet_anchors_nothing_and_fails_nothing() -> None:
    uow = FakeUnitOfWork()
    _log(uow, 2, 2)

    chains, anchor = verify_log(uow, None)

    assert chains.ok and anchor.ok and anchor.latest is None and anchor.unanchored_events == 4
