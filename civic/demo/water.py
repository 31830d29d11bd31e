"""The demo county's water-saving records: rules, industries, quotas, the register, meters and readings.

Numbers that stand for the county's real rules are marked as demo values
where they were not taken from a published source.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import TypeVar

from django.db import models
from django.utils import timezone
from tqdm import tqdm

from civic.core.models import Region, User
from civic.demo.water_catalogue import INDUSTRIES
from civic.demo.water_readings import user_readings
from civic.demo.water_users import DemoUser, build_users, plan_meters
from civic.water import actions, quotas
from civic.water.models import (
    SQUARE_METRES_PER_MU,
    BillingPeriod,
    BillStatus,
    FarmlandProgram,
    Industry,
    Meter,
    MeterReading,
    PlannedUseStatus,
    PlanningParameters,
    SurchargeBill,
    SurchargeMode,
    SurchargeSchedule,
    SurchargeTier,
    WaterTariff,
    WaterUser,
    WaterUserKind,
)
from hydro import surcharge

RULES_START = datetime.date(2020, 1, 1)
# Values of the right order of magnitude only: the provincial tables themselves
# ([JS-QUOTA-2019]) were not at hand, so every row is flagged to verify.
SAMPLE_QUOTAS = Path(__file__).resolve().parent / "data" / "sample_quotas.csv"
CHUNK_SIZE = 2_000

# (basic water price, sewage charge) per user kind [yuan/m³]. Demo values in the
# range of Changzhou's non-residential price (about ¥4.10/m³ all in, sewage charge
# included); check the city's current tariff notice before relying on them. The
# surcharge is a multiple of the basic price alone ([JS-SUPPLY-DRAFT]).
DEMO_TARIFFS_YUAN_PER_M3 = {
    WaterUserKind.ENTERPRISE: (Decimal("2.70"), Decimal("1.40")),
    WaterUserKind.PUBLIC_INSTITUTION: (Decimal("2.70"), Decimal("1.40")),
    WaterUserKind.RESIDENTIAL_COMMUNITY: (Decimal("2.05"), Decimal("1.10")),
    WaterUserKind.FARM: (Decimal("0.60"), Decimal("0.00")),
}

# The consultation draft of the 江苏省城乡供水管理条例: over plan by up to 10 % pays
# 1× the basic price again, 10–30 % 2×, above 30 % 3×, the multiple applying to
# the whole over-plan volume. A draft: marked to verify against the county's rule.
JIANGSU_DRAFT_TIERS = ((0.0, 0.10, 1.0), (0.10, 0.30, 2.0), (0.30, None, 3.0))
JIANGSU_DRAFT_SCHEDULE_NAME = "江苏省超计划用水累进加价（征求意见稿口径）"
JIANGSU_DRAFT_DOCUMENT = "《江苏省城乡供水管理条例（征求意见稿）》超计划用水累进加价条款"

# Changzhou's planned-use notices (常水资〔2021〕5号 and the 2022 notice) list the
# non-residential users of its urban districts, Wujin among them, that take more
# than 6,000 m³ a year from the public supply.
CHANGZHOU_LISTING_THRESHOLD_M3_PER_YEAR = 6_000
CHANGZHOU_LISTING_SOURCE = (
    "常州市计划用水通知（常水资〔2021〕5号）：市区公共供水年用水量6000立方米以上的非居民用户（待核对）"
)

# The demo drafts each year's plans on 10 January, once December's readings are in.
PLAN_DRAFTING_DAY = (1, 10)

FARMLAND_TARGET_MU = 52_000  # seed: 5.2万亩 in the 14th Five-Year Plan
FARMLAND_COMPLETED_MU = 34_000  # seed: 3.4万亩 done by March 2024

Row = TypeVar("Row", bound=models.Model)
Item = TypeVar("Item")


def create_rules() -> None:
    """Planning parameters, tariffs and the surcharge schedule, all in force from 2020."""
    PlanningParameters.objects.create(
        effective_from=RULES_START,
        reasonable_use_coefficient=1.0,
        maximum_growth_rate=0.10,
        listing_threshold_m3_per_year=CHANGZHOU_LISTING_THRESHOLD_M3_PER_YEAR,
        listing_threshold_source=CHANGZHOU_LISTING_SOURCE,
    )
    for kind, (basic_price, sewage_charge) in DEMO_TARIFFS_YUAN_PER_M3.items():
        WaterTariff.objects.create(
            kind=kind,
            basic_price_yuan_per_m3=basic_price,
            sewage_charge_yuan_per_m3=sewage_charge,
            effective_from=RULES_START,
        )
    schedule = SurchargeSchedule.objects.create(
        name=JIANGSU_DRAFT_SCHEDULE_NAME,
        source_document=JIANGSU_DRAFT_DOCUMENT,
        to_verify=True,
        effective_from=RULES_START,
        billing_period=BillingPeriod.MONTHLY,
        mode=SurchargeMode.WHOLE_EXCESS,
    )
    for lower, upper, multiplier in JIANGSU_DRAFT_TIERS:
        SurchargeTier.objects.create(
            schedule=schedule, lower_excess_fraction=lower, upper_excess_fraction=upper, multiplier=multiplier
        )


def create_industries() -> dict[str, Industry]:
    industries = [Industry(code=code, name=name, name_en=name_en) for code, name, name_en in INDUSTRIES]
    Industry.objects.bulk_create(industries)
    return {industry.code: industry for industry in Industry.objects.all()}


def create_farmland_program() -> FarmlandProgram:
    return FarmlandProgram.objects.create(
        name="十四五高标准农田建设",
        period_start_year=2021,
        period_end_year=2025,
        target_area_m2=FARMLAND_TARGET_MU * SQUARE_METRES_PER_MU,
        completed_area_m2=FARMLAND_COMPLETED_MU * SQUARE_METRES_PER_MU,
    )


def load_sample_quotas() -> int:
    """Load the sample quota table (values to verify) through the same checks as an upload."""
    table = quotas.read_quota_table(SAMPLE_QUOTAS, formats=("csv",))
    checked = quotas.check_quota_rows(table, set(Industry.objects.values_list("code", flat=True)))
    if checked.error_count:
        raise ValueError(f"the sample quota table has errors: {checked.errors}")
    return actions.save_quotas(checked.quotas).created


def chunks(rows: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def bulk_save(model: type[Row], rows: Sequence[Row], description: str, quiet: bool) -> None:
    with tqdm(total=len(rows), desc=description, unit="rows", disable=quiet) as bar:
        for chunk in chunks(rows, CHUNK_SIZE):
            model._default_manager.bulk_create(chunk)
            bar.update(len(chunk))


def create_register(
    rng: random.Random, scale: int, towns: dict[str, Region], quiet: bool, user_count: int | None = None
) -> list[DemoUser]:
    """Water users and their meters; billing meters first, so sub-meters and replacements can name them."""
    industries = {industry.code: industry for industry in Industry.objects.all()}
    users = build_users(rng, scale, towns, industries, user_count)
    bulk_save(WaterUser, [user.water_user for user in users], "water users", quiet)
    plan_meters(rng, users)
    meters = [demo_meter.meter for user in users for demo_meter in user.meters]
    first_pass = [meter for meter in meters if meter.parent is None and meter.replaces is None]
    bulk_save(Meter, first_pass, "meters", quiet)
    second_pass = [meter for meter in meters if meter.parent is not None or meter.replaces is not None]
    bulk_save(Meter, second_pass, "sub-meters and replacements", quiet)
    return users


def create_readings(rng: random.Random, users: Sequence[DemoUser], quiet: bool) -> int:
    count = 0
    with tqdm(total=len(users), desc="readings (users)", unit="users", disable=quiet) as bar:
        for group in chunks(users, 50):
            readings = [reading for user in group for reading in user_readings(rng, user)]
            MeterReading.objects.bulk_create(readings, batch_size=CHUNK_SIZE)
            count += len(readings)
            bar.update(len(group))
    return count


@dataclass
class PlanYear:
    """What proposing and issuing one year's plans did."""

    year: int
    listed: int = 0
    issued: int = 0
    skipped: list[str] = field(default_factory=list)


