"""Hostile input never makes a 500: every URL pattern of the project (admin excluded), walked from the URL
resolver, as an anonymous visitor and as every role of the security world, by GET and POST.

Each request carries hostile values in a path parameter, the query string or the body: NUL characters,
lone surrogates, 1 MB strings, JSON nested 100,000 deep, the calendar's first and last days, numbers
too large for any column, bodies in the wrong content type. The other path parameters are the role's
own objects, so a hostile value gets past the lookup and reaches the view's parsing. To stay fast the
cases are dealt out over the roles: each pattern gets every case once, each role a share of them.
"""

import json
import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import make_clerk

ADMIN_NAMESPACE = "admin"
MB = "x" * 1_000_000
SURROGATE = "\ud800"

# Hostile path values: each parameter gets those its converter's regex accepts (or the request would stop at
# the resolver), plus its own object's value with the last character changed (a well-formed id of nothing).
PATH_VALUES = [
    "a\x00b",
    SURROGATE,
    MB[:100_000],
    "9999-12-31",
    "0001-01-01",
    "99999999999999999999999999",
    "9223372036854775808",
    "0",
    "..",
]

# Query string and form field names the project reads (and a few it does not), each given the hostile value.
FIELDS = [
    "day",
    "q",
    "page",
    "code",
    "tracking_number",
    "number",
    "phone_last4",
    "merchant",
    "origin",
    "size",
    "weight",
    "lat",
    "lng",
    "status",
    "created_from",
    "created_to",
    "next",
    "scan",
    "scanned",
    "cash_received",
    "pickup_store",
    "pickup_day",
    "preferred_pickup_day",
    "kind",
    "username",
    "password",
    "language",
    "weight_g",
    "size_class",
    "damaged",
    "handed_to",
    "handed_over_at",
    "reason",
    "note",
]
SCALARS = [
    "\x00",
    SURROGATE,
    MB,
    "9999-12-31",
    "0001-01-01",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "1e309",
    "NaN",
]
DEEP_JSON = "[" * 100_000 + "]" * 100_000


def _encode(value: str) -> str:
    # A lone surrogate cannot be UTF-8 encoded; on the wire it is the bytes a careless client would send.
    return quote(value, safe="", errors="surrogatepass")


def _fields(value) -> list[str]:
    # A long value in two fields only: in every one the body would pass Django's 2.5 MB limit and be
    # refused before any view reads it.
    return FIELDS[:2] if len(str(value)) > 1000 else FIELDS


def _form(value: str) -> str:
    return "&".join(f"{name}={_encode(value)}" for name in _fields(value))


def _json(value) -> str:
    return json.dumps({name: value for name in _fields(value)})


# (what, query string, body, content type): the body is sent by POST; GET sends the query string only.
BODY_CASES = [
    *((f"form {value[:12]!r}", _form(value), _form(value), "application/x-www-form-urlencoded") for value in SCALARS),
    ("json surrogate", "", '{"code": "\\ud800", "q": "\\udfff"}', "application/json"),
    ("json nul", "", _json("\x00"), "application/json"),
    ("json deep", "", DEEP_JSON, "application/json"),
    ("json deep object", "", '{"a":' * 50_000 + "1" + "}" * 50_000, "application/json"),
    ("json 1MB", "", _json(MB), "application/json"),
    ("json numbers", "", '{"cash_received": 1e400, "weight": -1e400, "page": ' + "9" * 5000 + "}", "application/json"),
    ("json NaN", "", '{"weight": NaN, "lat": Infinity}', "application/json"),
    ("json list", "", "[1, 2, 3]", "application/json"),
    ("json invalid utf-8", "", b'{"code": "\xff\xfe"}', "application/json"),
    ("form sent as json", "", _form("1"), "application/json"),
    ("json sent as form", "", _json("1"), "application/x-www-form-urlencoded"),
    ("text plain", "", _json("\x00"), "text/plain"),
    ("xml", "", "<?xml version='1.0'?><a>&lt;</a>", "application/xml"),
    ("multipart without boundary", "", "--x\r\n\r\n", "multipart/form-data"),
    ("multipart garbage", "", "garbage\x00" * 100, "multipart/form-data; boundary=zzz"),
    ("bogus charset", "", _form("\u00e9"), "application/x-www-form-urlencoded; charset=bogus-42"),
]


