import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pickup.settings")

app = Celery("pickup")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
