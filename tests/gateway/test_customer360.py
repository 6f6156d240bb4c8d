"""GET /api/v1/accounts/{id}/overview: sales, orders and support asked side
by side, each part only for a role that may read it, a service that does not
answer named in ``unavailable``, 404 for an unknown account, a merged account
naming its survivor, bad ids; then the whole path through the real
services."""

import threading
import uuid

import pytest

from gateway import auth
from gateway.app import create_app
from gateway.rpc import RpcUnavailable
from services.orders.service import OrdersService
from services.sales.service import SalesService
from services.support.service import SupportService
from shared.kit.testing import start_container
from shared.schemas.customer360 import AccountOverviewSchema
from shared.schemas.errors import Conflict, NotFound
from tests.gateway.conftest import assert_problem, bearer, unique
from tests.gateway.live_services import created
from tests.gateway.route_tables import ROLES, MalformedIdChecks, OpenApiChecks
from tests.gateway.test_customer_value_routes import VALUE
from tests.helpers import wait_for
from tests.services import ServiceDb

ACCOUNT_ID = "5a0c2f7e-3b1d-4c2a-9e8f-1d2c3b4a5e61"
SURVIVOR = "0b6f3a52-8c4d-4e1f-9a2b-7c3d4e5f6a70"
PATH = f"/api/v1/accounts/{ACCOUNT_ID}/overview"
ACCOUNT = {
    "id": ACCOUNT_ID, "name": "Acme", "domain": "acme.example.com", "type": "customer", "industry": None,
    "size": 40, "country": "DE", "addresses": [], "owner": "sam", "parent_id": None, "attributes": {},
    "merged_into": None, "version": 3, "created_by": "sam", "created_at": "2026-01-05T09:00:00+00:00",
    "updated_at": "2026-11-30T10:00:00+00:00",
}
SUMMARY = {
    "account_id": ACCOUNT_ID, "as_of": "2026-12-02T14:00:00+00:00", "window_days": 90,
    "open_cases": {"total": 3, "by_priority": {"low": 0, "normal": 1, "high": 1, "urgent": 1},
                   "by_status": {"new": 1, "open": 1, "pending": 1, "on_hold": 0}, "breached": 1,
                   "oldest": {"id": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", "number": "CASE-000042",
                              "created_at": "2026-05-16T14:00:00+00:00", "age_seconds": 17280000}},
    "cases_opened_recently": 3, "last_case_opened_at": "2026-12-01T14:00:00+00:00",
    "csat": {"average": 3.0, "count": 2,
             "last_answer": {"case_id": "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d", "case_number": "CASE-000051",
                             "csat": 4, "nps": None, "comment": "Quick and kind",
                             "answered_at": "2026-11-27T14:00:00+00:00"}},
    "open_tasks": {"total": 2, "overdue": 1},
}
VALUE_HERE = {**VALUE, "account_id": ACCOUNT_ID}
ASKED = {("sales", "get_account", (ACCOUNT_ID,)), ("orders", "customer_value", (ACCOUNT_ID,)),
         ("support", "account_support_summary", (ACCOUNT_ID,))}


def answer(fake_rpc, **overrides):
    fake_rpc.answers.update({("sales", "get_account"): ACCOUNT, ("orders", "customer_value"): VALUE_HERE,
                             ("support", "account_support_summary"): SUMMARY})
    for part, answer in overrides.items():
        key = {"account": ("sales", "get_account"), "value": ("orders", "customer_value"),
               "support": ("support", "account_support_summary")}[part]
        fake_rpc.answers[key] = answer


def overview(client, tokens, role="readonly"):
    response = client.get(PATH, headers=bearer(tokens[role]))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert AccountOverviewSchema().validate(body) == {}, body
    return body


