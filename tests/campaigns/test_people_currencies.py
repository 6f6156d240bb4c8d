"""An account's money signals are in sales' reporting currency: open pipeline
at today's rate, lifetime revenue at each document's issue-date rate, a
currency without a rate left out.  A change of sales' rates (or of its
reporting currency) recomputes the accounts it affects, in batches that
resume and that one replica runs at a time, and moves their people into and
out of segments; the loop copies the rates from the real sales service.

Most tests work on the projection directly, in a transaction rolled back at
the end (no campaigns container runs then: nothing refreshes meanwhile); the
last one runs the service next to the real sales service (on a scratch
database of its own and the session's vhost)."""

import datetime
import uuid
from decimal import Decimal

import pytest

from services.campaigns.people import commands, rates, store
from services.campaigns.segments import commands as segments
from services.campaigns.segments import store as segments_store
from services.campaigns.service import CampaignsService
from shared.kit.testing import RpcCluster, start_container
from tests.campaigns.conftest import unique, wait_for
from tests.helpers import SchemaDb
from tests.leads import sales_neighbour

sales_env, sales_config, sales_db = sales_neighbour.sales_env, sales_neighbour.sales_config, sales_neighbour.sales_db

USD = [("2020-01-01", "0.9"), ("2024-01-01", "0.8")]
JPY = [("2020-01-01", "0.00617")]


@pytest.fixture
def conn(db):
    """The suite's connection in a transaction rolled back at the end; the
    rates as before sales first answered (no base, no rates, nothing queued)."""
    with db.conn.transaction(force_rollback=True):
        db.conn.execute("DELETE FROM exchange_rates")
        db.conn.execute("DELETE FROM rates_recompute")
        db.conn.execute("UPDATE exchange_rates_source SET base_currency = NULL, rates_day = NULL")
        yield db.conn


def answer(base="EUR", **by_currency):
    """Sales' ``get_exchange_rates`` answer: ``USD=[(valid_from, rate), ...]``."""
    return {"currency": base, "items": [
        {"currency": currency, "valid_from": valid_from, "rate": rate, "set_by": "tests",
         "set_at": "2026-01-01T00:00:00+00:00"}
        for currency, items in by_currency.items() for valid_from, rate in items]}


def recompute(conn):
    """Work the queue of accounts off; returns the batches."""
    batches = []
    while not batches or not batches[-1].done:
        batches.append(rates.recompute_batch(conn))
        assert batches[-1] is not None
    return batches


def sales_answered(conn, sales_answer):
    scheduled = rates.refresh(conn, sales_answer)
    recompute(conn)
    return scheduled


def account_with_person(conn):
    account_id, email = str(uuid.uuid4()), f"{unique('buyer')}@example.org"
    conn.execute("INSERT INTO accounts (id, name, source_version) VALUES (%s, %s, 1)", (account_id, f"Acme {unique()}"))
    person_id = str(conn.execute(
        "INSERT INTO people (kind, source_id, email, email_norm, account_id) VALUES ('contact', %s, %s, %s, %s)"
        " RETURNING id", (str(uuid.uuid4()), email, email, account_id)).fetchone()["id"])
    return account_id, person_id


def document(conn, account_id, net, currency, issued_on, kind="invoice"):
    """An issued invoice or credit note, as ``invoice.issued`` / ``credit_note.issued`` apply it."""
    commands.apply_document(conn, {"id": str(uuid.uuid4()), "account_id": account_id, "currency": currency,
                                   "totals": {"net_total": net}, "issue_date": issued_on}, kind)


def opportunity(conn, account_id, amount, currency, category="open"):
    commands.apply_opportunity(conn, {"id": str(uuid.uuid4()), "account_id": account_id, "version": 1,
                                      "amount": amount, "currency": currency, "category": category})


def queued(conn):
    return {str(row["account_id"]) for row in conn.execute("SELECT account_id FROM rates_recompute")}


def money(conn, account_id):
    row = conn.execute("SELECT open_pipeline, lifetime_revenue FROM accounts WHERE id = %s", (account_id,)).fetchone()
    return row["open_pipeline"], row["lifetime_revenue"]


