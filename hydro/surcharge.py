"""Over-plan surcharge of planned water use (超计划用水累进加价) and its billing periods.

A water user on the planned-use list pays, for the water it uses above its
plan in a billing period, a surcharge on top of the basic water price (基本水价,
without the sewage charge). The bands say how far over plan the use lies, as
fractions of the plan; each band has a multiple of the basic price. Two ways
of applying them are in use:

- ``WHOLE_EXCESS``: the whole over-plan volume pays the multiple of the band
  the excess reaches. This is how the consultation draft of the
  江苏省城乡供水管理条例 words it ("超计划部分的加价水费为基本水价的2倍"),
  and the default.
- ``BANDED``: each part of the excess pays its own band's multiple, like
  income-tax brackets.

Volumes are in m³, prices in yuan per m³ and amounts in yuan as
`decimal.Decimal`. The arithmetic is done in decimals so that an excess of
exactly 10 % of the plan lands on the band boundary and not a hair above it,
as it would in binary floating point (1100 / 1000 - 1 = 0.10000000000000009).

References
----------
.. [1] [JS-SUPPLY-DRAFT] 江苏省城乡供水管理条例（征求意见稿）, the clause on
   over-plan surcharges (draft; verify against the county's own rule).
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

FEN = Decimal("0.01")
MONTHLY = "monthly"
QUARTERLY = "quarterly"
PERIOD_KINDS = (MONTHLY, QUARTERLY)
MONTHS_PER_QUARTER = 3
WHOLE_EXCESS = "whole_excess"
BANDED = "banded"
MODES = (WHOLE_EXCESS, BANDED)


class SurchargeBand(NamedTuple):
    """One band of excess over plan and its multiple of the base price.

    Attributes
    ----------
    lower_excess_fraction : float
        Excess at which the band starts, as a fraction of the plan [-].
    upper_excess_fraction : float or None
        Excess at which the band ends, inclusive, as a fraction of the plan [-];
        None for the last, open-ended band.
    multiplier : float
        Multiple of the basic price charged in the band [-].
    """

    lower_excess_fraction: float
    upper_excess_fraction: float | None
    multiplier: float


class SurchargeLine(NamedTuple):
    """The part of the excess charged in one band."""

    band: SurchargeBand
    volume_m3: float
    multiplier: float
    amount_yuan: Decimal


class SurchargeResult(NamedTuple):
    """A worked surcharge: the excess and what it costs, one line per band charged.

    `amount_yuan` is rounded half-up to the fen once, at the end; the lines
    keep their unrounded amounts, so their printed sum may differ from the
    total by a fen.
    """

    excess_m3: float
    excess_fraction: float
    amount_yuan: Decimal
    lines: tuple[SurchargeLine, ...]


# [JS-SUPPLY-DRAFT]: ≤ 10 % over → 1×, 10–30 % → 2×, > 30 % → 3× the basic price.
JIANGSU_DRAFT_BANDS = (
    SurchargeBand(0.0, 0.10, 1.0),
    SurchargeBand(0.10, 0.30, 2.0),
    SurchargeBand(0.30, None, 3.0),
)


def surcharge(
    planned_m3: float,
    actual_m3: float,
    base_price_yuan_per_m3: Decimal,
    bands: Sequence[SurchargeBand | tuple[float, float | None, float]],
    mode: str = WHOLE_EXCESS,
) -> SurchargeResult:
    """Work out the over-plan surcharge of one user for one billing period.

    Parameters
    ----------
    planned_m3 : float
        Planned use in the period [m³]; must be positive.
    actual_m3 : float
        Metered use in the period [m³].
    base_price_yuan_per_m3 : Decimal
        Basic water price (基本水价) for the user's kind, without the sewage
        charge [yuan/m³].
    bands : sequence of SurchargeBand or (lower, upper, multiplier)
        Bands of excess, as fractions of the plan [-], starting at 0, each
        starting where the previous one ends, the last one open-ended.
    mode : str
        ``WHOLE_EXCESS`` (default): the whole excess is charged at the
        multiple of the band it reaches. ``BANDED``: each part of the excess
        is charged at its own band's multiple, like income-tax brackets.

    Returns
    -------
    SurchargeResult
        Excess [m³], excess as a fraction of the plan [-], the amount [yuan]
        rounded half-up to the fen, and one line per band charged.

    Raises
    ------
    ValueError
        If there is no plan (planned_m3 ≤ 0), the use or price is negative,
        the mode is unknown, or the bands are not a valid schedule; the
        message names the problem.

    Notes
    -----
    With plan :math:`P`, use :math:`A`, basic price :math:`p` and bands
    :math:`(l_i, u_i, k_i)`, the excess is :math:`E = \\max(A - P, 0)`.
    On the whole excess,

    .. math:: S = p \\, k_j \\, E, \\qquad l_j P < E \\le u_j P

    and band by band,

    .. math:: S = p \\sum_i k_i \\, \\max(0, \\min(E, u_i P) - l_i P)

    with :math:`u_i P = \\infty` for the last band. An excess exactly on a
    band's upper bound belongs to that band: 10 % over under the Jiangsu
    draft pays 1×, not 2×.

    References
    ----------
    .. [1] [JS-SUPPLY-DRAFT] 江苏省城乡供水管理条例（征求意见稿）, clause on
       over-plan use: over plan by ≤ 10 % → 1×, 10–30 % → 2×, > 30 % → 3×
       the basic price, charged on the whole over-plan part (draft, to verify).
    .. [2] Other cities' rules use five bands up to +5× the basic price;
       Shanghai charges +5×, doubled after two consecutive months.

    Examples
    --------
    >>> surcharge(1000, 1300, Decimal("4.00"), JIANGSU_DRAFT_BANDS).amount_yuan
    Decimal('2400.00')
    >>> surcharge(1000, 1300, Decimal("4.00"), JIANGSU_DRAFT_BANDS, mode=BANDED).amount_yuan
    Decimal('2000.00')
    """
    if mode not in MODES:
        raise ValueError(f"Unknown surcharge mode {mode!r}; expected one of {', '.join(MODES)}.")
    checked_bands = validate_bands(bands)
    plan, excess, price = _checked_quantities(planned_m3, actual_m3, base_price_yuan_per_m3)
    if mode == BANDED:
        lines = _banded_lines(plan, excess, price, checked_bands)
    else:
        lines = _whole_excess_lines(plan, excess, price, checked_bands)
    total = sum((line.amount_yuan for line in lines), Decimal(0))
    return SurchargeResult(
        excess_m3=float(excess),
        excess_fraction=float(excess / plan),
        amount_yuan=total.quantize(FEN, rounding=ROUND_HALF_UP),
        lines=tuple(lines),
    )


def validate_bands(bands: Sequence[SurchargeBand | tuple[float, float | None, float]]) -> tuple[SurchargeBand, ...]:
    """Check that bands form a schedule and return them as `SurchargeBand`s.

    Raises
    ------
    ValueError
        Naming the first problem: no bands, a first band not starting at 0,
        a gap or overlap, a band that ends where it starts, an open-ended band
        before the last, a last band that is closed, or a negative multiplier.
    """
    checked = tuple(SurchargeBand(*band) for band in bands)
    if not checked:
        raise ValueError("The surcharge schedule has no bands.")
    if checked[0].lower_excess_fraction != 0:
        raise ValueError(f"Band 1 starts at {checked[0].lower_excess_fraction}; the first band must start at 0.")
    for number, band in enumerate(checked, start=1):
        _check_band(number, band, is_last=number == len(checked))
    for number, (band, following) in enumerate(itertools.pairwise(checked), start=1):
        if following.lower_excess_fraction != band.upper_excess_fraction:
            raise ValueError(
                f"Band {number + 1} starts at {following.lower_excess_fraction} but band {number} ends at "
                f"{band.upper_excess_fraction}; bands must be contiguous."
            )
    return checked


def _check_band(number: int, band: SurchargeBand, is_last: bool) -> None:
    if band.multiplier < 0:
        raise ValueError(f"Band {number} has a negative multiplier ({band.multiplier}).")
    if band.upper_excess_fraction is None:
        if not is_last:
            raise ValueError(f"Band {number} is open-ended but is not the last band.")
        return
    if is_last:
        raise ValueError(f"The last band (band {number}) ends at {band.upper_excess_fraction}; it must be open-ended.")
    if band.upper_excess_fraction <= band.lower_excess_fraction:
        raise ValueError(
            f"Band {number} ends at {band.upper_excess_fraction}, not above its start "
            f"{band.lower_excess_fraction}; bands must increase."
        )


def _checked_quantities(
    planned_m3: float, actual_m3: float, base_price_yuan_per_m3: Decimal
) -> tuple[Decimal, Decimal, Decimal]:
    """Plan, excess and price as decimals, refusing a missing plan or negative inputs."""
    if planned_m3 <= 0:
        raise ValueError(f"Planned use must be positive to work out a surcharge (got {planned_m3} m³): no plan.")
    if actual_m3 < 0:
        raise ValueError(f"Actual use cannot be negative (got {actual_m3} m³).")
    if base_price_yuan_per_m3 < 0:
        raise ValueError(f"The base price cannot be negative (got {base_price_yuan_per_m3} yuan/m³).")
    plan = _decimal(planned_m3)
    excess = max(_decimal(actual_m3) - plan, Decimal(0))
    return plan, excess, Decimal(base_price_yuan_per_m3)


def _decimal(value: float) -> Decimal:
    # Through str() so that 0.1 becomes exactly 0.1, as the user wrote it.
    return Decimal(str(value))


def _band_limits_m3(plan: Decimal, band: SurchargeBand) -> tuple[Decimal, Decimal | None]:
    upper = None if band.upper_excess_fraction is None else plan * _decimal(band.upper_excess_fraction)
    return plan * _decimal(band.lower_excess_fraction), upper


def _banded_lines(
    plan: Decimal, excess: Decimal, price: Decimal, bands: tuple[SurchargeBand, ...]
) -> list[SurchargeLine]:
    lines = []
    for band in bands:
        lower, upper = _band_limits_m3(plan, band)
        volume = (excess if upper is None else min(excess, upper)) - lower
        if volume > 0:
            lines.append(_line(band, volume, price))
    return lines


def _whole_excess_lines(
    plan: Decimal, excess: Decimal, price: Decimal, bands: tuple[SurchargeBand, ...]
) -> list[SurchargeLine]:
    if excess == 0:
        return []
    for band in bands:
        _, upper = _band_limits_m3(plan, band)
        if upper is None or excess <= upper:
            return [_line(band, excess, price)]
    raise AssertionError("validated bands end with an open-ended band")


def _line(band: SurchargeBand, volume_m3: Decimal, price: Decimal) -> SurchargeLine:
    amount = volume_m3 * _decimal(band.multiplier) * price
    return SurchargeLine(band=band, volume_m3=float(volume_m3), multiplier=band.multiplier, amount_yuan=amount)


# Billing periods -------------------------------------------------------------

_MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER_PATTERN = re.compile(r"^(\d{4})[Qq]([1-4])$")


def billing_periods(year: int, period_kind: str) -> list[tuple[datetime.date, datetime.date]]:
    """The billing periods of a year, as (first day, last day), both inclusive.

    Parameters
    ----------
    year : int
        Calendar year.
    period_kind : str
        "monthly" (12 periods) or "quarterly" (4 periods).
    """
    if period_kind == MONTHLY:
        return [month_span(year, month) for month in range(1, 13)]
    if period_kind == QUARTERLY:
        return [quarter_span(year, quarter) for quarter in range(1, 5)]
    raise ValueError(f"Unknown period kind {period_kind!r}; expected one of {', '.join(PERIOD_KINDS)}.")


def month_span(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    last_day = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, 1), datetime.date(year, month, last_day)


def quarter_span(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    first_month = MONTHS_PER_QUARTER * (quarter - 1) + 1
    return month_span(year, first_month)[0], month_span(year, first_month + MONTHS_PER_QUARTER - 1)[1]


def parse_period(text: str) -> tuple[datetime.date, datetime.date]:
    """The (first day, last day) of a period written "2024-03" (a month) or "2024Q1" (a quarter).

    Raises
    ------
    ValueError
        If the text is neither form, or the month is not 1–12.
    """
    cleaned = text.strip()
    month_match = _MONTH_PATTERN.match(cleaned)
    if month_match:
        year, month = int(month_match[1]), int(month_match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"Month {month} in {text!r} is not between 1 and 12.")
        return month_span(year, month)
    quarter_match = _QUARTER_PATTERN.match(cleaned)
    if quarter_match:
        return quarter_span(int(quarter_match[1]), int(quarter_match[2]))
    raise ValueError(f"{text!r} is not a period; write a month as 2024-03 or a quarter as 2024Q1.")


def period_kind(first_day: datetime.date, last_day: datetime.date) -> str:
    """ "monthly" or "quarterly" for a calendar month or quarter; ValueError for any other span."""
    if (first_day, last_day) == month_span(first_day.year, first_day.month):
        return MONTHLY
    quarter = (first_day.month - 1) // MONTHS_PER_QUARTER + 1
    if (first_day, last_day) == quarter_span(first_day.year, quarter):
        return QUARTERLY
    raise ValueError(f"{first_day} to {last_day} is neither a calendar month nor a calendar quarter.")


def format_period(first_day: datetime.date, last_day: datetime.date) -> str:
    """The period written as `parse_period` reads it: "2024-03" or "2024Q1"."""
    if period_kind(first_day, last_day) == MONTHLY:
        return f"{first_day.year}-{first_day.month:02d}"
    return f"{first_day.year}Q{(first_day.month - 1) // MONTHS_PER_QUARTER + 1}"
