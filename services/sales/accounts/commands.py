"""Account operations: each takes a connection inside one transaction and
writes the change and its events (through the outbox) together.

Other areas of the sales service call ``create_account``, ``find_duplicate``,
``get_live_account`` and ``account_snapshot``.
"""

import uuid

import psycopg

from services.sales.accounts import store
from services.sales.accounts.merge import check_mergeable, merge_fields
from services.sales.contacts import store as contacts_store
from services.sales.contacts.store import contact_snapshot
from services.sales.normalize import normalize_domain, normalize_name
from services.sales.opportunities import store as opportunities_store
from shared.kit import outbox, versions
from shared.kit.history import History
from shared.kit.rows import plain, snapshot
from shared.schemas.errors import Conflict, DuplicateFound, NotFound, ValidationFailed

ACCOUNT_FIELDS = (
    "id", "name", "domain", "industry", "size", "country", "addresses", "type", "parent_id", "owner", "attributes",
    "merged_into", "version", "created_by", "created_at", "updated_at",
)
ADDRESS_KEYS = ("kind", "street", "city", "region", "postal_code", "country")
# Every change of an account, by the command that makes it (see shared.kit.history).
HISTORY = History("account_history", "account_id", ACCOUNT_FIELDS)


def account_snapshot(row):
    """An account as the API and events show it (AccountSchema)."""
    return snapshot(row, ACCOUNT_FIELDS)


# Checks ---------------------------------------------------------------------

def merged_conflict(row):
    survivor = str(row["merged_into"])
    return Conflict(f"Account {row['id']} was merged into account {survivor}; use account {survivor} instead.",
                    account_id=str(row["id"]), merged_into=survivor)


def require_live(row):
    if row["merged_into"]:
        raise merged_conflict(row)
    return row


def get_live_account(conn, account_id):
    """A live account, locked FOR SHARE until the transaction ends (so it
    cannot be merged away while the caller attaches something to it);
    NotFound when there is none (or the id is malformed), Conflict naming
    the survivor when merged.  Call it before locking rows of your own that
    a merge moves (opportunities, activities, contacts): a merge locks the
    accounts first."""
    try:
        account_id = str(uuid.UUID(str(account_id)))
    except ValueError:
        raise NotFound(f"No account with id {account_id!r}.") from None
    return require_live(store.get_account(conn, account_id, lock="share"))


def referenced_account(conn, account_id, field):
    """The live account a body field refers to (locked FOR SHARE), else
    ValidationFailed on that field."""
    row = store.find_account(conn, str(account_id), lock="share")
    if row is None:
        raise ValidationFailed(f"There is no account with id {account_id}.", {field: ["No such account."]})
    if row["merged_into"]:
        survivor = str(row["merged_into"])
        raise ValidationFailed(f"Account {account_id} was merged into account {survivor}; use that one.",
                               {field: [f"Merged into account {survivor}."]}, merged_into=survivor)
    return row


def _domain(value):
    if value is None:
        return None
    domain = normalize_domain(value)
    if domain is None:
        raise ValidationFailed("The domain is not a web domain.",
                               {"domain": ["Not a web domain; give a host name such as acme.com."]})
    return domain


def _check_parent(conn, account_id, parent_id):
    """The new parent of ``account_id`` (None: a new account) exists, is
    live, is not the account or one of its descendants, and keeps the
    hierarchy within MAX_DEPTH levels."""
    parent = referenced_account(conn, parent_id, "parent_id")
    if account_id is None:
        if len(store.ancestors(conn, parent_id)) + 2 > store.MAX_DEPTH:
            raise ValidationFailed("The hierarchy would be too deep.",
                                   {"parent_id": [f"At most {store.MAX_DEPTH} levels."]})
        return parent
    if str(parent_id) == str(account_id):
        raise ValidationFailed("An account cannot be its own parent.", {"parent_id": ["The account itself."]})
    chain = store.ancestors(conn, parent_id)
    if str(account_id) in {str(row["id"]) for row in chain}:
        raise ValidationFailed(
            f"Account {parent_id} is a descendant of account {account_id}; making it the parent would make a cycle.",
            {"parent_id": ["A descendant of this account (cycle)."]},
        )
    if len(chain) + 2 + store.depth_below(conn, account_id) > store.MAX_DEPTH:
        raise ValidationFailed("The hierarchy would be too deep.",
                               {"parent_id": [f"At most {store.MAX_DEPTH} levels."]})
    return parent


# Dedup ----------------------------------------------------------------------

def _duplicates(conn, domain, name_norm, country, exclude_ids=()):
    """{field: live account row} for the dedup keys that are taken."""
    found = {}
    if domain:
        row = store.live_by_domain(conn, domain, exclude_ids)
        if row:
            found["domain"] = row
    if name_norm:
        row = store.live_by_name(conn, name_norm, country, exclude_ids)
        if row:
            found["name"] = row
    return found


