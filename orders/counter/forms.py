from django import forms
from django.utils.translation import gettext_lazy as _

from core.input import validate_day
from orders.models import ParcelEvent


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking number"),
        max_length=64,
        error_messages={
            "required": _("Scan or type a tracking number."),
            "max_length": _("That is too long for a tracking number."),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autofocus": True,
                "inputmode": "numeric",
                "class": "scan-input",
                "enterkeyhint": "go",
            }
        ),
    )


class StoreChoiceForm(forms.Form):
    store = forms.ModelChoiceField(
        queryset=None,
        label=_("Store"),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the store you are working at."),
            "invalid_choice": _("You are not a clerk of that store."),
        },
    )

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores


class TrackingListField(forms.Field):
    """The tracking numbers scanned so far, carried from one post to the next in hidden inputs."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return [v.strip() for v in (value or []) if v.strip()]


class HandoverForm(forms.Form):
    code = forms.CharField(
        label=_("Pickup code"),
        max_length=32,
        error_messages={"required": _("Scan or type the shopper's pickup code.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "class": "scan-input"}),
    )
    tracking_number = forms.CharField(
        label=_("Tracking number (if you found the parcel first)"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    scanned = TrackingListField(required=False)
    scan = forms.CharField(
        label=_("Scan each parcel from the shelf"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "class": "scan-input"}),
    )
    cash_received = forms.BooleanField(required=False)
    # Who takes the parcels: the shopper, or the person they named on the tracking page.
    collected_by = forms.ChoiceField(
        label=_("Collected by"),
        required=False,
        choices=[("shopper", _("The shopper")), ("proxy", _("The person the shopper named"))],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Say who collects: the shopper or the person they named.")},
    )


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Problem"),
        choices=[(ParcelEvent.Type.REPORTED_MISSING, _("Missing")), (ParcelEvent.Type.REPORTED_DAMAGED, _("Damaged"))],
        error_messages={
            "required": _("Choose what to report: missing or damaged."),
            "invalid_choice": _("Choose what to report: missing or damaged."),
        },
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class FindParcelForm(forms.Form):
    q = forms.CharField(
        label=_("Find a parcel by tracking number"),
        max_length=64,
        error_messages={"required": _("Type a tracking number.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "type": "search"}),
    )


class ReportDayForm(forms.Form):
    day = forms.DateField(
        label=_("Day"),
        required=False,
        validators=[validate_day],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )
