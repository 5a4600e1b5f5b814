from django.urls import include, path

from dc import views

app_name = "dc"

route = "<str:dc>/load/<str:day>/<str:region>/<int:number>/"
urlpatterns = [
    # Before the DC-code patterns, which would take "driver" for a DC code.
    path("driver/", include("dc.driver.urls")),
    path("", views.home, name="home"),
    path("<str:dc>/", views.floor, name="floor"),
    path("<str:dc>/intake/", views.intake_scan, name="intake"),
    path("<str:dc>/consignments/", views.consignments, name="consignments"),
    path("<str:dc>/load/", views.loading_index, name="loading"),
    path(route, views.loading_scan, name="load_route"),
    path(route + "sheet/", views.loading_sheet, name="load_sheet"),
    path("<str:dc>/returns/", views.returns_scan, name="returns"),
    path("<str:dc>/returns/<int:pk>/", views.return_consignment, name="return_consignment"),
    path("<str:dc>/exceptions/", views.exception_list, name="exceptions"),
    path("<str:dc>/exceptions/<int:pk>/resolve/", views.exception_resolve, name="exception_resolve"),
]
