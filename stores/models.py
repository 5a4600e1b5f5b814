"""The network: distribution centres, regions, stores, their hours and limits, vehicles, staff."""

from collections.abc import Iterable
from datetime import datetime, time
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

code_validator = RegexValidator(r"^[A-Z0-9][A-Z0-9_-]*$", _("Use capital letters, digits, '-' and '_' only."))
latitude_validators = [MinValueValidator(-90), MaxValueValidator(90)]
longitude_validators = [MinValueValidator(-180), MaxValueValidator(180)]


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except Exception:
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value}) from None


def default_time_zone() -> str:
    return settings.TIME_ZONE


class SizeClass(models.TextChoices):
    """Parcel size classes, modelled on Taiwan's convenience-store pickup limits (L is the legal maximum)."""

    S = "S", _("Small (longest side ≤ 30 cm, sides sum ≤ 60 cm)")
    M = "M", _("Medium (longest side ≤ 40 cm, sides sum ≤ 90 cm)")
    L = "L", _("Large (longest side ≤ 45 cm, sides sum ≤ 105 cm)")


# (longest side cm, sum of sides cm) per size class, smallest first.
SIZE_LIMITS_CM = {SizeClass.S: (30, 60), SizeClass.M: (40, 90), SizeClass.L: (45, 105)}
SIZE_ORDER = [SizeClass.S, SizeClass.M, SizeClass.L]


class TemperatureClass(models.TextChoices):
    """How a parcel must be kept: on an ordinary shelf, in a chiller or in a freezer."""

    AMBIENT = "ambient", _("Ambient")
    CHILLED = "chilled", _("Chilled")
    FROZEN = "frozen", _("Frozen")


COLD_CLASSES = (TemperatureClass.CHILLED, TemperatureClass.FROZEN)


def size_class_fits(size: str, largest_accepted: str) -> bool:
    return SIZE_ORDER.index(SizeClass(size)) <= SIZE_ORDER.index(SizeClass(largest_accepted))


def size_class_for(length_cm: float, width_cm: float, height_cm: float) -> SizeClass | None:
    """The smallest class a box fits, or None when it is over the legal maximum."""
    longest, total = max(length_cm, width_cm, height_cm), length_cm + width_cm + height_cm
    for size in SIZE_ORDER:
        max_side, max_sum = SIZE_LIMITS_CM[size]
        if longest <= max_side and total <= max_sum:
            return size
    return None


