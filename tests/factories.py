"""Factories for the domain, with realistic defaults; tests override only what they are about."""

from datetime import time

import factory
from django.contrib.auth import get_user_model

from orders.lifecycle import parcel_record_creation
from orders.models import Merchant, Order, Parcel
from stores.models import DistributionCenter, Region, SizeClass, StaffMembership, Store, Vehicle


class DistributionCenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DistributionCenter
        django_get_or_create = ["code"]

    code = "DC1"
    name = "Test DC"
    address = "1 Depot Rd"
    latitude = "25.065000"
    longitude = "121.423000"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    dc = factory.SubFactory(DistributionCenterFactory)
    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"Region {n}")


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"Test store {n}")
    address = factory.Sequence(lambda n: f"No. {n}, Heping Rd, Da'an Dist., Taipei")
    postal_code = "106"
    district = "Da'an"
    latitude = "25.026400"
    longitude = "121.543400"
    region = factory.SubFactory(RegionFactory)
    slot_capacity = 10
    receiving_start = time(8, 0)
    receiving_end = time(20, 0)


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    dc = factory.SubFactory(DistributionCenterFactory)
    name = factory.Sequence(lambda n: f"VAN-{n:02d}")
    volume_capacity = 300
    kg_capacity = 700


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    code = factory.Sequence(lambda n: f"M{n}")
    name = factory.Sequence(lambda n: f"Merchant {n}")
    allowed_origins = "https://shop.example"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    merchant = factory.SubFactory(MerchantFactory)
    reference = factory.Sequence(lambda n: f"REF-{n:05d}")
    shopper_name = "Lin Mei-Ling"
    shopper_email = "mei@mail.example"
    shopper_phone = "0912345678"
    pickup_store = factory.SubFactory(StoreFactory)


class ParcelFactory(factory.django.DjangoModelFactory):
    """A parcel as the merchant created it. Tests move it on through `orders.lifecycle` (see `walk`)."""

    class Meta:
        model = Parcel

    order = factory.SubFactory(OrderFactory)
    size_class = SizeClass.S
    weight_g = 800
    volume_units = 1

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parcel = super()._create(model_class, *args, **kwargs)
        parcel_record_creation(parcel=parcel, actor_label="merchant")
        return parcel


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@pickup.example")
    password = factory.django.Password("correct horse battery staple")


def make_clerk(store: Store, username: str = "clerk"):
    user = UserFactory(username=username)
    StaffMembership.objects.create(user=user, role=StaffMembership.Role.CLERK, store=store)
    return user


def make_planner(dc: DistributionCenter, username: str = "planner"):
    user = UserFactory(username=username)
    StaffMembership.objects.create(user=user, role=StaffMembership.Role.PLANNER, dc=dc)
    return user


def make_dock(dc: DistributionCenter, username: str = "dock"):
    user = UserFactory(username=username)
    StaffMembership.objects.create(user=user, role=StaffMembership.Role.DOCK, dc=dc)
    return user


def make_driver(dc: DistributionCenter, username: str = "driver"):
    user = UserFactory(username=username)
    StaffMembership.objects.create(user=user, role=StaffMembership.Role.DRIVER, dc=dc)
    return user
