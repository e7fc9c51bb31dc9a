"""Composition root: settings -> engine (migrated) -> services. Nothing else wires things."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from fairdebt.settings import Settings


def database(settings: Settings, *, migrate: bool = True) -> Engine:
    """The engine for settings' database, brought to the newest schema unless migrate=False."""
    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.migrate import upgrade

    engine = make_engine(settings.sqlalchemy_url, timeout=settings.db_timeout_seconds)
    if migrate:
        upgrade(engine)
    return engine
