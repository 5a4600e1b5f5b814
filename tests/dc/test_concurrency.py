"""Two dock staff scanning the same parcel at once, on PostgreSQL with real transactions.

The rival's call is injected at a named point: just before the intake writes through the lifecycle
gate, after both have read the parcel as `created`. The gate's compare-and-swap lets one through.
SQLite runs one writer at a time, so the interleaving cannot happen there.
"""

import threading
from unittest import mock

import pytest
from django.db import connection

from dc.services import intake
from dc.services.loading import parcel_load
from dc.services.scanning import DockRefusal, Reason
from orders.lifecycle import parcel_transition
from orders.models import Parcel, ParcelEvent
from routing.models import PlanParcel
from tests.dc.conftest import make_dock

S = Parcel.Status
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writer at a time: the race cannot happen there"
    ),
]


def in_other_thread(action):
    """Run `action` on its own connection and return what it returned or raised."""
    outcome = {}

    def run():
        try:
            outcome["result"] = action()
        except Exception as error:
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return outcome


def test_two_intake_scans_of_one_parcel_make_one_event(dc, dock, make_parcel):
    # given a parcel waiting for intake and a second dock hand
    parcel = make_parcel("created")
    rival = make_dock(dc, "dock_rival")
    rival_outcome = {}
    injected = []

    def gate_after_rival(**kwargs):
        # when the rival's whole scan lands between our read and our write (once: the rival's own call
        # passes through this same patched name and goes straight to the gate)
        if not injected:
            injected.append(True)
            rival_outcome.update(
                in_other_thread(lambda: intake.parcel_intake(parcel_code=parcel.tracking_number, dc=dc, user=rival))
            )
        return parcel_transition(**kwargs)

    with mock.patch.object(intake, "parcel_transition", side_effect=gate_after_rival):
        with pytest.raises(DockRefusal) as ours:
            intake.parcel_intake(parcel_code=parcel.tracking_number, dc=dc, user=dock)
    # then the rival took it in, we are told when and by whom, and there is one event
    assert rival_outcome["result"].outcome == "received"
    assert ours.value.code == Reason.ALREADY_RECEIVED and "dock_rival" in ours.value.message
    assert parcel.events.filter(to_status=S.AT_DC).count() == 1


def test_two_loading_scans_of_one_parcel_load_it_once(dc, dock, approved_plan):
    route1, _route2, parcels = approved_plan
    parcel = parcels[(1, 1)][0]
    rival = make_dock(dc, "dock_rival")
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def scan(i, user):
        try:
            barrier.wait()
            outcomes[i] = parcel_load(parcel_code=parcel.tracking_number, route=route1, dc=dc, user=user)
        except DockRefusal as refusal:
            outcomes[i] = refusal
        finally:
            connection.close()

    threads = [threading.Thread(target=scan, args=(i, user)) for i, user in enumerate((dock, rival))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    refusals = [o for o in outcomes if isinstance(o, DockRefusal)]
    assert len(refusals) == 1 and refusals[0].code == Reason.ALREADY_LOADED
    assert PlanParcel.objects.filter(parcel=parcel, loaded_at__isnull=False).count() == 1
    assert parcel.events.filter(type=ParcelEvent.Type.LOADED).count() == 1
