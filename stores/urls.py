from django.urls import path

from stores import views

app_name = "stores"

urlpatterns = [
    path("picker/", views.picker, name="picker"),
    path("picker/search/", views.picker_search, name="picker-search"),
]