def issue_plans(year: int, issuer: User, quiet: bool) -> PlanYear:
    """Review the planned-use list by the threshold in force, then propose and issue the year's plan of every listed
    user, as `manage.py compute_plans --issue` does; both on the year's drafting day."""
    drafting_day = datetime.date(year, *PLAN_DRAFTING_DAY)
    review = actions.review_planned_use_list(year, today=drafting_day, by_user=issuer)
    listed = list(WaterUser.objects.filter(planned_use_status=PlannedUseStatus.LISTED).order_by("code"))
    outcome = PlanYear(year, listed=len(review.listed))
    for water_user in tqdm(listed, desc=f"plans {year}", unit="users", disable=quiet):
        # Drafted by the batch computation (no author), so the issuer is the second pair of eyes.
        plan = actions.propose_plan_by_default_method(water_user, year, today=drafting_day)
        if plan is None:
            outcome.skipped.append(water_user.code)
            continue
        actions.issue_plan(plan, issuer)
        outcome.issued += 1
    return outcome


def billing_months(years: Iterable[int]) -> list[tuple[datetime.date, datetime.date]]:
    return [period for year in years for period in surcharge.billing_periods(year, BillingPeriod.MONTHLY)]


def compute_bills(years: Iterable[int], quiet: bool) -> list[actions.BillRun]:
    """Bill every month of the years, as `manage.py compute_surcharges --period YYYY-MM` does."""
    runs = []
    periods = billing_months(years)
    with tqdm(total=len(periods), desc="surcharge bills", unit="months", disable=quiet) as bar:
        for first_day, last_day in periods:
            runs.append(actions.compute_bills(first_day, last_day))
            bar.set_postfix_str(surcharge.format_period(first_day, last_day))
            bar.update()
    settle_demo_bills()
    return runs


DEMO_ISSUE_DELAY = datetime.timedelta(days=5)
DEMO_DELIVERY_DELAY = datetime.timedelta(days=3)
DEMO_PAYMENT_DELAY = datetime.timedelta(days=12)


def settle_demo_bills() -> None:
    """The bills as a year of the office's work left them, so the overdue list has something to show.

    Each bill was issued five days after its period, delivered three days later
    and paid within the notice's fifteen days; in the latest period billed,
    every bill with an odd sequence number is delivered but still unpaid.
    """
    periods = sorted(set(SurchargeBill.objects.values_list("period_start", "period_end")))
    now = timezone.now()
    for first_day, last_day in periods:
        issued_at = min(
            now, timezone.make_aware(datetime.datetime.combine(last_day + DEMO_ISSUE_DELAY, datetime.time(9)))
        )
        issued_on = timezone.localdate(issued_at)
        bills = SurchargeBill.objects.filter(period_start=first_day, period_end=last_day)
        bills.update(created_at=issued_at, status=BillStatus.DELIVERED, delivered_on=issued_on + DEMO_DELIVERY_DELAY)
        paid = bills.exclude(number__regex=r"[13579]$") if (first_day, last_day) == periods[-1] else bills
        paid.update(status=BillStatus.PAID, paid_on=issued_on + DEMO_PAYMENT_DELAY)
