"""One error body for the whole API: {"code", "detail", "fields"?}; `fields` maps each bad field to messages."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import DomainError


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": exc.message}
        fields = getattr(exc, "fields", None) or ({exc.field: [exc.message]} if exc.field else None)
        if fields:
            body["fields"] = fields
        return Response(body, status=exc.status_code)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"code": "invalid", "detail": _("Some fields are invalid; see `fields`."), "fields": fields}
    elif isinstance(exc, exceptions.APIException):
        response.data = {"code": getattr(exc.detail, "code", None) or exc.default_code, "detail": str(exc.detail)}
    return response
