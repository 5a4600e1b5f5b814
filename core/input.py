"""Input that Python or the database cannot represent, refused as a 400 in one shape everywhere.

A NUL byte cannot be stored in a PostgreSQL text column, a lone surrogate cannot be encoded to UTF-8,
JSON nested thousands deep exhausts the recursion limit, and a day at the edge of the calendar
overflows the first `+ timedelta` or time-zone shift. Each is the client's mistake (or probe), so each
is a 400 with a clear message, never a 500. The JSON body parser here is shared by the counter's
scanner views and the API; pickup's middleware checks paths and query strings and is the backstop.
"""

import json
import math
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError

# Deeper than any body the API or the scanners accept, far below Python's recursion limit.
MAX_JSON_DEPTH = 32
# Days a person may ask about: wide enough for any history or plan, narrow enough that a day plus or
# minus a few days (and a shift to UTC) stays a valid date.
DAY_MIN = date(2000, 1, 1)
DAY_MAX = date(2999, 12, 31)


class UnrepresentableInput(DomainError):
    code = "bad_input"


def unrepresentable_reason(text: str) -> str | None:
    """Why `text` cannot be stored or encoded (a NUL, a lone surrogate), or None when it can."""
    if "\x00" in text:
        return _("The request contains a NUL character.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _("The request contains text that is not valid Unicode.")
    return None


def _refuse_constant(name: str):
    raise UnrepresentableInput(_("%(value)s is not a number JSON allows.") % {"value": name})


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity
        _refuse_constant(text)
    return value


def json_body(raw: bytes) -> object:
    """The JSON value of a request body, or UnrepresentableInput saying why not.

    Checked iteratively (no recursion of our own): nesting depth, and every key and string for NUL and
    lone surrogates, so nothing downstream meets a value it cannot handle.
    """
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite_float)
    except UnicodeDecodeError:
        raise UnrepresentableInput(_("The request body is not UTF-8.")) from None
    except RecursionError:
        raise UnrepresentableInput(_("The JSON is nested too deeply.")) from None
    except ValueError as error:
        raise UnrepresentableInput(_("The request body is not valid JSON: %(error)s") % {"error": error}) from None
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            if isinstance(item, str) and (reason := unrepresentable_reason(item)):
                raise UnrepresentableInput(reason)
            continue
        if depth > MAX_JSON_DEPTH:
            raise UnrepresentableInput(
                _("The JSON is nested too deeply (at most %(depth)s levels).") % {"depth": MAX_JSON_DEPTH}
            )
        stack.extend((child, depth + 1) for child in children)
    return value


def validate_day(day: date) -> None:
    """A form and serializer validator: the day lies between DAY_MIN and DAY_MAX."""
    if not DAY_MIN <= day <= DAY_MAX:
        raise ValidationError(
            gettext_lazy("Choose a day between %(first)s and %(last)s."),
            code="day_out_of_range",
            params={"first": DAY_MIN.isoformat(), "last": DAY_MAX.isoformat()},
        )


def parse_day(raw: str) -> date:
    """A day from a URL or query string (YYYY-MM-DD within DAY_MIN..DAY_MAX), or ValueError saying why not."""
    day = date.fromisoformat(raw)  # ValueError for anything else
    if not DAY_MIN <= day <= DAY_MAX:
        raise ValueError(f"{raw} is outside {DAY_MIN}..{DAY_MAX}")
    return day
