"""Segments, static lists and suppressions: each operation takes a
connection inside the caller's transaction.

- Dynamic segments: a rule (see ``rules``) checked against the people
  field catalogue and the segments it names (they exist, are active, and
  never lead back to the segment: no cycles).  Creating a segment, changing
  its rule or switching it back on computes its membership in full once and
  records the joins and leaves; the segments naming it (directly or not) are
  recomputed after it, in nesting order.  From then on ``upkeep`` keeps it
  current as people change.
- Relative dates (``within_last_days``, ``more_than_days_ago``) drift with
  time without any person changing: ``refresh_relative`` recomputes the
  segments using them (and those naming them); the service's
  ``SegmentRefresh`` loop runs it every SEGMENT_REFRESH_SECONDS (default an
  hour), so such a segment may lag the clock by that much.
- ``count_rule``: how many people a rule being edited selects now (nothing
  is stored), under a statement timeout.
- Static lists: people put on by hand or by CSV (rows matched on the
  address; the rows matching nobody are reported back); adding twice is one
  membership.
- Suppressions: see ``suppression``; by hand and by CSV here.
"""

import psycopg

from services.campaigns.segments import rules, store, suppression, upkeep
from shared.kit.rows import plain
from shared.kit.versions import check_version
from shared.schemas.errors import Conflict, ValidationFailed

SEGMENT_FIELDS = ("id", "name", "description", "rule", "active", "depends_on", "relative_dates", "member_count",
                  "evaluated_at", "created_by", "version", "created_at", "updated_at")
LIST_FIELDS = ("id", "name", "description", "member_count", "created_by", "version", "created_at", "updated_at")
PERSON_FIELDS = ("person_id", "kind", "first_name", "last_name", "email", "company", "country", "active",
                 "do_not_email")
COUNT_TIMEOUT_MS = 10_000
REPORTED_ROWS = 1000


def segment_snapshot(row):
    result = {field: plain(row.get(field)) for field in SEGMENT_FIELDS}
    result["depends_on"] = [str(item) for item in row["depends_on"] or []]
    return result


def list_snapshot(row):
    return {field: plain(row.get(field)) for field in LIST_FIELDS}


def _page(rows, next_cursor, fields):
    return {"items": [{field: plain(row.get(field)) for field in fields} for row in rows], "next_cursor": next_cursor}


def _name_taken(name, what):
    message = f"A {what} named {name!r} exists already; pick another name."
    return Conflict(message, errors={"name": [message]})


# Rules ------------------------------------------------------------------------------------------------------------

def _checked(conn, rule, segment_id=None, catalogue=None):
    """The checked rule; 422 naming the node: an unknown field, operator or
    value, a segment that does not exist or is switched off, or one whose
    rule leads back to this segment."""
    catalogue = catalogue or rules.Catalogue.of_people()
    try:
        checked = rules.check(rule, catalogue)
    except rules.RuleError as exc:
        raise rules.failed(exc) from None
    graph = store.segment_graph(conn)
    for named, path in checked.segments:
        row = graph.get(named)
        if row is None:
            raise rules.failed(rules.RuleError(path, f"No segment with id {named}."))
        if named == segment_id:
            raise rules.failed(rules.RuleError(path, "A segment cannot contain itself."))
        if not row["active"]:
            raise rules.failed(rules.RuleError(path, "That segment is switched off; switch it on or name another."))
    if segment_id is not None:
        edges = {key: [str(item) for item in row["depends_on"]] for key, row in graph.items()}
        edges[segment_id] = checked.segment_ids
        cycle = rules.find_cycle(segment_id, edges)
        if cycle:
            first = next(path for named, path in checked.segments if named == cycle[1])
            raise rules.failed(rules.RuleError(
                first, "The segments would contain each other: " + " -> ".join(cycle) + "."))
    return checked


def count_rule(conn, rule, timeout_ms=COUNT_TIMEOUT_MS):
    """How many people the rule selects now: ``{"count": n}``; nothing is stored."""
    checked = _checked(conn, rule)
    predicate, params = rules.compile_rule(checked.rule, rules.Catalogue.of_people())
    try:
        with conn.transaction():
            count = store.count_matching(conn, predicate, params, timeout_ms)
    except psycopg.errors.QueryCanceled:
        raise ValidationFailed("Counting this rule takes too long; narrow it (a field with an index, like country "
                               "or lead_status, first).", {"rule": ["Too slow to count."]}) from None
    return {"count": count}


# Membership --------------------------------------------------------------------------------------------------------

