"""Support's copies of sales' accounts and contacts catch up with sales on
the first start (paged reads, merged accounts too), then follow sales'
events; a restart resumes where the catch-up stopped.

The real sales service runs on a scratch database of its own and the
session's vhost (fixtures from tests/leads/sales_neighbour.py)."""

import pytest

from services.support.service import SupportService
from shared.kit.testing import RpcCluster, start_container
from tests.leads import sales_neighbour
from tests.support.conftest import unique, wait_for

sales_env, sales_config, sales_db = sales_neighbour.sales_env, sales_neighbour.sales_config, sales_neighbour.sales_db


@pytest.fixture(scope="module")
def sales(sales_config, sales_db):
    """The sales service proxy (support is not running yet)."""
    container = start_container(_sales_service(), dict(sales_config))
    try:
        with RpcCluster(sales_config, timeout=30) as cluster:
            yield cluster.sales
    finally:
        container.kill()
        sales_db.wait_relay_free()


def _sales_service():
    from services.sales.service import SalesService  # the tests start sales; support's code never imports it

    return SalesService


@pytest.fixture
def support_container(support_config, db):
    started = []

    def start(**settings):
        container = start_container(SupportService, {**support_config, **settings})
        started.append(container)
        return container

    yield start
    for container in started:
        container.kill()
    db.wait_relay_free()


def first_start(db):
    db.conn.execute("UPDATE customers_sync SET cursor = NULL, pages = 0, items = 0, started_at = NULL,"
                    " done_at = NULL")


def done(db):
    return db.scalar("SELECT count(*) FROM customers_sync WHERE done_at IS NULL") == 0


def new_account(sales, **fields):
    tag = unique()
    return sales.create_account({"name": f"Umbrella {tag}", "domain": f"{tag}.example.net", "country": "GB",
                                 **fields}, "tests")


def test_accounts_and_contacts_made_before_the_first_start_are_copied(sales, db, support_container):
    survivor = new_account(sales, type="customer")
    duplicate = new_account(sales)
    sales.merge_accounts(survivor["id"], duplicate["id"], "tests")
    contact = sales.create_contact({"first_name": "Ada", "emails": [f"Ada.{unique()}@Example.org"],
                                    "account_id": survivor["id"]}, "tests")
    first_start(db)

    support_container(CUSTOMERS_SYNC_PAGE=2)
    wait_for(lambda: done(db), timeout=30, message="the catch-up did not finish")
    states = {row["kind"]: row for row in db.all("SELECT * FROM customers_sync")}
    assert states["accounts"]["items"] >= 2 and states["contacts"]["items"] >= 1
    assert db.one("SELECT type, merged_into FROM accounts WHERE id = %s", (survivor["id"],)) == \
        {"type": "customer", "merged_into": None}
    assert str(db.scalar("SELECT merged_into FROM accounts WHERE id = %s", (duplicate["id"],))) == survivor["id"]
    assert db.one("SELECT account_id::text, email FROM contacts WHERE id = %s", (contact["id"],)) == \
        {"account_id": survivor["id"], "email": contact["emails"][0].lower()}

    # then sales' events keep the copies current, without reading again
    pages = db.scalar("SELECT sum(pages) FROM customers_sync")
    later = new_account(sales, type="partner")
    wait_for(lambda: db.one("SELECT type FROM accounts WHERE id = %s", (later["id"],)), timeout=20,
             message="account.created did not arrive")
    assert db.scalar("SELECT sum(pages) FROM customers_sync") == pages


def test_a_restart_resumes_where_it_stopped(sales, db, support_container):
    query = {"include_merged": True, "sort": "created_at", "limit": 1}
    first_page = sales.list_accounts(query)
    db.conn.execute("DELETE FROM accounts WHERE id = %s", (first_page["items"][0]["id"],))
    first_start(db)
    db.conn.execute("UPDATE customers_sync SET cursor = %s, pages = 1, items = 1 WHERE kind = 'accounts'",
                    (first_page["next_cursor"],))  # stopped after its first page

    support_container(CUSTOMERS_SYNC_PAGE=3)
    wait_for(lambda: done(db), timeout=30, message="the catch-up did not finish")
    assert db.one("SELECT 1 FROM accounts WHERE id = %s", (first_page["items"][0]["id"],)) is None  # not read again
