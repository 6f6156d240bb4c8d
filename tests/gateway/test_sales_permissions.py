"""Who may use the sales routes: 401 without a token, 403 for a role lacking
the route's permission (nothing is sent to a service), the answer otherwise."""

import pytest

from gateway.auth import PERMISSIONS
from tests.gateway.conftest import assert_problem, bearer
from tests.gateway.sales_routes import ALLOWED, ROLES, ROUTES, answer_everything, route_id, send


def test_the_sales_permissions_are_the_specs():
    for permission, roles in ALLOWED.items():
        assert PERMISSIONS[permission] == roles, permission


def test_every_sales_route_is_in_the_table(app):
    """A new sales route must be added to ROUTES (and so to every test here)."""
    tested = {(method, path.split("?")[0]) for method, path, *_ in ROUTES}
    prefixes = ("/api/v1/accounts", "/api/v1/contacts", "/api/v1/pipelines", "/api/v1/opportunities",
                "/api/v1/activities", "/api/v1/forecast", "/api/v1/exchange-rates")
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefixes) and not rule.rule.endswith("/convert"):
            continue
        if rule.endpoint.startswith("customer_value."):  # orders' route: tests/gateway/test_customer_value_routes.py
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            matches = [path for m, path in tested if m == method and adapter.test(path, method)
                       and adapter.match(path, method)[0] == rule.endpoint]
            assert matches, f"{method} {rule.rule} is not in tests/gateway/sales_routes.py"


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_no_token_is_401(client, fake_rpc, route):
    method, path, _, body, _ = route
    response = send(client, method, path, body)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert fake_rpc.calls == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_each_role_gets_what_its_permission_allows(client, tokens, fake_rpc, route, role):
    method, path, permission, body, (service, rpc_method) = route
    answer_everything(fake_rpc)
    response = send(client, method, path, body, bearer(tokens[role]))
    if role in ALLOWED[permission]:
        assert 200 <= response.status_code < 300, (response.status_code, response.get_json())
        assert [(s, m) for s, m, _ in fake_rpc.calls] == [(service, rpc_method)]
    else:
        problem = assert_problem(response, 403)
        assert problem["required_permission"] == permission
        assert fake_rpc.calls == []


def test_who_reads_and_writes_what(client, tokens, fake_rpc):
    """The issue's words: sales writes, readonly reads, support and marketing read accounts and contacts."""
    answer_everything(fake_rpc)

    def status(role, method, path, body=None):
        return send(client, method, path, body, bearer(tokens[role])).status_code

    for role in ("support", "marketing"):
        assert status(role, "GET", "/api/v1/accounts") == 200
        assert status(role, "GET", "/api/v1/contacts") == 200
        assert status(role, "GET", "/api/v1/opportunities") == 403
        assert status(role, "GET", "/api/v1/forecast?period=2026-11") == 403
        assert status(role, "POST", "/api/v1/accounts", {"name": "Acme"}) == 403
    assert status("marketing", "POST", "/api/v1/leads/7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11/convert", {}) == 403
    assert status("readonly", "GET", "/api/v1/opportunities") == 200
    assert status("readonly", "GET", "/api/v1/pipelines/default/board") == 200
    assert status("readonly", "PATCH", "/api/v1/opportunities/0d0d0d0d-3333-4c1e-9a55-2f9f5f0d1a44",
                  {"stage": "won"}) == 403
    assert status("sales", "POST", "/api/v1/opportunities", {"name": "x"}) == 422  # allowed, then validated
    assert status("sales", "PUT", "/api/v1/exchange-rates", {"rates": []}) == 403
    assert status("sales", "POST", "/api/v1/pipelines", {"id": "x"}) == 403
