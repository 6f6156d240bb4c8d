"""Contracts of the sales service: accounts (the customer master).

An account's ``domain`` is stored normalised (lower case, without scheme,
``www.`` or path); its name is kept as typed and matched by a normalised key.
A merged account stays readable with ``merged_into`` set to the survivor.
"""

from marshmallow import fields, validate

from shared.schemas.common import (
    AuthoredSchema,
    JsonObject,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    WholeNumber,
    country_code,
    filter_values,
    text,
)
from shared.schemas.events import register_event

ACCOUNT_TYPES = ("prospect", "customer", "partner", "reseller", "competitor")
ADDRESS_KINDS = ("billing", "shipping", "office", "other")
MAX_ADDRESSES = 20

# A web domain, or an http(s) URL of one, as the document shows it.
DOMAIN_PATTERN = r"^(https?://)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(/\S*)?$"


class AccountAddressSchema(TrimmedSchema):
    upper = ("country",)

    kind = fields.String(load_default="office", validate=validate.OneOf(ADDRESS_KINDS))
    street = text(500)
    city = text(200)
    region = text(200)
    postal_code = text(20)
    country = country_code(allow_none=True)


class AccountFieldsSchema(TrimmedSchema):
    """The fields a person or client app may set on an account."""

    upper = ("country",)

    name = fields.String(validate=validate.Length(min=1, max=200),
                         error_messages={"null": "An account needs a name."})
    domain = text(255, metadata={"description": "Web domain (unique among live accounts); a URL is reduced to its "
                                                "host: `https://www.Acme.com/about` is stored as `acme.com`. The "
                                                "host needs two labels or more, and not just `www` and a top-level "
                                                "domain.",
                                 "pattern": DOMAIN_PATTERN, "maxLength": 253})
    industry = text(100)
    size = WholeNumber(allow_none=True, strict=True, validate=validate.Range(min=0, max=10_000_000),
                          metadata={"description": "Number of employees."})
    country = country_code(allow_none=True, metadata={
        "description": "ISO 3166-1 alpha-2 code, like GB (any letter case); the region of its contacts' national "
                       "phone numbers."})
    addresses = fields.List(fields.Nested(AccountAddressSchema), validate=validate.Length(max=MAX_ADDRESSES))
    type = fields.String(validate=validate.OneOf(ACCOUNT_TYPES))
    parent_id = fields.UUID(allow_none=True, metadata={"description": "Parent account (hierarchies)."})
    owner = text(100, metadata={"description": "The username of an active user (GET /api/v1/users/directory)."})
    attributes = JsonObject(metadata={"description": "Custom attributes, a JSON object."})


class AccountCreateSchema(AccountFieldsSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200),
                         error_messages={"null": "An account needs a name.", "required": "An account needs a name."})


class AccountUpdateSchema(AccountFieldsSchema):
    """PATCH: only the given keys change; ``null`` clears an optional field."""


class AccountSchema(AuthoredSchema):
    """An account as returned by the API and carried in events."""

    id = fields.UUID(required=True)
    name = fields.String(required=True)
    domain = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    country = fields.String(allow_none=True)
    addresses = fields.List(fields.Nested(AccountAddressSchema), required=True)
    type = fields.String(required=True, validate=validate.OneOf(ACCOUNT_TYPES))
    parent_id = fields.UUID(allow_none=True)
    owner = fields.String(allow_none=True)
    attributes = fields.Dict(required=True)
    merged_into = fields.UUID(allow_none=True, metadata={"description": "The survivor, once merged into another."})


ACCOUNT_SORTS = ("name", "-name", "-created_at", "created_at", "-updated_at", "updated_at")
ACCOUNT_SORT_HELP = (
    "The order of the list: a field, ascending (A to Z, oldest first), or with a leading - descending. name: by "
    "name, A to Z (the default), ignoring letter case and legal forms like Ltd or GmbH; -name: Z to A; "
    "-created_at / created_at: newest / oldest first; -updated_at / updated_at: most / least recently changed "
    "first. The id breaks ties. A cursor continues the sort it came from (another sort refuses it)."
)


class AccountQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ()  # query values are taken as given
    upper = ("country",)

    q = text(200, load_default=None, metadata={"description": "Free text (trigram) over name and domain."})
    type = filter_values(fields.String(validate=validate.OneOf(ACCOUNT_TYPES)))
    owner = text(100, load_default=None)
    industry = text(100, load_default=None)
    country = country_code(load_default=None, allow_none=True)
    parent_id = fields.UUID(load_default=None, allow_none=True, metadata={"description": "Children of this account."})
    include_merged = fields.Boolean(load_default=False)
    sort = fields.String(load_default="name", validate=validate.OneOf(ACCOUNT_SORTS),
                         metadata={"description": ACCOUNT_SORT_HELP})


class AccountPageSchema(StrictSchema):
    items = fields.List(fields.Nested(AccountSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class AccountHierarchySchema(StrictSchema):
    account = fields.Nested(AccountSchema, required=True)
    ancestors = fields.List(fields.Nested(AccountSchema), required=True,
                            metadata={"description": "The parent first, the root last."})
    children = fields.List(fields.Nested(AccountSchema), required=True,
                           metadata={"description": "Live direct children, by name."})


class AccountMergeSchema(StrictSchema):
    duplicate_id = fields.UUID(required=True, metadata={"description": "The account merged into this one."})


class AccountMovedSchema(StrictSchema):
    contacts = fields.Integer(required=True)
    opportunities = fields.Integer(required=True)
    activities = fields.Integer(required=True)
    children = fields.Integer(required=True, metadata={"description": "Child accounts re-parented to the survivor."})


class AccountMergeResultSchema(StrictSchema):
    account = fields.Nested(AccountSchema, required=True, metadata={"description": "The survivor."})
    moved = fields.Nested(AccountMovedSchema, required=True)


# Events -------------------------------------------------------------------

class AccountEventSchema(StrictSchema):
    account = fields.Nested(AccountSchema, required=True)


class AccountUpdatedEventSchema(AccountEventSchema):
    changed = fields.List(fields.String(), required=True, metadata={"description": "Names of the changed fields."})


class AccountMergedEventSchema(AccountEventSchema):
    merged_id = fields.UUID(required=True, metadata={"description": "The account that was merged into `account`."})
    moved = fields.Nested(AccountMovedSchema, required=True)


register_event("account.created", AccountEventSchema, "sales", "An account (customer master record) was created.")
register_event("account.updated", AccountUpdatedEventSchema, "sales",
               "An account's fields changed (also its parent, when a merge moved it).")
register_event("account.merged", AccountMergedEventSchema, "sales",
               "A duplicate account was merged into this one; its contacts, opportunities, activities and child "
               "accounts moved here.")
