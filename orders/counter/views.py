"""The store counter's screens. Thin: parse, call one service or selector, render.

Every view runs for the clerk's current store (kept in the session, checked against their memberships on
each request); a parcel of another store is answered 404 and the refusal logged.
"""

import logging
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.input import UnrepresentableInput, json_body
from orders.counter.forms import FindParcelForm, HandoverForm, ReportDayForm, ReportForm, ScanForm, StoreChoiceForm
from orders.counter_selectors import (
    counter_day_counts,
    counter_day_events,
    counter_expected_today,
    counter_expired,
    counter_on_hand,
    counter_overview,
    store_today,
)
from orders.models import Parcel, ParcelEvent
from orders.services.counter import (
    Handover,
    handover_check_scan,
    handover_confirm,
    handover_open,
    parcel_report_problem,
    parcel_return_scan_out,
    parcel_scan_in,
)
from orders.services.proxy import CollectedBy
from orders.services.returns_dropoff import return_dropoff
from orders.tracking.codes import barcode_data_uri
from stores.roles import clerk_store_list, clerk_stores

logger = logging.getLogger("orders.counter")

STORE_SESSION_KEY = "counter_store_id"
LAST_SCAN_SESSION_KEY = "counter_last_scan"
PAGE_SIZE = 50
# Repeats of a scan that already happened: shown amber, not red, since the parcel is where it should be.
REPEAT_REASONS = {"already_scanned_in", "already_scanned_out"}


def wants_json(request) -> bool:
    return request.headers.get("Accept", "").split(",")[0].strip() == "application/json"


def current_store(request, stores: list):
    """The store the clerk works at now (from `stores`, theirs): the one in the session, or their only one."""
    store_id = request.session.get(STORE_SESSION_KEY)
    chosen = next((store for store in stores if store.pk == store_id), None)
    if chosen is not None:
        return chosen
    if store_id is not None:
        del request.session[STORE_SESSION_KEY]  # no longer theirs
    if len(stores) == 1:
        request.session[STORE_SESSION_KEY] = stores[0].pk
        return stores[0]
    return None


def counter_view(view):
    """Signed in, a clerk, at a store: sets `request.counter_store` or answers why not."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        json_reply = wants_json(request)
        if not request.user.is_authenticated:
            if json_reply:
                return JsonResponse(
                    {"ok": False, "reason": "not_signed_in", "message": _("Sign in first.")}, status=401
                )
            return redirect_to_login(request.get_full_path())
        # A clerk has a store or two: one query reads them all, and membership is checked on every request.
        stores = clerk_store_list(request.user)
        store = current_store(request, stores)
        if store is None:
            if not stores:
                logger.warning("counter refused: user %s is no clerk", request.user.pk)
                if json_reply:
                    return JsonResponse(
                        {"ok": False, "reason": "not_a_clerk", "message": _("You are not a clerk of any store.")},
                        status=403,
                    )
                return render(request, "orders/counter/not_clerk.html", status=403)
            if json_reply:
                return JsonResponse(
                    {"ok": False, "reason": "choose_store", "message": _("Choose your store first.")}, status=409
                )
            return redirect(f"{reverse('counter:choose_store')}?next={request.path}")
        request.counter_store = store
        request.counter_several_stores = len(stores) > 1
        with timezone.override(store.tz):  # times on counter screens are the store's wall clock
            return view(request, *args, **kwargs)

    return wrapper


def _render(request, template: str, context: dict, status: int = 200):
    context = {"store": request.counter_store, "several_stores": request.counter_several_stores, **context}
    return render(request, template, context, status=status)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def store_parcel_or_404(request, tracking_number: str) -> Parcel:
    """A parcel addressed to the clerk's store, or 404 (and a log line) whether it is elsewhere or unknown."""
    store = request.counter_store
    parcel = (
        Parcel.objects.select_related("order").filter(tracking_number=tracking_number, order__livemode=True).first()
    )
    if parcel is None or parcel.order.pickup_store_id != store.pk:
        if parcel is not None:
            logger.warning(
                "counter refused: parcel of another store (clerk=%s store=%s parcel=%s)",
                request.user.pk,
                store.pk,
                parcel.pk,
            )
        raise Http404(_("No parcel of this store has this tracking number."))
    return parcel


