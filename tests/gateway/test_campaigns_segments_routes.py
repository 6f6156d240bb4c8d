"""The segments, static lists and suppressions routes of the gateway: who
may use each, what each sends to the campaigns service, bad input answered
before the service is asked, CSV uploads (rows numbered by their line, a
header without an email column refused), and their OpenAPI documentation."""

import uuid

import pytest

from shared.schemas.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from tests.gateway.conftest import assert_problem, bearer
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
)

SEGMENT_ID = "5e5e5e5e-1111-4c1e-9a55-2f9f5f0d1a01"
LIST_ID = "1a1a1a1a-2222-4c1e-9a55-2f9f5f0d1a02"
PERSON_ID = "9c9c9c9c-3333-4c1e-9a55-2f9f5f0d1a03"
RULE = {"all": [{"field": "country", "op": "eq", "value": "DE"}]}
SEGMENT = f"/api/v1/campaigns/segments/{SEGMENT_ID}"
LIST = f"/api/v1/campaigns/lists/{LIST_ID}"
EMAIL = "ada@example.org"

ALLOWED = {"campaigns:read": set(ROLES), "campaigns:write": {"admin", "marketing"}}

ROUTES = [
    ("GET", "/api/v1/campaigns/segments", "campaigns:read", None, ("campaigns", "list_segments")),
    ("POST", "/api/v1/campaigns/segments", "campaigns:write", {"name": "Germans", "rule": RULE},
     ("campaigns", "create_segment")),
    ("POST", "/api/v1/campaigns/segments/count", "campaigns:read", {"rule": RULE},
     ("campaigns", "count_segment_rule")),
    ("GET", SEGMENT, "campaigns:read", None, ("campaigns", "get_segment")),
    ("PATCH", SEGMENT, "campaigns:write", {"rule": RULE}, ("campaigns", "update_segment")),
    ("DELETE", SEGMENT, "campaigns:write", None, ("campaigns", "delete_segment")),
    ("GET", f"{SEGMENT}/members", "campaigns:read", None, ("campaigns", "segment_members")),
    ("GET", f"{SEGMENT}/history", "campaigns:read", None, ("campaigns", "segment_history")),
    ("GET", "/api/v1/campaigns/lists", "campaigns:read", None, ("campaigns", "list_static_lists")),
    ("POST", "/api/v1/campaigns/lists", "campaigns:write", {"name": "Fair 2026"}, ("campaigns", "create_static_list")),
    ("GET", LIST, "campaigns:read", None, ("campaigns", "get_static_list")),
    ("PATCH", LIST, "campaigns:write", {"name": "Fair"}, ("campaigns", "update_static_list")),
    ("DELETE", LIST, "campaigns:write", None, ("campaigns", "delete_static_list")),
    ("GET", f"{LIST}/members", "campaigns:read", None, ("campaigns", "static_list_members")),
    ("POST", f"{LIST}/members", "campaigns:write", {"person_ids": [PERSON_ID]}, ("campaigns", "add_to_static_list")),
    ("POST", f"{LIST}/members/remove", "campaigns:write", {"person_ids": [PERSON_ID]},
     ("campaigns", "remove_from_static_list")),
    ("GET", "/api/v1/campaigns/suppressions", "campaigns:read", None, ("campaigns", "list_suppressions")),
    ("POST", "/api/v1/campaigns/suppressions", "campaigns:write", {"email": EMAIL}, ("campaigns", "add_suppression")),
    ("GET", f"/api/v1/campaigns/suppressions/{EMAIL}", "campaigns:read", None, ("campaigns", "get_suppression")),
    ("DELETE", f"/api/v1/campaigns/suppressions/{EMAIL}", "campaigns:write", None,
     ("campaigns", "remove_suppression")),
]
IMPORTS = ("segments.import_list", "segments.import_suppressions")

SUPPRESSION = {"email": EMAIL, "reason": "manual", "source": None, "created_by": "ann",
               "created_at": "2026-03-02T09:00:00+00:00"}
