"""The sales routes send the service exactly what the shared schemas loaded
(plain JSON types, normalised), with the caller as actor, and answer with
the right status, Location and ETag."""

from shared.schemas.sales.accounts import AccountCreateSchema, AccountQuerySchema, AccountUpdateSchema
from shared.schemas.sales.activities import (
    ActivityCreateSchema,
    ActivityQuerySchema,
    ActivityUpdateSchema,
    TimelineQuerySchema,
)
from shared.schemas.sales.contacts import ContactCreateSchema, ContactQuerySchema, ContactUpdateSchema
from shared.schemas.sales.conversion import ConversionOptionsSchema
from shared.schemas.sales.forecast import ExchangeRatesUpdateSchema, ForecastQuerySchema, utc_today
from shared.schemas.sales.opportunities import (
    BoardQuerySchema,
    OpportunityCreateSchema,
    OpportunityQuerySchema,
    OpportunityUpdateSchema,
    PipelineCreateSchema,
    PipelineUpdateSchema,
)
from tests.gateway.conftest import bearer
from tests.gateway.sales_routes import (
    ACCOUNT_ID,
    ACTIVITY_ID,
    CONTACT_ID,
    LEAD_ID,
    OPPORTUNITY_BODY,
    OPPORTUNITY_ID,
    OTHER_ID,
    PIPELINE_BODY,
    PIPELINE_CONFIG,
    ROUTES,
    answer_everything,
    send,
)


def username(client, token):
    return client.get("/api/v1/me", headers=bearer(token)).get_json()["username"]


def only_call(fake_rpc):
    assert len(fake_rpc.calls) == 1, fake_rpc.calls
    return fake_rpc.calls[0]


def test_create_an_account(client, tokens, fake_rpc):
    answer_everything(fake_rpc)
    body = {"name": "  Acme  ", "domain": "https://www.Acme.com/about", "country": "de", "type": "customer",
            "parent_id": OTHER_ID.upper(), "addresses": [{"city": "Berlin", "country": "de"}], "attributes": {"t": 1}}
    response = client.post("/api/v1/accounts", json=body, headers=bearer(tokens["sales"]))
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"] == f"/api/v1/accounts/{ACCOUNT_ID}"
    assert response.headers["ETag"] == '"1"'
    assert response.get_json()["id"] == ACCOUNT_ID
    service, method, (data, actor) = only_call(fake_rpc)
    assert (service, method, actor) == ("sales", "create_account", username(client, tokens["sales"]))
    assert data == {"name": "Acme", "domain": "https://www.Acme.com/about", "country": "DE", "type": "customer",
                    "parent_id": OTHER_ID, "addresses": [{"kind": "office", "city": "Berlin", "country": "DE"}],
                    "attributes": {"t": 1}}


