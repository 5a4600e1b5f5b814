"""The daily batch and its plans: one run per DC and day, a plan per region, routes, stops, parcels.

Times of day on routes and stops are seconds since midnight of the plan day in the DC's time zone,
as the solver gives them (a route may run past midnight, so they can exceed 86 400).
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Parcel
from stores.models import DistributionCenter, Region, Store, Vehicle

# Bounds of the travel-time factor a planner may set: slower than 4x is a closed road, not weather.
CONDITION_FACTOR_RANGE = (0.5, 4.0)
condition_factor_validators = [
    MinValueValidator(CONDITION_FACTOR_RANGE[0]),
    MaxValueValidator(CONDITION_FACTOR_RANGE[1]),
]


class Condition(models.TextChoices):
    """Road conditions for the day, each with the travel-time factor the planner starts from."""

    CLEAR = "clear", _("Clear")
    RAIN = "rain", _("Rain")
    HEAVY_RAIN = "heavy_rain", _("Heavy rain / typhoon")
    SNOW = "snow", _("Snow")
    HEAVY_TRAFFIC = "heavy_traffic", _("Heavy traffic")


CONDITION_FACTORS = {
    Condition.CLEAR: 1.0,
    Condition.RAIN: 1.2,
    Condition.HEAVY_RAIN: 1.5,
    Condition.SNOW: 1.6,
    Condition.HEAVY_TRAFFIC: 1.35,
}


class BatchRun(models.Model):
    """The daily batch of one DC for one day. The unique (dc, plan_date) makes a second trigger find
    this row instead of starting a second run."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Done, some regions failed")

    class Trigger(models.TextChoices):
        BEAT = "beat", _("Daily schedule")
        CATCH_UP = "catch_up", _("Catch-up check")
        MANUAL = "manual", _("Started by a planner")
        COMMAND = "command", _("Command line")

    dc = models.ForeignKey(
        DistributionCenter, on_delete=models.PROTECT, related_name="batch_runs", verbose_name=_("distribution centre")
    )
    plan_date = models.DateField(_("plan day"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(_("started by"), max_length=16, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("planner"),
    )
    cutoff = models.DateTimeField(_("cutoff"), help_text=_("Deliveries ready at the DC by this moment are planned."))
    condition = models.CharField(_("conditions"), max_length=16, choices=Condition.choices, default=Condition.CLEAR)
    condition_factor = models.FloatField(_("travel-time factor"), default=1.0, validators=condition_factor_validators)
    time_limit_s = models.FloatField(_("solver time per region (s)"), validators=[MinValueValidator(0.1)])
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("batch run")
        verbose_name_plural = _("batch runs")
        ordering = ["-plan_date", "dc__code"]
        constraints = [models.UniqueConstraint(fields=["dc", "plan_date"], name="batch_run_once_per_dc_and_day")]

    def __str__(self) -> str:
        return f"{self.dc.code} {self.plan_date:%Y-%m-%d}"

    @property
    def midnight(self) -> datetime:
        """The plan day's midnight in the DC's zone: the zero of every route time."""
        return datetime.combine(self.plan_date, time(0), tzinfo=self.dc.tz)

    def at(self, seconds: int) -> datetime:
        return self.midnight + timedelta(seconds=seconds)


class RegionPlan(models.Model):
    """One region's plan within a run. `status` is claimed by a compare-and-swap (pending → running
    with `attempts` + 1 and a lease), so a redelivered or duplicated task finds it taken."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Solving")
        PLANNED = "planned", _("Planned")
        APPROVED = "approved", _("Approved")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.PLANNED, Status.APPROVED, Status.FAILED)

    run = models.ForeignKey(
        BatchRun, on_delete=models.CASCADE, related_name="region_plans", verbose_name=_("batch run")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="plans", verbose_name=_("region"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=200, blank=True)
    queued_at = models.DateTimeField(_("sent to the workers"), null=True, blank=True)
    error = models.TextField(_("failure reason"), blank=True)
    # None: the day's conditions apply.
    condition = models.CharField(_("conditions"), max_length=16, choices=Condition.choices, blank=True)
    condition_factor = models.FloatField(
        _("travel-time factor"), null=True, blank=True, validators=condition_factor_validators
    )
    vehicles = models.ManyToManyField(
        Vehicle, related_name="region_plans", blank=True, verbose_name=_("vehicles available")
    )
    # The factor the recorded plan was timed with, to tell the planner when conditions changed since.
    planned_condition_factor = models.FloatField(_("travel-time factor of the plan"), null=True, blank=True)
    solve_started_at = models.DateTimeField(_("solve started"), null=True, blank=True)
    solve_finished_at = models.DateTimeField(_("solve finished"), null=True, blank=True)
    solve_seconds = models.FloatField(_("search time (s)"), null=True, blank=True)
    # Totals of the recorded plan, kept with it so the overview reads one row per region.
    stops = models.PositiveIntegerField(_("stops"), default=0)
    parcels_out = models.PositiveIntegerField(_("parcels out"), default=0)
    parcels_back = models.PositiveIntegerField(_("parcels back"), default=0)
    vehicles_used = models.PositiveIntegerField(_("vehicles used"), default=0)
    distance_m = models.PositiveIntegerField(_("distance (m)"), default=0)
    duration_s = models.PositiveIntegerField(_("driving day (s)"), default=0)
    load_factor = models.FloatField(_("load factor"), null=True, blank=True)
    unserved_stops = models.PositiveIntegerField(_("unserved stops"), default=0)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        verbose_name = _("region plan")
        verbose_name_plural = _("region plans")
        ordering = ["run", "region__code"]
        constraints = [models.UniqueConstraint(fields=["run", "region"], name="region_plan_once_per_run")]

    def __str__(self) -> str:
        return f"{self.run} {self.region.code}"

    @property
    def effective_condition_factor(self) -> float:
        return self.condition_factor if self.condition_factor is not None else self.run.condition_factor

    @property
    def effective_condition(self) -> str:
        return self.condition or self.run.condition

    @property
    def editable(self) -> bool:
        return self.status == self.Status.PLANNED


class PlannedRoute(models.Model):
    region_plan = models.ForeignKey(
        RegionPlan, on_delete=models.CASCADE, related_name="routes", verbose_name=_("region plan")
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="+", verbose_name=_("vehicle"))
    number = models.PositiveSmallIntegerField(_("route number"))
    locked = models.BooleanField(
        _("locked"), default=False, help_text=_("Re-optimising keeps a locked route as it is.")
    )
    start_s = models.PositiveIntegerField(_("leaves the DC"))
    end_s = models.PositiveIntegerField(_("back at the DC"))
    distance_m = models.PositiveIntegerField(_("distance (m)"))
    start_load_volume = models.FloatField(_("volume on board leaving"))
    start_load_kg = models.FloatField(_("kg on board leaving"))
    peak_load_volume = models.FloatField(_("highest volume on board"))
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dispatched by"),
    )

    class Meta:
        verbose_name = _("planned route")
        verbose_name_plural = _("planned routes")
        ordering = ["region_plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["region_plan", "vehicle"], name="planned_route_one_per_vehicle"),
            models.UniqueConstraint(fields=["region_plan", "number"], name="planned_route_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.region_plan} #{self.number} {self.vehicle.name}"

    @property
    def duration_s(self) -> int:
        return self.end_s - self.start_s


class PlannedStop(models.Model):
    route = models.ForeignKey(PlannedRoute, on_delete=models.CASCADE, related_name="stops", verbose_name=_("route"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    position = models.PositiveSmallIntegerField(_("position"))
    arrival_s = models.PositiveIntegerField(_("arrives"))
    service_start_s = models.PositiveIntegerField(_("hand-over starts"))
    departure_s = models.PositiveIntegerField(_("leaves"))
    load_volume = models.FloatField(_("volume on board after the stop"))
    load_kg = models.FloatField(_("kg on board after the stop"))
    delivered_parcels = models.PositiveIntegerField(_("parcels dropped"))
    collected_parcels = models.PositiveIntegerField(_("parcels collected"))
    # What the driver tapped on the day, against the plan's times above (on-time figures compare them).
    arrived_at = models.DateTimeField(_("arrived (driver)"), null=True, blank=True, editable=False)
    left_at = models.DateTimeField(_("left (driver)"), null=True, blank=True, editable=False)
    not_served_at = models.DateTimeField(_("reported not served"), null=True, blank=True, editable=False)
    not_served_reason = models.CharField(_("why not served"), max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("planned stop")
        verbose_name_plural = _("planned stops")
        ordering = ["route_id", "position"]  # by id: "route" would join the routes (and theirs) to sort

    def __str__(self) -> str:
        return f"{self.route} {self.position}. {self.store.code}"


class UnservedStop(models.Model):
    region_plan = models.ForeignKey(
        RegionPlan, on_delete=models.CASCADE, related_name="unserved", verbose_name=_("region plan")
    )
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    reason = models.CharField(_("reason"), max_length=300)
    parcels_out = models.PositiveIntegerField(_("parcels out"))
    parcels_back = models.PositiveIntegerField(_("parcels back"))

    class Meta:
        verbose_name = _("unserved stop")
        verbose_name_plural = _("unserved stops")
        ordering = ["region_plan_id", "store__code"]

    def __str__(self) -> str:
        return f"{self.region_plan} {self.store.code}: {self.reason}"


class PlanParcel(models.Model):
    """A parcel taken into a run: delivered to or collected from `store`. `stop` is the planned stop
    that serves it, or None while its store is unserved (a delivery then stays at the DC)."""

    class Kind(models.TextChoices):
        DELIVER = "deliver", _("Drop")
        COLLECT = "collect", _("Collect")

    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="parcels", verbose_name=_("batch run"))
    region_plan = models.ForeignKey(
        RegionPlan, on_delete=models.CASCADE, related_name="parcels", verbose_name=_("region plan")
    )
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="plan_entries", verbose_name=_("parcel"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    kind = models.CharField(_("drop or collect"), max_length=8, choices=Kind.choices)
    stop = models.ForeignKey(
        PlannedStop, on_delete=models.SET_NULL, null=True, blank=True, related_name="parcels", verbose_name=_("stop")
    )
    volume_units = models.PositiveIntegerField(_("volume units"))
    weight_g = models.PositiveIntegerField(_("weight (g)"))
    # The dock's loading scan put this delivery on its route's truck; dispatch sends only loaded ones.
    loaded_at = models.DateTimeField(_("loaded"), null=True, blank=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("loaded by"),
    )

    class Meta:
        verbose_name = _("parcel in a plan")
        verbose_name_plural = _("parcels in plans")
        ordering = ["region_plan", "store", "kind", "parcel"]
        constraints = [models.UniqueConstraint(fields=["run", "parcel"], name="plan_parcel_once_per_run")]
        indexes = [models.Index(fields=["region_plan", "store"], name="plan_parcel_region_store")]

    def __str__(self) -> str:
        return f"{self.run} {self.get_kind_display()} {self.parcel_id}"


class HeldParcel(models.Model):
    """A delivery at the DC that a run left out of its plan, and why: shown to the planner, and (for a
    deferral) to the shopper through the parcel's own event."""

    class Reason(models.TextChoices):
        WAITING_FOR_PICKUP_DAY = "waiting_for_pickup_day", _("waiting for pickup day")
        STORE_FULL = "store_full", _("store has no free slot on arrival")
        FLEET_FULL = "fleet_full", _("deferred: the region's vehicles cannot carry everything")

    run = models.ForeignKey(
        BatchRun, on_delete=models.CASCADE, related_name="held_parcels", verbose_name=_("batch run")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="holds_at_dc", verbose_name=_("parcel"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    pickup_day = models.DateField(_("pickup day"))

    class Meta:
        verbose_name = _("parcel held at the DC")
        verbose_name_plural = _("parcels held at the DC")
        ordering = ["run", "region", "reason", "-pickup_day", "parcel"]
        constraints = [models.UniqueConstraint(fields=["run", "parcel"], name="held_parcel_once_per_run")]

    def __str__(self) -> str:
        return f"{self.run} {self.parcel_id}: {self.reason}"
