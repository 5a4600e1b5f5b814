from collections.abc import Mapping
from datetime import UTC, date, datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.api.exceptions import ErrorSerializer
from orders.models import Order, Parcel, ParcelEvent, WebhookAttempt, WebhookDelivery, phone_validator
from orders.webhooks import event_public_details
from stores.locator import pickup_day_choices
from stores.models import SizeClass, Store, TemperatureClass

FIRST_FILTER_DAY = date(2000, 1, 1)
LAST_FILTER_DAY = date(9998, 12, 31)
FIRST_FILTER_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
LAST_FILTER_INSTANT = datetime(9998, 12, 31, tzinfo=UTC)
MAX_BULK_ORDERS = 100
MAX_PARCELS_PER_ORDER = 20
MAX_CASH_ON_PICKUP = 10_000_000


class StrictSerializer(serializers.Serializer):
    """A request body that refuses fields it does not know: a typo (`shoper_email`) is a 400 naming it, not a
    silently missing value. The schema says so (`additionalProperties: false`, orders.api.schema.ApiAutoSchema)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


def query_data(request) -> dict:
    """The query string, one value per name. A name given twice is a 400, not the last one quietly winning; an
    empty value stays a value (a QueryDict would make it "absent"), so `status=` is a 400 too."""
    repeated = sorted(name for name, values in request.query_params.lists() if len(values) > 1)
    if repeated:
        raise serializers.ValidationError({name: [_("Give this parameter once.")] for name in repeated})
    return request.query_params.dict()


# DRF trims what str.strip() trims, so a text of those alone is blank: the schema says "something besides
# them". Spelled out, because JSON Schema's `\S` (ECMA-262) and Python's disagree on a few of them.
NOT_ONLY_SPACES = RegexValidator(
    r"[^\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
    _("Write something besides spaces."),
)


class StoreRefField(serializers.SlugRelatedField):
    """A store named by its code."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Store.objects.all(), **kwargs)


class ParcelInSerializer(StrictSerializer):
    size_class = serializers.ChoiceField(choices=SizeClass.choices)
    weight_g = serializers.IntegerField(min_value=1, max_value=100_000)
    volume_units = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, help_text=_("Defaults by size class: S 1, M 3, L 6.")
    )
    temperature_class = serializers.ChoiceField(
        choices=TemperatureClass.choices, required=False, default=TemperatureClass.AMBIENT
    )
    fragile = serializers.BooleanField(required=False, default=False)


class OrderCreateSerializer(StrictSerializer):
    reference = serializers.CharField(
        max_length=64, validators=[NOT_ONLY_SPACES], help_text=_("Your order number; unique among your orders.")
    )
    shopper_name = serializers.CharField(max_length=120, validators=[NOT_ONLY_SPACES])
    shopper_phone = serializers.CharField(
        max_length=20,
        trim_whitespace=False,
        validators=[phone_validator],
        help_text=_("The shopper gives its last 4 digits to track the parcel."),
    )
    # No default "": the schema would show it under `format: email`, which "" is not (it says "or empty" itself).
    shopper_email = serializers.EmailField(
        required=False, allow_blank=True, max_length=254, help_text=_("Absent or empty: the shopper gets SMS only.")
    )
    pickup_store = StoreRefField(help_text=_("The store's code, as the store search returns it."))
    cash_on_pickup = serializers.IntegerField(
        min_value=0,
        max_value=MAX_CASH_ON_PICKUP,
        required=False,
        default=0,
        help_text=_("TWD collected by the store; 0 if paid."),
    )
    parcels = ParcelInSerializer(many=True, allow_empty=False, max_length=MAX_PARCELS_PER_ORDER)
    preferred_pickup_day = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "The day the shopper wants to collect (see pickup_day_choices); null or absent: as soon as possible."
        ),
    )
    language = serializers.ChoiceField(
        choices=Order.Language.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "The language the shopper uses at your checkout; their email and SMS are written in it. "
            "Absent: zh-hant for a store in Taiwan, else en."
        ),
    )


class BulkOrderCreateSerializer(StrictSerializer):
    orders = OrderCreateSerializer(many=True, allow_empty=False, max_length=MAX_BULK_ORDERS)


class PickupDaySerializer(StrictSerializer):
    preferred_pickup_day = serializers.DateField(allow_null=True, help_text=_("null: as soon as possible."))


class ChangeStoreSerializer(StrictSerializer):
    pickup_store = StoreRefField()


class StoreBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Store
        fields = ["code", "name", "address", "postal_code", "is_24h"]


class ParcelSerializer(serializers.ModelSerializer):
    tracking_url = serializers.SerializerMethodField()

    class Meta:
        model = Parcel
        fields = [
            "tracking_number",
            "size_class",
            "weight_g",
            "volume_units",
            "temperature_class",
            "fragile",
            "status",
            "status_changed_at",
            "expected_arrival",
            "arrived_at",
            "hold_deadline",
            "tracking_url",
            "updated_at",
        ]

    @extend_schema_field(serializers.URLField())
    def get_tracking_url(self, parcel: Parcel) -> str:
        return settings.PICKUP_PUBLIC_URL + reverse("tracking:lookup") + f"?number={parcel.tracking_number}"


