"""Outages under load lose nothing and double nothing.

Clients keep creating leads through the gateway (each request with its own
Idempotency-Key) while RabbitMQ restarts, or while every connection to the
test database is cut for seconds.  Afterwards:

- every answer was a 201 or a clear 503 (a problem document with
  Retry-After), never a 500, never later than the gateway's RPC timeout;
- every lead answered 201 has its ``lead.created`` handled exactly once by a
  durable consumer (a quorum queue and the kit's inbox);
- a 503 left no doubt behind: retried with its key, each request ends with
  exactly one lead (the one the service recorded, or a new one);
- the gateway and the service are ready again within 60 s, by themselves.
"""

import time
import uuid

import psycopg
import pytest
import requests

from tests.helpers import wait_for
from tests.resilience.conftest import RPC_TIMEOUT

pytestmark = [pytest.mark.slow, pytest.mark.outage]
RECOVERY_SECONDS = 60


def answers_are_clear(attempts):
    """Only 201 and 503 (with Retry-After, as a problem), none later than the timeout."""
    statuses = {}
    for attempt in attempts:
        statuses[attempt.status] = statuses.get(attempt.status, 0) + 1
        assert attempt.status in (201, 503), (attempt.status, attempt.failure, attempt.last_name)
        if attempt.status == 503:
            assert attempt.content_type == "application/problem+json"
            assert attempt.retry_after is not None
        assert attempt.seconds < RPC_TIMEOUT + 5, f"{attempt.last_name} took {attempt.seconds:.1f}s"
    return statuses


def recovered(gateway, leads_process):
    """The gateway and the leads service say they are ready, and a lead can be made."""
    def ready():
        service = requests.get(f"{leads_process.ops_url}/readyz", timeout=3).status_code == 200
        return service and gateway.ready()

    started = time.monotonic()
    wait_for(ready, RECOVERY_SECONDS, 0.5, "not ready again within 60 s")
    probe = gateway.create(f"after-{uuid.uuid4().hex[:8]}", str(uuid.uuid4()))
    assert probe.status == 201, (probe.status, probe.failure)
    return time.monotonic() - started


def retry_the_unanswered(gateway, attempts):
    """Retry every 503 with its own key until it is answered; the answers by key."""
    answered = {attempt.key: attempt.lead_id for attempt in attempts if attempt.status == 201}
    for attempt in attempts:
        if attempt.status == 201:
            continue
        tries = []

        def retried(attempt=attempt, tries=tries):
            tries.append(gateway.create(attempt.last_name, attempt.key))
            return tries[-1].status == 201 and tries[-1]

        wait_for(retried, 30, 0.5, f"{attempt.last_name} never answered 201 on retry: "
                                   f"{sorted({(t.status, t.failure) for t in tries}, key=str)}")
        answered[attempt.key] = tries[-1].lead_id
    return answered


def leads_made(database_url, marker):
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT id, last_name FROM leads.leads WHERE last_name LIKE %s", (marker + "-%",))
        return {str(lead_id): last_name for lead_id, last_name in rows}


def witnessed(database_url, marker):
    """lead id -> how many times the durable consumer handled its lead.created."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT lead_id, count(*) FROM outage_witness.seen WHERE last_name LIKE %s"
                            " GROUP BY lead_id", (marker + "-%",))
        return {str(lead_id): count for lead_id, count in rows}


def unpublished(database_url, marker):
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM leads.outbox WHERE published_at IS NULL"
                            " AND body::jsonb -> 'data' -> 'lead' ->> 'last_name' LIKE %s",
                            (marker + "-%",)).fetchone()[0]


def check_nothing_lost_or_doubled(database_url, gateway, attempts, marker):
    answered = retry_the_unanswered(gateway, attempts)
    made = leads_made(database_url, marker)
    # one lead per request, whatever happened to its first answer
    assert sorted(made) == sorted(answered.values()), "a request made no lead, or two"
    wait_for(lambda: unpublished(database_url, marker) == 0, 60, 0.5, "events stayed in the outbox")
    wait_for(lambda: set(witnessed(database_url, marker)) == set(made), 60, 0.5,
             "the durable consumer did not receive every lead.created")
    counts = witnessed(database_url, marker)
    assert set(counts.values()) == {1}, {lead: n for lead, n in counts.items() if n != 1}


def test_a_broker_restart_under_load(gateway, leads_process, witness, load, broker, database_url):
    marker = f"broker-{uuid.uuid4().hex[:8]}"
    running = load(marker)
    wait_for(lambda: sum(a.status == 201 for a in running.attempts) >= 20, 30, 0.2, "no load before the restart")
    how = broker.restart(down_seconds=3)
    time.sleep(2)
    recovery = recovered(gateway, leads_process)
    wait_for(lambda: sum(a.status == 201 for a in running.attempts[-20:]) >= 10, 60, 0.5,
             "the clients did not get through again")
    running.stop()

    statuses = answers_are_clear(running.attempts)
    assert statuses.get(201, 0) >= 30, statuses
    check_nothing_lost_or_doubled(database_url, gateway, running.attempts, marker)
    print(f"broker ({how}): {statuses}; ready again {recovery:.1f}s after the restart")


def test_the_database_cut_off_under_load(gateway, leads_process, witness, load, database, database_url):
    marker = f"database-{uuid.uuid4().hex[:8]}"
    running = load(marker)
    wait_for(lambda: sum(a.status == 201 for a in running.attempts) >= 20, 30, 0.2, "no load before the cut")
    terminated = database.cut_off(seconds=4)
    recovery = recovered(gateway, leads_process)
    wait_for(lambda: sum(a.status == 201 for a in running.attempts[-20:]) >= 10, 60, 0.5,
             "the clients did not get through again")
    running.stop()

    statuses = answers_are_clear(running.attempts)
    assert statuses.get(201, 0) >= 30, statuses
    check_nothing_lost_or_doubled(database_url, gateway, running.attempts, marker)
    print(f"database: {terminated} backends terminated; {statuses}; ready again {recovery:.1f}s after the cut")
