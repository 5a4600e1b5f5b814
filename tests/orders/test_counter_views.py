"""The counter screens and the JSON scan endpoint: sign-in, store choice, scoping, every page rendered."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import Parcel, ParcelEvent
from orders.services.counter import parcels_expire_overdue
from tests.factories import UserFactory, make_clerk

S = Parcel.Status
JSON = {"HTTP_ACCEPT": "application/json"}
PAGES = ["counter:home", "counter:scan_in", "counter:expected", "counter:handover", "counter:returns", "counter:report"]


@pytest.fixture
def clerk_client(client, clerk):
    """Signed in, and past the first request (which saves the chosen store in the session)."""
    client.force_login(clerk)
    client.get(reverse("counter:home"))
    return client


def scan(client, code, url="counter:scan_in"):
    return client.post(reverse(url), {"code": code}, **JSON)


def test_a_clerk_lands_on_the_counter_after_signing_in(client, clerk):
    response = client.post(
        reverse("login"), {"username": "clerk_a", "password": "correct horse battery staple"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("counter:home")
    assert "Counter: A001 Store A" in response.content.decode()


def test_someone_who_is_no_clerk_lands_elsewhere_and_is_refused_at_the_counter(client, planner):
    client.force_login(planner)
    assert client.get(reverse("staff_landing")).url == reverse("routing:console")
    assert client.get(reverse("counter:home")).status_code == 403
    assert scan(client, "123").json()["reason"] == "not_a_clerk"


def test_anonymous_is_sent_to_sign_in_and_the_api_answers_401(client, db):
    assert client.get(reverse("counter:scan_in")).url.startswith(reverse("login"))
    response = scan(client, "123")
    assert response.status_code == 401 and response.json()["reason"] == "not_signed_in"


def test_a_clerk_of_two_stores_picks_one_and_only_one_of_theirs(client, store, other_store, region):
    # given
    clerk = make_clerk(store, "two_stores")
    make_clerk(other_store, "two_stores")
    stranger = type(store).objects.create(
        code="C001", name="Store C", address="x", postal_code="1", latitude=0, longitude=0, region=region
    )
    client.force_login(clerk)
    # when they open the counter they are asked to choose
    response = client.get(reverse("counter:scan_in"))
    assert response.url == f"{reverse('counter:choose_store')}?next={reverse('counter:scan_in')}"
    page = client.get(response.url).content.decode()
    assert "Store A" in page and "Store B" in page and "Store C" not in page
    assert scan(client, "1").json()["reason"] == "choose_store"
    # then a store not theirs is refused, and one of theirs is kept in the session
    refused = client.post(reverse("counter:choose_store"), {"store": stranger.pk})
    assert refused.status_code == 400 and "not a clerk of that store" in refused.content.decode()
    chosen = client.post(f"{reverse('counter:choose_store')}?next=https://evil.example/", {"store": other_store.pk})
    assert chosen.url == reverse("counter:home")
    assert "Counter: B001 Store B" in client.get(reverse("counter:home")).content.decode()


def test_membership_is_checked_on_every_request(clerk_client, clerk, store):
    assert clerk_client.get(reverse("counter:home")).status_code == 200
    clerk.memberships.all().delete()
    assert clerk_client.get(reverse("counter:home")).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_every_counter_page_renders_in_english_and_chinese(clerk_client, on_shelf, name):
    on_shelf()
    assert clerk_client.get(reverse(name)).status_code == 200
    response = clerk_client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert response.status_code == 200 and "櫃台" in response.content.decode()


def test_choose_store_and_not_clerk_pages_render(client, store, other_store, db):
    user = make_clerk(store, "two")
    make_clerk(other_store, "two")
    client.force_login(user)
    assert client.get(reverse("counter:choose_store")).status_code == 200
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("counter:choose_store")).status_code == 403


def test_json_scan_accepts_with_the_slot_then_answers_already(clerk_client, in_transit, clerk, store):
    parcel = in_transit()
    first = scan(clerk_client, parcel.tracking_number)
    assert first.status_code == 200
    assert first.json() == {
        "ok": True,
        "reason": "accepted",
        "tone": "ok",
        "code": parcel.tracking_number,
        "slot": 1,
        "message": "Accepted: put it on slot 1.",
    }
    again = scan(clerk_client, parcel.tracking_number)
    assert again.status_code == 409 and again.json()["reason"] == "already_scanned_in"
    assert again.json()["tone"] == "warn" and again.json()["slot"] == 1
    event = parcel.events.get(to_status=S.AT_STORE)
    assert (event.actor, event.store) == (clerk, store)


def test_json_scan_takes_a_json_body_too(clerk_client, in_transit):
    parcel = in_transit()
    response = clerk_client.post(
        reverse("counter:scan_in"), {"code": parcel.tracking_number}, content_type="application/json", **JSON
    )
    assert response.json()["slot"] == 1
    bad = clerk_client.post(reverse("counter:scan_in"), "{not json", content_type="application/json", **JSON)
    assert bad.status_code == 400 and bad.json()["reason"] == "invalid"


def test_json_scan_refusals_name_the_reason(clerk_client, in_transit, make_parcel, other_store):
    cases = [
        ("", 400, "invalid"),
        ("555555555555", 404, "unknown_code"),
        (in_transit(pickup_store=other_store).tracking_number, 404, "other_store"),
        (make_parcel("cancelled").tracking_number, 409, "cancelled"),
        (make_parcel("at_dc").tracking_number, 409, "not_dispatched"),
    ]
    for code, status, reason in cases:
        response = scan(clerk_client, code)
        assert (response.status_code, response.json()["reason"], response.json()["tone"]) == (status, reason, "bad"), (
            code
        )
        assert response.json()["message"]


def test_scan_endpoint_needs_the_csrf_token(clerk, in_transit):
    parcel = in_transit()
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    assert scan(client, parcel.tracking_number).status_code == 403
    token = client.get(reverse("counter:scan_in")).cookies["csrftoken"].value
    response = client.post(reverse("counter:scan_in"), {"code": parcel.tracking_number}, HTTP_X_CSRFTOKEN=token, **JSON)
    assert response.status_code == 200


def test_scan_without_script_posts_redirects_and_shows_the_answer_once(clerk_client, in_transit):
    parcel = in_transit()
    response = clerk_client.post(reverse("counter:scan_in"), {"code": parcel.tracking_number})
    assert response.status_code == 302 and response.url == reverse("counter:scan_in")
    page = clerk_client.get(reverse("counter:scan_in")).content.decode()
    assert "Slot 1" in page and "tone-ok" in page and "autofocus" in page
    assert "Slot 1" not in clerk_client.get(reverse("counter:scan_in")).content.decode()


def test_parcels_of_another_store_are_404_by_url_and_the_refusal_is_logged(
    clerk_client, in_transit, other_store, caplog
):
    # given
    parcel = in_transit(pickup_store=other_store)
    # when
    with caplog.at_level(logging.WARNING, logger="orders.counter"):
        detail = clerk_client.get(reverse("counter:parcel", args=[parcel.tracking_number]))
        report = clerk_client.post(
            reverse("counter:report_problem", args=[parcel.tracking_number]), {"kind": "reported_missing"}
        )
        found = clerk_client.get(reverse("counter:find_parcel"), {"q": parcel.tracking_number})
    # then
    assert (detail.status_code, report.status_code, found.status_code) == (404, 404, 404)
    assert not parcel.events.filter(type=ParcelEvent.Type.REPORTED_MISSING).exists()
    assert caplog.text.count(f"parcel={parcel.pk}") == 3


def test_own_parcel_is_found_and_shown_with_its_history(clerk_client, on_shelf):
    parcel, code = on_shelf()
    response = clerk_client.get(reverse("counter:find_parcel"), {"q": f" {parcel.tracking_number} "})
    assert response.url == reverse("counter:parcel", args=[parcel.tracking_number])
    page = clerk_client.get(response.url).content.decode()
    assert "Ready for pickup" in page and "clerk_a" in page and code not in page
    assert clerk_client.get(reverse("counter:find_parcel"), {"q": ""}).status_code == 400


def test_expected_today_lists_missing_and_arrived_and_takes_a_report(
    clerk_client, in_transit, on_shelf, django_assert_max_num_queries
):
    # given
    missing = in_transit()
    arrived, _ = on_shelf()
    for _ in range(12):
        in_transit()
    # when
    with django_assert_max_num_queries(10):
        page = clerk_client.get(reverse("counter:expected")).content.decode()
    # then
    assert "1 of 14 arrived; 13 still missing." in page
    assert missing.tracking_number in page and arrived.tracking_number in page
    response = clerk_client.post(
        reverse("counter:report_problem", args=[missing.tracking_number]),
        {"kind": "reported_missing", "note": "not on the truck", "next": reverse("counter:expected")},
        follow=True,
    )
    assert "the distribution centre sees it" in response.content.decode()
    assert missing.events.get(type=ParcelEvent.Type.REPORTED_MISSING).details == {"note": "not on the truck"}
    refused = clerk_client.post(
        reverse("counter:report_problem", args=[arrived.tracking_number]), {"kind": "reported_missing"}, follow=True
    )
    assert "Cannot report" in refused.content.decode()
    bad = clerk_client.post(
        reverse("counter:report_problem", args=[arrived.tracking_number]), {"kind": "x"}, follow=True
    )
    assert "Choose what to report" in bad.content.decode()


def test_expected_today_has_an_empty_state_and_pages(clerk_client, in_transit):
    assert "Nothing is on its way" in clerk_client.get(reverse("counter:expected")).content.decode()
    for _ in range(51):
        in_transit()
    assert "Page 1 of 2" in clerk_client.get(reverse("counter:expected")).content.decode()


def test_handover_screens_code_scan_and_confirm(clerk_client, on_shelf):
    # given
    parcel, code = on_shelf(cash_on_pickup=299)
    url = reverse("counter:handover")
    # when the code is typed
    opened = clerk_client.post(url, {"code": code, "action": "open"}).content.decode()
    # then the slot, the shopper and the cash show
    assert (
        "Slot 1" in opened
        and "Lin Mei-Ling" in opened
        and "Collect NT$299 in cash" in opened
        and "Not scanned yet" in opened
    )
    # when the parcel is scanned, and confirmed without ticking the cash
    scanned = clerk_client.post(url, {"code": code, "scan": parcel.tracking_number, "action": "scan"}).content.decode()
    assert "Scanned" in scanned and f'name="scanned" value="{parcel.tracking_number}"' in scanned
    no_cash = clerk_client.post(url, {"code": code, "scanned": parcel.tracking_number, "action": "confirm"})
    assert no_cash.status_code == 409 and "tick the box" in no_cash.content.decode()
    done = clerk_client.post(
        url, {"code": code, "scanned": parcel.tracking_number, "cash_received": "on", "action": "confirm"}, follow=True
    )
    # then
    assert "Handed over 1 parcel(s) to Lin Mei-Ling. Cash collected: NT$299." in done.content.decode()
    parcel.refresh_from_db()
    assert parcel.status == S.PICKED_UP


def test_handover_screen_answers_a_wrong_code_and_a_wrong_scan(clerk_client, on_shelf):
    parcel, code = on_shelf()
    other, _ = on_shelf()
    url = reverse("counter:handover")
    wrong = clerk_client.post(url, {"code": "1", "action": "open"})
    assert wrong.status_code == 404 and "No parcel waiting at this store matches" in wrong.content.decode()
    counted = clerk_client.post(url, {"code": "1", "tracking_number": parcel.tracking_number, "action": "open"})
    assert counted.status_code == 409 and "4 tries left" in counted.content.decode()
    stray = clerk_client.post(url, {"code": code, "scan": other.tracking_number, "action": "scan"})
    assert stray.status_code == 409 and "Not part of this order" in stray.content.decode()
    assert clerk_client.post(url, {"code": "", "action": "open"}).status_code == 400


def test_returns_lists_expired_parcels_and_scans_them_out(clerk_client, on_shelf, django_assert_max_num_queries):
    # given
    parcels = [on_shelf()[0] for _ in range(3)]
    Parcel.objects.update(hold_deadline=datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC")))
    parcels_expire_overdue()
    # when
    with django_assert_max_num_queries(8):
        page = clerk_client.get(reverse("counter:returns")).content.decode()
    # then
    assert all(p.tracking_number in page for p in parcels)
    response = scan(clerk_client, parcels[0].tracking_number, url="counter:returns")
    assert response.status_code == 200 and response.json()["slot"] == 1
    assert "Scanned out" in response.json()["message"]
    assert Parcel.objects.get(pk=parcels[0].pk).status == S.RETURN_IN_TRANSIT


def test_returns_empty_state(clerk_client):
    assert "No expired parcels on the shelf." in clerk_client.get(reverse("counter:returns")).content.decode()


def test_overview_counts_change_with_the_day(clerk_client, on_shelf, store, django_assert_max_num_queries):
    # given
    store.slot_capacity = 40
    store.save()
    for _ in range(5):
        on_shelf()
    # when
    with django_assert_max_num_queries(8):
        page = clerk_client.get(reverse("counter:home")).content.decode()
    # then
    assert 'data-stat="on-hand">5 / 40<' in page and 'data-stat="in">5<' in page and 'data-stat="out">0<' in page


def test_daily_report_is_printable_and_takes_a_day(clerk_client, store, on_shelf, django_assert_max_num_queries):
    for _ in range(5):
        on_shelf()
    with django_assert_max_num_queries(10):
        page = clerk_client.get(reverse("counter:report")).content.decode()
    assert "Daily counter report" in page and "window.print()" in page and page.count("Ready for pickup") == 5
    today = datetime.now(store.tz).date().isoformat()
    assert f'name="day" value="{today}"' in page, "the day field shows the day the report is of"
    other = clerk_client.get(reverse("counter:report"), {"day": "2020-01-01"}).content.decode()
    assert "Nothing happened" in other and 'name="day" value="2020-01-01"' in other
    bad = clerk_client.get(reverse("counter:report"), {"day": "yesterday"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()


def test_a_scan_in_reads_and_writes_a_fixed_handful_of_rows(clerk_client, in_transit, django_assert_max_num_queries):
    # The busiest request of the counter: the session's clerk and stores, the parcel with its order and
    # merchant, the free slot, then one transaction: the move (which also numbers the event), the event,
    # the shopper's message. Seven, and the savepoint pair the test's own transaction adds.
    parcel = in_transit()
    with django_assert_max_num_queries(9) as captured:
        response = scan(clerk_client, parcel.tracking_number)
    assert response.status_code == 200, response.content
    lookups = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "orders_parcel"')]
    assert len(lookups) == 1 and "ORDER BY" not in lookups[0], "the parcel is read once, by its unique number, unsorted"


@pytest.mark.parametrize("next_value", ["1e309", "counter:home", "https://elsewhere.example/", "//elsewhere.example/"])
def test_a_report_returns_to_the_expected_list_unless_next_is_a_path_here(clerk_client, in_transit, next_value):
    # given
    parcel = in_transit()
    # when
    response = clerk_client.post(
        reverse("counter:report_problem", args=[parcel.tracking_number]),
        {"kind": "reported_missing", "next": next_value},
    )
    # then: never a view name reversed or another site, but the list the report came from
    assert response.status_code == 302
    assert response["Location"] == reverse("counter:expected")
