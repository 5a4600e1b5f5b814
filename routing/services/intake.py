"""Which deliveries at the DC a run takes, and which it holds back (with the reason):

1. a parcel whose shopper chose a later pickup day waits for the run of that day (stores receive
   every day, so the delivery day that lands it on or just before the day is the day itself); one
   wanted as soon as possible never waits, and ranks by the first day it could have arrived;
2. cold goods wait while the solver cannot route them in compartments;
3. no store gets more deliveries than its forecast free slots on arrival (the locator's forecast),
   earliest pickup day first;
4. when a region's vehicles cannot carry everything, the latest pickup days are deferred first and
   the shopper is told (a `deferred` event on the parcel).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from orders.capacity import cold_slots_free
from orders.lifecycle import parcel_record_event
from orders.models import Parcel, ParcelEvent
from routing.models import BatchRun, HeldParcel
from stores.locator import expected_arrival_day, free_capacity
from stores.models import Store, TemperatureClass, Vehicle

Reason = HeldParcel.Reason
ACTOR = "route planning"


@dataclass(frozen=True)
class Delivery:
    parcel_id: int
    store_id: int
    region_id: int
    volume_units: int
    weight_g: int
    temperature_class: str
    pickup_day: date
    # The shopper chose the day (rather than as soon as possible): only such a parcel waits for it.
    chosen: bool

    @property
    def priority(self) -> tuple:
        """Sort key, most urgent first: earliest pickup day, then the oldest parcel."""
        return (self.pickup_day, self.parcel_id)


def pickup_day_of(preferred: date | None, created_at: datetime) -> date:
    """The day the shopper expects to collect: the chosen day, or (as soon as possible) the first
    day the order could reach a store."""
    return preferred or expected_arrival_day(created_at)


def deliveries_at_dc(run: BatchRun, ready) -> list[Delivery]:
    # Sandbox orders (test keys) never reach a batch: their parcels move only by the sandbox's advance call.
    rows = Parcel.objects.filter(
        ready, status=Parcel.Status.AT_DC, order__pickup_store__region__dc=run.dc, order__livemode=True
    ).values_list(
        "pk",
        "order__pickup_store_id",
        "order__pickup_store__region_id",
        "volume_units",
        "weight_g",
        "temperature_class",
        "order__preferred_pickup_day",
        "order__created_at",
    )
    return [
        Delivery(pk, store, region, volume, weight, temp, pickup_day_of(day, created), chosen=day is not None)
        for pk, store, region, volume, weight, temp, day, created in rows
    ]


def select_deliveries(run: BatchRun, deliveries: list[Delivery]) -> tuple[list[Delivery], dict[int, str]]:
    """(deliveries the run plans, {parcel id: reason} for those it holds back), steps 1–3."""
    held: dict[int, str] = {}
    kept = []
    for delivery in deliveries:
        if delivery.chosen and delivery.pickup_day > run.plan_date:
            held[delivery.parcel_id] = Reason.WAITING_FOR_PICKUP_DAY
        else:
            kept.append(delivery)
    stores = Store.objects.in_bulk({d.store_id for d in kept})
    free = free_capacity(stores=list(stores.values()), day=run.plan_date) if stores else {}
    by_store: dict[tuple[int, str], list[Delivery]] = defaultdict(list)
    for delivery in kept:
        by_store[(delivery.store_id, delivery.temperature_class)].append(delivery)
    taken = []
    for (store_id, temperature_class), group in by_store.items():
        store = stores[store_id]
        room = (
            free[store_id]
            if temperature_class == TemperatureClass.AMBIENT
            else cold_slots_free(store=store, temperature_class=temperature_class)
        )
        group.sort(key=lambda d: d.priority)
        taken += group[: max(room, 0)]
        held.update(dict.fromkeys((d.parcel_id for d in group[max(room, 0) :]), Reason.STORE_FULL))
    return taken, held


def fit_fleets(
    deliveries: Iterable[Delivery], fleets: Mapping[int, list[Vehicle]]
) -> tuple[list[Delivery], list[Delivery]]:
    """(kept, deferred): per region and compartment, the deliveries with the latest pickup days are
    deferred until the rest fit in the region's vehicles' combined space. That is necessary, not
    sufficient: the solver still reports a stop it cannot fit into any one route as unserved."""
    by_region: dict[int, list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        by_region[delivery.region_id].append(delivery)
    kept, deferred = [], []
    for region_id, group in by_region.items():
        fleet = fleets.get(region_id, [])
        capacity = {
            TemperatureClass.AMBIENT: sum(v.volume_capacity for v in fleet),
            TemperatureClass.CHILLED: sum(v.chilled_volume_capacity for v in fleet),
            TemperatureClass.FROZEN: sum(v.frozen_volume_capacity for v in fleet),
        }
        if not fleet:
            # No vehicle at all is the solver's to report (per stop, "no vehicle available"), not a deferral.
            kept += group
            continue
        for temperature_class in TemperatureClass.values:
            loaded = 0.0
            for delivery in sorted(
                (d for d in group if d.temperature_class == temperature_class), key=lambda d: d.priority
            ):
                if loaded + delivery.volume_units <= capacity[temperature_class]:
                    loaded += delivery.volume_units
                    kept.append(delivery)
                else:
                    deferred.append(delivery)
    return kept, deferred


def held_record(*, run: BatchRun, held: Mapping[int, str], deliveries: Iterable[Delivery]) -> None:
    """Write the run's held-back parcels; tell each deferred parcel's shopper (waiting for the chosen
    day is what the shopper asked for, and needs no message)."""
    by_id = {d.parcel_id: d for d in deliveries}
    HeldParcel.objects.bulk_create(
        (
            HeldParcel(
                run=run,
                region_id=by_id[pk].region_id,
                parcel_id=pk,
                store_id=by_id[pk].store_id,
                reason=reason,
                pickup_day=by_id[pk].pickup_day,
            )
            for pk, reason in held.items()
        ),
        batch_size=2000,
    )
    for pk, reason in held.items():
        if reason in (Reason.FLEET_FULL, Reason.STORE_FULL):
            parcel = Parcel(pk=pk)
            parcel_record_event(
                parcel=parcel,
                type=ParcelEvent.Type.DEFERRED,
                actor_label=ACTOR,
                details={
                    "run": run.pk,
                    "reason": reason,
                    "plan_date": run.plan_date.isoformat(),
                    "text": str(Reason(reason).label),
                },
            )
