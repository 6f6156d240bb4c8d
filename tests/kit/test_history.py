"""What a history row keeps of a change: the fields that differ, as JSON
types ``[before, after]``; bookkeeping fields are never shown."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from shared.kit.history import BOOKKEEPING, History
from shared.kit.rows import changed_fields


def test_only_the_fields_that_differ_as_json_types():
    account_id = uuid.uuid4()
    old = {"name": "Acme", "amount": Decimal("10.00"), "closed_on": None, "owner": "sam", "tags": ["a"],
           "account_id": account_id, "attributes": {"tier": "gold"}}
    new = {**old, "amount": Decimal("12.50"), "closed_on": date(2026, 11, 2), "tags": ["a", "b"],
           "attributes": {"tier": "gold"}, "account_id": str(account_id)}

    assert changed_fields(old, new, list(old)) == {
        "amount": ["10.00", "12.50"], "closed_on": [None, "2026-11-02"], "tags": [["a"], ["a", "b"]]}
    assert changed_fields(old, new, ["name", "owner"]) == {}
    assert changed_fields({"at": None}, {"at": datetime(2026, 1, 1, tzinfo=UTC)}, ["at"]) == {
        "at": [None, "2026-01-01T00:00:00+00:00"]}


def test_a_history_leaves_the_bookkeeping_out():
    history = History("account_history", "account_id", ("id", "name", "version", "updated_at", "owner"))
    assert history.fields == ("name", "owner")
    assert set(BOOKKEEPING) == {"id", "version", "created_by", "created_at", "updated_at"}
