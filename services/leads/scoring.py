"""Lead scoring: rules are data, a score is the clamped sum of matching rules.

A rule is a dict::

    {"id": "src-referral", "name": "Came by referral", "field": "source",
     "operator": "eq", "value": "referral", "points": 20, "enabled": True}

``field`` is any lead key (``LEAD_FIELDS``) or ``attributes.<key>`` for a key
of the lead's custom ``attributes`` (the whole rest of the string is one key,
dots included; nested objects are not walked).

Operators (how ``value`` is compared with the lead's field):

``eq``            equal; strings compare case-insensitively (case-folded,
                  surrounding whitespace ignored).
``in``            ``value`` is a non-empty list; the field equals one of them
                  (strings case-insensitively, as for ``eq``).
``contains_any``  ``value`` is a non-empty list of keywords or phrases; the
                  field is a string containing one of them as whole words,
                  case-insensitively (``vp`` matches "VP Sales" but not
                  "SVP"; ``vice president`` matches "Vice  President").
``gte``/``lte``   ``value`` is a number; the field is a number (or a string
                  holding one, as custom attributes from imports often are)
                  ``>=`` / ``<=`` it.
``between``       ``value`` is ``[lo, hi]``, numbers, ``lo <= hi``; inclusive.
``present``       the field is not empty (None, a blank string, an empty
                  dict or list); ``value`` is ignored.  ``0`` is present.
``engagement``    ``points`` per event counted in the field (normally
                  ``engagement``), capped at ``value`` points in size (a
                  non-negative int): 5 points per event with ``value`` 25
                  gives 0, 5, ... 25, 25.

A rule whose field is missing or of the wrong type simply does not match.
``points`` is an int in -100..100 and may be negative (a penalty).  Rules
with ``enabled`` false are skipped (a missing ``enabled`` counts as true).

``score_lead`` sums the points of the enabled matching rules and clamps the
sum to 0..100.  ``explain_score`` lists the rules that contributed (non-zero
points, before clamping).  ``compile_rules`` does the per-rule work once
(folded sets, regexes, grouping all ``eq``/``in`` rules on one field into one
dict lookup) and returns a ``lead -> int`` function for bulk imports.
"""

import math
import re
from collections import defaultdict

__all__ = [
    "DEFAULT_SCORING_RULES",
    "LEAD_FIELDS",
    "OPERATORS",
    "compile_rules",
    "explain_score",
    "score_lead",
    "validate_rule",
    "validate_rules",
]

MIN_SCORE = 0
MAX_SCORE = 100
MIN_POINTS = -100
MAX_POINTS = 100

LEAD_FIELDS = (
    "id", "first_name", "last_name", "email", "phone", "company", "title",
    "industry", "country", "company_size", "source", "campaign_id", "notes",
    "attributes", "status", "owner", "score", "engagement", "created_at",
    "updated_at", "merged_into",
)  # fmt: skip
ATTRIBUTE_PREFIX = "attributes."

OPERATORS = ("eq", "in", "contains_any", "gte", "lte", "between", "present", "engagement")
RULE_KEYS = ("id", "name", "field", "operator", "value", "points", "enabled")

_SENIOR_TITLES = [
    "chief", "ceo", "cto", "cfo", "coo", "cmo", "cio", "president", "vp",
    "vice president", "svp", "evp", "head", "director", "founder", "co-founder",
]  # fmt: skip

DEFAULT_SCORING_RULES = [
    # Where the lead came from.
    {"id": "src-referral", "name": "Source: referral", "field": "source",
     "operator": "eq", "value": "referral", "points": 20, "enabled": True},
    {"id": "src-partner", "name": "Source: partner", "field": "source",
     "operator": "eq", "value": "partner", "points": 20, "enabled": True},
    {"id": "src-event", "name": "Source: event", "field": "source",
     "operator": "eq", "value": "event", "points": 15, "enabled": True},
    {"id": "src-web-form", "name": "Source: web form", "field": "source",
     "operator": "eq", "value": "web_form", "points": 10, "enabled": True},
    {"id": "src-campaign", "name": "Source: campaign", "field": "source",
     "operator": "eq", "value": "campaign", "points": 5, "enabled": True},
    # Who the person is.
    {"id": "title-senior", "name": "Senior title (C-level, VP, head, director, founder)",
     "field": "title", "operator": "contains_any", "value": _SENIOR_TITLES,
     "points": 15, "enabled": True},
    {"id": "title-manager", "name": "Manager title", "field": "title",
     "operator": "contains_any", "value": ["manager"], "points": 5, "enabled": True},
    # Which company.
    {"id": "industry-target", "name": "Target industry", "field": "industry",
     "operator": "in",
     "value": ["software", "technology", "financial services", "healthcare", "manufacturing"],
     "points": 10, "enabled": True},
    {"id": "size-50-199", "name": "Company size 50-199", "field": "company_size",
     "operator": "between", "value": [50, 199], "points": 5, "enabled": True},
    {"id": "size-200-999", "name": "Company size 200-999", "field": "company_size",
     "operator": "between", "value": [200, 999], "points": 10, "enabled": True},
    {"id": "size-1000-plus", "name": "Company size 1000+", "field": "company_size",
     "operator": "gte", "value": 1000, "points": 15, "enabled": True},
    # How complete the record is.
    {"id": "has-email", "name": "Email given", "field": "email",
     "operator": "present", "value": None, "points": 5, "enabled": True},
    {"id": "has-phone", "name": "Phone given", "field": "phone",
     "operator": "present", "value": None, "points": 5, "enabled": True},
    {"id": "has-company", "name": "Company given", "field": "company",
     "operator": "present", "value": None, "points": 5, "enabled": True},
    {"id": "has-title", "name": "Title given", "field": "title",
     "operator": "present", "value": None, "points": 5, "enabled": True},
    # What the person did.
    {"id": "engagement", "name": "Engagement: 5 points per event, at most 25",
     "field": "engagement", "operator": "engagement", "value": 25, "points": 5,
     "enabled": True},
]  # fmt: skip


