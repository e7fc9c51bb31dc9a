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
    # Console sessions (services/sessions.py): server-side, revoked on sign-out.
    session_idle_minutes: int = Field(
        720, ge=5, le=10080, description="A console session unused this long ends (minutes)."
    )
    session_lifetime_hours: int = Field(
        168, ge=1, le=2160, description="A console session ends this long after sign-in (hours)."
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses of the reverse proxies whose X-Forwarded-For "
        "and X-Forwarded-Proto are believed; empty: none, the connection's peer is the client.",
    )
    # --- evidence store ---
    evidence_url: str = Field(
        "",
        description="Where the bytes of every message sent are kept: empty for "
        "<data_dir>/evidence, a directory (path or file:///abs/path), or "
        "s3://bucket/prefix?endpoint=URL&region=NAME.",
    )
    # --- channels: e-mail (SMTP), the SMS gateway, inbound webhooks (docs/channels.md) ---
    smtp_url: SecretStr | None = Field(
        None,
        description="smtp://user:pass@host:port (STARTTLS when offered; ?starttls=required "
        "demands it) or smtps://... (implicit TLS); unset: e-mail goes to the console channel.",
    )
    mail_from: str = Field(
        "fairdebt <noreply@localhost>", description="The From of every e-mail sent."
    )
    public_url: str | None = Field(
        None,
        description="Where this deployment is reached from outside (links in e-mails and "
        "letters: unsubscribe, a letter's portal sign-in); default: the origin of "
        "FAIRDEBT_PORTAL_URL.",
    )
    sms_gateway_url: str | None = Field(
        None, description="The HTTP SMS gateway's base URL; unset: SMS goes to the console."
    )
    sms_gateway_key_id: str = Field("", description="The key id the gateway knows us by.")
    sms_gateway_secret: SecretStr = Field(
        SecretStr(""),
        description="Signs requests to the SMS gateway and checks its webhooks (provider "
        "`gateway`).",
    )
    inbound_secrets: SecretStr = Field(
        SecretStr(""),
        description="Secrets of the inbound webhooks by provider: `name:secret,name2:secret2` "
        "(`email` signs bounces).",
    )
    # --- letters (fairdebt.letters, adapters/channels/letter_dir.py) ---------------------------
    letter_dir: Path | None = Field(
        None,
        description="Where the letter provider posts PDFs and manifests; default "
        "<data_dir>/letters.",
    )
    mailing_address: str = Field(
        "北京市朝阳区建国路 88 号 100022",
        min_length=3,
        description="The deployment's postal address: the neutral return address on a sealed "
        "cover, and where an in-house notice asks the borrower to write.",
    )
    law_firm: str = Field(
        "示例律师事务所", min_length=2, description="The law firm a lawyer's letter comes from."
    )
    law_firm_address: str = Field(
        "北京市东城区示例大街 1 号 100010",
        min_length=3,
        description="The law firm's postal address, printed on its letters.",
    )
    agency_addresses: str = Field(
        "",
        description="Each agency's mailing address for the US validation notice: "
        "'AGENCY=address' entries separated by ';' (e.g. 'AG-EAST=1 Main St, Springfield, "
        "IL 62701').",
    )

    @field_validator("mailing_address", "law_firm", "law_firm_address")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value or not value.strip():
            raise ValueError("must be one non-empty line (it is printed in letters)")
        return value.strip()

    @field_validator("agency_addresses")
    @classmethod
    def _agency_addresses(cls, value: str) -> str:
        for entry in filter(None, (e.strip() for e in value.split(";"))):
            agency, _, address = entry.partition("=")
            if not agency.strip() or not address.strip():
                raise ValueError(f"{entry!r} is not 'AGENCY=address'")
        return value

    @property
    def letter_path(self) -> Path:
        """The letter provider's directory (`letter_dir`, else <data_dir>/letters)."""
        return self.letter_dir if self.letter_dir is not None else self.data_dir / "letters"

    @property
    def agency_address_map(self) -> dict[str, str]:
        """`agency_addresses` read: agency id -> mailing address."""
        pairs = (e.partition("=") for e in self.agency_addresses.split(";") if e.strip())
        return {agency.strip(): address.strip() for agency, _, address in pairs}

    # --- calls and the verify page (adapters/channels/calls.py, services/verify.py) ---
    call_provider: Literal["manual"] = Field(
        "manual",
        description="Who places a collector's call: manual (the collector dials by hand).",
    )

    # --- field visits (services/visits.py, docs/visits.md) ---
    visit_notice_hours: int = Field(
        24,
        ge=1,
        le=720,
        description="A visit's prior notice reaches the borrower this long before.",
    )
    visit_checkin_radius_m: float = Field(
        200.0, gt=0, le=5000, description="How far from the approved address a check-in may be."
    )

    # --- API tokens (web/api_auth.py, docs/gate.md#api-tokens) ---
    api_token_recheck_seconds: float = Field(
        5.0,
        ge=0,
        description=(
            "How long a server process trusts a token it has checked before reading it from the "
            "database again (so a revoked token is refused within this time); 0: every request."
        ),
    )

    # --- complaints and disputes (services/complaints.py, docs/complaints.md) ---
    complaint_acknowledge_days: int = Field(
        2,
        ge=0,
        le=366,
        description=(
            "Calendar days a complaint may wait to be acknowledged (fairdebt policy: the borrower "
            "hears at once that it was received and who handles it)."
        ),
    )
    complaint_answer_days: int = Field(
        15,
        ge=1,
        le=366,
        description=(
            "Calendar days a complaint may wait for its answer: 15, the time 《银行业保险业消费投诉"
            "处理管理办法》(银保监会令2020年第3号) gives a bank or insurer to settle a simple "
            "complaint and tell the complainant (complex ones up to 30)."
        ),
    )

    # --- borrower portal (web/pages/portal.py, services/portal*.py, docs/portal.md) ---
    portal_plan_answer_days: int = Field(
        5,
        ge=1,
        le=60,
        description=(
            "Days within which a supervisor answers a repayment plan a borrower proposed in the "
            "portal outside the automatic policy (the date is shown to the borrower)."
        ),
    )
    portal_attachment_max_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1024,
        le=100 * 1024 * 1024,
        description=(
            "Largest file a borrower may attach to a complaint in the portal (a photo or a "
            "recording; at most 5 files, each checked by its first bytes)."
        ),
    )

    # --- field kit: /verify's limits on guessing (services/verify.py) and the official
    # repayment channels every borrower-facing page shows (docs/verify.md) ---
    verify_client_failures: int = Field(
        10, ge=1, le=1000, description="Failed /verify lookups one client address may make."
    )
    verify_client_window_minutes: int = Field(
        10, ge=1, le=1440, description="The window of FAIRDEBT_VERIFY_CLIENT_FAILURES (minutes)."
    )
    verify_prefix_failures: int = Field(
        20,
        ge=1,
        le=10000,
        description="Failed /verify lookups of codes sharing their first four characters, from "
        "any address.",
    )
    verify_prefix_window_minutes: int = Field(
        60, ge=1, le=1440, description="The window of FAIRDEBT_VERIFY_PREFIX_FAILURES (minutes)."
    )
    repayment_channels: str = Field(
        "",
        description="The organisation's official repayment channels shown to borrowers: "
        "'kind=details' entries separated by ';', kind one of bank_transfer, payment_link, "
        "lender_app, auto_debit, other_official (e.g. 'lender_app=App → 我的借款 → 还款'). "
        "Never a person's account. Empty: the page names the kinds and the contact phone.",
    )

    @field_validator("repayment_channels")
    @classmethod
    def _repayment_channels(cls, value: str) -> str:
        from fairdebt.domain.errors import DomainError
        from fairdebt.domain.payment_channel import official_channels

        try:
            official_channels(value)
        except DomainError as exc:
            raise ValueError(str(exc)) from None
        return value.strip()

    # --- second factor for staff (services/second_factor.py, docs/security.md) ---
    require_2fa_roles: str | None = Field(
        None,
        description="Comma-separated roles that must sign in with a TOTP code (they enrol at "
        "their next sign-in); 'none' for no role. Unset: admin,supervisor,compliance when "
        "FAIRDEBT_ENV=production, no role otherwise (development, test, the demo).",
    )

    @field_validator("require_2fa_roles")
    @classmethod
    def _2fa_roles(cls, value: str | None) -> str | None:
        if value is None:
            return None
        names = [n.strip() for n in value.split(",") if n.strip()]
        if names == ["none"]:
            return "none"
        staff = ("collector", "field_agent", "supervisor", "compliance", "agency", "admin")
        unknown = [n for n in names if n not in staff]
        if unknown:
            raise ValueError(f"unknown staff role {unknown[0]!r}; use {', '.join(staff)}")
        return ",".join(names)

    @property
    def second_factor_roles(self) -> frozenset[str]:
        """The roles that must use a second factor (FAIRDEBT_REQUIRE_2FA_ROLES read)."""
        if self.require_2fa_roles is None:
            default = ("admin", "supervisor", "compliance")
            return frozenset(default if self.env == "production" else ())
        if self.require_2fa_roles in ("", "none"):
            return frozenset()
        return frozenset(self.require_2fa_roles.split(","))

    # --- audit checkpoints (services/anchor.py, docs/audit.md) ---
    signing_key_file: Path | None = Field(
        None,
        description="The institution's Ed25519 private key (PEM) that signs the audit "
        "checkpoints; default <data_dir>/signing-key.pem.",
    )

    @property
    def signing_key_path(self) -> Path:
        """The checkpoint signing key (`signing_key_file`, else <data_dir>/signing-key.pem)."""
        if self.signing_key_file is not None:
            return self.signing_key_file
        return self.data_dir / "signing-key.pem"

    @property
    def signing_keyring_path(self) -> Path:
        """The list of every signing key with its period, beside the key
        (`signing-key.pem` -> `signing-key.keys.json`; `fairdebt audit key --rotate` writes it)."""
        path = self.signing_key_path
        return path.with_name(f"{path.stem}.keys.json")

    # --- personal data encrypted at rest (adapters/db/crypto.py, docs/security.md) ---
    data_keys: SecretStr | None = Field(
        None,
        description="Keys that encrypt ID numbers, phones, e-mail and addresses at rest: "
        "'kid:base64key,kid2:base64key' (32-byte keys; the first is active, the others only "
        "read older values). Unset: the key file (data_key_file).",
    )
    index_key: SecretStr | None = Field(
        None,
        description="The key of the blind index that finds a borrower by phone or e-mail "
        "('kid:base64key'); required with data_keys.",
    )
    data_key_file: Path | None = Field(
        None,
        description="The personal-data key file used when data_keys is unset; default "
        "<data_dir>/data-keys, made on first use (mode 0600). Back it up: without it the "
        "personal data is lost.",
    )

    @property
    def data_key_path(self) -> Path:
        """The personal-data key file (`data_key_file`, else <data_dir>/data-keys)."""
        if self.data_key_file is not None:
            return self.data_key_file
        return self.data_dir / "data-keys"

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

    @field_validator("evidence_url")
    @classmethod
    def _evidence(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in ("", "file", "s3"):
            raise ValueError("must be a directory, file:///abs/path or s3://bucket/prefix")
        return value.strip()

    @field_validator("sms_gateway_url", "public_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
            raise ValueError("must be an absolute http(s) URL, e.g. 'https://sms.example.cn/v1'")
        return value.rstrip("/")

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not value.get_secret_value().startswith(("smtp://", "smtps://")):
            raise ValueError("must be smtp://user:pass@host:port or smtps://user:pass@host:port")
        return value

    @field_validator("inbound_secrets")
    @classmethod
    def _inbound(cls, value: SecretStr) -> SecretStr:
        secret_map(value.get_secret_value())  # refuses a malformed list
        return value

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
        if self.sms_gateway_url and not self.sms_gateway_secret.get_secret_value():
            raise ValueError("sms_gateway_url needs FAIRDEBT_SMS_GATEWAY_SECRET to sign requests")
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

    @property
    def inbound_secret_map(self) -> dict[str, str]:
        """Provider name -> webhook secret; `gateway` is the SMS gateway's own secret unless
        FAIRDEBT_INBOUND_SECRETS names it."""
        found = secret_map(self.inbound_secrets.get_secret_value())
        gateway = self.sms_gateway_secret.get_secret_value()
        return ({"gateway": gateway} if gateway else {}) | found

    @property
    def public_base(self) -> str:
        """The deployment's outside origin (FAIRDEBT_PUBLIC_URL, else the portal's origin)."""
        if self.public_url:
            return self.public_url
        scheme, rest = self.portal_url.split("://", 1)
        return f"{scheme}://{rest.split('/', 1)[0]}"


def secret_map(text: str) -> dict[str, str]:
    """`name:secret,name2:secret2` as a dict (ValueError naming the bad entry's position)."""
    found: dict[str, str] = {}
    for n, item in enumerate(p.strip() for p in text.split(",")):
        if not item:
            continue
        name, sep, secret = item.partition(":")
        if not sep or not name.strip() or not secret.strip():
            raise ValueError(f"entry {n + 1} is not name:secret")
        found[name.strip()] = secret.strip()
    return found


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
