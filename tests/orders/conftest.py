"""Named API callers: the merchant's client, another merchant's client, and a client with no key."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from orders.services.api_keys import api_key_issue
from tests.factories import MerchantFactory


def client_for(merchant) -> APIClient:
    _key, raw = api_key_issue(merchant=merchant, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def api(merchant):
    return client_for(merchant)


@pytest.fixture
def rival_merchant(db):
    return MerchantFactory(code="RIVAL", name="Rival shop")


@pytest.fixture
def rival_api(rival_merchant):
    return client_for(rival_merchant)


def order_body(store, **overrides) -> dict:
    body = {
        "reference": "A-1001",
        "shopper_name": "Lin Mei-Ling",
        "shopper_phone": "0912 345 678",
        "shopper_email": "mei@mail.example",
        "pickup_store": store.code,
        "parcels": [{"size_class": "S", "weight_g": 800}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def migrator(transactional_db):
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    yield executor
    MigrationExecutor(connection).migrate(leaves)


def migrate_orders(executor, targets):
    """Migrate orders to the target; the models as they were then, with every other app as it is now."""
    executor.loader.build_graph()
    executor.migrate(targets)
    loader = MigrationExecutor(connection).loader
    others = [node for node in loader.graph.leaf_nodes() if node[0] != "orders"]
    return loader.project_state([*targets, *others]).apps
