"""A Hypothesis state machine drives random sequences of lifecycle operations through the real services
and checks the lifecycle's invariants after every step.

Operations: receive at the DC, plan, unplan and dispatch (through the gate, as the routing services do),
scan in and return scan-out at the counter, handover with the pickup code, expire overdue parcels with
the clock moved forward, cancel through the ordering service, and receive a return at the DC. A refused
operation must leave the parcel as it was; an accepted one must be a legal move with exactly one event.
"""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from core.errors import DomainError
from orders.lifecycle import TRANSITIONS, parcel_transition
from orders.models import Parcel, ParcelEvent
from orders.pickup_codes import pickup_code_for
from orders.services.counter import handover_confirm, parcel_return_scan_out, parcel_scan_in, parcels_expire_overdue
from orders.services.ordering import order_cancel
from tests.factories import MerchantFactory, ParcelFactory, StoreFactory, make_clerk

S = Parcel.Status
PARCELS = 3
SLOTS = 2  # fewer slots than parcels, so a full shelf and slot reuse happen too
parcel_index = st.integers(min_value=0, max_value=PARCELS - 1)


class ParcelLifecycle(RuleBasedStateMachine):
    reached: set[str] = set()  # every status seen over all examples, so the test knows the walk went deep

    def __init__(self):
        super().__init__()
        # Each example runs in its own savepoint, rolled back in teardown: examples do not see each other.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.store = StoreFactory(code="M001", slot_capacity=SLOTS)
        self.clerk = make_clerk(self.store, "model_clerk")
        merchant = MerchantFactory(code="MODEL")
        self.ids = [ParcelFactory(order__pickup_store=self.store, order__merchant=merchant).pk for _ in range(PARCELS)]
        self.changes = dict.fromkeys(self.ids, 0)
        self.clock = timezone.now()

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _parcel(self, i: int, prefer: frozenset[str] = frozenset()) -> Parcel:
        """Parcel i, or when some parcel is in a `prefer`red status, one of those: a uniform pick would
        rarely walk one parcel far enough to reach the shelf, and refusals are exercised either way."""
        parcels = list(Parcel.objects.select_related("order").filter(pk__in=self.ids).order_by("pk"))
        preferred = [p for p in parcels if p.status in prefer]
        return preferred[i % len(preferred)] if preferred else parcels[i]

    def _apply(
        self, i: int, operation, *, prefer: frozenset[str] = frozenset(), legal_from: frozenset[str] | None = None
    ):
        """Run `operation` on a parcel; refused means unchanged, accepted means one legal move."""
        parcel = self._parcel(i, prefer)
        before = parcel.status
        try:
            operation(parcel)
        except DomainError:
            after = Parcel.objects.get(pk=parcel.pk).status
            assert after == before, f"a refused operation changed {before} to {after}"
            assert legal_from is None or before not in legal_from, f"refused although {before} allows it"
            return
        after = Parcel.objects.get(pk=parcel.pk).status
        assert legal_from is None or before in legal_from, f"accepted from {before}"
        if after != before:
            assert after in TRANSITIONS[before], f"illegal {before} -> {after}"
            self.changes[parcel.pk] += 1

    def _gate(self, to: str):
        return lambda parcel: parcel_transition(parcel=parcel, to=to, actor_label="model")

    @initialize(depths=st.lists(st.integers(min_value=0, max_value=6), min_size=PARCELS, max_size=PARCELS))
    def start_along_the_way(self, depths):
        """Start each parcel somewhere between created and the return trip, moved there by the same
        operations, so the random steps begin at every stage and not only at the start: a random walk of
        one example rarely takes a parcel the whole way from created to returned."""
        steps = [self.receive_at_dc, self.plan, self.dispatch, self.scan_in, self._expire_one, self.return_scan_out]
        for i, depth in enumerate(depths):
            for step in steps[:depth]:
                step(i)

    def _expire_one(self, i):
        """The gate move the expiry job makes, for one parcel: the job (the expire_overdue rule) expires
        every overdue parcel at once, which would take the others off the shelf too."""
        self._apply(i, self._gate(S.EXPIRED), prefer=frozenset({S.AT_STORE}), legal_from=frozenset({S.AT_STORE}))

    @rule(i=parcel_index)
    def receive_at_dc(self, i):
        self._apply(i, self._gate(S.AT_DC), prefer=frozenset({S.CREATED}), legal_from=_into(S.AT_DC))

    @rule(i=parcel_index)
    def plan(self, i):
        self._apply(i, self._gate(S.PLANNED), prefer=frozenset({S.AT_DC}), legal_from=frozenset({S.AT_DC}))

    @rule(i=parcel_index)
    def dispatch(self, i):
        self._apply(i, self._gate(S.IN_TRANSIT), prefer=frozenset({S.PLANNED}), legal_from=frozenset({S.PLANNED}))

    # Any target but the shelf: arrival is the counter's move (scan_in), which hands the gate the shelf
    # slot it chose; the gate leaves that choice to its caller. Illegal arrivals are refused in test_lifecycle.
    @rule(i=parcel_index, to=st.sampled_from([status for status in S if status != S.AT_STORE]))
    def any_move_through_the_gate(self, i, to):
        self._apply(i, self._gate(to), legal_from=_into(to))

    @rule(i=parcel_index)
    def scan_in(self, i):
        self._apply(
            i,
            lambda p: parcel_scan_in(code=p.tracking_number, store=self.store, clerk=self.clerk),
            prefer=frozenset({S.IN_TRANSIT}),
        )

    @rule(i=parcel_index, wrong=st.booleans())
    def handover(self, i, wrong):
        def hand_over(parcel):
            code = pickup_code_for(parcel.order)
            if wrong:
                code = str((int(code) + 1) % 10 ** len(code)).zfill(len(code))
            handover_confirm(
                code=code,
                store=self.store,
                clerk=self.clerk,
                tracking_numbers=[parcel.tracking_number],
                cash_received=True,
            )

        self._apply(i, hand_over, prefer=frozenset({S.AT_STORE}))

    @rule(days=st.integers(min_value=0, max_value=9))
    def expire_overdue(self, days):
        self.clock += timedelta(days=days)
        before = dict(Parcel.objects.filter(pk__in=self.ids).values_list("pk", "status"))
        parcels_expire_overdue(now=self.clock)
        for pk, status in Parcel.objects.filter(pk__in=self.ids).values_list("pk", "status"):
            if status != before[pk]:
                assert (before[pk], status) == (S.AT_STORE, S.EXPIRED)
                self.changes[pk] += 1

    @rule(i=parcel_index)
    def cancel(self, i):
        # Cancelling twice is a no-op by design, so an already cancelled order is accepted unchanged.
        self._apply(
            i,
            lambda p: order_cancel(order=p.order, actor_label="merchant:MODEL"),
            legal_from=frozenset({S.CREATED, S.AT_DC, S.PLANNED, S.CANCELLED}),
        )

    @rule(i=parcel_index)
    def return_scan_out(self, i):
        self._apply(
            i,
            lambda p: parcel_return_scan_out(code=p.tracking_number, store=self.store, clerk=self.clerk),
            prefer=frozenset({S.EXPIRED}),
            legal_from=frozenset({S.EXPIRED}),
        )

    @rule(i=parcel_index)
    def return_scanned_at_dc(self, i):
        self._apply(
            i,
            self._gate(S.AT_DC_FOR_RETURN),
            prefer=frozenset({S.RETURN_IN_TRANSIT}),
            legal_from=_into(S.AT_DC_FOR_RETURN),
        )

    @rule(i=parcel_index)
    def handed_to_merchant(self, i):
        self._apply(
            i,
            self._gate(S.RETURNED),
            prefer=frozenset({S.AT_DC_FOR_RETURN}),
            legal_from=frozenset({S.AT_DC_FOR_RETURN}),
        )

    @invariant()
    def history_is_legal_with_one_event_per_change(self):
        for pk in self.ids:
            moves = list(
                ParcelEvent.objects.filter(parcel_id=pk, type=ParcelEvent.Type.STATUS)
                .order_by("seq")
                .values_list("from_status", "to_status")
            )
            assert moves[0] == ("", S.CREATED)
            for (_f, previous), (start, end) in pairwise(moves):
                assert start == previous and end in TRANSITIONS[start], moves
            assert len(moves) - 1 == self.changes[pk]
            assert moves[-1][1] == Parcel.objects.get(pk=pk).status

    @invariant()
    def shelf_and_hold_match_the_status(self):
        rows = list(
            Parcel.objects.filter(pk__in=self.ids).values("status", "shelf_store_id", "shelf_slot", "hold_deadline")
        )
        ParcelLifecycle.reached.update(row["status"] for row in rows)
        for row in rows:
            on_shelf = row["status"] in (S.AT_STORE, S.EXPIRED)
            assert (row["shelf_slot"] is not None) == on_shelf == (row["shelf_store_id"] is not None), row
            assert (row["hold_deadline"] is not None) == (row["status"] == S.AT_STORE), row
        slots = [(row["shelf_store_id"], row["shelf_slot"]) for row in rows if row["shelf_slot"] is not None]
        assert len(slots) == len(set(slots)), "a shelf slot holds two parcels"
        assert all(1 <= slot <= SLOTS for _store, slot in slots)


def _into(target: str) -> frozenset[str]:
    """The statuses the table lets a parcel leave for `target`."""
    return frozenset(status for status, targets in TRANSITIONS.items() if target in targets)


@pytest.mark.django_db
def test_random_lifecycles_keep_the_invariants():
    ParcelLifecycle.reached.clear()
    run_state_machine_as_test(
        ParcelLifecycle,
        settings=settings(
            max_examples=30,
            stateful_step_count=40,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # The walks went all the way: to the shelf, to the shopper, and back to the DC.
    assert ParcelLifecycle.reached >= {
        S.AT_STORE,
        S.PICKED_UP,
        S.EXPIRED,
        S.RETURN_IN_TRANSIT,
        S.AT_DC_FOR_RETURN,
        S.RETURNED,
        S.CANCELLED,
    }, ParcelLifecycle.reached
