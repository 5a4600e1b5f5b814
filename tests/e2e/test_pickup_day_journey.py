"""The shopper chooses a pickup day at checkout, sees it on the tracking page and moves it, in Chromium."""

import pytest
from django.utils.formats import date_format
from playwright.sync_api import expect

from stores.locator import pickup_day_choices
from tests.factories import MerchantFactory, StoreFactory


@pytest.fixture
def shop(live_server, settings, region):
    merchant = MerchantFactory(
        code=settings.PICKUP_DEMO_SHOP_MERCHANT, name="Book Nook", allowed_origins=live_server.url
    )
    StoreFactory(region=region, code="NEAR", name="Da'an Heping", latitude="25.026400", longitude="121.543400")
    return merchant


def test_shopper_chooses_a_pickup_day_in_the_picker_and_moves_it_on_the_tracking_page(page, shop):
    days = pickup_day_choices()
    chosen, moved = days[2], days[4]
    # given the checkout with the picker open
    page.goto("/demo-shop/")
    page.get_by_label("Your name").fill("Lin Mei-Ling")
    page.get_by_label("Mobile phone").fill("0912 345 678")
    page.get_by_role("button", name="Choose a pickup store").click()
    picker = page.frame_locator("#picker-frame")
    picker.get_by_label("District, postal code or address").fill("Da'an")
    picker.get_by_label("District, postal code or address").press("Enter")
    # (on a busy machine Enter may come before the picker's script is listening, and the search
    # then reloads the picker: choosing a day before the results are in would choose it on a page
    # about to be replaced)
    expect(picker.get_by_role("button", name="Choose Da'an Heping")).to_be_visible()
    # when the shopper chooses a day and a store in the picker
    picker.get_by_label("Pickup day").select_option(chosen.isoformat())
    picker.get_by_role("button", name="Choose Da'an Heping").click()
    # then the checkout carries the day, and the order is placed with it
    expect(page.get_by_label("Pickup day")).to_have_value(chosen.isoformat())
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order")
    page.get_by_role("link", name="Track this parcel").click()
    page.get_by_label("Last 4 digits of your phone").fill("5678")
    page.get_by_role("button", name="Track").click()
    expect(page.get_by_test_id("pickup-day")).to_contain_text(date_format(chosen, "l Y-m-d"))
    # when the shopper moves it before dispatch
    page.get_by_label("Move my pickup day").select_option(moved.isoformat())
    page.get_by_role("button", name="Save pickup day").click()
    # then the page shows the new day, and the history says so
    expect(page.get_by_test_id("pickup-day")).to_contain_text(date_format(moved, "l Y-m-d"))
    expect(page.locator(".timeline")).to_contain_text(f"Pickup day moved to {moved.isoformat()}")


def test_moving_the_pickup_day_fits_a_phone_and_works_by_keyboard(phone_page, make_parcel):
    # given a parcel still at the DC
    parcel = make_parcel("at_dc")
    phone_page.goto(f"/track/?number={parcel.tracking_number}")
    phone_page.get_by_label("Last 4 digits of your phone").fill("5678")
    phone_page.get_by_role("button", name="Track").click()
    # when the shopper picks a day with the keyboard and submits
    phone_page.get_by_label("Move my pickup day").focus()
    phone_page.keyboard.press("ArrowDown")
    phone_page.keyboard.press("Tab")
    phone_page.keyboard.press("Enter")
    # then the first possible day is saved, and nothing is wider than the screen
    expect(phone_page.get_by_test_id("pickup-day")).to_contain_text(date_format(pickup_day_choices()[0], "l Y-m-d"))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
