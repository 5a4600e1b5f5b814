from django import forms
from django.utils.translation import gettext_lazy as _

from routing.services.driver import REASON_MAX_LENGTH


class NotServedForm(forms.Form):
    """Why a stop cannot be served: one of the usual reasons, or the driver's own words."""

    REASONS = [
        ("closed", _("Store closed")),
        ("refused", _("Store refused the delivery")),
        ("no_access", _("Could not reach the store")),
        ("other", _("Something else (say what)")),
    ]

    reason = forms.ChoiceField(
        label=_("Why can't you serve this stop?"),
        choices=REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say why the stop cannot be served.")},
    )
    note = forms.CharField(label=_("Details"), max_length=120, required=False)

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not data.get("note", "").strip():
            self.add_error("note", _("Say what happened."))
        return data

    def reason_text(self) -> str:
        """The reason as recorded on the stop and on each parcel sent back."""
        label = str(dict(self.REASONS)[self.cleaned_data["reason"]])
        note = self.cleaned_data["note"].strip()
        if self.cleaned_data["reason"] == "other":
            return note[:REASON_MAX_LENGTH]
        return f"{label}: {note}"[:REASON_MAX_LENGTH] if note else label

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)
