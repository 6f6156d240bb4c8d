"""Activity operations: each takes a connection inside one transaction and
writes the change together with its event (through the outbox)."""

import uuid
from datetime import UTC, datetime

from services.sales.activities import store
from shared.kit import outbox, versions
from shared.kit.rows import snapshot as row_snapshot
from shared.schemas.errors import Conflict, ValidationFailed


def snapshot(row):
    """An activity as the API and events show it (ActivitySchema)."""
    return row_snapshot(row, store.FIELDS)


def _text(value):
    return str(value) if value is not None else None


def _invalid(field, message):
    return ValidationFailed(message, {field: [message]})


LINKED = (("contact_id", "contact"), ("opportunity_id", "opportunity"))
ATTEMPTS = 3


def _implied_accounts(conn, data, lock=False):
    """{field: account id} the linked contact and opportunity imply (None
    when one has no account); ValidationFailed for a link to nothing."""
    implied = {}
    for field, what in LINKED:
        if data.get(field) is None:
            continue
        row = store.linked_record(conn, what, data[field], lock)
        if row is None:
            raise _invalid(field, f"No {what} with id {data[field]}.")
        implied[field] = _text(row["account_id"])
    return implied


def _choose_account(given, implied):
    """The given account, which every linked record's must agree with, else the one they agree on."""
    accounts = {field: account for field, account in implied.items() if account is not None}
    if given is not None:
        for field, account in accounts.items():
            if account != given:
                raise _invalid("account_id", f"The {field.removesuffix('_id')} belongs to account {account}, "
                                             f"not {given}; omit account_id or give that one.")
        return given
    if len(set(accounts.values())) > 1:
        raise _invalid("opportunity_id", f"The opportunity belongs to account {accounts['opportunity_id']} but "
                                         f"the contact to {accounts['contact_id']}; link records of one account.")
    return next(iter(accounts.values()), None)


def resolve_account(conn, data):
    """The account the activity belongs to: the given one, else the
    contact's or the opportunity's.  Every linked record must exist, the
    account must not be merged, and all of them must agree on the account;
    ValidationFailed names the field at fault.

    The account is locked (FOR SHARE) before the contact and opportunity,
    in the order a merge locks them: a merge in flight makes this wait and
    then either follows the records it moved (a derived account) or names
    the survivor (a given one); a merge that starts later waits for this
    transaction and moves the new activity too."""
    given = _text(data.get("account_id"))
    for _ in range(ATTEMPTS):
        implied = _implied_accounts(conn, data)
        account_id = _choose_account(given, implied)
        if account_id is not None:
            row = store.linked_account(conn, account_id)
            field = "account_id" if given is not None else next(f for f, a in implied.items() if a == account_id)
            if row is None:
                raise _invalid(field, f"No account with id {account_id}.")
            if row["merged_into"] is not None:
                if given is None and _implied_accounts(conn, data) != implied:
                    continue  # the merge moved the contact or opportunity: follow it
                raise _invalid(field, f"Account {account_id} was merged into {row['merged_into']}; use that one.")
        if _implied_accounts(conn, data, lock=True) == implied:
            return account_id
    raise Conflict("The activity's contact or opportunity moved to another account meanwhile; retry.")


def _completed_at(status, now):
    return now if status == "done" else None


def default_status(kind, due_at, now):
    """A note is done; a task is open; a call or meeting is open while it is
    scheduled in the future and done otherwise (logging one says it happened)."""
    if kind == "note":
        return "done"
    if kind == "task":
        return "open"
    return "open" if due_at is not None and due_at > now else "done"


def log_activity(conn, data, actor):
    """Log a call, meeting, task or note from validated input (ActivityCreateSchema)."""
    now = datetime.now(UTC)
    account_id = resolve_account(conn, data)
    kind = data["kind"]
    status = data.get("status") or default_status(kind, data.get("due_at"), now)
    occurred_at = data.get("occurred_at")
    if occurred_at is None:
        occurred_at = (data.get("due_at") if kind != "note" else None) or now
    values = {
        **{key: data.get(key) for key in ("kind", "subject", "body", "contact_id", "opportunity_id", "lead_id",
                                          "due_at")},
        "id": uuid.uuid4(),
        "account_id": account_id,
        "status": status,
        "occurred_at": occurred_at,
        "completed_at": _completed_at(status, now),
        "owner": data.get("owner", actor),
        "created_by": actor,
    }
    row = store.insert_activity(conn, values)
    outbox.add(conn, "activity.logged", {"activity": snapshot(row)})
    return row


def update_activity(conn, activity_id, changes, actor, expected_version=None):
    """Change the given fields (ActivityUpdateSchema); done sets completed_at,
    leaving done (open again, or cancelled) clears it."""
    row = store.get_activity(conn, activity_id, lock=True)
    versions.check_version(row, expected_version, "activity")
    values = {key: value for key, value in changes.items() if row[key] != value}
    if "status" in values:
        values["completed_at"] = _completed_at(values["status"], datetime.now(UTC))
    if not values:
        return row
    return store.update_activity(conn, activity_id, values)
