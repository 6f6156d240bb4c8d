"""Managing calendars and SLA policies, and the preview of a new case's due
moments: each function takes a connection inside one transaction.

Changing a calendar or a policy changes what clocks of new cases count
against; clocks already running keep the terms they started with until their
case changes in a way that selects its policy again (store.calendar_of reads
a calendar by version, so a clock on a changed calendar counts on the new
hours from then on)."""

import psycopg

from services.support import businesshours
from services.support.sla import clocks, store
from shared.kit.rows import plain
from shared.kit.versions import check_version
from shared.schemas.errors import Conflict, NotFound, ValidationFailed

CALENDAR_FIELDS = ("id", "name", "time_zone", "weekly_hours", "holiday_country", "holiday_subdivision", "is_default",
                   "version", "created_by", "created_at", "updated_at")
POLICY_FIELDS = ("id", "name", "position", "priorities", "account_types", "account_tiers", "channels", "calendar_id",
                 "first_response_minutes", "next_response_minutes", "resolution_minutes", "warn_percent", "active",
                 "version", "created_by", "created_at", "updated_at")


def _name_taken(exc, what, name):
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return Conflict(f"Another {what} is named {name!r}; choose another name.", {"name": ["Already taken."]})
    raise exc


# Calendars ---------------------------------------------------------------------

def calendar_snapshot(row, dates):
    result = {field: plain(row[field]) for field in CALENDAR_FIELDS}
    result["dates"] = [{"date": plain(date["date"]), "hours": date["hours"], "name": date["name"]} for date in dates]
    return result


def get_calendar(conn, calendar_id):
    row = store.get_calendar(conn, calendar_id)
    return calendar_snapshot(row, store.calendar_dates(conn, [row["id"]]).get(str(row["id"]), []))


def list_calendars(conn):
    rows = store.list_calendars(conn)
    dates = store.calendar_dates(conn, [row["id"] for row in rows])
    return {"items": [calendar_snapshot(row, dates.get(str(row["id"]), [])) for row in rows]}


def _check(values):
    try:
        businesshours.Calendar.build(values["time_zone"], values["weekly_hours"], values.get("holiday_country"),
                                     values.get("holiday_subdivision"), values.get("dates") or ())
    except businesshours.CalendarError as exc:
        raise ValidationFailed("The calendar is not valid; see errors.", exc.errors) from None


def create_calendar(conn, data, actor):
    _check(data)
    if data.get("is_default"):
        store.clear_default(conn)
    values = {key: data.get(key) for key in ("name", "time_zone", "weekly_hours", "holiday_country",
                                             "holiday_subdivision")}
    try:
        with conn.transaction():
            row = store.insert_calendar(conn, {**values, "is_default": bool(data.get("is_default")),
                                               "created_by": actor})
    except psycopg.Error as exc:
        raise _name_taken(exc, "calendar", data["name"]) from None
    store.replace_dates(conn, row["id"], data.get("dates") or [])
    return get_calendar(conn, row["id"])


def update_calendar(conn, calendar_id, changes, actor, expected_version=None, at=None):
    row = store.get_calendar(conn, calendar_id, lock=True)
    check_version(row, expected_version, "calendar")
    current = get_calendar(conn, calendar_id)
    if "holiday_country" in changes and changes["holiday_country"] is None:
        changes = {**changes, "holiday_subdivision": None}  # no country, no subdivision
    merged = {**current, **changes}
    _check(merged)
    if changes.get("is_default") and not row["is_default"]:
        store.clear_default(conn)
    values = {key: changes[key] for key in ("name", "time_zone", "weekly_hours", "holiday_country",
                                            "holiday_subdivision", "is_default") if key in changes}
    old_cal = store.calendar_of(conn, calendar_id)
    try:
        with conn.transaction():
            store.update_calendar(conn, calendar_id, values)  # bumps the version even for dates alone
    except psycopg.Error as exc:
        raise _name_taken(exc, "calendar", changes.get("name")) from None
    if "dates" in changes:
        store.replace_dates(conn, calendar_id, changes["dates"])
    if HOURS_KEYS & set(changes):
        recount_running_clocks(conn, calendar_id, old_cal, store.calendar_of(conn, calendar_id), at)
    return get_calendar(conn, calendar_id)


