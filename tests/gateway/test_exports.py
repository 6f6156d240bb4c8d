"""CSV exports of the lists: the list's own filters, every page of it
streamed with the list's cursor, formula-looking cells neutralised, the
refusals of the list; then the whole path through the real services."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from gateway import csv_export
from gateway.rpc import RpcUnavailable
from tests.gateway.conftest import assert_problem, bearer, unique
from tests.gateway.live_services import created

LEAD = {"id": "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11", "first_name": "Ada", "last_name": "=HYPERLINK(\"x\")",
        "email": "ada@example.com", "phone": "+442079460958", "phone_text": "+44 20 7946 0958", "company": "@Engines",
        "status": "new", "score": 40, "attributes": {"tier": "gold"}, "version": 3,
        "created_at": "2026-01-02T03:04:05+00:00", "unknown": "not a column"}
EXPORTS = [
    ("/api/v1/leads/export.csv", "leads", "leads:read", ("leads", "list_leads")),
    ("/api/v1/accounts/export.csv", "accounts", "accounts:read", ("sales", "list_accounts")),
    ("/api/v1/contacts/export.csv", "contacts", "accounts:read", ("sales", "list_contacts")),
    ("/api/v1/opportunities/export.csv", "opportunities", "sales:read", ("sales", "list_opportunities")),
    ("/api/v1/quotes/export.csv", "quotes", "orders:read", ("orders", "list_quotes")),
    ("/api/v1/orders/export.csv", "orders", "orders:read", ("orders", "list_orders")),
    ("/api/v1/invoices/export.csv", "invoices", "orders:read", ("orders", "list_invoices")),
]


def pages(*pages_of_items):
    """An answer of the list RPC: page n for the cursor "c<n>"."""
    def answer(query):
        index = 0 if query["cursor"] is None else int(query["cursor"][1:])
        more = index + 1 < len(pages_of_items)
        return {"items": pages_of_items[index], "next_cursor": f"c{index + 1}" if more else None}
    return answer


def table(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize(("path", "name", "permission", "rpc"), EXPORTS, ids=[route[1] for route in EXPORTS])
def test_every_page_of_the_list_is_a_csv_attachment(client, tokens, fake_rpc, path, name, permission, rpc):
    fake_rpc.answers[rpc] = pages([{"id": "a"}, {"id": "b"}], [], [{"id": "c"}])
    response = client.get(path, headers=bearer(tokens["admin"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        f"attachment; filename={name}-{datetime.now(UTC):%Y-%m-%d}.csv"
    rows = table(response)
    assert rows[0][0] == "id" and rows[0][-1] == "version"
    assert [row[0] for row in rows[1:]] == ["a", "b", "c"]
    assert [args[0]["cursor"] for _, _, args in fake_rpc.calls] == [None, "c1", "c2"]
    assert {args[0]["limit"] for _, _, args in fake_rpc.calls} == {csv_export.PAGE_SIZE}
    assert response.get_data(as_text=True).endswith("\r\n")


def test_the_list_filters_and_sort_are_the_exports(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "list_leads")] = pages([])
    response = client.get("/api/v1/leads/export.csv?status=new,working&owner=ann&q=ada&sort=-score&score_min=10",
                          headers=bearer(tokens["sales"]))
    assert response.status_code == 200
    assert table(response)[1:] == []
    (_, _, (query,)), = fake_rpc.calls
    assert (query["status"], query["owner"], query["q"], query["sort"], query["score_min"]) == \
        (["new", "working"], "ann", "ada", "-score", 10)
    fake_rpc.answers[("sales", "list_opportunities")] = pages([])
    client.get("/api/v1/opportunities/export.csv?category=open&close_from=2026-01-01", headers=bearer(tokens["sales"]))
    query = fake_rpc.calls[-1][2][0]
    assert (query["category"], query["close_from"]) == (["open"], "2026-01-01")


def test_a_documents_totals_are_columns_of_their_own(client, tokens, fake_rpc):
    invoice = {"id": "i1", "number": "INV-2026-000001", "currency": "KWD", "balance": "1.250",
               "totals": {"net_total": "1.050", "tax_total": "0.200", "gross_total": "1.250", "discount_total": "0.000",
                          "tax_lines": [{"rate": "19", "net": "1.050", "tax": "0.200"}]}}
    fake_rpc.answers[("orders", "list_invoices")] = pages([invoice])
    response = client.get("/api/v1/invoices/export.csv?status=issued&overdue=true", headers=bearer(tokens["finance"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    header, row = table(response)
    values = dict(zip(header, row, strict=True))
    assert (values["number"], values["totals.net_total"], values["totals.gross_total"], values["balance"]) == \
        ("INV-2026-000001", "1.050", "1.250", "1.250")
    assert values["totals.tax_lines"] == '[{"rate":"19","net":"1.050","tax":"0.200"}]'
    assert "totals" not in header
    (_, _, (query,)), = fake_rpc.calls
    assert (query["status"], query["overdue"]) == (["issued"], True)


def test_cells_are_text_a_spreadsheet_does_not_run(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "list_leads")] = pages([LEAD])
    header, row = table(client.get("/api/v1/leads/export.csv", headers=bearer(tokens["sales"])))
    cells = dict(zip(header, row, strict=True))
    assert "unknown" not in cells
    assert cells["last_name"] == "'=HYPERLINK(\"x\")"
    assert cells["company"] == "'@Engines"
    assert cells["phone"] == "'+442079460958" and cells["phone_text"] == "'+44 20 7946 0958"
    assert cells["attributes"] == '{"tier":"gold"}' and cells["score"] == "40" and cells["notes"] == ""
    assert header[0] == "id" and header[-3:] == ["created_at", "updated_at", "version"]


@pytest.mark.parametrize(("value", "cell"), [
    (None, ""), (True, "true"), (False, "false"), (12, "12"), ("-5", "'-5"), ("a=b", "a=b"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), (["a@b.io", "+1 555"], "a@b.io; +1 555"), ([{"city": "Köln"}], '[{"city":"Köln"}]'),
    ({}, "{}"), ("=1+1", "'=1+1"),
])
def test_a_value_becomes_a_cell(value, cell):
    assert csv_export.cell(value) == cell


def test_pages_are_asked_for_while_the_file_is_written(client, tokens, fake_rpc):
    """The file is streamed: the next page is fetched only when the one before
    is written, so one page at a time is in memory, whatever the list's length."""
    fake_rpc.answers[("sales", "list_accounts")] = pages([{"id": "a"}], [{"id": "b"}], [{"id": "c"}])
    response = client.get("/api/v1/accounts/export.csv", headers=bearer(tokens["sales"]), buffered=False)
    assert response.is_streamed
    chunks = iter(response.response)
    assert next(chunks).startswith(b"id,") and len(fake_rpc.calls) == 1
    assert next(chunks).startswith(b"a,") and len(fake_rpc.calls) == 1
    assert next(chunks).startswith(b"b,") and len(fake_rpc.calls) == 2
    assert next(chunks).startswith(b"c,") and len(fake_rpc.calls) == 3
    assert list(chunks) == []
    response.close()