# -- validation --------------------------------------------------------------


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and math.isfinite(v))


def _is_scalar(v):
    return isinstance(v, str) or _is_number(v) or isinstance(v, bool)


def _field_error(field):
    if not isinstance(field, str) or not field:
        return "Required: a lead field name or attributes.<key>."
    if field.startswith(ATTRIBUTE_PREFIX):
        if len(field) == len(ATTRIBUTE_PREFIX):
            return "Name the attribute: attributes.<key>."
        return None
    if field not in LEAD_FIELDS:
        return f"Unknown field {field!r}; use one of {', '.join(LEAD_FIELDS)} or attributes.<key>."
    return None


def _value_error(operator, value):
    if operator == "eq":
        if not _is_scalar(value):
            return "eq needs one string, number or boolean."
    elif operator == "in":
        if not isinstance(value, (list, tuple)) or not value:
            return "in needs a non-empty list of values."
        if not all(_is_scalar(v) for v in value):
            return "in needs a list of strings, numbers or booleans."
    elif operator == "contains_any":
        if not isinstance(value, (list, tuple)) or not value:
            return "contains_any needs a non-empty list of keywords."
        if not all(isinstance(v, str) and v.strip() for v in value):
            return "contains_any needs keywords that are non-blank strings."
    elif operator in ("gte", "lte"):
        if not _is_number(value):
            return f"{operator} needs a number."
    elif operator == "between":
        if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(_is_number(v) for v in value):
            return "between needs [lo, hi], two numbers."
        if value[0] > value[1]:
            return "between needs lo <= hi."
    elif operator == "engagement" and not (_is_int(value) and 0 <= value <= MAX_POINTS):
        return f"engagement needs the maximum points, an int in 0..{MAX_POINTS}."
    return None


def validate_rule(rule):
    """Return ``{key: [messages]}`` for what is wrong with ``rule`` ({} if valid)."""
    if not isinstance(rule, dict):
        return {"_schema": ["A scoring rule must be an object."]}
    errors = defaultdict(list)
    for key in rule:
        if key not in RULE_KEYS:
            errors[key].append(f"Unknown key; a rule has: {', '.join(RULE_KEYS)}.")
    for key in ("id", "name"):
        if not isinstance(rule.get(key), str) or not rule.get(key).strip():
            errors[key].append("Required: a non-blank string.")
    message = _field_error(rule.get("field"))
    if message:
        errors["field"].append(message)
    operator = rule.get("operator")
    if operator not in OPERATORS:
        errors["operator"].append(f"Unknown operator {operator!r}; use one of {', '.join(OPERATORS)}.")
    else:
        message = _value_error(operator, rule.get("value"))
        if message:
            errors["value"].append(message)
    points = rule.get("points")
    if not _is_int(points) or not MIN_POINTS <= points <= MAX_POINTS:
        errors["points"].append(f"Must be an int in {MIN_POINTS}..{MAX_POINTS}.")
    if "enabled" in rule and not isinstance(rule["enabled"], bool):
        errors["enabled"].append("Must be true or false.")
    return dict(errors)


# -- compilation -------------------------------------------------------------


def _getter(field):
    """A function lead -> the field's value (None when missing)."""
    if field.startswith(ATTRIBUTE_PREFIX):
        key = field[len(ATTRIBUTE_PREFIX) :]

        def get_attribute(lead):
            attributes = lead.get("attributes")
            if isinstance(attributes, dict):
                return attributes.get(key)
            return None

        return get_attribute
    return lambda lead: lead.get(field)


def _fold(v):
    """The key under which ``eq``/``in`` compare a value."""
    if isinstance(v, str):
        return v.strip().casefold()
    if isinstance(v, bool):
        return ("bool", v)  # keep True apart from 1
    return v


