"""The campaign responses, ROI, funnel and figures routes of the gateway,
the public tracking links, and the web form's campaign reference.

Signed-in routes: who may use each, what each sends to the service, bad
input answered 4xx before a service is asked, the OpenAPI document.
Tracking links: no token, the link's token checked for shape before the
service is asked, 404 for one the service refuses, the pixel always a GIF,
a click a 302 to where the service says (the signed address)."""

import uuid

import pytest

from gateway.app import create_app
from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from tests.gateway.conftest import assert_problem, bearer
from tests.gateway.route_tables import ROLES, AreaChecks, FormBodyCheck, SchemaChecks, answering

CAMPAIGN_ID = "5d5d5d5d-1111-4c1e-9a55-2f9f5f0d1a11"
PERSON_ID = "6e6e6e6e-2222-4c1e-9a55-2f9f5f0d1a22"
BASE = f"/api/v1/campaigns/{CAMPAIGN_ID}"
TOKEN = "WyI1ZDVkNWQ1ZC0xMTExIl0.QhJ3xd0xkF2Y7hI3l8FhB2cZt7s"

ALLOWED = {"campaigns:read": set(ROLES), "campaigns:write": {"admin", "marketing"}}
RESPONSE = {"id": PERSON_ID, "campaign_id": CAMPAIGN_ID, "kind": "attended", "person": None,
            "email": "ada@example.org", "first_name": None, "last_name": None, "company": None, "data": {},
            "at": "2026-03-01T10:00:00+00:00", "source": "staff", "recorded_by": "kim", "lead_id": None,
            "created_at": "2026-03-01T10:00:00+00:00"}

ROUTES = [
    ("GET", f"{BASE}/responses", "campaigns:read", None, ("campaigns", "list_responses")),
    ("POST", f"{BASE}/responses", "campaigns:write", {"kind": "attended", "email": "ada@example.org"},
     ("campaigns", "record_response")),
    ("GET", f"{BASE}/roi", "campaigns:read", None, ("campaigns", "campaign_roi")),
    ("GET", f"{BASE}/funnel", "campaigns:read", None, ("campaigns", "campaign_funnel")),
    ("GET", "/api/v1/campaigns/figures", "campaigns:read", None, ("campaigns", "campaign_figures")),
]
ANSWERS = {
    ("campaigns", "list_responses"): {"items": [RESPONSE], "next_cursor": None},
    ("campaigns", "record_response"): {**RESPONSE, "duplicate": False},
    ("campaigns", "campaign_roi"): {"campaign_id": CAMPAIGN_ID},
    ("campaigns", "campaign_funnel"): {"campaign_id": CAMPAIGN_ID},
    ("campaigns", "campaign_figures"): {"model": "linear"},
}
answered = answering(ANSWERS)

BODY_CASES = {
    ("POST", f"{BASE}/responses"): [
        ({"email": "ada@example.org"}, "kind"),
        ({"kind": "visit", "email": "ada@example.org"}, "kind"),
        ({"kind": "reply"}, "email"),
        ({"kind": "reply", "email": "ada"}, "email"),
        ({"kind": "reply", "person_id": "ada"}, "person_id"),
        ({"kind": "reply", "email": "ada@example.org", "at": "2999-01-01T00:00:00Z"}, "at"),
        ({"kind": "reply", "email": "ada@example.org", "company": "c" * 201}, "company"),
        ({"kind": "reply", "email": "ada@example.org", "data": "yes"}, "data"),
        ({"kind": "reply", "email": "ada@example.org", "colour": "red"}, "colour"),
    ],
}
QUERY_CASES = [
    (f"{BASE}/responses?kind=visit", "kind"),
    (f"{BASE}/responses?limit=0", "limit"),
    (f"{BASE}/responses?cursor=%25%25", "cursor"),
    (f"{BASE}/responses?colour=red", "colour"),
    ("/api/v1/campaigns/figures?model=w_shaped", "model"),
    ("/api/v1/campaigns/figures?limit=101", "limit"),
]
MALFORMED = [
    ("GET", "/api/v1/campaigns/spring/responses", None),
    ("POST", "/api/v1/campaigns/spring/responses", {"kind": "reply", "email": "ada@example.org"}),
    ("GET", "/api/v1/campaigns/spring/roi", None),
    ("GET", "/api/v1/campaigns/spring/funnel", None),
]
SERVICE_ERRORS = [
    ("record_response", NotFound(f"No campaign with id {CAMPAIGN_ID}."), 404),
    ("record_response", Conflict("This dedup key names a response of another campaign.",
                                 errors={"dedup_key": ["Used."]}), 409),
    ("record_response", ValidationFailed("Bad.", errors={"person_id": ["No person."]}), 422),
    ("campaign_roi", NotFound(f"No campaign with id {CAMPAIGN_ID}."), 404),
    ("campaign_funnel", NotFound(f"No campaign with id {CAMPAIGN_ID}."), 404),
]
PATHS = {
    ("/api/v1/campaigns/{campaign_id}/responses", "get"): ("ResponsePage", None),
    ("/api/v1/campaigns/{campaign_id}/responses", "post"): ("RecordedResponse", "ResponseInput", "201"),
    ("/api/v1/campaigns/{campaign_id}/roi", "get"): ("Roi", None),
    ("/api/v1/campaigns/{campaign_id}/funnel", "get"): ("CampaignFunnel", None),
    ("/api/v1/campaigns/figures", "get"): ("CampaignFigures", None),
}


def signed_in(rule):
    return rule.endpoint.startswith("campaign_responses.") and not rule.rule.startswith("/t/")


