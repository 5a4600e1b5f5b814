"""Shopper notifications by email and SMS: parcels arrived, reminder before the hold ends, expired.

One Notification row per parcel, kind and channel (a unique constraint), so each parcel's news is
recorded once however often the triggering event or job runs. The shopper gets one message per order,
though: a row waits PICKUP_MESSAGE_GATHER_MINUTES after its event, and the send that takes it claims
the order's other pending rows of the same kind and channel too (the rest of the order scanned in from
the same truck, expired by the same run), so one message lists them all. Parcels of an order that
arrive on different days get one message per day's batch. Sending claims each row (pending → sending)
with a compare-and-swap before the message goes out, so two workers never both send it; a parcel that
has moved on (picked up meanwhile) is left out, and a message with no parcel left is skipped. SMS due
in the store's quiet hours waits until the morning. Messages are written in the order's language.
Arrived and expired are created by the lifecycle gate's outbox (`orders.outbox`), so whatever moves a
parcel (the clerk counter's scan-in, the expiry job) triggers them without knowing about them, and the
message rows commit with the move itself.
"""

import logging
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from orders.counter_selectors import counter_cash_due
from orders.models import Notification, Order, Parcel, ParcelEvent
from orders.pickup_codes import pickup_code_for
from orders.redaction import redact
from orders.sms import send_sms
from stores.models import OpeningHours, Store

logger = logging.getLogger(__name__)

K = Notification.Kind
N = Notification.Status
S = Parcel.Status
MAX_ATTEMPTS = 5
# A message is worth sending only while the parcel is still in the state it talks about.
STILL_TRUE = {
    K.ARRIVED: {S.AT_STORE},
    K.REMINDER: {S.AT_STORE},
    K.EXTENDED_REMINDER: {S.AT_STORE},
    K.REDIRECTED: {S.IN_TRANSIT, S.AT_STORE},
    K.EXPIRED: {S.EXPIRED, S.RETURN_IN_TRANSIT, S.RETURNED},
}
ON_STATUS = {S.AT_STORE: K.ARRIVED, S.EXPIRED: K.EXPIRED}


def notifications_create_for_event(*, event: ParcelEvent) -> list[Notification]:
    """The shopper's messages a newly recorded event calls for (arrived, expired), in its transaction."""
    if event.type == ParcelEvent.Type.REDIRECTED:
        # The shopper learns the new store and its hours; a parcel redirected twice is told once.
        return notifications_create(parcel=event.parcel, kind=K.REDIRECTED)
    kind = ON_STATUS.get(event.to_status) if event.type == ParcelEvent.Type.STATUS else None
    # A sandbox order's shopper is made up: nobody is told anything.
    if kind is None or not event.parcel.order.livemode:
        return []
    # The gate moves a parcel into each of these statuses once in its life (no transition leads back
    # to them) and holds its row lock while it does: none of the kind's messages can exist yet.
    return notifications_create(parcel=event.parcel, kind=kind, first=True)


def in_quiet_hours(moment: datetime, tz: ZoneInfo) -> bool:
    local = moment.astimezone(tz).time()
    start, end = settings.SMS_QUIET_START, settings.SMS_QUIET_END
    return (local >= start or local < end) if start > end else start <= local < end


def sms_send_after(moment: datetime, tz: ZoneInfo) -> datetime:
    """`moment`, or the end of the store's quiet hours when it falls inside them."""
    if not in_quiet_hours(moment, tz):
        return moment
    local = moment.astimezone(tz)
    morning = datetime.combine(local.date(), settings.SMS_QUIET_END, tzinfo=tz)
    return morning if morning > local else morning + timedelta(days=1)


def notifications_create(
    *, parcel: Parcel, kind: str, now: datetime | None = None, first: bool = False
) -> list[Notification]:
    """The kind's email (if the shopper gave one) and SMS for the parcel, created once; the due ones are queued.

    `first` says that none of them can exist yet: they are inserted without the savepoint that lets a
    repeated creation skip the existing ones (should one exist after all, the unique constraint fails
    the caller's transaction instead).
    """
    now = now or timezone.now()
    order = parcel.order
    # The order's other parcels the same drop or run reaches meanwhile join this message.
    gathered = now + timedelta(minutes=settings.PICKUP_MESSAGE_GATHER_MINUTES)
    channels = [(Notification.Channel.SMS, order.shopper_phone, sms_send_after(gathered, order.pickup_store.tz))]
    if order.shopper_email:
        channels.insert(0, (Notification.Channel.EMAIL, order.shopper_email, gathered))
    wanted = [
        Notification(parcel=parcel, kind=kind, channel=channel, recipient=recipient, send_after=send_after)
        for channel, recipient, send_after in channels
    ]
    created = Notification.objects.bulk_create(wanted) if first else _insert_new(wanted)
    for notification in created:
        if notification.send_after <= gathered:
            _enqueue_on_commit(notification.pk, eta=notification.send_after)
    return created


