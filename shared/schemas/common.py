"""Pieces shared by every service's contracts."""

import pycountry
from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, post_load, pre_load, validate

# The characters str.strip() removes, as a regular expression class (the
# same in Python and in ECMA-262, which JSON Schema validators use).
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Text that is not blank once trimmed: it holds a character strip() keeps
# (and no NUL, which no text may hold).
NOT_BLANK_PATTERN = f"^[^\\x00]*[^\\x00{_SPACE}][^\\x00]*$"
# Text that is blank once trimmed.
BLANK_PATTERN = f"^[{_SPACE}]*$"


class StrictSchema(Schema):
    """Unknown fields are an error, so a typo never silently drops data.

    A schema class may set ``json_schema_extra``: JSON Schema keywords the
    OpenAPI document adds to the schema's own, to say rules across fields
    (``anyOf``, ``contains``) that marshmallow checks in ``validates_schema``.
    """

    json_schema_extra = None

    class Meta:
        unknown = RAISE


class VersionedSchema(StrictSchema):
    """What every stored record shows besides its own fields: its version (for
    If-Match) and when it was created and last changed."""

    version = fields.Integer(required=True, metadata={"description": "Increases with every change."})
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class AuthoredSchema(VersionedSchema):
    """A stored record that also names who created it."""

    created_by = fields.String(allow_none=True)


