"""Bad input: the store CSV import and the main forms given junk.

The import answers a clear error naming the row and column (or the file) and writes nothing; the forms
answer 4xx or re-render with an error (or redirect back with a message), never a 500.
"""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stores import csv_import
from stores.csv_import import import_stores
from stores.models import Store
from tests.factories import MerchantFactory

HEADER = "code,name,address,postal_code,latitude,longitude,dc,region\n"
GOOD = "G001,Good store,1 Rd,106,25.02,121.54,DC1,R1"


def _file(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


@pytest.mark.parametrize(
    "data, column, words",
    [
        ("Good store".encode("latin-1") + b"\xe9\xff", "file", "not UTF-8"),
        (_file(GOOD).decode().encode("utf-16"), "file", "not UTF-8"),
        (bytes(range(256)) * 4, "file", "not UTF-8"),
        (b"code,name\nX1,No columns\n", "header", "Missing columns: address"),
        (_file(GOOD, "B001,=cmd|' /C calc'!A0,2 Rd,106,25.02,121.54,DC1,R1"), "name", "formula"),
        (_file(GOOD, "B001,@SUM(A1:A9),2 Rd,106,25.02,121.54,DC1,R1"), "name", "formula"),
        (_file(GOOD, "B001,<script>alert(1)</script>,2 Rd,106,25.02,121.54,DC1,R1"), "name", "< or >"),
        (
            _file(GOOD, 'B001,Store,"1 Rd"", \'; DROP TABLE stores_store; --",106,not-a-number,121.54,DC1,R1'),
            "latitude",
            "number",
        ),
        (_file(GOOD, "B001,Store,2 Rd,106,25.02,121.54,DC1,R1,extra"), "row", "More values than columns"),
        (_file(GOOD, "G001,Again,2 Rd,106,25.02,121.54,DC1,R1"), "code", "already appears"),
        (
            b'code,name,address,postal_code,latitude,longitude,dc,region\n"unterminated,quote\n' + b"x" * 200,
            "code",
            "at most 16 characters",
        ),
    ],
    ids=[
        "latin1",
        "utf16",
        "binary",
        "missing-columns",
        "formula-cmd",
        "formula-at",
        "script",
        "sql-quotes-bad-number",
        "extra-values",
        "duplicate-code",
        "broken-quoting",
    ],
)
def test_a_bad_file_is_explained_and_nothing_is_imported(region, data, column, words):
    # given a file with a good first row and a bad one (or a bad whole)
    before = Store.objects.count()
    # when it is imported
    report = import_stores(data)
    # then the report names where and why, and no store was written
    assert not report.ok
    assert any(error.column == column and words in error.message for error in report.errors), [
        str(e) for e in report.errors
    ]
    assert Store.objects.count() == before


def test_quotes_in_a_good_file_are_stored_as_written(region):
    # SQL quotes are text like any other: parameterised queries store them verbatim.
    report = import_stores(_file('Q001,"O\'Brien ""Corner"" Store",1 Rd; DROP TABLE x; --,106,25.02,121.54,DC1,R1'))
    assert report.ok, [str(e) for e in report.errors]
    store = Store.objects.get(code="Q001")
    assert (store.name, store.address) == ('O\'Brien "Corner" Store', "1 Rd; DROP TABLE x; --")


def test_too_many_rows_or_bytes_are_refused_before_anything_is_written(region, monkeypatch):
    rows = [f"R{n:03d},Store {n},{n} Rd,106,25.02,121.54,DC1,R1" for n in range(6)]
    monkeypatch.setattr(csv_import, "MAX_ROWS", 5)
    report = import_stores(_file(*rows))
    assert [e.column for e in report.errors] == ["file"] and "Too many rows" in report.errors[0].message
    monkeypatch.setattr(csv_import, "MAX_ROWS", 50_000)
    monkeypatch.setattr(csv_import, "MAX_BYTES", 200)
    report = import_stores(_file(*rows))
    assert [e.column for e in report.errors] == ["file"] and "too large" in report.errors[0].message
    assert not Store.objects.filter(code__startswith="R").exists()


JUNK = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "=cmd|' /C calc'!A0",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\x00",
            "9" * 5000,
            "nan",
            "inf",
            "-1e309",
            "😀" * 50,
        ]
    ),
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _never_a_500(response):
    assert response.status_code < 500, response.content[:500]


@FUZZ
@given(number=JUNK, last4=JUNK)
def test_tracking_lookup_junk(db, number, last4):
    response = Client().post("/track/", {"number": number, "phone_last4": last4})
    _never_a_500(response)
    assert response.status_code in (400, 429)


@FUZZ
@given(name=JUNK, phone=JUNK, email=JUNK, store_code=JUNK, pay=JUNK)
def test_demo_shop_checkout_junk(store, settings, name, phone, email, store_code, pay):
    MerchantFactory._meta.model.objects.get_or_create(
        code=settings.PICKUP_DEMO_SHOP_MERCHANT, defaults={"name": "Demo"}
    )
    response = Client().post(
        "/demo-shop/", {"name": name, "phone": phone, "email": email, "store_code": store_code, "pay_on_pickup": pay}
    )
    _never_a_500(response)
    assert response.status_code in (302, 400)


@FUZZ
@given(code=JUNK, as_json=st.booleans())
def test_counter_scan_field_junk(clerk, code, as_json):
    client = Client()
    client.force_login(clerk)
    for path in ("/counter/scan-in/", "/counter/returns/"):
        if as_json:
            response = client.post(
                path,
                code.encode("utf-8", "surrogatepass"),
                content_type="application/json",
                HTTP_ACCEPT="application/json",
            )
            assert response.status_code in (400, 404, 409), response.content[:300]
        else:
            response = client.post(path, {"code": code})
            _never_a_500(response)
    response = client.post(
        "/counter/handover/", {"code": code, "tracking_number": code, "scanned": code, "scan": code, "action": code}
    )
    _never_a_500(response)


@FUZZ
@given(condition=JUNK, factor=JUNK)
def test_planner_conditions_junk(world, condition, factor):
    client = Client()
    client.force_login(world["users"]["planner"])
    own = world["own"]
    for path in (
        f"/planner/{own['dc']}/{own['day']}/conditions/",
        f"/planner/{own['dc']}/{own['day']}/{own['region']}/conditions/",
    ):
        response = client.post(path, {"condition": condition, "factor": factor})
        _never_a_500(response)
        assert response.status_code == 302  # back to the page, with the error as a message
