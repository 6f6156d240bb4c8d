"""Merging a duplicate account into a survivor: the pure rules.

``check_mergeable(survivor, duplicate, survivor_ancestor_ids)`` refuses
(Conflict, 409) merging an account into itself, into one of its own
descendants (the survivor would become its own ancestor once it takes the
duplicate's children), or when either account was merged already.

``merge_fields(survivor, duplicate)`` returns ``(values, filled)``: the
column values the survivor takes and the names of the fields they change.

- ``FILLABLE_FIELDS`` (domain, industry, size, country, addresses,
  parent_id, owner): the survivor's value when it is not empty, else the
  duplicate's.  Empty is None, a blank string or an empty list; ``0`` is a
  value.
- ``attributes``: ``{**duplicate.attributes, **survivor.attributes}`` (the
  survivor wins a key both have).
- ``type``: a prospect survivor takes the duplicate's type when that is
  any other (a customer merged into a prospect makes a customer); otherwise
  the survivor's stays.
- ``name`` is never empty: the survivor's stays.

The caller drops a filled ``parent_id`` that would make a cycle, and a filled
domain or country that would collide with a third live account.
"""

from shared.kit.rows import plain
from shared.schemas.errors import Conflict

FILLABLE_FIELDS = ("domain", "industry", "size", "country", "addresses", "parent_id", "owner")


def is_empty(value):
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value
    return False


def check_mergeable(survivor, duplicate, survivor_ancestor_ids=()):
    survivor_id, duplicate_id = str(survivor["id"]), str(duplicate["id"])
    if survivor_id == duplicate_id:
        raise Conflict("An account cannot be merged into itself; choose two different accounts.",
                       {"duplicate_id": ["Must differ from the surviving account's id."]}, account_id=survivor_id)
    for role, account in (("survivor", survivor), ("duplicate", duplicate)):
        if account.get("merged_into"):
            survivor_of = str(account["merged_into"])
            raise Conflict(
                f"Account {account['id']} was already merged into account {survivor_of}; "
                f"merge with account {survivor_of} instead.",
                account_id=str(account["id"]), role=role, merged_into=survivor_of,
            )
    if duplicate_id in {str(ancestor) for ancestor in survivor_ancestor_ids}:
        raise Conflict(
            f"Account {survivor_id} is a descendant of account {duplicate_id}: merging the parent into its own "
            f"descendant would make a cycle. Merge the other way round, or give account {survivor_id} another "
            "parent first.",
            {"duplicate_id": ["An ancestor of the surviving account."]}, account_id=survivor_id,
        )


def merge_fields(survivor, duplicate):
    """``(values, filled)``: see the module doc."""
    values = {}
    for field in FILLABLE_FIELDS:
        if is_empty(survivor.get(field)) and not is_empty(duplicate.get(field)):
            values[field] = plain(duplicate[field])
    if survivor.get("type") == "prospect" and duplicate.get("type") not in (None, "prospect"):
        values["type"] = duplicate["type"]
    attributes = {**(duplicate.get("attributes") or {}), **(survivor.get("attributes") or {})}
    if attributes != (survivor.get("attributes") or {}):
        values["attributes"] = attributes
    return values, [field for field in (*FILLABLE_FIELDS, "type", "attributes") if field in values]
