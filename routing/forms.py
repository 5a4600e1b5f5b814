from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from routing.models import CONDITION_FACTOR_RANGE, CONDITION_FACTORS, Condition, PlannedStop, RegionPlan
from stores.models import Vehicle


class ErrorTextMixin:
    def error_text(self) -> str:
        return " ".join(
            f"{self.fields[name].label if name in self.fields else ''}: {' '.join(errors)}".lstrip(": ")
            for name, errors in self.errors.items()
        )


class ConditionsForm(ErrorTextMixin, forms.Form):
    """Conditions and their travel-time factor. The factor starts at the condition's usual one: left
    empty, or left as the page showed it while the condition changed, the new condition's usual factor
    is saved (the page's script fills it in as the condition changes; without the script the server
    does the same)."""

    condition = forms.ChoiceField(label=_("Conditions"), required=False)
    factor = forms.FloatField(
        label=_("Travel-time factor"),
        required=False,
        min_value=CONDITION_FACTOR_RANGE[0],
        max_value=CONDITION_FACTOR_RANGE[1],
        widget=forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
        help_text=_(
            "1.0 is a normal day; at 1.3 a 60-minute drive takes 78 minutes. "
            "Leave empty for the usual factor of the conditions."
        ),
    )
    # What the page showed, to tell a factor the planner typed from one left as it was.
    shown_condition = forms.CharField(required=False, widget=forms.HiddenInput)
    shown_factor = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, day_level: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(Condition.choices)
        if day_level:
            self.fields["condition"].required = True
        else:
            choices.insert(0, ("", _("As the day's conditions")))
        self.fields["condition"].choices = choices
        self.fields["condition"].widget.attrs["data-usual-factors"] = json.dumps(
            {str(c): f for c, f in CONDITION_FACTORS.items()}
        )
        self.fields["condition"].widget.attrs["data-factor-field"] = self["factor"].auto_id
        self.initial.setdefault("shown_condition", self.initial.get("condition") or "")
        self.initial.setdefault("shown_factor", self.initial.get("factor"))

    def clean(self):
        data = super().clean()
        condition, factor = data.get("condition"), data.get("factor")
        left_as_shown = factor is not None and factor == data.get("shown_factor")
        if left_as_shown and condition != (data.get("shown_condition") or ""):
            data["factor"] = None  # the service takes the condition's usual factor
        return data

    @classmethod
    def for_conditions(cls, condition: str, factor: float | None, **kwargs) -> ConditionsForm:
        """The form showing the saved conditions; a factor is shown only where conditions are set."""
        return cls(initial={"condition": condition, "factor": factor if condition else None}, **kwargs)


class VehiclesForm(ErrorTextMixin, forms.Form):
    vehicles = forms.ModelMultipleChoiceField(
        label=_("Vehicles available"),
        queryset=Vehicle.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, region_plan, **kwargs):
        super().__init__(*args, **kwargs)
        # A vehicle another region of the day already has is not offered.
        through = RegionPlan.vehicles.through
        taken = (
            through.objects.filter(regionplan__run=region_plan.run_id)
            .exclude(regionplan=region_plan)
            .values("vehicle_id")
        )
        self.fields["vehicles"].queryset = (
            Vehicle.objects.filter(dc=region_plan.run.dc, active=True).exclude(pk__in=taken).order_by("name")
        )
        self.fields["vehicles"].label_from_instance = _vehicle_choice
        self.initial.setdefault("vehicles", list(region_plan.vehicles.values_list("pk", flat=True)))
        # Shown beside the choices, so the planner knows where the rest of the fleet is today.
        self.elsewhere = list(
            through.objects.filter(regionplan__run=region_plan.run_id)
            .exclude(regionplan=region_plan)
            .order_by("regionplan__region__code", "vehicle__name")
            .values_list("vehicle__name", "regionplan__region__code")
        )


def _vehicle_choice(vehicle: Vehicle) -> str:
    return _("%(name)s · %(volume)s volume, %(kg)s kg · %(start)s–%(end)s") % {
        "name": vehicle.name,
        "volume": vehicle.volume_capacity,
        "kg": vehicle.kg_capacity,
        "start": f"{vehicle.shift_start:%H:%M}",
        "end": f"{vehicle.shift_end:%H:%M}",
    }


class MoveForm(ErrorTextMixin, forms.Form):
    stop = forms.TypedChoiceField(label=_("Stop"), coerce=int)
    route = forms.TypedChoiceField(label=_("To route"), coerce=int)
    position = forms.IntegerField(label=_("At position"), min_value=1, initial=1)

    def __init__(self, *args, routes, **kwargs):
        super().__init__(*args, **kwargs)
        self.routes = {r.number: r for r in routes}
        self.stops = {s.pk: s for r in routes for s in r.stop_list}
        self.fields["stop"].choices = [
            (str(r.number), [(s.pk, f"{r.number}.{s.position} {s.store.code} {s.store.name}") for s in r.stop_list])
            for r in routes
        ]
        self.fields["route"].choices = [(r.number, f"{r.number} – {r.vehicle.name}") for r in routes]

    def move_args(self) -> dict:
        stop: PlannedStop = self.stops[self.cleaned_data["stop"]]
        return {
            "stop": stop,
            "target": self.routes[self.cleaned_data["route"]],
            "position": self.cleaned_data["position"],
        }
