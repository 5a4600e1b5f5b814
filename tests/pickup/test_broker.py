"""The Redis broker transport keeps one client per connection pool for the commands it sends itself."""

from unittest import mock

import pytest
import redis
from django.conf import settings
from kombu import Connection, Exchange, Queue

from pickup.broker import Channel, Transport


@pytest.fixture
def channel():
    # given a channel on a server that is never contacted: nothing listens on port 1, building clients
    # and pools does not connect, and the one command a channel sends when it opens is answered here
    with mock.patch.object(redis.Redis, "ping", return_value=True):
        connection = Connection("redis://127.0.0.1:1/0", transport=Transport)
        yield connection.default_channel
    connection.release()


def test_commands_share_one_client_per_pool(channel):
    # when the channel sends two commands of its own, as for two publishes
    with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
        # then they go through one client, on the channel's pool
        assert first is second
        assert first.connection_pool is channel.pool
    # and the event loop's client (BRPOP, which holds its connection) is another, on its own pool
    assert channel.client is not first
    assert channel.client.connection_pool is channel.async_pool


def test_a_new_pool_gets_a_new_client(channel):
    # given a client in use
    with channel.conn_or_acquire() as before:
        pass
    # when kombu drops the pool, as it does after a fork or when a connection fails
    channel._disconnect_pools()
    # then the next command gets a client on the new pool
    with channel.conn_or_acquire() as after:
        assert after is not before
        assert after.connection_pool is channel.pool is not before.connection_pool


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: publishes to the configured Redis")
def test_the_app_publishes_through_one_client():
    from pickup.celery import app

    queue = Queue("test-broker-one-client", Exchange("test-broker-one-client"), routing_key="test-broker-one-client")
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        assert isinstance(channel, Channel)
        try:
            with mock.patch.object(channel, "Client", wraps=channel.Client) as client_class:
                # when the app's connection publishes twice
                with connection.Producer() as producer:
                    for n in range(2):
                        producer.publish(
                            {"n": n}, exchange=queue.exchange, routing_key=queue.routing_key, declare=[queue]
                        )
            # then both messages are on the queue and a single client was built for them
            assert queue(channel).queue_declare(passive=True).message_count == 2
            assert client_class.call_count == 1
        finally:
            queue(channel).delete()
