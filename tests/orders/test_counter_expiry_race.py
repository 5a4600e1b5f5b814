"""The hourly expiry job against a handover that commits while it runs, with the rival injected at a named
point: right after the job has read the overdue ids (`parcels_overdue_ids`)."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from orders.models import Parcel
from orders.services import counter
from orders.services.counter import handover_confirm, parcels_expire_overdue

S = Parcel.Status
LONG_AGO = datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def overdue(on_shelf):
    """Three overdue parcels of three orders: (parcel, pickup code) each."""
    made = [on_shelf() for _ in range(3)]
    Parcel.objects.filter(pk__in=[p.pk for p, _ in made]).update(hold_deadline=LONG_AGO)
    return made


def inject_after_ids_read(monkeypatch, rival):
    """Run `rival()` once, right after the expiry job has read the overdue ids."""
    read = counter.parcels_overdue_ids

    def ids_then_rival(**kwargs):
        ids = read(**kwargs)
        rival()
        return ids

    monkeypatch.setattr(counter, "parcels_overdue_ids", ids_then_rival)


def assert_middle_handed_over_and_the_others_expired(overdue, expired_count):
    (first, _), (middle, _), (last, _) = overdue
    assert expired_count == 2
    statuses = dict(Parcel.objects.filter(pk__in=[first.pk, middle.pk, last.pk]).values_list("pk", "status"))
    assert statuses == {first.pk: S.EXPIRED, middle.pk: S.PICKED_UP, last.pk: S.EXPIRED}
    assert middle.events.filter(to_status=S.EXPIRED).count() == 0


def test_a_handover_committed_after_the_ids_query_is_skipped(overdue, store, clerk, monkeypatch):
    # given a handover of the middle parcel that lands right after the job read the ids
    middle, code = overdue[1]
    inject_after_ids_read(
        monkeypatch,
        lambda: handover_confirm(
            code=code, store=store, clerk=clerk, tracking_numbers=[middle.tracking_number], cash_received=True
        ),
    )
    # when
    expired = parcels_expire_overdue()
    # then the job neither crashes nor stops: the parcel handed over stays so, the others expire
    assert_middle_handed_over_and_the_others_expired(overdue, expired)


def test_one_parcels_failure_does_not_stop_the_job(overdue, monkeypatch, caplog):
    # given a gate that fails for the first overdue parcel with an error that is not a refusal
    (first, _), *_ = overdue
    gate = counter.parcel_transition

    def failing_for_first(*, parcel, **kwargs):
        if parcel.pk == first.pk:
            raise RuntimeError("disk full")
        return gate(parcel=parcel, **kwargs)

    monkeypatch.setattr(counter, "parcel_transition", failing_for_first)
    # when
    expired = parcels_expire_overdue()
    # then the others expire and the failure is logged with the parcel
    assert expired == 2
    assert Parcel.objects.get(pk=first.pk).status == S.AT_STORE
    assert Parcel.objects.filter(pk__in=[p.pk for p, _ in overdue[1:]], status=S.EXPIRED).count() == 2
    assert f"expiry of parcel {first.pk} failed" in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the rival commits from its own connection")
def test_a_handover_committed_from_another_connection_after_the_ids_query_is_skipped(
    overdue, store, clerk, monkeypatch
):
    # given a clerk's handover committed by another connection right after the job read the ids
    middle, code = overdue[1]
    failures = []

    def rival_clerk():
        try:
            handover_confirm(
                code=code, store=store, clerk=clerk, tracking_numbers=[middle.tracking_number], cash_received=True
            )
        except Exception as error:  # surfaced by the assertion below
            failures.append(error)
        finally:
            connection.close()

    def rival():
        thread = threading.Thread(target=rival_clerk)
        thread.start()
        thread.join(30)

    inject_after_ids_read(monkeypatch, rival)
    # when
    expired = parcels_expire_overdue()
    # then
    assert failures == []
    assert_middle_handed_over_and_the_others_expired(overdue, expired)
