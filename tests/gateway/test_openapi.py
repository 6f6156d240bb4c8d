"""The OpenAPI document comes from the schemas that validate requests."""

import re

from openapi_spec_validator import validate

from gateway.openapi import _path
from shared.schemas.common import EMAIL_PATTERN
from tests.gateway.conftest import assert_problem, bearer


def document(client, version=None):
    response = client.get("/api/v1/openapi.json" + (f"?openapi={version}" if version else ""))
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(client):
    spec = document(client)
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_route_is_documented(app, client):
    spec = document(client)
    assert spec["openapi"] == "3.1.0"
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "crm_undocumented", False):
            continue
        path, _ = _path(rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"].get(path, {}), f"{method} {path} is not documented"


def test_request_and_response_schemas_are_the_shared_ones(client):
    spec = document(client)
    schemas = spec["components"]["schemas"]
    create = spec["paths"]["/api/v1/leads"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/LeadCreate"}
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Lead"}
    assert "Location" in create["responses"]["201"]["headers"]
    assert schemas["LeadCreate"]["properties"]["last_name"]["maxLength"] == 100
    assert schemas["LeadCreate"]["properties"]["country"]["type"] == ["string", "null"]
    assert "owner" in schemas["LeadCreate"]["properties"] and "owner" not in schemas["WebFormLead"]["properties"]
    assert set(schemas["WebFormLead"]["required"]) == {"last_name", "email"}
    listing = spec["paths"]["/api/v1/leads"]["get"]
    names = {parameter.get("name") for parameter in listing["parameters"]}
    assert {"status", "source", "owner", "q", "cursor", "limit", "score_min"} <= names
    status = next(p for p in listing["parameters"] if p.get("name") == "status")
    assert status["schema"]["items"]["enum"][0] == "new" and status["explode"] is True
    patch = spec["paths"]["/api/v1/leads/{lead_id}"]["patch"]
    assert {"$ref": "#/components/parameters/If-Match"} in patch["parameters"]
    assert {"412", "409", "422", "400", "415", "404", "401", "403"} <= set(patch["responses"])
    lead_id = next(p for p in patch["parameters"] if p.get("name") == "lead_id")
    assert lead_id == {"in": "path", "name": "lead_id", "required": True, "schema": {"type": "string",
                                                                                     "format": "uuid"}}


def test_problems_security_and_idempotency(client):
    spec = document(client)
    bearer = spec["components"]["securitySchemes"]["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    session = spec["components"]["securitySchemes"]["session"]
    assert (session["type"], session["in"], session["name"]) == ("apiKey", "cookie", "crm_session")
    assert set(spec["components"]["schemas"]["Problem"]["required"]) == {"title", "status"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            public = operation["security"] == []
            assert public == (path in ("/health", "/ready", "/api/v1/openapi.json", "/api/v1/docs",
                                       "/api/v1/auth/login", "/api/v1/public/web-form")
                              or (path, method) == ("/api/v1/auth/session", "post")
                              or path == "/api/v1/public/surveys/{token}"
                              or path.startswith("/api/v1/public/articles")), path
            if not public:
                assert operation["security"] == [{"bearer": []}, {"session": []}], path
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert "application/problem+json" in answer["content"], (path, method, status)
            if not public:
                assert "401" in operation["responses"] and "403" in operation["responses"]
            if method == "post" and not public:
                honoured = {"$ref": "#/components/parameters/Idempotency-Key"} in operation["parameters"]
                assert honoured == (path not in ("/api/v1/tokens", "/api/v1/auth/sign-out-everywhere")), path
    web_form = spec["paths"]["/api/v1/public/web-form"]["post"]
    assert "429" in web_form["responses"] and "Retry-After" in web_form["responses"]["429"]["headers"]
    assert set(web_form["requestBody"]["content"]) == {"application/json", "application/x-www-form-urlencoded",
                                                       "multipart/form-data"}
    upload = spec["paths"]["/api/v1/leads/imports"]["post"]
    assert set(upload["requestBody"]["content"]) == {"text/csv", "multipart/form-data"}


def test_docs_page_is_served_locally(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html  # no CDN
    for asset in ("/api/v1/docs/swagger-ui-bundle.js", "/api/v1/docs/swagger-ui.css",
                  "/api/v1/docs/swagger-ui-standalone-preset.js", "/api/v1/docs/init.js"):
        assert asset in html
        response = client.get(asset)
        assert response.status_code == 200 and len(response.data) > 100, asset
    init = client.get("/api/v1/docs/init.js").get_data(as_text=True)
    assert '"/api/v1/openapi.json"' in init  # the 3.1 document itself: Swagger UI 5 renders it
    assert_problem(client.get("/api/v1/docs/../app.py"), 404)
    assert_problem(client.get("/api/v1/docs/swagger-ui.js.map"), 404)


# gunicorn's limit_request_line, less the method, the longest path and the protocol.
QUERY_BUDGET = 8190 - 200


def _bytes_per_character(pattern):
    """3 when the pattern admits a character that is percent-encoded in a
    URL (12 for free text), 1 when it admits URL-unreserved ones only."""
    if pattern is None:
        return 12
    reserved = [chr(code) for code in range(32, 127) if not (chr(code).isalnum() or chr(code) in "-._~")]
    probes = [text for char in reserved + ["\u00e9", "\U0001f600"] for text in (char, "a" + char, "0" + char)]
    return 3 if any(re.fullmatch(pattern, probe) for probe in probes) else 1


def _most_bytes(schema):
    """The most bytes a query value of ``schema`` takes in a URL (see
    _bytes_per_character); None when unbounded."""
    kind = schema.get("type")
    if "enum" in schema:
        return 3 * max(len(str(value)) for value in schema["enum"])
    if kind == "array":
        item = _most_bytes(schema["items"])
        return None if item is None or "maxItems" not in schema else schema["maxItems"] * item
    if kind == "string":
        if schema.get("format") == "uuid":
            return 36
        if schema.get("format") in ("date", "date-time"):
            return 3 * 35
        if "maxLength" not in schema:
            return None
        return schema["maxLength"] * _bytes_per_character(schema.get("pattern"))
    return {"integer": 20, "number": 40, "boolean": 5}.get(kind)


def test_every_documented_query_fits_in_a_request_line(client):
    """A request the document allows never meets gunicorn's 414 (an HTML
    answer no schema describes): each query parameter is bounded, and
    together they fit."""
    spec = document(client)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            total = 0
            for parameter in operation["parameters"]:
                if parameter.get("in") != "query":
                    continue
                most = _most_bytes(parameter["schema"])
                assert most is not None, f"{method.upper()} {path}: query parameter {parameter['name']} is unbounded"
                repeats = parameter["schema"].get("maxItems", 1)
                total += most + repeats * (len(parameter["name"]) + 2)
            assert total <= QUERY_BUDGET, f"{method.upper()} {path}: a query string may take {total} bytes"


def test_email_fields_state_the_addresses_the_api_accepts(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["LeadCreate"]["properties"]["email"]["pattern"] == EMAIL_PATTERN
    assert schemas["ContactCreate"]["properties"]["emails"]["items"]["pattern"] == EMAIL_PATTERN


def test_support_documents_the_rules_its_schemas_check(client):
    """What the contract test needs from support's document: times of day,
    weekdays, the holidays library's countries, lists whose items are each
    given once, and whole numbers that may be written 2.0."""
    schemas = document(client)["components"]["schemas"]
    calendar = schemas["SlaCalendarCreate"]["properties"]
    weekly = calendar["weekly_hours"]
    assert weekly["propertyNames"] == {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
    time = weekly["additionalProperties"]["items"]["items"]
    for text, ok in (("09:00", True), ("24:00", True), ("17:30:15", True), ("24:01", False), ("9:00", False)):
        assert bool(re.fullmatch(time["pattern"], text)) is ok, text
    assert calendar["holiday_country"]["pattern"] == "^[A-Za-z]{2}$"
    assert "Europe/Berlin" in calendar["time_zone"]["description"] or "IANA" in calendar["time_zone"]["description"]
    assert schemas["SlaPolicyOrder"]["properties"]["policy_ids"]["uniqueItems"] is True
    assert schemas["RuleOrder"]["properties"]["ids"]["uniqueItems"] is True
    assert schemas["RoutingRuleCreate"]["properties"]["channels"]["uniqueItems"] is True
    assert schemas["EscalationRuleCreate"]["properties"]["priorities"]["uniqueItems"] is True


def test_whole_numbers_take_a_zero_fraction(client, fake_rpc, tokens):
    """JSON Schema's integer includes 2.0: a rule's position written so is taken (as 2); 2.5 is not."""
    path = "/api/v1/support/routing-rules/7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11"
    client.patch(path, json={"position": 2.0}, headers=bearer(tokens["admin"]))
    [(_, method, args)] = fake_rpc.calls
    assert method == "update_routing_rule" and args[1] == {"position": 2} and type(args[1]["position"]) is int
    assert_problem(client.patch(path, json={"position": 2.5}, headers=bearer(tokens["admin"])), 422, "position")
    assert len(fake_rpc.calls) == 1
