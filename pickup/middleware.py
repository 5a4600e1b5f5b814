"""Answer 503 with a short message while the database is unreachable (restart, failover, network).

Without this a lost connection is an unhandled exception: a 500 page, and in debug mode a trace.
A client that retries after Retry-After reaches a fresh connection: Django drops the broken one at
the end of the failed request.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        return database_unavailable(request, exception)


def server_error(request):
    """handler500: a database error raised outside a view (a middleware saving the session as the
    database goes away) is a 503 too; anything else is Django's plain 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, (OperationalError, InterfaceError)):
        return database_unavailable(request, exception)
    return defaults.server_error(request)


def database_unavailable(request, exception):
    log.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"code": "unavailable", "detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response
