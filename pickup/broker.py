"""kombu's Redis transport, with two changes: one Redis client per connection pool instead of one
per command, and a lost connection that fails as a lost connection while the worker cleans it up.

Outside the worker's event loop, kombu builds a new `redis.Redis` for every command it sends (each
task published, each ack, each restore of unacked messages), and redis-py fills a dict of some 170
response callbacks in each one's constructor: about a sixth of the CPU of publishing a task, which
every accepted scan does. A client only wraps its pool and is safe to share between threads, so a
channel keeps one per pool; kombu replaces the pool after a fork or a failed connection, and the
client follows it. The event loop's clients (BRPOP, pub/sub) each hold a connection of their own and
stay as kombu makes them.
"""

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(redis.Channel):
    _pooled_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        client = self._pooled_client
        if client is None or client.connection_pool is not self.pool:
            client = self._pooled_client = super()._create_client()
        return client

    def _connparams(self, asynchronous=False):
        # When Redis dies while the worker has a BRPOP in flight on two channels and a task message
        # not yet acknowledged, Celery's consumer collects the connection: closing the first channel
        # fails on its dead BRPOP, closing the second ends the loop over the others, and the transport
        # is detached from its connection with the task's channel still open. The consumer then closes
        # the connection; that channel tries to put the message back, needs a new pool, and kombu reads
        # the host from the detached connection: an AttributeError, which stops the worker for good.
        # A task that finishes after the clean-up and acknowledges on that channel meets the same.
        # As a connection error it is what both expect: the restore or the ack is given up, logged,
        # and the message waits in the unacknowledged set until the visibility timeout hands it out
        # again (a task runs at least once).
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(redis.Transport):
    Channel = Channel
