"""Use case: one-time codes for the borrower portal — signing in by phone, and signing a plan.

Sign-in (`request_sign_in`, then `check_code`):
- The answer is the same whether or not the number is a borrower's: a code row is written for
  every well-formed number (its `borrower_id` None when the number is nobody's, or more than one
  borrower's, and then nothing is sent), and the rate limits count it alike. The page says "if
  the number is registered, a code is on its way" either way.
- A code is 6 digits, lives `CODE_LIFETIME` (5 minutes), is used once (a compare-and-set on
  `used_at`), and is stored only as an HMAC-SHA256 under the deployment's secret key; the number
  only as a keyed hash (`subject`). The code is bound to the browser that asked: the session
  keeps a random challenge token whose SHA-256 the row holds, so a code read elsewhere (the SMS
  is kept as evidence, like every message sent) opens nothing from another browser.
- Limits (`Limits`): codes per number and per client address per hour; tries per code; failed
  checks per number and per client address per hour, beyond which every check is refused
  (`locked`) without looking at the code, until the hour has passed. With the defaults a number
  gets at most 5 codes x 5 tries = 25 guesses an hour at one in a million each.

Why the code's SMS does not ask the collection gate: it is a service message the borrower asked
for seconds ago, not a communication in connection with the collection of a debt (12 CFR
1006.2(d) covers conveying information about a debt; a code conveys none), and refusing it
would lock a borrower out of the portal exactly when the gate holds collection (a complaint, a
dispute, quiet hours). It still goes through ContactGuard, the only caller of providers: a
`gate_decision` event with the service rule PORTAL-OTP (severity info) is logged first, the exact
bytes are kept in the evidence store, and the attempt and its outcome are logged on the case as
every other send is. Being an SMS in the log it counts toward the gate's contact caps, which
errs on the side of fewer collection contacts, never more.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from fairdebt.adapters.channels.base import Channel, OutboundMessage
from fairdebt.compliance.types import Decision, FiredRule, Severity, Verdict, normalise_address
from fairdebt.domain.borrower import normalise_phone
from fairdebt.domain.errors import InvalidPhoneError
from fairdebt.domain.events import NewEvent
from fairdebt.errors import FairdebtError
from fairdebt.services.contact import ContactGuard
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.evidence import EvidenceStore
from fairdebt.services.ports.portal import OneTimeCode

CODE_LIFETIME = timedelta(minutes=5)
CODE_DIGITS = 6
HOUR = timedelta(hours=1)
SIGN_IN, SIGN, LETTER = "sign_in", "sign", "letter"
LETTER_LIFETIME = timedelta(days=30)  # a letter takes days to arrive and to be read
SERVICE_RULE = "PORTAL-OTP"
SERVICE_PACK = "fairdebt-portal-service"
SERVICE_ACTOR = "portal"


class PortalCodeError(FairdebtError):
    """A code cannot be requested as asked (not a phone number)."""


@dataclass(frozen=True, slots=True)
class Limits:
    codes_per_number: int = 5  # per hour
    codes_per_client: int = 20  # per hour, per client address
    tries_per_code: int = 5
    failures_per_number: int = 10  # per hour; then every check is refused until it passes
    failures_per_client: int = 50  # per hour, per client address


@dataclass(frozen=True, slots=True)
class Issued:
    """What a request made. `challenge` goes into the asking browser's session; `code` is the
    clear code to send (None: nothing to send — the number is nobody's, or the request was
    throttled); `throttled` is True when no code was made at all."""

    challenge: str | None
    code: str | None = None
    borrower_id: str | None = None
    case_id: str | None = None
    to: str = ""
    throttled: bool = False


@dataclass(frozen=True, slots=True)
class Checked:
    """A check's answer: `ok` (borrower_id set), or `wrong`, `expired`, `used`, `locked`."""

    status: str
    borrower_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def keyed(key: str, text: str) -> str:
    """HMAC-SHA256 hex of `text` under the deployment's secret: a code or a number hashed so
    that the table alone cannot be searched through for it (10^6 codes hash in a second)."""
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def challenge_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def phone_subject(key: str, e164: str) -> str:
    return keyed(key, f"phone:{e164}")


def client_subject(key: str, client: str) -> str:
    return keyed(key, f"client:{client[:64]}")


