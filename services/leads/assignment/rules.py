"""Lead assignment: rules are data, owners are dealt out round-robin.

A rule is a dict::

    {"id": "emea-software", "name": "EMEA software", "priority": 10,
     "kind": "territory", "countries": ["DE", "FR"], "industries": ["Software"],
     "sources": [], "owners": ["u-anna", "u-ben"], "enabled": True}

Matching
    Rules are tried in ``(priority, id)`` order, lower priority first;
    disabled rules (``enabled`` false; missing counts as true) are skipped;
    the first match wins.  A ``territory`` rule matches when every non-empty
    criteria list (``countries``, ``industries``, ``sources``) contains the
    lead's value: countries compare upper-cased, industries and sources
    case-insensitively (case-folded, surrounding whitespace ignored); a lead
    with an empty value fails a non-empty list.  A ``round_robin`` rule
    matches every lead, its criteria lists are ignored.

Dealing
    Each rule has a persistent cursor (an int the store keeps, 0 when new).
    ``pick_owner(rule, cursor)`` gives ``owners[cursor % len(owners)]`` and
    the next cursor, kept in ``0..len(owners)-1`` so it stays small and an
    edited owners list simply carries on from a valid position.  The same
    owner listed twice gets two turns per round (a way to weight owners).

Leads that already have an owner
    keep it: the owner is returned unchanged and no cursor moves.

``assign_many`` assigns a batch (an import) and gives exactly the owners and
cursors that ``assign_one`` would give lead by lead in order.  ``RuleSet``
prepares the rules once for matching many leads.
"""


from services.leads.rule_sets import common_rule_errors, validate_rule_set
from shared.schemas.common import is_country_code

__all__ = [
    "KINDS",
    "RuleSet",
    "assign_many",
    "assign_one",
    "match_rule",
    "pick_owner",
    "validate_rule",
    "validate_rules",
]

KINDS = ("round_robin", "territory")
CRITERIA = ("countries", "industries", "sources")
RULE_KEYS = ("id", "name", "priority", "kind", *CRITERIA, "owners", "enabled")
SOURCES = ("web_form", "import", "campaign", "referral", "partner", "event", "manual", "other")


# -- validation --------------------------------------------------------------


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _list_of_strings_error(value):
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        return "Must be a list."
    if not all(isinstance(v, str) and v.strip() for v in value):
        return "Must be a list of non-blank strings."
    return None


def validate_rule(rule):
    """Return ``{key: [messages]}`` for what is wrong with ``rule`` ({} if valid)."""
    if not isinstance(rule, dict):
        return {"_schema": ["An assignment rule must be an object."]}
    errors = common_rule_errors(rule, RULE_KEYS)
    if not _is_int(rule.get("priority")):
        errors["priority"].append("Required: an int; lower priorities are tried first.")
    kind = rule.get("kind")
    if kind not in KINDS:
        errors["kind"].append(f"Must be one of: {', '.join(KINDS)}.")
    for key in CRITERIA:
        message = _list_of_strings_error(rule.get(key))
        if message:
            errors[key].append(message)
    if "countries" not in errors:
        bad = [c for c in rule.get("countries") or () if not is_country_code(c.strip())]
        if bad:
            errors["countries"].append(f"Use ISO 3166-1 alpha-2 codes such as DE or US; not: {', '.join(bad)}.")
    if "sources" not in errors:
        bad = [s for s in rule.get("sources") or () if s.strip().casefold() not in SOURCES]
        if bad:
            errors["sources"].append(f"Unknown source {', '.join(bad)}; use: {', '.join(SOURCES)}.")
    if kind == "territory" and not any(rule.get(key) for key in CRITERIA):
        errors["kind"].append(
            "A territory rule needs at least one of countries, industries or "
            "sources; use round_robin to match every lead."
        )
    owners = rule.get("owners")
    if not isinstance(owners, (list, tuple)) or not owners:
        errors["owners"].append("Required: a non-empty list of owner ids.")
    elif not all(isinstance(o, str) and o.strip() for o in owners):
        errors["owners"].append("Owner ids must be non-blank strings.")
    if "enabled" in rule and not isinstance(rule["enabled"], bool):
        errors["enabled"].append("Must be true or false.")
    return dict(errors)


