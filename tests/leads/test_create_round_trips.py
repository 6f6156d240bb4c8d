"""What creating one lead sends to PostgreSQL, read from libpq's protocol
trace of a real connection: one look-up outside any transaction, then one
short transaction of single-row statements (COPY is for batches)."""

import pytest

from shared.schemas.errors import DuplicateFound
from tests.leads.conftest import person
from tests.leads.traced import round_trips, statements


def test_one_lead_is_one_look_up_and_one_short_transaction(traced_service, traced):
    service = traced_service
    service.create_lead(person(owner="olga"), "tester")  # the first one compiles the rules
    traced.clear()

    lead = service.create_lead(person(owner="olga"), "tester")

    messages = traced.messages()
    sent = statements(messages)
    assert not any("COPY" in text for text in sent), sent
    assert '"BEGIN"' in sent[1] and '"COMMIT"' in sent[-1], sent  # one look-up first, outside the transaction
    assert sum('"BEGIN"' in text for text in sent) == 1, sent
    assert round_trips(messages) <= 5, sent
    assert lead["owner"] == "olga" and lead["status"] == "new"


def test_a_duplicate_is_found_by_the_look_up_and_writes_nothing(traced_service, traced):
    service = traced_service
    lead = service.create_lead(person(), "tester")
    traced.clear()

    with pytest.raises(DuplicateFound) as raised:
        service.create_lead(person(email=lead["email"].upper()), "tester")

    assert raised.value.extra["existing_id"] == lead["id"]
    sent = statements(traced.messages())
    assert len(sent) == 1 and "SELECT" in sent[0], sent