def test_the_parts_answer_the_shared_schemas():
    answer_body = {"account_id": ACCOUNT_ID, "merged_into": None, "account": ACCOUNT, "value": VALUE_HERE,
                   "support": SUMMARY, "unavailable": [], "not_permitted": []}
    assert AccountOverviewSchema().validate(answer_body) == {}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_three_parts(client, tokens, fake_rpc, role):
    answer(fake_rpc)
    body = overview(client, tokens, role)
    assert body == {"account_id": ACCOUNT_ID, "merged_into": None, "account": ACCOUNT, "value": VALUE_HERE,
                    "support": SUMMARY, "unavailable": [], "not_permitted": []}
    assert set(fake_rpc.calls) == ASKED and len(fake_rpc.calls) == 3


@pytest.mark.parametrize(("permission", "part", "service"), [("orders:read", "value", "orders"),
                                                              ("cases:read", "support", "support")])
def test_a_part_the_role_may_not_read_is_not_asked(client, tokens, fake_rpc, monkeypatch, permission, part,
                                                   service):
    monkeypatch.setitem(auth.PERMISSIONS, permission, frozenset({"admin"}))
    answer(fake_rpc)
    body = overview(client, tokens, "marketing")
    assert body[part] is None and body["not_permitted"] == [part] and body["unavailable"] == []
    assert service not in {called for called, _, _ in fake_rpc.calls}
    assert overview(client, tokens, "admin")["not_permitted"] == []


def test_a_role_that_may_not_read_accounts_is_403(client, tokens, fake_rpc, monkeypatch):
    monkeypatch.setitem(auth.PERMISSIONS, "accounts:read", frozenset({"admin"}))
    answer(fake_rpc)
    problem = assert_problem(client.get(PATH, headers=bearer(tokens["support"])), 403)
    assert problem["required_permission"] == "accounts:read"
    assert fake_rpc.calls == []


@pytest.mark.parametrize("missing", ["account", "value", "support"])
def test_a_service_that_does_not_answer_is_named_and_the_others_still_answer(client, tokens, fake_rpc, missing):
    answer(fake_rpc, **{missing: RpcUnavailable("The service did not answer in time.")})
    body = overview(client, tokens)
    assert body["unavailable"] == [missing] and body["not_permitted"] == []
    assert body[missing] is None
    wanted = {"account": ACCOUNT, "value": VALUE_HERE, "support": SUMMARY}
    for part in set(wanted) - {missing}:
        assert body[part] == wanted[part]


def test_two_services_down_leave_one_part(client, tokens, fake_rpc):
    down = RpcUnavailable("The broker cannot be reached.")
    answer(fake_rpc, value=down, support=down)
    body = overview(client, tokens)
    assert body["account"] == ACCOUNT and body["unavailable"] == ["value", "support"]


def test_no_service_answering_is_503(client, tokens, fake_rpc):
    down = RpcUnavailable("The broker cannot be reached.")
    answer(fake_rpc, account=down, value=down, support=down)
    response = client.get(PATH, headers=bearer(tokens["sales"]))
    assert_problem(response, 503)
    assert response.headers["Retry-After"]


def test_the_services_are_asked_at_the_same_time(client, tokens, fake_rpc):
    together = threading.Barrier(3, timeout=5)  # each answer waits until all three services are being asked

    def meet(answer_body):
        def answered(*args):
            together.wait()
            return answer_body
        return answered

    answer(fake_rpc, account=meet(ACCOUNT), value=meet(VALUE_HERE), support=meet(SUMMARY))
    body = overview(client, tokens)
    assert body["unavailable"] == [] and body["support"] == SUMMARY


def test_an_account_sales_does_not_know_is_404(client, tokens, fake_rpc):
    answer(fake_rpc, account=NotFound(f"No account with id {ACCOUNT_ID}."))
    assert_problem(client.get(PATH, headers=bearer(tokens["readonly"])), 404)


def test_an_account_orders_does_not_know_yet_has_no_value(client, tokens, fake_rpc):
    answer(fake_rpc, value=NotFound(f"No account with id {ACCOUNT_ID}."))
    body = overview(client, tokens)
    assert body["value"] is None and body["unavailable"] == [] and body["support"] == SUMMARY


