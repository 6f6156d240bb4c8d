"""SQL of the people projection (people, accounts and the per-record signal
rows): plain functions over a connection already in a transaction."""

from shared.kit.filters import Where
from shared.kit.pagination import both_ways, keyset_page

# A chain of merges longer than this is not followed (sales keeps merged_into
# one hop; this only bounds a damaged projection).
MAX_MERGE_HOPS = 20

ACCOUNT_COLUMNS = ("id", "name", "type", "industry", "country", "owner", "merged_into", "source_version")
PERSON_COLUMNS = ("kind", "source_id", "first_name", "last_name", "email", "email_norm", "phone", "company", "title",
                  "account_id", "country", "lead_score", "lead_status", "lead_source", "do_not_email", "active",
                  "merged_into", "source_version")
_PERSON_TYPES = ("text", "uuid", "text", "text", "text", "text", "text", "text", "text", "uuid", "char(2)", "integer",
                 "text", "text", "boolean", "boolean", "uuid", "integer")

_UPSERT_ACCOUNTS = """
INSERT INTO accounts AS a (id, name, type, industry, country, owner, merged_into, source_version)
SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::char(2)[], %s::text[], %s::uuid[],
                     %s::integer[])
ON CONFLICT (id) DO UPDATE
   SET name = EXCLUDED.name, type = EXCLUDED.type, industry = EXCLUDED.industry, country = EXCLUDED.country,
       owner = EXCLUDED.owner, merged_into = coalesce(EXCLUDED.merged_into, a.merged_into),
       source_version = EXCLUDED.source_version, updated_at = now()
 WHERE a.source_version < EXCLUDED.source_version
RETURNING id
"""

_UPSERT_PEOPLE = f"""
INSERT INTO people AS p ({", ".join(PERSON_COLUMNS)})
SELECT * FROM unnest({", ".join(f"%s::{type_}[]" for type_ in _PERSON_TYPES)})
ON CONFLICT (kind, source_id) DO UPDATE
   SET {", ".join(f"{name} = EXCLUDED.{name}" for name in PERSON_COLUMNS[2:-3])},
       merged_into = coalesce(p.merged_into, EXCLUDED.merged_into),
       active = EXCLUDED.active AND coalesce(p.merged_into, EXCLUDED.merged_into) IS NULL,
       source_version = EXCLUDED.source_version, updated_at = now()
 WHERE p.source_version < EXCLUDED.source_version
RETURNING id
"""

# The account's signals recomputed from the per-record rows; only accounts whose
# signals changed are updated (and returned).  Money is in sales' reporting
# currency (in_base_currency, migration 0008): open opportunities at today's
# rate, invoices and credit notes at the rate of their issue date; an amount
# whose currency has no rate is left out.  Each sum is rounded once, to the
# cents of the numeric(18, 2) columns.
_REFRESH_SIGNALS = """
WITH fresh AS (
    SELECT ids.id,
           (SELECT count(*) FROM signal_opportunities o
             WHERE o.account_id = ids.id AND o.is_open) AS open_opportunities,
           (SELECT round(coalesce(sum(in_base_currency(o.amount, o.currency, current_date)), 0), 2)
              FROM signal_opportunities o WHERE o.account_id = ids.id AND o.is_open) AS open_pipeline,
           (SELECT max(r.placed_at) FROM signal_orders r WHERE r.account_id = ids.id) AS last_order_at,
           (SELECT round(coalesce(sum(in_base_currency(d.net_amount, d.currency, d.issued_on)), 0), 2)
              FROM signal_documents d WHERE d.account_id = ids.id) AS lifetime_revenue,
           (SELECT count(*) FROM signal_cases c WHERE c.account_id = ids.id AND c.is_open) AS open_cases
      FROM unnest(%s::uuid[]) AS ids (id)
)
UPDATE accounts a
   SET open_opportunities = f.open_opportunities, open_pipeline = f.open_pipeline, last_order_at = f.last_order_at,
       lifetime_revenue = f.lifetime_revenue, open_cases = f.open_cases, updated_at = now()
  FROM fresh f
 WHERE a.id = f.id
   AND (a.open_opportunities, a.open_pipeline, a.last_order_at, a.lifetime_revenue, a.open_cases)
       IS DISTINCT FROM (f.open_opportunities, f.open_pipeline, f.last_order_at, f.lifetime_revenue, f.open_cases)
RETURNING a.id
"""


