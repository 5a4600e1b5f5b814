"""Merchants, their orders, the parcels in them, and each parcel's append-only event history.

`Parcel.status` is written only by `orders.lifecycle.parcel_transition`.
"""

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from stores.models import SizeClass, Store, code_validator

TRACKING_ALPHABET = "0123456789"


def new_tracking_number() -> str:
    """12 digits from a secure source: easy to type at a counter, unguessable in bulk."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(12))


def new_pickup_nonce() -> str:
    return secrets.token_hex(16)


phone_validator = RegexValidator(r"^\+?[0-9][0-9 -]{6,19}$", _("Enter a phone number of digits, e.g. 0912 345 678."))


class Merchant(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    contact_email = models.EmailField(_("contact email"), blank=True)
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(_("webhook signing secret"), max_length=64, default=secrets.token_hex, editable=False)
    allowed_origins = models.TextField(
        _("checkout origins"), blank=True, help_text=_("One origin per line, e.g. https://shop.example.com; the store picker hands the chosen store only to these.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def origins(self) -> list[str]:
        return [line.strip() for line in self.allowed_origins.splitlines() if line.strip()]


class Order(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders", verbose_name=_("merchant"))
    reference = models.CharField(_("merchant's reference"), max_length=64)
    shopper_name = models.CharField(_("shopper name"), max_length=120)
    shopper_email = models.EmailField(_("shopper email"), blank=True)
    shopper_phone = models.CharField(_("shopper phone"), max_length=20, validators=[phone_validator])
    pickup_store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders", verbose_name=_("pickup store"))
    cash_on_pickup = models.PositiveIntegerField(_("cash on pickup (TWD)"), default=0)
    # Random per order; with the server's secret it derives the pickup code (see orders.pickup_codes),
    # so the database alone never reveals a code.
    pickup_nonce = models.CharField(max_length=32, default=new_pickup_nonce, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "reference"], name="order_reference_unique_per_merchant")]

    def __str__(self) -> str:
        return f"{self.merchant.code}/{self.reference}"

    @property
    def phone_last4(self) -> str:
        digits = "".join(ch for ch in self.shopper_phone if ch.isdigit())
        return digits[-4:]


class Parcel(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", _("Order received")
        AT_DC = "at_dc", _("At the distribution centre")
        PLANNED = "planned", _("Planned for delivery")
        IN_TRANSIT = "in_transit", _("On the way to the store")
        AT_STORE = "at_store", _("Ready for pickup")
        PICKED_UP = "picked_up", _("Picked up")
        EXPIRED = "expired", _("Not collected in time")
        RETURN_IN_TRANSIT = "return_in_transit", _("Returning to the distribution centre")
        RETURNED = "returned", _("Returned to the merchant")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="parcels", verbose_name=_("order"))
    tracking_number = models.CharField(_("tracking number"), max_length=20, unique=True, default=new_tracking_number)
    size_class = models.CharField(_("size class"), max_length=1, choices=SizeClass.choices)
    weight_g = models.PositiveIntegerField(_("weight (g)"), validators=[MinValueValidator(1)])
    volume_units = models.PositiveIntegerField(_("volume units"), validators=[MinValueValidator(1)])
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CREATED, editable=False)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True, editable=False)
    # The store holding the parcel on a shelf; set with the slot at scan-in and cleared when it leaves,
    # so that one unique index can promise one parcel per slot per store.
    shelf_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False)
    shelf_slot = models.PositiveIntegerField(_("shelf slot"), null=True, blank=True, editable=False)
    arrived_at = models.DateTimeField(_("arrived at store"), null=True, blank=True, editable=False)
    hold_deadline = models.DateTimeField(_("hold deadline"), null=True, blank=True, editable=False, db_index=True)
    pickup_code_hash = models.CharField(_("pickup code (hashed)"), max_length=64, blank=True, editable=False, db_index=True)
    expected_arrival = models.DateTimeField(_("expected at the store"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "hold_deadline"], name="parcel_status_deadline")]
        constraints = [
            models.UniqueConstraint(
                fields=["shelf_store", "shelf_slot"], condition=models.Q(shelf_slot__isnull=False), name="parcel_one_per_shelf_slot"
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def store(self) -> Store:
        return self.order.pickup_store


class ParcelEvent(models.Model):
    """Append-only history of a parcel: every status change and every notable action at a counter or DC."""

    class Type(models.TextChoices):
        STATUS = "status", _("Status changed")
        NOTE = "note", _("Note")
        SCAN_REFUSED = "scan_refused", _("Scan refused")
        REPORTED_MISSING = "reported_missing", _("Reported missing")
        REPORTED_DAMAGED = "reported_damaged", _("Reported damaged")
        CODE_FAILED = "code_failed", _("Wrong pickup code")
        CODE_LOCKED = "code_locked", _("Pickup locked after wrong codes")
        CASH_COLLECTED = "cash_collected", _("Cash collected")
        STORE_CHANGED = "store_changed", _("Pickup store changed")

    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="events", verbose_name=_("parcel"))
    seq = models.PositiveIntegerField(_("sequence"), help_text=_("1, 2, 3… per parcel, in the order the events happened."))
    type = models.CharField(_("type"), max_length=24, choices=Type.choices, default=Type.STATUS)
    from_status = models.CharField(_("from"), max_length=20, choices=Parcel.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Parcel.Status.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by"))
    actor_label = models.CharField(_("by (system or merchant)"), max_length=64, blank=True)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("where"))
    created_at = models.DateTimeField(_("when"), db_index=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("parcel event")
        verbose_name_plural = _("parcel events")
        ordering = ["parcel_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["parcel", "seq"], name="parcel_event_seq_unique")]

    def __str__(self) -> str:
        change = f"{self.from_status}→{self.to_status}" if self.to_status else self.get_type_display()
        return f"{self.parcel_id}#{self.seq} {change}"

    @property
    def who(self) -> str:
        return str(self.actor) if self.actor_id else self.actor_label
