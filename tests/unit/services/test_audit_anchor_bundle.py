"""Signed evidence bundles: a bundle made from the fake log verifies; changing any single byte
of it is detected, by the built-in check and by the standalone verifier alike; and the two agree
on every verdict."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fakes import FakeUnitOfWork

from fairdebt import audit_verifier
from fairdebt.adapters.signing import SigningKey
from fairdebt.domain.events import NewEvent
from fairdebt.domain.evidence import ref_of
from fairdebt.errors import FairdebtError
from fairdebt.services.anchor import make_checkpoint
from fairdebt.services.bundle import make_bundle, verify_bundle

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEY = SigningKey(Ed25519PrivateKey.generate())
SMS = "【示例银行】请于月底前还款。".encode()


class DictStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, data: bytes, media_type: str) -> str:
        self.objects[ref_of(data)] = data
        return ref_of(data)

    def get(self, ref: str) -> bytes:
        if ref not in self.objects:
            raise FairdebtError(f"no evidence {ref}")
        return self.objects[ref]

    def check(self, ref: str):  # type: ignore[no-untyped-def]
        return "ok" if ref in self.objects else "missing"


def _world(late: bool = False) -> tuple[FakeUnitOfWork, DictStore]:
    uow, store = FakeUnitOfWork(), DictStore()
    ref = store.put(SMS, "text/plain")
    with uow:
        for c in ("C-1", "C-2", "C-3"):
            uow.events.append(c, NewEvent("note_added", "u1", {"note": "张伟 said 1.5"}), AT)
        uow.events.append("C-2", NewEvent("contact_attempted", "u1", {"evidence": ref}), AT)
        uow.commit()
    make_checkpoint(uow, KEY, AT)
    if late:
        with uow:
            uow.events.append("C-2", NewEvent("note_added", "u1", {}), AT + timedelta(hours=1))
            uow.commit()
    return uow, store


def _standalone(raw: bytes) -> audit_verifier.Result:
    return audit_verifier.verify(raw, KEY.public)


def test_a_bundle_verifies_with_both_verifiers() -> None:
    uow, store = _world(late=True)

    raw, under = make_bundle(uow, "C-2", store)
    report = verify_bundle(raw, KEY)
    other = _standalone(raw)

    assert report.ok, report.problems
    assert (report.case, report.events, report.anchored_seq, report.unanchored) == ("C-2", 3, 2, 1)
    assert report.evidence_checked == 1 and under.number == report.checkpoint == 1
    assert other.problems == []
    assert any("not yet anchored" in n for n in other.notes)
    assert any("1 object(s) match" in p for p in other.passed)


def test_without_evidence_the_objects_are_named_not_included() -> None:
    uow, _ = _world()

    raw, _ = make_bundle(uow, "C-2")
    report = verify_bundle(raw, KEY)

    assert report.ok and report.evidence_absent == 1 and report.evidence_checked == 0
    assert any("not included" in n for n in _standalone(raw).notes)


def test_changing_any_byte_is_detected_by_both() -> None:
    uow, store = _world(late=True)
    raw, _ = make_bundle(uow, "C-2", store)
    assert len(raw) < 4000  # small enough to try every position twice

    for position in range(len(raw)):
        for flip in (0x01, 0x20):
            changed = bytearray(raw)
            changed[position] ^= flip
            built_in = verify_bundle(bytes(changed), KEY)
            standalone = _standalone(bytes(changed))
            where = f"byte {position} ^ {flip:#x}: {raw[max(0, position - 20) : position + 20]!r}"
            assert not built_in.ok, where
            assert standalone.problems, where


def test_removing_or_adding_a_byte_is_detected() -> None:
    uow, store = _world()
    raw, _ = make_bundle(uow, "C-2", store)

    for changed in (raw[:-1], raw + b"\n", b" " + raw, raw.replace(b",", b", ", 1)):
        assert not verify_bundle(changed, KEY).ok
        assert _standalone(changed).problems


def test_semantic_forgeries_are_named() -> None:
    uow, store = _world()
    raw, _ = make_bundle(uow, "C-2", store)

    def edited(change) -> bytes:  # type: ignore[no-untyped-def]
        document = json.loads(raw)
        change(document)
        return (
            json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            + b"\n"
        )

    cases = {
        "event chain broken at event 1": lambda d: d["events"][0]["data"].update(note="x"),
        "signature does not verify": lambda d: d["checkpoint"].update(
            size=d["checkpoint"]["size"] + 1
        ),
        "inclusion proof does not lead": lambda d: d["anchor"].update(index=0),
        "anchored head (event 2) is not among": lambda d: d["events"].pop(),
        "does not match its reference": lambda d: d["evidence"].update({ref_of(SMS): "QUJD"}),
    }
    for expected, change in cases.items():
        problems = verify_bundle(edited(change), KEY).problems
        assert any(expected in p for p in problems), (expected, problems)
        assert _standalone(edited(change)).problems


def test_another_key_is_refused_by_both() -> None:
    uow, _ = _world()
    raw, _ = make_bundle(uow, "C-1")
    other = SigningKey(Ed25519PrivateKey.generate())

    assert any("not by the key given" in p for p in verify_bundle(raw, other).problems)
    assert any(
        "not by the key given" in p for p in audit_verifier.verify(raw, other.public).problems
    )


def test_a_case_not_yet_anchored_or_tampered_gets_no_bundle() -> None:
    uow, _ = _world()
    with uow:
        uow.events.append("C-9", NewEvent("note_added", "u1", {}), AT)
        uow.commit()

    with pytest.raises(FairdebtError, match="not anchored by a checkpoint yet"):
        make_bundle(uow, "C-9")
    with pytest.raises(FairdebtError, match="has no events"):
        make_bundle(uow, "C-404")
    uow.events.chains["C-1"][0] = dataclasses.replace(uow.events.chains["C-1"][0], hash="0" * 64)
    with pytest.raises(FairdebtError, match="does not match checkpoint 1"):
        make_bundle(uow, "C-1")


def test_the_standalone_verifier_runs_as_a_program(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    uow, store = _world()
    raw, _ = make_bundle(uow, "C-2", store)
    bundle, pub = tmp_path / "b.json", tmp_path / "k.pub"
    bundle.write_bytes(raw)
    pub.write_text(KEY.pem())

    assert audit_verifier.main([str(bundle), "--key", str(pub)]) == 0
    assert "VALID" in capsys.readouterr().out
    assert audit_verifier.main([str(bundle), "--key", KEY.raw.hex()]) == 0
    bundle.write_bytes(raw.replace(b"1.5", b"2.5"))
    assert audit_verifier.main([str(bundle), "--key", str(pub)]) == 1
    assert "INVALID" in capsys.readouterr().out
    assert audit_verifier.main([str(bundle), "--key", "nothex"]) == 2
    assert audit_verifier.main([str(tmp_path / "none.json"), "--key", str(pub)]) == 2
