"""GET /api/v1/accounts/{id}/value: who may read it (orders:read, every
role), the RPC it makes, bad ids and the service's errors as problems."""

import uuid

import pytest

from shared.schemas.errors import Conflict, NotFound
from shared.schemas.orders.customers import CustomerValueSchema
from tests.gateway.conftest import bearer
from tests.gateway.route_tables import ROLES, MalformedIdChecks, OpenApiChecks, RouteChecks, ServiceErrorChecks

ACCOUNT_ID = "5a0c2f7e-3b1d-4c2a-9e8f-1d2c3b4a5e61"
# method, path, permission, a valid body, the RPC (service, method) it makes
ROUTES = [("GET", f"/api/v1/accounts/{ACCOUNT_ID}/value", "orders:read", None, ("orders", "customer_value"))]
ALLOWED = {"orders:read": set(ROLES)}
VALUE = {
    "account_id": ACCOUNT_ID, "account_name": "Acme", "as_of": "2026-12-02", "reporting_currency": "EUR",
    "lifetime_revenue": "550.00", "open_orders": {"count": 2, "amount": "370.00"}, "unpaid_balance": "380.00",
    "overdue_balance": "200.00", "first_order_at": "2026-02-01T09:30:00+00:00",
    "last_order_at": "2026-11-05T17:00:00+00:00", "order_count": 4, "average_order_value": "190.00",
    "currencies": [{"currency": "USD", "rate": "0.9", "lifetime_revenue": "300.00",
                    "open_orders": {"count": 1, "amount": "300.00"}, "unpaid_balance": "200.00",
                    "overdue_balance": "0.00", "order_count": 1, "orders_total": "300.00"}],
    "missing_rates": ["CHF"],
}


def test_the_answer_is_a_customer_value():
    assert CustomerValueSchema().validate(VALUE) == {}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_value_as_orders_answers_it(client, tokens, fake_rpc, role):
    fake_rpc.answers["orders", "customer_value"] = VALUE
    response = client.get(f"/api/v1/accounts/{ACCOUNT_ID}/value", headers=bearer(tokens[role]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == VALUE
    assert fake_rpc.calls == [("orders", "customer_value", (ACCOUNT_ID,))]


def test_a_write_method_is_405(client, tokens, fake_rpc):
    response = client.post(f"/api/v1/accounts/{ACCOUNT_ID}/value", json={}, headers=bearer(tokens["admin"]))
    assert response.status_code == 405
    assert fake_rpc.calls == []


SURVIVOR = str(uuid.uuid4())
SERVICE_ERRORS = [
    ("customer_value", NotFound(f"No account with id {ACCOUNT_ID}."), 404),
    ("customer_value", Conflict(f"Account {ACCOUNT_ID} was merged into account {SURVIVOR}; use account {SURVIVOR} "
                                "instead.", account_id=ACCOUNT_ID, merged_into=SURVIVOR), 409),
]


class TestCustomerValueRoutes(RouteChecks, MalformedIdChecks, ServiceErrorChecks, OpenApiChecks):
    """An unknown account is a 404, a merged one a 409 naming the survivor."""

    routes, allowed, service_errors = ROUTES, ALLOWED, SERVICE_ERRORS
    answers = {("orders", "customer_value"): VALUE}
    malformed = [("GET", path, None) for path in ("/api/v1/accounts/not-a-uuid/value", "/api/v1/accounts/12345/value",
                                                  f"/api/v1/accounts/{ACCOUNT_ID}x/value")]
    ids = {ACCOUNT_ID: "{account_id}"}

    @staticmethod
    def covers(rule):
        return rule.endpoint.startswith("customer_value.")
