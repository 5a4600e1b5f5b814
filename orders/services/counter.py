"""The store counter: scan-in onto shelf slots, handover against the pickup code, expiry, return scan-out
and problem reports.

Every status change goes through `orders.lifecycle.parcel_transition` and every other action through
`parcel_record_event`, so each action is a ParcelEvent with the clerk as actor (and notifications and
webhooks follow from the gate's outbox). Refusals are `CounterRefusal`s whose `code` names the
reason for the screen and the JSON endpoint.
"""

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import DomainError
from orders.counter_selectors import counter_cash_due, counter_handover_parcels
from orders.lifecycle import AWAITING_COLLECTION, parcel_record_event, parcel_transition
from orders.locks import lock_order, lock_parcel, lock_parcels
from orders.models import Order, Parcel, ParcelEvent
from orders.pickup_codes import pickup_code_for, pickup_code_hash
from orders.services.proxy import CollectedBy, handover_collector
from stores.models import Store, TemperatureClass

logger = logging.getLogger("orders.counter")

S = Parcel.Status
CODE_ATTEMPT_LIMIT = 5
CODE_LOCK_DURATION = timedelta(minutes=15)
TRACKING_MAX_LENGTH = Parcel._meta.get_field("tracking_number").max_length


class CounterRefusal(DomainError):
    """The counter refuses a scan or a handover; `code` is the reason, `slot` the shelf slot when one matters."""

    status_code = 409

    def __init__(self, message: str, *, code: str, status_code: int = 409, slot: int | None = None):
        super().__init__(message, code=code)
        self.status_code = status_code
        self.slot = slot


class Reason:
    UNKNOWN = "unknown_code"
    OTHER_STORE = "other_store"
    ALREADY_SCANNED_IN = "already_scanned_in"
    CANCELLED = "cancelled"
    STORE_FULL = "store_full"
    NOT_DISPATCHED = "not_dispatched"
    ALREADY_LEFT = "already_left"
    NOT_EXPIRED = "not_expired"
    ALREADY_SCANNED_OUT = "already_scanned_out"
    NOT_ON_SHELF = "not_on_shelf"
    NO_MATCH = "no_match"
    WRONG_CODE = "wrong_code"
    LOCKED = "locked"
    NOT_IN_ORDER = "not_in_order"
    NOT_ALL_SCANNED = "not_all_scanned"
    CASH_NOT_CONFIRMED = "cash_not_confirmed"
    ALREADY_HANDED_OVER = "already_handed_over"
    CHANGED_DURING_HANDOVER = "changed_during_handover"


@dataclass(frozen=True)
class ScanResult:
    parcel: Parcel
    slot: int | None
    event: ParcelEvent


@dataclass(frozen=True)
class Handover:
    """An order opened at the counter with its pickup code: what to fetch from the shelf and what to collect."""

    order: Order
    here: list[Parcel]
    elsewhere: list[Parcel]
    cash_due: int


def normalize_scan(code: str) -> str:
    """What a scanner or a person typed, without spaces; refuses an empty scan by naming the field."""
    cleaned = "".join((code or "").split())
    if not cleaned:
        raise DomainError(_("Scan or type a tracking number."), code="empty", field="code")
    return cleaned


def _parcel_by_tracking(code: str) -> Parcel | None:
    if len(code) > TRACKING_MAX_LENGTH:
        return None
    try:
        # A sandbox parcel never reaches a counter: its number is unknown here.
        return Parcel.objects.select_related("order__merchant").get(tracking_number=code, order__livemode=True)
    except Parcel.DoesNotExist:
        return None


def _unknown(code_kind: str, *, store: Store, clerk) -> CounterRefusal:
    logger.info("counter %s refused: unknown code (clerk=%s store=%s)", code_kind, clerk.pk, store.pk)
    return CounterRefusal(_("Unknown code: no parcel has this tracking number."), code=Reason.UNKNOWN, status_code=404)


def _refuse(
    parcel: Parcel, *, store: Store, clerk, action: str, reason: str, message: str, status_code: int = 409
) -> CounterRefusal:
    """Record a refused scan of a real parcel as an event the DC sees, log it, and return the refusal to raise."""
    logger.warning(
        "counter %s refused: %s (clerk=%s store=%s parcel=%s)", action, reason, clerk.pk, store.pk, parcel.pk
    )
    parcel_record_event(
        parcel=parcel,
        type=ParcelEvent.Type.SCAN_REFUSED,
        actor=clerk,
        store=store,
        details={"action": action, "reason": reason},
    )
    return CounterRefusal(message, code=reason, status_code=status_code)