def _patterns(resolver=None, prefix="", namespace="", converters=None):
    """(route string, name, converters by parameter) of every URL pattern outside the admin, however deeply
    included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        known = {**(converters or {}), **entry.pattern.converters}
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner != ADMIN_NAMESPACE:
                yield from _patterns(entry, route, inner, known)
        elif isinstance(entry, URLPattern):
            yield route, f"{namespace}:{entry.name}" if namespace else (entry.name or route), known


PATTERNS = sorted({(route, name): converters for route, name, converters in _patterns()}.items())
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def _own_value(converter, name: str, own: dict) -> str:
    """The role's own object for a parameter: the world's value of that name, or else any of its values the
    converter accepts (the API's public ids are named apart from the pages' numeric ones)."""
    values = [str(own[name])] if name in own else []
    values += [str(value) for value in own.values()]
    return next((value for value in values if re.fullmatch(converter.regex, value)), "1")


def _hostile_values(converter, own: str) -> list[str]:
    candidates = [*PATH_VALUES, *(own[:-1] + last for last in "0Z9")]
    return [value for value in candidates if re.fullmatch(converter.regex, value)]


def _path(route: str, converters: dict, own: dict, hostile_index: int | None, case_index: int) -> str:
    """The route with its own objects' values, except one parameter (chosen by the case) made hostile."""
    params = PARAM.findall(route)
    target = params[hostile_index % len(params)] if params and hostile_index is not None else None

    def fill(match):
        name = match.group(1)
        if name == target:
            values = _hostile_values(converters[name], _own_value(converters[name], name, own))
            return _encode(values[case_index % len(values)])
        return _encode(_own_value(converters[name], name, own))

    path = PARAM.sub(fill, route)
    # A regex route (none outside the admin today) reduced to a plausible path.
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path).lstrip("^").rstrip("$").replace("\\", "")
    return "/" + path


def _clients(world) -> dict:
    """Anonymous, the merchant's API key, and a signed-in client for every user role of the world."""
    clients = {"anonymous": Client(raise_request_exception=False)}
    clients["merchant"] = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {world['key']}")
    for role, user in world["users"].items():
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(user)
    return clients


def test_the_walk_covers_the_project(world):
    names = {name for (_route, name), _converters in PATTERNS}
    assert {"counter:parcel", "counter:scan_in", "api:orders", "routing:day", "tracking:parcel"} <= names
    assert not any(name.startswith("admin:") for name in names)
    # every path parameter has hostile values its converter lets through to the view
    for (route, name), converters in PATTERNS:
        for param in PARAM.findall(route):
            converter = converters[param]
            assert _hostile_values(converter, _own_value(converter, param, world["own"])), (name, param)


def _refused(response) -> bool:
    return response.status_code in (401, 403) or (
        response.status_code == 302 and "login" in response.get("Location", "")
    )


def test_no_url_answers_500_to_hostile_input(world):
    # given every URL pattern and every role; the roles a pattern admits (by a plain GET or POST) share
    # every hostile case between them, and so do the roles it refuses
    failures = []
    for pattern_index, ((route, name), converters) in enumerate(PATTERNS):
        clients = _clients(world)  # fresh sessions: a POST to the logout URL ends one
        plain = _path(route, converters, world["own"], None, 0)
        admitted = [
            role
            for role, client in clients.items()
            if not (_refused(client.get(plain)) and _refused(client.post(plain)))
        ]
        refused = [role for role in clients if role not in admitted]
        for group in (admitted, refused):
            for case_index, (what, query, body, content_type) in enumerate(BODY_CASES if group else []):
                role = group[(pattern_index + case_index) % len(group)]
                client = clients[role]
                path = _path(route, converters, world["own"], pattern_index + case_index, case_index)
                # when it is requested by GET with the hostile query, and by POST with the hostile body
                responses = {
                    "GET": client.get(f"{path}?{query}" if query else path, HTTP_ACCEPT="text/html"),
                    "POST": client.generic(
                        "POST", path, body, content_type=content_type, HTTP_ACCEPT="application/json"
                    ),
                }
                # then the answer is anything but a server error
                failures += [
                    (role, method, name, path[:80], what, response.status_code)
                    for method, response in responses.items()
                    if response.status_code >= 500
                ]
    assert failures == [], "\n".join(map(str, failures))


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/counter/parcels/%00/", None),
        ("POST", "/counter/scan-in/", '{"code": "\\ud800"}'),
        ("POST", "/counter/returns/", '{"code": "\\ud800"}'),
        ("POST", "/counter/scan-in/", DEEP_JSON),
        ("GET", "/counter/report/?day=9999-12-31", None),
        ("GET", "/counter/report/?day=0001-01-01", None),
    ],
)
def test_the_probes_inputs_are_a_400_with_a_message(network, method, path, body):
    # given a signed-in clerk
    client = Client(raise_request_exception=False)
    client.force_login(make_clerk(network["stores"]["W001"], "probed_clerk"))
    # when they send what the probe sent
    if body is None:
        response = client.get(path)
    else:
        response = client.post(path, body, content_type="application/json", HTTP_ACCEPT="application/json")
    # then it is refused as their mistake, with a message saying what is wrong
    assert response.status_code == 400, response.content[:200]
    if body is not None:
        assert response.json()["message"]
