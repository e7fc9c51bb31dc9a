"""`fairdebt visits ...` on SQLite and PostgreSQL, in process: agents, teams, refusals as cause
and hint with exit 2 (never a traceback), an empty day's plan."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pytest

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.cli import main
from fairdebt.services.ports.identity import Role, User


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(use_database: str, capsys: pytest.CaptureFixture[str]):
    def run(*args: str) -> Ran:
        try:
            main(["visits", *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    run("list")  # migrates the database
    with SqlUnitOfWork(make_engine(use_database)) as uow:
        for n in (1, 2):
            uow.users.add(User(f"u-f{n}", f"field{n}", f"外访员{n}", Role.FIELD_AGENT), "x")
        uow.users.add(User("u-s", "boss", "主管", Role.SUPERVISOR), "x")
        uow.users.add(User("u-c", "col1", "催收员", Role.COLLECTOR), "x")
        uow.commit()
    return run


def test_agents_and_a_team_then_the_lists(cli) -> None:
    for n in (1, 2):
        ran = cli("agents", "add", f"field{n}", "--certificate", f"C-{n}", "--issuer", "协会",
                  "--expires", "2099-01-31")  # fmt: skip
        assert ran.returncode == 0, ran.stderr
    ran = cli("teams", "add", "一组", "--member", "field1", "--member", "field2",
              "--base", "39.95,116.41", "--label", "东城基地",
              "--hours", "09:00-18:00")  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    (team,) = json.loads(cli("teams", "list", "--json").stdout)
    assert team["name"] == "一组" and len(team["members"]) == 2
    assert [a["certificate_no"] for a in json.loads(cli("agents", "list", "--json").stdout)] == [
        "C-1",
        "C-2",
    ]


CERT = ("--certificate", "C", "--issuer", "i", "--expires")


CERT = ("--certificate", "C", "--issuer", "i", "--expires")


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        (("teams", "add", "x", "--member", "field1", "--base", "1,2", "--label", "b"), "at least"),
        (("agents", "add", "col1", *CERT, "2099-01-01"), "not an active field agent"),
        (("agents", "add", "field1", *CERT, "2001-01-01"), "expired"),
        (("approve", "V-1", "--reason", "", "--as", "boss"), "reason"),
        (("approve", "V-1", "--reason", "ok", "--as", "col1"), "may not decide"),
        (("approve", "V-1", "--reason", "ok", "--as", "nobody"), "no user"),
        (("plan", "--date", "2026-13-01"), "not a date"),
        (("notice", "V-404"), "no visit"),
        (("list", "--status", "lost"), "unknown status"),
    ],
)
def test_refusals_are_cause_and_hint_exit_2(cli, args, cause) -> None:
    ran = cli(*args)
    assert ran.returncode == 2, (ran.stdout, ran.stderr)
    assert cause in ran.stderr and "Traceback" not in ran.stderr + ran.stdout


def test_a_day_with_nothing_approved_plans_nothing(cli) -> None:
    ran = cli("plan", "--date", date(2026, 4, 27).isoformat(), "--seconds", "0.1", "--json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["teams"] == [] and json.loads(ran.stdout)["unassigned"] == {}
    assert json.loads(cli("list", "--status", "candidate", "--json").stdout) == []