def _other_store(parcel: Parcel, *, store: Store, clerk, action: str) -> CounterRefusal:
    # 404 as for any parcel outside the clerk's store; the message says only that it belongs elsewhere,
    # which the clerk holding the box needs to know to hand it back to the driver.
    return _refuse(
        parcel,
        store=store,
        clerk=clerk,
        action=action,
        reason=Reason.OTHER_STORE,
        status_code=404,
        message=_("Addressed to another store: give it back to the driver."),
    )


def _scanned_parcel(code: str, *, store: Store, clerk, action: str) -> Parcel:
    """The parcel a scan names, refused when unknown or addressed to another store."""
    parcel = _parcel_by_tracking(normalize_scan(code))
    if parcel is None:
        raise _unknown(action, store=store, clerk=clerk)
    if parcel.shelf_store_id == store.pk and parcel.order.pickup_store_id != store.pk:
        return parcel  # on this shelf, though addressed elsewhere: a return a shopper dropped off here
    if parcel.order.pickup_store_id != store.pk:
        raise _other_store(parcel, store=store, clerk=clerk, action=action)
    parcel.order.pickup_store = store  # the same row, already loaded: spares the notifications a query
    return parcel


# The lowest free slot of a range: its first slot if free, else the slot after the lowest taken one
# whose successor is not taken. Written out rather than built by the ORM, which spends longer
# compiling this query than the database spends running it, on the busiest path of the counter; it is
# plain SQL that every supported database runs: one walk up the unique slot index that pairs each
# taken slot with the next (LEAD) and stops at the first gap, half the work of probing the index
# again for every slot's successor.
_FREE_SLOT_SQL = f"""
SELECT
  (SELECT 1 FROM {Parcel._meta.db_table} WHERE shelf_store_id = %(store)s AND shelf_slot = %(start)s),
  (SELECT slot + 1 FROM (
     SELECT shelf_slot AS slot, LEAD(shelf_slot) OVER (ORDER BY shelf_slot) AS next FROM {Parcel._meta.db_table}
     WHERE shelf_store_id = %(store)s AND shelf_slot >= %(start)s AND shelf_slot <= %(last)s
   ) taken
   WHERE slot < %(last)s AND (next IS NULL OR next > slot + 1)
   ORDER BY slot LIMIT 1)
"""


def shelf_slot_free(*, store: Store, parcel: Parcel) -> int | None:
    """The lowest free slot of `store` that can take `parcel` (so freed slots are reused), or None.

    The one place that chooses slots: a chilled or frozen parcel only gets a slot of its class (the
    store's chiller or freezer, numbered after its ambient shelf).
    """
    slots = store.slot_range(parcel.temperature_class)
    if not slots:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_FREE_SLOT_SQL, {"store": store.pk, "start": slots.start, "last": slots.stop - 1})
        first_taken, after_gap = cursor.fetchone()
    if not first_taken:
        return slots.start
    return after_gap


def _scan_in_refusal(parcel: Parcel, *, store: Store, clerk) -> CounterRefusal:
    """Why a parcel of this store that is not in transit cannot be scanned in."""
    if parcel.status in (S.AT_STORE, S.EXPIRED) and parcel.shelf_store_id == store.pk:
        # A repeat scan (double-triggered scanner, second clerk, replay after a reload): not an error worth
        # an event, and the slot is what the clerk needs to see.
        return CounterRefusal(
            _("Already scanned in: it is on slot %(slot)s.") % {"slot": parcel.shelf_slot},
            code=Reason.ALREADY_SCANNED_IN,
            slot=parcel.shelf_slot,
        )
    if parcel.status == S.CANCELLED:
        reason, message = Reason.CANCELLED, _("Cancelled: do not shelve it; give it back to the driver.")
    elif parcel.status in (S.CREATED, S.AT_DC, S.PLANNED):
        reason, message = Reason.NOT_DISPATCHED, _("Not dispatched yet: the system has it at the distribution centre.")
    else:
        reason = Reason.ALREADY_LEFT
        message = _("Already %(status)s: it should not be here.") % {"status": parcel.get_status_display().lower()}
    return _refuse(parcel, store=store, clerk=clerk, action="scan_in", reason=reason, message=message)


