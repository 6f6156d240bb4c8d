"""A redelivered event has one effect even with two service processes
consuming the queue: sales' ``account.merged`` published twice (as a relay
that died before marking it sent publishes it again) moves the merged
account's cases to the survivor once: one new version of each case, one
history row, the merged account pointing to the survivor."""

import json
import time

import pytest
from kombu import Connection, Exchange, Producer

from shared.kit.outbox import envelope
from tests.support.conftest import known_account, known_contact, wait_for
from tests.support.test_customers_projection import NOTHING_MOVED, sales_account


@pytest.fixture
def publish(amqp_uri):
    connection = Connection(amqp_uri)
    channel = connection.channel()

    def send(body):
        exchange = Exchange(f"{body['producer']}.events", type="topic", durable=True)
        exchange.declare(channel=channel)
        Producer(channel, exchange=exchange).publish(
            json.dumps(body), routing_key=body["type"], delivery_mode=2, content_type="application/json",
            content_encoding="utf-8", message_id=body["id"])

    yield send
    connection.release()


def handled(db, body):
    return db.scalar("SELECT count(*) FROM inbox WHERE consumer = 'support.on_account_merged' AND event_id = %s",
                     (body["id"],))


def test_account_merged_twice_to_two_processes_moves_cases_once(service_process, rpc_proxy, db, publish):
    env = {"SMTP_HOST": "", "IMAP_HOST": "", "DB_POOL_MIN": "1", "DB_POOL_MAX": "4"}
    replicas = [service_process(**env), service_process(**env)]
    survivor_id, merged_id = known_account(db), known_account(db)
    contact_id = known_contact(db, merged_id)
    with rpc_proxy() as cluster:
        support = cluster.support
        cases = [support.create_case({"subject": f"Case {number}", "account_id": merged_id, "channel": "phone"},
                                     "ann") for number in range(3)]
        cases.append(support.create_case({"subject": "By the contact", "contact_id": contact_id}, "ann"))
        survivor = sales_account(survivor_id, version=2)
        body = envelope("account.merged", {"account": survivor, "merged_id": merged_id, "moved": NOTHING_MOVED})
        for _ in range(3):
            publish(body)
        wait_for(lambda: handled(db, body) == 1, 20, message="account.merged was not handled")
        time.sleep(1.0)  # the other copies reach the other consumer too
        assert handled(db, body) == 1
        assert db.scalar("SELECT merged_into::text FROM accounts WHERE id = %s", (merged_id,)) == survivor_id
        assert db.scalar("SELECT account_id::text FROM contacts WHERE id = %s", (contact_id,)) == survivor_id
        for case in cases:
            now = support.get_case(case["id"])
            assert now["account_id"] == survivor_id and now["version"] == case["version"] + 1
            merges = [item for item in support.case_history(case["id"])["items"]
                      if item["action"] == "account_merged"]
            assert len(merges) == 1
        assert db.scalar("SELECT count(*) FROM cases WHERE account_id = %s", (merged_id,)) == 0
        assert all(replica.process.poll() is None for replica in replicas)
