"""Driver manifests: barcodes for the HTML page (SVG), the PDF, and the plan's CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import barcode
import segno
from barcode.writer import SVGWriter
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from core.pdf import draw_qr, pdf_font
from routing.models import PlannedRoute, PlanParcel
from routing.selectors import ManifestStop
from routing.templatetags.routing_tags import clock, km


def barcode_svg(text: str) -> str:
    """A Code 128 barcode as inline SVG (no XML declaration, so it can sit inside the page)."""
    out = io.BytesIO()
    barcode.get("code128", text, writer=SVGWriter()).write(
        out, options={"module_height": 8, "font_size": 6, "text_distance": 3, "quiet_zone": 2}
    )
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


def driver_qr_svg(url: str) -> str:
    """The QR code of the driver's signed link, as inline SVG for the printable page."""
    return segno.make(url, micro=False, error="m").svg_inline(scale=4, border=2, title=url)


def manifest_pdf(route: PlannedRoute, stops: list[ManifestStop], run, driver_url: str | None = None) -> bytes:
    """The same manifest as the page, as an A4 PDF in the reader's language (the active one), with a
    scannable barcode per parcel and, given `driver_url`, the QR code that opens the driver's page of
    the route on a phone."""
    out = io.BytesIO()
    heading = _("Driver manifest: route %(n)s, %(vehicle)s, %(day)s") % {
        "n": route.number,
        "vehicle": route.vehicle.name,
        "day": f"{run.plan_date:%Y-%m-%d}",
    }
    pdf = canvas.Canvas(out, pagesize=A4, title=heading)
    font = pdf_font()
    width, height = A4
    y = height - 20 * mm
    if driver_url:
        draw_qr(pdf, driver_url, x=width - 44 * mm, y=height - 40 * mm, size=32 * mm)
        pdf.setFont(font, 8)
        pdf.drawRightString(width - 14 * mm, height - 43 * mm, _("Driver: scan to open the route on your phone"))

    def line(text: str, size: int = 10, indent: float = 0, gap: float = 5 * mm) -> None:
        nonlocal y
        if y < 25 * mm:
            pdf.showPage()
            y = height - 20 * mm
        pdf.setFont(font, size)
        pdf.drawString(15 * mm + indent, y, text)
        y -= gap

    line(f"{run.dc.code} {heading}", 14, gap=7 * mm)
    line(
        _("Leaves %(dc)s at %(start)s, back at %(end)s; %(km)s km.")
        % {"dc": run.dc.name, "start": clock(route.start_s), "end": clock(route.end_s), "km": km(route.distance_m)},
        gap=8 * mm,
    )
    for item in stops:
        stop = item.stop
        line(
            f"{stop.position}. {stop.store.code} {stop.store.name}  {_('ETA')} {clock(stop.service_start_s)}",
            12,
            gap=5 * mm,
        )
        line(stop.store.address, indent=5 * mm)
        for title, parcels in (
            (ngettext("Drop %(n)s parcel", "Drop %(n)s parcels", len(item.drops)), item.drops),
            (ngettext("Collect %(n)s parcel", "Collect %(n)s parcels", len(item.collects)), item.collects),
        ):
            if not parcels:
                continue
            line(title % {"n": len(parcels)}, indent=5 * mm)
            for parcel in parcels:
                if y < 35 * mm:
                    pdf.showPage()
                    y = height - 20 * mm
                code128.Code128(parcel.tracking_number, barHeight=9 * mm, barWidth=0.3 * mm).drawOn(
                    pdf, 20 * mm, y - 7 * mm
                )
                pdf.setFont(font, 9)
                pdf.drawString(95 * mm, y - 4 * mm, parcel.tracking_number)
                if parcel.handling:
                    pdf.drawString(130 * mm, y - 4 * mm, " · ".join(parcel.handling))
                y -= 13 * mm
        y -= 3 * mm
    pdf.save()
    return out.getvalue()


CSV_HEADER = [
    "region",
    "route",
    "vehicle",
    "stop",
    "store",
    "store_name",
    "address",
    "eta",
    "action",
    "tracking_number",
    "volume_units",
    "weight_g",
    "temperature_class",
    "fragile",
]


def plan_csv(entries: Iterable[PlanParcel], run) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for e in entries:
        stop = e.stop
        writer.writerow(
            [
                e.region_plan.region.code,
                stop.route.number,
                stop.route.vehicle.name,
                stop.position,
                stop.store.code,
                stop.store.name,
                stop.store.address,
                run.at(stop.service_start_s).isoformat(),
                _("drop") if e.kind == PlanParcel.Kind.DELIVER else _("collect"),
                e.parcel.tracking_number,
                e.volume_units,
                e.weight_g,
                e.parcel.temperature_class,
                "yes" if e.parcel.fragile else "",
            ]
        )
    return out.getvalue()
