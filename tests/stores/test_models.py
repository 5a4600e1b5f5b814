from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.template.loader import render_to_string
from django.utils import timezone

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


def test_week_hours_lists_every_day_with_today_read_in_the_stores_time_zone(store):
    store.is_24h = False
    store.save()
    OpeningHours.objects.create(store=store, weekday=OpeningHours.Weekday.SATURDAY, opens=time(7), closes=time(23))
    OpeningHours.objects.create(store=store, weekday=OpeningHours.Weekday.SUNDAY, opens=time(22), closes=time(6))
    # Friday 17:00 UTC is Saturday 01:00 in Taipei
    week = store.week_hours(datetime(2026, 12, 4, 17, 0, tzinfo=UTC))
    assert [day.day for day in week] == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert [day.today for day in week] == [False] * 5 + [True, False]
    assert week[0].interval is None
    assert (week[5].interval.opens, week[6].interval.closes) == (time(7), time(6))


def test_tracking_hours_show_today_and_the_week_on_demand(store):
    store.is_24h = False
    store.save()
    OpeningHours.objects.create(store=store, weekday=timezone.localdate().weekday(), opens=time(7), closes=time(23))
    html = render_to_string("stores/_hours.html", {"store": store})
    assert '<p class="hours-today" data-testid="hours-today"><strong>Today</strong> 07:00–23:00</p>' in html
    assert "<summary>Hours this week</summary>" in html
    assert html.count("<tr") == 7 and html.count("closed") == 6
