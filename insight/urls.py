from django.urls import path

from insight import network_views, views

app_name = "insight"

urlpatterns = [
    path("", views.home, name="home"),
    path("<str:dc>/figures/", views.figures, name="figures"),
    path("<str:dc>/figures.csv", views.figures_csv, name="figures_csv"),
    path("<str:dc>/network/", network_views.network, name="network"),
]
