from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from pickup import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/landing/", views.staff_landing, name="staff_landing"),
    path("counter/", include("orders.counter.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("orders.api.urls")),
    path("stores/", include("orders.picker.urls")),
    path("track/", include("orders.tracking.urls")),
    path("demo-shop/", include("orders.demo_shop.urls")),
    path("planner/", include("routing.urls")),
    path("dc/", include("dc.urls")),
]

handler500 = "pickup.middleware.server_error"
