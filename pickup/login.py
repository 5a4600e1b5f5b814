"""Staff sign-in (the site's and the admin's), throttled by account name and by address.

Past either limit every try is refused, the right password too, with one answer whether or not the
account exists, so the form can be used neither to guess a password nor to find account names.
Only failures count; the windows are django-ratelimit's, as for the shoppers' tracking look-up.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage

# Failed sign-ins allowed per typed account name and per address before every try is refused.
LIMITS = {"account": "5/15m", "ip": "20/15m"}


def _account_key(group, request) -> str:
    return request.POST.get("username", "").strip().lower()


def _usages(request, *, increment: bool) -> list[dict | None]:
    keys = {"account": _account_key, "ip": "ip"}
    return [
        get_usage(request, group=f"login-{name}", key=keys[name], rate=rate, method="POST", increment=increment)
        for name, rate in LIMITS.items()
    ]


class ThrottledLoginMixin:
    throttled_message = _("Too many failed sign-ins. Wait 15 minutes and try again.")

    def clean(self):
        if self.request is None:  # a form built outside a request: nothing to count against
            return super().clean()
        if any(usage and usage["count"] >= usage["limit"] for usage in _usages(self.request, increment=False)):
            raise ValidationError(self.throttled_message, code="throttled")
        try:
            return super().clean()
        except ValidationError:
            _usages(self.request, increment=True)
            raise


class StaffAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminStaffAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
