"""PATCH /api/v1/me: people change their own display name and password."""

import pytest

from tests.gateway.conftest import assert_problem, unique
from tests.gateway.test_sessions import PASSWORD, Browser


@pytest.fixture
def person(gdb):
    user, _ = gdb.make_user("sales", username=unique("self"), password=PASSWORD)
    return user


@pytest.fixture
def browser(app, person):
    browser = Browser(app)
    assert browser.sign_in(person["username"]).status_code == 200
    return browser


def test_a_person_renames_themselves_and_changes_their_password(app, browser, person, gdb):
    answer = browser.change("PATCH", "/api/v1/me", json={"display_name": "Ada L."})
    assert answer.status_code == 200 and answer.get_json()["display_name"] == "Ada L."
    assert browser.get("/api/v1/auth/session").get_json()["user"]["display_name"] == "Ada L."

    new = "a much longer passphrase"
    changed = browser.change("PATCH", "/api/v1/me", json={"password": new, "current_password": PASSWORD})
    assert changed.status_code == 200, changed.get_json()
    assert Browser(app).sign_in(person["username"], new).status_code == 200
    assert_problem(Browser(app).sign_in(person["username"], PASSWORD), 401)
    audit = gdb.all("SELECT changes FROM audit_events WHERE user_id = %s AND action = 'user.updated' "
                    "ORDER BY id", (person["id"],))
    assert "password" in audit[-1]["changes"] and audit[-1]["changes"]["password"] != PASSWORD


def test_a_new_password_needs_the_current_one(browser, person, gdb):
    before = gdb.scalar("SELECT password_hash FROM users WHERE id = %s", (person["id"],))
    missing = browser.change("PATCH", "/api/v1/me", json={"password": "a much longer passphrase"})
    assert_problem(missing, 422)
    assert "current_password" in missing.get_json()["errors"]
    wrong = browser.change("PATCH", "/api/v1/me", json={"password": "a much longer passphrase",
                                                         "current_password": "not it at all"})
    assert_problem(wrong, 422)
    assert wrong.get_json()["errors"]["current_password"] == ["This is not your current password; type it again."]
    short = browser.change("PATCH", "/api/v1/me", json={"password": "short", "current_password": PASSWORD})
    assert_problem(short, 422)
    after = gdb.scalar("SELECT password_hash FROM users WHERE id = %s", (person["id"],))
    assert after == before


def test_role_and_active_are_not_self_service(browser):
    for body in ({"role": "admin"}, {"active": False}):
        assert_problem(browser.change("PATCH", "/api/v1/me", json=body), 422)


def test_a_rename_shows_at_once_for_a_bearer_token(client, gdb):
    _, token = gdb.make_user("sales")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["display_name"] is None
    assert client.patch("/api/v1/me", json={"display_name": "New Name"}, headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).get_json()["display_name"] == "New Name"
