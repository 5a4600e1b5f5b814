"""Named API callers: the merchant's client, another merchant's client, and a client with no key."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from orders.services.api_keys import api_key_issue
from tests.factories import MerchantFactory


def client_for(merchant, *, livemode: bool = True) -> APIClient:
    _key, raw = api_key_issue(merchant=merchant, name="test", livemode=livemode)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def api(merchant):
    return client_for(merchant)


@pytest.fixture
def sandbox_api(merchant):
    """The merchant's client with a test key (pk_test_…)."""
    return client_for(merchant, livemode=False)


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


def store_and_merchant(apps):
    """A store (with its DC and region) and a merchant with a webhook URL, in the models of `apps`."""
    dc = apps.get_model("stores", "DistributionCenter").objects.create(
        code="DC1", name="DC", address="1 Depot Rd", latitude="25.06", longitude="121.42"
    )
    region = apps.get_model("stores", "Region").objects.create(code="R1", name="R", dc=dc)
    store = apps.get_model("stores", "Store").objects.create(
        code="S1",
        name="S",
        address="1 Heping Rd",
        postal_code="106",
        latitude="25.02",
        longitude="121.54",
        region=region,
    )
    merchant = apps.get_model("orders", "Merchant").objects.create(
        code="SHOP", name="Shop", webhook_url="https://shop.example/hooks"
    )
    return store, merchant
