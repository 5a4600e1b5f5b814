"""The merchant API, version 1. Views parse, call one service or selector, and render."""

from datetime import datetime, time

from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import DomainError
from orders.api.auth import ApiKeyAuthentication, HasApiKey
from orders.api.converters import public_id_regex
from orders.api.delivery_filters import DeliveryQuerySerializer, deliveries_filtered
from orders.api.exceptions import ErrorSerializer, domain_error_body
from orders.api.idempotency import MAX_KEY_LENGTH, idempotent
from orders.api.parsers import CheckedJSONParser
from orders.api.serializers import (
    BulkOrderCreateSerializer,
    BulkOrderResultSerializer,
    ChangeStoreSerializer,
    OrderCreateSerializer,
    OrderListQuerySerializer,
    OrderSerializer,
    ParcelEventSerializer,
    PickupDaySerializer,
    WebhookDeliverySerializer,
    query_data,
)
from orders.api.throttling import ApiKeyRateThrottle
from orders.models import Order, Parcel, WebhookAttempt, WebhookDelivery
from orders.services.ordering import (
    ParcelSpec,
    order_cancel,
    order_change_pickup_store,
    order_create,
    order_set_pickup_day,
)
from orders.webhooks import webhook_replay
from stores.serializers import StoreSearchQuerySerializer, StoreSearchResultSerializer, store_search

# 401, 404, 405, 406, 414, 415 and 429 are documented on every operation by orders.api.schema.
ERROR_RESPONSES = {
    400: OpenApiResponse(
        response=ErrorSerializer,
        description="Invalid input; `fields` names each bad field.",
        examples=[
            OpenApiExample(
                "Parcel too large for the store",
                value={
                    "code": "invalid",
                    "detail": "The pickup store cannot take this order.",
                    "fields": {
                        "parcels": {"0": {"size_class": ["Store S0012 takes parcels up to size M; this one is L."]}}
                    },
                    "request_id": "9f1c2e7a4b8d4c0e8a6f3d2b1c0e9f8a",
                },
            )
        ],
    ),
}
DISPATCHED = OpenApiResponse(
    ErrorSerializer,
    description="A parcel has already been dispatched, or the Idempotency-Key was reused with another body.",
)
KEY_REUSED = OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused with another body.")
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "maxLength": MAX_KEY_LENGTH},
    OpenApiParameter.HEADER,
    description="Any unique string (e.g. a UUID). Retrying with the same key and body replays the first response "
    "(with `Idempotent-Replayed: true`); the same key with a different body is 409.",
)

ORDER_ID = OpenApiParameter(
    "order_id",
    str,
    OpenApiParameter.PATH,
    description="The order's `id`, as creating or listing it returned it (`ord_` and 20 letters or digits).",
    pattern=f"^{public_id_regex('ord')}$",
)
DELIVERY_ID = OpenApiParameter(
    "delivery_id",
    str,
    OpenApiParameter.PATH,
    description="The delivery's `id`, as the delivery list returned it (`dlv_` and 20 letters or digits).",
    pattern=f"^{public_id_regex('dlv')}$",
)


def _actor(request) -> str:
    return f"merchant:{request.user.merchant.code}"


class MerchantApiView(APIView):
    # JSON only: a form cannot carry the nested parcels, and the schema should not offer what fails.
    parser_classes = [CheckedJSONParser]
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes = [ApiKeyRateThrottle]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        rate_limit = getattr(request, "rate_limit", None)
        if rate_limit is not None:
            for name, value in rate_limit.headers().items():
                response[name] = value
        return response

    def merchant_orders(self):
        # An order has changed when its row or one of its parcels has (the lifecycle gate writes the parcel's).
        newest_parcel_change = Parcel.objects.filter(order=OuterRef("pk")).order_by("-updated_at").values("updated_at")
        return (
            # A test key sees only the sandbox's orders, a live key only live ones.
            Order.objects.filter(merchant=self.request.user.merchant, livemode=self.request.auth.livemode)
            .annotate(changed_at=Greatest("updated_at", Coalesce(Subquery(newest_parcel_change[:1]), "updated_at")))
            .select_related("pickup_store")
            .prefetch_related(Prefetch("parcels", queryset=Parcel.objects.order_by("id")))
        )

    def get_order(self, public_id: str) -> Order:
        return get_object_or_404(self.merchant_orders(), public_id=public_id)


