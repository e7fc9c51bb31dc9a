"""Template versions in a real database (SQLite and PostgreSQL): storing, add, activate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.services import templates as tv

NOW = datetime(2026, 4, 6, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 4, 7, 9, 0, tzinfo=UTC)


def _second_version(uow: SqlUnitOfWork, template_id: str = "us.reminder_sms") -> str:
    packaged = tv.active(uow, template_id)
    assert packaged is not None
    data = {
        "id": template_id,
        "pack": packaged.pack,
        "channel": packaged.channel,
        "party": packaged.party,
        "purpose": packaged.purpose,
        "text": {k: v.replace("Please", "Hello. Please") for k, v in packaged.text.items()},
    }
    return yaml.safe_dump(data, allow_unicode=True)


def test_reads_merge_the_packaged_files_and_write_nothing(engine) -> None:
    uow = SqlUnitOfWork(engine)

    assert tv.active(uow, "cn.email").version == 1
    assert [v.template_id for v in tv.active_templates(uow, "cn", "letter")] == [
        "cn.collection_notice",
        "cn.nobody_home_envelope",
        "cn.nobody_home_letter",
        "cn.time_barred_notice",
    ]
    with uow:
        assert uow.templates.ids() == set()


def test_storing_stores_every_packaged_file_once_with_its_lint_report(engine) -> None:
    uow = SqlUnitOfWork(engine)

    assert tv.store_packaged(uow, NOW) == len(tv.packaged())
    assert tv.store_packaged(uow, LATER) == 0
    with uow:
        uow.templates.store_missing(tv.packaged())  # a racing process: nothing happens, no error
        stored = uow.templates.all()

    assert len(stored) == len(tv.packaged())
    first = next(v for v in stored if v.template_id == "cn.reminder_sms")
    assert (first.version, first.status, first.created_at) == (1, "active", NOW)
    assert first.created_by == tv.PACKAGED_BY and first.lint_report == []
    assert first.text == dict(tv.active(uow, "cn.reminder_sms").text)


def test_add_and_activate_round_trip_with_the_audit_trail(engine) -> None:
    uow = SqlUnitOfWork(engine)
    added = tv.add_version(uow, _second_version(uow), "compliance:amy", NOW)
    assert (added.version, added.status) == (2, "draft")

    tv.activate(uow, "us.reminder_sms", 2, "supervisor:bo", LATER)

    rows = tv.versions(uow, "us.reminder_sms")
    assert [(v.version, v.status) for v in rows] == [(1, "retired"), (2, "active")]
    assert (rows[0].retired_by, rows[0].retired_at) == ("supervisor:bo", LATER)
    assert (rows[1].activated_by, rows[1].activated_at) == ("supervisor:bo", LATER)
    assert rows[1].created_by == "compliance:amy" and rows[1].lint_report == []
    assert "Hello" in rows[1].text["en"]
    assert [v.template_id for v in tv.active_templates(uow, "us-regf", "sms")] == [
        "us.reminder_sms"
    ]


def test_a_refused_activation_changes_nothing(engine) -> None:
    uow = SqlUnitOfWork(engine)
    text = _second_version(uow).replace("Hello.", "Hello, deadbeat.")
    tv.add_version(uow, text, "amy", NOW)

    with pytest.raises(tv.TemplateRefused, match=r"us.reminder_sms \[en\] line 1: US-"):
        tv.activate(uow, "us.reminder_sms", 2, "bo", LATER)

    assert [v.status for v in tv.versions(uow, "us.reminder_sms")] == ["active", "draft"]
