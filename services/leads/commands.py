"""Lead operations: each takes a connection inside one transaction, writes
the change, its history and its events (through the outbox) together."""

import logging
import uuid
from datetime import UTC, datetime

import psycopg

from services.leads import assignment, scoring, store
from services.leads.merge import merge_leads
from services.leads.normalize import normalize_company, normalize_email, normalize_phone
from services.leads.status import check_manual_transition, check_transition, event_for_transition
from shared.kit import outbox, versions
from shared.schemas.errors import Conflict, DuplicateFound, IllegalTransition, ValidationFailed

log = logging.getLogger(__name__)

SNAPSHOT_FIELDS = tuple(column for column in (*store.LEAD_COLUMNS, *store.CONVERSION_COLUMNS)
                        if column not in store.INTERNAL_COLUMNS)
NORMALISED = {"email": ("email_norm", normalize_email), "phone": ("phone_norm", normalize_phone),
              "company": ("company_norm", normalize_company)}
DUPLICATE_MESSAGES = {"email": "An open lead with this email exists.",
                      "phone": "An open lead with this phone number at this company exists."}


def _json(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def snapshot(lead):
    """A lead as the API and events show it (LeadSchema), from a row or a
    prepared dict."""
    return {field: _json(lead.get(field)) for field in SNAPSHOT_FIELDS}


def _normalise(lead):
    for field, (column, normalise) in NORMALISED.items():
        lead[column] = normalise(lead.get(field))
    return lead


def prepare(data, source_default, now, job_id=None):
    """A new lead row from validated input (LeadCreateSchema)."""
    lead = dict.fromkeys((*store.LEAD_COLUMNS, *store.CONVERSION_COLUMNS))
    lead.update(data)
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


def _assign(conn, leads):
    if any(not lead.get("owner") for lead in leads):
        rules, cursors = store.load_assignment_rules(conn, lock=True)
        owners, new_cursors = assignment.assign_many(leads, rules, cursors)
        for lead, owner in zip(leads, owners, strict=True):
            lead["owner"] = owner
        store.save_cursors(conn, cursors, new_cursors)


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
                _assign(conn, fresh)
                store.copy_leads(conn, fresh)
            return fresh
        except psycopg.errors.UniqueViolation:
            continue
    # A concurrent writer created one of them after the look-up.
    for lead, owner in zip(leads, requested_owners, strict=True):
        lead["owner"] = owner
    _assign(conn, fresh)
    inserted = store.insert_leads_skipping_conflicts(conn, fresh)
    _note_open_duplicates(conn, leads, duplicates)
    return [lead for lead in fresh if lead["id"] in inserted]


def scorer(conn):
    """(score function, rules version) for the current scoring rules."""
    return scoring.compile_rules(store.load_scoring_rules(conn)), store.scoring_version(conn)


def create_leads(conn, inputs, actor, source_default="manual", job_id=None):
    """Create leads from validated inputs; returns (created rows, duplicates)
    where duplicates maps an input's index to (existing lead id, field)."""
    now = datetime.now(UTC).isoformat()
    leads = [prepare(data, source_default, now, job_id) for data in inputs]
    score, version = scorer(conn)
    for lead in leads:
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


def create_lead(conn, data, actor, source_default="manual"):
    created, duplicates = create_leads(conn, [data], actor, source_default)
    if duplicates:
        raise duplicate_error(*duplicates[0])
    return created[0]


def _write(conn, row, values, actor, action, history_changes=None):
    """Update a locked lead row; a dedup collision becomes a 409."""
    try:
        with conn.transaction():
            updated = store.update_lead(conn, row["id"], values)
    except psycopg.errors.UniqueViolation:
        probe = _normalise({**row, **values})
        found = store.find_open_duplicates(conn, [probe], exclude_id=row["id"])
        raise duplicate_error(*found.get(0, (None, "email"))) from None
    changes = history_changes if history_changes is not None else {
        key: [_json(row[key]), _json(value)] for key, value in values.items() if key in SNAPSHOT_FIELDS
    }
    store.add_history(conn, [(row["id"], actor, action, changes)])
    return updated


def _rescored(conn, row, values):
    lead = {**row, **values}
    score, version = scorer(conn)
    new_score = score(lead)
    extra = {"scored_with": version}
    if new_score != row["score"]:
        extra["score"] = new_score
    return extra


def _require_live(row):
    if row["merged_into"]:
        raise Conflict(f"Lead {row['id']} was merged into {row['merged_into']}; change that one.",
                       merged_into=str(row["merged_into"]))


def update_lead(conn, lead_id, changes, actor, expected_version=None):
    row = store.get_lead(conn, lead_id, lock=True)
    _require_live(row)
    versions.check_version(row, expected_version, "lead")
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
    values.update(_rescored(conn, row, values))
    updated = _write(conn, row, values, actor, "updated")
    changed = sorted(key for key in values if key in SNAPSHOT_FIELDS)
    events = [("lead.updated", {"lead": snapshot(updated), "changed": changed})]
    if "status" in values and event_for_transition(values["status"]) != "lead.updated":
        events.append((event_for_transition(values["status"]),
                       {"lead": snapshot(updated), "previous_status": row["status"]}))
    outbox.add_many(conn, events)
    return updated


def assign_lead(conn, lead_id, owner, actor):
    row = store.get_lead(conn, lead_id, lock=True)
    _require_live(row)
    if row["owner"] == owner:
        return row
    updated = _write(conn, row, {"owner": owner}, actor, "assigned")
    outbox.add(conn, "lead.assigned", {"lead": snapshot(updated), "previous_owner": row["owner"]})
    return updated


def record_engagement(conn, lead_id, kind, actor):
    row = store.get_lead(conn, lead_id, lock=True)
    _require_live(row)
    values = {"engagement": row["engagement"] + 1}
    values.update(_rescored(conn, row, values))
    updated = _write(conn, row, values, actor, "engagement", {"kind": kind, "engagement": values["engagement"]})
    changed = sorted(key for key in values if key in SNAPSHOT_FIELDS)
    outbox.add(conn, "lead.updated", {"lead": snapshot(updated), "changed": changed})
    return updated


def follow_account_merge(conn, merged_id, survivor_id, actor):
    """Sales merged account ``merged_id`` into ``survivor_id``: record it, and
    re-link the leads converted into ``merged_id`` to the live account at the
    end of the chain; returns the updated rows (none when no lead names it).

    Merge events may arrive out of order (A into B, then B into C, handled
    B-C first): the recorded merges resolve ``survivor_id`` to where it lives
    now, so a lead never ends on a merged account.  Each re-linked lead gets
    a history row (action ``account_merged``), a new version and a
    ``lead.updated`` event; the leads are locked in id order, like every
    writer locking several."""
    store.lock_account_merges(conn)
    live_id = store.live_account_id(conn, survivor_id)
    if str(live_id) == str(merged_id):
        log.warning("account.merged %s into %s would make a merge cycle: ignored", merged_id, survivor_id)
        return []
    store.record_account_merge(conn, merged_id, live_id)
    rows = conn.execute("SELECT * FROM leads WHERE converted_account_id = %s ORDER BY id FOR UPDATE",
                        (merged_id,)).fetchall()
    updated = [_write(conn, row, {"converted_account_id": live_id}, actor, "account_merged") for row in rows]
    outbox.add_many(conn, [("lead.updated", {"lead": snapshot(row), "changed": ["converted_account_id"]})
                           for row in updated])
    return updated


def merge(conn, survivor_id, duplicate_id, actor):
    """Merge ``duplicate_id`` into ``survivor_id``: the survivor keeps its
    values and takes the duplicate's where it has none; the duplicate's
    history moves over; the duplicate stays readable with ``merged_into``."""
    if str(survivor_id) == str(duplicate_id):
        raise ValidationFailed("A lead cannot be merged with itself.", {"duplicate_id": ["Same as the lead."]})
    survivor, other = store.lock_leads(conn, [survivor_id, duplicate_id])
    merged, filled = merge_leads(dict(survivor), dict(other))
    store.update_lead(conn, other["id"], {"merged_into": survivor["id"]})
    store.move_history(conn, other["id"], survivor["id"])
    values = {key: merged[key] for key in filled if key in SNAPSHOT_FIELDS}
    for field, (column, normalise) in NORMALISED.items():
        if field in values:
            values[column] = normalise(values[field])
    values.update(_rescored(conn, survivor, values))
    updated = _write(conn, survivor, values, actor, "merged",
                     {"merged_id": str(other["id"]), "filled": filled})
    outbox.add(conn, "lead.merged", {"lead": snapshot(updated), "merged_id": str(other["id"]), "filled": filled})
    return updated


def check_convertible(row, meanwhile=False):
    """Refuse to convert a merged lead (Conflict naming the survivor) or one
    that is not qualified (IllegalTransition).  ``meanwhile``: the lead
    changed while sales was converting it; a retry reuses what sales made."""
    later = (" while it was being converted; the account, contact and opportunity already made are reused"
             " when it is converted again") if meanwhile else ""
    if row["merged_into"]:
        raise Conflict(f"Lead {row['id']} was merged into lead {row['merged_into']}{later}; convert lead"
                       f" {row['merged_into']} instead.", merged_into=str(row["merged_into"]))
    if row["status"] != "qualified":
        now = f"became {row['status']}{later}" if meanwhile else f"is {row['status']}"
        message = f"Qualify the lead first: only a qualified lead can be converted, and this one {now}."
        raise IllegalTransition(message, errors={"status": [message]}, current=row["status"], target="converted",
                                required="qualified")


def mark_converted(conn, lead_id, conversion, actor):
    """Mark a lead converted with the links sales answered (``conversion``:
    account_id, contact_id, opportunity_id, account_created,
    contact_created); returns ``(row, marked)``.

    The lead is locked first: when a concurrent conversion marked it
    meanwhile, nothing is written and ``marked`` is False (sales answers
    every conversion of a lead with the same ids, so the stored links are
    this call's too).  One history row (action ``converted``, keeping the
    whole answer) and the events ``lead.updated`` and ``lead.converted``."""
    row = store.get_lead(conn, lead_id, lock=True)
    if row["status"] == "converted" and not row["merged_into"]:
        return row, False
    check_convertible(row, meanwhile=True)
    check_transition(row["status"], "converted")
    store.lock_account_merges(conn, shared=True)
    links = {"account_id": str(store.live_account_id(conn, conversion["account_id"])),
             "contact_id": conversion["contact_id"],
             "opportunity_id": conversion.get("opportunity_id")}
    values = {"status": "converted", "status_reason": None, "converted_account_id": links["account_id"],
              "converted_contact_id": links["contact_id"], "converted_opportunity_id": links["opportunity_id"],
              "converted_at": datetime.now(UTC)}
    values = {key: value for key, value in values.items() if key == "status" or row[key] != value}
    values.update(_rescored(conn, row, values))
    history = {"status": [row["status"], "converted"], **links,
               "account_created": bool(conversion.get("account_created")),
               "contact_created": bool(conversion.get("contact_created"))}
    updated = _write(conn, row, values, actor, "converted", history)
    lead = snapshot(updated)
    changed = sorted(key for key in values if key in SNAPSHOT_FIELDS)
    outbox.add_many(conn, [("lead.updated", {"lead": lead, "changed": changed}),
                           ("lead.converted", {"lead": lead, **links})])
    return updated, True


def explain(conn, lead_id):
    row = store.get_lead(conn, lead_id)
    rules = store.load_scoring_rules(conn)
    return {"score": row["score"], "contributions": scoring.explain_score(dict(row), rules)}


def set_scoring_rules(conn, rules, actor):
    errors = scoring.validate_rules(rules)
    if errors:
        raise ValidationFailed("Some scoring rules are invalid.", errors)
    store.replace_scoring_rules(conn, rules, actor)
    conn.execute("UPDATE scoring_state SET seeded = true")
    return store.load_scoring_rules(conn)


def seed_scoring_rules(conn):
    """Install the default rules once, the first time the service starts."""
    state = conn.execute("SELECT seeded FROM scoring_state FOR UPDATE").fetchone()
    if not state["seeded"]:
        store.replace_scoring_rules(conn, scoring.DEFAULT_SCORING_RULES, "system")
        conn.execute("UPDATE scoring_state SET seeded = true")


def set_assignment_rules(conn, rules):
    errors = assignment.validate_rules(rules)
    if errors:
        raise ValidationFailed("Some assignment rules are invalid.", errors)
    store.replace_assignment_rules(conn, rules)
    return store.load_assignment_rules(conn)[0]


def rescore_stale(conn, limit=500):
    """Rescore a chunk of leads scored with older rules; returns how many."""
    score, version = scorer(conn)
    rows = store.stale_leads(conn, version, limit)
    events, unchanged = [], []
    for row in rows:
        new_score = score(dict(row))
        if new_score == row["score"]:
            unchanged.append(row["id"])
            continue
        updated = store.update_lead(conn, row["id"], {"score": new_score, "scored_with": version})
        events.append(("lead.updated", {"lead": snapshot(updated), "changed": ["score"]}))
    if unchanged:  # most leads keep their score: one statement for all of them
        conn.execute("UPDATE leads SET scored_with = %s WHERE id = ANY(%s)", (version, unchanged))
    outbox.add_many(conn, events)
    return len(rows)
