"""Status counts of the orders service's lists (quotes, orders, invoices):
one GROUP BY status under the list's own WHERE clauses, so the numbers
beside a list's status links always agree with what the list shows."""


def status_counts(conn, table, where, params, statuses, extra=None):
    """``{"by_status": {status: n, ...}, "total": n, **extra counts}`` of the
    rows of ``table`` matching ``where`` (clauses) and ``params``.

    Every status of ``statuses`` is present (0 when none).  ``extra``
    (``{name: (condition, params)}``) counts, in the same scan, the matching
    rows that also meet ``condition``."""
    extra = extra or {}
    columns = "".join(f", count(*) FILTER (WHERE {condition}) AS {name}" for name, (condition, _) in extra.items())
    sql = f"SELECT status, count(*) AS n{columns} FROM {table}"
    sql += (" WHERE " + " AND ".join(where) if where else "") + " GROUP BY status"
    select_params = [param for _, condition_params in extra.values() for param in condition_params]
    by_status = dict.fromkeys(statuses, 0)
    totals = dict.fromkeys(extra, 0)
    total = 0
    for row in conn.execute(sql, [*select_params, *params]):
        by_status[row["status"]] = row["n"]
        total += row["n"]
        for name in extra:
            totals[name] += row[name]
    return {"by_status": by_status, "total": total, **totals}
