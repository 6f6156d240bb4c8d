"""SQL of the SLA area: calendars and their dates, SLA policies, the case
clocks; plain functions over a connection already in a transaction."""

import uuid

from psycopg.types.json import Jsonb

from services.support.businesshours import Calendar
from shared.kit.rows import insert_row, update_row
from shared.schemas.errors import NotFound

CLOCK_COLUMNS = ("policy_id", "calendar_id", "target_seconds", "warn_percent", "used_seconds", "running_since",
                 "due_at", "warn_at", "warned_at", "breached_at", "achieved_at", "stopped")

# Calendars ---------------------------------------------------------------------

# (id, version, updated_at) -> Calendar, with its day intervals cached in it
# (updated_at too: a version written by a transaction that rolled back may be
# written again with other hours).
_calendars = {}


def get_calendar(conn, calendar_id, lock=False):
    row = conn.execute("SELECT * FROM calendars WHERE id = %s" + (" FOR UPDATE" if lock else ""),
                       (str(calendar_id),)).fetchone()
    if row is None:
        raise NotFound(f"No calendar with id {calendar_id}.")
    return row


def default_calendar_id(conn):
    row = conn.execute("SELECT id FROM calendars WHERE is_default").fetchone()
    if row is None:
        row = conn.execute("SELECT id FROM calendars ORDER BY created_at, id LIMIT 1").fetchone()
    if row is None:
        raise NotFound("There is no calendar; create one first.")
    return row["id"]


def calendar_dates(conn, calendar_ids):
    rows = conn.execute("SELECT * FROM calendar_dates WHERE calendar_id = ANY(%s::uuid[]) ORDER BY date",
                        ([str(calendar_id) for calendar_id in calendar_ids],)).fetchall()
    by_calendar = {}
    for row in rows:
        by_calendar.setdefault(str(row["calendar_id"]), []).append(row)
    return by_calendar


def calendar_of(conn, calendar_id):
    """The businesshours.Calendar of a stored calendar (cached per version)."""
    row = conn.execute("SELECT id, version, updated_at FROM calendars WHERE id = %s", (str(calendar_id),)).fetchone()
    if row is None:
        raise NotFound(f"No calendar with id {calendar_id}.")
    key = (str(row["id"]), row["version"], row["updated_at"])
    found = _calendars.get(key)
    if found is None:
        found = build_calendar(get_calendar(conn, calendar_id), calendar_dates(conn, [calendar_id]).get(key[0], []))
        if len(_calendars) > 256:
            _calendars.clear()
        _calendars[key] = found
    return found


def build_calendar(row, dates):
    return Calendar.build(row["time_zone"], row["weekly_hours"], row["holiday_country"], row["holiday_subdivision"],
                          [{"date": date["date"], "hours": date["hours"]} for date in dates])


def list_calendars(conn):
    return conn.execute("SELECT * FROM calendars ORDER BY lower(name), id").fetchall()


def insert_calendar(conn, values):
    return insert_row(conn, "calendars", {"id": str(uuid.uuid4()), **values}, json_columns=("weekly_hours",))


def update_calendar(conn, calendar_id, values):
    return update_row(conn, "calendars", str(calendar_id), values, json_columns=("weekly_hours",))


def clear_default(conn):
    conn.execute("UPDATE calendars SET is_default = false, version = version + 1, updated_at = now()"
                 " WHERE is_default")


def replace_dates(conn, calendar_id, dates):
    conn.execute("DELETE FROM calendar_dates WHERE calendar_id = %s", (str(calendar_id),))
    for date in dates:
        conn.execute("INSERT INTO calendar_dates (calendar_id, date, hours, name) VALUES (%s, %s, %s, %s)",
                     (str(calendar_id), date["date"], Jsonb(date.get("hours") or []), date.get("name")))


def calendar_in_use(conn, calendar_id):
    """``{"policies": n, "clocks": n}`` referring to a calendar."""
    return conn.execute(
        "SELECT (SELECT count(*) FROM sla_policies WHERE calendar_id = %(id)s) AS policies,"
        " (SELECT count(*) FROM case_sla WHERE calendar_id = %(id)s) AS clocks", {"id": str(calendar_id)}).fetchone()


def delete_calendar(conn, calendar_id):
    conn.execute("DELETE FROM calendars WHERE id = %s", (str(calendar_id),))


# Policies ------------------------------------------------------------------------

