"""@operation: a route declares its input once, and that one declaration both
validates the request and documents it."""

import inspect

import pytest
from flask import Flask

from gateway.bodies import Loaded
from gateway.openapi import build_spec, operation
from shared.schemas.common import PageQuerySchema
from shared.schemas.leads import AssignSchema
from tests.gateway.conftest import assert_problem, bearer

# Their owners read the request themselves for now (a streamed upload; probes).
READ_BY_THEMSELVES = set()


def test_every_declared_input_reaches_its_view_loaded(app):
    """No view loads a body or a query string of its own: it takes what its
    declaration loaded."""
    checked = 0
    for endpoint, view in app.view_functions.items():
        meta = getattr(view, "crm_openapi", None)
        if meta is None or endpoint in READ_BY_THEMSELVES:
            continue
        checked += 1
        wants = inspect.signature(view).parameters
        if meta["body"] is not None:
            assert "body" in wants, f"{endpoint} declares a body but does not take it"
        if meta["query"] is not None:
            assert "query" in wants, f"{endpoint} declares a query but does not take it"
        if "If-Match" in meta["request_headers"]:
            assert "expected_version" in wants, f"{endpoint} declares If-Match but does not take it"
        source = inspect.getsource(inspect.unwrap(view))
        for reader in ("json_body(", "query_args(", "request.get_json", "request.args", "if_match_version("):
            assert reader not in source, f"{endpoint} reads its request itself ({reader})"
    assert checked > 50


@pytest.fixture
def little_app():
    app = Flask("little")
    seen = {}

    @app.post("/things")
    @operation("Make a thing", tags=["things"], body=AssignSchema, query=PageQuerySchema)
    def make(body, query):
        seen.update(body=body, query=query)
        return {"owner": body["owner"]}

    @app.patch("/things/<thing_id>")
    @operation("Change a thing", tags=["things"], body=AssignSchema)
    def change(thing_id, body):
        return {"id": thing_id, **body}

    from gateway.problems import register_error_handlers
    register_error_handlers(app)
    return app, seen


def test_the_view_gets_loaded_data_that_knows_its_wire_form(little_app):
    app, seen = little_app
    response = app.test_client().post("/things?limit=5", json={"owner": "ada"})
    assert response.status_code == 200, response.get_json()
    assert isinstance(seen["body"], Loaded) and seen["body"].wire() == {"owner": "ada"}
    assert seen["query"] == {"cursor": None, "limit": 5} and seen["query"].wire() == {"cursor": None, "limit": 5}


def test_the_declaration_refuses_what_it_documents(little_app):
    app, _ = little_app
    client = app.test_client()
    assert client.post("/things", json={}).status_code == 422
    assert client.post("/things?limit=0", json={"owner": "ada"}).status_code == 422
    assert client.post("/things", data="owner=ada", content_type="application/x-www-form-urlencoded").status_code \
        == 415
    empty = client.patch("/things/1", json={})
    assert empty.status_code == 422 and empty.get_json()["errors"] == {"_schema": ["Nothing to change."]}
    with app.test_request_context():
        spec = build_spec(app)
    assert spec["components"]["schemas"]["Assign"]["minProperties"] == 1  # a PATCH body names a field
    post = spec["paths"]["/things"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Assign"}
    assert {"cursor", "limit"} <= {parameter.get("name") for parameter in post["parameters"]}


def test_a_declared_path_parameter_that_does_not_fit_is_a_404_that_says_why(client, tokens, fake_rpc):
    body = assert_problem(client.get("/api/v1/pipelines/Not A Slug", headers=bearer(tokens["sales"])), 404)
    assert "is not a pipeline id" in body["detail"] and "'default'" in body["detail"]
    assert fake_rpc.calls == []


def test_a_form_post_is_loaded_through_the_same_schema(client, fake_rpc):
    response = client.post("/api/v1/public/web-form", data={"last_name": " Lovelace ", "email": "ada@example.com",
                                                            "country": "", "company": "  "})
    assert response.status_code == 202, response.get_json()
    (_, method, (sent,)), = fake_rpc.calls
    assert method == "capture_web_form"
    assert sent["last_name"] == "Lovelace" and sent["country"] is None and sent["company"] is None


def test_integers_are_what_json_schema_calls_integers(client, tokens, fake_rpc):
    """12.0 is the integer 12; 12.5 is refused, never cut to 12."""
    sales = bearer(tokens["sales"])
    fake_rpc.answers[("leads", "create_lead")] = {"id": "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11", "version": 1}
    assert client.post("/api/v1/leads", json={"last_name": "X", "company_size": 12.0}, headers=sales).status_code \
        == 201
    assert fake_rpc.calls[-1][2][0]["company_size"] == 12
    assert_problem(client.post("/api/v1/leads", json={"last_name": "X", "company_size": 12.5}, headers=sales), 422,
                   "company_size")
    assert_problem(client.get("/api/v1/leads?limit=2.5", headers=sales), 422, "limit")
    assert len(fake_rpc.calls) == 1