def _depths(edges):
    depths = {}

    def depth(node, trail=()):
        if node not in depths:
            named = [target for target in edges.get(node, ()) if target in edges and target not in trail]
            depths[node] = 1 + max((depth(target, (*trail, node)) for target in named), default=-1)
        return depths[node]

    for node in edges:
        depth(node)
    return depths


def _store_depths(conn):
    graph = store.segment_graph(conn)
    edges = {key: [str(item) for item in row["depends_on"]] for key, row in graph.items()}
    for segment_id, depth in _depths(edges).items():
        if graph[segment_id]["depth"] != depth:
            store.update_segment(conn, segment_id, {"depth": depth}, bump=False)
    return graph


def _closure(graph, starts):
    """``starts`` and every active segment naming one of them, directly or not."""
    found, frontier = set(starts), set(starts)
    while frontier:
        frontier = {key for key, row in graph.items()
                    if row["active"] and key not in found and frontier & {str(item) for item in row["depends_on"]}}
        found |= frontier
    return found


def recompute(conn, segment_ids):
    """Full recomputation of these segments and those naming them, in
    nesting order, with upkeeps held off meanwhile; returns {id: joined/left}."""
    store.lock_for_change(conn)
    graph = store.segment_graph(conn)
    targets = _closure(graph, {str(item) for item in segment_ids})
    results = {}
    for segment in store.segments_of(conn, targets):
        if not graph[str(segment["id"])]["active"]:
            continue
        predicate, params = upkeep.compiled(segment)
        results[str(segment["id"])] = store.evaluate(conn, segment["id"], predicate, params)
        store.update_segment(conn, segment["id"], {"evaluated_at": _now(conn)}, bump=False)
    return results


def refresh_relative(conn):
    """Recompute the segments whose rules use relative dates (and those
    naming them): time moved, people did not.  Returns {id: joined/left}."""
    store.lock_for_change(conn)
    graph = store.segment_graph(conn)
    relative = {key for key, row in graph.items() if row["active"] and row["relative_dates"]}
    return recompute(conn, relative) if relative else {}


def _now(conn):
    return conn.execute("SELECT now() AS at").fetchone()["at"]


# Segments ---------------------------------------------------------------------------------------------------------

def create_segment(conn, data, actor=None):
    store.lock_for_change(conn)
    checked = _checked(conn, data["rule"])
    try:
        with conn.transaction():
            segment_id = store.insert_segment(conn, {
                "name": data["name"], "description": data.get("description"), "rule": checked.rule,
                "active": data.get("active", True), "depends_on": checked.segment_ids,
                "relative_dates": checked.relative, "created_by": actor})
    except psycopg.errors.UniqueViolation:
        raise _name_taken(data["name"], "segment") from None
    _store_depths(conn)
    if data.get("active", True):
        recompute(conn, [segment_id])
    return segment_snapshot(store.get_segment(conn, segment_id))


def get_segment(conn, segment_id):
    return segment_snapshot(store.get_segment(conn, segment_id))


def list_segments(conn, query):
    rows, next_cursor = store.list_segments(conn, query)
    return {"items": [segment_snapshot(row) for row in rows], "next_cursor": next_cursor}


def update_segment(conn, segment_id, changes, actor=None, expected_version=None):
    """Name, description, rule, active.  A new rule or switching on computes
    the membership in full (and the segments naming it); switching off
    stops the upkeep and keeps the last members (409 while an active
    segment names it)."""
    store.lock_for_change(conn)
    row = store.get_segment(conn, segment_id, lock="update")
    check_version(row, expected_version, "segment")
    values = {key: changes[key] for key in ("name", "description") if key in changes}
    if changes.get("name") is None and "name" in changes:
        values.pop("name")
    reevaluate = False
    if "rule" in changes:
        checked = _checked(conn, changes["rule"], segment_id)
        if checked.rule != row["rule"]:
            values.update(rule=checked.rule, depends_on=checked.segment_ids, relative_dates=checked.relative)
            reevaluate = True
    if "active" in changes and changes["active"] is not None and changes["active"] != row["active"]:
        if not changes["active"]:
            users = [item for item in store.dependents(conn, segment_id)
                     if store.segment_graph(conn)[str(item["id"])]["active"]]
            if users:
                names = ", ".join(repr(item["name"]) for item in users)
                raise Conflict(f"Active segments name this one ({names}); change or switch them off first.",
                               errors={"active": [f"Named by {names}."]})
        else:
            graph = store.segment_graph(conn)
            off = [str(item) for item in (values.get("depends_on") or row["depends_on"])
                   if not graph[str(item)]["active"]]
            if off:
                raise ValidationFailed("The rule names segments that are switched off; switch them on first.",
                                       {"active": [f"Segment {item} is switched off." for item in off]})
            reevaluate = True
        values["active"] = changes["active"]
    if not values:
        return segment_snapshot(row)
    try:
        with conn.transaction():
            store.update_segment(conn, segment_id, values)
    except psycopg.errors.UniqueViolation:
        raise _name_taken(values["name"], "segment") from None
    if "rule" in values:
        _store_depths(conn)
    if reevaluate:
        recompute(conn, [segment_id])
    return segment_snapshot(store.get_segment(conn, segment_id))


