"""The return's pages: the shopper's start-return page and return card, and the counter's drop-off screen
and return label, in English and Chinese."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Parcel, ReturnRequest
from orders.pickup_codes import return_code_for
from orders.services.returns_dropoff import return_dropoff, return_request_start

S = Parcel.Status
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def tracked(client, make_parcel):
    """A picked-up parcel the shopper has looked up: (client, parcel)."""
    parcel = make_parcel("picked_up")
    client.post(reverse("tracking:lookup"), {"number": parcel.tracking_number, "phone_last4": "5678"})
    return client, parcel


def page(client, parcel, lang="en") -> str:
    return client.get(
        reverse("tracking:parcel", args=[parcel.tracking_number]), HTTP_ACCEPT_LANGUAGE=lang
    ).content.decode()


def test_the_parcel_page_offers_a_return_within_the_window(tracked):
    client, parcel = tracked
    html = page(client, parcel)
    assert "Return this parcel" in html and "You can return it at any store until" in html
    assert "退貨" in page(client, parcel, "zh-hant")


def test_past_the_window_the_offer_is_gone_and_the_page_says_why(tracked):
    client, parcel = tracked
    Parcel.objects.filter(pk=parcel.pk).update(status_changed_at=timezone.now() - timedelta(days=8))
    assert "Return this parcel" not in page(client, parcel)
    html = client.get(reverse("tracking:return", args=[parcel.tracking_number])).content.decode()
    assert "The return window has closed: Shop takes returns for 7 days after pickup." in html


def test_the_start_page_lists_stores_that_can_take_it_and_marks_the_others(tracked, store, other_store):
    client, parcel = tracked
    Parcel.objects.filter(pk=parcel.pk).update(size_class="M")
    other_store.max_size_class = "S"
    other_store.save()
    html = client.get(reverse("tracking:return", args=[parcel.tracking_number])).content.decode()
    assert f'value="{store.code}"' in html
    assert f'value="{other_store.code}" disabled' in html and "Takes parcels up to size S only." in html


def test_starting_a_return_shows_the_code_qr_and_store(tracked, other_store):
    client, parcel = tracked
    response = client.post(
        reverse("tracking:return", args=[parcel.tracking_number]), {"store": other_store.code, "reason": "Too big"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#return")
    return_request = ReturnRequest.objects.get()
    assert (return_request.store, return_request.reason, return_request.source) == (other_store, "Too big", "shopper")
    html = page(client, parcel)
    assert return_code_for(return_request) in html and "QR code for return code" in html
    assert "Take the parcel to <strong>Store B</strong>" in html and "Return requested" in html


def test_no_store_chosen_is_refused_naming_the_field(tracked):
    client, parcel = tracked
    response = client.post(reverse("tracking:return", args=[parcel.tracking_number]), {"store": ""})
    assert response.status_code == 400
    assert "Choose the store where you will drop the parcel off." in response.content.decode()
    assert Parcel.objects.get(pk=parcel.pk).status == S.PICKED_UP


def test_a_store_too_small_is_refused_with_the_reason(tracked, other_store):
    client, parcel = tracked
    Parcel.objects.filter(pk=parcel.pk).update(size_class="M")
    other_store.max_size_class = "S"
    other_store.save()
    response = client.post(reverse("tracking:return", args=[parcel.tracking_number]), {"store": other_store.code})
    assert response.status_code == 400
    assert "Store B001 takes parcels up to size S; this one is M." in response.content.decode()
    assert not ReturnRequest.objects.exists()


def test_the_start_page_needs_the_lookup_first(client, make_parcel):
    parcel = make_parcel("picked_up")
    response = client.get(reverse("tracking:return", args=[parcel.tracking_number]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("tracking:lookup"))


def test_the_shopper_follows_the_drop_off(tracked, store, clerk):
    client, parcel = tracked
    started = return_request_start(parcel=parcel, source="merchant", actor_label="merchant:SHOP")
    assert "Choose a store" in page(client, parcel)
    return_dropoff(code=started.code, store=store, clerk=clerk)
    html = page(client, parcel)
    assert "Dropped off at Store A on" in html and started.code not in html
    assert "已在" in page(client, parcel, "zh-hant")


# The counter


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    client.get(reverse("counter:home"))
    return client


def test_the_drop_off_screen_renders_in_both_languages(clerk_client):
    assert "Scan or type the return code" in clerk_client.get(reverse("counter:dropoff")).content.decode()
    chinese = clerk_client.get(reverse("counter:dropoff"), HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert "退貨收件" in chinese


def test_a_drop_off_scan_answers_the_slot_and_the_label_link(clerk_client, make_parcel):
    parcel = make_parcel("picked_up")
    code = return_request_start(parcel=parcel, source="shopper", actor_label="shopper").code
    response = clerk_client.post(reverse("counter:dropoff"), {"code": code}, **JSON)
    body = response.json()
    assert response.status_code == 200 and (body["ok"], body["slot"]) == (True, 1)
    assert body["link"]["url"] == reverse("counter:return_label", args=[parcel.tracking_number])
    label = clerk_client.get(body["link"]["url"]).content.decode()
    assert "RETURN" in label and parcel.tracking_number in label and "slot 1" in label
    # and a second scan of the code is refused, naming where it went
    again = clerk_client.post(reverse("counter:dropoff"), {"code": code}, **JSON)
    assert again.status_code == 409 and again.json()["reason"] == "already_dropped_off"


def test_a_drop_off_without_script_posts_and_shows_the_result(clerk_client, make_parcel):
    parcel = make_parcel("picked_up")
    code = return_request_start(parcel=parcel, source="shopper", actor_label="shopper").code
    html = clerk_client.post(reverse("counter:dropoff"), {"code": code}, follow=True).content.decode()
    assert "Return accepted" in html and "Print the return label" in html


def test_the_label_of_a_parcel_not_dropped_here_is_404(clerk_client, make_parcel):
    parcel = make_parcel("picked_up")
    assert clerk_client.get(reverse("counter:return_label", args=[parcel.tracking_number])).status_code == 404


def test_the_returns_screen_lists_drop_offs_for_the_driver(clerk_client, make_parcel, store, clerk):
    parcel = make_parcel("picked_up")
    code = return_request_start(parcel=parcel, source="shopper", actor_label="shopper").code
    return_dropoff(code=code, store=store, clerk=clerk)
    assert parcel.tracking_number in clerk_client.get(reverse("counter:returns")).content.decode()
