"""Doing the bad thing for real: the service process is killed with SIGKILL
and restarted; then we count what was lost or duplicated (zero either way)."""

import collections

import pytest

from tests.leads.conftest import person, unique, wait_for

pytestmark = pytest.mark.slow


def test_an_event_committed_before_a_kill_is_published_after_the_restart(service_process, rpc_proxy, events, db):
    # The relay is off, as if the process died before it could publish.
    first = service_process(OUTBOX_RELAY="false")
    with rpc_proxy() as cluster:
        lead = cluster.leads.create_lead(person(), "tester")
    first.sigkill()
    db.wait_relay_free()
    assert db.unpublished([lead["id"]]) == 1

    service_process()
    events.wait_for("lead.created", lead["id"], timeout=20)
    events.settle(db, [lead["id"]])
    created = events.of("lead.created", lead["id"])
    assert len(created) == 1
    assert created[0].data["lead"]["email"] == lead["email"]


def test_a_kill_right_after_a_reply_loses_nothing_and_doubles_nothing(service_process, rpc_proxy, events, db):
    process = service_process()
    with rpc_proxy() as cluster:
        leads = [cluster.leads.create_lead(person(), "tester") for _ in range(20)]
    process.sigkill()
    db.wait_relay_free()
    service_process()
    ids = [lead["id"] for lead in leads]
    events.settle(db, ids, timeout=20)
    events.wait(lambda: set(ids) <= {event.lead_id for event in events.of("lead.created")}, timeout=20)
    events.drain(0.5)
    # At least once: a batch published just before the kill may come again,
    # with the same event ids, which consumers dedupe on.  Never a new id.
    event_ids = collections.defaultdict(set)
    for event in events.of("lead.created"):
        event_ids[event.lead_id].add(event.id)
    assert {lead_id: len(event_ids[lead_id]) for lead_id in ids} == dict.fromkeys(ids, 1)


def test_an_import_killed_midway_finishes_after_the_restart_with_each_row_once(service_process, rpc_proxy,
                                                                                events, db):
    process = service_process()
    domain = f"{unique('imp')}.example"
    rows = [[f"First{n}", f"Last{n}", f"person{n}@{domain}", f"Company {n} {domain}"] for n in range(20_000)]
    rows[7] = ["Bad", "Row", "not-an-email", "X"]
    with rpc_proxy() as cluster:
        job = cluster.leads.start_import("kill.csv", ["first_name", "last_name", "email", "company"], "tester")
        for seq, start in enumerate(range(0, len(rows), 2000), 1):
            cluster.leads.import_rows(job["id"], seq, rows[start:start + 2000])
        cluster.leads.finish_import(job["id"], seq)
        wait_for(lambda: 0 < cluster.leads.get_import(job["id"])["rows_done"] < len(rows), timeout=30,
                 interval=0.01, message="the import never got under way")
    process.sigkill()
    db.wait_relay_free()
    assert db.scalar("SELECT status FROM import_jobs WHERE id = %s", (job["id"],)) == "processing"

    service_process()
    with rpc_proxy() as cluster:
        done = wait_for(lambda: (lambda j: j if j["status"] == "done" else None)(cluster.leads.get_import(job["id"])),
                        timeout=90, interval=0.2, message="the import did not finish after the restart")
    assert (done["rows_done"], done["rows_created"], done["rows_failed"]) == (20_000, 19_999, 1)
    created = db.all("SELECT id, email FROM leads WHERE email LIKE %s", (f"%@{domain}",))
    assert len(created) == 19_999
    assert len({row["email"] for row in created}) == 19_999

    ids = {str(row["id"]) for row in created}
    events.settle(db, list(ids), timeout=60)
    events.wait(lambda: ids <= {event.lead_id for event in events.of("lead.created")}, timeout=60,
                message="some lead.created events never arrived")
    events.drain(1.0)
    event_ids_per_lead = collections.defaultdict(set)
    for event in events.of("lead.created"):
        event_ids_per_lead[event.lead_id].add(event.id)
    # Each lead has exactly one event (a redelivery would repeat the same id).
    assert {len(event_ids_per_lead[lead_id]) for lead_id in ids} == {1}
    assert db.scalar(
        "SELECT count(*) FROM outbox WHERE event_type = 'lead.created' AND body::jsonb #>> '{data,lead,email}' LIKE %s",
        (f"%@{domain}",),
    ) == 19_999
