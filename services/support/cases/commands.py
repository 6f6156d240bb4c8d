"""Case operations: each takes a connection inside one transaction and writes
its change, its history and its events (through the outbox) together.

Every change of a case locks its row FOR UPDATE first, so concurrent status
changes, replies and merges of one case are serialised and each sees the
other's result (a second "resolve" of a resolved case is a 409, not a
second survey).

The other areas call (see the support design): ``open_case``,
``add_message``, ``change_status``, ``update_case``, ``merge_cases``,
``move_account``, ``get_case``, ``find_case_by_number``,
``find_case_by_message_ids``, ``close_stale_resolved``; and this area calls
``teams.commands.route_case``, ``sla.commands.case_opened`` /
``case_changed`` / ``agent_replied`` / ``customer_replied``,
``mail.commands.queue_case_reply`` and ``surveys.commands.case_resolved``,
all in the caller's transaction.

A merged case is closed with ``merged_into``; its messages stay where they
were written and the target's conversation shows them (``store.messages_of``
follows every case merged into it), and mail threaded to the merged case
(its number, a Message-ID of its thread) lands on the target.
"""

import datetime
import re

from services.support.cases import settings, states, store
from services.support.customers import commands as customers
from services.support.kb import commands as kb
from services.support.mail import commands as mail
from services.support.sla import commands as sla
from services.support.surveys import commands as surveys
from services.support.teams import commands as teams
from shared.kit import outbox, versions
from shared.kit.rows import plain
from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from shared.schemas.support.cases import MAX_SUBJECT

CASE_FIELDS = (
    "id", "number", "subject", "description", "account_id", "account_name", "contact_id", "contact_email",
    "contact_name", "order_id", "order_number", "priority", "type", "channel", "status", "owner_id", "team_id",
    "tags", "related_case_id", "merged_into", "message_id", "first_response_at", "status_changed_at", "resolved_at",
    "closed_at", "reopen_count", "version", "created_by", "created_at", "updated_at",
)
MESSAGE_FIELDS = ("id", "case_id", "kind", "direction", "author", "author_email", "body", "message_id",
                  "in_reply_to", "created_at")
DIRECTION = {"reply": "outbound", "note": "internal", "customer": "inbound"}
# What update_case may change.
EDITABLE = ("subject", "description", "priority", "type", "tags", "owner_id", "team_id", "account_id", "contact_id",
            "order_id")
NUMBER = re.compile(r"^\s*CASE-0*(\d{1,18})\s*$", re.IGNORECASE)
SYSTEM_CUSTOMER = "system:customer"
SYSTEM_AUTO_CLOSE = "system:auto-close"
SYSTEM_ACCOUNT_MERGE = "system:account-merge"


# Snapshots ----------------------------------------------------------------------------

def case_snapshot(row):
    """A case (CaseSchema): what the API returns and every event carries."""
    result = {field: plain(row.get(field)) for field in CASE_FIELDS}
    result["tags"] = list(row.get("tags") or [])
    return result


def _plain_clock(clock):
    return {key: plain(value) for key, value in clock.items()}


def detail_snapshots(conn, rows):
    """Cases with their SLA clocks and allowed statuses (CaseDetailSchema)."""
    clocks = sla.clocks_of(conn, [str(row["id"]) for row in rows]) if rows else {}
    result = []
    for row in rows:
        of_case = clocks.get(str(row["id"])) or clocks.get(row["id"]) or []
        result.append({**case_snapshot(row), "allowed_statuses": list(states.allowed_targets(row["status"])),
                       "sla": [_plain_clock(clock) for clock in of_case]})
    return result


def detail_snapshot(conn, row):
    return detail_snapshots(conn, [row])[0]


def message_snapshot(row):
    return {field: plain(row.get(field)) for field in MESSAGE_FIELDS}


def _now(conn, at):
    if at is not None:
        return at
    return conn.execute("SELECT now() AS now").fetchone()["now"]


# Reads ----------------------------------------------------------------------------------

def get_case(conn, case_id, for_update=False):
    """The case row (with account_name, order_number); NotFound when there is none."""
    return store.get_case(conn, case_id, lock=for_update)


