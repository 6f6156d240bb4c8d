"""What the activity and timeline tests share: accounts, contacts and
opportunities written straight into the sales schema (so these tests do not
depend on the other areas' RPCs), and counts for "nothing half-written"."""

import uuid
from datetime import UTC, datetime, timedelta

from tests.services import unique

NOW = datetime.now(UTC).replace(microsecond=0)


def at(minutes):
    """An aware time ``minutes`` after the tests' reference time, ISO 8601."""
    return (NOW + timedelta(minutes=minutes)).isoformat()


def make_account(db, merged_into=None):
    account_id = str(uuid.uuid4())
    name = f"Acme {unique()}"
    db.one("INSERT INTO accounts (id, name, name_norm, merged_into) VALUES (%s, %s, %s, %s) RETURNING id",
           (account_id, name, name.lower(), merged_into))
    return account_id


def make_contact(db, account_id=None):
    contact_id = str(uuid.uuid4())
    db.one("INSERT INTO contacts (id, account_id, last_name) VALUES (%s, %s, %s) RETURNING id",
           (contact_id, account_id, f"Hopper {unique()}"))
    return contact_id


def make_opportunity(db, account_id):
    opportunity_id = str(uuid.uuid4())
    db.one(
        "INSERT INTO opportunities (id, account_id, name, currency, pipeline_id, stage, category, probability,"
        " expected_close_date) VALUES (%s, %s, %s, 'EUR', 'default', 'prospecting', 'open', 10, current_date)"
        " RETURNING id",
        (opportunity_id, account_id, f"Deal {unique()}"),
    )
    return opportunity_id


def merge_account(db, duplicate_id, survivor_id):
    """What a merge leaves behind, as far as activities see it."""
    db.one("UPDATE activities SET account_id = %s WHERE account_id = %s RETURNING 1", (survivor_id, duplicate_id))
    db.one("UPDATE accounts SET merged_into = %s WHERE id = %s RETURNING id", (survivor_id, duplicate_id))


def written(db):
    """(activities, activity.logged outbox rows) in the whole schema."""
    row = db.one("SELECT (SELECT count(*) FROM activities) AS activities,"
                 " (SELECT count(*) FROM outbox WHERE event_type = 'activity.logged') AS events")
    return row["activities"], row["events"]


def call(**fields):
    """Input for a call; ``fields`` set links and the rest (None drops a key)."""
    data = {"kind": "call", "subject": f"Intro call {unique()}"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}
