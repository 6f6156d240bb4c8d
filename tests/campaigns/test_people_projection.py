"""The people projection: sales' accounts and contacts, leads' leads, and the
accounts' signals from opportunities, orders, invoices, credit notes, cases
and surveys, fed by their events (each once however often delivered, an
older snapshot never over a newer one, exact counts whatever the order).

Events are published by hand on the producers' exchanges as their relays
send them."""

import datetime
import json
import uuid

import pytest
from kombu import Connection, Exchange, Producer

from shared.kit.outbox import envelope
from tests.campaigns.conftest import unique, wait_for

NOW = datetime.datetime.now(datetime.UTC)
MOVED = {"contacts": 0, "opportunities": 0, "activities": 0, "children": 0}


@pytest.fixture(scope="module", autouse=True)
def reporting_in_eur(db):
    """Sales reports in EUR (as if its answer had been copied): the amounts
    here are in EUR, so they need no exchange rate (tests/campaigns/
    test_people_currencies.py converts others)."""
    db.conn.execute("UPDATE exchange_rates_source SET base_currency = 'EUR'")


@pytest.fixture
def publish(amqp_uri, service):
    """``publish(envelope)`` on the producer's exchange; campaigns' queues exist (``service``)."""
    connection = Connection(amqp_uri)
    channel = connection.channel()

    def send(body):
        exchange = Exchange(f"{body['producer']}.events", type="topic", durable=True)
        exchange.declare(channel=channel)
        Producer(channel, exchange=exchange).publish(
            json.dumps(body), routing_key=body["type"], delivery_mode=2, content_type="application/json",
            content_encoding="utf-8", message_id=body["id"])

    yield send
    connection.release()


def handled(db, body):
    consumer = "campaigns.people_on_" + body["type"].replace(".", "_")
    return db.scalar("SELECT count(*) FROM inbox WHERE consumer = %s AND event_id = %s", (consumer, body["id"]))


def deliver(publish, db, body, times=1):
    for _ in range(times):
        publish(body)
    wait_for(lambda: handled(db, body) == 1, message=f"{body['type']} was not handled")


def new_id():
    return str(uuid.uuid4())


def at(days=0):
    return (NOW + datetime.timedelta(days=days)).isoformat()


def sales_account(account_id=None, version=1, **fields):
    account = {"id": account_id or new_id(), "name": f"Globex {unique()}", "domain": None, "industry": "Retail",
               "size": None, "country": "de", "addresses": [], "type": "customer", "parent_id": None,
               "owner": "sam", "attributes": {}, "merged_into": None, "version": version, "created_by": "tests",
               "created_at": at(), "updated_at": at()}
    account.update(fields)
    return account


def sales_contact(contact_id=None, account_id=None, version=1, **fields):
    contact = {"id": contact_id or new_id(), "account_id": account_id, "first_name": "Ada",
               "last_name": f"Lovelace{unique()}", "title": "CTO", "emails": [f"Ada.{unique()}@Example.org"],
               "phones": ["+442079460958"], "role": None, "do_not_call": False, "do_not_email": False,
               "owner": None, "attributes": {}, "version": version, "created_by": "tests", "created_at": at(),
               "updated_at": at()}
    contact.update(fields)
    return contact


def a_lead(lead_id=None, version=1, **fields):
    lead = {"id": lead_id or new_id(), "first_name": "Grace", "last_name": f"Hopper{unique()}",
            "email": f"Grace.{unique()}@Example.com", "phone": None, "phone_text": None, "company": "Navy",
            "title": "Admiral", "industry": None, "country": "us", "company_size": None, "source": "web_form",
            "campaign_id": None, "notes": None, "attributes": {}, "status": "new", "status_reason": None,
            "owner": None, "score": 40, "engagement": 0, "merged_into": None, "converted_account_id": None,
            "converted_contact_id": None, "converted_opportunity_id": None, "converted_at": None,
            "version": version, "created_at": at(), "updated_at": at()}
    lead.update(fields)
    return lead


