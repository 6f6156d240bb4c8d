"""SQL of segments, their members and history, static lists and
suppressions: plain functions over a connection already in a transaction."""

from shared.kit.pagination import KeysetOrder, both_ways, keyset_page
from shared.kit.rows import get_row, insert_row
from shared.schemas.errors import NotFound

PEOPLE = "people p LEFT JOIN accounts a ON a.id = p.account_id"
SELECT_SEGMENTS = ("SELECT * FROM (SELECT s.*, (SELECT count(*) FROM segment_members m WHERE m.segment_id = s.id)"
                   " AS member_count FROM segments s) AS segments_view")
SEGMENT_SORTS = {**both_ways("name", "name", "text"), **both_ways("created_at", "created_at", "timestamptz")}
SELECT_LISTS = ("SELECT * FROM (SELECT l.*, (SELECT count(*) FROM list_members m WHERE m.list_id = l.id)"
                " AS member_count FROM lists l) AS lists_view")
PERSON_COLUMNS = ("p.kind, p.first_name, p.last_name, p.email_norm AS email, p.company, p.country, p.active,"
                  " p.do_not_email")
SELECT_SEGMENT_MEMBERS = (f"SELECT * FROM (SELECT m.segment_id, m.person_id, m.joined_at, {PERSON_COLUMNS}"
                          " FROM segment_members m JOIN people p ON p.id = m.person_id) AS members_view")
SELECT_LIST_MEMBERS = (f"SELECT * FROM (SELECT m.list_id, m.person_id, m.source, m.added_by, m.added_at,"
                       f" {PERSON_COLUMNS} FROM list_members m JOIN people p ON p.id = m.person_id) AS members_view")
SELECT_HISTORY = (f"SELECT * FROM (SELECT h.id, h.segment_id, h.person_id, h.change, h.at, {PERSON_COLUMNS}"
                  " FROM segment_history h LEFT JOIN people p ON p.id = h.person_id) AS history_view")
BY_PERSON = KeysetOrder(("person_id", "uuid"))
NEWEST_FIRST = KeysetOrder(("id", "bigint"), descending=True)
SUPPRESSIONS_NEWEST_FIRST = KeysetOrder(("created_at", "timestamptz"), ("email_norm", "text"), descending=True)


# Segments ---------------------------------------------------------------------------------------------------------

def insert_segment(conn, values):
    row = insert_row(conn, "segments", values, json_columns=("rule",))
    return row["id"]


def get_segment(conn, segment_id, lock=None):
    """The segment with its member count; NotFound.  ``lock``: "update" or "share"."""
    if lock:
        get_row(conn, "segments", segment_id, "segment", lock=lock)
    row = conn.execute(f"{SELECT_SEGMENTS} WHERE id = %s", (segment_id,)).fetchone()
    if row is None:
        raise NotFound(f"No segment with id {segment_id}.")
    return row


def segment_graph(conn):
    """Every segment's id -> (depends_on, active, relative_dates, depth)."""
    rows = conn.execute("SELECT id, depends_on, active, relative_dates, depth FROM segments").fetchall()
    return {str(row["id"]): row for row in rows}


def lock_for_upkeep(conn):
    """Taken by every membership upkeep: upkeeps run side by side, but never
    while a segment is created, changed or recomputed (``lock_for_change``)."""
    conn.execute("LOCK TABLE segments IN ROW SHARE MODE")


def lock_for_change(conn):
    """Taken first by every change of a segment (before any row lock, so two
    changes cannot deadlock): waits for the upkeeps in flight, and holds new
    ones until it commits, which then see the new rule."""
    conn.execute("LOCK TABLE segments IN EXCLUSIVE MODE")


def segments_of(conn, ids):
    """Those segments' rows (rule, depth, version), in evaluation order."""
    return conn.execute("SELECT id, rule, depth, version FROM segments WHERE id = ANY(%s::uuid[])"
                        " ORDER BY depth, id", (list(ids),)).fetchall()


def active_segments(conn):
    """The active segments in evaluation order (named ones first)."""
    return conn.execute("SELECT id, rule, depth, version FROM segments WHERE active ORDER BY depth, id").fetchall()


def update_segment(conn, segment_id, values, bump=True):
    from shared.kit.rows import update_row

    if bump:
        return update_row(conn, "segments", segment_id, values, json_columns=("rule",))
    assignments = ", ".join(f"{column} = %s" for column in values)
    conn.execute(f"UPDATE segments SET {assignments} WHERE id = %s", (*values.values(), segment_id))
    return None


def delete_segment(conn, segment_id):
    conn.execute("DELETE FROM segments WHERE id = %s", (segment_id,))


def dependents(conn, segment_id):
    """Segments naming this one in their rule (names)."""
    return conn.execute("SELECT id, name FROM segments WHERE depends_on @> ARRAY[%s::uuid] ORDER BY name",
                        (segment_id,)).fetchall()


