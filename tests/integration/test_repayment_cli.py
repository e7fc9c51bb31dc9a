"""`fairdebt plans|payments|promises|charges` as a user runs them, on both databases."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from repayment_seed import seed
from sqlalchemy import text
from typer.testing import CliRunner


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAIRDEBT_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "fairdebt", *args, "--as-of", "2026-04-20"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def cli(*args: str, dated: bool = True) -> str:
    """Run a command in-process (the database comes from `use_database`); return stdout."""
    from fairdebt.cli import app

    when = ["--as-of", "2026-04-20"] if dated else []
    result = CliRunner().invoke(app, [*args, *when], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def cli_fails(*args: str) -> str:
    """Run a command in-process that must be refused; the refusal's cause."""
    from fairdebt.cli import app
    from fairdebt.errors import FairdebtError

    with pytest.raises(FairdebtError) as caught:
        CliRunner().invoke(app, list(args), catch_exceptions=False)
    return caught.value.cause


def test_a_payment_without_a_reference_is_refused_with_a_hint(engine, database_url) -> None:
    with engine.begin() as conn:
        seed(conn)

    no_ref = run(
        database_url, "payments", "record", "A1", "--amount", "10", "--channel", "bank_transfer"
    )

    assert no_ref.returncode == 2
    assert "error: payment" in no_ref.stderr and "no bank_transfer reference" in no_ref.stderr
    assert "hint: record payments that came through an official channel" in no_ref.stderr
    assert "Traceback" not in no_ref.stderr


def test_record_propose_list_promise_and_charges_end_to_end(engine, use_database) -> None:
    with engine.begin() as conn:
        seed(conn)

    paid = cli(
        *("payments", "record", "A1", "--amount", "1060", "--channel", "bank_transfer"),
        *("--ref", "TX1", "--paid-on", "2026-01-15", "--id", "P1", "--json"),
    )
    plan = cli(
        *("plans", "propose", "A1", "--count", "6", "--first-due", "2026-05-20"),
        *("--waive-fee", "30%", "--id", "PL1", "--json"),
    )
    promised = cli(
        "promises",
        "add",
        "A1",
        "--amount",
        "500",
        "--due",
        "2026-04-25",
        "--channel",
        "payment_link",
    )
    charges = cli("charges", "A1", "--json")
    listed = cli("plans", "list", "--status", "accepted", "--json", dated=False)
    shown = cli("plans", "list", "--status", "accepted", dated=False)

    assert json.loads(paid)["acknowledgment"] is True
    answer = json.loads(plan)
    assert (answer["status"], answer["forgiven"]) == ("accepted", "15.00")  # 30 % of 50.00 fees
    assert "promise PTP-" in promised
    assert [p["id"] for p in json.loads(listed)] == ["PL1"]
    head, row = shown.splitlines()  # piped: tab-separated, money as money
    total = row.split("\t")[head.split("\t").index("total")]
    assert re.fullmatch(r"[\d,]+\.\d\d CNY", total), total
    assert json.loads(listed)[0]["total_cents"] == int(total[:-4].replace(",", "").replace(".", ""))
    assert json.loads(charges)["components"][0]["component"] == "principal"
    with engine.connect() as conn:
        dpd = conn.execute(text("SELECT dpd FROM account_status")).scalar_one()
        plans = conn.execute(text("SELECT id, status FROM repayment_plans")).all()
    assert dpd == 0
    assert [tuple(p) for p in plans] == [("PL1", "accepted")]


def test_approve_reject_reverse_and_the_daily_promise_run(engine, use_database) -> None:
    with engine.begin() as conn:
        seed(conn)
    long = ("plans", "propose", "A1", "--count", "18", "--first-due", "2026-05-20")
    pay = ("payments", "record", "A1", "--amount", "10", "--channel", "lender_app", "--ref", "R1")
    promise = ("promises", "add", "A1", "--amount", "500", "--due", "2026-04-05")

    cli(*long, "--id", "PL1")
    cli(*long, "--id", "PL2")
    from fairdebt.adapters.db.uow import SqlUnitOfWork
    from fairdebt.services.users import create_user

    for name, role in (("sup1", "supervisor"), ("col1", "collector")):
        create_user(SqlUnitOfWork(engine), name, role, "correct-horse-9", name)
    refused = cli_fails("plans", "approve", "PL1", "--as", "col1")
    approved = cli("plans", "approve", "PL1", "--as", "sup1")
    rejected = cli("plans", "reject", "PL2", "--reason", "duplicate", dated=False)
    cli(*pay, "--id", "P1")
    reversed_ = cli("payments", "reverse", "P1", "--reason", "bounced")
    cli(*promise, "--channel", "payment_link", "--as-of", "2026-04-01", dated=False)
    run_ = cli("promises", "evaluate", "--grace-days", "0")

    assert "col1 (collector) may not approve it" in refused
    assert "approved by sup1 and accepted" in approved and "rejected" in rejected
    assert "reversed by rev-" in reversed_
    assert "broken 1" in run_
    with engine.connect() as conn:
        plans = conn.execute(text("SELECT id, status FROM repayment_plans ORDER BY id")).all()
    assert [tuple(p) for p in plans] == [("PL1", "accepted"), ("PL2", "rejected")]
