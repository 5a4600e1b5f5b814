from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value: float) -> str:
    """0.8125 → '81.3%' in the active language's number format."""
    return number_format(value * 100, 1) + "%"
