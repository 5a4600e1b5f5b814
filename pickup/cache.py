"""Django's Redis cache with one Redis client per connection pool, instead of one per operation.

Django's RedisCacheClient builds a new `redis.Redis` for every get and set, and redis-py fills a
dict of some 200 response callbacks in each one's constructor: a measurable share of every counter
request, whose session is read through this cache. A client only wraps its pool and is safe to
share between threads, so one per pool is enough.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class PooledClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class PooledClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient
