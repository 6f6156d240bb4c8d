"""SQL for opportunities and their stage history: plain functions over a
psycopg connection that is already in a transaction."""

from shared.kit.filters import Where
from shared.kit.history import History
from shared.kit.pagination import both_ways, keyset_page
from shared.kit.rows import get_row, insert_row, update_row

# The columns a new opportunity is written with.
INSERT_COLUMNS = (
    "id", "account_id", "primary_contact_id", "name", "amount", "currency", "pipeline_id", "stage", "category",
    "probability", "probability_overridden", "forecast_category", "expected_close_date", "closed_on", "source",
    "campaign_id", "lead_id", "owner", "next_step", "loss_reason", "attributes", "created_by",
)
JSON_COLUMNS = ("attributes",)
# Every change of an opportunity, by the command that makes it (see shared.kit.history);
# the inserted columns are the fields it shows.
HISTORY = History("opportunity_history", "opportunity_id", INSERT_COLUMNS)
HISTORY_FIELDS = ("from_stage", "to_stage", "probability", "amount", "currency", "changed_by", "changed_at")


def get_opportunity(conn, opportunity_id, lock=False):
    return get_row(conn, "opportunities", opportunity_id, "opportunity", lock)


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


def _filters(query):
    where = Where(query).equal("account_id", "owner", "pipeline_id").any_of("stage", "category")
    where.compare(close_from="expected_close_date >= %s", close_to="expected_close_date <= %s")
    where.search("name")
    return where.clauses, where.params


# OpportunityQuerySchema's sorts (OPPORTUNITY_SORTS), each both ways; the id breaks ties.
# sort_name (migration 0006): the name in lower case.
SORTS = {
    **both_ways("created_at", "created_at", "timestamptz"),
    **both_ways("updated_at", "updated_at", "timestamptz"),
    **both_ways("name", "sort_name", "text"),
    **both_ways("expected_close_date", "expected_close_date", "date"),
}


def list_opportunities(conn, query):
    """A page in the query's sort (default: newest first by (created_at,
    id)); the cursor is keyset-based, so pages stay stable while
    opportunities are added."""
    where, params = _filters(query)
    order = SORTS[query.get("sort") or "-created_at"]
    return keyset_page(conn, "SELECT * FROM opportunities", where, params, order, query.get("cursor"),
                       int(query.get("limit") or 50))
