"""The merchant API's returns: a merchant starts a shopper's return of a picked-up parcel.

The answer carries the return code (digits) to pass on to the shopper, who also finds it, with its QR,
on the tracking page, and chooses the store there unless the merchant named one.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from orders.api.idempotency import idempotent
from orders.api.views import ERROR_RESPONSES, IDEMPOTENCY_HEADER, MerchantApiView
from orders.models import Parcel, ReturnRequest
from orders.services.returns_dropoff import REASON_MAX_LENGTH, return_request_start
from stores.models import Store


class ReturnCreateSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(max_length=20, help_text=_("The picked-up parcel to return."))
    store = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Store.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": _("No store has the code {value}.")},
        help_text=_("The store's code where the shopper will drop it off; else the shopper chooses."),
    )
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")


class ReturnSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(source="parcel.tracking_number")
    order_id = serializers.CharField(source="parcel.order.public_id")
    status = serializers.CharField(source="parcel.status")
    return_code = serializers.CharField(help_text=_("Give it to the shopper: the store's counter scans it."))
    store = serializers.CharField(source="store.code", allow_null=True, default=None)
    reason = serializers.CharField()
    requested_at = serializers.DateTimeField(source="created_at")


class ReturnCreateView(MerchantApiView):
    @extend_schema(
        request=ReturnCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: ReturnSerializer,
            409: OpenApiResponse(
                description="Not picked up, already returning, or outside the merchant's return window."
            ),
            **ERROR_RESPONSES,
        },
        tags=["returns"],
        summary="Start a shopper's return (dropped off at a store)",
    )
    @idempotent
    def post(self, request):
        body = ReturnCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        merchant = request.user.merchant
        parcel = get_object_or_404(
            Parcel.objects.select_related("order__merchant", "order__pickup_store"),
            tracking_number=body.validated_data["tracking_number"],
            order__merchant=merchant,
        )
        started = return_request_start(
            parcel=parcel,
            source=ReturnRequest.Source.MERCHANT,
            actor_label=f"merchant:{merchant.code}",
            store=body.validated_data.get("store"),
            reason=body.validated_data["reason"],
        )
        return_request = started.return_request
        return_request.return_code = started.code
        return Response(ReturnSerializer(return_request).data, status=status.HTTP_201_CREATED)
