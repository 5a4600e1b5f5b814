"""Merchants, their orders, the parcels in them, and each parcel's append-only event history.

`Parcel.status` is written only by `orders.lifecycle.parcel_transition`.
"""

import secrets
import string

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import SizeClass, Store, TemperatureClass, code_validator

TRACKING_ALPHABET = "0123456789"


def new_tracking_number() -> str:
    """12 digits from a secure source: easy to type at a counter, unguessable in bulk."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(12))


def new_pickup_nonce() -> str:
    return secrets.token_hex(16)


# Ids the merchant API shows: random, so an id says nothing of how many orders, events or deliveries the
# platform has (a sequence would). Letters and digits only: URL-safe and one double-click to select.
PUBLIC_ID_ALPHABET = string.ascii_letters + string.digits
PUBLIC_ID_LENGTH = 20  # about 119 bits: collisions are out of reach, and the unique index would refuse one


def _public_id(prefix: str) -> str:
    return prefix + "_" + "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def new_order_public_id() -> str:
    return _public_id("ord")


def new_event_public_id() -> str:
    return _public_id("evt")


def new_delivery_public_id() -> str:
    return _public_id("dlv")


phone_validator = RegexValidator(r"^\+?[0-9][0-9 -]{6,19}$", _("Enter a phone number of digits, e.g. 0912 345 678."))


def all_webhook_events() -> list[str]:
    return ["*"]


class Merchant(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    contact_email = models.EmailField(_("contact email"), blank=True)
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(
        _("webhook signing secret"), max_length=64, default=secrets.token_hex, editable=False
    )
    # After a rotation the old secret keeps signing beside the new one until this moment, so the merchant
    # can switch its receiver without dropping a delivery (see orders.webhooks).
    webhook_previous_secret = models.CharField(max_length=64, blank=True, editable=False)
    webhook_previous_secret_until = models.DateTimeField(
        _("previous signing secret valid until"), null=True, blank=True, editable=False
    )
    # The event types the merchant takes; "*" is every type, including ones added later.
    webhook_events = models.JSONField(_("webhook event types"), default=all_webhook_events, blank=True)
    allowed_origins = models.TextField(
        _("checkout origins"),
        blank=True,
        help_text=_(
            "One origin per line, e.g. https://shop.example.com; the store picker hands the chosen store only to these."
        ),
    )
    # The language of what is printed for the merchant's staff (parcel labels); the default is the
    # language of a merchant in Taiwan.
    language = models.CharField(
        _("label language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="zh-hant",
        help_text=_("The language the parcel labels are printed in."),
    )
    active = models.BooleanField(_("active"), default=True)
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days)"),
        default=7,
        help_text=_("Days after pickup in which a shopper may return a parcel at a store (0: no returns)."),
    )
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
    public_id = models.CharField(
        _("public id"), max_length=32, unique=True, default=new_order_public_id, editable=False
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders", verbose_name=_("merchant"))
    reference = models.CharField(_("merchant's reference"), max_length=64)
    shopper_name = models.CharField(_("shopper name"), max_length=120)
    shopper_email = models.EmailField(_("shopper email"), blank=True)
    shopper_phone = models.CharField(_("shopper phone"), max_length=20, validators=[phone_validator])
    pickup_store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="orders", verbose_name=_("pickup store")
    )
    cash_on_pickup = models.PositiveIntegerField(_("cash on pickup (TWD)"), default=0)

    class Language(models.TextChoices):
        EN = "en", _("English")
        ZH_HANT = "zh-hant", _("Traditional Chinese")

    # What the shopper reads at checkout; their messages go out in it. order_create chooses it by the
    # store when the checkout does not say (orders.services.ordering.order_language_default).
    language = models.CharField(_("shopper's language"), max_length=8, choices=Language.choices, default=Language.EN)
    # The day the shopper wants to collect; empty means as soon as possible. The daily batch delivers
    # for this day, so the parcel does not sit on a small shelf eating into its hold.
    preferred_pickup_day = models.DateField(_("preferred pickup day"), null=True, blank=True)
    # Random per order; with the server's secret it derives the pickup code (see orders.pickup_codes),
    # so the database alone never reveals a code.
    pickup_nonce = models.CharField(max_length=32, default=new_pickup_nonce, editable=False)
    # False for an order made with a test key (the sandbox): it is seen only by test keys and never
    # reaches a batch, a dock or a counter; test parcels move only by the sandbox's advance call.
    livemode = models.BooleanField(_("live"), default=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    # Someone the shopper named on the tracking page to collect in their place (see orders.services.proxy).
    proxy_name = models.CharField(_("collector named by the shopper"), max_length=120, blank=True, editable=False)
    proxy_phone_last4 = models.CharField(
        _("collector's phone, last 4 digits"), max_length=4, blank=True, editable=False
    )
    # The order's own row; a change to one of its parcels shows in the parcel's updated_at, and the API's
    # order updated_at is the later of the two (orders.api.views).
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "livemode", "reference"], name="order_reference_unique_per_merchant_mode"
            )
        ]

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
        AT_DC_FOR_RETURN = "at_dc_return", _("At the DC for return")
        RETURNED = "returned", _("Returned to the merchant")
        CANCELLED = "cancelled", _("Cancelled")
        LOST = "lost", _("Lost")
        RETURN_REQUESTED = "return_requested", _("Return requested")
        RETURN_AT_STORE = "return_at_store", _("Return dropped off at a store")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="parcels", verbose_name=_("order"))
    tracking_number = models.CharField(_("tracking number"), max_length=20, unique=True, default=new_tracking_number)
    size_class = models.CharField(_("size class"), max_length=1, choices=SizeClass.choices)
    weight_g = models.PositiveIntegerField(_("weight (g)"), validators=[MinValueValidator(1)])
    volume_units = models.PositiveIntegerField(_("volume units"), validators=[MinValueValidator(1)])
    temperature_class = models.CharField(
        _("temperature class"), max_length=8, choices=TemperatureClass.choices, default=TemperatureClass.AMBIENT
    )
    fragile = models.BooleanField(_("fragile"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CREATED, editable=False
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True, editable=False)
    # The store holding the parcel on a shelf; set with the slot at scan-in and cleared when it leaves,
    # so that one unique index can promise one parcel per slot per store.
    shelf_store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    shelf_slot = models.PositiveIntegerField(_("shelf slot"), null=True, blank=True, editable=False)
    arrived_at = models.DateTimeField(_("arrived at store"), null=True, blank=True, editable=False)
    hold_deadline = models.DateTimeField(_("hold deadline"), null=True, blank=True, editable=False, db_index=True)
    pickup_code_hash = models.CharField(
        _("pickup code (hashed)"), max_length=64, blank=True, editable=False, db_index=True
    )
    # Wrong pickup codes typed at the counter for this parcel, counted under a row lock so that
    # concurrent guesses cannot overrun the limit; reset when the lock is set.
    failed_code_attempts = models.PositiveSmallIntegerField(_("wrong pickup codes"), default=0, editable=False)
    code_locked_until = models.DateTimeField(_("pickup locked until"), null=True, blank=True, editable=False)
    # Set by route planning once the parcel is on a plan; shown to the shopper and the merchant.
    expected_arrival = models.DateTimeField(_("expected at the store"), null=True, blank=True, editable=False)
    # The sequence number of the parcel's newest event, kept by the lifecycle gate in the row it already
    # writes, so appending an event needs no read of the events first.
    last_event_seq = models.PositiveIntegerField(_("last event number"), default=0, editable=False)
    # Set when the shopper extended the hold (once; orders.services.hold).
    hold_extended_at = models.DateTimeField(_("hold extended"), null=True, blank=True, editable=False)
    # The store the parcel was addressed to before its driver redirected it from a full or closed store.
    redirected_from = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("redirected from"),
    )
    # Written by the lifecycle gate with every event (queryset updates skip auto_now), and by route planning.
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "hold_deadline"], name="parcel_status_deadline")]
        constraints = [
            models.UniqueConstraint(
                fields=["shelf_store", "shelf_slot"],
                condition=models.Q(shelf_slot__isnull=False),
                name="parcel_one_per_shelf_slot",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def store(self) -> Store:
        return self.order.pickup_store

    @property
    def handling(self) -> list[str]:
        """What the clerk and the driver must mind, in words: a cold class and fragility."""
        labels = (
            [] if self.temperature_class == TemperatureClass.AMBIENT else [str(self.get_temperature_class_display())]
        )
        return labels + ([str(_("Fragile"))] if self.fragile else [])


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
        PICKUP_DAY_CHANGED = "pickup_day_changed", _("Pickup day changed")
        DEFERRED = "deferred", _("Delivery deferred")
        DC_EXCEPTION = "dc_exception", _("Held at the distribution centre")
        LOADED = "loaded", _("Loaded onto the truck")
        HOLD_EXTENDED = "hold_extended", _("Hold extended")
        PROXY_NAMED = "proxy_named", _("Collector named")
        REDIRECTED = "redirected", _("Redirected to another store")

    public_id = models.CharField(
        _("public id"), max_length=32, unique=True, default=new_event_public_id, editable=False
    )
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="events", verbose_name=_("parcel"))
    seq = models.PositiveIntegerField(
        _("sequence"), help_text=_("1, 2, 3… per parcel, in the order the events happened.")
    )
    type = models.CharField(_("type"), max_length=24, choices=Type.choices, default=Type.STATUS)
    from_status = models.CharField(_("from"), max_length=20, choices=Parcel.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Parcel.Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by (system or merchant)"), max_length=64, blank=True)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("where")
    )
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


# --- Merchant API, webhooks, shopper notifications -------------------------------------------------


API_KEY_PREFIX = "pk_"
TEST_KEY_PREFIX = "pk_test_"


class ApiKey(models.Model):
    """A merchant's API key. Only a SHA-256 of the secret is stored; the full key is shown once.

    Keys are 32 random bytes, so a fast hash is enough: nobody can guess their way to a match.
    `lookup` is the public part of the key, indexed so authentication is one query.
    """

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("merchant")
    )
    name = models.CharField(_("name"), max_length=64, help_text=_("What uses the key, e.g. 'production checkout'."))
    lookup = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    livemode = models.BooleanField(
        _("live"),
        default=True,
        help_text=_("Untick for a test key (pk_test_…): its orders are a sandbox that never reaches a store."),
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["merchant", "-created_at"]

    def __str__(self) -> str:
        return f"{self.merchant.code} {self.name} ({self.prefix}{self.lookup}…)"

    @property
    def prefix(self) -> str:
        return API_KEY_PREFIX if self.livemode else TEST_KEY_PREFIX

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first successful response to a POST with an `Idempotency-Key`, replayed for retries."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+", verbose_name=_("merchant"))
    key = models.CharField(_("idempotency key"), max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"))
    response_body = models.JSONField(_("response body"), encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="idempotency_key_unique_per_merchant")]

    def __str__(self) -> str:
        return f"{self.merchant_id}:{self.key}"


class WebhookDelivery(models.Model):
    """One parcel event to deliver to one merchant's webhook URL; its attempts are the log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Gave up")

    public_id = models.CharField(
        _("public id"), max_length=32, unique=True, default=new_delivery_public_id, editable=False
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="webhook_deliveries", verbose_name=_("merchant")
    )
    event = models.ForeignKey(
        ParcelEvent, on_delete=models.PROTECT, related_name="webhook_deliveries", verbose_name=_("event")
    )
    url = models.URLField(_("URL"))
    livemode = models.BooleanField(_("live"), default=True, editable=False)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    # The attempt after which retries stop; a replay moves it on by another round of retries.
    give_up_after = models.PositiveIntegerField(_("give up after attempt"))
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    # Set by every change: the services change deliveries with update(), which auto_now does not see.
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["event", "merchant"], name="webhook_one_delivery_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]

    def __str__(self) -> str:
        return f"{self.merchant.code} event {self.event_id}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("delivery")
    )
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(_("response (first 2 kB)"), blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery_id", "number"]  # by id: "delivery" would join the deliveries to sort
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_unique")]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number}"


class Notification(models.Model):
    """A message to a shopper about a parcel: one row per parcel, kind and channel, so each goes out once."""

    class Kind(models.TextChoices):
        ARRIVED = "arrived", _("Parcel arrived")
        REMINDER = "reminder", _("Pickup reminder")
        EXPIRED = "expired", _("Expired and returning")
        # The reminder before an extended hold ends: one more, since the first spoke of the old deadline.
        EXTENDED_REMINDER = "reminder_ext", _("Pickup reminder (extended hold)")
        REDIRECTED = "redirected", _("Redirected to another store")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("parcel"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    # Not before this moment: SMS due in the store's quiet hours waits until the morning.
    send_after = models.DateTimeField(_("send after"))
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    body = models.TextField(_("message"), blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["parcel", "kind", "channel"], name="notification_once_per_kind_channel")
        ]
        indexes = [models.Index(fields=["status", "send_after"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.parcel_id} {self.kind} {self.channel}"


# --- Returns dropped off at a store -----------------------------------------------------------------


def new_return_nonce() -> str:
    return secrets.token_hex(16)


class ReturnRequest(models.Model):
    """A shopper's return of a picked-up parcel: its return code, the store chosen and the drop-off.

    Like the pickup code, the return code is derived from the server secret and `nonce` (so the tracking
    page can show it again) and only its keyed hash is stored, unique so that a scan finds one return.
    """

    class Source(models.TextChoices):
        SHOPPER = "shopper", _("Shopper, on the tracking page")
        MERCHANT = "merchant", _("Merchant, through the API")

    parcel = models.OneToOneField(
        Parcel, on_delete=models.PROTECT, related_name="return_request", verbose_name=_("parcel")
    )
    source = models.CharField(_("requested by"), max_length=8, choices=Source.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    nonce = models.CharField(max_length=32, default=new_return_nonce, editable=False)
    code_hash = models.CharField(_("return code (hashed)"), max_length=64, unique=True, editable=False)
    store = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chosen drop-off store"),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True, db_index=True)
    dropped_off_at = models.DateTimeField(_("dropped off"), null=True, blank=True, editable=False)
    dropped_off_store = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("dropped off at"),
    )

    class Meta:
        verbose_name = _("return request")
        verbose_name_plural = _("return requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.parcel} return"
