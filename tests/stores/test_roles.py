"""Who may do what: the stores a user clerks at and the DCs they plan for, each once."""

import pytest

from stores.models import StaffMembership
from stores.roles import clerk_store_list, clerk_stores, planner_dcs
from tests.factories import DistributionCenterFactory, RegionFactory, StoreFactory, make_clerk, make_planner

pytestmark = pytest.mark.django_db


def test_a_clerk_of_two_stores_who_also_plans_gets_each_store_once():
    dc = DistributionCenterFactory()
    region = RegionFactory(dc=dc)
    first, second, elsewhere = StoreFactory(region=region), StoreFactory(region=region), StoreFactory(region=region)
    user = make_clerk(first, "two_stores")
    StaffMembership.objects.create(user=user, role=StaffMembership.Role.CLERK, store=second)
    StaffMembership.objects.create(user=user, role=StaffMembership.Role.PLANNER, dc=dc)
    make_clerk(elsewhere, "someone_else")
    assert sorted(s.pk for s in clerk_stores(user)) == sorted([first.pk, second.pk])
    assert sorted(s.pk for s in clerk_store_list(user)) == sorted([first.pk, second.pk])
    assert list(planner_dcs(user)) == [dc]


def test_an_inactive_store_is_nobodys_counter():
    store = StoreFactory(active=False)
    clerk = make_clerk(store, "closed")
    assert list(clerk_stores(clerk)) == [] and clerk_store_list(clerk) == []


def test_a_planner_of_two_dcs_gets_each_once():
    north, south = DistributionCenterFactory(code="NORTH"), DistributionCenterFactory(code="SOUTH")
    user = make_planner(north, "two_dcs")
    StaffMembership.objects.create(user=user, role=StaffMembership.Role.PLANNER, dc=south)
    assert sorted(dc.pk for dc in planner_dcs(user)) == sorted([north.pk, south.pk])
