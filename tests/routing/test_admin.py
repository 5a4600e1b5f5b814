"""The routing admin shows runs, plans and routes; changes go through the services, as actions."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from routing.models import BatchRun, HeldParcel, PlannedRoute, PlanParcel, RegionPlan, UnservedStop
from routing.services.dispatch import region_plan_approve


@pytest.mark.parametrize("model", [BatchRun, RegionPlan, PlannedRoute, UnservedStop, PlanParcel, HeldParcel])
def test_admin_lists_and_change_pages_render(planned_run, client, operator, model):
    client.force_login(operator)
    meta = model._meta
    assert client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        assert client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])).status_code == 200


@pytest.fixture
def staff(client, operator):
    client.force_login(operator)
    return client


@pytest.mark.parametrize("model", [BatchRun, RegionPlan, PlannedRoute, UnservedStop, PlanParcel, HeldParcel])
def test_nothing_is_added_edited_or_deleted_in_the_admin(planned_run, staff, model):
    meta = model._meta
    assert staff.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code == 403
    obj = model.objects.first()
    if obj is not None:
        assert staff.post(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])).status_code == 403
        assert staff.post(reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])).status_code == 403


def test_conditions_and_route_locks_are_not_form_fields(planned_run, staff):
    region = planned_run.region_plans.first()
    route = region.routes.first()

    for url in (
        reverse("admin:routing_batchrun_change", args=[planned_run.pk]),
        reverse("admin:routing_regionplan_change", args=[region.pk]),
        reverse("admin:routing_plannedroute_change", args=[route.pk]),
    ):
        assert not staff.get(url).context["adminform"].form.fields, url


def test_approving_calls_the_service_and_refuses_a_plan_approved_already(planned_run, staff, operator):
    # given one region approved already
    north, west = planned_run.region_plans.get(region__code="N"), planned_run.region_plans.get(region__code="W")
    staff.post(
        reverse("admin:routing_regionplan_changelist"),
        {"action": "approve", "_selected_action": [north.pk]},
        follow=True,
    )

    # when both are approved
    response = staff.post(
        reverse("admin:routing_regionplan_changelist"),
        {"action": "approve", "_selected_action": [north.pk, west.pk]},
        follow=True,
    )

    # then the second is, and the first is refused by the service with its reason
    messages = sorted(str(m) for m in response.context["messages"])
    assert messages[0] == "Approved 1 plans." and "N is Approved and cannot be approved" in messages[1]
    west.refresh_from_db()
    assert west.status == RegionPlan.Status.APPROVED and west.approved_by == operator


def test_solving_again_calls_the_service(planned_run, staff, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr("routing.services.batch.region_plans_enqueue", queued.extend)
    region = planned_run.region_plans.get(region__code="W")

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            reverse("admin:routing_regionplan_changelist"), {"action": "solve_again", "_selected_action": [region.pk]}
        )

    region.refresh_from_db()
    assert region.status == RegionPlan.Status.PENDING and queued == [region.pk]


def test_routes_are_locked_through_the_service_and_not_once_approved(planned_run, staff, operator):
    region = planned_run.region_plans.get(region__code="W")
    route = region.routes.first()
    changelist = reverse("admin:routing_plannedroute_changelist")

    staff.post(changelist, {"action": "lock", "_selected_action": [route.pk]}, follow=True)
    route.refresh_from_db()
    assert route.locked

    region_plan_approve(region_plan=region, user=operator)
    response = staff.post(changelist, {"action": "unlock", "_selected_action": [route.pk]}, follow=True)
    route.refresh_from_db()
    assert route.locked and "only a planned or failed region can be changed" in str(
        next(iter(response.context["messages"]))
    )


def test_the_actions_need_the_change_permission(planned_run, client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_regionplan"))
    client.force_login(viewer)
    region = planned_run.region_plans.first()

    client.post(reverse("admin:routing_regionplan_changelist"), {"action": "approve", "_selected_action": [region.pk]})

    region.refresh_from_db()
    assert region.status == RegionPlan.Status.PLANNED
