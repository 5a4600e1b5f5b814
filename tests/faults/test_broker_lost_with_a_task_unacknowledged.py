"""Redis dies while a worker holds a task it has not acknowledged and waits on the queues (BRPOP) on
two channels: the worker's connection is cleaned up as Celery's consumer does it and the task's late
acknowledgement fails as a lost connection, neither with an error that would stop the worker, and a
new connection consumes once Redis is back.

kombu's own transport fails here (see `pickup.broker.Channel._connparams`); this drives the same
kombu calls as the consumer, so the test says which transport the worker needs, without the timing
a real worker adds (a real worker met it in two of 33 outages of a stress run on this machine).
"""

import logging

from kombu import Connection, Exchange, Queue
from kombu.common import ignore_errors

from pickup.broker import Transport


def queue(name: str) -> Queue:
    return Queue(name, Exchange(name, type="direct"), routing_key=name)


def test_the_connection_is_cleaned_up_and_a_new_one_consumes(private_redis):
    # given a consumer that took a task (not acknowledged, as with acks_late) and waits for more on
    # its channel, and a second channel waiting too (the worker's remote control channel)
    tasks, control = queue("tasks"), queue("control")
    connection = Connection(private_redis.url(), transport=Transport)
    with connection.Producer() as producer:
        producer.publish({"task": 1}, exchange=tasks.exchange, routing_key=tasks.routing_key, declare=[tasks, control])
    taken = []
    connection.Consumer([tasks], callbacks=[lambda body, message: taken.append(message)]).consume()
    connection.Consumer([control], channel=connection.channel(), callbacks=[]).consume()
    connection.drain_events(timeout=5)
    try:
        connection.drain_events(timeout=0.2)  # nothing more comes; each channel's BRPOP stays in flight
    except TimeoutError:
        pass
    assert len(taken) == 1 and not taken[0].acknowledged
    assert all(channel._in_poll is not None for channel in connection.transport.channels)

    # when Redis dies, the consumer cleans up its connection (collect, then close) and the task
    # finishes afterwards and acknowledges, as the worker does with the errors it tolerates
    private_redis.stop()
    connection.collect(socket_timeout=0.1)
    ignore_errors(connection, connection.close)
    taken[0].ack_log_error(logging.getLogger(__name__), connection.connection_errors)

    # then nothing escaped that would stop the worker, and once Redis is back a new connection
    # publishes and consumes
    private_redis.start()
    with Connection(private_redis.url(), transport=Transport) as again:
        with again.Producer() as producer:
            producer.publish({"task": 2}, exchange=tasks.exchange, routing_key=tasks.routing_key, declare=[tasks])
        received = []
        with again.Consumer([tasks], callbacks=[lambda body, message: (received.append(body), message.ack())]):
            again.drain_events(timeout=5)
        assert received == [{"task": 2}]
