"""The Redis broker transport fails as a lost connection, not an AttributeError, once its connection is detached."""

from unittest import mock

import pytest
import redis
from django.conf import settings
from kombu import Connection
from redis.exceptions import ConnectionError as RedisConnectionError

from pickup.broker import Channel, Transport


@pytest.fixture
def channel():
    # given a channel on a server that is never contacted: nothing listens on port 1, building clients
    # and pools does not connect, and the one command a channel sends when it opens is answered here
    with mock.patch.object(redis.Redis, "ping", return_value=True):
        connection = Connection("redis://127.0.0.1:1/0", transport=Transport)
        yield connection.default_channel
    connection.release()


def test_a_channel_of_a_detached_connection_fails_as_a_lost_connection(channel):
    # given the transport detached from its connection, as Celery's consumer leaves it after an outage,
    # and the channel's pool dropped, as kombu does when a connection fails
    channel.connection.client = None
    channel._disconnect_pools()
    # when the channel needs a client again (to restore or acknowledge a message)
    # then it fails as the worker expects a lost broker to fail
    with pytest.raises(RedisConnectionError):
        with channel.conn_or_acquire():
            pass


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: the app's broker is Redis only then")
def test_the_app_uses_the_fixed_transport():
    from pickup.celery import app

    with app.connection_for_write() as connection:
        assert isinstance(connection.default_channel, Channel)
