"""The knowledge base routes of the gateway: who may use each (401 without a
token, 403 for a role without the permission, nothing sent to the service),
what each sends, bad input answered 4xx before the service is asked, the
public routes (no sign-in, rate-limited votes), and the OpenAPI document."""


import pytest

from shared.schemas.errors import DuplicateFound, IllegalTransition, NotFound, PreconditionFailed
from tests.gateway.conftest import assert_problem, bearer, random_ip
from tests.gateway.route_tables import (
    ROLES,
    AreaChecks,
    FormBodyCheck,
    IfMatchCheck,
    SchemaChecks,
    answering,
    entity,
    send,
)

ARTICLE_ID = "6a6a6a6a-1111-4c1e-9a55-2f9f5f0d1a01"
CASE_ID = "7b7b7b7b-2222-4c1e-9a55-2f9f5f0d1a02"
CATEGORY_ID = "8c8c8c8c-3333-4c1e-9a55-2f9f5f0d1a03"
ARTICLE = f"/api/v1/articles/{ARTICLE_ID}"
CATEGORY = f"/api/v1/kb/categories/{CATEGORY_ID}"

# The brief's permission table, written out (not read from gateway.auth).
ALLOWED = {
    "cases:read": set(ROLES),
    "kb:write": {"admin", "support"},
}

ARTICLE_BODY = {"title": "Reset your password", "body": "Open **Settings**.", "tags": ["login"],
                "language": "en", "visibility": "public"}
LIST = {"items": []}
PAGE = {"items": [], "page": 1, "next_page": None}

ROUTES = [
    ("GET", "/api/v1/articles", "cases:read", None, ("support", "search_articles")),
    ("POST", "/api/v1/articles", "kb:write", ARTICLE_BODY, ("support", "create_article")),
    ("POST", "/api/v1/articles/preview", "kb:write", {"body": "# Hi"}, ("support", "preview_article")),
    ("GET", ARTICLE, "cases:read", None, ("support", "get_article")),
    ("PATCH", ARTICLE, "kb:write", {"body": "new"}, ("support", "update_article")),
    ("POST", f"{ARTICLE}/submit", "kb:write", None, ("support", "submit_article")),
    ("POST", f"{ARTICLE}/withdraw", "kb:write", None, ("support", "withdraw_article")),
    ("POST", f"{ARTICLE}/publish", "kb:write", None, ("support", "publish_article")),
    ("POST", f"{ARTICLE}/archive", "kb:write", None, ("support", "archive_article")),
    ("POST", f"{ARTICLE}/restore", "kb:write", None, ("support", "restore_article")),
    ("GET", f"{ARTICLE}/versions", "cases:read", None, ("support", "article_versions")),
    ("GET", f"{ARTICLE}/versions/diff?from=1&to=2", "cases:read", None, ("support", "diff_article_versions")),
    ("POST", f"{ARTICLE}/votes", "cases:read", {"helpful": True}, ("support", "vote_article")),
    ("GET", f"{ARTICLE}/cases", "cases:read", None, ("support", "article_cases")),
    ("POST", f"{ARTICLE}/cases", "kb:write", {"case_id": CASE_ID}, ("support", "link_article_case")),
    ("DELETE", f"{ARTICLE}/cases/{CASE_ID}", "kb:write", None, ("support", "unlink_article_case")),
    ("GET", f"/api/v1/cases/{CASE_ID}/articles", "cases:read", None, ("support", "case_articles")),
    ("GET", f"/api/v1/cases/{CASE_ID}/suggested-articles", "cases:read", None, ("support", "suggested_articles")),
    ("GET", "/api/v1/kb/categories", "cases:read", None, ("support", "list_kb_categories")),
    ("POST", "/api/v1/kb/categories", "kb:write", {"name": "Billing"}, ("support", "create_kb_category")),
    ("PATCH", CATEGORY, "kb:write", {"name": "Invoices"}, ("support", "update_kb_category")),
]

