"""Segment rules: a JSON rule tree, checked and compiled to a parameterised
SQL predicate over ``people p LEFT JOIN accounts a ON a.id = p.account_id``.
Pure: no database, no broker.

A node is one of::

    {"all": [node, ...]}                      every one holds (an empty list: everybody)
    {"any": [node, ...]}                      at least one holds (an empty list: nobody)
    {"not": node}                             the node does not hold
    {"field": name, "op": op, "value": v}     a comparison on a field of the catalogue
    {"segment": id}                           a member of that (dynamic) segment

Meaning: every comparison is true or false, never unknown: a person whose
field is empty (NULL) matches no comparison but ``is_empty``, and so ``ne``,
``not_in`` and ``{"not": ...}`` match them (``ne`` is exactly ``not eq``).
Text compares without regard to letter case; choices exactly.  Dates take
``YYYY-MM-DD`` (a whole day: ``gt 2026-03-01`` is from March 2nd on) or an
ISO date-time with its zone; ``within_last_days`` / ``more_than_days_ago``
take a whole number of days and are measured from the moment of evaluation
(see ``commands.refresh_relative`` for how such segments stay current).

Values are never put in the SQL text: they travel as parameters.
"""

import datetime
import re
import uuid
from decimal import Decimal, InvalidOperation

from shared.schemas.errors import ValidationFailed

MAX_NODES = 200
MAX_DEPTH = 12
MAX_VALUES = 500
MAX_TEXT = 200
MAX_DAYS = 36500
MAX_NUMBER = Decimal("1e15")
BOOLEAN_TYPES = ("boolean",)
DATE_TYPES = ("date", "timestamp")
NO_VALUE = ("is_empty", "is_not_empty")
LIST_VALUE = ("in", "not_in")
DAYS_VALUE = ("within_last_days", "more_than_days_ago")
NODE_KEYS = ("all", "any", "not", "field", "segment")
NODE_HELP = ('Each node is one of {"all": [...]}, {"any": [...]}, {"not": {...}}, '
             '{"field": "<name>", "op": "<operator>", "value": ...} or {"segment": "<segment id>"}.')


class RuleError(Exception):
    """A rule that cannot be used: ``path`` names the bad node (``rule.all.2.value``)."""

    def __init__(self, path, message):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def failed(error):
    """The ValidationFailed (422) of a RuleError, naming the node's path."""
    return ValidationFailed(f"The rule cannot be used: {error.message} (at {error.path}).",
                            {error.path: [error.message]})


class Catalogue:
    """The fields a rule may name: ``fields`` {name: (sql, type)},
    ``choices`` {name: allowed values}, ``operators`` {type: ops}."""

    def __init__(self, fields, choices, operators):
        self.fields = fields
        self.choices = choices
        self.operators = operators

    @classmethod
    def of_people(cls):
        from services.campaigns.people import fields

        return cls(fields.FIELDS, fields.CHOICES, fields.OPERATORS)


# Checking ---------------------------------------------------------------------------------------------------------

