"""The shopper's choices on the tracking page: a longer hold, and someone else to collect."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from orders.models import Order, Parcel
from orders.services.hold import hold_extension_deadline
from orders.services.proxy import PROXY_OPEN


class ExtendHoldForm(forms.Form):
    """A button: the extension's length is a setting, not the shopper's to choose."""


class ProxyForm(forms.Form):
    proxy_name = forms.CharField(
        label=_("Their name"),
        max_length=Order._meta.get_field("proxy_name").max_length,
        error_messages={"required": _("Enter the name of the person who will collect.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    proxy_phone_last4 = forms.CharField(
        label=_("Last 4 digits of their phone"),
        max_length=8,
        error_messages={"required": _("Enter exactly the last 4 digits of their phone.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6}),
    )


def shopper_choices_context(parcel: Parcel, *, extend_form=None, proxy_form=None) -> dict:
    """What the page offers: the extension while the parcel waits on the shelf (once), the collector
    until it is collected."""
    context = {"extension_days": settings.PICKUP_HOLD_EXTENSION_DAYS}
    offered = parcel.status == Parcel.Status.AT_STORE and parcel.hold_extended_at is None
    if offered:
        context["extended_deadline"] = hold_extension_deadline(parcel)
    if offered or extend_form is not None:  # a refused extension is shown with its reason
        context["extend_form"] = extend_form or ExtendHoldForm()
    if parcel.status in PROXY_OPEN:
        order = parcel.order
        context["proxy_form"] = proxy_form or ProxyForm(
            initial={"proxy_name": order.proxy_name, "proxy_phone_last4": order.proxy_phone_last4}
        )
    return context
