"""Every URL pattern × every role: only the owner of an object reaches it, everyone else is refused and
the database is left as it was.

Routes are enumerated from the URL resolver, so a new route fails `test_every_route_is_classified`
until it is given a policy here. Roles: anonymous (a shopper), the clerk of store W001, the planner of
the DC, a driver of another DC, a merchant's API key, an operator (staff superuser). "Another's" objects
are a parcel of store W002, a second DC (and a route of the DC, to that driver), a rival merchant's
order, parcel and webhook delivery.
"""

import hashlib
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from orders.models import ApiKey, Order, Parcel, ParcelEvent, WebhookDelivery
from routing.models import BatchRun, PlannedRoute, RegionPlan
from stores.models import StaffMembership, Store

ROLES = ["anonymous", "clerk", "planner", "driver", "merchant", "operator"]

# Who owns each route. PUBLIC: anyone; SESSION: whoever looked the object up in this browser session;
# LINK: whoever holds the signed link (the driver's manifest QR code; tests/dc/test_driver_access.py);
# CLERK / PLANNER / DRIVER / MERCHANT / OPERATOR: that role, and for an object only its own store / DC /
# merchant.
PUBLIC, SESSION, LINK = "public", "session", "link"
CLERK, PLANNER, DRIVER, MERCHANT, OPERATOR = "clerk", "planner", "driver", "merchant", "operator"
# A DC's figures are its planners' to read, and every DC's are the operators'.
FIGURES = "figures"
POLICY = {
    "home": PUBLIC,
    "healthz": PUBLIC,
    "staff_landing": PUBLIC,
    "login": PUBLIC,
    "logout": PUBLIC,
    "set_language": PUBLIC,
    "picker:page": PUBLIC,
    "picker:search": PUBLIC,
    "demo_shop:checkout": PUBLIC,
    "tracking:lookup": PUBLIC,
    "api:schema": PUBLIC,
    "api:docs": PUBLIC,
    "api:redoc": PUBLIC,
    # Any other path under /api/: a JSON 404 for everyone.
    "api_not_found": PUBLIC,
    "tracking:parcel": SESSION,
    "tracking:extend_hold": SESSION,
    "tracking:name_proxy": SESSION,
    "tracking:return": SESSION,
    "demo_shop:thanks": SESSION,
    **{
        f"counter:{name}": CLERK
        for name in (
            "home",
            "choose_store",
            "scan_in",
            "expected",
            "handover",
            "returns",
            "report",
            "find_parcel",
            "parcel",
            "report_problem",
            "dropoff",
            "return_label",
        )
    },
    **{
        f"routing:{name}": PLANNER
        for name in (
            "console",
            "today",
            "runs",
            "day",
            "run_start",
            "run_conditions",
            "run_csv",
            "region",
            "region_conditions",
            "region_vehicles",
            "region_solve",
            "region_move",
            "region_approve",
            "region_csv",
            "route_lock",
            "route_dispatch",
            "route_manifest",
            "route_manifest_pdf",
        )
    },
    # The DC floor is its dock staff's and its planners' (who may do the dock's work): the planner of the
    # matrix's DC stands for both, and is refused on the other DC's floor.
    **{
        f"dc:{name}": PLANNER
        for name in (
            "home",
            "floor",
            "intake",
            "consignments",
            "loading",
            "load_route",
            "load_sheet",
            "returns",
            "return_consignment",
            "exceptions",
            "exception_resolve",
        )
    },
    **{f"insight:{name}": FIGURES for name in ("home", "figures", "figures_csv")},
    "insight:network": PLANNER,
    **{f"driver:{name}": DRIVER for name in ("home", "route", "route_status", "route_tap")},
    **{f"driver:{name}": LINK for name in ("link", "link_status", "link_tap")},
    **{
        f"api:{name}": MERCHANT
        for name in (
            "stores",
            "orders",
            "orders-bulk",
            "order",
            "order-cancel",
            "order-pickup-store",
            "order-pickup-day",
            "order-label",
            "parcel-events",
            "parcel-label",
            "returns",
            "webhook-deliveries",
            "webhook-delivery-replay",
            "webhook-deliveries-replay",
            "webhook-endpoint",
            "webhook-endpoint-rotate-secret",
            "webhook-endpoint-test",
            "sandbox-advance",
            "settlements",
        )
    },
}
# Admin URLs are many and generated per model; every one of them is the operator's.
ADMIN_NAMESPACE = "admin"
# The admin's own sign-in pages, open to anyone; the JavaScript catalog and the autocomplete (which
# answers 403 without its parameters) are covered by the non-operator refusal test only.
ADMIN_PUBLIC = {"admin:login", "admin:logout", "admin:jsi18n"}


