"""Which template a planned message is written with (services.worklist_execute): the active
version of the pack's template (services.templates)."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml
from fakes import FakeUnitOfWork

from fairdebt.services import templates as tv
from fairdebt.services.worklist_execute import Sender, _message, _template_for

NOW = datetime(2026, 4, 6, 9, 0, tzinfo=UTC)


def chosen(pack: str, kind: str, template: str | None) -> str | None:
    found = _template_for(FakeUnitOfWork(), {"kind": kind, "template": template}, pack)
    return None if found is None else found.id


def test_a_strategys_short_name_finds_the_packs_own_template() -> None:
    assert chosen("cn", "sms", "reminder_sms") == "cn.reminder_sms"
    assert chosen("us-regf", "sms", "reminder_sms") == "us.reminder_sms"
    assert chosen("us-regf", "letter", "time_barred_notice") == "us.time_barred_notice"
    assert chosen("cn", "letter", "cn.time_barred_notice") == "cn.time_barred_notice"


def test_an_unknown_name_falls_back_to_an_ordinary_letter_never_the_time_barred_one() -> None:
    assert chosen("us-regf", "letter", "no_such_letter") == "us.validation_notice"
    assert chosen("cn", "letter", None) == "cn.collection_notice"


def test_a_channel_the_pack_writes_nothing_for_has_no_template() -> None:
    assert chosen("cn", "voicemail", "voicemail_lcm") is None


def _task() -> dict[str, object]:
    return {
        "kind": "sms",
        "template": "reminder_sms",
        "lender": "Example Bank",
        "name": "Zhang San",
        "account_id": "A-000001",
        "overdue_cents": 123456,
        "dpd": 12,
        "as_of": NOW.date(),
        "case_id": "C-1",
        "assignee_kind": None,
        "assignee_id": None,
    }


def test_the_worklist_sends_the_active_version_never_a_draft() -> None:
    uow = FakeUnitOfWork()
    packaged = tv.active(uow, "cn.reminder_sms")
    assert packaged is not None
    text = dict(packaged.text)
    text["zh-CN"] = text["zh-CN"].replace("您好", "您好（第二版）")
    data = {
        "id": "cn.reminder_sms",
        "pack": "cn",
        "channel": "sms",
        "party": "debtor",
        "purpose": "remind",
        "text": text,
    }
    tv.add_version(uow, yaml.safe_dump(data, allow_unicode=True), "amy", NOW)
    while_draft, _ = _message(uow, _task(), "cn", Sender(), ())
    assert "第二版" not in (while_draft or "")

    tv.activate(uow, "cn.reminder_sms", 2, "bo", NOW)
    content, purpose = _message(uow, _task(), "cn", Sender(), ())

    assert "（第二版）" in (content or "") and "1,234.56" in (content or "")
    assert purpose == "remind"
