"""The support figures: one call, every figure of the dashboards, each
computed by PostgreSQL (see queries.py); this module only names the
period and puts the rows together."""

from services.support.figures import queries
from shared.kit.rows import plain
from shared.schemas.support.figures import AGE_BUCKETS, OPEN_STATUSES, SLA_METRICS, period_of


def _ratio(part, whole, digits=4):
    return round(part / whole, digits) if whole else None


def _seconds(value):
    return None if value is None else round(float(value), 1)


def _params(conn, query):
    tz = query.get("time_zone") or "UTC"
    today = conn.execute(queries.TODAY, {"tz": tz}).fetchone()["today"]
    start_day, end_day = period_of(query, today)
    params = {"tz": tz, "from": start_day, "to": end_day, "team_id": plain(query.get("team_id")),
              "owner_id": plain(query.get("owner_id"))}
    params.update(conn.execute(queries.PERIOD, params).fetchone())
    return params


def _sla(conn, params):
    rows = {row["metric"]: row for row in conn.execute(queries.sla_compliance(params), params)}
    result = []
    for metric in SLA_METRICS:
        row = rows.get(metric, {"ended": 0, "met": 0})
        result.append({"metric": metric, "ended": row["ended"], "met": row["met"],
                       "compliance": _ratio(row["met"], row["ended"])})
    return result


def _times(conn, params):
    rows = {row["metric"]: row for row in conn.execute(queries.durations(params), params)}
    result = []
    for metric in SLA_METRICS:
        row = rows.get(metric, {})
        result.append({"metric": metric, "count": row.get("count", 0),
                       "median_seconds": _seconds(row.get("median_seconds")),
                       "p90_seconds": _seconds(row.get("p90_seconds"))})
    return result


def _backlog(conn, params):
    by_status = dict.fromkeys(OPEN_STATUSES, 0)
    by_age = dict.fromkeys(AGE_BUCKETS, 0)
    for row in conn.execute(queries.backlog(params), params):
        if row["by_bucket"]:
            by_age[row["bucket"]] = row["count"]
        else:
            by_status[row["status"]] = row["count"]
    return {"total": sum(by_status.values()), "by_status": by_status, "by_age": by_age}


def _groups(conn, params, kind):
    result = []
    for row in conn.execute(queries.groups(params, kind), params):
        result.append({
            "owner_id": plain(row["key"]) if kind == "agents" else None,
            "team_id": plain(row["key"]) if kind == "teams" else None,
            "team_name": row["team_name"],
            "open": row["open"], "opened": row["opened"], "resolved": row["resolved"],
            "first_response_median_seconds": _seconds(row["first_response_median_seconds"]),
            "resolution_median_seconds": _seconds(row["resolution_median_seconds"]),
            "csat_average": None if row["csat_average"] is None else round(row["csat_average"], 2),
            "csat_count": row["csat_count"],
        })
    return result


def _satisfaction(conn, params):
    row = conn.execute(queries.satisfaction(params), params).fetchone()
    csat = {"count": row["count"],
            "average": None if row["average"] is None else round(row["average"], 2),
            "distribution": {str(score): row[f"c{score}"] for score in range(1, 6)},
            "sent": row["sent"], "response_rate": _ratio(row["sent_answered"], row["sent"])}
    nps_count = row["nps_count"]
    score = (round(100 * (row["promoters"] - row["detractors"]) / nps_count, 1) if nps_count else None)
    nps = {"count": nps_count, "promoters": row["promoters"], "passives": row["passives"],
           "detractors": row["detractors"], "score": score}
    return csat, nps


def _breaches_today(conn, params):
    return [{key: plain(value) for key, value in row.items()}
            for row in conn.execute(queries.breaches_today(params), params)]


def _deflection(conn, params):
    row = conn.execute(queries.DEFLECTION, params).fetchone()
    helpful = row["helpful_votes"]
    return {"public_article_views": int(row["public_article_views"]), "helpful_votes": helpful,
            "not_helpful_votes": row["not_helpful_votes"], "cases_opened": row["cases_opened"],
            "deflection_rate": _ratio(helpful, helpful + row["cases_opened"])}


def support_figures(conn, query):
    """Every figure for the query's period and team / agent (FiguresQuerySchema, loaded)."""
    params = _params(conn, query)
    counts = conn.execute(queries.counts(params), params).fetchone()
    csat, nps = _satisfaction(conn, params)
    return {
        "period": {"from": params["from"].isoformat(), "to": params["to"].isoformat(), "time_zone": params["tz"],
                   "team_id": params["team_id"], "owner_id": params["owner_id"]},
        "generated_at": plain(params["now"]),
        "opened": counts["opened"], "resolved": counts["resolved"],
        "sla": _sla(conn, params),
        "times": _times(conn, params),
        "backlog": _backlog(conn, params),
        "agents": _groups(conn, params, "agents"),
        "teams": _groups(conn, params, "teams"),
        "csat": csat, "nps": nps,
        "breaches_today": _breaches_today(conn, params),
        "deflection": _deflection(conn, params),
    }
