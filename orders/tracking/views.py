"""Shopper tracking: a parcel by tracking number and the last four digits of the phone, no account.

Wrong pairs count against the visitor's address, and against the number typed from that address;
past either limit every try from that address is refused, right or wrong. So the lock falls on the
guesser, not on the shopper, who comes from another address. A guesser spreading over many addresses
meets a per-number delay instead: past a few wrong pairs on a number from anywhere, each one makes the
next try on that number wait a few seconds more (capped at a minute), which slows guessing to a crawl
and costs the shopper a moment. Every refusal is the same whether or not the number exists, so the
form cannot be used to find valid numbers. A matched parcel is remembered in the session, so the
parcel's page (and reloading it) needs no second look-up.
"""

import hashlib
import hmac
import math
from datetime import date

from django import forms
from django.core.cache import cache
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import get_usage

from core.errors import ConflictError, DomainError
from orders.models import Parcel, ParcelEvent
from orders.pickup_codes import pickup_code_for
from orders.services.hold import parcel_extend_hold
from orders.services.ordering import BEFORE_DISPATCH, OrderRejected, order_set_pickup_day
from orders.services.proxy import order_name_proxy
from orders.tracking.choices import ExtendHoldForm, ProxyForm, shopper_choices_context
from orders.tracking.codes import barcode_data_uri, qr_data_uri
from orders.tracking.returns import return_context
from stores.locator import pickup_day_options

S = Parcel.Status
SESSION_KEY = "tracked_parcels"
BEFORE_ARRIVAL = {S.CREATED, S.AT_DC, S.PLANNED, S.IN_TRANSIT}
TONES = {
    S.AT_STORE: "ok",
    S.PICKED_UP: "ok",
    S.EXPIRED: "bad",
    S.RETURN_IN_TRANSIT: "bad",
    S.AT_DC_FOR_RETURN: "bad",
    S.RETURNED: "bad",
    S.CANCELLED: "bad",
    S.LOST: "bad",
}
SHOWN_EVENTS = (
    ParcelEvent.Type.STATUS,
    ParcelEvent.Type.STORE_CHANGED,
    ParcelEvent.Type.PICKUP_DAY_CHANGED,
    ParcelEvent.Type.DEFERRED,
    ParcelEvent.Type.HOLD_EXTENDED,
    ParcelEvent.Type.PROXY_NAMED,
    ParcelEvent.Type.REDIRECTED,
)
# Failed look-ups allowed per visitor address, and per address for one typed number, before every try
# from that address is refused.
LIMITS = {"ip": "20/15m", "ip_number": "5/15m"}
# Wrong pairs on one number from every address that cost nothing; each further one in the window makes
# the next try on that number wait 2, 4, 8… seconds, at most NUMBER_DELAY_MAX_S.
NUMBER_FREE_FAILURES = 5
NUMBER_DELAY_MAX_S = 60
NUMBER_WINDOW_S = 15 * 60