CHANGED = {"added": 1, "already_members": 0}
ANSWERS = {
    ("campaigns", "list_segments"): PAGE,
    ("campaigns", "create_segment"): entity(SEGMENT_ID),
    ("campaigns", "count_segment_rule"): {"count": 12},
    ("campaigns", "get_segment"): entity(SEGMENT_ID, 2),
    ("campaigns", "update_segment"): entity(SEGMENT_ID, 3),
    ("campaigns", "delete_segment"): {"id": SEGMENT_ID, "deleted": True},
    ("campaigns", "segment_members"): PAGE,
    ("campaigns", "segment_history"): PAGE,
    ("campaigns", "list_static_lists"): PAGE,
    ("campaigns", "create_static_list"): entity(LIST_ID),
    ("campaigns", "get_static_list"): entity(LIST_ID, 2),
    ("campaigns", "update_static_list"): entity(LIST_ID, 3),
    ("campaigns", "delete_static_list"): {"id": LIST_ID, "deleted": True},
    ("campaigns", "static_list_members"): PAGE,
    ("campaigns", "add_to_static_list"): CHANGED,
    ("campaigns", "remove_from_static_list"): {"removed": 1, "not_members": 0},
    ("campaigns", "list_suppressions"): PAGE,
    ("campaigns", "add_suppression"): {**SUPPRESSION, "created": True},
    ("campaigns", "get_suppression"): SUPPRESSION,
    ("campaigns", "remove_suppression"): {"email": EMAIL, "deleted": True},
}

answered = answering(ANSWERS)


