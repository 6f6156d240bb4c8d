"""The quote routes of the gateway: who may use each (401 without a token,
403 for a role without the permission, nothing sent to a service), what
each sends to the service, the documents' bodies and headers, bad input
answered 4xx before a service is asked, and their OpenAPI documentation."""

import base64

from openapi_spec_validator import validate

from shared.schemas.errors import Conflict, IllegalTransition, NotFound, PreconditionFailed, ValidationFailed
from tests.gateway.conftest import bearer
from tests.gateway.route_tables import (
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
from tests.gateway.test_openapi import document

QUOTE_ID = "0f0f0f0f-6666-4c1e-9a55-2f9f5f0d1a77"
REVISION_ID = "0f0f0f0f-7777-4c1e-9a55-2f9f5f0d1a78"
ACCOUNT_ID = "5a0c2f7e-3b1d-4c2a-9e8f-1d2c3b4a5e61"
PRODUCT_ID = "4d4d4d4d-aaaa-4c1e-9a55-2f9f5f0d1abb"

# The brief's permission table, written out (not read from gateway.auth).
ALLOWED = {
    "orders:read": set(ROLES),
    "orders:write": {"admin", "sales"},
}

QUOTE_BODY = {"account_id": ACCOUNT_ID, "currency": "eur", "lines": [{"product_id": PRODUCT_ID, "quantity": "2"}]}
QUOTE = f"/api/v1/quotes/{QUOTE_ID}"
PDF_BYTES = b"%PDF-1.3 a quote"

# method, path, permission, a valid body, the RPC (service, method) it makes
ROUTES = [
    ("GET", "/api/v1/quotes", "orders:read", None, ("orders", "list_quotes")),
    ("GET", "/api/v1/quotes/counts", "orders:read", None, ("orders", "count_quotes")),
    ("POST", "/api/v1/quotes", "orders:write", QUOTE_BODY, ("orders", "create_quote")),
    ("GET", QUOTE, "orders:read", None, ("orders", "get_quote")),
    ("PATCH", QUOTE, "orders:write", {"title": "Engines"}, ("orders", "update_quote")),
    ("POST", f"{QUOTE}/send", "orders:write", None, ("orders", "send_quote")),
    ("POST", f"{QUOTE}/accept", "orders:write", None, ("orders", "accept_quote")),
    ("POST", f"{QUOTE}/reject", "orders:write", {"reason": "Too expensive"}, ("orders", "reject_quote")),
    ("POST", f"{QUOTE}/revise", "orders:write", None, ("orders", "revise_quote")),
    ("GET", f"{QUOTE}/revisions", "orders:read", None, ("orders", "quote_revisions")),
    ("GET", f"{QUOTE}/document.html", "orders:read", None, ("orders", "quote_document")),
    ("GET", f"{QUOTE}/document.pdf", "orders:read", None, ("orders", "quote_document")),
]


def document_answer(quote_id, format):
    if format == "pdf":
        return {"content_type": "application/pdf", "filename": "Q-000001-r1.pdf",
                "body": base64.b64encode(PDF_BYTES).decode()}
    return {"content_type": "text/html; charset=utf-8", "filename": "Q-000001-r1.html",
            "body": "<!DOCTYPE html><title>Quote Q-000001</title>"}


ANSWERS = {
    ("orders", "list_quotes"): {"items": [], "next_cursor": None},
    ("orders", "count_quotes"): {"by_status": {"draft": 2, "sent": 1, "accepted": 0, "rejected": 0, "expired": 0},
                                 "total": 3},
    ("orders", "create_quote"): entity(QUOTE_ID),
    ("orders", "get_quote"): entity(QUOTE_ID, 2),
    ("orders", "update_quote"): entity(QUOTE_ID, 3),
    ("orders", "send_quote"): entity(QUOTE_ID, 4, status="sent"),
    ("orders", "accept_quote"): entity(QUOTE_ID, 5, status="accepted"),
    ("orders", "reject_quote"): entity(QUOTE_ID, 5, status="rejected"),
    ("orders", "revise_quote"): entity(REVISION_ID, 1, revision=2),
    ("orders", "quote_revisions"): {"items": []},
    ("orders", "quote_document"): document_answer,
}


answered = answering(ANSWERS)


# What is sent and answered ----------------------------------------------------------

def test_create_sends_the_loaded_body_and_answers_201(client, tokens, answered):
    body = {**QUOTE_BODY, "tax_country": "mt", "valid_until": "2027-01-31", "title": "  Engines  ",
            "lines": [{"product_id": PRODUCT_ID, "quantity": 2.5}, {"name": "Setup", "unit_price": "99.5",
                                                                     "quantity": "1", "discount_percent": "10"}]}
    response = send(client, "POST", "/api/v1/quotes", body, bearer(tokens["sales"]))
    assert response.status_code == 201
    assert response.headers["Location"].endswith(QUOTE) and response.headers["ETag"] == '"1"'
    [(_, _, (data, actor))] = answered.calls
    assert data == {"account_id": ACCOUNT_ID, "currency": "EUR", "tax_country": "MT", "valid_until": "2027-01-31",
                    "title": "Engines", "lines": [
                        {"product_id": PRODUCT_ID, "quantity": "2.5"},
                        {"name": "Setup", "unit_price": "99.5", "quantity": "1", "discount_percent": "10"}]}
    assert actor.startswith("sales")


def test_moves_send_their_arguments(client, tokens, answered):
    headers = bearer(tokens["admin"])
    assert send(client, "PATCH", QUOTE, {"notes": "x"}, {**headers, "If-Match": '"2"'}).headers["ETag"] == '"3"'
    assert send(client, "POST", f"{QUOTE}/send", None, {**headers, "If-Match": '"3"'}).headers["ETag"] == '"4"'
    send(client, "POST", f"{QUOTE}/accept", None, headers)
    send(client, "POST", f"{QUOTE}/reject", {"reason": " No budget "}, {**headers, "If-Match": '"4"'})
    send(client, "POST", f"{QUOTE}/reject", None, headers)
    revised = send(client, "POST", f"{QUOTE}/revise", None, headers)
    actor = answered.calls[0][2][2]
    assert [args for _, _, args in answered.calls] == [
        (QUOTE_ID, {"notes": "x"}, actor, 2),
        (QUOTE_ID, actor, 3),
        (QUOTE_ID, actor, None),
        (QUOTE_ID, "No budget", actor, 4),
        (QUOTE_ID, None, actor, None),
        (QUOTE_ID, actor),
    ]
    assert revised.status_code == 201
    assert revised.headers["Location"].endswith(f"/api/v1/quotes/{REVISION_ID}")


def test_counts_send_the_lists_filters(client, tokens, answered):
    response = client.get(f"/api/v1/quotes/counts?account_id={ACCOUNT_ID}&q=0001&include_superseded=true",
                          headers=bearer(tokens["readonly"]))
    assert response.status_code == 200
    assert response.get_json() == ANSWERS[("orders", "count_quotes")]
    [(_, method, (query,))] = answered.calls
    assert method == "count_quotes"
    assert query == {"account_id": ACCOUNT_ID, "q": "0001", "include_superseded": True, "opportunity_id": None}


def test_the_documents(client, tokens, answered):
    html = client.get(f"{QUOTE}/document.html", headers=bearer(tokens["readonly"]))
    assert html.status_code == 200
    assert html.mimetype == "text/html" and html.get_data(as_text=True).startswith("<!DOCTYPE html>")
    assert html.headers["Content-Disposition"] == "inline; filename=Q-000001-r1.html"
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]
    pdf = client.get(f"{QUOTE}/document.pdf", headers=bearer(tokens["finance"]))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data() == PDF_BYTES
    assert pdf.headers["Content-Disposition"] == "inline; filename=Q-000001-r1.pdf"
    assert [args for _, _, args in answered.calls] == [(QUOTE_ID, "html"), (QUOTE_ID, "pdf")]