def _routes(resolver=None, prefix="", namespace=""):
    """(pattern string, name with namespace, namespace) of every URL the project serves."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, pattern, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield pattern, name, namespace


ALL_ROUTES = list(_routes())
APP_ROUTES = [(pattern, name) for pattern, name, namespace in ALL_ROUTES if namespace != ADMIN_NAMESPACE]
ADMIN_ROUTES = [(pattern, name) for pattern, name, namespace in ALL_ROUTES if namespace == ADMIN_NAMESPACE]


def test_every_route_is_classified():
    unclassified = [(pattern, name) for pattern, name in APP_ROUTES if name not in POLICY]
    assert not unclassified, f"give these routes a policy in {__file__}: {unclassified}"
    assert ADMIN_ROUTES, "the admin is mounted"


def _fill(pattern: str, values: dict) -> str:
    """A concrete path for a route pattern from the values of its named parts."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), 1)), pattern)
    # Regex patterns (the admin's) reduced to a plausible path.
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values.get(m.group(1), "1")), path)
    return "/" + path.lstrip("^").rstrip("$").replace("\\", "")


AUDIT_EVENTS = {ParcelEvent.Type.SCAN_REFUSED, ParcelEvent.Type.CODE_FAILED}
VOLATILE = {"last_login", "last_used_at"}


def _db_checksum() -> str:
    """A digest of the main tables' rows; refused scans and wrong codes are logged as audit events on
    purpose (the DC sees them), so those are left out."""
    tables = [
        Parcel.objects.all(),
        Order.objects.all(),
        ParcelEvent.objects.exclude(type__in=AUDIT_EVENTS),
        WebhookDelivery.objects.all(),
        BatchRun.objects.all(),
        RegionPlan.objects.all(),
        PlannedRoute.objects.all(),
        Store.objects.all(),
        StaffMembership.objects.all(),
        ApiKey.objects.all(),
        get_user_model().objects.all(),
    ]
    rows = [
        [{k: v for k, v in row.items() if k not in VOLATILE} for row in qs.order_by("pk").values()] for qs in tables
    ]
    return hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()


def _client(world, role):
    if role == "merchant":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {world['key']}")
        return client
    client = Client()
    if role in world["users"]:
        client.force_login(world["users"][role])
    return client


def _path(pattern, name, values):
    values = dict(values)
    if name.startswith("api:"):
        values["order_id"] = values["api_order_id"]
        values["delivery_id"] = values["delivery"]
        values["tracking_number"] = values.get("api_tracking_number", values["tracking_number"])
    return _fill(pattern, values)


def _refused(response, role) -> bool:
    # 405: the owner's route asked with the wrong method, answered before any object is read.
    if response.status_code in (401, 403, 404, 405):
        return True
    # Staff pages send the anonymous (and for the admin, non-staff) visitor to a login page.
    return response.status_code == 302 and "login" in response.get("Location", "")


def _requests(world):
    """GET and POST of a route, the POST carrying another's object where the route takes one in its body."""
    body = {
        "code": world["other_parcel"].tracking_number,
        "tracking_number": world["other_parcel"].tracking_number,
        "kind": "damaged",
        "pickup_store": "W002",
    }
    return [("get", {}), ("post", body)]


@pytest.mark.parametrize("role", ROLES)
def test_staff_and_api_routes_refuse_everyone_but_the_owner_and_change_nothing(world, role):
    # given every route of a role that is not `role`'s, or that names another store's / DC's / merchant's object
    owner_role = {CLERK: "clerk", PLANNER: "planner", DRIVER: "driver", MERCHANT: "merchant", FIGURES: "planner"}
    refusals = []
    before = _db_checksum()
    for pattern, name in APP_ROUTES:
        policy = POLICY[name]
        if policy not in owner_role:
            continue
        takes_object = "<" in pattern
        if policy == FIGURES and role == "operator":
            continue  # operators read every DC's figures (test_the_owner_reaches_their_own_object)
        if owner_role[policy] == role and not takes_object:
            continue  # the role's own screens without an object: the owner cases below
        path = _path(pattern, name, world["other"])
        client = _client(world, role)
        # when it is requested by GET and by POST
        for method, body in _requests(world):
            response = getattr(client, method)(path, body)
            # then it is refused
            if not _refused(response, role):
                refusals.append((method.upper(), path, response.status_code))
    # then every request was refused and nothing changed
    assert refusals == []
    assert _db_checksum() == before


@pytest.mark.parametrize("role", ["anonymous", "clerk", "planner", "merchant"])
def test_admin_routes_are_the_operators_only(world, role):
    # given every admin URL
    client = _client(world, role)
    before = _db_checksum()
    leaks = []
    for pattern, name in ADMIN_ROUTES:
        if name in ADMIN_PUBLIC:
            continue
        path = _fill(
            pattern, {"object_id": world["rival_parcel"].pk, "app_label": "orders", "content_type_id": 1, "url": "x"}
        )
        for method in ("get", "post"):
            # when a non-operator requests it
            response = getattr(client, method)(path, {})
            # then they are sent to the admin login (or the URL does not exist for them)
            if not _refused(response, role):
                leaks.append((method.upper(), path, response.status_code))
    assert leaks == []
    assert _db_checksum() == before


