"""Assignment operations: deal owners to new leads by the rules in force, and
replace the rules."""

from services.leads.assignment import rules as assignment
from services.leads.assignment import store
from services.leads.rule_sets import rules_state_answer
from shared.schemas.errors import ValidationFailed


def assign_owners(conn, leads):
    """Give each lead without an owner one by the rules (in order, each
    matching rule dealing its owners in turn); sets ``lead["owner"]``."""
    if any(not lead.get("owner") for lead in leads):
        rules, cursors = store.load_assignment_rules(conn, lock=True)
        owners, new_cursors = assignment.assign_many(leads, rules, cursors)
        for lead, owner in zip(leads, owners, strict=True):
            lead["owner"] = owner
        store.save_cursors(conn, cursors, new_cursors)


def rules_answer(conn):
    """The rules in force and who changed them when (AssignmentRulesStateSchema)."""
    return rules_state_answer(store.load_rules_state(conn))


def set_assignment_rules(conn, rules, actor):
    errors = assignment.validate_rules(rules)
    if errors:
        raise ValidationFailed("Some assignment rules are invalid.", errors)
    store.replace_assignment_rules(conn, rules, actor)
    return rules_answer(conn)
