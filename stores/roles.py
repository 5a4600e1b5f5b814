"""Who may do what: a user's stores (as clerk) and distribution centres (as planner, dock staff or driver)."""

from django.db.models import QuerySet

from stores.models import DistributionCenter, StaffMembership, Store

# No DISTINCT in either: a user holds one membership of a role per store or DC (unique constraints), so
# the join cannot repeat a row, and these run on every counter and console request.


def _clerk_stores_of(user_id: int) -> QuerySet[Store]:
    return Store.objects.filter(staff__user_id=user_id, staff__role=StaffMembership.Role.CLERK, active=True)


def clerk_stores(user) -> QuerySet[Store]:
    if not user.is_authenticated:
        return Store.objects.none()
    return _clerk_stores_of(user.pk)


def clerk_store_list(user) -> list[Store]:
    """The clerk's stores, unsorted, for the membership check on every counter request."""
    if not user.is_authenticated:
        return []
    return list(_clerk_stores_of(user.pk).order_by())


def planner_dcs(user) -> QuerySet[DistributionCenter]:
    if not user.is_authenticated:
        return DistributionCenter.objects.none()
    return DistributionCenter.objects.filter(staff__user=user, staff__role=StaffMembership.Role.PLANNER)


def driver_dcs(user) -> QuerySet[DistributionCenter]:
    if not user.is_authenticated:
        return DistributionCenter.objects.none()
    return DistributionCenter.objects.filter(staff__user=user, staff__role=StaffMembership.Role.DRIVER)


def dock_dcs(user) -> QuerySet[DistributionCenter]:
    """The DCs whose floor the user works: as dock staff, or as a planner (who may do the dock's work too)."""
    if not user.is_authenticated:
        return DistributionCenter.objects.none()
    return DistributionCenter.objects.filter(
        pk__in=StaffMembership.objects.filter(
            user=user, role__in=(StaffMembership.Role.DOCK, StaffMembership.Role.PLANNER)
        ).values("dc_id")
    )


def is_dock_of(user, dc: DistributionCenter) -> bool:
    return dock_dcs(user).filter(pk=dc.pk).exists()


DOCK_ROLES = (StaffMembership.Role.DOCK, StaffMembership.Role.PLANNER)


def dock_dc(user, code: str) -> DistributionCenter | None:
    """The DC of this code if the user works its floor, in one query (every dock request asks it)."""
    if not user.is_authenticated:
        return None
    # Unsorted and not distinct: a user holding both roles at the DC gets it twice, and takes the first.
    found = DistributionCenter.objects.filter(code=code, staff__user_id=user.pk, staff__role__in=DOCK_ROLES).order_by()
    return next(iter(found[:1]), None)


def is_clerk_of(user, store: Store) -> bool:
    return clerk_stores(user).filter(pk=store.pk).exists()


def is_planner_of(user, dc: DistributionCenter) -> bool:
    return planner_dcs(user).filter(pk=dc.pk).exists()


def is_driver_of(user, dc: DistributionCenter) -> bool:
    return driver_dcs(user).filter(pk=dc.pk).exists()


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    roles = set(StaffMembership.objects.filter(user=user).values_list("role", flat=True))
    if user.is_staff:
        roles.add("operator")
    return roles