def _redirect_details(parcel: Parcel) -> dict:
    """A parcel the driver redirected here from a full or closed store is scanned in as redirected."""
    if parcel.redirected_from_id is None:
        return {}
    return {"redirected_from": parcel.redirected_from.code}


def parcel_scan_in(*, code: str, store: Store, clerk) -> ScanResult:
    """Accept a parcel from the truck onto the lowest free shelf slot, starting its hold clock.

    Slots are taken optimistically: pick the lowest free slot and let the unique index
    `parcel_one_per_shelf_slot` arbitrate; a clerk who loses a slot to a concurrent scan retries with the
    next one. Locking the store row first would also be correct, but it would queue every scan of a store
    behind one lock, while collisions only happen when two scans race for the same slot.
    """
    parcel = _scanned_parcel(code, store=store, clerk=clerk, action="scan_in")
    if parcel.status != S.IN_TRANSIT:
        raise _scan_in_refusal(parcel, store=store, clerk=clerk)
    code_hash = pickup_code_hash(pickup_code_for(parcel.order))
    tried: set[int] = set()
    while True:
        slot = shelf_slot_free(store=store, parcel=parcel)
        if slot in tried:
            # A rival scan's slot is committed before the unique index refuses ours, so a slot read
            # again after a refusal is not the race: let the error surface.
            raise RuntimeError(f"shelf slot {slot} of store {store.pk} refused twice")
        if slot is None:
            message = (
                _("Store full: every shelf slot is taken. Keep it aside and call the DC.")
                if parcel.temperature_class == TemperatureClass.AMBIENT
                else _("No free %(class)s slot. Keep it cold and call the DC.")
                % {"class": str(parcel.get_temperature_class_display()).lower()}
            )
            raise _refuse(parcel, store=store, clerk=clerk, action="scan_in", reason=Reason.STORE_FULL, message=message)
        try:
            event = parcel_transition(
                parcel=parcel,
                to=S.AT_STORE,
                actor=clerk,
                store=store,
                details={"slot": slot, **_redirect_details(parcel)},
                changes={"shelf_store": store, "shelf_slot": slot, "pickup_code_hash": code_hash},
            )
        except IntegrityError:
            tried.add(slot)
            continue
        except DomainError:
            # Lost the compare-and-swap to a concurrent scan of the same parcel: say what it is now.
            parcel.refresh_from_db(fields=["status", "shelf_store", "shelf_slot"])
            raise _scan_in_refusal(parcel, store=store, clerk=clerk) from None
        return ScanResult(parcel=parcel, slot=slot, event=event)


def parcel_return_scan_out(*, code: str, store: Store, clerk) -> ScanResult:
    """Hand an expired parcel (or a shopper's return dropped off here) from the shelf to the driver for
    its return to the DC; frees its slot."""
    parcel = _scanned_parcel(code, store=store, clerk=clerk, action="return")
    if parcel.status in AWAITING_COLLECTION and parcel.shelf_store_id == store.pk:
        slot = parcel.shelf_slot
        try:
            event = parcel_transition(
                parcel=parcel, to=S.RETURN_IN_TRANSIT, actor=clerk, store=store, details={"slot": slot}
            )
        except DomainError:
            parcel.refresh_from_db(fields=["status", "shelf_store", "shelf_slot"])
        else:
            return ScanResult(parcel=parcel, slot=slot, event=event)
    if parcel.status in (S.RETURN_IN_TRANSIT, S.RETURNED):
        raise CounterRefusal(_("Already scanned out to the driver."), code=Reason.ALREADY_SCANNED_OUT)
    if parcel.status == S.AT_STORE:
        deadline = formats.date_format(timezone.localtime(parcel.hold_deadline, store.tz), "DATETIME_FORMAT")
        raise _refuse(
            parcel,
            store=store,
            clerk=clerk,
            action="return",
            reason=Reason.NOT_EXPIRED,
            message=_("Not expired: the shopper can collect it until %(deadline)s. Keep it on slot %(slot)s.")
            % {"deadline": deadline, "slot": parcel.shelf_slot},
        )
    raise _refuse(
        parcel,
        store=store,
        clerk=clerk,
        action="return",
        reason=Reason.NOT_ON_SHELF,
        message=_("Not on this store's shelf: it is %(status)s.") % {"status": parcel.get_status_display().lower()},
    )