class _Check:
    def __init__(self, catalogue):
        self.catalogue = catalogue
        self.nodes = 0
        self.segments = []
        self.relative = False

    def node(self, node, path, depth):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise RuleError(path, f"A rule has at most {MAX_NODES} nodes; split it into segments and nest them.")
        if depth > MAX_DEPTH:
            raise RuleError(path, f"A rule nests at most {MAX_DEPTH} levels deep.")
        if not isinstance(node, dict):
            raise RuleError(path, f"Expected an object. {NODE_HELP}")
        kinds = [key for key in NODE_KEYS if key in node]
        if len(kinds) != 1:
            raise RuleError(path, f"A node has exactly one of all, any, not, field, segment. {NODE_HELP}")
        kind = kinds[0]
        if kind in ("all", "any"):
            self._only(node, path, (kind,))
            children = node[kind]
            if not isinstance(children, list):
                raise RuleError(f"{path}.{kind}", "Expected a list of nodes.")
            return {kind: [self.node(child, f"{path}.{kind}.{index}", depth + 1)
                           for index, child in enumerate(children)]}
        if kind == "not":
            self._only(node, path, ("not",))
            return {"not": self.node(node["not"], f"{path}.not", depth + 1)}
        if kind == "segment":
            self._only(node, path, ("segment",))
            try:
                segment_id = str(uuid.UUID(str(node["segment"])))
            except ValueError:
                raise RuleError(f"{path}.segment", "Expected the id (a UUID) of a segment.") from None
            self.segments.append((segment_id, f"{path}.segment"))
            return {"segment": segment_id}
        return self.comparison(node, path)

    @staticmethod
    def _only(node, path, keys):
        extra = sorted(set(node) - set(keys))
        if extra:
            raise RuleError(f"{path}.{extra[0]}", f"Unknown key in this node. {NODE_HELP}")

    def comparison(self, node, path):
        self._only(node, path, ("field", "op", "value"))
        name = node["field"]
        if not isinstance(name, str) or name not in self.catalogue.fields:
            known = ", ".join(self.catalogue.fields)
            raise RuleError(f"{path}.field", f"Unknown field; use one of {known}.")
        type_ = self.catalogue.fields[name][1]
        operators = self.catalogue.operators[type_]
        op = node.get("op")
        if op not in operators:
            raise RuleError(f"{path}.op", f"{name} ({type_}) takes the operators {', '.join(operators)}.")
        if op in NO_VALUE:
            if node.get("value") is not None:
                raise RuleError(f"{path}.value", f"{op} takes no value; leave value out.")
            return {"field": name, "op": op}
        if "value" not in node or node["value"] is None:
            raise RuleError(f"{path}.value", f"{op} needs a value.")
        value = node["value"]
        if op in DAYS_VALUE:
            self.relative = True
            return {"field": name, "op": op, "value": _days(value, f"{path}.value")}
        if op in LIST_VALUE:
            if not isinstance(value, list) or not value:
                raise RuleError(f"{path}.value", f"{op} takes a list of 1 to {MAX_VALUES} values.")
            if len(value) > MAX_VALUES:
                raise RuleError(f"{path}.value", f"At most {MAX_VALUES} values.")
            items = [self.scalar(name, type_, item, f"{path}.value.{index}") for index, item in enumerate(value)]
            return {"field": name, "op": op, "value": items}
        if op == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise RuleError(f"{path}.value", "between takes [low, high].")
            low = self.scalar(name, type_, value[0], f"{path}.value.0")
            high = self.scalar(name, type_, value[1], f"{path}.value.1")
            if _order_key(low) > _order_key(high):
                raise RuleError(f"{path}.value", "between takes [low, high] with low not above high.")
            return {"field": name, "op": op, "value": [low, high]}
        return {"field": name, "op": op, "value": self.scalar(name, type_, value, f"{path}.value")}

    def scalar(self, name, type_, value, path):
        if type_ in ("text", "choice"):
            if not isinstance(value, str) or not value.strip():
                raise RuleError(path, "Expected text that is not blank.")
            if len(value) > MAX_TEXT or "\x00" in value:
                raise RuleError(path, f"At most {MAX_TEXT} characters, none of them NUL.")
            if type_ == "choice":
                allowed = self.catalogue.choices.get(name, ())
                if value not in allowed:
                    raise RuleError(path, f"{name} is one of {', '.join(allowed)}.")
                return value
            return value.strip()
        if type_ == "number":
            return _number(value, path)
        if type_ in BOOLEAN_TYPES:
            if not isinstance(value, bool):
                raise RuleError(path, "Expected true or false.")
            return value
        if type_ in DATE_TYPES:
            return _moment(value, path, type_)
        raise RuleError(path, f"Fields of type {type_} cannot be compared.")


def _number(value, path):
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RuleError(path, "Expected a number (like 50 or \"1250.50\").")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RuleError(path, "Expected a number (like 50 or \"1250.50\").") from None
    if not number.is_finite() or abs(number) >= MAX_NUMBER:
        raise RuleError(path, "Expected a finite number below 10^15.")
    return int(number) if number == number.to_integral_value() else number