def public_id_field(example: str) -> serializers.CharField:
    return serializers.CharField(
        source="public_id", read_only=True, help_text=_("Random and opaque, e.g. %(example)s.") % {"example": example}
    )


class OrderSerializer(serializers.ModelSerializer):
    id = public_id_field("ord_4fHq9ZkT2bWx7LmN3pRs")
    pickup_store = StoreBriefSerializer()
    parcels = ParcelSerializer(many=True)
    updated_at = serializers.DateTimeField(
        source="changed_at", read_only=True, help_text=_("The last change to the order or any of its parcels.")
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "reference",
            "shopper_name",
            "shopper_phone",
            "shopper_email",
            "cash_on_pickup",
            "pickup_store",
            "preferred_pickup_day",
            "pickup_day_choices",
            "language",
            "created_at",
            "updated_at",
            "parcels",
        ]

    pickup_day_choices = serializers.SerializerMethodField(help_text=_("Days the pickup day may be moved to now."))

    @extend_schema_field(serializers.ListField(child=serializers.DateField()))
    def get_pickup_day_choices(self, order: Order) -> list[str]:
        return [day.isoformat() for day in pickup_day_choices()]


class BulkOrderItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text=_("The order's position in the request, from 0."))
    status = serializers.IntegerField(help_text=_("201 created, or the 400/409 a single create would have answered."))
    order = OrderSerializer(required=False, help_text=_("The created order (with status 201)."))
    error = ErrorSerializer(required=False, help_text=_("Why it was refused (with 400 or 409)."))


class BulkOrderResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = BulkOrderItemResultSerializer(many=True)


class ParcelEventSerializer(serializers.ModelSerializer):
    id = public_id_field("evt_8sK2mQ7vXc1Rt5YpLw9D")
    store = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text=_("Where it happened; null away from a store.")
    )
    details = serializers.SerializerMethodField(
        help_text=_("What the merchant may see of the event's details, as in its webhook (no internal ids).")
    )

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_details(self, event: ParcelEvent) -> dict:
        return event_public_details(event)

    class Meta:
        model = ParcelEvent
        fields = ["id", "seq", "type", "from_status", "to_status", "store", "created_at", "details"]


class OffsetDateTimeField(serializers.DateTimeField):
    """An instant: ISO 8601 with its offset. Without one it would be a guess at the sender's zone."""

    default_error_messages = {"offset": _("Give the offset too, e.g. 2026-05-02T10:14:03+08:00.")}

    def to_internal_value(self, value):
        instant = super().to_internal_value(value)
        # DRF has made a value without an offset aware in the server's zone: look at what was sent.
        if parse_datetime(value).tzinfo is None:
            self.fail("offset")
        return instant


class OrderListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Parcel.Status.choices, required=False, help_text=_("Orders with a parcel in this status.")
    )
    created_from = serializers.DateField(
        required=False,
        help_text=_("Created on or after this day, a day in the platform's time zone (Asia/Taipei, +08:00)."),
    )
    created_to = serializers.DateField(
        required=False,
        help_text=_("Created on or before this day, a day in the platform's time zone (Asia/Taipei, +08:00)."),
    )
    reference = serializers.CharField(
        required=False,
        max_length=64,
        trim_whitespace=False,
        help_text=_("Your order with this reference (exact match)."),
    )
    updated_since = OffsetDateTimeField(
        required=False,
        help_text=_(
            "Orders that changed (the order or any parcel) at or after this instant: ISO 8601 with its offset, "
            "e.g. 2026-05-02T10:14:03+08:00 or 2026-05-02T02:14:03Z. Pass the `updated_at` of the last order "
            "you processed to fetch what changed since."
        ),
    )

    # Nothing was made before the first or after the last of these, so a bound beyond them selects the same;
    # clamped, the day's first and last instant shifted between zones stay representable.
    def validate_created_from(self, value: date) -> date:
        return min(max(value, FIRST_FILTER_DAY), LAST_FILTER_DAY)

    def validate_created_to(self, value: date) -> date:
        return min(max(value, FIRST_FILTER_DAY), LAST_FILTER_DAY)

    def validate_updated_since(self, value: datetime) -> datetime:
        return min(max(value, FIRST_FILTER_INSTANT), LAST_FILTER_INSTANT)


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "duration_ms", "response_status", "error", "succeeded"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    id = public_id_field("dlv_Zq3Lr8Tn6Wb2Kx9Mv4Hc")
    attempts = WebhookAttemptSerializer(many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "url",
            "status",
            "attempt_count",
            "next_attempt_at",
            "created_at",
            "updated_at",
            "delivered_at",
            "payload",
            "attempts",
        ]
