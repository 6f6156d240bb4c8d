"""The email template routes of the gateway (CRUD, versions, preview with a
real person, test send): who may use each, what each sends to the
campaigns service, bad input answered 422 naming the field before the
service is asked, and their OpenAPI documentation."""

from shared.schemas.errors import Conflict, DuplicateFound, PreconditionFailed, ValidationFailed
from tests.gateway.conftest import bearer
from tests.gateway.route_tables import (
    PAGE,
    ROLES,
    AreaChecks,
    FormBodyCheck,
    IfMatchCheck,
    SchemaChecks,
    answering,
    entity,
    send,
    without,
)

TEMPLATE_ID = "7a7a7a7a-1111-4c1e-9a55-2f9f5f0d1a21"
PERSON_ID = "8b8b8b8b-2222-4c1e-9a55-2f9f5f0d1a22"
CAMPAIGN_ID = "9c9c9c9c-3333-4c1e-9a55-2f9f5f0d1a23"
TEMPLATE = f"/api/v1/campaigns/templates/{TEMPLATE_ID}"

ALLOWED = {"campaigns:read": set(ROLES), "campaigns:write": {"admin", "marketing"}}
TEMPLATE_BODY = {"name": "Spring newsletter", "subject": "Hi {{ person.first_name|default('there') }}",
                 "html": "<p>Hello {{ person.first_name }}</p>", "description": "Monthly"}
RENDERED = {"subject": "Hi Ada", "html": "<p>Hello Ada</p>", "text": "Hello Ada\n"}

ROUTES = [
    ("GET", "/api/v1/campaigns/templates", "campaigns:read", None, ("campaigns", "list_templates")),
    ("POST", "/api/v1/campaigns/templates", "campaigns:write", TEMPLATE_BODY, ("campaigns", "create_template")),
    ("GET", TEMPLATE, "campaigns:read", None, ("campaigns", "get_template")),
    ("PATCH", TEMPLATE, "campaigns:write", {"subject": "New"}, ("campaigns", "update_template")),
    ("DELETE", TEMPLATE, "campaigns:write", None, ("campaigns", "delete_template")),
    ("GET", f"{TEMPLATE}/versions", "campaigns:read", None, ("campaigns", "template_versions")),
    ("GET", f"{TEMPLATE}/preview?person_id={PERSON_ID}", "campaigns:read", None,
     ("campaigns", "preview_template")),
    ("POST", f"{TEMPLATE}/test-send", "campaigns:write", {"to": "me@example.org"}, ("campaigns", "test_send")),
]
ANSWERS = {
    ("campaigns", "list_templates"): PAGE,
    ("campaigns", "create_template"): entity(TEMPLATE_ID),
    ("campaigns", "get_template"): entity(TEMPLATE_ID, 2),
    ("campaigns", "update_template"): entity(TEMPLATE_ID, 3),
    ("campaigns", "delete_template"): {"id": TEMPLATE_ID, "deleted": True},
    ("campaigns", "template_versions"): {"items": []},
    ("campaigns", "preview_template"): RENDERED,
    ("campaigns", "test_send"): {"email_id": PERSON_ID, "to": "me@example.org", "subject": "[Test] Hi"},
}

answered = answering(ANSWERS)


def test_create_preview_and_test_send_send_their_input(client, tokens, answered):
    headers = bearer(tokens["marketing"])
    response = send(client, "POST", "/api/v1/campaigns/templates", {**TEMPLATE_BODY, "name": "  Spring  "}, headers)
    assert response.status_code == 201 and response.headers["Location"].endswith(TEMPLATE)
    preview = client.get(f"{TEMPLATE}/preview?person_id={PERSON_ID}&campaign_id={CAMPAIGN_ID}", headers=headers)
    assert preview.get_json() == RENDERED
    client.get(f"{TEMPLATE}/preview?person_id={PERSON_ID}", headers=headers)
    sent = send(client, "POST", f"{TEMPLATE}/test-send", {"to": " me@example.org ", "person_id": PERSON_ID},
                headers)
    assert sent.status_code == 202
    assert send(client, "DELETE", TEMPLATE, None, {**headers, "If-Match": '"3"'}).status_code == 204
    actor = answered.calls[0][2][1]
    assert actor.startswith("marketing")
    assert [args for _, _, args in answered.calls] == [
        ({**TEMPLATE_BODY, "name": "Spring", "text": None}, actor),
        (TEMPLATE_ID, PERSON_ID, CAMPAIGN_ID),
        (TEMPLATE_ID, PERSON_ID, None),
        (TEMPLATE_ID, "me@example.org", PERSON_ID, actor, None),
        (TEMPLATE_ID, actor, 3),
    ]


