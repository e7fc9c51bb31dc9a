"""The composition root: settings -> engine (migrated) -> clock -> packs -> channels -> services.

`Services` is built once per process — by the CLI's root command and by `fairdebt serve` — and
handed to every command and to `web.app.create_app`. Nothing else builds an engine, a channel or
a pack set. Each part is made when first used, so a command that needs only the rule packs
(`fairdebt gate`) never opens the database, and `fairdebt --help` builds nothing.

Use cases receive what they need from it: `services.uow()` (a fresh unit of work on the one
engine), `services.clock`, `services.packs`, `services.channels`. Tests build it with a fixed
clock, their own channels or an existing engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from fairdebt.adapters.channels.base import Channel
    from fairdebt.adapters.channels.calls import Dialer
    from fairdebt.adapters.db.presence import SqlPresence
    from fairdebt.compliance.pack import Packs
    from fairdebt.domain.loan import Component
    from fairdebt.services.outbox import Worker
    from fairdebt.services.ports import Clock, UnitOfWork
    from fairdebt.services.ports.evidence import EvidenceBackend
    from fairdebt.services.ports.outbox import NewMessage
    from fairdebt.services.worklist_execute import Sender
    from fairdebt.settings import Settings

# The channels a deployment delivers through when none are configured: the console channel,
# which keeps what it "sends" in memory (development, the demo and tests).
CONSOLE_CHANNELS = ("call", "sms", "email", "letter", "voicemail")


class Services:
    """Everything wired once (module docstring)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        channels: Mapping[str, Channel] | None = None,
        engine: Engine | None = None,
        migrate: bool = True,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._channels = channels
        self._engine = engine
        self._migrate = migrate
        self._presences: list[SqlPresence] = []  # the workers' locks, freed by close()

    @cached_property
    def settings(self) -> Settings:
        from fairdebt.settings import load_settings

        return self._settings if self._settings is not None else load_settings()

    @cached_property
    def engine(self) -> Engine:
        """The one engine, brought to the newest schema (unless built with migrate=False)."""
        if self._engine is not None:
            return self._engine
        return database(self.settings, migrate=self._migrate)

    @cached_property
    def clock(self) -> Clock:
        from fairdebt.adapters.clock import SystemClock

        return self._clock if self._clock is not None else SystemClock()

    @cached_property
    def packs(self) -> Packs:
        from fairdebt.compliance.pack import builtin_packs

        return builtin_packs()

    @cached_property
    def channels(self) -> Mapping[str, Channel]:
        if self._channels is not None:
            return self._channels
        from fairdebt.adapters.channels.factory import build_channels

        return build_channels(self.settings)

    @cached_property
    def evidence(self) -> EvidenceBackend:
        """Where the bytes of every message sent are kept (settings: evidence_url)."""
        from fairdebt.adapters.evidence import open_evidence_store

        return open_evidence_store(self.settings.evidence_url, self.settings.data_dir)

    @cached_property
    def dialer(self) -> Dialer:
        """Who places a collector's call (settings: call_provider)."""
        from fairdebt.adapters.channels.calls import dialer_for

        return dialer_for(self.settings.call_provider)

    @cached_property
    def sender(self) -> Sender:
        """Who the messages say they are from (settings: contact_phone, portal_url)."""
        from fairdebt.services.worklist_execute import Sender

        return Sender.of(self.settings)

    @cached_property
    def allocation_order(self) -> tuple[Component, ...]:
        """The order a payment pays an instalment's components in (settings)."""
        from fairdebt.domain.loan import Component

        return tuple(Component(c) for c in self.settings.allocation)

    def outbox_worker(self, name: str | None = None, lease: timedelta | None = None) -> Worker:
        """A worker delivering the outbox through this deployment's channels (services.outbox);
        `lease`: how long its claims last (default services.outbox.LEASE). On PostgreSQL its
        claims are taken over as soon as its process is gone (adapters/db/presence)."""
        from fairdebt.adapters.db.presence import SqlPresence
        from fairdebt.services.outbox import LEASE, Worker

        presence = SqlPresence(self.engine)
        self._presences.append(presence)
        return Worker(
            self.uow(),
            self.channels,
            self.packs,
            evidence=self.evidence,
            documents=self._letter_pdf,
            order=self.allocation_order,
            name=name,
            lease=lease or LEASE,
            clock=self.clock.now,
            presence=presence,
        )

    def _letter_pdf(self, uow: UnitOfWork, message: NewMessage, now: datetime) -> bytes:
        """A queued letter's PDF (fairdebt.letters), in this deployment's name."""
        from fairdebt.letters.render import document_for

        return document_for(uow, message, now, self.sender, self.allocation_order)

    def uow(self) -> UnitOfWork:
        """A new unit of work on the one engine."""
        from fairdebt.adapters.db.uow import SqlUnitOfWork

        return SqlUnitOfWork(self.engine)

    def close(self) -> None:
        """Free the workers' locks, and release the engine's connections (only if this object
        made the engine)."""
        for presence in self._presences:
            presence.close()
        self._presences.clear()
        if self._engine is None and "engine" in self.__dict__:
            self.engine.dispose()
            del self.__dict__["engine"]


def database(settings: Settings, *, migrate: bool = True) -> Engine:
    """The engine for settings' database, brought to the newest schema unless migrate=False."""
    from fairdebt.adapters.db.crypto import check_keyring, load_keyring, use_keyring
    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.migrate import upgrade

    use_keyring(load_keyring(settings))  # personal data at rest; a bad key stops here, clearly
    engine = make_engine(settings.sqlalchemy_url, timeout=settings.db_timeout_seconds)
    if migrate:
        upgrade(engine)
        check_keyring(engine)  # a lost or wrong key file fails here, not mid-request
    return engine
