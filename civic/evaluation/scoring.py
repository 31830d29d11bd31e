"""The county scorecard: indicators computed from Civic's records, with the figures and records they came
from, and the score under a profile (hydro.scorecard)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from civic.evaluation import benchmarking
from civic.evaluation.models import (
    CarrierCertificate,
    CertificateStatus,
    ComputedFrom,
    ProductOutput,
    Scorecard,
    ScorecardIndicator,
)
from civic.water.models import (
    AnnualPlan,
    PlannedUseStatus,
    PlanStatus,
    SurchargeSchedule,
    WaterAudit,
    WaterUser,
    WaterUserKind,
)
from hydro import scorecard as hydro_scorecard

TRACE_CODES_SHOWN = 20


@dataclass(frozen=True)
class Computed:
    """An indicator's value and its trace: the figures and the records (by code) it came from."""

    value: float | None
    trace: dict[str, Any] = field(default_factory=dict)


def listed_users() -> list[WaterUser]:
    return list(WaterUser.objects.filter(planned_use_status=PlannedUseStatus.LISTED).order_by("code"))


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def planned_use_coverage(year: int) -> Computed:
    """Share of listed users with an issued plan for the year."""
    listed = listed_users()
    planned = set(
        AnnualPlan.objects.filter(year=year, status=PlanStatus.ISSUED).values_list("water_user__code", flat=True)
    )
    missing = [user.code for user in listed if user.code not in planned]
    trace = {
        "listed": len(listed),
        "with_plan": len(listed) - len(missing),
        "without_plan": missing[:TRACE_CODES_SHOWN],
    }
    return Computed(share(len(listed) - len(missing), len(listed)), trace)


def metering_rate(year: int) -> Computed:
    """Share of listed users with a billing meter in service during the year."""
    listed = listed_users()
    end = datetime.date(year, 12, 31)
    metered = set(
        WaterUser.objects.filter(meters__parent__isnull=True, meters__installed_on__lte=end)
        .values_list("code", flat=True)
        .distinct()
    )
    missing = [user.code for user in listed if user.code not in metered]
    trace = {"listed": len(listed), "metered": len(listed) - len(missing), "unmetered": missing[:TRACE_CODES_SHOWN]}
    return Computed(share(len(listed) - len(missing), len(listed)), trace)


def surcharge_in_force(year: int) -> Computed:
    """1 when an over-plan surcharge schedule is in force by the end of the year, else 0."""
    schedule = SurchargeSchedule.objects.filter(effective_from__lte=datetime.date(year, 12, 31)).first()
    if schedule is None:
        return Computed(0.0, {"schedule": None})
    return Computed(1.0, {"schedule": schedule.name, "effective_from": schedule.effective_from.isoformat()})


def network_leakage_rate(year: int) -> Computed:
    """The CJJ 92 leakage rate of the year's water audits, weighted by system input [fraction]."""
    audits = list(WaterAudit.objects.filter(year=year))
    weighted = [
        (audit.result["leakage_rate_pct"], audit.result["system_input_m3"])
        for audit in audits
        if audit.result.get("leakage_rate_pct") is not None and audit.result.get("system_input_m3")
    ]
    total_input = sum(volume for _, volume in weighted)
    if not total_input:
        return Computed(None, {"audits": [audit.pk for audit in audits]})
    rate = sum(rate_pct * volume for rate_pct, volume in weighted) / total_input / 100
    return Computed(rate, {"audits": [audit.pk for audit in audits], "system_input_m3": total_input})


def carrier_coverage(year: int) -> Computed:
    """Share of listed enterprises holding a water-saving enterprise certificate valid at the end of the year."""
    end = datetime.date(year, 12, 31)
    enterprises = [user for user in listed_users() if user.kind == WaterUserKind.ENTERPRISE]
    certified = set(
        CarrierCertificate.objects.filter(
            status=CertificateStatus.VALID, issued_on__lte=end, expires_on__gte=end
        ).values_list("water_user__code", flat=True)
    )
    holders = [user.code for user in enterprises if user.code in certified]
    trace = {"listed_enterprises": len(enterprises), "certified": holders[:TRACE_CODES_SHOWN], "count": len(holders)}
    return Computed(share(len(holders), len(enterprises)), trace)


def quota_compliance(year: int) -> Computed:
    """Share of benchmarked users within the general value of their product quota."""
    rows = benchmarking.benchmark_rows(ProductOutput.objects.filter(year=year))
    over = [row.output.water_user.code for row in rows if row.over_quota]
    trace = {"benchmarked": sum(row.result.level is not None for row in rows), "over_quota": over[:TRACE_CODES_SHOWN]}
    return Computed(benchmarking.share_within_quota(rows), trace)


COMPUTERS = {
    ComputedFrom.PLANNED_USE_COVERAGE: planned_use_coverage,
    ComputedFrom.METERING_RATE: metering_rate,
    ComputedFrom.SURCHARGE_IN_FORCE: surcharge_in_force,
    ComputedFrom.NETWORK_LEAKAGE_RATE: network_leakage_rate,
    ComputedFrom.CARRIER_COVERAGE: carrier_coverage,
    ComputedFrom.QUOTA_COMPLIANCE: quota_compliance,
}


def compute_indicator(computed_from: str, year: int) -> Computed | None:
    """The value Civic computes for an indicator from its records; None for a manual indicator."""
    computer = COMPUTERS.get(ComputedFrom(computed_from))
    return computer(year) if computer else None


def hydro_rule(indicator: ScorecardIndicator) -> hydro_scorecard.IndicatorRule:
    return hydro_scorecard.IndicatorRule(
        code=indicator.code,
        category=indicator.category,
        name=indicator.name,
        points=indicator.points,
        direction=indicator.direction,
        threshold=indicator.threshold,
        zero_at=indicator.zero_at,
        is_bonus=indicator.is_bonus,
        required=indicator.required,
    )


def score_scorecard(scorecard: Scorecard) -> hydro_scorecard.ScorecardResult:
    """The scorecard's score, pass or fail and gap list, from its entries' values."""
    indicators = list(scorecard.profile.indicators.all())
    profile = hydro_scorecard.Profile(
        scorecard.profile.name, scorecard.profile.pass_line, tuple(hydro_rule(item) for item in indicators)
    )
    values = {entry.indicator.code: entry.value for entry in scorecard.entries.select_related("indicator")}
    return hydro_scorecard.score(profile, values)
