"""An agent's day through the support service as one real process, over
the real broker, database and mail servers the test starts (an aiosmtpd
SMTP server keeping what it receives, a pymap IMAP mailbox):

a customer's email opens a case, routed to a team by a keyword rule and to
an agent by round-robin, its SLA clocks started; the agent's public reply
leaves over SMTP threaded to the customer's mail and achieves the first
response; the customer's answer threads into the case and starts a next
response clock; pending stops the clocks to the second; resolving mails a
survey; a CSAT of 1 opens a follow-up task for the team lead; and
support.events got each event of it exactly once."""

import re
import time
import uuid

import pytest

from tests.mailservers import customer_mail, imap_fixture, smtp_fixture
from tests.services import unique
from tests.support.conftest import wait_for
from tests.support.mail_e2e import (
    always_policy,
    case_of_mail,
    check_contracts,
    clocks,
    drop_policy,
    mail_env,
    make_team,
    person,
    received,
    text_of,
    wait_for_mail,
)

SURVEY_LINK = re.compile(r"https?://\S+/survey/(\S+)")

smtp = smtp_fixture("e2e-smtp")
imap = imap_fixture()


@pytest.fixture(scope="module", autouse=True)
def leave_no_rules(db):
    """The rules and policies made here must not route, time or escalate other modules' cases."""
    yield
    db.conn.execute("DELETE FROM routing_rules")
    db.conn.execute("DELETE FROM escalation_rules")


def test_an_agents_day(service_process, rpc_proxy, db, smtp, imap, events):
    service_process(**mail_env(smtp, imap))
    ann, bob, lea = person("Ann"), person("Bob"), person("Lea")
    keyword = f"zorb{uuid.uuid4().hex[:6]}"
    with rpc_proxy() as cluster:
        support = cluster.support
        team = make_team(support, [ann, bob], lead=lea)
        support.create_routing_rule({"name": unique("Pumps "), "keywords": [keyword], "channels": ["email"],
                                     "team_id": team["id"], "position": 1}, "admin")
        policy = always_policy(support, first_response_minutes=60, next_response_minutes=30,
                               resolution_minutes=480)
        try:
            # Two customers write: each mail opens a case on the team, owners taken in turn.
            contact = f"ada.{unique()}@example.com"
            first = customer_mail(subject=f"The {keyword} pump is broken", sender=f"Ada Lovelace <{contact}>")
            other = customer_mail(subject=f"My {keyword} leaks", sender=f"Bea <bea.{unique()}@example.com>")
            imap.deliver(first.as_bytes())
            case = case_of_mail(db, first["Message-ID"])
            imap.deliver(other.as_bytes())
            second = case_of_mail(db, other["Message-ID"])
            assert (str(case["team_id"]), str(second["team_id"])) == (team["id"], team["id"])
            owners = {str(case["owner_id"]), str(second["owner_id"])}
            assert owners == {ann["user_id"], bob["user_id"]}  # round-robin; the lead is not available
            assert (case["channel"], case["contact_email"], case["status"]) == ("email", contact, "new")
            started = clocks(support, case["id"])
            assert started["first_response"]["running"] and started["first_response"]["target_seconds"] == 3600
            assert started["resolution"]["running"] and started["resolution"]["target_seconds"] == 480 * 60
            assert started["first_response"]["achieved_at"] is None

            # The agent's public reply leaves by SMTP, threaded to the customer's mail.
            agent = ann if str(case["owner_id"]) == ann["user_id"] else bob
            reply = support.add_case_message(str(case["id"]), {"kind": "reply", "body": "A new pump is on its way."},
                                             agent["user_id"])
            assert reply["message_id"]
            [sent] = wait_for_mail(smtp, lambda m: m["Message-ID"] == reply["message_id"], what="the agent's reply")
            assert sent["To"].addresses[0].addr_spec == contact
            assert sent["In-Reply-To"] == first["Message-ID"]
            assert first["Message-ID"] in sent["References"]
            assert f"[{case['number']}]" in sent["Subject"]
            assert "A new pump is on its way." in text_of(sent)
            answered = clocks(support, case["id"])
            assert answered["first_response"]["achieved_at"] and not answered["first_response"]["running"]
            assert not answered["first_response"]["breached"]
            assert support.get_case(str(case["id"]))["status"] == "open"

            # The customer answers the reply: it threads into the case by In-Reply-To.
            answer = customer_mail(subject=f"Re: {sent['Subject']}", text="Thanks, when does it arrive?",
                                   sender=f"Ada Lovelace <{contact}>",
                                   headers={"In-Reply-To": reply["message_id"], "References": reply["message_id"]})
            imap.deliver(answer.as_bytes())
            wait_for(lambda: db.scalar("SELECT count(*) FROM case_messages WHERE case_id = %s AND kind = 'customer'",
                                       (case["id"],)) == 1, 20, message="the customer's answer was not threaded")
            assert db.scalar("SELECT count(*) FROM cases WHERE message_id = %s", (answer["Message-ID"],)) == 0
            threaded = clocks(support, case["id"])
            assert threaded["next_response"]["running"] and threaded["next_response"]["target_seconds"] == 1800

            # Pending (waiting on the customer) stops every running clock, to the second.
            support.change_case_status(str(case["id"]), "pending", agent["user_id"])
            paused = clocks(support, case["id"])
            time.sleep(2.2)
            later = clocks(support, case["id"])
            for metric in ("next_response", "resolution"):
                assert not paused[metric]["running"] and not later[metric]["running"]
                assert later[metric]["remaining_seconds"] == paused[metric]["remaining_seconds"]
                assert later[metric]["used_seconds"] == paused[metric]["used_seconds"]

            # Resolving mails the contact a survey; a CSAT of 1 opens a task for the team lead.
            support.change_case_status(str(case["id"]), "resolved", agent["user_id"])
            [survey_mail] = wait_for_mail(smtp, lambda m: m["To"].addresses[0].addr_spec == contact
                                          and "/survey/" in text_of(m), what="the survey")
            token = SURVEY_LINK.search(text_of(survey_mail)).group(1)
            answered_survey = support.answer_survey(token, {"csat": 1, "comment": "Slow and still broken."})
            tasks = support.list_tasks({"case_id": str(case["id"])})["items"]
            assert [str(task["assignee_id"]) for task in tasks] == [lea["user_id"]]
            assert answered_survey

            # Every event of that day, exactly once.
            events.wait_for("survey.answered", case["id"])
            events.settle(db, [case["id"]])
            kinds = sorted(event.type for event in events.of(None, case["id"]))
            assert kinds == sorted(["case.opened", "case.assigned", "case.replied", "case.replied",
                                    "case.status_changed", "case.status_changed", "case.status_changed",
                                    "case.resolved", "survey.answered"]), kinds
            assert sorted((e.data["kind"], e.data["direction"]) for e in events.of("case.replied", case["id"])) == [
                ("customer", "inbound"), ("reply", "outbound")]
            assert [(e.data["previous_status"], e.data["status"]) for e in events.of("case.status_changed",
                                                                                     case["id"])] == [
                ("new", "open"), ("open", "pending"), ("pending", "resolved")]
            assert len({event.id for event in events.of(None, case["id"])}) == len(kinds)
            check_contracts(events.of(None, case["id"]))
            # and the SMTP server got the reply and the survey once each
            assert len(received(smtp, lambda m: m["Message-ID"] == reply["message_id"])) == 1
            assert len(received(smtp, lambda m: m["To"].addresses[0].addr_spec == contact)) == 2
        finally:
            drop_policy(support, policy)


