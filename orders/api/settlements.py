"""Cash on pickup: what each store collected for the merchant on a day."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from orders.api.serializers import FIRST_FILTER_DAY, LAST_FILTER_DAY, query_data
from orders.api.views import ERROR_RESPONSES, MerchantApiView
from orders.settlement_selectors import settlement_for_day


class SettlementQuerySerializer(serializers.Serializer):
    day = serializers.DateField(
        help_text=gettext_lazy("The day (YYYY-MM-DD), in the API's time zone (Asia/Taipei, +08:00)."),
    )

    def validate_day(self, value):
        # Nothing was collected before the first or after the last: such a day answers the same empty one.
        return min(max(value, FIRST_FILTER_DAY), LAST_FILTER_DAY)


class StoreTakingsSerializer(serializers.Serializer):
    store_code = serializers.CharField(source="store.code")
    store_name = serializers.CharField(source="store.name")
    count = serializers.IntegerField(help_text=gettext_lazy("Orders whose cash was collected."))
    amount = serializers.IntegerField(help_text=gettext_lazy("Collected, in TWD."))


class SettlementSerializer(serializers.Serializer):
    day = serializers.DateField()
    currency = serializers.CharField()
    stores = StoreTakingsSerializer(many=True)
    count = serializers.IntegerField()
    total = serializers.IntegerField(help_text=gettext_lazy("Collected at all stores, in TWD."))


class SettlementView(MerchantApiView):
    @extend_schema(
        parameters=[SettlementQuerySerializer],
        responses={200: SettlementSerializer, **ERROR_RESPONSES},
        tags=["cash"],
        summary="Cash on pickup each store collected for you on a day",
    )
    def get(self, request):
        query = SettlementQuerySerializer(data=query_data(request))
        query.is_valid(raise_exception=True)
        day = query.validated_data["day"]
        takings = settlement_for_day(merchant=request.user.merchant, livemode=request.auth.livemode, day=day)
        body = {
            "day": day,
            "currency": "TWD",
            "stores": takings,
            "count": sum(t.count for t in takings),
            "total": sum(t.amount for t in takings),
        }
        return Response(SettlementSerializer(body).data)
