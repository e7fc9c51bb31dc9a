"""Which catalogue template a planned message is written with (services.worklist_execute)."""

from __future__ import annotations

from fairdebt.services.worklist_execute import _template_for


def chosen(pack: str, kind: str, template: str | None) -> str | None:
    found = _template_for({"kind": kind, "template": template}, pack)
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
