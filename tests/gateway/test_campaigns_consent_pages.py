"""Consent through the real gateway and the real campaigns service, whose
sender mails a real SMTP server: double opt-in from the API call to the
confirmation link in the mail received, the RFC 8058 one-click POST, the
unsubscribe and preference pages (a GET changes nothing; a form posted
without its page's token is refused), forged and expired links, and the
staff routes' bad input and permissions."""

import re
import time
import uuid

import pytest

from gateway.app import create_app
from services.campaigns.consent import links
from services.campaigns.service import CampaignsService
from shared.kit.testing import start_container
from shared.schemas.errors import NotFound
from tests.gateway.conftest import assert_problem, assert_safe_html, bearer, random_ip
from tests.helpers import wait_for
from tests.mailservers import SmtpServer
from tests.services import ServiceDb

CONFIRM_LINK = re.compile(r"https?://\S+?(/confirm/[A-Za-z0-9_.-]+)")
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
API = "/api/v1/campaigns/consent"


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    server = SmtpServer(tmp_path_factory.mktemp("consent-smtp"), "none", ("-", "-"), None)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live(component_config, gateway_config, smtp):
    config = component_config("campaigns", OUTBOX_POLL_SECONDS=0.2, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port,
                              SMTP_SECURITY="none", SEND_POLL_SECONDS=0.2, SMTP_TIMEOUT_SECONDS=5)
    container = start_container(CampaignsService, dict(config))
    schema = ServiceDb(config["DATABASE_URL"], config["DB_SCHEMA"])
    app = create_app({**gateway_config, "RPC_POOL_SIZE": 2, "RPC_TIMEOUT": 20})
    wait_for(lambda: app.test_client().get("/ready").status_code == 200, 20, message="the gateway is not ready")
    yield app.test_client(), schema, config
    app.extensions["gateway"].close()
    container.kill()
    schema.wait_relay_free()
    schema.close()


