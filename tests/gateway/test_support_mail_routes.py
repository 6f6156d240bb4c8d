"""The support mail routes of the gateway (administrators only): who may use
each, what each sends, bad input answered before the service is asked, the
service's errors kept, and their OpenAPI documentation."""

import pytest

from shared.schemas.errors import Conflict, NotFound
from tests.gateway.conftest import assert_problem, bearer
from tests.gateway.route_tables import PAGE, ROLES, AreaChecks, SchemaChecks, answering, send

MAIL_ID = "8a8a8a8a-1111-4c1e-9a55-2f9f5f0d1a01"
CASE_ID = "8b8b8b8b-2222-4c1e-9a55-2f9f5f0d1a02"
RETRY = f"/api/v1/support/mail/outgoing/{MAIL_ID}/retry"

ALLOWED = {"support:admin": {"admin"}}
assert set(ROLES) > ALLOWED["support:admin"]

ROUTES = [
    ("GET", "/api/v1/support/mail", "support:admin", None, ("support", "mail_status")),
    ("GET", "/api/v1/support/mail/outgoing?status=failed,bounced", "support:admin", None,
     ("support", "list_outgoing_mail")),
    ("POST", RETRY, "support:admin", None, ("support", "retry_mail")),
]
MAIL = {"id": MAIL_ID, "kind": "case_reply", "case_id": CASE_ID, "message_id": "<a@crm.local>",
        "from_address": "support@crm.local", "to_addresses": ["ada@example.com"], "subject": "[CASE-000001] x",
        "status": "queued", "attempts": 2, "next_attempt_at": "2026-12-02T10:00:00+00:00", "last_error": None,
        "sent_at": None, "bounced_at": None, "created_by": "agent1", "created_at": "2026-12-02T09:00:00+00:00",
        "updated_at": "2026-12-02T10:00:00+00:00"}
STATUS = {"sending": True, "polling": False, "support_address": "support@crm.local",
          "outgoing": {"queued": 1, "sent": 5, "failed": 1, "bounced": 0}, "due": 1, "oldest_due_at": None,
          "failures": [{**MAIL, "status": "failed", "last_error": "550 No such user"}], "mailboxes": [],
          "incoming_last_day": {"opened": 2}, "incoming": []}
ANSWERS = {
    ("support", "mail_status"): STATUS,
    ("support", "list_outgoing_mail"): PAGE,
    ("support", "retry_mail"): MAIL,
}

answered = answering(ANSWERS)


def test_the_status_is_the_services(client, tokens, answered):
    response = client.get("/api/v1/support/mail", headers=bearer(tokens["admin"]))
    assert response.status_code == 200 and response.get_json() == STATUS


def test_the_list_sends_its_filters(client, tokens, answered):
    response = client.get(f"/api/v1/support/mail/outgoing?status=failed&status=bounced&case_id={CASE_ID}&limit=10",
                          headers=bearer(tokens["admin"]))
    assert response.status_code == 200
    [(_, method, (query,))] = answered.calls
    assert method == "list_outgoing_mail"
    assert query == {"status": ["failed", "bounced"], "case_id": CASE_ID, "limit": 10, "cursor": None}


def test_retry_sends_the_id_and_the_actor(client, tokens, answered):
    response = send(client, "POST", RETRY, None, bearer(tokens["admin"]))
    assert response.status_code == 200 and response.get_json()["id"] == MAIL_ID
    [(_, _, (mail_id, actor))] = answered.calls
    assert mail_id == MAIL_ID and actor.startswith("admin")


QUERY_CASES = [
    ("/api/v1/support/mail/outgoing?status=lost", "status"),
    ("/api/v1/support/mail/outgoing?case_id=CASE-000001", "case_id"),
    ("/api/v1/support/mail/outgoing?limit=0", "limit"),
    ("/api/v1/support/mail/outgoing?limit=201", "limit"),
    ("/api/v1/support/mail/outgoing?limit=ten", "limit"),
    ("/api/v1/support/mail/outgoing?cursor=%3Cnot%3E", "cursor"),
    ("/api/v1/support/mail/outgoing?colour=red", "colour"),
]


@pytest.mark.parametrize(("path", "field"), QUERY_CASES, ids=[path.split("?")[1] for path, _ in QUERY_CASES])
def test_bad_queries_are_422_before_any_service_call(client, tokens, fake_rpc, path, field):
    assert_problem(client.get(path, headers=bearer(tokens["admin"])), 422, field)
    assert fake_rpc.calls == []


MALFORMED = [("POST", "/api/v1/support/mail/outgoing/first/retry", None)]
SERVICE_ERRORS = [
    ("retry_mail", Conflict("The mail is sent; only a failed or bounced mail can be sent again."), 409),
    ("retry_mail", NotFound(f"No outgoing mail with id {MAIL_ID}."), 404),
]
PATHS = {
    ("/api/v1/support/mail", "get"): ("MailStatus", None, "200"),
    ("/api/v1/support/mail/outgoing", "get"): ("OutgoingPage", None, "200"),
    ("/api/v1/support/mail/outgoing/{mail_id}/retry", "post"): ("OutgoingMail", None, "200"),
}


class TestSupportMailRoutes(AreaChecks, SchemaChecks):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    malformed, service_errors = MALFORMED, SERVICE_ERRORS
    ids = {MAIL_ID: "{mail_id}"}
    schemas = PATHS

    @staticmethod
    def covers(rule):
        return rule.endpoint.split(".")[0] == "support_mail"
