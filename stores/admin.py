from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import ReadOnlyAdmin
from stores.csv_import import MAX_BYTES, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, import_stores
from stores.models import DistributionCenter, OpeningHours, Region, SearchCell, StaffMembership, Store, Vehicle


@admin.register(DistributionCenter)
class DistributionCenterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone", "opens", "closes"]
    search_fields = ["code", "name", "address"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "dc"]
    list_filter = ["dc"]
    search_fields = ["code", "name"]
    list_select_related = ["dc"]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    max_num = 7


class StaffInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    fields = ["user", "role"]
    autocomplete_fields = ["user"]


class StoreImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8 text, the first line naming the columns."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            # Refused unread, as the command refuses it.
            raise forms.ValidationError(
                _("The file is larger than %(max)d MB; split it into parts.") % {"max": MAX_BYTES // 1024 // 1024}
            )
        return upload


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    change_list_template = "admin/stores/store/change_list.html"
    list_display = [
        "code",
        "name",
        "district",
        "postal_code",
        "region",
        "is_24h",
        "slot_capacity",
        "max_size_class",
        "active",
    ]
    list_filter = ["active", "is_24h", "max_size_class", "region__dc", "region"]
    search_fields = ["code", "name", "address", "postal_code", "district"]
    list_select_related = ["region"]
    inlines = [OpeningHoursInline, StaffInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "region", "active"]}),
        ("Location", {"fields": ["address", "district", "postal_code", "latitude", "longitude", "time_zone"]}),
        ("Hours", {"fields": ["is_24h", "receiving_start", "receiving_end"]}),
        (
            "Limits",
            {
                "fields": [
                    "slot_capacity",
                    "chilled_slots",
                    "frozen_slots",
                    "max_size_class",
                    "max_weight_g",
                    "max_cash_on_pickup",
                ]
            },
        ),
    ]

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_csv)
        return [path("import/", view, name="stores_store_import"), *super().get_urls()]

    def import_csv(self, request):
        """The `import_stores` command in the admin: the same checks, the same row-by-row report, and
        nothing written unless every row is good."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = StoreImportForm(request.POST or None, request.FILES or None)
        report = None
        if form.is_bound and form.is_valid():
            report = import_stores(form.cleaned_data["file"].read())
            if report.ok:
                messages.success(
                    request,
                    _("Imported: %(created)d created, %(updated)d updated.")
                    % {"created": report.created, "updated": report.updated},
                )
                return redirect("admin:stores_store_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import stores from CSV"),
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "required_columns": REQUIRED_COLUMNS,
            "optional_columns": OPTIONAL_COLUMNS,
        }
        return TemplateResponse(request, "admin/stores/store/import.html", context)


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "dc",
        "volume_capacity",
        "chilled_volume_capacity",
        "frozen_volume_capacity",
        "kg_capacity",
        "shift_start",
        "shift_end",
        "fixed_cost",
        "active",
    ]
    list_filter = ["dc", "active"]
    search_fields = ["name"]
    list_select_related = ["dc"]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "store", "dc"]
    list_filter = ["role", "dc"]
    search_fields = ["user__username", "user__email", "store__code", "store__name"]
    list_select_related = ["user", "store", "dc"]
    autocomplete_fields = ["user", "store"]


@admin.register(SearchCell)
class SearchCellAdmin(ReadOnlyAdmin):
    list_display = ["day", "row", "col", "searches", "with_no_store_near"]
    list_filter = ["day"]