def find_case_by_number(conn, number):
    """The case numbered ``number`` (``CASE-000123``, any letter case, any
    zero padding), following merges to the case that carries its
    conversation now; None when there is none."""
    match = NUMBER.match(number) if isinstance(number, str) else None
    if match is None:
        return None
    row = conn.execute("SELECT id FROM cases WHERE number_seq = %s", (int(match.group(1)),)).fetchone()
    return store.find_case(conn, store.final_target(conn, row["id"])) if row else None


def find_case_by_message_ids(conn, ids):
    """The case a message of which (or whose opening email) has one of the
    Message-IDs ``ids``, following merges; None."""
    ids = [item.strip() for item in ids or () if isinstance(item, str) and item.strip()]
    if not ids:
        return None
    row = store.find_by_message_ids(conn, ids)
    if row is None:
        return None
    return store.find_case(conn, store.final_target(conn, row["id"])) if row["merged_into"] else row


def thread_message_ids(conn, case_id):
    """The Message-IDs of a case's thread in order (References of a reply)."""
    return store.thread_message_ids(conn, case_id)


# Checking what a case refers to ---------------------------------------------------------------

def _tags(values):
    seen = []
    for value in values or ():
        tag = value.strip().lower()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def _subject(value):
    """A subject as stored: trimmed, at most MAX_SUBJECT characters (mail may
    bring longer ones), never empty."""
    text = " ".join(value.split()) if isinstance(value, str) else ""
    return text[:MAX_SUBJECT].rstrip() or "(no subject)"


def _check_owner_and_team(conn, values):
    if values.get("team_id") and not store.team_exists(conn, values["team_id"]):
        raise ValidationFailed(f"There is no team with id {values['team_id']}.",
                               {"team_id": ["No such team (GET /api/v1/support/teams lists them)."]})
    agent = teams.agent(conn, values["owner_id"]) if values.get("owner_id") else None
    if values.get("owner_id") and agent is None:
        raise ValidationFailed(f"User {values['owner_id']} is no agent of support: make them a member of a team "
                               "first.", {"owner_id": ["Not an agent of support (a member of a team)."]})
    if agent is not None and not agent["active"]:
        raise ValidationFailed(f"{agent['name']} is no longer an active agent; give another owner.",
                               {"owner_id": ["An inactive agent takes no cases."]})


def _is_member(conn, team_id, owner_id):
    return conn.execute("SELECT 1 FROM team_members WHERE team_id = %s AND user_id = %s",
                        (str(team_id), str(owner_id))).fetchone() is not None


def _filed_for(conn, message, case):
    """Whether a message already filed belongs to ``case``: on it, on a case
    merged into it, or on the follow-up it opened (the same mail read again)."""
    if store.final_target(conn, message["case_id"]) == str(case["id"]):
        return True
    row = conn.execute("SELECT related_case_id FROM cases WHERE id = %s", (message["case_id"],)).fetchone()
    return row is not None and str(row["related_case_id"]) == str(case["id"])


def _check_owner_in_team(conn, team_id, owner_id):
    """An owner is one of the case's team's members: an agent of team A is
    not made the owner of a case of team B (422 saying how to fix it)."""
    if team_id and owner_id and not _is_member(conn, team_id, owner_id):
        message = (f"User {owner_id} is not a member of team {team_id}: give an owner from the case's team "
                   "(GET /api/v1/support/teams/{id} lists its members), or move the case to one of the owner's "
                   "teams.")
        raise ValidationFailed(message, {"owner_id": ["Not a member of the case's team."]})