@login_required
@require_http_methods(["GET", "POST"])
def choose_store(request):
    stores = clerk_stores(request.user)
    form = StoreChoiceForm(
        request.POST or None, stores=stores, initial={"store": request.session.get(STORE_SESSION_KEY)}
    )
    if request.method == "POST" and form.is_valid():
        request.session[STORE_SESSION_KEY] = form.cleaned_data["store"].pk
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("counter:home")
        return redirect(target)
    if not stores.exists():
        return render(request, "orders/counter/not_clerk.html", status=403)
    return render(request, "orders/counter/choose_store.html", {"form": form}, status=400 if form.errors else 200)


@counter_view
def overview(request):
    store = request.counter_store
    return _render(
        request,
        "orders/counter/overview.html",
        {
            "overview": counter_overview(store=store),
            "find_form": FindParcelForm(),
        },
    )


@counter_view
def find_parcel(request):
    form = FindParcelForm(request.GET)
    if not form.is_valid():
        return _render(
            request,
            "orders/counter/overview.html",
            {"overview": counter_overview(store=request.counter_store), "find_form": form},
            status=400,
        )
    parcel = store_parcel_or_404(request, "".join(form.cleaned_data["q"].split()))
    return redirect("counter:parcel", tracking_number=parcel.tracking_number)


@counter_view
def parcel_detail(request, tracking_number: str):
    parcel = store_parcel_or_404(request, tracking_number)
    events = parcel.events.select_related("actor", "store").order_by("seq")
    return _render(
        request, "orders/counter/parcel.html", {"parcel": parcel, "events": events, "report_form": ReportForm()}
    )


def _scan_outcome(request, service, accepted_message: str, link=None) -> tuple[dict, int]:
    if request.content_type == "application/json":
        try:
            data = json_body(request.body or b"{}")
        except UnrepresentableInput as refusal:
            return {"ok": False, "reason": "invalid", "tone": "bad", "message": refusal.message}, 400
        if not isinstance(data, dict):
            return {
                "ok": False,
                "reason": "invalid",
                "tone": "bad",
                "message": _("The request body must be a JSON object with the scanned code."),
            }, 400
    else:
        data = request.POST
    form = ScanForm(data)
    if not form.is_valid():
        return {
            "ok": False,
            "reason": "invalid",
            "tone": "bad",
            "field": "code",
            "message": form.errors["code"][0],
        }, 400
    code = form.cleaned_data["code"]
    try:
        result = service(code=code, store=request.counter_store, clerk=request.user)
    except DomainError as refusal:
        body = {
            "ok": False,
            "reason": refusal.code,
            "message": refusal.message,
            "code": code,
            "slot": getattr(refusal, "slot", None),
            "tone": "warn" if refusal.code in REPEAT_REASONS else "bad",
        }
        return body, refusal.status_code
    message = accepted_message % {"slot": result.slot}
    if redirected_from := result.event.details.get("redirected_from"):
        message = f"{message} " + _("Redirected here from store %(store)s.") % {"store": redirected_from}
    if result.parcel.handling:
        message = f"{message} ({' · '.join(result.parcel.handling)})"
    body = {"ok": True, "reason": "accepted", "tone": "ok", "code": code, "slot": result.slot, "message": message}
    if link is not None:
        body["link"] = link(result)
    return body, 200


