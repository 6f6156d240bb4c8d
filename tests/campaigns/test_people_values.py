"""What the people projection reads from other services' snapshots and
sales' exchange rates (no broker, no database): unreadable ones are
refused, not half-read."""

import datetime
import uuid
from decimal import Decimal

import pytest

from services.campaigns.people import commands, rates

ID = str(uuid.uuid4())


@pytest.mark.parametrize("contact", [
    None, "x", {}, {"id": ID}, {"id": "nope", "version": 1}, {"id": ID, "version": "1"},
    {"id": ID, "version": True}, {"id": ID, "version": -1},
])
def test_a_contact_without_id_or_version_is_not_read(contact):
    assert commands.contact_values(contact) is None


def test_a_contact_takes_its_first_email_and_keeps_do_not_email_strict():
    row = commands.contact_values({"id": ID, "version": 2, "emails": [" Ada@Example.ORG ", "b@x.org"],
                                   "phones": [], "do_not_email": "yes", "account_id": "bad"})
    assert (row["email"], row["email_norm"], row["do_not_email"], row["account_id"], row["phone"]) == \
        ("Ada@Example.ORG", "ada@example.org", False, None, None)
    assert commands.contact_values({"id": ID, "version": 1, "emails": ["no-at-sign"]})["email_norm"] is None


@pytest.mark.parametrize("fields, active", [
    ({"status": "new"}, True), ({"status": "converted"}, False), ({"status": "working", "merged_into": ID}, False),
])
def test_converted_and_merged_leads_are_inactive(fields, active):
    row = commands.lead_values({"id": str(uuid.uuid4()), "version": 1, "country": "gb", "score": 7, **fields})
    assert (row["active"], row["country"], row["lead_score"], row["kind"]) == (active, "GB", 7, "lead")


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1e400", "ten", None, True, 1.5])
def test_an_opportunity_without_a_readable_amount_is_not_read(amount):
    assert commands.opportunity_values({"id": ID, "account_id": ID, "version": 1, "category": "open",
                                        "amount": amount}) is None


def test_a_credit_note_counts_against_revenue_and_a_merged_case_is_closed():
    document = {"id": ID, "account_id": ID, "currency": "EUR", "totals": {"net_total": "10.005"}}
    assert commands.document_values(document, "credit_note")["net_amount"] == Decimal("-10.00")
    assert commands.document_values(document, "invoice")["net_amount"] == Decimal("10.00")
    assert commands.document_values({**document, "totals": {}}, "invoice") is None
    case = {"id": ID, "version": 3, "status": "open", "account_id": None}
    assert commands.case_values(case)["is_open"] is True
    assert commands.case_values({**case, "merged_into": str(uuid.uuid4())})["is_open"] is False
    assert commands.case_values({**case, "status": "resolved"})["is_open"] is False


def test_sales_exchange_rates_are_read_whole_or_not_at_all():
    item = {"currency": "USD", "valid_from": "2026-01-01", "rate": "0.9", "set_by": "ann"}
    assert rates.read_answer({"currency": "EUR", "items": [item, {**item, "currency": "EUR", "rate": "1"},
                                                           {**item, "valid_from": "2025-01-01", "rate": "0.95"}]}) \
        == ("EUR", [("USD", datetime.date(2025, 1, 1), Decimal("0.95")), ("USD", datetime.date(2026, 1, 1),
                                                                            Decimal("0.9"))])
    assert rates.read_answer({"currency": "EUR", "items": []}) == ("EUR", [])
    for bad in ({"currency": "eur", "items": []}, {"currency": "EUR"}, None, {"currency": "EUR", "items": [1]},
                {"currency": "EUR", "items": [{**item, "rate": "0"}]},
                {"currency": "EUR", "items": [{**item, "rate": "NaN"}]},
                {"currency": "EUR", "items": [{**item, "valid_from": "soon"}]},
                {"currency": "EUR", "items": [{**item, "currency": "US"}]},
                {"currency": "EUR", "items": [{"currency": "USD", "rate": "0.9"}]}):
        assert rates.read_answer(bad) is None, bad
