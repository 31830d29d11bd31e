"""Quota benchmarking (用水定额对标): a user's yearly intake per unit product against its product's quota.

A water-use quota gives, for one product, up to three values of intake per
unit product: the leading value (领先值), the advanced value (先进值, which new
plants and water-saving enterprises must meet) and the general value (通用值,
which existing plants must meet). A user's intensity over a year is

    q = V / Q,

V its fresh intake [m³] and Q its product output [product unit]. A lower
intensity is better; the user is classed at the strictest level it meets.

References
----------
.. [1] GB/T 18916 (all parts) 《取水定额》: intake per unit product and its
   levels, e.g. GB/T 18916.1; the levels' names follow the provincial quota.
.. [2] 《江苏省林牧渔业、工业、服务业和生活用水定额（2019年修订）》, Jiangsu
   Department of Water Resources: leading, advanced and general values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

LEVELS = ("leading", "advanced", "general")
OVER_QUOTA = "over_quota"


@dataclass(frozen=True)
class QuotaValues:
    """A product's quota [m³ per product unit]; the leading and advanced values may be absent."""

    general: float
    advanced: float | None = None
    leading: float | None = None

    def limit(self, level: str) -> float | None:
        return {"leading": self.leading, "advanced": self.advanced, "general": self.general}[level]


@dataclass(frozen=True)
class QuotaBenchmark:
    """A user's intensity for a year and where it stands against the quota.

    Attributes
    ----------
    intensity : float or None
        q = V / Q [m³ per product unit]; None without output.
    level : str or None
        The strictest level met ("leading", "advanced", "general") or "over_quota"; None without output.
    excess_over_general : float or None
        (q − general) / general when over quota, else 0 [fraction].
    meets_advanced : bool
        Whether q ≤ the advanced value (the water-saving enterprise test); false when there is none.
    """

    intensity: float | None
    level: str | None
    excess_over_general: float | None
    meets_advanced: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def intensity(intake_m3: float, product_output: float) -> float | None:
    """Intake per unit product q = V / Q [m³ per product unit], [GB/T 18916]; None when Q is 0."""
    return intake_m3 / product_output if product_output > 0 else None


def classify(value: float, quota: QuotaValues) -> str:
    """The strictest level whose value `value` does not exceed, or "over_quota".

    Examples
    --------
    >>> classify(1.6, QuotaValues(general=2.0, advanced=1.5, leading=1.2))
    'general'
    """
    for level in LEVELS:
        limit = quota.limit(level)
        if limit is not None and value <= limit:
            return level
    return OVER_QUOTA


def benchmark(intake_m3: float, product_output: float, quota: QuotaValues) -> QuotaBenchmark:
    """Benchmark a year's intake and output against a quota."""
    value = intensity(intake_m3, product_output)
    if value is None:
        return QuotaBenchmark(None, None, None, False)
    excess = max(0.0, (value - quota.general) / quota.general) if quota.general > 0 else None
    meets_advanced = quota.advanced is not None and value <= quota.advanced
    return QuotaBenchmark(value, classify(value, quota), excess, meets_advanced)


def share_within_quota(benchmarks: Iterable[QuotaBenchmark]) -> float | None:
    """Share of users whose intensity meets the general value, among those with output [fraction].

    None when no user could be benchmarked.
    """
    levels = [item.level for item in benchmarks if item.level is not None]
    if not levels:
        return None
    return sum(level != OVER_QUOTA for level in levels) / len(levels)
