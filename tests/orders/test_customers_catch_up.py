"""The accounts projection catches up with sales on the first start of
orders (paged reads of every account, merged ones too), takes the exchange
rates from sales, and then follows sales' events.

The real sales service runs on a scratch database of its own and the
session's vhost (fixtures from tests/leads/sales_neighbour.py)."""

import datetime

import pytest

from services.orders.service import OrdersService
from shared.kit.testing import RpcCluster, start_container
from tests.leads import sales_neighbour
from tests.orders.conftest import unique, wait_for

sales_env, sales_config, sales_db = sales_neighbour.sales_env, sales_neighbour.sales_config, sales_neighbour.sales_db


@pytest.fixture(scope="module")
def sales(sales_config, sales_db):
    """The sales service proxy (orders is not running yet)."""
    container = start_container(_sales_service(), dict(sales_config))
    try:
        with RpcCluster(sales_config, timeout=30) as cluster:
            yield cluster.sales
    finally:
        container.kill()
        sales_db.wait_relay_free()


def _sales_service():
    from services.sales.service import SalesService  # the tests may start sales; the orders code never imports it

    return SalesService


@pytest.fixture
def orders_container(orders_config, db):
    """``start(**settings)``: an orders container on the suite's database; killed at teardown."""
    started = []

    def start(**settings):
        container = start_container(OrdersService, {**orders_config, **settings})
        started.append(container)
        return container

    yield start
    for container in started:
        container.kill()
    db.wait_relay_free()


def new_account(sales, **fields):
    tag = unique()
    return sales.create_account({"name": f"Umbrella {tag}", "domain": f"{tag}.example.net", "country": "GB",
                                 **fields}, "tests")


def projected(db, account_id):
    return db.one("SELECT name, type, country, merged_into::text, source_version FROM accounts WHERE id = %s",
                  (account_id,))


def first_start(db):
    """Orders' state as before its first start: nothing read from sales yet."""
    db.conn.execute("UPDATE customers_sync SET cursor = NULL, pages = 0, accounts = 0, started_at = NULL,"
                    " done_at = NULL")


def test_accounts_made_before_the_first_start_are_projected_then_events_follow(sales, db, orders_container):
    survivor = new_account(sales, type="customer")
    duplicate = new_account(sales)
    others = [new_account(sales) for _ in range(4)]
    sales.merge_accounts(survivor["id"], duplicate["id"], "tests")
    renamed = sales.update_account(others[0]["id"], {"name": f"Renamed {unique()}"}, "tests")
    sales.set_exchange_rates([{"currency": "USD", "rate": "0.9", "valid_from": "2026-01-01"},
                              {"currency": "USD", "rate": "0.8", "valid_from": "2026-06-01"}], "tests")
    first_start(db)

    orders_container(CUSTOMERS_SYNC_PAGE=2)

    wait_for(lambda: db.one("SELECT done_at FROM customers_sync")["done_at"], timeout=30,
             message="the catch-up did not finish")
    state = db.one("SELECT * FROM customers_sync")
    assert state["pages"] >= 3 and state["accounts"] >= 6  # every account of sales (merged too), two per page
    assert projected(db, survivor["id"])["type"] == "customer"
    assert projected(db, duplicate["id"])["merged_into"] == survivor["id"]
    assert projected(db, others[0]["id"]) == {"name": renamed["name"], "type": "prospect", "country": "GB",
                                              "merged_into": None, "source_version": renamed["version"]}
    for account in others[1:]:
        assert projected(db, account["id"])["name"] == account["name"]
    wait_for(lambda: db.scalar("SELECT count(*) FROM exchange_rates") == 2, message="the rates were not copied")
    assert [(row["currency"], row["valid_from"], str(row["rate"])) for row in db.all(
        "SELECT currency, valid_from, rate FROM exchange_rates ORDER BY valid_from")] == [
        ("USD", datetime.date(2026, 1, 1), "0.9"), ("USD", datetime.date(2026, 6, 1), "0.8")]
    assert db.scalar("SELECT base_currency FROM exchange_rates_source") == "EUR"

    # after the catch-up, sales' events keep the projection current
    later = new_account(sales, type="partner")
    wait_for(lambda: projected(db, later["id"]), timeout=20, message="account.created did not arrive")
    assert projected(db, later["id"])["type"] == "partner"


def test_a_done_catch_up_is_not_read_again(sales, db, orders_container):
    first_start(db)
    first = orders_container(CUSTOMERS_SYNC_PAGE=500)
    wait_for(lambda: db.one("SELECT done_at FROM customers_sync")["done_at"], timeout=30,
             message="the catch-up did not finish")
    first.kill()
    pages = db.scalar("SELECT pages FROM customers_sync")

    orders_container()
    missing = new_account(sales)  # arrives as an event: the catch-up is not run again
    wait_for(lambda: projected(db, missing["id"]), timeout=20, message="account.created did not arrive")
    assert db.scalar("SELECT pages FROM customers_sync") == pages


def test_a_restart_resumes_the_catch_up_where_it_stopped(sales, db, orders_container):
    query = {"include_merged": True, "sort": "created_at", "limit": 2}
    first_page = sales.list_accounts(query)
    rest = sales.list_accounts({**query, "limit": 500, "cursor": first_page["next_cursor"]})["items"]
    ids = [account["id"] for account in first_page["items"] + rest]
    db.conn.execute("DELETE FROM accounts WHERE id = ANY(%s::uuid[])", (ids,))
    db.conn.execute("UPDATE customers_sync SET cursor = %s, pages = 1, accounts = 2, done_at = NULL",
                    (first_page["next_cursor"],))  # stopped after its first page

    orders_container(CUSTOMERS_SYNC_PAGE=3)
    wait_for(lambda: db.one("SELECT done_at FROM customers_sync")["done_at"], timeout=30,
             message="the catch-up did not finish")

    assert all(projected(db, account["id"]) is None for account in first_page["items"])  # not read again
    assert all(projected(db, account["id"]) for account in rest)
