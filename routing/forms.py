from django import forms
from django.utils.translation import gettext_lazy as _

from routing.models import CONDITION_FACTOR_RANGE, Condition, PlannedStop, RegionPlan
from stores.models import Vehicle


class ErrorTextMixin:
    def error_text(self) -> str:
        return " ".join(
            f"{self.fields[name].label if name in self.fields else ''}: {' '.join(errors)}".lstrip(": ")
            for name, errors in self.errors.items()
        )


class ConditionsForm(ErrorTextMixin, forms.Form):
    condition = forms.ChoiceField(label=_("Conditions"), required=False)
    factor = forms.FloatField(
        label=_("Travel-time factor"),
        required=False,
        min_value=CONDITION_FACTOR_RANGE[0],
        max_value=CONDITION_FACTOR_RANGE[1],
        help_text=_(
            "1.0 is a normal day; at 1.3 a 60-minute drive takes 78 minutes. "
            "Leave empty for the usual factor of the conditions."
        ),
    )

    def __init__(self, *args, day_level: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(Condition.choices)
        if day_level:
            self.fields["condition"].required = True
        else:
            choices.insert(0, ("", _("As the day's conditions")))
        self.fields["condition"].choices = choices


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
        self.initial.setdefault("vehicles", list(region_plan.vehicles.values_list("pk", flat=True)))


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
