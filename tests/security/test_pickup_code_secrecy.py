"""Pickup codes: enough entropy from a secure source, stored only hashed, and good for one handover.

The wrong-code lockout under 20 concurrent guesses (counted under the parcel's row lock in PostgreSQL,
not in a cache) is
`tests/orders/test_counter_concurrency.py::test_twenty_concurrent_wrong_codes_count_five_and_lock_once`;
the tracking look-up's rate limit, the same for known and unknown numbers, is in `tests/orders/test_tracking.py`.
"""

import math
from collections import Counter
from types import SimpleNamespace
from unittest import mock

import pytest

from core.errors import DomainError
from orders import models
from orders.models import Order, Parcel
from orders.pickup_codes import CODE_DIGITS, pickup_code_for
from orders.services.counter import Reason, handover_confirm, handover_open


def test_a_code_has_over_30_bits_derived_from_a_128_bit_nonce_from_secrets():
    # The code is CODE_DIGITS decimal digits: log2(10**10) = 33.2 bits, so a guess succeeds with
    # probability 1e-10, and the lockout allows 5 guesses per 15 minutes per parcel.
    assert CODE_DIGITS * math.log2(10) >= 30
    # The per-order nonce comes from the `secrets` module: 16 random bytes, 128 bits.
    with mock.patch.object(models.secrets, "token_hex", wraps=models.secrets.token_hex) as token_hex:
        nonce = models.new_pickup_nonce()
    token_hex.assert_called_once_with(16)
    assert len(nonce) == 32 and int(nonce, 16) >= 0


def test_codes_spread_evenly_over_the_digits(settings):
    # given 5000 orders' nonces under a fixed server secret
    settings.SECRET_KEY = "a-fixed-secret-for-this-test"
    codes = [pickup_code_for(SimpleNamespace(pickup_nonce=f"{n:032x}")) for n in range(5000)]
    # then no code repeats and every digit position is near uniform (500 each, ±30%)
    assert len(set(codes)) == len(codes)
    for position in range(CODE_DIGITS):
        counts = Counter(code[position] for code in codes)
        assert set(counts) == set("0123456789") and all(350 <= c <= 650 for c in counts.values()), (position, counts)


def test_the_database_holds_no_code(on_shelf):
    # given a parcel on the shelf with its code
    parcel, code = on_shelf()
    # then neither the parcel's nor the order's row contains the code; the parcel holds a keyed hash
    rows = [*Parcel.objects.filter(pk=parcel.pk).values(), *Order.objects.filter(pk=parcel.order_id).values()]
    assert code not in str(rows)
    assert parcel.pickup_code_hash and len(parcel.pickup_code_hash) == 64


def test_a_handed_over_parcels_code_opens_nothing(on_shelf, store, clerk):
    # given a parcel handed over with its code
    parcel, code = on_shelf()
    handover_confirm(code=code, store=store, clerk=clerk, tracking_numbers=[parcel.tracking_number], cash_received=True)
    # when the same code is tried again, alone or with the tracking number
    for kwargs in ({}, {"tracking_number": parcel.tracking_number}):
        with pytest.raises(DomainError) as refused:
            handover_open(code=code, store=store, clerk=clerk, **kwargs)
        # then nothing opens
        assert refused.value.code in (Reason.NO_MATCH, Reason.NOT_ON_SHELF)
    with pytest.raises(DomainError):
        handover_confirm(
            code=code, store=store, clerk=clerk, tracking_numbers=[parcel.tracking_number], cash_received=True
        )
    assert parcel.events.filter(to_status=Parcel.Status.PICKED_UP).count() == 1
