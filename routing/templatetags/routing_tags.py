from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def clock(seconds) -> str:
    """Seconds since the plan day's midnight as HH:MM, marked when past midnight."""
    if seconds is None or seconds == "":
        return ""
    day, rest = divmod(int(seconds), 86_400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return text if day == 0 else _("%(time)s (+%(days)d d)") % {"time": text, "days": day}


@register.filter
def km(metres) -> str:
    return f"{(metres or 0) / 1000:.1f}"


@register.filter
def hours(seconds) -> str:
    return f"{(seconds or 0) / 3600:.1f}"


@register.filter
def percent(fraction) -> str:
    return "–" if fraction is None else f"{fraction * 100:.0f}%"
