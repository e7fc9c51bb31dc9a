"""The in-memory evidence store is an EvidenceBackend, as the real stores are."""

from __future__ import annotations

from fakes.evidence import FakeEvidenceStore

from fairdebt.services.ports.evidence import EvidenceBackend


def _backend(store: EvidenceBackend) -> EvidenceBackend:
    return store


def test_the_fake_keeps_puts_lists_and_replaces_objects() -> None:
    store = _backend(FakeEvidenceStore())
    ref = store.put(b"sms", "text/plain")

    assert store.put(b"sms", "text/plain") == ref and list(store.refs()) == [ref]
    assert store.get(ref) == b"sms" and store.check(ref) == "ok"
    store.replace(ref, b"forged")
    assert store.stored(ref) == b"forged" and store.check(ref) == "mismatch"
    assert store.stored("sha256:" + "0" * 64) is None
