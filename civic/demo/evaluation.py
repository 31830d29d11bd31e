"""The demo county's evaluation: a dozen balance tests, yearly output for quota benchmarking, and the
county's 2024 and 2025 scorecards, every computed indicator tracing to the demo's records.

Balance tests follow one template per sector, scaled to the firm's metered use,
so they are the same on every run; their states cover the whole workflow
(certified, accepted, submitted, returned with comments, a draft, and one
whose canteen does not balance). Output is drawn from the seeded generator
handed in. Everything goes through `civic.evaluation.actions`.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from dataclasses import dataclass

from civic.core.models import User
from civic.evaluation import actions
from civic.evaluation.defaults import load_carrier_defaults, load_mwr_2017_profile
from civic.evaluation.models import BalanceTest, CarrierSector, ProductOutput, ReviewDecision, ScorecardEntry
from civic.water.actions import record_water_audit
from civic.water.models import PlannedUseStatus, WaterQuota, WaterUser, WaterUserReporter
from hydro.water_audit import AuditInputs

OUTPUT_YEARS = (2023, 2024, 2025)
SCORECARD_YEARS = (2024, 2025)
DAYS_IN_TEST = 30
# Treated wastewater returned to use per m³ discharged: Kw = x / (1 + x), 3.5 → 78 % for steel, 0.3 → 23 %.
WASTEWATER_REUSED_PER_DISCHARGED = {"steel": 3.5}


@dataclass(frozen=True)
class UnitShare:
    """A unit of a sector's template: its share of the fresh water, reuse per m³ fresh, and its fates."""

    name: str
    kind: str
    fresh_share: float
    reuse_per_fresh: float
    consumed: float
    leaked: float  # of the unit's fresh water; the rest is discharged
    steam_per_fresh: float = 0.0
    condensate_share: float = 0.0


DYEING = (
    UnitShare("染色车间", "process", 0.62, 0.8, 0.10, 0.03),
    UnitShare("前处理车间", "process", 0.14, 0.4, 0.08, 0.03),
    UnitShare("空压机及设备冷却", "cooling", 0.06, 40.0, 0.90, 0.02),
    UnitShare("锅炉房", "boiler", 0.12, 3.0, 0.95, 0.01, steam_per_fresh=3.5, condensate_share=0.985),
    UnitShare("办公与食堂", "domestic", 0.06, 0.0, 0.10, 0.04),
)
STEEL = (
    UnitShare("炼钢连铸", "process", 0.30, 30.0, 0.60, 0.02),
    UnitShare("轧钢浊环水", "process", 0.25, 40.0, 0.50, 0.02),
    UnitShare("高炉及转炉冷却", "cooling", 0.35, 60.0, 0.85, 0.02),
    UnitShare("生活区", "domestic", 0.10, 0.0, 0.10, 0.04),
)
CHEMICALS = (
    UnitShare("反应及洗涤工序", "process", 0.45, 2.0, 0.30, 0.02),
    UnitShare("循环冷却水系统", "cooling", 0.35, 45.0, 0.88, 0.02),
    UnitShare("蒸汽系统", "boiler", 0.12, 2.0, 0.95, 0.01, steam_per_fresh=3.0, condensate_share=0.9),
    UnitShare("办公与食堂", "domestic", 0.08, 0.0, 0.10, 0.04),
)
PAPER = (
    UnitShare("制浆抄纸", "process", 0.70, 8.0, 0.15, 0.03),
    UnitShare("设备冷却", "cooling", 0.15, 20.0, 0.85, 0.02),
    UnitShare("办公与食堂", "domestic", 0.15, 0.0, 0.10, 0.04),
)
FOOD = (
    UnitShare("生产车间", "process", 0.60, 0.6, 0.40, 0.03),
    UnitShare("制冷冷却", "cooling", 0.20, 15.0, 0.85, 0.02),
    UnitShare("清洗及生活", "domestic", 0.20, 0.0, 0.10, 0.03),
)
INSTITUTION = (
    UnitShare("门诊及病房楼", "domestic", 0.55, 0.0, 0.15, 0.03),
    UnitShare("空调冷却塔", "cooling", 0.25, 12.0, 0.90, 0.02),
    UnitShare("食堂及洗衣房", "other", 0.20, 0.0, 0.10, 0.03),
)
TEMPLATES = {
    "textile_dyeing": DYEING,
    "steel": STEEL,
    "chemicals": CHEMICALS,
    "paper": PAPER,
    "food": FOOD,
    "public_institution": INSTITUTION,
}
# (industry codes, sector, how many firms)
CHOICES = (
    (("C1713", "C1752"), "textile_dyeing", 3),
    (("C3120", "C3110", "C3130"), "steel", 3),
    (("C2614", "C2710"), "chemicals", 2),
    (("C2221",), "paper", 1),
    (("C1441", "C1513", "C1391"), "food", 1),
    (("Q8411", "Q8412"), "public_institution", 1),
    (("P8321", "P8334", "P8341"), "public_institution", 1),
)
# Workflow states for the chosen firms in order: most end certified.
STATES = (
    *("certified", "certified", "returned", "certified", "certified", "submitted"),
    *("certified", "draft", "certified", "certified", "unbalanced", "certified"),
)


