"""Customer operations over support's projections: each takes a connection
inside one transaction.

The projections are written by ``apply_accounts``, ``apply_contacts``,
``apply_order`` (events and the first-start catch-up) and ``follow_merge``
(``account.merged``: the merged account's contacts, orders and cases move
to the survivor in the same transaction).  The cases area validates what a
case refers to with ``require_account``, ``require_contact`` and
``require_order``; the mail area finds a sender with ``contact_by_email``.
"""

import datetime
import logging

from services.support.customers import store
from shared.kit.payload import parse_id
from shared.kit.payload import text as _text
from shared.schemas.errors import ValidationFailed

log = logging.getLogger(__name__)


def _version(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _time(value):
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


# Reading what other services' events carry -------------------------------------------

def account_values(account):
    """The projection columns of a sales account snapshot (AccountSchema), or
    None when it lacks what the projection needs (id, name, type, version).
    Sales has no tier: ``attributes.tier`` is taken when it is a text."""
    if not isinstance(account, dict):
        return None
    checked, version = parse_id(account.get("id")), _version(account.get("version"))
    name, account_type = account.get("name"), account.get("type")
    if checked is None or version is None or not isinstance(name, str) or not isinstance(account_type, str):
        return None
    attributes = account.get("attributes") if isinstance(account.get("attributes"), dict) else {}
    tier = account.get("tier") if isinstance(account.get("tier"), str) else attributes.get("tier")
    country = account.get("country")
    merged_into = parse_id(account.get("merged_into"))
    return {"id": checked, "name": name, "type": account_type, "tier": _text(tier, 50),
            "industry": _text(account.get("industry"), 100),
            "country": country.upper() if isinstance(country, str) and len(country) == 2 else None,
            "owner": _text(account.get("owner"), 100),
            "merged_into": merged_into if merged_into != checked else None, "source_version": version}


def contact_values(contact):
    """The projection columns of a sales contact snapshot (ContactSchema), or
    None without an id and version.  The email is the primary (first) one,
    lower-cased; the phone the first one."""
    if not isinstance(contact, dict):
        return None
    checked, version = parse_id(contact.get("id")), _version(contact.get("version"))
    if checked is None or version is None:
        return None
    emails = contact.get("emails") if isinstance(contact.get("emails"), list) else []
    phones = contact.get("phones") if isinstance(contact.get("phones"), list) else []
    email = emails[0].strip().lower() if emails and isinstance(emails[0], str) and emails[0].strip() else None
    phone = phones[0] if phones and isinstance(phones[0], str) else None
    return {"id": checked, "account_id": parse_id(contact.get("account_id")),
            "first_name": _text(contact.get("first_name"), 100), "last_name": _text(contact.get("last_name"), 100),
            "email": email, "phone": _text(phone, 40), "source_version": version}


def order_values(order):
    """The projection columns of an orders order snapshot (OrderSummarySchema
    or OrderSchema), or None without id, number, account, status, version."""
    if not isinstance(order, dict):
        return None
    checked, account_id, version = parse_id(order.get("id")), parse_id(order.get("account_id")), \
        _version(order.get("version"))
    number, status = order.get("number"), order.get("status")
    if None in (checked, account_id, version) or not isinstance(number, str) or not isinstance(status, str):
        return None
    return {"id": checked, "number": number, "account_id": account_id, "status": status,
            "placed_at": _time(order.get("placed_at")), "source_version": version}


# Writing the projections ---------------------------------------------------------------

def _newest(rows):
    newest = {}
    for row in rows:
        if row["id"] not in newest or newest[row["id"]]["source_version"] < row["source_version"]:
            newest[row["id"]] = row
    return list(newest.values())


def apply_accounts(conn, accounts):
    """Write account snapshots, each only over an older version; unreadable
    ones are skipped and logged.  Returns the ids written."""
    rows = []
    for account in accounts:
        row = account_values(account)
        if row is None:
            log.warning("account snapshot without id, name, type or version skipped: %r", account)
        else:
            rows.append(row)
    return store.upsert_accounts(conn, _newest(rows))


def apply_contacts(conn, contacts):
    rows = []
    for contact in contacts:
        row = contact_values(contact)
        if row is None:
            log.warning("contact snapshot without id or version skipped: %r", contact)
        else:
            rows.append(row)
    return store.upsert_contacts(conn, _newest(rows))


def apply_order(conn, order):
    row = order_values(order)
    if row is None:
        log.warning("order snapshot without id, number, account, status or version skipped: %r", order)
        return None
    return store.upsert_order(conn, row)


def follow_merge(conn, survivor, merged_id):
    """``account.merged``: the survivor's snapshot is applied, the merged
    account points to the survivor, and its contacts, orders and cases move
    to the survivor (to where the survivor was merged in turn, when a later
    merge was handled first).  Returns ``{what: rows moved}``."""
    from services.support.cases import commands as cases  # cases imports this module

    apply_accounts(conn, [survivor])
    target = store.final_survivor(conn, parse_id(survivor["id"]))
    if target == merged_id:  # a damaged chain: never point an account at itself
        log.warning("account.merged: %s would be merged into itself; ignored", merged_id)
        return {}
    store.mark_merged(conn, merged_id, target)  # locks the merged row before what it moves
    moved = {"contacts": store.move_contacts(conn, merged_id, target),
             "orders": store.move_orders(conn, merged_id, target),
             "cases": cases.move_account(conn, merged_id, target)}
    if any(moved.values()):
        log.info("account %s merged into %s: moved %s", merged_id, target, moved)
    return moved


# What the other areas call ----------------------------------------------------------------

def contact_by_email(conn, email):
    """The contact (projection row: id, account_id, first_name, last_name,
    email, phone) whose primary email is ``email``, any letter case; None
    when no contact has it."""
    return store.contact_by_email(conn, email)


def contact_name(contact):
    if contact is None:
        return None
    return " ".join(part for part in (contact["first_name"], contact["last_name"]) if part) or None


def require_account(conn, account_id, field="account_id"):
    """The live account row (locked FOR SHARE, so an ``account.merged``
    applied meanwhile waits and then moves what the caller wrote), else
    ValidationFailed on ``field``; a merged account's message names the survivor."""
    checked = parse_id(account_id)
    row = store.find_account(conn, checked, "share") if checked else None
    if row is None or not row["name"]:
        raise ValidationFailed(f"There is no account with id {account_id}; give the id of an account of sales.",
                               {field: ["No such account."]})
    if row["merged_into"]:
        survivor = store.final_survivor(conn, checked)
        raise ValidationFailed(f"Account {checked} was merged into account {survivor}; use account {survivor}.",
                               {field: [f"Merged into account {survivor}."]}, merged_into=survivor)
    return row


def require_contact(conn, contact_id, field="contact_id"):
    checked = parse_id(contact_id)
    row = store.find_contact(conn, checked) if checked else None
    if row is None:
        raise ValidationFailed(f"There is no contact with id {contact_id}; give the id of a contact of sales.",
                               {field: ["No such contact."]})
    return row


def require_order(conn, order_id, field="order_id"):
    checked = parse_id(order_id)
    row = store.find_order(conn, checked) if checked else None
    if row is None:
        raise ValidationFailed(f"There is no placed order with id {order_id}; give the id of an order that was "
                               "submitted.", {field: ["No such order."]})
    return row


def account_of(conn, account_id):
    """The projection row of an account (any state), or None."""
    checked = parse_id(account_id)
    return store.find_account(conn, checked) if checked else None


def sync_states(conn):
    return [{"kind": row["kind"], "pages": row["pages"], "items": row["items"],
             "started_at": row["started_at"].isoformat() if row["started_at"] else None,
             "done_at": row["done_at"].isoformat() if row["done_at"] else None}
            for row in store.all_sync_states(conn)]
