"""Wrong passwords lock a user name: /login answers 429 and checks no password until later."""

from __future__ import annotations

import console_data


def test_after_five_wrong_passwords_even_the_right_one_is_refused_for_a_while(open_as):
    browser = open_as()
    wrong = [
        browser.post("/login", data={"username": "collector", "password": f"guess-{i}"})
        for i in range(5)
    ]

    right = browser.post(
        "/login", data={"username": "collector", "password": console_data.PASSWORD}
    )

    assert [r.status_code for r in wrong] == [401] * 5
    assert right.status_code == 429
    assert right.headers["Retry-After"] == "900"  # 15 minutes; the test clock stands still
    assert "登录失败次数过多" in right.text and 'data-testid="locked"' in right.text
    assert browser.get("/console/").status_code == 303  # not signed in
    assert open_as("supervisor").get("/console/").status_code == 200  # others still sign in