class StoreSearchView(MerchantApiView):
    @extend_schema(
        operation_id="stores_search",
        parameters=[StoreSearchQuerySerializer],
        responses={200: StoreSearchResultSerializer, **ERROR_RESPONSES},
        tags=["stores"],
        summary="Nearest stores to a point, postal code or district",
    )
    def get(self, request):
        query = StoreSearchQuerySerializer(data=query_data(request))
        query.is_valid(raise_exception=True)
        return Response(StoreSearchResultSerializer(store_search(query.validated_data)).data)


class NewestFirstPagination(CursorPagination):
    """Newest first; a page's `next` link stays right while rows are added (no page numbers to shift).

    A `page_size` that is not a whole number from 1 to MAX_PAGE_SIZE is a 400, not quietly the default."""

    ordering = "-created_at"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        sent = request.query_params.get(self.page_size_query_param)
        if sent is None:
            return self.page_size
        if not (sent.isascii() and sent.isdigit() and 1 <= int(sent) <= self.max_page_size):
            message = _("Give a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return int(sent)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size, default=self.page_size)
            else:
                parameter["description"] = "The `next` or `previous` link's cursor; an unknown one is a 404."
        return parameters


def _order_create(request, fields: dict) -> Order:
    return order_create(
        merchant=request.user.merchant,
        reference=fields["reference"],
        shopper_name=fields["shopper_name"],
        shopper_phone=fields["shopper_phone"],
        shopper_email=fields.get("shopper_email", ""),
        pickup_store=fields["pickup_store"],
        cash_on_pickup=fields["cash_on_pickup"],
        parcels=[ParcelSpec(**parcel) for parcel in fields["parcels"]],
        preferred_pickup_day=fields["preferred_pickup_day"],
        language=fields["language"],
        actor_label=_actor(request),
        livemode=request.auth.livemode,
    )


class OrderListCreateView(MerchantApiView, generics.GenericAPIView):
    pagination_class = NewestFirstPagination
    serializer_class = OrderSerializer

    @extend_schema(
        parameters=[OrderListQuerySerializer],
        responses={200: OrderSerializer(many=True), **ERROR_RESPONSES},
        tags=["orders"],
        summary="Your orders, newest first",
    )
    def get(self, request):
        query = OrderListQuerySerializer(data=query_data(request))
        query.is_valid(raise_exception=True)
        orders = self.merchant_orders()
        filters = query.validated_data
        if "status" in filters:
            orders = orders.filter(parcels__status=filters["status"]).distinct()
        tz = timezone.get_current_timezone()
        if "created_from" in filters:
            orders = orders.filter(created_at__gte=datetime.combine(filters["created_from"], time.min, tzinfo=tz))
        if "created_to" in filters:
            orders = orders.filter(created_at__lte=datetime.combine(filters["created_to"], time.max, tzinfo=tz))
        if "reference" in filters:
            orders = orders.filter(reference=filters["reference"])
        if "updated_since" in filters:
            orders = orders.filter(changed_at__gte=filters["updated_since"])
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(OrderSerializer(page, many=True).data)

    @extend_schema(
        request=OrderCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: OrderSerializer, 409: KEY_REUSED, **ERROR_RESPONSES},
        examples=[
            OpenApiExample(
                "One small parcel, paid online",
                request_only=True,
                value={
                    "reference": "A-10023",
                    "shopper_name": "Lin Mei-Ling",
                    "shopper_phone": "0912 345 678",
                    "shopper_email": "mei@mail.example",
                    "pickup_store": "S0012",
                    "cash_on_pickup": 0,
                    "parcels": [{"size_class": "S", "weight_g": 800}],
                },
            )
        ],
        tags=["orders"],
        summary="Create an order for store pickup",
    )
    @idempotent
    def post(self, request):
        data = OrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = _order_create(request, data.validated_data)
        return Response(OrderSerializer(self.get_order(order.public_id)).data, status=status.HTTP_201_CREATED)


class OrderBulkCreateView(MerchantApiView):
    @extend_schema(
        request=BulkOrderCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            200: OpenApiResponse(
                BulkOrderResultSerializer,
                description="Each order in the request's order, created (201) or refused (400/409) on its own.",
            ),
            409: KEY_REUSED,
            **ERROR_RESPONSES,
        },
        tags=["orders"],
        summary="Create up to 100 orders at once",
    )
    @idempotent
    def post(self, request):
        data = BulkOrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Every order is well formed (or the whole request was a 400 naming each bad one by position);
        # each is now created or refused by the business rules on its own.
        results = []
        for index, fields in enumerate(data.validated_data["orders"]):
            try:
                with transaction.atomic():
                    order = _order_create(request, fields)
            except DomainError as refusal:
                results.append(
                    {"index": index, "status": refusal.status_code, "error": domain_error_body(request, refusal)}
                )
            else:
                results.append({"index": index, "status": status.HTTP_201_CREATED, "order": order.public_id})
        created = {
            order.public_id: order
            for order in self.merchant_orders().filter(public_id__in=[r["order"] for r in results if "order" in r])
        }
        for result in results:
            if "order" in result:
                result["order"] = OrderSerializer(created[result["order"]]).data
        return Response(
            {
                "created": sum(1 for r in results if "order" in r),
                "refused": sum(1 for r in results if "error" in r),
                "results": results,
            }
        )


