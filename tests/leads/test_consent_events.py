"""Leads follow the campaigns service's ``consent.changed``: a withdrawn
marketing-email consent marks the leads with the address do-not-email
(granted clears it), with the lead's version, history and
``lead.updated``, once however often the event is delivered; other
purposes and pending consents change nothing.  The flag is part of the
lead as the API and events show it.

Events are published by hand on ``campaigns.events`` as its relay would; a
delivery's handling is observed through its consumer span."""

from shared.schemas.campaigns.consent import do_not_email_of
from shared.schemas.leads import LeadSchema
from tests.consent_delivery import CHANGES, delivery_fixtures
from tests.consent_delivery import consent_changed as _consent_changed
from tests.leads.conftest import person

CONSUMER = "leads.on_consent_changed"
span_exporter, deliver = delivery_fixtures(CONSUMER)


def consent_changed(email, status, purpose="marketing_email", change_id=None):
    return _consent_changed(email, status, purpose, change_id=change_id, source="preference_page")


def test_only_marketing_email_decisions_concern_leads():
    assert do_not_email_of({"email": "A@x.org", "purpose": "marketing_email", "channel": "email",
                            "status": "withdrawn", "change_id": 3}) == ("a@x.org", True, 3)
    assert do_not_email_of({"email": "a@x.org", "purpose": "marketing_email", "channel": "email",
                            "status": "withdrawn", "change_id": "3"}) is None
    assert do_not_email_of({"email": "a@x.org", "purpose": "sms", "channel": "sms", "status": "withdrawn"}) is None
    assert do_not_email_of({"email": "a@x.org", "purpose": "marketing_email", "channel": "email",
                            "status": "pending_confirmation"}) is None
    assert do_not_email_of("nonsense") is None


def test_a_withdrawal_delivered_twice_marks_the_lead_once_and_a_grant_clears_it(leads, db, events, deliver):
    lead = leads.create_lead(person(), "ann")
    assert lead["do_not_email"] is False
    LeadSchema().load(lead)
    withdrawn = consent_changed(lead["email"].lower(), "withdrawn")

    deliver(withdrawn, times=2)
    deliver(withdrawn)
    marked = leads.get_lead(lead["id"])
    assert marked["do_not_email"] is True and marked["version"] == lead["version"] + 1
    assert db.scalar("SELECT count(*) FROM inbox WHERE consumer = %s AND event_id = %s",
                     (CONSUMER, withdrawn["id"])) == 1
    events.settle(db, [lead["id"]])
    updates = events.of("lead.updated", lead["id"])
    assert len(updates) == 1 and updates[0].data["changed"] == ["do_not_email"]
    assert updates[0].data["lead"]["do_not_email"] is True
    assert db.scalar("SELECT count(*) FROM lead_history WHERE lead_id = %s AND actor = 'campaigns:consent'",
                     (lead["id"],)) == 1

    deliver(consent_changed(lead["email"].lower(), "granted"))
    cleared = leads.get_lead(lead["id"])
    assert cleared["do_not_email"] is False and cleared["version"] == marked["version"] + 1


def test_an_older_decision_delivered_late_never_overrides_a_newer_one(leads, deliver):
    lead = leads.create_lead(person(), "ann")
    email = lead["email"].lower()
    withdrawn, granted = next(CHANGES), next(CHANGES)
    deliver(consent_changed(email, "withdrawn", change_id=withdrawn))
    assert leads.get_lead(lead["id"])["do_not_email"] is True
    deliver(consent_changed(email, "granted", change_id=granted))
    deliver(consent_changed(email, "withdrawn", change_id=withdrawn - 1 if withdrawn > 1 else 0))  # older, late
    assert leads.get_lead(lead["id"])["do_not_email"] is False


def test_other_purposes_and_pending_consents_change_nothing(leads, db, deliver):
    lead = leads.create_lead(person(), "ann")
    for event in (consent_changed(lead["email"], "withdrawn", purpose="newsletter"),
                  consent_changed(lead["email"], "pending_confirmation")):
        deliver(event)
        assert db.scalar("SELECT count(*) FROM inbox WHERE event_id = %s", (event["id"],)) == 0
    assert leads.get_lead(lead["id"])["version"] == lead["version"]
