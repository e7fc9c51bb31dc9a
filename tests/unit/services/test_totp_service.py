"""The staff's second factor (services.second_factor) on fakes, with time steps fixed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeUnitOfWork

from fairdebt.services import second_factor as factor
from fairdebt.services.ports.second_factor import FactorEventKind
from fairdebt.services.sessions import Lifetimes, open_session, resolve
from fairdebt.services.sign_ins import Throttle
from fairdebt.services.users import User, create_user

NOW = datetime(2026, 12, 9, 9, 0, 10, tzinfo=UTC)  # 10 s into a 30-second step
SEALER = factor.Sealer("test-secret-key")
THROTTLE = Throttle(max_failures=3, window=timedelta(minutes=15))
STEP = timedelta(seconds=factor.STEP_SECONDS)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small costs: the same code path, without seconds per hash on a busy
    machine (each hash names its own costs, so verifying works alike)."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    monkeypatch.setattr("fairdebt.services.users._hasher", lambda: cheap)


def enrolled(uow: FakeUnitOfWork, name: str = "boss") -> tuple[User, str, list[str]]:
    """A user whose factor is on: the user, the secret, the recovery codes."""
    user = create_user(uow, name, "supervisor", "s3cret-pass", name)
    enrolment = factor.begin_enrolment(uow, user, NOW, SEALER)
    first = factor.code_at(enrolment.secret, factor.step_of(NOW) - 1)
    codes = factor.confirm_enrolment(uow, user, first, NOW, SEALER, "10.0.0.1")
    return user, enrolment.secret, codes


def check(uow, user, code, at=NOW, client="10.0.0.1") -> factor.CodeCheck:
    return factor.check_code(uow, user, code, client, at, THROTTLE, SEALER)


def test_the_secret_is_sealed_and_the_factor_is_on_only_after_a_current_code():
    uow = FakeUnitOfWork()
    user = create_user(uow, "boss", "supervisor", "s3cret-pass", "Boss")
    enrolment = factor.begin_enrolment(uow, user, NOW, SEALER)

    stored = uow.second_factors.rows[user.id]
    assert enrolment.secret not in stored.sealed_secret
    assert SEALER.open(stored.sealed_secret) == enrolment.secret
    assert enrolment.uri.startswith("otpauth://totp/fairdebt:boss?secret=")
    assert not factor.is_enabled(uow, user.id)
    with pytest.raises(factor.SecondFactorError) as wrong:
        factor.confirm_enrolment(uow, user, "000000", NOW, SEALER, "")
    assert wrong.value.reason == "wrong_code" and not factor.is_enabled(uow, user.id)

    codes = factor.confirm_enrolment(
        uow, user, factor.code_at(enrolment.secret, factor.step_of(NOW)), NOW, SEALER, ""
    )

    assert factor.is_enabled(uow, user.id)
    assert len(codes) == 10 and len(set(codes)) == 10
    hashes = uow.second_factors.rows[user.id].recovery_hashes
    assert len(hashes) == 10 and not any(c in "".join(hashes) for c in codes)
    assert [e.kind for e in uow.factor_events.rows] == [FactorEventKind.ENROLLED]


def test_another_key_cannot_open_the_secret():
    uow = FakeUnitOfWork()
    user, _, _ = enrolled(uow)
    with pytest.raises(factor.SecondFactorError) as failed:
        factor.Sealer("another-key").open(uow.second_factors.rows[user.id].sealed_secret)
    assert failed.value.reason == "unsealable"


def test_a_second_enrolment_is_refused_while_one_is_on():
    uow = FakeUnitOfWork()
    user, _, _ = enrolled(uow)
    with pytest.raises(factor.SecondFactorError) as refused:
        factor.begin_enrolment(uow, user, NOW, SEALER)
    assert refused.value.reason == "already_on"


def test_one_step_of_drift_either_way_is_accepted_two_are_not():
    for offset, ok in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        uow = FakeUnitOfWork()
        user, secret, _ = enrolled(uow)
        code = factor.code_at(secret, factor.step_of(NOW + STEP * 5) + offset)
        assert check(uow, user, code, at=NOW + STEP * 5).ok is ok, offset


def test_a_code_is_accepted_once_and_an_older_step_after_a_newer_is_refused():
    uow = FakeUnitOfWork()
    user, secret, _ = enrolled(uow)
    later = NOW + STEP * 10
    current = factor.code_at(secret, factor.step_of(later))
    previous = factor.code_at(secret, factor.step_of(later) - 1)

    assert check(uow, user, current, at=later).ok
    assert not check(uow, user, current, at=later).ok  # replayed
    assert not check(uow, user, previous, at=later).ok  # older than the one used
    assert check(uow, user, factor.code_at(secret, factor.step_of(later) + 1), at=later).ok


def test_the_enrolment_code_cannot_be_replayed_to_sign_in():
    uow = FakeUnitOfWork()
    user, secret, _ = enrolled(uow)  # confirmed with the code of the step before NOW
    assert not check(uow, user, factor.code_at(secret, factor.step_of(NOW) - 1)).ok
    assert check(uow, user, factor.code_at(secret, factor.step_of(NOW))).ok


def test_a_recovery_code_works_once_with_spaces_and_capitals_forgiven():
    uow = FakeUnitOfWork()
    user, _, codes = enrolled(uow)

    first = check(uow, user, f"  {codes[3].upper()} ")
    again = check(uow, user, codes[3], at=NOW + timedelta(seconds=1))

    assert first.ok and first.recovery_used and first.recovery_left == 9
    assert not again.ok
    kinds = [e.kind for e in uow.factor_events.rows]
    assert kinds == [
        FactorEventKind.ENROLLED,
        FactorEventKind.RECOVERY_USED,
        FactorEventKind.CODE_FAILED,
    ]


def test_wrong_codes_lock_the_user_and_a_right_password_does_not_unlock_it():
    uow = FakeUnitOfWork()
    user, secret, _ = enrolled(uow)
    for i in range(3):
        assert not check(uow, user, "123456", at=NOW + timedelta(seconds=i)).ok
    from fairdebt.services.sign_ins import attempt

    assert attempt(uow, "boss", "s3cret-pass", "10.0.0.1", NOW, THROTTLE).user is not None

    right = factor.code_at(secret, factor.step_of(NOW) + 1)
    locked = check(uow, user, right, at=NOW + timedelta(seconds=5), client="10.0.0.2")

    assert not locked.ok and locked.locked_until == NOW + timedelta(minutes=15)
    assert uow.second_factors.rows[user.id].last_step == factor.step_of(NOW) - 1  # unchecked
    failed = [e for e in uow.factor_events.rows if e.kind is FactorEventKind.CODE_FAILED]
    assert len(failed) == 3


@pytest.mark.parametrize(
    "typed", ["", "\x00" * 6, "12345", "1234567", "١٢٣٤٥٦", "9" * 10**5, "abcde-fghij" * 3]
)
def test_malformed_codes_are_plain_failures(typed):
    uow = FakeUnitOfWork()
    user, _, _ = enrolled(uow)
    assert not check(uow, user, typed).ok


def test_no_code_is_accepted_for_a_user_without_an_enabled_factor():
    uow = FakeUnitOfWork()
    user = create_user(uow, "plain", "collector", "s3cret-pass", "Plain")
    pending = factor.begin_enrolment(uow, user, NOW, SEALER)
    assert not check(uow, user, factor.code_at(pending.secret, factor.step_of(NOW))).ok


def test_disable_needs_the_password_and_a_current_code():
    uow = FakeUnitOfWork()
    user, secret, _ = enrolled(uow)
    code = factor.code_at(secret, factor.step_of(NOW))

    def disable(password: str, typed: str) -> None:
        factor.disable(uow, user, password, typed, "10.0.0.1", NOW, THROTTLE, SEALER)

    with pytest.raises(factor.SecondFactorError) as bad_password:
        disable("wrong-pass", code)
    with pytest.raises(factor.SecondFactorError) as bad_code:
        disable("s3cret-pass", "000000")
    assert (bad_password.value.reason, bad_code.value.reason) == ("wrong_password", "wrong_code")
    assert factor.is_enabled(uow, user.id)

    disable("s3cret-pass", code)

    assert not factor.is_enabled(uow, user.id)
    assert uow.factor_events.rows[-1].kind is FactorEventKind.DISABLED


def test_a_reset_removes_the_factor_ends_the_sessions_and_is_recorded():
    uow = FakeUnitOfWork()
    user, _, _ = enrolled(uow)
    token = open_session(uow, user, NOW, Lifetimes())

    assert factor.reset(uow, user, NOW, actor="cli")

    assert not factor.is_enabled(uow, user.id)
    assert resolve(uow, token, NOW, Lifetimes()) is None
    last = uow.factor_events.rows[-1]
    assert (last.kind, last.actor) == (FactorEventKind.RESET, "cli")
    assert not factor.reset(uow, user, NOW)  # nothing left to remove


def test_a_challenge_opens_its_step_once_and_only_until_it_expires():
    uow = FakeUnitOfWork()
    user = create_user(uow, "boss", "supervisor", "s3cret-pass", "Boss")
    token = factor.open_challenge(uow, user, "code", NOW)

    assert token not in repr(uow.sign_in_challenges.rows)
    assert factor.challenge_user(uow, token, "enrol", NOW) is None  # another step
    assert factor.challenge_user(uow, token, "code", NOW + factor.CHALLENGE_TTL) is None
    found = factor.challenge_user(uow, token, "code", NOW + timedelta(minutes=4))
    assert found is not None and found.id == user.id
    assert resolve(uow, token, NOW, Lifetimes()) is None  # not a session token
    assert factor.take_challenge(uow, token, NOW)
    assert not factor.take_challenge(uow, token, NOW)
    assert factor.challenge_user(uow, token, "code", NOW) is None


def test_a_new_enrolment_challenge_voids_the_earlier_ones_but_not_code_challenges():
    uow = FakeUnitOfWork()
    user = create_user(uow, "boss", "supervisor", "s3cret-pass", "Boss")
    code_step = factor.open_challenge(uow, user, "code", NOW)
    first = factor.open_challenge(uow, user, "enrol", NOW)
    second = factor.open_challenge(uow, user, "enrol", NOW)

    assert factor.challenge_user(uow, first, "enrol", NOW) is None
    assert factor.challenge_user(uow, second, "enrol", NOW) is not None
    assert factor.challenge_user(uow, code_step, "code", NOW) is not None
