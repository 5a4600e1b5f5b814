"""The route engine's reasons in the planner's words.

The engine (no Django) names vehicles and stops by their ids and speaks English; the planner knows a
route as the page shows it ("Route 1 – VAN-02"), a store by its code and name, and reads the page in
English or zh-Hant. Each engine sentence has a pattern here and a translated sentence; anything not
recognised keeps its wording with every id replaced by the name the page uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from routing import engine
from routing.models import PlannedRoute, RegionPlan
from routing.services.plans import REASON_NO_VEHICLES
from stores.models import Store, Vehicle

_VEHICLE = re.compile(r"\bvehicle (\d+)")
_STOP = re.compile(r"\bstop (\d+)")


@dataclass(frozen=True)
class PlanNames:
    """Engine ids to page names: a vehicle by its route ("Route 1 – VAN-02") or, without one, its name."""

    vehicles: dict[str, str]
    stores: dict[str, str]

    def vehicle(self, key: str) -> str:
        return self.vehicles.get(key, key)

    def store(self, key: str) -> str:
        return self.stores.get(key, key)


NO_NAMES = PlanNames(vehicles={}, stores={})


def route_label(route: PlannedRoute) -> str:
    """A route as the region page heads it."""
    return _("Route %(n)s – %(vehicle)s") % {"n": route.number, "vehicle": route.vehicle.name}


def plan_names(region_plan: RegionPlan, messages: Iterable[str]) -> PlanNames:
    """The names of the vehicles and stores `messages` mention, as `region_plan`'s page shows them."""
    texts = list(messages)
    vehicle_ids = {int(m) for text in texts for m in _VEHICLE.findall(text)}
    store_ids = {int(m) for text in texts for m in _STOP.findall(text)}
    vehicles = {str(v.pk): v.name for v in Vehicle.objects.filter(pk__in=vehicle_ids)}
    vehicles.update(
        (str(r.vehicle_id), route_label(r))
        for r in PlannedRoute.objects.filter(region_plan=region_plan, vehicle_id__in=vehicle_ids).select_related(
            "vehicle"
        )
    )
    stores = {str(s.pk): f"{s.code} {s.name}" for s in Store.objects.filter(pk__in=store_ids)}
    return PlanNames(vehicles=vehicles, stores=stores)


def _why_not_drivable(names: PlanNames) -> list[tuple[re.Pattern, Callable[[re.Match], str]]]:
    """Why a route cannot be driven in its order (routing.engine.schedule.drive)."""
    return [
        (
            re.compile(r"arrives at stop (\d+) at (\S+), after its window closes at (\S+)"),
            lambda m: (
                _("it arrives at %(store)s at %(arrival)s, after the store stops receiving at %(closes)s")
                % {"store": names.store(m[1]), "arrival": m[2], "closes": m[3]}
            ),
        ),
        (
            re.compile(r"over capacity of vehicle \d+ before stop (\d+) \((.+?)\)"),
            lambda m: (
                _("it is over capacity before %(store)s (%(loads)s)") % {"store": names.store(m[1]), "loads": m[2]}
            ),
        ),
        (
            re.compile(r"over capacity of vehicle \d+ on the way back \((.+?)\)"),
            lambda m: _("it is over capacity on the way back (%(loads)s)") % {"loads": m[1]},
        ),
        (
            re.compile(r"back at the depot at (\S+), after (\S+)"),
            lambda m: (
                _("it is back at the DC at %(back)s, after %(latest)s (the driver's shift or the DC's hours)")
                % {"back": m[1], "latest": m[2]}
            ),
        ),
        (
            re.compile(r"no road route to stop (\d+)"),
            lambda m: _("there is no road to %(store)s") % {"store": names.store(m[1])},
        ),
        (re.compile(r"no road route back to the depot"), lambda m: _("there is no road back to the DC")),
        (
            re.compile(r"chilled/frozen goods on board longer than (\d+) min, for stop (\d+)"),
            lambda m: (
                _("chilled or frozen goods for %(store)s would ride longer than %(minutes)s min")
                % {"store": names.store(m[2]), "minutes": m[1]}
            ),
        ),
    ]