HOURS_KEYS = {"time_zone", "weekly_hours", "holiday_country", "holiday_subdivision", "dates"}


def recount_running_clocks(conn, calendar_id, old_cal, new_cal, at=None):
    """The hours changed: each running clock on the calendar books what it
    used up to now on the old hours, and its due and warning moments are
    counted on the new ones from now on (paused clocks only count on the new
    hours when they resume).  Returns how many clocks were recounted."""
    from services.support.sla import commands

    at = commands.now(conn, at)
    # Their cases first, as a change of a case takes them (the case, then its clocks): writing a
    # clock writes its case's queue moment (cases.due_at, 0009_queue.sql), so taking a clock
    # before its case could deadlock with a change of that case.
    conn.execute("SELECT id FROM cases WHERE id IN (SELECT case_id FROM case_sla WHERE calendar_id = %s"
                 " AND running_since IS NOT NULL) ORDER BY id FOR UPDATE", (str(calendar_id),))
    rows = conn.execute("SELECT * FROM case_sla WHERE calendar_id = %s AND running_since IS NOT NULL"
                        " ORDER BY id FOR UPDATE", (str(calendar_id),)).fetchall()
    updates = []
    for clock in rows:
        changes = clocks.settle(clock, old_cal, at)
        changes.update(clocks.schedule({**clock, **changes}, new_cal))
        updates.append((changes["used_seconds"], changes["running_since"], changes["due_at"], changes["warn_at"],
                        clock["id"]))
    with conn.cursor() as cursor:
        cursor.executemany("UPDATE case_sla SET used_seconds = %s, running_since = %s, due_at = %s, warn_at = %s,"
                           " updated_at = now() WHERE id = %s", updates)
    if updates:
        conn.execute(f"NOTIFY {commands.WAKE_CHANNEL}")
    return len(updates)


def delete_calendar(conn, calendar_id, expected_version=None):
    row = store.get_calendar(conn, calendar_id, lock=True)
    check_version(row, expected_version, "calendar")
    if row["is_default"]:
        raise Conflict("The default calendar cannot be deleted; make another one the default first.")
    use = store.calendar_in_use(conn, calendar_id)
    if use["policies"] or use["clocks"]:
        raise Conflict(f"The calendar is used by {use['policies']} SLA policy(ies) and {use['clocks']} case "
                       "clock(s); it cannot be deleted.", policies=use["policies"], clocks=use["clocks"])
    store.delete_calendar(conn, calendar_id)
    return {"id": str(calendar_id), "deleted": True}


def holidays_of_year(country, subdivision, year):
    try:
        days = businesshours.holidays_of_year(country, subdivision, year)
    except businesshours.CalendarError as exc:
        raise ValidationFailed("Unknown holiday region; see errors.",
                               {key.replace("holiday_", ""): value for key, value in exc.errors.items()}) from None
    return {"country": country, "subdivision": subdivision, "year": year,
            "items": [{"date": day["date"].isoformat(), "name": day["name"]} for day in days]}


# Policies ------------------------------------------------------------------------

def policy_snapshot(row):
    return {field: plain(row[field]) for field in POLICY_FIELDS}


def list_policies(conn, active=None):
    return {"items": [policy_snapshot(row) for row in store.list_policies(conn, active)]}


def get_policy(conn, policy_id):
    return policy_snapshot(store.get_policy(conn, policy_id))


def _calendar_exists(conn, calendar_id):
    try:
        store.get_calendar(conn, calendar_id)
    except NotFound:
        raise ValidationFailed("No such calendar.", {"calendar_id": [f"No calendar with id {calendar_id}."]}) from None


def _place(conn, policy_id, position):
    """Put a policy at ``position`` (1 first), the others keeping their order."""
    ids = [row["id"] for row in store.list_policies(conn) if str(row["id"]) != str(policy_id)]
    position = max(1, min(position, len(ids) + 1))
    ids.insert(position - 1, policy_id)
    store.set_positions(conn, ids)