ANSWERS = {
    ("support", "search_articles"): PAGE,
    ("support", "create_article"): entity(ARTICLE_ID),
    ("support", "preview_article"): {"html": "<h1>Hi</h1>"},
    ("support", "get_article"): entity(ARTICLE_ID, 2),
    ("support", "update_article"): entity(ARTICLE_ID, 3),
    ("support", "submit_article"): entity(ARTICLE_ID, 4),
    ("support", "withdraw_article"): entity(ARTICLE_ID, 5),
    ("support", "publish_article"): entity(ARTICLE_ID, 6),
    ("support", "archive_article"): entity(ARTICLE_ID, 7),
    ("support", "restore_article"): entity(ARTICLE_ID, 8),
    ("support", "article_versions"): LIST,
    ("support", "diff_article_versions"): {"from": 1, "to": "2", "diff": "", "changed": False},
    ("support", "vote_article"): {"helpful_yes": 1, "helpful_no": 0},
    ("support", "article_cases"): LIST,
    ("support", "link_article_case"): LIST,
    ("support", "unlink_article_case"): LIST,
    ("support", "case_articles"): LIST,
    ("support", "suggested_articles"): LIST,
    ("support", "list_kb_categories"): LIST,
    ("support", "create_kb_category"): entity(CATEGORY_ID),
    ("support", "update_kb_category"): entity(CATEGORY_ID, 2),
    ("support", "search_public_articles"): PAGE,
    ("support", "read_public_article"): {"id": ARTICLE_ID, "slug": "reset"},
    ("support", "vote_public_article"): {"helpful_yes": 1, "helpful_no": 0},
}

answered = answering(ANSWERS)


# What is sent ------------------------------------------------------------------------------

def test_create_sends_the_loaded_body_and_answers_201(client, tokens, answered):
    response = send(client, "POST", "/api/v1/articles", {**ARTICLE_BODY, "title": "  Reset  "},
                    bearer(tokens["support"]))
    assert response.status_code == 201
    assert response.headers["Location"].endswith(ARTICLE) and response.headers["ETag"] == '"1"'
    [(_, method, (data, actor))] = answered.calls
    assert method == "create_article" and data["title"] == "Reset" and data["tags"] == ["login"]
    assert actor.startswith("support")


def test_moves_and_patch_send_if_match(client, tokens, answered):
    headers = {**bearer(tokens["admin"]), "If-Match": '"4"'}
    for action in ("submit", "withdraw", "publish", "archive", "restore"):
        response = send(client, "POST", f"{ARTICLE}/{action}", None, headers)
        assert response.status_code == 200 and response.headers["ETag"]
    send(client, "PATCH", ARTICLE, {"visibility": "internal"}, headers)
    send(client, "PATCH", CATEGORY, {"position": 2}, headers)
    actor = answered.calls[0][2][1]
    assert [args for _, _, args in answered.calls] == [(ARTICLE_ID, actor, 4)] * 5 + [
        (ARTICLE_ID, {"visibility": "internal"}, actor, 4), (CATEGORY_ID, {"position": 2}, actor, 4)]


def test_queries_and_links_send_their_arguments(client, tokens, answered):
    headers = bearer(tokens["readonly"])
    client.get("/api/v1/articles?q=reset%20password&status=published,in_review&tag=login&limit=5", headers=headers)
    client.get(f"{ARTICLE}/versions/diff?from=1&to=draft", headers=headers)
    client.get(f"/api/v1/cases/{CASE_ID}/suggested-articles?limit=3", headers=headers)
    send(client, "POST", f"{ARTICLE}/cases", {"case_id": CASE_ID}, bearer(tokens["support"]))
    send(client, "DELETE", f"{ARTICLE}/cases/{CASE_ID}", None, bearer(tokens["support"]))
    calls = [(method, args) for _, method, args in answered.calls]
    assert calls[0] == ("search_articles", ({"q": "reset password", "status": ["published", "in_review"],
                                             "tag": "login", "limit": 5, "page": 1, "visibility": None,
                                             "category_id": None, "language": None, "sort": None},))
    assert calls[1] == ("diff_article_versions", (ARTICLE_ID, 1, "draft"))
    assert calls[2] == ("suggested_articles", (CASE_ID, {"limit": 3}))
    assert calls[3][0] == "link_article_case" and calls[3][1][:2] == (ARTICLE_ID, {"case_id": CASE_ID})
    assert calls[4][0] == "unlink_article_case" and calls[4][1][:2] == (ARTICLE_ID, CASE_ID)


