"""The staff's second factor: a TOTP code (RFC 6238: six digits, 30-second steps, SHA-1, what
every authenticator app makes) asked for after the password, before any session exists.

- Enrolment: `begin_enrolment` stores a new secret, sealed (`Sealer`: Fernet under a key
  derived from the deployment's secret key), and returns it once for the QR code; only
  `confirm_enrolment` with a current code enables it, and returns ten recovery codes, shown
  once and kept only as password hashes (Argon2id, like passwords).
- Checking a code (`check_code`): counted like a password (services.sign_ins: the attempt is
  recorded as a failure before the code is checked, under the same lock, so parallel guesses
  are counted one by one); the throttle's name is `2fa:<user id>`, so a right password does
  not reset the count of wrong codes. One step of clock drift either way is accepted; a code
  whose step is not newer than the last accepted one is refused (no replay). A recovery code
  works once, and is then removed.
- Half-signed: after the password, the browser holds only a challenge token (`open_challenge`)
  that opens no page; `take_challenge` turns it, once, into the user it was for.
- The record: enrolment, disabling, an administrator's reset, a wrong code and a recovery code
  used are kept as factor events (who, when, from where).

docs/security.md, "Second factor".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fairdebt.errors import FairdebtError
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.ports.second_factor import (
    Challenge,
    FactorEvent,
    FactorEventKind,
    SecondFactor,
)
from fairdebt.services.sessions import revoke_all_for_user, session_id
from fairdebt.services.sign_ins import Throttle, attempt, locked_until

if TYPE_CHECKING:
    from pwdlib import PasswordHash

    from fairdebt.services.ports import UnitOfWork

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # codes of the step before and after the current one are accepted too
RECOVERY_CODES = 10
ISSUER = "fairdebt"
CHALLENGE_TTL = timedelta(minutes=5)
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class SecondFactorError(FairdebtError):
    """A second-factor step cannot be done as asked; `reason` names which (the web pages say
    it in the reader's language): already_on, nothing_pending, wrong_code, wrong_password,
    locked, unsealable."""

    def __init__(self, cause: str, hint: str = "", reason: str = "wrong_code") -> None:
        super().__init__(cause, hint)
        self.reason = reason


class Sealer:
    """Seals and opens TOTP secrets with a key derived from the deployment's secret key, so a
    copy of the table alone cannot make codes."""

    def __init__(self, secret_key: str) -> None:
        from cryptography.fernet import Fernet

        digest = hashlib.sha256(b"fairdebt second factor\x00" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("ascii")).decode("ascii")

    def open(self, sealed: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecondFactorError(
                "the second factor's secret cannot be opened with this secret key",
                hint="the secret key changed: reset the factor (fairdebt users 2fa-reset NAME)",
                reason="unsealable",
            ) from None


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A pending enrolment as the user sees it: the secret (base32) and its otpauth:// URI."""

    secret: str
    uri: str


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """What a code came to: accepted or not, the end of a lock, whether a recovery code was
    spent (and how many are left)."""

    ok: bool
    locked_until: datetime | None = None
    recovery_used: bool = False
    recovery_left: int = 0


def step_of(now: datetime) -> int:
    """The TOTP time step of an instant."""
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code of a step (tests and the e2e browser make codes with it too)."""
    import pyotp

    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def throttle_name(user_id: str) -> str:
    """The name wrong codes are counted under in the sign-in attempts."""
    return f"2fa:{user_id}"


def required_for(user: User, roles: frozenset[Role]) -> bool:
    return user.role in roles


def is_enabled(uow: UnitOfWork, user_id: str) -> bool:
    with uow:
        factor = uow.second_factors.get(user_id)
    return factor is not None and factor.enabled


def enabled_users(uow: UnitOfWork) -> set[str]:
    with uow:
        return uow.second_factors.enabled_users()


def pending_enrolment(uow: UnitOfWork, user: User, sealer: Sealer) -> Enrolment | None:
    """The enrolment the user started and has not confirmed yet, if any."""
    with uow:
        factor = uow.second_factors.get(user.id)
    if factor is None or factor.enabled:
        return None
    return _enrolment(user, sealer.open(factor.sealed_secret))


def begin_enrolment(uow: UnitOfWork, user: User, now: datetime, sealer: Sealer) -> Enrolment:
    """A new secret for the user, pending until confirmed (replaces an unconfirmed one).
    Refused while a factor is enabled: it is disabled first (password and code)."""
    import pyotp

    secret = pyotp.random_base32()
    with uow:
        found = uow.second_factors.get(user.id)
        if found is not None and found.enabled:
            raise SecondFactorError(
                "a second factor is already on",
                hint="turn it off first (password and code)",
                reason="already_on",
            )
        uow.second_factors.put(SecondFactor(user.id, sealer.seal(secret), now))
        uow.commit()
    return _enrolment(user, secret)


def _enrolment(user: User, secret: str) -> Enrolment:
    import pyotp

    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def confirm_enrolment(
    uow: UnitOfWork, user: User, code: str, now: datetime, sealer: Sealer, client: str
) -> list[str]:
    """Enable the pending factor if `code` is current; the recovery codes (shown once)."""
    with uow:
        factor = uow.second_factors.get(user.id)
    if factor is None or factor.enabled:
        raise SecondFactorError(
            "there is no set-up to confirm", hint="start the set-up again", reason="nothing_pending"
        )
    step = _matching_step(sealer.open(factor.sealed_secret), normal_code(code), now)
    if step is None:
        raise SecondFactorError(
            "the code does not match", hint="type the code the app shows now (6 digits)"
        )
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    hashes = [_hasher().hash(c) for c in codes]
    with uow:
        if not uow.second_factors.enable(user.id, now, step, hashes):
            raise SecondFactorError(
                "there is no set-up to confirm", hint="start it again", reason="nothing_pending"
            )
        _log(uow, user.id, FactorEventKind.ENROLLED, now, user.username, client)
        uow.commit()
    return codes


def check_code(
    uow: UnitOfWork,
    user: User,
    code: str,
    client: str,
    now: datetime,
    throttle: Throttle,
    sealer: Sealer,
) -> CodeCheck:
    """One try of a code (or a recovery code) for the user's enabled factor: refused unchecked
    while locked; else counted as a failure first, then checked (services.sign_ins.attempt's
    order, for the same reason: parallel guesses are counted one by one)."""
    name = throttle_name(user.id)
    with uow:
        uow.sign_ins.lock(name, client)
        until = locked_until(uow, name, client, now, throttle)
        if until is not None:
            return CodeCheck(False, until)
        attempt_id = uow.sign_ins.add(now, name, client, False)
        uow.commit()
    result = _verify(uow, user.id, code, now, sealer)
    with uow:
        if result.ok:
            uow.sign_ins.succeeded(attempt_id)
        kind = FactorEventKind.RECOVERY_USED if result.recovery_used else None
        kind = kind if result.ok else FactorEventKind.CODE_FAILED
        if kind is not None:
            _log(uow, user.id, kind, now, user.username, client)
        uow.commit()
    return result


def _verify(uow: UnitOfWork, user_id: str, code: str, now: datetime, sealer: Sealer) -> CodeCheck:
    with uow:
        factor = uow.second_factors.get(user_id)
    if factor is None or not factor.enabled:
        return CodeCheck(False)
    typed = normal_code(code)
    if typed.isdigit() and len(typed) == DIGITS:
        step = _matching_step(sealer.open(factor.sealed_secret), typed, now)
        with uow:
            ok = step is not None and uow.second_factors.use_step(user_id, step)
            uow.commit()
        return CodeCheck(ok)
    return _spend_recovery(uow, factor, typed)


def _spend_recovery(uow: UnitOfWork, factor: SecondFactor, typed: str) -> CodeCheck:
    """A recovery code works once: the matching hash is removed if the list is still the one
    read (a second request with the same code finds it changed, and fails)."""
    if len(typed) != 11 or not typed.isascii():
        return CodeCheck(False)
    hasher = _hasher()
    for found in factor.recovery_hashes:
        if hasher.verify(typed, found):
            left = tuple(h for h in factor.recovery_hashes if h != found)
            with uow:
                ok = uow.second_factors.use_recovery(factor.user_id, factor.recovery_hashes, left)
                uow.commit()
            return CodeCheck(ok, recovery_used=ok, recovery_left=len(left))
    return CodeCheck(False)


def _matching_step(secret: str, typed: str, now: datetime) -> int | None:
    """The step (current ± DRIFT_STEPS) whose code is `typed`, compared in constant time."""
    if not (typed.isdigit() and typed.isascii() and len(typed) == DIGITS):
        return None
    current = step_of(now)
    matches = [
        step
        for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1)
        if hmac.compare_digest(code_at(secret, step), typed)
    ]
    return matches[-1] if matches else None


def normal_code(code: str) -> str:
    """The code as typed without spaces and dashes' surroundings, lower-cased; at most 32
    characters are looked at (anything longer is no code)."""
    cleaned = "".join(code.split()).lower()
    return cleaned if len(cleaned) <= 32 else ""


def disable(
    uow: UnitOfWork,
    user: User,
    password: str,
    code: str,
    client: str,
    now: datetime,
    throttle: Throttle,
    sealer: Sealer,
) -> None:
    """Turn the user's factor off: needs the password (counted like a sign-in) and a current
    code (counted like one)."""
    tried = attempt(uow, user.username, password, client, now, throttle)
    if tried.locked_until is not None:
        raise SecondFactorError(
            "too many wrong passwords", hint="wait, then try again", reason="locked"
        )
    if tried.user is None or tried.user.id != user.id:
        raise SecondFactorError(
            "the password is wrong", hint="type your own password", reason="wrong_password"
        )
    checked = check_code(uow, user, code, client, now, throttle, sealer)
    if checked.locked_until is not None:
        raise SecondFactorError(
            "too many wrong codes", hint="wait, then try again", reason="locked"
        )
    if not checked.ok:
        raise SecondFactorError("the code does not match", hint="type the code the app shows now")
    with uow:
        uow.second_factors.remove(user.id)
        _log(uow, user.id, FactorEventKind.DISABLED, now, user.username, client)
        uow.commit()


def reset(uow: UnitOfWork, user: User, now: datetime, actor: str = "cli") -> bool:
    """An administrator's reset (a lost phone): the factor is removed and the user's sessions
    end, so the next sign-in enrols again where the role requires it. Whether there was one."""
    with uow:
        removed = uow.second_factors.remove(user.id)
        _log(uow, user.id, FactorEventKind.RESET, now, actor, "")
        revoke_all_for_user(uow, user.id, now)
        uow.commit()
    return removed


def open_challenge(uow: UnitOfWork, user: User, purpose: str, now: datetime) -> str:
    """After the right password: a token for the browser that opens only the code (or
    enrolment) step, for CHALLENGE_TTL, once. A new enrolment challenge voids the user's
    earlier ones (with the secret they showed: the web page starts a new set-up with it), so
    a browser that saw one set-up cannot look at the next."""
    token = secrets.token_urlsafe(32)
    challenge = Challenge(session_id(token), user.id, purpose, now, now + CHALLENGE_TTL)
    with uow:
        if purpose == "enrol":
            uow.sign_in_challenges.void_user(user.id, purpose, now)
        uow.sign_in_challenges.add(challenge)
        uow.commit()
    return token


def challenge_user(uow: UnitOfWork, token: str, purpose: str, now: datetime) -> User | None:
    """The enabled user a live, unused challenge of this purpose is for, else None."""
    with uow:
        found = uow.sign_in_challenges.get(session_id(token))
        if found is None or found.used_at is not None or found.purpose != purpose:
            return None
        if now >= found.expires_at:
            return None
        user = uow.users.get(found.user_id)
    return user if user is not None and user.active else None


def take_challenge(uow: UnitOfWork, token: str, now: datetime) -> bool:
    """Use the challenge up (once: a second request with the same token gets False)."""
    with uow:
        taken = uow.sign_in_challenges.use(session_id(token), now)
        uow.commit()
    return taken


def events_of(uow: UnitOfWork, user_id: str) -> list[FactorEvent]:
    with uow:
        return uow.factor_events.of_user(user_id)


def _log(
    uow: UnitOfWork, user_id: str, kind: FactorEventKind, now: datetime, actor: str, client: str
) -> None:
    uow.factor_events.add(FactorEvent(now, user_id, kind, actor, client))


def _recovery_code() -> str:
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def _hasher() -> PasswordHash:
    """The password hasher of services.users (recovery codes are kept as passwords are)."""
    from fairdebt.services.users import _hasher as password_hasher

    return password_hasher()
