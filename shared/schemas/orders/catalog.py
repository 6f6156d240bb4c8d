"""Contracts of the orders service's catalog area: products, tax categories
and rates, price books and their prices, and the pricing preview.

Periods (a tax rate's, a price's) run from ``valid_from`` to ``valid_to``,
both days included; no ``valid_to``: open-ended.  Unit prices have up to
six decimals; line amounts are rounded to the currency's minor unit."""

from decimal import Decimal

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import (
    AuthoredSchema,
    PageQuerySchema,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    country_code,
    text,
)
from shared.schemas.events import register_event
from shared.schemas.orders.common import (
    Amount,
    Currency,
    DocumentLineSchema,
    LineInputSchema,
    Percent,
    Quantity,
    TotalsSchema,
)

CATEGORY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
CATEGORY_HELP = "A tax category code (lower-case letters, digits and _), like standard, reduced or zero."
MAX_TIERS = 20
MAX_PREVIEW_LINES = 500


def category_code(**kwargs):
    # maxLength repeats the pattern's bound, so the document states it plainly (a query's size).
    metadata = {"description": CATEGORY_HELP, "example": "standard", "maxLength": 40, **kwargs.pop("metadata", {})}
    return fields.String(validate=validate.Regexp(CATEGORY_PATTERN, error=CATEGORY_HELP), metadata=metadata,
                         **kwargs)


def _period_check(data):
    start, end = data.get("valid_from"), data.get("valid_to")
    if start and end and end < start:
        raise ValidationError("The period ends before it starts; valid_to is on or after valid_from.", "valid_to")


# Products ---------------------------------------------------------------------

class ProductFieldsSchema(TrimmedSchema):
    sku = fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "Stock keeping unit, unique ignoring letter case; surrounding spaces are dropped."})
    name = fields.String(validate=validate.Length(min=1, max=200))
    description = text(4000)
    family = text(100, metadata={"description": "A product family, like Hardware or Services."})
    unit = fields.String(validate=validate.Length(min=1, max=20), metadata={
        "description": "Unit of measure, like each, h or kg."})
    active = fields.Boolean(metadata={"description": "An inactive product cannot be put on new lines."})
    tax_category = category_code()


class ProductCreateSchema(ProductFieldsSchema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64),
                        error_messages={"required": "A product needs a SKU.", "null": "A product needs a SKU."})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200),
                         error_messages={"required": "A product needs a name.", "null": "A product needs a name."})
    unit = fields.String(load_default="each", validate=validate.Length(min=1, max=20))
    active = fields.Boolean(load_default=True)
    tax_category = category_code(load_default="standard")


class ProductUpdateSchema(ProductFieldsSchema):
    """PATCH: only the given keys change; ``null`` clears description or family."""

    sku = fields.String(validate=validate.Length(min=1, max=64), error_messages={"null": "A product needs a SKU."})
    name = fields.String(validate=validate.Length(min=1, max=200),
                         error_messages={"null": "A product needs a name."})
    unit = fields.String(validate=validate.Length(min=1, max=20), error_messages={"null": "Give a unit."})
    active = fields.Boolean(error_messages={"null": "active is true or false."})
    tax_category = category_code(error_messages={"null": "Give a tax category."})


class ProductSchema(AuthoredSchema):
    id = fields.UUID(required=True)
    sku = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    family = fields.String(allow_none=True)
    unit = fields.String(required=True)
    active = fields.Boolean(required=True)
    tax_category = fields.String(required=True)


PRODUCT_SORTS = ("sku", "-sku", "name", "-name", "created_at", "-created_at", "updated_at", "-updated_at")


class ProductQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ()
    q = text(200, load_default=None, metadata={"description": "Words that each appear in the SKU or name."})
    family = text(100, load_default=None)
    active = fields.Boolean(load_default=None, allow_none=True)
    tax_category = category_code(load_default=None, allow_none=True)
    sort = fields.String(load_default="sku", validate=validate.OneOf(PRODUCT_SORTS), metadata={
        "description": "sku (default) or name A to Z, created_at / updated_at oldest first; a leading - "
                       "reverses. The id breaks ties."})


