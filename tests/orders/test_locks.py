"""The lock module: every row lock is taken there, inside a transaction, in the stated order."""

import re
from pathlib import Path

import pytest
from django.db import transaction

from orders.locks import lock_order, lock_parcel, lock_parcels, lock_store
from tests.factories import ParcelFactory

APPS = ("core", "stores", "orders", "routing", "dc", "insight", "pickup")
ROOT = Path(__file__).resolve().parents[2]


def test_row_locks_are_taken_only_in_the_lock_modules():
    # given every Python module of our apps
    sources = [path for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]

    # when looking for row locks outside a `locks.py`
    stray = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sources
        if path.name != "locks.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\bselect_for_update\(", line)
    ]

    # then there are none: a lock taken elsewhere would escape the stated order
    assert sources and not stray, stray


# A test's own transaction would hide the mistake, so this one runs outside any.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["order", "store", "parcel", "parcels"])
def test_a_lock_outside_a_transaction_is_refused_even_on_sqlite(kind):
    # given a parcel, its order and its store, and no transaction open
    parcel = ParcelFactory()
    take = {
        "order": lambda: lock_order(parcel.order_id),
        "store": lambda: lock_store(parcel.order.pickup_store_id),
        "parcel": lambda: lock_parcel(parcel.pk),
        "parcels": lambda: lock_parcels([parcel.pk]),
    }[kind]

    # when / then: the lock would end with its own statement, so it is refused
    with pytest.raises(RuntimeError, match="needs a transaction"):
        take()


@pytest.mark.django_db
def test_parcels_are_locked_and_returned_in_id_order_and_missing_ids_are_skipped():
    # given three parcels, asked for out of order, with one id that does not exist
    parcels = [ParcelFactory() for _ in range(3)]
    wanted = [parcels[2].pk, 10**9, parcels[0].pk, parcels[1].pk]

    # when
    with transaction.atomic():
        locked = lock_parcels(iter(wanted), related=["order__merchant"])

    # then
    assert [p.pk for p in locked] == sorted(p.pk for p in parcels)
    assert locked[0].order.merchant == parcels[0].order.merchant


@pytest.mark.django_db
def test_a_parcel_locked_with_a_few_fields_reads_only_those():
    parcel = ParcelFactory()

    with transaction.atomic():
        row = lock_parcel(parcel.pk, fields=["failed_code_attempts"])

    assert row.get_deferred_fields() >= {"status", "tracking_number"} and row.failed_code_attempts == 0
