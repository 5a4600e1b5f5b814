"""The checkout store picker: a page a merchant's checkout opens in an iframe or a popup.

The chosen store goes back to the opener by postMessage, addressed to the origin the merchant
registered and named in `origin`; the page may be framed only by the merchant's registered origins.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from orders.models import Merchant
from stores.locator import pickup_day_choices
from stores.models import OpeningHours, SizeClass, TemperatureClass
from stores.search_cells import search_record
from stores.serializers import StoreSearchQuerySerializer, StoreSearchResultSerializer, store_search


def _merchant(code: str) -> Merchant | None:
    return Merchant.objects.filter(code=code, active=True).first()


@xframe_options_exempt
@require_GET
def picker(request):
    merchant = _merchant(request.GET.get("merchant", ""))
    origin = request.GET.get("origin", "").rstrip("/")
    error = ""
    if merchant is None:
        error = _("This store picker was opened without a known shop. Please go back to the shop and try again.")
    elif origin not in merchant.origins:
        error = _("This shop's web address is not registered for the store picker. Please contact the shop.")
    size = request.GET.get("size", "")
    days = pickup_day_choices()
    context = {
        "merchant": merchant,
        "origin": origin,
        "error": error,
        "size": size if size in SizeClass.values else "",
        "weight": request.GET.get("weight", "") if request.GET.get("weight", "").isdigit() else "",
        "temperature": request.GET.get("temperature", "")
        if request.GET.get("temperature", "") in TemperatureClass.values
        else "",
        "pickup_days": days,
        "pickup_day": next((day for day in days if day.isoformat() == request.GET.get("pickup_day")), None),
        "open_now": bool(request.GET.get("open_now")),
        "is_24h": bool(request.GET.get("is_24h")),
        "query": request.GET.get("q", ""),
        "tile_url": settings.PICKUP_MAP_TILE_URL,
        "texts": _picker_texts(),
    }
    response = render(request, "orders/picker.html", context, status=400 if error else 200)
    ancestors = " ".join(["'self'", *(merchant.origins if merchant and not error else [])])
    response["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
    return response


@require_GET
def picker_search(request):
    query = StoreSearchQuerySerializer(data=request.GET)
    if not query.is_valid():
        return JsonResponse(
            {"code": "invalid", "detail": _("Some fields are invalid; see `fields`."), "fields": query.errors},
            status=400,
        )
    found = store_search(query.validated_data)
    origin = found["origin"]
    nearest = min((match.distance_m for match in found["results"]), default=None)
    search_record(latitude=origin["latitude"], longitude=origin["longitude"], nearest_m=nearest)
    return JsonResponse(StoreSearchResultSerializer(found).data)


def _picker_texts() -> dict:
    return {
        "searching": _("Searching…"),
        "found": _("%(n)s stores near %(place)s, nearest first."),
        "yourLocation": _("your location"),
        "none": _("No stores found near there. Try another district or postal code."),
        "failed": _("The search did not work. Please try again."),
        "locating": _("Finding your location…"),
        "locationFailed": _("Your location is not available. Type a district or postal code instead."),
        "open24": _("Open 24 hours"),
        "openNow": _("Open now"),
        "closedNow": _("Closed now"),
        "free": _("%(n)s slots free"),
        "away": _("%(km)s km away"),
        "chosen": _("You chose %(name)s. You can close this window."),
        "choose": _("Choose %(name)s"),
        "today": _("Today"),
        "closed": _("closed"),
        "week": _("Hours this week"),
        "weekdays": [str(label) for label in OpeningHours.Weekday.labels],
        # Which of them is today: stores keep the site's time zone, whatever the shopper's device says.
        "todayIndex": timezone.localdate().weekday(),
    }
