"""Shopper tracking: look-up by number and phone digits, rate limited without revealing numbers; the page."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from orders.lifecycle import parcel_transition
from orders.models import Parcel
from orders.pickup_codes import pickup_code_for
from orders.services.ordering import order_change_pickup_store
from orders.tracking.views import LIMITS, NUMBER_FREE_FAILURES

LOOKUP = reverse("tracking:lookup")
NOT_FOUND = "We could not find a parcel"
# The tests count tries against the look-up's limits, in windows that must not end between two tries.
pytestmark = pytest.mark.usefixtures("ratelimit_window_held")


def _try(client, number, last4="5678", **extra):
    return client.post(LOOKUP, {"number": number, "phone_last4": last4}, **extra)


def test_lookup_form_renders_with_the_number_prefilled(client, db):
    response = client.get(LOOKUP, {"number": "123456789012"})
    assert response.status_code == 200 and 'value="123456789012"' in response.content.decode()


def test_right_pair_opens_the_parcel_page(client, make_parcel):
    parcel = make_parcel("in_transit")
    response = _try(client, parcel.tracking_number)
    assert response.status_code == 302 and response["Location"] == reverse(
        "tracking:parcel", args=[parcel.tracking_number]
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "On the way to the store" in html and "Store A" in html and "Your pickup code" not in html


def test_parcel_page_needs_the_lookup_first(client, make_parcel):
    parcel = make_parcel("at_store")
    response = client.get(reverse("tracking:parcel", args=[parcel.tracking_number]))
    assert response.status_code == 302 and response["Location"].startswith(LOOKUP)


def test_wrong_digits_and_unknown_number_get_the_same_answer(client, make_parcel):
    parcel = make_parcel("at_store")
    wrong_digits = _try(client, parcel.tracking_number, "0000")
    unknown = _try(client, "999999999999", "0000")
    assert wrong_digits.status_code == unknown.status_code == 400
    assert NOT_FOUND in wrong_digits.content.decode()

    def _page(response, number):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()).replace(number, "N")

    assert _page(wrong_digits, parcel.tracking_number) == _page(unknown, "999999999999")


def test_bad_input_names_the_field(client, db):
    response = client.post(LOOKUP, {"number": "abc", "phone_last4": "12"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the tracking number" in html and "Enter exactly 4 digits" in html


def test_repeated_wrong_pairs_for_one_number_are_refused_from_that_address_even_when_then_right(client, make_parcel):
    # given
    parcel = make_parcel("at_store")
    per_number = int(LIMITS["ip_number"].split("/")[0])
    for _ in range(per_number):
        assert _try(client, parcel.tracking_number, "0000").status_code == 400
    # when the right digits come next
    response = _try(client, parcel.tracking_number)
    # then they are refused too, so guessing cannot go on
    assert response.status_code == 429 and "Too many unsuccessful tries" in response.content.decode()


def test_a_guesser_locks_out_only_their_own_address_and_the_shopper_still_gets_in(client, make_parcel, clock):
    # given a guesser who has used up the wrong tries on a shopper's number from their address
    parcel = make_parcel("at_store")
    per_number = int(LIMITS["ip_number"].split("/")[0])
    guesser = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(per_number):
        assert _try(client, parcel.tracking_number, "0000", **guesser).status_code == 400
    assert _try(client, parcel.tracking_number, **guesser).status_code == 429
    # when the shopper types the right digits from their own address, a moment later
    clock.advance(minutes=1)
    response = _try(client, parcel.tracking_number, REMOTE_ADDR="198.51.100.20")
    # then they get in
    assert response.status_code == 302 and response["Location"].endswith(f"/{parcel.tracking_number}/")


def test_guesses_on_one_number_from_many_addresses_meet_a_growing_per_number_delay(client, make_parcel, clock):
    # given a number that many addresses have each guessed once (within every address's limits)
    parcel = make_parcel("at_store")

    def guess(n, last4="0000"):
        return _try(client, parcel.tracking_number, last4, REMOTE_ADDR=f"192.0.2.{n}")

    for n in range(NUMBER_FREE_FAILURES):
        assert guess(n).status_code == 400
    assert guess(50).status_code == 400  # the first one past the free tries: the next waits 2 s
    # when the next try comes at once, from yet another address, even with the right digits
    hurried = guess(51, "5678")
    # then it is asked to wait seconds, not minutes, with the same answer as for a number that does not exist
    assert hurried.status_code == 429 and "Please wait 2 seconds" in hurried.content.decode()
    # and each further wrong pair doubles the wait
    clock.advance(seconds=2)
    assert guess(52).status_code == 400
    clock.advance(seconds=3)
    assert guess(53).status_code == 429
    # when the shopper comes once the wait is over
    clock.advance(seconds=1)
    response = guess(54, "5678")
    # then they get in
    assert response.status_code == 302


def test_the_per_number_delay_behaves_the_same_for_numbers_that_do_not_exist(client, make_parcel):
    parcel = make_parcel("at_store")
    answers = {}
    for number in (parcel.tracking_number, "999999999999"):
        answers[number] = [
            _try(client, number, "0000", REMOTE_ADDR=f"192.0.2.{n}").status_code
            for n in range(NUMBER_FREE_FAILURES + 2)
        ]
    assert answers[parcel.tracking_number] == answers["999999999999"] == [400] * (NUMBER_FREE_FAILURES + 1) + [429]


def test_the_limit_behaves_the_same_for_numbers_that_do_not_exist(client, make_parcel):
    parcel = make_parcel("at_store")
    per_number = int(LIMITS["ip_number"].split("/")[0])
    answers = {}
    for number in (parcel.tracking_number, "999999999999"):
        answers[number] = [_try(client, number, "0000").status_code for _ in range(per_number + 1)]
    assert answers[parcel.tracking_number] == answers["999999999999"] == [400] * per_number + [429]


def test_many_numbers_from_one_address_are_refused(client, db):
    per_ip = int(LIMITS["ip"].split("/")[0])
    statuses = [_try(client, f"{n:012d}").status_code for n in range(per_ip + 1)]
    assert statuses == [400] * per_ip + [429]
    # another address is unaffected
    assert _try(client, "123123123123", REMOTE_ADDR="10.0.0.9").status_code == 400


def test_at_the_store_the_page_shows_code_qr_barcode_deadline_and_hours(client, make_parcel):
    # given
    parcel = make_parcel("at_store")
    _try(client, parcel.tracking_number)
    # when
    html = client.get(reverse("tracking:parcel", args=[parcel.tracking_number])).content.decode()
    # then
    code = pickup_code_for(parcel.order)
    assert code in html and "data:image/svg+xml" in html and "Barcode for pickup code" in html
    deadline = parcel.hold_deadline.astimezone(ZoneInfo("Asia/Taipei")).strftime("%Y-%m-%d %H:%M")
    assert deadline in html and "Open 24 hours" in html
    assert html.index("Order received") < html.rindex("Ready for pickup")


def test_after_pickup_the_code_is_gone(client, make_parcel):
    parcel = make_parcel("picked_up")
    _try(client, parcel.tracking_number)
    html = client.get(reverse("tracking:parcel", args=[parcel.tracking_number])).content.decode()
    assert pickup_code_for(parcel.order) not in html and "Picked up" in html


def test_expected_arrival_and_store_change_show_before_arrival(client, make_parcel, other_store):
    parcel = make_parcel("at_dc")
    order_change_pickup_store(order=parcel.order, store=other_store, actor_label="merchant:SHOP")
    parcel_transition(parcel=parcel, to=Parcel.Status.PLANNED, actor_label="planner")
    Parcel.objects.filter(pk=parcel.pk).update(
        expected_arrival=datetime(2025, 5, 8, 14, 0, tzinfo=ZoneInfo("Asia/Taipei"))
    )
    _try(client, parcel.tracking_number)
    html = client.get(reverse("tracking:parcel", args=[parcel.tracking_number])).content.decode()
    assert "Expected at the store on" in html and "2025-05-08" in html
    assert f"Pickup store changed to {other_store.code}" in html and "Store B" in html


@pytest.mark.parametrize("status", ["created", "at_store", "expired", "cancelled"])
def test_page_renders_in_every_state_and_in_chinese(client, make_parcel, status):
    parcel = make_parcel(status)
    _try(client, parcel.tracking_number)
    response = client.get(reverse("tracking:parcel", args=[parcel.tracking_number]), HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert response.status_code == 200 and 'lang="zh-hant"' in response.content.decode()


@pytest.mark.parametrize(
    "status, english, chinese",
    [
        ("at_dc_return", "goes back to the shop", "已回到物流中心，待退回商家"),
        ("lost", "We cannot find your parcel", "遺失"),
    ],
)
def test_the_dc_floor_states_are_worded_in_both_languages(client, make_parcel, status, english, chinese):
    parcel = make_parcel("in_transit" if status == "lost" else status)
    if status == "lost":
        parcel_transition(parcel=parcel, to="at_dc", actor_label="test")
        parcel_transition(parcel=parcel, to="lost", actor_label="test")
    _try(client, parcel.tracking_number)
    page = reverse("tracking:parcel", args=[parcel.tracking_number])
    assert english in client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert chinese in client.get(page, HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