def chosen_firms() -> list[tuple[WaterUser, str]]:
    """A dozen listed users of the sectors above, Runhua (WJ0001) and Xinglong (WJ0002) first."""
    chosen: list[tuple[WaterUser, str]] = []
    for codes, sector, count in CHOICES:
        users = WaterUser.objects.filter(industry__code__in=codes, planned_use_status=PlannedUseStatus.LISTED)
        chosen += [(user, sector) for user in users.order_by("code")[:count]]
    return chosen


def unit_rows(template: tuple[UnitShare, ...], fresh_m3: float) -> list[dict[str, object]]:
    rows = []
    for share in template:
        fresh = round(fresh_m3 * share.fresh_share)
        consumed, leaked = round(fresh * share.consumed), round(fresh * share.leaked)
        row: dict[str, object] = {
            "name": share.name,
            "kind": share.kind,
            "fresh_m3": fresh,
            "reused_m3": round(fresh * share.reuse_per_fresh),
            "consumed_m3": consumed,
            "discharged_m3": fresh - consumed - leaked,
            "leaked_m3": leaked,
        }
        if share.steam_per_fresh:
            steam = round(fresh * share.steam_per_fresh)
            row |= {"steam_t": steam, "condensate_recovered_t": round(steam * share.condensate_share)}
        rows.append(row)
    return rows


def quota_of(user: WaterUser) -> WaterQuota | None:
    return WaterQuota.objects.filter(industry=user.industry).order_by("product").first() if user.industry else None


def monthly_fresh_m3(user: WaterUser) -> float:
    use = user.annual_use_m3(2025) or user.design_annual_use_m3 or 120_000
    return max(1_200.0, use / 12)


def create_test(user: WaterUser, sector: str, state: str, reporter: User) -> BalanceTest:
    """One firm's test of September 2025 in the given state of the workflow."""
    fresh = monthly_fresh_m3(user)
    units = unit_rows(TEMPLATES[sector], fresh)
    if state == "unbalanced":
        units[-1]["leaked_m3"] = int(units[-1]["leaked_m3"]) + round(int(units[-1]["fresh_m3"]) * 0.3)  # type: ignore[call-overload]
    quota = quota_of(user)
    intensity = quota.advanced_value if quota and quota.advanced_value else None
    product_output = round(fresh / (intensity * 0.9)) if intensity else round(fresh / 2)
    discharged = sum(int(unit["discharged_m3"]) for unit in units)  # type: ignore[call-overload]
    test = BalanceTest(
        water_user=user,
        sector=CarrierSector.objects.get(code=sector),
        quota=quota,
        period_start=datetime.date(2025, 9, 1),
        period_end=datetime.date(2025, 9, DAYS_IN_TEST),
        product_output=product_output,
        product_unit=quota.unit.split("/", 1)[-1] if quota else "件",
        output_value_10k_yuan=round(fresh / 12, 1),
        metered_fresh_intake_m3=round(fresh * 1.02),
        wastewater_reused_m3=round(discharged * WASTEWATER_REUSED_PER_DISCHARGED.get(sector, 0.3)),
    )
    return actions.save_balance_test(test, units, reporter)


def move_through_workflow(test: BalanceTest, state: str, bureau: User) -> None:
    if state == "draft":
        return
    actions.submit_balance_test(test)
    if state == "submitted":
        return
    if state == "returned":
        actions.review_balance_test(
            test, ReviewDecision.RETURNED, "请补充冷却塔补水计量记录和测试期间的抄表单。", bureau
        )
        return
    actions.review_balance_test(test, ReviewDecision.ACCEPTED, "", bureau)
    if state == "certified":
        # A test short of a threshold stays accepted; its page shows why it is not certified.
        with contextlib.suppress(actions.CertificationError):
            actions.certify(test, bureau, issued_on=datetime.date(2025, 10, 20))


