"""Quote operations: each takes a connection inside one transaction and
writes the change and its events (through the outbox) together.  The status
rules are in ``states``; the SQL in ``store``; line pricing in
``services.orders.lines``.

Lock order, the same everywhere: the account (FOR SHARE, by
``require_account``, so a merge cannot move the quote away meanwhile), then
quotes in id order (all of an opportunity's when accepting one of its
alternatives)."""

import datetime
import uuid

from services.orders import lines
from services.orders.customers.commands import require_account
from services.orders.quotes import states, store
from shared.kit import outbox, versions
from shared.kit.rows import plain
from shared.schemas.errors import Conflict, ValidationFailed

SUMMARY_FIELDS = (
    "id", "number", "revision", "status", "superseded_by", "revision_of", "account_id", "opportunity_id",
    "contact_id", "title", "notes", "terms", "currency", "price_book_id", "prices_include_tax", "tax_country",
    "priced_on", "valid_until", "sent_at", "sent_by", "accepted_at", "accepted_by", "rejected_at", "rejected_by",
    "rejection_reason", "expired_at", "version", "created_by", "created_at", "updated_at",
)
# Fields copied as they are from the input of a create or update.
PLAIN_FIELDS = ("opportunity_id", "contact_id", "title", "notes", "terms", "valid_until")
# Changes of these price the lines anew.
PRICING_FIELDS = ("currency", "price_book_id", "tax_country")


def today():
    """The current day, as the expiry sweep counts it."""
    return datetime.date.today()


# API shapes -------------------------------------------------------------------

def quote_summary(row):
    """A quote without lines (QuoteSummarySchema)."""
    summary = {field: plain(row[field]) for field in SUMMARY_FIELDS}
    summary["totals"] = lines.totals_snapshot(row)
    return summary


def quote_data(row, line_rows):
    """A quote with its lines, as events carry it (QuoteDataSchema)."""
    return {**quote_summary(row), "lines": [lines.line_snapshot(line, row["currency"]) for line in line_rows]}


def quote_answer(row, line_rows, on_day=None):
    """A quote as RPCs answer it (QuoteSchema): with what can be done now."""
    return {**quote_data(row, line_rows), "actions": states.actions(row, on_day or today())}


def list_item(row, on_day=None):
    return {**quote_summary(row), "actions": states.actions(row, on_day or today())}


def _uuid_text(value):
    return None if value is None else str(value)


# Create and change ------------------------------------------------------------

def _tax_country(account, given):
    if given:
        return given
    if account["country"]:
        return account["country"]
    raise ValidationFailed(
        f"Account {account['name']} has no country, so the tax country cannot be taken from it; give "
        "tax_country (like DE).", {"tax_country": ["Required: the account has no country."]})


def _priced(conn, inputs, currency, price_book_id, tax_country, on_day):
    """(line rows, prices_include_tax, totals) of input lines."""
    rows, include_tax = lines.price_lines(conn, inputs, currency=currency, price_book_id=price_book_id,
                                          tax_country=tax_country, on_date=on_day)
    return rows, include_tax, lines.document_totals(rows, currency)


def _totals_values(totals):
    return {key: totals[key] for key in ("net_total", "tax_total", "gross_total", "discount_total", "tax_lines")}


def create_quote(conn, data, actor, on_day):
    """A new draft quote, revision 1, from validated input
    (QuoteCreateSchema); returns (row, line rows)."""
    account = require_account(conn, data["account_id"])
    tax_country = _tax_country(account, data.get("tax_country"))
    price_book_id = str(data["price_book_id"]) if data.get("price_book_id") else store.standard_book_id(conn)
    valid_until = data.get("valid_until") or states.default_valid_until(on_day)
    states.check_valid_until(valid_until, on_day)
    rows, include_tax, totals = _priced(conn, data["lines"], data["currency"], price_book_id, tax_country, on_day)
    sequence_value = store.next_number(conn)
    values = {
        "id": str(uuid.uuid4()), "number_seq": sequence_value, "number": states.number_text(sequence_value),
        "revision": 1, "status": "draft", "account_id": str(account["id"]),
        **{field: data.get(field) for field in PLAIN_FIELDS}, "valid_until": valid_until,
        "currency": data["currency"], "price_book_id": price_book_id, "prices_include_tax": include_tax,
        "tax_country": tax_country, "priced_on": on_day, **_totals_values(totals), "created_by": actor,
    }
    for field in ("opportunity_id", "contact_id"):
        values[field] = _uuid_text(values[field])
    row = store.insert_quote(conn, values)
    return row, store.insert_lines(conn, row["id"], rows)


