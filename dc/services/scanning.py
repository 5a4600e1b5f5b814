"""What every dock scan shares: the refusal type, finding the scanned parcel of this DC, and saying who
scanned it first when a scan repeats."""

import logging

from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from orders.models import Parcel, ParcelEvent
from orders.services.counter import TRACKING_MAX_LENGTH, normalize_scan
from stores.models import DistributionCenter

logger = logging.getLogger("dc")


class DockRefusal(DomainError):
    """The dock refuses a scan; `code` names the reason for the screen and the JSON answer."""

    def __init__(self, message: str, *, code: str, status_code: int = 409, field: str | None = None):
        super().__init__(message, code=code, field=field)
        self.status_code = status_code


class Reason:
    UNKNOWN = "unknown_code"
    OTHER_DC = "other_dc"
    CANCELLED = "cancelled"
    ALREADY_RECEIVED = "already_received"
    NOT_EXPECTED = "not_expected"
    BAD_MEASURE = "bad_measure"
    OTHER_ROUTE = "other_route"
    NOT_ON_ROUTE = "not_on_route"
    ALREADY_LOADED = "already_loaded"
    ROUTE_GONE = "route_dispatched"
    ALREADY_BACK = "already_back"
    NOT_RETURNING = "not_returning"


def dock_parcel(code: str, *, dc: DistributionCenter, user, action: str, annotations: dict | None = None) -> Parcel:
    """The parcel a scan names, if it belongs to `dc` (its pickup store's region is the DC's).

    Another DC's parcel is answered like an unknown one (404): the dock sees only its own parcels.
    `annotations` ride along on the same statement (what the scan checks next, read with the parcel).
    """
    cleaned = normalize_scan(code)
    parcel = None
    if len(cleaned) <= TRACKING_MAX_LENGTH:
        # Unsorted: the number is unique, and a sort would make the database sort the one row.
        # The store comes along (the answer and the merchant's webhook name it); of its region only the DC.
        found = (
            Parcel.objects.select_related("order__merchant", "order__pickup_store")
            .annotate(store_dc_id=F("order__pickup_store__region__dc_id"))
            # A sandbox parcel never reaches the dock: its number is unknown here.
            .filter(tracking_number=cleaned, order__livemode=True)
        )
        if annotations:
            found = found.annotate(**annotations)
        parcel = next(iter(found.order_by()[:1]), None)
    if parcel is None:
        raise DockRefusal(_("Unknown code: no parcel has this tracking number."), code=Reason.UNKNOWN, status_code=404)
    if parcel.store_dc_id != dc.pk:
        logger.warning(
            "dock %s refused: parcel of another DC (user=%s dc=%s parcel=%s)", action, user.pk, dc.pk, parcel.pk
        )
        raise DockRefusal(
            _("Not a parcel of this distribution centre: set it aside for the DC it belongs to."),
            code=Reason.OTHER_DC,
            status_code=404,
        )
    return parcel


def when_and_who(event: ParcelEvent | None, dc: DistributionCenter) -> dict[str, str]:
    """The time (the DC's wall clock) and person of an earlier scan, for a 409 that says both."""
    if event is None:
        return {"when": "?", "who": "?"}
    return said_at(event.created_at, event.who, dc)


def said_at(moment, who, dc: DistributionCenter) -> dict[str, str]:
    when = formats.date_format(timezone.localtime(moment, dc.tz), "DATETIME_FORMAT")
    return {"when": when, "who": str(who) if who else _("someone")}


def cancelled_refusal() -> DockRefusal:
    return DockRefusal(_("Cancelled by the merchant: set it aside for return."), code=Reason.CANCELLED)