def an_opportunity(account_id, amount="100.00", category="open", version=1, opportunity_id=None):
    return {"id": opportunity_id or new_id(), "account_id": account_id, "primary_contact_id": None, "name": "Deal",
            "amount": amount, "currency": "EUR", "pipeline_id": "default", "stage": "x", "category": category,
            "probability": 10, "probability_overridden": False, "forecast_category": None,
            "expected_close_date": "2030-01-01", "closed_on": None, "source": None, "campaign_id": None,
            "lead_id": None, "owner": None, "next_step": None, "loss_reason": None, "attributes": {},
            "version": version, "created_by": "tests", "created_at": at(), "updated_at": at()}


def totals(net):
    return {"net_total": net, "tax_total": "0.00", "gross_total": net, "discount_total": "0.00", "tax_lines": []}


def an_invoice(account_id, net):
    return {"id": new_id(), "number": f"INV-{unique()}", "series": "INV", "status": "issued", "order_id": new_id(),
            "account_id": account_id, "currency": "EUR", "totals": totals(net), "issue_date": "2026-01-10",
            "version": 2}


def a_case(account_id, status="open", version=1, case_id=None, merged_into=None):
    return {"id": case_id or new_id(), "number": f"CASE-{unique()}", "subject": "Help", "account_id": account_id,
            "status": status, "merged_into": merged_into, "version": version}


def signals(db, account_id):
    return db.one("SELECT open_opportunities, open_pipeline::text, last_order_at, lifetime_revenue::text,"
                  " open_cases, last_csat FROM accounts WHERE id = %s", (account_id,))


def person(db, kind, source_id):
    return db.one("SELECT * FROM people WHERE kind = %s AND source_id = %s", (kind, source_id))


# Accounts and contacts -----------------------------------------------------------------------

def test_account_snapshots_newest_version_wins_and_redelivery_is_one_effect(publish, db):
    account = sales_account()
    created = envelope("account.created", {"account": account})
    deliver(publish, db, created, times=2)
    assert db.one("SELECT name, type, industry, country, source_version FROM accounts WHERE id = %s",
                  (account["id"],)) == {"name": account["name"], "type": "customer", "industry": "Retail",
                                        "country": "DE", "source_version": 1}
    assert handled(db, created) == 1
    deliver(publish, db, envelope("account.updated", {"account": {**account, "type": "partner", "version": 3},
                                                      "changed": ["type"]}))
    deliver(publish, db, envelope("account.updated", {"account": {**account, "type": "reseller", "version": 2},
                                                      "changed": ["type"]}))
    assert db.scalar("SELECT type FROM accounts WHERE id = %s", (account["id"],)) == "partner"


def test_contacts_become_people_with_their_primary_email_and_do_not_email(publish, db, campaigns):
    account = sales_account()
    deliver(publish, db, envelope("account.created", {"account": account}))
    contact = sales_contact(account_id=account["id"], do_not_email=True)
    deliver(publish, db, envelope("contact.created", {"contact": contact}))
    row = person(db, "contact", contact["id"])
    assert (row["email"], row["email_norm"], row["do_not_email"], str(row["account_id"]), row["title"]) == \
        (contact["emails"][0], contact["emails"][0].lower(), True, account["id"], "CTO")

    shown = campaigns.person_by_source("contact", contact["id"])
    assert shown["id"] == str(row["id"]) and shown["company"] == account["name"] and shown["country"] == "DE"
    assert shown["account"]["name"] == account["name"] and shown["account"]["open_opportunities"] == 0
    assert campaigns.get_person(shown["id"]) == shown

    newer = {**contact, "do_not_email": False, "emails": ["Second@Example.org"], "version": 3}
    deliver(publish, db, envelope("contact.updated", {"contact": newer, "changed": ["emails"]}))
    stale = {**contact, "first_name": "Stale", "version": 2}
    deliver(publish, db, envelope("contact.updated", {"contact": stale, "changed": ["first_name"]}))
    row = person(db, "contact", contact["id"])
    assert (row["email_norm"], row["do_not_email"], row["first_name"], row["source_version"]) == \
        ("second@example.org", False, "Ada", 3)


