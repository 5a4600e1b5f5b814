from django.urls import path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from orders.api import labels, returns, sandbox, settlements, views, webhook_endpoint
from orders.api.converters import DeliveryIdConverter, OrderIdConverter

app_name = "api"
register_converter(OrderIdConverter, "ord")
register_converter(DeliveryIdConverter, "dlv")

urlpatterns = [
    path("stores/", views.StoreSearchView.as_view(), name="stores"),
    path("orders/", views.OrderListCreateView.as_view(), name="orders"),
    path("orders/bulk/", views.OrderBulkCreateView.as_view(), name="orders-bulk"),
    path("orders/<ord:order_id>/", views.OrderDetailView.as_view(), name="order"),
    path("orders/<ord:order_id>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
    path(
        "orders/<ord:order_id>/pickup-store/",
        views.OrderChangeStoreView.as_view(),
        name="order-pickup-store",
    ),
    path("orders/<ord:order_id>/pickup-day/", views.OrderPickupDayView.as_view(), name="order-pickup-day"),
    path("orders/<ord:order_id>/label/", labels.OrderLabelsView.as_view(), name="order-label"),
    path("parcels/<str:tracking_number>/label/", labels.ParcelLabelView.as_view(), name="parcel-label"),
    path("parcels/<str:tracking_number>/events/", views.ParcelEventsView.as_view(), name="parcel-events"),
    path("returns/", returns.ReturnCreateView.as_view(), name="returns"),
    path("webhook-deliveries/", views.WebhookDeliveryListView.as_view(), name="webhook-deliveries"),
    path(
        "webhook-deliveries/replay/",
        webhook_endpoint.WebhookDeliveryBulkReplayView.as_view(),
        name="webhook-deliveries-replay",
    ),
    path("webhook-endpoint/", webhook_endpoint.WebhookEndpointView.as_view(), name="webhook-endpoint"),
    path(
        "webhook-endpoint/rotate-secret/",
        webhook_endpoint.WebhookSecretRotateView.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path("webhook-endpoint/test/", webhook_endpoint.WebhookEndpointTestView.as_view(), name="webhook-endpoint-test"),
    path("test/parcels/<str:tracking_number>/advance/", sandbox.SandboxAdvanceView.as_view(), name="sandbox-advance"),
    path("settlements/", settlements.SettlementView.as_view(), name="settlements"),
    path(
        "webhook-deliveries/<dlv:delivery_id>/replay/",
        views.WebhookDeliveryReplayView.as_view(),
        name="webhook-delivery-replay",
    ),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
