"""SLA detection survives a replica being killed: two service processes
sweep the same clocks, one is SIGKILLed as the first breaches come in (in
the middle of its sweep, or of its relay's publishing); every due clock is
still detected exactly once (one outbox row per clock and kind) and every
event reaches the broker (at least once, the same event id when a killed
relay had published it but not marked it)."""

from services.support.sla.commands import WAKE_CHANNEL
from tests.services import unique
from tests.support.conftest import wait_for
from tests.support.mail_e2e import ALWAYS

CASES = 40


def outbox_count(db, event_type, case_ids):
    return db.scalar("SELECT count(*) FROM outbox WHERE event_type = %s"
                     " AND body::jsonb->'data'->'case'->>'id' = ANY(%s)", (event_type, case_ids))


def test_a_killed_replica_loses_and_doubles_no_breach(service_process, rpc_proxy, db, events):
    env = {"SMTP_HOST": "", "IMAP_HOST": "", "SLA_SWEEP_SECONDS": "1", "DB_POOL_MIN": "1", "DB_POOL_MAX": "4"}
    replicas = [service_process(**env), service_process(**env)]
    with rpc_proxy() as cluster:
        support = cluster.support
        calendar = support.create_calendar({"name": unique("Always "), "time_zone": "UTC", "weekly_hours": ALWAYS},
                                           "admin")
        policy = support.create_sla_policy({"name": unique("Chat "), "channels": ["chat"], "position": 1,
                                            "calendar_id": calendar["id"], "first_response_minutes": 1}, "admin")
        try:
            case_ids = [support.create_case({"subject": f"Chat {unique()}", "channel": "chat"}, "ann")["id"]
                        for _ in range(CASES)]
        finally:
            support.delete_sla_policy(policy["id"], "admin")
    db.conn.execute(
        "UPDATE case_sla SET started_at = started_at - interval '61 seconds',"
        " running_since = running_since - interval '61 seconds', due_at = due_at - interval '61 seconds',"
        " warn_at = warn_at - interval '61 seconds' WHERE case_id = ANY(%s) AND metric = 'first_response'",
        (case_ids,))
    db.conn.execute(f"NOTIFY {WAKE_CHANNEL}")
    wait_for(lambda: outbox_count(db, "case.sla_breached", case_ids) > 0, 15, message="no breach was detected")
    replicas[0].sigkill()

    wait_for(lambda: outbox_count(db, "case.sla_breached", case_ids) == CASES, 20,
             message="the surviving replica did not detect the rest")
    events.settle(db, case_ids)
    for kind in ("case.sla_warning", "case.sla_breached"):
        assert outbox_count(db, kind, case_ids) == CASES  # one per clock: none lost, none twice
        received = {}
        for event in events.of(kind):
            if event.data["case"]["id"] in case_ids:
                received.setdefault(event.data["case"]["id"], set()).add(event.id)
        assert set(received) == set(case_ids)
        assert all(len(ids) == 1 for ids in received.values())  # redelivered copies carry the same id
    assert db.scalar("SELECT count(*) FROM case_sla WHERE case_id = ANY(%s) AND metric = 'first_response'"
                     " AND breached_at IS NOT NULL", (case_ids,)) == CASES
    assert replicas[1].process.poll() is None