def list_segments(conn, query):
    clauses, params = [], []
    if query.get("q"):
        from shared.kit.filters import escape_like

        clauses.append("name ILIKE %s")
        params.append(f"%{escape_like(query['q'])}%")
    if query.get("active") is not None:
        clauses.append("active = %s")
        params.append(query["active"])
    return keyset_page(conn, SELECT_SEGMENTS, clauses, params, SEGMENT_SORTS[query.get("sort") or "name"],
                       query.get("cursor"), int(query.get("limit") or 50))


_EVALUATE = """
WITH target AS (
    SELECT p.id FROM {people} WHERE {scope} ({predicate})
), joined AS (
    INSERT INTO segment_members (segment_id, person_id, joined_at)
    SELECT %s::uuid, id, now() FROM target ON CONFLICT DO NOTHING RETURNING person_id
), gone AS (
    DELETE FROM segment_members m WHERE m.segment_id = %s::uuid {member_scope}
    AND NOT EXISTS (SELECT 1 FROM target t WHERE t.id = m.person_id) RETURNING person_id
), changes AS (
    INSERT INTO segment_history (segment_id, person_id, change, at)
    SELECT %s::uuid, person_id, 'joined', now() FROM joined
    UNION ALL SELECT %s::uuid, person_id, 'left', now() FROM gone
    RETURNING change
)
SELECT count(*) FILTER (WHERE change = 'joined') AS joined, count(*) FILTER (WHERE change = 'left') AS left
FROM changes
"""


def evaluate(conn, segment_id, predicate, params, person_ids=None):
    """Bring the segment's members in line with its predicate, for these
    people (None: everybody), set-based, recording who joined and left;
    returns ``{"joined": n, "left": n}``."""
    segment_id = str(segment_id)
    if person_ids is None:
        scope, member_scope, scope_params, member_params = "", "", [], []
    else:
        ids = list(person_ids)
        scope, member_scope = "p.id = ANY(%s::uuid[]) AND", "AND m.person_id = ANY(%s::uuid[])"
        scope_params, member_params = [ids], [ids]
    sql = _EVALUATE.format(people=PEOPLE, scope=scope, predicate=predicate, member_scope=member_scope)
    row = conn.execute(sql, (*scope_params, *params, segment_id, segment_id, *member_params, segment_id,
                             segment_id)).fetchone()
    return {"joined": row["joined"], "left": row["left"]}


_EVALUATE_LEVEL = """
WITH target AS (
    {targets}
), joined AS (
    INSERT INTO segment_members (segment_id, person_id, joined_at)
    SELECT segment_id, id, now() FROM target ON CONFLICT DO NOTHING RETURNING segment_id, person_id
), gone AS (
    DELETE FROM segment_members m WHERE m.segment_id = ANY(%s::uuid[]) AND m.person_id = ANY(%s::uuid[])
    AND NOT EXISTS (SELECT 1 FROM target t WHERE t.segment_id = m.segment_id AND t.id = m.person_id)
    RETURNING segment_id, person_id
), changes AS (
    INSERT INTO segment_history (segment_id, person_id, change, at)
    SELECT segment_id, person_id, 'joined', now() FROM joined
    UNION ALL SELECT segment_id, person_id, 'left', now() FROM gone
    RETURNING segment_id, change
)
SELECT segment_id, count(*) FILTER (WHERE change = 'joined') AS joined, count(*) FILTER (WHERE change = 'left') AS left
FROM changes GROUP BY segment_id
"""


def evaluate_level(conn, segments, person_ids):
    """``evaluate`` for several segments of one nesting level at once (none
    names another of them), for these people: one statement; returns
    {segment id: {"joined": n, "left": n}} for those that changed."""
    ids = list(person_ids)
    targets, params = [], []
    for segment_id, predicate, predicate_params in segments:
        targets.append(f"SELECT %s::uuid AS segment_id, p.id FROM {PEOPLE}"
                       f" WHERE p.id = ANY(%s::uuid[]) AND ({predicate})")
        params += [str(segment_id), ids, *predicate_params]
    sql = _EVALUATE_LEVEL.format(targets="\n    UNION ALL\n    ".join(targets))
    rows = conn.execute(sql, (*params, [str(segment_id) for segment_id, _, _ in segments], ids)).fetchall()
    return {str(row["segment_id"]): {"joined": row["joined"], "left": row["left"]} for row in rows}


def count_matching(conn, predicate, params, timeout_ms=None):
    if timeout_ms:
        conn.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
    return conn.execute(f"SELECT count(*) AS n FROM {PEOPLE} WHERE {predicate}", params).fetchone()["n"]


def matching_ids(conn, predicate, params):
    """The ids of everybody the predicate selects (the full recomputation)."""
    return {str(row["id"]) for row in conn.execute(f"SELECT p.id FROM {PEOPLE} WHERE {predicate}", params)}


def member_ids(conn, segment_id):
    return {str(row["person_id"]) for row in
            conn.execute("SELECT person_id FROM segment_members WHERE segment_id = %s", (segment_id,))}


