"""Attribution in the real service: orders' and sales' events (published on
their exchanges as the relays do) credit the campaigns that touched an
account's people, exactly once however often delivered; ROI per model; the
funnel and the dashboard."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from kombu import Connection, Exchange, Producer

from services.campaigns.responses.touches import touch
from shared.kit.outbox import envelope
from shared.schemas.errors import NotFound, ValidationFailed
from tests.campaigns.conftest import unique, wait_for

NOW = datetime.now(UTC)


def publish(amqp_uri, exchange, *bodies):
    with Connection(amqp_uri) as connection:
        producer = Producer(connection.channel(), exchange=Exchange(exchange, type="topic", durable=True))
        for body in bodies:
            producer.publish(json.dumps(body), routing_key=body["type"], delivery_mode=2,
                             content_type="application/json", content_encoding="utf-8", message_id=body["id"])


def handled(db, consumer, *bodies):
    wait_for(lambda: db.scalar("SELECT count(*) FROM inbox WHERE consumer = %s AND event_id = ANY(%s)",
                               (f"campaigns.{consumer}", [body["id"] for body in bodies])) == len(bodies),
             timeout=20, message=f"{consumer} did not handle the events")


def account(db):
    account_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO accounts (id, name, source_version) VALUES (%s, %s, 1)", (account_id, unique()))
    return account_id


def campaign(db, currency="EUR"):
    return str(db.scalar("INSERT INTO campaigns (name, type, currency) VALUES (%s, 'email', %s) RETURNING id",
                         (f"Spring {unique()}", currency)))


def person(db, account_id):
    email = f"{unique()}@example.org"
    return str(db.scalar("INSERT INTO people (kind, source_id, email, email_norm, account_id, source_version)"
                         " VALUES ('contact', %s, %s, %s, %s, 1) RETURNING id",
                         (str(uuid.uuid4()), email, email, account_id)))


def touched(db, campaign_id, person_id, kind, days_ago):
    with db.conn.transaction():
        assert touch(db.conn, campaign_id, person_id, kind, NOW - timedelta(days=days_ago))


def order(account_id, net="1000.00", currency="EUR", order_id=None, placed_at=None):
    return {"id": order_id or str(uuid.uuid4()), "number": f"SO-{unique()}", "account_id": account_id,
            "status": "submitted", "currency": currency, "placed_at": (placed_at or NOW).isoformat(),
            "totals": {"net_total": net, "tax_total": "0.00", "gross_total": net, "discount_total": "0.00",
                       "tax_lines": []}, "version": 2}


def invoice(order_body, net="400.00"):
    return {"id": str(uuid.uuid4()), "order_id": order_body["id"], "account_id": order_body["account_id"],
            "status": "paid", "currency": order_body["currency"],
            "totals": {"net_total": net, "tax_total": "0.00", "gross_total": net, "discount_total": "0.00",
                       "tax_lines": []}}


def credits(db, order_id):
    rows = db.all("SELECT a.campaign_id, a.model, a.amount FROM attributions a JOIN revenue_items r"
                  " ON r.id = a.revenue_item_id WHERE r.order_id = %s AND r.status = 'counted'", (order_id,))
    found = {}
    for row in rows:
        found.setdefault(row["model"], {})[str(row["campaign_id"])] = row["amount"]
    return found


@pytest.fixture
def two_campaigns(db):
    """An account whose person campaign a touched 20 and 10 days ago, campaign b 2 days ago, and an old touch
    of campaign c (outside the 90-day window)."""
    account_id = account(db)
    someone = person(db, account_id)
    a, b, c = campaign(db), campaign(db), campaign(db)
    touched(db, a, someone, "sent", 20)
    touched(db, a, someone, "clicked", 10)
    touched(db, b, someone, "responded", 2)
    touched(db, c, someone, "sent", 120)
    touched(db, c, someone, "converted", 1)  # an outcome, never a touch
    return account_id, a, b, c


def test_an_order_is_credited_once_per_model_however_often_delivered(service, db, amqp_uri, two_campaigns,
                                                                     campaigns):
    account_id, a, b, c = two_campaigns
    placed = order(account_id, "1000.00")
    first = envelope("order.placed", {"order": placed})
    replay = envelope("order.placed", {"order": placed})  # the same order under another event id

    publish(amqp_uri, "orders.events", first, first, replay)
    handled(db, "on_revenue_order_placed", first, replay)

    assert db.scalar("SELECT count(*) FROM revenue_items WHERE order_id = %s", (placed["id"],)) == 1
    found = credits(db, placed["id"])
    assert found["first_touch"] == {a: Decimal("1000.0000")}
    assert found["last_touch"] == {b: Decimal("1000.0000")}
    assert found["linear"] == {a: Decimal("666.6700"), b: Decimal("333.3300")}
    assert found["u_shaped"] == {a: Decimal("600.0000"), b: Decimal("400.0000")}
    # 2 ** (-age / 7): a's touches 20 and 10 days old weigh .138 + .371, b's 2 days old .820.
    assert found["time_decay"] == {a: Decimal("383.1300"), b: Decimal("616.8700")}
    assert c not in {key for shares in found.values() for key in shares}

    db.conn.execute("INSERT INTO campaign_costs (campaign_id, incurred_on, amount, category) VALUES"
                    " (%s, current_date, 500, 'media')", (a,))
    roi = {item["model"]: item for item in campaigns.campaign_roi(a)["models"]}
    assert roi["linear"] == {"model": "linear", "attributed_revenue": "666.67", "revenue_items": 1,
                             "roi": "0.3333"}
    assert roi["last_touch"]["roi"] == "-1.0000"
    assert campaigns.campaign_roi(b)["models"][0]["roi"] is None  # no cost
    top = campaigns.campaign_figures({"model": "first_touch", "limit": 100})["top_campaigns"]
    assert any(item["campaign_id"] == a and item["attributed_revenue"] == "1000.00" for item in top)


def test_a_paid_invoice_counts_only_for_an_order_never_seen_placed(service, db, amqp_uri, two_campaigns):
    account_id, a, b, _ = two_campaigns
    counted = order(account_id, "300.00")
    unseen = order(account_id, "900.00")
    events = [envelope("order.placed", {"order": counted}),
              envelope("invoice.paid", {"invoice": invoice(counted, "300.00")}),
              envelope("invoice.paid", {"invoice": invoice(unseen, "400.00")})]
    publish(amqp_uri, "orders.events", events[0])
    handled(db, "on_revenue_order_placed", events[0])
    publish(amqp_uri, "orders.events", *events[1:])
    handled(db, "on_revenue_invoice_paid", *events[1:])

    assert db.scalar("SELECT count(*) FROM revenue_items WHERE order_id = %s", (counted["id"],)) == 1
    assert sum(credits(db, unseen["id"])["linear"].values()) == Decimal("400.00")

    late = envelope("order.placed", {"order": unseen})  # its order.placed after all: the order replaces it
    publish(amqp_uri, "orders.events", late)
    handled(db, "on_revenue_order_placed", late)
    assert sum(credits(db, unseen["id"])["linear"].values()) == Decimal("900.00")
    assert db.scalar("SELECT status FROM revenue_items WHERE order_id = %s AND basis = 'invoice'",
                     (unseen["id"],)) == "superseded"

    cancelled = envelope("order.cancelled", {"order": unseen, "reason": "changed mind"})
    publish(amqp_uri, "orders.events", cancelled)
    handled(db, "on_revenue_order_cancelled", cancelled)
    assert credits(db, unseen["id"]) == {}


def test_an_unreadable_order_is_acknowledged_without_effect(service, db, amqp_uri, two_campaigns):
    account_id = two_campaigns[0]
    bad = order(account_id, "not money")
    body = envelope("order.placed", {"order": bad})
    good = envelope("order.placed", {"order": order(account_id, "10.00")})

    publish(amqp_uri, "orders.events", body, good)
    handled(db, "on_revenue_order_placed", good)

    assert db.scalar("SELECT count(*) FROM revenue_items WHERE order_id = %s", (bad["id"],)) == 0


def test_opportunities_are_influenced_pipeline_and_convert_the_people_touched(service, db, amqp_uri,
                                                                              two_campaigns, campaigns):
    account_id, a, b, c = two_campaigns
    opportunity = {"id": str(uuid.uuid4()), "account_id": account_id, "amount": "5000.00", "currency": "EUR",
                   "name": "Big deal", "stage": "prospecting", "category": "open"}
    created = envelope("opportunity.created", {"opportunity": opportunity})
    won = envelope("opportunity.won", {"opportunity": {**opportunity, "category": "won"}})

    publish(amqp_uri, "sales.events", created, created, won)
    handled(db, "on_pipeline_opportunity_created", created)
    handled(db, "on_pipeline_opportunity_won", won)

    roi = campaigns.campaign_roi(a)
    assert roi["influenced_pipeline"] == {"created": {"opportunities": 1, "amount": "5000.00"},
                                          "won": {"opportunities": 1, "amount": "5000.00"}}
    assert campaigns.campaign_roi(c)["influenced_pipeline"]["created"]["opportunities"] == 0
    funnel = {stage["stage"]: stage["count"] for stage in campaigns.campaign_funnel(b)["stages"]}
    assert funnel["converted"] == 1 and funnel["responded"] == 1


def test_roi_and_figures_refuse_bad_input(campaigns):
    with pytest.raises(NotFound):
        campaigns.campaign_roi(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        campaigns.campaign_roi("1; DROP TABLE campaigns")
    for query in ({"model": "w_shaped"}, {"limit": 0}, {"limit": "many"}, {"surprise": True}):
        with pytest.raises(ValidationFailed):
            campaigns.campaign_figures(query)
