"""The shopper's return on the tracking page: start one (within the merchant's return window), choose the
store to drop it at from the nearest stores that can take it, and follow it with its return code."""

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from orders.models import Parcel, ReturnRequest
from orders.pickup_codes import return_code_for
from orders.services.returns_dropoff import (
    REASON_MAX_LENGTH,
    return_choose_store,
    return_request_start,
    return_window_end,
)
from orders.tracking.codes import qr_data_uri
from stores.models import Store
from stores.serializers import StoreSearchQuerySerializer, store_search

SESSION_KEY = "tracked_parcels"  # the tracking page's: a parcel looked up in this session
S = Parcel.Status
STORES_SHOWN = 10


class ReturnForm(forms.Form):
    store = forms.CharField(
        label=_("Drop-off store"),
        max_length=16,
        error_messages={"required": _("Choose the store where you will drop the parcel off.")},
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_store(self) -> Store:
        store = Store.objects.filter(code=self.cleaned_data["store"].strip()).first()
        if store is None:
            raise forms.ValidationError(_("Choose one of the stores listed."))
        return store


def return_context(parcel: Parcel) -> dict:
    """What the parcel page shows of a return: the window to start one, or the return and its code."""
    return_request = ReturnRequest.objects.select_related("store", "dropped_off_store").filter(parcel=parcel).first()
    if return_request is None:
        window_end = return_window_end(parcel)
        return {"return_until": window_end if window_end and window_end >= timezone.now() else None}
    code = return_code_for(return_request)
    return {"return_request": return_request, "return_code": code, "return_qr": qr_data_uri(code)}


def _store_matches(parcel: Parcel, query: str):
    """The nearest stores to `query` (or to the pickup store) for this parcel, with why one cannot take it."""
    data = {
        "size_class": parcel.size_class,
        "weight_g": parcel.weight_g,
        "temperature_class": parcel.temperature_class,
        "limit": STORES_SHOWN,
    }
    if query:
        data["q"] = query
    else:
        data.update(lat=parcel.order.pickup_store.latitude, lng=parcel.order.pickup_store.longitude)
    search = StoreSearchQuerySerializer(data=data)
    if not search.is_valid():
        return None, [str(error) for errors in search.errors.values() for error in errors]
    return store_search(search.validated_data), []


@never_cache
@require_http_methods(["GET", "POST"])
def start_return(request, tracking_number: str):
    if tracking_number not in request.session.get(SESSION_KEY, []):
        return redirect(reverse("tracking:lookup") + f"?number={tracking_number}")
    parcel = (
        Parcel.objects.select_related("order__merchant", "order__pickup_store", "return_request__store")
        .filter(tracking_number=tracking_number)
        .first()
    )
    if parcel is None:
        raise Http404
    return_request = getattr(parcel, "return_request", None)
    form = ReturnForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if return_request is None:
                    return_request_start(
                        parcel=parcel,
                        source=ReturnRequest.Source.SHOPPER,
                        actor_label="shopper",
                        store=form.cleaned_data["store"],
                        reason=form.cleaned_data["reason"],
                    )
                else:
                    return_choose_store(return_request=return_request, store=form.cleaned_data["store"])
            except DomainError as refused:
                form.add_error("store" if refused.field == "store" else None, refused.message)
            else:
                return redirect(reverse("tracking:parcel", args=[tracking_number]) + "#return")
        status = 400
    query = request.GET.get("q", "").strip()[:120]
    result, search_errors = _store_matches(parcel, query)
    window_end = return_window_end(parcel)
    context = {
        "parcel": parcel,
        "return_request": return_request,
        "return_until": window_end if window_end and window_end >= timezone.now() else None,
        "form": form,
        "query": query,
        "matches": result["results"] if result else [],
        "origin": result["origin"] if result else None,
        "search_errors": search_errors,
        "chosen": form.data.get("store")
        or (return_request.store.code if return_request and return_request.store else ""),
        "store_tz": parcel.order.pickup_store.time_zone,
    }
    return render(request, "tracking/return.html", context, status=status)
