"""Changing activities: PATCH semantics, completion, versions, bad input and
two writers racing on one version."""

import uuid
from datetime import UTC, datetime

import pytest

from shared.schemas.errors import NotFound, PreconditionFailed, ValidationFailed
from tests.sales.activities_support import at, call, make_account
from tests.services import concurrently


@pytest.fixture
def activity(sales, db):
    return sales.log_activity(call(kind="task", due_at=at(60), account_id=make_account(db), body="Send the deck."),
                              "alice")


def test_only_the_given_fields_change_and_the_version_goes_up(sales, activity):
    updated = sales.update_activity(activity["id"], {"subject": "  Send the new deck ", "owner": "bob"}, "alice",
                                    expected_version=1)

    assert updated["subject"] == "Send the new deck" and updated["owner"] == "bob"
    assert updated["version"] == 2
    unchanged = ("kind", "body", "status", "due_at", "occurred_at", "account_id", "created_by", "created_at")
    assert {key: updated[key] for key in unchanged} == {key: activity[key] for key in unchanged}
    assert sales.get_activity(activity["id"]) == updated


def test_done_sets_completed_at_and_cancelled_or_open_clears_it(sales, activity):
    before = datetime.now(UTC)

    done = sales.update_activity(activity["id"], {"status": "done"})
    cancelled = sales.update_activity(activity["id"], {"status": "cancelled"})
    done_again = sales.update_activity(activity["id"], {"status": "done"})
    reopened = sales.update_activity(activity["id"], {"status": "open"})

    assert before <= datetime.fromisoformat(done["completed_at"]) <= datetime.now(UTC)
    assert cancelled["status"] == "cancelled" and cancelled["completed_at"] is None
    assert done_again["completed_at"] is not None
    assert reopened["status"] == "open" and reopened["completed_at"] is None
    assert reopened["version"] == 5


def test_saying_done_again_keeps_the_first_completion(sales, activity):
    done = sales.update_activity(activity["id"], {"status": "done"})

    again = sales.update_activity(activity["id"], {"status": "done", "subject": activity["subject"]})

    assert again == done  # nothing changed: no new version


def test_fields_can_be_cleared_and_dates_moved(sales, activity):
    updated = sales.update_activity(activity["id"], {"body": None, "due_at": None, "occurred_at": at(-30)})

    assert updated["body"] is None and updated["due_at"] is None
    assert datetime.fromisoformat(updated["occurred_at"]) == datetime.fromisoformat(at(-30))


def test_a_stale_version_is_refused_and_changes_nothing(sales, activity):
    sales.update_activity(activity["id"], {"subject": "First"}, expected_version=1)

    with pytest.raises(PreconditionFailed) as refused:
        sales.update_activity(activity["id"], {"subject": "Second"}, expected_version=1)

    assert refused.value.status == 412 and refused.value.extra["current_version"] == 2
    assert sales.get_activity(activity["id"])["subject"] == "First"


@pytest.mark.parametrize(("changes", "field"), [
    ({"subject": None}, "subject"),
    ({"subject": ""}, "subject"),
    ({"subject": "x" * 301}, "subject"),
    ({"body": "x" * 20_001}, "body"),
    ({"status": "closed"}, "status"),
    ({"due_at": "2026-02-30T10:00:00+00:00"}, "due_at"),
    ({"occurred_at": None}, "occurred_at"),
    ({"kind": "meeting"}, "kind"),  # the kind and the links are fixed once logged
    ({"account_id": str(uuid.uuid4())}, "account_id"),
    ({"lead_id": str(uuid.uuid4())}, "lead_id"),
])
def test_bad_changes_are_field_errors(sales, activity, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        sales.update_activity(activity["id"], changes)

    assert field in refused.value.errors
    assert sales.get_activity(activity["id"]) == activity


@pytest.mark.parametrize("changes", [None, "done", ["status"]])
def test_changes_that_are_not_an_object_are_refused(sales, activity, changes):
    with pytest.raises(ValidationFailed):
        sales.update_activity(activity["id"], changes)


@pytest.mark.parametrize("version", ["v1", 1.5, True, 0])
def test_an_expected_version_that_is_not_a_number_is_refused(sales, activity, version):
    with pytest.raises(ValidationFailed) as refused:
        sales.update_activity(activity["id"], {"subject": "x"}, expected_version=version)

    assert "expected_version" in refused.value.errors


@pytest.mark.parametrize("bad_id", ["nope", pytest.param(str(uuid.uuid4()), id="unknown-uuid")])
def test_updating_an_unknown_activity_is_not_found(sales, bad_id):
    with pytest.raises(NotFound):
        sales.update_activity(bad_id, {"subject": "x"})


def test_two_writers_on_one_version_one_wins(sales, activity, rpc_proxy):
    results = concurrently(rpc_proxy, [
        lambda cluster, n=n: cluster.sales.update_activity(activity["id"], {"subject": f"Writer {n}"},
                                                           expected_version=1)
        for n in range(4)
    ])

    winners = [result for result in results if isinstance(result, dict)]
    assert len(winners) == 1
    assert all(isinstance(result, PreconditionFailed) for result in results if result not in winners)
    assert sales.get_activity(activity["id"]) == winners[0]
