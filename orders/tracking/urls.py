from django.urls import path

from orders.tracking import returns, views

app_name = "tracking"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("<str:tracking_number>/", views.parcel_page, name="parcel"),
    path("<str:tracking_number>/extend/", views.extend_hold, name="extend_hold"),
    path("<str:tracking_number>/collector/", views.name_proxy, name="name_proxy"),
    path("<str:tracking_number>/return/", returns.start_return, name="return"),
]
