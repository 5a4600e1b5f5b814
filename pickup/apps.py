from django.apps import AppConfig


class PickupConfig(AppConfig):
    name = "pickup"
    verbose_name = "Pickup platform"