class ProductPageSchema(StrictSchema):
    items = fields.List(fields.Nested(ProductSchema), required=True)
    next_cursor = fields.String(allow_none=True)


# Tax ---------------------------------------------------------------------------

class TaxCategorySchema(StrictSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class TaxCategoryCreateSchema(TrimmedSchema):
    code = category_code(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class TaxCategoryListSchema(StrictSchema):
    items = fields.List(fields.Nested(TaxCategorySchema), required=True)


class TaxRateCreateSchema(TrimmedSchema):
    upper = ("country",)
    tax_category = category_code(required=True)
    country = country_code(required=True)
    rate = Percent(required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True, load_default=None, metadata={
        "description": "Last day, on or after valid_from; none: open."})

    @validates_schema
    def period(self, data, **kwargs):
        _period_check(data)


class TaxRateUpdateSchema(StrictSchema):
    """Closes (or reopens) a rate's period; a rate's value never changes:
    enter a new period."""

    valid_to = fields.Date(required=True, allow_none=True, metadata={
        "description": "Last day, on or after the rate's valid_from (422 otherwise); null: open."})


class TaxRateSchema(AuthoredSchema):
    id = fields.UUID(required=True)
    tax_category = fields.String(required=True)
    country = fields.String(required=True)
    rate = fields.String(required=True, metadata={"description": "Percent, like \"19\"."})
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True)


class TaxRateQuerySchema(TrimmedSchema, PageQuerySchema):
    trimmed = ()
    upper = ("country",)
    cursor = fields.String(load_default=None, validate=validate.Length(max=400))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    country = country_code(load_default=None, allow_none=True)
    tax_category = category_code(load_default=None, allow_none=True)
    on_date = fields.Date(load_default=None, allow_none=True, metadata={"description": "Rates valid that day."})


class TaxRatePageSchema(StrictSchema):
    items = fields.List(fields.Nested(TaxRateSchema), required=True)
    next_cursor = fields.String(allow_none=True)


# Price books ---------------------------------------------------------------------

class PriceBookFieldsSchema(TrimmedSchema):
    name = fields.String(validate=validate.Length(min=1, max=100), error_messages={"null": "A book needs a name."})
    description = text(2000)
    active = fields.Boolean(error_messages={"null": "active is true or false."}, metadata={
        "description": "An inactive book cannot be used on new documents. The standard book stays active: "
                       "deactivating it is refused with 422 (other books fall back to it)."})
    prices_include_tax = fields.Boolean(error_messages={"null": "prices_include_tax is true or false."},
                                        metadata={"description": "Its prices are gross (tax included)."})


class PriceBookCreateSchema(PriceBookFieldsSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         error_messages={"required": "A book needs a name.", "null": "A book needs a name."})
    active = fields.Boolean(load_default=True)
    prices_include_tax = fields.Boolean(load_default=False)


class PriceBookUpdateSchema(PriceBookFieldsSchema):
    """PATCH: only the given keys change."""


class PriceBookSchema(AuthoredSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    active = fields.Boolean(required=True)
    is_standard = fields.Boolean(required=True, metadata={
        "description": "The standard book: the one prices fall back to."})
    prices_include_tax = fields.Boolean(required=True)


class PriceBookQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ()
    q = text(100, load_default=None)
    active = fields.Boolean(load_default=None, allow_none=True)
    prices_include_tax = fields.Boolean(load_default=None, allow_none=True)
    sort = fields.String(load_default="name", validate=validate.OneOf(("name", "-name", "created_at", "-created_at")))


class PriceBookPageSchema(StrictSchema):
    items = fields.List(fields.Nested(PriceBookSchema), required=True)
    next_cursor = fields.String(allow_none=True)


# Prices ----------------------------------------------------------------------------

class PriceTierSchema(StrictSchema):
    min_quantity = Quantity(required=True, minimum=Decimal("0.0001"))
    unit_price = Amount(required=True)


class PriceSetSchema(TrimmedSchema):
    product_id = fields.UUID(required=True)
    currency = Currency(required=True)
    unit_price = Amount(required=True, metadata={"description": "Below the first tier (up to 6 decimals)."})
    tiers = fields.List(fields.Nested(PriceTierSchema), load_default=list, validate=validate.Length(max=MAX_TIERS),
                        metadata={"description": "Volume tiers, each min_quantity at most once: the one with the "
                                                 "highest min_quantity not above the line's quantity gives the "
                                                 "unit price."})
    valid_from = fields.Date(load_default=None, allow_none=True, metadata={"description": "First day; none: today."})
    valid_to = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "Last day, on or after valid_from (today when valid_from is not given); none: open."})

    @validates_schema
    def period(self, data, **kwargs):
        _period_check(data)