def _line_inputs(line_rows):
    """The inputs the stored lines were priced from (to price them anew):
    typed unit prices stay, catalog prices are looked up again."""
    inputs = []
    for row in line_rows:
        line = {"quantity": row["quantity"], "discount_percent": row["discount_percent"],
                "discount_amount": row["discount_amount"], "description": row["description"]}
        if row["product_id"] is not None:
            line["product_id"] = row["product_id"]
            if row["price_overridden"]:
                line["unit_price"] = row["unit_price"]
        else:
            line.update(name=row["name"], unit_price=row["unit_price"], tax_category=row["tax_category"])
        inputs.append(line)
    return inputs


def _changed(row, values):
    return {key: value for key, value in values.items() if plain(row[key]) != plain(value)}


def update_quote(conn, quote_id, changes, actor, expected_version, on_day):
    """Apply validated PATCH ``changes`` (QuoteUpdateSchema) to a draft;
    returns (row, line rows).  ``lines`` replaces every line; a new currency,
    price book or tax country prices the current lines anew."""
    current = store.get_quote(conn, quote_id)
    account_id = str(changes.get("account_id") or current["account_id"])
    if "account_id" in changes:
        require_account(conn, account_id)
    row = store.get_quote(conn, quote_id, lock="update")
    versions.check_version(row, expected_version, "quote")
    states.check_editable(row)
    values = {field: changes[field] for field in PLAIN_FIELDS if field in changes}
    for field in ("opportunity_id", "contact_id"):
        if field in values:
            values[field] = _uuid_text(values[field])
    if "valid_until" in values:
        states.check_valid_until(values["valid_until"], on_day)
    if "account_id" in changes:
        values["account_id"] = account_id
    if "currency" in changes:
        values["currency"] = changes["currency"]
    if "tax_country" in changes:
        values["tax_country"] = changes["tax_country"]
    if "price_book_id" in changes:
        values["price_book_id"] = (str(changes["price_book_id"]) if changes["price_book_id"]
                                   else store.standard_book_id(conn))
    values = _changed(row, values)
    new_lines = None
    if "lines" in changes or set(PRICING_FIELDS) & set(values):
        merged = {**row, **values}
        inputs = changes["lines"] if "lines" in changes else _line_inputs(store.quote_lines(conn, row["id"]))
        new_lines, include_tax, totals = _priced(conn, inputs, merged["currency"], str(merged["price_book_id"]),
                                                 merged["tax_country"], on_day)
        values.update(prices_include_tax=include_tax, priced_on=on_day, **_totals_values(totals))
    if not values:
        return row, store.quote_lines(conn, row["id"])
    updated = store.update_quote(conn, row["id"], values)
    if new_lines is not None:
        return updated, store.replace_lines(conn, row["id"], new_lines)
    return updated, store.quote_lines(conn, row["id"])


# Status moves -------------------------------------------------------------------

def _locked(conn, quote_id, expected_version):
    row = store.get_quote(conn, quote_id, lock="update")
    versions.check_version(row, expected_version, "quote")
    return row


def send_quote(conn, quote_id, actor, expected_version, on_day):
    """draft -> sent (``quote.sent``); its validity must not have ended."""
    row = _locked(conn, quote_id, expected_version)
    states.check_move(row, "sent", on_day)
    if row["valid_until"] < on_day:
        raise ValidationFailed(
            f"{states.label(row)} was valid until {row['valid_until'].isoformat()}; set a new valid_until "
            "(today or later) before sending it.", {"valid_until": ["In the past: change it before sending."]})
    updated = store.update_quote(conn, row["id"], {"status": "sent", "sent_at": _now(conn), "sent_by": actor})
    line_rows = store.quote_lines(conn, row["id"])
    outbox.add(conn, "quote.sent", {"quote": quote_data(updated, line_rows)})
    return updated, line_rows


def _now(conn):
    return conn.execute("SELECT now() AS now").fetchone()["now"]


def _reject(conn, row, reason, actor, now):
    """Write the rejection of a locked quote; returns (row, its event)."""
    updated = store.update_quote(conn, row["id"], {"status": "rejected", "rejected_at": now, "rejected_by": actor,
                                                   "rejection_reason": reason})
    return updated, ("quote.rejected", {"quote": quote_data(updated, store.quote_lines(conn, row["id"]))})


def reject_quote(conn, quote_id, reason, actor, expected_version, on_day):
    """draft or sent -> rejected (``quote.rejected``)."""
    row = _locked(conn, quote_id, expected_version)
    states.check_move(row, "rejected", on_day)
    updated, event = _reject(conn, row, reason, actor, _now(conn))
    outbox.add(conn, *event)
    return updated, store.quote_lines(conn, row["id"])


