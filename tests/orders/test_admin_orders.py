"""The order and parcel admins: what a service guards is read-only there, and the actions call the services."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from orders.models import Order, Parcel, ParcelEvent, WebhookDelivery
from stores.locator import pickup_day_choices

S = Parcel.Status
CHANGELIST = reverse("admin:orders_order_changelist")


@pytest.fixture
def hooked(merchant):
    merchant.webhook_url = "http://127.0.0.1:9/hooks"
    merchant.save()
    return merchant


@pytest.fixture
def staff(client, operator):
    client.force_login(operator)
    return client


def test_where_when_and_how_much_are_read_only_on_the_order_form(staff, make_parcel, other_store):
    # given an order at store A
    order = make_parcel(S.AT_DC, cash_on_pickup=100).order
    url = reverse("admin:orders_order_change", args=[order.pk])
    form = staff.get(url).context["adminform"].form
    assert not {"pickup_store", "preferred_pickup_day", "cash_on_pickup", "merchant", "reference"} & set(form.fields)

    # when the form is posted with another store, day and amount
    response = staff.post(
        url,
        {
            "shopper_name": "Chen Wei",
            "shopper_email": "",
            "shopper_phone": "0911222333",
            "language": "zh-hant",
            "pickup_store": other_store.pk,
            "preferred_pickup_day": pickup_day_choices()[1].isoformat(),
            "cash_on_pickup": 0,
            "parcels-TOTAL_FORMS": 1,
            "parcels-INITIAL_FORMS": 1,
            "parcels-0-id": order.parcels.get().pk,
            "parcels-0-order": order.pk,
        },
    )

    # then only the shopper's contact and language changed
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.shopper_name, order.language) == ("Chen Wei", "zh-hant")
    assert (order.pickup_store.code, order.preferred_pickup_day, order.cash_on_pickup) == ("A001", None, 100)


def test_orders_are_not_added_in_the_admin(staff, db):
    assert staff.get(reverse("admin:orders_order_add")).status_code == 403


def test_changing_the_pickup_store_asks_for_the_store_then_calls_the_service(staff, hooked, make_parcel, other_store):
    # given a planned parcel bound for store A
    parcel = make_parcel(S.PLANNED)
    chosen = {"action": "change_pickup_store", "_selected_action": [parcel.order_id]}

    # when the action is chosen, it asks for the store (searchable among the stores)
    page = staff.post(CHANGELIST, chosen)
    assert page.status_code == 200 and "admin/js/autocomplete.js" in page.content.decode()
    found = staff.get(
        reverse("admin:autocomplete"),
        {"app_label": "orders", "model_name": "order", "field_name": "pickup_store", "term": "B00"},
    ).json()
    assert [r["id"] for r in found["results"]] == [str(other_store.pk)]

    # and when the store is given
    response = staff.post(CHANGELIST, {**chosen, "store": other_store.pk, "apply": "1"}, follow=True)

    # then the service moved the order: the parcel is back at the DC, the change is an event, the merchant is told
    assert [str(m) for m in response.context["messages"]] == ["Changed the pickup store of 1 orders."]
    parcel.refresh_from_db()
    assert parcel.order.pickup_store == other_store and parcel.status == S.AT_DC
    event = parcel.events.get(type=ParcelEvent.Type.STORE_CHANGED)
    assert event.actor_label == "admin:operator" and event.details == {"from": "A001", "to": "B001"}
    assert WebhookDelivery.objects.filter(event=event, payload__type="parcel.pickup_store_changed").exists()


def test_a_store_that_cannot_take_the_order_is_refused_with_the_reason(staff, make_parcel, other_store):
    parcel = make_parcel(S.AT_DC)
    other_store.active = False
    other_store.save()

    response = staff.post(
        CHANGELIST,
        {"action": "change_pickup_store", "_selected_action": [parcel.order_id], "store": other_store.pk, "apply": "1"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        f"{parcel.order}: Store B001 is not taking parcels.",
    ]
    assert Order.objects.get(pk=parcel.order_id).pickup_store.code == "A001"
    assert not parcel.events.filter(type=ParcelEvent.Type.STORE_CHANGED).exists()


def test_changing_the_pickup_day_calls_the_service(staff, hooked, make_parcel):
    parcel = make_parcel(S.AT_DC)
    day = pickup_day_choices()[2]
    chosen = {"action": "change_pickup_day", "_selected_action": [parcel.order_id]}
    assert day.isoformat() in staff.post(CHANGELIST, chosen).content.decode()

    staff.post(CHANGELIST, {**chosen, "day": day.isoformat(), "apply": "1"})

    assert Order.objects.get(pk=parcel.order_id).preferred_pickup_day == day
    event = parcel.events.get(type=ParcelEvent.Type.PICKUP_DAY_CHANGED)
    assert event.details == {"from": None, "to": day.isoformat()}
    assert WebhookDelivery.objects.filter(event=event).exists()


def test_a_day_outside_the_choices_is_asked_again(staff, make_parcel):
    parcel = make_parcel(S.AT_DC)
    too_late = pickup_day_choices()[-1] + timedelta(days=1)

    response = staff.post(
        CHANGELIST,
        {"action": "change_pickup_day", "_selected_action": [parcel.order_id], "day": too_late, "apply": "1"},
    )

    assert response.status_code == 200 and response.context["form"].errors["day"]
    assert Order.objects.get(pk=parcel.order_id).preferred_pickup_day is None


def test_cancelling_cancels_through_the_gate_and_refuses_a_dispatched_order(staff, hooked, make_parcel):
    # given one order still at the DC and one on its way
    waiting, gone = make_parcel(S.AT_DC), make_parcel(S.IN_TRANSIT)

    # when both are cancelled
    response = staff.post(
        CHANGELIST, {"action": "cancel", "_selected_action": [waiting.order_id, gone.order_id]}, follow=True
    )

    # then the first is cancelled with its event and webhook, the second refused with the reason
    messages = [str(m) for m in response.context["messages"]]
    assert messages[0].startswith(f"{gone.order}: Parcel {gone.tracking_number} has left the distribution centre")
    assert messages[1:] == ["Cancelled 1 orders."]
    waiting.refresh_from_db()
    gone.refresh_from_db()
    assert (waiting.status, gone.status) == (S.CANCELLED, S.IN_TRANSIT)
    event = waiting.events.get(to_status=S.CANCELLED)
    assert event.actor_label == "admin:operator"
    assert WebhookDelivery.objects.filter(event=event).exists()


def test_parcels_are_read_only_in_the_admin(staff, make_parcel):
    parcel = make_parcel(S.AT_DC)
    url = reverse("admin:orders_parcel_change", args=[parcel.pk])

    assert staff.get(url).status_code == 200
    assert staff.post(url, {"size_class": "L", "weight_g": 9000, "volume_units": 6}).status_code == 403
    assert staff.get(reverse("admin:orders_parcel_add")).status_code == 403
    parcel.refresh_from_db()
    assert (parcel.size_class, parcel.weight_g) == ("S", 800)


def test_the_actions_need_the_change_permission(client, make_parcel, django_user_model):
    # given a staff member who may only look at orders
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)
    parcel = make_parcel(S.AT_DC)

    # when they try to cancel
    client.post(CHANGELIST, {"action": "cancel", "_selected_action": [parcel.order_id]})

    # then nothing happened
    parcel.refresh_from_db()
    assert parcel.status == S.AT_DC
