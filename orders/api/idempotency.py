"""`Idempotency-Key` on POST: the same key and body replays the first response; another body is 409.

The record is written in the same transaction as the work it describes, so a crash leaves neither.
Two concurrent requests with one key: the second one's insert waits on the unique index until the
first commits, then fails; its work rolls back and it replays the first response. Only successful
responses are kept: a request refused with 4xx changed nothing and may be corrected and retried.
A record older than the retention (orders.services.idempotency) is dropped when its key comes again,
even before the purge job deletes it, so a key replayed after expiry is always a new request.
"""

import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.errors import ConflictError, DomainError
from orders.models import IdempotencyRecord
from orders.services.idempotency import idempotency_cutoff

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    # A key first used in the sandbox is another request in live mode (409), never a replay of a test answer.
    mode = "" if request.auth.livemode else "test "
    return hashlib.sha256(f"{mode}{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_fingerprint != fingerprint:
        raise ConflictError(
            _("This Idempotency-Key was already used with a different request; use a new key for a new request."),
            code="idempotency_key_reused",
        )
    return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"})


def _remembered(merchant, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(merchant=merchant, key=key, created_at__gte=idempotency_cutoff()).first()


def idempotent(handler):
    """Wrap a DRF POST handler of an API-key authenticated view."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationError({HEADER: [_("Use at most %(n)s characters.") % {"n": MAX_KEY_LENGTH}]})
        merchant = request.user.merchant
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                # Expired but not yet purged: out of the way, so this request's record can take the key.
                IdempotencyRecord.objects.filter(
                    merchant=merchant, key=key, created_at__lt=idempotency_cutoff()
                ).delete()
                record = _remembered(merchant, key)
                if record is not None:
                    return _replay(record, fingerprint)
                response = handler(view, request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    IdempotencyRecord.objects.create(
                        merchant=merchant,
                        key=key,
                        request_fingerprint=fingerprint,
                        response_status=response.status_code,
                        response_body=response.data,
                    )
                return response
        except (IntegrityError, DomainError):
            # A concurrent request with this key may have committed while this one waited for a lock,
            # and so been refused (duplicate reference) or collided on the key: answer as it did.
            record = _remembered(merchant, key)
            if record is None:
                raise
            return _replay(record, fingerprint)

    return wrapper