def test_unreadable_events_are_acknowledged_and_ignored(publish, db):
    broken = envelope("contact.created", {"contact": {"id": "nope", "version": 1}})
    no_data = envelope("opportunity.created", {"opportunity": "not an object"})
    good = envelope("contact.created", {"contact": sales_contact()})
    publish(broken)
    publish(no_data)
    deliver(publish, db, good)
    wait_for(lambda: db.scalar("SELECT count(*) FROM inbox WHERE event_id = ANY(%s)",
                               ([broken["id"], no_data["id"]],)) == 1)  # read, found unusable, acknowledged
    assert handled(db, no_data) == 0
    assert db.scalar("SELECT count(*) FROM people WHERE source_id::text = 'nope'") == 0


# Leads ---------------------------------------------------------------------------------------

def test_leads_become_people_and_conversion_makes_them_inactive(publish, db):
    lead = a_lead()
    deliver(publish, db, envelope("lead.created", {"lead": lead}))
    row = person(db, "lead", lead["id"])
    assert (row["lead_score"], row["lead_status"], row["lead_source"], row["country"], row["company"],
            row["email_norm"], row["active"]) == (40, "new", "web_form", "US", "Navy", lead["email"].lower(), True)
    deliver(publish, db, envelope("lead.qualified", {"lead": {**lead, "status": "qualified", "score": 80,
                                                              "version": 2}, "previous_status": "new"}))
    assert person(db, "lead", lead["id"])["lead_status"] == "qualified"
    converted = {**lead, "status": "converted", "score": 80, "version": 4, "converted_account_id": new_id(),
                 "converted_contact_id": new_id()}
    deliver(publish, db, envelope("lead.converted", {"lead": converted, "account_id": new_id(),
                                                     "contact_id": new_id(), "opportunity_id": None}))
    # a late, older update does not bring it back
    deliver(publish, db, envelope("lead.updated", {"lead": {**lead, "score": 99, "version": 3}, "changed": ["score"]}))
    row = person(db, "lead", lead["id"])
    assert (row["lead_status"], row["active"], row["lead_score"]) == ("converted", False, 80)


def test_a_merged_lead_stays_inactive_even_when_its_older_snapshot_comes_later(publish, db):
    survivor, duplicate = a_lead(), a_lead()
    deliver(publish, db, envelope("lead.merged", {"lead": {**survivor, "version": 2}, "merged_id": duplicate["id"],
                                                  "filled": []}))
    assert person(db, "lead", duplicate["id"])["active"] is False
    deliver(publish, db, envelope("lead.created", {"lead": duplicate}))  # arrives after the merge
    row = person(db, "lead", duplicate["id"])
    assert (row["active"], str(row["merged_into"]), row["last_name"]) == (False, survivor["id"],
                                                                          duplicate["last_name"])
    assert person(db, "lead", survivor["id"])["active"] is True


# Signals -------------------------------------------------------------------------------------

def test_open_opportunities_and_pipeline_are_exact_under_redelivery_and_late_versions(publish, db):
    account_id = new_id()  # no account.created yet: the signals wait on a placeholder
    first, second = an_opportunity(account_id, "100.00"), an_opportunity(account_id, "50.50")
    created = envelope("opportunity.created", {"opportunity": first})
    deliver(publish, db, created, times=3)
    deliver(publish, db, envelope("opportunity.created", {"opportunity": second}))
    assert signals(db, account_id)["open_opportunities"] == 2
    assert signals(db, account_id)["open_pipeline"] == "150.50"

    won = {**first, "category": "won", "version": 3}
    deliver(publish, db, envelope("opportunity.won", {"opportunity": won}))
    late = {**first, "amount": "900.00", "version": 2}  # an update that was overtaken
    deliver(publish, db, envelope("opportunity.updated", {"opportunity": late, "changed": ["amount"]}))
    assert (signals(db, account_id)["open_opportunities"], signals(db, account_id)["open_pipeline"]) == (1, "50.50")

    deliver(publish, db, envelope("account.created", {"account": sales_account(account_id)}))
    assert db.scalar("SELECT name FROM accounts WHERE id = %s", (account_id,)).startswith("Globex")
    assert signals(db, account_id)["open_opportunities"] == 1