def parse_phone(text: str) -> str:
    """The number as E.164, or PortalCodeError (a malformed number is refused; whether a
    well-formed one is anyone's is never said)."""
    cleaned = text.strip()[:32]
    try:
        return normalise_phone(cleaned)
    except InvalidPhoneError:
        raise PortalCodeError(
            "that is not a phone number", hint="type the mobile number, e.g. 138 1234 5678"
        ) from None


def request_sign_in(
    uow: UnitOfWork, phone: str, client: str, now: datetime, key: str, limits: Limits = Limits()
) -> Issued:
    """A sign-in code for `phone` (module docstring); the caller sends `code` if it is set."""
    e164 = parse_phone(phone)
    subject, by_client = phone_subject(key, e164), client_subject(key, client)
    with uow:
        if (
            uow.portal_codes.issued(SIGN_IN, subject, now - HOUR) >= limits.codes_per_number
            or uow.portal_attempts.count("request", by_client, now - HOUR)
            >= limits.codes_per_client
        ):
            return Issued(None, throttled=True)
        uow.portal_attempts.add(now, "request", by_client)
        borrower_id, case_id = _owner(uow, e164)
        issued = _issue(uow, SIGN_IN, subject, borrower_id, now, key)
        uow.commit()
    if borrower_id is None:
        return Issued(issued[0])
    return Issued(issued[0], issued[1], borrower_id, case_id, e164)


def request_signing_code(
    uow: UnitOfWork,
    user_id: str,
    borrower_id: str,
    now: datetime,
    key: str,
    limits: Limits = Limits(),
) -> Issued:
    """A fresh code to sign a document with (a plan): bound to the signed-in borrower user."""
    subject = keyed(key, f"user:{user_id}")
    with uow:
        if uow.portal_codes.issued(SIGN, subject, now - HOUR) >= limits.codes_per_number:
            return Issued(None, throttled=True)
        challenge, code = _issue(uow, SIGN, subject, borrower_id, now, key)
        uow.commit()
    return Issued(challenge, code, borrower_id)


def _owner(uow: UnitOfWork, e164: str) -> tuple[str | None, str | None]:
    """The one borrower holding the number and their case; (None, None) if none or several."""
    owners: dict[str, str] = {}
    for case_id in uow.addresses.open_cases_by_phone(e164):
        case = uow.cases.get(case_id)
        if case is not None:
            owners[case.borrower_id] = case_id
    if len(owners) != 1:
        return None, None
    ((borrower_id, case_id),) = owners.items()
    return borrower_id, case_id


def issue_letter_code(
    uow: UnitOfWork, case_id: str, now: datetime, key: str, lifetime: timedelta = LETTER_LIFETIME
) -> tuple[str, str]:
    """A sign-in to print in a letter: (link token, code). The letter prints the case link
    `/portal/letter/<token>` and, apart from it, the code (`XXXX-XXXX`, the verify codes'
    alphabet: 31^8). The token is the challenge a browser otherwise keeps in its session, so the
    code opens the portal only with the link, once, within `lifetime`, behind the same limits
    as a phone code (tries per code, failures per case and per client address). Only hashes are
    stored: whoever reads the table can print no letter."""
    from fairdebt.services import verify

    with uow:
        case = uow.cases.get(case_id)
        if case is None:
            raise PortalCodeError(f"no case {case_id[:64]!r}", hint="check the case id")
        code = "".join(secrets.choice(verify.ALPHABET) for _ in range(verify.LENGTH))
        subject = keyed(key, f"case:{case_id}")
        token, _ = _issue(uow, LETTER, subject, case.borrower_id, now, key, code, lifetime)
        uow.commit()
    return token, verify.shown(code)


def _issue(
    uow: UnitOfWork,
    purpose: str,
    subject: str,
    borrower_id: str | None,
    now: datetime,
    key: str,
    code: str | None = None,
    lifetime: timedelta = CODE_LIFETIME,
) -> tuple[str, str]:
    token, code = secrets.token_urlsafe(32), code or new_code()
    row = OneTimeCode(
        id=uuid.uuid4().hex,
        purpose=purpose,
        subject=subject,
        challenge=challenge_hash(token),
        code_hash=keyed(key, f"code:{token}:{code}"),
        borrower_id=borrower_id,
        created_at=now,
        expires_at=now + lifetime,
    )
    uow.portal_codes.add(row)
    return token, code


