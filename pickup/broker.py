"""kombu's Redis transport with one Redis client per connection pool, instead of one per command.

Outside the worker's event loop, kombu builds a new `redis.Redis` for every command it sends (each
task published, each ack, each restore of unacked messages), and redis-py fills a dict of some 170
response callbacks in each one's constructor: about a sixth of the CPU of publishing a task, which
every accepted scan does. A client only wraps its pool and is safe to share between threads, so a
channel keeps one per pool; kombu replaces the pool after a fork or a failed connection, and the
client follows it. The event loop's clients (BRPOP, pub/sub) each hold a connection of their own and
stay as kombu makes them.
"""

from kombu.transport import redis


class Channel(redis.Channel):
    _pooled_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        client = self._pooled_client
        if client is None or client.connection_pool is not self.pool:
            client = self._pooled_client = super()._create_client()
        return client


class Transport(redis.Transport):
    Channel = Channel
