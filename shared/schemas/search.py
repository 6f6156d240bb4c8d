"""Contracts of the global search: the query (``GET /api/v1/search``, and
each service's ``search`` RPC) and what it finds.

A hit is one record: its id and kind, a title and a subtitle to show, and
the field that matched (``matched``).  Each service answers for the kinds it
owns (leads: leads; sales: accounts, contacts, opportunities); the gateway
asks them side by side and puts the answers together.
"""

from marshmallow import fields, validate

from shared.schemas.common import StrictSchema, TrimmedSchema, WholeNumber

KINDS = ("leads", "accounts", "contacts", "opportunities")
SALES_KINDS = ("accounts", "contacts", "opportunities")
# What a hit was found by: a name (or an opportunity's), an email address, a
# phone number (its digits), a lead's company, the account a contact or an
# opportunity belongs to, a web domain (of an email address or an account).
MATCHED = ("name", "email", "phone", "company", "account", "domain")
MIN_LENGTH = 2
MAX_LENGTH = 200
DEFAULT_LIMIT = 5
MAX_LIMIT = 20
TOO_SHORT = f"Type at least {MIN_LENGTH} characters to search for."
# The characters str.strip() removes (shared.schemas.common's list), as a class.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Text of at least MIN_LENGTH characters once trimmed: two characters strip() keeps.
SEARCHABLE_PATTERN = f"^[^\\x00]*[^\\x00{_SPACE}][^\\x00]*[^\\x00{_SPACE}][^\\x00]*$"


class SearchQuerySchema(TrimmedSchema):
    """What to search for; surrounding whitespace does not count."""

    keep_blank = ("q",)

    q = fields.String(
        required=True,
        validate=[validate.Length(min=MIN_LENGTH, error=TOO_SHORT),
                  validate.Length(max=MAX_LENGTH, error=f"At most {MAX_LENGTH} characters.")],
        error_messages={"required": f"Give q, the text to search for ({MIN_LENGTH} characters or more).",
                        "null": TOO_SHORT},
        metadata={"description": "Text to find: part of a name, an email address, a company or account name, a "
                                 "web domain (`example.com`), or the digits of a phone number (`+44 20 7946` finds "
                                 "+442079460958). Every word must match; words of 3 characters or more match "
                                 "anywhere, shorter ones at the start of a word. At least 2 characters once "
                                 "surrounding spaces are trimmed.",
                  "pattern": SEARCHABLE_PATTERN, "maxLength": MAX_LENGTH})
    limit = WholeNumber(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT),
                        metadata={"description": "Hits per kind, best first."})


class SalesSearchSchema(SearchQuerySchema):
    """The sales service's ``search``: the kinds the caller may see."""

    kinds = fields.List(fields.String(validate=validate.OneOf(SALES_KINDS)), load_default=list(SALES_KINDS),
                        validate=validate.Length(max=len(SALES_KINDS)))


class SearchHitSchema(StrictSchema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, metadata={"description": "What to show first: the name (or the email, "
                                                                  "company or phone when there is none)."})
    subtitle = fields.String(required=True, metadata={
        "description": "What tells it apart, joined with ' · ': a lead's company, email and status; an account's "
                       "domain, type and country; a contact's account, email and phone; an opportunity's account, "
                       "stage and amount. Empty when there is nothing more to say."})
    matched = fields.String(required=True, validate=validate.OneOf(MATCHED),
                            metadata={"description": "The field the text was found in."})


def _hits(description):
    return fields.List(fields.Nested(SearchHitSchema), metadata={"description": description})


class SearchKindsSchema(StrictSchema):
    """The hits of each kind the caller may read (a kind is left out otherwise)."""

    leads = _hits("Leads (not merged ones); needs leads:read.")
    accounts = _hits("Accounts (not merged ones); needs accounts:read.")
    contacts = _hits("Contacts; needs accounts:read.")
    opportunities = _hits("Opportunities; needs sales:read.")


class SearchResultsSchema(StrictSchema):
    q = fields.String(required=True, metadata={"description": "The text searched for, trimmed."})
    results = fields.Nested(SearchKindsSchema, required=True)
    unavailable = fields.List(fields.String(validate=validate.OneOf(KINDS)), required=True, metadata={
        "description": "Kinds that could not be searched now (their service did not answer); the other kinds "
                       "are still answered. Empty normally."})