def _references(conn, data, current=None):
    """The account, contact and order columns for ``data`` (the given keys
    over ``current``): each checked against the projections, the account
    taken from the contact or the order when not given, the contact found by
    its email, a contact's name and email kept for mail."""
    current = current or {}

    def pick(key):
        return str(data[key]) if data.get(key) is not None else (None if key in data else
                                                                 plain(current.get(key)))

    values = {"account_id": pick("account_id"), "contact_id": pick("contact_id"), "order_id": pick("order_id")}
    email = data.get("contact_email", current.get("contact_email"))
    name = data.get("contact_name", current.get("contact_name"))
    contact = None
    if values["contact_id"]:
        contact = customers.require_contact(conn, values["contact_id"])
    elif email and "contact_id" not in data:
        contact = customers.contact_by_email(conn, email)
        if contact is not None:
            values["contact_id"] = str(contact["id"])
    if contact is not None and "contact_id" in data:  # a contact named: its address and name
        email, name = contact["email"] or email, customers.contact_name(contact) or name
    elif contact is not None:  # found by the sender's address
        name = name or customers.contact_name(contact)
    order = customers.require_order(conn, values["order_id"]) if values["order_id"] else None
    if not values["account_id"] and "account_id" not in data:
        source = (contact["account_id"] if contact is not None and contact["account_id"] else
                  order["account_id"] if order is not None else None)
        if source is not None:
            account = customers.account_of(conn, source)
            if account is not None:
                values["account_id"] = customers.store.final_survivor(conn, str(account["id"]))
    if values["account_id"] and values["account_id"] != plain(current.get("account_id")):
        customers.require_account(conn, values["account_id"])
    if order is not None and values["account_id"] and str(order["account_id"]) != values["account_id"]:
        raise ValidationFailed(f"Order {order['number']} is of another account than the case's.",
                               {"order_id": [f"Order {order['number']} belongs to another account."]})
    values["contact_email"] = email.strip().lower() if isinstance(email, str) and email.strip() else None
    values["contact_name"] = name
    return values


# Opening --------------------------------------------------------------------------------------

def open_case(conn, data, actor, at=None):
    """A new case (CaseCreateSchema keys).  Without team or owner the
    routing rules choose them (``teams.commands.route_case``); its SLA
    clocks start (``sla.commands.case_opened``).  Emits case.opened, and
    case.assigned when it has a team or an owner.  Returns the row."""
    at = _now(conn, at)
    values = {
        "subject": _subject(data.get("subject")), "description": data.get("description"),
        **_references(conn, data),
        "priority": data.get("priority") or "normal", "type": data.get("type") or "question",
        "channel": data.get("channel") or "web", "tags": _tags(data.get("tags")),
        "owner_id": plain(data.get("owner_id")), "team_id": plain(data.get("team_id")),
        "related_case_id": plain(data.get("related_case_id")), "message_id": data.get("message_id"),
        "created_by": actor, "created_at": at, "updated_at": at, "status_changed_at": at,
    }
    if values["related_case_id"] and store.find_case(conn, values["related_case_id"]) is None:
        raise ValidationFailed(f"There is no case with id {values['related_case_id']}.",
                               {"related_case_id": ["No such case."]})
    _check_owner_and_team(conn, values)
    _check_owner_in_team(conn, values["team_id"], values["owner_id"])
    row = store.insert_case(conn, values)
    if not (row["team_id"] and row["owner_id"]):
        routed = teams.route_case(conn, dict(row))
        chosen = {key: routed.get(key) for key in ("team_id", "owner_id") if routed.get(key) and not row[key]}
        if chosen.get("team_id") and row["owner_id"] and not _is_member(conn, chosen["team_id"], row["owner_id"]):
            del chosen["team_id"]  # the rules' team is not the given owner's: the case stays the owner's alone
        if chosen:
            conn.execute("UPDATE cases SET " + ", ".join(f"{key} = %s" for key in chosen) + " WHERE id = %s",
                         (*chosen.values(), row["id"]))
            row = store.get_case(conn, row["id"])
    store.HISTORY.created(conn, row, actor)
    sla.case_opened(conn, row, at)
    snapshot = case_snapshot(row)
    outbox.add(conn, "case.opened", {"case": snapshot})
    if row["team_id"] or row["owner_id"]:
        outbox.add(conn, "case.assigned", {"case": snapshot, "previous_owner_id": None, "previous_team_id": None})
    return row


# Status ------------------------------------------------------------------------------------------

def _move(conn, case, target, actor, at):
    """Move a locked case to ``target`` (already checked legal): its stamps,
    history, SLA clocks and events."""
    after = store.update_case(conn, case["id"], states.stamps(case["status"], target, at, case))
    store.HISTORY.changed(conn, case, after, actor, action="status_changed")
    sla.case_changed(conn, case, after, at)
    snapshot = case_snapshot(after)
    outbox.add(conn, "case.status_changed", {"case": snapshot, "previous_status": case["status"], "status": target})
    if target == "resolved":
        surveys.case_resolved(conn, after, at)
        outbox.add(conn, "case.resolved", {"case": snapshot})
    elif target == "closed":
        outbox.add(conn, "case.closed", {"case": snapshot})
    elif states.is_reopen(case["status"], target):
        outbox.add(conn, "case.reopened", {"case": snapshot})
    return after


