"""The surveys, follow-up tasks and figures routes of the gateway.

Signed-in routes: who may use each, what each sends to the service, bad
input answered 4xx before a service is asked, the OpenAPI document.
Public routes (the contact's survey, JSON and the HTML page): no token,
the token's shape checked before the service is asked, the service's
404 / 409 / 410 kept, and a page that needs no script under a strict
Content-Security-Policy, with everything the service sends escaped."""


import pytest

from shared.schemas.errors import Conflict, Gone, IllegalTransition, NotFound, ValidationFailed
from tests.gateway.conftest import assert_problem, assert_safe_html, bearer
from tests.gateway.route_tables import (
    ROLES,
    AreaChecks,
    FormBodyCheck,
    SchemaChecks,
    answering,
    entity,
    send,
)

TASK_ID = "7a7a7a7a-1111-4c1e-9a55-2f9f5f0d1a11"
CASE_ID = "8b8b8b8b-2222-4c1e-9a55-2f9f5f0d1a22"
TEAM_ID = "9c9c9c9c-3333-4c1e-9a55-2f9f5f0d1a33"
TOKEN = "ImY0YjQ5MjBmLTk5ZjctNGE1Ni1iYjA0LTNmYmJiMmE4YzI3ZiI.QhJ3xd0xkF2Y7hI3l8FhB2cZt7s"
TASK = f"/api/v1/support/tasks/{TASK_ID}"

ALLOWED = {"cases:read": set(ROLES), "cases:write": {"admin", "support"}}

ROUTES = [
    ("GET", "/api/v1/support/tasks", "cases:write", None, ("support", "list_tasks")),
    ("GET", TASK, "cases:write", None, ("support", "get_task")),
    ("POST", f"{TASK}/done", "cases:write", {"note": "Called back."}, ("support", "complete_task")),
    ("GET", f"/api/v1/cases/{CASE_ID}/surveys", "cases:read", None, ("support", "case_surveys")),
    ("GET", "/api/v1/support/figures", "cases:read", None, ("support", "support_figures")),
]
ANSWERS = {
    ("support", "list_tasks"): {"items": [], "next_cursor": None},
    ("support", "get_task"): entity(TASK_ID),
    ("support", "complete_task"): entity(TASK_ID, 2),
    ("support", "case_surveys"): {"items": []},
    ("support", "support_figures"): {"opened": 0},
}
answered = answering(ANSWERS)

BODY_CASES = {
    ("POST", f"{TASK}/done"): [
        ({"note": "n" * 2001}, "note"),
        ({"status": "done"}, "status"),
        ({"note": 12}, "note"),
    ],
}
# The tasks' (cases:write, which the table's readonly caller lacks: see test_bad_task_queries_are_422).
TASK_QUERY_CASES = [
    ("/api/v1/support/tasks?status=maybe", "status"),
    ("/api/v1/support/tasks?assignee_id=ann", "assignee_id"),
    ("/api/v1/support/tasks?mine=perhaps", "mine"),
    ("/api/v1/support/tasks?team_id=support", "team_id"),
    ("/api/v1/support/tasks?sort=name", "sort"),
    ("/api/v1/support/tasks?limit=0", "limit"),
    ("/api/v1/support/tasks?cursor=%25%25", "cursor"),
    ("/api/v1/support/tasks?colour=red", "colour"),
]
QUERY_CASES = [
    ("/api/v1/support/figures?from=2021-03-31&to=2021-03-01", "from"),
    ("/api/v1/support/figures?from=2020-01-01&to=2021-12-31", "from"),
    ("/api/v1/support/figures?from=March", "from"),
    ("/api/v1/support/figures?time_zone=Mars/Olympus", "time_zone"),
    ("/api/v1/support/figures?team_id=first-line", "team_id"),
    ("/api/v1/support/figures?owner_id=ann", "owner_id"),
    ("/api/v1/support/figures?colour=red", "colour"),
]
MALFORMED = [
    ("GET", "/api/v1/support/tasks/T-1", None),
    ("POST", "/api/v1/support/tasks/nope/done", {}),
    ("GET", "/api/v1/cases/CASE-000001/surveys", None),
]
SERVICE_ERRORS = [
    ("complete_task", IllegalTransition("The task was done already.", allowed=[]), 409),
    ("get_task", NotFound(f"No task with id {TASK_ID}."), 404),
    ("support_figures", ValidationFailed("Bad.", errors={"from": ["After to."]}), 422),
]
PATHS = {
    ("/api/v1/support/tasks", "get"): ("TaskPage", None),
    ("/api/v1/support/tasks/{task_id}", "get"): ("Task", None),
    ("/api/v1/support/tasks/{task_id}/done", "post"): ("Task", "TaskDone"),
    ("/api/v1/cases/{case_id}/surveys", "get"): ("SurveyList", None),
    ("/api/v1/support/figures", "get"): ("SupportFigures", None),
}


