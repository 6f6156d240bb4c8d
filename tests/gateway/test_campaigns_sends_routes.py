"""The campaign sends routes of the gateway: who may use each, what each
sends to the service, bad input answered before the service is asked, the
service's errors kept, and their OpenAPI documentation."""

from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from tests.gateway.conftest import bearer
from tests.gateway.route_tables import ROLES, AreaChecks, SchemaChecks, send

CAMPAIGN_ID = "9a9a9a9a-1111-4c1e-9a55-2f9f5f0d1a01"
SEND_ID = "9b9b9b9b-2222-4c1e-9a55-2f9f5f0d1a02"
TEMPLATE_ID = "9c9c9c9c-3333-4c1e-9a55-2f9f5f0d1a03"
SEGMENT_ID = "9d9d9d9d-4444-4c1e-9a55-2f9f5f0d1a04"
SENDS = f"/api/v1/campaigns/{CAMPAIGN_ID}/sends"
SEND = f"/api/v1/campaigns/sends/{SEND_ID}"
BOUNCES = "/api/v1/campaigns/bounces"
CREATE = {"template_id": TEMPLATE_ID, "audience": {"kind": "segment", "id": SEGMENT_ID}}
BOUNCE = {"message_id": "<170.1@crm.local>", "reason": "550 5.1.1 user unknown"}

ALLOWED = {"campaigns:read": set(ROLES), "campaigns:write": {"admin", "marketing"}}

COUNTS = dict.fromkeys(("queued", "sending", "sent", "suppressed", "bounced", "failed", "unknown", "cancelled"), 0)
SEND_ENTITY = {"id": SEND_ID, "campaign_id": CAMPAIGN_ID, "template_id": TEMPLATE_ID, "audience_kind": "segment",
               "audience_id": SEGMENT_ID, "status": "sending", "scheduled_at": "2026-12-02T09:00:00+00:00",
               "started_at": "2026-12-02T09:00:00+00:00", "finished_at": None, "recipients": 2, "created_by": "mia",
               "cancelled_by": None, "version": 2, "created_at": "2026-12-02T09:00:00+00:00",
               "updated_at": "2026-12-02T09:00:00+00:00", "counts": {**COUNTS, "queued": 2}}
ROUTES = [
    ("POST", SENDS, "campaigns:write", CREATE, ("campaigns", "create_email_send")),
    ("GET", SENDS, "campaigns:read", None, ("campaigns", "list_email_sends")),
    ("GET", SEND, "campaigns:read", None, ("campaigns", "get_email_send")),
    ("GET", f"{SEND}/recipients?status=suppressed", "campaigns:read", None,
     ("campaigns", "list_email_send_recipients")),
    ("POST", f"{SEND}/cancel", "campaigns:write", None, ("campaigns", "cancel_email_send")),
    ("POST", BOUNCES, "campaigns:write", BOUNCE, ("campaigns", "record_email_bounce")),
]
ANSWERS = {
    ("campaigns", "create_email_send"): SEND_ENTITY,
    ("campaigns", "list_email_sends"): {"items": [SEND_ENTITY], "next_cursor": None},
    ("campaigns", "get_email_send"): SEND_ENTITY,
    ("campaigns", "list_email_send_recipients"): {"items": [], "next_cursor": None},
    ("campaigns", "cancel_email_send"): {**SEND_ENTITY, "status": "cancelled", "cancelled_by": "mia"},
    ("campaigns", "record_email_bounce"): {"message_id": "<170.1@crm.local>", "kind": "campaign",
                                           "status": "bounced", "changed": True},
}
BAD_BODIES = {
    ("POST", SENDS): [
        ({"audience": {"kind": "members"}}, "template_id"),
        ({"template_id": "nine", "audience": {"kind": "members"}}, "template_id"),
        ({"template_id": TEMPLATE_ID}, "audience"),
        ({"template_id": TEMPLATE_ID, "audience": {"kind": "everyone"}}, "audience"),
        ({"template_id": TEMPLATE_ID, "audience": {"kind": "segment"}}, "audience"),
        ({"template_id": TEMPLATE_ID, "audience": {"kind": "members", "id": SEGMENT_ID}}, "audience"),
        ({**CREATE, "scheduled_at": "tomorrow"}, "scheduled_at"),
        ({**CREATE, "scheduled_at": "2026-12-02T09:00:00"}, "scheduled_at"),
        ({**CREATE, "colour": "red"}, "colour"),
    ],
    ("POST", BOUNCES): [
        ({}, "message_id"),
        ({"message_id": "no id"}, "message_id"),
        ({"message_id": "<a@b>" + "x" * 1000}, "message_id"),
        ({**BOUNCE, "reason": "x" * 2001}, "reason"),
        ({**BOUNCE, "extra": 1}, "extra"),
    ],
}
BAD_QUERIES = [
    (f"{SEND}/recipients?status=lost", "status"),
    (f"{SEND}/recipients?limit=0", "limit"),
    (f"{SEND}/recipients?cursor=%3Cnot%3E", "cursor"),
    (f"{SENDS}?limit=ten", "limit"),
    (f"{SENDS}?colour=red", "colour"),
]
MALFORMED = [("GET", "/api/v1/campaigns/sends/first", None), ("POST", "/api/v1/campaigns/first/sends", CREATE),
             ("POST", "/api/v1/campaigns/sends/first/cancel", None)]
