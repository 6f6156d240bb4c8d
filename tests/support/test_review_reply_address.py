"""A reply to a case whose sender address no mail can go to (kept from a
mail's From, e.g. ``ada@example``) is a 422 that says what to do, and
nothing is written."""

import pytest

from shared.schemas.errors import ValidationFailed


def test_a_reply_to_an_unmailable_address_is_refused_with_advice(support, db):
    case = support.create_case({"subject": "Odd sender", "channel": "email"}, "ann")
    db.conn.execute("UPDATE cases SET contact_email = 'ada@example' WHERE id = %s", (case["id"],))
    with pytest.raises(ValidationFailed) as caught:
        support.add_case_message(case["id"], {"kind": "reply", "body": "We are on it."}, "ann")
    assert "cannot be emailed" in caught.value.detail and "note" in caught.value.detail
    assert "body" in caught.value.errors
    assert db.scalar("SELECT count(*) FROM case_messages WHERE case_id = %s", (case["id"],)) == 0
    note = support.add_case_message(case["id"], {"kind": "note", "body": "Sender address is broken."}, "ann")
    assert note["kind"] == "note"
