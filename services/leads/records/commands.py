"""Lead operations: each takes a connection inside one transaction, writes
the change, its history and its events (through the outbox) together.

Other areas of the leads service write a lead through ``write_lead`` (after
``require_live``) and show it with ``store.snapshot``."""

import uuid
from datetime import UTC, datetime

import psycopg

from services.leads.assignment import commands as assignment
from services.leads.normalize import normalize_company, normalize_email, normalize_phone
from services.leads.records import store
from services.leads.records.merge import merge_leads
from services.leads.records.status import check_manual_transition, event_for_transition
from services.leads.records.store import SNAPSHOT_FIELDS, json_value, snapshot
from services.leads.scoring import commands as scoring
from shared.kit import green, outbox, versions
from shared.schemas.errors import Conflict, DuplicateFound, ValidationFailed
from shared.schemas.phones import e164, phone_help

NORMALISED = {"email": ("email_norm", normalize_email), "phone": ("phone_norm", normalize_phone),
              "company": ("company_norm", normalize_company)}
CREATE_ATTEMPTS = 3
DUPLICATE_MESSAGES = {"email": "An open lead with this email exists.",
                      "phone": "An open lead with this phone number at this company exists."}


def _normalise(lead):
    for field, (column, normalise) in NORMALISED.items():
        lead[column] = normalise(lead.get(field))
    return lead


def phone_values(text, country):
    """A lead's phone columns for ``text`` as given: the number in E.164 (read
    with the lead's ``country`` as the default region) and the text itself;
    ValidationFailed on ``phone`` when the text reads as no number."""
    if not text:
        return {"phone": None, "phone_text": None}
    number = e164(text, country)
    if number is None:
        help_text = phone_help(text, country)
        raise ValidationFailed(f"The phone {text!r} reads as no phone number. {help_text}", {"phone": [help_text]})
    return {"phone": number, "phone_text": text}


def prepare(data, source_default, now, job_id=None):
    """A new lead row from validated input (LeadCreateSchema)."""
    lead = dict.fromkeys((*store.LEAD_COLUMNS, *store.CONVERSION_COLUMNS))
    lead.update(data, do_not_email=False)
    lead.update(phone_values(data.get("phone"), data.get("country")))
    lead.update(
        id=str(uuid.uuid4()), source=data.get("source") or source_default, attributes=data.get("attributes") or {},
        status="new", engagement=0, version=1, created_at=now, updated_at=now, import_job_id=job_id,
    )  # every value is already a JSON type: ``now`` is an ISO string
    return _normalise(lead)


def _dedup_keys(lead):
    keys = []
    if lead.get("email_norm"):
        keys.append(("email", lead["email_norm"]))
    if lead.get("phone_norm") and lead.get("company_norm"):
        keys.append(("phone", (lead["phone_norm"], lead["company_norm"])))
    return keys


def _batch_duplicates(leads):
    """{index: (earlier lead id, field)} for leads repeating an earlier lead
    of the same batch on a dedup key."""
    duplicates, seen = {}, {}
    for index, lead in enumerate(leads):
        keys = _dedup_keys(lead)
        earlier = next(((seen[key], key[0]) for key in keys if key in seen), None)
        if earlier:
            duplicates[index] = earlier
        else:
            seen.update((key, lead["id"]) for key in keys)
    return duplicates


def _note_open_duplicates(conn, leads, duplicates):
    """Add to ``duplicates`` the leads that repeat an open lead in the database."""
    candidates = [(index, lead) for index, lead in enumerate(leads) if index not in duplicates]
    found = store.find_open_duplicates(conn, [lead for _, lead in candidates])
    for position, hit in found.items():
        duplicates[candidates[position][0]] = hit


