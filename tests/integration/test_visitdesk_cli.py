"""`fairdebt visits …` on SQLite and PostgreSQL: every command answers --json, and bad input is
a cause and a hint with exit 2, never a traceback."""

from __future__ import annotations

import json
from dataclasses import dataclass

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
    engine = make_engine(use_database)
    with SqlUnitOfWork(engine) as uow:
        for n in (1, 2):
            uow.users.add(User(f"u-f{n}", f"field{n}", f"外访员{n}", Role.FIELD_AGENT), "x")
        uow.users.add(User("u-s", "boss", "主管", Role.SUPERVISOR), "x")
        uow.commit()
    engine.dispose()
    return run


def test_every_command_answers_json(cli, tmp_path) -> None:
    photo = tmp_path / "me.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    ran = cli("agents", "add", "field1", "--certificate", "C-1", "--issuer", "协会",
              "--expires", "2099-01-31", "--photo", str(photo), "--json")  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    agent = json.loads(ran.stdout)
    assert agent["certificate_no"] == "C-1" and agent["photo"].startswith("sha256:")
    cli("agents", "add", "field2", "--certificate", "C-2", "--issuer", "协会", "--expires",
        "2099-01-31")  # fmt: skip
    ran = cli("teams", "add", "一组", "--member", "field1", "--member", "field2",
              "--base", "39.95,116.41", "--label", "东城基地", "--json")  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    team = json.loads(ran.stdout)
    assert team["name"] == "一组" and len(team["members"]) == 2 and team["hours"] == "09:00-18:00"
    assert len(json.loads(cli("agents", "list", "--json").stdout)) == 2
    assert json.loads(cli("teams", "list", "--json").stdout)[0]["id"] == team["id"]
    assert json.loads(cli("list", "--json").stdout) == []
    assert json.loads(cli("list", "--status", "candidate", "--json").stdout) == []
    plan = json.loads(cli("plan", "--date", "2026-04-27", "--seconds", "0.1", "--json").stdout)
    assert plan["date"] == "2026-04-27" and plan["unassigned"] == {}
    for verb in ("approve", "reject"):
        ran = cli(verb, "V-404", "bogus", "--reason", "理由", "--as", "boss", "--json")
        assert ran.returncode == 2  # every one refused
        out = json.loads(ran.stdout)
        assert out[verb.rstrip("e") + "ed"] == [] and set(out["refused"]) == {"V-404", "bogus"}
        assert "no field-visit task 404" in out["refused"]["V-404"][0]


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        (("teams", "add", "x", "--member", "field1", "--member", "field2", "--base", "nan,1",
          "--label", "b"), "not a place on Earth"),
        (("teams", "add", "x", "--member", "field1", "--base", "1,2,3", "--label", "b"),
         "not LAT,LON"),
        (("agents", "add", "field1", "--certificate", "C", "--issuer", "i", "--expires",
          "2099-01-01", "--photo", "/nonexistent/me.png"), "cannot read"),
        (("agents", "add", "field1", "--certificate", "C\x00", "--issuer", "i", "--expires",
          "2099-01-01"), "certificate number"),
        (("agents", "add", "field1", "--certificate", "C", "--issuer", "i", "--expires",
          "9999-99-99"), "not a date"),
        (("approve", "V-1", "--reason", "a\x00b", "--as", "boss", "--json"), "reason"),
        (("reject", "V-1", "--reason", "   ", "--as", "boss", "--json"), "reason"),
        (("notice", "V-404", "--json"), "no visit"),
        (("list", "--date", "yesterday", "--json"), "not a date"),
        (("plan", "--date", "2026-02-30", "--json"), "not a date"),
    ],
)  # fmt: skip
def test_bad_input_is_cause_and_hint_exit_2(cli, args, cause) -> None:
    ran = cli(*args)
    assert ran.returncode == 2, (ran.stdout, ran.stderr)
    assert cause in ran.stderr and "Traceback" not in ran.stderr + ran.stdout


def test_a_team_member_whose_certificate_expired_is_refused(cli, use_database) -> None:
    from datetime import UTC, date, datetime

    from fairdebt.services.ports.visits import FieldAgent

    cli("agents", "add", "field1", "--certificate", "C-1", "--issuer", "i", "--expires",
        "2099-01-31")  # fmt: skip
    engine = make_engine(use_database)
    with SqlUnitOfWork(engine) as uow:  # certified years ago; expired since
        at = datetime(2020, 1, 1, tzinfo=UTC)
        uow.field_agents.add(FieldAgent("u-f2", "C-2", "i", date(2021, 1, 1), at))
        uow.commit()
    engine.dispose()
    ran = cli("teams", "add", "x", "--member", "field1", "--member", "field2", "--base", "1,2",
              "--label", "b", "--json")  # fmt: skip
    assert ran.returncode == 2 and "expired" in ran.stderr and "FD-VISIT.certified" in ran.stderr