def signed_in(rule):
    return rule.endpoint.startswith("surveys.") and not rule.rule.startswith(("/survey/", "/api/v1/public/"))


class TestSurveyRoutes(AreaChecks, SchemaChecks, FormBodyCheck):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries, malformed, service_errors = BODY_CASES, QUERY_CASES, MALFORMED, SERVICE_ERRORS
    form_route = f"{TASK}/done"
    ids = {TASK_ID: "{task_id}", CASE_ID: "{case_id}"}
    schemas = {key: (response, request, "200") for key, (response, request) in PATHS.items()}
    covers = staticmethod(signed_in)


# What is sent -------------------------------------------------------------------------

def test_mine_asks_for_the_callers_own_tasks(client, gdb, answered):
    user, token = gdb.make_user("support")
    response = client.get(f"/api/v1/support/tasks?mine=true&status=open&team_id={TEAM_ID}", headers=bearer(token))
    assert response.status_code == 200
    [(_, _, (query,))] = answered.calls
    sent = {key: value for key, value in query.items() if value is not None}
    assert sent == {"assignee_id": [str(user["id"])], "status": "open", "team_id": TEAM_ID, "sort": "due",
                    "limit": 50}


@pytest.mark.parametrize(("path", "field"), TASK_QUERY_CASES)
def test_bad_task_queries_are_422(client, tokens, fake_rpc, path, field):
    assert_problem(client.get(path, headers=bearer(tokens["support"])), 422, field)
    assert fake_rpc.calls == []


def test_a_task_is_marked_done_by_the_caller(client, tokens, answered):
    response = send(client, "POST", f"{TASK}/done", None, bearer(tokens["support"]))
    assert response.status_code == 200
    [(_, method, (task_id, data, actor))] = answered.calls
    assert (method, task_id, data) == ("complete_task", TASK_ID, {"note": None}) and actor.startswith("support")


def test_figures_send_the_filters(client, tokens, answered):
    response = client.get(f"/api/v1/support/figures?from=2021-03-01&to=2021-03-31&team_id={TEAM_ID}"
                          "&time_zone=Europe/Berlin", headers=bearer(tokens["readonly"]))
    assert response.status_code == 200
    [(_, method, (query,))] = answered.calls
    assert query == {"from": "2021-03-01", "to": "2021-03-31", "team_id": TEAM_ID, "owner_id": None,
                     "time_zone": "Europe/Berlin"}


# The public survey, as JSON -------------------------------------------------------------

PUBLIC = f"/api/v1/public/surveys/{TOKEN}"
OPEN_SURVEY = {"case_number": "CASE-000042", "case_subject": "Printer on fire", "status": "open", "nps_asked": False,
               "expires_at": "2026-12-16T10:00:00+00:00", "answered_at": None}


def test_the_survey_is_read_without_a_token(client, fake_rpc):
    fake_rpc.answers[("support", "survey_for_link")] = OPEN_SURVEY
    response = client.get(PUBLIC)
    assert response.status_code == 200 and response.get_json() == OPEN_SURVEY
    assert fake_rpc.calls == [("support", "survey_for_link", (TOKEN, True))]


