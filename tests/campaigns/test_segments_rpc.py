"""Segments, static lists and suppressions through the running campaigns
service (real broker and database): bad input is a 4xx naming what to fix
with nothing written, repeats are idempotent, members and history page."""

import uuid

import pytest

from services.campaigns.segments import suppression
from shared.schemas.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from tests.campaigns.conftest import unique


def person(db, email=None, country="DE", score=50, kind="lead"):
    return str(db.one("INSERT INTO people (kind, source_id, email, email_norm, country, lead_score)"
                      " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                      (kind, str(uuid.uuid4()), email, email and email.lower(), country, score))["id"])


def test_a_segment_lifecycle_with_members_history_and_count(db, campaigns):
    marker = unique("seg")
    people = [person(db, f"{marker}-{n}@Example.org", country="DE", score=n * 10) for n in range(5)]
    rule = {"all": [{"field": "email", "op": "contains", "value": marker},
                    {"field": "lead_score", "op": "gte", "value": 20}]}
    assert campaigns.count_segment_rule({"rule": rule}) == {"count": 3}
    created = campaigns.create_segment({"name": f"Keen {marker}", "rule": rule}, "ann")
    assert created["member_count"] == 3 and created["created_by"] == "ann" and created["version"] == 1
    first = campaigns.segment_members(created["id"], {"limit": 2})
    rest = campaigns.segment_members(created["id"], {"limit": 2, "cursor": first["next_cursor"]})
    assert {item["person_id"] for item in first["items"] + rest["items"]} == set(people[2:])
    assert rest["next_cursor"] is None
    with pytest.raises(PreconditionFailed):
        campaigns.update_segment(created["id"], {"name": "x"}, "ann", 7)
    narrower = {"all": [*rule["all"], {"not": {"field": "lead_score", "op": "eq", "value": 40}}]}
    updated = campaigns.update_segment(created["id"], {"rule": narrower}, "ann", 1)
    assert updated["member_count"] == 2 and updated["version"] == 2
    history = campaigns.segment_history(created["id"], {})["items"]
    assert [(item["change"], item["person_id"]) for item in history][0] == ("left", people[4])
    assert campaigns.segment_history(created["id"], {"change": "joined"})["items"][0]["email"].startswith(marker)
    assert campaigns.get_segment(created["id"])["rule"] == narrower
    with pytest.raises(Conflict):
        campaigns.create_segment({"name": f"KEEN {marker}", "rule": {"all": []}})
    assert campaigns.delete_segment(created["id"], "ann", 2)["deleted"]
    with pytest.raises(NotFound):
        campaigns.get_segment(created["id"])


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "x", "rule": {"field": "shoe_size", "op": "eq", "value": 42}}, "rule.field"),
    ({"name": "x", "rule": {"any": [{"field": "country", "op": "near", "value": "DE"}]}}, "rule.any.0.op"),
    ({"name": "x", "rule": {"segment": str(uuid.uuid4())}}, "rule.segment"),
    ({"name": "x", "rule": {"all": []}, "size": 1}, "size"),
    ({"rule": {"all": []}}, "name"),
])
def test_bad_segments_are_422_naming_the_field_and_nothing_is_written(db, campaigns, data, field):
    before = db.scalar("SELECT count(*) FROM segments")
    with pytest.raises(ValidationFailed) as caught:
        campaigns.create_segment(data, "ann")
    assert field in caught.value.errors
    assert db.scalar("SELECT count(*) FROM segments") == before


def test_static_lists_add_twice_is_one_membership_and_imports_report_rows_not_taken(db, campaigns):
    marker = unique("list")
    known = [person(db, f"{marker}-{n}@example.org") for n in range(3)]
    shared_address = person(db, f"{marker}-0@example.org", kind="contact")  # a contact and a lead share one
    created = campaigns.create_static_list({"name": f"Fair {marker}"}, "ann")
    first = campaigns.add_to_static_list(created["id"], {"person_ids": known[:2]}, "ann")
    again = campaigns.add_to_static_list(created["id"], {"person_ids": known[:2]}, "ann")
    assert (first["added"], first["already_members"]) == (2, 0)
    assert (again["added"], again["already_members"], again["member_count"]) == (0, 2, 2)
    with pytest.raises(ValidationFailed) as caught:
        campaigns.add_to_static_list(created["id"], {"person_ids": [known[2], str(uuid.uuid4())]}, "ann")
    assert list(caught.value.errors) == ["person_ids.1"]
    assert campaigns.get_static_list(created["id"])["member_count"] == 2  # nothing half-written
    rows = [{"line": 2, "email": f" {marker}-0@EXAMPLE.org "}, {"line": 3, "email": "nobody@example.org"},
            {"line": 4, "email": "not an address"}, {"line": 5, "email": f"{marker}-2@example.org"}]
    result = campaigns.import_static_list(created["id"], {"rows": rows}, "bob")
    assert result["people_matched"] == 3 and result["added"] == 2 and result["already_members"] == 1
    assert result["rows_not_taken"] == [
        {"line": 3, "email": "nobody@example.org", "reason": "No person has this address."},
        {"line": 4, "email": "not an address", "reason": "Not an email address."}]
    assert campaigns.import_static_list(created["id"], {"rows": rows}, "bob")["added"] == 0  # a repeat adds nothing
    members = campaigns.static_list_members(created["id"], {})["items"]
    assert {item["person_id"] for item in members} == {*known, shared_address}
    assert {item["source"] for item in members if item["person_id"] == shared_address} == {"import"}
    removed = campaigns.remove_from_static_list(created["id"], {"person_ids": [known[0], known[0]]}, "ann")
    assert (removed["removed"], removed["member_count"]) == (1, 3)
    with pytest.raises(ValidationFailed):
        campaigns.import_static_list(created["id"], {"rows": []}, "bob")
    with pytest.raises(NotFound):
        campaigns.add_to_static_list(str(uuid.uuid4()), {"person_ids": known}, "ann")


def test_suppressions_are_idempotent_and_checked_by_address(db, campaigns):
    address = f"{unique('sup')}@Example.org"
    added = campaigns.add_suppression({"email": address, "source": "ticket 12"}, "ann")
    assert added["created"] and added["email"] == address.lower() and added["reason"] == "manual"
    again = campaigns.add_suppression({"email": address.upper(), "reason": "complaint"}, "bob")
    assert not again["created"] and again["reason"] == "manual" and again["created_by"] == "ann"
    with db.conn.transaction():
        assert suppression.is_suppressed(db.conn, address.lower())
        assert not suppression.suppress(db.conn, address, "hard_bounce", "send 1")
        with pytest.raises(ValidationFailed):
            suppression.suppress(db.conn, address, "spite")
    assert campaigns.list_suppressions({"q": address[:10]})["items"][0]["email"] == address.lower()
    result = campaigns.import_suppressions({"rows": [{"line": 2, "email": address}, {"line": 3, "email": "x"},
                                                     {"line": 4, "email": f"new-{address}"}]}, "ann")
    assert (result["added"], result["already_suppressed"], result["not_taken"]) == (1, 1, 1)
    assert campaigns.get_suppression(f"new-{address}")["reason"] == "import"
    assert campaigns.remove_suppression(address, "ann")["deleted"]
    with pytest.raises(NotFound):
        campaigns.remove_suppression(address, "ann")
    with db.conn.transaction():
        assert not suppression.is_suppressed(db.conn, address)
