"""Publisher confirms: the relay counts a batch as published only when the
broker has confirmed every message, in whatever order the acks come."""

import pytest
from kombu import Connection

from shared.kit.relay import Confirmations, ConfirmingPublisher, PublishFailed
from tests.kit.conftest import unique


def expecting(*tags):
    confirmations = Confirmations()
    for tag in tags:
        confirmations.expect(tag)
    return confirmations


def test_single_acks_in_order_complete_the_batch():
    confirmations = expecting(1, 2, 3)
    for tag in (1, 2):
        confirmations.ack(tag, False)
    assert not confirmations.done
    confirmations.ack(3, False)
    assert confirmations.done


def test_a_multiple_ack_that_arrives_after_higher_single_acks_still_counts_its_lower_tags():
    # As seen from RabbitMQ when tags 6 and 7 went to a quorum queue: 8..10
    # were confirmed singly first, then "everything up to 7" arrived.
    confirmations = expecting(*range(1, 11))
    for tag in (1, 2, 3, 4, 5, 8, 9, 10):
        confirmations.ack(tag, False)
    assert confirmations.pending == {6, 7}
    confirmations.ack(7, True)
    assert confirmations.done


def test_a_multiple_ack_leaves_higher_tags_pending():
    confirmations = expecting(1, 2, 3, 4)
    confirmations.ack(2, True)
    assert confirmations.pending == {3, 4}


def test_an_ack_for_an_unknown_or_repeated_tag_changes_nothing():
    confirmations = expecting(1, 2)
    confirmations.ack(1, False)
    confirmations.ack(1, False)
    confirmations.ack(99, False)
    assert confirmations.pending == {2}


def test_a_nack_ends_the_wait_as_refused():
    confirmations = expecting(1, 2)
    confirmations.nack(1, False)
    assert confirmations.done and confirmations.nacked


@pytest.fixture
def mixed_queues(amqp_uri):
    """An exchange that routes ``q.*`` to a quorum queue and ``c.*`` to a
    classic one: the broker then confirms out of order."""
    exchange = unique("confirms")
    connection = Connection(amqp_uri)
    channel = connection.channel()
    channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)
    queues = {"q.#": f"{exchange}-quorum", "c.#": f"{exchange}-classic"}
    channel.queue_declare(queues["q.#"], durable=True, auto_delete=False, arguments={"x-queue-type": "quorum"})
    channel.queue_declare(queues["c.#"], durable=True, auto_delete=False)
    for key, queue in queues.items():
        channel.queue_bind(queue, exchange, key)
    try:
        yield exchange, channel, queues
    finally:
        for queue in queues.values():
            channel.queue_delete(queue)
        channel.exchange_delete(exchange)
        connection.release()


def test_batches_routed_to_quorum_and_classic_queues_are_confirmed_in_full(amqp_uri, mixed_queues):
    exchange, channel, queues = mixed_queues
    publisher = ConfirmingPublisher(amqp_uri, exchange, confirm_timeout=10)
    try:
        for batch in range(5):
            messages = [(("q." if index % 7 == 0 else "c.") + "event", b"{}", {}, f"{batch}-{index}")
                        for index in range(400)]
            publisher.publish_batch(messages)
            assert not publisher.confirmations.pending
    finally:
        publisher.close()

    counts = {queue: channel.queue_declare(queue, passive=True).message_count for queue in queues.values()}
    assert counts == {queues["q.#"]: 5 * 58, queues["c.#"]: 5 * 342}


def test_a_batch_nobody_confirms_fails_within_the_timeout(amqp_uri, mixed_queues, monkeypatch):
    exchange, _channel, _queues = mixed_queues
    publisher = ConfirmingPublisher(amqp_uri, exchange, confirm_timeout=0.5)
    monkeypatch.setattr(publisher.confirmations, "ack", lambda tag, multiple: None)
    publisher.channel.events["basic_ack"].clear()
    try:
        with pytest.raises(PublishFailed, match="no confirm within 0.5s for 3 of 3 messages"):
            publisher.publish_batch([("c.event", b"{}", {}, str(index)) for index in range(3)])
    finally:
        publisher.close()
