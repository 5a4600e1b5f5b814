"""Staff sign-in, the site's and the admin's: throttled per account name and per address, with one answer
for known and unknown accounts."""

import pytest
from django.test import Client

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
LOGIN_URLS = ["/accounts/login/", "/admin/login/"]
PER_ACCOUNT, PER_ADDRESS = 5, 20  # failures in 15 minutes (pickup/login.py's LIMITS)


@pytest.fixture(autouse=True)
def fast_hashing(settings, ratelimit_window_held):
    # Dozens of sign-ins: a cheap hasher keeps them quick; what is counted does not depend on it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_in(url: str, username: str, password: str, address: str = "203.0.113.7"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(url, {"username": username, "password": password})
    signed_in = "_auth_user_id" in client.session
    errors = list(response.context["form"].non_field_errors()) if response.context else []
    return signed_in, errors


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_the_right_password_is_refused_after_too_many_wrong_ones_for_the_account(db, url):
    # given a staff account and five wrong passwords for it
    UserFactory(username="ops", is_staff=True)
    for _ in range(PER_ACCOUNT):
        assert _sign_in(url, "ops", "wrong")[0] is False
    # when the right password comes next, even from another address
    signed_in, errors = _sign_in(url, "Ops", PASSWORD, address="198.51.100.1")
    # then it is refused with the throttle's message
    assert signed_in is False
    assert errors == ["Too many failed sign-ins. Wait 15 minutes and try again."]
    # and another account from the first address still signs in
    UserFactory(username="ops2", is_staff=True)
    assert _sign_in(url, "ops2", PASSWORD)[0] is True


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_an_unknown_account_gets_the_same_answers_as_a_known_one(db, url):
    UserFactory(username="known", is_staff=True)
    answers = {}
    for username in ("known", "nobody"):
        # when each is tried with wrong passwords past the limit
        answers[username] = [_sign_in(url, username, "wrong")[1] for _ in range(PER_ACCOUNT + 1)]
    # then the answers are the same, try by try (the last one the throttle's)
    assert answers["known"] == answers["nobody"]
    assert answers["known"][-1] == ["Too many failed sign-ins. Wait 15 minutes and try again."]


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_one_address_is_refused_after_too_many_failures_across_accounts(db, url):
    # given failures from one address, spread over many account names (under each account's limit)
    for attempt in range(PER_ADDRESS):
        _sign_in(url, f"guess{attempt}", "wrong")
    UserFactory(username="victim", is_staff=True)
    # when a real account's right password comes from that address / then it is refused
    assert _sign_in(url, "victim", PASSWORD) == (False, ["Too many failed sign-ins. Wait 15 minutes and try again."])
    # and from another address it signs in
    assert _sign_in(url, "victim", PASSWORD, address="198.51.100.2")[0] is True
