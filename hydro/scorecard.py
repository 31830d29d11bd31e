"""Scoring a county against an evaluation standard (县域节水型社会达标建设评价).

A standard is a profile: indicators grouped in categories, each worth some
points, scored from a value (computed from records or entered by hand) against
a threshold. An indicator either earns all its points when its value meets the
threshold, or, when it names a value at which it earns nothing (``zero_at``),
earns points in proportion between that value and the threshold:

    p = P · clip((x − x₀) / (x* − x₀), 0, 1),

P the indicator's points, x the value, x₀ ``zero_at`` and x* the threshold
(for an "at most" indicator, where less is better, x₀ > x*). Bonus indicators
add to the score above the base total. The county passes when its total
reaches the pass line and every indicator marked required is met.

The gap list names each indicator not met, how far its value is short of the
threshold (in the indicator's own unit) and the points it leaves unearned.

References
----------
.. [1] Ministry of Water Resources, 《关于开展县域节水型社会达标建设工作的通知》
   (水资源〔2017〕184号) and its 《节水型社会评价标准（试行）》: categories,
   indicators, points and the pass line; the default profile Civic ships
   follows the public texts and marks what is to verify.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

AT_LEAST = "at_least"
AT_MOST = "at_most"
DIRECTIONS = (AT_LEAST, AT_MOST)


@dataclass(frozen=True)
class IndicatorRule:
    """One indicator of a profile.

    Attributes
    ----------
    code : str
        Short code, unique in the profile, e.g. "planned_use_coverage".
    category : str
        The category it belongs to.
    name : str
        Its name.
    points : float
        Points when met in full, P.
    direction : str
        "at_least" when a higher value is better, "at_most" when lower is better.
    threshold : float
        Value earning the full points, x* (in the indicator's unit: fraction, yes = 1, …).
    zero_at : float or None
        Value earning no points, x₀; None for all-or-nothing.
    is_bonus : bool
        Whether the points add above the base total.
    required : bool
        Whether the county cannot pass without meeting it.
    """

    code: str
    category: str
    name: str
    points: float
    direction: str = AT_LEAST
    threshold: float = 1.0
    zero_at: float | None = None
    is_bonus: bool = False
    required: bool = False


@dataclass(frozen=True)
class Profile:
    """An evaluation standard: its indicators and the pass line [points]."""

    name: str
    pass_line: float
    indicators: tuple[IndicatorRule, ...]

    def __post_init__(self) -> None:
        codes = [rule.code for rule in self.indicators]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"indicator codes appear twice: {', '.join(duplicates)}")
        for rule in self.indicators:
            if rule.direction not in DIRECTIONS:
                raise ValueError(f"{rule.code}: direction {rule.direction!r}; choose at_least or at_most.")


@dataclass(frozen=True)
class IndicatorScore:
    """An indicator's value, points earned and how far it is short of the threshold."""

    code: str
    category: str
    value: float | None
    threshold: float
    points: float
    max_points: float
    meets: bool
    shortfall: float | None
    is_bonus: bool
    required: bool

    @property
    def points_missing(self) -> float:
        return self.max_points - self.points


@dataclass(frozen=True)
class ScorecardResult:
    """A county's score under a profile."""

    base_points: float
    bonus_points: float
    total_points: float
    max_base_points: float
    pass_line: float
    passes: bool
    scores: tuple[IndicatorScore, ...]
    gaps: tuple[IndicatorScore, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def meets(rule: IndicatorRule, value: float | None) -> bool:
    """Whether `value` reaches the threshold in the rule's direction; a missing value never does."""
    if value is None:
        return False
    return value >= rule.threshold if rule.direction == AT_LEAST else value <= rule.threshold


def shortfall(rule: IndicatorRule, value: float | None) -> float | None:
    """How far `value` is from the threshold, in the indicator's unit (0 when met, None when missing).

    Examples
    --------
    >>> shortfall(IndicatorRule("leak", "network", "leakage", 10, "at_most", 0.10), 0.13)
    0.03...
    """
    if value is None:
        return None
    if meets(rule, value):
        return 0.0
    return abs(rule.threshold - value)


def indicator_points(rule: IndicatorRule, value: float | None) -> float:
    """Points earned, p = P · clip((x − x₀) / (x* − x₀), 0, 1), or all-or-nothing without x₀."""
    if meets(rule, value):
        return rule.points
    if value is None or rule.zero_at is None or rule.zero_at == rule.threshold:
        return 0.0
    fraction = (value - rule.zero_at) / (rule.threshold - rule.zero_at)
    return rule.points * min(1.0, max(0.0, fraction))


def score_indicator(rule: IndicatorRule, value: float | None) -> IndicatorScore:
    return IndicatorScore(
        code=rule.code,
        category=rule.category,
        value=value,
        threshold=rule.threshold,
        points=indicator_points(rule, value),
        max_points=rule.points,
        meets=meets(rule, value),
        shortfall=shortfall(rule, value),
        is_bonus=rule.is_bonus,
        required=rule.required,
    )


def gap_list(scores: Sequence[IndicatorScore]) -> tuple[IndicatorScore, ...]:
    """The indicators not met, those leaving most points unearned first (required ones before others)."""
    short = [item for item in scores if not item.meets]
    return tuple(sorted(short, key=lambda item: (not item.required, -item.points_missing, item.code)))


def score(profile: Profile, values: Mapping[str, float | None]) -> ScorecardResult:
    """Score a county: each indicator's value by its code (absent or None earns nothing).

    Parameters
    ----------
    profile : Profile
        The evaluation standard.
    values : mapping of str to float or None
        Indicator values by code, in each indicator's unit.

    Returns
    -------
    ScorecardResult
        Base, bonus and total points, whether the county passes, each score and the gap list.
    """
    scores = tuple(score_indicator(rule, values.get(rule.code)) for rule in profile.indicators)
    base = sum(item.points for item in scores if not item.is_bonus)
    bonus = sum(item.points for item in scores if item.is_bonus)
    total = base + bonus
    required_met = all(item.meets for item in scores if item.required)
    return ScorecardResult(
        base_points=base,
        bonus_points=bonus,
        total_points=total,
        max_base_points=sum(rule.points for rule in profile.indicators if not rule.is_bonus),
        pass_line=profile.pass_line,
        passes=total >= profile.pass_line and required_met,
        scores=scores,
        gaps=gap_list(scores),
    )
