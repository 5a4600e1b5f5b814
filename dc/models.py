"""The DC floor's own records: the exceptions queue and the return consignments.

Parcel status is not kept here: intake, loading and returns move parcels through
`orders.lifecycle.parcel_transition`; these rows say what a person must look at and what went home.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Merchant, Parcel, ParcelEvent
from stores.models import DistributionCenter, Store


class DockException(models.Model):
    """A parcel that needs a person at the DC. At most one open row per parcel and kind."""

    class Kind(models.TextChoices):
        OVERSIZE = "oversize", _("Bigger or heavier than its store takes")
        DAMAGED = "damaged", _("Damaged at intake")
        NOT_LOADED = "not_loaded", _("Not loaded onto its truck")
        MISSING = "missing", _("Reported missing by a store")
        STORE_DAMAGED = "store_damaged", _("Reported damaged by a store")
        OVERDUE = "overdue", _("In transit without a scan-in")

    class Resolution(models.TextChoices):
        TAKEN_IN = "taken_in", _("Taken in")
        FOUND = "found", _("Found at the DC")
        DELIVERED = "delivered", _("Scanned in at the store")
        LOST = "lost", _("Declared lost")
        CANCELLED = "cancelled", _("Cancelled by the merchant")
        DONE = "done", _("Dealt with")

    dc = models.ForeignKey(
        DistributionCenter, on_delete=models.PROTECT, related_name="exceptions", verbose_name=_("distribution centre")
    )
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, related_name="dock_exceptions", verbose_name=_("parcel")
    )
    kind = models.CharField(_("what happened"), max_length=16, choices=Kind.choices)
    # Where it happened: a store for what a store reported or did not scan in, empty for the DC itself.
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("where")
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    # The parcel event that opened the row (a store's report, a dispatch without the parcel): the sweep
    # that turns such events into rows finds each one once through this.
    source_event = models.OneToOneField(
        ParcelEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    opened_at = models.DateTimeField(_("opened"), db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=16, choices=Resolution.choices, blank=True)

    class Meta:
        verbose_name = _("DC exception")
        verbose_name_plural = _("DC exceptions")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["parcel", "kind"], condition=models.Q(resolved_at__isnull=True), name="dock_exception_one_open"
            ),
        ]
        indexes = [models.Index(fields=["dc", "resolved_at"], name="dock_exception_queue")]

    def __str__(self) -> str:
        return f"{self.parcel_id} {self.kind}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class ReturnConsignment(models.Model):
    """A merchant's returned parcels at a DC, gathered until they are handed over together."""

    dc = models.ForeignKey(
        DistributionCenter,
        on_delete=models.PROTECT,
        related_name="return_consignments",
        verbose_name=_("distribution centre"),
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="return_consignments", verbose_name=_("merchant")
    )
    opened_at = models.DateTimeField(_("opened"))
    handed_over_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    handed_to = models.CharField(_("handed to"), max_length=120, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("return consignment")
        verbose_name_plural = _("return consignments")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dc", "merchant"],
                condition=models.Q(handed_over_at__isnull=True),
                name="return_consignment_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dc.code}/{self.merchant.code} #{self.pk}"


class ReturnItem(models.Model):
    consignment = models.ForeignKey(
        ReturnConsignment, on_delete=models.CASCADE, related_name="items", verbose_name=_("return consignment")
    )
    parcel = models.OneToOneField(
        Parcel, on_delete=models.PROTECT, related_name="return_item", verbose_name=_("parcel")
    )
    scanned_at = models.DateTimeField(_("scanned in"))
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("returned parcel")
        verbose_name_plural = _("returned parcels")
        ordering = ["consignment", "scanned_at", "id"]

    def __str__(self) -> str:
        return f"{self.consignment_id}: {self.parcel_id}"