# Public routes ---------------------------------------------------------------------------------

def test_public_routes_need_no_token(client, answered):
    assert client.get("/api/v1/public/articles?q=reset").status_code == 200
    assert client.get("/api/v1/public/articles/reset-your-password").status_code == 200
    assert client.get(f"/api/v1/public/articles/{ARTICLE_ID}").status_code == 200
    response = client.post("/api/v1/public/articles/reset-your-password/votes",
                           json={"helpful": False, "comment": "Outdated"}, environ_base={"REMOTE_ADDR": random_ip()})
    assert response.status_code == 201 and response.get_json() == {"helpful_yes": 1, "helpful_no": 0}
    assert [(method, args) for _, method, args in answered.calls] == [
        ("search_public_articles", ({"q": "reset", "page": 1, "limit": 20, "category_id": None, "language": None,
                                     "tag": None},)),
        ("read_public_article", ("reset-your-password",)),
        ("read_public_article", (ARTICLE_ID,)),
        ("vote_public_article", ("reset-your-password", {"helpful": False, "comment": "Outdated"})),
    ]


def test_a_public_article_not_found_is_a_404(client, fake_rpc):
    fake_rpc.answers[("support", "read_public_article")] = NotFound("No public article 'internal-one'.")
    assert_problem(client.get("/api/v1/public/articles/internal-one"), 404)


@pytest.mark.parametrize("method, path, body, status, field", [
    ("GET", "/api/v1/public/articles?status=draft", None, 422, "status"),
    ("GET", "/api/v1/public/articles?visibility=internal", None, 422, "visibility"),
    ("GET", "/api/v1/public/articles?limit=1000", None, 422, "limit"),
    ("GET", "/api/v1/public/articles?q=" + "x" * 201, None, 422, "q"),
    ("GET", "/api/v1/public/articles/not_a%20slug", None, 404, None),
    ("GET", "/api/v1/public/articles/" + "a" * 121, None, 404, None),
    ("POST", "/api/v1/public/articles/reset/votes", {}, 422, "helpful"),
    ("POST", "/api/v1/public/articles/reset/votes", {"helpful": "yes"}, 422, "helpful"),
    ("POST", "/api/v1/public/articles/reset/votes", {"helpful": True, "comment": "c" * 2001}, 422, "comment"),
    ("POST", "/api/v1/public/articles/reset/votes", {"helpful": True, "voter": "me"}, 422, "voter"),
    ("POST", "/api/v1/public/articles/bad%20slug/votes", {"helpful": True}, 404, None),
])
def test_bad_public_input_is_refused_before_the_service(client, fake_rpc, method, path, body, status, field):
    response = client.open(path, method=method, json=body, environ_base={"REMOTE_ADDR": random_ip()})
    assert_problem(response, status, *([field] if field else []))
    assert fake_rpc.calls == []


@pytest.fixture
def vote_limited_app(rate_limited_app):
    return rate_limited_app(ANSWERS, KB_VOTE_RATE_LIMIT=2)


def test_public_votes_are_rate_limited_per_client(vote_limited_app):
    client, ip = vote_limited_app.test_client(), random_ip()

    def vote(address):
        return client.post("/api/v1/public/articles/reset/votes", json={"helpful": True},
                           environ_base={"REMOTE_ADDR": address})

    assert [vote(ip).status_code for _ in range(2)] == [201, 201]
    response = vote(ip)
    assert_problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert vote(random_ip()).status_code == 201
    assert len(vote_limited_app.extensions["gateway"].rpc.calls) == 3


