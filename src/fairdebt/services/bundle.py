"""Signed evidence bundles: one case's record, checkable by anyone holding the public key.

A bundle is one JSON file in canonical form (sorted keys, no spaces, UTF-8, one final newline):

    {"anchor": {"hash", "index", "proof": [hex...], "seq"},      the case's head in the tree
     "case": "C-...",
     "checkpoint": {"at", "key", "number", "prev", "root", "signature", "size", "v"},
     "events": [{"actor", "at", "case", "data", "hash", "prev", "seq", "type"}, ...],
     "evidence": {"sha256:<hex>": "<base64 of the bytes>", ...},  empty without --with-evidence
     "format": "fairdebt-bundle/1"}

Every byte is checked: the events' chain, the anchored head among them, the head's inclusion
proof up to the checkpoint's root, the root's signature, each evidence object against its
name, and finally that the file is byte for byte the canonical form of what it holds (so not
even a space or a hex digit's case can change unnoticed). src/fairdebt/audit_verifier.py checks
the same with the standard library and `cryptography` alone, for readers outside fairdebt.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fairdebt.domain.anchor import Checkpoint, Head, fold, proof_of, root_hex
from fairdebt.domain.events import CaseEvent, canonical_json, verify_chain
from fairdebt.domain.evidence import is_ref, matches
from fairdebt.domain.merkle import leaf_hash, verify_inclusion
from fairdebt.errors import FairdebtError
from fairdebt.services.anchor import VERIFY_HINT, KeySet
from fairdebt.services.audit import evidence_refs
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.checkpoints import Verifier
from fairdebt.services.ports.evidence import EvidenceStore

FORMAT = "fairdebt-bundle/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX128 = re.compile(r"[0-9a-f]{128}")
_KEYS = {"anchor", "case", "checkpoint", "events", "evidence", "format"}
_EVENT_KEYS = {"actor", "at", "case", "data", "hash", "prev", "seq", "type"}
_CHECKPOINT_KEYS = {"at", "key", "number", "prev", "root", "signature", "size", "v"}
_ANCHOR_KEYS = {"hash", "index", "proof", "seq"}


def make_bundle(
    uow: UnitOfWork, case_id: str, evidence: EvidenceStore | None = None
) -> tuple[bytes, Checkpoint]:
    """The bundle of `case_id` under the latest checkpoint (with the evidence objects the events
    name when a store is given). Refused when the case is not anchored yet or the stored record
    does not match its checkpoint: a bundle never certifies a tampered record."""
    with uow:
        events = uow.events.events(case_id)
        latest = uow.checkpoints.latest()
        heads = fold(uow.checkpoints.recorded_heads(), upto=latest.number) if latest else {}
    if not events:
        raise FairdebtError(f"case {case_id!r} has no events", hint="check the case id")
    if latest is None or case_id not in heads:
        raise FairdebtError(
            f"case {case_id} is not anchored by a checkpoint yet",
            hint="run `fairdebt audit checkpoint`, then make the bundle",
        )
    head = heads[case_id]
    chained = {e.seq: e.hash for e in events}
    if root_hex(heads) != latest.root or chained.get(head.seq) != head.hash:
        raise FairdebtError(
            f"case {case_id}'s stored record does not match checkpoint {latest.number}",
            hint=VERIFY_HINT,
        )
    index, proof = proof_of(case_id, heads)
    document = {
        "anchor": {"hash": head.hash, "index": index, "proof": proof, "seq": head.seq},
        "case": case_id,
        "checkpoint": {**latest.body(), "signature": latest.signature},
        "events": [{**e.body(), "hash": e.hash} for e in events],
        "evidence": _evidence(events, evidence) if evidence is not None else {},
        "format": FORMAT,
    }
    return canonical_json(document).encode() + b"\n", latest


def _evidence(events: list[CaseEvent], store: EvidenceStore) -> dict[str, str]:
    found: dict[str, str] = {}
    for event in events:
        for named in evidence_refs(event):
            if named.ref in found or not is_ref(named.ref):
                continue
            data = store.get(named.ref)
            if not matches(named.ref, data):
                raise FairdebtError(
                    f"evidence {named.ref} of case {event.case} event {event.seq} is altered",
                    hint="run `fairdebt audit verify`; restore the object from a backup",
                )
            found[named.ref] = base64.b64encode(data).decode("ascii")
    return found


@dataclass
class BundleReport:
    case: str = ""
    events: int = 0
    anchored_seq: int = 0
    checkpoint: int = 0
    checkpoint_at: str = ""
    key: str = ""
    evidence_checked: int = 0
    evidence_absent: int = 0  # named by an event, not included
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unanchored(self) -> int:
        return max(self.events - self.anchored_seq, 0) if self.anchored_seq else 0


class _Bad(Exception):
    """The bundle's structure is not the format's: nothing further can be checked."""


def verify_bundle(raw: bytes, key: Verifier | KeySet) -> BundleReport:
    """Check every part of a bundle (module docstring); each failure is one problem line.
    `key`: the institution's key, or every key it signed with (KeySet: picked by key id)."""
    report = BundleReport()
    try:
        document = _parse(raw)
        _check(document, key, report)
    except _Bad as exc:
        report.problems.append(str(exc))
        return report
    if canonical_json(document).encode() + b"\n" != raw:
        report.problems.append("the file is not byte for byte the form it was made in")
    return report


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _Bad(f"not a bundle: not UTF-8 JSON ({exc})") from None
    _keys(document, _KEYS, "the bundle")
    if document["format"] != FORMAT:
        raise _Bad(f"not a bundle of format {FORMAT}")
    return dict(document)


