"""`fairdebt cases grant|grants` on the command line, on SQLite: a grant is a case event, a bad
one is a one-line refusal (exit 2) that writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import console_data
import pytest

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.services.users import create_user


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('grants') / 'grants.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        console_data.build(conn, count=5)
    create_user(SqlUnitOfWork(engine), "li.wei", "collector", console_data.PASSWORD, "李伟")
    engine.dispose()
    return url


@pytest.fixture
def cases(
    database: str, fairdebt: Callable[..., CompletedProcess[str]]
) -> Callable[..., CompletedProcess[str]]:
    """`cases(*args)`: `fairdebt cases ARGS` on the module's database, run in-process."""
    folder = Path(database.removeprefix("sqlite:///")).parent

    def run(*args: str) -> CompletedProcess[str]:
        return fairdebt("cases", *args, env={"FAIRDEBT_DATABASE_URL": database}, cwd=folder)

    return run


def granted(database: str) -> list[str]:
    engine = make_engine(database)
    try:
        with SqlUnitOfWork(engine) as uow:
            return [e.case for e in uow.events.all_events() if e.type == "case_access_granted"]
    finally:
        engine.dispose()


def test_a_grant_from_the_command_line_is_logged_and_listed(database: str, cases) -> None:
    done = cases("grant", "C-B0002", "--to", "li.wei", "--days", "7", "--reason", "leave")
    listed = cases("grants", "--to", "li.wei")

    assert done.returncode == 0, done.stderr
    assert "C-B0002: li.wei may see it until" in done.stdout
    assert listed.stdout.split()[:2] == ["C-B0002", "li.wei"] and "leave" in listed.stdout
    assert granted(database) == ["C-B0002"]


@pytest.mark.parametrize(
    "args",
    [
        ("C-B0003", "--to", "li.wei", "--days", "0", "--reason", "r"),
        ("C-B0003", "--to", "li.wei", "--days", "31", "--reason", "r"),
        ("C-B0003", "--to", "li.wei", "--days", "3", "--reason", " "),
        ("C-B0003", "--to", "nobody", "--days", "3", "--reason", "r"),
        ("C-NONE", "--to", "li.wei", "--days", "3", "--reason", "r"),
    ],
)
def test_a_bad_grant_is_a_one_line_refusal(database: str, args: tuple[str, ...], cases) -> None:
    before = granted(database)

    refused = cases("grant", *args)

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    assert granted(database) == before
