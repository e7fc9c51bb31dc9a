"""The staff console over HTTP, persona by persona: who may see what, masked how, and filters."""

from __future__ import annotations

import re

import console_data
import pytest
from console_data import DPD_PLAN, PRODUCTS, agency_of
from hypothesis import given
from hypothesis import strategies as st

from fairdebt.domain.delinquency import bucket_of
from fairdebt.web.rendering import money


def case_ids(html: str) -> list[str]:
    return re.findall(r'data-case="([^"]+)"', html)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def all_pages(browser, url: str) -> list[str]:
    """Follow "next" links from `url` and collect every case id shown."""
    seen: list[str] = []
    while url:
        response = browser.get(url)
        assert response.status_code == 200
        seen += case_ids(response.text)
        url = link(response.text, "next")
    return seen


def expected(predicate) -> set[str]:
    return {f"C-B{i:04d}" for i in range(console_data.COUNT) if predicate(i)}


def test_anonymous_visitors_are_sent_to_the_login_page(open_as):
    browser = open_as()

    for path in ("/console/", "/console/cases/C-B0001", "/console/?bucket=M2"):
        response = browser.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("http://testserver/login?next=")

    assert browser.get("/").headers["location"] == "/console/"


def test_an_htmx_request_without_a_session_is_told_to_reload_the_login_page(open_as):
    response = open_as().get("/console/", headers={"HX-Request": "true", "HX-Target": "cases"})

    assert response.headers["HX-Redirect"].startswith("http://testserver/login")


def test_a_wrong_password_or_unknown_user_is_refused_with_the_same_answer(open_as):
    browser = open_as()

    wrong = browser.post("/login", data={"username": "supervisor", "password": "nope-nope-9"})
    unknown = browser.post("/login", data={"username": "nobody", "password": "nope-nope-9"})

    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.text and "用户名或密码错误" in unknown.text
    assert browser.get("/console/").status_code == 303


def test_signing_out_ends_the_session(open_as):
    browser = open_as("supervisor")
    assert browser.get("/console/").status_code == 200

    browser.post("/logout")

    assert browser.get("/console/").status_code == 303


def test_login_never_redirects_to_another_site(open_as):
    browser = open_as()

    response = browser.post(
        "/login",
        data={
            "username": "collector",
            "password": console_data.PASSWORD,
            "next": "//evil.example/x",
        },
    )

    assert response.headers["location"] == "/console/"


def test_a_borrower_may_not_open_the_staff_console(open_as):
    """A borrower is sent to the portal, not shown a refusal whose links lead back here."""
    browser = open_as("borrower")

    listing = browser.get("/console/")
    case = browser.get("/console/cases/C-B0001")  # even the borrower's own case

    assert listing.status_code == case.status_code == 303
    assert listing.headers["location"] == case.headers["location"] == "/portal/"


def test_a_supervisor_pages_through_every_case_exactly_once(open_as):
    browser = open_as("supervisor")

    first = browser.get("/console/")
    seen = all_pages(browser, "/console/")

    assert len(case_ids(first.text)) == 50
    assert sorted(seen) == sorted(expected(lambda i: True))
    assert "共 60 个案件" in first.text


def test_the_list_is_ordered_by_days_past_due_worst_first(open_as, portfolio):
    browser = open_as("supervisor")

    seen = all_pages(browser, "/console/")

    dpd = [DPD_PLAN[int(case_id[3:]) % len(DPD_PLAN)] for case_id in seen]
    assert dpd == sorted(dpd, reverse=True)


def test_previous_goes_back_to_the_page_before(open_as):
    browser = open_as("supervisor")
    first = browser.get("/console/")
    second = browser.get(link(first.text, "next"))

    back = browser.get(link(second.text, "prev"))

    assert case_ids(back.text) == case_ids(first.text)
    assert link(first.text, "prev") is None


@pytest.mark.parametrize("bucket", ["M0", "M1", "M3", "M7+"])
def test_filtering_by_bucket_shows_exactly_that_bucket(open_as, bucket):
    browser = open_as("supervisor")

    seen = all_pages(browser, f"/console/?bucket={bucket.replace('+', '%2B')}")

    assert set(seen) == expected(lambda i: bucket_of(DPD_PLAN[i % len(DPD_PLAN)]) == bucket)


@pytest.mark.parametrize("product", PRODUCTS)
def test_filtering_by_product_shows_cases_with_such_an_account(open_as, product):
    browser = open_as("supervisor")

    seen = all_pages(browser, f"/console/?product={product}")

    assert set(seen) == expected(lambda i: PRODUCTS[i % len(PRODUCTS)] == product)


def test_bucket_product_and_status_filters_combine(open_as):
    browser = open_as("supervisor")

    seen = all_pages(browser, "/console/?bucket=M1&product=credit_card&status=placed")

    assert set(seen) == expected(
        lambda i: (
            bucket_of(DPD_PLAN[i % len(DPD_PLAN)]) == "M1"
            and PRODUCTS[i % 3] == "credit_card"
            and agency_of(i) is not None
        )
    )


def test_searching_by_case_id_prefix(open_as):
    browser = open_as("supervisor")

    seen = all_pages(browser, "/console/?q=C-B001")

    assert set(seen) == {f"C-B00{n}" for n in range(10, 20)}


