"""Escalation operations: each takes a connection inside the caller's transaction.

``on_sla_event(conn, case, clock, kind)`` is the seam the SLA sweep calls
after writing case.sla_warning / case.sla_breached: every active rule for
that kind, clock metric, case priority and team is applied, in position
order, once per (case, clock, kind, rule): a row in ``escalations`` is
claimed first (unique), so a second call for the same moment (a retried
sweep, a second replica) applies nothing and emits nothing.  The rules are
chosen by the case as the sweep found it (a rule raising the priority does
not make a later rule match or not).  Each applied rule emits one
case.escalated with the case after its actions."""

import uuid

from services.support.escalation import store
from services.support.teams import commands as teams
from services.support.teams import positions
from shared.kit import outbox, versions
from shared.kit.rows import plain
from shared.schemas.errors import Conflict, ValidationFailed
from shared.schemas.support.cases import PRIORITIES
from shared.schemas.support.escalation import ACTION_FIELDS, NO_ACTION

ACTOR = "system:escalation"
RULES = "escalation_rules"
RULE_FIELDS = ("id", "name", "position", "on_event", "metric", "priorities", "team_ids", "notify_owner",
               "notify_team_lead", "move_to_team_id", "raise_priority", "active", "version", "created_by",
               "created_at", "updated_at")
METRIC_NAMES = {"first_response": "first response", "next_response": "next response", "resolution": "resolution"}


# Snapshots -------------------------------------------------------------------------

def rule_snapshot(row):
    return {field: plain(row[field]) for field in RULE_FIELDS}


def escalation_snapshot(row):
    return {"id": str(row["id"]), "case_id": str(row["case_id"]), "metric": row["metric"], "kind": row["kind"],
            "rule_id": str(row["rule_id"]), "rule_name": row["rule_name"], "actions": row["actions"],
            "created_at": plain(row["created_at"])}


def escalations_of(conn, case_id):
    return [escalation_snapshot(row) for row in store.escalations_of(conn, case_id)]


# Applying rules ---------------------------------------------------------------------

def clock_key(clock):
    """What names one clock's moment within its case: its metric and cycle
    (case_sla is unique on case, metric and cycle; next_response starts a
    new cycle at each customer reply), the same for the clock's row and for
    its view (which has no id)."""
    return f"{clock['metric']}:{clock.get('cycle') or 1}"


def raised(priority):
    """The next priority up (urgent stays urgent)."""
    index = PRIORITIES.index(priority) if priority in PRIORITIES else len(PRIORITIES) - 1
    return PRIORITIES[min(index + 1, len(PRIORITIES) - 1)]


def _when(value):
    return plain(value) if value is not None else "unknown"


def _mail_text(case, clock, kind, rule, whom):
    what = METRIC_NAMES.get(clock["metric"], clock["metric"])
    moment = "is about to miss" if kind == "warning" else "missed"
    lines = [
        f"Hello {whom},",
        "",
        f"Case {case.get('number') or case['id']} ({case.get('subject') or ''}) {moment} its {what} target"
        f" (due {_when(clock.get('due_at'))}).",
        f"Priority: {case.get('priority')}; status: {case.get('status')}.",
        f"Escalation rule: {rule['name']}.",
    ]
    if rule["move_to_team_id"]:
        lines.append("The rule also moves the case to another team.")
    if rule["raise_priority"]:
        lines.append("The rule also raises its priority.")
    return "\n".join(lines) + "\n"


def _notify(conn, action, user_id, missing, case, clock, kind, rule):
    from services.support.mail import commands as mail

    if not user_id:
        return {"action": action, "done": False, "reason": missing}
    person = teams.agent(conn, user_id)
    if person is None or not person["email"]:
        return {"action": action, "done": False, "reason": f"no email address for agent {user_id}"}
    label = "warning" if kind == "warning" else "breach"
    subject = f"SLA {label}: {METRIC_NAMES.get(clock['metric'], clock['metric'])} of {case.get('subject') or ''}"
    mail.queue_notification(conn, to=person["email"], subject=subject,
                            text=_mail_text(case, clock, kind, rule, person["name"]),
                            case_id=str(case["id"]), kind="escalation")
    return {"action": action, "done": True, "to": person["email"]}


def _changes(conn, case, rule):
    """(changes for update_case, action results) of the rule's move and raise."""
    changes, results = {}, []
    if rule["move_to_team_id"]:
        target = str(rule["move_to_team_id"])
        settings = teams.team_settings(conn, target)
        if case.get("team_id") is not None and str(case["team_id"]) == target:
            results.append({"action": "move_to_team", "done": False, "reason": "already in that team"})
        elif settings is None or not settings["active"]:
            results.append({"action": "move_to_team", "done": False, "reason": "the team is inactive"})
        else:
            owner_id = teams.assign_owner(conn, target)
            changes.update(team_id=target, owner_id=owner_id)
            results.append({"action": "move_to_team", "done": True, "team_id": target, "owner_id": owner_id})
    if rule["raise_priority"]:
        priority = raised(case["priority"])
        if priority == case["priority"]:
            results.append({"action": "raise_priority", "done": False, "reason": f"already {priority}"})
        else:
            changes["priority"] = priority
            results.append({"action": "raise_priority", "done": True, "priority": priority})
    return changes, results


