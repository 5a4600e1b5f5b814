"""Schemathesis against the merchant API's own OpenAPI schema, in-process through the WSGI app.

Every operation gets 200 generated requests (fixed seed, so CI runs the same cases) with a demo
merchant's key: none may be a server error or a response the schema does not describe. A second run
sends the same kind of requests without the key: every one must be refused with 401/403.
"""

from functools import partial

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from orders.services.api_keys import api_key_issue
from pickup.wsgi import application
from tests.factories import MerchantFactory, StoreFactory

CASES_PER_OPERATION = 200
NO_KEY_CASES_PER_OPERATION = 25


def _load(*, modes: list[GenerationMode], max_examples: int):
    # Loaded at collection (the schema view reads no database), so each operation is its own test.
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    schema.config.phases.update(phases=["examples", "fuzzing"])
    schema.config.generation.update(modes=modes, max_examples=max_examples, deterministic=True)
    return schema


api_schema = _load(modes=list(GenerationMode), max_examples=CASES_PER_OPERATION)
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


@pytest.fixture(autouse=True)
def keep_the_test_connection(db):
    # As Django's test client does: the WSGI handler would close the test's connection around each request.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _settings(test, max_examples=CASES_PER_OPERATION):
    return settings(
        max_examples=max_examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )(test)


@api_schema.parametrize()
@_settings
def test_with_a_key_no_server_error_and_every_response_matches_the_schema(case, merchant_key):
    # given a generated request signed with a demo merchant's key
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {merchant_key}"}
    # when it is sent / then: not a 5xx, status documented, body matches the documented schema
    case.call_and_validate(
        checks=[schemathesis.checks.not_a_server_error, status_code_conformance, response_schema_conformance],
    )


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