def _columns(rows, names):
    return [[row[name] for row in rows] for name in names]


# Accounts ----------------------------------------------------------------------------

def upsert_accounts(conn, accounts):
    """Insert or update account rows (dicts of ACCOUNT_COLUMNS), each only
    over an older version; ``merged_into`` is never cleared.  Returns the ids
    written."""
    if not accounts:
        return []
    return [str(row["id"]) for row in conn.execute(_UPSERT_ACCOUNTS, _columns(accounts, ACCOUNT_COLUMNS))]


def lock_accounts(conn, account_ids):
    """Make sure the accounts exist (a placeholder at version 0 until sales'
    record arrives) and lock them, in id order, so that two events about one
    account recompute its signals one after the other."""
    ids = sorted({str(account_id) for account_id in account_ids if account_id})
    if not ids:
        return
    conn.execute("INSERT INTO accounts (id, name) SELECT unnest(%s::uuid[]), '' ON CONFLICT (id) DO NOTHING", (ids,))
    conn.execute("SELECT id FROM accounts WHERE id = ANY(%s::uuid[]) ORDER BY id FOR UPDATE", (ids,))


def final_survivor(conn, account_id):
    """The live account ``account_id`` ends in when its ``merged_into`` chain
    is followed (itself when live or unknown)."""
    if account_id is None:
        return None
    current = str(account_id)
    for _ in range(MAX_MERGE_HOPS):
        row = conn.execute("SELECT merged_into FROM accounts WHERE id = %s", (current,)).fetchone()
        if row is None or row["merged_into"] is None or str(row["merged_into"]) == current:
            return current
        current = str(row["merged_into"])
    return current


def mark_merged(conn, merged_id, survivor_id):
    """Mark ``merged_id`` merged into ``survivor_id`` and repoint accounts
    merged into it before (the caller locked both)."""
    conn.execute("UPDATE accounts SET merged_into = %s, updated_at = now() WHERE id = %s", (survivor_id, merged_id))
    conn.execute("UPDATE accounts SET merged_into = %s, updated_at = now() WHERE merged_into = %s AND id <> %s",
                 (survivor_id, merged_id, survivor_id))


def move_account_records(conn, from_id, to_id):
    """The merged account's people and signal rows belong to the survivor;
    the later satisfaction answer of the two stays.  Returns the people moved."""
    for table in ("signal_opportunities", "signal_orders", "signal_documents", "signal_cases"):
        conn.execute(f"UPDATE {table} SET account_id = %s WHERE account_id = %s", (to_id, from_id))
    conn.execute(
        "UPDATE accounts s SET last_csat = m.last_csat, last_csat_at = m.last_csat_at, updated_at = now()"
        "  FROM accounts m WHERE s.id = %s AND m.id = %s AND m.last_csat_at IS NOT NULL"
        "   AND (s.last_csat_at IS NULL OR s.last_csat_at < m.last_csat_at)", (to_id, from_id))
    return [str(row["id"]) for row in conn.execute(
        "UPDATE people SET account_id = %s, updated_at = now() WHERE account_id = %s RETURNING id",
        (to_id, from_id))]


def refresh_signals(conn, account_ids):
    """Recompute the accounts' signals from their rows; returns the ids of
    the accounts whose signals changed."""
    ids = sorted({str(account_id) for account_id in account_ids if account_id})
    if not ids:
        return []
    return [str(row["id"]) for row in conn.execute(_REFRESH_SIGNALS, (ids,))]


def people_of_accounts(conn, account_ids):
    ids = [str(account_id) for account_id in account_ids if account_id]
    if not ids:
        return []
    return [str(row["id"]) for row in conn.execute(
        "SELECT id FROM people WHERE account_id = ANY(%s::uuid[]) ORDER BY id", (ids,))]


def find_account(conn, account_id):
    return conn.execute("SELECT * FROM accounts WHERE id = %s", (account_id,)).fetchone()


# Signal rows ---------------------------------------------------------------------------

