"""The strategy reports in the console and at /api/v1/strategy: the numbers shown are those of
the stored plans (counted here straight from strategy_plans), who may see them, and errors."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import console_data
import pytest
from csrf_forms import csrf_token_of
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from sqlalchemy import insert, select

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.adapters.db.strategy_tables import strategy_plans, strategy_runs
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.bootstrap import Services
from fairdebt.services.users import create_user
from fairdebt.settings import load_settings
from fairdebt.strategy.run import RunOptions, run_strategy
from fairdebt.web.api.strategy import REPORT_ROLES
from fairdebt.web.app import create_app
from fairdebt.web.pages.strategy import FORMATS, charts, roll_matrix

EARLIER = console_data.AS_OF - timedelta(days=30)
ALLOWED = ("supervisor", "compliance", "admin")
REFUSED = ("collector", "fieldagent", "east", "borrower")
# Accounts paid up in full between the two runs, so that some delinquent accounts cure.
CURED = ("A0004", "A0005", "A0020", "A0021")


@dataclass(frozen=True, slots=True)
class Runs:
    earlier: str
    replaced: str  # the first run at AS_OF, superseded by `latest`
    latest: str


@pytest.fixture(scope="module", autouse=True)
def runs(console_db: tuple[str, console_data.Portfolio]) -> Runs:
    """Two more users, payments that cure four accounts, and three runs: a month apart, and the
    later as_of run again with --replace."""
    engine = make_engine(console_db[0])
    for role in ("compliance", "admin"):
        create_user(SqlUnitOfWork(engine), role, role, console_data.PASSWORD, f"{role} 测试")
    with engine.begin() as conn:
        conn.execute(insert(t.payments), [_pay_everything(conn, a) for a in CURED])
    earlier = run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=EARLIER)).record.run_id
    replaced = run_strategy(
        SqlUnitOfWork(engine), RunOptions(as_of=console_data.AS_OF)
    ).record.run_id
    latest = run_strategy(
        SqlUnitOfWork(engine), RunOptions(as_of=console_data.AS_OF, replace=True)
    ).record.run_id
    engine.dispose()
    return Runs(earlier, replaced, latest)


def _pay_everything(conn, account_id: str) -> dict[str, object]:
    rows = conn.execute(select(t.instalments).where(t.instalments.c.account_id == account_id))
    total = sum(r.principal_cents + r.interest_cents + r.fee_cents for r in rows)
    return {
        "id": f"P-CURE-{account_id}",
        "account_id": account_id,
        "paid_on": console_data.AS_OF - timedelta(days=10),
        "amount_cents": total,
        "channel": "bank_transfer",
        "channel_ref": "",
    }


def plan(console_db, run_id: str) -> dict[str, str]:
    """account -> bucket of a stored plan, read straight from the table."""
    engine = make_engine(console_db[0])
    with engine.connect() as conn:
        rows = conn.execute(
            select(strategy_plans.c.account_id, strategy_plans.c.bucket).where(
                strategy_plans.c.run_id == run_id
            )
        ).all()
    engine.dispose()
    return dict(rows)


def shown_buckets(html: str) -> dict[str, int]:
    return {
        b: int(n)
        for b, n in re.findall(r'<tr data-bucket="([^"]+)">.*?data-accounts="(\d+)"', html, re.S)
    }


def shown_rolls(html: str) -> Counter[tuple[str, str]]:
    table = html.split('id="table-rolls"', 1)[1].split("</table>", 1)[0]
    cells: Counter[tuple[str, str]] = Counter()
    for was, row in re.findall(r'<tr data-was="([^"]+)">(.*?)</tr>', table, re.S):
        for now, n in re.findall(r'data-now="([^"]+)" data-n="(\d+)"', row):
            if int(n):
                cells[(was, now)] = int(n)
    return cells


def test_the_bucket_distribution_shown_is_the_stored_plans(open_as, console_db, runs):
    html = open_as("supervisor").get(f"/console/strategy/{runs.latest}").text

    assert shown_buckets(html) == Counter(plan(console_db, runs.latest).values())
    assert sum(shown_buckets(html).values()) == console_data.COUNT


def test_the_roll_matrix_counts_each_account_from_its_earlier_bucket_to_its_bucket_now(
    open_as, console_db, runs
):
    before, now = plan(console_db, runs.earlier), plan(console_db, runs.latest)
    expected = Counter((before[a], now[a]) for a in now if a in before)

    html = open_as("compliance").get(f"/console/strategy/{runs.latest}").text

    assert shown_rolls(html) == expected
    assert expected[("M0", "M1")] > 0  # the data does roll forward, so this can fail


def test_the_cure_rate_is_the_share_of_earlier_delinquent_accounts_now_current(
    open_as, console_db, runs
):
    before, now = plan(console_db, runs.earlier), plan(console_db, runs.latest)
    delinquent = [a for a in now if before.get(a, "M0") != "M0"]
    cured = [a for a in delinquent if now[a] == "M0"]
    assert set(cured) == set(CURED)

    report = open_as("admin").get(f"/api/v1/strategy/runs/{runs.latest}/report").json()
    html = open_as("admin").get(f"/console/strategy/{runs.latest}").text

    assert report["cure_rate"]["value"] == pytest.approx(len(cured) / len(delinquent))
    assert report["cure_rate"]["low"] < report["cure_rate"]["value"] < report["cure_rate"]["high"]
    assert f'data-testid="cure-rate">{len(cured) / len(delinquent):.1%}<' in html
    assert sum(a["accounts"] for a in report["arms"]) == len(delinquent)
    assert sum(a["cured"] for a in report["arms"]) == len(cured)


def test_the_segment_counts_add_up_to_the_run(open_as, console_db, runs):
    report = open_as("supervisor").get(f"/api/v1/strategy/runs/{runs.latest}/report").json()
    html = open_as("supervisor").get(f"/console/strategy/{runs.latest}").text

    counts = {s["segment"]: s["accounts"] for s in report["segments"]}
    assert sum(counts.values()) == console_data.COUNT
    # No case is on hold here, so "current" (the second segment) takes every M0 account.
    assert counts["current"] == Counter(plan(console_db, runs.latest).values())["M0"]
    assert re.findall(r'<tr data-segment="([^"]+)">', html) == list(counts)


def test_the_latest_run_is_shown_by_default_and_the_list_marks_the_superseded_one(open_as, runs):
    html = open_as("supervisor").get("/console/strategy").text

    assert f'<tr data-run="{runs.latest}" class="table-active"' in html
    listed = re.findall(r'<tr data-run="([^"]+)"', html)
    assert listed[:2] == [runs.latest, runs.replaced] and listed[2] == runs.earlier
    replaced_row = html.split(f'data-run="{runs.replaced}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="superseded">已被取代<' in replaced_row
    assert "superseded" not in html.split(f'data-run="{runs.latest}"', 1)[1].split("</tr>", 1)[0]


def test_the_first_run_has_no_rolls_and_says_why(open_as, runs):
    html = open_as("supervisor").get(f"/console/strategy/{runs.earlier}?lang=en").text

    assert 'data-testid="no-rolls"' in html and "need an earlier run" in html
    assert 'id="chart-rolls"' not in html and 'id="spec-rolls"' not in html
    assert 'id="chart-buckets"' in html and 'id="spec-buckets"' in html


def test_every_chart_has_its_spec_and_table_and_loads_vega_from_our_static_files(open_as, runs):
    html = open_as("supervisor").get(f"/console/strategy/{runs.latest}").text

    for name in ("buckets", "rolls", "arms", "segments"):
        assert f'id="chart-{name}"' in html and f'id="table-{name}"' in html
        spec = re.search(rf'<script type="application/json" id="spec-{name}">(.*?)</script>', html)
        assert spec is not None and json.loads(spec.group(1))["$schema"].endswith("v6.json")
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert [s for s in scripts if "vega" in s] == [
        "http://testserver/static/vendor/vega.min.js",
        "http://testserver/static/vendor/vega-lite.min.js",
        "http://testserver/static/vendor/vega-embed.min.js",
    ]
    for src in scripts:
        assert open_as().get(src).status_code == 200


def test_the_chart_specs_carry_the_report_numbers():
    data = {
        "bucket_order": ["M0", "M1", "M2"],
        "buckets": [
            {"bucket": "M1", "accounts": 3, "share": 0.75},
            {"bucket": "M0", "accounts": 1, "share": 0.25},
        ],
        "rolls": {"M0": {"M0": 1, "M1": 3}},
        "segments": [{"segment": "m1", "treatment": "calls", "accounts": 3}],
        "arms": [],
    }

    specs = charts(data, lambda s: s)

    assert set(specs) == {"buckets", "rolls", "segments"}
    assert specs["buckets"]["data"]["values"][0] == {"bucket": "M1", "accounts": 3, "share": 0.75}
    assert specs["buckets"]["encoding"]["x"]["sort"] == ["M0", "M1", "M2"]
    assert specs["rolls"]["data"]["values"] == [
        {"was": "M0", "now": "M0", "n": 1, "share": 0.25},
        {"was": "M0", "now": "M1", "n": 3, "share": 0.75},
    ]
    assert roll_matrix(data)["columns"] == ["M0", "M1"]


def test_a_share_of_a_few_accounts_is_never_written_as_zero():
    share = FORMATS["row_share"]

    assert [share(0.001), share(0.0), share(0.25), share(1.0)] == ["<1%", "0%", "25%", "100%"]
    assert [FORMATS["pct"](0.0004), FORMATS["pct"](0.1834)] == ["<0.1%", "18.3%"]


@pytest.mark.parametrize("username", ALLOWED)
def test_supervisors_compliance_and_admins_see_the_reports_and_the_nav_link(
    open_as, runs, username
):
    browser = open_as(username)

    assert browser.get("/console/strategy").status_code == 200
    assert browser.get(f"/api/v1/strategy/runs/{runs.latest}/report").status_code == 200
    assert 'data-testid="nav-strategy"' in browser.get("/console/").text


@pytest.mark.parametrize("username", REFUSED)
def test_collectors_field_agents_agencies_and_borrowers_are_refused(open_as, runs, username):
    browser = open_as(username)

    for path in ("/console/strategy", f"/console/strategy/{runs.latest}"):
        page = browser.get(path)
        if username == "borrower":  # sent to the portal
            assert page.status_code == 303 and page.headers["location"] == "/portal/"
            continue
        assert page.status_code == 403
        assert 'data-testid="cause"' in page.text and "Traceback" not in page.text
    api = browser.get(f"/api/v1/strategy/runs/{runs.latest}/report")
    assert api.status_code == 403
    assert browser.get("/api/v1/strategy/runs").status_code == 403
    if username != "borrower":
        assert 'data-testid="nav-strategy"' not in browser.get("/console/").text


def test_the_role_list_in_the_nav_template_is_the_report_roles():
    assert {r.value for r in REPORT_ROLES} == set(ALLOWED)


def test_anonymous_visitors_go_to_login_and_the_api_says_401(open_as, runs):
    browser = open_as()

    page = browser.get(f"/console/strategy/{runs.latest}")
    assert page.status_code == 303 and "/login?next=" in page.headers["location"]
    assert browser.get(f"/api/v1/strategy/runs/{runs.latest}/report").status_code == 401


def test_an_unknown_run_is_a_404_page_not_a_traceback(open_as):
    browser = open_as("supervisor")

    api = browser.get("/api/v1/strategy/runs/no-such-run/report")  # zh-CN: the default
    page = browser.get("/console/strategy/no-such-run?lang=en")

    assert page.status_code == 404
    assert 'data-testid="cause">There is no such strategy run.<' in page.text
    # the API's one error shape (web/api/shapes.py), not FastAPI's {"detail": …}
    assert api.status_code == 404 and api.json() == {"error": "没有这个策略运行。", "hint": ""}


def test_the_api_answers_match_the_schemas_its_openapi_document_declares(open_as, runs):
    """The schemathesis run (test_schemathesis_api.py) has no strategy run to report on; here
    the reports of real runs, and the run list, are held to their declared schemas."""
    browser = open_as("supervisor")
    document = browser.get("/openapi.json").json()

    for path, url in (
        ("/api/v1/strategy/runs", "/api/v1/strategy/runs"),
        ("/api/v1/strategy/runs/{run_id}/report", f"/api/v1/strategy/runs/{runs.latest}/report"),
        ("/api/v1/strategy/runs/{run_id}/report", f"/api/v1/strategy/runs/{runs.earlier}/report"),
    ):
        declared = document["paths"][path]["get"]["responses"]["200"]["content"]
        schema = declared["application/json"]["schema"]
        answer = browser.get(url)
        assert answer.status_code == 200
        assert list(Draft202012Validator(schema).iter_errors(answer.json())) == []


def test_the_api_lists_runs_newest_first_with_their_status(open_as, runs):
    listed = open_as("supervisor").get("/api/v1/strategy/runs").json()["runs"]

    assert [r["id"] for r in listed] == [runs.latest, runs.replaced, runs.earlier]
    assert [r["status"] for r in listed] == ["current", "superseded", "current"]
    assert listed[0]["accounts"] == console_data.COUNT


def test_the_page_reads_in_english_and_chinese(open_as, runs):
    browser = open_as("supervisor")

    zh = browser.get(f"/console/strategy/{runs.latest}?lang=zh-CN").text
    en = browser.get(f"/console/strategy/{runs.latest}?lang=en").text

    assert '<h1 class="h3 mb-0">策略报告</h1>' in zh and "滚动率" in zh
    assert '<h1 class="h3 mb-0">Strategy reports</h1>' in en and "Roll rates" in en


def test_without_any_run_the_page_says_how_to_make_one(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    upgrade(engine)
    create_user(SqlUnitOfWork(engine), "boss", "supervisor", console_data.PASSWORD, "Boss")
    engine.dispose()
    settings = load_settings(
        database_url=url, secret_key="test-secret-key", locale="en", env="test"
    )

    with TestClient(create_app(Services(settings)), follow_redirects=False) as browser:
        form = {"username": "boss", "password": console_data.PASSWORD}
        signed = browser.post("/login", data=form | {"csrf_token": csrf_token_of(browser)})
        page = browser.get("/console/strategy")
        listed = browser.get("/api/v1/strategy/runs").json()

    assert signed.status_code == 303
    assert page.status_code == 200 and listed == {"runs": []}
    assert 'data-testid="no-runs"' in page.text
    assert "fairdebt strategy run --as-of DATE" in page.text
    assert "data-chart=" not in page.text and "vega.min.js" not in page.text


def test_the_demo_plans_today_and_a_month_ago_once(tmp_path):
    from fairdebt.demo.scenario import run_strategy_twice

    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        console_data.build(conn)

    made = run_strategy_twice(engine, console_data.AS_OF)
    again = run_strategy_twice(engine, console_data.AS_OF)

    with engine.connect() as conn:
        days = conn.execute(select(strategy_runs.c.as_of).order_by(strategy_runs.c.as_of)).all()
    engine.dispose()
    assert len(made) == 2 and again == []
    assert [d for (d,) in days] == [EARLIER, console_data.AS_OF]