class TrimmedSchema(StrictSchema):
    """An input contract that tidies what a client typed, the same way in
    every service; a schema says where it differs with class attributes.

    Before loading (an object; anything else is left for the fields to refuse):

    - ``trimmed``: the fields whose string values lose their surrounding
      whitespace; ``None`` (the default) means every field, ``()`` none.
      A trimmed string left empty is no value (``None``) ...
    - ``keep_blank``: ... except in these fields, where it stays ``""`` so
      that the field refuses it with its own message ("Must not be blank").
    - ``trimmed_items``: list fields whose string items lose their
      surrounding whitespace (an item is never dropped nor made ``None``).

    After loading:

    - ``upper``: code fields (country, currency) upper-cased when given.
    """

    trimmed = None
    keep_blank = ()
    trimmed_items = ()
    upper = ()

    @pre_load
    def trim_strings(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        tidy = {}
        for key, value in data.items():
            if isinstance(value, str) and (self.trimmed is None or key in self.trimmed):
                value = value.strip()
                if not value and key not in self.keep_blank:
                    value = None
            elif isinstance(value, list) and key in self.trimmed_items:
                value = [item.strip() if isinstance(item, str) else item for item in value]
            tidy[key] = value
        return tidy

    @post_load
    def upper_codes(self, data, **kwargs):
        for key in self.upper:
            if data.get(key):
                data[key] = data[key].upper()
        return data


def any_given(*names, text=True):
    """``json_schema_extra`` of a schema that needs at least one of ``names``
    (say the same rule with a ``validates_schema``): each is given and not
    null, and text holds a non-space character (blank text is no value)."""
    value = {"type": "string", "pattern": NOT_BLANK_PATTERN} if text else {"type": "string"}
    return {"anyOf": [{"required": [name], "properties": {name: value}} for name in names]}


class WholeNumber(fields.Integer):
    """An integer as JSON Schema means it: 12 or 12.0 (a number without a
    fraction), never 12.5, which is refused rather than cut to 12."""

    def _validated(self, value):
        if isinstance(value, float):
            if not value.is_integer():
                raise self.make_error("invalid")
            value = int(value)
        return super()._validated(value)


# An email address as the API accepts it, for the OpenAPI document: a
# dot-atom local part, then a host name whose last label has at least two
# characters ("ada@example.org"; "ada@example.a" is refused). The contract
# also accepts Unicode letters in both parts (checked by marshmallow's Email
# validator), which ECMA-262 patterns cannot name without the "u" flag, so
# the pattern states the ASCII subset every client can check.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = f"^{_ATOM}(?:\\.{_ATOM})*@(?:{_LABEL}\\.)+[A-Za-z0-9-]{{2,}}$"


def email_address(**kwargs):
    """An email address of at most 254 characters (see ``EMAIL_PATTERN``)."""
    metadata = {"pattern": EMAIL_PATTERN, **kwargs.pop("metadata", {})}
    return fields.Email(validate=validate.Length(max=254), metadata=metadata, **kwargs)


# Countries: ISO 3166-1 alpha-2 codes (pycountry's list), in any letter
# case on input; schemas upper-case them (``TrimmedSchema.upper``).
COUNTRY_CODES = frozenset(country.alpha_2 for country in pycountry.countries)
COUNTRY_HELP = "Use an ISO 3166-1 two-letter country code, like GB, DE or US."


def _any_case_pattern(codes):
    """A regular expression (the same in Python and ECMA-262) matching
    exactly ``codes``, two-letter codes, in any letter case."""
    seconds = {}
    for code in sorted(codes):
        seconds.setdefault(code[0], []).append(code[1])
    groups = [f"[{first}{first.lower()}][{''.join(s + s.lower() for s in rest)}]" for first, rest in seconds.items()]
    return f"^(?:{'|'.join(groups)})$"


COUNTRY_PATTERN = _any_case_pattern(COUNTRY_CODES)


def is_country_code(value):
    """Whether ``value`` is an ISO 3166-1 alpha-2 code (in any letter case)."""
    return isinstance(value, str) and value.upper() in COUNTRY_CODES


class CountryCode(validate.Validator):
    """Refuses anything but an ISO 3166-1 alpha-2 code (``XX`` too)."""

    def __call__(self, value):
        if not is_country_code(value):
            shown = value[:20] if isinstance(value, str) else value
            raise ValidationError(f"{shown!r} is not a country code. {COUNTRY_HELP}")
        return value


def country_code(**kwargs):
    """A country field: an ISO 3166-1 alpha-2 code in any letter case (the
    document's pattern lists exactly the codes the field takes)."""
    metadata = {"pattern": COUNTRY_PATTERN, "maxLength": 2,
                "description": "ISO 3166-1 alpha-2 code, like GB (any letter case).", **kwargs.pop("metadata", {})}
    return fields.String(validate=CountryCode(), metadata=metadata, **kwargs)


# Owners are users of the suite (their usernames); the gateway checks them.
UNKNOWN_OWNER = "No active user {name!r}; pick one of the suite's users (GET /api/v1/users/directory lists them)."


def unknown_owner(name):
    """The field error for an owner that is no active user."""
    return UNKNOWN_OWNER.format(name=name[:100] if isinstance(name, str) else name)


def text(max_length, **kwargs):
    return fields.String(validate=validate.Length(max=max_length), allow_none=True, **kwargs)


class JsonObject(fields.Dict):
    """A free-form JSON object with string keys, bounded in size."""

    def __init__(self, max_keys=100, **kwargs):
        super().__init__(keys=fields.String(validate=validate.Length(min=1, max=64)), **kwargs)
        self.max_keys = max_keys

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if len(result) > self.max_keys:
            raise ValidationError(f"At most {self.max_keys} keys.")
        return result


# At most this many values in one query filter (``status=new&status=working``).
MAX_FILTER_VALUES = 20


def filter_values(item, **kwargs):
    """A query filter taking several values, repeated or comma-separated."""
    return fields.List(item, load_default=None, validate=validate.Length(max=MAX_FILTER_VALUES), **kwargs)


CURSOR_HELP = "Opaque cursor from the previous page's next_cursor (any other is refused)."
CURSOR_REFUSED = "The cursor is not one this API returned."


class PageQuerySchema(StrictSchema):
    cursor = fields.String(load_default=None, validate=[
        validate.Length(max=200),
        validate.Regexp(r"^[A-Za-z0-9_.@=-]*$", error=CURSOR_REFUSED)],
        metadata={"description": CURSOR_HELP})
    limit = WholeNumber(load_default=50, validate=validate.Range(min=1, max=500))


# The longest cursor of a sorted list: a sort key of up to 100 characters
# (400 bytes of UTF-8, base64 in the cursor's base64) with its sort's name
# and a tie-breaking id (see shared.kit.pagination).
SORTED_CURSOR_MAX = 800


class SortedPageQuerySchema(PageQuerySchema):
    """The paging of a list with a choice of sorts: its cursors carry the
    sort and its key, in URL-safe base64 without padding."""

    cursor = fields.String(load_default=None, validate=[
        validate.Length(max=SORTED_CURSOR_MAX),
        validate.Regexp(r"^[A-Za-z0-9_-]*$", error=CURSOR_REFUSED)],
        metadata={"description": CURSOR_HELP})


class ProblemSchema(Schema):
    """RFC 9457 problem details.  Besides the standard members a problem may
    carry extension members (RFC 9457 section 3.2); those the API uses are
    listed, and clients must ignore others."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(metadata={"description": "A URI naming the kind of problem; about:blank for a plain "
                                                  "HTTP status."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(metadata={"description": "What went wrong and what to do about it."})
    instance = fields.String(metadata={"description": "The path of the request."})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(),
                         metadata={"description": "Per-field messages on 400/422 (a list of messages per field, "
                                                  "or per-item maps for lists of objects)."})
    correlation_id = fields.String(metadata={"description": "The request's correlation id (also in X-Request-ID); "
                                                            "quote it when reporting a problem."})
    existing_id = fields.String(metadata={"description": "409 for a duplicate: the record that exists already."})
    allowed = fields.List(fields.String(), metadata={"description": "409 for an illegal status or stage move: "
                                                                    "where it may go from here."})
    required_permission = fields.String(metadata={"description": "403: the permission the route needs."})
    retry = fields.Boolean(metadata={"description": "true when repeating the same request may succeed."})
