from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders and parcels")

    def ready(self):
        from orders.capacity import store_free_capacity
        from stores.locator import register_capacity_estimator

        # The locator and the order checks count free slots with the parcels this app holds.
        register_capacity_estimator(store_free_capacity)
