"""The people projection catches up with sales (accounts, merged ones too, and
contacts) and leads (leads, merged ones too) on the first start, page by
page; then follows their events.  Two replicas write each page once, and a
restart resumes where the catch-up stopped.

The real sales and leads services run on scratch databases of their own and
the session's vhost."""

import pytest

from services.campaigns.service import CampaignsService
from shared.kit.config import load_component_config
from shared.kit.migrate import migrate_component
from shared.kit.testing import RpcCluster, start_container
from tests.campaigns.conftest import unique, wait_for
from tests.leads import sales_neighbour
from tests.services import ServiceDb, scratch_database

sales_env, sales_config, sales_db = sales_neighbour.sales_env, sales_neighbour.sales_config, sales_neighbour.sales_db


def _service(name):
    # the tests start sales and leads; campaigns' code never imports them
    if name == "sales":
        from services.sales.service import SalesService
        return SalesService
    from services.leads.service import LeadsService
    return LeadsService


@pytest.fixture(scope="module")
def sales(sales_config, sales_db):
    container = start_container(_service("sales"), dict(sales_config))
    try:
        with RpcCluster(sales_config, timeout=30) as cluster:
            yield cluster.sales
    finally:
        container.kill()
        sales_db.wait_relay_free()


@pytest.fixture(scope="module")
def leads(test_env, database_url):
    with scratch_database(database_url, "leads") as url:
        config = load_component_config("leads", {**test_env, "DATABASE_URL": url, "OUTBOX_POLL_SECONDS": "0.2"})
        migrate_component("leads", config)
        leads_db = ServiceDb(url, "leads")
        container = start_container(_service("leads"), dict(config))
        try:
            with RpcCluster(config, timeout=30) as cluster:
                yield cluster.leads
        finally:
            container.kill()
            leads_db.wait_relay_free()
            leads_db.close()


@pytest.fixture
def campaigns_container(campaigns_config, db):
    started = []

    def start(**settings):
        container = start_container(CampaignsService, {**campaigns_config, **settings})
        started.append(container)
        return container

    yield start
    for container in started:
        container.kill()
    db.wait_relay_free()


def first_start(db):
    db.conn.execute("UPDATE people_sync SET cursor = NULL, pages = 0, items = 0, started_at = NULL, done_at = NULL")


def done(db):
    return db.scalar("SELECT count(*) FROM people_sync WHERE done_at IS NULL") == 0


def states(db):
    return {row["kind"]: row for row in db.all("SELECT * FROM people_sync")}


def person(db, kind, source_id):
    return db.one("SELECT * FROM people WHERE kind = %s AND source_id = %s", (kind, source_id))


def new_account(sales, **fields):
    tag = unique()
    return sales.create_account({"name": f"Umbrella {tag}", "domain": f"{tag}.example.net", "country": "GB",
                                 **fields}, "tests")


def test_two_replicas_copy_everything_once_then_follow_events(sales, leads, db, campaigns_container):
    survivor, duplicate = new_account(sales, type="customer"), new_account(sales, industry="Retail")
    sales.merge_accounts(survivor["id"], duplicate["id"], "tests")
    extra = new_account(sales, type="partner")
    contacts = [sales.create_contact({"first_name": "Ada", "emails": [f"Ada.{unique()}@Example.org"],
                                      "account_id": survivor["id"], "do_not_email": True}, "tests")]
    contacts += [sales.create_contact({"first_name": "Bea", "last_name": unique(), "account_id": extra["id"]},
                                      "tests") for _ in range(2)]
    kept = leads.create_lead({"last_name": f"Hopper{unique()}", "email": f"g.{unique()}@example.com",
                              "company": "Navy", "country": "US"}, "tests")
    merged = leads.create_lead({"last_name": f"Hopper{unique()}", "company": "Navy"}, "tests")
    leads.merge_leads(kept["id"], merged["id"], "tests")
    first_start(db)

    campaigns_container(PEOPLE_SYNC_PAGE=2)
    campaigns_container(PEOPLE_SYNC_PAGE=2)  # a second replica at the same time
    wait_for(lambda: done(db), timeout=60, message="the catch-up did not finish")
    # each record read and written once, whichever replica read it
    counts = {kind: row["items"] for kind, row in states(db).items()}
    assert counts == {"accounts": 3, "contacts": 3, "leads": 2}
    assert {kind: row["pages"] for kind, row in states(db).items()} == {"accounts": 2, "contacts": 2, "leads": 1}

    assert str(db.scalar("SELECT merged_into FROM accounts WHERE id = %s", (duplicate["id"],))) == survivor["id"]
    assert db.scalar("SELECT type FROM accounts WHERE id = %s", (extra["id"],)) == "partner"
    ada = person(db, "contact", contacts[0]["id"])
    assert (str(ada["account_id"]), ada["email_norm"], ada["do_not_email"]) == \
        (survivor["id"], contacts[0]["emails"][0].lower(), True)
    assert person(db, "lead", kept["id"])["active"] is True
    assert (person(db, "lead", merged["id"])["active"], str(person(db, "lead", merged["id"])["merged_into"])) == \
        (False, kept["id"])

    # then the owners' events keep the projection current, without reading again
    pages = db.scalar("SELECT sum(pages) FROM people_sync")
    later = sales.create_contact({"first_name": "Cy", "last_name": unique(), "account_id": extra["id"]}, "tests")
    lead = leads.create_lead({"last_name": f"Late{unique()}", "company": "Acme"}, "tests")
    wait_for(lambda: person(db, "contact", later["id"]) and person(db, "lead", lead["id"]), timeout=20,
             message="contact.created / lead.created did not arrive")
    assert db.scalar("SELECT sum(pages) FROM people_sync") == pages


def test_a_restart_resumes_where_it_stopped(sales, leads, db, campaigns_container):
    first_page = sales.list_accounts({"include_merged": True, "sort": "created_at", "limit": 1})
    db.conn.execute("UPDATE accounts SET name = 'not read again' WHERE id = %s", (first_page["items"][0]["id"],))
    first_start(db)
    db.conn.execute("UPDATE people_sync SET cursor = %s, pages = 1, items = 1 WHERE kind = 'accounts'",
                    (first_page["next_cursor"],))  # stopped after its first page
    # a copy newer than sales' snapshot is kept (version-guarded)
    second = sales.list_accounts({"include_merged": True, "sort": "created_at", "limit": 2})["items"][1]
    db.conn.execute("UPDATE accounts SET name = 'newer here', source_version = 99 WHERE id = %s", (second["id"],))

    campaigns_container(PEOPLE_SYNC_PAGE=3)
    wait_for(lambda: done(db), timeout=60, message="the catch-up did not finish")
    assert db.scalar("SELECT name FROM accounts WHERE id = %s", (first_page["items"][0]["id"],)) == "not read again"
    assert db.scalar("SELECT name FROM accounts WHERE id = %s", (second["id"],)) == "newer here"
