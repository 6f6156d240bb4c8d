"""Logging activities: defaults, the account derived from what it is linked
to, the event, and every kind of bad input refused with nothing written."""

import uuid
from datetime import UTC, datetime

import psycopg
import pytest

from shared.kit.testing import spawn
from shared.schemas.errors import NotFound, ValidationFailed
from shared.schemas.sales.activities import ActivityLoggedEventSchema, ActivitySchema
from tests.helpers import wait_for
from tests.sales.activities_support import at, call, make_account, make_contact, make_opportunity, written
from tests.services import concurrently


def parse(value):
    return datetime.fromisoformat(value)


# The activity and its event ---------------------------------------------------

def test_a_call_is_logged_with_its_defaults_and_published(sales, db, events):
    account_id = make_account(db)
    before = datetime.now(UTC)

    activity = sales.log_activity(call(account_id=account_id, body="Talked about pricing."), "alice")

    assert activity["kind"] == "call" and activity["body"] == "Talked about pricing."
    assert activity["account_id"] == account_id
    assert activity["contact_id"] is None and activity["opportunity_id"] is None and activity["lead_id"] is None
    assert activity["status"] == "done" and parse(activity["completed_at"]) >= before  # a logged call happened
    assert activity["owner"] == "alice" and activity["created_by"] == "alice"
    assert activity["version"] == 1 and activity["due_at"] is None
    assert before <= parse(activity["occurred_at"]) <= datetime.now(UTC)
    assert sales.get_activity(activity["id"]) == activity
    [event] = events.wait_for("activity.logged", activity["id"])
    assert event.data == {"activity": activity}
    assert event.envelope["producer"] == "sales"
    ActivitySchema().load(activity)  # the contract holds: no error
    ActivityLoggedEventSchema().load(event.data)


def test_a_note_is_done_when_logged(sales, db):
    before = datetime.now(UTC)

    activity = sales.log_activity(call(kind="note", account_id=make_account(db)), "alice")

    assert activity["status"] == "done"
    assert before <= parse(activity["completed_at"]) <= datetime.now(UTC)


def test_the_status_and_owner_given_win_over_the_defaults(sales, db):
    account_id = make_account(db)

    note = sales.log_activity(call(kind="note", status="open", account_id=account_id), "alice")
    done_call = sales.log_activity(call(status="done", owner="bob", account_id=account_id), "alice")
    open_call = sales.log_activity(call(status="open", account_id=account_id), "alice")
    unowned = sales.log_activity({**call(account_id=account_id), "owner": None}, "alice")

    assert note["status"] == "open" and note["completed_at"] is None
    assert done_call["status"] == "done" and done_call["completed_at"] is not None and done_call["owner"] == "bob"
    assert unowned["owner"] is None
    assert open_call["status"] == "open" and open_call["completed_at"] is None


def test_a_past_meeting_is_done_and_happened_when_it_was_due(sales, db):
    meeting = sales.log_activity(call(kind="meeting", due_at=at(-120), account_id=make_account(db)), "alice")
    assert meeting["status"] == "done" and parse(meeting["occurred_at"]) == parse(at(-120))


def test_a_task_happens_when_it_is_due(sales, db):
    account_id = make_account(db)

    task = sales.log_activity(call(kind="task", due_at=at(60 * 24), account_id=account_id), "alice")
    undated = sales.log_activity(call(kind="task", account_id=account_id), "alice")
    meeting = sales.log_activity(call(kind="meeting", due_at=at(60), account_id=account_id), "alice")
    backdated = sales.log_activity(call(kind="task", due_at=at(60), occurred_at=at(-60), account_id=account_id))

    assert parse(task["occurred_at"]) == parse(at(60 * 24)) == parse(task["due_at"])
    assert task["status"] == "open"
    assert abs((parse(undated["occurred_at"]) - datetime.now(UTC)).total_seconds()) < 60
    assert parse(meeting["occurred_at"]) == parse(meeting["due_at"]) and meeting["status"] == "open"  # scheduled
    assert parse(backdated["occurred_at"]) == parse(at(-60))