def test_public_routes_are_documented_without_security(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, method in [("/api/v1/public/articles", "get"), ("/api/v1/public/articles/{reference}", "get"),
                         ("/api/v1/public/articles/{reference}/votes", "post")]:
        operation = spec["paths"][path][method]
        assert operation.get("security") == [], (path, operation.get("security"))


# Bad input on the signed-in routes ----------------------------------------------------------

BODY_CASES = {
    ("POST", "/api/v1/articles"): [
        ({}, "title"),
        ({**ARTICLE_BODY, "title": "  "}, "title"),
        ({**ARTICLE_BODY, "title": "t" * 201}, "title"),
        ({"title": "T"}, "body"),
        ({**ARTICLE_BODY, "body": 5}, "body"),
        ({**ARTICLE_BODY, "body": "b" * 200_001}, "body"),
        ({**ARTICLE_BODY, "language": "english"}, "language"),
        ({**ARTICLE_BODY, "visibility": "world"}, "visibility"),
        ({**ARTICLE_BODY, "slug": "Has Spaces"}, "slug"),
        ({**ARTICLE_BODY, "slug": "s" * 121}, "slug"),
        ({**ARTICLE_BODY, "tags": "login"}, "tags"),
        ({**ARTICLE_BODY, "tags": ["a" * 51]}, "tags"),
        ({**ARTICLE_BODY, "category_id": "x"}, "category_id"),
        ({**ARTICLE_BODY, "status": "published"}, "status"),
        ({**ARTICLE_BODY, "author": "me"}, "author"),
    ],
    ("PATCH", ARTICLE): [
        ({}, "_schema"),
        ({"title": ""}, "title"),
        ({"status": "published"}, "status"),
        ({"visibility": "secret"}, "visibility"),
        ({"body": None}, "body"),
    ],
    ("POST", "/api/v1/articles/preview"): [
        ({}, "body"),
        ({"body": ["x"]}, "body"),
        ({"body": "x", "html": True}, "html"),
    ],
    ("POST", f"{ARTICLE}/votes"): [
        ({}, "helpful"),
        ({"helpful": 1}, "helpful"),
        ({"helpful": True, "comment": "c" * 2001}, "comment"),
    ],
    ("POST", f"{ARTICLE}/cases"): [
        ({}, "case_id"),
        ({"case_id": "CASE-000001"}, "case_id"),
        ({"case_id": CASE_ID, "note": "x"}, "note"),
    ],
    ("POST", "/api/v1/kb/categories"): [
        ({}, "name"),
        ({"name": " "}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"name": "Billing", "slug": "Bill ing"}, "slug"),
        ({"name": "Billing", "position": -1}, "position"),
        ({"name": "Billing", "parent": "x"}, "parent"),
    ],
    ("PATCH", CATEGORY): [
        ({}, "_schema"),
        ({"name": ""}, "name"),
        ({"position": 1.5}, "position"),
    ],
}
QUERY_CASES = [
    ("/api/v1/articles?status=gone", "status"),
    ("/api/v1/articles?visibility=world", "visibility"),
    ("/api/v1/articles?category_id=nope", "category_id"),
    ("/api/v1/articles?language=english", "language"),
    ("/api/v1/articles?sort=rank", "sort"),
    ("/api/v1/articles?page=0", "page"),
    ("/api/v1/articles?page=1001", "page"),
    ("/api/v1/articles?limit=101", "limit"),
    ("/api/v1/articles?q=" + "x" * 201, "q"),
    ("/api/v1/articles?colour=red", "colour"),
    (f"/api/v1/articles/{ARTICLE_ID}/versions/diff?from=1", "to"),
    (f"/api/v1/articles/{ARTICLE_ID}/versions/diff?to=2", "from"),
    (f"/api/v1/articles/{ARTICLE_ID}/versions/diff?from=0&to=2", "from"),
    (f"/api/v1/articles/{ARTICLE_ID}/versions/diff?from=1&to=latest", "to"),
    (f"/api/v1/cases/{CASE_ID}/suggested-articles?limit=21", "limit"),
    (f"/api/v1/cases/{CASE_ID}/suggested-articles?status=draft", "status"),
]
MALFORMED = [
    ("GET", "/api/v1/articles/reset-your-password", None), ("PATCH", "/api/v1/articles/1", {"title": "x"}),
    ("POST", "/api/v1/articles/nope/publish", None), ("GET", "/api/v1/articles/nope/versions", None),
    ("DELETE", f"{ARTICLE}/cases/CASE-1", None), ("GET", "/api/v1/cases/CASE-1/suggested-articles", None),
    ("PATCH", "/api/v1/kb/categories/billing", {"name": "x"}),
]
SERVICE_ERRORS = [("publish_article", error, status) for error, status in [
    (NotFound("No knowledge base article with id x."), 404),
    (IllegalTransition("Cannot publish article 'x': it is draft.", allowed=["update", "submit"]), 409),
    (PreconditionFailed("Changed.", current_version=4), 412),
]] + [("create_article", DuplicateFound("Another article has the slug 'x'.", errors={"slug": ["Taken."]},
                                        existing_id=ARTICLE_ID), 409)]

