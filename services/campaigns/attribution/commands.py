"""Attribution: revenue and pipeline credited to the campaigns that touched
an account's people; each operation takes a connection inside the caller's
transaction (an event handler's, with its inbox row).

Revenue, one basis per order so nothing counts twice:

- ``order.placed`` counts the order's net total (before tax: revenue, not
  what the tax office gets) at the time it was placed;
- ``invoice.paid`` counts the invoice's net total only when campaigns never
  saw its order placed (an order older than the service's first start);
  when the order's ``order.placed`` comes later after all (events of
  separate queues arrive in any order), the order replaces its invoices;
- ``order.cancelled`` withdraws the order's revenue (an order cancelled
  before its ``order.placed`` arrived is remembered, so it never counts).

The order's id serialises these (an advisory lock), and a revenue item is
unique per (basis, source id): a redelivered or replayed event credits
nothing twice.  Each item's amount is shared out per model among the touches
of the account's people (its own and those of accounts merged into it) in
the ATTRIBUTION_WINDOW_DAYS before it (``models``).

Pipeline: an opportunity created (or won) for an account whose people a
campaign touched in the window before is influenced pipeline of that
campaign, at its full amount (influence is not shared out).  Its creation
also marks those people converted in the campaign (see the responses area).
"""

import datetime
import logging
import uuid
from decimal import Decimal, InvalidOperation

from services.campaigns.attribution import models, store
from services.campaigns.responses.touches import touch
from shared.schemas.errors import NotFound

log = logging.getLogger(__name__)


def window_days(config):
    return int(config.get("ATTRIBUTION_WINDOW_DAYS") or 90)


def half_life_days(config):
    return float(config.get("ATTRIBUTION_HALF_LIFE_DAYS") or 7)


# Reading what other services' events carry ------------------------------------------------------

