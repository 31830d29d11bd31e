"""Template filters of the evaluation pages: rates as per cent, missing values as a dash."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """A fraction as per cent ("45.0 %"); a missing value as "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{digits}f} %"


@register.filter
def figure(value: float | None, digits: int = 2) -> str:
    """A number with thousands separators; a missing value as "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value):,.{digits}f}"


@register.filter
def indicator_value(value: float | None, indicator: str) -> str:
    """A carrier check's value: per cent for rates, a number otherwise."""
    return percent(value) if str(indicator).endswith("_rate") else figure(value)
