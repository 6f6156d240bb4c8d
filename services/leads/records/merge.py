"""Merging a duplicate lead into a survivor, keeping the richer data.

``merge_leads(survivor, other)`` returns ``(merged, filled_fields)`` and
changes neither argument.  The caller stores ``merged`` as the survivor,
marks ``other`` with ``merged_into = survivor id``, re-scores the survivor and
sets ``updated_at``.

Rules, field by field:

- contact and company fields (``FILLABLE_FIELDS``: names, email, phone,
  company, title, industry, country, company_size, source, campaign_id): the
  survivor's value when it is not empty, else the other's.  Empty is None, a
  blank string or an empty container; ``0`` is a value.  ``phone_text`` (the
  phone as it was given) goes with the phone it belongs to.
- ``owner``: the survivor's; the other's only when the survivor has none.
- ``attributes``: ``{**other.attributes, **survivor.attributes}`` (the
  survivor wins a key both have).
- ``notes``: when both have notes and they differ (ignoring surrounding
  whitespace): survivor's notes + ``"\\n\\n--- merged from lead <other id>
  ---\\n"`` + other's notes; when only one has notes, those.
- ``engagement``: the sum of both.
- ``created_at``: the earlier of the two (datetimes or ISO 8601 strings).
- ``id``, ``status``, ``score``, ``updated_at``, ``merged_into``: the
  survivor's.

``filled_fields`` lists, in ``LEAD_FIELDS`` order, every field whose value in
``merged`` differs from the survivor's, i.e. what the merge changed.

Refused with ``Conflict``: merging a lead with itself, or when either lead was
merged already (``merged_into`` set) or is converted.
"""

from datetime import UTC, datetime

from shared.schemas.errors import Conflict

__all__ = ["FILLABLE_FIELDS", "LEAD_FIELDS", "merge_leads"]

FILLABLE_FIELDS = (
    "first_name", "last_name", "email", "phone", "company", "title", "industry",
    "country", "company_size", "source", "campaign_id",
)  # fmt: skip

LEAD_FIELDS = (
    "id", *FILLABLE_FIELDS, "phone_text", "notes", "attributes", "status", "owner", "score",
    "engagement", "created_at", "updated_at", "merged_into",
)  # fmt: skip

NOTES_SEPARATOR = "\n\n--- merged from lead {other_id} ---\n"


def _is_empty(v):
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip()
    if isinstance(v, (dict, list, tuple, set)):
        return not v
    return False


def _check_mergeable(survivor, other):
    survivor_id, other_id = survivor.get("id"), other.get("id")
    if survivor_id == other_id:
        raise Conflict(
            "A lead cannot be merged with itself; choose two different leads.",
            errors={"other_id": ["Must differ from the surviving lead's id."]},
            lead_id=survivor_id,
        )
    for role, lead in (("survivor", survivor), ("other", other)):
        lead_id = lead.get("id")
        if not _is_empty(lead.get("merged_into")):
            raise Conflict(
                f"Lead {lead_id} was already merged into lead {lead['merged_into']}; "
                f"merge with lead {lead['merged_into']} instead.",
                lead_id=lead_id,
                role=role,
                merged_into=lead["merged_into"],
            )
        if lead.get("status") == "converted":
            raise Conflict(
                f"Lead {lead_id} is converted; a converted lead cannot be merged.",
                lead_id=lead_id,
                role=role,
            )


def _as_datetime(v):
    if isinstance(v, datetime):
        moment = v
    elif isinstance(v, str) and v.strip():
        try:
            moment = datetime.fromisoformat(v.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # naive times are taken as UTC
    return moment


def _earlier(survivor_value, other_value):
    mine, theirs = _as_datetime(survivor_value), _as_datetime(other_value)
    if theirs is None:
        return survivor_value
    if mine is None or theirs < mine:
        return other_value
    return survivor_value


def _merge_notes(survivor_notes, other_notes, other_id):
    if _is_empty(other_notes):
        return survivor_notes
    if _is_empty(survivor_notes):
        return other_notes
    if survivor_notes.strip() == other_notes.strip():
        return survivor_notes
    return survivor_notes + NOTES_SEPARATOR.format(other_id=other_id) + other_notes


def _count(v):
    return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else 0


def merge_leads(survivor, other):
    """Merge ``other`` into ``survivor``: ``(merged, filled_fields)``; see the module doc."""
    _check_mergeable(survivor, other)
    merged = dict(survivor)
    for field in FILLABLE_FIELDS:
        if _is_empty(survivor.get(field)) and not _is_empty(other.get(field)):
            merged[field] = other[field]
    if merged.get("phone") != survivor.get("phone") and "phone_text" in other:
        merged["phone_text"] = other["phone_text"]
    if _is_empty(survivor.get("owner")) and not _is_empty(other.get("owner")):
        merged["owner"] = other["owner"]
    merged["attributes"] = {**(other.get("attributes") or {}), **(survivor.get("attributes") or {})}
    merged["notes"] = _merge_notes(survivor.get("notes"), other.get("notes"), other.get("id"))
    merged["engagement"] = _count(survivor.get("engagement")) + _count(other.get("engagement"))
    merged["created_at"] = _earlier(survivor.get("created_at"), other.get("created_at"))

    filled = [
        field
        for field in LEAD_FIELDS
        if merged.get(field) != survivor.get(field)
        and not (field == "attributes" and _is_empty(merged[field]) and _is_empty(survivor.get(field)))
    ]
    return merged, filled
