"""`fairdebt tokens create|list|revoke` on SQLite and PostgreSQL, in process (fairdebt.cli.main:
errors become cause + hint and exit 2 as on the command line), and the tokens they make
authenticating against the same database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from fairdebt.adapters.db.api_token_tables import api_tokens
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.cli import main
from fairdebt.services.api_tokens import TOUCH_EVERY, TokenRefused, authenticate


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def tokens(use_database: str, capsys: pytest.CaptureFixture[str]):
    def run(*args: str) -> Ran:
        try:
            main(["tokens", *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


def test_create_prints_the_token_once_on_stdout_and_warns_on_stderr(tokens, use_database):
    made = tokens("create", "dialler", "--scope", "gate:check", "--expires-days", "30")

    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("fd_") and "\n" not in token
    assert "only time the token is shown" in made.stderr and token not in made.stderr
    engine = make_engine(use_database)
    with engine.connect() as conn:
        [row] = [dict(r._mapping) for r in conn.execute(select(api_tokens))]
    assert token not in json.dumps(row) and token.split("_", 2)[2] not in json.dumps(row)
    uow = SqlUnitOfWork(engine)
    now = datetime.now(UTC)
    found = authenticate(uow, token, "gate:check", now)
    again = authenticate(uow, token, "gate:check", now + TOUCH_EVERY / 2)
    with pytest.raises(TokenRefused, match="expired"):
        authenticate(uow, token, "gate:check", now + timedelta(days=31))
    with pytest.raises(TokenRefused) as wrong:
        authenticate(uow, token, "strategy:read", now)
    with uow:
        stored = uow.api_tokens.get(found.id)
    engine.dispose()
    assert found.name == again.name == "dialler" and wrong.value.forbidden
    assert stored is not None and stored.last_used_at == now  # the second use wrote nothing
    assert stored.expires_at is not None and stored.expires_at > now + timedelta(days=29)


def test_list_shows_prefixes_never_tokens_and_revoke_ends_a_token(tokens, use_database):
    first = tokens("create", "dialler", "--scope", "gate:check").stdout.strip()
    second = tokens("create", "reports", "--scope", "strategy:read", "--scope", "gate:check")
    listed = tokens("list", "--json")
    [one, two] = json.loads(listed.stdout)

    revoked = tokens("revoke", one["id"])
    unknown = tokens("revoke", "nope")
    piped = tokens("list")

    assert listed.returncode == 0 and first not in listed.stdout
    assert second.stdout.strip() not in listed.stdout
    assert one["prefix"] == first.split("_")[1] and one["name"] == "dialler"
    assert two["scopes"] == ["gate:check", "strategy:read"] and two["revoked_at"] is None
    assert set(one) >= {"prefix", "name", "scopes", "created_at", "last_used_at", "revoked_at"}
    assert revoked.returncode == 0 and f"revoked API token {one['prefix']}" in revoked.stdout
    assert unknown.returncode == 2 and "no API token nope" in unknown.stderr
    assert piped.stdout.splitlines()[0].split("\t")[:4] == ["id", "prefix", "name", "scopes"]
    engine = make_engine(use_database)
    with pytest.raises(TokenRefused, match="revoked"):
        authenticate(SqlUnitOfWork(engine), first, "gate:check", datetime.now(UTC))
    engine.dispose()


def test_an_unknown_scope_or_no_scope_is_a_usage_error(tokens):
    bad = tokens("create", "x", "--scope", "gate:write")
    missing = tokens("create", "x")

    assert bad.returncode == missing.returncode == 2
    assert "unknown scope gate:write" in bad.stderr and "gate:check" in bad.stderr
    assert "--scope" in missing.stderr and "Traceback" not in bad.stderr + missing.stderr
