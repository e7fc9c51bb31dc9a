"""`fairdebt templates list|show|add|activate|lint` on SQLite and PostgreSQL, in process
(fairdebt.cli.main: errors become cause + hint and exit 2 as on the command line)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.cli import main
from fairdebt.services.ports.templates import TemplateVersion

GOOD = """\
id: us.reminder_sms
pack: us-regf
channel: sms
party: debtor
purpose: remind
text:
  en: |-
    {{ agency }}: this is a message from a debt collector about your {{ creditor }} account.
    Please call {{ phone }} or visit {{ portal_url }}. Reply STOP to stop texts to this number.
  zh-CN: |-
    {{ agency }}：这是债务催收方关于您在 {{ creditor }} 账户的消息。
    请致电 {{ phone }} 或访问 {{ portal_url }}。回复 STOP 退订。
"""


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def folder(tmp_path: Path, use_database: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def fairdebt(capsys: pytest.CaptureFixture[str]):
    def run(_folder: Path, *args: str) -> Ran:
        try:
            main(["templates", *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


def test_add_activate_list_and_show(folder: Path, fairdebt) -> None:
    (folder / "v2.yaml").write_text(GOOD, encoding="utf-8")

    added = fairdebt(folder, "add", "v2.yaml", "--actor", "compliance:amy")
    listed = json.loads(fairdebt(folder, "list", "--json").stdout)
    activated = fairdebt(folder, "activate", "us.reminder_sms", "--version", "2")
    shown = json.loads(fairdebt(folder, "show", "us.reminder_sms", "--json").stdout)
    first = json.loads(fairdebt(folder, "show", "us.reminder_sms", "-v", "1", "--json").stdout)

    assert added.returncode == 0 and "version 2 (draft)" in added.stderr
    row = next(r for r in listed if r["id"] == "us.reminder_sms")
    assert (row["active"], row["drafts"]) == (1, [2])
    assert activated.returncode == 0, activated.stderr
    assert (shown["version"], shown["status"]) == (2, "active")
    assert shown["created_by"] == "compliance:amy"
    assert shown["activated_by"] == "cli" and "退订" in shown["text"]["zh-CN"]
    assert (first["status"], first["retired_by"]) == ("retired", "cli")


def test_refusals_exit_2_with_language_line_and_rule(folder: Path, fairdebt) -> None:
    (folder / "bad.yaml").write_text(GOOD.replace("{{ phone }} or", "{{ phone } or"), "utf-8")
    (folder / "rude.yaml").write_text(GOOD.replace("Please call", "Deadbeat, call"), "utf-8")

    bad = fairdebt(folder, "add", "bad.yaml")
    fairdebt(folder, "add", "rude.yaml")
    rude = fairdebt(folder, "activate", "us.reminder_sms", "--version", "2")
    missing = fairdebt(folder, "show", "us.nope")
    unreadable = fairdebt(folder, "add", "no-such.yaml")

    assert bad.returncode == 2
    assert "[en] line 2: Jinja2" in bad.stderr and "Traceback" not in bad.stderr
    assert rude.returncode == 2
    assert "us.reminder_sms [en] line 2: US-" in rude.stderr and "Deadbeat" in rude.stderr
    assert missing.returncode == 2 and "no template 'us.nope'" in missing.stderr
    assert unreadable.returncode == 2 and "cannot read" in unreadable.stderr


def test_lint_reads_the_active_versions_in_the_database_too(folder, fairdebt, engine) -> None:
    # A version activated before a pack learnt a new word: the database has it, the files not.
    rude = TemplateVersion(
        "us.reminder_sms", 2, "us-regf", "sms", "debtor", "remind",
        {"en": "Pay now, deadbeat. Reply STOP to stop.", "zh-CN": "请还款。回复 STOP 退订。"},
        "active", "cli", datetime(2026, 4, 6, tzinfo=UTC),
    )  # fmt: skip
    with SqlUnitOfWork(engine) as uow:
        uow.templates.add(rude)
        uow.commit()

    found = fairdebt(folder, "lint")
    packaged = fairdebt(folder, "lint", "--packaged-only")

    assert found.returncode == 1
    assert "us.reminder_sms v2: us.reminder_sms [en] line 1 US-" in found.stdout
    assert "deadbeat" in found.stdout
    assert packaged.returncode == 0, packaged.stdout
