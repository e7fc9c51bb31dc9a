"""The borrower (借款人): identity, phones, addresses and the time zone contact law is read in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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


def birth_date_of(national_id: str) -> date:
    return ric.get_birth_date(national_id)


def normalise_phone(value: str, region: str = "CN") -> str:
    """Parse a phone number (local numbers read in `region`) and return it as E.164."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneError(f"not a phone number: {value!r} ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError(f"not a valid phone number: {value!r}")
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