class DistributionCenter(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=255)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, validators=latitude_validators)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, validators=longitude_validators)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    opens = models.TimeField(_("opens"), default=time(6, 0))
    closes = models.TimeField(_("closes"), default=time(22, 0))

    class Meta:
        verbose_name = _("distribution centre")
        verbose_name_plural = _("distribution centres")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Region(models.Model):
    dc = models.ForeignKey(
        DistributionCenter, on_delete=models.PROTECT, related_name="regions", verbose_name=_("distribution centre")
    )
    code = models.CharField(_("code"), max_length=16, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["dc__code", "code"]
        constraints = [models.UniqueConstraint(fields=["dc", "code"], name="region_code_unique_per_dc")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Store(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=255)
    postal_code = models.CharField(_("postal code"), max_length=10, db_index=True)
    district = models.CharField(_("district"), max_length=64, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, validators=latitude_validators)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, validators=longitude_validators)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="stores", verbose_name=_("region"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    is_24h = models.BooleanField(_("open 24 hours"), default=True)
    slot_capacity = models.PositiveIntegerField(_("parcel slots"), default=40, validators=[MinValueValidator(1)])
    max_size_class = models.CharField(
        _("largest size class accepted"), max_length=1, choices=SizeClass.choices, default=SizeClass.L
    )
    max_weight_g = models.PositiveIntegerField(
        _("heaviest parcel (g)"), default=5000, validators=[MinValueValidator(1)]
    )
    max_cash_on_pickup = models.PositiveIntegerField(_("largest cash on pickup (TWD)"), default=20000)
    # A store holds a cold class exactly when it has slots for it; cold slots are numbered after the
    # ambient ones (chilled, then frozen), so one slot number still names one place in the store.
    chilled_slots = models.PositiveIntegerField(_("chilled slots"), default=0)
    frozen_slots = models.PositiveIntegerField(_("frozen slots"), default=0)
    receiving_start = models.TimeField(_("receives deliveries from"), default=time(8, 0))
    receiving_end = models.TimeField(_("receives deliveries until"), default=time(20, 0))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="store_lat_lon")]
        constraints = [
            models.CheckConstraint(condition=models.Q(slot_capacity__gte=1), name="store_slot_capacity_positive"),
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="store_coordinates_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(receiving_start__lt=models.F("receiving_end")), name="store_receiving_window_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if self.receiving_start and self.receiving_end and self.receiving_start >= self.receiving_end:
            raise ValidationError({"receiving_end": _("The receiving window must end after it starts.")})

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def accepts_temperature(self, temperature_class: str) -> bool:
        return self.slot_range(temperature_class).stop > self.slot_range(temperature_class).start

    @property
    def accepted_temperature_classes(self) -> list[str]:
        return [c for c in TemperatureClass.values if self.accepts_temperature(c)]

    def slot_range(self, temperature_class: str) -> range:
        """The shelf slot numbers for parcels of a temperature class."""
        chilled_from = self.slot_capacity + 1
        frozen_from = chilled_from + self.chilled_slots
        return {
            TemperatureClass.AMBIENT: range(1, chilled_from),
            TemperatureClass.CHILLED: range(chilled_from, frozen_from),
            TemperatureClass.FROZEN: range(frozen_from, frozen_from + self.frozen_slots),
        }[TemperatureClass(temperature_class)]

    def accepts_size(self, size: str) -> bool:
        return size_class_fits(size, self.max_size_class)

    def is_open_at(self, moment: datetime, hours: Iterable["OpeningHours"] | None = None) -> bool:
        """Whether the store is open at an aware datetime, read in the store's own time zone.

        `hours` are its opening intervals when the caller has them already (the locator reads them
        with the store); otherwise `self.hours` (prefetched when present).
        """
        if self.is_24h:
            return True
        local = moment.astimezone(self.tz)
        weekday, clock = local.weekday(), local.time()
        intervals = self.hours.all() if hours is None else hours
        return any(
            interval.covers(weekday, clock) or interval.covers_overnight_tail(weekday, clock) for interval in intervals
        )

    def week_hours(self, moment: datetime | None = None) -> list["DayHours"]:
        """Monday to Sunday, each day's opening interval (None: closed), and which day is today at the store."""
        today = (moment or timezone.now()).astimezone(self.tz).weekday()
        by_day = {interval.weekday: interval for interval in self.hours.all()}
        return [DayHours(label, by_day.get(day), day == today) for day, label in OpeningHours.Weekday.choices]


class OpeningHours(models.Model):
    """One opening interval on a weekday; `closes` at or before `opens` means it runs past midnight."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="hours", verbose_name=_("store"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["store_id", "weekday", "opens"]  # by id: ordering by "store" would join the stores to sort
        constraints = [models.UniqueConstraint(fields=["store", "weekday"], name="opening_hours_one_per_weekday")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens

    def covers(self, weekday: int, at: time) -> bool:
        if weekday != self.weekday:
            return False
        return self.opens <= at if self.overnight else self.opens <= at < self.closes

    def covers_overnight_tail(self, weekday: int, at: time) -> bool:
        """The part of last night's interval that runs into `weekday` morning."""
        return self.overnight and weekday == (self.weekday + 1) % 7 and at < self.closes


class DayHours(NamedTuple):
    day: str
    interval: OpeningHours | None
    today: bool


class Vehicle(models.Model):
    dc = models.ForeignKey(
        DistributionCenter, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("distribution centre")
    )
    name = models.CharField(_("name"), max_length=64)
    volume_capacity = models.PositiveIntegerField(_("capacity (volume units)"), validators=[MinValueValidator(1)])
    kg_capacity = models.PositiveIntegerField(_("capacity (kg)"), validators=[MinValueValidator(1)])
    # Cold compartments, in the same volume units; 0 means the vehicle has none. Their volume is
    # separate from (not part of) the ambient `volume_capacity`.
    chilled_volume_capacity = models.PositiveIntegerField(_("chilled compartment (volume units)"), default=0)
    frozen_volume_capacity = models.PositiveIntegerField(_("frozen compartment (volume units)"), default=0)
    shift_start = models.TimeField(_("shift starts"), default=time(9, 30))
    shift_end = models.TimeField(_("shift ends"), default=time(18, 30))
    fixed_cost = models.PositiveIntegerField(_("fixed cost per day"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["dc__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["dc", "name"], name="vehicle_name_unique_per_dc"),
            models.CheckConstraint(
                condition=models.Q(volume_capacity__gte=1, kg_capacity__gte=1), name="vehicle_capacity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(shift_start__lt=models.F("shift_end")), name="vehicle_shift_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dc.code} {self.name}"

    def clean(self) -> None:
        if self.shift_start and self.shift_end and self.shift_start >= self.shift_end:
            raise ValidationError({"shift_end": _("The shift must end after it starts.")})


class StaffMembership(models.Model):
    """A user's role: clerk of a store, or planner, dock staff or driver of a DC. A person may hold several."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("Store clerk")
        PLANNER = "planner", _("DC planner")
        DOCK = "dock", _("DC dock staff")
        DRIVER = "driver", _("Driver")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, null=True, blank=True, related_name="staff", verbose_name=_("store")
    )
    dc = models.ForeignKey(
        DistributionCenter,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("distribution centre"),
    )

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role="clerk", store__isnull=False, dc__isnull=True)
                    | models.Q(role__in=["planner", "dock", "driver"], dc__isnull=False, store__isnull=True)
                ),
                name="membership_role_matches_place",
            ),
            models.UniqueConstraint(
                fields=["user", "store"], condition=models.Q(role="clerk"), name="membership_clerk_once_per_store"
            ),
            models.UniqueConstraint(
                fields=["user", "dc"], condition=models.Q(role="planner"), name="membership_planner_once_per_dc"
            ),
            models.UniqueConstraint(
                fields=["user", "dc", "role"],
                condition=models.Q(role__in=["dock", "driver"]),
                name="membership_dc_role_once_per_dc",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} @ {self.store or self.dc}"

    def clean(self) -> None:
        if self.role == self.Role.CLERK and (not self.store_id or self.dc_id):
            raise ValidationError({"store": _("A clerk belongs to a store (and no distribution centre).")})
        if self.role == self.Role.PLANNER and (not self.dc_id or self.store_id):
            raise ValidationError({"dc": _("A planner belongs to a distribution centre (and no store).")})


class SearchCell(models.Model):
    """Where shoppers looked for a pickup store on a day, kept only as a grid cell (stores.grid): no
    query, no point, no person. Network planning reads it as demand, above all the searches that
    found no store within walking distance."""

    day = models.DateField(_("day"))
    row = models.IntegerField(_("grid row"))
    col = models.IntegerField(_("grid column"))
    searches = models.PositiveIntegerField(_("searches"), default=0)
    with_no_store_near = models.PositiveIntegerField(_("searches with no store near"), default=0)

    class Meta:
        verbose_name = _("store search cell")
        verbose_name_plural = _("store search cells")
        constraints = [models.UniqueConstraint(fields=["day", "row", "col"], name="search_cell_once_a_day")]

    def __str__(self) -> str:
        return f"{self.day} ({self.row}, {self.col}): {self.searches}"