def test_an_activity_on_a_lead_alone_has_no_account(sales):
    lead_id = str(uuid.uuid4())

    activity = sales.log_activity(call(lead_id=lead_id), "alice")

    assert activity["lead_id"] == lead_id and activity["account_id"] is None


# The account, from what the activity is linked to ----------------------------

def test_the_account_comes_from_the_contact_or_the_opportunity(sales, db):
    account_id = make_account(db)
    contact_id, opportunity_id = make_contact(db, account_id), make_opportunity(db, account_id)

    by_contact = sales.log_activity(call(contact_id=contact_id))
    by_opportunity = sales.log_activity(call(opportunity_id=opportunity_id))
    by_both = sales.log_activity(call(contact_id=contact_id, opportunity_id=opportunity_id, account_id=account_id))

    assert by_contact["account_id"] == account_id and by_contact["contact_id"] == contact_id
    assert by_opportunity["account_id"] == account_id and by_opportunity["opportunity_id"] == opportunity_id
    assert by_both["account_id"] == account_id


def test_a_contact_without_an_account_takes_the_one_given_or_none(sales, db):
    account_id, contact_id = make_account(db), make_contact(db)

    with_account = sales.log_activity(call(contact_id=contact_id, account_id=account_id))
    without = sales.log_activity(call(contact_id=contact_id))

    assert with_account["account_id"] == account_id
    assert without["account_id"] is None


def assert_refused(sales, db, data, field, status=422):
    before = written(db)
    with pytest.raises(ValidationFailed) as refused:
        sales.log_activity(data, "alice")
    assert refused.value.status == status
    assert field in refused.value.errors, refused.value.errors
    assert refused.value.detail
    assert written(db) == before
    return refused.value


def test_an_account_other_than_the_contacts_is_refused(sales, db):
    account_id, other_id = make_account(db), make_account(db)
    contact_id = make_contact(db, account_id)

    refused = assert_refused(sales, db, call(contact_id=contact_id, account_id=other_id), "account_id")

    assert account_id in refused.errors["account_id"][0]


def test_an_account_other_than_the_opportunitys_is_refused(sales, db):
    account_id, other_id = make_account(db), make_account(db)

    assert_refused(sales, db, call(opportunity_id=make_opportunity(db, account_id), account_id=other_id),
                   "account_id")


def test_a_contact_and_an_opportunity_of_different_accounts_are_refused(sales, db):
    contact_id = make_contact(db, make_account(db))
    opportunity_id = make_opportunity(db, make_account(db))

    assert_refused(sales, db, call(contact_id=contact_id, opportunity_id=opportunity_id), "opportunity_id")


@pytest.mark.parametrize("field", ["account_id", "contact_id", "opportunity_id"])
def test_a_link_to_nothing_is_a_field_error(sales, db, field):
    missing = str(uuid.uuid4())

    refused = assert_refused(sales, db, call(**{field: missing}), field)

    assert missing in refused.errors[field][0]


def test_a_merged_account_is_refused_naming_the_survivor(sales, db):
    survivor_id = make_account(db)
    merged_id = make_account(db, merged_into=survivor_id)

    refused = assert_refused(sales, db, call(account_id=merged_id), "account_id")

    assert survivor_id in refused.errors["account_id"][0]


