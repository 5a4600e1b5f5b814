from django.urls import reverse

from orders.models import Merchant, Order, Parcel, ParcelEvent
from stores.models import DistributionCenter, Region, StaffMembership, Store, Vehicle


def test_home_page_renders_for_a_visitor(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Staff sign in" in response.content


def test_home_page_in_traditional_chinese(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert response.status_code == 200
    assert "便利商店" in response.content.decode()
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
