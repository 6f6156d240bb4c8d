"""Reads run without a transaction around them: what each read entrypoint
sends to PostgreSQL, from libpq's protocol trace of a real connection."""

import pytest

from tests.leads.conftest import person
from tests.leads.traced import statements


@pytest.fixture
def lead(traced_service, traced):
    created = traced_service.create_lead(person(), "tester")
    traced.clear()
    return created


@pytest.mark.parametrize(("call", "count"), [
    (lambda service, lead: service.get_lead(lead["id"]), 1),
    (lambda service, lead: service.list_leads({"q": lead["last_name"]}), 1),
    (lambda service, lead: service.count_leads({"q": lead["last_name"]}), 1),
    (lambda service, lead: service.lead_history(lead["id"]), 2),
    (lambda service, lead: service.explain_score(lead["id"]), 2),
    (lambda service, lead: service.get_scoring_rules(), 1),
    (lambda service, lead: service.get_assignment_rules(), 1),
], ids=["get_lead", "list_leads", "count_leads", "lead_history", "explain_score", "get_scoring_rules",
        "get_assignment_rules"])
def test_a_read_is_its_statements_alone(traced_service, traced, lead, call, count):
    call(traced_service, lead)

    sent = statements(traced.messages())
    assert len(sent) == count and not any('"BEGIN"' in text for text in sent), sent


def test_an_import_is_read_without_a_transaction(traced_service, traced):
    job = traced_service.start_import("people.csv", ["email"], "tester")
    traced.clear()

    traced_service.get_import(job["id"])
    traced_service.import_errors(job["id"])

    sent = statements(traced.messages())
    assert not any('"BEGIN"' in text for text in sent), sent
