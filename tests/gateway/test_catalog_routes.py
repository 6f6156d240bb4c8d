"""The catalog routes of the gateway: the route table with each route's
permission and the RPC it makes; who may call what (401, 403, else the
answer); bad input is a clear 4xx and reaches no service; domain errors
keep their status."""

from shared.schemas.errors import Conflict, ValidationFailed
from tests.gateway.conftest import bearer
from tests.gateway.route_tables import PAGE, ROLES, AreaChecks, entity, send

PRODUCT_ID = "9a0c2f7e-3b1d-4c2a-9e8f-1d2c3b4a5e61"
BOOK_ID = "9b3c8f5e-1111-4c1e-9a55-2f9f5f0d1a22"
RATE_ID = "9c0c0c0c-2222-4c1e-9a55-2f9f5f0d1a33"

# The spec's permission table, written out (not read from gateway.auth).
ALLOWED = {
    "orders:read": set(ROLES),
    "orders:admin": {"admin"},
}

PRODUCT_BODY = {"sku": "W-1", "name": "Widget"}
PRICE_BODY = {"product_id": PRODUCT_ID, "currency": "eur", "unit_price": "9.50"}
RATE_BODY = {"tax_category": "standard", "country": "de", "rate": "19", "valid_from": "2024-01-01"}
PREVIEW_BODY = {"currency": "EUR", "tax_country": "DE", "lines": [{"product_id": PRODUCT_ID, "quantity": "2"}]}

# method, path, permission, a valid body, the RPC (service, method) it makes
ROUTES = [
    ("GET", "/api/v1/products", "orders:read", None, ("orders", "list_products")),
    ("POST", "/api/v1/products", "orders:admin", PRODUCT_BODY, ("orders", "create_product")),
    ("GET", f"/api/v1/products/{PRODUCT_ID}", "orders:read", None, ("orders", "get_product")),
    ("PATCH", f"/api/v1/products/{PRODUCT_ID}", "orders:admin", {"active": False}, ("orders", "update_product")),
    ("GET", "/api/v1/price-books", "orders:read", None, ("orders", "list_price_books")),
    ("POST", "/api/v1/price-books", "orders:admin", {"name": "Partners"}, ("orders", "create_price_book")),
    ("GET", f"/api/v1/price-books/{BOOK_ID}", "orders:read", None, ("orders", "get_price_book")),
    ("PATCH", f"/api/v1/price-books/{BOOK_ID}", "orders:admin", {"active": False}, ("orders", "update_price_book")),
    ("GET", f"/api/v1/price-books/{BOOK_ID}/prices", "orders:read", None, ("orders", "list_prices")),
    ("POST", f"/api/v1/price-books/{BOOK_ID}/prices", "orders:admin", PRICE_BODY, ("orders", "set_price")),
    ("GET", "/api/v1/tax-categories", "orders:read", None, ("orders", "list_tax_categories")),
    ("POST", "/api/v1/tax-categories", "orders:admin", {"code": "luxury", "name": "Luxury"},
     ("orders", "create_tax_category")),
    ("GET", "/api/v1/tax-rates", "orders:read", None, ("orders", "list_tax_rates")),
    ("POST", "/api/v1/tax-rates", "orders:admin", RATE_BODY, ("orders", "create_tax_rate")),
    ("PATCH", f"/api/v1/tax-rates/{RATE_ID}", "orders:admin", {"valid_to": "2024-12-31"},
     ("orders", "update_tax_rate")),
    ("POST", "/api/v1/pricing/preview", "orders:read", PREVIEW_BODY, ("orders", "price_quote_lines")),
]
PREFIXES = ("/api/v1/products", "/api/v1/price-books", "/api/v1/tax-categories", "/api/v1/tax-rates",
            "/api/v1/pricing")


PRICE = {"id": RATE_ID, "price_book_id": BOOK_ID, "product_id": PRODUCT_ID, "currency": "EUR", "unit_price": "9.50",
         "tiers": [], "valid_from": "2024-01-01", "valid_to": None}
ANSWERS = {
    ("orders", "list_products"): PAGE,
    ("orders", "create_product"): entity(PRODUCT_ID, sku="W-1"),
    ("orders", "get_product"): entity(PRODUCT_ID, 2),
    ("orders", "update_product"): entity(PRODUCT_ID, 3),
    ("orders", "list_price_books"): PAGE,
    ("orders", "create_price_book"): entity(BOOK_ID, name="Partners"),
    ("orders", "get_price_book"): entity(BOOK_ID, 2),
    ("orders", "update_price_book"): entity(BOOK_ID, 3),
    ("orders", "list_prices"): PAGE,
    ("orders", "set_price"): {"price": PRICE, "closed": None},
    ("orders", "list_tax_categories"): {"items": [{"code": "standard", "name": "Standard"}]},
    ("orders", "create_tax_category"): {"code": "luxury", "name": "Luxury"},
    ("orders", "list_tax_rates"): PAGE,
    ("orders", "create_tax_rate"): entity(RATE_ID, rate="19"),
    ("orders", "update_tax_rate"): entity(RATE_ID, 2, rate="19"),
    ("orders", "price_quote_lines"): {"currency": "EUR", "lines": [], "net_total": "0.00"},
}


