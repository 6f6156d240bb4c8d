"""The contact's survey through the real gateway and the real support
service: the emailed link opens the page, the form posted records the
answer once, a second post (or a concurrent one) is refused, and an
altered link is a 404 page."""

import re
import uuid

import pytest

from gateway.app import create_app
from services.support.service import SupportService
from services.support.surveys import commands as surveys
from shared.kit.testing import Event, GreenPool, sleep, start_container
from tests.helpers import wait_for
from tests.services import ServiceDb

LINK = re.compile(r"https?://\S+/survey/(\S+)")


@pytest.fixture(scope="module")
def support_live(component_config, gateway_config):
    config = component_config("support", OUTBOX_POLL_SECONDS=0.2)
    container = start_container(SupportService, dict(config))
    schema = ServiceDb(config["DATABASE_URL"], config["DB_SCHEMA"])
    app = create_app({**gateway_config, "RPC_POOL_SIZE": 4, "RPC_TIMEOUT": 20})
    wait_for(lambda: app.test_client().get("/ready").status_code == 200, 20, message="the gateway is not ready")
    yield app, schema, config
    app.extensions["gateway"].close()
    container.kill()
    schema.wait_relay_free()
    schema.close()


def concurrently_call(calls):
    """Each call in its own green thread, all released at once; their results."""
    go = Event()

    def run(call):
        go.wait()
        return call()

    pool = GreenPool(len(calls))
    threads = [pool.spawn(run, call) for call in calls]
    sleep(0)
    go.send()
    return [thread.wait() for thread in threads]


def sent_link(schema, config):
    """A resolved case of the support schema with its survey sent; the link's token."""
    seq = schema.scalar("SELECT nextval('case_numbers')")
    case = schema.one("INSERT INTO cases (id, number_seq, number, subject, contact_email, status, resolved_at)"
                      " VALUES (%s, %s, %s, 'Router <b>blinks</b>', 'ada@example.com', 'resolved', now())"
                      " RETURNING *", (str(uuid.uuid4()), seq, f"CASE-{seq:06d}"))
    with schema.conn.transaction():
        surveys.case_resolved(schema.conn, case, None, config)
    mail = schema.one("SELECT text FROM outgoing_mail WHERE case_id = %s AND kind = 'survey'", (case["id"],))
    return case, LINK.search(mail["text"]).group(1)


def test_the_emailed_link_opens_the_page_and_takes_one_answer(support_live):
    app, schema, config = support_live
    client = app.test_client()
    case, token = sent_link(schema, config)
    page = client.get(f"/survey/{token}")
    assert page.status_code == 200 and "Router &lt;b&gt;blinks&lt;/b&gt;" in page.get_data(as_text=True)
    thanks = client.post(f"/survey/{token}", data={"csat": "4", "comment": "Fixed in a day."})
    assert thanks.status_code == 200 and "Thank you" in thanks.get_data(as_text=True)
    assert schema.one("SELECT csat, comment FROM surveys WHERE case_id = %s", (case["id"],)) == {
        "csat": 4, "comment": "Fixed in a day."}
    again = client.post(f"/survey/{token}", data={"csat": "1"})
    assert again.status_code == 409 and "<form" not in again.get_data(as_text=True)
    assert client.get(f"/api/v1/public/surveys/{token}").status_code == 409
    assert client.get(f"/survey/{token[:-2]}").status_code == 404
    assert client.post(f"/api/v1/public/surveys/{token[:-2]}", json={"csat": 5}).status_code == 404


def test_two_answers_posted_together_one_is_taken(support_live):
    app, schema, config = support_live
    case, token = sent_link(schema, config)
    statuses = concurrently_call([
        lambda score=score: app.test_client().post(f"/api/v1/public/surveys/{token}",
                                                   json={"csat": score}).status_code
        for score in (1, 5)])
    assert sorted(statuses) == [200, 409]
    assert schema.scalar("SELECT count(*) FROM surveys WHERE case_id = %s AND status = 'answered'",
                         (case["id"],)) == 1


def test_an_expired_link_is_410(support_live):
    app, schema, config = support_live
    case, token = sent_link(schema, config)
    schema.conn.execute("UPDATE surveys SET sent_at = now() - interval '20 days', expires_at = now() - interval '1 s'"
                        " WHERE case_id = %s", (case["id"],))
    client = app.test_client()
    assert client.get(f"/api/v1/public/surveys/{token}").status_code == 410
    assert client.post(f"/survey/{token}", data={"csat": "5"}).status_code == 410
    assert client.get(f"/survey/{token}").status_code == 410
