"""The webhook delivery list's filters: by status and by creation time."""

from datetime import datetime

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from orders.api.serializers import FIRST_FILTER_INSTANT, LAST_FILTER_INSTANT, OffsetDateTimeField
from orders.models import WebhookDelivery


class DeliveryQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices, required=False)
    since = OffsetDateTimeField(
        required=False, help_text=gettext_lazy("Created at or after this time (ISO 8601 with offset).")
    )
    until = OffsetDateTimeField(
        required=False,
        help_text=gettext_lazy("Created before this time (ISO 8601 with offset); not after since: none."),
    )

    # No delivery was made before the first or after the last of these: a bound beyond them selects the same.
    def validate_since(self, value: datetime) -> datetime:
        return min(max(value, FIRST_FILTER_INSTANT), LAST_FILTER_INSTANT)

    def validate_until(self, value: datetime) -> datetime:
        return min(max(value, FIRST_FILTER_INSTANT), LAST_FILTER_INSTANT)


def deliveries_filtered(deliveries, params):
    """`deliveries` narrowed by the list's query parameters (status, since, until), or a 400 naming the field."""
    query = DeliveryQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    filters = query.validated_data
    if "status" in filters:
        deliveries = deliveries.filter(status=filters["status"])
    if "since" in filters:
        deliveries = deliveries.filter(created_at__gte=filters["since"])
    if "until" in filters:
        deliveries = deliveries.filter(created_at__lt=filters["until"])
    return deliveries