class TrackingForm(forms.Form):
    number = forms.RegexField(
        label=_("Tracking number"),
        regex=r"^\s*[0-9][0-9 ]{5,24}\s*$",
        max_length=26,
        error_messages={"invalid": _("Enter the tracking number's digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone_last4 = forms.RegexField(
        label=_("Last 4 digits of your phone"),
        regex=r"^\s*[0-9]{4}\s*$",
        max_length=6,
        error_messages={"invalid": _("Enter exactly 4 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6}),
    )

    def clean_number(self) -> str:
        return self.cleaned_data["number"].replace(" ", "")

    def clean_phone_last4(self) -> str:
        return self.cleaned_data["phone_last4"].strip()


def _typed_number(request) -> str:
    return request.POST.get("number", "").replace(" ", "").strip()


def _usages(request, *, increment: bool) -> list[dict]:
    groups = {"ip": "tracking-ip", "ip_number": f"tracking-ip-number:{_typed_number(request)}"}
    return [
        get_usage(request, group=groups[name], key="ip", rate=rate, method="POST", increment=increment)
        for name, rate in LIMITS.items()
    ]


def _blocked_for(request) -> int | None:
    """Seconds until the visitor may try again, or None when under both limits."""
    waits = [
        usage["time_left"] for usage in _usages(request, increment=False) if usage and usage["count"] >= usage["limit"]
    ]
    return max(waits) if waits else None


def _number_state_key(number: str) -> str:
    return "tracking-number-delay:" + hashlib.sha256(number.encode()).hexdigest()


def _number_wait(number: str) -> float | None:
    """Seconds until `number` may be tried again by anyone, or None."""
    state = cache.get(_number_state_key(number))
    left = state["until"] - timezone.now().timestamp() if state else 0
    return left if left > 0 else None


def _number_failed(number: str) -> None:
    key = _number_state_key(number)
    failures = (cache.get(key) or {"failures": 0})["failures"] + 1
    extra = failures - NUMBER_FREE_FAILURES
    delay = min(2**extra, NUMBER_DELAY_MAX_S) if extra > 0 else 0
    cache.set(key, {"failures": failures, "until": timezone.now().timestamp() + delay}, NUMBER_WINDOW_S)


def _find(number: str, last4: str) -> Parcel | None:
    parcel = Parcel.objects.select_related("order").filter(tracking_number=number).first()
    actual = parcel.order.phone_last4 if parcel else "----"
    # Compared in constant time either way, so timing does not tell a known number from an unknown one.
    matched = hmac.compare_digest(actual.encode(), last4.encode())
    return parcel if parcel is not None and matched else None


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    status = 200
    if request.method == "POST":
        form = TrackingForm(request.POST)
        wait = _blocked_for(request)
        if wait is not None:
            form.is_valid()
            form.add_error(
                None,
                _("Too many unsuccessful tries. Please wait %(minutes)s minutes and try again.")
                % {"minutes": max(1, round(wait / 60))},
            )
            status = 429
        elif not form.is_valid():
            status = 400
        elif (number_wait := _number_wait(form.cleaned_data["number"])) is not None:
            form.add_error(
                None,
                _("Please wait %(seconds)s seconds before trying this tracking number again.")
                % {"seconds": math.ceil(number_wait)},
            )
            status = 429
        else:
            parcel = _find(form.cleaned_data["number"], form.cleaned_data["phone_last4"])
            if parcel is not None:
                remembered = request.session.get(SESSION_KEY, [])
                request.session[SESSION_KEY] = [
                    parcel.tracking_number,
                    *[n for n in remembered if n != parcel.tracking_number],
                ][:20]
                return redirect("tracking:parcel", tracking_number=parcel.tracking_number)
            _usages(request, increment=True)
            _number_failed(form.cleaned_data["number"])
            form.add_error(
                None,
                _("We could not find a parcel with this tracking number and phone digits. Check both and try again."),
            )
            status = 400
    else:
        form = TrackingForm(initial={"number": request.GET.get("number", "")})
    return render(request, "tracking/lookup.html", {"form": form}, status=status)


class PickupDayForm(forms.Form):
    pickup_day = forms.TypedChoiceField(
        label=_("Pickup day"), required=False, coerce=date.fromisoformat, empty_value=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pickup_day"].choices = pickup_day_options()


def is_tracked(request, tracking_number: str) -> bool:
    """Whether this visitor matched the parcel with its phone digits (the key to its page and its actions)."""
    return tracking_number in request.session.get(SESSION_KEY, [])


@never_cache
@require_http_methods(["GET", "POST"])
def parcel_page(request, tracking_number: str):
    if not is_tracked(request, tracking_number):
        return redirect(reverse("tracking:lookup") + f"?number={tracking_number}")
    day_form = PickupDayForm(request.POST or None)
    status = 200
    if request.method == "POST":
        parcel = Parcel.objects.select_related("order").filter(tracking_number=tracking_number).first()
        if parcel is None:
            raise Http404
        if day_form.is_valid():
            try:
                order_set_pickup_day(order=parcel.order, day=day_form.cleaned_data["pickup_day"], actor_label="shopper")
            except OrderRejected as refused:
                day_form.add_error("pickup_day", refused.fields["preferred_pickup_day"][0])
            except ConflictError as refused:
                day_form.add_error(None, str(refused))
        if not day_form.errors:
            return redirect("tracking:parcel", tracking_number=tracking_number)
        status = 400
    return render_parcel(request, tracking_number, day_form=day_form, status=status)


def render_parcel(request, tracking_number: str, *, day_form=None, status: int = 200, **forms):
    """The parcel's page; `forms` are the shopper's choices bound to a refused post, shown with their errors."""
    day_form = day_form or PickupDayForm()
    parcel = (
        Parcel.objects.select_related("order__merchant", "order__pickup_store")
        .prefetch_related(
            "order__pickup_store__hours",
            Prefetch(
                "events",
                queryset=ParcelEvent.objects.filter(type__in=SHOWN_EVENTS).select_related("store").order_by("seq"),
            ),
        )
        .filter(tracking_number=tracking_number)
        .first()
    )
    if parcel is None:
        raise Http404
    store = parcel.order.pickup_store
    context = {
        "parcel": parcel,
        "order": parcel.order,
        "store": store,
        "events": parcel.events.all(),
        "store_tz": store.time_zone,
        "show_expected_arrival": parcel.expected_arrival is not None and parcel.status in BEFORE_ARRIVAL,
        "tone": TONES.get(parcel.status, ""),
        # Shown until dispatch, and after a refused move so that the shopper reads why.
        "day_form": day_form if parcel.status in BEFORE_DISPATCH or day_form.errors else None,
    }
    if not day_form.is_bound:
        day = parcel.order.preferred_pickup_day
        day_form.initial = {"pickup_day": day.isoformat() if day else ""}
    context.update(shopper_choices_context(parcel, **forms))
    if parcel.status == Parcel.Status.AT_STORE:
        code = pickup_code_for(parcel.order)
        context.update(pickup_code=code, qr=qr_data_uri(code), barcode=barcode_data_uri(code))
    context.update(return_context(parcel))
    return render(request, "tracking/parcel.html", context, status=status)


def _tracked_parcel(request, tracking_number: str) -> Parcel | None:
    if not is_tracked(request, tracking_number):
        return None
    parcel = Parcel.objects.select_related("order").filter(tracking_number=tracking_number).first()
    if parcel is None:
        raise Http404
    return parcel


@never_cache
@require_POST
def extend_hold(request, tracking_number: str):
    """The shopper keeps the parcel at the store PICKUP_HOLD_EXTENSION_DAYS longer, once."""
    parcel = _tracked_parcel(request, tracking_number)
    if parcel is None:
        return redirect(reverse("tracking:lookup") + f"?number={tracking_number}")
    form = ExtendHoldForm(request.POST)
    try:
        parcel_extend_hold(parcel=parcel, actor_label="shopper")
    except DomainError as refused:
        form.add_error(None, refused.message)
        return render_parcel(request, tracking_number, extend_form=form, status=refused.status_code)
    return redirect("tracking:parcel", tracking_number=tracking_number)


@never_cache
@require_POST
def name_proxy(request, tracking_number: str):
    """The shopper names someone to collect in their place (a name and their phone's last 4 digits)."""
    parcel = _tracked_parcel(request, tracking_number)
    if parcel is None:
        return redirect(reverse("tracking:lookup") + f"?number={tracking_number}")
    form = ProxyForm(request.POST)
    if form.is_valid():
        try:
            order_name_proxy(
                order=parcel.order,
                name=form.cleaned_data["proxy_name"],
                phone_last4=form.cleaned_data["proxy_phone_last4"],
                actor_label="shopper",
            )
        except DomainError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            return redirect("tracking:parcel", tracking_number=tracking_number)
    return render_parcel(request, tracking_number, proxy_form=form, status=400)
