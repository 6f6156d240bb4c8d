"""Lead conversion when a service dies at the worst moment, for real: the
process is killed with SIGKILL while a conversion is half done, restarted,
and the conversion retried; then we count what exists (exactly one of each)
in both databases and on both exchanges.

The worst moments are made real with locks, not with test hooks: the test's
own database session holds a lock the dying service's transaction needs, so
the service is provably stopped at that point when it is killed.
"""

import psycopg
import pytest

from shared.kit.testing import spawn
from shared.schemas.errors import Unavailable
from tests.helpers import wait_for
from tests.sales import conversion_stack
from tests.sales.conftest import concurrently
from tests.sales.conversion_stack import backends, qualified_lead, sales_rows, wait_gone

pytestmark = pytest.mark.slow

leads_env = conversion_stack.leads_env
leads_config = conversion_stack.leads_config
leads_db = conversion_stack.leads_db
leads_container = conversion_stack.leads_container
leads_process = conversion_stack.leads_process
lead_events = conversion_stack.lead_events

LEADS_RPC_TIMEOUT = 3  # seconds leads waits for sales in the first test


def convert_in_background(rpc_proxy, lead_id):
    """Start ``leads.convert_lead`` in a green thread with its own proxy;
    ``.wait()`` gives its result or the exception it raised."""
    return spawn(lambda: concurrently(rpc_proxy, [lambda c: c.leads.convert_lead(lead_id, {}, "closer")])[0])


def written_tables(db, pids):
    """The tables these sessions' open transactions have written to."""
    return {row["relname"] for row in db.all(
        "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE l.pid = ANY(%s) AND l.granted AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r'", (pids,))}


def convert_retrying(rpc_proxy, lead_id, attempts=3):
    """What a client does with a 503: retry (it is safe)."""
    with rpc_proxy() as cluster:
        for attempt in range(attempts):
            try:
                return cluster.leads.convert_lead(lead_id, {}, "closer")
            except Unavailable:
                if attempt == attempts - 1:
                    raise


def assert_converted_once(lead, result, db, leads_db, events, lead_events, rpc_proxy):
    """Exactly one account, contact, opportunity and conversion row in sales,
    the lead converted once with their ids, and each event once."""
    assert sales_rows(db, lead) == (1, 1, 1, 1)
    conversion = db.one("SELECT * FROM lead_conversions WHERE lead_id = %s", (lead["id"],))
    assert [str(conversion[key]) for key in ("account_id", "contact_id", "opportunity_id")] == [
        result["account_id"], result["contact_id"], result["opportunity_id"]]
    with rpc_proxy() as cluster:
        stored = cluster.leads.get_lead(lead["id"])
    assert stored == result["lead"] and stored["status"] == "converted"
    assert stored["converted_account_id"] == result["account_id"]
    assert leads_db.scalar("SELECT count(*) FROM lead_history WHERE lead_id = %s AND action = 'converted'",
                           (lead["id"],)) == 1
    assert len(leads_db.outbox_rows([lead["id"]], "lead.converted")) == 1

    ids = [result["account_id"], result["contact_id"], result["opportunity_id"]]
    lead_events.wait_for("lead.converted", lead["id"], timeout=20)
    events.wait_for("opportunity.created", result["opportunity_id"], timeout=20)
    lead_events.settle(leads_db, [lead["id"]], timeout=20)
    events.settle(db, ids, timeout=20)
    # At least once: a relay killed between publishing and marking may send an
    # event again, with its id; count distinct event ids.
    assert len({event.id for event in lead_events.of("lead.converted", lead["id"])}) == 1
    assert [len({event.id for event in events.of(kind, subject)}) for kind, subject in
            zip(("account.created", "contact.created", "opportunity.created"), ids, strict=True)] == [1, 1, 1]


def test_sales_killed_in_the_middle_of_a_conversion_then_a_retry_makes_one_of_each(
        service_process, leads_container, rpc_proxy, db, leads_db, events, lead_events, sales_database_url):
    sales_process = service_process()
    leads_container(RPC_TIMEOUT_SECONDS=LEADS_RPC_TIMEOUT)
    with rpc_proxy() as cluster:
        lead = qualified_lead(cluster)

    # The test holds a lock that the conversion needs last: sales creates the
    # account and the contact, then waits to insert the opportunity.
    with psycopg.connect(sales_database_url, options="-c search_path=sales") as locker:
        locker.execute("LOCK TABLE opportunities IN SHARE MODE")
        pending = convert_in_background(rpc_proxy, lead["id"])
        stuck = wait_for(lambda: backends(db, "crm-sales", "INSERT INTO opportunities"), timeout=20,
                         message="the sales transaction never reached the opportunity")
        assert {"lead_conversions", "accounts", "contacts", "outbox"} <= written_tables(db, stuck)
        sales_process.sigkill()  # account and contact written, not committed: the worst point
        outcome = pending.wait()  # leads gives up waiting for the dead sales
        locker.rollback()
    wait_gone(db, stuck)

    assert isinstance(outcome, Unavailable) and "Retrying is safe" in outcome.detail
    assert sales_rows(db, lead) == (0, 0, 0, 0)  # the killed transaction left nothing
    with rpc_proxy() as cluster:
        assert cluster.leads.get_lead(lead["id"]) == lead

    # Restarted, sales also takes the unanswered request back from its queue
    # and converts; the retry races it or finds its result: one of each.
    service_process()
    result = convert_retrying(rpc_proxy, lead["id"])
    assert convert_retrying(rpc_proxy, lead["id"]) == result
    assert_converted_once(lead, result, db, leads_db, events, lead_events, rpc_proxy)


def test_leads_killed_after_sales_converted_then_the_retry_completes_with_the_same_ids(
        service_process, leads_process, rpc_proxy, db, leads_db, events, lead_events, sales_database_url):
    service_process()
    first_leads = leads_process()
    with rpc_proxy() as cluster:
        lead = qualified_lead(cluster)

    # The test holds the lead's row: leads gets sales' answer, then waits to
    # lock the lead to mark it converted.
    with psycopg.connect(sales_database_url, options="-c search_path=leads") as locker:
        locker.execute("SELECT id FROM leads WHERE id = %s FOR UPDATE", (lead["id"],))
        pending = convert_in_background(rpc_proxy, lead["id"])
        stuck = wait_for(lambda: backends(db, "crm-leads", "SELECT * FROM leads WHERE id"), timeout=20,
                         message="leads never came back from sales to mark the lead")
        assert sales_rows(db, lead) == (1, 1, 1, 1)  # sales committed
        made = db.one("SELECT * FROM lead_conversions WHERE lead_id = %s", (lead["id"],))
        first_leads.sigkill()  # sales has converted; the lead is not marked: the worst point
        locker.rollback()
    wait_gone(db, stuck)

    assert leads_db.scalar("SELECT status FROM leads WHERE id = %s", (lead["id"],)) == "qualified"
    assert leads_db.outbox_rows([lead["id"]], "lead.converted") == []

    # Restarted, leads also takes the interrupted request back from its queue
    # and completes it (answering the caller that was waiting); a retry gives
    # the same.
    leads_process()
    first_answer = pending.wait()
    with rpc_proxy() as cluster:
        result = cluster.leads.convert_lead(lead["id"], {}, "closer")
    assert first_answer == result
    assert [result["account_id"], result["contact_id"], result["opportunity_id"]] == [
        str(made["account_id"]), str(made["contact_id"]), str(made["opportunity_id"])]
    assert_converted_once(lead, result, db, leads_db, events, lead_events, rpc_proxy)
