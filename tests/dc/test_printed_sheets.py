"""The sheets the dock and the counter print speak the reader's language, Chinese store names included."""

from django.urls import reverse

from dc.services.returns import parcel_return_intake
from tests.factories import make_clerk

STORE_NAME = "全家信義松仁店"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hant"}


def dc_url(name, dc, *args):
    return reverse(f"dc:{name}", args=[dc.code, *args])


def test_the_cage_sheet_prints_in_chinese(client, dc, dock, approved_plan, store):
    # given
    route1, _route2, _parcels = approved_plan
    store.name = STORE_NAME
    store.save(update_fields=["name"])
    client.force_login(dock)
    args = [route1.region_plan.run.plan_date.isoformat(), route1.region_plan.region.code, route1.number]
    # when
    page = client.get(dc_url("load_sheet", dc, *args), **ZH).content.decode()
    # then
    assert f"籠車清單：路線 {route1.number}" in page and "依裝車順序排列" in page
    assert f"第 1 站貨位：{store.code} {STORE_NAME}" in page and "注意事項" in page
    assert "Cage sheet" not in page and "Bay for stop" not in page


def test_the_return_manifest_prints_in_chinese(client, dc, dock, make_parcel):
    # given
    parcel = make_parcel("return_in_transit")
    consignment = parcel_return_intake(parcel_code=parcel.tracking_number, dc=dc, user=dock).consignment
    client.force_login(dock)
    # when
    page = client.get(dc_url("return_consignment", dc, consignment.pk), **ZH).content.decode()
    # then
    assert f"退貨清單 #{consignment.pk}" in page and "列印於" in page and "交給商家" in page
    assert parcel.tracking_number in page
    assert "Return manifest" not in page and "Printed" not in page


def test_the_counter_daily_report_prints_in_chinese(client, store):
    # given
    store.name = STORE_NAME
    store.save(update_fields=["name"])
    client.force_login(make_clerk(store, "clerk_zh"))
    # when
    page = client.get(reverse("counter:report"), **ZH).content.decode()
    # then
    assert "櫃台每日報表" in page and STORE_NAME in page
    assert "Daily counter report" not in page
