from django.urls import path

from orders.tracking import views

app_name = "tracking"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("<str:tracking_number>/", views.parcel_page, name="parcel"),
]