def test_writes_send_the_actor_and_the_wire_form(client, tokens, fake_rpc):
    fake_rpc.answers.update(ANSWERS)
    response = send(client, "POST", f"/api/v1/price-books/{BOOK_ID}/prices", PRICE_BODY, bearer(tokens["admin"]))
    assert response.status_code == 201
    (_, _, args), = fake_rpc.calls
    assert args[0] == BOOK_ID
    assert args[1]["currency"] == "EUR" and args[1]["unit_price"] == "9.50"
    assert isinstance(args[2], str)

    fake_rpc.calls.clear()
    response = send(client, "POST", "/api/v1/products", PRODUCT_BODY, bearer(tokens["admin"]))
    assert response.status_code == 201
    assert response.headers["Location"].endswith(f"/api/v1/products/{PRODUCT_ID}")
    assert response.headers["ETag"]


# (method, path): [(body, the field the problem must name)]
BODY_CASES = {
    ("POST", "/api/v1/products"): [
        ({}, "sku"), ({"sku": "W"}, "name"), ({"sku": "   ", "name": "x"}, "sku"), ({"sku": 5, "name": "x"}, "sku"),
        ({"sku": "W" * 65, "name": "x"}, "sku"), ({**PRODUCT_BODY, "colour": "red"}, "colour"),
        ({**PRODUCT_BODY, "active": "yes please"}, "active"), ({**PRODUCT_BODY, "tax_category": "A B"},
                                                               "tax_category"),
    ],
    ("PATCH", f"/api/v1/products/{PRODUCT_ID}"): [
        ({"name": None}, "name"), ({"sku": ""}, "sku"), ({"price": "1"}, "price"),
    ],
    ("POST", "/api/v1/price-books"): [
        ({}, "name"), ({"name": "x", "is_standard": True}, "is_standard"),
        ({"name": "x", "prices_include_tax": "sometimes"}, "prices_include_tax"),
    ],
    ("POST", f"/api/v1/price-books/{BOOK_ID}/prices"): [
        ({**PRICE_BODY, "product_id": "nope"}, "product_id"), ({**PRICE_BODY, "currency": "XAU"}, "currency"),
        ({**PRICE_BODY, "unit_price": "-1"}, "unit_price"), ({**PRICE_BODY, "unit_price": "1.0000001"}, "unit_price"),
        ({**PRICE_BODY, "unit_price": "ten"}, "unit_price"),
        ({**PRICE_BODY, "tiers": [{"min_quantity": "0", "unit_price": "1"}]}, "tiers"),
        ({**PRICE_BODY, "valid_from": "2024-02-01", "valid_to": "2024-01-01"}, "valid_to"),
    ],
    ("POST", "/api/v1/tax-rates"): [
        ({**RATE_BODY, "rate": "100.5"}, "rate"), ({**RATE_BODY, "country": "Germany"}, "country"),
        ({**RATE_BODY, "valid_from": None}, "valid_from"), ({**RATE_BODY, "rate": True}, "rate"),
    ],
    ("PATCH", f"/api/v1/tax-rates/{RATE_ID}"): [({"rate": "7"}, "rate")],
    ("POST", "/api/v1/tax-categories"): [({"code": "Luxury Goods", "name": "x"}, "code"), ({"code": "lux"}, "name")],
    ("POST", "/api/v1/pricing/preview"): [
        ({**PREVIEW_BODY, "lines": []}, "lines"), ({**PREVIEW_BODY, "currency": "EURO"}, "currency"),
        ({**PREVIEW_BODY, "lines": [{"quantity": "-1"}]}, "lines"),
        ({**PREVIEW_BODY, "lines": [{"quantity": "1", "unit_price": "1", "surprise": 1}]}, "lines"),
        ({**PREVIEW_BODY, "on_date": "someday"}, "on_date"),
    ],
}
BAD_QUERIES = [(path, None) for path in (
    "/api/v1/products?sort=price", "/api/v1/products?limit=0", "/api/v1/products?active=perhaps",
    "/api/v1/tax-rates?country=ZZZ", f"/api/v1/price-books/{BOOK_ID}/prices?currency=nope",
    "/api/v1/tax-rates?on_date=tomorrow")]
MALFORMED = [("GET", "/api/v1/products/42", None), ("GET", "/api/v1/price-books/nope", None),
             ("PATCH", "/api/v1/tax-rates/x", {"valid_to": None})]
SERVICE_ERRORS = [
    ("set_price", Conflict("Overlaps.", {"valid_from": ["Overlaps."]}), 409),
    ("price_quote_lines", ValidationFailed("Some lines cannot be priced.", {"lines.0.product_id": ["Inactive."]}),
     422),
]


class TestCatalogRoutes(AreaChecks):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries, malformed, service_errors = BODY_CASES, BAD_QUERIES, MALFORMED, SERVICE_ERRORS
    ids = {PRODUCT_ID: "{product_id}", BOOK_ID: "{price_book_id}", RATE_ID: "{rate_id}"}

    @staticmethod
    def covers(rule):
        return rule.rule.startswith(PREFIXES)
