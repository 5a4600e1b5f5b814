from orders.pickup_codes import CODE_DIGITS, pickup_code_for, pickup_code_hash
from tests.factories import OrderFactory


def test_code_is_ten_digits_stable_per_order_and_differs_between_orders(db):
    first, second = OrderFactory(), OrderFactory()
    code = pickup_code_for(first)
    assert len(code) == CODE_DIGITS and code.isdigit()
    assert pickup_code_for(first) == code
    assert pickup_code_for(second) != code


def test_hash_ignores_spaces_and_depends_on_the_secret(settings):
    assert pickup_code_hash("01234 56789") == pickup_code_hash("0123456789")
    before = pickup_code_hash("0123456789")
    settings.SECRET_KEY = "another-secret"
    assert pickup_code_hash("0123456789") != before
