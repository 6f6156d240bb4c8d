"""The consent ledger through the real campaigns service (RPC, PostgreSQL,
RabbitMQ): decisions and their append-only history, consent.changed once
per change, double opt-in (the confirmation mail queued in the same
transaction with its signed link), unsubscribe and preference links,
forged and expired links, bad input, and concurrent decisions."""

import re
import time
import uuid

import psycopg
import pytest

from services.campaigns.consent import checks, links
from shared.schemas.errors import Forbidden, Gone, NotFound, ValidationFailed
from tests.campaigns.conftest import concurrently

CONFIRM_LINK = re.compile(r"https?://\S+/confirm/([A-Za-z0-9_.-]+)")


def address(prefix="ada"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}@Example.org"


def decision(email, status="granted", **fields):
    return {"email": email, "purpose": "marketing_email", "status": status, "form_id": "signup-footer",
            "wording_version": "v3", "ip": "203.0.113.7", "user_agent": "Mozilla/5.0", **fields}


def person(db, email):
    return str(db.scalar(
        "INSERT INTO people (kind, source_id, first_name, last_name, email, email_norm)"
        " VALUES ('contact', %s, 'Ada', 'Lovelace', %s, lower(%s)) RETURNING id", (str(uuid.uuid4()), email, email)))


def consent_events(events, db, email, count):
    email_norm = email.lower()
    events.wait(lambda: len([e for e in events.of("consent.changed") if e.data["email"] == email_norm]) >= count)
    wait_unpublished = db.scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL AND event_type ="
                                 " 'consent.changed' AND body::jsonb -> 'data' ->> 'email' = %s", (email_norm,))
    assert wait_unpublished == 0
    events.drain(0.3)
    return [e for e in events.of("consent.changed") if e.data["email"] == email_norm]


def queued_mail(db, email):
    return db.all("SELECT * FROM outgoing_mail WHERE to_address = %s ORDER BY created_at", (email,))


def test_a_decision_is_kept_with_its_evidence_and_published_once(campaigns, db, events):
    email = address()
    first = campaigns.record_consent(decision(email), "mia")
    assert first["changed"] is True
    assert first["consent"]["email"] == email.lower() and first["consent"]["status"] == "granted"
    again = campaigns.record_consent(decision(email), "mia")  # the ledger says so already
    assert again["changed"] is False and again["consent"]["version"] == first["consent"]["version"]
    withdrawn = campaigns.record_consent(decision(email, "withdrawn", source="import"), "mia")
    assert withdrawn["consent"]["status"] == "withdrawn" and withdrawn["consent"]["version"] == 2

    seen = campaigns.consent_of_address({"email": email.upper()})
    assert seen["email"] == email.lower()
    assert [(c["purpose"], c["channel"], c["status"]) for c in seen["current"]] == [
        ("marketing_email", "email", "withdrawn")]
    assert [(h["status"], h["previous_status"], h["source"]) for h in seen["history"]] == [
        ("withdrawn", "granted", "import"), ("granted", None, "api")]
    oldest = seen["history"][-1]
    assert (oldest["form_id"], oldest["wording_version"], oldest["ip"], oldest["user_agent"], oldest["actor"]) == (
        "signup-footer", "v3", "203.0.113.7", "Mozilla/5.0", "mia")

    published = consent_events(events, db, email, 2)
    assert [(e.data["status"], e.data["previous_status"]) for e in published] == [
        ("granted", None), ("withdrawn", "granted")]
    assert published[1].data["change_id"] == seen["history"][0]["id"]
    assert set(published[0].data) == {"email", "purpose", "channel", "status", "previous_status", "legal_basis",
                                      "source", "at", "change_id"}


def test_can_email_only_while_granted_whatever_the_legal_basis(campaigns, db):
    email = address()
    norm = email.lower()

    def allowed():
        with db.conn.transaction():
            return checks.can_email(db.conn, norm, "marketing_email")

    assert allowed() == (False, "no_consent")
    campaigns.record_consent(decision(email, legal_basis="legitimate_interest"), "mia")
    assert allowed() == (True, None)
    campaigns.record_consent(decision(email, "withdrawn", legal_basis="legitimate_interest"), "mia")
    assert allowed() == (False, "withdrawn")
    campaigns.record_consent(decision(email), "mia")  # granted again, now as consent: a change of basis too
    assert allowed() == (True, None)
    with db.conn.transaction():
        assert checks.can_email(db.conn, norm, "newsletter") == (False, "no_consent")


