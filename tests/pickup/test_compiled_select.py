"""A select compiled once and run with other values gives what the queryset gives, in one statement."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Parcel
from pickup.compiled_select import CompiledSelect
from stores.models import Store
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

PARCEL = CompiledSelect(
    lambda number: Parcel.objects.select_related("order__merchant", "order__pickup_store").filter(
        tracking_number=number
    ),
    number="sample",
)


def _values(obj) -> list:
    return [getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields]


def test_each_fetch_gives_the_querysets_instances_with_their_related_rows_in_one_statement(make_parcel):
    parcels = [make_parcel("in_transit"), make_parcel("at_store")]
    for parcel in parcels:
        expected = Parcel.objects.select_related("order__merchant", "order__pickup_store").get(pk=parcel.pk)
        with CaptureQueriesContext(connection) as queries:
            (found,) = PARCEL.fetch(number=parcel.tracking_number)
            related = [found.order, found.order.merchant, found.order.pickup_store]
        assert len(queries) == 1
        assert _values(found) == _values(expected)
        # Converted as the ORM converts them: aware datetimes, decimals, booleans, JSON.
        assert [_values(obj) for obj in related] == [
            _values(obj) for obj in (expected.order, expected.order.merchant, expected.order.pickup_store)
        ]
        assert found.arrived_at == expected.arrived_at and (found.arrived_at is None) == (parcel.status == "in_transit")


def test_a_value_that_matches_nothing_gives_no_instance(make_parcel):
    make_parcel("in_transit")
    assert PARCEL.fetch(number="NO-SUCH-NUMBER") == []


def test_values_take_the_place_of_the_samples_only():
    kept, other = StoreFactory(code="KEEP", active=True), StoreFactory(code="GONE", active=False)
    active = CompiledSelect(lambda code: Store.objects.filter(code=code, active=True), code="sample")
    assert [s.pk for s in active.fetch(code="KEEP")] == [kept.pk]
    assert active.fetch(code=other.code) == []


def test_a_sample_that_is_not_exactly_one_parameter_is_refused():
    twice = CompiledSelect(lambda code: Store.objects.filter(code=code, name=code), code="sample")
    with pytest.raises(ValueError, match="exactly once"):
        twice.fetch(code="A")
    unused = CompiledSelect(lambda code: Store.objects.filter(active=True), code="sample")
    with pytest.raises(ValueError, match="exactly once"):
        unused.fetch(code="A")


def test_values_must_have_their_samples_type():
    by_pk = CompiledSelect(lambda pk: get_user_model().objects.filter(pk=pk), pk=-1)
    with pytest.raises(TypeError, match="takes a int like its sample"):
        by_pk.fetch(pk="1")
    with pytest.raises(TypeError, match="expected values"):
        by_pk.fetch(id=1)
    with pytest.raises(TypeError, match="str and int"):
        CompiledSelect(lambda day: Store.objects.filter(created_at__date=day), day=None)


def test_a_deactivated_user_is_signed_out_on_the_next_request(client, clerk):
    client.force_login(clerk)
    assert client.get("/counter/").status_code == 200
    get_user_model().objects.filter(pk=clerk.pk).update(is_active=False)
    assert client.get("/counter/").status_code == 302
