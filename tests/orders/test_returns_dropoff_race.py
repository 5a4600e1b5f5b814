"""Concurrent drop-off scans of one return code (a double-triggered scanner, two clerks): one event.

The rival is injected at a named point, right after the scan has read the return by its code
(`returns_dropoff._return_by_code`), and runs on its own connection, so it commits while the first
scan holds a stale read; then the threads test lets PostgreSQL's row locks decide between real
concurrent transactions. SQLite runs one writer at a time, so those races cannot happen there.
"""

from collections import Counter

import pytest
from django.db import connection

from orders.models import Parcel, ReturnRequest
from orders.services import returns_dropoff
from orders.services.counter import CounterRefusal
from orders.services.returns_dropoff import DropoffReason, return_dropoff, return_request_start
from tests.dc.test_concurrency import in_other_thread
from tests.factories import make_clerk
from tests.orders.test_counter_concurrency import codes, race

S = Parcel.Status
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writer at a time: the race cannot happen there"
    ),
]


@pytest.fixture
def return_code(make_parcel):
    parcel = make_parcel("picked_up")
    return parcel, return_request_start(parcel=parcel, source="shopper", actor_label="shopper").code


def test_a_rival_scan_committed_after_the_code_was_read_wins_and_the_first_is_told_the_code_is_used(
    return_code, store, clerk, other_store, monkeypatch
):
    # given a rival clerk at another store whose scan of the same code commits right after ours read it
    parcel, code = return_code
    rival_clerk = make_clerk(other_store, "clerk_rival")
    read = returns_dropoff._return_by_code
    rival = {}

    def read_then_rival(scanned):
        found = read(scanned)
        if "result" not in rival:
            rival["result"] = None  # the rival's own read passes through
            rival.update(in_other_thread(lambda: return_dropoff(code=code, store=other_store, clerk=rival_clerk)))
        return found

    monkeypatch.setattr(returns_dropoff, "_return_by_code", read_then_rival)
    # when
    with pytest.raises(CounterRefusal) as refused:
        return_dropoff(code=code, store=store, clerk=clerk)
    # then the rival's drop-off stands, ours changed nothing and said where the parcel went
    assert rival["result"].slot == 1
    assert refused.value.code == DropoffReason.ALREADY_DROPPED_OFF
    assert "dropped off at Store B" in refused.value.message
    parcel.refresh_from_db()
    assert (parcel.status, parcel.shelf_store, parcel.shelf_slot) == (S.RETURN_AT_STORE, other_store, 1)
    assert parcel.events.filter(to_status=S.RETURN_AT_STORE).count() == 1
    assert ReturnRequest.objects.get().dropped_off_store == other_store


def test_four_scans_at_once_make_one_event_and_take_one_slot(return_code, store, clerk):
    # given one code scanned four times at the same moment
    parcel, code = return_code
    results = race(4, lambda i: return_dropoff(code=code, store=store, clerk=clerk))
    # then
    assert codes(results) == Counter({"ok": 1, DropoffReason.ALREADY_DROPPED_OFF: 3})
    assert {r.slot for r in results} == {1}
    assert parcel.events.filter(to_status=S.RETURN_AT_STORE).count() == 1
    assert Parcel.objects.filter(shelf_store=store).count() == 1
