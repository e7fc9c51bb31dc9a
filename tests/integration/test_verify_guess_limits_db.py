"""/verify's limits on guessing (services.verify.check) on SQLite and PostgreSQL: the counts
hold across connections (server workers) and parallel guesses are counted one after another."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.db.verify_tables import verify_attempts
from fairdebt.services.verify import ALPHABET, Checked, GuessLimits, check

T0 = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
LIMITS = GuessLimits(per_client=10, per_prefix=20)


def _in_parallel(engine, guesses: list[tuple[str, str]]) -> list[Checked]:
    """Each (code, client) is tried on its own connection, all released at once."""
    start = threading.Barrier(len(guesses))

    def guess(pair: tuple[str, str]) -> Checked:
        start.wait()
        return check(SqlUnitOfWork(engine), pair[0], pair[1], T0, LIMITS)

    with ThreadPoolExecutor(max_workers=len(guesses)) as pool:
        return list(pool.map(guess, guesses))


def test_guesses_from_three_addresses_are_locked_after_ten_each(engine) -> None:
    rng = random.Random(7)
    clients = ["203.0.113.1", "203.0.113.2", "2001:db8::17"]
    answers: dict[str, list[bool]] = {c: [] for c in clients}

    for n in range(90):
        code = "".join(rng.choice(ALPHABET) for _ in range(8))
        client = clients[n % 3]
        answer = check(SqlUnitOfWork(engine), code, client, T0 + timedelta(seconds=n), LIMITS)
        assert answer.found is None or answer.found.status == "unknown"
        answers[client].append(answer.found is not None)

    assert all(seen == [True] * 10 + [False] * 20 for seen in answers.values())
    with engine.connect() as conn:
        kept = conn.execute(select(verify_attempts.c.client, verify_attempts.c.found)).all()
    assert len(kept) == 30 and not any(found for _client, found in kept)


@pytest.mark.parametrize("spread", ["one address", "thirty addresses, one prefix"])
def test_thirty_parallel_guesses_get_at_most_the_allowance_looked_up(engine, spread) -> None:
    if spread == "one address":
        guesses = [(f"ABC{ALPHABET[i]}-EFGH", "203.0.113.9") for i in range(30)]
        allowance = LIMITS.per_client
    else:
        guesses = [(f"ABCD-EF{ALPHABET[i]}H", f"198.51.100.{i}") for i in range(30)]
        allowance = LIMITS.per_prefix

    answers = _in_parallel(engine, guesses)

    assert len([a for a in answers if a.found is not None]) == allowance
    assert all(a.locked_until == T0 + LIMITS.client_window for a in answers if a.found is None) or (
        all(a.locked_until == T0 + LIMITS.prefix_window for a in answers if a.found is None)
    )
    with engine.connect() as conn:
        assert len(conn.execute(select(verify_attempts.c.id)).all()) == allowance


def test_attempts_older_than_thirty_days_are_forgotten(engine) -> None:
    check(SqlUnitOfWork(engine), "ABCD-EFGH", "203.0.113.1", T0, LIMITS)

    check(SqlUnitOfWork(engine), "ABCD-EFGJ", "203.0.113.2", T0 + timedelta(days=31), LIMITS)

    with engine.connect() as conn:
        kept = conn.execute(select(verify_attempts.c.client)).scalars().all()
    assert kept == ["203.0.113.2"]
