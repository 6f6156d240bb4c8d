"""SQL of attribution: plain functions over a connection already in a transaction."""

from services.campaigns.responses.touches import OUTCOMES

# The people of an account: its own, and those of accounts merged into it.
_ACCOUNT_PEOPLE = ("(p.account_id = %(account)s OR p.account_id IN "
                   "(SELECT id FROM accounts WHERE merged_into = %(account)s))")


def revenue_item(conn, basis, source_id):
    return conn.execute("SELECT * FROM revenue_items WHERE basis = %s AND source_id = %s",
                        (basis, source_id)).fetchone()


def order_items(conn, order_id, lock=False):
    """The revenue items of an order (its own, and its invoices'), locked with ``lock``."""
    return conn.execute(f"SELECT * FROM revenue_items WHERE order_id = %s ORDER BY created_at, id"
                        f"{' FOR UPDATE' if lock else ''}", (order_id,)).fetchall()


def lock_order(conn, order_id):
    """Serialise the handlers of one order's events (order.placed, invoice.paid, order.cancelled run on
    separate queues): a transaction-scoped advisory lock on the order's id."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"campaigns.revenue:{order_id}",))


def insert_revenue_item(conn, values):
    """The new item, or None when one of this basis and source exists."""
    columns = ", ".join(values)
    placeholders = ", ".join(["%s"] * len(values))
    return conn.execute(f"INSERT INTO revenue_items ({columns}) VALUES ({placeholders}) "
                        "ON CONFLICT (basis, source_id) DO NOTHING RETURNING *", list(values.values())).fetchone()


def set_item_status(conn, item_id, status):
    conn.execute("DELETE FROM attributions WHERE revenue_item_id = %s", (item_id,))
    conn.execute("UPDATE revenue_items SET status = %s WHERE id = %s", (status, item_id))


def set_item_touches(conn, item_id, count):
    conn.execute("UPDATE revenue_items SET touches = %s WHERE id = %s", (count, item_id))


def touches_before(conn, account_id, at, window_days):
    """The touches of the account's people within ``window_days`` before ``at``
    (outcomes left out): ``[{campaign_id, person_id, kind, at}]``."""
    return conn.execute(
        "SELECT t.campaign_id, t.person_id, t.kind, t.at FROM touches t JOIN people p ON p.id = t.person_id "
        f"WHERE {_ACCOUNT_PEOPLE} AND t.kind <> ALL(%(outcomes)s) "
        "AND t.at <= %(at)s AND t.at > %(at)s - make_interval(days => %(days)s) "
        "ORDER BY t.at, t.campaign_id, t.person_id, t.kind",
        {"account": account_id, "at": at, "days": window_days, "outcomes": list(OUTCOMES)}).fetchall()


def insert_attributions(conn, rows):
    """``rows``: (revenue item id, campaign id, model, amount, currency)."""
    if rows:
        with conn.cursor().copy("COPY attributions (revenue_item_id, campaign_id, model, amount, currency) "
                                "FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def insert_influenced(conn, opportunity_id, campaign_ids, stage, account_id, amount, currency, at):
    """Returns the campaigns newly credited with the opportunity at this stage."""
    rows = conn.execute(
        "INSERT INTO influenced (opportunity_id, campaign_id, stage, account_id, amount, currency, at) "
        "SELECT %s, c, %s, %s, %s, %s, %s FROM unnest(%s::uuid[]) AS c "
        "ON CONFLICT (opportunity_id, campaign_id, stage) DO NOTHING RETURNING campaign_id",
        (opportunity_id, stage, account_id, amount, currency, at, [str(item) for item in campaign_ids])).fetchall()
    return [row["campaign_id"] for row in rows]


# ROI ------------------------------------------------------------------------------------------

def campaign(conn, campaign_id):
    return conn.execute("SELECT id, name, status, currency FROM campaigns WHERE id = %s", (campaign_id,)).fetchone()


def cost(conn, campaign_id):
    return conn.execute("SELECT coalesce(sum(amount), 0) AS cost FROM campaign_costs WHERE campaign_id = %s",
                        (campaign_id,)).fetchone()["cost"]


def attributed(conn, campaign_id):
    """``[{model, currency, amount, items}]`` of the campaign's counted revenue."""
    return conn.execute(
        "SELECT a.model, a.currency, sum(a.amount) AS amount, count(*) AS items FROM attributions a "
        "JOIN revenue_items r ON r.id = a.revenue_item_id WHERE a.campaign_id = %s AND r.status = 'counted' "
        "GROUP BY a.model, a.currency ORDER BY a.model, a.currency", (campaign_id,)).fetchall()


def influenced(conn, campaign_id, currency):
    """``{stage: (opportunities, amount in the currency)}``."""
    rows = conn.execute(
        "SELECT stage, count(*) AS n, coalesce(sum(amount) FILTER (WHERE currency = %s), 0) AS amount "
        "FROM influenced WHERE campaign_id = %s GROUP BY stage", (currency, campaign_id)).fetchall()
    return {row["stage"]: (row["n"], row["amount"]) for row in rows}
