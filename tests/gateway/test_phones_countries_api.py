"""Phones that read as no number and countries that are no ISO 3166-1 code
are refused by the gateway (422 naming the field, saying how to fix it)
before any service is asked."""

import uuid

import pytest

from shared.schemas.phones import phone_help
from tests.gateway.conftest import assert_problem, bearer

ID = str(uuid.uuid4())
WEB_FORM = {"last_name": "Lovelace", "email": "ada@example.com"}


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("POST", "/api/v1/leads", {"last_name": "L", "phone": "call me maybe", "country": "GB"}, "phone"),
    ("POST", "/api/v1/leads", {"last_name": "L", "phone": "020 7946 0958"}, "phone"),
    ("POST", "/api/v1/leads", {"last_name": "L", "country": "XX"}, "country"),
    ("PATCH", f"/api/v1/leads/{ID}", {"phone": "+44 1"}, "phone"),
    ("PATCH", f"/api/v1/leads/{ID}", {"phone": "020 7946 0958", "country": "US"}, "phone"),
    ("PATCH", f"/api/v1/leads/{ID}", {"country": "xx"}, "country"),
    ("POST", "/api/v1/accounts", {"name": "Acme", "country": "XX"}, "country"),
    ("PATCH", f"/api/v1/accounts/{ID}", {"addresses": [{"city": "Oslo", "country": "XX"}]}, "addresses"),
    ("PUT", "/api/v1/leads/assignment-rules", {"rules": [{"id": "t", "name": "T", "kind": "territory",
                                                          "countries": ["XX"], "owners": ["ann"]}]}, "rules"),
], ids=lambda value: value.replace(ID, "{id}") if isinstance(value, str) else None)  # the same ids in every process
def test_bad_phones_and_countries_never_reach_a_service(client, fake_rpc, tokens, method, path, body, field):
    problem = assert_problem(client.open(path, method=method, json=body, headers=bearer(tokens["admin"])), 422, field)
    if field == "phone":
        assert problem["errors"]["phone"] == [phone_help(body["phone"], body.get("country"))]
    if field == "country":
        assert "ISO 3166-1 two-letter country code" in problem["errors"]["country"][0]
    assert fake_rpc.calls == []


@pytest.mark.parametrize(("form", "field"), [
    ({**WEB_FORM, "phone": "020 7946 0958"}, "phone"),
    ({**WEB_FORM, "phone": "call me maybe", "country": "gb"}, "phone"),
    ({**WEB_FORM, "country": "XX"}, "country"),
])
def test_the_web_form_refuses_them_too(client, fake_rpc, form, field):
    assert_problem(client.post("/api/v1/public/web-form", data=form), 422, field)
    assert fake_rpc.calls == []


def test_a_national_number_with_its_country_reaches_the_service_as_given(client, fake_rpc):
    assert client.post("/api/v1/public/web-form", data={**WEB_FORM, "phone": "020 7946 0958",
                                                        "country": "gb"}).status_code == 202
    (call,) = fake_rpc.calls
    assert (call[2][0]["phone"], call[2][0]["country"]) == ("020 7946 0958", "GB")  # the service reads and keeps it