def test_the_customer_brings_a_case_back_by_mail(service_process, rpc_proxy, db, smtp, imap, events):
    """Mail moves a pending case back to open (its clocks run again from where
    they stopped) and reopens a resolved one within the reopen window (the
    resolution clock keeps its used time); resolving it again mails no
    second survey while the first is open."""
    service_process(**mail_env(smtp, imap))
    contact = f"cy.{unique()}@example.com"
    with rpc_proxy() as cluster:
        support = cluster.support
        policy = always_policy(support, first_response_minutes=60, next_response_minutes=30, resolution_minutes=480)
        try:
            opening = customer_mail(subject=f"Fridge {unique()} hums", sender=f"Cy <{contact}>")
            imap.deliver(opening.as_bytes())
            case = case_of_mail(db, opening["Message-ID"])
            case_id = str(case["id"])
            support.add_case_message(case_id, {"kind": "reply", "body": "Is it plugged in?"}, "ann")
            support.change_case_status(case_id, "pending", "ann")
            paused = clocks(support, case_id)["resolution"]
            assert not paused["running"]

            # the customer answers (the case number in the subject): open again, the clock runs on
            imap.deliver(customer_mail(subject=f"Re: [{case['number']}] Fridge hums", text="It is.",
                                       sender=f"Cy <{contact}>").as_bytes())
            wait_for(lambda: support.get_case(case_id)["status"] == "open", 20,
                     message="the customer's answer did not open the pending case")
            running = clocks(support, case_id)["resolution"]
            assert running["running"] and running["used_seconds"] >= paused["used_seconds"]
            assert running["used_seconds"] - paused["used_seconds"] <= 5  # nothing counted while it was pending
            assert clocks(support, case_id)["next_response"]["running"]

            support.change_case_status(case_id, "resolved", "ann")
            wait_for_mail(smtp, lambda m: m["To"].addresses[0].addr_spec == contact and "/survey/" in text_of(m),
                          what="the survey")
            resolved = clocks(support, case_id)["resolution"]
            assert not resolved["running"] and resolved["achieved_at"]

            # within the reopen window a reply reopens it; the resolution time already used is kept
            imap.deliver(customer_mail(subject=f"Re: [{case['number']}] Fridge hums", text="It hums again.",
                                       sender=f"Cy <{contact}>").as_bytes())
            wait_for(lambda: support.get_case(case_id)["status"] == "open", 20,
                     message="the customer's reply did not reopen the resolved case")
            now = support.get_case(case_id)
            assert now["reopen_count"] == 1
            reopened = clocks(support, case_id)["resolution"]
            assert reopened["running"] and reopened["used_seconds"] >= resolved["used_seconds"]
            assert db.scalar("SELECT count(*) FROM cases WHERE related_case_id = %s", (case_id,)) == 0

            support.change_case_status(case_id, "resolved", "ann")
            events.wait_for("case.resolved", case_id, count=2)
            events.settle(db, [case_id])
            assert len(events.of("case.reopened", case_id)) == 1
            assert len(events.of("case.opened", case_id)) == 1
            time.sleep(1.0)  # the sender had its chance at a second survey
            surveys = received(smtp, lambda m: m["To"].addresses[0].addr_spec == contact and "/survey/" in text_of(m))
            assert len(surveys) == 1
        finally:
            drop_policy(support, policy)