# Bad input --------------------------------------------------------------------------

BODY_CASES = {
    ("POST", "/api/v1/quotes"): [
        ({}, "account_id"),
        (without(QUOTE_BODY, "lines"), "lines"),
        (without(QUOTE_BODY, "currency"), "currency"),
        ({**QUOTE_BODY, "lines": []}, "lines"),
        ({**QUOTE_BODY, "lines": [{"quantity": "1.00001"}]}, "lines"),
        ({**QUOTE_BODY, "lines": [{"product_id": PRODUCT_ID, "quantity": "1", "colour": "red"}]}, "lines"),
        ({**QUOTE_BODY, "lines": [{"product_id": PRODUCT_ID, "quantity": "1", "unit_price": "-1"}]}, "lines"),
        ({**QUOTE_BODY, "lines": [{"product_id": PRODUCT_ID, "quantity": "1", "discount_percent": "101"}]},
         "lines"),
        ({**QUOTE_BODY, "account_id": "not-a-uuid"}, "account_id"),
        ({**QUOTE_BODY, "account_id": None}, "account_id"),
        ({**QUOTE_BODY, "currency": "euro"}, "currency"),
        ({**QUOTE_BODY, "tax_country": "Malta"}, "tax_country"),
        ({**QUOTE_BODY, "valid_until": "next week"}, "valid_until"),
        ({**QUOTE_BODY, "opportunity_id": 12}, "opportunity_id"),
        ({**QUOTE_BODY, "title": "t" * 201}, "title"),
        ({**QUOTE_BODY, "terms": "t" * 5001}, "terms"),
        ({**QUOTE_BODY, "status": "sent"}, "status"),
    ],
    ("PATCH", QUOTE): [
        ({}, "_schema"),
        ({"lines": []}, "lines"),
        ({"currency": None}, "currency"),
        ({"account_id": None}, "account_id"),
        ({"status": "accepted"}, "status"),
        ({"valid_until": "2027-02-30"}, "valid_until"),
    ],
    ("POST", f"{QUOTE}/reject"): [
        ({"reason": "r" * 1001}, "reason"),
        ({"reason": 5}, "reason"),
        ({"reason": "x", "notify": True}, "notify"),
    ],
}
QUERY_CASES = [
    ("/api/v1/quotes?status=open", "status"),
    ("/api/v1/quotes?sort=amount", "sort"),
    ("/api/v1/quotes?account_id=nope", "account_id"),
    ("/api/v1/quotes?opportunity_id=nope", "opportunity_id"),
    ("/api/v1/quotes?limit=0", "limit"),
    ("/api/v1/quotes?cursor=%25%25", "cursor"),
    ("/api/v1/quotes?include_superseded=maybe", "include_superseded"),
    ("/api/v1/quotes?colour=red", "colour"),
    ("/api/v1/quotes/counts?status=draft", "status"),
    ("/api/v1/quotes/counts?sort=number", "sort"),
    ("/api/v1/quotes/counts?limit=10", "limit"),
    ("/api/v1/quotes/counts?cursor=abc", "cursor"),
    ("/api/v1/quotes/counts?account_id=nope", "account_id"),
    ("/api/v1/quotes/counts?include_superseded=maybe", "include_superseded"),
]
MALFORMED = [
    ("GET", "/api/v1/quotes/Q-000001", None), ("PATCH", "/api/v1/quotes/nope", {"title": "x"}),
    ("POST", "/api/v1/quotes/1/send", None), ("POST", "/api/v1/quotes/Q-1/accept", None),
    ("GET", "/api/v1/quotes/Q-1/document.pdf", None), ("GET", f"{QUOTE}/document.docx", None),
]
SERVICE_ERRORS = [("accept_quote", error, status) for error, status in [
    (NotFound("No quote with id x."), 404),
    (IllegalTransition("Quote Q-000001 revision 1 is draft.", allowed=["sent", "rejected"]), 409),
    (Conflict("Another alternative was accepted already.", existing_id=QUOTE_ID), 409),
    (PreconditionFailed("Changed.", current_version=4), 412),
    (ValidationFailed("Past.", {"valid_until": ["In the past."]}), 422),
]]