def signal_account(conn, table, record_id):
    """The account a signal row counts for now (None when there is no row)."""
    row = conn.execute(f"SELECT account_id FROM {table} WHERE id = %s", (record_id,)).fetchone()
    return str(row["account_id"]) if row and row["account_id"] else None


def upsert_opportunity(conn, row):
    """Returns whether the row was written (not older than what is stored)."""
    return conn.execute(
        "INSERT INTO signal_opportunities AS o (id, account_id, is_open, amount, currency, source_version)"
        " VALUES (%(id)s, %(account_id)s, %(is_open)s, %(amount)s, %(currency)s, %(source_version)s)"
        " ON CONFLICT (id) DO UPDATE SET account_id = EXCLUDED.account_id, is_open = EXCLUDED.is_open,"
        "  amount = EXCLUDED.amount, currency = EXCLUDED.currency, source_version = EXCLUDED.source_version,"
        "  updated_at = now()"
        " WHERE o.source_version < EXCLUDED.source_version RETURNING id", row).fetchone() is not None


def upsert_case(conn, row):
    return conn.execute(
        "INSERT INTO signal_cases AS c (id, account_id, is_open, source_version)"
        " VALUES (%(id)s, %(account_id)s, %(is_open)s, %(source_version)s)"
        " ON CONFLICT (id) DO UPDATE SET account_id = EXCLUDED.account_id, is_open = EXCLUDED.is_open,"
        "  source_version = EXCLUDED.source_version, updated_at = now()"
        " WHERE c.source_version < EXCLUDED.source_version RETURNING id", row).fetchone() is not None


def insert_order(conn, row):
    """An order is placed once: a second ``order.placed`` changes nothing."""
    return conn.execute(
        "INSERT INTO signal_orders (id, account_id, placed_at) VALUES (%(id)s, %(account_id)s, %(placed_at)s)"
        " ON CONFLICT (id) DO NOTHING RETURNING id", row).fetchone() is not None


def insert_document(conn, row):
    """An issued invoice or credit note never changes: written once."""
    return conn.execute(
        "INSERT INTO signal_documents (id, kind, account_id, net_amount, currency, issued_on)"
        " VALUES (%(id)s, %(kind)s, %(account_id)s, %(net_amount)s, %(currency)s, %(issued_on)s)"
        " ON CONFLICT (id) DO NOTHING RETURNING id", row).fetchone() is not None


def record_csat(conn, account_id, csat, answered_at):
    """The account's last satisfaction score, unless a later answer is already there."""
    return conn.execute(
        "UPDATE accounts SET last_csat = %s, last_csat_at = %s, updated_at = now()"
        " WHERE id = %s AND (last_csat_at IS NULL OR last_csat_at < %s) RETURNING id",
        (csat, answered_at, account_id, answered_at)).fetchone() is not None


# Exchange rates ------------------------------------------------------------------------

def rates_source(conn, lock=False):
    """The one row of ``exchange_rates_source`` (locked: one refresh at a time)."""
    return conn.execute("SELECT * FROM exchange_rates_source" + (" FOR UPDATE" if lock else "")).fetchone()


def stored_rates(conn):
    """The stored rates as a set of ``(currency, valid_from, rate)``."""
    return {(row["currency"].strip(), row["valid_from"], row["rate"])
            for row in conn.execute("SELECT currency, valid_from, rate FROM exchange_rates")}


def replace_rates(conn, base_currency, items):
    """Replace the stored rates by ``items`` (``(currency, valid_from, rate)``)
    of the base currency ``base_currency``."""
    conn.execute("DELETE FROM exchange_rates")
    if items:
        conn.execute("INSERT INTO exchange_rates (currency, valid_from, rate)"
                     " SELECT * FROM unnest(%s::char(3)[], %s::date[], %s::numeric[])",
                     [list(column) for column in zip(*items, strict=True)])
    conn.execute("UPDATE exchange_rates_source SET base_currency = %s, changed_at = now()", (base_currency,))


def mark_rates_refreshed(conn):
    conn.execute("UPDATE exchange_rates_source SET refreshed_at = now()")


