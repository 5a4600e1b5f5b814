"""The planner's network page: coverage of demand in the DC's area, and the candidate sites to add."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from insight.demand import demand_for, parse_districts
from insight.network import network_plan, parse_candidates
from routing.views import planner_view
from stores.grid import cell_centre
from stores.models import Store

SAMPLES = Path(__file__).resolve().parent / "samples"
# A planner waits for the page: the search gets this long, and says how close it got.
PAGE_TIME_LIMIT_S = 20.0


class NetworkForm(forms.Form):
    add = forms.IntegerField(label=gettext_lazy("Sites to add"), min_value=1, max_value=500, initial=10)
    radius = forms.IntegerField(
        label=gettext_lazy("Walking distance (m)"), min_value=50, max_value=5000, initial=500, required=False
    )
    only_24h = forms.BooleanField(label=gettext_lazy("Only sites open 24 hours"), required=False)
    candidates = forms.FileField(
        label=gettext_lazy("Candidate sites (CSV)"),
        required=False,
        help_text=gettext_lazy("code, latitude, longitude; optional name, is_24h, cost. Empty: the sample file."),
    )
    districts = forms.FileField(
        label=gettext_lazy("District statistics (CSV)"),
        required=False,
        help_text=gettext_lazy(
            "district, population, age_0_14, age_15_64, age_65_plus, online_index. Empty: the sample file."
        ),
    )

    def parsed(self, field: str, parse, sample: str):
        upload = self.cleaned_data.get(field)
        data = upload.read() if upload else (SAMPLES / sample).read_bytes()
        rows, errors = parse(data)
        for error in errors[:50]:
            self.add_error(field, str(error))
        if len(errors) > 50:
            self.add_error(field, _("…and %(n)s more errors.") % {"n": len(errors) - 50})
        return rows


@planner_view
def network(request, dc):
    form = NetworkForm(request.POST or None, request.FILES or None)
    plan = None
    if request.method == "POST" and form.is_valid():
        districts = form.parsed("districts", parse_districts, "districts.csv")
        candidates = form.parsed("candidates", parse_candidates, "candidates.csv")
        if not form.errors:
            plan = network_plan(
                dc,
                demand_for(dc, districts),
                candidates,
                add=form.cleaned_data["add"],
                radius_m=form.cleaned_data["radius"],
                only_24h=form.cleaned_data["only_24h"],
                time_limit_s=PAGE_TIME_LIMIT_S,
            )
    context = {
        "dc": dc,
        "form": form,
        "plan": plan,
        "map_data": _map_data(dc, plan) if plan else None,
        "tile_url": settings.PICKUP_MAP_TILE_URL,
    }
    return render(request, "insight/network.html", context, status=400 if form.errors else 200)


def _map_data(dc, plan) -> dict:
    stores = Store.objects.filter(region__dc=dc, active=True).values_list("latitude", "longitude")
    open_cells = sorted(plan.open_cells.items(), key=lambda item: -item[1])[:2000]
    return {
        "dc": {"lat": float(dc.latitude), "lon": float(dc.longitude), "label": dc.code},
        "stores": [[float(lat), float(lon)] for lat, lon in stores],
        "chosen": [
            {"rank": rank, "lat": s.candidate.latitude, "lon": s.candidate.longitude, "label": s.candidate.name}
            for rank, s in enumerate(plan.chosen, 1)
        ],
        "uncovered": [[*cell_centre(*cell), demand] for cell, demand in open_cells],
    }