def test_an_answer_is_sent_without_a_token(client, fake_rpc):
    fake_rpc.answers[("support", "answer_survey")] = {"status": "answered", "answered_at": "2026-12-02T10:00:00+00:00"}
    response = client.post(PUBLIC, json={"csat": 4, "comment": " Fine. ", "nps": 8})
    assert response.status_code == 200 and response.get_json()["status"] == "answered"
    assert fake_rpc.calls == [("support", "answer_survey", (TOKEN, {"csat": 4, "comment": "Fine.", "nps": 8}))]


@pytest.mark.parametrize(("body", "field"), [
    ({}, "csat"), ({"csat": 0}, "csat"), ({"csat": 6}, "csat"), ({"csat": 2.5}, "csat"), ({"csat": "five"}, "csat"),
    ({"csat": 5, "nps": -1}, "nps"), ({"csat": 5, "nps": 11}, "nps"), ({"csat": 5, "comment": "c" * 4001}, "comment"),
    ({"csat": 5, "email": "x@example.com"}, "email"),
])
def test_bad_answers_are_422_before_the_service(client, fake_rpc, body, field):
    assert_problem(client.post(PUBLIC, json=body), 422, field)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("token", ["not!a-token", "x" * 201, "a b", "%00"])
def test_a_token_of_the_wrong_shape_is_404_before_the_service(client, fake_rpc, token):
    assert_problem(client.get(f"/api/v1/public/surveys/{token}"), 404)
    assert_problem(client.post(f"/api/v1/public/surveys/{token}", json={"csat": 5}), 404)
    assert fake_rpc.calls == []


@pytest.mark.parametrize(("error", "status"), [
    (NotFound("This survey link is not valid.", errors={"token": ["Not a valid survey link."]}), 404),
    (Gone("This survey has expired.", survey_status="expired"), 410),
    (Conflict("This survey was answered already.", survey_status="answered"), 409),
])
def test_the_services_refusals_keep_their_status(client, fake_rpc, error, status):
    fake_rpc.answers[("support", "survey_for_link")] = error
    fake_rpc.answers[("support", "answer_survey")] = error
    for response in (client.get(PUBLIC), client.post(PUBLIC, json={"csat": 5})):
        problem = assert_problem(response, status)
        assert problem["detail"] == error.detail


