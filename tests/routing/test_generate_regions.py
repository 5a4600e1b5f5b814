import pytest
from django.core.management import CommandError, call_command

from stores.models import Region, Store


def test_stores_are_split_into_compact_regions_and_empty_ones_removed(network, parcels):
    # when
    call_command("generate_regions", "--dc", "DC1", "--regions", "3", "--prefix", "A")
    # then
    regions = Region.objects.filter(dc=network["dc"]).order_by("code")
    assert list(regions.values_list("code", flat=True)) == ["A01", "A02", "A03"]
    assert all(r.stores.exists() for r in regions)
    assert Store.objects.filter(region__code__in=["W", "N"]).count() == 0


def test_bad_arguments_name_the_option(network):
    with pytest.raises(CommandError, match="--regions: cannot make 9 regions out of 6 sites"):
        call_command("generate_regions", "--dc", "DC1", "--regions", "9")
    with pytest.raises(CommandError, match="--dc: no distribution centre"):
        call_command("generate_regions", "--dc", "NOPE", "--regions", "2")
