"""Campaign operations: each takes a connection inside the caller's
transaction and writes its change and its events (outbox) together.

- create / update: the record (money rounded to the currency's minor unit,
  the parent checked: it exists and the campaign is not its own ancestor);
  an update may carry the version its caller read (412 when it moved on);
- launch / complete / abort: the legal status moves only (``states``), each
  under the row's lock, so of two concurrent launches one wins and the
  other is told the campaign is active already (409);
- costs: entries in the campaign's currency, added and removed until it
  completes;
- members: people by id, a segment's current members or a static list's
  members, each added once (``members.add_members``); listed with their
  furthest funnel stage.
"""

from services.campaigns.campaigns import members, states, store
from shared.kit import outbox
from shared.kit.rows import plain, snapshot
from shared.kit.versions import check_version
from shared.schemas.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from shared.schemas.orders.common import currency_exponent

SUMMARY_FIELDS = ("id", "name", "type", "status", "description", "starts_on", "ends_on", "owner", "currency",
                  "parent_id", "launched_at", "ended_at", "created_by", "version", "created_at", "updated_at")
MONEY_FIELDS = ("budget", "expected_revenue")
COST_FIELDS = ("id", "campaign_id", "incurred_on", "category", "note", "created_by", "created_at")
MEMBER_FIELDS = ("person_id", "kind", "first_name", "last_name", "email", "company", "source", "stage", "added_at",
                 "sent_at", "opened_at", "clicked_at", "responded_at", "converted_at")
MOVE_EVENTS = {"launch": "campaign.launched", "complete": "campaign.completed", "abort": "campaign.completed"}


def _exponent(row):
    return currency_exponent(row["currency"].strip())


def summary(row):
    """A campaign as lists and events show it (CampaignSummarySchema)."""
    result = snapshot(row, SUMMARY_FIELDS)
    result["currency"] = row["currency"].strip()
    exponent = _exponent(row)
    for field in MONEY_FIELDS:
        result[field] = states.money_text(row[field], exponent)
    return result


def campaign_snapshot(conn, row):
    """A campaign with its cost total, funnel and possible moves (CampaignSchema)."""
    result = summary(row)
    result["cost_total"] = states.money_text(store.cost_total(conn, row["id"]), _exponent(row))
    result["funnel"] = dict(store.funnel(conn, row["id"]))
    parent = store.find_campaign(conn, row["parent_id"]) if row["parent_id"] else None
    result["parent_name"] = parent["name"] if parent else None
    result["children"] = store.children(conn, row["id"])
    result["actions"] = states.actions(row["status"])
    return result


def get_campaign(conn, campaign_id):
    return campaign_snapshot(conn, store.get_campaign(conn, campaign_id))


def list_campaigns(conn, query):
    rows, next_cursor = store.list_campaigns(conn, query)
    return {"items": [summary(row) for row in rows], "next_cursor": next_cursor}


def _check_parent(conn, campaign_id, parent_id):
    """The parent exists (422 on parent_id otherwise) and is not the campaign
    itself nor one of its descendants (409)."""
    if parent_id is None:
        return
    if store.find_campaign(conn, parent_id) is None:
        raise ValidationFailed(f"No campaign with id {parent_id}.",
                               {"parent_id": [f"No such campaign with id {parent_id}."]})
    if campaign_id is not None and states.creates_cycle(campaign_id, store.ancestors(conn, parent_id)):
        message = ("A campaign cannot be part of itself: the parent chosen is this campaign or one of its "
                   "sub-campaigns.")
        raise Conflict(message, errors={"parent_id": [message]})


def _rounded(values, exponent):
    for field in MONEY_FIELDS:
        if values.get(field) is not None:
            values[field] = states.round_money(values[field], exponent)
    return values


def create_campaign(conn, data, actor):
    """A new planned campaign (CampaignCreateSchema, loaded); ``campaign.created``."""
    values = {key: plain(value) if key == "parent_id" else value for key, value in data.items()}
    _check_parent(conn, None, values.get("parent_id"))
    _rounded(values, currency_exponent(values["currency"]))
    row = store.insert_campaign(conn, {**values, "created_by": actor})
    outbox.add(conn, "campaign.created", {"campaign": summary(row)})
    return campaign_snapshot(conn, row)


def update_campaign(conn, campaign_id, changes, actor, expected_version=None):
    """Change the record; the dates are checked with the stored ones, the
    currency only changes while no cost is recorded in the old one."""
    row = store.get_campaign(conn, campaign_id, lock=True)
    check_version(row, expected_version, "campaign")
    changes = {key: plain(value) if key == "parent_id" else value for key, value in changes.items()}
    starts = changes.get("starts_on", row["starts_on"])
    ends = changes.get("ends_on", row["ends_on"])
    if starts and ends and ends < starts:
        field = "ends_on" if "ends_on" in changes else "starts_on"
        raise ValidationFailed("The period would end before it starts.", {
            field: [f"The campaign would run from {starts} to {ends}; the end is not before the start."]})
    if "parent_id" in changes:
        _check_parent(conn, campaign_id, changes["parent_id"])
    currency = changes.get("currency", row["currency"].strip())
    if currency != row["currency"].strip():
        if store.has_costs(conn, campaign_id):
            message = (f"The campaign's costs are recorded in {row['currency'].strip()}: remove them before "
                       f"changing its currency to {currency}.")
            raise Conflict(message, errors={"currency": [message]})
        for field in MONEY_FIELDS:  # the stored amounts take the new currency's minor unit
            changes.setdefault(field, row[field])
    _rounded(changes, currency_exponent(currency))
    row = store.update_campaign(conn, campaign_id, changes)
    return campaign_snapshot(conn, row)


