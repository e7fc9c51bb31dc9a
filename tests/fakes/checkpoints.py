"""Fake of the checkpoint log: lists in memory; the current heads come from the fake event log
of the same unit of work (set by FakeCheckpointRepositories.setup)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from fairdebt.domain.anchor import Checkpoint, Head
from fakes.cases import FakeEventLog


class FakeCheckpointLog:
    def __init__(self, events: FakeEventLog) -> None:
        self.events = events
        self.rows: list[Checkpoint] = []
        self.heads: list[tuple[int, Head]] = []

    def latest(self) -> Checkpoint | None:
        return max(self.rows, key=lambda c: c.number) if self.rows else None

    def all(self) -> list[Checkpoint]:
        return sorted(self.rows, key=lambda c: c.number)

    def add(self, checkpoint: Checkpoint, changed: Sequence[Head]) -> None:
        if any(c.number == checkpoint.number for c in self.rows):
            raise ValueError("checkpoint exists")  # the primary key
        self.rows.append(checkpoint)
        self.heads.extend((checkpoint.number, h) for h in changed)

    def recorded_heads(self) -> Iterator[tuple[int, Head]]:
        yield from sorted(self.heads, key=lambda r: (r[1].case, r[0]))

    def current_heads(self) -> Iterator[Head]:
        for case_id in sorted(self.events.chains):
            chain = self.events.chains[case_id]
            if chain:
                last = max(chain, key=lambda e: e.seq)
                yield Head(case_id, last.seq, last.hash)


class FakeCheckpointRepositories:
    events: FakeEventLog  # FakeCaseRepositories'

    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__ (after FakeCaseRepositories.setup)."""
        self.checkpoints = FakeCheckpointLog(self.events)