def test_auto_replies_and_bounces_start_no_loop(service_process, rpc_proxy, db, smtp, imap):
    """The customer's out-of-office answer to the agent's reply and the
    bounce of that reply open nothing, add nothing to the conversation,
    send nothing, and start no clock; the reply is marked bounced."""
    from tests.support.test_mail_parsing import dsn_bytes

    service_process(**mail_env(smtp, imap))
    contact = f"eve.{unique()}@example.com"
    opening = customer_mail(subject=f"Dishwasher {unique()} floods", sender=f"Eve <{contact}>")
    imap.deliver(opening.as_bytes())
    case = case_of_mail(db, opening["Message-ID"])
    with rpc_proxy() as cluster:
        support = cluster.support
        reply = support.add_case_message(str(case["id"]), {"kind": "reply", "body": "Turn off the water."}, "ann")
        [sent] = wait_for_mail(smtp, lambda m: m["Message-ID"] == reply["message_id"], what="the reply")
        outgoing_before = db.scalar("SELECT count(*) FROM outgoing_mail WHERE case_id = %s", (case["id"],))
        away = customer_mail(subject=f"Out of office: {sent['Subject']}", text="I am away until Monday.",
                             sender=f"Eve <{contact}>",
                             headers={"Auto-Submitted": "auto-replied", "In-Reply-To": reply["message_id"],
                                      "References": reply["message_id"]})
        imap.deliver(away.as_bytes(), dsn_bytes(original=reply["message_id"], to=contact))
        wait_for(lambda: db.scalar("SELECT status FROM outgoing_mail WHERE message_id = %s",
                                   (reply["message_id"],)) == "bounced", 30, message="the bounce was not filed")
        wait_for(lambda: db.one("SELECT outcome FROM incoming_mail WHERE message_id = %s", (away["Message-ID"],)),
                 30, message="the auto-reply was not read")
        outcome = db.scalar("SELECT outcome FROM incoming_mail WHERE message_id = %s", (away["Message-ID"],))
        assert outcome == "auto_reply"
        time.sleep(1.0)  # the sender had its chance to answer anything
        assert db.scalar("SELECT count(*) FROM case_messages WHERE case_id = %s AND kind = 'customer'",
                         (case["id"],)) == 0
        assert db.scalar("SELECT count(*) FROM cases WHERE contact_email = %s", (contact,)) == 1
        assert db.scalar("SELECT count(*) FROM outgoing_mail WHERE case_id = %s", (case["id"],)) == outgoing_before
        assert db.scalar("SELECT count(*) FROM outgoing_mail WHERE %s = ANY(to_addresses) AND created_at > %s",
                         (contact, case["created_at"])) == outgoing_before
        assert support.get_case(str(case["id"]))["status"] == "open"
        assert "next_response" not in clocks(support, case["id"])
