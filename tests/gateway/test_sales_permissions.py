"""Who may use the sales routes: 401 without a token, 403 for a role lacking
the route's permission (nothing is sent to a service), the answer otherwise."""

from tests.gateway.conftest import bearer
from tests.gateway.route_tables import RouteChecks
from tests.gateway.sales_routes import ALLOWED, ANSWERS, ROUTES, answer_everything, send

PREFIXES = ("/api/v1/accounts", "/api/v1/contacts", "/api/v1/pipelines", "/api/v1/opportunities",
            "/api/v1/activities", "/api/v1/forecast", "/api/v1/exchange-rates")


class TestSalesRoutes(RouteChecks):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS

    @staticmethod
    def covers(rule):
        """The sales routes and lead conversion; GET /accounts/{id}/value is orders' (test_customer_value_routes),
        GET /accounts/{id}/overview the gateway's customer-360 view (test_customer360)."""
        return ((rule.rule.startswith(PREFIXES) or rule.rule.endswith("/convert"))
                and not rule.endpoint.startswith(("customer_value.", "customer360.")))


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
