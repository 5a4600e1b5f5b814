"""Turning what a shopper types (a district, a postal code, an address) into a point.

The store search asks `get_geocoder()`, which builds the class named by PICKUP_GEOCODER. The default
resolves the offline gazetteer shipped with the project, so search works with no network; a real
deployment names a class with the same `geocode` method that calls its geocoding provider.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from stores.gazetteer import find_district


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    label: str


class Geocoder(Protocol):
    def geocode(self, query: str) -> Place | None:
        """The best match for `query`, or None when nothing matches."""


class GazetteerGeocoder:
    """Districts and postal codes of the demo area, matched in English or Chinese, at the centroid."""

    def geocode(self, query: str) -> Place | None:
        district = find_district(query)
        if district is None:
            return None
        chinese = (get_language() or "").startswith("zh")
        name = f"{district.city_zh}{district.name_zh}" if chinese else f"{district.name_en}, {district.city_en}"
        return Place(district.latitude, district.longitude, f"{district.postal_code} {name}")


@lru_cache(maxsize=4)
def _geocoder_for(path: str) -> Geocoder:
    return import_string(path)()


def get_geocoder() -> Geocoder:
    return _geocoder_for(settings.PICKUP_GEOCODER)
