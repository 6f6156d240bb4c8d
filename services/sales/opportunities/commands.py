"""Opportunity operations: each takes a connection inside one transaction and
writes the change, its stage history and its events (through the outbox)
together.  The move rules are in ``stages``; pipelines in ``pipelines``."""

import uuid
from datetime import UTC, datetime

from services.sales.accounts.commands import referenced_account, won_customer
from services.sales.opportunities import pipelines, stages, store
from shared.kit import outbox, versions
from shared.kit.rows import plain, snapshot
from shared.schemas.errors import ValidationFailed

OPPORTUNITY_FIELDS = (
    "id", "account_id", "primary_contact_id", "name", "amount", "currency", "pipeline_id", "stage", "category",
    "probability", "probability_overridden", "forecast_category", "expected_close_date", "closed_on", "source",
    "campaign_id", "lead_id", "owner", "next_step", "loss_reason", "attributes", "version", "created_by",
    "created_at", "updated_at",
)
# Fields a create may carry besides the stage-derived ones.
CREATE_FIELDS = ("account_id", "primary_contact_id", "name", "amount", "currency", "forecast_category",
                 "expected_close_date", "source", "campaign_id", "lead_id", "owner", "next_step", "loss_reason")


def opportunity_snapshot(row):
    """An opportunity as the API and events show it (OpportunitySchema)."""
    return snapshot(row, OPPORTUNITY_FIELDS)


def today():
    """The current day (UTC): what closed_on records."""
    return datetime.now(UTC).date()


def _invalid(field, message, detail=None):
    return ValidationFailed(detail or message, {field: [message]})


def live_account(conn, account_id):
    """The live account (locked FOR SHARE, so it cannot be merged away
    meanwhile); ValidationFailed on ``account_id`` when it does not exist or was merged."""
    return referenced_account(conn, account_id, "account_id")


def check_contact(conn, contact_id, account_id):
    """A primary contact must exist and, when it belongs to an account, to this one."""
    if contact_id is None:
        return
    row = conn.execute("SELECT id, account_id FROM contacts WHERE id = %s", (contact_id,)).fetchone()
    if row is None:
        raise _invalid("primary_contact_id", "No such contact.", f"No contact with id {contact_id}.")
    if row["account_id"] is not None and str(row["account_id"]) != str(account_id):
        raise _invalid("primary_contact_id",
                       f"This contact belongs to account {row['account_id']}, not {account_id}; choose a contact "
                       "of the opportunity's account.",
                       f"Contact {contact_id} belongs to account {row['account_id']}, not to {account_id}.")


def create_opportunity(conn, data, actor):
    """A new opportunity from validated input (OpportunityCreateSchema, or the
    conversion flow's dict, which may carry ``lead_id``); returns the row.

    The pipeline defaults to the default pipeline, the stage to its first open
    stage, the probability to the stage's (a given one overrides it)."""
    live_account(conn, data["account_id"])
    check_contact(conn, data.get("primary_contact_id"), data["account_id"])
    pipeline_id, pipeline_stages = pipelines.stages_for_opportunity(conn, data.get("pipeline_id"))
    if data.get("stage"):
        stage = stages.stage_named(pipeline_stages, data["stage"], pipeline_id)
    else:
        stage = stages.first_open_stage(pipeline_stages)
    stages.check_loss_reason(stage, data.get("loss_reason"))
    if stage["category"] in stages.CLOSED:
        stages.check_closed_probability(stage, data.get("probability"))
    values = {field: data.get(field) for field in CREATE_FIELDS}
    values.update(stages.initial_values(stage, today(), data.get("probability")))
    values.update(id=str(uuid.uuid4()), pipeline_id=pipeline_id, amount=data.get("amount") or 0,
                  attributes=data.get("attributes") or {}, created_by=actor)
    row = store.insert_opportunity(conn, values)
    store.add_stage_history(conn, row, None, actor)
    store.HISTORY.created(conn, row, actor)
    outbox.add(conn, "opportunity.created", {"opportunity": opportunity_snapshot(row)})
    if row["category"] == "won":
        won_customer(conn, row["account_id"], actor)
    return row


