"""SQL for campaigns, their costs and members: plain functions over a
connection already in a transaction."""

from shared.kit.filters import Where
from shared.kit.pagination import KeysetOrder, both_ways, keyset_page
from shared.kit.rows import get_row, insert_row, update_row
from shared.schemas.errors import NotFound

CAMPAIGN_SORTS = {
    **both_ways("created_at", "created_at", "timestamptz"),
    **both_ways("name", "name", "text"),
    **both_ways("starts_on", "starts_on", "date", nulls_last=True),
}
MEMBER_SORTS = {
    "-added_at": KeysetOrder(("added_at", "timestamptz"), ("person_id", "uuid"), descending=True, name="-added_at"),
    "added_at": KeysetOrder(("added_at", "timestamptz"), ("person_id", "uuid"), name="added_at"),
}
# A member with the person's name and address and its furthest funnel stage.
SELECT_MEMBERS = (
    "SELECT * FROM (SELECT m.*, p.kind, p.first_name, p.last_name, p.email, p.company,"
    " CASE WHEN m.converted_at IS NOT NULL THEN 'converted' WHEN m.responded_at IS NOT NULL THEN 'responded'"
    " WHEN m.clicked_at IS NOT NULL THEN 'clicked' WHEN m.opened_at IS NOT NULL THEN 'opened'"
    " WHEN m.sent_at IS NOT NULL THEN 'sent' ELSE 'targeted' END AS stage"
    " FROM campaign_members m JOIN people p ON p.id = m.person_id) AS members_view")


def now(conn):
    return conn.execute("SELECT now() AS at").fetchone()["at"]


# Campaigns ----------------------------------------------------------------------

def insert_campaign(conn, values):
    return insert_row(conn, "campaigns", values)


def get_campaign(conn, campaign_id, lock=None):
    return get_row(conn, "campaigns", campaign_id, "campaign", lock)


def find_campaign(conn, campaign_id):
    return conn.execute("SELECT * FROM campaigns WHERE id = %s", (campaign_id,)).fetchone()


def update_campaign(conn, campaign_id, values):
    return update_row(conn, "campaigns", campaign_id, values)


def ancestors(conn, campaign_id):
    """The campaign's id and those of its ancestors, nearest first."""
    rows = conn.execute(
        "WITH RECURSIVE up(id, parent_id, depth) AS ("
        " SELECT id, parent_id, 0 FROM campaigns WHERE id = %s"
        " UNION ALL SELECT c.id, c.parent_id, up.depth + 1 FROM campaigns c JOIN up ON c.id = up.parent_id"
        " WHERE up.depth < 1000)"
        " SELECT id FROM up ORDER BY depth", (campaign_id,)).fetchall()
    return [row["id"] for row in rows]


def list_campaigns(conn, query):
    where = Where(query)
    where.equal("owner", "parent_id").any_of("status", "type").search("name", every_word=True)
    return keyset_page(conn, "SELECT * FROM campaigns", where.clauses, where.params,
                       CAMPAIGN_SORTS[query.get("sort") or "-created_at"], query.get("cursor"),
                       int(query.get("limit") or 50))


def cost_total(conn, campaign_id):
    return conn.execute("SELECT coalesce(sum(amount), 0) AS total FROM campaign_costs WHERE campaign_id = %s",
                        (campaign_id,)).fetchone()["total"]


def has_costs(conn, campaign_id):
    return conn.execute("SELECT EXISTS (SELECT 1 FROM campaign_costs WHERE campaign_id = %s) AS found",
                        (campaign_id,)).fetchone()["found"]


def funnel(conn, campaign_id):
    return conn.execute(
        "SELECT count(*) AS targeted, count(sent_at) AS sent, count(opened_at) AS opened,"
        " count(clicked_at) AS clicked, count(responded_at) AS responded, count(converted_at) AS converted"
        " FROM campaign_members WHERE campaign_id = %s", (campaign_id,)).fetchone()


def children(conn, campaign_id):
    return conn.execute("SELECT count(*) AS n FROM campaigns WHERE parent_id = %s", (campaign_id,)).fetchone()["n"]


# Costs --------------------------------------------------------------------------

def insert_cost(conn, values):
    return insert_row(conn, "campaign_costs", values)


def list_costs(conn, campaign_id):
    return conn.execute("SELECT * FROM campaign_costs WHERE campaign_id = %s ORDER BY incurred_on, created_at, id",
                        (campaign_id,)).fetchall()


def delete_cost(conn, campaign_id, cost_id):
    row = conn.execute("DELETE FROM campaign_costs WHERE id = %s AND campaign_id = %s RETURNING *",
                       (cost_id, campaign_id)).fetchone()
    if row is None:
        raise NotFound(f"No cost entry with id {cost_id} in campaign {campaign_id}.")
    return row


# Members ------------------------------------------------------------------------

def insert_members(conn, campaign_id, person_ids, source):
    """Add the people (those that exist) not yet members; returns the new
    members with their person's kind and source id, in person id order."""
    return conn.execute(
        "WITH added AS ("
        " INSERT INTO campaign_members (campaign_id, person_id, source)"
        " SELECT %s, p.id, %s FROM people p WHERE p.id = ANY(%s::uuid[]) ORDER BY p.id"
        " ON CONFLICT (campaign_id, person_id) DO NOTHING RETURNING person_id, added_at, source)"
        " SELECT a.person_id, a.added_at, a.source, p.kind, p.source_id"
        " FROM added a JOIN people p ON p.id = a.person_id"
        " ORDER BY a.person_id", (campaign_id, source, [str(item) for item in person_ids])).fetchall()


def missing_people(conn, person_ids):
    """Of these ids, those naming no person."""
    rows = conn.execute("SELECT x.id FROM unnest(%s::uuid[]) AS x(id) WHERE NOT EXISTS"
                        " (SELECT 1 FROM people p WHERE p.id = x.id)", ([str(item) for item in person_ids],))
    return [str(row["id"]) for row in rows.fetchall()]


def member_count(conn, campaign_id):
    return conn.execute("SELECT count(*) AS n FROM campaign_members WHERE campaign_id = %s",
                        (campaign_id,)).fetchone()["n"]


def segment_exists(conn, segment_id):
    return conn.execute("SELECT EXISTS (SELECT 1 FROM segments WHERE id = %s) AS found",
                        (segment_id,)).fetchone()["found"]


def segment_people(conn, segment_id):
    """The segment's current members (the segments area keeps them current)."""
    rows = conn.execute("SELECT person_id FROM segment_members WHERE segment_id = %s ORDER BY person_id",
                        (segment_id,)).fetchall()
    return [row["person_id"] for row in rows]


def list_exists(conn, list_id):
    return conn.execute("SELECT EXISTS (SELECT 1 FROM lists WHERE id = %s) AS found",
                        (list_id,)).fetchone()["found"]


def list_people(conn, list_id):
    rows = conn.execute("SELECT person_id FROM list_members WHERE list_id = %s ORDER BY person_id",
                        (list_id,)).fetchall()
    return [row["person_id"] for row in rows]


def list_members(conn, campaign_id, query):
    where = Where(query, "campaign_id = %s")
    where.params.append(campaign_id)
    where.any_of("stage")
    return keyset_page(conn, SELECT_MEMBERS, where.clauses, where.params,
                       MEMBER_SORTS[query.get("sort") or "-added_at"], query.get("cursor"),
                       int(query.get("limit") or 50))
