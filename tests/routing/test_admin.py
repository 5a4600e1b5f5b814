import pytest
from django.urls import reverse

from routing.models import BatchRun, HeldParcel, PlannedRoute, PlanParcel, RegionPlan, UnservedStop


@pytest.mark.parametrize("model", [BatchRun, RegionPlan, PlannedRoute, UnservedStop, PlanParcel, HeldParcel])
def test_admin_lists_and_change_pages_render(planned_run, client, operator, model):
    client.force_login(operator)
    meta = model._meta
    assert client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        assert client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])).status_code == 200
