"""One-time codes driven directly (fakes): 10,000 guesses find nothing and lock the number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fakes import FakeUnitOfWork

from fairdebt.domain.case import Case
from fairdebt.services import portal_codes as codes

NOW = datetime(2026, 6, 30, 9, 30, tzinfo=UTC)
KEY = "k" * 32


def test_ten_thousand_guesses_find_nothing_and_lock() -> None:
    uow = FakeUnitOfWork()
    issued = codes.request_sign_in(uow, "+8613800000001", "10.0.0.1", NOW, KEY)
    assert issued.challenge is not None and issued.code is None  # nobody's number: nothing sent
    statuses = set()
    for guess in range(10_000):
        checked = codes.check_code(
            uow, issued.challenge, f"{guess:06d}", f"10.0.{guess % 250}.2", NOW, KEY
        )
        assert not checked.ok
        statuses.add(checked.status)
    assert "locked" in statuses  # after Limits().failures_per_number failures in the hour
    assert codes.check_code(uow, issued.challenge, "000000", "x", NOW, KEY).status == "locked"
    # an hour later the number may try again; the code itself has long expired
    later = NOW + timedelta(hours=1, seconds=1)
    assert codes.check_code(uow, issued.challenge, "000000", "x", later, KEY).status == "expired"


def test_the_right_code_after_the_lock_still_opens_nothing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    monkeypatch.setattr(uow.addresses, "open_cases_by_phone", lambda phone: ["C1"], raising=False)
    monkeypatch.setattr(codes, "new_code", lambda: "123456")
    monkeypatch.setattr(
        uow.cases, "get", lambda case_id: Case("C1", "B1", (), NOW.date()), raising=False
    )
    issued = codes.request_sign_in(uow, "+8613800000001", "ip", NOW, KEY)
    assert issued.code == "123456" and issued.borrower_id == "B1"
    for guess in range(4):
        assert (
            codes.check_code(uow, issued.challenge, f"00000{guess}", "ip", NOW, KEY).status
            == "wrong"
        )
    assert codes.check_code(uow, issued.challenge, "123456", "ip", NOW, KEY).ok
    issued = codes.request_sign_in(uow, "+8613800000001", "ip", NOW, KEY)
    for _ in range(20):
        codes.check_code(uow, issued.challenge, "999999", "ip", NOW, KEY)
    assert codes.check_code(uow, issued.challenge, "123456", "ip", NOW, KEY).status == "locked"


def test_codes_per_number_are_limited_whoever_holds_it() -> None:
    uow = FakeUnitOfWork()
    made = [codes.request_sign_in(uow, "13800000002", f"ip{i}", NOW, KEY) for i in range(7)]
    assert [m.throttled for m in made] == [False] * 5 + [True] * 2
    stored = list(uow.portal_codes.rows.values())
    assert all("13800000002" not in (c.subject + c.code_hash) for c in stored)
