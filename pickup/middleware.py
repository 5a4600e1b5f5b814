"""The request id every answer carries, the API's 414, and two answers instead of a 500 page.

Every request gets an id (the client's X-Request-ID if it is a sane one, else a new one): the answer
carries it back in the same header, error bodies in `request_id`, and every log line written while
the request runs (pickup.middleware.RequestIdLogFilter), so a merchant's quote finds our logs.

503 with a short message while the database is unreachable (restart, failover, network). Without this
a lost connection is an unhandled exception: a 500 page, and in debug mode a trace. A client that
retries after Retry-After reaches a fresh connection: Django drops the broken one at the end of the
failed request.

400 for input that cannot be represented (core/input.py): a NUL or a lone surrogate in the path or the
query string is refused before any view runs; a view that still meets such input (a number too large
for the database, a day past the calendar's end, a JSON body nested too deeply) is answered 400 too.
"""

import contextvars
import logging
import re
import sys
import uuid

from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from core.input import UnrepresentableInput, unrepresentable_reason

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5
REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
# Far above any URL the API builds (ids, a cursor and filters), below the 4 KiB request line of gunicorn.
API_MAX_URL_LENGTH = 2048

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("current_request_id", default="-")


class RequestIdMiddleware:
    """First in the chain, so every answer has the header, whatever answered it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = sent if VALID_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        token = current_request_id.set(request.request_id)
        try:
            if request.path.startswith("/api/") and len(request.get_full_path()) > API_MAX_URL_LENGTH:
                response = api_error(
                    request,
                    414,
                    code="uri_too_long",
                    detail=_("The URL is longer than %(n)s characters.") % {"n": API_MAX_URL_LENGTH},
                )
            else:
                response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to every record: the request's while it runs, else "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs an error answer after the middleware returned: its record carries the request.
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or current_request_id.get()
        return True


def api_error(request, status: int, *, code: str, detail: str) -> JsonResponse:
    """The API's error body (orders.api.exceptions) for an answer made before any view."""
    return JsonResponse(
        {"code": code, "detail": detail, "request_id": getattr(request, "request_id", "")}, status=status
    )


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
        body = {"ok": False, "code": "bad_input", "detail": message, "message": message}
        return JsonResponse({**body, "request_id": getattr(request, "request_id", "")}, status=400)
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
        response = api_error(request, 503, code="unavailable", detail=message)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response