class TestResponseRoutes(AreaChecks, SchemaChecks, FormBodyCheck):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries, malformed, service_errors = BODY_CASES, QUERY_CASES, MALFORMED, SERVICE_ERRORS
    form_route = f"{BASE}/responses"
    ids = {CAMPAIGN_ID: "{campaign_id}"}
    schemas = {key: (value[0], value[1], value[2] if len(value) > 2 else "200") for key, value in PATHS.items()}
    covers = staticmethod(signed_in)


def test_a_response_is_recorded_by_the_caller(client, tokens, answered):
    response = client.post(f"{BASE}/responses", json={"kind": "attended", "email": " ada@example.org "},
                           headers=bearer(tokens["marketing"]))
    assert response.status_code == 201 and response.get_json()["duplicate"] is False
    [(_, method, (campaign_id, data, actor))] = answered.calls
    assert (method, campaign_id, data["kind"], data["email"]) == ("record_response", CAMPAIGN_ID, "attended",
                                                                 "ada@example.org")
    assert actor.startswith("marketing")


# Tracking links ------------------------------------------------------------------------------

def test_the_open_pixel_is_a_gif_and_records_the_open(client, fake_rpc):
    fake_rpc.answers[("campaigns", "track_open")] = {"campaign_id": CAMPAIGN_ID, "person_id": PERSON_ID, "url": None}
    response = client.get(f"/t/o/{TOKEN}.gif")
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/gif"
    assert response.data.startswith(b"GIF89a") and "no-store" in response.headers["Cache-Control"]
    assert fake_rpc.calls == [("campaigns", "track_open", (TOKEN,))]


def test_a_click_redirects_where_the_service_says(client, fake_rpc):
    fake_rpc.answers[("campaigns", "track_click")] = {"campaign_id": CAMPAIGN_ID, "person_id": PERSON_ID,
                                                      "url": "https://example.org/offer?a=1"}
    response = client.get(f"/t/c/{TOKEN}")
    assert response.status_code == 302 and response.headers["Location"] == "https://example.org/offer?a=1"
    assert fake_rpc.calls == [("campaigns", "track_click", (TOKEN, True))]


def test_over_the_tracking_rate_a_click_still_redirects_but_is_not_counted(gateway_config, fake_rpc):
    app = create_app({**gateway_config, "TRACKING_RATE_LIMIT": 1}, rpc_pool=fake_rpc)
    try:
        client = app.test_client()
        fake_rpc.answers[("campaigns", "track_click")] = {"campaign_id": CAMPAIGN_ID, "person_id": PERSON_ID,
                                                          "url": "https://example.org/offer"}
        ip = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
        for _ in range(3):
            response = client.get(f"/t/c/{TOKEN}", environ_base={"REMOTE_ADDR": ip})
            assert response.status_code == 302 and response.headers["Location"] == "https://example.org/offer"
        assert [args for _, _, args in fake_rpc.calls] == [(TOKEN, True), (TOKEN, False), (TOKEN, False)]
    finally:
        app.extensions["gateway"].close()


def test_a_token_the_service_refuses_is_404(client, fake_rpc):
    refused = NotFound("This link is not valid.", errors={"token": ["Not a valid tracking link."]})
    fake_rpc.answers[("campaigns", "track_click")] = refused
    fake_rpc.answers[("campaigns", "track_open")] = refused
    assert client.get(f"/t/c/{TOKEN}").status_code == 404
    assert client.get(f"/t/o/{TOKEN}.gif").status_code == 404


@pytest.mark.parametrize("token", ["not!a-token", "x" * 3001, "a b", "%00", "a/b"])
def test_a_token_of_the_wrong_shape_is_404_before_the_service(client, fake_rpc, token):
    assert client.get(f"/t/c/{token}").status_code == 404
    assert client.get(f"/t/o/{token}.gif").status_code == 404
    assert fake_rpc.calls == []


# The web form's campaign reference -------------------------------------------------------------

FORM = {"last_name": "Hopper", "email": "grace@example.org"}


def test_a_form_naming_a_campaign_is_its_response(client, fake_rpc):
    fake_rpc.answers[("campaigns", "record_web_form_response")] = {**RESPONSE, "duplicate": False}
    response = client.post("/api/v1/public/web-form", json={**FORM, "campaign_id": CAMPAIGN_ID})
    assert response.status_code == 202
    assert [(service, method) for service, method, _ in fake_rpc.calls] == [
        ("campaigns", "record_web_form_response")]
    assert fake_rpc.calls[0][2][0]["campaign_id"] == CAMPAIGN_ID


def test_a_form_naming_no_known_campaign_goes_to_leads_as_before(client, fake_rpc):
    fake_rpc.answers[("campaigns", "record_web_form_response")] = NotFound("No campaign.")
    fake_rpc.answers[("leads", "capture_web_form")] = {"status": "received"}
    assert client.post("/api/v1/public/web-form", json={**FORM, "campaign_id": CAMPAIGN_ID}).status_code == 202
    assert client.post("/api/v1/public/web-form", json={**FORM, "campaign_id": "spring-expo"}).status_code == 202
    assert [(service, method) for service, method, _ in fake_rpc.calls] == [
        ("campaigns", "record_web_form_response"), ("leads", "capture_web_form"), ("leads", "capture_web_form")]


def test_a_form_campaign_error_other_than_not_found_is_kept(client, fake_rpc):
    fake_rpc.answers[("campaigns", "record_web_form_response")] = ValidationFailed("Bad.", errors={"email": ["x"]})
    assert_problem(client.post("/api/v1/public/web-form", json={**FORM, "campaign_id": CAMPAIGN_ID}), 422, "email")