def change_status(conn, case_id, status, actor, at=None, expected_version=None):
    """A legal move of the case to ``status`` (IllegalTransition, 409, naming
    the allowed ones otherwise).  Emits case.status_changed and
    case.resolved / case.reopened / case.closed.  Returns the row."""
    case = store.get_case(conn, case_id, lock=True)
    versions.check_version(case, expected_version, "case")
    states.check_transition(case["status"], status, case["number"])
    return _move(conn, case, status, actor, _now(conn, at))


def close_stale_resolved(conn, at, batch):
    """Close up to ``batch`` cases resolved longer than AUTO_CLOSE_DAYS
    before ``at`` (rows another transaction holds are skipped: replicas
    share the work).  Returns how many were closed."""
    at = _now(conn, at)
    rows = store.stale_resolved(conn, at - datetime.timedelta(days=settings.auto_close_days()), batch)
    for row in rows:
        _move(conn, store.get_case(conn, row["id"]), "closed", SYSTEM_AUTO_CLOSE, at)
    return len(rows)


# Changing ---------------------------------------------------------------------------------------------

def _refuse_closed(case, doing):
    if case["status"] == "closed":
        target = " (merged into another case: work on that one)" if case["merged_into"] else ""
        message = f"Case {case['number']} is closed{target}; a closed case cannot be {doing}."
        raise Conflict(message, errors={"status": [message]}, current="closed",
                       merged_into=plain(case["merged_into"]))


def update_case(conn, case_id, changes, actor, at=None, expected_version=None):
    """Change a case's fields (``EDITABLE`` keys of ``changes``; None clears
    an optional one).  A team change keeps the owner when they are a member
    of the new team (else the case has no owner) unless ``owner_id`` is given
    too; an owner given must be a member of the case's team (422).  Calls
    ``sla.commands.case_changed`` (a new priority may choose another
    policy); emits case.assigned when owner or team change.
    Returns the row (unchanged, same version, when nothing differs)."""
    case = store.get_case(conn, case_id, lock=True)
    versions.check_version(case, expected_version, "case")
    _refuse_closed(case, "changed")
    at = _now(conn, at)
    wanted = {key: changes[key] for key in EDITABLE if key in changes}
    if "subject" in wanted and not (isinstance(wanted["subject"], str) and wanted["subject"].strip()):
        raise ValidationFailed("A case needs a subject.", {"subject": ["A case needs a subject."]})
    for key in ("priority", "type"):
        if key in wanted and wanted[key] is None:
            raise ValidationFailed(f"A case always has a {key}.", {key: [f"Give a {key}; it cannot be cleared."]})
    values = {}
    if {"account_id", "contact_id", "order_id"} & wanted.keys():
        values.update(_references(conn, {key: wanted[key] for key in ("account_id", "contact_id", "order_id")
                                         if key in wanted}, case))
    for key in ("subject", "description", "priority", "type", "owner_id", "team_id"):
        if key in wanted:
            values[key] = _subject(wanted[key]) if key == "subject" else plain(wanted[key])
    if "tags" in wanted:
        values["tags"] = _tags(wanted["tags"])
    _check_owner_and_team(conn, {key: values.get(key) for key in ("owner_id", "team_id")
                                 if values.get(key) != plain(case[key])})
    team_id = values["team_id"] if "team_id" in values else plain(case["team_id"])
    if "owner_id" in values:
        if values["owner_id"] != plain(case["owner_id"]) or team_id != plain(case["team_id"]):
            _check_owner_in_team(conn, team_id, values["owner_id"])
    elif team_id != plain(case["team_id"]) and case["owner_id"] and team_id \
            and not _is_member(conn, team_id, case["owner_id"]):
        values["owner_id"] = None  # moved to a team its owner is not in: the new team's to take
    values = {key: value for key, value in values.items()
              if (list(case[key] or []) if key == "tags" else plain(case[key])) != value}
    if not values:
        return case
    after = store.update_case(conn, case["id"], values)
    store.HISTORY.changed(conn, case, after, actor)
    sla.case_changed(conn, case, after, at)
    if "owner_id" in values or "team_id" in values:
        outbox.add(conn, "case.assigned", {"case": case_snapshot(after), "previous_owner_id": plain(case["owner_id"]),
                                           "previous_team_id": plain(case["team_id"])})
    return after