def delete_segment(conn, segment_id, actor=None, expected_version=None):
    """Deletes the segment, its members and history; 409 while another segment names it."""
    store.lock_for_change(conn)
    row = store.get_segment(conn, segment_id, lock="update")
    check_version(row, expected_version, "segment")
    users = store.dependents(conn, segment_id)
    if users:
        names = ", ".join(repr(item["name"]) for item in users)
        raise Conflict(f"Segments name this one in their rules ({names}); change them first.")
    try:
        with conn.transaction():
            store.delete_segment(conn, segment_id)
    except psycopg.errors.ForeignKeyViolation:
        raise Conflict("The segment is in use (a campaign or a send names it); it cannot be deleted. Switch it "
                       "off instead.") from None
    return {"id": str(segment_id), "deleted": True}


def segment_members(conn, segment_id, query):
    store.get_segment(conn, segment_id)
    rows, next_cursor = store.segment_members(conn, segment_id, query.get("cursor"), int(query.get("limit") or 50))
    return _page(rows, next_cursor, (*PERSON_FIELDS, "joined_at"))


def segment_history(conn, segment_id, query):
    store.get_segment(conn, segment_id)
    rows, next_cursor = store.segment_history(conn, segment_id, query)
    return _page(rows, next_cursor, ("id", "change", "at", *PERSON_FIELDS))


# Static lists -----------------------------------------------------------------------------------------------------

def create_list(conn, data, actor=None):
    try:
        with conn.transaction():
            list_id = store.insert_list(conn, {"name": data["name"], "description": data.get("description"),
                                               "created_by": actor})
    except psycopg.errors.UniqueViolation:
        raise _name_taken(data["name"], "list") from None
    return list_snapshot(store.get_list(conn, list_id))


def get_list(conn, list_id):
    return list_snapshot(store.get_list(conn, list_id))


def list_lists(conn, query):
    rows, next_cursor = store.list_lists(conn, query)
    return {"items": [list_snapshot(row) for row in rows], "next_cursor": next_cursor}


def update_list(conn, list_id, changes, actor=None, expected_version=None):
    row = store.get_list(conn, list_id, lock="update")
    check_version(row, expected_version, "list")
    values = {key: changes[key] for key in ("name", "description") if key in changes}
    if values.get("name", "") is None:
        values.pop("name")
    if not values:
        return list_snapshot(row)
    try:
        with conn.transaction():
            store.update_list(conn, list_id, values)
    except psycopg.errors.UniqueViolation:
        raise _name_taken(values["name"], "list") from None
    return list_snapshot(store.get_list(conn, list_id))


def delete_list(conn, list_id, actor=None, expected_version=None):
    row = store.get_list(conn, list_id, lock="update")
    check_version(row, expected_version, "list")
    try:
        with conn.transaction():
            store.delete_list(conn, list_id)
    except psycopg.errors.ForeignKeyViolation:
        raise Conflict("The list is in use (a campaign or a send names it); it cannot be deleted.") from None
    return {"id": str(list_id), "deleted": True}


def add_list_members(conn, list_id, person_ids, actor=None):
    """Puts these people on the list (422 naming any id that is no person,
    nothing added then); those on it already stay as they are."""
    store.get_list(conn, list_id, lock="share")
    ids = list(dict.fromkeys(str(item) for item in person_ids))
    known = store.existing_people(conn, ids)
    unknown = {f"person_ids.{index}": [f"No person with id {person_id}."]
               for index, person_id in enumerate(person_ids) if str(person_id) not in known}
    if unknown:
        raise ValidationFailed("Some people do not exist; nothing was added.", unknown)
    added = store.add_list_members(conn, list_id, ids, "manual", actor)
    return {"added": added, "already_members": len(ids) - added, **list_snapshot(store.get_list(conn, list_id))}