class OrderDetailView(MerchantApiView):
    @extend_schema(
        parameters=[ORDER_ID],
        responses={200: OrderSerializer, **ERROR_RESPONSES},
        tags=["orders"],
        summary="One of your orders",
    )
    def get(self, request, order_id: str):
        return Response(OrderSerializer(self.get_order(order_id)).data)


class OrderCancelView(MerchantApiView):
    @extend_schema(
        request=None,
        parameters=[ORDER_ID, IDEMPOTENCY_HEADER],
        responses={200: OrderSerializer, 409: DISPATCHED, **ERROR_RESPONSES},
        tags=["orders"],
        summary="Cancel an order (until dispatch)",
    )
    @idempotent
    def post(self, request, order_id: str):
        order_cancel(order=self.get_order(order_id), actor_label=_actor(request))
        return Response(OrderSerializer(self.get_order(order_id)).data)


class OrderChangeStoreView(MerchantApiView):
    @extend_schema(
        request=ChangeStoreSerializer,
        parameters=[ORDER_ID, IDEMPOTENCY_HEADER],
        responses={200: OrderSerializer, 409: DISPATCHED, **ERROR_RESPONSES},
        tags=["orders"],
        summary="Change the pickup store (until dispatch)",
    )
    @idempotent
    def post(self, request, order_id: str):
        order = self.get_order(order_id)
        data = ChangeStoreSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order_change_pickup_store(order=order, store=data.validated_data["pickup_store"], actor_label=_actor(request))
        return Response(OrderSerializer(self.get_order(order_id)).data)


class OrderPickupDayView(MerchantApiView):
    @extend_schema(
        request=PickupDaySerializer,
        parameters=[ORDER_ID, IDEMPOTENCY_HEADER],
        responses={200: OrderSerializer, 409: DISPATCHED, **ERROR_RESPONSES},
        tags=["orders"],
        summary="Move the shopper's pickup day (until dispatch)",
    )
    @idempotent
    def post(self, request, order_id: str):
        order = self.get_order(order_id)
        data = PickupDaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order_set_pickup_day(order=order, day=data.validated_data["preferred_pickup_day"], actor_label=_actor(request))
        return Response(OrderSerializer(self.get_order(order_id)).data)


class ParcelEventsView(MerchantApiView):
    @extend_schema(
        responses={200: ParcelEventSerializer(many=True), **ERROR_RESPONSES},
        tags=["orders"],
        summary="A parcel's status history, oldest first",
    )
    def get(self, request, tracking_number: str):
        parcel = get_object_or_404(
            Parcel,
            tracking_number=tracking_number,
            order__merchant=request.user.merchant,
            order__livemode=request.auth.livemode,
        )
        events = parcel.events.select_related("store").order_by("seq")
        return Response(ParcelEventSerializer(events, many=True).data)


class WebhookDeliveryApiView(MerchantApiView, generics.GenericAPIView):
    serializer_class = WebhookDeliverySerializer

    def deliveries(self):
        return WebhookDelivery.objects.filter(
            merchant=self.request.user.merchant, livemode=self.request.auth.livemode
        ).prefetch_related(Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("number")))


class WebhookDeliveryListView(WebhookDeliveryApiView):
    pagination_class = NewestFirstPagination

    @extend_schema(
        parameters=[DeliveryQuerySerializer],
        responses={200: WebhookDeliverySerializer(many=True), **ERROR_RESPONSES},
        tags=["webhooks"],
        summary="Webhook deliveries and every attempt, newest first",
    )
    def get(self, request):
        page = self.paginate_queryset(deliveries_filtered(self.deliveries(), query_data(request)))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class WebhookDeliveryReplayView(WebhookDeliveryApiView):
    @extend_schema(
        request=None,
        parameters=[DELIVERY_ID],
        responses={202: WebhookDeliverySerializer, **ERROR_RESPONSES},
        tags=["webhooks"],
        summary="Send a delivery again",
    )
    def post(self, request, delivery_id: str):
        delivery = webhook_replay(delivery=get_object_or_404(self.deliveries(), public_id=delivery_id))
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