def _keys(value: object, expected: set[str], what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict) or set(value) != expected:
        raise _Bad(f"{what} does not have the fields {', '.join(sorted(expected))}")
    return value


def _int(value: object, what: str) -> int:
    if type(value) is not int or value < 0:
        raise _Bad(f"{what} is not a whole number")
    return value


def _hex(value: object, what: str, pattern: re.Pattern[str] = _HEX64) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _Bad(f"{what} is not lowercase hex of the right length")
    return value


def _check(document: dict[str, Any], key: Verifier | KeySet, report: BundleReport) -> None:
    case = document["case"]
    if not isinstance(case, str):
        raise _Bad("the case id is not text")
    report.case = case
    events = _events(document["events"], case)
    report.events = len(events)
    link = verify_chain(case, events)
    if link is not None:
        report.problems.append(f"event chain broken at event {link.seq}: {link.reason}")
    checkpoint = _checkpoint(document["checkpoint"])
    report.checkpoint, report.checkpoint_at, report.key = (
        checkpoint.number,
        checkpoint.at,
        checkpoint.key,
    )
    keys = KeySet.of(key)
    problem = keys.problem(checkpoint)
    if keys.period(checkpoint.key) is None:
        report.problems.append(
            f"checkpoint {checkpoint.number} is signed by key {checkpoint.key}, "
            f"not by the key given ({keys.ids()})"
        )
    elif problem is not None and problem[0] == "forged":
        report.problems.append(f"checkpoint {checkpoint.number}'s signature does not verify")
    elif problem is not None:
        report.problems.append(f"checkpoint {checkpoint.number} is {problem[1]}")
    _check_anchor(document["anchor"], case, events, checkpoint, report)
    _check_evidence(document["evidence"], events, report)


def _events(value: object, case: str) -> list[CaseEvent]:
    if not isinstance(value, list) or not value:
        raise _Bad("the bundle holds no events")
    events = []
    for n, item in enumerate(value, start=1):
        e = _keys(item, _EVENT_KEYS, f"event {n}")
        texts = ("actor", "at", "case", "prev", "hash", "type")
        if not all(isinstance(e[k], str) for k in texts) or not isinstance(e["data"], dict):
            raise _Bad(f"event {n} has a field of the wrong type")
        if e["case"] != case:
            raise _Bad(f"event {n} belongs to case {e['case']!r}, not {case!r}")
        events.append(
            CaseEvent(
                case,
                _int(e["seq"], f"event {n}'s seq"),
                e["at"],
                e["type"],
                e["actor"],
                e["data"],
                e["prev"],
                e["hash"],
            )
        )
    return events


def _checkpoint(value: object) -> Checkpoint:
    c = _keys(value, _CHECKPOINT_KEYS, "the checkpoint")
    if c["v"] != 1 or not isinstance(c["at"], str) or not isinstance(c["key"], str):
        raise _Bad("the checkpoint is not of version 1")
    return Checkpoint(
        number=_int(c["number"], "the checkpoint number"),
        at=c["at"],
        size=_int(c["size"], "the checkpoint size"),
        root=_hex(c["root"], "the checkpoint root"),
        prev=_hex(c["prev"], "the checkpoint prev"),
        key=c["key"],
        signature=_hex(c["signature"], "the signature", _HEX128),
    )


def _check_anchor(
    value: object,
    case: str,
    events: list[CaseEvent],
    checkpoint: Checkpoint,
    report: BundleReport,
) -> None:
    a = _keys(value, _ANCHOR_KEYS, "the anchor")
    seq, index = _int(a["seq"], "the anchored seq"), _int(a["index"], "the leaf index")
    head_hash = _hex(a["hash"], "the anchored hash")
    if not isinstance(a["proof"], list):
        raise _Bad("the proof is not a list")
    proof = [bytes.fromhex(_hex(p, "a proof hash")) for p in a["proof"]]
    report.anchored_seq = seq
    if not any(e.seq == seq and e.hash == head_hash for e in events):
        report.problems.append(f"the anchored head (event {seq}) is not among the events")
    leaf = leaf_hash(Head(case, seq, head_hash).leaf())
    root = bytes.fromhex(checkpoint.root)
    if not verify_inclusion(index, checkpoint.size, leaf, proof, root):
        report.problems.append(
            f"the inclusion proof does not lead from event {seq} to checkpoint "
            f"{checkpoint.number}'s root"
        )


def _check_evidence(value: object, events: list[CaseEvent], report: BundleReport) -> None:
    if not isinstance(value, dict):
        raise _Bad("the evidence is not a map of references to bytes")
    named = {r.ref for e in events for r in evidence_refs(e)}
    for ref, encoded in value.items():
        if not is_ref(ref) or ref not in named:
            report.problems.append(f"evidence {ref[:80]!r} is not named by any event")
            continue
        try:
            data = base64.b64decode(encoded, validate=True) if isinstance(encoded, str) else None
        except binascii.Error:
            data = None
        if data is None or base64.b64encode(data).decode("ascii") != encoded:
            report.problems.append(f"evidence {ref} is not canonical base64")
        elif not matches(ref, data):
            report.problems.append(f"evidence {ref} does not match its reference (altered)")
        else:
            report.evidence_checked += 1
    report.evidence_absent = len(named - set(value))
