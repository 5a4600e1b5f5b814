"""The sandbox's own call: a test key moves one of its parcels on, through the real lifecycle gate."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.errors import PermissionDeniedError
from orders.api.views import ERROR_RESPONSES, MerchantApiView
from orders.models import Parcel
from orders.services.sandbox import sandbox_parcel_advance


class AdvanceSerializer(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=Parcel.Status.choices,
        required=False,
        help_text=gettext_lazy(
            "The status to move to; by default the next one of the usual life (created → at_dc → planned → "
            "in_transit → at_store → picked_up; expired → return_in_transit → at_dc_return → returned). "
            "Name another legal one to try a side road (expired, cancelled, lost)."
        ),
    )


class AdvancedSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    status = serializers.ChoiceField(choices=Parcel.Status.choices)
    events = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("The events recorded (`evt_…`), each sent as a webhook like a real one."),
    )


class SandboxAdvanceView(MerchantApiView):
    @extend_schema(
        request=AdvanceSerializer,
        responses={
            200: AdvancedSerializer,
            403: OpenApiResponse(description="A live key: only test keys (`pk_test_…`) drive the sandbox."),
            409: OpenApiResponse(description="The move is not legal from the parcel's status."),
            **ERROR_RESPONSES,
        },
        tags=["sandbox"],
        summary="Move a test parcel to its next status (test keys only)",
        description="The move goes through the same gate as a real parcel's, so the events and webhooks are "
        "the real ones (`livemode: false`). A handover of an order with cash on pickup also sends "
        "`parcel.cash_collected`.",
    )
    def post(self, request, tracking_number: str):
        if request.auth.livemode:
            raise PermissionDeniedError(
                _("Only a test key (pk_test_…) can advance parcels; live parcels move at the DC and the counter."),
                code="test_key_required",
            )
        data = AdvanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parcel = get_object_or_404(
            Parcel.objects.select_related("order"),
            tracking_number=tracking_number,
            order__merchant=request.user.merchant,
            order__livemode=False,
        )
        events = sandbox_parcel_advance(parcel=parcel, to=data.validated_data.get("to"))
        body = {
            "tracking_number": parcel.tracking_number,
            "status": parcel.status,
            "events": [event.public_id for event in events],
        }
        return Response(AdvancedSerializer(body).data)