def test_concurrent_opportunity_events_of_one_account_count_exactly(publish, db):
    account_id = new_id()
    bodies = [envelope("opportunity.created", {"opportunity": an_opportunity(account_id, "10.00")})
              for _ in range(12)]
    for body in bodies:
        publish(body)
    wait_for(lambda: all(handled(db, body) for body in bodies), message="the opportunities were not handled")
    assert (signals(db, account_id)["open_opportunities"], signals(db, account_id)["open_pipeline"]) == \
        (12, "120.00")


def test_orders_invoices_and_credit_notes_give_last_order_and_lifetime_revenue(publish, db):
    account_id = new_id()
    old_order = {"id": new_id(), "account_id": account_id, "placed_at": at(-30), "version": 1}
    new_order = {"id": new_id(), "account_id": account_id, "placed_at": at(-2), "version": 1}
    deliver(publish, db, envelope("order.placed", {"order": new_order}))
    deliver(publish, db, envelope("order.placed", {"order": old_order}))  # late
    assert signals(db, account_id)["last_order_at"] == datetime.datetime.fromisoformat(new_order["placed_at"])

    invoice = an_invoice(account_id, "1000.00")
    deliver(publish, db, envelope("invoice.issued", {"invoice": invoice, "lines": []}), times=2)
    # the same invoice in a second event (a producer's replay with a new event id) counts once
    deliver(publish, db, envelope("invoice.issued", {"invoice": invoice, "lines": []}))
    deliver(publish, db, envelope("invoice.issued", {"invoice": an_invoice(account_id, "200.10"), "lines": []}))
    credit_note = {"id": new_id(), "number": f"CN-{unique()}", "invoice_id": invoice["id"], "order_id": new_id(),
                   "account_id": account_id, "reason": "damaged", "currency": "EUR", "totals": totals("150.00"),
                   "issue_date": "2026-02-01", "lines": [], "version": 1}
    deliver(publish, db, envelope("credit_note.issued", {"credit_note": credit_note,
                                                         "invoice": {**invoice, "status": "issued"}}), times=2)
    assert signals(db, account_id)["lifetime_revenue"] == "1050.10"


def test_open_cases_follow_case_events_in_any_order(publish, db):
    account_id = new_id()
    first, second = a_case(account_id), a_case(account_id)
    deliver(publish, db, envelope("case.opened", {"case": first}))
    deliver(publish, db, envelope("case.opened", {"case": second}))
    deliver(publish, db, envelope("case.closed", {"case": {**second, "status": "closed", "version": 3}}))
    deliver(publish, db, envelope("case.resolved", {"case": {**second, "status": "resolved", "version": 2}}))  # late
    assert signals(db, account_id)["open_cases"] == 1
    deliver(publish, db, envelope("case.reopened", {"case": {**second, "status": "open", "version": 4}}))
    assert signals(db, account_id)["open_cases"] == 2
    target = {**second, "version": 5}
    merged = {**first, "status": "closed", "merged_into": second["id"], "version": 2}
    deliver(publish, db, envelope("case.merged", {"case": target, "merged": merged}), times=2)
    assert signals(db, account_id)["open_cases"] == 1
    deliver(publish, db, envelope("case.opened", {"case": a_case(None)}))  # a case of no account counts for none
    assert signals(db, account_id)["open_cases"] == 1


def test_the_latest_satisfaction_answer_wins(publish, db):
    account_id = new_id()
    case = a_case(account_id, status="resolved")

    def answered(csat, when):
        return envelope("survey.answered", {"survey": {"id": new_id(), "case_id": case["id"], "csat": csat,
                                                       "answered_at": when}, "case": case, "task_id": None})

    deliver(publish, db, answered(2, at(-1)))
    deliver(publish, db, answered(5, at(-5)))  # an older answer, late
    assert signals(db, account_id)["last_csat"] == 2
    deliver(publish, db, answered(None, at()))  # NPS only: no score
    deliver(publish, db, answered(4, at()))
    assert signals(db, account_id)["last_csat"] == 4


