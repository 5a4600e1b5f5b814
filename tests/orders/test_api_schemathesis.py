"""Schemathesis against the served OpenAPI schema, in-process through the WSGI app, with a merchant's key.

Every default check of schemathesis runs (server errors, status codes, content types, headers, response bodies,
valid data accepted, invalid data refused, unsupported methods, auth enforced, use after free, resources
available…) on at least CASES_PER_OPERATION generated requests per operation (fixed seed, so CI runs the same
cases), then its stateful phase follows the schema's links (create an order, read it, cancel it, move it…).
Zero failures. Its runtime: bench/results/api_schemathesis.txt.

A schema says what a well-formed request is, not what exists: the store a request names must be one of the
network's, a reference one not used yet, a pickup day one the calendar offers now, a store search needs a
place (lat and lng together, or a postal code or district that exists), a webhook URL must be a public
address. Requests generated as valid get those
few values from this test's world (`fit_to_this_world`), so that "valid data is accepted" is checked on
everything else the generator varies; requests generated as invalid are sent as generated.
"""

import itertools
import json

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, reject, settings
from schemathesis import GenerationMode

from orders.api.serializers import MAX_CASH_ON_PICKUP
from orders.services.api_keys import api_key_demo_text, api_key_issue_demo
from pickup.wsgi import application
from tests.factories import MerchantFactory, StoreFactory

CASES_PER_OPERATION = 100
STATEFUL_SCENARIOS = 60
STORE = "S0012"
TAIPEI = {"lat": 25.0264, "lng": 121.5434}
WEBHOOK_URL = "https://shop.example/hooks/pickup"
REFERENCES = itertools.count()
pytestmark = pytest.mark.usefixtures("in_process_wsgi")

# Loaded at collection (the schema view reads no database), so each operation is its own test.
api_schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
api_schema.config.phases.update(phases=["examples", "fuzzing", "stateful"])
# The API refuses NUL characters and lone surrogates anywhere in a request (400 `parse_error`, documented in the
# schema's introduction): no database column can hold them. Generated strings leave them out.
api_schema.config.generation.update(
    modes=list(GenerationMode),
    max_examples=CASES_PER_OPERATION,
    deterministic=True,
    allow_x00=False,
    codec="utf-8",
)


# The demo merchant's key, derived from the server secret: known at collection, when the schema's own examples
# are built, and the same in every test's database.
MERCHANT = "DEMO"
MERCHANT_KEY = api_key_demo_text(MERCHANT)

# A URL too long to read is refused with 414 (documented on every operation): a refusal like 400.
rejection = api_schema.config.checks.negative_data_rejection
rejection.expected_statuses = [*rejection.expected_statuses, "414"]


class MerchantKey:
    def get(self, case, context):
        return MERCHANT_KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


api_schema.auth()(MerchantKey)


def _fit_order(order: dict) -> None:
    order["pickup_store"] = STORE
    order["reference"] = f"ST-{next(REFERENCES)}"
    order["preferred_pickup_day"] = None


def fit_to_this_world(case) -> None:
    """Values only the server's state makes valid, on a request generated as valid (see the module's doc)."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    # allow_x00=False reaches neither strings nested in arrays nor the query: such a request is not valid.
    sent = [case.body if isinstance(case.body, dict | list) else None, case.query, case.path_parameters]
    if "\\u0000" in json.dumps(sent, default=str):
        reject()
    body, path = case.body, case.operation.path
    if path == "/api/v1/stores/":
        query = dict(case.query or {})
        if not {"lat", "lng"} <= query.keys():
            query.update(TAIPEI)
        case.query = query
    elif not isinstance(body, dict):
        return
    elif path == "/api/v1/orders/":
        _fit_order(body)
    elif path == "/api/v1/orders/bulk/":
        for order in body.get("orders", []):
            _fit_order(order)
    elif path.endswith("/pickup-store/"):
        body["pickup_store"] = STORE
    elif path.endswith("/pickup-day/"):
        body["preferred_pickup_day"] = None
    elif path == "/api/v1/returns/" and body.get("store") is not None:
        body["store"] = STORE
    elif path == "/api/v1/webhook-endpoint/" and body.get("url"):
        body["url"] = WEBHOOK_URL


@pytest.fixture
def merchant_key(region, settings):
    # Generated requests far exceed a merchant's rate limit; the limit has its own tests.
    settings.PICKUP_API_RATE = "100000/minute"
    merchant = MerchantFactory(code=MERCHANT, name="Demo shop")
    # A store that takes any parcel the schema allows, so a well-formed order to it is accepted.
    StoreFactory(
        region=region,
        code=STORE,
        name="Store S0012",
        slot_capacity=100_000,
        chilled_slots=100_000,
        frozen_slots=100_000,
        max_weight_g=100_000,
        max_cash_on_pickup=MAX_CASH_ON_PICKUP,
    )
    return api_key_issue_demo(merchant=merchant)


HYPOTHESIS = settings(
    max_examples=CASES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@api_schema.parametrize()
@HYPOTHESIS
def test_every_operation_passes_every_default_check(case, merchant_key):
    # given a generated request (valid or not) signed with the merchant's key
    fit_to_this_world(case)
    # when it is sent
    response = case.call_and_validate()
    # then every default check of schemathesis passed, and a valid request was not refused for its key
    assert not (case.meta.generation.mode.is_positive and response.status_code == 401), response.text


class Workflow(api_schema.as_state_machine()):
    """Each scenario starts from the same database (a savepoint rolled back after it): which links can be
    followed must not depend on what earlier scenarios left, or Hypothesis sees its generation change."""

    answered: set[tuple[str, int]] = set()

    def setup(self) -> None:
        super().setup()
        self.scenario = transaction.savepoint()

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.scenario)
        super().teardown()

    def before_call(self, case) -> None:
        fit_to_this_world(case)

    def after_call(self, response, case) -> None:
        super().after_call(response, case)
        Workflow.answered.add((case.operation.label, response.status_code))


def test_stateful_links_pass_every_default_check(merchant_key):
    # given the schema's links between operations (orders.api.schema.LINKS)
    # when schemathesis chains calls along them / then every response passes every default check
    Workflow.run(settings=settings(HYPOTHESIS, max_examples=STATEFUL_SCENARIOS, stateful_step_count=6))
    # and the chains did reach the orders they created
    assert {("POST /api/v1/orders/", 201), ("GET /api/v1/orders/{order_id}/", 200)} <= Workflow.answered