def test_get_and_patch_an_account_with_if_match(client, tokens, fake_rpc):
    answer_everything(fake_rpc)
    sales = bearer(tokens["sales"])
    fetched = client.get(f"/api/v1/accounts/{ACCOUNT_ID.upper()}", headers=sales)
    assert fetched.status_code == 200 and fetched.headers["ETag"] == '"3"'
    changed = client.patch(f"/api/v1/accounts/{ACCOUNT_ID}", json={"industry": "Engines", "parent_id": None},
                           headers={**sales, "If-Match": fetched.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"4"'
    client.patch(f"/api/v1/accounts/{ACCOUNT_ID}", json={"owner": "ann"}, headers=sales)
    client.patch(f"/api/v1/accounts/{ACCOUNT_ID}", json={"owner": "ann"}, headers={**sales, "If-Match": "*"})
    client.patch(f"/api/v1/accounts/{ACCOUNT_ID}", json={"owner": "ann"}, headers={**sales, "If-Match": 'W/"12"'})
    actor = username(client, tokens["sales"])
    assert fake_rpc.calls == [
        ("sales", "get_account", (ACCOUNT_ID,)),
        ("sales", "update_account", (ACCOUNT_ID, {"industry": "Engines", "parent_id": None}, actor, 3)),
        ("sales", "update_account", (ACCOUNT_ID, {"owner": "ann"}, actor, None)),
        ("sales", "update_account", (ACCOUNT_ID, {"owner": "ann"}, actor, None)),
        ("sales", "update_account", (ACCOUNT_ID, {"owner": "ann"}, actor, 12)),
    ]


def test_list_accounts_with_filters_and_a_cursor(client, tokens, fake_rpc):
    fake_rpc.answers[("sales", "list_accounts")] = {"items": [{"id": ACCOUNT_ID}], "next_cursor": "abc"}
    response = client.get("/api/v1/accounts?type=customer&type=partner,reseller&q=acme&country=de&include_merged=true"
                          f"&parent_id={OTHER_ID}&cursor=xyz&limit=2", headers=bearer(tokens["support"]))
    assert response.status_code == 200
    assert response.get_json() == {"items": [{"id": ACCOUNT_ID}], "next_cursor": "abc"}
    assert only_call(fake_rpc) == ("sales", "list_accounts", ({
        "cursor": "xyz", "limit": 2, "q": "acme", "type": ["customer", "partner", "reseller"], "owner": None,
        "industry": None, "country": "DE", "parent_id": OTHER_ID, "include_merged": True, "sort": "name"},))


def test_defaults_of_a_list(client, tokens, fake_rpc):
    answer_everything(fake_rpc)
    client.get("/api/v1/contacts", headers=bearer(tokens["marketing"]))
    assert only_call(fake_rpc) == ("sales", "list_contacts", ({
        "cursor": None, "limit": 50, "q": None, "account_id": None, "role": None, "owner": None, "email": None,
        "sort": "-created_at"},))


def test_merge_hierarchy_and_timeline(client, tokens, fake_rpc):
    answer_everything(fake_rpc)
    sales = bearer(tokens["sales"])
    merged = client.post(f"/api/v1/accounts/{ACCOUNT_ID}/merge", json={"duplicate_id": OTHER_ID.upper()},
                         headers=sales)
    assert merged.status_code == 200 and merged.headers["ETag"] == '"5"'
    assert merged.get_json()["moved"]["contacts"] == 2
    assert client.get(f"/api/v1/accounts/{ACCOUNT_ID}/hierarchy", headers=bearer(tokens["support"])).status_code \
        == 200
    assert client.get(f"/api/v1/accounts/{ACCOUNT_ID}/timeline?kind=call,note&limit=10",
                      headers=bearer(tokens["readonly"])).status_code == 200
    actor = username(client, tokens["sales"])
    assert fake_rpc.calls == [
        ("sales", "merge_accounts", (ACCOUNT_ID, OTHER_ID, actor)),
        ("sales", "account_hierarchy", (ACCOUNT_ID,)),
        ("sales", "account_timeline", (ACCOUNT_ID, {"cursor": None, "limit": 10, "kind": ["call", "note"]})),
    ]


def test_contacts(client, tokens, fake_rpc):
    answer_everything(fake_rpc)
    sales = bearer(tokens["sales"])
    response = client.post("/api/v1/contacts", json={
        "first_name": " Ada ", "last_name": "Lovelace", "emails": [" Ada@Example.com "], "role": "decision_maker",
        "account_id": ACCOUNT_ID, "do_not_call": True}, headers=sales)
    assert response.status_code == 201
    assert response.headers["Location"] == f"/api/v1/contacts/{CONTACT_ID}" and response.headers["ETag"] == '"1"'
    assert client.get(f"/api/v1/contacts/{CONTACT_ID}", headers=sales).headers["ETag"] == '"2"'
    patched = client.patch(f"/api/v1/contacts/{CONTACT_ID}", json={"title": "CTO"},
                           headers={**sales, "If-Match": '"2"'})
    assert patched.headers["ETag"] == '"3"'
    client.get(f"/api/v1/contacts?account_id={ACCOUNT_ID}&role=evaluator&email=ada@example.com", headers=sales)
    actor = username(client, tokens["sales"])
    assert fake_rpc.calls[0] == ("sales", "create_contact", ({
        "first_name": "Ada", "last_name": "Lovelace", "emails": ["Ada@Example.com"], "role": "decision_maker",
        "account_id": ACCOUNT_ID, "do_not_call": True}, actor))
    assert fake_rpc.calls[2] == ("sales", "update_contact", (CONTACT_ID, {"title": "CTO"}, actor, 2))
    assert fake_rpc.calls[3][2][0]["email"] == "ada@example.com"
    assert fake_rpc.calls[3][2][0]["account_id"] == ACCOUNT_ID


def test_pipelines(client, tokens, fake_rpc):
    answer_everything(fake_rpc)
    admin = bearer(tokens["admin"])
    created = client.post("/api/v1/pipelines", json=PIPELINE_BODY, headers=admin)
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/v1/pipelines/enterprise" and created.headers["ETag"] == '"1"'
    listed = client.get("/api/v1/pipelines", headers=bearer(tokens["readonly"]))
    assert listed.get_json()["items"][0]["id"] == "default"
    fetched = client.get("/api/v1/pipelines/default", headers=bearer(tokens["readonly"]))
    assert fetched.headers["ETag"] == '"2"'
    replaced = client.put("/api/v1/pipelines/default", json={**PIPELINE_CONFIG, "is_default": True},
                          headers={**admin, "If-Match": fetched.headers["ETag"]})
    assert replaced.status_code == 200 and replaced.headers["ETag"] == '"3"'
    actor = username(client, tokens["admin"])
    stages = [
        {"key": "prospecting", "name": "Prospecting", "position": 1, "probability": 10, "category": "open",
         "forecast_category": "pipeline", "next_stages": None},
        {"key": "won", "name": "Won", "position": 2, "probability": 100, "category": "won",
         "forecast_category": "closed", "next_stages": None},
        {"key": "lost", "name": "Lost", "position": 3, "probability": 0, "category": "lost",
         "forecast_category": "omitted", "next_stages": None},
    ]
    assert fake_rpc.calls == [
        ("sales", "create_pipeline", ({"id": "enterprise", "name": "Enterprise", "is_default": False,
                                       "stages": stages}, actor)),
        ("sales", "list_pipelines", ()),
        ("sales", "get_pipeline", ("default",)),
        ("sales", "update_pipeline", ("default", {"name": "Enterprise", "is_default": True, "stages": stages},
                                      actor, 2)),
    ]


def test_the_board(client, tokens, fake_rpc):
    answer_everything(fake_rpc)
    response = client.get("/api/v1/pipelines/enterprise-emea_2/board?owner=ann,bo&owner=cy&close_from=2026-10-01"
                          "&close_to=2026-12-31&limit_per_stage=5", headers=bearer(tokens["readonly"]))
    assert response.status_code == 200 and response.get_json()["currency"] == "EUR"
    client.get("/api/v1/pipelines/default/board", headers=bearer(tokens["sales"]))
    assert fake_rpc.calls == [
        ("sales", "pipeline_board", ("enterprise-emea_2", {"owner": ["ann", "bo", "cy"], "close_from": "2026-10-01",
                                                           "close_to": "2026-12-31", "limit_per_stage": 5})),
        ("sales", "pipeline_board", ("default", {"owner": None, "close_from": None, "close_to": None,
                                                 "limit_per_stage": 20})),
    ]


def test_opportunities(client, tokens, fake_rpc):
    answer_everything(fake_rpc)
    sales = bearer(tokens["sales"])
    created = client.post("/api/v1/opportunities", json={**OPPORTUNITY_BODY, "probability": 35}, headers=sales)
    assert created.status_code == 201
    assert created.headers["Location"] == f"/api/v1/opportunities/{OPPORTUNITY_ID}"
    client.post("/api/v1/opportunities", json={**OPPORTUNITY_BODY, "amount": 1000}, headers=sales)
    assert client.get(f"/api/v1/opportunities/{OPPORTUNITY_ID}", headers=sales).headers["ETag"] == '"6"'
    moved = client.patch(f"/api/v1/opportunities/{OPPORTUNITY_ID}", json={"stage": "lost", "loss_reason": "price"},
                         headers={**sales, "If-Match": '"6"'})
    assert moved.status_code == 200 and moved.headers["ETag"] == '"7"'
    client.get(f"/api/v1/opportunities?stage=won&stage=lost,prospecting&category=open&pipeline_id=default"
               f"&close_from=2026-10-01&close_to=2026-12-31&owner=ann&account_id={ACCOUNT_ID}", headers=sales)
    client.get("/api/v1/opportunities?owner=ann&sort=-updated_at&limit=10", headers=sales)
    client.get(f"/api/v1/opportunities/{OPPORTUNITY_ID}/stage-history", headers=bearer(tokens["readonly"]))
    client.get(f"/api/v1/opportunities/{OPPORTUNITY_ID.upper()}/history?limit=5", headers=bearer(tokens["readonly"]))
    actor = username(client, tokens["sales"])
    opportunity = {"account_id": ACCOUNT_ID, "name": "Engines for Acme", "amount": "1250.50", "currency": "EUR",
                   "expected_close_date": "2026-12-15"}
    assert fake_rpc.calls == [
        ("sales", "create_opportunity", ({**opportunity, "probability": 35}, actor)),
        ("sales", "create_opportunity", ({**opportunity, "amount": "1000.00"}, actor)),
        ("sales", "get_opportunity", (OPPORTUNITY_ID,)),
        ("sales", "update_opportunity", (OPPORTUNITY_ID, {"stage": "lost", "loss_reason": "price"}, actor, 6)),
        ("sales", "list_opportunities", ({
            "cursor": None, "limit": 50, "q": None, "account_id": ACCOUNT_ID, "owner": "ann", "pipeline_id": "default",
            "stage": ["won", "lost", "prospecting"], "category": ["open"], "close_from": "2026-10-01",
            "close_to": "2026-12-31", "sort": "-created_at"},)),
        ("sales", "list_opportunities", ({
            "cursor": None, "limit": 10, "q": None, "account_id": None, "owner": "ann", "pipeline_id": None,
            "stage": None, "category": None, "close_from": None, "close_to": None, "sort": "-updated_at"},)),
        ("sales", "opportunity_stage_history", (OPPORTUNITY_ID,)),
        ("sales", "opportunity_history", (OPPORTUNITY_ID, {"cursor": None, "limit": 5})),
    ]


def test_activities(client, tokens, fake_rpc):
    answer_everything(fake_rpc)
    sales = bearer(tokens["sales"])
    logged = client.post("/api/v1/activities", json={
        "kind": "task", "subject": " Send the offer ", "opportunity_id": OPPORTUNITY_ID,
        "due_at": "2026-12-01T10:00:00+01:00"}, headers=sales)
    assert logged.status_code == 201
    assert logged.headers["Location"] == f"/api/v1/activities/{ACTIVITY_ID}" and logged.headers["ETag"] == '"1"'
    assert client.get(f"/api/v1/activities/{ACTIVITY_ID}", headers=sales).headers["ETag"] == '"2"'
    done = client.patch(f"/api/v1/activities/{ACTIVITY_ID}", json={"status": "done"},
                        headers={**sales, "If-Match": '"2"'})
    assert done.headers["ETag"] == '"3"'
    client.get(f"/api/v1/activities?kind=call,meeting&status=open&status=done&lead_id={LEAD_ID}"
               "&due_before=2026-12-01T00:00:00Z", headers=bearer(tokens["readonly"]))
    actor = username(client, tokens["sales"])
    assert fake_rpc.calls[0] == ("sales", "log_activity", ({
        "kind": "task", "subject": "Send the offer", "opportunity_id": OPPORTUNITY_ID,
        "due_at": "2026-12-01T10:00:00+01:00"}, actor))
    assert fake_rpc.calls[2] == ("sales", "update_activity", (ACTIVITY_ID, {"status": "done"}, actor, 2))
    query = fake_rpc.calls[3][2][0]
    assert (query["kind"], query["status"], query["lead_id"]) == (["call", "meeting"], ["open", "done"], LEAD_ID)
    assert query["due_before"] == "2026-12-01T00:00:00+00:00"


def test_forecast_and_exchange_rates(client, tokens, fake_rpc):
    answer_everything(fake_rpc)
    readonly = bearer(tokens["readonly"])
    assert client.get("/api/v1/forecast?period=2026-q4&owner=ann&pipeline_id=default", headers=readonly).status_code \
        == 200
    assert client.get("/api/v1/forecast?period=2026-11", headers=readonly).status_code == 200
    assert client.get("/api/v1/exchange-rates", headers=readonly).get_json() == {"currency": "EUR", "items": []}
    before = utc_today()
    response = client.put("/api/v1/exchange-rates", json={"rates": [
        {"currency": " usd ", "rate": "1.0825000", "valid_from": "2026-11-01"},
        {"currency": "GBP", "rate": 1.15}]}, headers=bearer(tokens["admin"]))
    assert response.status_code == 200
    after = utc_today()
    assert fake_rpc.calls[:3] == [
        ("sales", "forecast", ({"period": "2026-q4", "owner": "ann", "pipeline_id": "default"},)),
        ("sales", "forecast", ({"period": "2026-11", "owner": None, "pipeline_id": None},)),
        ("sales", "get_exchange_rates", ()),
    ]
    service, method, (rates, actor) = fake_rpc.calls[3]
    assert (service, method, actor) == ("sales", "set_exchange_rates", username(client, tokens["admin"]))
    assert rates[0] == {"currency": "USD", "rate": "1.0825", "valid_from": "2026-11-01"}
    assert rates[1]["currency"] == "GBP" and rates[1]["rate"] == "1.15"
    assert rates[1]["valid_from"] in (before.isoformat(), after.isoformat())  # the default: today (UTC)


def test_convert_a_lead(client, tokens, fake_rpc):
    answer_everything(fake_rpc)
    sales = bearer(tokens["sales"])
    converted = client.post(f"/api/v1/leads/{LEAD_ID}/convert", json={
        "account_id": ACCOUNT_ID, "owner": "ann",
        "opportunity": {"name": "Engines", "amount": "500", "currency": "usd", "pipeline_id": "default",
                        "expected_close_date": "2027-01-31"}}, headers=sales)
    assert converted.status_code == 200, converted.get_json()
    assert converted.headers["ETag"] == '"8"'
    assert converted.get_json()["account_id"] == ACCOUNT_ID and converted.get_json()["lead"]["status"] == "converted"
    assert client.post(f"/api/v1/leads/{LEAD_ID}/convert", headers=sales).status_code == 200  # no body: defaults
    assert client.post(f"/api/v1/leads/{LEAD_ID}/convert", json={"create_opportunity": False},
                       headers=sales).status_code == 200
    actor = username(client, tokens["sales"])
    assert fake_rpc.calls[0] == ("leads", "convert_lead", (LEAD_ID, {
        "account_id": ACCOUNT_ID, "owner": "ann", "create_opportunity": True,
        "opportunity": {"name": "Engines", "amount": "500.00", "currency": "USD", "pipeline_id": "default",
                        "expected_close_date": "2027-01-31"}}, actor))
    service, method, (lead_id, options, who) = fake_rpc.calls[1]
    assert (service, method, lead_id, who) == ("leads", "convert_lead", LEAD_ID, actor)
    assert options["create_opportunity"] is True and set(options["opportunity"]) == {"expected_close_date"}
    assert fake_rpc.calls[2][2][1] == {"create_opportunity": False, "opportunity": None}


# What the service is sent loads again through the schema it loads it with --------

RELOADS = {
    "list_accounts": (AccountQuerySchema, 0), "create_account": (AccountCreateSchema, 0),
    "update_account": (AccountUpdateSchema, 1), "account_timeline": (TimelineQuerySchema, 1),
    "list_contacts": (ContactQuerySchema, 0), "create_contact": (ContactCreateSchema, 0),
    "update_contact": (ContactUpdateSchema, 1), "create_pipeline": (PipelineCreateSchema, 0),
    "update_pipeline": (PipelineUpdateSchema, 1), "pipeline_board": (BoardQuerySchema, 1),
    "list_opportunities": (OpportunityQuerySchema, 0), "create_opportunity": (OpportunityCreateSchema, 0),
    "update_opportunity": (OpportunityUpdateSchema, 1), "list_activities": (ActivityQuerySchema, 0),
    "log_activity": (ActivityCreateSchema, 0), "update_activity": (ActivityUpdateSchema, 1),
    "forecast": (ForecastQuerySchema, 0), "convert_lead": (ConversionOptionsSchema, 1),
}
RICH_REQUESTS = [
    ("POST", "/api/v1/accounts", {"name": "Acme", "domain": "acme.com", "size": 40, "country": "de",
                                  "addresses": [{"street": "Main St 1", "country": "us"}], "attributes": {"a": [1]}}),
    ("GET", f"/api/v1/accounts?type=customer,partner&include_merged=1&parent_id={OTHER_ID}", None),
    ("POST", "/api/v1/opportunities", {**OPPORTUNITY_BODY, "stage": "won", "pipeline_id": "default",
                                       "probability": None, "forecast_category": "commit"}),
    ("GET", "/api/v1/opportunities?close_from=2026-01-01&category=won,lost", None),
    ("POST", "/api/v1/activities", {"kind": "meeting", "subject": "Demo", "lead_id": LEAD_ID,
                                    "occurred_at": "2026-11-23T09:30:00Z", "status": "open"}),
    ("GET", "/api/v1/activities?due_before=2026-11-23T09:30:00%2B02:00&kind=task", None),
    ("POST", f"/api/v1/leads/{LEAD_ID}/convert", {"create_opportunity": False, "owner": "ann"}),
    ("POST", f"/api/v1/leads/{LEAD_ID}/convert", {"opportunity": {"amount": 12, "currency": "usd"}}),
]


def test_what_is_sent_loads_again_as_the_service_loads_it(client, tokens, fake_rpc):
    answer_everything(fake_rpc)
    admin = bearer(tokens["admin"])
    for method, path, _, body, _ in ROUTES:
        send(client, method, path, body, admin)
    for method, path, body in RICH_REQUESTS:
        assert 200 <= send(client, method, path, body, admin).status_code < 300, (method, path)
    reloaded = set()
    for _, rpc_method, args in fake_rpc.calls:
        if rpc_method in RELOADS:
            schema, index = RELOADS[rpc_method]
            sent = args[index]
            assert schema().dump(schema().load(sent)) == sent, rpc_method
            reloaded.add(rpc_method)
        elif rpc_method == "set_exchange_rates":
            assert ExchangeRatesUpdateSchema().dump(ExchangeRatesUpdateSchema().load({"rates": args[0]})) == {
                "rates": args[0]}
            reloaded.add(rpc_method)
    assert reloaded == set(RELOADS) | {"set_exchange_rates"}