def segment_members(conn, segment_id, cursor, limit):
    return keyset_page(conn, SELECT_SEGMENT_MEMBERS, ["segment_id = %s"], [segment_id], BY_PERSON, cursor, limit)


def segment_history(conn, segment_id, query):
    clauses, params = ["segment_id = %s"], [segment_id]
    if query.get("person_id"):
        clauses.append("person_id = %s")
        params.append(query["person_id"])
    if query.get("change"):
        clauses.append("change = %s")
        params.append(query["change"])
    return keyset_page(conn, SELECT_HISTORY, clauses, params, NEWEST_FIRST, query.get("cursor"),
                       int(query.get("limit") or 50))


# Static lists -----------------------------------------------------------------------------------------------------

def insert_list(conn, values):
    return insert_row(conn, "lists", values)["id"]


def get_list(conn, list_id, lock=None):
    if lock:
        get_row(conn, "lists", list_id, "list", lock=lock)
    row = conn.execute(f"{SELECT_LISTS} WHERE id = %s", (list_id,)).fetchone()
    if row is None:
        raise NotFound(f"No list with id {list_id}.")
    return row


def update_list(conn, list_id, values):
    from shared.kit.rows import update_row

    return update_row(conn, "lists", list_id, values)


def delete_list(conn, list_id):
    conn.execute("DELETE FROM lists WHERE id = %s", (list_id,))


def list_lists(conn, query):
    clauses, params = [], []
    if query.get("q"):
        from shared.kit.filters import escape_like

        clauses.append("name ILIKE %s")
        params.append(f"%{escape_like(query['q'])}%")
    return keyset_page(conn, SELECT_LISTS, clauses, params, SEGMENT_SORTS[query.get("sort") or "name"],
                       query.get("cursor"), int(query.get("limit") or 50))


def existing_people(conn, person_ids):
    return {str(row["id"]) for row in conn.execute("SELECT id FROM people WHERE id = ANY(%s::uuid[])",
                                                    (list(person_ids),))}


def add_list_members(conn, list_id, person_ids, source, actor):
    """Adds those not on the list yet; returns how many were added."""
    rows = conn.execute(
        "INSERT INTO list_members (list_id, person_id, source, added_by)"
        " SELECT %s, id, %s, %s FROM unnest(%s::uuid[]) AS id ON CONFLICT DO NOTHING RETURNING person_id",
        (list_id, source, actor, list(person_ids))).fetchall()
    return len(rows)


def remove_list_members(conn, list_id, person_ids):
    rows = conn.execute("DELETE FROM list_members WHERE list_id = %s AND person_id = ANY(%s::uuid[])"
                        " RETURNING person_id", (list_id, list(person_ids))).fetchall()
    return len(rows)


def people_by_email(conn, emails):
    """{email_norm: [person ids]} of the people with those addresses."""
    found = {}
    for row in conn.execute("SELECT email_norm, id FROM people WHERE email_norm = ANY(%s::text[]) ORDER BY id",
                            (list(emails),)):
        found.setdefault(row["email_norm"], []).append(str(row["id"]))
    return found


def list_members(conn, list_id, cursor, limit):
    return keyset_page(conn, SELECT_LIST_MEMBERS, ["list_id = %s"], [list_id], BY_PERSON, cursor, limit)


# Suppressions -----------------------------------------------------------------------------------------------------

def insert_suppressions(conn, entries):
    """``entries``: (email_norm, reason, source, created_by); the addresses
    not suppressed before are added; returns those added."""
    if not entries:
        return set()
    columns = list(zip(*entries, strict=True))
    rows = conn.execute(
        "INSERT INTO suppressions (email_norm, reason, source, created_by)"
        " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) ON CONFLICT DO NOTHING"
        " RETURNING email_norm", [list(column) for column in columns]).fetchall()
    return {row["email_norm"] for row in rows}


def get_suppression(conn, email_norm):
    return conn.execute("SELECT * FROM suppressions WHERE email_norm = %s", (email_norm,)).fetchone()


def is_suppressed(conn, email_norm):
    return conn.execute("SELECT EXISTS (SELECT 1 FROM suppressions WHERE email_norm = %s) AS hit",
                        (email_norm,)).fetchone()["hit"]


def delete_suppression(conn, email_norm):
    return conn.execute("DELETE FROM suppressions WHERE email_norm = %s RETURNING email_norm",
                        (email_norm,)).fetchone() is not None


def list_suppressions(conn, query):
    clauses, params = [], []
    if query.get("q"):
        from shared.kit.filters import escape_like

        clauses.append("email_norm LIKE %s")
        params.append(f"%{escape_like(query['q'].lower())}%")
    if query.get("reason"):
        clauses.append("reason = ANY(%s)")
        params.append(list(query["reason"]))
    return keyset_page(conn, "SELECT * FROM suppressions", clauses, params, SUPPRESSIONS_NEWEST_FIRST,
                       query.get("cursor"), int(query.get("limit") or 50))
