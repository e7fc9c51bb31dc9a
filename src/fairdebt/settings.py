"""Settings: one typed class, read from FAIRDEBT_* variables (and a .env file if present).

This is the only module that reads the environment. The pure core never sees Settings; the
composition root (bootstrap) passes it plain values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fairdebt.errors import SettingsError

PLACEHOLDER_SECRET = "changethis"  # the placeholder we refuse in production
COMPONENTS = ("fee", "interest", "principal")


class Settings(BaseSettings):
    """Every setting fairdebt has; the variable is FAIRDEBT_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix="FAIRDEBT_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "test", "production"] = Field(
        "development", description="Deployment kind; production refuses placeholder secrets."
    )
    data_dir: Path = Field(
        Path(".fairdebt"), description="Where the SQLite database, evidence and exports live."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default is SQLite at <data_dir>/fairdebt.db."
    )
    secret_key: SecretStr = Field(
        SecretStr(PLACEHOLDER_SECRET), description="Signs session cookies and verify codes."
    )
    secret_key_file: Path | None = Field(
        None, description="Read the secret key from this file instead (container secrets)."
    )
    host: str = Field("127.0.0.1", description="Address the web server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the web server listens on.")
    locale: Literal["zh-CN", "en"] = Field("zh-CN", description="Default language of the UI.")
    timezone: str = Field("Asia/Shanghai", description="Default borrower time zone (IANA).")
    allocation_order: str = Field(
        "fee,interest,principal",
        description="Order in which a payment pays an instalment's components.",
    )
    default_pack: str = Field("cn", description="Rule pack used when a case names none.")
    db_timeout_seconds: float = Field(
        5.0, gt=0, description="How long to wait for a locked SQLite database."
    )
    contact_phone: str = Field(
        "400-000-0000",
        min_length=3,
        description="The phone number messages and letters give the borrower to call.",
    )
    portal_url: str = Field(
        "http://127.0.0.1:8000/verify",
        description="Where messages send the borrower to verify a collector and dispute online.",
    )
    login_max_failures: int = Field(
        5, ge=1, le=100, description="Wrong passwords that lock a user name for the lockout."
    )
    login_lockout_minutes: int = Field(
        15, ge=1, le=1440, description="How long failed sign-ins count, and a lock lasts."
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses of the reverse proxies whose X-Forwarded-For "
        "and X-Forwarded-Proto are believed; empty: none, the connection's peer is the client.",
    )

    # --- calls and the verify page (adapters/channels/calls.py, services/verify.py) ---
    call_provider: Literal["manual"] = Field(
        "manual",
        description="Who places a collector's call: manual (the collector dials by hand).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("contact_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not any(c.isdigit() for c in value) or "\n" in value:
            raise ValueError("must be one line holding a phone number, e.g. '400-000-0000'")
        return value.strip()

    @field_validator("portal_url")
    @classmethod
    def _portal(cls, value: str) -> str:
        # Printed in letters and SMS: a borrower must be able to type it, so no relative path.
        if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
            raise ValueError("must be an absolute http(s) URL, e.g. 'https://example.cn/verify'")
        return value.rstrip("/")

    @field_validator("allocation_order")
    @classmethod
    def _components(cls, value: str) -> str:
        parts = tuple(p.strip() for p in value.split(","))
        if sorted(parts) != sorted(COMPONENTS):
            raise ValueError(
                "must name fee, interest and principal once each, e.g. 'fee,interest,principal'"
            )
        return ",".join(parts)

    @model_validator(mode="after")
    def _secret(self) -> Settings:
        if self.secret_key_file is not None:
            try:
                secret = self.secret_key_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ValueError(f"cannot read secret_key_file: {exc.strerror}") from exc
            object.__setattr__(self, "secret_key", SecretStr(secret))
        if self.env == "production" and self.secret_key.get_secret_value() == PLACEHOLDER_SECRET:
            raise ValueError("secret_key is still the placeholder; set FAIRDEBT_SECRET_KEY")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'fairdebt.db').as_posix()}"

    @property
    def allocation(self) -> tuple[str, ...]:
        return tuple(self.allocation_order.split(","))


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning a validation error into one readable SettingsError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise SettingsError(
            f"invalid setting FAIRDEBT_{field.upper()}: {first['msg']}",
            hint=f"{len(exc.errors())} problem(s); see docs/settings.md for allowed values",
        ) from None
