"""kombu's Redis transport, with a lost connection failing as a lost connection while the worker cleans it up.

The same failure (an AttributeError on `conninfo.hostname` in `Channel._connparams`, reached from
`conn_or_acquire` once the connection's client is gone) is reported upstream as
https://github.com/celery/kombu/issues/582; kombu 5.7.0 still reads the host from the detached
connection. Drop this module when kombu raises a connection error there itself.
"""

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(redis.Channel):
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