def test_the_history_is_append_only(campaigns, db):
    email = address()
    campaigns.record_consent(decision(email), "mia")
    for statement in ("UPDATE consent_history SET status = 'withdrawn' WHERE email_norm = %s",
                      "DELETE FROM consent_history WHERE email_norm = %s"):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"), db.conn.transaction():
            db.conn.execute(statement, (email.lower(),))
    assert db.scalar("SELECT count(*) FROM consent_history WHERE email_norm = %s", (email.lower(),)) == 1


def test_a_persons_consent_is_their_addresss(campaigns, db):
    email = address()
    person_id = person(db, email)
    campaigns.record_consent(decision(email), "mia")
    seen = campaigns.consent_of_person(person_id)
    assert seen["person_id"] == person_id and seen["email"] == email.lower() and len(seen["current"]) == 1
    nobody = str(db.scalar("INSERT INTO people (kind, source_id, last_name) VALUES ('lead', %s, 'X') RETURNING id",
                           (str(uuid.uuid4()),)))
    assert campaigns.consent_of_person(nobody) == {"person_id": nobody, "email": None, "current": [], "history": []}
    with pytest.raises(NotFound):
        campaigns.consent_of_person(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        campaigns.consent_of_person("not-a-uuid")


@pytest.mark.parametrize(("data", "field"), [
    ({"purpose": "marketing_email", "status": "granted"}, "email"),
    ({"email": "not an address", "purpose": "marketing_email", "status": "granted"}, "email"),
    ({"email": "a@example.org", "purpose": "carrier_pigeon", "status": "granted"}, "purpose"),
    ({"email": "a@example.org", "purpose": "sms", "status": "pending_confirmation"}, "status"),
    ({"email": "a@example.org", "purpose": "sms", "status": "granted", "channel": "fax"}, "channel"),
    ({"email": "a@example.org", "purpose": "sms", "status": "granted", "legal_basis": "because"}, "legal_basis"),
    ({"email": "a@example.org", "purpose": "sms", "status": "granted", "source": "preference_page"}, "source"),
    ({"email": "a@example.org", "purpose": "sms", "status": "granted", "ip": "999.1.1.1"}, "ip"),
    ({"email": "a@example.org", "purpose": "sms", "status": "granted", "form_id": "x" * 101}, "form_id"),
    ({"email": "a@example.org", "purpose": "sms", "status": "granted", "at": "2999-01-01T00:00:00Z"}, "at"),
    ({"email": "a@example.org", "purpose": "sms", "status": "granted", "colour": "blue"}, "colour"),
])
def test_a_bad_decision_is_refused_and_nothing_is_written(campaigns, db, data, field):
    before = db.scalar("SELECT count(*) FROM consent_history")
    with pytest.raises(ValidationFailed) as refused:
        campaigns.record_consent(data, "mia")
    assert field in refused.value.errors
    assert db.scalar("SELECT count(*) FROM consent_history") == before


def test_bad_queries_and_requests_are_refused(campaigns):
    with pytest.raises(ValidationFailed):
        campaigns.consent_of_address({})
    with pytest.raises(ValidationFailed):
        campaigns.consent_of_address({"email": "nope"})
    with pytest.raises(ValidationFailed):
        campaigns.consent_of_address("ada@example.org")
    with pytest.raises(ValidationFailed) as refused:
        campaigns.request_consent({"email": "ada@example.org", "purpose": "sms"}, "mia")
    assert "purpose" in refused.value.errors


def test_two_withdrawals_at_once_are_one_change(campaigns, db, rpc_proxy):
    email = address()
    campaigns.record_consent(decision(email), "mia")
    results = concurrently(rpc_proxy, [
        lambda cluster: cluster.campaigns.record_consent(decision(email, "withdrawn"), "mia") for _ in range(4)])
    assert sorted(result["changed"] for result in results) == [False, False, False, True]
    assert db.scalar("SELECT count(*) FROM consent_history WHERE email_norm = %s AND status = 'withdrawn'",
                     (email.lower(),)) == 1


# Double opt-in --------------------------------------------------------------------

def test_double_opt_in_queues_the_confirmation_at_once_and_the_link_grants(campaigns, db, campaigns_config):
    email = address("opt")
    asked = campaigns.request_consent({"email": email, "form_id": "newsletter-box", "wording_version": "w7",
                                       "ip": "198.51.100.4"}, "web")
    assert asked["status"] == "pending_confirmation" and asked["mail_queued"] is True
    mail = queued_mail(db, email)
    assert len(mail) == 1 and mail[0]["kind"] == "consent_confirmation"
    assert mail[0]["headers"]["Auto-Submitted"] == "auto-generated"
    token = CONFIRM_LINK.search(mail[0]["text"]).group(1)
    assert mail[0]["text"].count(campaigns_config["PUBLIC_URL"].rstrip("/") + "/confirm/") == 1
    assert links.confirmation_of(campaigns_config, token) == asked["request_id"]
    with db.conn.transaction():
        assert checks.can_email(db.conn, email.lower()) == (False, "pending_confirmation")

    confirmed = campaigns.confirm_consent(token, {"ip": "192.0.2.9", "user_agent": "Phone Mail"})
    assert confirmed["state"] == "confirmed" and confirmed["status"] == "granted"
    again = campaigns.confirm_consent(token, {"ip": "192.0.2.10"})
    assert again["state"] == "confirmed_already"
    seen = campaigns.consent_of_address({"email": email})
    assert seen["current"][0]["status"] == "granted" and seen["current"][0]["confirmed_at"]
    assert seen["current"][0]["form_id"] == "newsletter-box"
    latest = seen["history"][0]
    assert (latest["source"], latest["ip"], latest["user_agent"], latest["request_id"], latest["wording_version"]) == (
        "double_opt_in", "192.0.2.9", "Phone Mail", asked["request_id"], "w7")
    assert len(seen["history"]) == 2
    with db.conn.transaction():
        assert checks.can_email(db.conn, email.lower()) == (True, None)

    # An address that confirmed already is mailed nothing when asked again.
    repeat = campaigns.request_consent({"email": email}, "web")
    assert repeat == {**repeat, "status": "granted", "mail_queued": False, "request_id": None}
    assert len(queued_mail(db, email)) == 1


def test_a_request_whose_mail_cannot_be_queued_writes_nothing(campaigns, db):
    email = address("refuse")
    db.conn.execute(
        "CREATE OR REPLACE FUNCTION refuse_test_mail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " IF NEW.to_address LIKE 'refuse-%%' THEN RAISE EXCEPTION 'the mail queue is broken'; END IF;"
        " RETURN NEW; END $$")
    db.conn.execute("CREATE TRIGGER refuse_test_mail BEFORE INSERT ON outgoing_mail"
                    " FOR EACH ROW EXECUTE FUNCTION refuse_test_mail()")
    try:
        with pytest.raises(Exception, match="mail queue is broken"):
            campaigns.request_consent({"email": email}, "web")
    finally:
        db.conn.execute("DROP TRIGGER refuse_test_mail ON outgoing_mail")
    assert db.scalar("SELECT count(*) FROM consent_requests WHERE email_norm = %s", (email.lower(),)) == 0
    assert db.scalar("SELECT count(*) FROM consent_history WHERE email_norm = %s", (email.lower(),)) == 0
    assert db.scalar("SELECT count(*) FROM outbox WHERE body::jsonb -> 'data' ->> 'email' = %s",
                     (email.lower(),)) == 0


def test_an_expired_link_is_gone_and_a_new_one_can_be_mailed(campaigns, db, campaigns_config):
    email = address("late")
    asked = campaigns.request_consent({"email": email}, "web")
    old = links.confirm_token(campaigns_config, asked["request_id"], signed_at=time.time() - 8 * 86400)
    with pytest.raises(Gone) as gone:
        campaigns.confirm_consent(old, {})
    assert "expired" in gone.value.detail
    assert campaigns.consent_of_address({"email": email})["current"][0]["status"] == "pending_confirmation"
    sent = campaigns.resend_confirmation(old, {"ip": "192.0.2.1"})
    assert sent["state"] == "sent"
    mails = queued_mail(db, email)
    assert len(mails) == 2
    fresh = CONFIRM_LINK.search(mails[1]["text"]).group(1)
    assert campaigns.confirm_consent(fresh, {})["state"] == "confirmed"
    assert campaigns.resend_confirmation(old, {})["state"] == "granted_already"  # the address confirmed meanwhile
    assert len(queued_mail(db, email)) == 2


def test_forged_links_open_nothing(campaigns, campaigns_config):
    other = {**campaigns_config, "CAMPAIGNS_SECRET": "not-the-service-key"}
    forged = (links.confirm_token(other, uuid.uuid4()), links.unsubscribe_token(other, "ada@example.org"),
              links.preferences_token(other, "ada@example.org"))
    unknown_request = links.confirm_token(campaigns_config, uuid.uuid4())
    for token in (*forged, unknown_request, "x" * 601, "", "a b", None, 7):
        for method in ("confirm_consent", "resend_confirmation", "unsubscribe", "unsubscribe_for_link",
                       "preferences_for_link"):
            with pytest.raises(NotFound):
                getattr(campaigns, method)(token)
    with pytest.raises(NotFound):
        campaigns.update_preferences(forged[2], {"form_token": "x"})


# Unsubscribe and preferences ----------------------------------------------------

def test_the_unsubscribe_link_withdraws_once_with_its_campaign_as_evidence(campaigns, db, campaigns_config, events):
    email = address("bye")
    campaigns.record_consent(decision(email, purpose="newsletter"), "mia")
    campaign_id = str(uuid.uuid4())
    token = links.unsubscribe_token(campaigns_config, email.lower(), "newsletter", campaign_id)
    page = campaigns.unsubscribe_for_link(token)
    assert page == {"email": email.lower(), "purpose": "newsletter", "label": page["label"], "status": "granted",
                    "changed": False}
    assert campaigns.unsubscribe(token, {"ip": "192.0.2.3", "user_agent": "Gmail"})["changed"] is True
    assert campaigns.unsubscribe(token, {"ip": "192.0.2.3"})["changed"] is False
    latest = campaigns.consent_of_address({"email": email})["history"][0]
    assert (latest["status"], latest["source"], latest["campaign_id"], latest["ip"]) == (
        "withdrawn", "unsubscribe_link", campaign_id, "192.0.2.3")
    assert len(consent_events(events, db, email, 2)) == 2
    # An address the ledger never knew objects all the same.
    stranger = address("stranger")
    assert campaigns.unsubscribe(links.unsubscribe_token(campaigns_config, stranger.lower()), {})["changed"] is True
    with db.conn.transaction():
        assert checks.can_email(db.conn, stranger.lower()) == (False, "withdrawn")


def test_the_preference_page_shows_and_changes_each_purpose(campaigns, campaigns_config):
    email = address("prefs")
    campaigns.record_consent(decision(email), "mia")
    token = links.preferences_token(campaigns_config, email.lower())
    page = campaigns.preferences_for_link(token)
    assert page["email"] == email.lower()
    assert {item["purpose"]: item["subscribed"] for item in page["items"]} == {
        "marketing_email": True, "newsletter": False, "phone": False, "sms": False}

    saved = campaigns.update_preferences(token, {"form_token": page["form_token"], "subscribed": ["newsletter"]},
                                         {"ip": "192.0.2.44"})
    assert sorted(saved["changed"]) == ["marketing_email", "newsletter"]
    assert {item["purpose"]: item["status"] for item in saved["items"]} == {
        "marketing_email": "withdrawn", "newsletter": "granted", "phone": None, "sms": None}
    same = campaigns.update_preferences(token, {"form_token": page["form_token"], "subscribed": ["newsletter"]})
    assert same["changed"] == []
    history = campaigns.consent_of_address({"email": email})["history"]
    assert {entry["source"] for entry in history[:2]} == {"preference_page"}

    other_form = links.form_token(campaigns_config, "eve@example.org")
    for form_token in (other_form, "made-up"):
        with pytest.raises(Forbidden):
            campaigns.update_preferences(token, {"form_token": form_token, "subscribed": []})
    with pytest.raises(ValidationFailed):
        campaigns.update_preferences(token, {"form_token": page["form_token"], "subscribed": ["fax"]})
    with pytest.raises(ValidationFailed):
        campaigns.update_preferences(token, {"subscribed": []})