def _insert(conn, leads, duplicates):
    """Assign owners to and insert the leads that are not duplicates; returns
    those inserted.  Most batches hold no duplicate of an open lead, so the
    first try copies them straight in and lets the unique indexes object; only
    then are the duplicates looked up and left out."""
    requested_owners = [lead.get("owner") for lead in leads]
    for look_up_first in (False, True):
        if look_up_first:
            _note_open_duplicates(conn, leads, duplicates)
            for lead, owner in zip(leads, requested_owners, strict=True):
                lead["owner"] = owner  # the rolled-back try's assignment does not count
        fresh = [lead for index, lead in enumerate(leads) if index not in duplicates]
        try:
            with conn.transaction():
                assignment.assign_owners(conn, fresh)
                store.copy_leads(conn, fresh)
            return fresh
        except psycopg.errors.UniqueViolation:
            continue
    # A concurrent writer created one of them after the look-up.
    for lead, owner in zip(leads, requested_owners, strict=True):
        lead["owner"] = owner
    assignment.assign_owners(conn, fresh)
    inserted = store.insert_leads_skipping_conflicts(conn, fresh)
    _note_open_duplicates(conn, leads, duplicates)
    return [lead for lead in fresh if lead["id"] in inserted]


def create_leads(conn, inputs, actor, source_default="manual", job_id=None):
    """Create leads from validated inputs; returns (created rows, duplicates)
    where duplicates maps an input's index to (existing lead id, field)."""
    now = datetime.now(UTC).isoformat()
    leads = [prepare(data, source_default, now, job_id) for data in green.cooperative(inputs)]
    score, version = scoring.scorer(conn)
    for lead in green.cooperative(leads):
        lead["score"], lead["scored_with"] = score(lead), version
    duplicates = _batch_duplicates(leads)
    created = _insert(conn, leads, duplicates) if len(duplicates) < len(leads) else []
    outbox.add_many(conn, [("lead.created", {"lead": {key: lead[key] for key in SNAPSHOT_FIELDS}})
                           for lead in created])
    if actor and not job_id:
        store.add_history(conn, [(lead["id"], actor, "created", {}) for lead in created])
    return created, duplicates


def duplicate_error(existing_id, field):
    return DuplicateFound(
        f"This lead duplicates open lead {existing_id}; update or merge that one instead.",
        {field: [DUPLICATE_MESSAGES[field]]},
        existing_id=existing_id,
    )


def create_lead(db, data, actor, source_default="manual"):
    """Create one lead from validated input (LeadCreateSchema); returns it.

    Takes the service's ``db`` (not a connection): one statement outside any
    transaction (``db.read()``) looks up the rules' versions and an open lead
    with the same email, or the same phone at the same company
    (DuplicateFound, a 409 naming it); a lead without an owner then takes a
    turn of the assignment rules (``assignment.deal_turn``); one short
    transaction (``db.transaction()``, so a keyed call records its answer
    with it) writes the lead, its history row and its event, statement by
    statement (COPY is for batches).  When a lead with the same keys is
    created meanwhile, the partial unique indexes refuse the insert and the
    look-up runs again to name it (the turn taken is not given back)."""
    lead = prepare(data, source_default, datetime.now(UTC).isoformat())
    requested_owner = lead["owner"]
    for _ in range(CREATE_ATTEMPTS):
        with db.read() as conn:
            found = store.create_look_up(conn, lead)
            if found["same_email"] or found["same_phone"]:
                field = "email" if found["same_email"] else "phone"
                raise duplicate_error(str(found[f"same_{field}"]), field)
            score, version = scoring.scorer(conn, found["scoring_version"])
            lead["score"], lead["scored_with"] = score(lead), version
            lead["owner"] = requested_owner or assignment.deal_turn(conn, lead, found["assignment_version"])
        try:
            with db.transaction() as conn:
                store.insert_lead(conn, lead, actor)
                outbox.add(conn, "lead.created", {"lead": {key: lead[key] for key in SNAPSHOT_FIELDS}})
            return lead
        except psycopg.errors.UniqueViolation:
            continue  # created meanwhile: the look-up names it (or it was closed: try again)
    raise Conflict("Open leads with the same email or phone were created and closed at the same time; retry.",
                   retry=True)