# The conversation ------------------------------------------------------------------------------------

def _follow_up(conn, case, at):
    """A new case for the customer's message on a closed case (or one
    resolved longer ago than the reopen window), referring to it."""
    data = {"subject": case["subject"], "description": f"The customer wrote again about {case['number']}.",
            "account_id": plain(case["account_id"]), "contact_id": plain(case["contact_id"]),
            "contact_email": case["contact_email"], "contact_name": case["contact_name"],
            "order_id": plain(case["order_id"]), "priority": case["priority"], "type": case["type"],
            "channel": case["channel"], "tags": list(case["tags"] or []), "related_case_id": str(case["id"])}
    if data["account_id"] and customers.account_of(conn, data["account_id"]) is not None:
        data["account_id"] = customers.store.final_survivor(conn, data["account_id"])
    return open_case(conn, data, SYSTEM_CUSTOMER, at)


def add_message(conn, case_id, *, kind, body, actor=None, author_email=None, message_id=None, in_reply_to=None,
                at=None):
    """Add a message to a case's conversation and return it (its row).

    - ``reply``: an agent's public reply: emailed to the case's contact
      (``mail.commands.queue_case_reply``; its Message-ID is kept), the
      first one sets ``first_response_at``, a new case becomes open,
      ``sla.commands.agent_replied``.  Refused (409) on a closed case.
    - ``note``: internal, on any case.
    - ``customer``: from the customer: a pending case becomes open, a
      resolved one reopens within REOPEN_DAYS; later, or on a closed case,
      a follow-up case (``related_case_id``) is opened and the message is
      written there; ``sla.commands.customer_replied``.

    A message of a case merged into another goes to that other case.  A
    ``message_id`` seen before returns the message it made (a mail read
    twice is one message).  Emits case.replied."""
    if kind not in DIRECTION:
        raise ValidationFailed(f"A message is a reply, a note or the customer's, not {kind!r}.",
                               {"kind": ["One of reply, note, customer."]})
    if not isinstance(body, str) or not body.strip():
        raise ValidationFailed("Write the message.", {"body": ["Write something."]})
    case = store.get_case(conn, case_id, lock=True)
    if case["merged_into"]:
        case = store.get_case(conn, store.final_target(conn, case["id"]), lock=True)
    if message_id:
        seen = store.message_by_message_id(conn, message_id)
        if seen is not None and not _filed_for(conn, seen, case):
            message = "This message (by its message_id) was filed on another case already."
            raise Conflict(message, errors={"message_id": [message]})
        if seen is not None:
            return seen
    at = _now(conn, at)
    effect = None
    if kind == "customer":
        effect = states.customer_reply_effect(case["status"], case["resolved_at"], at, settings.reopen_days())
        if effect == states.FOLLOW_UP:
            case = store.get_case(conn, _follow_up(conn, case, at)["id"], lock=True)
        elif effect in (states.REOPEN, states.OPEN):
            case = _move(conn, case, "open", SYSTEM_CUSTOMER, at)
    elif kind == "reply":
        _refuse_closed(case, "replied to (the customer's next message opens a new case)")
    message = store.insert_message(conn, {
        "case_id": case["id"], "kind": kind, "direction": DIRECTION[kind], "author": actor if kind != "customer"
        else None, "author_email": author_email.strip().lower() if isinstance(author_email, str) else None,
        "body": body, "message_id": message_id, "in_reply_to": in_reply_to, "created_at": at})
    if kind == "reply":
        if case["contact_email"]:
            try:
                sent_id = mail.queue_case_reply(conn, case, message)
            except ValidationFailed as exc:  # an address a mail cannot go to (kept from a sender's header)
                text = (f"The reply cannot be emailed: {exc.detail} Give the case a contact with a valid address "
                        "(PATCH contact_id), or write an internal note instead.")
                raise ValidationFailed(text, {"body": [text]}) from None
            if sent_id and not message_id:
                message = store.set_message_id(conn, message["id"], sent_id)
        if case["first_response_at"] is None:
            case = store.update_case(conn, case["id"], {"first_response_at": at})
        if states.agent_reply_effect(case["status"]) == states.OPEN:
            case = _move(conn, case, "open", actor, at)
        sla.agent_replied(conn, case, at)
    elif kind == "customer" and effect != states.FOLLOW_UP:  # a follow-up's first message opened it
        sla.customer_replied(conn, case, at)
    conn.execute("UPDATE cases SET updated_at = greatest(updated_at, %s) WHERE id = %s", (at, case["id"]))
    case = store.get_case(conn, case["id"])
    outbox.add(conn, "case.replied", {"case": case_snapshot(case), "message": message_snapshot(message),
                                      "kind": kind, "direction": DIRECTION[kind]})
    return message


