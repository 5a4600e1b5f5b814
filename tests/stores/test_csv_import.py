import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stores.csv_import import import_stores
from stores.models import Store

HEADER = "code,name,address,postal_code,latitude,longitude,dc,region,is_24h,hours,slot_capacity\n"


def csv(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def test_good_file_creates_and_updates_stores(region):
    Store.objects.create(
        code="OLD1", name="Old", address="x", postal_code="100", latitude=25, longitude=121.5, region=region
    )
    report = import_stores(
        csv(
            "new1,New one,1 Rd,106,25.02,121.54,DC1,R1,yes,,30",
            "NEW2,New two,2 Rd,106,25.03,121.55,DC1,R1,no,07:00-23:00,20",
            "OLD1,Old renamed,1 Old Rd,100,25.0,121.5,DC1,R1,yes,,40",
        )
    )
    assert report.ok, report.errors
    assert (report.created, report.updated) == (2, 1)
    assert Store.objects.get(code="NEW1").slot_capacity == 30
    new2 = Store.objects.get(code="NEW2")
    assert not new2.is_24h and new2.hours.count() == 7
    assert Store.objects.get(code="OLD1").name == "Old renamed"


def test_one_bad_row_rejects_the_whole_file_with_row_numbers(region):
    report = import_stores(
        csv(
            "A1,Fine,1 Rd,106,25.02,121.54,DC1,R1,yes,,30",
            "A2,Bad lat,2 Rd,106,95,121.54,DC1,R1,yes,,30",
            "A3,Bad region,3 Rd,106,25,121.5,DC1,NOPE,yes,,30",
            "A4,Zero slots,4 Rd,106,25,121.5,DC1,R1,maybe,7-11,0",
            "A1,Duplicate,5 Rd,106,25,121.5,DC1,R1,yes,,30",
        )
    )
    assert not report.ok
    found = {(e.row, e.column) for e in report.errors}
    assert {(3, "latitude"), (4, "region"), (5, "is_24h"), (5, "hours"), (5, "slot_capacity"), (6, "code")} <= found
    assert Store.objects.count() == 0


def test_missing_columns_and_bad_encoding_are_explained(region):
    report = import_stores(b"code,name\nA1,x\n")
    assert report.errors[0].column == "header" and "address" in report.errors[0].message
    report = import_stores(HEADER.encode() + "A1,Caf\xe9".encode("latin-1") + b"\n")
    assert "UTF-8" in report.errors[0].message
    assert import_stores(HEADER.encode()).errors[0].message == "The file has a header but no stores."


def test_command_reports_errors_and_exits_non_zero(region, tmp_path, capsys):
    path = tmp_path / "stores.csv"
    path.write_bytes(csv("A1,Bad,1 Rd,106,25,200,DC1,R1,yes,,30"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_stores", str(path))
    assert "row 2, longitude" in capsys.readouterr().err
    path.write_bytes(csv("A1,Good,1 Rd,106,25,121,DC1,R1,yes,,30"))
    call_command("import_stores", str(path))
    assert Store.objects.filter(code="A1").exists()
