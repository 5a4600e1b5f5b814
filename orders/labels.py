"""Parcel labels: a 100 × 150 mm (4 × 6 in) page per parcel for a merchant's thermal printer.

The Code 128 barcode and the QR code both carry the bare tracking number, which is what the dock's
intake scan (and the counter's) looks a parcel up by. Black on white only: a thermal printer has no grey.
Printed in the merchant's language (`Merchant.language`), whatever the caller's.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from core.pdf import draw_qr, pdf_font
from orders.models import Order, Parcel
from stores.models import TemperatureClass

LABEL_SIZE = (100 * mm, 150 * mm)
MARGIN = 5 * mm
# 0.5 mm is four dots of a 203 dpi print head: wide enough that a worn head still prints every bar.
BAR_WIDTH = 0.5 * mm
BAR_HEIGHT = 24 * mm
QR_SIZE = 30 * mm
# A parcel on a route plan is sorted into its route's cage, stop by stop (the loading order).
ON_A_ROUTE = (Parcel.Status.PLANNED, Parcel.Status.IN_TRANSIT)


def label_sort_codes(parcels: Sequence[Parcel]) -> list[tuple[Parcel, str]]:
    """Each parcel with its DC sort code: the DC and the pickup store's region, and once the parcel is on
    a route plan, the route and the stop (`TPE-DC1 N R2-05`). One query for the routes of them all."""
    # The plan lives in routing, above this app: read it through the reverse relation, not an import.
    routes = dict(
        (pk, f"R{number}-{position:02d}")
        for pk, number, position in Parcel.objects.filter(
            pk__in=[p.pk for p in parcels if p.status in ON_A_ROUTE],
            plan_entries__kind="deliver",
            plan_entries__stop__isnull=False,
        )
        .order_by("plan_entries__id")
        .values_list("pk", "plan_entries__stop__route__number", "plan_entries__stop__position")
    )
    result = []
    for parcel in parcels:
        region = parcel.order.pickup_store.region
        parts = [region.dc.code, region.code] + ([routes[parcel.pk]] if parcel.pk in routes else [])
        result.append((parcel, " ".join(parts)))
    return result


def labels_pdf(order: Order, only: Parcel | None = None) -> bytes:
    """A label page for each of the order's parcels, or for `only` one of them, in the language of the
    order's merchant. Each page says which box of the order it is (`2 of 3`)."""
    parcels = sorted(order.parcels.all(), key=lambda p: p.pk)
    count = len(parcels)
    numbered = [(n, p) for n, p in enumerate(parcels, start=1) if only is None or p.pk == only.pk]
    out = io.BytesIO()
    with translation.override(order.merchant.language):
        title = (
            _("Label %(tracking)s") % {"tracking": only.tracking_number}
            if only
            else _("Labels of order %(reference)s") % {"reference": order.reference}
        )
        pdf = canvas.Canvas(out, pagesize=LABEL_SIZE, title=title)
        sort_codes = dict(label_sort_codes([p for _n, p in numbered]))
        for position, parcel in numbered:
            _draw_label(pdf, order, parcel, sort_codes[parcel], position=position, count=count)
            pdf.showPage()
        pdf.save()
    return out.getvalue()


def _fit(text: str, font: str, size: float, width: float, smallest: float = 8) -> float:
    """The largest size up to `size` at which `text` fits `width`, but never below `smallest`."""
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _boxed(pdf, text: str, *, x: float, y: float, size: float, inverted: bool) -> float:
    """A mark in a box (white on black when `inverted`); returns the box's width."""
    font = pdf_font()
    width = stringWidth(text, font, size) + 4 * mm
    height = size + 3 * mm
    pdf.setFillGray(0)
    pdf.rect(x, y, width, height, stroke=1, fill=1 if inverted else 0)
    pdf.setFillGray(1 if inverted else 0)
    pdf.setFont(font, size)
    pdf.drawString(x + 2 * mm, y + 1.5 * mm + size * 0.12, text)
    pdf.setFillGray(0)
    return width