def duplicate_error(found):
    errors = {}
    if "domain" in found:
        errors["domain"] = [f"Account {found['domain']['id']} ({found['domain']['name']}) has this domain."]
    if "name" in found:
        row = found["name"]
        where = f" in {row['country']}" if row["country"] else " (no country)"
        errors["name"] = [f"Account {row['id']} ({row['name']}) has this name{where}."]
    existing = found.get("domain") or found["name"]
    return DuplicateFound(
        f"This account duplicates account {existing['id']} ({existing['name']}); use or update that one, "
        "or merge the two.",
        errors, existing_id=str(existing["id"]),
    )


def find_duplicate(conn, *, name=None, domain=None, country=None):
    """The live account with this domain, else with this normalised name in
    this country (None: accounts without a country); None when there is none.
    ``name`` and ``domain`` may be as typed (a URL is fine)."""
    found = _duplicates(conn, normalize_domain(domain) if domain else None, normalize_name(name),
                        country.upper() if country else None)
    return found.get("domain") or found.get("name")


def _unique_violation_error(conn, domain, name_norm, country, exclude_ids=()):
    found = _duplicates(conn, domain, name_norm, country, exclude_ids)
    if found:
        return duplicate_error(found)
    return Conflict("Another change to a matching account happened at the same time; retry.")


# Create and update ----------------------------------------------------------

def create_account(conn, data, actor):
    """Create an account from validated input (AccountCreateSchema); returns
    the row.  DuplicateFound when a live account has the domain, or the
    normalised name in the same country (also when created concurrently)."""
    values = {**data, "id": str(uuid.uuid4()), "created_by": actor}
    values["domain"] = _domain(data.get("domain"))
    values["name_norm"] = normalize_name(data["name"])
    values["addresses"] = _addresses(data.get("addresses"))
    values["attributes"] = data.get("attributes") or {}
    values["type"] = data.get("type") or "prospect"
    if data.get("parent_id"):
        values["parent_id"] = str(data["parent_id"])
        _check_parent(conn, None, values["parent_id"])
    found = _duplicates(conn, values["domain"], values["name_norm"], values.get("country"))
    if found:
        raise duplicate_error(found)
    try:
        with conn.transaction():
            row = store.insert_account(conn, values)
    except psycopg.errors.UniqueViolation:  # created concurrently, after the look-up
        raise _unique_violation_error(conn, values["domain"], values["name_norm"], values.get("country")) from None
    HISTORY.created(conn, row, actor)
    outbox.add(conn, "account.created", {"account": account_snapshot(row)})
    return row


def _addresses(addresses):
    """Every address with all its keys, in the order given."""
    return [{key: address.get(key) for key in ADDRESS_KEYS} for address in addresses or []]


def _changed_values(row, changes):
    values = {}
    for key, value in changes.items():
        if key == "domain":
            value = _domain(value)
        elif key == "parent_id":
            value = str(value) if value else None
        elif key == "addresses":
            value = _addresses(value)
        if plain(row[key]) != value:
            values[key] = value
    return values


def won_customer(conn, account_id, actor):
    """A prospect account with a won opportunity is a customer now
    (account.updated); any other type stays as it is.  Returns the row."""
    row = store.get_account(conn, account_id)
    if row["type"] != "prospect" or row["merged_into"]:
        return row
    return update_account(conn, account_id, {"type": "customer"}, actor)


def update_account(conn, account_id, changes, actor, expected_version=None):
    """Apply validated changes (AccountUpdateSchema, PATCH semantics);
    returns the row.  One account.updated event when something changed."""
    if "parent_id" in changes:
        store.lock_hierarchy(conn)  # before the row: the order merges take too
    row = require_live(store.get_account(conn, account_id, lock="update"))
    versions.check_version(row, expected_version, "account")
    values = _changed_values(row, changes)
    if not values:
        return row
    if values.get("parent_id"):
        _check_parent(conn, row["id"], values["parent_id"])
    if "name" in values:
        values["name_norm"] = normalize_name(values["name"])
    keys = {"domain", "name_norm", "country"}
    if keys & values.keys():
        merged = {**row, **values}
        found = _duplicates(conn, merged["domain"] if "domain" in values else None,
                            merged["name_norm"] if {"name_norm", "country"} & values.keys() else None,
                            merged["country"], [row["id"]])
        if found:
            raise duplicate_error(found)
    try:
        with conn.transaction():
            updated = store.update_account(conn, row["id"], values)
    except psycopg.errors.UniqueViolation:
        merged = {**row, **values}
        raise _unique_violation_error(conn, merged["domain"], merged["name_norm"], merged["country"],
                                      [row["id"]]) from None
    HISTORY.changed(conn, row, updated, actor)
    changed = sorted(key for key in values if key in ACCOUNT_FIELDS)
    if changed:
        outbox.add(conn, "account.updated", {"account": account_snapshot(updated), "changed": changed})
    return updated


