import math
from dataclasses import dataclass

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from orders.models import ApiKey


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset_s: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_s),
        }


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per API key (PICKUP_API_RATE) in a sliding window; over the limit is 429 with Retry-After.

    Leaves the key's standing on the request as `rate_limit`, for the X-RateLimit-* headers of the answer."""

    scope = "merchant_key"

    def get_rate(self) -> str:
        # Read at request time (DRF reads its settings once at import), so the setting can change in tests.
        return settings.PICKUP_API_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}

    def wait(self) -> float:
        """Seconds until the window holds one request fewer than the limit. DRF's answers None once the window
        holds more than the limit (after the rate was lowered), and the 429 then goes out without Retry-After."""
        if not self.history or self.num_requests < 1:
            return self.duration
        freeing = self.history[min(self.num_requests, len(self.history)) - 1]
        return max(0.0, self.duration - (self.now - freeing))

    def allow_request(self, request, view) -> bool:
        allowed = super().allow_request(request, view)
        history = getattr(self, "history", None)
        if history is not None:
            # The window frees its oldest request first: the reset is when that one leaves it.
            reset = history[-1] + self.duration - self.now if history else self.duration
            request.rate_limit = RateLimit(
                limit=self.num_requests,
                remaining=max(0, self.num_requests - len(history)),
                reset_s=max(0, math.ceil(reset)),
            )
        return allowed