@pytest.mark.parametrize(("query", "field"), [
    ("?limit=10", "limit"), ("?cursor=abc", "cursor"), ("?status=lost", "status"), ("?score_min=x", "score_min"),
    ("?owner=a&owner=b", "owner"), ("?sort=rank", "sort"), ("?created_from=yesterday", "created_from"),
])
def test_the_lists_refusals_come_before_anything_is_written(client, tokens, fake_rpc, query, field):
    assert_problem(client.get(f"/api/v1/leads/export.csv{query}", headers=bearer(tokens["sales"])), 422, field)
    assert fake_rpc.calls == []


def test_who_may_not_read_the_list_may_not_export_it(client, tokens, fake_rpc):
    body = assert_problem(client.get("/api/v1/opportunities/export.csv", headers=bearer(tokens["marketing"])), 403)
    assert body["required_permission"] == "sales:read"
    assert_problem(client.get("/api/v1/leads/export.csv"), 401)
    assert fake_rpc.calls == []


def test_a_service_that_does_not_answer_is_a_503_not_a_cut_file(client, tokens, fake_rpc):
    fake_rpc.answers[("sales", "list_contacts")] = RpcUnavailable("The service did not answer in time.")
    assert_problem(client.get("/api/v1/contacts/export.csv", headers=bearer(tokens["sales"])), 503)


def test_the_export_is_documented_as_csv(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/leads/export.csv"]["get"]
    assert list(operation["responses"]["200"]["content"]) == ["text/csv"]
    assert "Content-Disposition" in operation["responses"]["200"]["headers"]
    names = {parameter["name"] for parameter in operation["parameters"] if parameter.get("in") == "query"}
    assert {"status", "owner", "q", "sort"} <= names and not names & {"cursor", "limit"}


# -- through the real services ---------------------------------------------------------------------------------

def test_an_export_holds_exactly_the_lists_records(live_api, tokens, monkeypatch):
    monkeypatch.setattr(csv_export, "PAGE_SIZE", 2)  # several pages of the service's own cursor
    rep = bearer(tokens["sales"])
    tag = unique("exp")
    leads = [created(live_api.post("/api/v1/leads", json={"last_name": name, "company": f"Export {tag}",
                                                          "email": f"{index}.{tag}@example.org"}, headers=rep))
             for index, name in enumerate(["=SUM(A1:A9)", "Lovelace", "Hopper", "Turing", "Liskov"])]
    created(live_api.post("/api/v1/leads", json={"last_name": "Other", "company": f"Elsewhere {tag}"}, headers=rep))
    response = live_api.get(f"/api/v1/leads/export.csv?q=export%20{tag}", headers=rep)
    assert response.status_code == 200
    header, *rows = table(response)
    by_id = {row[header.index("id")]: dict(zip(header, row, strict=True)) for row in rows}
    assert list(by_id) == [lead["id"] for lead in reversed(leads)]  # the list's order: newest first
    assert by_id[leads[0]["id"]]["last_name"] == "'=SUM(A1:A9)"
    assert by_id[leads[1]["id"]]["email"] == f"1.{tag}@example.org"
    listed = live_api.get(f"/api/v1/leads?q=export%20{tag}&limit=50", headers=rep).get_json()["items"]
    assert [lead["id"] for lead in listed] == list(by_id)
    assert re.fullmatch(r"attachment; filename=leads-\d{4}-\d{2}-\d{2}\.csv", response.headers["Content-Disposition"])
