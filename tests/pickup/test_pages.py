import pytest
from django.urls import reverse

from orders.models import Merchant, Order, Parcel, ParcelEvent
from stores.models import DistributionCenter, Region, StaffMembership, Store, Vehicle
from tests.factories import UserFactory, make_clerk, make_dock, make_driver, make_planner

PASSWORD = "correct horse battery staple"


def test_home_page_renders_for_a_visitor(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Staff sign in" in response.content


def test_home_page_leads_each_visitor_on(client, settings):
    settings.PICKUP_DEMO_SHOP = True  # the demo shop's URLs are mounted in this test settings module
    page = client.get("/").content.decode()
    for target in ("tracking:lookup", "demo_shop:checkout", "api:docs", "login"):
        assert f'href="{reverse(target)}"' in page
    settings.PICKUP_DEMO_SHOP = False
    assert f'href="{reverse("demo_shop:checkout")}"' not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("make_staff", "workplace"),
    [
        (lambda network: make_clerk(network["store"], "c"), "counter:home"),
        (lambda network: make_planner(network["dc"], "p"), "routing:console"),
        (lambda network: make_dock(network["dc"], "d"), "dc:home"),
        (lambda network: make_driver(network["dc"], "r"), "dc:driver:home"),
        (lambda network: UserFactory(username="x"), "home"),
    ],
    ids=["clerk", "planner", "dock", "driver", "no role"],
)
def test_each_role_lands_on_its_workplace_after_signing_in(client, dc, store, make_staff, workplace):
    user = make_staff({"dc": dc, "store": store})
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse(workplace)


def test_sign_in_keeps_an_explicit_next(client, dc):
    make_planner(dc, "p")
    response = client.post(f"{reverse('login')}?next=/track/", {"username": "p", "password": PASSWORD})
    assert response["Location"] == "/track/"


def test_home_page_in_traditional_chinese(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert response.status_code == 200
    assert "便利商店" in response.content.decode()
    assert "查詢包裹" in response.content.decode()
    assert 'lang="zh-hant"' in response.content.decode()


def test_language_switch_remembers_the_choice(client):
    response = client.post(reverse("set_language"), {"language": "zh-hant", "next": "/"})
    assert response.status_code == 302
    assert "員工登入" in client.get("/").content.decode()


def test_login_page_renders(client):
    assert client.get(reverse("login")).status_code == 200


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["broker"]["ok"]


def test_healthz_is_503_when_the_broker_is_down(client, db, monkeypatch):
    monkeypatch.setattr("pickup.views.check_broker", lambda: (False, "ConnectionRefusedError"))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["broker"]["detail"] == "ConnectionRefusedError"


def test_every_admin_changelist_and_add_page_renders(admin_client, make_parcel):
    make_parcel("at_store")
    for model in (DistributionCenter, Region, Store, Vehicle, StaffMembership, Merchant, Order, Parcel, ParcelEvent):
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert admin_client.get(url, {"q": "x"}).status_code == 200, url
    parcel = Parcel.objects.get()
    assert admin_client.get(reverse("admin:orders_parcel_change", args=[parcel.pk])).status_code == 200
    assert admin_client.get(reverse("admin:stores_store_add")).status_code == 200
    assert admin_client.get(reverse("admin:orders_parcelevent_add")).status_code == 403
