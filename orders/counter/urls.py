from django.urls import path

from orders.counter import views

app_name = "counter"

urlpatterns = [
    path("", views.overview, name="home"),
    path("store/", views.choose_store, name="choose_store"),
    # Scan screens answer JSON to `Accept: application/json` (the page's script and bench/scan.py).
    path("scan-in/", views.scan_in, name="scan_in"),
    path("expected/", views.expected, name="expected"),
    path("handover/", views.handover, name="handover"),
    path("returns/", views.returns, name="returns"),
    path("dropoff/", views.dropoff, name="dropoff"),
    path("dropoff/<str:tracking_number>/label/", views.return_label, name="return_label"),
    path("report/", views.daily_report, name="report"),
    path("parcels/", views.find_parcel, name="find_parcel"),
    path("parcels/<str:tracking_number>/", views.parcel_detail, name="parcel"),
    path("parcels/<str:tracking_number>/report/", views.report_problem, name="report_problem"),
]
