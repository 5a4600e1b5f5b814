"""Parcel labels over the merchant API: a parcel's, or all of an order's, as a PDF for a thermal printer."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer

from orders.api.views import ORDER_ID, MerchantApiView
from orders.labels import labels_pdf
from orders.models import Order

PDF = "application/pdf"
# The renderers exist for content negotiation only (`Accept: application/pdf`), not as `?format=`.
NO_FORMAT = OpenApiParameter("format", exclude=True)
TRACKING_NUMBER = OpenApiParameter(
    "tracking_number", str, OpenApiParameter.PATH, description="The parcel's tracking number, as the order gave it."
)
LABEL_DESCRIPTION = (
    "A 100 × 150 mm (4 × 6 in) page per parcel, black on white for a thermal printer, in your merchant "
    "account's language: Code 128 barcode and QR code of the tracking number (what the DC's intake scans), "
    "the pickup store's name and code, the DC's sort code (region, and route and stop once planned), "
    "the cash to collect on pickup, and the temperature and fragile marks."
)


class PdfRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the views answer the PDF themselves."""

    media_type = PDF
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=PDF)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class LabelView(MerchantApiView):
    renderer_classes = [JSONRenderer, PdfRenderer]

    def handle_exception(self, exc):
        # An error is a JSON body even to a client that asked for the PDF.
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().handle_exception(exc)

    def merchant_orders(self):
        return super().merchant_orders().select_related("merchant", "pickup_store__region__dc")


class ParcelLabelView(LabelView):
    @extend_schema(
        operation_id="parcels_label",
        parameters=[TRACKING_NUMBER, NO_FORMAT],
        responses={(200, PDF): OpenApiResponse(OpenApiTypes.BINARY, description=LABEL_DESCRIPTION)},
        tags=["orders"],
        summary="A parcel's label (PDF, 100 × 150 mm)",
    )
    def get(self, request, tracking_number: str):
        order = get_object_or_404(self.merchant_orders(), parcels__tracking_number=tracking_number)
        parcel = next(p for p in order.parcels.all() if p.tracking_number == tracking_number)
        return pdf_response(labels_pdf(order, only=parcel), f"label-{tracking_number}.pdf")


class OrderLabelsView(LabelView):
    @extend_schema(
        operation_id="orders_labels",
        parameters=[ORDER_ID, NO_FORMAT],
        responses={
            (200, PDF): OpenApiResponse(
                OpenApiTypes.BINARY, description=LABEL_DESCRIPTION + " One page for each parcel of the order."
            ),
        },
        tags=["orders"],
        summary="The labels of all the order's parcels (PDF, a page each)",
    )
    def get(self, request, order_id: str):
        order: Order = self.get_order(order_id)
        return pdf_response(labels_pdf(order), f"labels-{order.reference}.pdf")
