"""Checkpoints: the signed anchors of the case event log (docs/audit.md).

A case's hash chain proves that nothing inside it changed relative to its last event; it cannot
prove that the last event is still the last one, nor that the chain was not recomputed from an
edited event on. A checkpoint pins every case's head (case id, last seq, last hash) in a Merkle
tree (domain/merkle.py: one leaf per case, sorted by case id), and signs the tree head with the
institution's Ed25519 key. Checkpoints form a chain of their own (`prev` is the hash of the one
before), so a removed or edited checkpoint shows too.

The byte forms defined here are the whole contract with outside verifiers
(src/fairdebt/audit_verifier.py reimplements them on the standard library alone):

- leaf data: canonical JSON `{"case":...,"hash":...,"seq":...}` (UTF-8);
- signed message: `fairdebt checkpoint v1\\n` + canonical JSON of the body
  `{"at","key","number","prev","root","size","v":1}`;
- checkpoint hash: SHA-256 hex of the signed message; key id: the first 16 hex digits of the
  SHA-256 of the raw 32-byte public key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring as _text
from typing import Any

from fairdebt.domain.events import canonical_json
from fairdebt.domain.merkle import inclusion_proof, leaf_hash, root_of_hashes

CONTEXT = b"fairdebt checkpoint v1\n"
VERSION = 1


@dataclass(frozen=True, slots=True, order=True)
class Head:
    """A case's last event as a checkpoint anchors it."""

    case: str
    seq: int
    hash: str

    def leaf(self) -> bytes:
        """canonical_json({"case", "hash", "seq"}), assembled directly (a checkpoint makes one
        per case; tests check it is the same bytes)."""
        return f'{{"case":{_text(self.case)},"hash":{_text(self.hash)},"seq":{self.seq}}}'.encode()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    number: int  # 1, 2, 3, ... without gaps
    at: str  # ISO 8601 UTC, as events have it
    size: int  # leaves (cases) in the tree
    root: str  # hex tree head
    prev: str  # hash of checkpoint number - 1; GENESIS for the first
    key: str  # id of the signing key
    signature: str = ""  # hex Ed25519 signature of `message()`

    def body(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "key": self.key,
            "number": self.number,
            "prev": self.prev,
            "root": self.root,
            "size": self.size,
            "v": VERSION,
        }

    def message(self) -> bytes:
        """The exact bytes signed."""
        return CONTEXT + canonical_json(self.body()).encode()

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.message()).hexdigest()

    def line(self) -> str:
        """One publishable line holding everything needed to check the signature later."""
        return (
            f"fairdebt-checkpoint v{VERSION} number={self.number} at={self.at} size={self.size} "
            f"root={self.root} prev={self.prev} key={self.key} signature={self.signature}"
        )


def parse_line(text: str) -> Checkpoint | None:
    """A checkpoint from its published `line()`, or None if `text` is not one."""
    words = text.strip().split(" ")
    if len(words) != 9 or words[:2] != ["fairdebt-checkpoint", f"v{VERSION}"]:
        return None
    fields = dict(w.partition("=")[::2] for w in words[2:])
    try:
        return Checkpoint(
            number=int(fields["number"]),
            at=fields["at"],
            size=int(fields["size"]),
            root=fields["root"],
            prev=fields["prev"],
            key=fields["key"],
            signature=fields["signature"],
        )
    except (KeyError, ValueError):
        return None


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def fold(recorded: Iterable[tuple[int, Head]], upto: int | None = None) -> dict[str, Head]:
    """Every case's head as of checkpoint `upto` (default: the latest) from the recorded heads
    (each checkpoint records only the heads that changed since the one before)."""
    found: dict[str, tuple[int, Head]] = {}
    for number, head in recorded:
        if upto is not None and number > upto:
            continue
        if head.case not in found or found[head.case][0] < number:
            found[head.case] = (number, head)
    return {case: head for case, (_, head) in found.items()}


def tree(heads: Mapping[str, Head]) -> tuple[list[Head], list[bytes]]:
    """The leaves in tree order (by case id) and their leaf hashes."""
    ordered = [heads[c] for c in sorted(heads)]
    return ordered, [leaf_hash(h.leaf()) for h in ordered]


def root_hex(heads: Mapping[str, Head]) -> str:
    return root_of_hashes(tree(heads)[1]).hex()


def proof_of(case: str, heads: Mapping[str, Head]) -> tuple[int, list[str]]:
    """The leaf index of `case` and its inclusion proof (hex), in the tree over `heads`."""
    ordered, hashes = tree(heads)
    index = next(i for i, h in enumerate(ordered) if h.case == case)
    return index, [p.hex() for p in inclusion_proof(index, hashes)]
