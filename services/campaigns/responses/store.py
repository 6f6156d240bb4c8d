"""SQL of responses: plain functions over a connection already in a transaction."""

from psycopg.types.json import Jsonb

from shared.kit.pagination import KeysetOrder, keyset_page

# A response with its person's kind and source record.
SELECT_RESPONSES = (
    "SELECT * FROM (SELECT r.*, p.kind AS person_kind, p.source_id AS person_source_id FROM responses r "
    "LEFT JOIN people p ON p.id = r.person_id) AS responses_view")
NEWEST_FIRST = KeysetOrder(("at", "timestamptz"), ("id", "uuid"), descending=True)


def now(conn):
    return conn.execute("SELECT now() AS at").fetchone()["at"]


def find_campaign(conn, campaign_id):
    return conn.execute("SELECT id, name, status, currency FROM campaigns WHERE id = %s", (campaign_id,)).fetchone()


def find_person(conn, person_id):
    return conn.execute("SELECT * FROM people WHERE id = %s", (person_id,)).fetchone()


def person_by_email(conn, email_norm):
    """The person with this address: an active one first, a contact (the
    customer master) before a lead, then the most recently changed."""
    return conn.execute(
        "SELECT * FROM people WHERE email_norm = %s ORDER BY active DESC, (kind = 'contact') DESC, "
        "updated_at DESC, id LIMIT 1", (email_norm,)).fetchone()


def person_of_source(conn, kind, source_id):
    return conn.execute("SELECT * FROM people WHERE kind = %s AND source_id = %s", (kind, source_id)).fetchone()


def insert_response(conn, values):
    """The new response, or None when one with its dedup key exists."""
    columns = ", ".join(values)
    placeholders = ", ".join(["%s"] * len(values))
    params = [Jsonb(value) if column == "data" else value for column, value in values.items()]
    row = conn.execute(f"INSERT INTO responses ({columns}) VALUES ({placeholders}) "
                       "ON CONFLICT (dedup_key) DO NOTHING RETURNING id", params).fetchone()
    return None if row is None else get_response(conn, row["id"])


def get_response(conn, response_id):
    return conn.execute(f"{SELECT_RESPONSES} WHERE id = %s", (response_id,)).fetchone()


def response_by_key(conn, dedup_key):
    return conn.execute(f"{SELECT_RESPONSES} WHERE dedup_key = %s", (dedup_key,)).fetchone()


def list_responses(conn, campaign_id, kinds, cursor, limit):
    where, params = ["campaign_id = %s"], [campaign_id]
    if kinds:
        where.append("kind = ANY(%s)")
        params.append(list(kinds))
    return keyset_page(conn, SELECT_RESPONSES, where, params, NEWEST_FIRST, cursor, limit)


def unlinked_responses(conn, campaign_id, email_norm):
    """Responses of the campaign from this address that name no person yet, locked."""
    return conn.execute(
        "SELECT * FROM responses WHERE campaign_id = %s AND email_norm = %s AND person_id IS NULL "
        "ORDER BY at, id FOR UPDATE", (campaign_id, email_norm)).fetchall()


def link_response(conn, response_id, person_id, lead_id):
    conn.execute("UPDATE responses SET person_id = coalesce(person_id, %s), lead_id = coalesce(lead_id, %s) "
                 "WHERE id = %s", (person_id, lead_id, response_id))


def insert_lead_person(conn, lead):
    """A person row for a lead the people projection has not seen yet
    (``source_version`` 0: the projection's own snapshot always wins);
    returns the person, new or found."""
    conn.execute(
        "INSERT INTO people (kind, source_id, first_name, last_name, email, email_norm, company, country, "
        "lead_score, lead_status, lead_source, source_version) "
        "VALUES ('lead', %(id)s, %(first_name)s, %(last_name)s, %(email)s, %(email_norm)s, %(company)s, "
        "%(country)s, %(score)s, %(status)s, %(source)s, 0) ON CONFLICT (kind, source_id) DO NOTHING", lead)
    return person_of_source(conn, "lead", lead["id"])
