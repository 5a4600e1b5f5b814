from django.urls import path

from insight import network_views

app_name = "insight"

urlpatterns = [
    path("<str:dc>/network/", network_views.network, name="network"),
]