def _days(value, path):
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise RuleError(path, f"Expected a whole number of days from 0 to {MAX_DAYS}.")
    if not 0 <= value <= MAX_DAYS:
        raise RuleError(path, f"Expected a whole number of days from 0 to {MAX_DAYS}.")
    return int(value)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _moment(value, path, type_):
    """A date (``YYYY-MM-DD``) or, for timestamps, an ISO date-time with zone: kept as its ISO text."""
    help_ = "Expected a date YYYY-MM-DD" + (" or an ISO date-time with its zone." if type_ == "timestamp" else ".")
    if not isinstance(value, str):
        raise RuleError(path, help_)
    text = value.strip()
    try:
        if _DATE.match(text):
            datetime.date.fromisoformat(text)
            return text
        if type_ == "timestamp" and len(text) <= 40:
            moment = datetime.datetime.fromisoformat(text)
            if moment.tzinfo is not None:
                return moment.isoformat()
    except ValueError:
        pass
    raise RuleError(path, help_)


def _order_key(value):
    if isinstance(value, str) and _DATE.match(value):
        return datetime.datetime.fromisoformat(value).replace(tzinfo=datetime.UTC)
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


class Checked:
    """A checked rule: ``rule`` (normalised), ``segments`` it names (in order,
    with their paths), ``relative`` (it uses a relative date operator)."""

    def __init__(self, rule, segments, relative):
        self.rule = rule
        self.segments = segments
        self.relative = relative

    @property
    def segment_ids(self):
        return sorted({segment_id for segment_id, _ in self.segments})


def check(rule, catalogue, path="rule"):
    """The checked rule; RuleError naming the first bad node."""
    checker = _Check(catalogue)
    normal = checker.node(rule, path, 1)
    return Checked(normal, checker.segments, checker.relative)


def find_cycle(start, graph):
    """A path ``[start, ..., start]`` when following ``graph`` {segment id:
    ids it names} from ``start`` comes back to it; None otherwise."""
    stack = [(start, [start])]
    seen = set()
    while stack:
        node, trail = stack.pop()
        for target in graph.get(node, ()):
            if target == start:
                return [*trail, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*trail, target]))
    return None


# Compiling ---------------------------------------------------------------------------------------------------------

def _is_day(value):
    return isinstance(value, str) and _DATE.match(value) is not None


def _param(value):
    if _is_day(value):
        return datetime.date.fromisoformat(value)
    if isinstance(value, str) and "T" in value:
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


