"""The webhook delivery list's filters: by status and by creation time."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from orders.models import WebhookDelivery


class DeliveryQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices, required=False)
    since = serializers.DateTimeField(
        required=False, help_text=gettext_lazy("Created at or after this time (ISO 8601 with offset).")
    )
    until = serializers.DateTimeField(required=False, help_text=gettext_lazy("Created before this time."))

    def validate(self, attrs):
        if "since" in attrs and "until" in attrs and attrs["until"] <= attrs["since"]:
            raise serializers.ValidationError({"until": [_("Must be after since.")]})
        return attrs


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