def _draw_label(pdf, order: Order, parcel: Parcel, sort_code: str, *, position: int, count: int) -> None:
    font = pdf_font()
    page_width, page_height = LABEL_SIZE
    inner = page_width - 2 * MARGIN
    store = order.pickup_store
    pdf.setLineWidth(0.6)

    # The sender and which box of the order this is.
    top = page_height - MARGIN - 4 * mm
    pdf.setFont(font, 9)
    pdf.drawString(MARGIN, top, order.merchant.name[:40])
    pdf.drawRightString(page_width - MARGIN, top, _("Parcel %(n)s of %(count)s") % {"n": position, "count": count})
    pdf.drawString(MARGIN, top - 4.5 * mm, _("Order %(reference)s") % {"reference": order.reference})
    pdf.line(MARGIN, top - 7 * mm, page_width - MARGIN, top - 7 * mm)

    # Where the shopper collects it: the biggest words on the label.
    y = top - 12 * mm
    pdf.setFont(font, 9)
    pdf.drawString(MARGIN, y, _("Pick up at"))
    size = _fit(store.name, font, 20, inner, smallest=11)
    y -= size + 1 * mm
    pdf.setFont(font, size)
    pdf.drawString(MARGIN, y, store.name)
    y -= 5.5 * mm
    pdf.setFont(font, 11)
    pdf.drawString(MARGIN, y, store.code)
    pdf.setFont(font, 8)
    for line in simpleSplit(store.address, font, 8, inner)[:2]:
        y -= 3.8 * mm
        pdf.drawString(MARGIN, y, line)

    # The DC's sort code, white on black so a sorter reads it from a distance.
    y -= 6 * mm
    pdf.setFont(font, 8)
    pdf.drawString(MARGIN, y, _("Sort code"))
    y -= 13 * mm
    pdf.rect(MARGIN, y, inner, 11 * mm, stroke=0, fill=1)
    pdf.setFillGray(1)
    pdf.setFont(font, _fit(sort_code, font, 22, inner - 4 * mm))
    pdf.drawString(MARGIN + 2 * mm, y + 3 * mm, sort_code)
    pdf.setFillGray(0)

    # Handling marks and the cash the store collects.
    y -= 10 * mm
    x = MARGIN
    if parcel.temperature_class != TemperatureClass.AMBIENT:
        x += _boxed(pdf, str(parcel.get_temperature_class_display()), x=x, y=y, size=14, inverted=True) + 2 * mm
    if parcel.fragile:
        x += _boxed(pdf, _("Fragile"), x=x, y=y, size=14, inverted=False) + 2 * mm
    cash = (
        _("Cash on pickup: NT$%(amount)s") % {"amount": f"{order.cash_on_pickup:,}"}
        if order.cash_on_pickup
        else _("Prepaid")
    )
    pdf.setFont(font, _fit(cash, font, 13, page_width - MARGIN - x))
    pdf.drawRightString(page_width - MARGIN, y + 2.5 * mm, cash)

    # The tracking number as Code 128, centred, with the digits under it for a person.
    barcode = code128.Code128(parcel.tracking_number, barWidth=BAR_WIDTH, barHeight=BAR_HEIGHT, humanReadable=False)
    y -= BAR_HEIGHT + 6 * mm
    barcode.drawOn(pdf, (page_width - barcode.width) / 2, y)
    pdf.setFont(font, 14)
    pdf.drawCentredString(page_width / 2, y - 5.5 * mm, " ".join(_groups(parcel.tracking_number)))

    # The QR code of the same number, and what the parcel is.
    bottom = MARGIN
    draw_qr(pdf, parcel.tracking_number, x=page_width - MARGIN - QR_SIZE, y=bottom, size=QR_SIZE, border=2)
    pdf.setFont(font, 10)
    details = [
        _("Size %(size)s, %(kg)s kg") % {"size": parcel.size_class, "kg": f"{parcel.weight_g / 1000:.1f}"},
        _("Tracking number"),
        parcel.tracking_number,
    ]
    for offset, text in enumerate(details):
        pdf.drawString(MARGIN, bottom + QR_SIZE - 4 * mm - offset * 5 * mm, text)


def _groups(number: str, size: int = 4) -> list[str]:
    return [number[i : i + size] for i in range(0, len(number), size)]
