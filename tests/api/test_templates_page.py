"""/console/templates: the list, the masked preview from a real case, and activation by role.

On the console portfolio (tests/console_data.py, CNY cases only): previews of the cn pack are
filled from its cases, us-regf's from the lint's sample values.
"""

from __future__ import annotations

import re

import console_data
import pytest
import yaml

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.services import templates as tv
from fairdebt.services.users import create_user


@pytest.fixture(scope="module")
def compliance(console_db) -> str:
    engine = make_engine(console_db[0])
    create_user(SqlUnitOfWork(engine), "comply", "compliance", console_data.PASSWORD, "合规")
    engine.dispose()
    return "comply"


def _add(console_db, template_id: str, change: tuple[str, str]) -> int:
    """A new draft of a packaged template with one change to both texts; its version."""
    engine = make_engine(console_db[0])
    uow = SqlUnitOfWork(engine)
    base = tv.version_of(uow, template_id, 1)
    data = {
        "id": template_id,
        "pack": base.pack,
        "channel": base.channel,
        "party": base.party,
        "purpose": base.purpose,
        "text": {k: v.replace(*change) for k, v in base.text.items()},
    }
    added = tv.add_version(uow, yaml.safe_dump(data, allow_unicode=True), "test", console_data.NOW)
    engine.dispose()
    return added.version


def test_the_list_shows_every_template_with_its_active_version(open_as) -> None:
    page = open_as("collector").get("/console/templates?lang=en")

    assert page.status_code == 200
    assert 'data-template="cn.reminder_sms"' in page.text
    assert 'data-testid="nav-templates"' in page.text
    assert len(re.findall(r"data-template=", page.text)) == len(tv.packaged())


@pytest.mark.parametrize("who", ["east", "fieldagent", "borrower"])
def test_agencies_field_agents_and_borrowers_may_not_see_them(open_as, who) -> None:
    expected = 303 if who == "borrower" else 403  # a borrower is sent to the portal
    assert open_as(who).get("/console/templates").status_code == expected
    assert open_as(who).get("/console/templates/cn.email").status_code == expected


def test_anonymous_visitors_are_sent_to_sign_in(open_as) -> None:
    page = open_as().get("/console/templates")

    assert page.status_code in (302, 303, 307) and "/login" in page.headers["location"]


def test_the_preview_is_filled_from_the_first_case_and_masked(open_as, portfolio) -> None:
    page = open_as("supervisor").get("/console/templates/cn.collection_notice?lang=en")

    first = portfolio.case_ids[0]
    assert page.status_code == 200
    assert f'value="{first}"' in page.text
    assert len(re.findall(r'data-testid="preview"', page.text)) == 2
    assert re.findall(r'data-verdict="(\w+)"', page.text) == ["clean", "clean"]
    html = page.text
    for case_id in portfolio.case_ids:
        assert portfolio.names[case_id] not in html
        assert portfolio.phones[case_id] not in html
    for i in range(len(portfolio.case_ids)):
        assert console_data.national_id(i) not in html
    assert "示例消费金融有限公司" in html  # the case's lender: not personal data


def test_a_chosen_case_fills_it_and_an_unknown_one_is_404(open_as, portfolio) -> None:
    browser = open_as("collector")
    case_id = portfolio.case_ids[3]

    page = browser.get(f"/console/templates/cn.email?case={case_id}")
    missing = browser.get("/console/templates/cn.email?case=C-NOPE")
    nothing = browser.get("/console/templates/cn.nope")

    assert page.status_code == 200 and case_id in page.text
    assert portfolio.names[case_id] not in page.text
    assert missing.status_code == 404 and nothing.status_code == 404


def test_collectors_see_no_activate_form_and_may_not_post_one(open_as, console_db) -> None:
    version = _add(console_db, "cn.email", ("请通过官方 App", "请尽快通过官方 App"))
    browser = open_as("collector")

    page = browser.get(f"/console/templates/cn.email?version={version}")
    posted = browser.post("/console/templates/cn.email/activate", data={"version": version})

    assert page.status_code == 200 and 'data-testid="activate-form"' not in page.text
    assert posted.status_code == 403


def test_activation_needs_the_csrf_token(open_as, console_db, compliance) -> None:
    version = _add(console_db, "cn.relay_message", ("", ""))
    browser = open_as(compliance, csrf=False)

    posted = browser.post("/console/templates/cn.relay_message/activate", data={"version": version})

    assert posted.status_code == 403
    engine = make_engine(console_db[0])
    assert tv.version_of(SqlUnitOfWork(engine), "cn.relay_message", version).status == "draft"
    engine.dispose()


def test_a_compliance_officer_activates_a_clean_version(open_as, console_db, compliance) -> None:
    version = _add(console_db, "cn.reminder_sms", ("您好", "您好！"))
    browser = open_as(compliance)
    page = browser.get(f"/console/templates/cn.reminder_sms?version={version}&lang=en")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert f"Activate version {version}" in page.text

    posted = browser.post(
        "/console/templates/cn.reminder_sms/activate",
        data={"version": version, "csrf_token": token},
    )
    shown = browser.get(posted.headers["location"] + "&lang=en")

    assert posted.status_code == 303
    assert 'data-ok="yes"' in shown.text and 'data-status="active"' in shown.text
    engine = make_engine(console_db[0])
    statuses = [v.status for v in tv.versions(SqlUnitOfWork(engine), "cn.reminder_sms")]
    engine.dispose()
    assert statuses[0] == "retired" and statuses[version - 1] == "active"


def test_a_faulty_version_shows_its_lint_and_is_refused(open_as, console_db) -> None:
    version = _add(console_db, "cn.nobody_home_letter", ("。", "。老赖，后果自负。"))
    browser = open_as("supervisor")

    page = browser.get(f"/console/templates/cn.nobody_home_letter?version={version}&lang=zh-CN")
    posted = browser.post(
        "/console/templates/cn.nobody_home_letter/activate", data={"version": version}
    )
    shown = browser.get(posted.headers["location"])

    assert 'data-verdict="fault"' in page.text and "CBA26-PROHIBIT.insult" in page.text
    assert "检查发现" in page.text and "启用第" in page.text  # the zh-CN catalogue
    assert 'data-ok="no"' in shown.text
    assert "cn.nobody_home_letter [zh-CN] line" in shown.text
