"""The figures' SQL and shaping: a campaign's funnel and the dashboard."""

from decimal import Decimal

from services.campaigns.attribution.commands import money_text, roi_value
from shared.schemas.campaigns.figures import STAGES
from shared.schemas.campaigns.responses import KINDS
from shared.schemas.errors import NotFound

# A member reached a stage when its timestamp is set (a click sets opened_at too: see touches).
STAGE_COLUMNS = {"sent": "sent_at", "opened": "opened_at", "clicked": "clicked_at", "responded": "responded_at",
                 "converted": "converted_at"}


def _rate(count, targeted):
    if not targeted:
        return None
    return f"{(Decimal(count) / Decimal(targeted)).quantize(Decimal('0.0001')):f}"


def funnel(conn, campaign_id):
    if conn.execute("SELECT 1 FROM campaigns WHERE id = %s", (campaign_id,)).fetchone() is None:
        raise NotFound(f"No campaign with id {campaign_id}.")
    counts = ", ".join(f"count({column}) AS {stage}" for stage, column in STAGE_COLUMNS.items())
    row = conn.execute(f"SELECT count(*) AS targeted, {counts} FROM campaign_members WHERE campaign_id = %s",
                       (campaign_id,)).fetchone()
    responses = dict.fromkeys(KINDS, 0)
    responses.update({item["kind"]: item["n"] for item in conn.execute(
        "SELECT kind, count(*) AS n FROM responses WHERE campaign_id = %s GROUP BY kind", (campaign_id,))})
    return {"campaign_id": str(campaign_id), "responses": responses,
            "stages": [{"stage": stage, "count": row[stage], "rate": _rate(row[stage], row["targeted"])}
                       for stage in STAGES]}


def dashboard(conn, model, limit):
    rows = conn.execute(
        "SELECT c.id, c.name, c.status, c.currency, coalesce(a.amount, 0) AS revenue, "
        " coalesce((SELECT sum(amount) FROM campaign_costs k WHERE k.campaign_id = c.id), 0) AS cost, "
        " (SELECT count(*) FROM responses r WHERE r.campaign_id = c.id) AS responses "
        "FROM campaigns c JOIN (SELECT a.campaign_id, a.currency, sum(a.amount) AS amount FROM attributions a "
        " JOIN revenue_items i ON i.id = a.revenue_item_id AND i.status = 'counted' WHERE a.model = %s "
        " GROUP BY a.campaign_id, a.currency) a ON a.campaign_id = c.id AND a.currency = c.currency "
        "ORDER BY revenue DESC, c.id LIMIT %s", (model, limit)).fetchall()
    by_status = {row["status"]: row["n"] for row in conn.execute(
        "SELECT status, count(*) AS n FROM campaigns GROUP BY status")}
    recent = conn.execute("SELECT count(*) AS n FROM responses WHERE at > now() - interval '30 days'").fetchone()["n"]
    return {"model": model, "campaigns_by_status": by_status, "responses_last_30_days": recent,
            "top_campaigns": [{
                "campaign_id": str(row["id"]), "name": row["name"], "status": row["status"],
                "currency": row["currency"].strip(),
                "attributed_revenue": money_text(row["revenue"], row["currency"].strip()),
                "cost": money_text(row["cost"], row["currency"].strip()), "roi": roi_value(row["revenue"], row["cost"]),
                "responses": row["responses"]} for row in rows]}
