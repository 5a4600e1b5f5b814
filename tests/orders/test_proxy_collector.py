"""Someone else collects: the shopper names a collector; the counter shows them and the handover records
who collected, as does the merchant's webhook."""

import pytest
from django.urls import reverse

from core.errors import DomainError
from orders.models import Order, Parcel, ParcelEvent, WebhookDelivery
from orders.services.counter import handover_confirm
from orders.services.proxy import order_name_proxy

S = Parcel.Status


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    client.get(reverse("counter:home"))
    return client


def test_naming_a_collector_keeps_it_on_the_order_with_an_event(on_shelf):
    # given
    parcel, _code = on_shelf()
    # when
    order = order_name_proxy(order=parcel.order, name="  Chen   Wei ", phone_last4="4321")
    # then
    order.refresh_from_db()
    assert (order.proxy_name, order.proxy_phone_last4) == ("Chen Wei", "4321")
    event = ParcelEvent.objects.get(parcel=parcel, type=ParcelEvent.Type.PROXY_NAMED)
    assert event.details == {"name": "Chen Wei", "phone_last4": "4321"} and event.actor_label == "shopper"


def test_naming_again_replaces_the_collector(on_shelf):
    parcel, _code = on_shelf()
    order_name_proxy(order=parcel.order, name="Chen Wei", phone_last4="4321")
    order_name_proxy(order=parcel.order, name="Wang Hao", phone_last4="1111")
    order = Order.objects.get(pk=parcel.order_id)
    assert (order.proxy_name, order.proxy_phone_last4) == ("Wang Hao", "1111")


@pytest.mark.parametrize(
    ("name", "digits", "field", "message"),
    [
        ("Chen Wei", "123", "proxy_phone_last4", "Enter exactly the last 4 digits of their phone."),
        ("Chen Wei", "12345", "proxy_phone_last4", "Enter exactly the last 4 digits of their phone."),
        ("Chen Wei", "12a4", "proxy_phone_last4", "Enter exactly the last 4 digits of their phone."),
        ("Chen Wei", "١٢٣٤", "proxy_phone_last4", "Enter exactly the last 4 digits of their phone."),
        ("   ", "1234", "proxy_name", "Enter the name of the person who will collect."),
        ("x" * 121, "1234", "proxy_name", "Keep the name under 120 characters."),
    ],
)
def test_bad_collector_input_names_the_field_and_changes_nothing(on_shelf, name, digits, field, message):
    parcel, _code = on_shelf()
    with pytest.raises(DomainError) as refused:
        order_name_proxy(order=parcel.order, name=name, phone_last4=digits)
    assert (refused.value.field, refused.value.message) == (field, message)
    order = Order.objects.get(pk=parcel.order_id)
    assert order.proxy_name == "" and order.proxy_phone_last4 == ""
    assert not ParcelEvent.objects.filter(parcel=parcel, type=ParcelEvent.Type.PROXY_NAMED).exists()


def test_no_collector_once_the_parcels_are_collected(on_shelf, store, clerk):
    parcel, code = on_shelf()
    numbers = [parcel.tracking_number]
    handover_confirm(code=code, store=store, clerk=clerk, tracking_numbers=numbers, cash_received=False)
    with pytest.raises(DomainError, match="no longer waiting to be collected"):
        order_name_proxy(order=parcel.order, name="Chen Wei", phone_last4="4321")


def test_the_handover_records_the_named_collector_and_tells_the_merchant(on_shelf, store, clerk, hooked_merchant):
    # given
    parcel, code = on_shelf()
    order_name_proxy(order=parcel.order, name="Chen Wei", phone_last4="4321")
    # when
    events = handover_confirm(
        code=code,
        store=store,
        clerk=clerk,
        tracking_numbers=[parcel.tracking_number],
        cash_received=False,
        collected_by="proxy",
    )
    # then
    assert events[0].details == {"slot": 1, "collected_by": "proxy", "collector": "Chen Wei"}
    payload = WebhookDelivery.objects.get(event=events[0]).payload
    assert payload["data"]["status"] == "picked_up"
    assert payload["data"]["details"]["collected_by"] == "proxy"
    assert payload["data"]["details"]["collector"] == "Chen Wei"


def test_by_default_the_shopper_collected(on_shelf, store, clerk):
    parcel, code = on_shelf()
    order_name_proxy(order=parcel.order, name="Chen Wei", phone_last4="4321")
    events = handover_confirm(
        code=code, store=store, clerk=clerk, tracking_numbers=[parcel.tracking_number], cash_received=False
    )
    assert events[0].details["collected_by"] == "shopper" and events[0].details["collector"] == "Lin Mei-Ling"


def test_a_proxy_handover_without_a_named_collector_is_refused(on_shelf, store, clerk):
    parcel, code = on_shelf()
    with pytest.raises(DomainError, match="named no one else"):
        handover_confirm(
            code=code,
            store=store,
            clerk=clerk,
            tracking_numbers=[parcel.tracking_number],
            cash_received=False,
            collected_by="proxy",
        )
    parcel.refresh_from_db()
    assert parcel.status == S.AT_STORE


def test_the_handover_screen_shows_who_may_collect_and_records_who_did(clerk_client, on_shelf):
    # given
    parcel, code = on_shelf()
    order_name_proxy(order=parcel.order, name="Chen Wei", phone_last4="4321")
    url = reverse("counter:handover")
    # when the clerk opens the order
    opened = clerk_client.post(url, {"code": code, "action": "open"}).content.decode()
    # then the named collector and the choice show
    assert "Or the person the shopper named: <strong>Chen Wei</strong>, phone ending <strong>4321</strong>" in opened
    assert 'name="collected_by" value="proxy"' in opened
    # when the collector takes the parcel
    done = clerk_client.post(
        url,
        {"code": code, "scanned": parcel.tracking_number, "collected_by": "proxy", "action": "confirm"},
        follow=True,
    ).content.decode()
    # then
    assert "Handed over 1 parcel(s) to Chen Wei." in done
    event = ParcelEvent.objects.get(parcel=parcel, to_status=S.PICKED_UP)
    assert event.details["collected_by"] == "proxy"


def test_the_handover_screen_offers_no_choice_without_a_collector(clerk_client, on_shelf):
    parcel, code = on_shelf()
    opened = clerk_client.post(reverse("counter:handover"), {"code": code, "action": "open"}).content.decode()
    assert "collected_by" not in opened and "the shopper named" not in opened


def test_the_counter_parcel_page_shows_the_collector_and_the_extended_deadline(clerk_client, on_shelf):
    from orders.services.hold import parcel_extend_hold

    parcel, _code = on_shelf()
    order_name_proxy(order=parcel.order, name="Chen Wei", phone_last4="4321")
    parcel_extend_hold(parcel=parcel)
    page = clerk_client.get(reverse("counter:parcel", args=[parcel.tracking_number])).content.decode()
    assert "Chen Wei (phone ending 4321)" in page and "Extended by the shopper" in page
