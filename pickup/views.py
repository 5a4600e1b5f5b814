from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pickup.health import check_broker, check_database
from stores.roles import clerk_stores, dock_dcs, driver_dcs, planner_dcs


@require_GET
def home(request):
    return render(request, "home.html", {"demo_shop": settings.PICKUP_DEMO_SHOP})


@never_cache
@require_GET
def healthz(request):
    db_ok, db_detail = check_database()
    broker_ok, broker_detail = check_broker()
    healthy = db_ok and broker_ok
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
    }
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
def staff_landing(request):
    """Where signing in leads when no ?next= says otherwise: each role to its own workplace, everyone else
    to the home page. A planner may work the dock too, so the console comes first."""
    workplaces = (
        (clerk_stores, "counter:home"),
        (planner_dcs, "routing:console"),
        (dock_dcs, "dc:home"),
        (driver_dcs, "dc:driver:home"),
    )
    for places_of, workplace in workplaces:
        if places_of(request.user).exists():
            return redirect(workplace)
    return redirect("home")