# Bad input -------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "field"), [
    ({"kind": None}, "kind"),
    ({"kind": "email"}, "kind"),
    ({"kind": 3}, "kind"),
    ({"subject": None}, "subject"),
    ({"subject": "   "}, "subject"),
    ({"subject": "x" * 301}, "subject"),
    ({"subject": ["a list"]}, "subject"),
    ({"body": "x" * 20_001}, "body"),
    ({"status": "finished"}, "status"),
    ({"due_at": "2026-01-01T10:00:00"}, "due_at"),  # no time zone
    ({"due_at": "tomorrow"}, "due_at"),
    ({"occurred_at": 12}, "occurred_at"),
    ({"owner": "x" * 101}, "owner"),
    ({"account_id": "not-a-uuid"}, "account_id"),
    ({"lead_id": 42}, "lead_id"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_a_field_error_and_writes_nothing(sales, db, change, field):
    data = {**call(account_id=make_account(db)), **change}
    if change.get(field, "") is None:
        data.pop(field)  # missing rather than null
        data_null = {**data, field: None}
        assert_refused(sales, db, data_null, field)
    assert_refused(sales, db, data, field)


def test_an_activity_linked_to_nothing_is_refused(sales, db):
    refused = assert_refused(sales, db, call(), "_schema")

    assert "account" in refused.errors["_schema"][0]


def test_a_body_that_is_not_an_object_is_refused(sales, db):
    assert_refused(sales, db, ["kind", "call"], "_schema")


def test_the_longest_subject_and_body_are_accepted(sales, db):
    activity = sales.log_activity(call(subject="s" * 300, body="b" * 20_000, account_id=make_account(db)))

    assert len(activity["subject"]) == 300 and len(activity["body"]) == 20_000


@pytest.mark.parametrize("bad_id", ["nope", "", pytest.param(str(uuid.uuid4()), id="unknown-uuid")])
def test_getting_an_unknown_activity_is_not_found(sales, bad_id):
    with pytest.raises(NotFound):
        sales.get_activity(bad_id)


# Racing a merge ----------------------------------------------------------------------

class MergeInFlight:
    """A merge as the accounts area does it, held open: both accounts locked
    first, then the duplicate's contacts and activities moved, then it is
    marked merged."""

    def __init__(self, database_url, survivor_id, duplicate_id):
        self.survivor_id, self.duplicate_id = survivor_id, duplicate_id
        self.conn = psycopg.connect(database_url, options="-c search_path=sales,public")
        self.conn.execute("SELECT id FROM accounts WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                          ([survivor_id, duplicate_id],))

    def finish(self):
        for sql in ("UPDATE contacts SET account_id = %s WHERE account_id = %s",
                    "UPDATE activities SET account_id = %s WHERE account_id = %s",
                    "UPDATE accounts SET merged_into = %s WHERE id = %s"):
            self.conn.execute(sql, (self.survivor_id, self.duplicate_id))
        self.conn.commit()
        self.conn.close()


def waiting_for_an_account_lock(db):
    return db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                     " AND wait_event_type = 'Lock' AND query LIKE %s", ("%FROM accounts WHERE id = % FOR SHARE%",))


@pytest.mark.parametrize("link", ["contact", "account"])
def test_an_activity_logged_during_a_merge_waits_and_never_stays_on_the_merged_account(
        sales, db, sales_database_url, rpc_proxy, link):
    """Linked through a contact, the activity follows the contact to the
    survivor; naming the merged account itself, it is refused naming the survivor."""
    survivor_id, duplicate_id = make_account(db), make_account(db)
    contact_id = make_contact(db, duplicate_id)
    data = call(contact_id=contact_id) if link == "contact" else call(account_id=duplicate_id)
    merge = MergeInFlight(sales_database_url, survivor_id, duplicate_id)
    with rpc_proxy() as cluster:
        logging = spawn(cluster.sales.log_activity, data)
        wait_for(lambda: waiting_for_an_account_lock(db) == 1, message="the activity did not wait for the merge")
        merge.finish()
        if link == "contact":
            activity = logging.wait()
            assert activity["account_id"] == survivor_id and activity["contact_id"] == contact_id
        else:
            with pytest.raises(ValidationFailed) as refused:
                logging.wait()
            assert survivor_id in refused.value.errors["account_id"][0]

    assert db.scalar("SELECT count(*) FROM activities WHERE account_id = %s", (duplicate_id,)) == 0


def test_concurrent_logs_each_write_one_activity(sales, db, rpc_proxy):
    account_id = make_account(db)
    subjects = [f"Call {n}" for n in range(8)]

    results = concurrently(rpc_proxy, [lambda cluster, s=s: cluster.sales.log_activity(
        call(subject=s, account_id=account_id)) for s in subjects])

    assert sorted(result["subject"] for result in results) == subjects
    assert db.scalar("SELECT count(*) FROM activities WHERE account_id = %s", (account_id,)) == 8
