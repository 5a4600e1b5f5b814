import re
from itertools import pairwise

from django.core.management import call_command

from orders.lifecycle import TRANSITIONS
from orders.models import Order, Parcel, ParcelEvent
from pickup.demo import demo_logins
from stores.models import Region, StaffMembership, Store, Vehicle


def counts():
    return [m.objects.count() for m in (Store, Region, Vehicle, Order, Parcel, ParcelEvent, StaffMembership)]


def test_seed_builds_every_status_and_running_twice_adds_nothing(db):
    call_command("seed_demo", "--stores", "40", "--orders", "300", "--seed", "3")
    first = counts()
    assert Region.objects.count() >= 6
    assert set(Parcel.objects.values_list("status", flat=True)) == set(Parcel.Status.values)
    call_command("seed_demo", "--stores", "40", "--orders", "300", "--seed", "3")
    assert counts() == first


def test_seed_has_cold_and_fragile_goods_cold_slots_and_compartments_and_chosen_days(db):
    call_command("seed_demo", "--stores", "40", "--orders", "300", "--seed", "3")
    assert set(Parcel.objects.values_list("temperature_class", flat=True)) == {"ambient", "chilled", "frozen"}
    assert (
        Parcel.objects.filter(fragile=True).exists()
        and Order.objects.filter(preferred_pickup_day__isnull=False).exists()
    )
    assert Store.objects.filter(chilled_slots__gt=0, frozen_slots__gt=0).exists()
    assert (
        Vehicle.objects.filter(chilled_volume_capacity__gt=0).exists()
        and Vehicle.objects.filter(frozen_volume_capacity__gt=0).exists()
    )
    for parcel in Parcel.objects.filter(shelf_slot__isnull=False).select_related("shelf_store"):
        assert parcel.shelf_slot in parcel.shelf_store.slot_range(parcel.temperature_class)


def test_seeded_histories_are_legal_paths_and_shelves_are_consistent(db):
    call_command("seed_demo", "--stores", "30", "--orders", "200")
    for parcel in Parcel.objects.prefetch_related("events"):
        statuses = [e.to_status for e in parcel.events.all()]
        assert statuses[0] == "created" and statuses[-1] == parcel.status
        assert all(b in TRANSITIONS[a] for a, b in pairwise(statuses))
        assert (parcel.hold_deadline is not None) == (parcel.status == "at_store")
        assert (parcel.shelf_slot is not None) == (parcel.status in ("at_store", "expired"))
        # the gate numbers the next event after the newest one, so a seeded parcel can move on
        assert parcel.last_event_seq == max(e.seq for e in parcel.events.all())


def test_seed_leaves_a_consignment_at_the_dock_and_dock_and_driver_logins(db, client):
    # given
    call_command("seed_demo", "--stores", "30", "--orders", "100")
    # then: one merchant's orders of today, placed through the ordering service, waiting for intake
    consignment = Parcel.objects.filter(order__merchant__code="BOOKNOOK", order__reference__startswith="DOCK-")
    assert consignment.count() == 12
    for parcel in consignment.prefetch_related("events"):
        assert parcel.status == "created"
        assert [(e.to_status, e.actor_label) for e in parcel.events.all()] == [("created", "BOOKNOOK")]
    assert consignment.values("order__pickup_store").distinct().count() > 1
    # and: the dock and the driver sign in, each a member of the DC in their role
    for username, role in (("dock", "dock"), ("driver", "driver")):
        membership = StaffMembership.objects.get(user__username=username)
        assert membership.role == role and membership.dc.code == "TPE-DC1" and membership.store is None
        assert client.login(username=username, password=f"{username}-demo")
    assert {row[0] for row in demo_logins()} >= {"dock", "driver"}
    # and: a second run adds no order to it
    call_command("seed_demo", "--stores", "30", "--orders", "100")
    assert consignment.count() == 12


def test_demo_network_is_named_in_chinese_with_ascii_codes_and_shoppers_languages(db):
    call_command("seed_demo", "--stores", "40", "--orders", "100", "--seed", "3")
    han = re.compile(r"[\u4e00-\u9fff]")
    stores = list(Store.objects.all())
    # Taiwanese stores: a chain's name and a branch, a Chinese address and district; codes stay ASCII
    assert all(re.fullmatch(r"\S+ \S+門市", store.name) for store in stores)
    assert len({store.name for store in stores}) == len(stores)
    assert all(han.search(store.address) and store.district.endswith("區") for store in stores)
    assert all(han.search(region.name) for region in Region.objects.all())
    assert all(code.isascii() for code in Store.objects.values_list("code", flat=True))
    assert all(code.isascii() for code in Region.objects.values_list("code", flat=True))
    # the stores are in Taiwan: their shoppers read Chinese, except those who chose English at checkout
    assert set(Order.objects.values_list("language", flat=True)) == {"zh-hant", "en"}
    assert Order.objects.filter(reference__startswith="DOCK-").exclude(language="zh-hant").count() == 0
