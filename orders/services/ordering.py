"""Orders as merchants place and change them: create with parcels, cancel, change the pickup store.

The API and the demo shop call these; both get the same checks against the store (active, size,
weight, cash limit, free capacity) and the same field-by-field errors. Locks are taken in the order
stated in orders/locks.py (order, then store, then parcels), so concurrent changes queue instead of
deadlocking; locking the store serialises capacity checks, so two checkouts cannot both take its
last slot.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError
from orders.capacity import cold_slots_free
from orders.lifecycle import parcel_record_creation, parcel_record_event, parcel_transition
from orders.locks import lock_order, lock_store
from orders.models import Merchant, Order, Parcel, ParcelEvent
from stores.locator import expected_arrival_day, free_capacity, pickup_day_choices
from stores.models import COLD_CLASSES, SizeClass, Store, TemperatureClass

S = Parcel.Status
# Volume units a size class takes in a vehicle, when the merchant does not say.
DEFAULT_VOLUME_UNITS = {SizeClass.S: 1, SizeClass.M: 3, SizeClass.L: 6}
BEFORE_DISPATCH = frozenset({S.CREATED, S.AT_DC, S.PLANNED})
# Taiwan keeps one time zone, so a store's zone says whether it is in Taiwan (stores have no country).
TAIWAN_TIME_ZONE = "Asia/Taipei"


@dataclass(frozen=True)
class ParcelSpec:
    size_class: str
    weight_g: int
    volume_units: int | None = None
    temperature_class: str = TemperatureClass.AMBIENT
    fragile: bool = False


class OrderRejected(DomainError):
    """The store cannot take the order; `fields` says why, per field (parcels by position)."""

    def __init__(self, fields: dict):
        super().__init__(_("The pickup store cannot take this order."), code="invalid")
        self.fields = fields

    def messages(self) -> list[str]:
        """Every reason, in order, for a page that shows them in one list."""
        return _messages_in(self.fields)


def _messages_in(fields: dict) -> list[str]:
    messages = []
    for value in fields.values():
        if isinstance(value, dict):
            messages += _messages_in(value)
        elif isinstance(value, list):
            for item in value:
                messages += _messages_in(item) if isinstance(item, dict) else [str(item)]
    return messages


def order_create(
    *,
    merchant: Merchant,
    reference: str,
    shopper_name: str,
    shopper_phone: str,
    pickup_store: Store,
    parcels: Sequence[ParcelSpec],
    shopper_email: str = "",
    cash_on_pickup: int = 0,
    preferred_pickup_day: date | None = None,
    language: str | None = None,
    actor_label: str = "",
    livemode: bool = True,
) -> Order:
    """`preferred_pickup_day` None means as soon as possible; `language` None, the store's default;
    `livemode` False makes a sandbox order."""
    if not parcels:
        raise OrderRejected({"parcels": [_("An order needs at least one parcel.")]})
    with transaction.atomic():
        store = lock_store(pickup_store.pk)
        problems = store_problems(store=store, parcels=parcels, cash_on_pickup=cash_on_pickup)
        if day_problem := pickup_day_problem(preferred_pickup_day):
            problems["preferred_pickup_day"] = [day_problem]
        if Order.objects.filter(merchant=merchant, livemode=livemode, reference=reference).exists():
            problems["reference"] = [_("You already have an order with reference %(ref)s.") % {"ref": reference}]
        if problems:
            raise OrderRejected(problems)
        order = Order.objects.create(
            merchant=merchant,
            reference=reference,
            shopper_name=shopper_name,
            shopper_email=shopper_email,
            shopper_phone=shopper_phone,
            pickup_store=store,
            cash_on_pickup=cash_on_pickup,
            preferred_pickup_day=preferred_pickup_day,
            language=language or order_language_default(store),
            livemode=livemode,
        )
        for spec in parcels:
            parcel = Parcel.objects.create(
                order=order,
                size_class=spec.size_class,
                weight_g=spec.weight_g,
                volume_units=spec.volume_units or DEFAULT_VOLUME_UNITS[SizeClass(spec.size_class)],
                temperature_class=spec.temperature_class,
                fragile=spec.fragile,
            )
            parcel_record_creation(parcel=parcel, actor_label=actor_label)
    return order


def order_language_default(store: Store) -> str:
    """The shopper's language when the checkout does not say: Traditional Chinese at a store in Taiwan,
    else the site's language."""
    if store.time_zone == TAIWAN_TIME_ZONE:
        return Order.Language.ZH_HANT
    return settings.LANGUAGE_CODE


