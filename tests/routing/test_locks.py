"""Routing's locks: a region plan's lock holds its run too, which serialises changes across one day's regions."""

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from routing.locks import lock_region_plan, lock_run
from routing.models import BatchRun


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused_even_on_sqlite(planned_run):
    rp = planned_run.region_plans.first()

    with pytest.raises(RuntimeError, match="needs a transaction"):
        lock_region_plan(rp.pk)
    with pytest.raises(RuntimeError, match="needs a transaction"):
        lock_run(planned_run.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_locking_a_region_plan_locks_its_run(planned_run):
    # given one region plan of the run locked by this transaction
    rp = planned_run.region_plans.first()
    outcome = []

    def try_the_run():
        try:
            with transaction.atomic():
                BatchRun.objects.select_for_update(nowait=True).get(pk=planned_run.pk)
            outcome.append("taken")
        except DatabaseError:
            outcome.append("held")
        finally:
            connection.close()

    # when another connection tries the run's row without waiting
    with transaction.atomic():
        lock_region_plan(rp.pk)
        rival = threading.Thread(target=try_the_run)
        rival.start()
        rival.join()

    # then it is held: a planner editing another region of the same day waits for this one
    assert outcome == ["held"]
