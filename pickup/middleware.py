"""Two answers instead of a 500 page.

503 with a short message while the database is unreachable (restart, failover, network). Without this
a lost connection is an unhandled exception: a 500 page, and in debug mode a trace. A client that
retries after Retry-After reaches a fresh connection: Django drops the broken one at the end of the
failed request.

400 for input that cannot be represented (core/input.py): a NUL or a lone surrogate in the path or the
query string is refused before any view runs; a view that still meets such input (a number too large
for the database, a day past the calendar's end, a JSON body nested too deeply) is answered 400 too.
"""

import logging
import sys

from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from core.input import UnrepresentableInput, unrepresentable_reason

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


class UnrepresentableInputMiddleware:
    # What Python and the database drivers raise for a value they cannot hold: text that does not encode,
    # recursion too deep, an int or a date out of range (the drivers' NUL refusal is a ValueError, below).
    INPUT_ERRORS = (UnrepresentableInput, UnicodeError, RecursionError, OverflowError, DataError)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        texts = [request.path_info, *request.GET.keys(), *(v for vs in request.GET.lists() for v in vs[1])]
        reason = next((reason for text in texts if (reason := unrepresentable_reason(text))), None)
        if reason:
            return bad_input(request, reason)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, self.INPUT_ERRORS) or (isinstance(exception, ValueError) and "NUL" in str(exception)):
            # Logged with the trace: a 400 here is the client's input, but the view let it through.
            log.warning("unrepresentable input in %s %s", request.method, request.path, exc_info=exception)
            message = getattr(exception, "message", None) or _("The request contains a value that cannot be handled.")
            return bad_input(request, message)
        return None


def _json_client(request) -> bool:
    return (
        request.path.startswith("/api/")
        or "application/json" in request.headers.get("Accept", "")
        or request.content_type == "application/json"
    )


def bad_input(request, message: str):
    if _json_client(request):
        return JsonResponse({"ok": False, "code": "bad_input", "detail": message, "message": message}, status=400)
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


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
    if _json_client(request):
        response = JsonResponse({"code": "unavailable", "detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response
