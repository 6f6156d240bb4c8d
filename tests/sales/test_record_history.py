"""The history of accounts, contacts and opportunities: every change is
written with the change (one transaction), read newest first with a keyset
cursor; a refused change writes none; merges leave a trail on every record
they touch; the routes answer who may read it, and bad input is a 4xx."""

import uuid

import pytest

from services.sales.accounts.commands import ACCOUNT_FIELDS
from services.sales.accounts.commands import HISTORY as ACCOUNT_HISTORY
from services.sales.contacts.store import CONTACT_FIELDS
from services.sales.contacts.store import HISTORY as CONTACT_HISTORY
from services.sales.opportunities.commands import OPPORTUNITY_FIELDS
from services.sales.opportunities.store import HISTORY as OPPORTUNITY_HISTORY
from shared.kit.history import BOOKKEEPING
from shared.schemas.errors import DuplicateFound, NotFound, ValidationFailed
from tests.sales.conftest import account_data, contact_data, unique
from tests.sales.opportunity_helpers import new_account, opportunity_data
from tests.services import gateway_client


def entries(page):
    return [(item["action"], item["actor"], item["changes"]) for item in page["items"]]


def history_rows(db, table, key, record_id):
    return db.scalar(f"SELECT count(*) FROM {table} WHERE {key} = %s", (record_id,))


def test_each_history_shows_every_field_of_its_record_but_the_bookkeeping():
    for history, fields in ((ACCOUNT_HISTORY, ACCOUNT_FIELDS), (CONTACT_HISTORY, CONTACT_FIELDS),
                            (OPPORTUNITY_HISTORY, OPPORTUNITY_FIELDS)):
        assert set(history.fields) == set(fields) - set(BOOKKEEPING), history.table


# Accounts --------------------------------------------------------------------

def test_an_account_history_lists_its_changes_newest_first(sales):
    account = sales.create_account(account_data(owner="sam", attributes={"tier": "gold"}), "ann")
    sales.update_account(account["id"], {"industry": "Retail", "size": 40}, "bob")
    sales.update_account(account["id"], {"owner": "kim", "attributes": {"tier": "silver"}}, "cat")

    page = sales.account_history(account["id"])

    assert entries(page) == [
        ("updated", "cat", {"owner": ["sam", "kim"], "attributes": [{"tier": "gold"}, {"tier": "silver"}]}),
        ("updated", "bob", {"industry": ["Software", "Retail"], "size": [None, 40]}),
        ("created", "ann", {}),
    ]
    assert page["next_cursor"] is None
    times = [item["at"] for item in page["items"]]
    assert times == sorted(times, reverse=True)


def test_a_change_that_changes_nothing_or_is_refused_writes_no_history(sales, db):
    account = sales.create_account(account_data(owner="sam"), "ann")
    other = sales.create_account(account_data(), "ann")

    sales.update_account(account["id"], {"owner": "sam"}, "bob")
    with pytest.raises(DuplicateFound):
        sales.update_account(account["id"], {"domain": other["domain"], "owner": "kim"}, "bob")
    with pytest.raises(ValidationFailed):
        sales.update_account(account["id"], {"parent_id": account["id"], "owner": "kim"}, "bob")

    assert entries(sales.account_history(account["id"])) == [("created", "ann", {})]
    assert history_rows(db, "account_history", "account_id", account["id"]) == 1


def test_the_history_pages_with_a_cursor(sales):
    account = sales.create_account(account_data(), "ann")
    for size in range(1, 6):
        sales.update_account(account["id"], {"size": size}, "bob")

    first = sales.account_history(account["id"], {"limit": 2})
    second = sales.account_history(account["id"], {"limit": 2, "cursor": first["next_cursor"]})
    third = sales.account_history(account["id"], {"limit": 2, "cursor": second["next_cursor"]})

    sizes = [item["changes"].get("size") for page in (first, second, third) for item in page["items"]]
    assert sizes == [[4, 5], [3, 4], [2, 3], [1, 2], [None, 1], None]
    assert third["next_cursor"] is None