def test_an_account_merge_moves_people_and_signals_to_the_survivor(publish, db, campaigns):
    survivor, merged = sales_account(), sales_account()
    for account in (survivor, merged):
        deliver(publish, db, envelope("account.created", {"account": account}))
    contact = sales_contact(account_id=merged["id"])
    deliver(publish, db, envelope("contact.created", {"contact": contact}))
    deliver(publish, db, envelope("opportunity.created", {"opportunity": an_opportunity(survivor["id"], "5.00")}))
    late_opportunity = an_opportunity(merged["id"], "7.00")
    deliver(publish, db, envelope("opportunity.created", {"opportunity": an_opportunity(merged["id"], "3.00")}))
    deliver(publish, db, envelope("case.opened", {"case": a_case(merged["id"])}))

    body = envelope("account.merged", {"account": {**survivor, "version": 2}, "merged_id": merged["id"],
                                       "moved": MOVED})
    deliver(publish, db, body, times=2)
    assert str(person(db, "contact", contact["id"])["account_id"]) == survivor["id"]
    assert str(db.scalar("SELECT merged_into FROM accounts WHERE id = %s", (merged["id"],))) == survivor["id"]
    assert (signals(db, survivor["id"])["open_opportunities"], signals(db, survivor["id"])["open_pipeline"],
            signals(db, survivor["id"])["open_cases"]) == (2, "8.00", 1)
    assert (signals(db, merged["id"])["open_opportunities"], signals(db, merged["id"])["open_cases"]) == (0, 0)

    # an event still naming the merged account counts for the survivor
    deliver(publish, db, envelope("opportunity.created", {"opportunity": late_opportunity}))
    assert signals(db, survivor["id"])["open_opportunities"] == 3
    # a stale snapshot of the merged account does not clear its merge
    deliver(publish, db, envelope("account.updated", {"account": {**merged, "version": 5}, "changed": ["name"]}))
    assert str(db.scalar("SELECT merged_into FROM accounts WHERE id = %s", (merged["id"],))) == survivor["id"]
    shown = campaigns.person_by_source("contact", contact["id"])
    assert shown["account"]["id"] == survivor["id"] and shown["account"]["open_pipeline"] == "15.00"


# Segments follow the projection --------------------------------------------------------------

def members(db, segment):
    return {str(row["person_id"]) for row in db.all("SELECT person_id FROM segment_members WHERE segment_id = %s",
                                                    (segment["id"],))}


def test_dynamic_segments_follow_people_and_their_accounts_signals(publish, db, campaigns):
    domain = f"{unique()}.example"
    rule = {"all": [{"field": "email_domain", "op": "eq", "value": domain},
                    {"any": [{"field": "open_cases", "op": "gte", "value": 1},
                             {"field": "lead_score", "op": "gte", "value": 50}]}]}
    segment = campaigns.create_segment({"name": f"Busy {domain}", "rule": rule}, "tests")
    account, other = sales_account(), sales_account()
    for record in (account, other):
        deliver(publish, db, envelope("account.created", {"account": record}))
    contact = sales_contact(account_id=account["id"], emails=[f"ada@{domain}"])
    deliver(publish, db, envelope("contact.created", {"contact": contact}))
    contact_person = str(person(db, "contact", contact["id"])["id"])
    lead = a_lead(email=f"grace@{domain}", score=10)
    deliver(publish, db, envelope("lead.created", {"lead": lead}))
    lead_person = str(person(db, "lead", lead["id"])["id"])
    assert members(db, segment) == set()

    case = a_case(account["id"])
    deliver(publish, db, envelope("case.opened", {"case": case}))  # a change of the account's signals
    deliver(publish, db, envelope("lead.updated", {"lead": {**lead, "score": 70, "version": 2}, "changed": ["score"]}))
    assert members(db, segment) == {contact_person, lead_person}

    deliver(publish, db, envelope("case.closed", {"case": {**case, "status": "closed", "version": 2}}))
    assert members(db, segment) == {lead_person}
    deliver(publish, db, envelope("case.opened", {"case": a_case(other["id"])}))
    # the contact's account merges into one with an open case: the contact joins with the move
    deliver(publish, db, envelope("account.merged", {"account": {**other, "version": 2}, "merged_id": account["id"],
                                                     "moved": MOVED}))
    assert members(db, segment) == {contact_person, lead_person}