def _locked_refusal(until: datetime, store: Store) -> CounterRefusal:
    return CounterRefusal(
        _("Locked after %(limit)s wrong pickup codes until %(time)s. Ask the shopper to wait or call support.")
        % {
            "limit": CODE_ATTEMPT_LIMIT,
            # A 24-hour clock: "p.m." would end the sentence with a second full stop.
            "time": formats.time_format(timezone.localtime(until, store.tz), "H:i"),
        },
        code=Reason.LOCKED,
        status_code=423,
    )


def _verify_code_on(parcel: Parcel, *, code_hash: str, store: Store, clerk) -> None:
    """Check a typed code against one parcel, counting a wrong one; the 5th wrong code locks the parcel.

    The count is read and written under the parcel's row lock, so concurrent guesses are serialised by the
    database: twenty at once still count five and lock once. The wrong attempt is committed before the
    refusal is raised, so it is not rolled back with the request.
    """
    now = timezone.now()
    with transaction.atomic():
        row = lock_parcel(parcel.pk, fields=["failed_code_attempts", "code_locked_until", "pickup_code_hash"])
        if row.code_locked_until and row.code_locked_until > now:
            raise _locked_refusal(row.code_locked_until, store)
        if hmac.compare_digest(row.pickup_code_hash, code_hash):
            return
        logger.warning(
            "counter handover refused: wrong code (clerk=%s store=%s parcel=%s)", clerk.pk, store.pk, parcel.pk
        )
        attempts = row.failed_code_attempts + 1
        parcel_record_event(
            parcel=parcel, type=ParcelEvent.Type.CODE_FAILED, actor=clerk, store=store, details={"attempt": attempts}
        )
        if attempts < CODE_ATTEMPT_LIMIT:
            Parcel.objects.filter(pk=parcel.pk).update(failed_code_attempts=F("failed_code_attempts") + 1)
            locked_until = None
        else:
            locked_until = now + CODE_LOCK_DURATION
            Parcel.objects.filter(pk=parcel.pk).update(failed_code_attempts=0, code_locked_until=locked_until)
            parcel_record_event(
                parcel=parcel,
                type=ParcelEvent.Type.CODE_LOCKED,
                actor=clerk,
                store=store,
                details={"until": locked_until.isoformat(), "attempts": attempts},
            )
    if locked_until:
        raise _locked_refusal(locked_until, store)
    left = CODE_ATTEMPT_LIMIT - attempts
    raise CounterRefusal(
        ngettext(
            "Wrong pickup code. %(left)s try left before this parcel is locked for %(minutes)s minutes.",
            "Wrong pickup code. %(left)s tries left before this parcel is locked for %(minutes)s minutes.",
            left,
        )
        % {"left": left, "minutes": int(CODE_LOCK_DURATION.total_seconds() // 60)},
        code=Reason.WRONG_CODE,
    )


def _normalize_pickup_code(code: str) -> str:
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    if not digits:
        raise DomainError(_("Scan or type the shopper's pickup code."), code="empty", field="code")
    return digits


def handover_open(*, code: str, store: Store, clerk, tracking_number: str = "") -> Handover:
    """Find the order whose parcels this pickup code releases at `store`.

    With a tracking number (the clerk found the parcel and the shopper shows the code) a wrong code counts
    against that parcel. With the code alone, a code that matches nothing here counts against no parcel
    (there is none to count on); it is answered plainly and logged.
    """
    code_hash = pickup_code_hash(_normalize_pickup_code(code))
    if tracking_number:
        parcel = _scanned_parcel(tracking_number, store=store, clerk=clerk, action="handover")
        if parcel.status != S.AT_STORE or parcel.shelf_store_id != store.pk:
            raise CounterRefusal(
                _("Not ready for pickup here: it is %(status)s.") % {"status": parcel.get_status_display().lower()},
                code=Reason.NOT_ON_SHELF,
            )
        _verify_code_on(parcel, code_hash=code_hash, store=store, clerk=clerk)
        order = parcel.order
    else:
        matches = list(
            Parcel.objects.select_related("order").filter(
                shelf_store=store, status=S.AT_STORE, pickup_code_hash=code_hash
            )
        )
        if not matches:
            logger.warning(
                "counter handover refused: code matches no parcel here (clerk=%s store=%s)", clerk.pk, store.pk
            )
            raise CounterRefusal(
                _(
                    "No parcel waiting at this store matches this code. "
                    "Check the digits, or find the parcel by its tracking number."
                ),
                code=Reason.NO_MATCH,
                status_code=404,
            )
        now = timezone.now()
        locked = [p.code_locked_until for p in matches if p.code_locked_until and p.code_locked_until > now]
        if locked:
            raise _locked_refusal(max(locked), store)
        order = matches[0].order
    here, elsewhere = counter_handover_parcels(order=order, store=store)
    return Handover(order=order, here=here, elsewhere=elsewhere, cash_due=counter_cash_due(order))


def handover_check_scan(*, handover: Handover, code: str, store: Store, clerk) -> Parcel:
    """The parcel of the open order that a shelf scan names, or a refusal when it is not one of them."""
    code = normalize_scan(code)
    for parcel in handover.here:
        if parcel.tracking_number == code:
            return parcel
    logger.info(
        "counter handover scan refused: not part of the order (clerk=%s store=%s order=%s)",
        clerk.pk,
        store.pk,
        handover.order.pk,
    )
    raise CounterRefusal(_("Not part of this order: put it back on its slot."), code=Reason.NOT_IN_ORDER)


def _order_held(*, scanned: set[str], code: str, store: Store) -> Order | None:
    """The order of the parcels the clerk scanned for this code, whatever has become of them since.

    The code is checked against the parcels' own pickup code hash, so a wrong code finds nothing here.
    """
    if not scanned:
        return None
    parcel = (
        Parcel.objects.select_related("order")
        .filter(
            tracking_number__in=scanned,
            order__pickup_store=store,
            pickup_code_hash=pickup_code_hash(_normalize_pickup_code(code)),
        )
        .first()
    )
    return parcel.order if parcel else None


def _moved_refusal(moved: list[Parcel], *, store: Store) -> CounterRefusal:
    """Say what became of the parcels the clerk was holding, which are no longer on this shelf to hand over."""
    if all(p.status == S.PICKED_UP for p in moved):
        return CounterRefusal(_("Already handed over."), code=Reason.ALREADY_HANDED_OVER)
    what = []
    for parcel in moved:
        when = formats.time_format(timezone.localtime(parcel.status_changed_at, store.tz), "TIME_FORMAT")
        if parcel.status == S.EXPIRED:
            what.append(
                _("Parcel %(tracking)s expired at %(time)s while you were handing over")
                % {"tracking": parcel.tracking_number, "time": when}
            )
        else:
            what.append(
                _("Parcel %(tracking)s became %(status)s at %(time)s while you were handing over")
                % {
                    "tracking": parcel.tracking_number,
                    "status": parcel.get_status_display().lower(),
                    "time": when,
                }
            )
    return CounterRefusal(
        _("%(what)s; hand over nothing: put every parcel of the order back on its slot.") % {"what": "; ".join(what)},
        code=Reason.CHANGED_DURING_HANDOVER,
    )


def handover_confirm(
    *,
    code: str,
    store: Store,
    clerk,
    tracking_numbers: list[str],
    cash_received: bool,
    opened_by_tracking: str = "",
    collected_by: str = CollectedBy.SHOPPER,
) -> list[ParcelEvent]:
    """Hand the order's parcels on this shelf to the shopper: each must have been scanned, cash confirmed.

    An order is handed over whole or not at all: the order row is locked first, then every parcel of
    the order in id order (so two clerks confirming the same handover queue, and the expiry job cannot
    move one of them until this ends), and if a parcel the clerk scanned has left the shelf since (the
    hourly expiry, another clerk), nothing is handed over and the refusal says what happened to it.
    The code is checked again here, so this function alone enforces the rule whatever the screen did.
    Each handover event records who collected (`collected_by`: the shopper, or the proxy they named).
    """
    scanned = {normalize_scan(t) for t in tracking_numbers if t.strip()}
    try:
        order = handover_open(code=code, store=store, clerk=clerk, tracking_number=opened_by_tracking).order
    except CounterRefusal as refusal:
        # Nothing of the order is on the shelf any more: say what became of the parcels the clerk holds.
        # Only then: a wrong or locked code is refused as it was.
        if refusal.code not in (Reason.NO_MATCH, Reason.NOT_ON_SHELF):
            raise
        order = _order_held(scanned=scanned, code=code, store=store)
        if order is None:
            raise
    with transaction.atomic():
        lock_order(order.pk)
        parcels = lock_parcels(order.parcels.values_list("pk", flat=True))
        on_shelf = [p for p in parcels if p.status == S.AT_STORE and p.shelf_store_id == store.pk]
        moved = [p for p in parcels if p.tracking_number in scanned and p not in on_shelf]
        if moved:
            raise _moved_refusal(moved, store=store)
        if not on_shelf:
            raise CounterRefusal(_("Already handed over."), code=Reason.ALREADY_HANDED_OVER)
        missing = [p.tracking_number for p in on_shelf if p.tracking_number not in scanned]
        if missing:
            raise CounterRefusal(
                _("Scan every parcel before handing over; not scanned yet: %(missing)s.")
                % {"missing": ", ".join(missing)},
                code=Reason.NOT_ALL_SCANNED,
            )
        cash_due = counter_cash_due(order)
        if cash_due and not cash_received:
            raise CounterRefusal(
                _("Collect NT$%(amount)s and tick the box before handing over.") % {"amount": cash_due},
                code=Reason.CASH_NOT_CONFIRMED,
            )
        order.refresh_from_db(fields=["proxy_name", "proxy_phone_last4"])
        collector = handover_collector(order=order, collected_by=collected_by)
        events = [
            parcel_transition(
                parcel=p, to=S.PICKED_UP, actor=clerk, store=store, details={"slot": p.shelf_slot, **collector}
            )
            for p in on_shelf
        ]
        if cash_due:
            events.append(
                parcel_record_event(
                    parcel=on_shelf[0],
                    type=ParcelEvent.Type.CASH_COLLECTED,
                    actor=clerk,
                    store=store,
                    details={"amount": cash_due, "currency": "TWD"},
                )
            )
    return events


def parcels_overdue_ids(*, now: datetime) -> list[int]:
    """Ids of the parcels waiting past their hold deadline, in id order (what the expiry job works through)."""
    return list(
        Parcel.objects.filter(status=S.AT_STORE, hold_deadline__lt=now).order_by("pk").values_list("pk", flat=True)
    )


EXPIRY_CHUNK = 500


def parcels_expire_overdue(*, now: datetime | None = None) -> int:
    """Move every parcel past its hold deadline to expired; safe to run twice or alongside a handover.

    The ids are read first and the rows again, chunk by chunk, under the same filter: a parcel handed
    over (or expired by a parallel run) in between is no longer read, and one that moves after its row
    was read loses the gate's compare-and-swap. Any one parcel's failure is logged and skipped, so it
    cannot hold back the other overdue parcels for an hour.
    """
    now = now or timezone.now()
    ids = parcels_overdue_ids(now=now)
    expired = 0
    for start in range(0, len(ids), EXPIRY_CHUNK):
        parcels = (
            Parcel.objects.filter(pk__in=ids[start : start + EXPIRY_CHUNK], status=S.AT_STORE, hold_deadline__lt=now)
            .select_related("shelf_store", "order__pickup_store", "order__merchant")
            .order_by("pk")
        )
        for parcel in parcels:
            try:
                parcel_transition(
                    parcel=parcel,
                    to=S.EXPIRED,
                    actor_label="system",
                    store=parcel.shelf_store,
                    details={"hold_deadline": parcel.hold_deadline.isoformat()},
                )
            except DomainError:
                continue  # picked up (or expired by a parallel run) since its row was read
            except Exception:
                logger.exception("expiry of parcel %s failed; the job goes on with the others", parcel.pk)
                continue
            expired += 1
    return expired


REPORTABLE = {
    ParcelEvent.Type.REPORTED_MISSING: frozenset({S.IN_TRANSIT}),
    ParcelEvent.Type.REPORTED_DAMAGED: frozenset({S.IN_TRANSIT, S.AT_STORE, S.EXPIRED}),
}


def parcel_report_problem(*, parcel: Parcel, store: Store, clerk, kind: str, note: str = "") -> ParcelEvent:
    """A clerk reports an expected parcel missing from the delivery, or a parcel damaged; the DC sees the event."""
    if kind not in REPORTABLE:
        raise DomainError(_("Choose what to report: missing or damaged."), field="kind")
    if parcel.order.pickup_store_id != store.pk:
        raise _other_store(parcel, store=store, clerk=clerk, action="report")
    if parcel.status not in REPORTABLE[kind]:
        raise CounterRefusal(
            _("Cannot report %(kind)s: the parcel is %(status)s.")
            % {"kind": ParcelEvent.Type(kind).label.lower(), "status": parcel.get_status_display().lower()},
            code="not_reportable",
        )
    return parcel_record_event(parcel=parcel, type=kind, actor=clerk, store=store, details={"note": note.strip()[:500]})
