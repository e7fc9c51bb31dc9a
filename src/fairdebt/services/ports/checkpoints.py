"""Port for the audit checkpoints (domain/anchor.py) and the key that signs them.

The checkpoint log is append-only: one row per checkpoint, and per checkpoint the heads of the
cases whose head changed since the one before (a case's head at checkpoint N is its latest
recorded head at or before N: `domain.anchor.fold`). The current heads are read from the event
log in one query, so a checkpoint never walks the chains.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from fairdebt.domain.anchor import Checkpoint, Head


class CheckpointLog(Protocol):
    def latest(self) -> Checkpoint | None:
        """The checkpoint with the highest number, if any."""
        ...

    def all(self) -> list[Checkpoint]:
        """Every checkpoint, by number."""
        ...

    def add(self, checkpoint: Checkpoint, changed: Sequence[Head]) -> None:
        """Store a new checkpoint and the heads that changed since the one before. Two writers
        racing for one number collide on the key: the loser's transaction fails."""
        ...

    def recorded_heads(self) -> Iterator[tuple[int, Head]]:
        """Every recorded (checkpoint number, head), by case id then checkpoint number."""
        ...

    def current_heads(self) -> Iterator[Head]:
        """Every case's last event in the event log now, by case id."""
        ...


class Signer(Protocol):
    """The institution's signing key (adapters/signing.py: Ed25519)."""

    @property
    def key_id(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...

    def verify(self, message: bytes, signature: bytes) -> bool: ...


class Verifier(Protocol):
    """A public key: checks signatures, makes none."""

    @property
    def key_id(self) -> str: ...

    def verify(self, message: bytes, signature: bytes) -> bool: ...


class CheckpointRepositories(Protocol):
    @property
    def checkpoints(self) -> CheckpointLog: ...
