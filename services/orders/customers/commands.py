"""Customer operations over the accounts projection: each takes a connection
inside one transaction.

Other areas call ``require_account`` to check the account a document is for.
The projection is written by ``apply_snapshots`` (events and the catch-up)
and ``follow_merge`` (``account.merged``).
"""

import logging
import uuid

from services.orders.customers import store, value
from shared.schemas.errors import Conflict, NotFound, ValidationFailed

log = logging.getLogger(__name__)


def parse_account_id(value):
    """The canonical text of an account id, or None when ``value`` is none."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def require_account(conn, account_id, field="account_id", lock=True):
    """The projection row of the live account ``account_id``, else
    ValidationFailed on ``field``: an unknown (or malformed) id, or a merged
    account (the message names the survivor to use instead; the id is not
    followed silently, the caller decides).

    With ``lock`` (the default) the row is locked FOR SHARE until the
    transaction ends, so an ``account.merged`` being applied at the same time
    either waits for the caller's document (and then moves it to the
    survivor) or has already committed (and the caller gets the 422): a
    document is never left behind on a merged account.  Call it before
    locking rows a merge moves (quotes, orders, invoices, ...)."""
    checked = parse_account_id(account_id)
    if checked is None:
        raise ValidationFailed(f"{account_id!r} is not an account id.",
                               {field: ["Not an account id; give the id (a UUID) of an account."]})
    row = store.find_account(conn, checked, "share" if lock else None)
    if row is None:
        raise ValidationFailed(
            f"There is no account with id {checked}; give the id of an existing account from sales.",
            {field: ["No such account."]})
    if row["merged_into"]:
        survivor = store.final_survivor(conn, checked)
        raise ValidationFailed(f"Account {checked} was merged into account {survivor}; use account {survivor}.",
                               {field: [f"Merged into account {survivor}."]}, merged_into=survivor)
    return row


def live_account(conn, account_id):
    """The live account a path names (no lock): NotFound when unknown,
    Conflict naming the survivor when merged."""
    checked = parse_account_id(account_id)
    row = store.find_account(conn, checked) if checked else None
    if row is None:
        raise NotFound(f"No account with id {account_id}.")
    if row["merged_into"]:
        survivor = store.final_survivor(conn, checked)
        raise Conflict(f"Account {checked} was merged into account {survivor}; use account {survivor} instead.",
                       account_id=checked, merged_into=survivor)
    return row


# Feeding the projection ----------------------------------------------------------

def projection_values(account):
    """The projection columns of a sales account snapshot (AccountSchema
    form), or None when it lacks what the projection needs."""
    if not isinstance(account, dict):
        return None
    checked, version = parse_account_id(account.get("id")), account.get("version")
    name, account_type = account.get("name"), account.get("type")
    if checked is None or not isinstance(name, str) or not isinstance(account_type, str):
        return None
    if isinstance(version, bool) or not isinstance(version, int):
        return None
    country = account.get("country")
    merged_into = account.get("merged_into")
    return {"id": checked, "name": name, "type": account_type,
            "country": country.upper() if isinstance(country, str) and len(country) == 2 else None,
            "merged_into": parse_account_id(merged_into) if merged_into else None, "source_version": version}


def apply_snapshots(conn, accounts):
    """Write account snapshots (sales' AccountSchema form) into the
    projection, each only when newer than what is stored; a snapshot that
    cannot be read is skipped and logged.  Returns the ids written."""
    newest = {}
    for account in accounts:
        row = projection_values(account)
        if row is None:
            log.warning("account snapshot without id, name, type or version skipped: %r", account)
        elif row["id"] not in newest or newest[row["id"]]["source_version"] < row["source_version"]:
            newest[row["id"]] = row
    return store.upsert_accounts(conn, list(newest.values()))


def follow_merge(conn, survivor, merged_id):
    """``account.merged``: the survivor's snapshot is applied, the merged
    account points to the survivor, and every document of the merged account
    moves to the survivor (to where the survivor was merged in turn, when a
    later merge was handled first).  Returns ``{table: rows moved}``."""
    apply_snapshots(conn, [survivor])
    target = store.final_survivor(conn, parse_account_id(survivor["id"]))
    if target == merged_id:  # a damaged chain: never point an account at itself
        log.warning("account.merged: %s would be merged into itself; ignored", merged_id)
        return {}
    store.mark_merged(conn, merged_id, target)  # locks the merged row before its documents
    moved = store.move_documents(conn, merged_id, target)
    if any(moved.values()):
        log.info("account %s merged into %s: moved %s", merged_id, target, moved)
    return moved


# Customer value ---------------------------------------------------------------------

def customer_value(conn, account_id, reporting_currency, today):
    """The value of the live account ``account_id`` (CustomerValueSchema
    form) in ``reporting_currency``, with the rates in force ``today``."""
    account = live_account(conn, account_id)
    checked = str(account["id"])
    base_currency, rates = store.rates_in_force(conn, today)
    figures = value.customer_value(store.orders_by_currency(conn, checked),
                                   store.invoices_by_currency(conn, checked, today),
                                   store.credit_notes_by_currency(conn, checked),
                                   reporting_currency, base_currency, rates)
    return {"account_id": checked, "account_name": account["name"], "as_of": today.isoformat(), **figures}
