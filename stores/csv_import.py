"""Import stores from CSV: every row validated, a report naming each bad row and field, and nothing
written unless every row is good (operators fix the file and run it again).

Rows are matched on `code`: a new code creates a store, a known one updates it.
"""

from dataclasses import dataclass, field

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _

from stores.csv_rows import BOOLEAN_WORDS, RowError, read_csv
from stores.models import DistributionCenter, OpeningHours, Region, Store

REQUIRED_COLUMNS = ["code", "name", "address", "postal_code", "latitude", "longitude", "dc", "region"]
OPTIONAL_COLUMNS = [
    "district",
    "time_zone",
    "is_24h",
    "hours",
    "slot_capacity",
    "max_size_class",
    "max_weight_g",
    "max_cash_on_pickup",
    "receiving_start",
    "receiving_end",
    "active",
]
MAX_ROWS = 50_000
# A network's stores fit in a few MB; a bigger upload is a mistake (or an attack) and is refused unread.
MAX_BYTES = 20 * 1024 * 1024
TEXT_COLUMNS = ("name", "address", "district")
# A cell starting with these is a formula to a spreadsheet (CSV injection once the plan is exported).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class StoreRowForm(forms.ModelForm):
    class Meta:
        model = Store
        fields = [
            "code",
            "name",
            "address",
            "postal_code",
            "district",
            "latitude",
            "longitude",
            "region",
            "time_zone",
            "is_24h",
            "slot_capacity",
            "max_size_class",
            "max_weight_g",
            "max_cash_on_pickup",
            "receiving_start",
            "receiving_end",
            "active",
        ]


def _parse_hours(text: str) -> tuple[str, str]:
    """'07:00-23:00' → ('07:00', '23:00'), the same every day."""
    try:
        opens, closes = (part.strip() for part in text.split("-"))
        forms.TimeField().clean(opens), forms.TimeField().clean(closes)
    except (ValueError, forms.ValidationError):
        raise forms.ValidationError(_("Use HH:MM-HH:MM, e.g. 07:00-23:00.")) from None
    return opens, closes


def _text_problem(value: str) -> str | None:
    if value.startswith(FORMULA_STARTS):
        return _("Must not start with = + - @ or a tab: a spreadsheet would run it as a formula.")
    if "<" in value or ">" in value:
        return _("Must not contain < or >.")
    return None


def import_stores(data: bytes) -> ImportReport:
    report = ImportReport()
    rows, report.errors = read_csv(
        data,
        REQUIRED_COLUMNS,
        OPTIONAL_COLUMNS,
        max_bytes=MAX_BYTES,
        max_rows=MAX_ROWS,
        empty=_("The file has a header but no stores."),
    )
    if not rows:
        return report

    dcs = {dc.code: dc for dc in DistributionCenter.objects.all()}
    regions = {(r.dc.code, r.code): r for r in Region.objects.select_related("dc")}
    existing = {store.code: store for store in Store.objects.all()}
    seen_codes: dict[str, int] = {}
    valid: list[tuple[StoreRowForm, tuple[str, str] | None]] = []
    for index, row in rows:
        code = row["code"].upper()
        if code in seen_codes:
            report.errors.append(
                RowError(
                    index,
                    "code",
                    _("%(code)s already appears on row %(row)d.") % {"code": code, "row": seen_codes[code]},
                )
            )
            continue
        seen_codes[code] = index
        errors_before = len(report.errors)
        for name in TEXT_COLUMNS:
            problem = _text_problem(row.get(name, ""))
            if problem:
                report.errors.append(RowError(index, name, problem))
        dc = dcs.get(row["dc"])
        region = regions.get((row["dc"], row["region"]))
        if dc is None:
            report.errors.append(
                RowError(index, "dc", _("No distribution centre with code %(code)r.") % {"code": row["dc"]})
            )
        elif region is None:
            report.errors.append(
                RowError(
                    index, "region", _("No region %(region)r in %(dc)s.") % {"region": row["region"], "dc": row["dc"]}
                )
            )
        hours = None
        if row.get("hours"):
            try:
                hours = _parse_hours(row["hours"])
            except forms.ValidationError as exc:
                report.errors.append(RowError(index, "hours", exc.messages[0]))
        values = {name: row[name] for name in OPTIONAL_COLUMNS if row.get(name) and name != "hours"}
        for name in ("is_24h", "active"):
            if name in values:
                word = values[name].lower()
                if word not in BOOLEAN_WORDS:
                    report.errors.append(RowError(index, name, _("Use yes or no.")))
                    continue
                values[name] = BOOLEAN_WORDS[word]
        values.setdefault("is_24h", hours is None and existing.get(code, Store()).is_24h)
        values.setdefault("active", existing[code].active if code in existing else True)
        instance = existing.get(code)
        form = StoreRowForm(
            data={
                **_current_values(instance),
                **{k: row[k] for k in REQUIRED_COLUMNS if k not in ("dc", "region")},
                **values,
                "code": code,
                "region": region.pk if region else None,
            },
            instance=instance,
        )
        if not form.is_valid():
            for name, messages in form.errors.items():
                if name == "region" and region is None:
                    continue
                for message in messages:
                    report.errors.append(RowError(index, name if name != "__all__" else "row", message))
        if len(report.errors) == errors_before:
            valid.append((form, hours))

    if report.errors:
        return report
    with transaction.atomic():
        for form, hours in valid:
            created = form.instance.pk is None
            store = form.save()
            if hours is not None:
                store.hours.all().delete()
                OpeningHours.objects.bulk_create(
                    OpeningHours(store=store, weekday=day, opens=hours[0], closes=hours[1]) for day in range(7)
                )
            if created:
                report.created += 1
            else:
                report.updated += 1
    return report


def _current_values(store: Store | None) -> dict:
    """An existing store's values (or a new one's defaults), so a left-out optional column keeps them."""
    store = store or Store()
    return {name: getattr(store, name) for name in StoreRowForm.Meta.fields if name != "region"}
