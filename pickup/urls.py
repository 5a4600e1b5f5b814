from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from orders.api.exceptions import api_not_found
from pickup import views
from pickup.login import AdminStaffAuthenticationForm, StaffAuthenticationForm

admin.site.login_form = AdminStaffAuthenticationForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/landing/", views.staff_landing, name="staff_landing"),
    path("counter/", include("orders.counter.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=StaffAuthenticationForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("orders.api.urls")),
    # A client that gets a path wrong is still a program reading JSON: no HTML page under /api/.
    re_path(r"^api/", api_not_found, name="api_not_found"),
    path("stores/", include("orders.picker.urls")),
    path("track/", include("orders.tracking.urls")),
    path("planner/", include("routing.urls")),
    path("dc/", include("dc.urls")),
    path("insight/", include("insight.urls")),
]
# The demo shop orders as a real merchant for anyone who opens it: only where a setting asks for it.
if settings.PICKUP_DEMO_SHOP:
    urlpatterns.append(path("demo-shop/", include("orders.demo_shop.urls")))

handler500 = "pickup.middleware.server_error"