def _insert_new(wanted: list[Notification]) -> list[Notification]:
    """Insert the rows the unique (parcel, kind, channel) constraint lets in; the ones it refuses exist already.

    Usually none does: one insert, no read first. When a row exists (a job run twice, a race between
    two creators), only the missing channels are inserted, and a loser of the race creates nothing.
    """
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(wanted)
    except IntegrityError:
        pass
    first = wanted[0]
    existing = set(Notification.objects.filter(parcel=first.parcel, kind=first.kind).values_list("channel", flat=True))
    missing = [n for n in wanted if n.channel not in existing]
    if not missing:
        return []
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(missing)
    except IntegrityError:
        return []


def _enqueue_on_commit(notification_id: int, *, eta: datetime) -> None:
    from orders.tasks import send_notification  # tasks import this module

    # Robust: if the broker is down the row stays due and notifications_send_due sends it later.
    transaction.on_commit(partial(send_notification.apply_async, (notification_id,), eta=eta), robust=True)


def notification_send(*, notification_id: int, now: datetime | None = None) -> str | None:
    """Send one due notification once, in one message with its order's other pending ones of its kind
    and channel; its status afterwards, or None when it was not due or not pending (sent with another).
    """
    now = now or timezone.now()
    notification = (
        Notification.objects.select_related("parcel__order__pickup_store", "parcel__order__merchant")
        .filter(pk=notification_id, status=N.PENDING, send_after__lte=now)
        .first()
    )
    if notification is None:
        return None
    order = notification.parcel.order
    store = order.pickup_store
    if notification.channel == Notification.Channel.SMS and in_quiet_hours(now, store.tz):
        Notification.objects.filter(pk=notification.pk, status=N.PENDING).update(
            send_after=sms_send_after(now, store.tz)
        )
        return N.PENDING
    if not _claim(notification.pk):
        return None
    claimed = [notification, *_claim_companions(notification)]
    live = [n for n in claimed if n.parcel.status in STILL_TRUE[notification.kind]]
    _skip([n for n in claimed if n not in live])
    if not live:
        return N.SKIPPED
    subject, body = notification_text(live)
    code = pickup_code_for(order)
    ids = [n.pk for n in live]
    try:
        if notification.channel == Notification.Channel.EMAIL:
            send_mail(subject, body, None, [notification.recipient])
        else:
            send_sms(to=notification.recipient, body=body)
    except Exception as exc:
        # One message: its rows share the first one's count of attempts and give up together.
        gave_up = notification.attempt_count + 1 >= MAX_ATTEMPTS
        # Providers quote the recipient in their errors: neither the log nor the note keeps it whole.
        error = redact(f"{type(exc).__name__}: {exc}", phone=notification.recipient, code=code)
        Notification.objects.filter(pk__in=ids).update(
            status=N.FAILED if gave_up else N.PENDING,
            send_after=now + timedelta(minutes=5 * 2**notification.attempt_count),
            note=error[:255],
        )
        logger.warning("notification %s failed: %s", notification.pk, error)
        status = N.FAILED if gave_up else N.PENDING
    else:
        # The copy kept for support shows what was sent except the code: the database holds codes only hashed.
        sent = {"status": N.SENT, "sent_at": timezone.now(), "body": redact(body, code=code)}
        Notification.objects.filter(pk__in=ids).update(**sent)
        status = N.SENT
    return status if notification in live else N.SKIPPED


def _claim(notification_id: int) -> bool:
    return bool(
        Notification.objects.filter(pk=notification_id, status=N.PENDING).update(
            status=N.SENDING, attempt_count=F("attempt_count") + 1
        )
    )


def _claim_companions(notification: Notification) -> list[Notification]:
    """The order's other pending notifications of the same kind and channel, claimed one by one: a row
    another worker took first is theirs. An order has a handful of parcels at most."""
    pending = (
        Notification.objects.select_related("parcel")
        .filter(
            parcel__order_id=notification.parcel.order_id,
            kind=notification.kind,
            channel=notification.channel,
            status=N.PENDING,
        )
        .exclude(pk=notification.pk)
        .order_by("parcel_id")
    )
    return [companion for companion in pending if _claim(companion.pk)]


def _skip(moot: list[Notification]) -> None:
    for notification in moot:
        with translation.override(settings.LANGUAGE_CODE):
            note = _("Not sent: the parcel is now %(status)s.") % {"status": S(notification.parcel.status).label}
        Notification.objects.filter(pk=notification.pk).update(status=N.SKIPPED, note=note[:255])


