"""The Redis cache backend keeps one client per connection pool (no server is contacted here)."""

from pickup.cache import PooledClientRedisCache


def test_every_operation_shares_one_client_per_pool():
    # given a cache on one server (nothing listens on port 1: building clients does not connect)
    cache = PooledClientRedisCache("redis://127.0.0.1:1/0", {})
    # when it is asked for clients to write and to read
    writer = cache._cache.get_client(write=True)
    # then it hands out the same client, bound to the server's pool
    assert cache._cache.get_client(write=True) is writer
    assert cache._cache.get_client() is writer
    assert writer.connection_pool is cache._cache._get_connection_pool(write=True)


def test_each_server_has_its_own_client():
    cache = PooledClientRedisCache("redis://127.0.0.1:1/0,redis://127.0.0.1:2/0", {})
    writer, reader = cache._cache.get_client(write=True), cache._cache.get_client()
    assert writer is not reader
    assert reader.connection_pool.connection_kwargs["port"] == 2