BODY_CASES = {
    ("POST", "/api/v1/campaigns/templates"): [
        (without(TEMPLATE_BODY, "name"), "name"),
        (without(TEMPLATE_BODY, "subject"), "subject"),
        ({**TEMPLATE_BODY, "name": "   "}, "name"),
        ({**TEMPLATE_BODY, "subject": "s" * 301}, "subject"),
        ({**TEMPLATE_BODY, "html": "h" * 200_001}, "html"),
        ({**TEMPLATE_BODY, "text": 5}, "text"),
        ({**TEMPLATE_BODY, "engine": "mustache"}, "engine"),
    ],
    ("PATCH", TEMPLATE): [
        ({"subject": ""}, "subject"),
        ({"version": 3}, "version"),
        ({"html": ["<p>"]}, "html"),
    ],
    ("POST", f"{TEMPLATE}/test-send"): [
        ({}, "to"),
        ({"to": "not an address"}, "to"),
        ({"to": "me@example.org", "person_id": "ada"}, "person_id"),
        ({"to": "me@example.org", "cc": "you@example.org"}, "cc"),
    ],
}
QUERY_CASES = [
    (f"{TEMPLATE}/preview", "person_id"),
    (f"{TEMPLATE}/preview?person_id=ada", "person_id"),
    (f"{TEMPLATE}/preview?person_id={PERSON_ID}&campaign_id=spring", "campaign_id"),
    ("/api/v1/campaigns/templates?sort=size", "sort"),
    ("/api/v1/campaigns/templates?q=" + "q" * 201, "q"),
]
MALFORMED = [
    ("GET", "/api/v1/campaigns/templates/spring", None), ("PATCH", "/api/v1/campaigns/templates/1", {"name": "x"}),
    ("GET", f"/api/v1/campaigns/templates/1/preview?person_id={PERSON_ID}", None),
]
SERVICE_ERRORS = [
    ("create_template", ValidationFailed("The html part cannot be used.", {"html": ["Line 3: unexpected '}'"]}),
     422),
    ("create_template", DuplicateFound("Taken.", {"name": ["Taken."]}, existing_id=TEMPLATE_ID), 409),
    ("update_template", PreconditionFailed("Changed.", current_version=5), 412),
    ("delete_template", Conflict("Used by 2 sends.", sends=2), 409),
    ("preview_template", ValidationFailed("No person.", {"person_id": ["No such person with id x."]}), 422),
]
PATHS = {
    ("/api/v1/campaigns/templates", "get"): ("TemplatePage", None, "200"),
    ("/api/v1/campaigns/templates", "post"): ("Template", "TemplateCreate", "201"),
    ("/api/v1/campaigns/templates/{template_id}", "get"): ("Template", None, "200"),
    ("/api/v1/campaigns/templates/{template_id}", "patch"): ("Template", "TemplateUpdate", "200"),
    ("/api/v1/campaigns/templates/{template_id}/versions", "get"): ("TemplateVersionList", None, "200"),
    ("/api/v1/campaigns/templates/{template_id}/preview", "get"): ("Rendered", None, "200"),
    ("/api/v1/campaigns/templates/{template_id}/test-send", "post"): ("TemplateTestSent", "TemplateTestSend", "202"),
}


class TestTemplateRoutes(AreaChecks, SchemaChecks, FormBodyCheck, IfMatchCheck):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries, malformed, service_errors = BODY_CASES, QUERY_CASES, MALFORMED, SERVICE_ERRORS
    form_route = "/api/v1/campaigns/templates"
    if_match_route = ("PATCH", TEMPLATE, "marketing")
    ids = {TEMPLATE_ID: "{template_id}"}
    schemas = PATHS
    not_json = (("/api/v1/campaigns/templates/{template_id}", "delete"),)

    @staticmethod
    def covers(rule):
        return rule.endpoint.split(".")[0] == "campaign_templates"
