"""The OpenAPI document covers the sales routes with the shared sales schemas."""

from tests.gateway.sales_routes import ROUTES
from tests.gateway.test_openapi import document

SALES_PATHS = {
    "/api/v1/accounts": {"get": "AccountPage", "post": "Account"},
    "/api/v1/accounts/{account_id}": {"get": "Account", "patch": "Account"},
    "/api/v1/accounts/{account_id}/merge": {"post": "AccountMergeResult"},
    "/api/v1/accounts/{account_id}/hierarchy": {"get": "AccountHierarchy"},
    "/api/v1/accounts/{account_id}/timeline": {"get": "ActivityPage"},
    "/api/v1/accounts/{account_id}/history": {"get": "RecordHistoryPage"},
    "/api/v1/contacts": {"get": "ContactPage", "post": "Contact"},
    "/api/v1/contacts/{contact_id}": {"get": "Contact", "patch": "Contact"},
    "/api/v1/contacts/{contact_id}/history": {"get": "RecordHistoryPage"},
    "/api/v1/pipelines": {"get": "PipelineList", "post": "Pipeline"},
    "/api/v1/pipelines/{pipeline_id}": {"get": "Pipeline", "put": "Pipeline"},
    "/api/v1/pipelines/{pipeline_id}/board": {"get": "Board"},
    "/api/v1/opportunities": {"get": "OpportunityPage", "post": "OpportunitySaved"},
    "/api/v1/opportunities/{opportunity_id}": {"get": "Opportunity", "patch": "OpportunitySaved"},
    "/api/v1/opportunities/{opportunity_id}/stage-history": {"get": "StageHistory"},
    "/api/v1/opportunities/{opportunity_id}/history": {"get": "RecordHistoryPage"},
    "/api/v1/activities": {"get": "ActivityPage", "post": "Activity"},
    "/api/v1/activities/{activity_id}": {"get": "Activity", "patch": "Activity"},
    "/api/v1/forecast": {"get": "Forecast"},
    "/api/v1/exchange-rates": {"get": "ExchangeRates", "put": "ExchangeRates"},
    "/api/v1/leads/{lead_id}/convert": {"post": "ConversionResult"},
}
# The lists' CSV exports answer text/csv.
CSV_PATHS = ("/api/v1/accounts/export.csv", "/api/v1/contacts/export.csv", "/api/v1/opportunities/export.csv")
REQUESTS = {
    ("/api/v1/accounts", "post"): "AccountCreate", ("/api/v1/accounts/{account_id}", "patch"): "AccountUpdate",
    ("/api/v1/accounts/{account_id}/merge", "post"): "AccountMerge",
    ("/api/v1/contacts", "post"): "ContactCreate", ("/api/v1/contacts/{contact_id}", "patch"): "ContactUpdate",
    ("/api/v1/pipelines", "post"): "PipelineCreate", ("/api/v1/pipelines/{pipeline_id}", "put"): "PipelineUpdate",
    ("/api/v1/opportunities", "post"): "OpportunityCreate",
    ("/api/v1/opportunities/{opportunity_id}", "patch"): "OpportunityUpdate",
    ("/api/v1/activities", "post"): "ActivityCreate", ("/api/v1/activities/{activity_id}", "patch"): "ActivityUpdate",
    ("/api/v1/exchange-rates", "put"): "ExchangeRatesUpdate",
    ("/api/v1/leads/{lead_id}/convert", "post"): "ConversionOptions",
}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def test_every_sales_route_is_documented_with_the_shared_schemas(client):
    spec = document(client)
    assert len({(method, path.split("?")[0]) for method, path, *_ in ROUTES}) == (
        sum(map(len, SALES_PATHS.values())) + len(CSV_PATHS))
    for path in CSV_PATHS:
        assert "text/csv" in spec["paths"][path]["get"]["responses"]["200"]["content"], path
    for path, operations in SALES_PATHS.items():
        for method, response in operations.items():
            op = spec["paths"][path][method]
            status = "201" if method == "post" and not path.endswith(("/merge", "/convert")) else "200"
            assert op["responses"][status]["content"]["application/json"]["schema"] == ref(response), (path, method)
            assert {"401", "403", "503"} <= set(op["responses"]), (path, method)
            body = REQUESTS.get((path, method))
            if body:
                assert op["requestBody"]["content"]["application/json"]["schema"] == ref(body)
                assert {"400", "415", "422"} <= set(op["responses"])
            if method == "post":
                assert {"$ref": "#/components/parameters/Idempotency-Key"} in op["parameters"]
            if method == "patch":
                assert {"$ref": "#/components/parameters/If-Match"} in op["parameters"]
                assert "412" in op["responses"] and "ETag" in op["responses"]["200"]["headers"]
            if status == "201":
                assert {"Location", "ETag"} <= set(op["responses"]["201"]["headers"])


def test_ids_filters_and_lists_in_the_document(client):
    spec = document(client)
    board = spec["paths"]["/api/v1/pipelines/{pipeline_id}/board"]["get"]
    pipeline_id = next(p for p in board["parameters"] if p.get("name") == "pipeline_id")
    assert pipeline_id["in"] == "path" and pipeline_id["schema"]["type"] == "string"
    assert pipeline_id["schema"]["pattern"] == "^[a-z0-9][a-z0-9_-]{0,63}$"
    assert {"owner", "close_from", "close_to", "limit_per_stage"} <= {p.get("name") for p in board["parameters"]}
    account_id = next(p for p in spec["paths"]["/api/v1/accounts/{account_id}"]["get"]["parameters"]
                      if p.get("name") == "account_id")
    assert account_id["schema"] == {"type": "string", "format": "uuid"}
    listing = spec["paths"]["/api/v1/opportunities"]["get"]["parameters"]
    stage = next(p for p in listing if p.get("name") == "stage")
    assert "array" in stage["schema"]["type"] and stage["explode"] is True
    assert {"q", "account_id", "owner", "pipeline_id", "category", "close_from", "close_to", "cursor", "limit"} <= {
        p.get("name") for p in listing}
    forecast = spec["paths"]["/api/v1/forecast"]["get"]["parameters"]
    period = next(p for p in forecast if p.get("name") == "period")
    assert period["required"] is True and period["schema"]["pattern"]
    types = next(p for p in spec["paths"]["/api/v1/accounts"]["get"]["parameters"] if p.get("name") == "type")
    assert types["schema"]["items"]["enum"] == ["prospect", "customer", "partner", "reseller", "competitor"]
    tags = {tag for ops in spec["paths"].values() for op in ops.values() for tag in op["tags"]}
    assert {"accounts", "contacts", "pipelines", "opportunities", "activities", "forecast"} <= tags
