"""Sales follows the campaigns service's ``consent.changed``: a withdrawn
marketing-email consent marks the contacts with the address do-not-email
(granted clears it) through ``update_contact`` (version, history,
``contact.updated``), once however often the event is delivered; other
purposes, channels and pending consents change nothing.

Events are published by hand on ``campaigns.events`` as its relay would; a
delivery's handling is observed through its consumer span."""

from shared.schemas.campaigns.consent import do_not_email_of
from tests.consent_delivery import CHANGES, consent_changed, delivery_fixtures
from tests.sales.conftest import contact_data

CONSUMER = "sales.on_consent_changed"
span_exporter, deliver = delivery_fixtures(CONSUMER)


def test_the_event_is_read_only_for_marketing_email_decisions():
    assert do_not_email_of({"email": "A@Example.org", "purpose": "marketing_email", "channel": "email",
                            "status": "withdrawn", "change_id": 7}) == ("a@example.org", True, 7)
    assert do_not_email_of({"email": "a@example.org", "purpose": "marketing_email", "channel": "email",
                            "status": "granted", "change_id": 8}) == ("a@example.org", False, 8)
    assert do_not_email_of({"email": "a@example.org", "purpose": "marketing_email", "channel": "email",
                            "status": "granted"}) is None  # no change number: its order cannot be told
    for data in ({"email": "a@example.org", "purpose": "newsletter", "channel": "email", "status": "withdrawn"},
                 {"email": "a@example.org", "purpose": "marketing_email", "channel": "sms", "status": "withdrawn"},
                 {"email": "a@example.org", "purpose": "marketing_email", "channel": "email",
                  "status": "pending_confirmation"},
                 {"email": "not an address", "purpose": "marketing_email", "channel": "email", "status": "withdrawn"},
                 {"email": 7, "purpose": "marketing_email", "channel": "email", "status": "withdrawn"}, None, []):
        assert do_not_email_of(data) is None


def test_a_withdrawal_delivered_twice_marks_the_contact_once_and_a_grant_clears_it(sales, db, events, deliver):
    contact = sales.create_contact(contact_data(), "ann")
    email = contact["emails"][0].upper()
    other = sales.create_contact(contact_data(), "ann")
    withdrawn = consent_changed(email.lower(), "withdrawn")

    deliver(withdrawn, times=2)  # redelivered, twice at once
    deliver(withdrawn)  # and once more later
    marked = sales.get_contact(contact["id"])
    assert marked["do_not_email"] is True and marked["version"] == contact["version"] + 1
    assert sales.get_contact(other["id"])["do_not_email"] is False
    assert db.scalar("SELECT count(*) FROM inbox WHERE consumer = %s AND event_id = %s",
                     (CONSUMER, withdrawn["id"])) == 1
    events.settle(db, [contact["id"]])
    updates = events.of("contact.updated", contact["id"])
    assert len(updates) == 1 and updates[0].data["changed"] == ["do_not_email"]
    assert db.scalar("SELECT count(*) FROM contact_history WHERE contact_id = %s AND actor = 'campaigns:consent'",
                     (contact["id"],)) == 1

    deliver(consent_changed(email.lower(), "withdrawn"))  # another withdrawal: marked already, no change
    assert sales.get_contact(contact["id"])["version"] == marked["version"]
    deliver(consent_changed(email.lower(), "granted"))
    cleared = sales.get_contact(contact["id"])
    assert cleared["do_not_email"] is False and cleared["version"] == marked["version"] + 1


def test_an_older_decision_delivered_late_never_overrides_a_newer_one(sales, db, deliver):
    contact = sales.create_contact(contact_data(), "ann")
    email = contact["emails"][0].lower()
    withdrawn, granted = next(CHANGES), next(CHANGES)
    deliver(consent_changed(email, "granted", change_id=granted))
    deliver(consent_changed(email, "withdrawn", change_id=withdrawn))  # the older one, redelivered after
    assert sales.get_contact(contact["id"])["do_not_email"] is False
    assert sales.get_contact(contact["id"])["version"] == contact["version"]
    deliver(consent_changed(email, "withdrawn"))  # a newer withdrawal does apply
    assert sales.get_contact(contact["id"])["do_not_email"] is True


def test_other_purposes_and_pending_consents_change_nothing(sales, db, deliver):
    contact = sales.create_contact(contact_data(), "ann")
    email = contact["emails"][0].lower()
    for event in (consent_changed(email, "withdrawn", purpose="newsletter"),
                  consent_changed(email, "withdrawn", purpose="marketing_email", channel="phone"),
                  consent_changed(email, "pending_confirmation")):
        deliver(event)
        assert db.scalar("SELECT count(*) FROM inbox WHERE event_id = %s", (event["id"],)) == 0
    assert sales.get_contact(contact["id"])["version"] == contact["version"]
