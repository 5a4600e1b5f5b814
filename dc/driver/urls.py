from django.urls import path, re_path

from dc.driver import views

app_name = "driver"

# The taps a stop has; anything else under stops/ is a 404.
TAP = r"stops/(?P<stop_id>[0-9]+)/(?P<action>arrive|leave|not-served)/$"

urlpatterns = [
    path("", views.home, name="home"),
    path("routes/<int:route_id>/", views.run, name="route"),
    path("routes/<int:route_id>/status/", views.status, name="route_status"),
    re_path(r"^routes/(?P<route_id>[0-9]+)/" + TAP, views.tap, name="route_tap"),
    path("link/<str:token>/", views.run, name="link"),
    path("link/<str:token>/status/", views.status, name="link_status"),
    re_path(r"^link/(?P<token>[^/]+)/" + TAP, views.tap, name="link_tap"),
]
