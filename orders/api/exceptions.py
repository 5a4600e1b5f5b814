"""One error body for the whole API: {"code", "detail", "fields"?, "request_id"}; `fields` maps each bad field to
messages. Every 4xx of the API has it: DRF's own refusals (401, 405, 406, 415, 429), the domain's (400, 409), a 404
for an object or for any unknown path under /api/, and the middleware's 400 and 414 (pickup/middleware.py)."""

from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import DomainError


class ErrorSerializer(serializers.Serializer):
    """The schema of every error answer."""

    code = serializers.CharField(help_text=gettext_lazy("Stable and machine-readable, e.g. `invalid`, `not_found`."))
    detail = serializers.CharField(help_text=gettext_lazy("What went wrong, in words for a person."))
    fields = serializers.DictField(
        required=False,
        help_text=gettext_lazy("On `invalid`: each bad field and its messages; list items by position."),
    )
    request_id = serializers.CharField(help_text=gettext_lazy("The answer's X-Request-ID: quote it to support."))


def error_body(request, *, code: str, detail: str, fields=None) -> dict:
    body = {"code": code, "detail": detail}
    if fields:
        body["fields"] = fields
    body["request_id"] = getattr(request, "request_id", "")
    return body


def domain_error_body(request, exc: DomainError) -> dict:
    fields = getattr(exc, "fields", None) or ({exc.field: [exc.message]} if exc.field else None)
    return error_body(request, code=exc.code, detail=exc.message, fields=fields)


def validation_error_body(request, errors) -> dict:
    fields = errors if isinstance(errors, dict) else {"non_field_errors": errors}
    return error_body(request, code="invalid", detail=_("Some fields are invalid; see `fields`."), fields=fields)


def api_exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, DomainError):
        return Response(domain_error_body(request, exc), status=exc.status_code)
    if isinstance(exc, Http404):
        # Django's message names the model ("No Order matches…"); the merchant asked for one of theirs.
        exc = exceptions.NotFound(_("No such object among yours."))
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_error_body(request, response.data)
    elif isinstance(exc, exceptions.APIException):
        code = getattr(exc.detail, "code", None) or exc.default_code
        response.data = error_body(request, code=code, detail=str(exc.detail))
    return response


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any path under /api/ that names no operation: the API's 404 body, whatever the method."""
    return JsonResponse(
        error_body(request, code="not_found", detail=_("There is no such API endpoint; see /api/v1/docs/.")),
        status=404,
    )