def _scan_view(request, *, service, template: str, accepted_message: str, context=None, link=None):
    """A scan screen: POST answers JSON to `fetch` (Accept: application/json), else posts, redirects, shows.

    Why a scan survives a reload: the script keeps each scan in sessionStorage until the server has
    answered and re-sends unanswered ones when the page loads again (a repeat is answered "already"
    with the slot, so a scan that did reach the server is not done twice); keys typed while the page is
    loading land in the autofocused input of a real form, which submits by itself without the script.
    `link(result)` gives an accepted scan a next step ({"url", "label"}), such as printing a label.
    """
    if request.method == "POST":
        body, status = _scan_outcome(request, service, accepted_message, link)
        if wants_json(request):
            return JsonResponse(body, status=status)
        request.session[LAST_SCAN_SESSION_KEY] = body
        return redirect(request.path)
    last = request.session.pop(LAST_SCAN_SESSION_KEY, None)
    return _render(request, template, {"form": ScanForm(), "last": last, **(context or {})})


@counter_view
@require_http_methods(["GET", "POST"])
def scan_in(request):
    return _scan_view(
        request,
        service=parcel_scan_in,
        template="orders/counter/scan_in.html",
        accepted_message=_("Accepted: put it on slot %(slot)s."),
    )


@counter_view
@require_http_methods(["GET", "POST"])
def returns(request):
    context = {} if request.method == "POST" else {"page": _page(request, counter_expired(store=request.counter_store))}
    return _scan_view(
        request,
        service=parcel_return_scan_out,
        template="orders/counter/returns.html",
        accepted_message=_("Scanned out: take it from slot %(slot)s and give it to the driver."),
        context=context,
    )


@counter_view
@require_http_methods(["GET", "POST"])
def dropoff(request):
    return _scan_view(
        request,
        service=return_dropoff,
        template="orders/counter/dropoff.html",
        accepted_message=_("Return accepted: stick its return label on it and put it on slot %(slot)s."),
        link=lambda result: {
            "url": reverse("counter:return_label", args=[result.parcel.tracking_number]),
            "label": _("Print the return label"),
        },
    )


@counter_view
def return_label(request, tracking_number: str):
    """The small label a dropped-off return wears until the DC: the tracking number to scan, the slot."""
    store = request.counter_store
    parcel = (
        Parcel.objects.select_related("order__merchant", "return_request")
        .filter(tracking_number=tracking_number, shelf_store=store, status=Parcel.Status.RETURN_AT_STORE)
        .first()
    )
    if parcel is None:
        raise Http404(_("No return dropped off at this store has this tracking number."))
    return _render(
        request,
        "orders/counter/return_label.html",
        {"parcel": parcel, "barcode": barcode_data_uri(parcel.tracking_number)},
    )


@counter_view
def expected(request):
    store = request.counter_store
    parcels = counter_expected_today(store=store).select_related("order")
    counts = parcels.aggregate(expected=Count("pk"), arrived=Count("pk", filter=Q(arrived_at__isnull=False)))
    return _render(
        request,
        "orders/counter/expected.html",
        {
            "page": _page(request, parcels),
            "counts": counts,
            "missing": counts["expected"] - counts["arrived"],
            "report_form": ReportForm(),
        },
    )


@counter_view
@require_POST
def report_problem(request, tracking_number: str):
    parcel = store_parcel_or_404(request, tracking_number)
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            parcel_report_problem(parcel=parcel, store=request.counter_store, clerk=request.user, **form.cleaned_data)
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request,
                _("Reported %(tracking)s as %(kind)s; the distribution centre sees it.")
                % {
                    "tracking": parcel.tracking_number,
                    "kind": dict(form.fields["kind"].choices)[form.cleaned_data["kind"]].lower(),
                },
            )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    # Only a path on this site: `redirect` would take a bare word for a view name and fail to reverse it.
    target = request.POST.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("counter:expected")
    return HttpResponseRedirect(target)


# Confirm refusals after which the screen shows the order again, with the refusal above the scans.
SHOW_ORDER_AGAIN = {"not_all_scanned", "cash_not_confirmed", "changed_during_handover", "no_proxy"}


def _handed_over_message(events: list[ParcelEvent]) -> str:
    parcel_events = [e for e in events if e.type == ParcelEvent.Type.STATUS]
    done = _("Handed over %(count)s parcel(s) to %(name)s.") % {
        "count": len(parcel_events),
        "name": parcel_events[0].details.get("collector") or parcel_events[0].parcel.order.shopper_name,
    }
    cash = next((e for e in events if e.type == ParcelEvent.Type.CASH_COLLECTED), None)
    if cash:
        done += " " + _("Cash collected: NT$%(amount)s.") % {"amount": cash.details["amount"]}
    return done


