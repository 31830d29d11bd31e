"""Annual plans true to their sources: complete years only, design use under a year, the user's own coefficient,
and the listing threshold in force.

[PLAN-RULE-QA]: plan = reasonable-use coefficient (from the water balance test) × (1 + mean growth) × mean use
of up to three years; "首次申请用水计划核定或者实际用水不满一年的，其计划用水总量按照设计年用水总量核定".
"""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from civic.testing import sign_in
from civic.water import actions
from civic.water.models import (
    Meter,
    MeterReading,
    PlanMethod,
    PlannedUseStatus,
    PlanningParameters,
    WaterSource,
    WaterUser,
    WaterUserKind,
)

# Runhua's use: 100,000 m³ in 2021, 110,000 in 2022, 121,000 in 2023 (10,000 a month, 11,000 in December).
RUNHUA_2023_MONTHS = {**dict.fromkeys(range(1, 12), 10_000.0), 12: 11_000.0}


def read(meter, day, volume_m3):
    MeterReading.objects.create(meter=meter, reading_date=day, volume_m3=volume_m3)


@pytest.fixture
def runhua_with_history(cast):
    read(cast.runhua_meter, datetime.date(2021, 12, 31), 100_000)
    read(cast.runhua_meter, datetime.date(2022, 12, 31), 110_000)
    for month, volume in RUNHUA_2023_MONTHS.items():
        read(cast.runhua_meter, datetime.date(2023, month, 28), volume)
    return cast.runhua


def months_of(plan):
    return {row.month: row.volume_m3 for row in plan.months.all()}


def test_next_year_s_plan_leaves_out_the_unfinished_year_and_says_so(cast, runhua_with_history):
    # Drafting the 2025 plan on 10 February 2024 with only January 2024 read (10,000 m³): 2024 is not over.
    # From 2022 and 2023: ū = 115,500, ḡ = 0.10, k = 1.0 → 127,050 m³. Counting January as the year 2024
    # would have given ū = 80,333 and ḡ = −10 % (capped): 72,300 m³.
    read(cast.runhua_meter, datetime.date(2024, 1, 28), 10_000)
    plan = actions.propose_plan(runhua_with_history, 2025, PlanMethod.HISTORY, today=datetime.date(2024, 2, 10))
    assert plan.annual_volume_m3 == 127_050
    assert (plan.basis["years"], plan.basis["years_left_out"]) == ([2022, 2023], [2024])


def test_the_months_follow_the_latest_complete_year_not_a_flat_line(cast, runhua_with_history):
    # The split follows 2023 (10,000 × 11 + 11,000): 127,050 × 10,000 / 121,000 = 10,500 a month to November,
    # 127,050 × 11,000 / 121,000 = 11,550 in December. January 2024 alone gave twelve equal months.
    read(cast.runhua_meter, datetime.date(2024, 1, 28), 10_000)
    plan = actions.propose_plan(runhua_with_history, 2025, PlanMethod.HISTORY, today=datetime.date(2024, 2, 10))
    assert months_of(plan) == {**dict.fromkeys(range(1, 12), 10_500.0), 12: 11_550.0}
    assert (plan.basis["split"], plan.basis["reference_year"]) == ("last_year_shape", 2023)


def test_the_plan_page_says_which_years_were_used_and_left_out(client, cast, runhua_with_history):
    read(cast.runhua_meter, datetime.date(2024, 1, 28), 10_000)
    plan = actions.propose_plan(runhua_with_history, 2025, PlanMethod.HISTORY, today=datetime.date(2024, 2, 10))
    sign_in(client, cast.bureau_staff)
    page = client.get(reverse("water:plan_detail", args=[plan.pk]), headers={"accept-language": "en"})
    text = page.content.decode()
    assert "Left out as incomplete years of use" in text and ": 2024." in text
    assert "The months follow the shape of the use in 2023." in text


@pytest.fixture
def september_starter(cast):
    """常州天宁纺织 connected on 1 September 2023 (design use 30,000 m³/a); 2,000 m³ a month since."""
    water_user = WaterUser.objects.create(
        code="WJ0003",
        name="常州天宁纺织有限公司",
        kind=WaterUserKind.ENTERPRISE,
        town=cast.hutang,
        design_annual_use_m3=30_000,
    )
    meter = Meter.objects.create(serial="M-WJ0003", water_user=water_user, installed_on=datetime.date(2023, 9, 1))
    for month in (9, 10, 11, 12):
        read(meter, datetime.date(2023, month, 28), 2_000)
    return water_user