def test_the_public_routes_are_documented_as_public(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    path = spec["paths"]["/api/v1/public/surveys/{token}"]
    assert {"get", "post"} <= set(path)
    for operation in path.values():
        assert operation.get("security") == [] and "401" not in operation["responses"]
        assert {"404", "409", "410"} <= set(operation["responses"])
    assert path["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/SurveyAnswer")
    assert not any(template.startswith("/survey/") for template in spec["paths"])


# The public survey page -------------------------------------------------------------------

PAGE = f"/survey/{TOKEN}"


def assert_safe_page(response, status):
    html = assert_safe_html(response, status)
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
    return html


def test_the_page_is_a_form_that_needs_no_script(client, fake_rpc):
    fake_rpc.answers[("support", "survey_for_link")] = OPEN_SURVEY
    html = assert_safe_page(client.get(PAGE), 200)
    assert '<html lang="en">' in html and '<form method="post" action=""' in html
    assert html.count('type="radio" name="csat"') == 5 and 'name="nps"' not in html
    assert '<label for="comment">' in html and "<legend>" in html
    assert "CASE-000042" in html and "until 2026-12-16" in html
    assert fake_rpc.calls == [("support", "survey_for_link", (TOKEN,))]


def test_the_page_asks_nps_when_the_survey_does(client, fake_rpc):
    fake_rpc.answers[("support", "survey_for_link")] = {**OPEN_SURVEY, "nps_asked": True}
    html = assert_safe_page(client.get(PAGE), 200)
    assert html.count('type="radio" name="nps"') == 11


def test_what_the_service_sends_is_escaped(client, fake_rpc):
    fake_rpc.answers[("support", "survey_for_link")] = {**OPEN_SURVEY,
                                                        "case_subject": '<script>alert(1)</script><img src=x>'}
    html = assert_safe_page(client.get(PAGE), 200)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x&gt;" in html


@pytest.mark.parametrize(("survey_status", "status", "text"), [
    ("answered", 409, "answered already"), ("expired", 410, "until 2026-12-16")])
def test_an_answered_or_expired_survey_shows_no_form(client, fake_rpc, survey_status, status, text):
    fake_rpc.answers[("support", "survey_for_link")] = {**OPEN_SURVEY, "status": survey_status}
    html = assert_safe_page(client.get(PAGE), status)
    assert "<form" not in html and text in html


def test_a_link_the_service_did_not_sign_is_a_404_page(client, fake_rpc):
    fake_rpc.answers[("support", "survey_for_link")] = NotFound("This survey link is not valid.")
    html = assert_safe_page(client.get(PAGE), 404)
    assert "<form" not in html and "not valid" in html


def test_a_token_of_the_wrong_shape_is_a_404_page_before_the_service(client, fake_rpc):
    assert_safe_page(client.get("/survey/not!valid"), 404)
    assert_safe_page(client.post("/survey/not!valid", data={"csat": "5"}), 404)
    assert fake_rpc.calls == []


def test_the_form_posted_is_answered_with_thanks(client, fake_rpc):
    fake_rpc.answers[("support", "answer_survey")] = {"status": "answered", "answered_at": "2026-12-02T10:00:00+00:00"}
    html = assert_safe_page(client.post(PAGE, data={"csat": "2", "nps": "", "comment": " Slow <b>reply</b> "}), 200)
    assert "Thank you" in html and "<form" not in html
    assert fake_rpc.calls == [("support", "answer_survey", (TOKEN, {"csat": 2, "comment": "Slow <b>reply</b>",
                                                                    "nps": None}))]


@pytest.mark.parametrize(("form", "field"), [
    ({"comment": "No score"}, "csat"), ({"csat": "9"}, "csat"), ({"csat": "four"}, "csat"),
    ({"csat": "4", "nps": "12"}, "nps"), ({"csat": "4", "comment": "c" * 4001}, "comment"),
    ({"csat": "4", "mood": "happy"}, "mood"),
])
def test_a_form_with_mistakes_comes_back_with_what_to_fix(client, fake_rpc, form, field):
    fake_rpc.answers[("support", "survey_for_link")] = {**OPEN_SURVEY, "nps_asked": True}
    html = assert_safe_page(client.post(PAGE, data=form), 422)
    assert 'role="alert"' in html and f'href="#{field}"' in html and "<form" in html
    assert [method for _, method, _ in fake_rpc.calls] == ["survey_for_link"]
    if form.get("comment") and len(form["comment"]) < 100:
        assert form["comment"] in html  # what was typed is kept


def test_the_services_nps_refusal_comes_back_on_the_form(client, fake_rpc):
    fake_rpc.answers[("support", "answer_survey")] = ValidationFailed(
        "Some fields are invalid.", errors={"nps": ["This survey does not ask how likely you are to recommend us."]})
    fake_rpc.answers[("support", "survey_for_link")] = OPEN_SURVEY
    html = assert_safe_page(client.post(PAGE, data={"csat": "4", "nps": "9"}), 422)
    assert "does not ask how likely" in html and 'value="4" required checked' in html


@pytest.mark.parametrize(("error", "status"), [
    (Conflict("This survey was answered already; each survey takes one answer."), 409),
    (Gone("This survey has expired."), 410), (NotFound("This survey link is not valid."), 404)])
def test_a_posted_form_the_service_refuses_shows_why(client, fake_rpc, error, status):
    fake_rpc.answers[("support", "answer_survey")] = error
    html = assert_safe_page(client.post(PAGE, data={"csat": "5"}), status)
    assert "<form" not in html