class PriceTierOutSchema(StrictSchema):
    min_quantity = fields.String(required=True)
    unit_price = fields.String(required=True)


class PriceSchema(StrictSchema):
    id = fields.UUID(required=True)
    price_book_id = fields.UUID(required=True)
    product_id = fields.UUID(required=True)
    sku = fields.String(allow_none=True)
    product_name = fields.String(allow_none=True)
    currency = fields.String(required=True)
    unit_price = fields.String(required=True)
    tiers = fields.List(fields.Nested(PriceTierOutSchema), required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class PriceSetResultSchema(StrictSchema):
    price = fields.Nested(PriceSchema, required=True)
    closed = fields.Nested(PriceSchema, allow_none=True, metadata={
        "description": "The open period this one ended (valid_to set to the day before), if any."})


class PriceQuerySchema(TrimmedSchema, PageQuerySchema):
    trimmed = ()
    cursor = fields.String(load_default=None, validate=validate.Length(max=400))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    product_id = fields.UUID(load_default=None, allow_none=True)
    currency = Currency(load_default=None, allow_none=True)
    on_date = fields.Date(load_default=None, allow_none=True, metadata={"description": "Prices valid that day."})


class PricePageSchema(StrictSchema):
    items = fields.List(fields.Nested(PriceSchema), required=True)
    next_cursor = fields.String(allow_none=True)


# Pricing preview -----------------------------------------------------------------

class PricingPreviewSchema(TrimmedSchema):
    """Lines priced as a document would price them; nothing is stored."""

    upper = ("tax_country",)
    currency = Currency(required=True)
    price_book_id = fields.UUID(load_default=None, allow_none=True, metadata={"description": "None: standard."})
    tax_country = country_code(required=True)
    on_date = fields.Date(load_default=None, allow_none=True, metadata={"description": "None: today."})
    prices_include_tax = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "None: as the price book."})
    lines = fields.List(fields.Nested(LineInputSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_PREVIEW_LINES))


class PreviewLineSchema(DocumentLineSchema):
    id = fields.UUID(allow_none=True, metadata={"description": "Always null: a preview line is not stored."})


class PricingPreviewResultSchema(TotalsSchema):
    currency = fields.String(required=True)
    prices_include_tax = fields.Boolean(required=True)
    on_date = fields.Date(required=True)
    lines = fields.List(fields.Nested(PreviewLineSchema), required=True)


# Events ----------------------------------------------------------------------------

class ProductEventSchema(StrictSchema):
    product = fields.Nested(ProductSchema, required=True)


class ProductUpdatedEventSchema(ProductEventSchema):
    changed = fields.List(fields.String(), required=True, metadata={"description": "Names of the changed fields."})


register_event("product.created", ProductEventSchema, "orders", "A product was added to the catalog.")
register_event("product.updated", ProductUpdatedEventSchema, "orders",
               "A product's fields changed (an inactive product is no longer sold).")
