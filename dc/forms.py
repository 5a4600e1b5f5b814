from django import forms
from django.utils.translation import gettext_lazy as _

from core.input import validate_day
from orders.counter.forms import ScanForm
from stores.models import SizeClass


class IntakeForm(ScanForm):
    """The tracking number and, when the dock measured it, the weight and size class.

    The measures stay text here: the intake service checks them and names the field it refuses, so the
    screen and the JSON answer say the same thing."""

    weight_g = forms.CharField(
        label=_("Measured weight (g)"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "data-scan-extra": ""}),
    )
    size_class = forms.ChoiceField(
        label=_("Measured size class"),
        required=False,
        choices=[("", _("as declared")), *SizeClass.choices, ("over", _("Over L (bigger than any store takes)"))],
        widget=forms.Select(attrs={"data-scan-extra": ""}),
    )
    damaged = forms.BooleanField(
        label=_("Damaged"), required=False, widget=forms.CheckboxInput(attrs={"data-scan-extra": ""})
    )


class HandOverForm(forms.Form):
    handed_to = forms.CharField(
        label=_("Handed to (name)"),
        max_length=120,
        error_messages={"required": _("Name the person who took the parcels.")},
    )
    handed_over_at = forms.DateTimeField(
        label=_("Time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Empty: now."),
    )


class DayForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), required=False, validators=[validate_day], widget=forms.DateInput(attrs={"type": "date"})
    )
