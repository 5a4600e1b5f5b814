"""Admin bases for rows the system writes, which operators change only through services.

An admin form that edits such a row bypasses what its service guards (checks, locks, events,
webhooks), so these admins show the rows and offer actions that call the services instead.
"""

from django.contrib import admin, messages

from core.errors import DomainError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added or edited here; operators act only through the actions offered.

    Declare those actions with `permissions=["act"]`: they are open to whoever holds the model's
    change permission, which the form itself no longer uses.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_act_permission(self, request):
        return super().has_change_permission(request)


class ServiceOnlyAdmin(ReadOnlyAdmin):
    """Not deleted here either: deleting would undo what a service did (a plan, its routes) without it."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent, never added, edited or deleted from there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def act_on_each(model_admin, request, queryset, change, *, done: str) -> None:
    """Apply `change` (a service call) to each selected row; a refused row is named with the reason.

    `done` is the success message, with `%(n)s` for how many rows changed.
    """
    changed = 0
    for obj in queryset:
        try:
            change(obj)
        except DomainError as refused:
            model_admin.message_user(request, f"{obj}: {' '.join(refused.messages())}", messages.ERROR)
        else:
            changed += 1
    if changed:
        model_admin.message_user(request, done % {"n": changed}, messages.SUCCESS)
