"""The figures pages: operators see every DC, planners their own. They read only the roll-up."""

from __future__ import annotations

import csv
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from insight.figures import STORE_ORDERS, period_figures
from insight.forms import PeriodForm
from insight.totals import Totals
from stores.csv_import import FORMULA_STARTS
from stores.models import DistributionCenter
from stores.roles import is_planner_of, planner_dcs


def visible_dcs(user):
    return DistributionCenter.objects.all() if user.is_staff else planner_dcs(user)


def figures_view(view):
    """Load the DC named in the URL; only operators and the DC's planners get in (403 for everyone else)."""

    @login_required
    @wraps(view)
    def wrapper(request, dc, *args, **kwargs):
        centre = get_object_or_404(DistributionCenter, code=dc)
        if not (request.user.is_staff or is_planner_of(request.user, centre)):
            raise PermissionDenied(_("Only operators and planners of this distribution centre can see its figures."))
        return view(request, centre, *args, **kwargs)

    return wrapper


@require_GET
@login_required
def home(request):
    centres = list(visible_dcs(request.user).order_by("code"))
    if not centres:
        raise PermissionDenied(_("Only operators and planners can see the network's figures."))
    if len(centres) == 1:
        return redirect("insight:figures", dc=centres[0].code)
    return render(request, "insight/choose_dc.html", {"centres": centres})


# Rows of the store and merchant tables a page shows.
PAGE_SIZE = 25


def _store_order(request) -> str:
    order = request.GET.get("stores_sort")
    return order if order in STORE_ORDERS else "code"


def _period(request, dc):
    yesterday = timezone.now().astimezone(dc.tz).date() - timedelta(days=1)
    form = PeriodForm(request.GET, yesterday=yesterday)
    first, last = form.period()
    return form, period_figures(dc=dc, first=first, last=last, store_order=_store_order(request))


def _query(request, **changes) -> str:
    """The page's query string with some parameters changed (None: left out), so links keep the period."""
    query = request.GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return query.urlencode()


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _rounded(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def _chart_data(period) -> dict:
    """What the charts draw: one point a day, null where the day has no figures."""

    def series(figure) -> list:
        return [None if totals is None else figure(totals) for _day, totals in period.days]

    return {
        "labels": [day.strftime("%m-%d") for day, _totals in period.days],
        "delivered": series(lambda t: t.delivered),
        "expired": series(lambda t: t.expired),
        "pickup_rate": series(lambda t: _percent(t.pickup_rate)),
        "on_time_rate": series(lambda t: _percent(t.on_time_rate)),
        "occupancy": series(lambda t: _percent(t.occupancy)),
        "load_factor": series(lambda t: _percent(t.load_factor)),
        "km_per_parcel": series(lambda t: _rounded(t.km_per_parcel, 2)),
        "dwell_hours": series(lambda t: _rounded(t.median_dwell_hours, 1)),
        "names": {
            "delivered": _("Delivered"),
            "expired": _("Expired"),
            "pickup_rate": _("Pickup rate"),
            "on_time_rate": _("On time"),
            "occupancy": _("Peak shelf"),
            "km_per_parcel": _("km / parcel"),
            "load_factor": _("Load factor"),
            "dwell_hours": _("Median dwell"),
        },
    }


@require_GET
@figures_view
def figures(request, dc):
    form, period = _period(request, dc)
    return render(
        request,
        "insight/figures.html",
        {
            "dc": dc,
            "form": form,
            "period": period,
            "chart_data": _chart_data(period),
            "query": request.GET.urlencode(),
            "stores": Paginator(period.stores, PAGE_SIZE).get_page(request.GET.get("stores_page")),
            "stores_query": _query(request, stores_page=None),
            "store_orders": [
                (key, label, _query(request, stores_sort=key, stores_page=None))
                for key, (label, _order) in STORE_ORDERS.items()
            ],
            "store_order": _store_order(request),
            "merchants": Paginator(period.merchants, PAGE_SIZE).get_page(request.GET.get("merchants_page")),
            "merchants_query": _query(request, merchants_page=None),
            "on_time_minutes": settings.PICKUP_INSIGHT_ON_TIME_MINUTES,
        },
    )


BREAKDOWNS = ("day", "region", "store", "merchant")


def _cell(value) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _figure_cells(totals: Totals | None) -> list:
    if totals is None:
        return [""] * len(CSV_FIGURES)
    values = [
        totals.delivered,
        totals.picked_up,
        _percent(totals.pickup_rate),
        _rounded(totals.median_dwell_hours, 1),
        totals.expired,
        _percent(totals.expiry_rate),
        totals.stops_arrived,
        _percent(totals.on_time_rate),
        _percent(totals.occupancy),
        _rounded(totals.km_per_parcel, 3),
        _percent(totals.load_factor),
        totals.unserved_stops,
        totals.exceptions,
    ]
    return ["" if value is None else value for value in values]


CSV_FIGURES = [
    "delivered",
    "picked_up",
    "pickup_rate_pct",
    "median_dwell_h",
    "expired",
    "expiry_rate_pct",
    "stops_arrived",
    "on_time_pct",
    "peak_occupancy_pct",
    "km_per_parcel",
    "load_factor_pct",
    "unserved_stops",
    "exceptions",
]


@require_GET
@figures_view
def figures_csv(request, dc):
    form, period = _period(request, dc)
    by = request.GET.get("by", "store")
    if by not in BREAKDOWNS:
        return HttpResponseBadRequest(_("by: choose one of day, region, store or merchant."), content_type="text/plain")
    response = StreamingHttpResponse(_csv_lines(period, by), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="figures-{dc.code}-{by}-{period.first}-{period.last}.csv"'
    return response


class _Line:
    """What csv.writer writes to: each row comes back as its text, to be streamed."""

    def write(self, text: str) -> str:
        return text


def _csv_lines(period, by: str):
    """The export a row at a time: every store's, read in batches, never the whole table at once."""
    writer = csv.writer(_Line())
    if by == "day":
        yield writer.writerow(["day", *CSV_FIGURES])
        for day, totals in period.days:
            yield writer.writerow([day.isoformat(), *_figure_cells(totals)])
    else:
        yield writer.writerow([by, "name", *CSV_FIGURES])
        for subject, totals in getattr(period, by + "s"):
            yield writer.writerow([_cell(subject.code), _cell(subject.name), *_figure_cells(totals)])