def test_an_account_from_before_histories_has_an_empty_one(sales, db):
    account_id = new_account(db)
    assert sales.account_history(account_id) == {"items": [], "next_cursor": None}


def test_bad_history_requests_are_refused(sales):
    account = sales.create_account(account_data(), "ann")
    with pytest.raises(NotFound):
        sales.account_history(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        sales.account_history("not-an-id")
    with pytest.raises(NotFound):
        sales.contact_history(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        sales.opportunity_history(str(uuid.uuid4()))
    for query, field in (({"cursor": "bm9wZQ=="}, "cursor"), ({"limit": 0}, "limit"), ({"limit": 501}, "limit"),
                         ({"sort": "at"}, "sort")):
        with pytest.raises(ValidationFailed) as refused:
            sales.account_history(account["id"], query)
        assert field in refused.value.errors, refused.value.errors


# Contacts --------------------------------------------------------------------

def test_a_contact_history(sales, db):
    account = sales.create_account(account_data(), "ann")
    contact = sales.create_contact(contact_data(title="CTO"), "ann")
    sales.update_contact(contact["id"], {"title": "CEO", "account_id": account["id"]}, "bob")
    sales.update_contact(contact["id"], {"title": "CEO"}, "bob")  # nothing changes
    with pytest.raises(ValidationFailed):
        sales.update_contact(contact["id"], {"title": "CFO", "account_id": str(uuid.uuid4())}, "bob")

    assert entries(sales.contact_history(contact["id"])) == [
        ("updated", "bob", {"title": ["CTO", "CEO"], "account_id": [None, account["id"]]}),
        ("created", "ann", {}),
    ]
    assert history_rows(db, "contact_history", "contact_id", contact["id"]) == 2


# Opportunities ---------------------------------------------------------------

def test_an_opportunity_history_shows_what_a_stage_move_implied(sales):
    account = sales.create_account(account_data(), "ann")
    opportunity = sales.create_opportunity(opportunity_data(account["id"], owner="sam"), "ann")
    sales.update_opportunity(opportunity["id"], {"amount": "1500.50", "next_step": "Call"}, "bob")
    sales.update_opportunity(opportunity["id"], {"stage": "negotiation"}, "cat")
    with pytest.raises(ValidationFailed):
        sales.update_opportunity(opportunity["id"], {"stage": "nowhere", "next_step": "Demo"}, "cat")

    assert entries(sales.opportunity_history(opportunity["id"])) == [
        ("stage_changed", "cat", {"stage": ["prospecting", "negotiation"], "probability": [10, 80]}),
        ("updated", "bob", {"amount": ["1000.00", "1500.50"], "next_step": [None, "Call"]}),
        ("created", "ann", {}),
    ]


def test_winning_an_opportunity_writes_the_account_change_too(sales):
    account = sales.create_account(account_data(), "ann")
    assert account["type"] == "prospect"
    opportunity = sales.create_opportunity(opportunity_data(account["id"]), "ann")

    won = sales.update_opportunity(opportunity["id"], {"stage": "closed_won"}, "bob")

    action, actor, changes = entries(sales.opportunity_history(opportunity["id"]))[0]
    assert (action, actor) == ("stage_changed", "bob")
    assert changes["stage"] == ["prospecting", "closed_won"]
    assert changes["category"] == ["open", "won"]
    assert changes["closed_on"] == [None, won["closed_on"]]
    assert entries(sales.account_history(account["id"]))[0] == ("updated", "bob", {"type": ["prospect", "customer"]})


# Merges ----------------------------------------------------------------------

def test_a_merge_leaves_a_trail_on_every_record_it_touches(sales):
    survivor = sales.create_account(account_data(industry=None, country="DE"), "ann")
    duplicate = sales.create_account(account_data(industry="Aerospace", country="DE"), "ann")
    child = sales.create_account(account_data(parent_id=duplicate["id"]), "ann")
    contact = sales.create_contact(contact_data(account_id=duplicate["id"]), "ann")
    opportunity = sales.create_opportunity(opportunity_data(duplicate["id"]), "ann")

    sales.merge_accounts(survivor["id"], duplicate["id"], "merger")

    survivor_id, duplicate_id = survivor["id"], duplicate["id"]
    action, actor, changes = entries(sales.account_history(survivor_id))[0]
    assert (action, actor, changes["merged_id"]) == ("merged", "merger", duplicate_id)
    assert changes["industry"] == [None, "Aerospace"]
    assert entries(sales.account_history(duplicate_id))[0] == (
        "merged_into", "merger", {"merged_into": [None, survivor_id]})
    assert entries(sales.account_history(child["id"]))[0] == (
        "account_merged", "merger", {"parent_id": [duplicate_id, survivor_id]})
    moved = ("account_merged", "merger", {"account_id": [duplicate_id, survivor_id]})
    assert entries(sales.contact_history(contact["id"]))[0] == moved
    assert entries(sales.opportunity_history(opportunity["id"]))[0] == moved


# Through the gateway ---------------------------------------------------------

@pytest.fixture(scope="module")
def api(component_config, service):
    with gateway_client(component_config) as client_and_headers:
        yield client_and_headers


def test_the_history_routes(api):
    client, headers = api
    rep = headers["sales"]
    account = client.post("/api/v1/accounts", json=account_data(), headers=rep).get_json()
    contact = client.post("/api/v1/contacts", json=contact_data(account_id=account["id"]), headers=rep).get_json()
    opportunity = client.post("/api/v1/opportunities", json=opportunity_data(account["id"]), headers=rep).get_json()
    client.patch(f"/api/v1/accounts/{account['id']}", json={"owner": "kim"}, headers=rep)
    actor = client.get("/api/v1/me", headers=rep).get_json()["username"]

    answer = client.get(f"/api/v1/accounts/{account['id']}/history?limit=1", headers=headers["support"])
    assert answer.status_code == 200, answer.get_json()
    page = answer.get_json()
    assert entries(page) == [("updated", actor, {"owner": [None, "kim"]})] and page["next_cursor"]
    rest = client.get(f"/api/v1/accounts/{account['id']}/history?cursor={page['next_cursor']}",
                      headers=headers["readonly"]).get_json()
    assert entries(rest) == [("created", actor, {})]
    assert entries(client.get(f"/api/v1/contacts/{contact['id']}/history", headers=headers["marketing"])
                   .get_json()) == [("created", actor, {})]
    assert entries(client.get(f"/api/v1/opportunities/{opportunity['id']}/history", headers=headers["readonly"])
                   .get_json()) == [("created", actor, {})]


def test_the_history_routes_refuse_what_they_cannot_answer(api):
    client, headers = api
    account = client.post("/api/v1/accounts", json=account_data(), headers=headers["sales"]).get_json()
    path = f"/api/v1/accounts/{account['id']}/history"

    assert client.get(path).status_code == 401
    opportunity_path = f"/api/v1/opportunities/{uuid.uuid4()}/history"
    assert client.get(opportunity_path, headers=headers["support"]).status_code == 403
    assert client.get(opportunity_path, headers=headers["readonly"]).status_code == 404
    assert client.get(f"/api/v1/contacts/{uuid.uuid4()}/history", headers=headers["readonly"]).status_code == 404
    for query, field in (("cursor=bm9wZQ==", "cursor"), ("limit=0", "limit"), ("limit=many", "limit"),
                         (f"colour={unique()}", "colour")):
        refused = client.get(f"{path}?{query}", headers=headers["readonly"])
        assert refused.status_code == 422, (query, refused.get_json())
        assert field in refused.get_json()["errors"], refused.get_json()