def _case_snapshot(conn, case):
    from services.support.cases import commands as cases

    return cases.case_snapshot(case)


def apply_rule(conn, case, clock, kind, rule, at=None):
    """Apply one rule to the case (its escalation row claimed); returns the case after it."""
    from services.support.cases import commands as cases

    actions = []
    if rule["notify_owner"]:
        actions.append(_notify(conn, "notify_owner", case.get("owner_id"), "the case has no owner",
                               case, clock, kind, rule))
    if rule["notify_team_lead"]:
        actions.append(_notify(conn, "notify_team_lead", teams.team_lead(conn, case.get("team_id")),
                               "the case's team has no lead" if case.get("team_id") else "the case has no team",
                               case, clock, kind, rule))
    changes, results = _changes(conn, case, rule)
    actions.extend(results)
    if changes:
        case = cases.update_case(conn, str(case["id"]), changes, ACTOR, at=at)
    return case, actions


def on_sla_event(conn, case, clock, kind, at=None):
    """Apply the rules for an SLA ``kind`` (``warning`` | ``breach``) of
    ``clock`` (a case_sla row or its view: ``metric``, ``cycle``) of ``case``
    (a case row); returns the escalations applied now (none when they were
    applied before)."""
    if kind not in ("warning", "breach"):
        raise ValueError(f"not an SLA event kind: {kind!r}")
    metric = clock["metric"]
    rules = store.matching_rules(conn, kind, metric, case["priority"], case.get("team_id"))
    applied = []
    for rule in rules:
        claimed = store.claim(conn, case["id"], clock_key(clock), metric, kind, rule)
        if claimed is None:
            continue
        case, actions = apply_rule(conn, case, clock, kind, rule, at)
        escalation = escalation_snapshot(store.record_actions(conn, claimed["id"], actions))
        outbox.add(conn, "case.escalated", {"case": _case_snapshot(conn, case), "escalation": escalation})
        applied.append(escalation)
    return applied


# Rules ------------------------------------------------------------------------------

def _check_teams(conn, values):
    for team_id in values.get("team_ids") or ():
        if teams.team_settings(conn, team_id) is None:
            raise ValidationFailed(f"There is no team with id {team_id}.", {"team_ids": ["No such team."]})
    target = values.get("move_to_team_id")
    if target is not None and teams.team_settings(conn, target) is None:
        raise ValidationFailed(f"There is no team with id {target}.", {"move_to_team_id": ["No such team."]})


def _column_values(values):
    out = dict(values)
    if "team_ids" in out:
        out["team_ids"] = [str(team_id) for team_id in out["team_ids"]]
    if out.get("move_to_team_id") is not None:
        out["move_to_team_id"] = str(out["move_to_team_id"])
    return out


def create_rule(conn, data, actor):
    _check_teams(conn, data)
    positions.lock(conn, RULES)
    values = {**_column_values(data), "id": str(uuid.uuid4()), "created_by": actor,
              "position": positions.next_position(conn, RULES)}
    store.insert_rule(conn, values)
    positions.place(conn, RULES, values["id"], data.get("position"))
    return store.get_rule(conn, values["id"])


def update_rule(conn, rule_id, changes, actor, expected_version=None):
    positions.lock(conn, RULES)
    row = store.get_rule(conn, rule_id, lock="update")
    versions.check_version(row, expected_version, "escalation rule")
    values = {key: value for key, value in _column_values(changes).items() if plain(row[key]) != plain(value)}
    if not values:
        return row
    _check_teams(conn, values)
    if not any({**row, **values}.get(field) for field in ACTION_FIELDS):
        raise Conflict(f"The rule would do nothing. {NO_ACTION}", {"_schema": [NO_ACTION]})
    store.update_rule(conn, row["id"], values)
    if "position" in values:
        positions.place(conn, RULES, row["id"], values["position"])
    return store.get_rule(conn, row["id"])


def delete_rule(conn, rule_id, actor, expected_version=None):
    positions.lock(conn, RULES)
    row = store.get_rule(conn, rule_id, lock="update")
    versions.check_version(row, expected_version, "escalation rule")
    store.delete_rule(conn, row["id"])
    positions.compact(conn, RULES)


def reorder_rules(conn, ids, actor):
    positions.lock(conn, RULES)
    positions.reorder(conn, RULES, ids, "escalation rule")
    return store.list_rules(conn)