def list_messages(conn, case_id, kinds=None, cursor=None, limit=50):
    """A page of a case's conversation, oldest first (with the messages of
    cases merged into it): ``{"items", "next_cursor"}``."""
    store.get_case(conn, case_id)
    rows, next_cursor = store.messages_of(conn, case_id, kinds, cursor, limit)
    return {"items": [message_snapshot(row) for row in rows], "next_cursor": next_cursor}


# Merging ------------------------------------------------------------------------------------------

def merge_cases(conn, source_id, target_id, actor, at=None):
    """Merge the duplicate ``source_id`` into ``target_id``: the source is
    closed with ``merged_into`` (its SLA clocks stop), its conversation shows
    on the target, and mail threaded to it goes to the target.  Emits
    case.status_changed and case.closed for the source (unless closed
    already) and case.merged.  Returns the target row."""
    source_id, target_id = str(source_id), str(target_id)
    if source_id == target_id:
        raise ValidationFailed("A case cannot be merged into itself.",
                               {"target_id": ["Give another case than the one merged."]})
    locked = {}
    for case_id in sorted((source_id, target_id)):  # one lock order: no deadlock between two merges
        try:
            locked[case_id] = store.get_case(conn, case_id, lock=True)
        except NotFound:
            if case_id == target_id:
                raise ValidationFailed(f"There is no case with id {target_id}.",
                                       {"target_id": ["No such case."]}) from None
            raise
    source, target = locked[source_id], locked[target_id]
    if source["merged_into"]:
        message = f"Case {source['number']} was merged already (into {source['merged_into']})."
        raise Conflict(message, errors={"status": [message]}, merged_into=str(source["merged_into"]))
    if target["status"] == "closed":
        message = (f"Case {target['number']} is closed{' (merged into another)' if target['merged_into'] else ''}; "
                   "merge into a case that is still worked on.")
        raise Conflict(message, errors={"target_id": [message]}, current="closed")
    at = _now(conn, at)
    if source["status"] != "closed":
        source = _move(conn, source, "closed", actor, at)
    merged = store.update_case(conn, source["id"], {"merged_into": target_id})
    kb.move_case_links(conn, source["id"], target["id"])  # the articles that solved it solved the survivor
    store.HISTORY.add(conn, source["id"], actor, "merged_into", {"merged_into": [None, target_id]})
    store.HISTORY.add(conn, target["id"], actor, "merged", {"merged_case": [None, source["number"]]})
    conn.execute("UPDATE cases SET updated_at = greatest(updated_at, %s) WHERE id = %s", (at, target["id"]))
    target = store.get_case(conn, target["id"])
    outbox.add(conn, "case.merged", {"case": case_snapshot(target), "merged": case_snapshot(merged)})
    return target


def move_account(conn, merged_account_id, survivor_id, at=None):
    """``account.merged``: every case of the merged account belongs to the
    survivor (a new version of each, a history row; the SLA re-selects the
    policy of an active one).  Returns how many moved."""
    rows = store.cases_of_account(conn, merged_account_id, lock=True)
    if not rows:
        return 0
    at = _now(conn, at)
    for row in rows:
        before = store.get_case(conn, row["id"])
        after = store.update_case(conn, row["id"], {"account_id": str(survivor_id)})
        store.HISTORY.changed(conn, before, after, SYSTEM_ACCOUNT_MERGE, action="account_merged")
        if after["status"] in states.ACTIVE:
            sla.case_changed(conn, before, after, at)
    return len(rows)
