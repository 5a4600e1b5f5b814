"""From a shop's checkout through the store picker to a placed order and its tracking page, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order
from stores.models import SizeClass
from tests.factories import MerchantFactory, StoreFactory


@pytest.fixture
def shop(live_server, settings, region):
    merchant = MerchantFactory(
        code=settings.PICKUP_DEMO_SHOP_MERCHANT, name="Book Nook", allowed_origins=live_server.url
    )
    StoreFactory(
        region=region,
        code="NEAR",
        name="Da'an Heping",
        latitude="25.026400",
        longitude="121.543400",
        max_size_class=SizeClass.S,
        slot_capacity=5,
    )
    StoreFactory(
        region=region, code="TINY", name="Da'an Tiny", latitude="25.027000", longitude="121.543400", max_weight_g=500
    )
    StoreFactory(region=region, code="XINYI", name="Xinyi Songren", latitude="25.033000", longitude="121.565400")
    return merchant


def test_shopper_picks_a_store_places_the_order_and_tracks_it(page, shop):
    # given the shop's checkout
    page.goto("/demo-shop/")
    page.get_by_label("Your name").fill("Lin Mei-Ling")
    page.get_by_label("Mobile phone").fill("0912 345 678")
    page.get_by_label("Email (optional)").fill("mei@mail.example")
    # when the shopper opens the picker and searches by district
    page.get_by_role("button", name="Choose a pickup store").click()
    picker = page.frame_locator("#picker-frame")
    picker.get_by_label("District, postal code or address").fill("Da'an")
    picker.get_by_label("District, postal code or address").press("Enter")
    # then the stores are listed nearest first, with markers, and a store that cannot take the parcel says why
    expect(picker.locator(".store-item")).to_have_count(3)
    expect(picker.locator(".leaflet-interactive")).to_have_count(3)
    tiny = picker.locator("#store-TINY")
    expect(tiny.get_by_role("button")).to_be_disabled()
    expect(tiny).to_contain_text("up to 0.5 kg")
    # when the shopper chooses a store
    page.evaluate("window.addEventListener('message', (event) => { window.picked = event.data; })")
    picker.get_by_role("button", name="Choose Da'an Heping").click()
    # then the shop has it, with the shopper's language, and the order goes through the platform
    expect(page.locator("#chosen-store")).to_contain_text("Da'an Heping")
    assert page.evaluate("window.picked.language") == "en"
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order")
    assert Order.objects.get().language == "en"
    tracking = page.get_by_test_id("tracking-number").inner_text()
    assert re.fullmatch(r"\d{12}", tracking)
    # and the shopper can follow the parcel
    page.get_by_role("link", name="Track this parcel").click()
    expect(page.get_by_label("Tracking number")).to_have_value(tracking)
    page.get_by_label("Last 4 digits of your phone").fill("5678")
    page.get_by_role("button", name="Track").click()
    expect(page.get_by_test_id("status")).to_have_text("Order received")
    expect(page.locator("main")).to_contain_text("Da'an Heping")


def test_picker_on_a_phone_with_the_keyboard_only(phone_page, shop, live_server):
    # given the picker opened directly on a 375 px screen
    phone_page.goto(f"/stores/picker/?merchant={shop.code}&origin={live_server.url}&size=S&weight=800")
    # when the shopper uses only the keyboard
    phone_page.get_by_label("District, postal code or address").focus()
    phone_page.keyboard.type("106")
    phone_page.keyboard.press("Enter")
    expect(phone_page.locator(".store-item")).to_have_count(3)
    choose = phone_page.get_by_role("button", name="Choose Da'an Heping")
    for _ in range(12):
        phone_page.keyboard.press("Tab")
        if choose.evaluate("el => el === document.activeElement"):
            break
    phone_page.keyboard.press("Enter")
    # then the choice is confirmed, and nothing is wider than the screen
    expect(phone_page.get_by_role("status")).to_contain_text("You chose Da'an Heping")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375


def test_tracking_page_fits_a_phone(phone_page, make_parcel):
    parcel = make_parcel("at_store")
    phone_page.goto(f"/track/?number={parcel.tracking_number}")
    phone_page.get_by_label("Last 4 digits of your phone").fill("5678")
    phone_page.get_by_role("button", name="Track").click()
    expect(phone_page.get_by_test_id("pickup-code")).to_be_visible()
    expect(phone_page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