def _as_number(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            n = float(v)
        except ValueError:
            return None
        return n if math.isfinite(n) else None
    return None


def _is_present(v):
    if v is None:
        return False
    if isinstance(v, str):
        return bool(v.strip())
    if isinstance(v, (dict, list, tuple, set)):
        return bool(v)
    return True


def _keyword_regex(keywords):
    parts = sorted(
        (r"\s+".join(re.escape(word) for word in k.split()) for k in keywords),
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def _matcher(operator, value):
    """A predicate field_value -> bool for every operator but engagement and eq/in."""
    if operator == "contains_any":
        search = _keyword_regex(value).search
        return lambda v: isinstance(v, str) and search(v) is not None
    if operator == "gte":
        return lambda v: (n := _as_number(v)) is not None and n >= value
    if operator == "lte":
        return lambda v: (n := _as_number(v)) is not None and n <= value
    if operator == "between":
        lo, hi = value
        return lambda v: (n := _as_number(v)) is not None and lo <= n <= hi
    if operator == "present":
        return _is_present
    raise ValueError(f"no matcher for operator {operator!r}")


def _engagement_points(points, cap):
    def contribution(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
            return 0
        total = points * int(v)
        return max(-cap, min(cap, total))

    return contribution


class _Lookup:
    """All enabled eq/in rules on one field: folded value -> [(rule, points)]."""

    def __init__(self, field):
        self.get = _getter(field)
        self.table = defaultdict(list)

    def add(self, index, rule, values):
        for v in {_fold(v) for v in values}:
            self.table[v].append((index, rule["points"]))


def _compile(rules):
    """Turn rules into checks: a list of (index, get, kind, test).

    ``index`` is the rule's position in ``rules``; kind is 'lookup' (test =
    _Lookup holding every eq/in rule on that field, placed where its first
    rule was; index None), 'match' (test = predicate) or 'count' (test =
    value -> points).
    """
    checks = []
    lookups = {}
    for index, rule in enumerate(rules):
        errors = validate_rule(rule)
        if errors:
            raise ValueError(f"scoring rule #{index} ({rule.get('id')!r}) is invalid: {errors}")
        if not rule.get("enabled", True):
            continue
        field, operator, value = rule["field"], rule["operator"], rule["value"]
        if operator in ("eq", "in"):
            lookup = lookups.get(field)
            if lookup is None:
                lookup = lookups[field] = _Lookup(field)
                checks.append((None, lookup.get, "lookup", lookup))
            lookup.add(index, rule, [value] if operator == "eq" else value)
        elif operator == "engagement":
            checks.append((index, _getter(field), "count", _engagement_points(rule["points"], value)))
        else:
            checks.append((index, _getter(field), "match", _matcher(operator, value)))
    return checks


def compile_rules(rules):
    """Return a fast ``lead -> score`` function for these rules (validated first).

    Raises ValueError when a rule is invalid (see ``validate_rule``).
    """
    steps = []
    for index, get, kind, test in _compile(rules):
        if kind == "lookup":
            table = {key: sum(points for _, points in hits) for key, hits in test.table.items()}
            steps.append(_lookup_step(get, table))
        elif kind == "count":
            steps.append(_count_step(get, test))
        else:
            steps.append(_match_step(get, test, rules[index]["points"]))
    steps = tuple(steps)

    def score(lead):
        total = 0
        for step in steps:
            total += step(lead)
        if total < MIN_SCORE:
            return MIN_SCORE
        if total > MAX_SCORE:
            return MAX_SCORE
        return total

    return score


def _lookup_step(get, table):
    table_get = table.get

    def step(lead):
        v = get(lead)
        if v is None:
            return 0
        if isinstance(v, str):
            return table_get(v.strip().casefold(), 0)
        try:
            return table_get(_fold(v), 0)
        except TypeError:  # unhashable (a list or dict in attributes)
            return 0

    return step


def _match_step(get, predicate, points):
    return lambda lead: points if predicate(get(lead)) else 0


def _count_step(get, contribution):
    return lambda lead: contribution(get(lead))


def score_lead(lead, rules):
    """The lead's score: enabled matching rules' points summed, clamped to 0..100."""
    return compile_rules(rules)(lead)


def explain_score(lead, rules):
    """``[{rule_id, name, points}]`` for each rule that added non-zero points, in rule order.

    ``points`` is what the rule contributed (for an engagement rule, the
    capped total); the list's sum is the score before clamping to 0..100.
    """
    contributions = {}
    for index, get, kind, test in _compile(rules):
        v = get(lead)
        if kind == "lookup":
            try:
                hits = test.table.get(_fold(v), ()) if v is not None else ()
            except TypeError:  # unhashable value
                hits = ()
            contributions.update(hits)
        elif kind == "count":
            contributions[index] = test(v)
        elif test(v):
            contributions[index] = rules[index]["points"]
    return [
        {"rule_id": rules[i]["id"], "name": rules[i]["name"], "points": points}
        for i, points in sorted(contributions.items())
        if points != 0
    ]


def validate_rules(rules):
    """Validate a whole rule set: ``{"rules[i].key": [messages]}`` ({} if valid).

    Adds a check ``validate_rule`` cannot make alone: ids are unique.
    """
    if not isinstance(rules, (list, tuple)):
        return {"rules": ["Must be a list of scoring rules."]}
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
