"""GET /api/v1/accounts/{id}/value: who may read it (orders:read, every
role), the RPC it makes, bad ids and the service's errors as problems."""

import uuid

import pytest

from shared.schemas.errors import Conflict, NotFound
from shared.schemas.orders.customers import CustomerValueSchema
from tests.gateway.conftest import assert_problem, bearer

ACCOUNT_ID = "5a0c2f7e-3b1d-4c2a-9e8f-1d2c3b4a5e61"
ROLES = ("admin", "sales", "support", "marketing", "finance", "readonly")
# method, path, permission, the RPC (service, method) it makes
ROUTES = [("GET", f"/api/v1/accounts/{ACCOUNT_ID}/value", "orders:read", ("orders", "customer_value"))]
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


def test_every_customer_value_route_is_in_the_table(app):
    tested = {(method, path) for method, path, *_ in ROUTES}
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("customer_value."):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert any(m == method and adapter.match(path, method)[0] == rule.endpoint for m, path in tested), \
                f"{method} {rule.rule} is not in ROUTES"


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route[0]} {route[1]}")
def test_no_token_is_401(client, fake_rpc, route):
    method, path, *_ = route
    assert_problem(client.open(path, method=method), 401)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route[0]} {route[1]}")
def test_each_role_gets_what_its_permission_allows(client, tokens, fake_rpc, route, role):
    method, path, permission, (service, rpc_method) = route
    fake_rpc.answers[service, rpc_method] = VALUE
    response = client.open(path, method=method, headers=bearer(tokens[role]))
    if role in ALLOWED[permission]:
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == VALUE
        assert fake_rpc.calls == [(service, rpc_method, (ACCOUNT_ID,))]
    else:
        assert_problem(response, 403)
        assert fake_rpc.calls == []


@pytest.mark.parametrize("path", ["/api/v1/accounts/not-a-uuid/value", "/api/v1/accounts/12345/value",
                                  f"/api/v1/accounts/{ACCOUNT_ID}x/value"])
def test_a_bad_id_is_404_without_asking_orders(client, tokens, fake_rpc, path):
    assert_problem(client.get(path, headers=bearer(tokens["readonly"])), 404)
    assert fake_rpc.calls == []


def test_a_write_method_is_405(client, tokens, fake_rpc):
    response = client.post(f"/api/v1/accounts/{ACCOUNT_ID}/value", json={}, headers=bearer(tokens["admin"]))
    assert response.status_code == 405
    assert fake_rpc.calls == []


def test_unknown_and_merged_accounts_are_problems(client, tokens, fake_rpc):
    survivor = str(uuid.uuid4())
    fake_rpc.answers["orders", "customer_value"] = NotFound(f"No account with id {ACCOUNT_ID}.")
    assert_problem(client.get(f"/api/v1/accounts/{ACCOUNT_ID}/value", headers=bearer(tokens["sales"])), 404)
    fake_rpc.answers["orders", "customer_value"] = Conflict(
        f"Account {ACCOUNT_ID} was merged into account {survivor}; use account {survivor} instead.",
        account_id=ACCOUNT_ID, merged_into=survivor)
    problem = assert_problem(client.get(f"/api/v1/accounts/{ACCOUNT_ID}/value", headers=bearer(tokens["sales"])),
                             409)
    assert problem["merged_into"] == survivor
