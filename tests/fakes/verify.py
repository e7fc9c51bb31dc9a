"""Fake of the verify-code port (a dict by hash, same semantics)."""

from __future__ import annotations

from fairdebt.services.ports.verify import VerifyCode


class FakeVerifyCodeRepository:
    def __init__(self) -> None:
        self.rows: dict[str, VerifyCode] = {}

    def add(self, code: VerifyCode) -> None:
        if code.code_hash in self.rows:
            raise ValueError("verify code exists")  # the primary key
        self.rows[code.code_hash] = code

    def get(self, code_hash: str) -> VerifyCode | None:
        return self.rows.get(code_hash)


class FakeVerifyRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: this group's fake repository."""
        self.verify_codes = FakeVerifyCodeRepository()
