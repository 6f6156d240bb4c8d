"""Contact operations: each takes a connection inside one transaction and
writes the change and its events (through the outbox) together.

Other areas call ``create_contact``, ``find_by_email`` and ``contact_snapshot``.
"""

import uuid

import psycopg

from services.sales.accounts import store as accounts_store
from services.sales.accounts.commands import referenced_account
from services.sales.contacts import store
from services.sales.contacts.store import CONTACT_FIELDS, contact_snapshot
from services.sales.normalize import normalize_email
from shared.kit import outbox, versions
from shared.kit.rows import plain
from shared.schemas.errors import Conflict, DuplicateFound, ValidationFailed
from shared.schemas.phones import CONTACT_PHONE_HELP, e164, phone_help

__all__ = ["contact_snapshot", "create_contact", "find_by_email", "update_contact"]


def _emails(emails):
    """The addresses in order, each once (ignoring case)."""
    seen, kept = set(), []
    for email in emails or []:
        key = email.strip().lower()
        if key and key not in seen:
            seen.add(key)
            kept.append(email.strip())
    return kept


def _email_norm(emails):
    if not emails:
        return None
    return normalize_email(emails[0]) or emails[0].strip().lower()


def phone_values(texts, country):
    """A contact's phone columns for its phones as given: ``phones`` in E.164
    (read with its account's ``country`` as the default region) and
    ``phones_text``, in the same order; ValidationFailed naming each item
    that reads as no number."""
    texts = list(texts or [])
    numbers = [e164(text, country) for text in texts]
    errors = {index: [phone_help(texts[index], country, CONTACT_PHONE_HELP)]
              for index, number in enumerate(numbers) if number is None}
    if errors:
        shown = ", ".join(repr(texts[index]) for index in errors)
        raise ValidationFailed(f"These phones read as no phone number: {shown}. {errors[next(iter(errors))][0]}",
                               {"phones": errors})
    return {"phones": numbers, "phones_text": texts}


def _account_country(conn, account_id):
    """The country of the account (None without an account, or when it names none)."""
    if not account_id:
        return None
    account = accounts_store.find_account(conn, str(account_id))
    return account["country"] if account else None


def find_by_email(conn, email):
    """The contact whose primary email is this one (ignoring case and
    surrounding whitespace), or None."""
    if not email or not isinstance(email, str) or not email.strip():
        return None
    return store.by_email_norm(conn, normalize_email(email) or email.strip().lower())


def duplicate_error(existing):
    return DuplicateFound(
        f"A contact with this primary email exists: contact {existing['id']}; use or update that one.",
        {"emails": [f"Contact {existing['id']} has {existing['email_norm']} as its primary email."]},
        existing_id=str(existing["id"]),
    )


def _unique_violation_error(conn, email_norm, exclude_id=None):
    existing = store.by_email_norm(conn, email_norm, exclude_id)
    if existing:
        return duplicate_error(existing)
    return Conflict("Another change to a contact with this email happened at the same time; retry.")


def create_contact(conn, data, actor, phones_text=None):
    """Create a contact from validated input (ContactCreateSchema); returns
    the row.  DuplicateFound when a contact has the same primary email.
    ``phones_text``: the phones as given, when ``data["phones"]`` holds
    numbers read already (a converted lead's)."""
    values = {**data, "id": str(uuid.uuid4()), "created_by": actor}
    values["emails"] = _emails(data.get("emails"))
    values["email_norm"] = _email_norm(values["emails"])
    values["attributes"] = data.get("attributes") or {}
    values["do_not_call"] = bool(data.get("do_not_call"))
    values["do_not_email"] = bool(data.get("do_not_email"))
    account = None
    if data.get("account_id"):
        values["account_id"] = str(data["account_id"])
        account = referenced_account(conn, values["account_id"], "account_id")
    if phones_text is not None:
        values.update(phones=list(data.get("phones") or []), phones_text=list(phones_text))
    else:
        values.update(phone_values(data.get("phones"), account["country"] if account else None))
    if values["email_norm"]:
        existing = store.by_email_norm(conn, values["email_norm"])
        if existing:
            raise duplicate_error(existing)
    try:
        with conn.transaction():
            row = store.insert_contact(conn, values)
    except psycopg.errors.UniqueViolation:  # created concurrently, after the look-up
        raise _unique_violation_error(conn, values["email_norm"]) from None
    store.HISTORY.created(conn, row, actor)
    outbox.add(conn, "contact.created", {"contact": contact_snapshot(row)})
    return row


def _changed_values(row, changes):
    values = {}
    for key, value in changes.items():
        if key == "emails":
            value = _emails(value)
        elif key == "account_id":
            value = str(value) if value else None
        if plain(row[key]) != value:
            values[key] = value
    return values


def update_contact(conn, contact_id, changes, actor, expected_version=None):
    """Apply validated changes (ContactUpdateSchema, PATCH semantics);
    returns the row.  One contact.updated event when something changed.
    New phones are read with the country of the account the contact has
    after the change."""
    row = store.get_contact(conn, contact_id, lock=True)
    versions.check_version(row, expected_version, "contact")
    if "phones" in changes:
        country = _account_country(conn, changes.get("account_id", row["account_id"]))
        changes = {**changes, **phone_values(changes["phones"], country)}
    values = _changed_values(row, changes)
    if not values:
        return row
    merged = {**row, **values}
    if not (merged["first_name"] or merged["last_name"]):
        raise ValidationFailed("A contact keeps a first or a last name.",
                               {"last_name": ["A contact needs a first or a last name."]})
    if values.get("account_id"):
        referenced_account(conn, values["account_id"], "account_id")
    if "emails" in values:
        email_norm = _email_norm(values["emails"])
        if email_norm != row["email_norm"]:
            values["email_norm"] = email_norm
            existing = email_norm and store.by_email_norm(conn, email_norm, str(row["id"]))
            if existing:
                raise duplicate_error(existing)
    try:
        with conn.transaction():
            updated = store.update_contact(conn, row["id"], values)
    except psycopg.errors.UniqueViolation:
        raise _unique_violation_error(conn, values.get("email_norm"), str(row["id"])) from None
    store.HISTORY.changed(conn, row, updated, actor)
    changed = sorted(key for key in values if key in CONTACT_FIELDS)
    outbox.add(conn, "contact.updated", {"contact": contact_snapshot(updated), "changed": changed})
    return updated
