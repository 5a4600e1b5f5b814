"""The daily roll-up of the network's figures: one row per store, region and merchant and day.

Rows are written only by `insight.rollup.rollup_day`, from the event history; pages read nothing else,
so a page over a period reads a few hundred rows however many events lie behind them. Counts are kept
rather than rates, and dwell as a histogram, so that any period, region or merchant adds up exactly.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Merchant
from stores.models import DistributionCenter, Region, Store


class Figures(models.Model):
    """What every row counts of the parcels of its store, region or merchant on its day."""

    delivered = models.PositiveIntegerField(_("parcels delivered"), default=0)
    picked_up = models.PositiveIntegerField(_("picked up"), default=0)
    picked_up_in_hold = models.PositiveIntegerField(_("picked up within the hold"), default=0)
    expired = models.PositiveIntegerField(_("expired"), default=0)
    # Minutes from scan-in to pickup → how many pickups took that long: a median of any set of rows is
    # the median of their merged histograms (medians themselves cannot be added up).
    dwell_minutes = models.JSONField(_("dwell histogram (minutes: pickups)"), default=dict, blank=True)
    exceptions = models.PositiveIntegerField(_("DC exceptions opened"), default=0)
    stops_arrived = models.PositiveIntegerField(_("stops arrived"), default=0)
    stops_on_time = models.PositiveIntegerField(_("stops on time"), default=0)
    unserved_stops = models.PositiveIntegerField(_("unserved stops"), default=0)

    class Meta:
        abstract = True


# The fields of Figures that add up across rows (dwell histograms merge instead), and those RegionDay
# adds for the routes: the roll-up writes them, the figures page sums them.
COUNTS = [
    "delivered",
    "picked_up",
    "picked_up_in_hold",
    "expired",
    "exceptions",
    "stops_arrived",
    "stops_on_time",
    "unserved_stops",
]
ROUTE_COUNTS = ["routes", "distance_m", "parcels_carried", "peak_load_volume", "volume_capacity"]


class StoreDay(Figures):
    day = models.DateField(_("day"))
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    # The store's DC and region on the day, so a DC's page filters without joins and history keeps its place.
    dc = models.ForeignKey(
        DistributionCenter, on_delete=models.CASCADE, related_name="+", verbose_name=_("distribution centre")
    )
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    peak_on_shelf = models.PositiveIntegerField(_("most parcels on the shelf"), default=0)
    on_shelf_at_end = models.PositiveIntegerField(_("parcels on the shelf at the day's end"), default=0)
    slots = models.PositiveIntegerField(_("shelf slots"), default=0)

    class Meta:
        verbose_name = _("store day")
        verbose_name_plural = _("store days")
        ordering = ["-day", "store_id"]
        constraints = [models.UniqueConstraint(fields=["day", "store"], name="store_day_once")]
        indexes = [models.Index(fields=["dc", "day"], name="store_day_dc_day")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.store_id}"


class RegionDay(Figures):
    day = models.DateField(_("day"))
    dc = models.ForeignKey(
        DistributionCenter, on_delete=models.CASCADE, related_name="+", verbose_name=_("distribution centre")
    )
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    # The dispatched routes of the day: what the trucks drove and carried.
    routes = models.PositiveIntegerField(_("routes dispatched"), default=0)
    distance_m = models.PositiveIntegerField(_("route distance (m)"), default=0)
    parcels_carried = models.PositiveIntegerField(_("parcels dropped and collected"), default=0)
    peak_load_volume = models.FloatField(_("highest volume on board, summed over routes"), default=0)
    volume_capacity = models.PositiveIntegerField(_("vehicle volume, summed over routes"), default=0)

    class Meta:
        verbose_name = _("region day")
        verbose_name_plural = _("region days")
        ordering = ["-day", "region_id"]
        constraints = [models.UniqueConstraint(fields=["day", "region"], name="region_day_once")]
        indexes = [models.Index(fields=["dc", "day"], name="region_day_dc_day")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.region_id}"


class MerchantDay(Figures):
    """A merchant's parcels at one DC's stores; the route figures (stops) stay zero here."""

    day = models.DateField(_("day"))
    dc = models.ForeignKey(
        DistributionCenter, on_delete=models.CASCADE, related_name="+", verbose_name=_("distribution centre")
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+", verbose_name=_("merchant"))

    class Meta:
        verbose_name = _("merchant day")
        verbose_name_plural = _("merchant days")
        ordering = ["-day", "merchant_id"]
        constraints = [models.UniqueConstraint(fields=["day", "dc", "merchant"], name="merchant_day_once")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.dc_id}/{self.merchant_id}"


class Rollup(models.Model):
    """A DC's day that has been rolled up (a day without a parcel has no figure rows, but has this)."""

    dc = models.ForeignKey(
        DistributionCenter, on_delete=models.CASCADE, related_name="+", verbose_name=_("distribution centre")
    )
    day = models.DateField(_("day"))
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("roll-up")
        verbose_name_plural = _("roll-ups")
        ordering = ["-day", "dc_id"]
        constraints = [models.UniqueConstraint(fields=["dc", "day"], name="rollup_once_per_dc_and_day")]

    def __str__(self) -> str:
        return f"{self.dc_id} {self.day:%Y-%m-%d}"
