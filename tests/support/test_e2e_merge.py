"""A duplicate merged, through the service process and real mail servers:
the same customer writes twice, the agent answers the second mail, then
merges the second case into the first; the duplicate is closed with its
clocks stopped, and the customer's answer to the reply the duplicate sent
goes to the case it was merged into (no follow-up case is opened for the
closed duplicate)."""


from tests.mailservers import customer_mail, imap_fixture, smtp_fixture
from tests.services import unique
from tests.support.conftest import wait_for
from tests.support.mail_e2e import case_of_mail, check_contracts, clocks, mail_env, wait_for_mail

smtp = smtp_fixture("merge-smtp")


imap = imap_fixture()


def test_mail_to_a_merged_duplicate_reaches_the_case_it_was_merged_into(service_process, rpc_proxy, db, smtp,
                                                                        imap, events):
    service_process(**mail_env(smtp, imap))
    contact = f"dee.{unique()}@example.com"
    first = customer_mail(subject=f"Oven {unique()} stays cold", sender=f"Dee <{contact}>")
    again = customer_mail(subject="Did you get my mail? The oven is cold", sender=f"Dee <{contact}>")
    imap.deliver(first.as_bytes())
    target = case_of_mail(db, first["Message-ID"])
    imap.deliver(again.as_bytes())
    duplicate = case_of_mail(db, again["Message-ID"])
    with rpc_proxy() as cluster:
        support = cluster.support
        reply = support.add_case_message(str(duplicate["id"]), {"kind": "reply", "body": "Looking into it."}, "ann")
        wait_for_mail(smtp, lambda m: m["Message-ID"] == reply["message_id"], what="the reply on the duplicate")

        merged = support.merge_case(str(duplicate["id"]), {"target_id": str(target["id"])}, "ann")
        assert merged["id"] == str(target["id"])
        source = support.get_case(str(duplicate["id"]))
        assert (source["status"], source["merged_into"]) == ("closed", str(target["id"]))
        assert not any(clock["running"] for clock in clocks(support, duplicate["id"]).values())

        # the customer answers the duplicate's reply: it lands on the case it was merged into
        answer = customer_mail(subject=f"Re: [{duplicate['number']}] Did you get my mail?", text="Any news?",
                               sender=f"Dee <{contact}>",
                               headers={"In-Reply-To": reply["message_id"], "References": reply["message_id"]})
        imap.deliver(answer.as_bytes())
        wait_for(lambda: db.scalar("SELECT count(*) FROM case_messages WHERE message_id = %s",
                                   (answer["Message-ID"],)) == 1, 30, message="the answer was not filed")
        message = db.one("SELECT * FROM case_messages WHERE message_id = %s", (answer["Message-ID"],))
        assert str(message["case_id"]) == str(target["id"])
        assert db.scalar("SELECT count(*) FROM cases WHERE related_case_id = ANY(%s)",
                         ([target["id"], duplicate["id"]],)) == 0
        conversation = support.list_case_messages(str(target["id"]))["items"]
        assert "Any news?" in [item["body"] for item in conversation]
        assert "Looking into it." in [item["body"] for item in conversation]  # the duplicate's, shown with it

    events.wait_for("case.merged", target["id"])
    events.settle(db, [target["id"], duplicate["id"]])
    assert len(events.of("case.merged", target["id"])) == 1
    assert len(events.of("case.closed", duplicate["id"])) == 1
    check_contracts(events.of(None, target["id"]) + events.of(None, duplicate["id"]))
