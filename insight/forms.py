from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

DEFAULT_DAYS = 28
LONGEST_DAYS = 366


class PeriodForm(forms.Form):
    """The period a figures page shows: its first and last day (by default the 28 days up to yesterday)."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, yesterday: date):
        self.yesterday = yesterday
        defaults = {"start": yesterday - timedelta(days=DEFAULT_DAYS - 1), "end": yesterday}
        super().__init__({**{k: v.isoformat() for k, v in defaults.items()}, **data.dict()} if data else None)
        self.initial = defaults

    def clean_end(self) -> date:
        end = self.cleaned_data["end"]
        if end > self.yesterday:
            raise forms.ValidationError(
                _("Figures exist up to yesterday (%(day)s): choose that day or an earlier one.")
                % {"day": self.yesterday.isoformat()}
            )
        return end

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("start", _("The first day must not be after the last day."))
            elif (end - start).days + 1 > LONGEST_DAYS:
                self.add_error("start", _("Choose at most %(days)s days.") % {"days": LONGEST_DAYS})
        return cleaned

    def period(self) -> tuple[date, date]:
        """The valid period, or the default one while the form has errors (shown beside the fields)."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return self.initial["start"], self.initial["end"]