def _differs(old, new):
    return plain(old) != plain(new)


def _new_values(conn, row, changes):
    """The values ``changes`` write on ``row``, with what a stage move
    implies (see ``stages.stage_change``) and the probability rule."""
    values = {key: value for key, value in changes.items() if key not in ("stage", "probability")}
    moving = "stage" in changes
    if not (moving or "probability" in changes or row["category"] == "lost"):
        return values
    pipeline_stages = pipelines.load_stages(conn, row["pipeline_id"], share=moving)
    current = stages.stage_named(pipeline_stages, row["stage"], row["pipeline_id"])
    final = current
    if moving:
        final = stages.check_move(pipeline_stages, row["stage"], changes["stage"], row["pipeline_id"])
    overridden = row["probability_overridden"]
    if "probability" in changes:
        overridden = changes["probability"] is not None
        values["probability_overridden"] = overridden
        values["probability"] = changes["probability"] if overridden else final["probability"]
    if moving:
        moved = stages.stage_change({**row, "probability_overridden": overridden}, current, final, today())
        values = {**values, **moved} if final["category"] in stages.CLOSED else {**moved, **values}
    if final["category"] in stages.CLOSED:
        stages.check_closed_probability(final, changes.get("probability"))
    if final["category"] == "lost" and (moving or "loss_reason" in values):
        stages.check_loss_reason(final, values.get("loss_reason", row["loss_reason"]))
    return values


def _check_links(conn, row, values):
    account_id = values.get("account_id", row["account_id"])
    if "account_id" in values:
        live_account(conn, account_id)
    if "account_id" in values or "primary_contact_id" in values:
        check_contact(conn, values.get("primary_contact_id", row["primary_contact_id"]), account_id)


def update_opportunity(conn, opportunity_id, changes, actor, expected_version=None):
    """Apply validated PATCH ``changes`` (OpportunityUpdateSchema); returns the row.

    A new ``stage`` must be a legal move (IllegalStageMove with ``allowed``);
    it writes a history row and publishes ``opportunity.stage_changed`` (and
    ``opportunity.won`` / ``opportunity.lost``); changes of other fields
    publish ``opportunity.updated`` naming them.  Nothing that differs: no
    write, no event.  Winning makes a prospect account a customer."""
    row = store.get_opportunity(conn, opportunity_id, lock=True)
    versions.check_version(row, expected_version, "opportunity")
    if changes.get("stage") == row["stage"]:
        changes = {key: value for key, value in changes.items() if key != "stage"}
    values = {key: value for key, value in _new_values(conn, row, changes).items() if _differs(row[key], value)}
    if not values:
        return row
    _check_links(conn, row, values)
    updated = store.update_opportunity(conn, row["id"], values)
    store.HISTORY.changed(conn, row, updated, actor, "stage_changed" if "stage" in values else "updated")
    events = []
    if "stage" in values:
        store.add_stage_history(conn, updated, row["stage"], actor)
        for event_type in stages.event_types(row["category"], updated["category"]):
            data = {"opportunity": opportunity_snapshot(updated)}
            if event_type == "opportunity.stage_changed":
                data.update(previous_stage=row["stage"], previous_category=row["category"])
            events.append((event_type, data))
    explicit = set(changes) - {"stage"} | ({"probability_overridden"} if "probability" in changes else set())
    changed = sorted(key for key in values if key in explicit)
    if changed:
        events.append(("opportunity.updated", {"opportunity": opportunity_snapshot(updated), "changed": changed}))
    outbox.add_many(conn, events)
    if any(event_type == "opportunity.won" for event_type, _ in events):
        won_customer(conn, updated["account_id"], actor)
    return updated