def test_a_merged_account_names_its_survivor(client, tokens, fake_rpc):
    merged = {**ACCOUNT, "merged_into": SURVIVOR}
    answer(fake_rpc, account=merged, value=Conflict(
        f"Account {ACCOUNT_ID} was merged into account {SURVIVOR}; use account {SURVIVOR} instead.",
        account_id=ACCOUNT_ID, merged_into=SURVIVOR))
    body = overview(client, tokens)
    assert body == {"account_id": ACCOUNT_ID, "merged_into": SURVIVOR, "account": merged, "value": None,
                    "support": None, "unavailable": [], "not_permitted": []}


def test_a_token_is_needed(client, fake_rpc):
    assert_problem(client.get(PATH), 401)
    assert fake_rpc.calls == []


def test_a_write_method_is_405(client, tokens, fake_rpc):
    assert client.post(PATH, json={}, headers=bearer(tokens["admin"])).status_code == 405
    assert fake_rpc.calls == []


class TestOverviewRoute(MalformedIdChecks, OpenApiChecks):
    routes = [("GET", PATH, "accounts:read", None, ("sales", "get_account"))]
    malformed = [("GET", path, None) for path in ("/api/v1/accounts/not-a-uuid/overview",
                                                  "/api/v1/accounts/12345/overview",
                                                  f"/api/v1/accounts/{ACCOUNT_ID}x/overview")]
    ids = {ACCOUNT_ID: "{account_id}"}


# -- through the real services --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def overview_live(component_config, gateway_config):
    """The real sales, orders and support services behind the real gateway."""
    started = [(service, component_config(name, OUTBOX_POLL_SECONDS=0.2, **extra))
               for service, name, extra in ((SalesService, "sales", {}), (OrdersService, "orders", {}),
                                            (SupportService, "support", {"SMTP_HOST": "", "IMAP_HOST": ""}))]
    containers = [(start_container(service, dict(config)), config) for service, config in started]
    app = create_app({**gateway_config, "RPC_POOL_SIZE": 4, "RPC_TIMEOUT": 20})
    wait_for(lambda: app.test_client().get("/ready").status_code == 200, 20, message="the gateway is not ready")
    yield app.test_client()
    app.extensions["gateway"].close()
    for container, config in containers:
        container.kill()
        schema = ServiceDb(config["DATABASE_URL"], config["DB_SCHEMA"])
        schema.wait_relay_free()
        schema.close()


def test_the_overview_puts_the_three_services_answers_together(overview_live, tokens):
    api = overview_live
    tag = unique("c360")
    account = created(api.post("/api/v1/accounts", json={"name": f"Overview {tag}", "domain": f"{tag}.example.org",
                                                         "country": "DE"}, headers=bearer(tokens["sales"])))
    path = f"/api/v1/accounts/{account['id']}/overview"

    def answered():
        response = api.get(path, headers=bearer(tokens["readonly"]))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    body = answered()
    assert AccountOverviewSchema().validate(body) == {}, body
    assert body["account"]["id"] == account["id"] and body["merged_into"] is None
    assert body["unavailable"] == [] and body["not_permitted"] == []
    assert body["support"]["open_cases"]["total"] == 0 and body["support"]["csat"]["last_answer"] is None
    # Orders knows the account once it has read account.created: then its value is there, with no orders.
    wait_for(lambda: answered()["value"] is not None, 20, message="orders never knew the account")
    assert answered()["value"]["order_count"] == 0

    # A case of the account (once support's projection has it too) shows in the support part.
    def opened():
        return api.post("/api/v1/cases", json={"subject": "Invoice missing", "account_id": account["id"],
                                               "priority": "urgent"},
                        headers=bearer(tokens["support"])).status_code == 201

    wait_for(opened, 20, message="support never knew the account")
    body = answered()
    assert AccountOverviewSchema().validate(body) == {}, body
    support = body["support"]
    assert support["open_cases"]["total"] == 1 and support["open_cases"]["by_priority"]["urgent"] == 1
    assert support["cases_opened_recently"] == 1 and support["open_cases"]["oldest"]["number"].startswith("CASE-")

    missing = api.get(f"/api/v1/accounts/{uuid.uuid4()}/overview", headers=bearer(tokens["readonly"]))
    assert_problem(missing, 404)