def create_policy(conn, data, actor):
    _calendar_exists(conn, data["calendar_id"])
    values = {key: data[key] for key in ("name", "priorities", "account_types", "account_tiers", "channels",
                                         "first_response_minutes", "next_response_minutes", "resolution_minutes",
                                         "warn_percent", "active") if data.get(key) is not None}
    values["calendar_id"] = str(data["calendar_id"])
    try:
        with conn.transaction():
            row = store.insert_policy(conn, {**values, "position": store.next_position(conn), "created_by": actor})
    except psycopg.Error as exc:
        raise _name_taken(exc, "SLA policy", data["name"]) from None
    if data.get("position"):
        _place(conn, row["id"], data["position"])
    return get_policy(conn, row["id"])


def update_policy(conn, policy_id, changes, actor, expected_version=None):
    row = store.get_policy(conn, policy_id, lock=True)
    check_version(row, expected_version, "SLA policy")
    if "calendar_id" in changes:
        _calendar_exists(conn, changes["calendar_id"])
    values = {key: value for key, value in changes.items() if key != "position"}
    if "calendar_id" in values:
        values["calendar_id"] = str(values["calendar_id"])
    for key in ("priorities", "account_types", "account_tiers", "channels", "warn_percent", "active", "name"):
        if key in values and values[key] is None:
            raise ValidationFailed(f"{key} cannot be null.", {key: ["Field may not be null."]})
    targets = {key: values.get(key, row[key]) for key in ("first_response_minutes", "next_response_minutes",
                                                          "resolution_minutes")}
    if not any(targets.values()):
        raise ValidationFailed("A policy needs at least one target.",
                               {"first_response_minutes": ["Give at least one target."]})
    try:
        with conn.transaction():
            if values:
                store.update_policy(conn, policy_id, values)
    except psycopg.Error as exc:
        raise _name_taken(exc, "SLA policy", changes.get("name")) from None
    if changes.get("position"):
        _place(conn, policy_id, changes["position"])
    return get_policy(conn, policy_id)


def reorder_policies(conn, policy_ids):
    ids = [str(policy_id) for policy_id in policy_ids]
    known = {str(row["id"]) for row in store.list_policies(conn)}
    if len(set(ids)) != len(ids) or set(ids) != known:
        missing, unknown = known - set(ids), set(ids) - known
        raise ValidationFailed("List every SLA policy exactly once.", {"policy_ids": [
            "Every policy exactly once" + (f"; missing: {', '.join(sorted(missing))}" if missing else "")
            + (f"; unknown: {', '.join(sorted(unknown))}" if unknown else "") + "."]})
    store.set_positions(conn, ids)
    return list_policies(conn)


def delete_policy(conn, policy_id, expected_version=None):
    row = store.get_policy(conn, policy_id, lock=True)
    check_version(row, expected_version, "SLA policy")
    store.delete_policy(conn, policy_id)  # clocks keep their terms (policy_id becomes NULL)
    return {"id": str(policy_id), "deleted": True}


# Preview ------------------------------------------------------------------------

def preview(conn, data, at):
    """Which policy a case opened at ``opened_at`` (default ``at``) with these
    facts would get, and when each target would be due."""
    from services.support.sla import commands

    opened_at = data.get("opened_at") or at
    policy = commands.policy_for(conn, data)
    targets, calendar_id = [], None
    for metric in clocks.METRICS:
        policy_id, calendar_id, target, warn_percent = commands.terms_of(conn, policy, metric)
        cal = store.calendar_of(conn, calendar_id)
        due_at = warn_at = None
        if target is not None:
            due_at = businesshours.add_business_seconds(cal, opened_at, target)
            warn_at = businesshours.add_business_seconds(cal, opened_at, clocks.warn_seconds(target, warn_percent))
        targets.append({"metric": metric, "target_seconds": target, "warn_at": plain(warn_at),
                        "due_at": plain(due_at)})
    return {"policy_id": plain(policy["id"]) if policy else None, "policy_name": policy["name"] if policy else None,
            "calendar_id": plain(calendar_id), "opened_at": plain(opened_at), "targets": targets}
