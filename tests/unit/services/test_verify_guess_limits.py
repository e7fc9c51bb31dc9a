"""/verify's limits on guessing (services.verify.check) on the fakes: 10,000 random codes from
several addresses find nothing and are locked as docs/verify.md says; a real code still works
from an address that is not locked; a locked attempt is not looked up."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeUnitOfWork

from fairdebt.services import verify
from fairdebt.services.ports.verify import VerifyCode
from fairdebt.services.verify import (
    ALPHABET,
    LENGTH,
    GuessLimits,
    Lookup,
    check,
    code_hash,
    lookup,
    prefix_of,
    shown,
)

T0 = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
LIMITS = GuessLimits()  # 10 per address per 10 minutes, 20 per prefix per hour
REAL = "K7MP-Q2WX"


def with_real_code() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.verify_codes.add(
        VerifyCode(
            code_hash=code_hash(REAL.replace("-", "")),
            case_id="C-B0001234",
            user_id="u-1",
            collector_name="李雷",
            organisation="示例消费金融有限公司",
            in_house=True,
            issued_at=T0 - timedelta(hours=1),
            expires_at=T0 + timedelta(days=7),
        )
    )
    return uow


class CountingLookups:
    """Counts the service's lookups (a locked attempt makes none)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0

        def counted(uow: FakeUnitOfWork, code: str, now: datetime) -> Lookup:
            self.calls += 1
            return lookup(uow, code, now)

        monkeypatch.setattr(verify, "lookup", counted)


def random_code(rng: random.Random) -> str:
    return shown("".join(rng.choice(ALPHABET) for _ in range(LENGTH)))


def test_ten_thousand_random_guesses_find_nothing_and_are_locked_per_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uow = with_real_code()
    lookups = CountingLookups(monkeypatch)
    rng = random.Random(20260701)
    clients = [f"203.0.113.{i}" for i in range(1, 21)]
    looked_up: dict[str, list[datetime]] = {c: [] for c in clients}
    refused = 0

    for n in range(10_000):
        now = T0 + timedelta(milliseconds=200 * n)  # 10,000 guesses in 33 minutes
        client = clients[n % len(clients)]
        code = random_code(rng)
        if code == REAL:
            continue
        before = lookups.calls
        answer = check(uow, code, client, now, LIMITS)
        if answer.found is None:
            refused += 1
            assert answer.locked_until is not None and answer.locked_until > now
            assert lookups.calls == before  # refused unlooked-up
        else:
            assert answer.found.status == "unknown"
            assert lookups.calls == before + 1
            looked_up[client].append(now)

    for client, times in looked_up.items():  # never more than 10 in any 10 minutes
        for i, start in enumerate(times):
            within = [t for t in times[i:] if t < start + LIMITS.client_window]
            assert len(within) <= LIMITS.per_client, client
        assert len(times) <= LIMITS.per_client * 4  # 33 minutes: four windows at most
    assert refused >= 10_000 - 20 * 10 * 4
    assert check(uow, REAL, "198.51.100.1", T0 + timedelta(hours=1), LIMITS).found.status == (
        "valid"
    )


def test_a_locked_address_is_refused_even_the_real_code_until_the_oldest_failure_ages_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uow = with_real_code()
    lookups = CountingLookups(monkeypatch)
    for i in range(10):
        check(uow, f"ZZZ{i + 2}-AAAA", "203.0.113.9", T0 + timedelta(seconds=i), LIMITS)

    refused = check(uow, REAL, "203.0.113.9", T0 + timedelta(minutes=5), LIMITS)
    other = check(uow, REAL, "203.0.113.10", T0 + timedelta(minutes=5), LIMITS)
    later = check(uow, REAL, "203.0.113.9", T0 + timedelta(minutes=10, seconds=1), LIMITS)

    assert refused.found is None and refused.locked_until == T0 + timedelta(minutes=10)
    assert lookups.calls == 12  # the ten guesses, the other address, the later try
    assert other.found.status == "valid" and later.found.status == "valid"


def test_a_prefix_guessed_from_many_addresses_is_locked_for_everyone() -> None:
    uow = with_real_code()
    for i in range(LIMITS.per_prefix):  # 20 addresses, one guess each, same prefix as REAL
        code = f"K7MP-{ALPHABET[i]}AAA"
        assert check(uow, code, f"198.51.100.{i}", T0 + timedelta(seconds=i), LIMITS).found

    same_prefix = check(uow, "k7mp q2wx", "192.0.2.1", T0 + timedelta(minutes=30), LIMITS)
    other_prefix = check(uow, "ABCD-EFGH", "192.0.2.1", T0 + timedelta(minutes=30), LIMITS)
    after_an_hour = check(uow, REAL, "192.0.2.1", T0 + timedelta(hours=1, seconds=1), LIMITS)

    assert same_prefix.found is None and same_prefix.locked_until == T0 + timedelta(hours=1)
    assert other_prefix.found is not None and other_prefix.found.status == "unknown"
    assert after_an_hour.found is not None and after_an_hour.found.status == "valid"


def test_text_that_cannot_be_a_code_counts_against_the_address_only() -> None:
    uow = FakeUnitOfWork()
    junk = ["", "\x00" * 32, "9" * 10**4, "ABCD-EFG", "ABCD-EFGI", "１２３４５６７８"]
    for i in range(10):
        assert check(uow, junk[i % len(junk)], "203.0.113.5", T0, LIMITS).found is not None

    assert check(uow, "ABCD-EFGH", "203.0.113.5", T0, LIMITS).found is None
    assert {prefix_of(text) for text in junk} == {""}
    assert {row[2] for row in uow.verify_attempts.rows} == {""}


def test_a_real_code_is_not_a_failure_and_the_record_keeps_no_code() -> None:
    uow = with_real_code()
    for i in range(30):
        answer = check(uow, REAL, "203.0.113.7", T0 + timedelta(seconds=i), LIMITS)
        assert answer.found is not None and answer.found.status == "valid"

    assert {row[1:] for row in uow.verify_attempts.rows} == {("203.0.113.7", "K7MP", True)}


def test_attempts_older_than_thirty_days_are_forgotten() -> None:
    uow = FakeUnitOfWork()
    check(uow, "ABCD-EFGH", "203.0.113.5", T0, LIMITS)

    check(uow, "ABCD-EFGH", "203.0.113.5", T0 + timedelta(days=31), LIMITS)

    assert [row[0] for row in uow.verify_attempts.rows] == [T0 + timedelta(days=31)]