# The document -----------------------------------------------------------------------

SCHEMAS = {
    ("/api/v1/quotes", "get"): ("QuotePage", None, "200"),
    ("/api/v1/quotes/counts", "get"): ("QuoteCounts", None, "200"),
    ("/api/v1/quotes", "post"): ("Quote", "QuoteCreate", "201"),
    ("/api/v1/quotes/{quote_id}", "get"): ("Quote", None, "200"),
    ("/api/v1/quotes/{quote_id}", "patch"): ("Quote", "QuoteUpdate", "200"),
    ("/api/v1/quotes/{quote_id}/send", "post"): ("Quote", None, "200"),
    ("/api/v1/quotes/{quote_id}/accept", "post"): ("Quote", None, "200"),
    ("/api/v1/quotes/{quote_id}/reject", "post"): ("Quote", "QuoteReject", "200"),
    ("/api/v1/quotes/{quote_id}/revise", "post"): ("Quote", None, "201"),
    ("/api/v1/quotes/{quote_id}/revisions", "get"): ("QuoteRevisions", None, "200"),
}


def test_the_documents_are_documented_and_the_document_is_valid(client):
    spec = document(client)
    validate(spec)
    html = spec["paths"]["/api/v1/quotes/{quote_id}/document.html"]["get"]["responses"]["200"]
    assert "text/html" in html["content"]
    pdf = spec["paths"]["/api/v1/quotes/{quote_id}/document.pdf"]["get"]["responses"]["200"]
    assert pdf["content"]["application/pdf"]["schema"]["format"] == "binary"


class TestQuoteRoutes(AreaChecks, SchemaChecks, FormBodyCheck, IfMatchCheck):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries, malformed, service_errors = BODY_CASES, QUERY_CASES, MALFORMED, SERVICE_ERRORS
    form_route = "/api/v1/quotes"
    if_match_route = ("POST", f"{QUOTE}/send", "sales")
    ids = {QUOTE_ID: "{quote_id}"}
    schemas = SCHEMAS
    not_json = {("/api/v1/quotes/{quote_id}/document.html", "get"), ("/api/v1/quotes/{quote_id}/document.pdf", "get")}

    @staticmethod
    def covers(rule):
        return rule.endpoint.split(".")[0] == "quotes"
