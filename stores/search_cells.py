"""Counting where shoppers search for a pickup store, by grid cell and day (see SearchCell)."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from stores.grid import cell_of
from stores.models import SearchCell


def search_record(*, latitude: float, longitude: float, nearest_m: float | None) -> None:
    """One search from near (latitude, longitude), whose nearest store was `nearest_m` away (None:
    none found). Two searches at once both count: the row is created once and incremented in SQL."""
    row, col = cell_of(latitude, longitude)
    far = nearest_m is None or nearest_m > settings.PICKUP_WALKING_DISTANCE_M
    key = {"day": timezone.localdate(), "row": row, "col": col}
    counts = {"searches": F("searches") + 1, "with_no_store_near": F("with_no_store_near") + int(far)}
    if SearchCell.objects.filter(**key).update(**counts):
        return
    try:
        with transaction.atomic():
            SearchCell.objects.create(**key, searches=1, with_no_store_near=int(far))
    except IntegrityError:  # a rival search created the row first
        SearchCell.objects.filter(**key).update(**counts)
