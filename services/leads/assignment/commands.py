"""Assignment operations: deal owners to new leads by the rules in force, and
replace the rules.

What is guaranteed: each enabled rule deals its owners in turn, and no two
stored leads ever get the same turn of a rule.  A lead created on its own
takes its turn in one statement before its transaction (``deal_turn``), so
creates wait for each other only for that statement, and only when they
match the same rule; if its insert then fails (a duplicate created at the
same moment, a crash), the turn is not given back and that owner misses one
lead.  A batch (an import) takes its turns inside its transaction
(``assign_owners``): the leads of a batch get consecutive turns in file order,
exactly as ``assign_many`` deals them, and a batch rolled back gives its turns
back; the rules it uses stay locked until it commits.  A change of the rules
starts every cursor again."""

from collections import Counter

from services.leads.assignment import rules as assignment
from services.leads.assignment import store
from services.leads.rule_previews import lead_summary, leads_to_preview
from services.leads.rule_sets import rules_state_answer
from services.leads.rules_cache import CompiledRules
from shared.schemas.errors import ValidationFailed

COMPILED = CompiledRules(assignment.RuleSet)
ATTEMPTS = 3  # the rules changed under us this often: deal nothing rather than loop


class RulesChanged(Exception):
    """A rule matched was replaced while its turns were being taken."""


def rule_set(conn, version=None):
    """The rules in force, compiled once per version (``version``: the one
    the caller just read)."""
    if version is None:
        version = store.rules_version(conn)
    return COMPILED.get(conn, version, store.load_rules_state)[0]


def deal_turn(conn, lead, version=None):
    """The owner for one new lead without one: the next turn of the first
    rule it matches, taken outside any transaction (``conn`` in autocommit);
    None when no rule matches."""
    for _ in range(ATTEMPTS):
        rule = rule_set(conn, version).match(lead)
        if rule is None:
            return None
        owner = store.take_turn(conn, rule["id"])
        if owner is not None:
            return owner
        version = None  # the rule was replaced meanwhile: match again against the new rules
    return None


def assign_owners(conn, leads):
    """Give each lead without an owner one by the rules, in order, inside the
    caller's transaction; sets ``lead["owner"]`` (None when no rule matches)."""
    unowned = [lead for lead in leads if not lead.get("owner")]
    if not unowned:
        return
    for _ in range(ATTEMPTS):
        rules = rule_set(conn)
        counts = Counter(rule["id"] for rule in map(rules.match, unowned) if rule is not None)
        if not counts:
            break
        try:
            with conn.transaction():
                cursors = store.take_turns(conn, counts)
                if len(cursors) < len(counts):
                    raise RulesChanged
        except RulesChanged:
            continue
        owners, _ = assignment.assign_many(unowned, rules.rules, cursors)
        for lead, owner in zip(unowned, owners, strict=True):
            lead["owner"] = owner
        return
    for lead in unowned:
        lead["owner"] = None


def rules_answer(conn):
    """The rules in force and who changed them when (AssignmentRulesStateSchema)."""
    return rules_state_answer(store.load_rules_state(conn))


def check_rules(rules):
    errors = assignment.validate_rules(rules)
    if errors:
        raise ValidationFailed("Some assignment rules are invalid.", errors)


def set_assignment_rules(conn, rules, actor):
    check_rules(rules)
    return rules_state_answer(store.replace_assignment_rules(conn, rules, actor))


def preview(conn, rules, lead_ids=None):
    """Who ``rules`` (a whole rule set, checked as a PUT checks it) would
    give some leads (see ``rule_previews.leads_to_preview``) were each a
    new lead without an owner, beside their owner now, with the rule that
    matches; nothing is stored (AssignmentPreviewSchema).  Round-robin
    turns are dealt in the leads' order from each rule's first owner, as
    after a PUT of the rules (which starts every rule's turns again)."""
    check_rules(rules)
    rows = leads_to_preview(conn, lead_ids)
    leads = [{**row, "owner": None} for row in rows]
    owners, _ = assignment.assign_many(leads, rules, {})
    matcher = assignment.RuleSet(rules)
    items = []
    for row, lead, owner in zip(rows, leads, owners, strict=True):
        rule = matcher.match(lead)
        items.append({**lead_summary(row), "current": {"owner": row["owner"]},
                      "preview": {"owner": owner, "rule_id": rule and rule["id"], "rule_name": rule and rule["name"]}})
    return {"items": items}
