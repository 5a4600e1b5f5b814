from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_visitor_switches_to_chinese_and_an_operator_reaches_the_admin(page, operator):
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Convenience-store parcel pickup"
    with page.expect_navigation():
        page.get_by_label("Language").select_option("zh-hant")
    assert page.get_by_role("heading", level=1).inner_text() == "便利商店取貨平台"
    with page.expect_navigation():
        page.get_by_label("語言").select_option("en")
    # Wait for the English page itself before signing in, so the login page cannot open in Chinese.
    expect(page.get_by_role("heading", level=1)).to_have_text("Convenience-store parcel pickup")
    sign_in(page, "operator")
    page.get_by_role("link", name="Admin").click()
    assert "Site administration" in page.content()


def test_home_page_fits_a_phone_screen(phone_page):
    phone_page.goto("/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