def _id(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def _time(value):
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _amount(value):
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and abs(amount) < Decimal("1e15") else None


def _currency(value):
    return value.upper() if isinstance(value, str) and len(value) == 3 and value.isalpha() else None


def document_values(document, at_field, fallback_at):
    """``{id, order_id, account_id, amount, currency, at}`` of an order
    (OrderSchema) or invoice (InvoiceSchema) snapshot, or None when it lacks one of them."""
    if not isinstance(document, dict):
        return None
    totals = document.get("totals") if isinstance(document.get("totals"), dict) else {}
    values = {"id": _id(document.get("id")), "order_id": _id(document.get("order_id") or document.get("id")),
              "account_id": _id(document.get("account_id")), "amount": _amount(totals.get("net_total")),
              "currency": _currency(document.get("currency")),
              "at": _time(document.get(at_field)) or _time(fallback_at)}
    return None if any(value is None for value in values.values()) else values


def opportunity_values(opportunity, fallback_at):
    if not isinstance(opportunity, dict):
        return None
    values = {"id": _id(opportunity.get("id")), "account_id": _id(opportunity.get("account_id")),
              "amount": _amount(opportunity.get("amount")), "currency": _currency(opportunity.get("currency")),
              "at": _time(fallback_at)}
    return None if any(value is None for value in values.values()) else values


# Revenue ----------------------------------------------------------------------------------------

def attribute(conn, item, config):
    """Share the item's amount out among the touches before it, per model;
    returns ``{model: {campaign_id: Decimal}}``."""
    rows = store.touches_before(conn, item["account_id"], item["at"], window_days(config))
    touches = [models.Touch(str(row["campaign_id"]), row["at"]) for row in rows]
    credits = models.credit_all(touches, item["amount"], item["currency"], item["at"], half_life_days(config))
    store.insert_attributions(conn, [(str(item["id"]), campaign_id, model, amount, item["currency"])
                                     for model, shares in credits.items()
                                     for campaign_id, amount in shares.items() if amount != 0])
    store.set_item_touches(conn, item["id"], len(touches))
    return credits


def order_placed(conn, order, config):
    """Count an order's revenue; returns the new revenue item, or None when
    the order was counted (or cancelled) before."""
    store.lock_order(conn, order["order_id"])
    item = store.insert_revenue_item(conn, {
        "basis": "order", "source_id": order["id"], "order_id": order["order_id"],
        "account_id": order["account_id"], "amount": order["amount"], "currency": order["currency"],
        "at": order["at"]})
    if item is None:
        return None
    for other in store.order_items(conn, order["order_id"], lock=True):
        if other["basis"] == "invoice" and other["status"] == "counted":
            store.set_item_status(conn, other["id"], "superseded")
    attribute(conn, item, config)
    return item


def invoice_paid(conn, invoice, config):
    """Count a paid invoice's revenue when its order never counted; returns
    the new revenue item or None."""
    store.lock_order(conn, invoice["order_id"])
    if any(other["basis"] == "order" for other in store.order_items(conn, invoice["order_id"])):
        return None  # the order is the basis (counted, or cancelled)
    item = store.insert_revenue_item(conn, {
        "basis": "invoice", "source_id": invoice["id"], "order_id": invoice["order_id"],
        "account_id": invoice["account_id"], "amount": invoice["amount"], "currency": invoice["currency"],
        "at": invoice["at"]})
    if item is not None:
        attribute(conn, item, config)
    return item


def order_cancelled(conn, order):
    """Withdraw an order's revenue (and its invoices'); an order not seen
    placed yet is remembered as cancelled, so its ``order.placed`` counts nothing."""
    store.lock_order(conn, order["order_id"])
    store.insert_revenue_item(conn, {
        "basis": "order", "source_id": order["id"], "order_id": order["order_id"],
        "account_id": order["account_id"], "amount": order["amount"], "currency": order["currency"],
        "at": order["at"]})
    for item in store.order_items(conn, order["order_id"], lock=True):
        if item["status"] != "cancelled":
            store.set_item_status(conn, item["id"], "cancelled")


# Pipeline ---------------------------------------------------------------------------------------

def opportunity(conn, opportunity, stage, config):
    """Credit the campaigns that touched the account's people in the window
    before as having influenced the opportunity (``created`` or ``won``);
    on creation the people they touched are converted.  Returns the ids of
    the campaigns newly credited."""
    rows = store.touches_before(conn, opportunity["account_id"], opportunity["at"], window_days(config))
    campaigns = list(dict.fromkeys(str(row["campaign_id"]) for row in rows))
    if not campaigns:
        return []
    new = store.insert_influenced(conn, opportunity["id"], campaigns, stage, opportunity["account_id"],
                                  opportunity["amount"], opportunity["currency"], opportunity["at"])
    if stage == "created":
        for campaign_id, person_id in dict.fromkeys((str(row["campaign_id"]), str(row["person_id"]))
                                                    for row in rows):
            touch(conn, campaign_id, person_id, "converted", opportunity["at"])
    return [str(item) for item in new]


# ROI --------------------------------------------------------------------------------------------

def money_text(amount, currency):
    places = models.minor_unit(currency)
    return f"{Decimal(amount).quantize(Decimal(1).scaleb(-places)):f}"


def roi_value(revenue, cost):
    """(revenue - cost) / cost to four decimals as text; None without a cost."""
    if not cost:
        return None
    return f"{((Decimal(revenue) - Decimal(cost)) / Decimal(cost)).quantize(Decimal('0.0001')):f}"


def roi(conn, campaign_id, config):
    campaign = store.campaign(conn, campaign_id)
    if campaign is None:
        raise NotFound(f"No campaign with id {campaign_id}.")
    currency = campaign["currency"].strip()
    cost = store.cost(conn, campaign_id)
    own = {model: (Decimal(0), 0) for model in models.MODELS}
    others = []
    for row in store.attributed(conn, campaign_id):
        if row["currency"].strip() == currency:
            own[row["model"]] = (row["amount"], row["items"])
        else:
            others.append({"model": row["model"], "currency": row["currency"].strip(),
                           "attributed_revenue": money_text(row["amount"], row["currency"].strip())})
    pipeline = store.influenced(conn, campaign_id, currency)
    return {
        "campaign_id": str(campaign["id"]), "currency": currency, "cost": money_text(cost, currency),
        "window_days": window_days(config),
        "models": [{"model": model, "attributed_revenue": money_text(amount, currency), "revenue_items": items,
                    "roi": roi_value(amount, cost)} for model, (amount, items) in own.items()],
        "other_currencies": others,
        "influenced_pipeline": {stage: {"opportunities": pipeline.get(stage, (0, 0))[0],
                                        "amount": money_text(pipeline.get(stage, (0, 0))[1], currency)}
                                for stage in ("created", "won")},
    }
