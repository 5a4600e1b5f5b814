from django.urls import path

from orders.picker import views

app_name = "picker"

# Mounted at /stores/, where merchants' checkouts already open it.
urlpatterns = [
    path("picker/", views.picker, name="page"),
    path("picker/search/", views.picker_search, name="search"),
]
