from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from stores.models import OpeningHours, SizeClass, StaffMembership, Store, size_class_fits, size_class_for
from tests.factories import StoreFactory, UserFactory

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.mark.parametrize(
    "field,value", [("latitude", "91"), ("latitude", "-90.5"), ("longitude", "180.1"), ("longitude", "-181")]
)
def test_coordinates_out_of_range_are_refused(region, field, value):
    store = StoreFactory.build(region=region, **{field: value})
    with pytest.raises(ValidationError) as refused:
        store.full_clean()
    assert field in refused.value.message_dict


def test_capacity_must_be_positive(region):
    store = StoreFactory.build(region=region, slot_capacity=0)
    with pytest.raises(ValidationError) as refused:
        store.full_clean()
    assert "slot_capacity" in refused.value.message_dict


def test_store_codes_are_unique(region):
    StoreFactory(region=region, code="X1")
    with pytest.raises(IntegrityError):
        StoreFactory(region=region, code="X1")


def test_receiving_window_must_be_ordered(region):
    store = StoreFactory.build(region=region, receiving_start=time(18), receiving_end=time(9))
    with pytest.raises(ValidationError) as refused:
        store.full_clean()
    assert "receiving_end" in refused.value.message_dict


def test_taiwan_size_limits():
    assert size_class_for(20, 20, 15) == SizeClass.S
    assert size_class_for(40, 30, 20) == SizeClass.M
    assert size_class_for(45, 35, 25) == SizeClass.L
    assert size_class_for(46, 10, 10) is None  # longest side over 45 cm
    assert size_class_for(45, 40, 30) is None  # sum over 105 cm
    assert size_class_fits("S", "M") and not size_class_fits("L", "M")


def test_opening_hours_in_the_store_zone_including_overnight(region):
    store = StoreFactory(region=region, is_24h=False)
    OpeningHours.objects.create(store=store, weekday=4, opens=time(7), closes=time(2))  # Friday 07:00 → Sat 02:00
    friday_noon = datetime(2026, 11, 20, 12, 0, tzinfo=TAIPEI)
    saturday_1am = datetime(2026, 11, 21, 1, 0, tzinfo=TAIPEI)
    saturday_3am = datetime(2026, 11, 21, 3, 0, tzinfo=TAIPEI)
    assert store.is_open_at(friday_noon)
    assert store.is_open_at(saturday_1am)
    assert not store.is_open_at(saturday_3am)
    # 04:00 UTC Friday is 12:00 Friday in Taipei
    assert store.is_open_at(datetime(2026, 11, 20, 4, 0, tzinfo=ZoneInfo("UTC")))


def test_membership_role_must_match_its_place(store, dc):
    user = UserFactory()
    with pytest.raises(ValidationError):
        StaffMembership(user=user, role=StaffMembership.Role.CLERK, dc=dc).full_clean()
    with pytest.raises(ValidationError):
        StaffMembership(user=user, role=StaffMembership.Role.PLANNER, store=store).full_clean()
    with pytest.raises(IntegrityError):
        StaffMembership.objects.create(user=user, role=StaffMembership.Role.CLERK, dc=dc)


def test_store_default_limits_follow_taiwan_rules(region):
    store = Store(region=region)
    assert (store.max_size_class, store.max_weight_g, store.max_cash_on_pickup) == ("L", 5000, 20000)
