"""Assessment of a water-saving enterprise or unit (节水型企业/单位) from an accepted balance test.

Each threshold of the test's sector in force on the day is checked against the
indicator hydro computes from the test ([GB/T 7119-2018] Annex A); the intake
per unit product is compared with the advanced value of the product's quota;
and the test must close ([GB/T 12452-2022]).
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from civic.evaluation.models import BalanceTest, CarrierThreshold, Direction, Indicator
from hydro import balance_test

QUOTA_CHECK = "intake_per_product"


@dataclass(frozen=True)
class CarrierCheck:
    """One indicator of the assessment: its value, threshold, source and result."""

    indicator: str
    label: str
    value: float | None
    direction: str
    threshold: float
    source: str
    to_verify: bool
    passes: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CarrierResult:
    checks: tuple[CarrierCheck, ...]
    closes: bool

    @property
    def passes(self) -> bool:
        return self.closes and all(check.passes for check in self.checks)

    def reasons(self) -> tuple[str, ...]:
        """Why the test does not qualify, one sentence per failed check."""
        reasons = [] if self.closes else [_("The balance does not close within the tolerance.")]
        for check in self.checks:
            if not check.passes:
                reasons.append(_("%(indicator)s does not meet its threshold.") % {"indicator": check.label})
        return tuple(reasons)


def thresholds_in_force(test: BalanceTest, day: datetime.date) -> list[CarrierThreshold]:
    """The newest threshold of each indicator of the test's sector in force on `day`."""
    rows = test.sector.thresholds.filter(effective_from__lte=day).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=day)
    )
    newest: dict[str, CarrierThreshold] = {}
    for row in rows.order_by("indicator", "-effective_from"):
        newest.setdefault(row.indicator, row)
    return list(newest.values())


def threshold_check(threshold: CarrierThreshold, assessment: balance_test.BalanceAssessment) -> CarrierCheck:
    value = getattr(assessment, threshold.indicator)
    return CarrierCheck(
        indicator=threshold.indicator,
        label=str(Indicator(threshold.indicator).label),
        value=value,
        direction=threshold.direction,
        threshold=threshold.value,
        source=threshold.source,
        to_verify=threshold.to_verify,
        passes=threshold.meets(value),
    )


def quota_check(test: BalanceTest, assessment: balance_test.BalanceAssessment) -> CarrierCheck | None:
    """Intake per product against the advanced value of the product's quota; None without one."""
    quota = test.quota
    if quota is None or quota.advanced_value is None:
        return None
    value = assessment.intake_per_product
    return CarrierCheck(
        indicator=QUOTA_CHECK,
        label=_("Intake per product against the quota's advanced value (%(unit)s)") % {"unit": quota.unit},
        value=value,
        direction=Direction.AT_MOST,
        threshold=quota.advanced_value,
        source=quota.source_standard,
        to_verify=quota.to_verify,
        passes=value is not None and value <= quota.advanced_value,
    )


def assess_carrier(test: BalanceTest, day: datetime.date) -> CarrierResult:
    """Every check of the test against its sector's thresholds and its product quota, on `day`."""
    assessment = test.assessment()
    checks = [threshold_check(threshold, assessment) for threshold in thresholds_in_force(test, day)]
    if (check := quota_check(test, assessment)) is not None:
        checks.append(check)
    return CarrierResult(tuple(checks), assessment.closes)