SERVICE_ERRORS = [
    ("create_email_send", NotFound(f"No campaign with id {CAMPAIGN_ID}."), 404),
    ("create_email_send", Conflict("The campaign is completed; only a planned or active campaign sends emails."),
     409),
    ("create_email_send", ValidationFailed("No template.", {"template_id": ["No such template."]}), 422),
    ("cancel_email_send", Conflict("The send is completed already.", extra={"send_status": "completed"}), 409),
    ("record_email_bounce", NotFound("No email of ours has the Message-ID.",
                                     errors={"message_id": ["No email of ours has this Message-ID."]}), 404),
]
PATHS = {
    ("/api/v1/campaigns/{campaign_id}/sends", "post"): ("Send", "SendCreate", "201"),
    ("/api/v1/campaigns/{campaign_id}/sends", "get"): ("SendPage", None, "200"),
    ("/api/v1/campaigns/sends/{send_id}", "get"): ("Send", None, "200"),
    ("/api/v1/campaigns/sends/{send_id}/recipients", "get"): ("RecipientPage", None, "200"),
    ("/api/v1/campaigns/sends/{send_id}/cancel", "post"): ("Send", None, "200"),
    ("/api/v1/campaigns/bounces", "post"): ("BounceResult", "Bounce", "200"),
}


class TestCampaignSendsRoutes(AreaChecks, SchemaChecks):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries = BAD_BODIES, BAD_QUERIES
    malformed, service_errors = MALFORMED, SERVICE_ERRORS
    ids = {CAMPAIGN_ID: "{campaign_id}", SEND_ID: "{send_id}"}
    schemas = PATHS

    @staticmethod
    def covers(rule):
        return rule.endpoint.split(".")[0] == "campaign_sends"


def test_a_send_is_created_with_its_location_and_the_actor(client, tokens, fake_rpc):
    fake_rpc.answers.update(ANSWERS)
    response = send(client, "POST", SENDS, {**CREATE, "scheduled_at": "2026-12-24T08:00:00+01:00"},
                    bearer(tokens["marketing"]))
    assert response.status_code == 201
    assert response.headers["Location"].endswith(f"/api/v1/campaigns/sends/{SEND_ID}")
    [(_, method, (campaign_id, body, actor))] = fake_rpc.calls
    assert (method, campaign_id) == ("create_email_send", CAMPAIGN_ID)
    assert body["audience"] == {"kind": "segment", "id": SEGMENT_ID}
    assert body["template_id"] == TEMPLATE_ID and body["scheduled_at"].startswith("2026-12-24T08:00:00")
    assert actor.startswith("marketing")


def test_the_recipients_list_sends_its_filters(client, tokens, fake_rpc):
    fake_rpc.answers.update(ANSWERS)
    response = client.get(f"{SEND}/recipients?status=sent,bounced&limit=10", headers=bearer(tokens["readonly"]))
    assert response.status_code == 200
    [(_, _, (send_id, query))] = fake_rpc.calls
    assert send_id == SEND_ID and query == {"status": ["sent", "bounced"], "limit": 10, "cursor": None}
