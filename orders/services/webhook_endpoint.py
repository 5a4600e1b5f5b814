"""A merchant's own webhook endpoint: where events go, which ones, and the signing secret's rotation."""

import ipaddress
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError
from orders.models import Merchant


def webhook_url_problem(url: str) -> str | None:
    """Why `url` cannot take webhooks, or None. Loopback, private and link-local addresses are refused
    (a merchant must not make our workers call into our own network) unless the setting allows them."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Enter an http or https URL, e.g. https://shop.example/hooks/pickup.")
    if settings.PICKUP_WEBHOOK_ALLOW_PRIVATE_URLS:
        return None
    host = parts.hostname.rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host == "localhost" or host.endswith(".localhost") or (address is not None and not address.is_global):
        return _("Use a public address; %(host)s cannot be reached from the internet.") % {"host": host}
    return None


def webhook_endpoint_update(*, merchant: Merchant, url: str, event_types: list[str]) -> Merchant:
    """Set where the merchant's events go (an empty URL stops them) and which types it takes ("*": all).
    The caller has checked the URL with `webhook_url_problem` and the types against `EVENT_TYPES`."""
    merchant.webhook_url = url
    merchant.webhook_events = sorted(set(event_types))
    merchant.save(update_fields=["webhook_url", "webhook_events"])
    return merchant


def webhook_secret_rotate(*, merchant: Merchant) -> str:
    """A new signing secret, returned once. The old one keeps signing beside it for the grace period, so
    deliveries verify on the receiver before and after it switches; a second rotation within the period
    ends the first one's grace (only the secret just replaced is kept)."""
    now = timezone.now()
    new = secrets.token_hex(32)
    # Compare-and-swap on the secret read: two rotations at once cannot both keep "the old" one.
    rotated = Merchant.objects.filter(pk=merchant.pk, webhook_secret=merchant.webhook_secret).update(
        webhook_secret=new,
        webhook_previous_secret=merchant.webhook_secret,
        webhook_previous_secret_until=now + timedelta(hours=settings.PICKUP_WEBHOOK_SECRET_GRACE_HOURS),
    )
    if not rotated:
        raise ConflictError(_("The secret was rotated meanwhile; try again."), code="rotated_meanwhile")
    merchant.refresh_from_db(fields=["webhook_secret", "webhook_previous_secret", "webhook_previous_secret_until"])
    return new
