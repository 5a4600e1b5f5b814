from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pickup.health import check_broker, check_database
from stores.roles import clerk_stores, driver_dcs


@require_GET
def home(request):
    return render(request, "home.html")


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
    """Where signing in leads: each role to its own workplace, everyone else to the home page."""
    if clerk_stores(request.user).exists():
        return redirect("counter:home")
    if driver_dcs(request.user).exists():
        return redirect("dc:driver:home")
    return redirect("home")