PATHS = {
    ("/api/v1/articles", "get"): ("ArticlePage", None, "200"),
    ("/api/v1/articles", "post"): ("Article", "ArticleCreate", "201"),
    ("/api/v1/articles/preview", "post"): ("PreviewResult", "Preview", "200"),
    ("/api/v1/articles/{article_id}", "get"): ("Article", None, "200"),
    ("/api/v1/articles/{article_id}", "patch"): ("Article", "ArticleUpdate", "200"),
    **{(f"/api/v1/articles/{{article_id}}/{action}", "post"): ("Article", None, "200")
       for action in ("submit", "withdraw", "publish", "archive", "restore")},
    ("/api/v1/articles/{article_id}/versions", "get"): ("ArticleVersionList", None, "200"),
    ("/api/v1/articles/{article_id}/versions/diff", "get"): ("VersionDiff", None, "200"),
    ("/api/v1/articles/{article_id}/votes", "post"): ("VoteResult", "Vote", "201"),
    ("/api/v1/articles/{article_id}/cases", "get"): ("LinkedCaseList", None, "200"),
    ("/api/v1/articles/{article_id}/cases", "post"): ("LinkedCaseList", "CaseLink", "200"),
    ("/api/v1/articles/{article_id}/cases/{case_id}", "delete"): ("LinkedCaseList", None, "200"),
    ("/api/v1/cases/{case_id}/articles", "get"): ("LinkedArticleList", None, "200"),
    ("/api/v1/cases/{case_id}/suggested-articles", "get"): ("SuggestedArticleList", None, "200"),
    ("/api/v1/kb/categories", "get"): ("CategoryList", None, "200"),
    ("/api/v1/kb/categories", "post"): ("Category", "CategoryCreate", "201"),
    ("/api/v1/kb/categories/{category_id}", "patch"): ("Category", "CategoryUpdate", "200"),
}


class TestKnowledgeBaseRoutes(AreaChecks, SchemaChecks, FormBodyCheck, IfMatchCheck):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries, malformed, service_errors = BODY_CASES, QUERY_CASES, MALFORMED, SERVICE_ERRORS
    form_route = "/api/v1/articles"
    if_match_route = ("POST", f"{ARTICLE}/publish", "support")
    ids = {ARTICLE_ID: "{article_id}", CASE_ID: "{case_id}", CATEGORY_ID: "{category_id}"}
    schemas = PATHS

    @staticmethod
    def covers(rule):
        return rule.endpoint.startswith("kb.") and "public" not in rule.endpoint