def accept_quote(conn, quote_id, actor, expected_version, on_day):
    """sent (not superseded, still valid) -> accepted (``quote.accepted``);
    the opportunity's other live alternatives (draft or sent) are rejected
    in the same transaction, each with its ``quote.rejected``."""
    first_look = store.get_quote(conn, quote_id)
    if first_look["opportunity_id"] is not None:
        family = {str(row["id"]): row for row in store.lock_opportunity_quotes(conn, first_look["opportunity_id"])}
        row = family.get(str(first_look["id"])) or store.get_quote(conn, quote_id, lock="update")
    else:
        row = store.get_quote(conn, quote_id, lock="update")
    versions.check_version(row, expected_version, "quote")
    states.check_move(row, "accepted", on_day)
    siblings = store.live_siblings(conn, row) if row["opportunity_id"] is not None else []
    accepted = [sibling for sibling in siblings if sibling["status"] == "accepted"]
    if accepted:
        other = accepted[0]
        raise Conflict(f"{states.label(other)} of the same opportunity was accepted already; an opportunity takes "
                       "one accepted quote.", existing_id=str(other["id"]))
    now = _now(conn)
    updated = store.update_quote(conn, row["id"], {"status": "accepted", "accepted_at": now, "accepted_by": actor})
    line_rows = store.quote_lines(conn, row["id"])
    totals = lines.totals_snapshot(updated)
    events = [("quote.accepted", {
        "quote": quote_data(updated, line_rows), "opportunity_id": _uuid_text(updated["opportunity_id"]),
        "account_id": str(updated["account_id"]), "currency": updated["currency"],
        "net_total": totals["net_total"], "gross_total": totals["gross_total"]})]
    for sibling in siblings:
        if sibling["status"] in states.LIVE:
            _, event = _reject(conn, sibling, states.SIBLING_ACCEPTED, actor, now)
            events.append(event)
    outbox.add_many(conn, events)
    return updated, line_rows


def revise_quote(conn, quote_id, actor, on_day):
    """A new draft revision of a sent, expired or rejected quote, with the
    same lines and prices (``lines.copy_lines``); the old revision is marked
    ``superseded_by`` it (``quote.revised``).  Returns (new row, its lines)."""
    current = store.get_quote(conn, quote_id)
    require_account(conn, current["account_id"])
    row = store.get_quote(conn, quote_id, lock="update")
    states.check_revisable(row)
    new_id = str(uuid.uuid4())
    store.update_quote(conn, row["id"], {"superseded_by": new_id})  # first: one live revision per number
    old_lines = store.quote_lines(conn, row["id"])
    copies = lines.copy_lines(old_lines, row["currency"], row["prices_include_tax"])
    totals = lines.document_totals(copies, row["currency"])
    values = {field: row[field] for field in (
        "number_seq", "number", "account_id", "opportunity_id", "contact_id", "title", "notes", "terms", "currency",
        "price_book_id", "prices_include_tax", "tax_country", "priced_on")}
    values.update(id=new_id, revision=row["revision"] + 1, status="draft", revision_of=row["id"],
                  valid_until=states.default_valid_until(on_day), created_by=actor, **_totals_values(totals))
    new = store.insert_quote(conn, values)
    new_lines = store.insert_lines(conn, new_id, copies)
    outbox.add(conn, "quote.revised", {"quote": quote_data(new, new_lines), "superseded_quote_id": str(row["id"])})
    return new, new_lines


# The expiry sweep ----------------------------------------------------------------

def expire_due(conn, today, limit):
    """Expire up to ``limit`` sent quotes whose validity ended before ``today``
    (``quote.expired`` each); returns how many.  Superseded revisions are
    left as they are: a newer revision took their place."""
    due = store.due_for_expiry(conn, today, limit)
    if not due:
        return 0
    ids = [str(row["id"]) for row in due]
    expired = conn.execute(
        "UPDATE quotes SET status = 'expired', expired_at = now(), version = version + 1, updated_at = now()"
        " WHERE id = ANY(%s::uuid[]) RETURNING *", (ids,)).fetchall()
    by_quote = store.lines_by_quote(conn, ids)
    outbox.add_many(conn, [("quote.expired", {"quote": quote_data(row, by_quote[str(row["id"])])})
                           for row in sorted(expired, key=lambda row: (row["valid_until"], str(row["id"])))])
    return len(expired)
