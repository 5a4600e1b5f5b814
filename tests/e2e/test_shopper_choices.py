"""The shopper's choices in Chromium, at 1280 and 375 px, in English and Traditional Chinese: a longer hold
and a named collector on the tracking page, the collector at the counter's handover, and the driver taking
a full store's parcels to the nearest store of the route."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from orders.models import Order, Parcel, ParcelEvent
from orders.services.proxy import order_name_proxy
from routing.models import PlanParcel
from routing.services.driver import stop_arrive
from routing.services.redirect import stop_redirect_options

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
S = Parcel.Status

TEXT = {
    "en": {
        "extend": "Keep it 3 more days",
        "extended": "Extended",
        "collect_by": "Collect it by",
        "name": "Their name",
        "phone": "Last 4 digits of their phone",
        "bad_phone": "Enter exactly the last 4 digits of their phone.",
        "save": "Save who collects",
        "named": "(phone ending 4321) may collect it with your pickup code.",
        "history": "Hold extended by 3 days",
        "proxy_note": "Or the person the shopper named: Chen Wei, phone ending 4321. Check their name and phone.",
        "proxy_choice": "Chen Wei, named by the shopper",
        "scan": "Scan each parcel from the shelf",
        "confirm": "Confirm handover",
        "handed": "Handed over 1 parcel(s) to Chen Wei.",
        "full": "Store full or closed?",
        "take": "Take the parcels to {code}",
        "moved": "parcels of {code}",
    },
    "zh-hant": {
        "extend": "多保管 3 天",
        "extended": "已延長",
        "collect_by": "前取件",
        "name": "代領人姓名",
        "phone": "代領人手機末 4 碼",
        "bad_phone": "請輸入代領人手機號碼的末 4 碼。",
        "save": "儲存代領人",
        "named": "（手機末 4 碼 4321）可憑您的取件碼代領。",
        "history": "保管期限已延長 3 天",
        "proxy_note": "或顧客指定的代領人：Chen Wei，手機末 4 碼 4321。請核對姓名與手機。",
        "proxy_choice": "Chen Wei（顧客指定）",
        "scan": "逐一掃描貨架上的包裹",
        "confirm": "確認交付",
        "handed": "已將 1 件包裹交給 Chen Wei。",
        "full": "門市已滿或未營業？",
        "take": "將包裹送到 {code}",
        "moved": "{code}",
    },
}
SCREENS = [(width, lang) for width in (1280, 375) for lang in ("en", "zh-hant")]


@pytest.fixture(params=SCREENS, ids=[f"{w}px-{lang}" for w, lang in SCREENS])
def screen(request, browser, live_server):
    """A page at the screen's width, reading the site in the screen's language (the language cookie)."""
    width, lang = request.param
    phone = width < 600
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 740 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
    )
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    page = context.new_page()
    page.width, page.lang, page.t = width, lang, TEXT[lang]
    yield page
    context.close()


def sign_in(page, username: str, password: str = "correct horse battery staple") -> None:
    """Signed in from a page in either language (the form's fields by name, Enter to send)."""
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{page.width}-{page.lang}.png"), full_page=True)


def test_shopper_extends_the_hold_once_and_names_a_collector(screen, on_shelf, store):
    page, t = screen, screen.t
    parcel, _code = on_shelf()
    old = parcel.hold_deadline.astimezone(store.tz).strftime("%Y-%m-%d %H:%M")
    # given the shopper opened the parcel with its number and phone digits
    page.goto(f"/track/?number={parcel.tracking_number}")
    page.locator("input[name=phone_last4]").fill("5678")
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    expect(page.get_by_test_id("hold-deadline")).to_contain_text(old)
    extend = page.get_by_role("button", name=t["extend"])
    expect(extend).to_be_visible()
    box = extend.bounding_box()
    assert box["height"] >= 36 and box["x"] + box["width"] <= page.width
    fits(page)

    # when they keep it longer
    with page.expect_navigation():
        extend.click()
    # then the new deadline shows, marked, and the offer is gone (once only)
    parcel.refresh_from_db()
    new = parcel.hold_deadline.astimezone(store.tz).strftime("%Y-%m-%d %H:%M")
    assert new > old
    deadline = page.get_by_test_id("hold-deadline")
    expect(deadline).to_contain_text(new)
    expect(deadline).to_contain_text(t["extended"])
    expect(page.get_by_role("button", name=t["extend"])).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text(t["history"])

    # when they name a collector with a malformed phone
    page.get_by_label(t["name"]).fill("Chen Wei")
    page.get_by_label(t["phone"]).fill("43a1")
    with page.expect_navigation():
        page.get_by_role("button", name=t["save"]).click()
    # then the reason shows under the field, the name is kept, nothing is saved
    error = page.locator(".field-error", has_text=t["bad_phone"])
    expect(error).to_be_visible()
    field_box = page.get_by_label(t["phone"]).bounding_box()
    assert error.bounding_box()["y"] >= field_box["y"] + field_box["height"] - 1, "the reason sits below its field"
    expect(page.get_by_label(t["name"])).to_have_value("Chen Wei")
    assert Order.objects.get(pk=parcel.order_id).proxy_name == ""
    fits(page)
    shot(page, "tracking-collector-refused")

    # when they correct it
    page.get_by_label(t["phone"]).fill("4321")
    with page.expect_navigation():
        page.get_by_role("button", name=t["save"]).click()
    # then the page says who may collect
    expect(page.get_by_test_id("proxy")).to_contain_text("Chen Wei")
    expect(page.get_by_test_id("proxy")).to_contain_text(t["named"])
    assert Order.objects.get(pk=parcel.order_id).proxy_phone_last4 == "4321"
    fits(page)
    shot(page, "tracking-choices")


def test_clerk_sees_the_collector_and_records_who_took_the_parcel(screen, clerk, on_shelf):
    page, t = screen, screen.t
    parcel, code = on_shelf()
    order_name_proxy(order=parcel.order, name="Chen Wei", phone_last4="4321")
    # given the clerk opened the order with the code the collector shows
    sign_in(page, "clerk_a")
    page.goto("/counter/handover/")
    page.locator("input[name=code]").fill(code)
    page.keyboard.press("Enter")
    # then who may collect is shown, with the choice of who does
    note = page.get_by_test_id("proxy")
    expect(note).to_have_text(t["proxy_note"])
    assert float(note.evaluate("el => getComputedStyle(el).fontSize").removesuffix("px")) >= 14
    choice = page.get_by_label(t["proxy_choice"])
    expect(choice).to_be_visible()
    fits(page)
    shot(page, "counter-handover-collector")
    # when the clerk ticks the collector, scans the parcel and confirms
    choice.check()
    page.get_by_label(t["scan"]).fill(parcel.tracking_number)
    page.keyboard.press("Enter")
    expect(page.get_by_label(t["proxy_choice"])).to_be_checked()
    with page.expect_navigation():
        page.get_by_role("button", name=t["confirm"]).click()
    # then
    expect(page.locator(".message")).to_have_text(t["handed"])
    event = ParcelEvent.objects.get(parcel=parcel, to_status=S.PICKED_UP)
    assert event.details["collected_by"] == "proxy" and event.details["collector"] == "Chen Wei"


def test_driver_takes_a_full_stores_parcels_to_the_nearest_store(screen, driver, dispatched_route):
    page, t = screen, screen.t
    stops = list(dispatched_route.stops.select_related("store").order_by("position"))
    here = next(s for s in stops if PlanParcel.objects.filter(stop=s, kind="deliver").exists())
    drops = [e.parcel for e in PlanParcel.objects.filter(stop=here, kind="deliver").select_related("parcel")]
    target = stop_redirect_options(stop=here)[0].stop
    stop_arrive(stop=here)
    # given the driver at the stop
    sign_in(page, "driver")
    page.goto(f"/dc/driver/routes/{dispatched_route.pk}/")
    card = page.locator(f"#stop-{here.position}")
    card.locator("summary", has_text=t["full"]).click()
    expect(card.get_by_test_id("redirect-offer")).to_contain_text(f"{target.store.code} {target.store.name}")
    take = card.get_by_role("button", name=t["take"].format(code=target.store.code))
    box = take.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= page.width
    fits(page)
    shot(page, "driver-redirect-offer")
    # when they take the parcels to the offered store
    with page.expect_navigation():
        take.click()
    # then the page says where they go, and the new stop lists them
    expect(page.locator(".message")).to_contain_text(t["moved"].format(code=here.store.code))
    target_card = page.locator(f"#stop-{target.position}")
    for parcel in drops:
        expect(target_card.locator(".driver-parcels .tracking", has_text=parcel.tracking_number)).to_have_count(1)
        parcel.refresh_from_db()
        assert parcel.status == S.IN_TRANSIT and parcel.order.pickup_store_id == target.store_id
    expect(card.get_by_test_id("redirect-offer")).to_have_count(0)
    fits(page)
    shot(page, "driver-redirect-done")
