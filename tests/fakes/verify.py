"""Fake of the verify-code port (a dict by hash, same semantics)."""

from __future__ import annotations

from datetime import datetime

from fairdebt.services.ports.verify import VerifyCode

CLIENT_WIDTH = 64  # as the SQL column


class FakeVerifyCodeRepository:
    def __init__(self) -> None:
        self.rows: dict[str, VerifyCode] = {}

    def add(self, code: VerifyCode) -> None:
        if code.code_hash in self.rows:
            raise ValueError("verify code exists")  # the primary key
        self.rows[code.code_hash] = code

    def get(self, code_hash: str) -> VerifyCode | None:
        return self.rows.get(code_hash)


class FakeVerifyAttemptRepository:
    def __init__(self) -> None:
        self.rows: list[tuple[datetime, str, str, bool]] = []

    def __deepcopy__(self, memo: dict[int, object]) -> FakeVerifyAttemptRepository:
        """The unit of work's snapshot: the rows are immutable tuples, a new list will do
        (a deep copy of thousands of attempts on every `with` is what made guessing slow)."""
        copied = FakeVerifyAttemptRepository()
        copied.rows = list(self.rows)
        return copied

    def lock(self, client: str, prefix: str) -> None:
        """One thread: nothing to serialise."""

    def add(self, at: datetime, client: str, prefix: str, found: bool) -> None:
        self.rows.append((at, client[:CLIENT_WIDTH], prefix, found))

    def failures(
        self, *, after: datetime, limit: int, client: str | None = None, prefix: str | None = None
    ) -> list[datetime]:
        found = [
            at
            for at, by, pre, ok in self.rows
            if at > after
            and not ok
            and (client is None or by == client[:CLIENT_WIDTH])
            and (prefix is None or pre == prefix)
        ]
        return sorted(found, reverse=True)[:limit]

    def prune(self, before: datetime) -> int:
        kept = [row for row in self.rows if row[0] >= before]
        gone, self.rows = len(self.rows) - len(kept), kept
        return gone


class FakeVerifyRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: this group's fake repositories."""
        self.verify_codes = FakeVerifyCodeRepository()
        self.verify_attempts = FakeVerifyAttemptRepository()
