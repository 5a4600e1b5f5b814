"""A lost database answers 503 with Retry-After and a short message: no 500 page, no trace."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory, override_settings

from orders.picker import views as picker_views
from pickup.middleware import server_error
from tests.orders.api_fixtures import client_for, order_body

pytestmark = pytest.mark.django_db


def lost_database(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_page_answers_503_in_plain_text(client, error):
    # given the database drops while the store picker looks up the shop
    with mock.patch.object(picker_views, "_merchant", side_effect=error("connection already closed")):
        # when
        response = client.get("/stores/picker/", {"merchant": "SHOP"})
    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/plain")
    assert "try again" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_the_api_answers_503_in_its_error_shape(merchant, store):
    # given
    api = client_for(merchant)
    with mock.patch("orders.api.views.order_create", side_effect=lost_database):
        # when
        response = api.post("/api/v1/orders/", order_body(store), format="json")
    # then
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert response["Retry-After"] == "5"


def test_a_database_error_raised_outside_a_view_is_503_too():
    # given the session could not be saved on the way out (the database went away after the view):
    # Django calls handler500 while that exception is being handled
    request = RequestFactory().post("/counter/scan-in/", HTTP_ACCEPT="application/json")
    try:
        lost_database()
    except OperationalError:
        # when
        response = server_error(request)
    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_other_errors_stay_a_500(client):
    # given a bug, not an outage
    client.raise_request_exception = False
    with override_settings(DEBUG=False), mock.patch.object(picker_views, "_merchant", side_effect=RuntimeError("bug")):
        # when
        response = client.get("/stores/picker/", {"merchant": "SHOP"})
    # then
    assert response.status_code == 500
