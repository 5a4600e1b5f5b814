"""The store CSV upload in the admin: the command's checks and row-by-row report, all or nothing."""

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stores.models import Store
from tests.factories import UserFactory
from tests.stores.test_csv_import import csv

IMPORT_URL = reverse("admin:stores_store_import")
CHANGELIST = reverse("admin:stores_store_changelist")


def upload(client, data: bytes, **extra):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile("stores.csv", data, content_type="text/csv")}, **extra)


def test_the_store_list_leads_to_the_upload_page(client, operator):
    client.force_login(operator)
    assert IMPORT_URL in client.get(CHANGELIST).content.decode()
    page = client.get(IMPORT_URL).content.decode()
    assert 'enctype="multipart/form-data"' in page and "latitude" in page and "max_cash_on_pickup" in page


def test_a_good_file_imports_every_row_and_says_how_many(client, operator, region):
    # given
    client.force_login(operator)
    Store.objects.create(
        code="OLD1", name="Old", address="x", postal_code="100", latitude=25, longitude=121.5, region=region
    )
    # when
    response = upload(
        client,
        csv(
            "NEW1,全家信義松仁店,1 Rd,110,25.03,121.56,DC1,R1,yes,,30",
            "OLD1,Old renamed,1 Old Rd,100,25.0,121.5,DC1,R1,no,07:00-23:00,40",
        ),
        follow=True,
    )
    # then
    assert response.redirect_chain[-1][0] == CHANGELIST
    assert "Imported: 1 created, 1 updated." in response.content.decode()
    assert Store.objects.get(code="NEW1").name == "全家信義松仁店"
    assert Store.objects.get(code="OLD1").hours.count() == 7


def test_a_bad_row_imports_nothing_and_the_report_names_each_row_and_column(client, operator, region):
    # given
    client.force_login(operator)
    # when
    response = upload(
        client,
        csv(
            "A1,Fine,1 Rd,106,25.02,121.54,DC1,R1,yes,,30",
            "A2,Bad lat,2 Rd,106,95,121.54,DC1,R1,yes,,30",
            "A3,Bad region,3 Rd,106,25,121.5,DC1,NOPE,yes,,30",
        ),
    )
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 problems found; nothing was imported." in page
    rows = {(e.row, e.column) for e in response.context["report"].errors}
    assert rows == {(3, "latitude"), (4, "region")}
    assert "<td>3</td><td>latitude</td>" in page and "<td>4</td><td>region</td>" in page
    assert not Store.objects.exists()


def test_the_report_speaks_the_operators_language(client, operator, region):
    client.force_login(operator)
    response = upload(client, b"code,name\nA1,x\n", HTTP_ACCEPT_LANGUAGE="zh-hant")
    page = response.content.decode()
    assert "未匯入任何資料" in page and "<td>header</td>" in page


def test_a_file_over_the_limit_is_refused_unread(client, operator, region, monkeypatch):
    client.force_login(operator)
    monkeypatch.setattr("stores.admin.MAX_BYTES", 10)
    response = upload(client, csv("A1,Fine,1 Rd,106,25.02,121.54,DC1,R1,yes,,30"))
    assert response.status_code == 200 and response.context["report"] is None
    assert response.context["form"].errors["file"] == ["The file is larger than 0 MB; split it into parts."]
    assert not Store.objects.exists()


def test_staff_who_may_not_add_stores_are_refused(client, region):
    # given: staff who may view and change stores, but not add them
    clerk_admin = UserFactory(username="viewer", is_staff=True)
    clerk_admin.user_permissions.add(*Permission.objects.filter(codename__in=["view_store", "change_store"]))
    client.force_login(clerk_admin)
    # then
    assert IMPORT_URL not in client.get(CHANGELIST).content.decode()
    assert upload(client, csv("A1,Fine,1 Rd,106,25.02,121.54,DC1,R1,yes,,30")).status_code == 403
    assert not Store.objects.exists()


def test_a_visitor_is_sent_to_sign_in(client, db):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302 and "/login/" in response["Location"]