def test_a_user_with_less_than_a_year_of_use_is_planned_on_its_design_use(september_starter):
    # Four months (8,000 m³) are not a year: planned on them, it would be surcharged from May on.
    plan = actions.propose_plan_by_default_method(september_starter, 2024, today=datetime.date(2024, 1, 10))
    assert plan is not None
    assert (plan.method, plan.annual_volume_m3) == (PlanMethod.DESIGN, 30_000)
    assert plan.basis["years_left_out"] == [2023]
    assert months_of(plan) == dict.fromkeys(range(1, 13), 2_500.0)  # no complete year to follow: equal months


def test_a_plan_from_history_is_refused_under_a_year_of_use(september_starter):
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="less than a year of use is planned on its design use"),
    ):
        actions.propose_plan(september_starter, 2024, PlanMethod.HISTORY, today=datetime.date(2024, 1, 10))


def test_the_user_s_own_coefficient_from_its_water_balance_test_enters_its_plan(runhua_with_history):
    # k = 0.95 from Runhua's water balance test: 0.95 × 1.10 × 110,333.33 = 115,298.33 → 115,298 m³
    # (with the county's k = 1.0 it is 121,367 m³).
    runhua = runhua_with_history
    runhua.reasonable_use_coefficient = 0.95
    runhua.water_balance_test_on = datetime.date(2023, 6, 1)
    runhua.save()
    plan = actions.propose_plan(runhua, 2024, PlanMethod.HISTORY, today=datetime.date(2024, 1, 10))
    assert plan.annual_volume_m3 == 115_298
    assert plan.basis["reasonable_use_coefficient_source"] == "water_balance_test"
    assert plan.basis["water_balance_test_on"] == "2023-06-01"


def test_a_coefficient_entered_for_the_plan_overrides_the_register(runhua_with_history):
    # 0.90 × 1.10 × 110,333.33 = 109,230.00 m³
    plan = actions.propose_plan(
        runhua_with_history,
        2024,
        PlanMethod.HISTORY,
        today=datetime.date(2024, 1, 10),
        reasonable_use_coefficient=0.90,
    )
    assert plan.annual_volume_m3 == 109_230
    assert plan.basis["reasonable_use_coefficient_source"] == "entered"


@pytest.fixture
def changzhou_threshold(cast):
    """From 2021 the county lists users above 6,000 m³ a year of public supply (Changzhou's notices)."""
    return PlanningParameters.objects.create(
        effective_from=datetime.date(2021, 1, 1),
        listing_threshold_m3_per_year=6_000,
        listing_threshold_source="常水资〔2021〕5号",
    )


def public_supply_user(cast, code, use_2023_m3, source=WaterSource.PUBLIC_SUPPLY):
    water_user = WaterUser.objects.create(
        code=code,
        name=f"用户{code}",
        kind=WaterUserKind.ENTERPRISE,
        town=cast.hutang,
        planned_use_status=PlannedUseStatus.CANDIDATE,
    )
    meter = Meter.objects.create(
        serial=f"M-{code}", water_user=water_user, installed_on=datetime.date(2018, 1, 1), source=source
    )
    for month in range(1, 13):
        read(meter, datetime.date(2023, month, 28), use_2023_m3 / 12)
    return water_user


def test_the_listing_threshold_in_force_decides_who_is_listed(cast, changzhou_threshold):
    # 6,000 m³ in 2023 is listed ("以上" includes the number itself); 5,988 is not; a river-water user is left
    # as it was. The cast's own rule (10,000 m³, from 2020) no longer applies in 2024.
    at_threshold = public_supply_user(cast, "WJ0003", 6_000)
    below = public_supply_user(cast, "WJ0004", 5_988)
    river = public_supply_user(cast, "WJ0005", 20_000, source=WaterSource.SURFACE)
    review = actions.review_planned_use_list(2024, today=datetime.date(2024, 1, 10))
    assert (review.threshold_m3_per_year, review.threshold_effective_from) == (6_000, datetime.date(2021, 1, 1))
    assert review.threshold_source == "常水资〔2021〕5号"
    assert "WJ0003" in review.listed and "WJ0004" in review.unlisted
    statuses = {user.code: user.planned_use_status for user in WaterUser.objects.filter(code__gte="WJ0003")}
    assert statuses == {
        at_threshold.code: PlannedUseStatus.LISTED,
        below.code: PlannedUseStatus.CANDIDATE,
        river.code: PlannedUseStatus.CANDIDATE,
    }


def test_compute_plans_reviews_the_list_by_the_threshold_in_force_and_says_which(cast, changzhou_threshold):
    public_supply_user(cast, "WJ0003", 6_000)
    output = io.StringIO()
    call_command("compute_plans", year=2024, review_list=True, by="wangfang", stdout=output, stderr=io.StringIO())
    assert "Listing threshold 6,000 m³/year in force from 2021-01-01 (常水资〔2021〕5号)" in output.getvalue()
    assert WaterUser.objects.get(code="WJ0003").planned_use_status == PlannedUseStatus.LISTED
