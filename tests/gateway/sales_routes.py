"""The sales routes of the gateway in one table, and answers for the
stand-in RPC pool, shared by the test_sales_* modules."""

from tests.gateway.route_tables import PAGE, ROLES, entity, route_id, send  # noqa: F401 (the sales modules' names)

ACCOUNT_ID = "5a0c2f7e-3b1d-4c2a-9e8f-1d2c3b4a5e61"
OTHER_ID = "0b3c8f5e-1111-4c1e-9a55-2f9f5f0d1a22"
CONTACT_ID = "c0c0c0c0-2222-4c1e-9a55-2f9f5f0d1a33"
OPPORTUNITY_ID = "0d0d0d0d-3333-4c1e-9a55-2f9f5f0d1a44"
ACTIVITY_ID = "a0a0a0a0-4444-4c1e-9a55-2f9f5f0d1a55"
LEAD_ID = "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11"
PIPELINE_ID = "default"

# The spec's permission table, written out (not read from gateway.auth).
ALLOWED = {
    "accounts:read": set(ROLES),
    "accounts:write": {"admin", "sales"},
    "sales:read": {"admin", "sales", "readonly"},
    "sales:write": {"admin", "sales"},
    "sales:admin": {"admin"},
}

STAGES = [
    {"key": "prospecting", "name": "Prospecting", "probability": 10, "category": "open"},
    {"key": "won", "name": "Won", "probability": 100, "category": "won"},
    {"key": "lost", "name": "Lost", "probability": 0, "category": "lost"},
]
PIPELINE_CONFIG = {"name": "Enterprise", "stages": STAGES}
PIPELINE_BODY = {"id": "enterprise", **PIPELINE_CONFIG}
OPPORTUNITY_BODY = {"account_id": ACCOUNT_ID, "name": "Engines for Acme", "amount": "1250.50", "currency": "eur",
                    "expected_close_date": "2026-12-15"}
ACTIVITY_BODY = {"kind": "call", "subject": "Intro call", "contact_id": CONTACT_ID}
RATES_BODY = {"rates": [{"currency": "usd", "rate": "0.92", "valid_from": "2026-11-01"}]}

# method, path, permission, a valid body, the RPC (service, method) it makes
ROUTES = [
    ("GET", "/api/v1/accounts", "accounts:read", None, ("sales", "list_accounts")),
    ("GET", "/api/v1/accounts/export.csv", "accounts:read", None, ("sales", "list_accounts")),
    ("POST", "/api/v1/accounts", "accounts:write", {"name": "Acme"}, ("sales", "create_account")),
    ("GET", f"/api/v1/accounts/{ACCOUNT_ID}", "accounts:read", None, ("sales", "get_account")),
    ("PATCH", f"/api/v1/accounts/{ACCOUNT_ID}", "accounts:write", {"industry": "Engines"},
     ("sales", "update_account")),
    ("POST", f"/api/v1/accounts/{ACCOUNT_ID}/merge", "accounts:write", {"duplicate_id": OTHER_ID},
     ("sales", "merge_accounts")),
    ("GET", f"/api/v1/accounts/{ACCOUNT_ID}/hierarchy", "accounts:read", None, ("sales", "account_hierarchy")),
    ("GET", f"/api/v1/accounts/{ACCOUNT_ID}/timeline", "accounts:read", None, ("sales", "account_timeline")),
    ("GET", f"/api/v1/accounts/{ACCOUNT_ID}/history", "accounts:read", None, ("sales", "account_history")),
    ("GET", "/api/v1/contacts", "accounts:read", None, ("sales", "list_contacts")),
    ("GET", "/api/v1/contacts/export.csv", "accounts:read", None, ("sales", "list_contacts")),
    ("POST", "/api/v1/contacts", "accounts:write", {"last_name": "Lovelace"}, ("sales", "create_contact")),
    ("GET", f"/api/v1/contacts/{CONTACT_ID}", "accounts:read", None, ("sales", "get_contact")),
    ("PATCH", f"/api/v1/contacts/{CONTACT_ID}", "accounts:write", {"title": "CTO"}, ("sales", "update_contact")),
    ("GET", f"/api/v1/contacts/{CONTACT_ID}/history", "accounts:read", None, ("sales", "contact_history")),
    ("GET", "/api/v1/pipelines", "sales:read", None, ("sales", "list_pipelines")),
    ("POST", "/api/v1/pipelines", "sales:admin", PIPELINE_BODY, ("sales", "create_pipeline")),
    ("GET", f"/api/v1/pipelines/{PIPELINE_ID}", "sales:read", None, ("sales", "get_pipeline")),
    ("PUT", f"/api/v1/pipelines/{PIPELINE_ID}", "sales:admin", PIPELINE_CONFIG, ("sales", "update_pipeline")),
    ("GET", f"/api/v1/pipelines/{PIPELINE_ID}/board", "sales:read", None, ("sales", "pipeline_board")),
    ("GET", "/api/v1/opportunities", "sales:read", None, ("sales", "list_opportunities")),
    ("GET", "/api/v1/opportunities/export.csv", "sales:read", None, ("sales", "list_opportunities")),
    ("POST", "/api/v1/opportunities", "sales:write", OPPORTUNITY_BODY, ("sales", "create_opportunity")),
    ("GET", f"/api/v1/opportunities/{OPPORTUNITY_ID}", "sales:read", None, ("sales", "get_opportunity")),
    ("PATCH", f"/api/v1/opportunities/{OPPORTUNITY_ID}", "sales:write", {"stage": "won"},
     ("sales", "update_opportunity")),
    ("GET", f"/api/v1/opportunities/{OPPORTUNITY_ID}/stage-history", "sales:read", None,
     ("sales", "opportunity_stage_history")),
    ("GET", f"/api/v1/opportunities/{OPPORTUNITY_ID}/history", "sales:read", None, ("sales", "opportunity_history")),
    ("GET", "/api/v1/activities", "sales:read", None, ("sales", "list_activities")),
    ("POST", "/api/v1/activities", "sales:write", ACTIVITY_BODY, ("sales", "log_activity")),
    ("GET", f"/api/v1/activities/{ACTIVITY_ID}", "sales:read", None, ("sales", "get_activity")),
    ("PATCH", f"/api/v1/activities/{ACTIVITY_ID}", "sales:write", {"status": "done"}, ("sales", "update_activity")),
    ("GET", "/api/v1/forecast?period=2026-Q4", "sales:read", None, ("sales", "forecast")),
    ("GET", "/api/v1/exchange-rates", "sales:read", None, ("sales", "get_exchange_rates")),
    ("PUT", "/api/v1/exchange-rates", "sales:admin", RATES_BODY, ("sales", "set_exchange_rates")),
    ("POST", f"/api/v1/leads/{LEAD_ID}/convert", "sales:write", {}, ("leads", "convert_lead")),
]
WRITES = [route for route in ROUTES if not route[2].endswith(":read")]
UUIDS = (ACCOUNT_ID, CONTACT_ID, OPPORTUNITY_ID, ACTIVITY_ID, LEAD_ID)
ID_ROUTES = [route for route in ROUTES if any(value in route[1] for value in UUIDS)]
PIPELINE_ROUTES = [route for route in ROUTES if f"/pipelines/{PIPELINE_ID}" in route[1]]
JSON_ROUTES = [route for route in ROUTES if route[3] is not None]


