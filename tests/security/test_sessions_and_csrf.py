"""Session cookies, login/logout and CSRF.

Production cookie flags are read in a fresh interpreter with production variables (settings are read
once at start); the rest runs against the test settings with real sign-in through the login form.
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from tests.pickup.test_settings import ROOT
from tests.security.test_access_matrix import APP_ROUTES, POLICY, PUBLIC, _fill

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def test_production_session_and_csrf_cookies_are_secure_httponly_and_samesite():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="pickup.settings",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="pickup.example",
        DJANGO_SECRET_KEY="x" * 20 + "-a-long-random-production-secret-0123456789",
    )
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SECURE]))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)
    assert json.loads(result.stdout) == [True, True, "Lax", True], result.stderr


def _sign_in(client: Client, username: str):
    client.get("/accounts/login/")
    return client.post(
        "/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )


def test_login_issues_a_new_session_key_and_the_cookie_is_httponly(clerk):
    # given a visitor with an anonymous session (a tracked parcel is remembered in it)
    client = Client(enforce_csrf_checks=True)
    session = client.session
    session["tracked_parcels"] = ["123456789012"]
    session.save()
    anonymous_key = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = anonymous_key
    # when they sign in
    response = _sign_in(client, clerk.username)
    # then the session key is new, and the cookie is HttpOnly and SameSite
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value != anonymous_key
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_logout_invalidates_the_old_session_cookie(clerk):
    # given a signed-in clerk whose session cookie was copied
    client = Client(enforce_csrf_checks=True)
    _sign_in(client, clerk.username)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/counter/").status_code == 200
    # when they sign out
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code in (200, 302)
    # then replaying the old cookie is anonymous: the counter sends it to the login page
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = replay.get("/counter/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Where a POST without a CSRF token is not refused with 403, and why.
CSRF_EXEMPT = {
    "healthz": "GET only (405 to POST)",
    "home": "GET only",
    "staff_landing": "GET only",
    "picker:page": "GET only",
    "picker:search": "GET only",
    "api:schema": "GET only",
    "api:docs": "GET only",
    "api:redoc": "GET only",
    "tracking:parcel": "GET only",
    "demo_shop:thanks": "GET only",
}


@pytest.mark.parametrize("role", ["anonymous", "clerk", "planner", "driver", "operator"])
def test_every_post_without_a_csrf_token_is_refused(world, role):
    # given a browser (signed in as `role`) that enforces CSRF like a real one
    client = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        client.force_login(world["users"][role])
    accepted = []
    for pattern, name in APP_ROUTES:
        if name.startswith("api:") and POLICY[name] != PUBLIC:
            continue  # the API authenticates by key, not by cookie: no CSRF to forge (test_api_schemathesis)
        if name == "api_not_found":
            continue  # a JSON 404 for any method: it reads and changes nothing
        # when a form is posted without the token
        response = client.post(_fill(pattern, world["own"]), {"code": "123"})
        # then it is refused (a GET-only route says 405, which accepts nothing either)
        if response.status_code == 403:
            continue
        if response.status_code == 405 and name in CSRF_EXEMPT:
            continue
        accepted.append((name, response.status_code))
    assert accepted == []