def check_code(
    uow: UnitOfWork,
    challenge: str | None,
    code: str,
    client: str,
    now: datetime,
    key: str,
    limits: Limits = Limits(),
    purpose: str = SIGN_IN,
) -> Checked:
    """Whether `code` is the live code of the browser's `challenge` (module docstring). A wrong
    code is counted against the number and the client; the count is committed either way."""
    by_client = client_subject(key, client)
    with uow:
        row = uow.portal_codes.by_challenge(challenge_hash(challenge)) if challenge else None
        if row is None or row.purpose != purpose:
            return Checked("expired")
        if _locked(uow, row.subject, by_client, now, limits):
            return Checked("locked")
        tries = uow.portal_codes.count_tries(row.id)
        typed = _letter_code(code) if purpose == LETTER else code.strip()[:16]
        status = _status(row, tries, typed, now, key, challenge or "", limits)
        if status == "ok" and not uow.portal_codes.use(row.id, now):
            status = "used"
        if status in ("wrong", "expired"):  # a guess at a dead code counts as much
            uow.portal_attempts.add(now, "fail", row.subject)
            uow.portal_attempts.add(now, "fail", by_client)
        uow.commit()
    return Checked(status, row.borrower_id if status == "ok" else None)


def _letter_code(text: str) -> str:
    """A letter's code as typed (spaces, a dash, lower case) in its stored form."""
    from fairdebt.services import verify

    return verify.normalise(text[:32]) or text.strip()[:16]


def _locked(uow: UnitOfWork, subject: str, by_client: str, now: datetime, limits: Limits) -> bool:
    return (
        uow.portal_attempts.count("fail", subject, now - HOUR) >= limits.failures_per_number
        or uow.portal_attempts.count("fail", by_client, now - HOUR) >= limits.failures_per_client
    )


def _status(
    row: OneTimeCode, tries: int, code: str, now: datetime, key: str, token: str, limits: Limits
) -> str:
    if row.used_at is not None:
        return "used"
    if now >= row.expires_at or tries > limits.tries_per_code:
        return "expired"
    expected = row.code_hash
    given = keyed(key, f"code:{token}:{code}")
    if not hmac.compare_digest(expected, given) or row.borrower_id is None:
        return "wrong"
    return "ok"


# --- sending --------------------------------------------------------------------------------


def service_decision(case_id: str, to: str, now: datetime, nonce: str) -> Decision:
    """The logged decision that lets a code through (module docstring: why not the gate)."""
    digest = hashlib.sha256(f"{case_id}|{to}|{now.isoformat()}|{nonce}".encode()).hexdigest()
    rule = FiredRule(
        SERVICE_RULE,
        "docs/portal.md#sign-in",
        Severity.INFO,
        "A one-time code the borrower asked for in the portal: a service message, not a "
        "collection contact.",
    )
    return Decision(Verdict.ALLOW, (rule,), None, SERVICE_PACK, digest)


def send_code(
    uow: UnitOfWork,
    channels: Mapping[str, Channel],
    evidence: EvidenceStore | None,
    case_id: str,
    to: str,
    body: str,
    now: datetime,
    language: str = "zh-CN",
) -> str:
    """Send a code's SMS through ContactGuard after logging its service decision and keeping
    its exact bytes as evidence; the delivery outcome."""
    channel = channels.get("sms")
    if channel is None:
        raise PortalCodeError("no SMS channel is configured", hint="set FAIRDEBT_SMS_PROVIDER")
    decision = service_decision(case_id, to, now, uuid.uuid4().hex)
    message = OutboundMessage(case_id, "sms", to, body, decision.id, language=language)
    prepared = channel.prepare(message)
    ref = evidence.put(prepared.data, prepared.media_type) if evidence is not None else ""
    attempt = {
        "channel": "sms",
        "party": "debtor",
        "purpose": "respond",
        "to": normalise_address(to),
        "collector": SERVICE_ACTOR,
    }
    data = {
        "decision_id": decision.id,
        "decision": decision.to_dict(),
        "attempt": attempt,
        "service": "portal_code",
        "evidence": ref or "sha256:" + hashlib.sha256(prepared.data).hexdigest(),
    }
    with uow:
        uow.events.append(case_id, NewEvent("gate_decision", SERVICE_ACTOR, data), now)
        uow.commit()
    sent = OutboundMessage(
        case_id,
        "sms",
        to,
        body,
        decision.id,
        key=decision.id,
        language=language,
        payload=prepared.data,
    )
    return ContactGuard(uow, channels).send(sent, now, SERVICE_ACTOR)