def load_balance_tests(bureau: User) -> int:
    reporters = {link.water_user_id: link.user for link in WaterUserReporter.objects.select_related("user")}
    count = 0
    for (user, sector), state in zip(chosen_firms(), STATES, strict=False):
        test = create_test(user, sector, state, reporters.get(user.pk, bureau))
        move_through_workflow(test, state, bureau)
        count += 1
    return count


def load_outputs(rng: random.Random, bureau: User) -> int:
    """Output for every listed user whose industry has a quota, each year, at an intensity around the quota."""
    records = []
    users = WaterUser.objects.filter(planned_use_status=PlannedUseStatus.LISTED, industry__quotas__isnull=False)
    for user in users.distinct().select_related("industry").order_by("code"):
        quota = quota_of(user)
        assert quota is not None
        uses = user.yearly_use_m3(OUTPUT_YEARS[0], OUTPUT_YEARS[-1])
        lowest = quota.leading_value or quota.advanced_value or quota.general_value
        for year, use in sorted(uses.items()):
            intensity = rng.uniform(lowest * 0.9, quota.general_value * (1.15 - 0.04 * (year - OUTPUT_YEARS[0])))
            output = round(use / intensity, 1)
            records.append(ProductOutput(water_user=user, quota=quota, year=year, output=output, reported_by=bureau))
    ProductOutput.objects.bulk_create(records)
    return len(records)


# Manual indicator values of each year (the county's own statistics, entered with a note).
MANUAL_VALUES = {
    2024: {
        "irrigation_metering": 0.55, "tiered_residential_price": 1, "agricultural_pricing_reform": 0.6,
        "three_simultaneities": 0.85, "unit_carriers": 0.38, "community_carriers": 0.06, "fixture_rate": 0.88,
        "reclaimed_water": 0.12, "gdp_intensity_ratio": 0.92, "industry_intensity_ratio": 1.05,
        "irrigation_coefficient_ratio": 1.01, "total_use_within_target": 1, "publicity": 1, "management_body": 1,
        "benchmark": 0, "incentives": 1, "efficient_irrigation": 1,
    },
    2025: {
        "irrigation_metering": 0.74, "tiered_residential_price": 1, "agricultural_pricing_reform": 1,
        "three_simultaneities": 1, "unit_carriers": 0.55, "community_carriers": 0.12, "fixture_rate": 1,
        "reclaimed_water": 0.22, "gdp_intensity_ratio": 0.88, "industry_intensity_ratio": 0.97,
        "irrigation_coefficient_ratio": 1.02, "total_use_within_target": 1, "publicity": 1, "management_body": 1,
        "benchmark": 1, "incentives": 1, "efficient_irrigation": 1,
    },
}  # fmt: skip
UTILITY_AUDITS = {2024: (21_500_000, 18_420_000), 2025: (22_100_000, 19_350_000)}


def load_water_audits(bureau: User) -> None:
    """The utility's yearly audit, whose CJJ 92 leakage rate the scorecard takes."""
    for year, (system_input, billed) in UTILITY_AUDITS.items():
        inputs = AuditInputs(
            name="武进水务有限公司",
            system_input_m3=system_input,
            billed_metered_m3=billed,
            mains_length_km=1_450,
            mains_length_dn75_km=1_180,
            service_connections=210_000,
            average_pressure_m=32,
            residential_household_metered_m3=billed * 0.55,
            average_outlet_pressure_mpa=0.32,
        )
        record_water_audit(inputs, year, bureau, "low_middle_income")


def load_scorecards(bureau: User) -> int:
    profile = load_mwr_2017_profile()
    for year in SCORECARD_YEARS:
        scorecard = actions.compute_scorecard(profile, year, bureau)
        entries = ScorecardEntry.objects.filter(scorecard=scorecard, indicator__computed_from="manual")
        for entry in entries.select_related("indicator"):
            entry.value = MANUAL_VALUES[year].get(entry.indicator.code)
            entry.note = f"{year}年度县统计资料"
            entry.entered_by = bureau
            entry.save()
    return len(SCORECARD_YEARS)


def load_evaluation_demo(seed: int, bureau: User) -> dict[str, int]:
    """The whole evaluation demo; returns counts for the loader's summary."""
    load_carrier_defaults()
    load_water_audits(bureau)
    tests = load_balance_tests(bureau)
    outputs = load_outputs(random.Random(f"{seed}:evaluation outputs"), bureau)
    scorecards = load_scorecards(bureau)
    return {"balance_tests": tests, "product_outputs": outputs, "scorecards": scorecards}
