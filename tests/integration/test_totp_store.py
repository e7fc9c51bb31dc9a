"""The second-factor tables on SQLite and PostgreSQL: a step, a recovery code and a challenge
are each used once, even by two workers at the same moment; reset and the record."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.services import second_factor as factor
from fairdebt.services.ports.second_factor import FactorEventKind
from fairdebt.services.sign_ins import Throttle
from fairdebt.services.users import create_user

NOW = datetime(2026, 12, 9, 9, 0, 10, tzinfo=UTC)
SEALER = factor.Sealer("test-secret-key")
THROTTLE = Throttle(max_failures=5, window=timedelta(minutes=15))


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    monkeypatch.setattr("fairdebt.services.users._hasher", lambda: cheap)


def enrolled(engine, name: str = "boss"):
    user = create_user(SqlUnitOfWork(engine), name, "supervisor", "s3cret-pass", name)
    enrolment = factor.begin_enrolment(SqlUnitOfWork(engine), user, NOW, SEALER)
    first = factor.code_at(enrolment.secret, factor.step_of(NOW) - 1)
    codes = factor.confirm_enrolment(SqlUnitOfWork(engine), user, first, NOW, SEALER, "10.0.0.1")
    return user, enrolment.secret, codes


def test_an_enrolled_factor_round_trips_sealed(engine):
    user, secret, codes = enrolled(engine)
    with SqlUnitOfWork(engine) as uow:
        stored = uow.second_factors.get(user.id)
        listed = uow.second_factors.enabled_users()

    assert stored is not None and stored.enabled and secret not in stored.sealed_secret
    assert SEALER.open(stored.sealed_secret) == secret
    assert stored.last_step == factor.step_of(NOW) - 1
    assert len(stored.recovery_hashes) == 10 and listed == {user.id}
    assert len(codes) == 10


def test_two_workers_with_the_same_code_one_wins(engine):
    user, secret, _ = enrolled(engine)
    code = factor.code_at(secret, factor.step_of(NOW))

    def try_it(client: str) -> bool:
        uow = SqlUnitOfWork(engine)
        return factor.check_code(uow, user, code, client, NOW, THROTTLE, SEALER).ok

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(try_it, ["10.0.0.1", "10.0.0.2"]))

    assert sorted(results) == [False, True]


def test_two_workers_with_the_same_recovery_code_one_wins(engine):
    user, _, codes = enrolled(engine)

    def try_it(client: str) -> bool:
        uow = SqlUnitOfWork(engine)
        return factor.check_code(uow, user, codes[0], client, NOW, THROTTLE, SEALER).ok

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(try_it, ["10.0.0.1", "10.0.0.2"]))

    assert sorted(results) == [False, True]
    with SqlUnitOfWork(engine) as uow:
        stored = uow.second_factors.get(user.id)
    assert stored is not None and len(stored.recovery_hashes) == 9


def test_a_challenge_is_taken_once(engine):
    user = create_user(SqlUnitOfWork(engine), "li", "collector", "s3cret-pass", "Li")
    token = factor.open_challenge(SqlUnitOfWork(engine), user, "code", NOW)

    found = factor.challenge_user(SqlUnitOfWork(engine), token, "code", NOW)
    with ThreadPoolExecutor(2) as pool:
        taken = list(
            pool.map(lambda _: factor.take_challenge(SqlUnitOfWork(engine), token, NOW), [1, 2])
        )

    assert found is not None and found.id == user.id
    assert sorted(taken) == [False, True]


def test_a_reset_removes_the_factor_and_is_recorded_with_the_rest(engine):
    user, _, _ = enrolled(engine)
    factor.check_code(SqlUnitOfWork(engine), user, "000000", "10.0.0.1", NOW, THROTTLE, SEALER)

    assert factor.reset(SqlUnitOfWork(engine), user, NOW + timedelta(minutes=1))

    assert not factor.is_enabled(SqlUnitOfWork(engine), user.id)
    kinds = [e.kind for e in factor.events_of(SqlUnitOfWork(engine), user.id)]
    assert kinds == [FactorEventKind.ENROLLED, FactorEventKind.CODE_FAILED, FactorEventKind.RESET]


def test_a_step_far_in_the_future_is_stored_whole(engine):
    user, _, _ = enrolled(engine)
    far = factor.step_of(datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    with SqlUnitOfWork(engine) as uow:
        assert uow.second_factors.use_step(user.id, far)
        assert not uow.second_factors.use_step(user.id, far)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        stored = uow.second_factors.get(user.id)
    assert stored is not None and stored.last_step == far


def test_the_cli_lists_and_resets_second_factors(database_url, fairdebt):
    import json

    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.services.sessions import Lifetimes, open_session, resolve

    env = {"FAIRDEBT_DATABASE_URL": database_url}
    engine = make_engine(database_url)
    user, _, _ = enrolled(engine, "lost.phone")
    create_user(SqlUnitOfWork(engine), "no.phone", "collector", "s3cret-pass", "No phone")
    token = open_session(SqlUnitOfWork(engine), user, datetime.now(UTC), Lifetimes())

    before = json.loads(fairdebt("users", "list", "--json", env=env).stdout)
    reset = fairdebt("users", "2fa-reset", "lost.phone", env=env)
    after = json.loads(fairdebt("users", "list", "--json", env=env).stdout)
    unknown = fairdebt("users", "2fa-reset", "nobody", env=env)

    assert {r["username"]: r["second_factor"] for r in before} == {
        "lost.phone": True,
        "no.phone": False,
    }
    assert reset.returncode == 0 and "second factor removed" in reset.stdout, reset.stderr
    assert not any(r["second_factor"] for r in after)
    assert resolve(SqlUnitOfWork(engine), token, datetime.now(UTC), Lifetimes()) is None
    assert unknown.returncode == 2 and "no user named 'nobody'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    kinds = [e.kind for e in factor.events_of(SqlUnitOfWork(engine), user.id)]
    assert FactorEventKind.RESET in kinds  # the CLI records it at the real time
    engine.dispose()