# Merge ----------------------------------------------------------------------

def _safe_fill(conn, survivor, duplicate, values, filled):
    """Drop filled values that would break a rule: a parent that makes a
    cycle or is gone, a domain or name+country another live account has."""
    exclude = [survivor["id"], duplicate["id"]]
    parent_id = values.get("parent_id")
    if parent_id:
        parent = store.find_account(conn, parent_id)
        chain = {str(row["id"]) for row in store.ancestors(conn, parent_id)}
        if (parent is None or parent["merged_into"] or parent_id in (str(survivor["id"]), str(duplicate["id"]))
                or str(survivor["id"]) in chain):
            del values["parent_id"]
    if values.get("domain") and store.live_by_domain(conn, values["domain"], exclude):
        del values["domain"]
    if values.get("country") and store.live_by_name(conn, survivor["name_norm"], values["country"], exclude):
        del values["country"]
    return values, [field for field in filled if field in values]


def _merge_history(conn, survivor, updated, duplicate_id, children, contacts, opportunities, actor):
    """History rows of a merge: ``merged`` on the survivor (``merged_id`` and
    the fields it filled), ``merged_into`` on the duplicate, and
    ``account_merged`` on each record that moved to the survivor."""
    survivor_id = str(survivor["id"])
    HISTORY.changed(conn, survivor, updated, actor, "merged", {"merged_id": duplicate_id})
    HISTORY.add_many(conn, [(duplicate_id, actor, "merged_into", {"merged_into": [None, survivor_id]})] + [
        (child["id"], actor, "account_merged", {"parent_id": [duplicate_id, survivor_id]}) for child in children])
    moved = {"account_id": [duplicate_id, survivor_id]}
    contacts_store.HISTORY.add_many(conn, [(contact["id"], actor, "account_merged", moved) for contact in contacts])
    opportunities_store.HISTORY.add_many(conn, [(row["id"], actor, "account_merged", moved) for row in opportunities])


def merge_accounts(conn, survivor_id, duplicate_id, actor):
    """Merge ``duplicate_id`` into ``survivor_id``; returns (survivor row,
    moved counts).  See services/sales/accounts/merge.py for the rules.

    Locks: the hierarchy lock, then both accounts in id order, then the rows
    that move.  A writer that locks one of those rows first and then waits
    for one of the accounts can deadlock with it; PostgreSQL then aborts one
    side, which answers Conflict (retry: see ``shared.kit.db.Db.transaction``)."""
    if str(survivor_id) == str(duplicate_id):
        check_mergeable({"id": survivor_id}, {"id": duplicate_id})
    store.lock_hierarchy(conn)
    survivor, duplicate = store.lock_accounts(conn, [survivor_id, duplicate_id])
    check_mergeable(survivor, duplicate, [row["id"] for row in store.ancestors(conn, survivor["id"])])
    values, filled = _safe_fill(conn, survivor, duplicate, *merge_fields(survivor, duplicate))

    survivor_id, duplicate_id = str(survivor["id"]), str(duplicate["id"])
    store.mark_merged(conn, duplicate_id, survivor_id)  # first: frees its domain and name for the survivor
    children = store.move_children(conn, duplicate_id, survivor_id)
    contacts = store.move_contacts(conn, duplicate_id, survivor_id)
    opportunities = store.move_opportunities(conn, duplicate_id, survivor_id)
    moved = {
        "contacts": len(contacts),
        "opportunities": len(opportunities),
        "activities": store.move_activities(conn, duplicate_id, survivor_id),
        "children": len(children),
    }
    store.repoint_conversions(conn, duplicate_id, survivor_id)
    try:
        updated = store.update_account(conn, survivor_id, values)
    except psycopg.errors.UniqueViolation:
        raise Conflict("Another account took the merged domain or name at the same time; retry the merge.") from None
    _merge_history(conn, survivor, updated, duplicate_id, children, contacts, opportunities, actor)

    account = account_snapshot(updated)
    events = [("account.merged", {"account": account, "merged_id": duplicate_id, "moved": moved})]
    if filled:
        events.append(("account.updated", {"account": account, "changed": filled}))
    events += [("account.updated", {"account": account_snapshot(child), "changed": ["parent_id"]})
               for child in children]
    events += [("contact.updated", {"contact": contact_snapshot(contact), "changed": ["account_id"]})
               for contact in contacts]
    outbox.add_many(conn, events)
    return updated, moved
