"""The tracking page's choices: extend the hold and name a collector, only for the visitor who matched
the parcel with its phone digits; refusals say why, next to the field, and change nothing."""

import pytest
from django.urls import reverse

from orders.models import Order, ParcelEvent

LOOKUP = reverse("tracking:lookup")


def _track(client, parcel, last4="5678"):
    response = client.post(LOOKUP, {"number": parcel.tracking_number, "phone_last4": last4})
    assert response.status_code == 302
    return reverse("tracking:parcel", args=[parcel.tracking_number])


def test_the_page_offers_both_choices_while_the_parcel_waits(client, on_shelf):
    parcel, _code = on_shelf()
    page = client.get(_track(client, parcel)).content.decode()
    assert "Your choices" in page and "Keep it 3 more days" in page and "Someone else collects" in page


@pytest.mark.parametrize("action", ["tracking:extend_hold", "tracking:name_proxy"])
def test_a_stranger_without_the_phone_digits_changes_nothing(client, on_shelf, action):
    # given a visitor who never matched the parcel, or matched only another one
    parcel, _code = on_shelf()
    other, _ = on_shelf()
    _track(client, other)
    # when
    data = {"proxy_name": "X", "proxy_phone_last4": "1234"}
    response = client.post(reverse(action, args=[parcel.tracking_number]), data)
    # then
    assert response.status_code == 302 and response["Location"].startswith(LOOKUP)
    parcel.refresh_from_db()
    assert parcel.hold_extended_at is None and Order.objects.get(pk=parcel.order_id).proxy_name == ""


def test_wrong_phone_digits_do_not_open_the_actions(client, on_shelf):
    parcel, _code = on_shelf()
    assert client.post(LOOKUP, {"number": parcel.tracking_number, "phone_last4": "0000"}).status_code == 400
    response = client.post(reverse("tracking:extend_hold", args=[parcel.tracking_number]))
    assert response.status_code == 302
    parcel.refresh_from_db()
    assert parcel.hold_extended_at is None


def test_the_actions_take_only_posts(client, on_shelf):
    parcel, _code = on_shelf()
    _track(client, parcel)
    assert client.get(reverse("tracking:extend_hold", args=[parcel.tracking_number])).status_code == 405


def test_extend_from_the_page_then_a_second_try_is_refused(client, on_shelf, store):
    # given
    parcel, _code = on_shelf()
    url = _track(client, parcel)
    # when
    response = client.post(reverse("tracking:extend_hold", args=[parcel.tracking_number]))
    # then
    assert response.status_code == 302 and response["Location"] == url
    parcel.refresh_from_db()
    page = client.get(url).content.decode()
    deadline = parcel.hold_deadline.astimezone(store.tz).strftime("%Y-%m-%d %H:%M")
    assert f"Collect it by <strong>{deadline}</strong>" in page and "Extended" in page
    assert "Hold extended by 3 days" in page and "Keep it 3 more days" not in page
    # when a second extension is posted anyway (an old tab)
    again = client.post(reverse("tracking:extend_hold", args=[parcel.tracking_number]))
    # then
    assert again.status_code == 409
    assert "The hold was extended once already; it cannot be extended again." in again.content.decode()
    assert ParcelEvent.objects.filter(parcel=parcel, type=ParcelEvent.Type.HOLD_EXTENDED).count() == 1


def test_no_room_is_said_on_the_page(client, on_shelf, in_transit, store):
    store.slot_capacity = 2
    store.save()
    parcel, _code = on_shelf()
    in_transit()
    in_transit()
    _track(client, parcel)
    response = client.post(reverse("tracking:extend_hold", args=[parcel.tracking_number]))
    assert response.status_code == 409 and "The store has no room to keep it longer" in response.content.decode()


def test_name_a_collector_from_the_page(client, on_shelf):
    parcel, _code = on_shelf()
    url = _track(client, parcel)
    response = client.post(
        reverse("tracking:name_proxy", args=[parcel.tracking_number]),
        {"proxy_name": "Chen Wei", "proxy_phone_last4": "4321"},
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "<strong>Chen Wei</strong> (phone ending 4321) may collect it" in page
    assert "Chen Wei named to collect" in page and "Change who collects" in page


def test_a_malformed_phone_is_refused_next_to_the_field_keeping_the_name(client, on_shelf):
    parcel, _code = on_shelf()
    _track(client, parcel)
    response = client.post(
        reverse("tracking:name_proxy", args=[parcel.tracking_number]),
        {"proxy_name": "Chen Wei", "proxy_phone_last4": "43a1"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert '<span class="field-error" role="alert">Enter exactly the last 4 digits of their phone.</span>' in html
    assert 'value="Chen Wei"' in html
    assert Order.objects.get(pk=parcel.order_id).proxy_name == ""


def test_an_empty_name_is_refused(client, on_shelf):
    parcel, _code = on_shelf()
    _track(client, parcel)
    response = client.post(
        reverse("tracking:name_proxy", args=[parcel.tracking_number]), {"proxy_name": "", "proxy_phone_last4": "4321"}
    )
    assert response.status_code == 400 and "Enter the name of the person who will collect." in response.content.decode()


def test_the_choices_and_refusals_read_in_chinese(client, on_shelf):
    parcel, _code = on_shelf()
    _track(client, parcel)
    page = client.get(reverse("tracking:parcel", args=[parcel.tracking_number]), HTTP_ACCEPT_LANGUAGE="zh-hant")
    refused = client.post(
        reverse("tracking:name_proxy", args=[parcel.tracking_number]),
        {"proxy_name": "陳偉", "proxy_phone_last4": "12"},
        HTTP_ACCEPT_LANGUAGE="zh-hant",
    )
    html = page.content.decode()
    assert "您的選擇" in html and "由他人代領" in html and "多保管 3 天" in html
    assert "請輸入代領人手機號碼的末 4 碼。" in refused.content.decode()


def test_a_collected_parcel_offers_no_choices(client, make_parcel):
    parcel = make_parcel("picked_up")
    page = client.get(_track(client, parcel)).content.decode()
    assert "Your choices" not in page