class TestSegmentRoutes(AreaChecks, SchemaChecks, FormBodyCheck, IfMatchCheck):
    routes = ROUTES
    allowed = ALLOWED
    answers = ANSWERS
    covers = staticmethod(lambda rule: rule.endpoint.startswith("segments.") and rule.endpoint not in IMPORTS)
    ids = {SEGMENT_ID: "{segment_id}", LIST_ID: "{list_id}", EMAIL: "{email}"}
    form_route = "/api/v1/campaigns/segments"
    if_match_route = ("PATCH", SEGMENT, "marketing")
    bad_bodies = {
        ("POST", "/api/v1/campaigns/segments"): [
            ({"rule": RULE}, "name"),
            ({"name": "x"}, "rule"),
            ({"name": "x", "rule": []}, "rule"),
            ({"name": "x", "rule": "country = DE"}, "rule"),
            ({"name": "x" * 201, "rule": RULE}, "name"),
            ({"name": "x", "rule": RULE, "colour": "red"}, "colour"),
            ({"name": "x", "rule": {"a": 1, "b": 2, "c": 3, "d": 4}}, "rule"),
        ],
        ("POST", "/api/v1/campaigns/segments/count"): [({}, "rule"), ({"rule": 5}, "rule")],
        ("PATCH", SEGMENT): [({"name": ""}, "name"), ({"active": "perhaps"}, "active")],
        ("POST", f"{LIST}/members"): [
            ({"person_ids": []}, "person_ids"),
            ({"person_ids": ["nope"]}, "person_ids"),
            ({"person_ids": [PERSON_ID] * 1001}, "person_ids"),
        ],
        ("POST", "/api/v1/campaigns/lists"): [({}, "name"), ({"name": "  "}, "name")],
        ("POST", "/api/v1/campaigns/suppressions"): [
            ({}, "email"), ({"email": "not an address"}, "email"),
            ({"email": EMAIL, "reason": "hard_bounce"}, "reason"),  # bounces are the sender's to record
        ],
    }
    bad_queries = [
        ("/api/v1/campaigns/segments?sort=size", "sort"),
        ("/api/v1/campaigns/segments?limit=0", "limit"),
        (f"{SEGMENT}/history?change=moved", "change"),
        ("/api/v1/campaigns/suppressions?reason=spam", "reason"),
        ("/api/v1/campaigns/lists?cursor=%%%", "cursor"),
    ]
    malformed = [
        ("GET", "/api/v1/campaigns/segments/42", None),
        ("PATCH", "/api/v1/campaigns/lists/nope", {"name": "x"}),
        ("GET", "/api/v1/campaigns/suppressions/not-an-address", None),
    ]
    service_errors = [
        ("create_segment", ValidationFailed("The rule cannot be used.", {"rule.all.0.field": ["Unknown field."]}),
         422),
        ("create_segment", Conflict("A segment named 'x' exists already.", {"name": ["taken"]}), 409),
        ("update_segment", PreconditionFailed("Changed by someone else.", current_version=4), 412),
        ("delete_segment", Conflict("Segments name this one."), 409),
        ("add_to_static_list", ValidationFailed("Some people do not exist.", {"person_ids.0": ["No person."]}), 422),
        ("get_suppression", NotFound("Not suppressed."), 404),
    ]
    schemas = {
        ("/api/v1/campaigns/segments", "get"): ("SegmentPage", None, "200"),
        ("/api/v1/campaigns/segments", "post"): ("Segment", "SegmentCreate", "201"),
        ("/api/v1/campaigns/segments/count", "post"): ("SegmentRuleCountResult", "SegmentRuleCount", "200"),
        ("/api/v1/campaigns/segments/{segment_id}", "get"): ("Segment", None, "200"),
        ("/api/v1/campaigns/segments/{segment_id}", "patch"): ("Segment", "SegmentUpdate", "200"),
        ("/api/v1/campaigns/segments/{segment_id}/members", "get"): ("SegmentMemberPage", None, "200"),
        ("/api/v1/campaigns/segments/{segment_id}/history", "get"): ("SegmentHistoryPage", None, "200"),
        ("/api/v1/campaigns/lists", "get"): ("StaticListPage", None, "200"),
        ("/api/v1/campaigns/lists", "post"): ("StaticList", "StaticListCreate", "201"),
        ("/api/v1/campaigns/lists/{list_id}", "get"): ("StaticList", None, "200"),
        ("/api/v1/campaigns/lists/{list_id}", "patch"): ("StaticList", "StaticListUpdate", "200"),
        ("/api/v1/campaigns/lists/{list_id}/members", "get"): ("StaticListMemberPage", None, "200"),
        ("/api/v1/campaigns/lists/{list_id}/members", "post"): ("StaticListChanged", "StaticListPeople", "200"),
        ("/api/v1/campaigns/lists/{list_id}/members/remove", "post"): ("StaticListChanged", "StaticListPeople", "200"),
        ("/api/v1/campaigns/suppressions", "get"): ("SuppressionPage", None, "200"),
        ("/api/v1/campaigns/suppressions", "post"): ("SuppressionAdded", "SuppressionCreate", "200"),
        ("/api/v1/campaigns/suppressions/{email}", "get"): ("Suppression", None, "200"),
    }
    not_json = (("/api/v1/campaigns/segments/{segment_id}", "delete"), ("/api/v1/campaigns/lists/{list_id}", "delete"),
                ("/api/v1/campaigns/suppressions/{email}", "delete"))


# What is sent ------------------------------------------------------------------------------------------------------

def test_the_rule_travels_as_given_and_writes_carry_the_actor(client, tokens, answered):
    headers = bearer(tokens["marketing"])
    response = send(client, "POST", "/api/v1/campaigns/segments", {"name": " Germans ", "rule": RULE}, headers)
    assert response.status_code == 201 and response.headers["Location"].endswith(SEGMENT)
    send(client, "PATCH", SEGMENT, {"active": False}, {**headers, "If-Match": '"2"'})
    send(client, "POST", "/api/v1/campaigns/segments/count", {"rule": {"any": []}}, headers)
    assert client.get("/api/v1/campaigns/suppressions/ADA@Example.org", headers=headers).status_code == 200
    (_, _, (data, actor)), (_, _, patched), (_, _, counted), (_, _, asked) = answered.calls
    assert data == {"name": "Germans", "description": None, "rule": RULE, "active": True}
    assert actor.startswith("marketing")
    assert patched == (SEGMENT_ID, {"active": False}, actor, 2)
    assert counted == ({"rule": {"any": []}},)
    assert asked == ("ADA@Example.org",)


