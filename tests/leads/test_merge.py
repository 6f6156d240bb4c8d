"""Unit tests for merging duplicate leads (services.leads.records.merge)."""

import copy
from datetime import UTC, datetime, timedelta

import pytest

from services.leads.records.merge import FILLABLE_FIELDS, merge_leads
from shared.schemas.errors import Conflict

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def make_lead(lead_id, **fields):
    base = {
        "id": lead_id, "first_name": None, "last_name": None, "email": None, "phone": None,
        "company": None, "title": None, "industry": None, "country": None, "company_size": None,
        "source": "manual", "campaign_id": None, "notes": None, "attributes": {}, "status": "new",
        "owner": None, "score": 0, "engagement": 0, "created_at": T0, "updated_at": T0,
        "merged_into": None,
    }  # fmt: skip
    base.update(fields)
    return base


SURVIVOR_ID = "11111111-1111-1111-1111-111111111111"
OTHER_ID = "22222222-2222-2222-2222-222222222222"


def test_survivor_values_win_and_empty_ones_are_filled_from_other():
    survivor = make_lead(SURVIVOR_ID, first_name="Anna", email="anna@acme.com", phone="",
                         company="  ", title=None, company_size=None)  # fmt: skip
    other = make_lead(OTHER_ID, first_name="Annie", email="a.berg@acme.com", phone="+4930123456",
                      company="Acme GmbH", title="CTO", company_size=0, last_name="Berg")  # fmt: skip
    merged, filled = merge_leads(survivor, other)
    assert merged["first_name"] == "Anna"
    assert merged["email"] == "anna@acme.com"
    assert merged["phone"] == "+4930123456"
    assert merged["company"] == "Acme GmbH"
    assert merged["title"] == "CTO"
    assert merged["last_name"] == "Berg"
    assert merged["company_size"] == 0  # 0 is a value, not empty
    assert filled == ["last_name", "phone", "company", "title", "company_size"]


def test_zero_company_size_on_survivor_is_kept():
    merged, filled = merge_leads(make_lead(SURVIVOR_ID, company_size=0), make_lead(OTHER_ID, company_size=500))
    assert merged["company_size"] == 0 and filled == []


def test_every_fillable_field_is_filled():
    other_values = {
        "first_name": "Anna", "last_name": "Berg", "email": "a@b.com", "phone": "5551234",
        "company": "Acme", "title": "CTO", "industry": "Software", "country": "DE",
        "company_size": 120, "source": "referral", "campaign_id": "c-1",
    }  # fmt: skip
    assert set(other_values) == set(FILLABLE_FIELDS)
    survivor = make_lead(SURVIVOR_ID, source=None)
    merged, filled = merge_leads(survivor, make_lead(OTHER_ID, **other_values))
    for field, value in other_values.items():
        assert merged[field] == value
    assert filled == list(FILLABLE_FIELDS)


def test_unicode_values_are_kept_as_typed():
    survivor = make_lead(SURVIVOR_ID, first_name="Zoë", company=None)
    other = make_lead(OTHER_ID, first_name="Zoe", company="Société Générale")
    merged, _ = merge_leads(survivor, other)
    assert merged["first_name"] == "Zoë" and merged["company"] == "Société Générale"


def test_identity_status_score_and_timestamps_stay_the_survivors():
    survivor = make_lead(SURVIVOR_ID, status="working", score=40, updated_at=T0 + timedelta(days=3))
    other = make_lead(OTHER_ID, status="qualified", score=90, updated_at=T0 + timedelta(days=9))
    merged, filled = merge_leads(survivor, other)
    assert merged["id"] == SURVIVOR_ID
    assert merged["status"] == "working"
    assert merged["score"] == 40
    assert merged["updated_at"] == T0 + timedelta(days=3)
    assert merged["merged_into"] is None
    assert filled == []


def test_owner_is_filled_only_when_survivor_has_none():
    merged, filled = merge_leads(make_lead(SURVIVOR_ID, owner="u1"), make_lead(OTHER_ID, owner="u2"))
    assert merged["owner"] == "u1" and "owner" not in filled
    merged, filled = merge_leads(make_lead(SURVIVOR_ID, owner=None), make_lead(OTHER_ID, owner="u2"))
    assert merged["owner"] == "u2" and "owner" in filled
    merged, filled = merge_leads(make_lead(SURVIVOR_ID, owner=""), make_lead(OTHER_ID, owner="u2"))
    assert merged["owner"] == "u2"
    merged, _ = merge_leads(make_lead(SURVIVOR_ID, owner=None), make_lead(OTHER_ID, owner=None))
    assert merged["owner"] is None


def test_attributes_are_combined_and_survivor_wins():
    survivor = make_lead(SURVIVOR_ID, attributes={"tier": "gold", "lang": "de"})
    other = make_lead(OTHER_ID, attributes={"tier": "silver", "utm": {"source": "x"}})
    merged, filled = merge_leads(survivor, other)
    assert merged["attributes"] == {"tier": "gold", "lang": "de", "utm": {"source": "x"}}
    assert "attributes" in filled


@pytest.mark.parametrize(("mine", "theirs"), [(None, None), ({}, None), (None, {}), ({}, {})])
def test_empty_attributes_are_not_reported_as_filled(mine, theirs):
    merged, filled = merge_leads(make_lead(SURVIVOR_ID, attributes=mine), make_lead(OTHER_ID, attributes=theirs))
    assert merged["attributes"] == {} and "attributes" not in filled


def test_other_attributes_that_survivor_already_has_change_nothing():
    survivor = make_lead(SURVIVOR_ID, attributes={"a": 1, "b": 2})
    merged, filled = merge_leads(survivor, make_lead(OTHER_ID, attributes={"a": 9}))
    assert merged["attributes"] == {"a": 1, "b": 2} and filled == []


