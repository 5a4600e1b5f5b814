"""A shopper's return, in Chromium at 1280 and 375 px, in English and Traditional Chinese: the start-return
page on the tracking page (choose a store, get the code) and the counter's drop-off screen (scan the code,
a slot, the return label). Each assertion is about what a person sees; screenshots go to var/screenshots/."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from orders.models import Parcel
from tests.e2e.conftest import sign_in
from tests.factories import StoreFactory

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
GREEN = "rgb(27, 122, 53)"  # --ok: an accepted scan
TEXT = {
    "en": {
        "start": "Start a return",
        "submit": "Start the return",
        "your_return": "Your return",
        "status": "Return requested",
        "take_to": "Take the parcel to",
        "scan_label": "Scan or type the return code, then Enter",
        "accepted": "Return accepted",
        "label_link": "Print the return label",
        "label": "RETURN",
        "used": "Return code already used",
    },
    "zh-hant": {
        "start": "申請退貨",
        "submit": "申請退貨",
        "your_return": "您的退貨",
        "status": "已申請退貨",
        "take_to": "請將包裹送至",
        "scan_label": "掃描或輸入退貨碼，再按 Enter",
        "accepted": "已收退貨",
        "label_link": "列印退貨標籤",
        "label": "退貨",
        "used": "退貨碼已使用",
    },
}
CASES = [(width, lang) for width in (1280, 375) for lang in ("en", "zh-hant")]


def context_page(browser, live_server, width: int, lang: str):
    phone = width < 600
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 740 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
        extra_http_headers={"Accept-Language": lang},
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), f"wider than {width} px"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def second_store(region):
    return StoreFactory(region=region, code="C001", name="Store C", latitude="25.0300", longitude="121.5400")


@pytest.mark.parametrize("width, lang", CASES)
def test_the_shopper_starts_a_return_and_sees_the_code(browser, live_server, make_parcel, second_store, width, lang):
    text = TEXT[lang]
    parcel = make_parcel("picked_up")
    page = context_page(browser, live_server, width, lang)
    # given the shopper's tracking page of a parcel picked up today
    page.goto(f"/track/?number={parcel.tracking_number}")
    page.locator("#id_phone_last4").fill("5678")
    page.locator("#id_phone_last4").press("Enter")
    # when they start a return, choose a store from the list and submit
    page.get_by_test_id("start-return").click()
    expect(page.locator(".return-store")).to_have_count(2)
    shot(page, f"return-start-{width}-{lang}")
    fits(page, width)
    page.locator(f'input[name="store"][value="{second_store.code}"]').check()
    page.get_by_role("button", name=text["submit"]).click()
    # then the parcel page shows the return: its status, a big code and a QR to scan, and the store
    expect(page.get_by_test_id("status")).to_have_text(text["status"])
    card = page.get_by_test_id("return")
    expect(card.get_by_role("heading", level=2)).to_have_text(text["your_return"])
    code = page.get_by_test_id("return-code")
    expect(code).to_have_text(re.compile(r"^\d{10}$"))
    assert float(code.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px")) >= 24
    qr = card.locator("img.qr").bounding_box()
    assert qr["width"] >= 150 and qr["x"] >= 0 and qr["x"] + qr["width"] <= width
    expect(page.get_by_test_id("return-store")).to_contain_text(text["take_to"])
    expect(page.get_by_test_id("return-store")).to_contain_text("Store C")
    fits(page, width)
    shot(page, f"return-code-{width}-{lang}")
    page.context.close()


@pytest.mark.parametrize("width, lang", CASES)
def test_the_clerk_takes_a_drop_off_and_prints_its_label(browser, live_server, make_parcel, clerk, width, lang):
    from orders.services.returns_dropoff import return_request_start

    text = TEXT[lang]
    parcel = make_parcel("picked_up")
    code = return_request_start(parcel=parcel, source="merchant", actor_label="merchant:SHOP").code
    page = context_page(browser, live_server, width, "en")
    sign_in(page, "clerk_a")
    page.set_extra_http_headers({"Accept-Language": lang})
    # given the drop-off screen, its scan field focused as a USB scanner needs
    page.goto("/counter/dropoff/")
    field = page.get_by_label(text["scan_label"])
    expect(field).to_be_focused()
    fits(page, width)
    # when the scanner types the code and Enter
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    # then the answer is green, with the slot in big type and the label to print
    result = page.locator("#scan-result")
    expect(result).to_have_css("color", GREEN)
    expect(result.locator(".scan-slot")).to_contain_text("1")
    assert float(result.locator(".scan-slot").evaluate("e => getComputedStyle(e).fontSize").removesuffix("px")) >= 40
    expect(result.locator(".scan-message")).to_contain_text(text["accepted"])
    link = result.get_by_role("link", name=text["label_link"])
    expect(link).to_be_visible()
    label_url = link.get_attribute("href")
    fits(page, width)
    shot(page, f"return-dropoff-{width}-{lang}")
    # and a second scan of the same code is refused, naming why
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(result.locator(".scan-message")).to_contain_text(text["used"])
    assert Parcel.objects.get(pk=parcel.pk).events.filter(to_status="return_at_store").count() == 1
    # the label: the tracking number to scan, within the screen
    page.goto(label_url)
    label = page.get_by_test_id("return-label")
    expect(label).to_contain_text(text["label"])
    expect(label).to_contain_text(parcel.tracking_number)
    box = label.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    fits(page, width)
    shot(page, f"return-label-{width}-{lang}")
    page.context.close()
