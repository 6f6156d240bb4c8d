"""The orders service's catalog: products, price books and their prices,
tax categories and rates (admins change them, everyone reads them), and
the pricing preview behind the quote builder's live totals."""

from flask import Blueprint

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, create, created, listing, patch, versioned
from shared.schemas.orders.catalog import (
    PriceBookCreateSchema,
    PriceBookPageSchema,
    PriceBookQuerySchema,
    PriceBookSchema,
    PriceBookUpdateSchema,
    PricePageSchema,
    PriceQuerySchema,
    PriceSetResultSchema,
    PriceSetSchema,
    PricingPreviewResultSchema,
    PricingPreviewSchema,
    ProductCreateSchema,
    ProductPageSchema,
    ProductQuerySchema,
    ProductSchema,
    ProductUpdateSchema,
    TaxCategoryCreateSchema,
    TaxCategoryListSchema,
    TaxCategorySchema,
    TaxRateCreateSchema,
    TaxRatePageSchema,
    TaxRateQuerySchema,
    TaxRateSchema,
    TaxRateUpdateSchema,
)

bp = Blueprint("catalog", __name__, url_prefix="/api/v1")
TAGS = ["catalog"]


# Products

@bp.get("/products")
@requires("orders:read")
@operation("List products (filtered, sorted)", tags=TAGS, query=ProductQuerySchema, response=ProductPageSchema)
def list_products(query):
    return listing("orders", "list_products", query)


@bp.post("/products")
@requires("orders:admin")
@operation("Add a product to the catalog", tags=TAGS, body=ProductCreateSchema, response=ProductSchema, status=201,
           headers={"Location": "The product's URL.", "ETag": "The product's version."}, problems=(409,),
           description="409 with `existing_id` when another product has the SKU (ignoring letter case).")
def create_product(body):
    return create("orders", "create_product", body, "catalog.get_product", "product_id")


@bp.get("/products/<uuid:product_id>")
@requires("orders:read")
@operation("Get a product", tags=TAGS, response=ProductSchema, headers={"ETag": "The product's version."})
def get_product(product_id):
    return versioned(call("orders", "get_product", str(product_id)))


@bp.patch("/products/<uuid:product_id>")
@requires("orders:admin")
@operation("Change a product", tags=TAGS, body=ProductUpdateSchema, response=ProductSchema,
           headers={"ETag": "The product's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="Only the given fields change. Lines already on documents keep the SKU, name and price "
                       "they were made with; an inactive product cannot be put on new lines.")
def update_product(product_id, body, expected_version):
    return patch("orders", "update_product", str(product_id), body, expected_version)


# Price books

@bp.get("/price-books")
@requires("orders:read")
@operation("List price books", tags=TAGS, query=PriceBookQuerySchema, response=PriceBookPageSchema)
def list_price_books(query):
    return listing("orders", "list_price_books", query)


@bp.post("/price-books")
@requires("orders:admin")
@operation("Create a price book", tags=TAGS, body=PriceBookCreateSchema, response=PriceBookSchema, status=201,
           headers={"Location": "The book's URL.", "ETag": "The book's version."}, problems=(409,),
           description="A book for a segment, region or partner. A product without a price in it is priced "
                       "from the standard book when both books agree on `prices_include_tax`.")
def create_price_book(body):
    return create("orders", "create_price_book", body, "catalog.get_price_book", "price_book_id")


@bp.get("/price-books/<uuid:price_book_id>")
@requires("orders:read")
@operation("Get a price book", tags=TAGS, response=PriceBookSchema, headers={"ETag": "The book's version."})
def get_price_book(price_book_id):
    return versioned(call("orders", "get_price_book", str(price_book_id)))


@bp.patch("/price-books/<uuid:price_book_id>")
@requires("orders:admin")
@operation("Change a price book", tags=TAGS, body=PriceBookUpdateSchema, response=PriceBookSchema,
           headers={"ETag": "The book's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="The standard book stays active.")
def update_price_book(price_book_id, body, expected_version):
    return patch("orders", "update_price_book", str(price_book_id), body, expected_version)


@bp.get("/price-books/<uuid:price_book_id>/prices")
@requires("orders:read")
@operation("List a book's prices", tags=TAGS, query=PriceQuerySchema, response=PricePageSchema,
           description="By product, currency and start; `on_date` keeps the prices valid that day.")
def list_prices(price_book_id, query):
    return listing("orders", "list_prices", query, str(price_book_id))


@bp.post("/price-books/<uuid:price_book_id>/prices")
@requires("orders:admin")
@operation("Set a product's price in a book from a date", tags=TAGS, body=PriceSetSchema,
           response=PriceSetResultSchema, status=201, problems=(409,),
           description="A new price period. The open period of the same product and currency that started "
                       "before it is ended the day before (returned as `closed`); any other overlap is a 409.")
def set_price(price_book_id, body):
    result = call("orders", "set_price", str(price_book_id), body.wire(), actor())
    return result, 201


# Tax

@bp.get("/tax-categories")
@requires("orders:read")
@operation("List tax categories", tags=TAGS, response=TaxCategoryListSchema)
def list_tax_categories():
    return call("orders", "list_tax_categories")


@bp.post("/tax-categories")
@requires("orders:admin")
@operation("Create a tax category", tags=TAGS, body=TaxCategoryCreateSchema, response=TaxCategorySchema,
           status=201, problems=(409,))
def create_tax_category(body):
    return call("orders", "create_tax_category", body.wire(), actor()), 201


@bp.get("/tax-rates")
@requires("orders:read")
@operation("List tax rates", tags=TAGS, query=TaxRateQuerySchema, response=TaxRatePageSchema,
           description="By country, category and start. The `zero` category is 0% in every country without a "
                       "rate of its own.")
def list_tax_rates(query):
    return listing("orders", "list_tax_rates", query)


@bp.post("/tax-rates")
@requires("orders:admin")
@operation("Add a tax rate period", tags=TAGS, body=TaxRateCreateSchema, response=TaxRateSchema, status=201,
           headers={"Location": "The rate's URL.", "ETag": "The rate's version."}, problems=(409,),
           description="Periods of one category and country never overlap (409 naming the other period). "
                       "Documents keep the rates they were made with.")
def create_tax_rate(body):
    entity = call("orders", "create_tax_rate", body.wire(), actor())
    return created(entity, "catalog.list_tax_rates")


@bp.patch("/tax-rates/<uuid:rate_id>")
@requires("orders:admin")
@operation("End (or reopen) a tax rate period", tags=TAGS, body=TaxRateUpdateSchema, response=TaxRateSchema,
           headers={"ETag": "The rate's new version."}, problems=(409,),
           description="A rate never changes its value: set `valid_to` on the old period and add a new one.")
def update_tax_rate(rate_id, body):
    return versioned(call("orders", "update_tax_rate", str(rate_id), body.wire(), actor()))


# Pricing preview

@bp.post("/pricing/preview")
@requires("orders:read")
@operation("Price lines without storing them", tags=TAGS + ["quotes"], body=PricingPreviewSchema,
           response=PricingPreviewResultSchema,
           description="The quote builder's live totals: each line priced as a quote would price it (price book, "
                       "volume tiers, tax rate of the country on the date), rounded once per line, and the "
                       "totals as sums of the rounded lines. Line errors name `lines.<index>.<field>`.")
def pricing_preview(body):
    return call("orders", "price_quote_lines", body.wire())
