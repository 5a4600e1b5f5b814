"""Reading an uploaded CSV file for an import: the size cap, UTF-8, the header, line numbers, and the
row-by-row report every import gives (stores here; district statistics and candidate sites for network
planning in `insight`). What the rows mean is each import's own business.
"""

import csv
import io
import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

BOOLEAN_WORDS = {"1": True, "true": True, "yes": True, "y": True, "0": False, "false": False, "no": False, "n": False}


@dataclass(frozen=True)
class RowError:
    row: int  # line number in the file, the header being line 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


def read_csv(
    data: bytes,
    required: list[str],
    optional: list[str] | None = None,
    *,
    max_bytes: int,
    max_rows: int,
    empty: str = "",
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The rows of a CSV file as (line number, {column: stripped value}), with the errors of rows too
    broken to read (more values than columns); or no rows and the errors that stop the whole file being
    read. A column outside `required` and `optional` is refused, unless `optional` is None. `empty`
    words the error of a file with a header and no rows."""
    if len(data) > max_bytes:
        return [], [
            RowError(
                0,
                "file",
                _("The file is too large (%(mb).1f MB); the limit is %(max)d MB. Split it into parts.")
                % {"mb": len(data) / 1024 / 1024, "max": max_bytes // 1024 // 1024},
            )
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [
            RowError(
                0, "file", _("The file is not UTF-8 text (byte %(pos)d). Save it as CSV UTF-8.") % {"pos": exc.start}
            )
        ]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        return [], [RowError(1, "file", _("Not a readable CSV file: %(err)s") % {"err": exc})]
    missing = [name for name in required if name not in header]
    if missing:
        return [], [RowError(1, "header", _("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})]
    unknown = [] if optional is None else [name for name in header if name not in required + optional]
    if unknown:
        return [], [RowError(1, "header", _("Unknown columns: %(cols)s.") % {"cols": ", ".join(unknown)})]
    reader.fieldnames = header
    rows, errors = [], []
    try:
        for raw in reader:
            if None in raw:
                errors.append(RowError(reader.line_num, "row", _("More values than columns.")))
                continue
            rows.append((reader.line_num, {key: (value or "").strip() for key, value in raw.items() if key}))
    except csv.Error as exc:
        return [], [RowError(reader.line_num, "file", _("Not a readable CSV file: %(err)s") % {"err": exc})]
    if len(rows) + len(errors) > max_rows:
        n = len(rows) + len(errors)
        return [], [
            RowError(
                0, "file", _("Too many rows (%(n)d); split the file into parts of %(max)d.") % {"n": n, "max": max_rows}
            )
        ]
    if not rows and not errors:
        return [], [RowError(2, "file", empty or _("The file has a header but no rows."))]
    return rows, errors


def csv_number(row: dict, column: str, line: int, errors: list[RowError], kind, minimum: float):
    """The column's value as `kind` (int or float) of at least `minimum`, or None with the error added."""
    try:
        value = kind(row.get(column, "").strip())
    except ValueError:
        errors.append(RowError(line, column, _("not a number")))
        return None
    if not math.isfinite(value) or value < minimum:
        errors.append(RowError(line, column, _("must be at least %(minimum)s") % {"minimum": minimum}))
        return None
    return value


def csv_point(row: dict, line: int, errors: list[RowError]) -> tuple[float, float] | None:
    """The row's `latitude` and `longitude`, or None with the error added."""
    latitude = csv_number(row, "latitude", line, errors, float, minimum=-90)
    longitude = csv_number(row, "longitude", line, errors, float, minimum=-180)
    if latitude is None or longitude is None:
        return None
    if latitude > 90 or longitude > 180:
        errors.append(RowError(line, "latitude", _("not a point on earth")))
        return None
    return latitude, longitude
