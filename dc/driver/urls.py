from django.urls import path

from dc.driver import views

app_name = "driver"

urlpatterns = [
    path("", views.home, name="home"),
    path("routes/<int:route_id>/", views.run, name="route"),
    path("routes/<int:route_id>/status/", views.status, name="route_status"),
    path("routes/<int:route_id>/stops/<int:stop_id>/<str:action>/", views.tap, name="route_tap"),
    path("link/<str:token>/", views.run, name="link"),
    path("link/<str:token>/status/", views.status, name="link_status"),
    path("link/<str:token>/stops/<int:stop_id>/<str:action>/", views.tap, name="link_tap"),
]