PIPELINE = entity(PIPELINE_ID, 2, name="Sales", is_default=True, stages=[])
ANSWERS = {
    ("sales", "list_accounts"): PAGE,
    ("sales", "create_account"): entity(ACCOUNT_ID, name="Acme"),
    ("sales", "get_account"): entity(ACCOUNT_ID, 3, name="Acme"),
    ("sales", "update_account"): entity(ACCOUNT_ID, 4, name="Acme"),
    ("sales", "merge_accounts"): {"account": entity(ACCOUNT_ID, 5, name="Acme"),
                                  "moved": {"contacts": 2, "opportunities": 1, "activities": 0, "children": 0}},
    ("sales", "account_hierarchy"): {"account": entity(ACCOUNT_ID), "ancestors": [], "children": []},
    ("sales", "account_timeline"): PAGE,
    ("sales", "account_history"): PAGE,
    ("sales", "list_contacts"): PAGE,
    ("sales", "create_contact"): entity(CONTACT_ID, last_name="Lovelace"),
    ("sales", "get_contact"): entity(CONTACT_ID, 2),
    ("sales", "update_contact"): entity(CONTACT_ID, 3),
    ("sales", "contact_history"): PAGE,
    ("sales", "list_pipelines"): {"items": [PIPELINE]},
    ("sales", "create_pipeline"): entity("enterprise", name="Enterprise", stages=[]),
    ("sales", "get_pipeline"): PIPELINE,
    ("sales", "update_pipeline"): {**PIPELINE, "version": 3},
    ("sales", "pipeline_board"): {"pipeline": PIPELINE, "currency": "EUR", "stages": [], "missing_rates": []},
    ("sales", "list_opportunities"): PAGE,
    ("sales", "create_opportunity"): entity(OPPORTUNITY_ID, name="Engines for Acme"),
    ("sales", "get_opportunity"): entity(OPPORTUNITY_ID, 6),
    ("sales", "update_opportunity"): entity(OPPORTUNITY_ID, 7),
    ("sales", "opportunity_stage_history"): {"items": []},
    ("sales", "opportunity_history"): PAGE,
    ("sales", "list_activities"): PAGE,
    ("sales", "log_activity"): entity(ACTIVITY_ID, kind="call"),
    ("sales", "get_activity"): entity(ACTIVITY_ID, 2),
    ("sales", "update_activity"): entity(ACTIVITY_ID, 3),
    ("sales", "forecast"): {"period": "2026-Q4", "currency": "EUR", "totals": {}, "by_owner": [], "by_pipeline": [],
                            "missing_rates": []},
    ("sales", "get_exchange_rates"): {"currency": "EUR", "items": []},
    ("sales", "set_exchange_rates"): {"currency": "EUR", "items": []},
    ("leads", "convert_lead"): {"lead": entity(LEAD_ID, 8, status="converted"), "account_id": ACCOUNT_ID,
                                "contact_id": CONTACT_ID, "opportunity_id": OPPORTUNITY_ID,
                                "account_created": True, "contact_created": True},
}


def answer_everything(fake_rpc):
    fake_rpc.answers.update(ANSWERS)
    return fake_rpc