def test_money_signals_are_in_the_reporting_currency_and_a_currency_without_a_rate_is_left_out(conn):
    account_id, _person = account_with_person(conn)
    document(conn, account_id, "1000.00", "EUR", "2024-02-01")
    document(conn, account_id, "1000.00", "USD", "2023-05-01")  # 0.9 then
    document(conn, account_id, "1000.00", "USD", "2024-05-01")  # 0.8 then
    document(conn, account_id, "100.00", "USD", "2024-06-01", kind="credit_note")  # -80
    document(conn, account_id, "1000000", "JPY", "2019-06-01")  # before JPY's first rate: that one
    document(conn, account_id, "500.00", "GBP", "2024-01-01")  # no rate: left out
    document(conn, account_id, "10.00", "USD", None)  # no issue date: today's rate
    opportunity(conn, account_id, "100.00", "USD")  # today's rate
    opportunity(conn, account_id, "999.00", "JPY")
    opportunity(conn, account_id, "999.00", "JPY")
    opportunity(conn, account_id, "50.00", "GBP")  # no rate: left out
    opportunity(conn, account_id, "20.00", "EUR")
    opportunity(conn, account_id, "5000.00", "EUR", category="won")  # not open
    assert money(conn, account_id) == (0, 0)  # sales has not answered: nothing converts yet

    assert sales_answered(conn, answer("EUR", USD=USD, JPY=JPY)) == "all"
    # 80 + 2 x 6.16383 + 20, rounded once; 1000 + 900 + 800 - 80 + 6170 + 8
    assert money(conn, account_id) == (Decimal("112.33"), Decimal("8798.00"))

    # a rate for GBP arrives: the accounts with GBP amounts are recomputed, not the others
    euro_only, _person = account_with_person(conn)
    document(conn, euro_only, "70.00", "EUR", "2024-01-01")
    assert rates.refresh(conn, answer("EUR", USD=USD, JPY=JPY, GBP=[("2020-01-01", "1.15")])) == ["GBP"]
    assert account_id in queued(conn) and euro_only not in queued(conn)
    recompute(conn)
    assert money(conn, account_id) == (Decimal("169.83"), Decimal("9373.00"))
    assert money(conn, euro_only) == (0, Decimal("70.00"))


def test_an_unchanged_answer_schedules_nothing_and_an_unreadable_one_is_not_taken(conn):
    sales_answered(conn, answer("EUR", USD=USD))
    before = store.rates_source(conn)
    assert rates.refresh(conn, answer("EUR", USD=[("2024-01-01", "0.80"), ("2020-01-01", "0.9")])) is None
    assert queued(conn) == set()
    assert rates.refresh(conn, {"currency": "EUR", "items": [{"currency": "USD", "rate": "-1",
                                                              "valid_from": "2020-01-01"}]}) is None
    assert rates.refresh(conn, None) is None  # sales did not answer
    assert store.stored_rates(conn) == {("USD", datetime.date(2020, 1, 1), Decimal("0.9")),
                                        ("USD", datetime.date(2024, 1, 1), Decimal("0.8"))}
    assert store.rates_source(conn)["changed_at"] == before["changed_at"]


def test_a_rate_change_moves_people_into_and_out_of_a_segment(conn):
    sales_answered(conn, answer("EUR", JPY=[("2020-01-01", "0.006")]))
    big, big_person = account_with_person(conn)
    document(conn, big, "1000000", "JPY", "2024-03-01")  # 6000.00
    euro, euro_person = account_with_person(conn)
    document(conn, euro, "4500.00", "EUR", "2024-03-01")
    segment = segments.create_segment(conn, {"name": f"Big accounts {unique()}",
                                             "rule": {"field": "lifetime_revenue", "op": "gt", "value": 5000}})

    def members():
        return segments_store.member_ids(conn, segment["id"]) & {big_person, euro_person}

    assert members() == {big_person}

    # a lower rate from 2024 on: the JPY account falls below the threshold
    assert sales_answered(conn, answer("EUR", JPY=[("2020-01-01", "0.006"), ("2024-01-01", "0.004")])) == ["JPY"]
    assert money(conn, big)[1] == Decimal("4000.00")
    assert members() == set()

    # sales reports in USD now: every account is recomputed, EUR needs a rate too
    assert sales_answered(conn, answer("USD", EUR=[("2020-01-01", "1.2")], JPY=[("2020-01-01", "0.0075")])) == "all"
    assert (money(conn, big)[1], money(conn, euro)[1]) == (Decimal("7500.00"), Decimal("5400.00"))
    assert members() == {big_person, euro_person}
    history = conn.execute("SELECT person_id::text, change FROM segment_history WHERE segment_id = %s ORDER BY id",
                           (segment["id"],)).fetchall()
    changes = [(row["person_id"], row["change"]) for row in history]
    assert changes[:2] == [(big_person, "joined"), (big_person, "left")]
    assert sorted(changes[2:]) == sorted([(big_person, "joined"), (euro_person, "joined")])  # one batch