def _unserved_reasons() -> list[tuple[str, str]]:
    """Why a stop is left unserved (the engine's REASON_* constants), each possibly followed by details."""
    return [
        (engine.REASON_NO_VEHICLE, _("no vehicle is available (none given, or no shift overlaps the DC's hours)")),
        (engine.REASON_OVER_CAPACITY, _("its load is more than any vehicle can carry")),
        (engine.REASON_NO_COMPARTMENT, _("no vehicle has a big enough chilled or frozen compartment")),
        (engine.REASON_COLD_RIDE, _("its chilled or frozen goods would ride too long, even on a route of its own")),
        (engine.REASON_NO_ROAD, _("there is no road between the DC and the store")),
        (engine.REASON_WINDOW, _("its receiving hours cannot be reached within any vehicle's shift")),
        (engine.REASON_SHIFT, _("it cannot be served and the vehicle back at the DC within any shift")),
        (engine.REASON_FLEET_FULL, _("the available vehicles have no room or time left")),
        (engine.REASON_NO_SOLUTION, _("the search found no plan within its time limit")),
        (REASON_NO_VEHICLES, _("no vehicle is available in this region")),
    ]


def reason_text(message: str, names: PlanNames, *, moving: bool = False) -> str:
    """One engine or checker message in the page's words. `moving`: the message is about a stop move
    being checked, whose routes the engine drives as locked in their new order."""
    locked = re.search(r"locked route of vehicle (\d+) cannot be driven: (.+?)\.?$", message)
    if locked:
        found = [say(m) for pattern, say in _why_not_drivable(names) if (m := pattern.search(locked[2]))]
        why = found[0] if found else _ids_named(locked[2], names)
        said = (
            _("%(route)s cannot be driven in this order: %(why)s.")
            if moving
            else _("%(route)s is locked and cannot be driven as it is: %(why)s.")
        )
        return said % {"route": names.vehicle(locked[1]), "why": why}
    shiftless = re.search(r"locked route of vehicle (\d+): its shift misses the depot's hours", message)
    if shiftless:
        return _("%(route)s is locked, but its vehicle's shift misses the DC's opening hours.") % {
            "route": names.vehicle(shiftless[1])
        }
    for pattern, say in _why_not_drivable(names):
        found = pattern.fullmatch(message)
        if found:
            return say(found)
    for reason, said in _unserved_reasons():
        if message.startswith(reason):
            details = message[len(reason) :].strip()
            return f"{said} {_ids_named(details, names)}" if details else said
    return _ids_named(message, names)


def _ids_named(message: str, names: PlanNames) -> str:
    message = _VEHICLE.sub(lambda m: names.vehicle(m[1]), message)
    return _STOP.sub(lambda m: names.store(m[1]), message)


def failure_text(region_plan: RegionPlan) -> str:
    """Why the region's last solve failed, in the page's words: the engine's reason is found inside the
    recorded failure (which wraps it) and said again."""
    error = region_plan.error
    names = plan_names(region_plan, [error])
    locked = re.search(r"locked route of vehicle \d+.*", error)
    if locked:
        return _("The region cannot be planned: %(reason)s") % {"reason": reason_text(locked[0], names)}
    return _ids_named(error, names)


def locked_vehicle(region_plan: RegionPlan) -> int | None:
    """The vehicle whose locked route made the region's last solve fail, if that was the reason."""
    found = re.search(r"locked route of vehicle (\d+)", region_plan.error)
    return int(found[1]) if found else None


def reasons_text(region_plan: RegionPlan, messages: list[str], *, moving: bool = False) -> list[str]:
    """Several engine messages about one region plan, each in the page's words."""
    names = plan_names(region_plan, messages)
    return [reason_text(m, names, moving=moving) for m in messages]