class _Compiler:
    def __init__(self, catalogue):
        self.catalogue = catalogue
        self.params = []

    def add(self, value):
        self.params.append(value)
        return "%s"

    def node(self, node):
        if "all" in node:
            parts = [self.node(child) for child in node["all"]]
            return "(" + " AND ".join(parts) + ")" if parts else "true"
        if "any" in node:
            parts = [self.node(child) for child in node["any"]]
            return "(" + " OR ".join(parts) + ")" if parts else "false"
        if "not" in node:
            return f"(({self.node(node['not'])}) IS NOT TRUE)"
        if "segment" in node:
            return (f"EXISTS (SELECT 1 FROM segment_members sm WHERE sm.segment_id = {self.add(node['segment'])}::uuid"
                    " AND sm.person_id = p.id)")
        return self.comparison(node)

    def comparison(self, node):
        name, op, value = node["field"], node["op"], node.get("value")
        sql, type_ = self.catalogue.fields[name]
        expr = f"({sql.replace('%', '%%')})"
        if type_ == "text":
            return self.text(expr, op, value)
        if op == "is_empty":
            return f"({expr} IS NULL)"
        if op == "is_not_empty":
            return f"({expr} IS NOT NULL)"
        if op in DAYS_VALUE:
            since = (f"(current_date - {self.add(value)}::integer)" if type_ == "date"
                     else f"(now() - make_interval(days => {self.add(value)}::integer))")
            return f"({expr} >= {since})" if op == "within_last_days" else f"({expr} < {since})"
        if type_ == "timestamp" and any(_is_day(item) for item in (value if isinstance(value, list) else [value])):
            return self.days(expr, op, value)
        return self.plain(expr, op, value)

    def plain(self, expr, op, value):
        if op == "eq":
            return f"({expr} = {self.add(_param(value))})"
        if op == "ne":
            return f"({expr} IS DISTINCT FROM {self.add(_param(value))})"
        if op == "in":
            return f"({expr} = ANY({self.add([_param(item) for item in value])}))"
        if op == "not_in":
            return f"(({expr} = ANY({self.add([_param(item) for item in value])})) IS NOT TRUE)"
        if op == "between":
            return f"({expr} BETWEEN {self.add(_param(value[0]))} AND {self.add(_param(value[1]))})"
        symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        return f"({expr} {symbol} {self.add(_param(value))})"

    def days(self, expr, op, value):
        """A timestamp against whole days (dates given as YYYY-MM-DD)."""

        def start(item):
            return self.add(_param(item))

        def after(item):  # the start of the next day (or the moment itself, for a date-time)
            moment = _param(item)
            if isinstance(moment, datetime.date) and not isinstance(moment, datetime.datetime):
                moment = moment + datetime.timedelta(days=1)
            return self.add(moment)

        def on(item):
            if not _is_day(item):
                return f"({expr} = {self.add(_param(item))})"
            return f"({expr} >= {start(item)} AND {expr} < {after(item)})"

        if op == "eq":
            return on(value)
        if op == "ne":
            return f"({on(value)} IS NOT TRUE)"
        if op == "in":
            return "(" + " OR ".join(on(item) for item in value) + ")"
        if op == "not_in":
            return "((" + " OR ".join(on(item) for item in value) + ") IS NOT TRUE)"
        if op == "between":
            low, high = value
            upper = f"{expr} < {after(high)}" if _is_day(high) else f"{expr} <= {start(high)}"
            return f"({expr} >= {start(low)} AND {upper})"
        if op == "gt":
            return f"({expr} >= {after(value)})" if _is_day(value) else f"({expr} > {start(value)})"
        if op == "gte":
            return f"({expr} >= {start(value)})"
        if op == "lt":
            return f"({expr} < {start(value)})"
        return f"({expr} < {after(value)})" if _is_day(value) else f"({expr} <= {start(value)})"

    def text(self, expr, op, value):
        lowered = f"lower({expr})"
        if op == "is_empty":
            return f"(coalesce({expr}, '') = '')"
        if op == "is_not_empty":
            return f"(coalesce({expr}, '') <> '')"
        if op == "eq":
            return f"({lowered} = {self.add(value.lower())})"
        if op == "ne":
            return f"({lowered} IS DISTINCT FROM {self.add(value.lower())})"
        if op == "in":
            return f"({lowered} = ANY({self.add([item.lower() for item in value])}::text[]))"
        if op == "not_in":
            return f"(({lowered} = ANY({self.add([item.lower() for item in value])}::text[])) IS NOT TRUE)"
        pattern = _like(value)
        if op == "contains":
            return f"({expr} ILIKE {self.add('%' + pattern + '%')})"
        return f"({expr} ILIKE {self.add(pattern + '%')})"


def _like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def compile_rule(rule, catalogue):
    """``(sql, params)``: the predicate of a CHECKED rule (``check(...).rule``)
    over ``people p LEFT JOIN accounts a ON a.id = p.account_id``."""
    compiler = _Compiler(catalogue)
    sql = compiler.node(rule)
    return sql, compiler.params


def uses_accounts(rule, catalogue):
    """Whether the rule reads a field of the account (the join is needed)."""
    if "all" in rule or "any" in rule:
        return any(uses_accounts(child, catalogue) for child in rule.get("all", rule.get("any", [])))
    if "not" in rule:
        return uses_accounts(rule["not"], catalogue)
    if "field" in rule:
        return "a." in catalogue.fields[rule["field"]][0]
    return False
