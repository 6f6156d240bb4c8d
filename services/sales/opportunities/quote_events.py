"""An accepted quote wins its opportunity: sales consumes orders' ``quote.accepted``.

When the customer accepts a quote made for an opportunity, the deal is won:
the opportunity takes the quote's net total as its amount (rounded half-even
to cents: a currency with three decimals has more than the opportunity
keeps) and the quote's currency, and moves to the won stage of its pipeline
(the first by position) through ``commands.update_opportunity``, so its
stage history, ``opportunity.won`` and the account's promotion to customer
happen as for a move made by hand.  Once per event however often it is
delivered (the inbox).

- An opportunity already won only takes the amount and currency (when they
  differ), and keeps its stage.
- A lost opportunity, or none with that id, is logged and acknowledged: a
  person decides (reopen it, or it was deleted).
- A pipeline whose stages do not allow the move to won (``next_stages``)
  gets the amount, and the refusal is logged.
- An event without an opportunity, or whose fields are not what the
  contract says, changes nothing (logged); retrying could never make it right.

The other way round needs nothing: a won opportunity without an accepted
quote creates nothing in orders (orders does not consume ``opportunity.won``).
"""

import logging
import uuid
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from services.sales.opportunities import commands, pipelines, store
from shared.kit.inbox import inbox_handler
from shared.schemas.errors import IllegalTransition, NotFound

log = logging.getLogger(__name__)

CENTS = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999999999.99")  # numeric(18, 2)
ACTOR = "orders"


def accepted_quote(data):
    """``(opportunity id, amount, currency, quote label, actor)`` of a
    ``quote.accepted`` event's data, or None when it names no opportunity
    or its fields are unusable."""
    if not isinstance(data, dict) or not data.get("opportunity_id"):
        return None
    try:
        opportunity_id = str(uuid.UUID(str(data["opportunity_id"])))
        amount = Decimal(str(data["net_total"])).quantize(CENTS, rounding=ROUND_HALF_EVEN)
        currency = str(data["currency"]).upper()
    except (KeyError, ValueError, InvalidOperation):
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT or len(currency) != 3 or not currency.isalpha():
        return None
    quote = data.get("quote") if isinstance(data.get("quote"), dict) else {}
    label = f"quote {quote.get('number', '?')} revision {quote.get('revision', '?')} ({quote.get('id', '?')})"
    actor = quote.get("accepted_by") if isinstance(quote.get("accepted_by"), str) else None
    return opportunity_id, amount, currency, label, (actor or ACTOR)[:100]


def won_stage(stages):
    """The first won stage of a pipeline (by position), or None."""
    return next((stage for stage in stages if stage["category"] == "won"), None)


def win_from_quote(conn, opportunity_id, amount, currency, label, actor):
    """Apply an accepted quote to its opportunity (see the module doc);
    returns what was done: "won", "amount", "unchanged", "lost" or "missing"."""
    try:
        row = store.get_opportunity(conn, opportunity_id, lock=True)
    except NotFound:
        log.warning("%s was accepted for opportunity %s, which does not exist: nothing to win", label,
                    opportunity_id)
        return "missing"
    if row["category"] == "lost":
        log.warning("%s was accepted for opportunity %s, which is lost (stage %s): left as it is; reopen it to "
                    "record the win", label, opportunity_id, row["stage"])
        return "lost"
    changes = {"amount": amount, "currency": currency}
    if row["category"] != "won":
        stage = won_stage(pipelines.load_stages(conn, row["pipeline_id"]))
        if stage is not None:
            try:
                with conn.transaction():  # a refused move leaves the transaction usable
                    updated = commands.update_opportunity(conn, opportunity_id, {**changes, "stage": stage["key"]},
                                                          actor)
                return "won" if updated["category"] == "won" else "unchanged"
            except IllegalTransition as exc:
                log.warning("%s was accepted, but opportunity %s cannot move to %s: %s; its amount is set",
                            label, opportunity_id, stage["key"], exc.detail)
        else:
            log.warning("%s was accepted, but the pipeline %s of opportunity %s has no won stage; its amount is set",
                        label, row["pipeline_id"], opportunity_id)
    updated = commands.update_opportunity(conn, opportunity_id, changes, actor)
    return "amount" if updated["version"] != row["version"] else "unchanged"


class QuoteEvents:
    """Mixin of SalesService (which provides ``self.db``): an accepted quote
    wins its opportunity (see the module doc)."""

    @inbox_handler("orders", "quote.accepted")
    def on_quote_accepted(self, event):
        accepted = accepted_quote(event.get("data"))
        if accepted is None:
            log.info("quote.accepted event %s names no usable opportunity: nothing to do", event.get("id"))
            return
        with self.db.handle_once(event) as conn:
            if conn is not None:
                outcome = win_from_quote(conn, *accepted)
                log.info("quote.accepted event %s: opportunity %s %s", event.get("id"), accepted[0], outcome)
