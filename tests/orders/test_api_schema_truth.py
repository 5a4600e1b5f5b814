"""The served schema tells the truth: it is a valid OpenAPI document, and a recorded answer of every operation
(each success, and each kind of refusal: 400, 401, 404, 405, 406, 409, 414, 415, 429) matches what it documents
for that status: the body, and the headers it says are always there."""

import json
import re

import pytest
from django.test import Client
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

from orders.api.serializers import MAX_BULK_ORDERS
from pickup.middleware import API_MAX_URL_LENGTH
from tests.orders.conftest import order_body

API = "/api/v1"


@pytest.fixture
def served_schema(db) -> dict:
    response = Client().get(f"{API}/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_served_document_is_valid_openapi(served_schema):
    validate_spec(served_schema)


def _operation_for(schema: dict, method: str, path: str) -> tuple[str, dict]:
    for template, item in schema["paths"].items():
        pattern = "^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method in item:
            return f"{method.upper()} {template}", item[method]
    return f"{method.upper()} {path}", {}


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["headers"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _check_against_schema(schema: dict, method: str, path: str, response) -> str:
    """The operation's label, once the response matched its documented status, body and required headers."""
    label, operation = _operation_for(schema, method, path)
    documented = operation.get("responses", {}).get(str(response.status_code))
    assert response["X-Request-ID"]
    # An unknown path under /api/ is documented by no operation; its body is still the one error body.
    body_schema = {"$ref": "#/components/schemas/Error"}
    if operation:
        assert documented is not None, f"{label} answered {response.status_code}, which it does not document"
        for name, header in documented.get("headers", {}).items():
            if _resolve(schema, header).get("required"):
                assert name in response.headers, f"{label} {response.status_code} lacks {name}"
        content = documented["content"]
        if "application/json" not in content:  # a label's PDF
            assert response["Content-Type"] in content, (label, response["Content-Type"])
            return label
        body_schema = content["application/json"]["schema"]
    assert response["Content-Type"] == "application/json", (label, response["Content-Type"])
    validator = OAS30Validator(
        {**body_schema, "components": schema["components"]}, format_checker=OAS30Validator.FORMAT_CHECKER
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(json.loads(response.content))]
    assert not errors, (label, response.status_code, errors)
    return label


@pytest.fixture
def recorded(served_schema, api, merchant, store, make_parcel, settings):
    merchant.webhook_url = "https://shop.example/hook"
    merchant.save()
    settings.PICKUP_API_RATE = "1000/minute"
    answered: dict[str, set[int]] = {}

    def send(method: str, url: str, body=None, client=None, content_type="application/json", **headers):
        client = client or api
        if body is not None and not isinstance(body, str):
            body = json.dumps(body)
        kwargs = {"content_type": content_type, "data": body} if body is not None else {}
        response = getattr(client, method)(url, headers=headers, **kwargs)
        label = _check_against_schema(served_schema, method, url.partition("?")[0], response)
        answered.setdefault(label, set()).add(response.status_code)
        return response

    return send, answered


def test_every_operation_answers_as_the_schema_says(recorded, served_schema, store, make_parcel, settings):
    send, answered = recorded
    # given an order the merchant created, and one of its parcels on its way to the store
    created = send("post", f"{API}/orders/", order_body(store), **{"Idempotency-Key": "k-1"}).json()
    order = f"{API}/orders/{created['id']}/"
    moving = make_parcel("in_transit")
    moving_order = f"{API}/orders/{moving.order.public_id}/"
    # when every operation is called, successfully and in each way it can be refused
    send("get", f"{API}/stores/")  # 400: no place
    send("get", f"{API}/stores/?q=Da'an")
    send("get", f"{API}/stores/?lat=25.03&lng=121.54&size_class=M")
    send("get", f"{API}/orders/")
    send("get", f"{API}/orders/?reference=A-1001&updated_since=2026-01-01T00:00:00%2B08:00")
    send("get", f"{API}/orders/?updated_since=2026-01-01T00:00:00")  # 400: no offset
    send("get", f"{API}/orders/?page_size=0")  # 400
    send("get", f"{API}/orders/?cursor=nonsense")  # 404
    send("post", f"{API}/orders/", order_body(store))  # 400: the reference is taken
    send("post", f"{API}/orders/", order_body(store, reference="A-2"), **{"Idempotency-Key": "k-1"})  # 409
    send("post", f"{API}/orders/", order_body(store), client=Client())  # 401
    send("post", f"{API}/orders/bulk/", {"orders": [order_body(store, reference="B-1"), order_body(store)]})
    send("post", f"{API}/orders/bulk/", {"orders": [order_body(store)] * (MAX_BULK_ORDERS + 1)})  # 400
    send("get", order)
    send("get", f"{API}/orders/ord_{'x' * 20}/")  # 404
    send("post", f"{order}pickup-store/", {"pickup_store": store.code})
    send("post", f"{moving_order}pickup-store/", {"pickup_store": store.code})  # 409: dispatched
    send("post", f"{order}pickup-day/", {"preferred_pickup_day": None})
    send("post", f"{moving_order}pickup-day/", {"preferred_pickup_day": None})  # 409
    send("post", f"{order}cancel/")
    send("post", f"{moving_order}cancel/")  # 409
    send("get", f"{API}/parcels/{moving.tracking_number}/events/")
    send("get", f"{API}/parcels/000000000000/events/")  # 404
    deliveries = send("get", f"{API}/webhook-deliveries/").json()["results"]
    send("post", f"{API}/webhook-deliveries/{deliveries[0]['id']}/replay/")
    send("post", f"{API}/webhook-deliveries/dlv_{'x' * 20}/replay/")  # 404
    send("post", f"{API}/webhook-deliveries/replay/", {"since": "2026-01-01T00:00:00+08:00"})
    send("get", f"{API}/parcels/{moving.tracking_number}/label/", Accept="application/pdf")
    send("get", f"{moving_order}label/", Accept="application/pdf")
    send("post", f"{API}/returns/", {"tracking_number": moving.tracking_number})  # 409: not picked up
    send("get", f"{API}/settlements/?day=2026-12-05")
    send("get", f"{API}/settlements/")  # 400: no day
    send("get", f"{API}/webhook-endpoint/")
    send("put", f"{API}/webhook-endpoint/", {"url": "https://shop.example/hook"})
    send("post", f"{API}/webhook-endpoint/rotate-secret/")
    send("post", f"{API}/webhook-endpoint/test/")
    send("post", f"{API}/test/parcels/{moving.tracking_number}/advance/", {})  # 403: a live key
    # and refused for how the request is made
    send("delete", order)  # 405
    send("get", order, Accept="text/html")  # 406
    send("get", f"{API}/orders/?reference={'r' * API_MAX_URL_LENGTH}")  # 414
    send("post", f"{API}/orders/", "reference=A", content_type="application/x-www-form-urlencoded")  # 415
    settings.PICKUP_API_RATE = "1/minute"
    send("get", f"{API}/orders/")
    send("get", f"{API}/orders/")  # 429
    send("get", f"{API}/no/such/thing/")  # 404 outside any operation
    # then every operation of the schema answered, and each answer matched it
    operations = {f"{m.upper()} {p}" for p, item in served_schema["paths"].items() for m in item}
    assert operations <= answered.keys(), operations - answered.keys()
    assert {400, 401, 404, 405, 406, 409, 414, 415, 429} <= set().union(*answered.values())
