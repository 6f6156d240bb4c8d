"""SQL for opportunities and their stage history: plain functions over a
psycopg connection that is already in a transaction."""

from shared.kit.pagination import KeysetOrder, keyset_page
from shared.kit.rows import insert_row, update_row
from shared.schemas.errors import NotFound

# The columns a new opportunity is written with.
INSERT_COLUMNS = (
    "id", "account_id", "primary_contact_id", "name", "amount", "currency", "pipeline_id", "stage", "category",
    "probability", "probability_overridden", "forecast_category", "expected_close_date", "closed_on", "source",
    "campaign_id", "lead_id", "owner", "next_step", "loss_reason", "attributes", "created_by",
)
JSON_COLUMNS = ("attributes",)
HISTORY_FIELDS = ("from_stage", "to_stage", "probability", "amount", "currency", "changed_by", "changed_at")


def get_opportunity(conn, opportunity_id, lock=False):
    row = conn.execute("SELECT * FROM opportunities WHERE id = %s" + (" FOR UPDATE" if lock else ""),
                       (opportunity_id,)).fetchone()
    if row is None:
        raise NotFound(f"No opportunity with id {opportunity_id}.")
    return row


def insert_opportunity(conn, values):
    """Insert a new opportunity (``values``: column -> value); returns the row."""
    return insert_row(conn, "opportunities", {column: values.get(column) for column in INSERT_COLUMNS}, JSON_COLUMNS)


def update_opportunity(conn, opportunity_id, values):
    """Write ``values`` (column -> value), bump the version; returns the row."""
    return update_row(conn, "opportunities", opportunity_id, values, JSON_COLUMNS)


def add_stage_history(conn, row, from_stage, actor):
    """Record that ``row`` (as it is now) entered its stage."""
    conn.execute(
        "INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, probability, amount, currency,"
        " changed_by) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (row["id"], from_stage, row["stage"], row["probability"], row["amount"], row["currency"], actor),
    )


def stage_history(conn, opportunity_id):
    """The stages an opportunity entered, oldest first."""
    get_opportunity(conn, opportunity_id)
    return conn.execute(
        f"SELECT {', '.join(HISTORY_FIELDS)} FROM opportunity_stage_history WHERE opportunity_id = %s ORDER BY id",
        (opportunity_id,),
    ).fetchall()


def _escaped(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filters(query):
    where, params = [], []
    for key in ("account_id", "owner", "pipeline_id"):
        if query.get(key) is not None:
            where.append(f"{key} = %s")
            params.append(query[key])
    for key in ("stage", "category"):
        if query.get(key):
            where.append(f"{key} = ANY(%s)")
            params.append(list(query[key]))
    if query.get("close_from") is not None:
        where.append("expected_close_date >= %s")
        params.append(query["close_from"])
    if query.get("close_to") is not None:
        where.append("expected_close_date <= %s")
        params.append(query["close_to"])
    if query.get("q"):
        where.append("name ILIKE %s")
        params.append(f"%{_escaped(query['q'])}%")
    return where, params


NEWEST_FIRST = KeysetOrder(("created_at", "timestamptz"), ("id", "uuid"), descending=True)


def list_opportunities(conn, query):
    """A page, newest first by (created_at, id); the cursor is keyset-based,
    so pages stay stable while opportunities are added."""
    where, params = _filters(query)
    return keyset_page(conn, "SELECT * FROM opportunities", where, params, NEWEST_FIRST, query.get("cursor"),
                       int(query.get("limit") or 50))
