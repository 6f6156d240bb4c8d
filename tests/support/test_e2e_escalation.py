"""A breach escalated end to end, with two service processes (two replicas)
sweeping the same clocks: a case whose first-response target passes is
found by the sweep once (one case.sla_warning, one case.sla_breached
between both replicas), the escalation rule (mail the team lead, raise the
priority) is applied once: one case.escalated, one mail to the lead at the
SMTP server, the priority raised one step once."""

import time
import uuid

import pytest

from services.support.sla.commands import WAKE_CHANNEL
from shared.schemas.support.sla import SlaEventSchema
from tests.mailservers import smtp_fixture
from tests.services import unique
from tests.support.mail_e2e import (
    ALWAYS,
    check_contracts,
    mail_env,
    make_team,
    person,
    received,
    text_of,
    wait_for_mail,
)

smtp = smtp_fixture("e2e-smtp")


@pytest.fixture(scope="module", autouse=True)
def leave_no_rules(db):
    """The rules made here must not route or escalate other modules' cases."""
    yield
    db.conn.execute("DELETE FROM escalation_rules")


def due_now(db, case_id, metric="first_response"):
    """Move a running clock back so that its target (one business minute) has just passed."""
    db.conn.execute(
        "UPDATE case_sla SET started_at = started_at - interval '61 seconds',"
        " running_since = running_since - interval '61 seconds', due_at = due_at - interval '61 seconds',"
        " warn_at = warn_at - interval '61 seconds' WHERE case_id = %s AND metric = %s AND breached_at IS NULL",
        (case_id, metric))
    db.conn.execute(f"NOTIFY {WAKE_CHANNEL}")


def test_a_breach_is_escalated_once_by_two_replicas(service_process, rpc_proxy, db, smtp, events):
    env = mail_env(smtp, SLA_SWEEP_SECONDS="1")
    replicas = [service_process(**env), service_process(**env)]
    ann, lea = person("Ann"), person("Lea")
    with rpc_proxy() as cluster:
        support = cluster.support
        team = make_team(support, [ann], lead=lea)
        calendar = support.create_calendar({"name": unique("Always "), "time_zone": "UTC", "weekly_hours": ALWAYS},
                                           "admin")
        policy = support.create_sla_policy({"name": unique("Tight "), "channels": ["phone"],
                                            "calendar_id": calendar["id"], "position": 1,
                                            "first_response_minutes": 1, "resolution_minutes": 600}, "admin")
        rule = support.create_escalation_rule({"name": unique("Late "), "on_event": "breach",
                                               "metric": "first_response", "team_ids": [team["id"]],
                                               "notify_team_lead": True, "raise_priority": True}, "admin")
        try:
            case = support.create_case({"subject": f"Boiler {unique()} cold", "channel": "phone",
                                        "priority": "normal", "team_id": team["id"], "owner_id": ann["user_id"],
                                        "contact_email": f"cy.{uuid.uuid4().hex[:6]}@example.com"}, "ann")
            [clock] = [item for item in support.sla_clocks([case["id"]])[case["id"]]
                       if item["metric"] == "first_response"]
            assert clock["target_seconds"] == 60 and clock["running"] and not clock["breached"]

            due_now(db, case["id"])
            events.wait_for("case.sla_breached", case["id"], timeout=15)
            events.wait_for("case.escalated", case["id"], timeout=15)
            [lead_mail] = wait_for_mail(smtp, lambda m: m["To"].addresses[0].addr_spec == lea["email"],
                                        what="the team lead's escalation mail")
            assert case["number"] in lead_mail["Subject"]
            assert lead_mail["Auto-Submitted"] == "auto-generated"
            assert "missed" in text_of(lead_mail) and "first response" in text_of(lead_mail)

            time.sleep(2.5)  # a few more sweeps of both replicas
            events.settle(db, [case["id"]])
            count = {kind: len(events.of(kind, case["id"])) for kind in (
                "case.sla_warning", "case.sla_breached", "case.escalated", "case.assigned")}
            assert count == {"case.sla_warning": 1, "case.sla_breached": 1, "case.escalated": 1,
                             "case.assigned": 1}, count  # assigned: when it was opened
            [breach] = events.of("case.sla_breached", case["id"])
            assert breach.data["clock"]["metric"] == "first_response" and breach.data["clock"]["breached"]
            assert SlaEventSchema().validate(breach.data) == {}
            check_contracts(events.of(None, case["id"]))
            [escalated] = events.of("case.escalated", case["id"])
            assert escalated.data["escalation"]["rule_id"] == rule["id"]
            assert escalated.data["case"]["priority"] == "high"

            now = support.get_case(case["id"])
            assert now["priority"] == "high"
            history = [item for item in support.case_history(case["id"])["items"]
                       if "priority" in (item.get("changes") or {})]
            assert [item["changes"]["priority"] for item in history] == [["normal", "high"]]
            assert len(received(smtp, lambda m: m["To"].addresses[0].addr_spec == lea["email"])) == 1
            assert db.scalar("SELECT count(*) FROM escalations WHERE case_id = %s", (case["id"],)) == 1
            [clock] = [item for item in support.sla_clocks([case["id"]])[case["id"]]
                       if item["metric"] == "first_response"]
            assert clock["breached"]
            assert all(replica.process.poll() is None for replica in replicas)
        finally:
            support.delete_escalation_rule(rule["id"], "admin")
            support.delete_sla_policy(policy["id"], "admin")
