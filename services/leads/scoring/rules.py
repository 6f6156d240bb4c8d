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
                  case-insensitively (case-folded): ``vp`` matches "VP Sales"
                  but not "SVP"; the words of a phrase may be separated by
                  any spaces or punctuation (``vice president`` matches
                  "Vice-President"); a keyword with symbols (``c++``, ``r&d``)
                  matches where no letter or digit touches it.
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
points, before clamping).  ``compile_rules`` validates the rules and does the
per-rule work once (folded value tables, keyword regexes, rules grouped by
field so each field is read once) and returns a ``lead -> int`` function for
bulk imports; ``score_lead`` is ``compile_rules(rules)(lead)``.
"""

import math
import re
from collections import defaultdict

from services.leads.rule_sets import common_rule_errors, validate_rule_set
from shared.schemas.leads import SCORABLE_FIELDS

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

LEAD_FIELDS = SCORABLE_FIELDS  # the contract's list: the API documents exactly what the rules accept
ATTRIBUTE_PREFIX = "attributes."

OPERATORS = ("eq", "in", "contains_any", "gte", "lte", "between", "present", "engagement")
RULE_KEYS = ("id", "name", "field", "operator", "value", "points", "enabled")

_SENIOR_TITLES = [
    "chief", "ceo", "cto", "cfo", "coo", "cmo", "cio", "president", "vp",
    "vice president", "svp", "evp", "head", "director", "founder",
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
    errors = common_rule_errors(rule, RULE_KEYS)
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


def _keyword_search(keywords):
    """``search`` of one regex finding any keyword as whole words in a case-folded value.

    The keywords are case-folded too; the words of a phrase may be separated
    by any run of non-word characters (``vice president`` matches
    "vice-president"); a keyword must not touch a word character on either
    side (``vp`` is not found in "svp", ``c++`` is found in "c++ developer").
    A plain regex over the case-folded value measured faster than
    ``re.IGNORECASE`` or splitting the value into words.
    """
    parts = sorted(
        (r"\W+".join(re.escape(word) for word in keyword.casefold().split()) for keyword in keywords),
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)").search


def _engagement_total(v, points, cap):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
        return 0
    return max(-cap, min(cap, points * int(v)))


def _table_points(table_get, v):
    try:
        return table_get(_fold(v), 0)
    except TypeError:  # unhashable: a list or dict in attributes
        return 0


class _FieldRules:
    """The enabled rules on one field, prepared so one call scores the field's value.

    ``eq``/``in`` rules become one dict (folded value -> summed points),
    ``gte``/``lte``/``between`` ranges share one number conversion, ``present``
    rules one emptiness test.  Points are additive, so the field's total is
    the sum of its rules' points whatever the grouping.
    """

    def __init__(self):
        self.table = defaultdict(int)
        self.keywords = []
        self.ranges = []
        self.present_points = 0
        self.counts = []

    def add(self, rule):
        operator, value, points = rule["operator"], rule["value"], rule["points"]
        if operator in ("eq", "in"):
            for key in {_fold(v) for v in ([value] if operator == "eq" else value)}:
                self.table[key] += points
        elif operator == "contains_any":
            self.keywords.append((_keyword_search(value), points))
        elif operator == "gte":
            self.ranges.append((value, math.inf, points))
        elif operator == "lte":
            self.ranges.append((-math.inf, value, points))
        elif operator == "between":
            self.ranges.append((value[0], value[1], points))
        elif operator == "present":
            self.present_points += points
        elif operator == "engagement":
            self.counts.append((points, value))
        else:
            raise ValueError(f"unknown operator {operator!r}")
        return self

    def build(self):
        """A function ``value -> points``; call it only for a value that is not None."""
        parts = []
        if self.table:
            parts.append(_table_part(dict(self.table)))
        if self.present_points:
            parts.append(_present_part(self.present_points))
        if self.keywords:
            parts.append(_keywords_part(tuple(self.keywords)))
        if self.ranges:
            parts.append(_ranges_part(tuple(self.ranges)))
        for points, cap in self.counts:
            parts.append(_count_part(points, cap))
        if len(parts) == 1:
            return parts[0]
        parts = tuple(parts)

        def step(v):
            total = 0
            for part in parts:
                total += part(v)
            return total

        return step


# Each part is a function ``value (not None) -> points``.  Exact-type checks
# (``v.__class__ is str``) pick the common case first; bools are never numbers.


def _table_part(table):
    table_get = table.get

    def part(v):
        if v.__class__ is str:
            return table_get(v.strip().casefold(), 0)
        return _table_points(table_get, v)

    return part


def _present_part(points):
    def part(v):
        if v.__class__ is str:
            return points if v and not v.isspace() else 0
        return points if _is_present(v) else 0

    return part


def _keywords_part(keywords):
    def part(v):
        if not isinstance(v, str):
            return 0
        folded = v.casefold()
        total = 0
        for search, points in keywords:
            if search(folded) is not None:
                total += points
        return total

    return part


def _ranges_part(ranges):
    def part(v):
        n = v if v.__class__ is int else _as_number(v)
        if n is None:
            return 0
        total = 0
        for lo, hi, points in ranges:
            if lo <= n <= hi:
                total += points
        return total

    return part


def _count_part(points, cap):
    def part(v):
        if v.__class__ is int:
            if v <= 0:
                return 0
            total = points * v
            return cap if total > cap else -cap if total < -cap else total
        return _engagement_total(v, points, cap)

    return part


def _enabled_rules(rules):
    """Validate every rule (ValueError on the first bad one); yield (index, rule) of enabled ones."""
    for index, rule in enumerate(rules):
        errors = validate_rule(rule)
        if errors:
            raise ValueError(f"scoring rule #{index} ({rule.get('id')!r}) is invalid: {errors}")
        if rule.get("enabled", True):
            yield index, rule


def _split_field(field):
    """("plain", key) for a lead key, ("attribute", key) for attributes.<key>."""
    if field.startswith(ATTRIBUTE_PREFIX):
        return "attribute", field[len(ATTRIBUTE_PREFIX) :]
    return "plain", field


def _value(lead, field):
    kind, key = _split_field(field)
    if kind == "plain":
        return lead.get(key)
    attributes = lead.get("attributes")
    return attributes.get(key) if isinstance(attributes, dict) else None


def compile_rules(rules):
    """Return a fast ``lead -> score`` function for these rules (validated first).

    Rules are grouped by field, so each field is read once per lead and a
    missing (None) value costs one dict lookup.  Raises ValueError when a rule
    is invalid (see ``validate_rule``).
    """
    groups = {}
    for _, rule in _enabled_rules(rules):
        groups.setdefault(_split_field(rule["field"]), _FieldRules()).add(rule)
    plain = tuple((key, g.build()) for (kind, key), g in groups.items() if kind == "plain")
    attribute = tuple((key, g.build()) for (kind, key), g in groups.items() if kind == "attribute")

    def score(lead):
        total = 0
        get = lead.get
        for key, step in plain:
            v = get(key)
            if v is not None:
                total += step(v)
        if attribute:
            attributes = get("attributes")
            if attributes and isinstance(attributes, dict):
                for key, step in attribute:
                    v = attributes.get(key)
                    if v is not None:
                        total += step(v)
        if total < MIN_SCORE:
            return MIN_SCORE
        if total > MAX_SCORE:
            return MAX_SCORE
        return total

    return score


def score_lead(lead, rules):
    """The lead's score: enabled matching rules' points summed, clamped to 0..100."""
    return compile_rules(rules)(lead)


def explain_score(lead, rules):
    """``[{rule_id, name, points}]`` for each rule that added non-zero points, in rule order.

    ``points`` is what the rule contributed (for an engagement rule, the
    capped total); the list's sum is the score before clamping to 0..100.
    Each rule is evaluated by the same code ``compile_rules`` uses.
    """
    explained = []
    for _, rule in _enabled_rules(rules):
        v = _value(lead, rule["field"])
        points = _FieldRules().add(rule).build()(v) if v is not None else 0
        if points:
            explained.append({"rule_id": rule["id"], "name": rule["name"], "points": points})
    return explained


def validate_rules(rules):
    """Validate a whole rule set: ``{"rules[i].key": [messages]}`` ({} if valid); ids must be unique."""
    return validate_rule_set(rules, validate_rule, "scoring")