def store_problems(
    *, store: Store, parcels: Sequence[ParcelSpec], cash_on_pickup: int, moving_in: int | None = None
) -> dict:
    """What stops `store` from taking these parcels, by field; empty when it can.

    `moving_in` is how many slots the order needs (by default one per parcel).
    """
    problems: dict = {}
    if not store.active:
        problems["pickup_store"] = [_("Store %(code)s is not taking parcels.") % {"code": store.code}]
        return problems
    # Keyed by position, the shape DRF gives its own errors for a list, so both read alike.
    per_parcel = {}
    for position, spec in enumerate(parcels):
        errors = {}
        if not store.accepts_size(spec.size_class):
            errors["size_class"] = [
                _("Store %(code)s takes parcels up to size %(max)s; this one is %(size)s.")
                % {"code": store.code, "max": store.max_size_class, "size": spec.size_class}
            ]
        if spec.weight_g > store.max_weight_g:
            errors["weight_g"] = [
                _("Store %(code)s takes parcels up to %(max)s g; this one weighs %(weight)s g.")
                % {"code": store.code, "max": store.max_weight_g, "weight": spec.weight_g}
            ]
        if reason := temperature_refusal(store, spec.temperature_class):
            errors["temperature_class"] = [reason]
        if errors:
            per_parcel[str(position)] = errors
    if per_parcel:
        problems["parcels"] = per_parcel
    if cash_on_pickup > store.max_cash_on_pickup:
        problems["cash_on_pickup"] = [
            _("Store %(code)s collects at most %(max)s TWD on pickup.")
            % {"code": store.code, "max": store.max_cash_on_pickup}
        ]
    ambient = [spec for spec in parcels if spec.temperature_class not in COLD_CLASSES]
    needed = len(ambient) if moving_in is None else moving_in
    full = needed and free_capacity(stores=[store], day=expected_arrival_day())[store.pk] < needed
    for cold in COLD_CLASSES:
        wanted = sum(1 for spec in parcels if spec.temperature_class == cold)
        full = full or (
            wanted and store.accepts_temperature(cold) and cold_slots_free(store=store, temperature_class=cold) < wanted
        )
    if full:
        problems["pickup_store"] = [
            _("Store %(code)s is full on the expected arrival day; choose another store.") % {"code": store.code}
        ]
    return problems


def temperature_refusal(store: Store, temperature_class: str) -> str:
    """Why `store` cannot hold a parcel of this temperature class, or '' when it can."""
    if store.accepts_temperature(temperature_class):
        return ""
    label = TemperatureClass(temperature_class).label
    return _("Store %(code)s cannot hold %(class)s parcels (it has no %(class)s slots).") % {
        "code": store.code,
        "class": str(label).lower(),
    }


def pickup_day_problem(day: date | None) -> str:
    """Why a preferred pickup day cannot be chosen, or '' when it can (None, as soon as possible, always can)."""
    if day is None:
        return ""
    choices = pickup_day_choices()
    if day not in choices:
        return _("Choose a pickup day from %(first)s to %(last)s, or as soon as possible.") % {
            "first": choices[0].isoformat(),
            "last": choices[-1].isoformat(),
        }
    return ""