@counter_view
@require_http_methods(["GET", "POST"])
def handover(request):
    """Code first, then each parcel scanned from the shelf, then one confirm.

    The form carries the typed code and the scans from post to post (no server state), and every post
    checks the code again, so nothing can be handed over on a code that was not right.
    """
    store = request.counter_store
    if request.method == "GET":
        return _render(request, "orders/counter/handover.html", {"form": HandoverForm()})
    form = HandoverForm(request.POST)
    if not form.is_valid():
        return _render(request, "orders/counter/handover.html", {"form": form}, status=400)
    data = form.cleaned_data
    action = request.POST.get("action", "open")
    confirm_refusal = None
    if action == "confirm":
        # Confirmed first, before the order is opened again for the screen: a parcel that left the shelf
        # since the scan is no longer in the opened order, and the refusal must say what became of it.
        try:
            handed = handover_confirm(
                code=data["code"],
                tracking_numbers=data["scanned"],
                cash_received=data["cash_received"],
                opened_by_tracking=data["tracking_number"],
                collected_by=data["collected_by"] or CollectedBy.SHOPPER,
                store=store,
                clerk=request.user,
            )
        except DomainError as refusal:
            if refusal.code not in SHOW_ORDER_AGAIN:
                # The code itself was refused (and counted once): open nothing, answer as for an open.
                return _render(
                    request,
                    "orders/counter/handover.html",
                    {"form": form, "refusal": refusal},
                    status=refusal.status_code,
                )
            confirm_refusal = refusal
        else:
            messages.success(request, _handed_over_message(handed))
            return redirect("counter:handover")
    try:
        opened: Handover = handover_open(
            code=data["code"], tracking_number=data["tracking_number"], store=store, clerk=request.user
        )
    except DomainError as refusal:
        refusal = confirm_refusal or refusal
        return _render(
            request, "orders/counter/handover.html", {"form": form, "refusal": refusal}, status=refusal.status_code
        )
    scanned = [t for t in data["scanned"] if any(p.tracking_number == t for p in opened.here)]
    scan_error = confirm_refusal.message if confirm_refusal else None
    if action == "scan" and data["scan"]:
        try:
            parcel = handover_check_scan(handover=opened, code=data["scan"], store=store, clerk=request.user)
        except DomainError as refusal:
            scan_error = refusal.message
        else:
            if parcel.tracking_number not in scanned:
                scanned.append(parcel.tracking_number)
    return _render(
        request,
        "orders/counter/handover.html",
        {
            "form": form,
            "handover": opened,
            "scanned": scanned,
            "scan_error": scan_error,
            "all_scanned": len(scanned) == len(opened.here),
        },
        status=409 if scan_error else 200,
    )


@counter_view
def daily_report(request):
    store = request.counter_store
    data = request.GET.copy()
    if not data.get("day"):
        data["day"] = store_today(store).isoformat()  # the field shows the day the report is of
    form = ReportDayForm(data)
    day = form.cleaned_data["day"] if form.is_valid() else store_today(store)
    # The whole day on one page: it is printed, and one store's day is a few hundred lines at most.
    events = list(counter_day_events(store=store, day=day))
    cash = sum(e.details.get("amount", 0) for e in events if e.type == ParcelEvent.Type.CASH_COLLECTED)
    is_today = day == store_today(store)
    return _render(
        request,
        "orders/counter/report.html",
        {
            "form": form,
            "day": day,
            "counts": counter_day_counts(store=store, day=day),
            "events": events,
            "cash": cash,
            "overview": counter_overview(store=store) if is_today else None,
            "printed_at": timezone.localtime(timezone.now(), store.tz),
            "on_hand": counter_on_hand(store=store) if is_today else None,
        },
        status=400 if form.errors else 200,
    )
