from django.urls import include, path

app_name = "dc"

urlpatterns: list = [
    path("driver/", include("dc.driver.urls")),
]
