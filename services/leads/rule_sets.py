"""Checks shared by every kind of rule set (scoring, assignment)."""

from collections import defaultdict


def common_rule_errors(rule, keys):
    """``{key: [messages]}`` (a defaultdict to add to) for what every rule
    needs: only known keys, a non-blank id and name.  ``rule`` is a dict."""
    errors = defaultdict(list)
    for key in rule:
        if key not in keys:
            errors[key].append(f"Unknown key; a rule has: {', '.join(keys)}.")
    for key in ("id", "name"):
        if not isinstance(rule.get(key), str) or not rule.get(key).strip():
            errors[key].append("Required: a non-blank string.")
    return errors


def validate_rule_set(rules, validate_rule, kind):
    """Validate a whole rule set: ``{"rules[i].key": [messages]}`` ({} if
    valid), with each rule checked by ``validate_rule`` and ids unique."""
    if not isinstance(rules, (list, tuple)):
        return {"rules": [f"Must be a list of {kind} rules."]}
    errors = {}
    seen = {}
    for index, rule in enumerate(rules):
        for key, messages in validate_rule(rule).items():
            errors[f"rules[{index}].{key}"] = messages
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if isinstance(rule_id, str) and rule_id:
            if rule_id in seen:
                errors.setdefault(f"rules[{index}].id", []).append(
                    f"Duplicate id {rule_id!r}; rules[{seen[rule_id]}] has it too."
                )
            else:
                seen[rule_id] = index
    return errors


def rules_state_answer(state):
    """The answer for a rule set read with its state: the rules, who changed
    them last and when (ISO 8601; both None until someone does)."""
    changed_at = state["changed_at"]
    return {"rules": state["rules"], "changed_by": state["changed_by"],
            "changed_at": changed_at.isoformat() if changed_at else None}
