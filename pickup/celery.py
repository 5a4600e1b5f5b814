import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pickup.settings")


def celery_settings() -> dict:
    """The CELERY_* Django settings, read once.

    Celery looks up some seven settings for every task it publishes; looked up on Django's settings
    object, each goes through its lazy proxy, misses raising AttributeError on the way: some 15% of
    a publish's CPU. Settings do not change at runtime, so a dict read when Celery first needs its
    configuration carries the same values.
    """
    from django.conf import settings

    return {name: getattr(settings, name) for name in dir(settings) if name.startswith("CELERY_")}


app = Celery("pickup", namespace="CELERY")
# Read lazily, like `config_from_object("django.conf:settings")` would: this module is imported while
# Django's settings are still loading. `app.conf` set at runtime (as the tests do) still wins.
app.add_defaults(celery_settings)
app.autodiscover_tasks()