def test_unknown_filter_values_are_ignored_not_errors(open_as):
    browser = open_as("supervisor")

    response = browser.get("/console/?bucket=M99&product=yacht&status=x&order=sideways&after=zz")

    assert response.status_code == 200
    assert len(case_ids(response.text)) == 50


def test_htmx_gets_only_the_table(open_as):
    browser = open_as("supervisor")

    partial = browser.get(
        "/console/?bucket=M2", headers={"HX-Request": "true", "HX-Target": "cases"}
    )
    full = browser.get("/console/?bucket=M2")

    assert partial.text.lstrip().startswith('<div id="cases"')
    assert "<html" not in partial.text and "<html" in full.text
    assert case_ids(partial.text) == case_ids(full.text)


def test_an_agency_sees_only_the_cases_placed_with_it(open_as, portfolio):
    browser = open_as("east")

    seen = all_pages(browser, "/console/")

    assert set(seen) == set(portfolio.agency_cases["AG-EAST"])
    assert browser.get(f"/console/cases/{portfolio.agency_cases['AG-EAST'][0]}").status_code == 200


def test_an_agency_gets_not_found_for_cases_not_placed_with_it(open_as, portfolio):
    browser = open_as("east")
    west = portfolio.agency_cases["AG-WEST"][0]
    in_house = "C-B0002"

    assert browser.get(f"/console/cases/{west}").status_code == 404
    assert browser.get(f"/console/cases/{in_house}").status_code == 404
    assert browser.get(f"/console/?q={west}").text.count("data-case=") == 0


def test_lists_show_personal_data_masked_to_everyone(open_as, portfolio):
    browser = open_as("supervisor")

    html = "".join(browser.get(u).text for u in ("/console/", "/console/?order=asc"))

    for case_id, name in portfolio.names.items():
        assert f">{name}<" not in html
        assert portfolio.phones[case_id] not in html
    assert re.search(r'data-testid="borrower">\S\*+<', html)


def test_the_case_page_masks_personal_data_for_oversight_until_unmasked(open_as, portfolio):
    case_id = "C-B0007"  # a collector who calls sees it whole: tests/api/test_access_scoping.py

    html = open_as("supervisor").get(f"/console/cases/{case_id}").text

    assert portfolio.names[case_id] not in html
    assert portfolio.phones[case_id] not in html
    full_id = console_data.national_id(7)
    assert full_id not in html  # the resident ID stays masked always
    assert f"{full_id[:3]}{'*' * 11}{full_id[-4:]}" in html
    assert 'data-testid="unmask-card"' in html


def test_the_case_page_masks_personal_data_for_an_agency(open_as, portfolio):
    case_id = portfolio.agency_cases["AG-EAST"][0]

    html = open_as("east").get(f"/console/cases/{case_id}").text

    assert portfolio.names[case_id] not in html
    assert portfolio.phones[case_id] not in html
    assert portfolio.phones[case_id][-4:] in html  # masked: last four digits only
    assert "按您的角色权限，个人信息已脱敏显示" in html
    assert 'data-testid="unmask-card"' not in html


def test_the_case_page_shows_schedule_payments_dpd_and_the_log_newest_first(open_as, portfolio):
    case_id = portfolio.agency_cases["AG-WEST"][0]  # case 1: 5 days past due, placed
    html = open_as("supervisor").get(f"/console/cases/{case_id}").text

    assert re.search(r'data-testid="dpd">5<', html)
    assert html.count("已还清") == 2 and html.count("已逾期") == 1 and html.count("未到期") == 3
    principal, interest = console_data.instalment_cents(1)
    each = money(principal + interest)  # a payment pays one instalment exactly
    assert html.count(each) >= 2 + 6  # two payments and the six instalments' totals
    events = re.findall(r'data-event="(\d+)"', html)
    assert events == ["2", "1"]
    assert html.index("案件分配") < html.index("案件立案")


def test_an_unknown_case_is_a_not_found_page(open_as):
    response = open_as("supervisor").get("/console/cases/C-NOPE")

    assert response.status_code == 404
    assert "此处没有该案件" in response.text


def test_the_language_switches_to_english_and_is_remembered(open_as):
    browser = open_as("supervisor")

    english = browser.get("/console/?lang=en")
    later = browser.get("/console/")
    chinese = browser.get("/console/?lang=zh-CN")

    assert "60 cases" in english.text and '<html lang="en">' in english.text
    assert "60 cases" in later.text
    assert "共 60 个案件" in chinese.text and '<html lang="zh-CN">' in chinese.text


def test_health_and_static_files_are_served(open_as):
    browser = open_as()

    assert browser.get("/healthz").json()["status"] == "ok"
    assert browser.get("/static/vendor/htmx.min.js").status_code == 200
    assert "Bootstrap" in browser.get("/static/vendor/bootstrap.min.css").text[:200]


def test_money_is_shown_with_symbol_grouping_and_two_decimals():
    assert money(123_456_789) == "¥1,234,567.89"
    assert money(5) == "¥0.05"
    assert money(-1_000) == "-¥10.00"
    assert money(100, "USD") == "$1.00" and money(100, "GBP") == "GBP 1.00"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_money_display_is_exact_to_the_cent(cents):
    shown = money(cents)

    digits = shown.replace("¥", "").replace(",", "").replace(".", "")
    assert int(digits) == cents