def validate_rules(rules):
    """Validate a whole rule set: ``{"rules[i].key": [messages]}`` ({} if valid); ids must be unique."""
    return validate_rule_set(rules, validate_rule, "assignment")


# -- matching ----------------------------------------------------------------


def _fold(v):
    return v.strip().casefold() if isinstance(v, str) else None


def _upper(v):
    return v.strip().upper() if isinstance(v, str) else None


def _criterion(values, fold):
    """A frozenset of folded values, or None when the list is empty (no constraint)."""
    if not values:
        return None
    return frozenset(fold(v) for v in values)


def _compile(rules):
    """Enabled rules in match order, each as (rule, countries, industries, sources)."""
    compiled = []
    for rule in sorted(
        (r for r in rules if r.get("enabled", True)),
        key=lambda r: (r["priority"], r["id"]),
    ):
        if rule["kind"] == "round_robin":
            compiled.append((rule, None, None, None))
        else:
            compiled.append(
                (
                    rule,
                    _criterion(rule.get("countries"), _upper),
                    _criterion(rule.get("industries"), _fold),
                    _criterion(rule.get("sources"), _fold),
                )
            )
    return compiled


def _first_match(lead, compiled):
    country = industry = source = None
    folded = False
    for rule, countries, industries, sources in compiled:
        if countries is None and industries is None and sources is None:
            return rule
        if not folded:
            country = _upper(lead.get("country"))
            industry = _fold(lead.get("industry"))
            source = _fold(lead.get("source"))
            folded = True
        if (
            (countries is None or country in countries)
            and (industries is None or industry in industries)
            and (sources is None or source in sources)
        ):
            return rule
    return None


def match_rule(lead, rules):
    """The first enabled rule, by (priority, id), that matches the lead; or None."""
    return _first_match(lead, _compile(rules))


class RuleSet:
    """A rule set prepared once for matching many leads (``match`` is
    ``match_rule`` without preparing the rules again)."""

    def __init__(self, rules):
        self.rules = list(rules)
        self._compiled = _compile(self.rules)

    def match(self, lead):
        return _first_match(lead, self._compiled)


# -- dealing -----------------------------------------------------------------


def pick_owner(rule, cursor):
    """``(owners[cursor % len(owners)], next_cursor)`` for the rule's cursor."""
    owners = rule["owners"]
    index = (cursor or 0) % len(owners)
    return owners[index], (index + 1) % len(owners)


def _has_owner(lead):
    owner = lead.get("owner")
    return owner is not None and owner != ""


def assign_one(lead, rules, cursors):
    """Assign one lead: ``(owner, rule or None, new_cursors)``.

    A lead that has an owner keeps it (rule None, cursors unchanged).  With no
    matching rule the owner is None.  ``cursors`` (rule id -> int) is not
    modified; ``new_cursors`` is a copy with the used rule's cursor moved.
    """
    if _has_owner(lead):
        return lead["owner"], None, dict(cursors)
    rule = match_rule(lead, rules)
    if rule is None:
        return None, None, dict(cursors)
    owner, cursor = pick_owner(rule, cursors.get(rule["id"], 0))
    return owner, rule, {**cursors, rule["id"]: cursor}


def assign_many(leads, rules, cursors):
    """Assign a batch in order: ``(owners, new_cursors)``.

    ``owners[i]`` is the owner for ``leads[i]`` (the lead's own owner when it
    has one; None when no rule matches).  ``new_cursors`` is a copy of
    ``cursors`` with the cursor of every rule that dealt a lead moved on; it
    equals what ``assign_one`` gives lead by lead.  ``cursors`` is not modified.
    """
    compiled = _compile(rules)
    new_cursors = dict(cursors)
    owners = []
    for lead in leads:
        if _has_owner(lead):
            owners.append(lead["owner"])
            continue
        rule = _first_match(lead, compiled)
        if rule is None:
            owners.append(None)
            continue
        owner, new_cursors[rule["id"]] = pick_owner(rule, new_cursors.get(rule["id"], 0))
        owners.append(owner)
    return owners, new_cursors
