"""The store search as JSON: its query and one result. Shared by the merchant API and the checkout picker."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from stores.locator import MAX_LIMIT, StoreMatch, locate, stores_nearest
from stores.models import SizeClass, TemperatureClass


class StoreSearchQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90, help_text=_("Latitude of the shopper."))
    lng = serializers.FloatField(
        required=False, min_value=-180, max_value=180, help_text=_("Longitude of the shopper.")
    )
    # Not trimmed: a value of spaces is a value (the schema allows it), and one the locator does not find.
    postal_code = serializers.CharField(
        required=False, max_length=10, trim_whitespace=False, help_text=_("A postal code, e.g. 106.")
    )
    q = serializers.CharField(
        required=False,
        max_length=120,
        trim_whitespace=False,
        help_text=_("A district or address, e.g. Da'an or 大安區."),
    )
    size_class = serializers.ChoiceField(
        choices=SizeClass.choices, required=False, help_text=_("The parcel's size class.")
    )
    weight_g = serializers.IntegerField(required=False, min_value=1, help_text=_("The parcel's weight in grams."))
    temperature_class = serializers.ChoiceField(
        choices=TemperatureClass.choices, required=False, help_text=_("How the parcel must be kept.")
    )
    open_now = serializers.BooleanField(required=False, default=False)
    is_24h = serializers.BooleanField(required=False, default=False, help_text=_("Only stores open 24 hours."))
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=10)

    def validate(self, attrs):
        has_lat, has_lng = "lat" in attrs, "lng" in attrs
        if has_lat != has_lng:
            missing = "lng" if has_lat else "lat"
            raise serializers.ValidationError({missing: [_("Give latitude and longitude together.")]})
        if has_lat:
            attrs["origin"] = {"latitude": attrs["lat"], "longitude": attrs["lng"], "label": ""}
            return attrs
        for field in ("postal_code", "q"):
            if attrs.get(field, "").strip():
                place = locate(attrs[field].strip())
                if place is None:
                    raise serializers.ValidationError(
                        {
                            field: [
                                _("We could not find “%(text)s”; try a district or postal code.")
                                % {"text": attrs[field]}
                            ]
                        }
                    )
                attrs["origin"] = {"latitude": place.latitude, "longitude": place.longitude, "label": place.label}
                return attrs
        raise serializers.ValidationError(
            {"q": [_("Give a place to search near: lat and lng, a postal code, or a district or address.")]}
        )


# "07:00" in the store's own time: `format: time` would promise seconds and an offset.
LOCAL_HH_MM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class OpeningIntervalSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text=_("0 is Monday."))
    opens = serializers.RegexField(LOCAL_HH_MM, help_text=_("HH:MM, the store's local time."))
    closes = serializers.RegexField(LOCAL_HH_MM, help_text=_("HH:MM, the store's local time."))


class StoreMatchSerializer(serializers.Serializer):
    code = serializers.CharField(source="store.code")
    name = serializers.CharField(source="store.name")
    address = serializers.CharField(source="store.address")
    postal_code = serializers.CharField(source="store.postal_code")
    district = serializers.CharField(source="store.district")
    latitude = serializers.FloatField(source="store.latitude")
    longitude = serializers.FloatField(source="store.longitude")
    distance_m = serializers.IntegerField()
    is_24h = serializers.BooleanField(source="store.is_24h")
    open_now = serializers.BooleanField()
    opening_hours = serializers.SerializerMethodField()
    max_size_class = serializers.CharField(source="store.max_size_class")
    max_weight_g = serializers.IntegerField(source="store.max_weight_g")
    temperature_classes = serializers.ListField(
        child=serializers.CharField(),
        source="store.accepted_temperature_classes",
        help_text=_("Temperature classes the store can hold."),
    )
    free_capacity = serializers.IntegerField(help_text=_("Estimated free parcel slots on the expected arrival day."))
    selectable = serializers.BooleanField(help_text=_("Whether the store can take the parcel described in the query."))
    reason = serializers.CharField(help_text=_("Why it cannot, when it cannot."))

    @extend_schema_field(OpeningIntervalSerializer(many=True))
    def get_opening_hours(self, match: StoreMatch):
        return [{"weekday": h.weekday, "opens": f"{h.opens:%H:%M}", "closes": f"{h.closes:%H:%M}"} for h in match.hours]

    def to_representation(self, match: StoreMatch) -> dict:
        # Written out, not field by field: this is the locator's hot path, and the declared fields
        # above stay the schema. A test checks both give the same keys.
        store = match.store
        return {
            "code": store.code,
            "name": store.name,
            "address": store.address,
            "postal_code": store.postal_code,
            "district": store.district,
            "latitude": float(store.latitude),
            "longitude": float(store.longitude),
            "distance_m": match.distance_m,
            "is_24h": store.is_24h,
            "open_now": match.open_now,
            "opening_hours": self.get_opening_hours(match),
            "max_size_class": store.max_size_class,
            "max_weight_g": store.max_weight_g,
            "temperature_classes": store.accepted_temperature_classes,
            "free_capacity": match.free_capacity,
            "selectable": match.selectable,
            "reason": match.reason,
        }


class StoreSearchResultSerializer(serializers.Serializer):
    origin = serializers.DictField(help_text=_("The point searched from and, for a typed place, its name."))
    results = StoreMatchSerializer(many=True)


def store_search(query: dict) -> dict:
    """Run a validated StoreSearchQuerySerializer's data through the locator, ready for StoreSearchResultSerializer."""
    origin = query["origin"]
    matches = stores_nearest(
        latitude=origin["latitude"],
        longitude=origin["longitude"],
        limit=query["limit"],
        size_class=query.get("size_class"),
        weight_g=query.get("weight_g"),
        temperature_class=query.get("temperature_class"),
        open_now=query["open_now"],
        only_24h=query["is_24h"],
    )
    return {"origin": origin, "results": matches}
