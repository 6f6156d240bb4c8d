"""A quote's life: send, accept, reject, revise (the old revision stays
readable and can no longer be accepted), alternatives of one opportunity
(accepting one rejects the others, also when two are accepted at once), the
expiry sweep, and the events of each move."""

import datetime
import uuid

import psycopg
import pytest

from services.orders.quotes import commands
from shared.schemas.errors import Conflict, IllegalTransition, NotFound, PreconditionFailed, ValidationFailed
from tests.orders.conftest import concurrently
from tests.orders.quote_support import account, days_from_today, event_types, new_quote, sent_quote


def status_of(db, quote_id):
    return db.scalar("SELECT status FROM quotes WHERE id = %s", (quote_id,))


def published(events, db, quote_id, event_type, count=1):
    events.settle(db, [quote_id])
    return events.wait_for(event_type, quote_id, count)


# Send ---------------------------------------------------------------------------

def test_send_publishes_the_quote_with_its_lines_and_totals(orders, db, events):
    quote = new_quote(orders, db)

    sent = orders.send_quote(quote["id"], "sam", quote["version"])

    assert sent["status"] == "sent" and sent["sent_by"] == "sam" and sent["sent_at"]
    assert sent["version"] == quote["version"] + 1
    assert sent["actions"] == ["accept", "reject", "revise"]
    received = published(events, db, quote["id"], "quote.sent")
    data = received[0].data
    assert data == {"quote": {key: value for key, value in sent.items() if key != "actions"}}
    assert data["quote"]["totals"]["gross_total"] == sent["totals"]["gross_total"]
    assert all(isinstance(line["net_amount"], str) for line in data["quote"]["lines"])
    assert received[0].envelope["producer"] == "orders"


def test_send_twice_and_stale_versions_are_refused(orders, db):
    quote = new_quote(orders, db)
    with pytest.raises(PreconditionFailed):
        orders.send_quote(quote["id"], "sam", quote["version"] + 1)
    assert status_of(db, quote["id"]) == "draft"
    orders.send_quote(quote["id"])
    with pytest.raises(IllegalTransition) as raised:
        orders.send_quote(quote["id"])
    assert raised.value.extra["allowed"] == ["accepted", "rejected"]
    assert event_types(db, quote["id"]) == ["quote.sent"]


def test_a_quote_past_its_validity_is_not_sent(orders, db):
    quote = new_quote(orders, db)
    db.conn.execute("UPDATE quotes SET valid_until = current_date - 1 WHERE id = %s", (quote["id"],))
    with pytest.raises(ValidationFailed) as raised:
        orders.send_quote(quote["id"])
    assert list(raised.value.errors) == ["valid_until"]
    assert status_of(db, quote["id"]) == "draft"


