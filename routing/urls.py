from django.urls import path

from routing import views

app_name = "routing"

region = "<str:dc>/<str:day>/<str:region>/"
route = region + "routes/<int:number>/"

urlpatterns = [
    path("", views.console, name="console"),
    path("<str:dc>/", views.today, name="today"),
    path("<str:dc>/runs/", views.runs_view, name="runs"),
    path("<str:dc>/<str:day>/", views.day_view, name="day"),
    path("<str:dc>/<str:day>/run/", views.run_start, name="run_start"),
    path("<str:dc>/<str:day>/conditions/", views.run_conditions, name="run_conditions"),
    path("<str:dc>/<str:day>/plan.csv", views.run_csv, name="run_csv"),
    path(region, views.region_view, name="region"),
    path(region + "conditions/", views.region_conditions, name="region_conditions"),
    path(region + "vehicles/", views.region_vehicles, name="region_vehicles"),
    path(region + "solve/", views.region_solve, name="region_solve"),
    path(region + "move/", views.region_move, name="region_move"),
    path(region + "approve/", views.region_approve, name="region_approve"),
    path(region + "plan.csv", views.region_csv, name="region_csv"),
    path(route + "lock/", views.route_lock, name="route_lock"),
    path(route + "dispatch/", views.route_dispatch, name="route_dispatch"),
    path(route + "manifest/", views.route_manifest, name="route_manifest"),
    path(route + "manifest.pdf", views.route_manifest_pdf, name="route_manifest_pdf"),
]
