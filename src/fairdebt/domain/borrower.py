"""The borrower (借款人): identity, phones, addresses and the time zone contact law is read in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumValidationError

from fairdebt.domain.errors import DomainError, InvalidNationalIdError, InvalidPhoneError


def normalise_national_id(value: str) -> str:
    """Validate a PRC resident identity number (居民身份证号码) and return it compacted."""
    try:
        return str(ric.validate(value))
    except StdnumValidationError as exc:
        raise InvalidNationalIdError(f"not a valid resident ID: {exc}") from None


def _tail(value: str) -> str:
    """'…' and the last two characters: enough to find the row's value, not to call it."""
    return f"…{value.strip()[-2:]}" if len(value.strip()) > 2 else "…"


def birth_date_of(national_id: str) -> date:
    return ric.get_birth_date(national_id)


def normalise_phone(value: str, region: str = "CN") -> str:
    """Parse a phone number (local numbers read in `region`) and return it as E.164. The error
    names only the last digits: it reaches import reports and rejects listings."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneError(f"not a phone number: {_tail(value)} ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError(f"not a valid phone number: {_tail(value)}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """+8613812345678 -> +86138****5678: enough to recognise, not enough to dial."""
    return e164[:-8] + "****" + e164[-4:] if len(e164) > 8 else "****"


def mask_national_id(value: str) -> str:
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "****"


def mask_name(name: str) -> str:
    """张三丰 -> 张** ; John Smith -> J*** S****."""
    if not name:
        return name
    if name.isascii():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())
    return name[0] + "*" * (len(name) - 1)


def mask_email(email: str) -> str:
    """zhang.san@example.cn -> z***@example.cn: the provider stays readable, the person not."""
    local, at, domain = email.partition("@")
    if not at:
        return "****"
    return (local[:1] or "*") + "***@" + domain


def mask_address(address: str) -> str:
    """北京市朝阳路1号 -> 北京市**** ; 12 Main St, Springfield -> ****, Springfield.

    The city is left (the borrower card shows it to every role); street and number are not."""
    text = address.strip()
    if "," in text:
        return "****, " + text.rsplit(",", 1)[1].strip()
    if not text.isascii() and len(text) > 3:
        return text[:3] + "****"
    return "****"


# Personal data in free text: resident ID numbers, e-mail addresses, phone numbers (E.164, or a
# mainland mobile with optional 86 prefix and spaces or dashes). Bounded by non-alphanumerics so
# that hashes, ids and dates are left alone.
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_ID_IN_TEXT = re.compile(_EDGE_BEFORE + r"\d{17}[\dXx]" + _EDGE_AFTER)
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_IN_TEXT = re.compile(
    _EDGE_BEFORE
    + r"(?:\+\d{7,15}|(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}|\+\d{1,3}(?:[ -]\d{2,5}){2,4})"
    + _EDGE_AFTER
)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch == "+")


def mask_text(text: str, *, keep_contact: bool = False) -> str:
    """`text` with resident ID numbers masked, and phone numbers and e-mails too unless
    `keep_contact` (the roles that call the borrower see how to reach them)."""
    text = _ID_IN_TEXT.sub(lambda m: mask_national_id(m.group()), text)
    if keep_contact:
        return text
    text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group()), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(_digits(m.group())), text)


def mask_addressee(to: str) -> str:
    """A contact's `to`: a phone number, an e-mail or a postal address, masked as what it is."""
    if "@" in to:
        return mask_email(to.strip())
    if _PHONE_IN_TEXT.fullmatch(to.strip()) or re.fullmatch(r"\+?[\d -]{7,}", to.strip()):
        return mask_phone(_digits(to))
    return mask_address(to)


_PHONE_KEYS = frozenset({"phone", "phones", "mobile", "tel", "telephone", "phone_number"})
_EMAIL_KEYS = frozenset({"email", "emails", "e_mail", "mail"})
_ADDRESS_KEYS = frozenset({"address", "addresses", "home_address", "work_address", "street"})
_NAME_KEYS = frozenset({"name", "names", "full_name", "borrower_name", "debtor_name"})
_ID_KEYS = frozenset({"national_id", "id_number", "id_no", "resident_id", "id_card"})
_ADDRESSEE_KEYS = frozenset({"to", "recipient", "addressee", "contact"})
PERSONAL_KEYS = _PHONE_KEYS | _EMAIL_KEYS | _ADDRESS_KEYS | _NAME_KEYS | _ID_KEYS | _ADDRESSEE_KEYS
"""Keys whose values are personal data wherever they sit in an event's data."""


def _mask_scalar(key: str, value: str) -> str:
    if key in _ID_KEYS:
        return mask_national_id(value)
    if key in _PHONE_KEYS:
        return mask_addressee(value)
    if key in _EMAIL_KEYS:
        return mask_email(value)
    if key in _ADDRESS_KEYS:
        return mask_address(value)
    if key in _NAME_KEYS:
        return mask_name(value)
    return mask_addressee(value)  # _ADDRESSEE_KEYS


def mask_personal_data(value: Any, *, keep_contact: bool = False, key: str = "") -> Any:
    """A copy of JSON-like `value` with personal data masked, decided by the field: the value
    of a key in PERSONAL_KEYS at any depth, and phone numbers, e-mails and ID numbers in any
    other text. With `keep_contact` (roles that call the borrower) only ID numbers are masked,
    as on the borrower card; names, phones, e-mails and addresses stay whole."""
    lowered = key.lower()
    if isinstance(value, dict):
        return {
            k: mask_personal_data(v, keep_contact=keep_contact, key=str(k))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_personal_data(v, keep_contact=keep_contact, key=key) for v in value]
    if not isinstance(value, str):
        return value
    if lowered in _ID_KEYS:
        return mask_national_id(value)
    if lowered in PERSONAL_KEYS and not keep_contact:
        return _mask_scalar(lowered, value)
    return mask_text(value, keep_contact=keep_contact)


@dataclass(frozen=True, slots=True)
class Coordinates:
    lat: float  # geography, not money: floats are right here
    lon: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise DomainError(f"coordinates out of range: {self.lat}, {self.lon}")


@dataclass(frozen=True, slots=True)
class Address:
    text: str
    city: str = ""
    coordinates: Coordinates | None = None
    kind: str = "home"


@dataclass(frozen=True, slots=True)
class Borrower:
    """One natural person who owes on one or more accounts."""

    id: str
    name: str
    national_id: str | None = None
    phones: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    timezone: str = "Asia/Shanghai"
    email: str | None = None

    def __post_init__(self) -> None:
        if not self.id or not self.name.strip():
            raise DomainError("a borrower needs an id and a name")
        if self.national_id is not None:
            object.__setattr__(self, "national_id", normalise_national_id(self.national_id))
        object.__setattr__(self, "phones", tuple(normalise_phone(p) for p in self.phones))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise DomainError(f"unknown time zone {self.timezone!r}") from None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
