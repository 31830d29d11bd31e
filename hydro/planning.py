"""Annual planned water use (计划用水核定) and its split into months.

A water user on the planned-use list receives each year an annual plan, worked
out by one of three methods, and splits it into twelve monthly plans:

- from one to three complete years of metered use (`plan_from_history`,
  with the years chosen by `complete_history_years`);
- from a water-use quota and the planned output (`plan_from_quota`);
- from the design use of a new user, or of a user with less than a full
  year of use (`plan_from_design`).

The monthly split is either proposed by the user (checked by
`check_monthly_split`) or follows the shape of last year's use
(`split_by_shape`). Volumes are in m³.

References
----------
.. [1] [MWR-PLAN-2014] 水利部《计划用水管理办法》（水资源〔2014〕360号）:
   the planned-use system, annual plans and their monthly split.
.. [2] [PLAN-RULE-QA] A municipal water bureau's published rule for planned
   use: plan = reasonable-use coefficient (合理用水水平系数, from the water
   balance test) × (1 + mean growth of the last three years) × mean use of
   the last three years; with two years, those two; with one, that year;
   "首次申请用水计划核定或者实际用水不满一年的，其计划用水总量按照设计年用水
   总量核定" (items 1–4); the user splits the plan into months.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

MONTHS = tuple(range(1, 13))
MAXIMUM_HISTORY_YEARS = 3
SPLIT_TOLERANCE_M3 = 1.0


def complete_history_years(
    plan_year: int, metered_since: datetime.date | None, read_until: datetime.date | None, today: datetime.date
) -> list[int]:
    """The years before a plan year whose whole use is known: the ones a plan from history may use.

    Parameters
    ----------
    plan_year : int
        The year the plan is for.
    metered_since : datetime.date or None
        First day the user's use was metered (its first billing meter's
        installation); None when the user has no readings.
    read_until : datetime.date or None
        Date of the user's latest billing reading; None when there is none.
    today : datetime.date
        The day the plan is drafted.

    Returns
    -------
    list of int
        Among the `MAXIMUM_HISTORY_YEARS` years before `plan_year`, oldest
        first, those that (a) ended before `today`, (b) the user was metered
        for from 1 January, and (c) have readings into their December.

    Notes
    -----
    A year still running, or one the user joined part-way, is not a year of
    use: counted as one, a January alone (or four months from September)
    would stand for a whole year and the plan would fall short of the user's
    real use. A user without a complete year has "less than a year of use"
    and is planned on its design use ([PLAN-RULE-QA] item 4).

    Examples
    --------
    >>> complete_history_years(2026, datetime.date(2020, 1, 1), datetime.date(2025, 1, 31), datetime.date(2025, 2, 10))
    [2023, 2024]
    """
    if metered_since is None or read_until is None:
        return []
    return [
        year
        for year in range(plan_year - MAXIMUM_HISTORY_YEARS, plan_year)
        if datetime.date(year, 12, 31) < today
        and metered_since <= datetime.date(year, 1, 1)
        and read_until >= datetime.date(year, 12, 1)
    ]


@dataclass(frozen=True)
class HistoryPlan:
    """An annual plan worked out from use history, with the figures it came from.

    Attributes
    ----------
    volume_m3 : float
        The annual plan [m³].
    mean_use_m3 : float
        Mean annual use over the years used, ū [m³].
    mean_growth_rate : float
        Mean of the year-on-year growth rates, before the cap [fraction].
    applied_growth_rate : float
        The mean growth rate after the cap, ḡ, as it enters the plan [fraction].
    growth_rates : tuple of float
        Each year-on-year growth rate among the years used [fraction].
    years_used : int
        How many years of history entered the plan (1 to 3).
    """

    volume_m3: float
    mean_use_m3: float
    mean_growth_rate: float
    applied_growth_rate: float
    growth_rates: tuple[float, ...]
    years_used: int


def plan_from_history(
    annual_uses_m3: Sequence[float], reasonable_use_coefficient: float, maximum_growth_rate: float
) -> HistoryPlan:
    """Annual plan from one to three years of metered use.

    Parameters
    ----------
    annual_uses_m3 : sequence of float
        Metered annual use, oldest year first [m³]. Only the last three years count.
    reasonable_use_coefficient : float
        The reasonable-use coefficient k [-]: the user's own where its water
        balance test (GB/T 12452) gives one, else the county's; usually 1.0
        or a little below.
    maximum_growth_rate : float
        Cap on the mean growth rate, in either direction [fraction], e.g. 0.10.

    Returns
    -------
    HistoryPlan
        The plan and the mean use and growth it was worked out from.

    Notes
    -----
    .. math::

        V = k \\, (1 + \\bar g) \\, \\bar u, \\qquad
        \\bar u = \\frac{1}{n} \\sum_{i=1}^{n} u_i, \\qquad
        \\bar g = \\operatorname{clamp}\\Big(\\frac{1}{n-1} \\sum_{i=2}^{n}
            \\frac{u_i - u_{i-1}}{u_{i-1}},\\ -g_{max},\\ g_{max}\\Big)

    with n ≤ 3 the number of years used. With one year there is no growth
    (ḡ = 0). A year that follows a year of zero use has no growth rate and is
    left out of the mean growth, as a rate from nothing is not defined.

    References
    ----------
    .. [1] [PLAN-RULE-QA] items 1–3.

    Examples
    --------
    >>> plan = plan_from_history([100_000, 110_000, 121_000], 1.0, 0.10)
    >>> round(plan.volume_m3, 2)
    121366.67
    """
    uses = [float(use) for use in annual_uses_m3][-MAXIMUM_HISTORY_YEARS:]
    _require_history(uses, reasonable_use_coefficient, maximum_growth_rate)
    mean_use = sum(uses) / len(uses)
    growth_rates = tuple((current - previous) / previous for previous, current in pairwise(uses) if previous > 0)
    mean_growth = sum(growth_rates) / len(growth_rates) if growth_rates else 0.0
    applied_growth = min(max(mean_growth, -maximum_growth_rate), maximum_growth_rate)
    return HistoryPlan(
        volume_m3=reasonable_use_coefficient * (1.0 + applied_growth) * mean_use,
        mean_use_m3=mean_use,
        mean_growth_rate=mean_growth,
        applied_growth_rate=applied_growth,
        growth_rates=growth_rates,
        years_used=len(uses),
    )


def _require_history(uses: Sequence[float], coefficient: float, maximum_growth_rate: float) -> None:
    if not uses:
        raise ValueError("at least one year of use is needed")
    if any(use < 0 or math.isnan(use) for use in uses):
        raise ValueError("annual uses must be non-negative numbers")
    if coefficient <= 0:
        raise ValueError("the reasonable-use coefficient must be positive")
    if maximum_growth_rate < 0:
        raise ValueError("the maximum growth rate must not be negative")


def plan_from_quota(quota_m3_per_unit: float, planned_output_units: float) -> float:
    """Annual plan from a water-use quota and the planned output.

    Parameters
    ----------
    quota_m3_per_unit : float
        Water-use quota (用水定额) per unit of product or service [m³/unit],
        e.g. the general or advanced value of the provincial quota table.
    planned_output_units : float
        Planned output for the year [unit], in the quota's unit of product.

    Returns
    -------
    float
        The annual plan [m³].

    Notes
    -----
    .. math:: V = q \\, Q

    References
    ----------
    .. [1] [JS-QUOTA-2019] 《江苏省林牧渔业、工业、服务业和生活用水定额（2019年修订）》.
    """
    if quota_m3_per_unit < 0 or planned_output_units < 0:
        raise ValueError("quota and planned output must not be negative")
    return float(quota_m3_per_unit) * float(planned_output_units)


def plan_from_design(design_use_m3: float) -> float:
    """Annual plan of a new user, or of one with less than a year of use, from its design use.

    Parameters
    ----------
    design_use_m3 : float
        Annual use the user's project was designed for [m³].

    Returns
    -------
    float
        The annual plan [m³], equal to the design use.

    References
    ----------
    .. [1] [PLAN-RULE-QA] items 4–5: "首次申请用水计划核定或者实际用水不满一年的，
       其计划用水总量按照设计年用水总量核定".
    """
    if design_use_m3 < 0:
        raise ValueError("the design use must not be negative")
    return float(design_use_m3)


def split_by_shape(annual_volume_m3: float, reference_monthly_m3: Mapping[int, float] | None) -> dict[int, float]:
    """Split an annual plan into twelve months in proportion to a reference year.

    Parameters
    ----------
    annual_volume_m3 : float
        The annual plan [m³].
    reference_monthly_m3 : mapping of int to float, or None
        Use per month (1 to 12) of the reference year, usually last year [m³].
        Missing months take the mean of the months present; with no reference,
        or a reference of zero use, the plan is split equally.

    Returns
    -------
    dict of int to float
        Planned volume per month 1..12 in whole m³ [m³], summing exactly to the
        annual plan rounded to whole m³.

    Notes
    -----
    Month m receives :math:`V_m = V \\, w_m / \\sum_j w_j`, with w the reference
    use. The shares are rounded by the largest-remainder method: each month
    gets the whole part of its share, and the m³ left over go one each to the
    months with the largest fractional parts (earlier months first on ties),
    so that the months add up to round(V).

    References
    ----------
    .. [1] [PLAN-RULE-QA]: the user splits the annual plan into months.
    """
    if annual_volume_m3 < 0:
        raise ValueError("the annual volume must not be negative")
    weights = _month_weights(reference_monthly_m3 or {})
    total = math.floor(annual_volume_m3 + 0.5)
    total_weight = sum(weights.values())
    shares = {month: total * weights[month] / total_weight for month in MONTHS}
    return _round_largest_remainder(shares, total)


def _month_weights(reference_monthly_m3: Mapping[int, float]) -> dict[int, float]:
    present = {month: float(volume) for month, volume in reference_monthly_m3.items() if month in MONTHS}
    if any(volume < 0 for volume in present.values()):
        raise ValueError("reference monthly use must not be negative")
    if not present or sum(present.values()) <= 0:
        return dict.fromkeys(MONTHS, 1.0)
    mean_present = sum(present.values()) / len(present)
    return {month: present.get(month, mean_present) for month in MONTHS}


def _round_largest_remainder(shares: Mapping[int, float], total: int) -> dict[int, float]:
    floors = {month: math.floor(share) for month, share in shares.items()}
    left_over = total - sum(floors.values())
    by_remainder = sorted(shares, key=lambda month: (-(shares[month] - floors[month]), month))
    for month in by_remainder[:left_over]:
        floors[month] += 1
    return {month: float(floors[month]) for month in MONTHS}


@dataclass(frozen=True)
class SplitProblem:
    """One thing wrong with a proposed monthly split.

    Attributes
    ----------
    kind : str
        ``"missing_months"``, ``"unknown_months"``, ``"negative_months"`` or ``"sum_differs"``.
    months : tuple of int
        The months concerned (empty for ``"sum_differs"``).
    difference_m3 : float
        For ``"sum_differs"``: sum of the months less the annual volume [m³].
    """

    kind: str
    months: tuple[int, ...] = ()
    difference_m3: float = 0.0

    def __str__(self) -> str:
        if self.kind == "sum_differs":
            return f"the months add up to {self.difference_m3:+.0f} m³ against the annual volume"
        return f"{self.kind.replace('_', ' ')}: {', '.join(str(month) for month in self.months)}"


def check_monthly_split(annual_volume_m3: float, proposed: Mapping[int, float]) -> list[SplitProblem]:
    """Check a monthly split proposed by a user against its annual plan.

    Parameters
    ----------
    annual_volume_m3 : float
        The annual plan [m³].
    proposed : mapping of int to float
        Proposed volume per month 1..12 [m³].

    Returns
    -------
    list of SplitProblem
        Empty when the split is acceptable: every month 1..12 present, none
        negative, no other keys, and the months summing to the annual volume
        within 1 m³.

    Notes
    -----
    .. math:: \\Big|\\sum_{m=1}^{12} V_m - V\\Big| \\le 1\\ \\mathrm{m^3}

    References
    ----------
    .. [1] [PLAN-RULE-QA]: the user splits the annual plan into months.
    """
    problems: list[SplitProblem] = []
    missing = tuple(month for month in MONTHS if month not in proposed)
    unknown = tuple(sorted(month for month in proposed if month not in MONTHS))
    negative = tuple(month for month in MONTHS if proposed.get(month, 0.0) < 0)
    if missing:
        problems.append(SplitProblem("missing_months", missing))
    if unknown:
        problems.append(SplitProblem("unknown_months", unknown))
    if negative:
        problems.append(SplitProblem("negative_months", negative))
    difference = sum(proposed.get(month, 0.0) for month in MONTHS) - annual_volume_m3
    if abs(difference) > SPLIT_TOLERANCE_M3:
        problems.append(SplitProblem("sum_differs", difference_m3=difference))
    return problems
