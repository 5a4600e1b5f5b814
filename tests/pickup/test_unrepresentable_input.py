"""The middleware's backstop: what a view lets through from unrepresentable input is a 400, other errors
stay errors."""

import json

import pytest
from django.db import DataError
from django.test import RequestFactory

from core.input import UnrepresentableInput
from pickup.middleware import UnrepresentableInputMiddleware

middleware = UnrepresentableInputMiddleware(lambda request: None)


@pytest.mark.parametrize(
    "exception",
    [
        OverflowError("date value out of range"),
        UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
        RecursionError("maximum recursion depth exceeded"),
        DataError("value out of range for type bigint"),
        ValueError("A string literal cannot contain NUL (0x00) characters."),
        UnrepresentableInput("The JSON is nested too deeply."),
    ],
    ids=lambda exception: type(exception).__name__,
)
def test_input_errors_a_view_lets_through_are_a_400_in_the_clients_format(exception):
    api = RequestFactory().get("/api/v1/orders/")
    page = RequestFactory().get("/counter/report/")
    answer = middleware.process_exception(api, exception)
    assert answer.status_code == 400 and answer["Content-Type"] == "application/json"
    body = json.loads(answer.content)
    assert body["code"] == "bad_input" and body["detail"]
    answer = middleware.process_exception(page, exception)
    assert answer.status_code == 400 and answer["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("exception", [ValueError("a bug"), KeyError("x"), AttributeError("y")])
def test_other_errors_are_not_masked(exception):
    assert middleware.process_exception(RequestFactory().get("/counter/"), exception) is None


@pytest.mark.parametrize(
    "path", ["/counter/parcels/%00/", "/track/?number=1%002", "/api/v1/orders/?status=%ED%A0%80x%00"]
)
def test_nul_in_the_path_or_query_string_is_refused_before_any_view(db, client, path):
    response = client.get(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