def test_the_recomputation_runs_in_batches_that_resume_one_replica_at_a_time(conn, campaigns_database_url):
    sales_answered(conn, answer("EUR", XTS=[("2020-01-01", "2")]))
    accounts = sorted(account_with_person(conn)[0] for _ in range(3))
    for account_id in accounts:
        document(conn, account_id, "10.00", "XTS", "2024-01-01")
    assert [money(conn, account_id)[1] for account_id in accounts] == [Decimal("20.00")] * 3

    assert rates.refresh(conn, answer("EUR", XTS=[("2020-01-01", "3")])) == ["XTS"]
    assert rates.recompute_batch(conn, size=2) == rates.Batch(2, 2, False)
    assert queued(conn) == {accounts[2]}
    assert [money(conn, account_id)[1] for account_id in accounts] == [Decimal("30.00")] * 2 + [Decimal("20.00")]

    other = SchemaDb(campaigns_database_url, "campaigns")  # another replica: this transaction holds the lock
    try:
        with other.conn.transaction():
            assert rates.recompute_batch(other.conn) is None
    finally:
        other.close()

    assert rates.recompute_batch(conn, size=2) == rates.Batch(1, 1, True)
    assert money(conn, accounts[2])[1] == Decimal("30.00")
    assert queued(conn) == set()
    assert rates.recompute_batch(conn) == rates.Batch(0, 0, True)


def test_a_new_day_takes_the_rate_in_force_that_day(conn):
    today = conn.execute("SELECT current_date AS today").fetchone()["today"]
    sales_answered(conn, answer("EUR", XTS=[("2020-01-01", "2"), (today.isoformat(), "3")]))
    account_id, _person = account_with_person(conn)
    opportunity(conn, account_id, "100.00", "XTS")
    document(conn, account_id, "10.00", "XTS", "2024-01-01")
    assert money(conn, account_id) == (Decimal("300.00"), Decimal("20.00"))
    dated_only, _person = account_with_person(conn)  # its amounts convert at their own day's rate
    document(conn, dated_only, "10.00", "XTS", "2024-01-01")

    # as the signals stood yesterday, when the rate of today was not in force yet
    conn.execute("UPDATE accounts SET open_pipeline = 200 WHERE id = %s", (account_id,))
    conn.execute("UPDATE exchange_rates_source SET rates_day = %s", (today - datetime.timedelta(days=1),))
    assert rates.refresh(conn, None) == ["XTS"]
    assert queued(conn) == {account_id}
    recompute(conn)
    assert money(conn, account_id) == (Decimal("300.00"), Decimal("20.00"))
    assert rates.refresh(conn, None) is None  # the same day again: nothing new


# The loop, next to the real sales service ----------------------------------------------------------------

@pytest.fixture(scope="module")
def sales(sales_config, sales_db):
    from services.sales.service import SalesService  # the tests start sales; campaigns' code never imports it

    container = start_container(SalesService, dict(sales_config))
    try:
        with RpcCluster(sales_config, timeout=30) as cluster:
            yield cluster.sales
    finally:
        container.kill()
        sales_db.wait_relay_free()


def test_the_loop_copies_sales_rates_and_recomputes_the_accounts_and_segments(sales, campaigns_config, db):
    conn = db.conn
    with conn.transaction():
        account_id, person_id = account_with_person(conn)
        document(conn, account_id, "1000000", "JPY", "2024-03-01")
        segment = segments.create_segment(conn, {"name": f"Big accounts {unique()}",
                                                 "rule": {"field": "lifetime_revenue", "op": "gt", "value": 5000}})
    try:
        sales.set_exchange_rates([{"currency": "JPY", "rate": "0.006", "valid_from": "2020-01-01"}], "tests")
        container = start_container(CampaignsService, {**campaigns_config, "RATES_REFRESH_SECONDS": "1"})
        try:
            wait_for(lambda: money(conn, account_id)[1] == Decimal("6000.00"), 30,
                     message="the rates were not copied, or the account not recomputed")
            assert person_id in segments_store.member_ids(conn, segment["id"])
            assert db.scalar("SELECT base_currency FROM exchange_rates_source") == "EUR"

            sales.set_exchange_rates([{"currency": "JPY", "rate": "0.004", "valid_from": "2020-01-01"}], "tests")
            wait_for(lambda: money(conn, account_id)[1] == Decimal("4000.00"), 30,
                     message="the changed rate did not reach the account")
            assert person_id not in segments_store.member_ids(conn, segment["id"])
            wait_for(lambda: db.scalar("SELECT count(*) FROM rates_recompute") == 0, 30,
                     message="the queue of accounts was not worked off")
        finally:
            container.kill()
            db.wait_relay_free()
    finally:
        with conn.transaction():
            segments.delete_segment(conn, segment["id"])