def test_the_operator_reaches_the_admin(world):
    client = _client(world, "operator")
    for pattern, name in ADMIN_ROUTES:
        if (
            "<" in pattern
            or "(?P" in pattern
            or not pattern.endswith("/")
            or name in ADMIN_PUBLIC
            or name == "admin:autocomplete"
        ):
            continue
        response = client.get(_fill(pattern, {}))
        # Append-only records (parcel events, webhook attempts) have no add form, even for operators.
        append_only = response.status_code == 403 and pattern.endswith("/add/")
        assert response.status_code in (200, 302) or append_only, (pattern, response.status_code)
        assert "login" not in response.get("Location", ""), pattern


def test_a_clerks_screens_do_not_show_another_stores_parcel(world):
    # given the clerk of W001 and a parcel in transit to W002
    client = _client(world, "clerk")
    other = world["other_parcel"].tracking_number
    for name in (
        "counter:home",
        "counter:expected",
        "counter:report",
        "counter:scan_in",
        "counter:returns",
        "counter:handover",
    ):
        # when the clerk opens their own screens, and searches for the other store's parcel
        response = client.get(_fill(_pattern(name), {}))
        # then the page opens, and the other store's parcel is not on it
        assert response.status_code == 200, name
        assert other not in response.content.decode(), name
    response = client.get(_fill(_pattern("counter:find_parcel"), {}), {"q": other})
    assert other not in response.content.decode().replace(f'value="{other}"', "")


def _pattern(name: str) -> str:
    return next(pattern for pattern, route in APP_ROUTES if route == name)


@pytest.mark.parametrize(
    "name, role",
    [
        ("counter:parcel", "clerk"),
        ("counter:home", "clerk"),
        ("counter:expected", "clerk"),
        ("routing:console", "planner"),
        ("routing:today", "planner"),
        ("routing:day", "planner"),
        ("routing:runs", "planner"),
        ("routing:region", "planner"),
        ("routing:route_manifest", "planner"),
        ("routing:route_manifest_pdf", "planner"),
        ("routing:region_csv", "planner"),
        ("routing:run_csv", "planner"),
        ("dc:floor", "planner"),
        ("dc:intake", "planner"),
        ("dc:consignments", "planner"),
        ("dc:loading", "planner"),
        ("dc:load_route", "planner"),
        ("dc:load_sheet", "planner"),
        ("dc:returns", "planner"),
        ("dc:exceptions", "planner"),
        ("insight:home", "planner"),
        ("insight:figures", "planner"),
        ("insight:figures_csv", "planner"),
        ("insight:figures", "operator"),
        ("insight:figures_csv", "operator"),
        ("insight:network", "planner"),
        ("api:stores", "merchant"),
        ("api:orders", "merchant"),
        ("api:order", "merchant"),
        ("api:parcel-events", "merchant"),
        ("api:parcel-label", "merchant"),
        ("api:order-label", "merchant"),
        ("api:webhook-deliveries", "merchant"),
    ],
)
def test_the_owner_reaches_their_own_object(world, name, role):
    # given the role's own store / DC / merchant
    client = _client(world, role)
    params = {"q": "Banqiao"} if name == "api:stores" else {}
    # when they open the route for their own object
    response = client.get(_path(_pattern(name), name, world["own"]), params)
    # then it answers (a redirect only to somewhere of their own, not to a login)
    assert response.status_code in (200, 302), (name, response.status_code)
    assert "login" not in response.get("Location", "")


def test_the_api_lists_only_the_merchants_own_objects(world):
    client = _client(world, "merchant")
    orders = client.get("/api/v1/orders/").json()["results"]
    deliveries = client.get("/api/v1/webhook-deliveries/").json()["results"]
    assert world["rival_parcel"].order.public_id not in {o["id"] for o in orders}
    assert orders, "the merchant sees its own orders"
    assert world["other"]["delivery"] not in {d["id"] for d in deliveries}
    assert world["own"]["delivery"] in {d["id"] for d in deliveries}


def test_session_pages_open_only_after_the_lookup_in_this_browser(world, client):
    # given a shopper who has not looked the parcel or the order up
    parcel = world["rival_parcel"]
    # when they open the pages directly / then they are sent to the lookup or told it does not exist
    assert client.get(f"/track/{parcel.tracking_number}/").status_code == 302
    assert client.get(f"/demo-shop/thanks/{parcel.order_id}/").status_code == 404
    # nor can they act on the parcel: its choices send them to the lookup and change nothing
    assert client.post(f"/track/{parcel.tracking_number}/extend/").status_code == 302
    proxy = {"proxy_name": "Stranger", "proxy_phone_last4": "1234"}
    assert client.post(f"/track/{parcel.tracking_number}/collector/", proxy).status_code == 302
    assert Order.objects.get(pk=parcel.order_id).proxy_name == ""
    # when they look it up with the right phone digits / then the page opens
    response = client.post("/track/", {"number": parcel.tracking_number, "phone_last4": parcel.order.phone_last4})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_public_pages_are_open_to_anyone(db, client):
    for name in ("home", "picker:page", "tracking:lookup", "api:schema", "api:docs", "login"):
        response = client.get(_fill(_pattern(name), {}))
        assert response.status_code in (200, 400), (name, response.status_code)  # the picker says 400 without a shop
