"""Someone else collects: the shopper names a collector (a name and the last four digits of their phone)
on the tracking page; the clerk sees who may collect at handover, and the handover records who did.

The collector belongs to the order, as the pickup code does (one code releases all its parcels).
Naming one again replaces the first; each naming is a PROXY_NAMED event on the order's parcels.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from orders.lifecycle import parcel_record_event
from orders.locks import lock_order
from orders.models import Order, Parcel, ParcelEvent

S = Parcel.Status
# Until it is collected: naming a collector for a parcel already picked up or gone back means nothing.
PROXY_OPEN = frozenset({S.CREATED, S.AT_DC, S.PLANNED, S.IN_TRANSIT, S.AT_STORE, S.LOST})
NAME_MAX_LENGTH = Order._meta.get_field("proxy_name").max_length


class CollectedBy:
    SHOPPER = "shopper"
    PROXY = "proxy"


def proxy_clean(*, name: str, phone_last4: str) -> tuple[str, str]:
    """The name and digits as stored, or a DomainError naming the field."""
    name = " ".join((name or "").split())
    digits = (phone_last4 or "").strip()
    if not name:
        raise DomainError(_("Enter the name of the person who will collect."), code="proxy_name", field="proxy_name")
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(
            _("Keep the name under %(n)d characters.") % {"n": NAME_MAX_LENGTH}, code="proxy_name", field="proxy_name"
        )
    if len(digits) != 4 or not (digits.isascii() and digits.isdigit()):
        raise DomainError(
            _("Enter exactly the last 4 digits of their phone."), code="proxy_phone", field="proxy_phone_last4"
        )
    return name, digits


def order_name_proxy(*, order: Order, name: str, phone_last4: str, actor_label: str = "shopper") -> Order:
    """Name (or replace) the person who may collect the order's parcels in the shopper's place."""
    name, digits = proxy_clean(name=name, phone_last4=phone_last4)
    with transaction.atomic():
        lock_order(order.pk)
        parcels = [p for p in order.parcels.order_by("id") if p.status in PROXY_OPEN]
        if not parcels:
            raise DomainError(
                _("The parcels of this order are no longer waiting to be collected."), code="proxy_closed", field=None
            )
        Order.objects.filter(pk=order.pk).update(proxy_name=name, proxy_phone_last4=digits)
        order.proxy_name, order.proxy_phone_last4 = name, digits
        for parcel in parcels:
            parcel_record_event(
                parcel=parcel,
                type=ParcelEvent.Type.PROXY_NAMED,
                actor_label=actor_label,
                details={"name": name, "phone_last4": digits},
            )
    return order


def handover_collector(*, order: Order, collected_by: str) -> dict[str, str]:
    """What the handover records of who collected: the shopper, or the collector they named."""
    if collected_by == CollectedBy.PROXY:
        if not order.proxy_name:
            raise DomainError(
                _("The shopper named no one else to collect this order."), code="no_proxy", field="collected_by"
            )
        return {"collected_by": CollectedBy.PROXY, "collector": order.proxy_name}
    if collected_by != CollectedBy.SHOPPER:
        raise DomainError(_("Say who collects: the shopper or the person they named."), field="collected_by")
    return {"collected_by": CollectedBy.SHOPPER, "collector": order.shopper_name}