def address(prefix="ada"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


def current(client, tokens, email, purpose="marketing_email"):
    answer = client.get(API, query_string={"email": email}, headers=bearer(tokens["readonly"]))
    assert answer.status_code == 200, answer.get_json()
    return next((item["status"] for item in answer.get_json()["current"] if item["purpose"] == purpose), None)


def received(smtp, email):
    return [message for envelope, message in smtp.messages() if email in envelope["to"]]


def test_double_opt_in_from_the_api_to_the_link_in_the_mail(live, tokens, smtp):
    client, _, _ = live
    email = address("join")
    asked = client.post(f"{API}/requests", json={"email": email, "purpose": "newsletter", "form_id": "footer"},
                        headers=bearer(tokens["marketing"]))
    assert asked.status_code == 200, asked.get_json()
    assert asked.get_json()["status"] == "pending_confirmation" and asked.get_json()["mail_queued"]
    mails = wait_for(lambda: received(smtp, email), 20, message="the confirmation mail did not arrive")
    assert len(mails) == 1
    body = mails[0].get_body(("plain",)).get_content()
    path = CONFIRM_LINK.search(body).group(1)

    # Opening the link (as a mail scanner fetching every link would) records nothing: the button does.
    page = assert_safe_html(client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.9"}), 200)
    assert "Confirm my subscription" in page and email in page
    assert current(client, tokens, email, "newsletter") == "pending_confirmation"
    pressed = client.post(path, data={"action": "confirm"}, environ_base={"REMOTE_ADDR": "192.0.2.77"},
                          headers={"User-Agent": "MailApp/1"})
    assert "Thank you for confirming" in assert_safe_html(pressed, 200)
    assert current(client, tokens, email, "newsletter") == "granted"
    assert "Confirmed already" in assert_safe_html(client.get(path), 200)
    assert "Confirmed already" in assert_safe_html(client.post(path, data={"action": "confirm"}), 200)
    history = client.get(API, query_string={"email": email}, headers=bearer(tokens["readonly"])).get_json()["history"]
    assert [(h["status"], h["source"]) for h in history] == [("granted", "double_opt_in"),
                                                             ("pending_confirmation", "form")]
    assert (history[0]["ip"], history[0]["user_agent"]) == ("192.0.2.77", "MailApp/1")


def test_an_expired_or_forged_confirmation_link(live, tokens, smtp):
    client, _, config = live
    email = address("late")
    asked = client.post(f"{API}/requests", json={"email": email}, headers=bearer(tokens["admin"])).get_json()
    old = links.confirm_token(config, asked["request_id"], signed_at=time.time() - 30 * 86400)
    expired = client.get(f"/confirm/{old}")
    html = assert_safe_html(expired, 410)
    assert "expired" in html and "Send me a new link" in html
    assert current(client, tokens, email) == "pending_confirmation"
    pressed = client.post(f"/confirm/{old}", data={"action": "confirm"})
    assert "Send me a new link" in assert_safe_html(pressed, 410)
    assert current(client, tokens, email) == "pending_confirmation"
    resent = client.post(f"/confirm/{old}", environ_base={"REMOTE_ADDR": random_ip()})
    assert "A new link is on its way" in assert_safe_html(resent, 200)
    wait_for(lambda: len(received(smtp, email)) == 2, 20, message="the new link was not mailed")
    for bad in (old[:-3], links.confirm_token({**config, "CAMPAIGNS_SECRET": "forged"}, asked["request_id"]),
                "no good", "x" * 700):
        assert_safe_html(client.get(f"/confirm/{bad}"), 404)


def test_the_one_click_post_unsubscribes_and_the_page_alone_changes_nothing(live, tokens):
    client, _, config = live
    email = address("bye")
    client.post(API, json={"email": email, "purpose": "marketing_email", "status": "granted"},
                headers=bearer(tokens["marketing"]))
    token = links.unsubscribe_token(config, email, "marketing_email", uuid.uuid4())
    page = client.get(f"/u/{token}")
    html = assert_safe_html(page, 200)
    assert 'name="List-Unsubscribe" value="One-Click"' in html and email in html
    assert current(client, tokens, email) == "granted"

    # What a mail provider sends (RFC 8058): no cookie, no CSRF token, no sign-in.
    posted = client.post(f"/u/{token}", data="List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded",
                         environ_base={"REMOTE_ADDR": "198.51.100.25"})
    assert "You are unsubscribed" in assert_safe_html(posted, 200)
    assert current(client, tokens, email) == "withdrawn"
    multipart = client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"}, content_type="multipart/form-data")
    assert multipart.status_code == 200
    history = client.get(API, query_string={"email": email}, headers=bearer(tokens["readonly"])).get_json()["history"]
    assert [h["source"] for h in history] == ["unsubscribe_link", "api"] and history[0]["ip"] == "198.51.100.25"
    assert "You are unsubscribed" in assert_safe_html(client.get(f"/u/{token}"), 200)

    assert_safe_html(client.post(f"/u/{token}", data={"List-Unsubscribe": "Maybe"}), 400)
    assert_safe_html(client.post(f"/u/{token}"), 400)
    assert_safe_html(client.post(f"/u/{token[:-4]}", data={"List-Unsubscribe": "One-Click"}), 404)
    assert_safe_html(client.get(f"/u/{links.preferences_token(config, email)}"), 404)


def test_the_preference_page_changes_subscriptions_with_its_own_form(live, tokens):
    client, _, config = live
    email = address("prefs")
    token = links.preferences_token(config, email)
    page = client.get(f"/preferences/{token}")
    html = assert_safe_html(page, 200)
    assert html.count('type="checkbox"') == 4 and " checked" not in html
    form_token = FORM_TOKEN.search(html).group(1)

    saved = client.post(f"/preferences/{token}", data={"form_token": form_token, "subscribed": ["newsletter", "sms"],
                                                       "action": "save"}, environ_base={"REMOTE_ADDR": random_ip()})
    html = assert_safe_html(saved, 200)
    assert "Your choices are saved." in html and html.count(" checked") == 2
    assert current(client, tokens, email, "newsletter") == "granted"
    assert current(client, tokens, email, "sms") == "granted"

    everything = client.post(f"/preferences/{token}", data={"form_token": form_token, "subscribed": "newsletter",
                                                            "action": "none"})
    assert " checked" not in assert_safe_html(everything, 200)
    assert current(client, tokens, email, "newsletter") == "withdrawn"

    # A form made elsewhere (no token of this page, or another address's) changes nothing.
    other = links.form_token(config, "eve@example.org")
    for data in ({"subscribed": "newsletter"}, {"form_token": other, "subscribed": "newsletter"}):
        assert_safe_html(client.post(f"/preferences/{token}", data=data), 403)
    assert_safe_html(client.post(f"/preferences/{token}", data={"form_token": form_token, "subscribed": "fax"}), 422)
    assert_safe_html(client.post(f"/preferences/{token}", data={"form_token": form_token, "colour": "red"}), 422)
    assert current(client, tokens, email, "newsletter") == "withdrawn"
    assert_safe_html(client.get(f"/preferences/{token}x"), 404)


def test_the_preference_form_is_rate_limited(rate_limited_app):
    app = rate_limited_app({("campaigns", "update_preferences"): NotFound("Not a valid link.")},
                           WEB_FORM_RATE_LIMIT=1)
    client, ip = app.test_client(), random_ip()
    token = links.preferences_token({"CAMPAIGNS_SECRET": "k"}, "ada@example.org")
    statuses = [client.post(f"/preferences/{token}", data={"form_token": "x"}, environ_base={"REMOTE_ADDR": ip})
                .status_code for _ in range(2)]
    assert statuses == [404, 429]


# Staff routes -------------------------------------------------------------------------

def test_staff_read_and_record_with_their_permissions(live, tokens):
    client, _, _ = live
    email = address("staff")
    body = {"email": email, "purpose": "phone", "status": "granted", "legal_basis": "contract", "note": "On a call"}
    assert_problem(client.post(API, json=body, headers=bearer(tokens["sales"])), 403)
    assert_problem(client.post(API, json=body), 401)
    assert_problem(client.get(API, query_string={"email": email}), 401)
    recorded = client.post(API, json=body, headers=bearer(tokens["marketing"]))
    assert recorded.status_code == 200 and recorded.get_json()["changed"] is True
    assert recorded.get_json()["consent"]["channel"] == "phone"
    assert current(client, tokens, email, "phone") == "granted"
    person = client.get(f"{API}/person/{uuid.uuid4()}", headers=bearer(tokens["support"]))
    assert_problem(person, 404)
    assert_problem(client.get(f"{API}/person/not-a-uuid", headers=bearer(tokens["support"])), 404)


@pytest.mark.parametrize(("body", "field"), [
    ({"purpose": "sms", "status": "granted"}, "email"),
    ({"email": "x@example.org", "purpose": "sms", "status": "granted", "extra": 1}, "extra"),
    ({"email": "x@example.org", "purpose": 7, "status": "granted"}, "purpose"),
    ({"email": "x@example.org", "purpose": "sms", "status": "granted", "user_agent": "u" * 501}, "user_agent"),
    ({"email": "x@example.org", "purpose": "sms", "status": "granted", "at": "2999-01-01T00:00:00+00:00"}, "at"),
])
def test_a_bad_decision_is_a_422_naming_the_field(live, tokens, body, field):
    client, schema, _ = live
    before = schema.scalar("SELECT count(*) FROM consent_history")
    assert_problem(client.post(API, json=body, headers=bearer(tokens["admin"])), 422, field)
    assert schema.scalar("SELECT count(*) FROM consent_history") == before


def test_bad_queries_and_requests_are_4xx(live, tokens):
    client, _, _ = live
    headers = bearer(tokens["admin"])
    assert_problem(client.get(API, headers=headers), 422, "email")
    assert_problem(client.get(API, query_string={"email": "nope"}, headers=headers), 422, "email")
    assert_problem(client.post(f"{API}/requests", json={"email": "a@example.org", "purpose": "phone"},
                               headers=headers), 422, "purpose")
    assert_problem(client.post(f"{API}/requests", json={}, headers=headers), 422, "email")
    assert_problem(client.post(f"{API}/requests", data="email=a@example.org", headers=headers,
                               content_type="application/x-www-form-urlencoded"), 415)
    assert_problem(client.post(f"{API}/requests", json={"email": "a@example.org"},
                               headers=bearer(tokens["readonly"])), 403)
