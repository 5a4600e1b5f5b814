"""Schemathesis against the merchant API's own OpenAPI schema, in-process through the WSGI app, without a key:
every generated request must be refused with 401/403. With a key, every default check runs in
tests/orders/test_api_schemathesis.py."""

from functools import partial

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from orders.services.api_keys import api_key_issue
from pickup.wsgi import application
from tests.factories import MerchantFactory, StoreFactory

NO_KEY_CASES_PER_OPERATION = 25
pytestmark = pytest.mark.usefixtures("in_process_wsgi")


def _load(*, modes: list[GenerationMode], max_examples: int):
    # Loaded at collection (the schema view reads no database), so each operation is its own test.
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    schema.config.phases.update(phases=["examples", "fuzzing"])
    # A NUL in the query is refused (400) before any view, key or not: not what this test is about.
    schema.config.generation.update(
        modes=modes, max_examples=max_examples, deterministic=True, allow_x00=False, codec="utf-8"
    )
    return schema


# Without a key only well-formed requests: a malformed path is refused by the URL resolver (404)
# before authentication, which proves nothing about auth.
no_key_schema = _load(modes=[GenerationMode.POSITIVE], max_examples=NO_KEY_CASES_PER_OPERATION)


@pytest.fixture
def merchant_key(region, settings):
    # Generated requests far exceed a merchant's rate limit; the limit has its own tests.
    settings.PICKUP_API_RATE = "100000/minute"
    merchant = MerchantFactory(code="DEMO", name="Demo shop")
    StoreFactory(region=region, code="S0012", name="Store S0012")
    _key, raw = api_key_issue(merchant=merchant, name="schemathesis")
    return raw


def _settings(test, max_examples):
    return settings(
        max_examples=max_examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )(test)


@no_key_schema.parametrize()
@partial(_settings, max_examples=NO_KEY_CASES_PER_OPERATION)
def test_without_a_key_every_operation_is_refused(case, merchant_key):
    # given a generated request with no Authorization header
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.headers = headers
    # when it is sent
    response = case.call()
    # then it is refused before anything is read or written
    assert response.status_code in (401, 403), (case.method, case.path, response.status_code, response.text[:300])
