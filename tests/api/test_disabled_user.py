"""A disabled user is out at once: its open session stops working and it cannot sign in again."""

from __future__ import annotations

import console_data

from fairdebt.services.users import disable_user


def test_disabling_ends_the_session_and_refuses_the_next_sign_in(app, open_as, fresh_token):
    browser = open_as("collector")
    assert browser.get("/console/").status_code == 200

    disable_user(app.state.services.uow(), "collector", console_data.NOW)

    after = browser.get("/console/")
    again = fresh_token(browser).post(  # the ended session took its CSRF token along
        "/login", data={"username": "collector", "password": console_data.PASSWORD}
    )
    assert after.status_code == 303 and "/login" in after.headers["location"]
    assert again.status_code == 401  # the same answer as a wrong password
    assert open_as("supervisor").get("/console/").status_code == 200