def move_campaign(conn, campaign_id, action, actor, expected_version=None):
    """launch / complete / abort: a legal move only; its event in the same transaction."""
    row = store.get_campaign(conn, campaign_id, lock=True)
    check_version(row, expected_version, "campaign")
    status = states.target(row["status"], action, f"campaign {row['name']!r}")
    at = store.now(conn)
    values = {"status": status}
    if action == "launch":
        values["launched_at"] = at
    else:
        values["ended_at"] = at
    row = store.update_campaign(conn, campaign_id, values)
    data = {"campaign": summary(row)}
    if MOVE_EVENTS[action] == "campaign.completed":
        data["status"] = status
    outbox.add(conn, MOVE_EVENTS[action], data)
    return campaign_snapshot(conn, row)


# Costs --------------------------------------------------------------------------

def _cost_snapshot(row, campaign):
    result = snapshot(row, COST_FIELDS)
    result["amount"] = states.money_text(row["amount"], _exponent(campaign))
    result["currency"] = campaign["currency"].strip()
    return result


def _costs_open(campaign, verb):
    if not states.costs_open(campaign["status"]):
        message = f"Cannot {verb} costs of campaign {campaign['name']!r}: it is completed."
        raise IllegalTransition(message, errors={"status": [message]}, current=campaign["status"],
                                allowed=states.actions(campaign["status"]))


def list_costs(conn, campaign_id):
    campaign = store.get_campaign(conn, campaign_id)
    items = [_cost_snapshot(row, campaign) for row in store.list_costs(conn, campaign_id)]
    return {"items": items, "total": states.money_text(store.cost_total(conn, campaign_id), _exponent(campaign)),
            "currency": campaign["currency"].strip()}


def add_cost(conn, campaign_id, data, actor):
    """A cost entry in the campaign's currency, rounded to its minor unit.
    The campaign's row is locked (FOR SHARE) so a concurrent completion waits."""
    campaign = store.get_campaign(conn, campaign_id, lock="share")
    _costs_open(campaign, "add")
    row = store.insert_cost(conn, {
        "campaign_id": campaign_id, "incurred_on": data["incurred_on"],
        "amount": states.round_money(data["amount"], _exponent(campaign)), "category": data["category"],
        "note": data.get("note"), "created_by": actor})
    return _cost_snapshot(row, campaign)


def delete_cost(conn, campaign_id, cost_id, actor):
    campaign = store.get_campaign(conn, campaign_id, lock="share")
    _costs_open(campaign, "remove")
    row = store.delete_cost(conn, campaign_id, cost_id)
    return _cost_snapshot(row, campaign)


# Members ------------------------------------------------------------------------

def _people_of(conn, data):
    """(person ids, source) of the RPC's choice: people by id (all must
    exist: 422 naming the missing ones), a segment's or a static list's."""
    if data.get("person_ids") is not None:
        person_ids = list(dict.fromkeys(str(item) for item in data["person_ids"]))
        missing = store.missing_people(conn, person_ids)
        if missing:
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            raise ValidationFailed(f"No such person: {shown}.",
                                   {"person_ids": [f"No such person with id {item}." for item in missing[:10]]})
        return person_ids, "manual"
    if data.get("segment_id") is not None:
        segment_id = str(data["segment_id"])
        if not store.segment_exists(conn, segment_id):
            raise ValidationFailed(f"No segment with id {segment_id}.",
                                   {"segment_id": [f"No such segment with id {segment_id}."]})
        return store.segment_people(conn, segment_id), "segment"
    list_id = str(data["list_id"])
    if not store.list_exists(conn, list_id):
        raise ValidationFailed(f"No list with id {list_id}.", {"list_id": [f"No such list with id {list_id}."]})
    return store.list_people(conn, list_id), "list"


def add_campaign_members(conn, campaign_id, data, actor):
    """Add people (MembersAddSchema, loaded) to a planned or active campaign;
    ``{added, already, members}``."""
    campaign = store.get_campaign(conn, campaign_id, lock="share")
    if campaign["status"] in ("completed", "aborted"):
        message = f"Campaign {campaign['name']!r} is {campaign['status']}: it takes no new members."
        raise IllegalTransition(message, errors={"status": [message]}, current=campaign["status"], allowed=[])
    person_ids, source = _people_of(conn, data)
    added = members.add_members(conn, campaign_id, person_ids, source)
    return {"added": added, "already": len(person_ids) - added, "members": store.member_count(conn, campaign_id)}


def list_campaign_members(conn, campaign_id, query):
    if store.find_campaign(conn, campaign_id) is None:
        raise NotFound(f"No campaign with id {campaign_id}.")
    rows, next_cursor = store.list_members(conn, campaign_id, query)
    return {"items": [snapshot(row, MEMBER_FIELDS) for row in rows], "next_cursor": next_cursor}