def _upload(client, tokens, path, text, answer=None, fake_rpc=None):
    return client.post(path, data=text.encode(), headers={**bearer(tokens["marketing"]), "Content-Type": "text/csv"})


def test_a_list_import_sends_numbered_rows_in_batches_and_adds_up_the_answers(client, tokens, fake_rpc):
    sent = []

    def answer(list_id, data, actor):
        sent.append(data["rows"])
        bad = [row for row in data["rows"] if "@" not in row["email"]]
        return {"rows": len(data["rows"]), "matched_rows": len(data["rows"]) - len(bad), "people_matched": 1,
                "added": 1, "already_members": 0, "not_taken": len(bad),
                "rows_not_taken": [{**row, "reason": "Not an email address."} for row in bad]}

    fake_rpc.answers[("campaigns", "import_static_list")] = answer
    lines = ["Name,EMAIL", "Ada,ada@example.org", "", "Bob,not-an-address", *[f"P{n},p{n}@example.org"
                                                                                for n in range(2500)]]
    response = _upload(client, tokens, f"{LIST}/import", "\r\n".join(lines) + "\r\n")
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert [len(batch) for batch in sent] == [2000, 502]
    assert sent[0][:2] == [{"line": 2, "email": "ada@example.org"}, {"line": 4, "email": "not-an-address"}]
    assert result["rows"] == 2502 and result["not_taken"] == 1 and result["added"] == 2
    assert result["rows_not_taken"] == [{"line": 4, "email": "not-an-address", "reason": "Not an email address."}]


@pytest.mark.parametrize("path", [f"{LIST}/import", "/api/v1/campaigns/suppressions/import"])
def test_an_import_under_an_idempotency_key_reads_the_file_once_and_replays(client, tokens, fake_rpc, path):
    answer = {"rows": 1, "added": 1, "not_taken": 0, "rows_not_taken": []}
    fake_rpc.answers[("campaigns", "import_static_list")] = lambda list_id, data, actor: dict(answer)
    fake_rpc.answers[("campaigns", "import_suppressions")] = lambda data, actor: dict(answer)
    headers = {**bearer(tokens["marketing"]), "Content-Type": "text/csv", "Idempotency-Key": uuid.uuid4().hex}
    first = client.post(path, data=b"email\na@x.org\n", headers=headers)
    assert first.status_code == 200, first.get_json()
    assert [call[2][-2] for call in fake_rpc.calls] == [{"rows": [{"line": 2, "email": "a@x.org"}]}]
    again = client.post(path, data=b"email\na@x.org\n", headers=headers)
    assert again.status_code == 200 and again.get_json() == first.get_json() and len(fake_rpc.calls) == 1
    other = client.post(path, data=b"email\nb@x.org\n", headers=headers)
    assert_problem(other, 422)


def test_a_file_of_addresses_alone_is_taken_and_unusable_files_are_400(client, tokens, fake_rpc):
    fake_rpc.answers[("campaigns", "import_suppressions")] = lambda data, actor: {
        "rows": len(data["rows"]), "added": 0, "already_suppressed": 0, "not_taken": 0, "rows_not_taken": []}
    assert _upload(client, tokens, "/api/v1/campaigns/suppressions/import", "a@x.org\nb@x.org\n").status_code == 200
    assert fake_rpc.calls[0][2][0] == {"rows": [{"line": 1, "email": "a@x.org"}, {"line": 2, "email": "b@x.org"}]}
    fake_rpc.calls.clear()
    for text in ("", "name,company\nAda,Initech\n", "email\n", "email\n\xff\n"):
        response = client.post("/api/v1/campaigns/suppressions/import", data=text.encode("latin-1"),
                               headers={**bearer(tokens["admin"]), "Content-Type": "text/csv"})
        assert_problem(response, 400, "file")
    assert fake_rpc.calls == []
    response = client.post(f"{LIST}/import", data="email\na@x.org\n", headers=bearer(tokens["readonly"]))
    assert_problem(response, 403)
