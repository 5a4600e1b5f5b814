"""Merchant API keys: issued with the secret shown once, stored as a hash, revoked by date.

A live key reads `pk_<lookup>_<secret>`, a test key `pk_test_<lookup>_<secret>`: the mode is in the text, so
a test key pasted into production is refused rather than taken for a live one, and the other way round.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils import timezone

from orders.models import API_KEY_PREFIX, TEST_KEY_PREFIX, ApiKey, Merchant


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_issue(*, merchant: Merchant, name: str, livemode: bool = True) -> tuple[ApiKey, str]:
    """A new key for the merchant and its full text, which is not stored and cannot be shown again."""
    return _issue(
        merchant=merchant, name=name, lookup=secrets.token_hex(6), secret=secrets.token_urlsafe(32), livemode=livemode
    )


def api_key_issue_demo(*, merchant: Merchant, livemode: bool = True) -> str:
    """The demo merchant's key, derived from the server secret so seed_demo can print it on every run."""
    lookup, secret = _demo_key_parts(merchant.code, livemode)
    if not ApiKey.objects.filter(lookup=lookup).exists():
        _issue(
            merchant=merchant,
            name="demo" if livemode else "demo sandbox",
            lookup=lookup,
            secret=secret,
            livemode=livemode,
        )
    return f"{API_KEY_PREFIX if livemode else TEST_KEY_PREFIX}{lookup}_{secret}"


def api_key_demo_text(merchant_code: str, livemode: bool = True) -> str:
    """What api_key_issue_demo returns for the merchant, known before the database is."""
    lookup, secret = _demo_key_parts(merchant_code, livemode)
    return f"{API_KEY_PREFIX if livemode else TEST_KEY_PREFIX}{lookup}_{secret}"


def _demo_key_parts(merchant_code: str, livemode: bool) -> tuple[str, str]:
    purpose = "demo-api-key" if livemode else "demo-test-key"
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{merchant_code}".encode(), hashlib.sha256).hexdigest()
    return digest[:12], digest[12:]


def _issue(*, merchant: Merchant, name: str, lookup: str, secret: str, livemode: bool = True) -> tuple[ApiKey, str]:
    key = ApiKey.objects.create(
        merchant=merchant, name=name, lookup=lookup, secret_hash=_hash(secret), livemode=livemode
    )
    return key, f"{key.prefix}{lookup}_{secret}"


def api_key_authenticate(raw: str) -> ApiKey | None:
    """The active key `raw` names, with its merchant, or None. Notes when it was last used (once a minute)."""
    livemode = not raw.startswith(TEST_KEY_PREFIX)
    prefix = API_KEY_PREFIX if livemode else TEST_KEY_PREFIX
    if not raw.startswith(prefix):
        return None
    lookup, _sep, secret = raw[len(prefix) :].partition("_")
    try:
        key = ApiKey.objects.select_related("merchant").get(lookup=lookup, livemode=livemode)
    except ApiKey.DoesNotExist:
        return None
    if not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    if not key.active or not key.merchant.active:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        key.refresh_from_db(fields=["revoked_at"])
    return key
