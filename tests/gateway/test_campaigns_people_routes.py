"""The campaign people routes of the gateway: who may use each, what each
sends to the service, bad input answered before the service is asked, the
service's errors kept, and their OpenAPI documentation."""

from shared.schemas.errors import NotFound, ValidationFailed
from tests.gateway.conftest import assert_problem, bearer
from tests.gateway.route_tables import ROLES, AreaChecks, SchemaChecks

PERSON_ID = "7a7a7a7a-1111-4c1e-9a55-2f9f5f0d1a01"
SOURCE_ID = "7b7b7b7b-2222-4c1e-9a55-2f9f5f0d1a02"
ACCOUNT_ID = "7c7c7c7c-3333-4c1e-9a55-2f9f5f0d1a03"
PEOPLE = "/api/v1/campaigns/people"
PERSON = f"{PEOPLE}/{PERSON_ID}"
BY_SOURCE = f"{PEOPLE}/by-source/contact/{SOURCE_ID}"
FIELDS = f"{PEOPLE}/fields"

ALLOWED = {"campaigns:read": set(ROLES), "campaigns:write": {"admin", "marketing"}}
PERSON_ENTITY = {"id": PERSON_ID, "kind": "contact", "source_id": SOURCE_ID, "first_name": "Ada",
                 "last_name": "Lovelace", "email": "Ada@Example.org", "phone": None, "company": "Initech",
                 "title": "CTO", "account_id": ACCOUNT_ID, "country": "GB", "lead_score": None, "lead_status": None,
                 "lead_source": None, "do_not_email": False, "active": True, "merged_into": None,
                 "source_version": 3, "created_at": "2026-12-02T09:00:00+00:00",
                 "updated_at": "2026-12-02T09:00:00+00:00"}
ACCOUNT = {"id": ACCOUNT_ID, "name": "Initech", "type": "customer", "industry": None, "country": "GB",
           "owner": None, "merged_into": None, "open_opportunities": 2, "open_pipeline": "1500.00",
           "last_order_at": None, "lifetime_revenue": "99.90", "open_cases": 1, "last_csat": 4}
DETAIL = {**PERSON_ENTITY, "account": ACCOUNT}
FIELD = {"name": "kind", "type": "choice", "label": "Contact or lead", "operators": ["eq", "ne"],
         "values": ["contact", "lead"]}

ROUTES = [
    ("GET", PEOPLE, "campaigns:read", None, ("campaigns", "list_people")),
    ("GET", FIELDS, "campaigns:read", None, ("campaigns", "people_fields")),
    ("GET", PERSON, "campaigns:read", None, ("campaigns", "get_person")),
    ("GET", BY_SOURCE, "campaigns:read", None, ("campaigns", "person_by_source")),
]
ANSWERS = {
    ("campaigns", "list_people"): {"items": [PERSON_ENTITY], "next_cursor": None},
    ("campaigns", "people_fields"): {"items": [FIELD]},
    ("campaigns", "get_person"): DETAIL,
    ("campaigns", "person_by_source"): DETAIL,
}
BAD_QUERIES = [
    (f"{PEOPLE}?kind=customer", "kind"),
    (f"{PEOPLE}?account_id=nine", "account_id"),
    (f"{PEOPLE}?country=Narnia", "country"),
    (f"{PEOPLE}?lead_status=hot", "lead_status"),
    (f"{PEOPLE}?limit=0", "limit"),
    (f"{PEOPLE}?limit=ten", "limit"),
    (f"{PEOPLE}?q={'x' * 201}", "q"),
    (f"{PEOPLE}?sort=name", "sort"),
    (f"{PEOPLE}?cursor=%3Cnot%3E", "cursor"),
    (f"{PEOPLE}?include_inactive=perhaps", "include_inactive"),
    (f"{PEOPLE}?colour=red", "colour"),
]
MALFORMED = [("GET", f"{PEOPLE}/first", None), ("GET", f"{PEOPLE}/by-source/customer/{SOURCE_ID}", None),
             ("GET", f"{PEOPLE}/by-source/lead/first", None), ("GET", f"{PEOPLE}/by-source/contact", None)]
SERVICE_ERRORS = [
    ("get_person", NotFound(f"No person with id {PERSON_ID}."), 404),
    ("person_by_source", NotFound(f"Campaigns knows no contact with id {SOURCE_ID} (yet)."), 404),
    ("list_people", ValidationFailed("The cursor is not one this API returned.", {"cursor": ["Invalid cursor."]}),
     422),
]
PATHS = {
    ("/api/v1/campaigns/people", "get"): ("PeoplePage", None, "200"),
    ("/api/v1/campaigns/people/fields", "get"): ("PeopleFields", None, "200"),
    ("/api/v1/campaigns/people/{person_id}", "get"): ("PersonDetail", None, "200"),
    ("/api/v1/campaigns/people/by-source/{kind}/{source_id}", "get"): ("PersonDetail", None, "200"),
}


class TestCampaignPeopleRoutes(AreaChecks, SchemaChecks):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_queries = BAD_QUERIES
    malformed, service_errors = MALFORMED, SERVICE_ERRORS
    ids = {PERSON_ID: "{person_id}", SOURCE_ID: "{source_id}", "by-source/contact/": "by-source/{kind}/"}
    schemas = PATHS

    @staticmethod
    def covers(rule):
        return rule.endpoint.split(".")[0] == "campaign_people"


def test_the_list_sends_its_filters(client, tokens, fake_rpc):
    fake_rpc.answers.update(ANSWERS)
    response = client.get(f"{PEOPLE}?kind=lead&q=ada&country=gb&lead_status=working&account_id={ACCOUNT_ID}"
                          "&limit=10&include_inactive=true", headers=bearer(tokens["readonly"]))
    assert response.status_code == 200
    assert response.get_json()["items"][0]["email"] == "Ada@Example.org"
    [(_, method, (query,))] = fake_rpc.calls
    assert method == "list_people"
    assert query == {"kind": "lead", "q": "ada", "country": "GB", "lead_status": "working",
                     "account_id": ACCOUNT_ID, "limit": 10, "include_inactive": True, "sort": "-created_at",
                     "cursor": None}


def test_a_person_is_found_by_its_source_record(client, tokens, fake_rpc):
    fake_rpc.answers.update(ANSWERS)
    response = client.get(f"{PEOPLE}/by-source/lead/{SOURCE_ID}", headers=bearer(tokens["support"]))
    assert response.status_code == 200 and response.get_json()["account"]["open_pipeline"] == "1500.00"
    [(_, method, args)] = fake_rpc.calls
    assert (method, args) == ("person_by_source", ("lead", SOURCE_ID))


def test_the_fields_route_is_not_taken_for_a_person_id(client, tokens, fake_rpc):
    fake_rpc.answers.update(ANSWERS)
    response = client.get(FIELDS, headers=bearer(tokens["sales"]))
    assert response.status_code == 200 and response.get_json()["items"] == [FIELD]
    assert [call[1] for call in fake_rpc.calls] == ["people_fields"]
    assert_problem(client.get(f"{PEOPLE}/fieldz", headers=bearer(tokens["sales"])), 404)
