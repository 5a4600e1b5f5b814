"""The product's URLs plus /bench/bare/: a JSON view that touches no database, through the same middleware."""

from django.http import JsonResponse
from django.urls import path

from pickup.urls import urlpatterns as product_urlpatterns


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare/", bare), *product_urlpatterns]