def order_set_pickup_day(*, order: Order, day: date | None, actor_label: str = "") -> Order:
    """Move the shopper's pickup day, until dispatch. A parcel already on today's plan for an
    earlier day goes back to the DC to wait for the new day."""
    if problem := pickup_day_problem(day):
        raise OrderRejected({"preferred_pickup_day": [problem]})
    with transaction.atomic():
        lock_order(order.pk)
        order.refresh_from_db(fields=["preferred_pickup_day"])
        old = order.preferred_pickup_day
        if old == day:
            return order
        parcels = [p for p in order.parcels.order_by("id") if p.status != S.CANCELLED]
        if not parcels:
            raise ConflictError(_("Order %(ref)s is cancelled.") % {"ref": order.reference}, code="cancelled")
        _refuse_after_dispatch(
            parcels,
            _(
                "Parcel %(tracking)s has left the distribution centre (status: %(status)s); "
                "the pickup day can be changed only before dispatch."
            ),
        )
        for parcel in parcels:
            arriving = (
                parcel.expected_arrival.astimezone(order.pickup_store.tz).date() if parcel.expected_arrival else None
            )
            if parcel.status == S.PLANNED and day is not None and arriving is not None and arriving < day:
                parcel_transition(
                    parcel=parcel,
                    to=S.AT_DC,
                    actor_label=actor_label,
                    changes={"expected_arrival": None},
                    details={"reason": "pickup day changed"},
                )
        Order.objects.filter(pk=order.pk).update(preferred_pickup_day=day, updated_at=timezone.now())
        order.preferred_pickup_day = day
        for parcel in parcels:
            parcel_record_event(
                parcel=parcel,
                type=ParcelEvent.Type.PICKUP_DAY_CHANGED,
                actor_label=actor_label,
                details={"from": old.isoformat() if old else None, "to": day.isoformat() if day else None},
            )
    return order


def order_cancel(*, order: Order, actor_label: str = "") -> Order:
    """Cancel every parcel of the order; refused once any has been dispatched. Cancelling twice is a no-op."""
    with transaction.atomic():
        lock_order(order.pk)
        parcels = list(order.parcels.order_by("id"))
        _refuse_after_dispatch(
            parcels,
            _(
                "Parcel %(tracking)s has left the distribution centre (status: %(status)s); "
                "an order can be cancelled only before dispatch."
            ),
        )
        for parcel in parcels:
            if parcel.status != S.CANCELLED:
                parcel_transition(parcel=parcel, to=S.CANCELLED, actor_label=actor_label)
    return order


def order_change_pickup_store(*, order: Order, store: Store, actor_label: str = "") -> Order:
    """Send the order's parcels to another store, until dispatch.

    A parcel already on a route plan goes back to the DC (`planned → at_dc`) to be planned again
    for the new store, and loses its expected arrival.
    """
    with transaction.atomic():
        lock_order(order.pk)
        order.refresh_from_db(fields=["pickup_store"])
        old_store = order.pickup_store
        if store.pk == old_store.pk:
            return order
        parcels = [p for p in order.parcels.order_by("id") if p.status != S.CANCELLED]
        if not parcels:
            raise ConflictError(_("Order %(ref)s is cancelled.") % {"ref": order.reference}, code="cancelled")
        _refuse_after_dispatch(
            parcels,
            _(
                "Parcel %(tracking)s has left the distribution centre (status: %(status)s); "
                "the pickup store can be changed only before dispatch."
            ),
        )
        new_store = lock_store(store.pk)
        specs = [ParcelSpec(p.size_class, p.weight_g, p.volume_units, p.temperature_class, p.fragile) for p in parcels]
        problems = store_problems(store=new_store, parcels=specs, cash_on_pickup=order.cash_on_pickup)
        if problems:
            raise OrderRejected(problems)
        for parcel in parcels:
            if parcel.status == S.PLANNED:
                parcel_transition(
                    parcel=parcel, to=S.AT_DC, actor_label=actor_label, details={"reason": "pickup store changed"}
                )
        Order.objects.filter(pk=order.pk).update(pickup_store=new_store, updated_at=timezone.now())
        order.pickup_store = new_store
        Parcel.objects.filter(pk__in=[p.pk for p in parcels]).update(expected_arrival=None)
        for parcel in parcels:
            parcel_record_event(
                parcel=parcel,
                type=ParcelEvent.Type.STORE_CHANGED,
                actor_label=actor_label,
                store=new_store,
                details={"from": old_store.code, "to": new_store.code},
            )
    return order


def _refuse_after_dispatch(parcels: Sequence[Parcel], message: str) -> None:
    for parcel in parcels:
        if parcel.status not in BEFORE_DISPATCH and parcel.status != S.CANCELLED:
            raise ConflictError(
                message % {"tracking": parcel.tracking_number, "status": S(parcel.status).label}, code="dispatched"
            )