def test_moves_of_an_unknown_quote(orders):
    for move in (orders.send_quote, orders.accept_quote, orders.revise_quote, orders.quote_revisions):
        with pytest.raises(NotFound):
            move(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        orders.reject_quote("not-an-id", "no")


# Accept and reject ------------------------------------------------------------------

def test_accept_a_sent_quote(orders, db, events):
    opportunity = str(uuid.uuid4())
    quote = sent_quote(orders, db, opportunity_id=opportunity)

    accepted = orders.accept_quote(quote["id"], "sam")

    assert accepted["status"] == "accepted" and accepted["accepted_by"] == "sam"
    assert accepted["actions"] == []
    data = published(events, db, quote["id"], "quote.accepted")[0].data
    assert data["opportunity_id"] == opportunity
    assert data["account_id"] == quote["account_id"]
    assert (data["currency"], data["net_total"], data["gross_total"]) == (
        "EUR", quote["totals"]["net_total"], quote["totals"]["gross_total"])
    assert data["quote"]["status"] == "accepted"
    with pytest.raises(IllegalTransition):
        orders.reject_quote(quote["id"], "changed our mind")
    with pytest.raises(IllegalTransition):
        orders.revise_quote(quote["id"])
    assert event_types(db, quote["id"]) == ["quote.sent", "quote.accepted"]


def test_a_draft_or_an_expired_quote_is_not_accepted(orders, db):
    draft = new_quote(orders, db)
    with pytest.raises(IllegalTransition) as raised:
        orders.accept_quote(draft["id"])
    assert raised.value.extra["allowed"] == ["sent", "rejected"]

    late = sent_quote(orders, db)
    db.conn.execute("UPDATE quotes SET valid_until = current_date - 1 WHERE id = %s", (late["id"],))
    with pytest.raises(IllegalTransition) as raised:
        orders.accept_quote(late["id"])
    assert "revise" in raised.value.detail
    assert status_of(db, late["id"]) != "accepted" and status_of(db, draft["id"]) == "draft"
    assert event_types(db, draft["id"]) == []


def test_reject_with_a_reason(orders, db, events):
    quote = sent_quote(orders, db)
    rejected = orders.reject_quote(quote["id"], "  Too expensive ", "sam")
    assert rejected["status"] == "rejected" and rejected["rejection_reason"] == "Too expensive"
    assert rejected["rejected_by"] == "sam" and rejected["actions"] == ["revise"]
    assert published(events, db, quote["id"], "quote.rejected")[0].data["quote"]["rejection_reason"] == \
        "Too expensive"
    with pytest.raises(ValidationFailed):
        orders.reject_quote(new_quote(orders, db)["id"], "x" * 1001)


def test_a_draft_can_be_dropped(orders, db):
    quote = new_quote(orders, db)
    assert orders.reject_quote(quote["id"])["status"] == "rejected"


# Revisions ---------------------------------------------------------------------------

def test_revise_makes_a_new_draft_with_the_same_lines_and_prices(orders, db, events):
    quote = sent_quote(orders, db, title="First offer", opportunity_id=str(uuid.uuid4()))
    # A later price change does not touch the revision: it copies the quote's prices.
    db.conn.execute("UPDATE prices SET unit_price = unit_price * 2 WHERE product_id = %s",
                    (quote["lines"][0]["product_id"],))

    revision = orders.revise_quote(quote["id"], "sam")

    assert revision["id"] != quote["id"]
    assert (revision["number"], revision["revision"], revision["status"]) == (quote["number"], 2, "draft")
    assert revision["revision_of"] == quote["id"] and revision["superseded_by"] is None
    assert revision["created_by"] == "sam" and revision["valid_until"] == days_from_today(30)
    for field in ("account_id", "opportunity_id", "title", "currency", "price_book_id", "tax_country", "totals"):
        assert revision[field] == quote[field], field
    keep = ("product_id", "sku", "name", "quantity", "unit_price", "tax_rate", "net_amount", "gross_amount")
    assert [{key: line[key] for key in keep} for line in revision["lines"]] == \
        [{key: line[key] for key in keep} for line in quote["lines"]]
    assert [line["source_line_id"] for line in revision["lines"]] == [line["id"] for line in quote["lines"]]

    old = orders.get_quote(quote["id"])
    assert old["status"] == "sent" and old["superseded_by"] == revision["id"] and old["actions"] == []
    assert old["lines"] == quote["lines"]
    with pytest.raises(IllegalTransition) as raised:
        orders.accept_quote(quote["id"])
    assert raised.value.extra["superseded_by"] == revision["id"]
    with pytest.raises(IllegalTransition):
        orders.revise_quote(quote["id"])

    data = published(events, db, revision["id"], "quote.revised")[0].data
    assert data["superseded_quote_id"] == quote["id"] and data["quote"]["id"] == revision["id"]
    assert [item["id"] for item in orders.quote_revisions(revision["id"])["items"]] == [quote["id"], revision["id"]]
    assert orders.quote_revisions(quote["id"]) == orders.quote_revisions(revision["id"])


def test_the_new_revision_is_edited_sent_and_accepted(orders, db):
    quote = sent_quote(orders, db)
    revision = orders.revise_quote(quote["id"])
    edited = orders.update_quote(revision["id"], {"lines": [{"name": "Discounted bundle", "unit_price": "25",
                                                              "quantity": "1"}]})
    assert edited["totals"]["net_total"] == "25.00"
    orders.send_quote(revision["id"])
    assert orders.accept_quote(revision["id"])["status"] == "accepted"
    assert orders.get_quote(quote["id"])["totals"] == quote["totals"]  # the old revision did not change


def test_expired_and_rejected_quotes_are_revised_drafts_are_not(orders, db):
    rejected = orders.reject_quote(sent_quote(orders, db)["id"])
    assert orders.revise_quote(rejected["id"])["revision"] == 2
    draft = new_quote(orders, db)
    with pytest.raises(IllegalTransition) as raised:
        orders.revise_quote(draft["id"])
    assert "change the draft" in raised.value.detail
    assert db.scalar("SELECT count(*) FROM quotes WHERE number = %s", (draft["number"],)) == 1


def test_concurrent_revisions_make_one(orders, db, rpc_proxy):
    quote = sent_quote(orders, db)
    results = concurrently(rpc_proxy, [lambda cluster: cluster.orders.revise_quote(quote["id"])] * 4)
    made = [result for result in results if isinstance(result, dict)]
    assert len(made) == 1, results
    assert all(isinstance(result, IllegalTransition | Conflict) for result in results if result not in made)
    assert db.scalar("SELECT count(*) FROM quotes WHERE number = %s", (quote["number"],)) == 2


# Alternatives -------------------------------------------------------------------------

def test_accepting_an_alternative_rejects_its_live_siblings(orders, db, events):
    customer, opportunity = account(db), str(uuid.uuid4())
    chosen = sent_quote(orders, db, account_id=customer, opportunity_id=opportunity, title="Gold")
    sent_sibling = sent_quote(orders, db, account_id=customer, opportunity_id=opportunity, title="Silver")
    draft_sibling = new_quote(orders, db, account_id=customer, opportunity_id=opportunity, title="Bronze")
    old = sent_quote(orders, db, account_id=customer, opportunity_id=opportunity, title="Old")
    revised = orders.revise_quote(old["id"])  # superseded: left as it is; its new revision is a live sibling
    declined = orders.reject_quote(sent_quote(orders, db, account_id=customer, opportunity_id=opportunity)["id"])
    elsewhere = sent_quote(orders, db, account_id=customer, opportunity_id=str(uuid.uuid4()))

    orders.accept_quote(chosen["id"], "sam")

    for sibling in (sent_sibling, draft_sibling, revised):
        now = orders.get_quote(sibling["id"])
        assert now["status"] == "rejected", sibling["title"]
        assert now["rejection_reason"] == "another alternative was accepted"
        assert now["rejected_by"] == "sam"
        assert published(events, db, sibling["id"], "quote.rejected")[0].data["quote"]["id"] == sibling["id"]
    assert status_of(db, old["id"]) == "sent"
    assert orders.get_quote(declined["id"]) == declined
    assert status_of(db, elsewhere["id"]) == "sent"
    assert event_types(db, old["id"]) == ["quote.sent"]

    late = orders.revise_quote(declined["id"])
    orders.send_quote(late["id"])
    with pytest.raises(Conflict) as raised:
        orders.accept_quote(late["id"])
    assert raised.value.extra["existing_id"] == chosen["id"]


def test_two_alternatives_accepted_at_once_one_wins(orders, db, rpc_proxy):
    customer, opportunity = account(db), str(uuid.uuid4())
    quotes = [sent_quote(orders, db, account_id=customer, opportunity_id=opportunity) for _ in range(4)]

    results = concurrently(rpc_proxy, [
        (lambda quote_id: lambda cluster: cluster.orders.accept_quote(quote_id))(quote["id"]) for quote in quotes])

    winners = [result for result in results if isinstance(result, dict)]
    assert len(winners) == 1, results
    assert all(isinstance(result, IllegalTransition | Conflict) for result in results if result not in winners)
    statuses = sorted(status_of(db, quote["id"]) for quote in quotes)
    assert statuses == ["accepted", "rejected", "rejected", "rejected"]
    accepted_events = db.all("SELECT * FROM outbox WHERE event_type = 'quote.accepted' AND body::jsonb #>> "
                             "'{data,opportunity_id}' = %s", (opportunity,))
    assert len(accepted_events) == 1


# Expiry -------------------------------------------------------------------------------

def sweep(db, today, limit=200):
    with db.conn.transaction():
        return commands.expire_due(db.conn, today, limit)


def test_the_sweep_expires_sent_quotes_past_their_validity(orders, db, events):
    # Valid through today (the service's own sweep leaves them), swept as if tomorrow had come.
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    due = sent_quote(orders, db, valid_until=days_from_today(0))
    last_day = sent_quote(orders, db, valid_until=days_from_today(1))
    draft = new_quote(orders, db, valid_until=days_from_today(0))
    superseded = sent_quote(orders, db, valid_until=days_from_today(0))
    orders.revise_quote(superseded["id"])

    assert sweep(db, tomorrow) >= 1

    expired = orders.get_quote(due["id"])
    assert expired["status"] == "expired" and expired["expired_at"]
    assert status_of(db, last_day["id"]) == "sent"  # valid through tomorrow
    assert status_of(db, draft["id"]) == "draft"
    assert status_of(db, superseded["id"]) == "sent"
    assert published(events, db, due["id"], "quote.expired")[0].data["quote"]["status"] == "expired"
    assert sweep(db, tomorrow) == 0  # nothing twice
    assert event_types(db, due["id"]) == ["quote.sent", "quote.expired"]
    assert orders.revise_quote(due["id"])["status"] == "draft"


def test_an_expired_quote_is_not_accepted(orders, db):
    quote = sent_quote(orders, db, valid_until=days_from_today(0))
    sweep(db, datetime.date.today() + datetime.timedelta(days=1))
    with pytest.raises(IllegalTransition) as raised:
        orders.accept_quote(quote["id"])
    assert raised.value.extra["current"] == "expired"
    assert "revised" in raised.value.detail


def test_the_sweep_takes_at_most_its_limit_and_skips_locked_rows(orders, db, orders_database_url):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    ids = [sent_quote(orders, db, valid_until=days_from_today(0))["id"] for _ in range(3)]
    sweep(db, tomorrow, limit=10_000)  # other tests' due quotes out of the way
    db.conn.execute("UPDATE quotes SET status = 'sent', expired_at = NULL WHERE id = ANY(%s::uuid[])", (ids,))
    with psycopg.connect(orders_database_url, options="-c search_path=orders,public") as holder:
        holder.execute("SELECT 1 FROM quotes WHERE id = %s FOR UPDATE", (ids[0],))
        assert sweep(db, tomorrow, limit=1) == 1
        assert sweep(db, tomorrow, limit=10) == 1
        assert status_of(db, ids[0]) == "sent"
    assert sweep(db, tomorrow) == 1
    assert [status_of(db, quote_id) for quote_id in ids] == ["expired"] * 3
