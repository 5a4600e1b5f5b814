"""What every operation of the served schema says alike, added after drf-spectacular has built it.

Every operation documents the error body for each 4xx the API can answer (the views add their own 400 and
409 with examples; one they give without a body gets the error body), the headers every answer carries
(X-Request-ID, the X-RateLimit-* of the key) and, for schemathesis' stateful phase and for readers, links
from an operation's answer to the operations that take its ids.
"""

from drf_spectacular.openapi import AutoSchema

from orders.api.serializers import MAX_BULK_ORDERS, MAX_PARCELS_PER_ORDER, StrictSerializer

ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}
# drf-spectacular leaves out the bounds of a nested serializer's list (many=True, allow_empty, max_length).
ARRAY_BOUNDS = {
    ("OrderCreateRequest", "parcels"): (1, MAX_PARCELS_PER_ORDER),
    ("BulkOrderCreateRequest", "orders"): (1, MAX_BULK_ORDERS),
}

COMMON_ERRORS = {
    "400": "Invalid input: a parameter, a header or the body; `fields` names each bad field.",
    "401": "Missing, unknown or revoked API key (`Authorization: Bearer pk_…`, the scheme in any case).",
    "404": "No such object among your own, or no such path under /api/.",
    "405": "The path does not take this method; the `Allow` header lists those it takes.",
    "406": "The `Accept` header allows no JSON: every answer is `application/json`.",
    "414": "The URL is longer than the API reads.",
    "429": "Rate limit reached; retry after the `Retry-After` header's seconds.",
}
BODY_ERRORS = {"415": "The body is not `application/json`."}

HEADERS = {
    "X-Request-ID": {
        "description": "This answer's id: yours if you sent a valid one (1 to 128 letters, digits or `-_.:`), "
        "else a new one. Error bodies carry it as `request_id`; quote it to support.",
        "required": True,
        "schema": {"type": "string", "minLength": 1, "maxLength": 128},
    },
    "X-RateLimit-Limit": {
        "description": "Requests your key may make in the window (PICKUP_API_RATE). On every answer to a "
        "request with a valid key, 429 included.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in the window, this one counted.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Reset": {
        "description": "Seconds until the oldest request in the window leaves it (and frees one).",
        "schema": {"type": "integer", "minimum": 0},
    },
}
RETRY_AFTER = {
    "description": "Seconds to wait before the next request.",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}
REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}

ORDER_ID = "$response.body#/id"
LINKS = {
    # (operation, status): {link name: (target operation, {parameter: runtime expression})}
    ("orders_create", "201"): {
        "GetOrder": ("orders_retrieve", {"order_id": ORDER_ID}),
        "CancelOrder": ("orders_cancel_create", {"order_id": ORDER_ID}),
        "ChangePickupStore": ("orders_pickup_store_create", {"order_id": ORDER_ID}),
        "MovePickupDay": ("orders_pickup_day_create", {"order_id": ORDER_ID}),
        "ParcelEvents": ("parcels_events_list", {"tracking_number": "$response.body#/parcels/0/tracking_number"}),
        "FindByReference": ("orders_list", {"reference": "$response.body#/reference"}),
    },
    ("orders_bulk_create", "200"): {
        "GetFirstOrder": ("orders_retrieve", {"order_id": "$response.body#/results/0/order/id"}),
    },
    ("webhook_deliveries_list", "200"): {
        "ReplayDelivery": ("webhook_deliveries_replay_create", {"delivery_id": "$response.body#/results/0/id"}),
    },
}


class ApiAutoSchema(AutoSchema):
    """A request body that refuses unknown fields says so."""

    def _map_basic_serializer(self, serializer, direction):
        result = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            result["additionalProperties"] = False
        return result


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def _header(name: str) -> dict:
    return {"$ref": f"#/components/headers/{name}"}


def complete_api_schema(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOK."""
    result.setdefault("components", {})["headers"] = {
        **HEADERS,
        "Retry-After": RETRY_AFTER,
        "Idempotent-Replayed": REPLAYED,
    }
    schemas = result["components"].get("schemas", {})
    for (component, field), (least, most) in ARRAY_BOUNDS.items():
        if component in schemas:
            schemas[component]["properties"][field].update(minItems=least, maxItems=most)
    operations = {}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            operations[operation["operationId"]] = operation
            responses = operation.setdefault("responses", {})
            errors = {**COMMON_ERRORS, **(BODY_ERRORS if "requestBody" in operation else {})}
            for status, description in errors.items():
                responses.setdefault(status, _error(description))
            for status, response in responses.items():
                if status.startswith("4"):
                    # A view's own 4xx (a 403, a 409) given with a description only has the same body too.
                    response.setdefault("content", {"application/json": {"schema": ERROR_SCHEMA}})
                headers = response.setdefault("headers", {})
                headers.update({name: _header(name) for name in HEADERS})
                if status == "429":
                    headers["Retry-After"] = _header("Retry-After")
                if method == "post" and status.startswith("2"):
                    headers["Idempotent-Replayed"] = _header("Idempotent-Replayed")
    for (operation_id, status), links in LINKS.items():
        response = operations.get(operation_id, {}).get("responses", {}).get(status)
        if response is None:
            continue
        response["links"] = {
            name: {"operationId": target, "parameters": parameters}
            for name, (target, parameters) in links.items()
            if target in operations
        }
    return result
