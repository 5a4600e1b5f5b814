"""The dock's intake reads the merchant's label: what the label's Code 128 decodes to, a scanner typing it
with its Enter, is exactly what the intake screen takes the parcel in by."""

import pytest
from django.urls import reverse

from orders.models import Parcel
from tests.labels import printed_codes
from tests.orders.conftest import client_for

# What a USB scanner sends after the code: its Enter key, as CR, LF or both.
SCANNER_SUFFIXES = ["\r", "\n", "\r\n"]


@pytest.fixture
def labelled(make_parcel, merchant):
    """A created parcel and what its label's barcode decodes to, read from the PDF the merchant prints."""
    parcel = make_parcel("created")
    label = client_for(merchant).get(reverse("api:parcel-label", args=[parcel.tracking_number]))
    assert label.status_code == 200
    return parcel, printed_codes(label.content)["Code128"]


def test_the_label_barcode_carries_the_bare_tracking_number(labelled):
    parcel, scanned = labelled
    assert scanned == parcel.tracking_number and scanned.isdigit()


@pytest.mark.parametrize("suffix", SCANNER_SUFFIXES)
def test_the_intake_screen_takes_the_parcel_in_by_the_scanned_label(client, dc, dock, labelled, suffix):
    # given
    parcel, scanned = labelled
    client.force_login(dock)
    # when: the scanner types the decoded barcode and presses Enter
    response = client.post(
        reverse("dc:intake", args=[dc.code]),
        {"code": scanned + suffix, "weight_g": str(parcel.weight_g)},
        HTTP_ACCEPT="application/json",
    )
    # then
    assert response.status_code == 200, response.json()
    assert response.json()["reason"] == "received"
    parcel.refresh_from_db()
    assert parcel.status == Parcel.Status.AT_DC