def notification_text(notifications: list[Notification]) -> tuple[str, str]:
    """Subject and body of one message about an order's parcels (one kind and channel), in the order's
    language, with the store's local times."""
    kind = notifications[0].kind
    parcels = [n.parcel for n in notifications]
    order = notifications[0].parcel.order
    store = order.pickup_store
    deadlines = [parcel.hold_deadline for parcel in parcels if parcel.hold_deadline]
    track = settings.PICKUP_PUBLIC_URL + reverse("tracking:lookup") + "?number="
    with translation.override(order.language):
        values = {
            "reference": order.reference,
            "merchant": order.merchant.name,
            "store": store.name,
            "address": store.address,
            "count": len(parcels),
            "code": pickup_code_for(order),
            # The parcels are handed over together: the earliest deadline is the one to keep.
            "deadline": timezone.localtime(min(deadlines), store.tz).strftime("%Y-%m-%d %H:%M") if deadlines else "",
        }
        parcel_lines = [f"{parcel.tracking_number}  {track}{parcel.tracking_number}" for parcel in parcels]
        if kind == K.ARRIVED:
            subject = _("Your order %(reference)s from %(merchant)s is ready for pickup") % values
            lines = [
                _("Your order %(reference)s from %(merchant)s is ready at %(store)s, %(address)s.") % values,
                *_collecting(order, store, values),
            ]
        elif kind == K.REDIRECTED:
            subject = _("Your order %(reference)s goes to another store: %(store)s") % values
            lines = [
                _(
                    "The store your order %(reference)s from %(merchant)s was addressed to could not take it, "
                    "so it goes to %(store)s, %(address)s."
                )
                % values,
                _("Opening hours: %(hours)s") % {"hours": store_hours_text(store)},
                _("Your pickup code stays the same; we will tell you when it is ready."),
            ]
        elif kind in (K.REMINDER, K.EXTENDED_REMINDER):
            subject = _("Reminder: collect your order %(reference)s by %(deadline)s") % values
            lines = [
                _("Your order %(reference)s from %(merchant)s is waiting at %(store)s, %(address)s.") % values,
                *_collecting(order, store, values),
            ]
        else:
            subject = _("Your order %(reference)s is going back to %(merchant)s") % values
            lines = [
                _("Your order %(reference)s was not collected in time at %(store)s and is going back to %(merchant)s.")
                % values
            ]
        lines += [_("Parcels (%(count)s), to track:") % values, *parcel_lines]
        return str(subject), "\n".join(str(line) for line in lines)


def _collecting(order: Order, store: Store, values: dict) -> list[str]:
    """What the shopper needs at the counter: the code, the cash, the deadline and the store's hours."""
    lines = [_("Pickup code: %(code)s") % values]
    if cash := counter_cash_due(order):
        lines.append(_("Cash to pay at pickup: %(cash)s TWD.") % {"cash": f"{cash:,}"})
    lines.append(_("Collect by %(deadline)s.") % values)
    lines.append(_("Opening hours: %(hours)s") % {"hours": store_hours_text(store)})
    return lines


def store_hours_text(store: Store) -> str:
    """The week's opening hours on one line, weekdays with the same hours run together (Monday–Friday)."""
    if store.is_24h:
        return str(_("Open 24 hours"))
    runs: list[tuple[int, int, str]] = []
    for interval in store.hours.all():
        span = f"{interval.opens:%H:%M}–{interval.closes:%H:%M}"
        if runs and runs[-1][2] == span and runs[-1][1] == interval.weekday - 1:
            runs[-1] = (runs[-1][0], interval.weekday, span)
        else:
            runs.append((interval.weekday, interval.weekday, span))
    if not runs:
        return str(_("Opening hours not published."))
    day = OpeningHours.Weekday
    return pgettext("list separator", ", ").join(
        f"{day(first).label}{'' if first == last else '–' + str(day(last).label)} {span}" for first, last, span in runs
    )


def notifications_remind_due(*, now: datetime | None = None) -> int:
    """Create reminders for parcels whose hold ends within PICKUP_REMINDER_DAYS_BEFORE days; how many parcels.

    A hold the shopper extended gets its own reminder before the new deadline (EXTENDED_REMINDER), so
    the reminder moves with the deadline even when the first one went out already.
    """
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.PICKUP_REMINDER_DAYS_BEFORE)
    reminded = 0
    for kind, extended in ((K.REMINDER, False), (K.EXTENDED_REMINDER, True)):
        parcels = list(
            Parcel.objects.filter(
                status=S.AT_STORE,
                hold_deadline__gt=now,
                hold_deadline__lte=horizon,
                hold_extended_at__isnull=not extended,
            )
            .exclude(notifications__kind=kind)
            .select_related("order__pickup_store")
        )
        for parcel in parcels:
            notifications_create(parcel=parcel, kind=kind, now=now)
        reminded += len(parcels)
    return reminded


def notifications_due(*, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Pending notifications whose time has come (held overnight, or waiting to be retried)."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(status=N.PENDING, send_after__lte=now)
        .order_by("send_after")
        .values_list("pk", flat=True)[:limit]
    )