@pytest.mark.parametrize(
    ("mine", "theirs", "expected"),
    [
        ("Met at fair.", "Wants a demo.",
         f"Met at fair.\n\n--- merged from lead {OTHER_ID} ---\nWants a demo."),
        ("Met at fair.", None, "Met at fair."),
        ("Met at fair.", "   ", "Met at fair."),
        (None, "Wants a demo.", "Wants a demo."),
        ("", "Wants a demo.", "Wants a demo."),
        ("Same note", "Same note", "Same note"),
        ("Same note", " Same note\n", "Same note"),
        (None, None, None),
        ("Ünïcödé ✓", "日本語", f"Ünïcödé ✓\n\n--- merged from lead {OTHER_ID} ---\n日本語"),
    ],
)  # fmt: skip
def test_notes(mine, theirs, expected):
    merged, filled = merge_leads(make_lead(SURVIVOR_ID, notes=mine), make_lead(OTHER_ID, notes=theirs))
    assert merged["notes"] == expected
    assert ("notes" in filled) is (expected != mine)


@pytest.mark.parametrize(("mine", "theirs", "total"), [(3, 4, 7), (0, 0, 0), (5, 0, 5), (0, 2, 2), (None, 2, 2)])
def test_engagement_is_summed(mine, theirs, total):
    merged, filled = merge_leads(make_lead(SURVIVOR_ID, engagement=mine), make_lead(OTHER_ID, engagement=theirs))
    assert merged["engagement"] == total
    assert ("engagement" in filled) is (total != mine)


@pytest.mark.parametrize(
    ("mine", "theirs", "expected"),
    [
        (T0, T0 - timedelta(days=1), T0 - timedelta(days=1)),
        (T0, T0 + timedelta(days=1), T0),
        (T0, T0, T0),
        (T0, None, T0),
        (None, T0, T0),
        ("2024-03-01T09:00:00+00:00", "2024-02-01T09:00:00Z", "2024-02-01T09:00:00Z"),
        ("2024-03-01T09:00:00+00:00", "2024-03-01T10:00:00+02:00", "2024-03-01T10:00:00+02:00"),
        ("2024-03-01T09:00:00+00:00", "not a date", "2024-03-01T09:00:00+00:00"),
        (T0, "2024-01-01T00:00:00", "2024-01-01T00:00:00"),  # naive counts as UTC
    ],
)
def test_created_at_is_the_earlier(mine, theirs, expected):
    merged, filled = merge_leads(make_lead(SURVIVOR_ID, created_at=mine), make_lead(OTHER_ID, created_at=theirs))
    assert merged["created_at"] == expected
    assert ("created_at" in filled) is (expected != mine)


def test_inputs_are_not_modified():
    survivor = make_lead(SURVIVOR_ID, notes="a", attributes={"x": 1})
    other = make_lead(OTHER_ID, notes="b", email="b@c.com", attributes={"y": 2}, engagement=2)
    before = copy.deepcopy((survivor, other))
    merge_leads(survivor, other)
    assert (survivor, other) == before


def test_merging_a_lead_with_itself_is_refused():
    with pytest.raises(Conflict, match="itself") as caught:
        merge_leads(make_lead(SURVIVOR_ID), make_lead(SURVIVOR_ID))
    assert caught.value.status == 409


@pytest.mark.parametrize("role", ["survivor", "other"])
def test_already_merged_lead_is_refused(role):
    leads = {"survivor": make_lead(SURVIVOR_ID), "other": make_lead(OTHER_ID)}
    leads[role]["merged_into"] = "33333333-3333-3333-3333-333333333333"
    with pytest.raises(Conflict, match="already merged into lead 3333") as caught:
        merge_leads(leads["survivor"], leads["other"])
    assert caught.value.extra["role"] == role
    assert caught.value.extra["merged_into"] == "33333333-3333-3333-3333-333333333333"


@pytest.mark.parametrize("role", ["survivor", "other"])
def test_converted_lead_is_refused(role):
    leads = {"survivor": make_lead(SURVIVOR_ID), "other": make_lead(OTHER_ID)}
    leads[role]["status"] = "converted"
    with pytest.raises(Conflict, match="converted") as caught:
        merge_leads(leads["survivor"], leads["other"])
    assert caught.value.extra == {"lead_id": leads[role]["id"], "role": role}


@pytest.mark.parametrize("status", ["new", "working", "qualified", "disqualified"])
def test_other_statuses_can_merge(status):
    merged, _ = merge_leads(make_lead(SURVIVOR_ID, status=status), make_lead(OTHER_ID, status=status))
    assert merged["status"] == status


def test_empty_string_merged_into_counts_as_not_merged():
    merged, _ = merge_leads(make_lead(SURVIVOR_ID, merged_into=""), make_lead(OTHER_ID))
    assert merged["id"] == SURVIVOR_ID


def test_filled_fields_lists_exactly_what_changed():
    survivor = make_lead(SURVIVOR_ID, email="a@b.com", notes="n1", engagement=1)
    other = make_lead(OTHER_ID, email="x@y.com", phone="5551234", notes="n2", engagement=2,
                      owner="u9", attributes={"k": "v"}, created_at=T0 - timedelta(hours=1))  # fmt: skip
    merged, filled = merge_leads(survivor, other)
    assert filled == ["phone", "notes", "attributes", "owner", "engagement", "created_at"]
    assert [f for f in merged if merged[f] != survivor[f]] == [
        "phone",
        "notes",
        "attributes",
        "owner",
        "engagement",
        "created_at",
    ]