def write_lead(conn, row, values, actor, action, history_changes=None):
    """Update a locked lead row; a dedup collision becomes a 409."""
    try:
        with conn.transaction():
            updated = store.update_lead(conn, row["id"], values)
    except psycopg.errors.UniqueViolation:
        probe = _normalise({**row, **values})
        found = store.find_open_duplicates(conn, [probe], exclude_id=row["id"])
        raise duplicate_error(*found.get(0, (None, "email"))) from None
    changes = history_changes if history_changes is not None else {
        key: [json_value(row[key]), json_value(value)] for key, value in values.items() if key in SNAPSHOT_FIELDS
    }
    store.add_history(conn, [(row["id"], actor, action, changes)])
    return updated


def require_live(row):
    if row["merged_into"]:
        raise Conflict(f"Lead {row['id']} was merged into {row['merged_into']}; change that one.",
                       merged_into=str(row["merged_into"]))


def update_lead(conn, lead_id, changes, actor, expected_version=None):
    row = store.get_lead(conn, lead_id, lock=True)
    require_live(row)
    versions.check_version(row, expected_version, "lead")
    if "phone" in changes:
        changes = {**changes, **phone_values(changes["phone"], changes.get("country", row["country"]))}
    values = {key: value for key, value in changes.items() if row[key] != value}
    if "status" in values:
        check_manual_transition(row["status"], values["status"])
        if values["status"] != "disqualified" and "status_reason" not in changes and row["status_reason"]:
            values["status_reason"] = None
    if not values:
        return row
    for field, (column, normalise) in NORMALISED.items():
        if field in values:
            values[column] = normalise(values[field])
    values.update(scoring.rescored(conn, row, values))
    updated = write_lead(conn, row, values, actor, "updated")
    changed = sorted(key for key in values if key in SNAPSHOT_FIELDS)
    events = [("lead.updated", {"lead": snapshot(updated), "changed": changed})]
    if "status" in values and event_for_transition(values["status"]) != "lead.updated":
        events.append((event_for_transition(values["status"]),
                       {"lead": snapshot(updated), "previous_status": row["status"]}))
    outbox.add_many(conn, events)
    return updated


def assign_lead(conn, lead_id, owner, actor):
    row = store.get_lead(conn, lead_id, lock=True)
    require_live(row)
    if row["owner"] == owner:
        return row
    updated = write_lead(conn, row, {"owner": owner}, actor, "assigned")
    outbox.add(conn, "lead.assigned", {"lead": snapshot(updated), "previous_owner": row["owner"]})
    return updated


def merge(conn, survivor_id, duplicate_id, actor):
    """Merge ``duplicate_id`` into ``survivor_id``: the survivor keeps its
    values and takes the duplicate's where it has none; the duplicate's
    history moves over; the duplicate stays readable with ``merged_into``."""
    if str(survivor_id) == str(duplicate_id):
        raise Conflict("A lead cannot be merged with itself; choose two different leads.",
                       {"duplicate_id": ["Must differ from the surviving lead's id."]})
    survivor, other = store.lock_leads(conn, [survivor_id, duplicate_id])
    merged, filled = merge_leads(dict(survivor), dict(other))
    store.update_lead(conn, other["id"], {"merged_into": survivor["id"]})
    store.move_history(conn, other["id"], survivor["id"])
    values = {key: merged[key] for key in filled if key in SNAPSHOT_FIELDS}
    for field, (column, normalise) in NORMALISED.items():
        if field in values:
            values[column] = normalise(values[field])
    values.update(scoring.rescored(conn, survivor, values))
    updated = write_lead(conn, survivor, values, actor, "merged",
                         {"merged_id": str(other["id"]), "filled": filled})
    outbox.add(conn, "lead.merged", {"lead": snapshot(updated), "merged_id": str(other["id"]), "filled": filled})
    return updated
