"""The merchant's own webhook endpoint: URL and event types, secret rotation, a test event, bulk replay.

The events themselves are documented as OpenAPI callbacks of `PUT webhook-endpoint/`: one per event type,
each with the payload the merchant's URL receives.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiCallback, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from core.errors import ConflictError
from orders.api.delivery_filters import DeliveryQuerySerializer
from orders.api.idempotency import idempotent
from orders.api.serializers import OffsetDateTimeField
from orders.api.views import ERROR_RESPONSES, IDEMPOTENCY_HEADER, MerchantApiView
from orders.models import Parcel, WebhookDelivery
from orders.services.webhook_endpoint import webhook_endpoint_update, webhook_secret_rotate, webhook_url_problem
from orders.webhooks import (
    ALL_EVENTS,
    EVENT_TYPES,
    SIGNATURE_HEADER,
    TEST_EVENT_TYPE,
    webhook_replay_failed,
    webhook_send_test,
)

EVENT_DESCRIPTIONS = {
    "parcel.status_changed": gettext_lazy("A parcel's status changed; `data.from_status` → `data.status`."),
    "parcel.pickup_store_changed": gettext_lazy("The pickup store changed; `details.from` and `details.to` name it."),
    "parcel.pickup_day_changed": gettext_lazy("The shopper's pickup day moved; `details.from`, `details.to`."),
    "parcel.delivery_deferred": gettext_lazy(
        "Today's batch could not take the parcel; `details.reason` and `details.text` say why."
    ),
    "parcel.exception": gettext_lazy(
        "Held at the distribution centre for a person to decide (over-size, damaged); `details` say why."
    ),
    "parcel.cash_collected": gettext_lazy(
        "Cash on pickup collected at the counter; `details.amount` in `details.currency` (TWD), at `event_store`."
    ),
    "parcel.hold_extended": gettext_lazy(
        "The shopper extended the hold once; `details.from` and `details.to` are the old and new deadline."
    ),
    "parcel.redirected": gettext_lazy(
        "The store could not take the parcel at the drop; the driver took it to `details.to` (the new pickup store)."
    ),
}


class WebhookEndpointSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=200,
        allow_blank=True,
        help_text=gettext_lazy("Where events are POSTed (http or https, a public address); empty stops them."),
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=[ALL_EVENTS, *EVENT_TYPES]),
        allow_empty=False,
        min_length=1,  # what the schema shows (minItems); allow_empty alone it does not
        required=False,
        default=[ALL_EVENTS],
        help_text=gettext_lazy("The event types to send; `*` (the default) is every type, including later ones."),
    )
    previous_secret_valid_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("After a rotation, deliveries are also signed with the old secret until then."),
    )

    def validate_url(self, value: str) -> str:
        value = value.strip()
        if value and (problem := webhook_url_problem(value)):
            raise serializers.ValidationError(problem)
        return value

    def to_representation(self, merchant):
        until = merchant.webhook_previous_secret_until
        return super().to_representation(
            {
                "url": merchant.webhook_url,
                "event_types": merchant.webhook_events,
                "previous_secret_valid_until": until if merchant.webhook_previous_secret else None,
            }
        )


class RotatedSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(
        help_text=gettext_lazy("The new signing secret. It is shown only in this answer: store it now.")
    )
    previous_secret_valid_until = serializers.DateTimeField(
        help_text=gettext_lazy("Until then each delivery carries a signature with the old secret too.")
    )


class WebhookEventDataSerializer(serializers.Serializer):
    order_id = serializers.CharField()
    order_reference = serializers.CharField()
    tracking_number = serializers.CharField()
    from_status = serializers.CharField(allow_blank=True, help_text=gettext_lazy("Empty for the first event."))
    status = serializers.ChoiceField(choices=Parcel.Status.choices)
    pickup_store = serializers.CharField(help_text=gettext_lazy("The pickup store's code."))
    event_store = serializers.CharField(allow_null=True, help_text=gettext_lazy("Where it happened, if at a store."))
    hold_deadline = serializers.DateTimeField(allow_null=True)
    expected_arrival = serializers.DateTimeField(allow_null=True)
    preferred_pickup_day = serializers.DateField(allow_null=True)
    details = serializers.DictField(
        help_text=gettext_lazy(
            "What the event says beyond its status, e.g. `reason`, `text`, `amount`, `currency`, `delivery_day`."
        )
    )


class WebhookEventSerializer(serializers.Serializer):
    id = serializers.CharField(help_text=gettext_lazy("The event's id (`evt_…`), the same in the events API."))
    type = serializers.ChoiceField(choices=EVENT_TYPES)
    livemode = serializers.BooleanField(help_text=gettext_lazy("False for a test key's order (the sandbox)."))
    sequence = serializers.IntegerField(
        help_text=gettext_lazy("Per parcel, increasing: ignore one not above the last.")
    )
    created_at = serializers.DateTimeField()
    data = WebhookEventDataSerializer()


TEST_EVENT = inline_serializer(
    "WebhookTestEvent",
    {
        "id": serializers.CharField(),
        "type": serializers.ChoiceField(choices=[TEST_EVENT_TYPE]),
        "livemode": serializers.BooleanField(),
        "sequence": serializers.IntegerField(),
        "created_at": serializers.DateTimeField(),
        "data": inline_serializer("WebhookTestEventData", {"merchant": serializers.CharField()}),
    },
)
RECEIVER_ANSWER = {
    200: OpenApiResponse(description="Any 2xx within the timeout is a delivery; anything else is retried.")
}
SIGNATURE_NOTE = (
    f"Signed in the `{SIGNATURE_HEADER}` header: `t=<unix time>,v1=<hex>`, and during the grace period after a "
    "secret rotation `t=<unix time>,v1=<hex with the new secret>,v1=<hex with the old secret>`. Each `v1` is "
    "HMAC-SHA256(secret, `<t>.<raw body>`); accept the delivery when any `v1` matches."
)
EVENT_CALLBACKS = [
    OpenApiCallback(
        event_type,
        "{$request.body#/url}",
        extend_schema(
            request=WebhookEventSerializer,
            responses=RECEIVER_ANSWER,
            summary=EVENT_DESCRIPTIONS[event_type],
            description=SIGNATURE_NOTE,
        ),
    )
    for event_type in EVENT_TYPES
] + [
    OpenApiCallback(
        TEST_EVENT_TYPE,
        "{$request.body#/url}",
        extend_schema(
            request=TEST_EVENT,
            responses=RECEIVER_ANSWER,
            summary="Sent by POST webhook-endpoint/test/ only.",
            description=SIGNATURE_NOTE,
        ),
    )
]


class WebhookEndpointView(MerchantApiView):
    @extend_schema(
        responses={200: WebhookEndpointSerializer, **ERROR_RESPONSES},
        tags=["webhooks"],
        summary="Your webhook endpoint: URL and event types",
    )
    def get(self, request):
        return Response(WebhookEndpointSerializer(request.user.merchant).data)

    @extend_schema(
        request=WebhookEndpointSerializer,
        responses={200: WebhookEndpointSerializer, **ERROR_RESPONSES},
        callbacks=EVENT_CALLBACKS,
        tags=["webhooks"],
        summary="Set your webhook URL and the event types it takes",
        description="The events and their payloads are listed as this operation's callbacks. " + SIGNATURE_NOTE,
    )
    def put(self, request):
        data = WebhookEndpointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        merchant = webhook_endpoint_update(
            merchant=request.user.merchant,
            url=data.validated_data["url"],
            event_types=data.validated_data["event_types"],
        )
        return Response(WebhookEndpointSerializer(merchant).data)


class WebhookSecretRotateView(MerchantApiView):
    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            200: RotatedSecretSerializer,
            409: OpenApiResponse(
                description="Rotated by another request meanwhile, or the Idempotency-Key was used with another body."
            ),
            **ERROR_RESPONSES,
        },
        tags=["webhooks"],
        summary="Rotate the signing secret (the new one is shown once)",
        description="Send an `Idempotency-Key`: if the answer is lost, the same key shows the same secret again "
        "instead of rotating twice. " + SIGNATURE_NOTE,
    )
    @idempotent
    def post(self, request):
        merchant = request.user.merchant
        secret = webhook_secret_rotate(merchant=merchant)
        return Response(
            RotatedSecretSerializer(
                {"secret": secret, "previous_secret_valid_until": merchant.webhook_previous_secret_until}
            ).data
        )


class WebhookTestResultSerializer(serializers.Serializer):
    delivered = serializers.BooleanField(help_text=gettext_lazy("Your URL answered 2xx."))
    response_status = serializers.IntegerField(allow_null=True)
    response_body = serializers.CharField(allow_blank=True, help_text=gettext_lazy("The first 2 kB of the answer."))
    error = serializers.CharField(allow_blank=True, help_text=gettext_lazy("Why no answer came (timeout, refused)."))
    duration_ms = serializers.IntegerField()
    event = TEST_EVENT


class WebhookEndpointTestView(MerchantApiView):
    @extend_schema(
        request=None,
        responses={
            200: WebhookTestResultSerializer,
            409: OpenApiResponse(description="No webhook URL is set (`code`: `no_webhook_url`)."),
            **ERROR_RESPONSES,
        },
        tags=["webhooks"],
        summary="Send a signed test event to your URL now",
        description="A `webhook.test` event, signed as every delivery is, POSTed at once; the answer says what "
        "your URL replied. Nothing is stored or retried.",
    )
    def post(self, request):
        merchant = request.user.merchant
        if not merchant.webhook_url:
            raise ConflictError(_("Set a webhook URL first (PUT webhook-endpoint/)."), code="no_webhook_url")
        sent = webhook_send_test(merchant=merchant, livemode=request.auth.livemode)
        return Response(
            WebhookTestResultSerializer(
                {
                    "delivered": sent.succeeded,
                    "response_status": sent.response_status,
                    "response_body": sent.response_body,
                    "error": sent.error,
                    "duration_ms": sent.duration_ms,
                    "event": sent.payload,
                }
            ).data
        )


class BulkReplaySerializer(DeliveryQuerySerializer):
    status = None
    since = OffsetDateTimeField(
        help_text=gettext_lazy("Replay the failed deliveries created at or after this time (ISO 8601 with offset).")
    )


class BulkReplayResultSerializer(serializers.Serializer):
    replayed = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("The deliveries sent again, oldest first.")
    )
    count = serializers.IntegerField()
    more = serializers.BooleanField(
        help_text=gettext_lazy("More failed deliveries remain past this batch of 500: call again.")
    )


class WebhookDeliveryBulkReplayView(MerchantApiView):
    @extend_schema(
        operation_id="webhook_deliveries_replay_failed",
        request=BulkReplaySerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            202: BulkReplayResultSerializer,
            409: OpenApiResponse(description="Idempotency-Key reused with another body."),
            **ERROR_RESPONSES,
        },
        tags=["webhooks"],
        summary="Send again every delivery that gave up since a time",
        description="After an outage of your endpoint: each failed delivery since `since` (and before `until`, "
        "if given) gets a fresh round of retries, oldest first, 500 a call; a parcel's events still arrive "
        "in sequence order.",
    )
    @idempotent
    def post(self, request):
        data = BulkReplaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deliveries = WebhookDelivery.objects.filter(merchant=request.user.merchant, livemode=request.auth.livemode)
        result = webhook_replay_failed(
            deliveries=deliveries, since=data.validated_data["since"], until=data.validated_data.get("until")
        )
        body = {"replayed": result.replayed, "count": len(result.replayed), "more": result.more}
        return Response(BulkReplayResultSerializer(body).data, status=status.HTTP_202_ACCEPTED)
