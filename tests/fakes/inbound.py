"""Fake of the inbound address book: tests register who holds which number and address."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeAddressBook:
    # case id -> (phones, e-mail, open?)
    cases: dict[str, tuple[tuple[str, ...], str | None, bool]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)  # key -> case id

    def add(
        self, case_id: str, phones: tuple[str, ...] = (), email: str | None = None, *,
        open_: bool = True,
    ) -> None:  # fmt: skip
        self.cases[case_id] = (phones, email, open_)

    def open_cases_by_phone(self, phone: str) -> list[str]:
        return sorted(c for c, (phones, _e, o) in self.cases.items() if o and phone in phones)

    def open_cases_by_email(self, address: str) -> list[str]:
        wanted = address.strip().lower()
        return sorted(
            c for c, (_p, e, o) in self.cases.items() if o and e and e.strip().lower() == wanted
        )

    def case_of_message(self, key: str) -> str | None:
        return self.messages.get(key)


class FakeInboundRepositories:
    def setup(self) -> None:
        self.addresses = FakeAddressBook()
