from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.8125 → '81.3%' in the active language's number format; no figure → a dash."""
    return "–" if value is None else number_format(value * 100, 1) + "%"