def get_policy(conn, policy_id, lock=False):
    row = conn.execute("SELECT * FROM sla_policies WHERE id = %s" + (" FOR UPDATE" if lock else ""),
                       (str(policy_id),)).fetchone()
    if row is None:
        raise NotFound(f"No SLA policy with id {policy_id}.")
    return row


def list_policies(conn, active=None):
    if active is None:
        return conn.execute("SELECT * FROM sla_policies ORDER BY position, id").fetchall()
    return conn.execute("SELECT * FROM sla_policies WHERE active = %s ORDER BY position, id", (active,)).fetchall()


def next_position(conn):
    return conn.execute("SELECT coalesce(max(position), 0) + 1 AS n FROM sla_policies").fetchone()["n"]


def insert_policy(conn, values):
    return insert_row(conn, "sla_policies", {"id": str(uuid.uuid4()), **values})


def update_policy(conn, policy_id, values):
    return update_row(conn, "sla_policies", str(policy_id), values)


def set_positions(conn, policy_ids):
    """Positions 1..n in the given order (the table's lock keeps two reorders apart)."""
    conn.execute("LOCK TABLE sla_policies IN SHARE ROW EXCLUSIVE MODE")
    for position, policy_id in enumerate(policy_ids, start=1):
        conn.execute("UPDATE sla_policies SET position = %s, version = version + 1, updated_at = now()"
                     " WHERE id = %s AND position <> %s", (position, str(policy_id), position))


def delete_policy(conn, policy_id):
    conn.execute("DELETE FROM sla_policies WHERE id = %s", (str(policy_id),))


def matching_policy(conn, facts):
    """The first active policy (by position) whose conditions all hold for
    ``facts`` (priority, channel, account_type, account_tier), or None."""
    return conn.execute(
        "SELECT * FROM sla_policies WHERE active"
        " AND (cardinality(priorities) = 0 OR %(priority)s = ANY(priorities))"
        " AND (cardinality(channels) = 0 OR %(channel)s = ANY(channels))"
        " AND (cardinality(account_types) = 0 OR %(account_type)s = ANY(account_types))"
        " AND (cardinality(account_tiers) = 0 OR %(account_tier)s = ANY(account_tiers))"
        " ORDER BY position, id LIMIT 1", facts).fetchone()


def account_facts(conn, account_id):
    """The type and tier of an account of the projection (None, None when unknown)."""
    if account_id is None:
        return None, None
    row = conn.execute("SELECT type, tier FROM accounts WHERE id = %s", (str(account_id),)).fetchone()
    return (row["type"], row["tier"]) if row else (None, None)


# Clocks -----------------------------------------------------------------------------

def clocks(conn, case_id, lock=False):
    """The clocks of a case (every cycle), in metric and cycle order."""
    return conn.execute("SELECT * FROM case_sla WHERE case_id = %s ORDER BY metric, cycle"
                        + (" FOR UPDATE" if lock else ""), (str(case_id),)).fetchall()


def clocks_of(conn, case_ids):
    """The latest cycle of each metric of these cases."""
    return conn.execute(
        "SELECT DISTINCT ON (case_id, metric) * FROM case_sla WHERE case_id = ANY(%s::uuid[])"
        " ORDER BY case_id, metric, cycle DESC", ([str(case_id) for case_id in case_ids],)).fetchall()


def insert_clock(conn, values):
    return insert_row(conn, "case_sla", values)


def update_clock(conn, clock_id, changes):
    if not changes:
        return None
    assignments = "".join(f"{column} = %s, " for column in changes)
    return conn.execute(f"UPDATE case_sla SET {assignments}updated_at = now() WHERE id = %s RETURNING *",
                        (*changes.values(), clock_id)).fetchone()


def take_due(conn, kind, at, batch):
    """Clocks whose warning (``kind`` warning) or breach moment has come by
    ``at``, locked with their case (SKIP LOCKED: another sweeper's or a
    change's rows are left for the next sweep); oldest moment first."""
    if kind == "warning":
        where = "s.warn_at IS NOT NULL AND s.warned_at IS NULL AND s.breached_at IS NULL AND s.warn_at <= %s"
        order = "s.warn_at"
    else:
        where = "s.due_at IS NOT NULL AND s.breached_at IS NULL AND s.due_at <= %s"
        order = "s.due_at"
    return conn.execute(
        f"SELECT s.* FROM case_sla s JOIN cases c ON c.id = s.case_id WHERE {where}"
        f" ORDER BY {order} LIMIT %s FOR UPDATE OF s, c SKIP LOCKED", (at, batch)).fetchall()