def new_rates_day(conn):
    """``(the day today's rate was last taken, today)`` when today is a later
    day (None otherwise), recording today."""
    row = conn.execute(
        "UPDATE exchange_rates_source s SET rates_day = current_date FROM exchange_rates_source old"
        " WHERE old.id = s.id AND s.rates_day IS DISTINCT FROM current_date"
        " RETURNING old.rates_day AS before, s.rates_day AS today").fetchone()
    return (row["before"], row["today"]) if row and row["before"] is not None and row["before"] < row["today"] \
        else None


def currencies_repriced(conn, before, today):
    """The currencies whose rate in force on ``today`` differs from the one on ``before``."""
    return [row["currency"].strip() for row in conn.execute(
        "SELECT DISTINCT currency FROM exchange_rates"
        " WHERE in_base_currency(1, currency, %s) IS DISTINCT FROM in_base_currency(1, currency, %s)"
        " ORDER BY currency", (before, today))]


def queue_recompute(conn, currencies=None, today_only=False):
    """Queue for a recomputation the accounts with money signals: invoices,
    credit notes or open opportunities (in ``currencies``; any when None).
    ``today_only``: only amounts converted at today's rate (open
    opportunities, documents without an issue date)."""
    in_currency = "" if currencies is None else " AND currency = ANY(%(currencies)s::char(3)[])"
    undated = " AND issued_on IS NULL" if today_only else ""
    conn.execute(
        "INSERT INTO rates_recompute (account_id)"
        f" SELECT account_id FROM signal_documents WHERE true{in_currency}{undated}"
        f" UNION SELECT account_id FROM signal_opportunities WHERE is_open{in_currency}"
        " ON CONFLICT (account_id) DO NOTHING", {"currencies": list(currencies or ())})


def take_recompute(conn, limit):
    """Take (remove) the first ``limit`` queued accounts, in id order."""
    return sorted(str(row["account_id"]) for row in conn.execute(
        "DELETE FROM rates_recompute WHERE account_id IN"
        " (SELECT account_id FROM rates_recompute ORDER BY account_id LIMIT %s) RETURNING account_id", (limit,)))


# People --------------------------------------------------------------------------------

def upsert_people(conn, people):
    """Insert or update people (dicts of PERSON_COLUMNS), each only over an
    older version of its source record; returns the ids written."""
    if not people:
        return []
    return [str(row["id"]) for row in conn.execute(_UPSERT_PEOPLE, _columns(people, PERSON_COLUMNS))]


def mark_lead_merged(conn, lead_id, survivor_id):
    """The lead ``lead_id`` was merged into ``survivor_id``: inactive for good
    (a placeholder at version 0 when campaigns has not seen it yet).  Returns
    the person's id."""
    return str(conn.execute(
        "INSERT INTO people AS p (kind, source_id, merged_into, active, source_version)"
        " VALUES ('lead', %s, %s, false, 0)"
        " ON CONFLICT (kind, source_id) DO UPDATE SET merged_into = coalesce(p.merged_into, EXCLUDED.merged_into),"
        "  active = false, updated_at = now() RETURNING id", (lead_id, survivor_id)).fetchone()["id"])


PERSON_SELECT = ("SELECT p.*, coalesce(p.company, nullif(a.name, '')) AS company_shown,"
                 " coalesce(p.country, a.country) AS country_shown"
                 " FROM people p LEFT JOIN accounts a ON a.id = p.account_id")

SORTS = both_ways("created_at", "created_at", "timestamptz")


def list_people(conn, query):
    """``(rows, next_cursor)`` of the people under ``query`` (PeopleQuerySchema)."""
    where = Where(query)
    where.compare(kind="kind = %s", account_id="account_id = %s", country="country_shown = %s",
                  lead_status="lead_status = %s")
    if where.given("q"):
        where.search("concat_ws(' ', first_name, last_name, email)", every_word=True)
    if not query.get("include_inactive"):
        where.add("active")
    return keyset_page(conn, f"SELECT * FROM ({PERSON_SELECT}) AS people", where.clauses, where.params,
                       SORTS[query.get("sort") or "-created_at"], query.get("cursor"), int(query.get("limit") or 50))


def find_person(conn, person_id):
    return conn.execute(f"{PERSON_SELECT} WHERE p.id = %s", (person_id,)).fetchone()


def person_by_source(conn, kind, source_id):
    return conn.execute(f"{PERSON_SELECT} WHERE p.kind = %s AND p.source_id = %s", (kind, source_id)).fetchone()
