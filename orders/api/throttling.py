from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from orders.models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per API key (PICKUP_API_RATE); over the limit is 429 with Retry-After."""

    scope = "merchant_key"

    def get_rate(self) -> str:
        # Read at request time (DRF reads its settings once at import), so the setting can change in tests.
        return settings.PICKUP_API_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