def remove_list_members(conn, list_id, person_ids, actor=None):
    store.get_list(conn, list_id, lock="share")
    ids = list(dict.fromkeys(str(item) for item in person_ids))
    removed = store.remove_list_members(conn, list_id, ids)
    return {"removed": removed, "not_members": len(ids) - removed, **list_snapshot(store.get_list(conn, list_id))}


def list_members(conn, list_id, query):
    store.get_list(conn, list_id)
    rows, next_cursor = store.list_members(conn, list_id, query.get("cursor"), int(query.get("limit") or 50))
    return _page(rows, next_cursor, (*PERSON_FIELDS, "source", "added_by", "added_at"))


def _address(text):
    email = suppression.normalize(text)
    if not email or len(email) > 254 or email.count("@") != 1 or " " in email:
        return None
    local, domain = email.split("@")
    return email if local and "." in domain and not domain.startswith(".") and not domain.endswith(".") else None


def import_list_rows(conn, list_id, rows, actor=None):
    """CSV rows ``{"line": n, "email": text}`` put on the list: every person
    with that address (a contact and a lead may share one).  Returns the
    counts and the rows not taken, each with its line and why: not an
    address, or nobody has it."""
    store.get_list(conn, list_id, lock="share")
    valid, invalid = {}, []
    for row in rows:
        email = _address(row["email"])
        if email is None:
            invalid.append({"line": row["line"], "email": row["email"][:254], "reason": "Not an email address."})
        else:
            valid.setdefault(email, []).append(row["line"])
    found = store.people_by_email(conn, valid)
    ids = list(dict.fromkeys(person for email in valid for person in found.get(email, ())))
    added = store.add_list_members(conn, list_id, ids, "import", actor) if ids else 0
    unknown = [{"line": line, "email": email, "reason": "No person has this address."}
               for email, lines in valid.items() if email not in found for line in lines]
    not_taken = sorted(invalid + unknown, key=lambda item: item["line"])
    return {"rows": len(rows), "matched_rows": len(rows) - len(not_taken), "people_matched": len(ids),
            "added": added, "already_members": len(ids) - added, "not_taken": len(not_taken),
            "rows_not_taken": not_taken[:REPORTED_ROWS]}


# Suppressions -----------------------------------------------------------------------------------------------------

SUPPRESSION_FIELDS = ("email", "reason", "source", "created_by", "created_at")


def suppression_snapshot(row):
    return {"email": row["email_norm"], "reason": row["reason"], "source": row["source"],
            "created_by": row["created_by"], "created_at": plain(row["created_at"])}


def add_suppression(conn, data, actor=None):
    """Suppress an address by hand; ``created`` is False when it was suppressed already (kept as it was)."""
    created = suppression.suppress(conn, data["email"], data.get("reason") or "manual", data.get("source"), actor)
    row = store.get_suppression(conn, suppression.normalize(data["email"]))
    return {**suppression_snapshot(row), "created": created}


def get_suppression(conn, email):
    from shared.schemas.errors import NotFound

    row = store.get_suppression(conn, suppression.normalize(email))
    if row is None:
        raise NotFound(f"{email!r} is not suppressed.")
    return suppression_snapshot(row)


def remove_suppression(conn, email, actor=None):
    from shared.schemas.errors import NotFound

    if not store.delete_suppression(conn, suppression.normalize(email)):
        raise NotFound(f"{email!r} is not suppressed.")
    return {"email": suppression.normalize(email), "deleted": True}


def list_suppressions(conn, query):
    rows, next_cursor = store.list_suppressions(conn, query)
    return {"items": [suppression_snapshot(row) for row in rows], "next_cursor": next_cursor}


def import_suppression_rows(conn, rows, reason="import", source=None, actor=None):
    """CSV rows ``{"line": n, "email": text}`` suppressed for ``reason``;
    rows that are no address are reported back with their line."""
    entries, invalid, seen = [], [], set()
    for row in rows:
        email = _address(row["email"])
        if email is None:
            invalid.append({"line": row["line"], "email": row["email"][:254], "reason": "Not an email address."})
        elif email not in seen:
            seen.add(email)
            entries.append((email, reason, source, actor))
    added = store.insert_suppressions(conn, entries)
    return {"rows": len(rows), "added": len(added), "already_suppressed": len(entries) - len(added),
            "not_taken": len(invalid), "rows_not_taken": invalid[:REPORTED_ROWS]}
