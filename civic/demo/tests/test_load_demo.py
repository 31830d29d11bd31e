"""`manage.py load_demo` loads the same demo county on every run, with the seed's figures.

The county is loaded twice, reduced to 72 water users (Runhua, Xinglong, the
58 water-saving enterprises and 12 others) and 150 dogs, and the loads are
compared by a digest of every record; the figures come from the seed (Wujin District,
March 2024): 26 service points, 58 water-saving enterprises, farmland target
52,000 mu with 34,000 done.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import models
from django.test import override_settings

from civic.core.models import User
from civic.demo import county as demo
from civic.demo.accounts import DEMO_PASSWORD
from civic.demo.testing import FAST_HASHERS, REDUCED, REDUCED_DOG_COUNT, REDUCED_USER_COUNT, record_digest
from civic.dogs.access import service_point_of
from civic.dogs.models import Dog, ServicePoint
from civic.dogs.statistics import tag_figures
from civic.water.access import water_user_of
from civic.water.actions.listing import public_supply_use_m3
from civic.water.models import (
    AnnualPlan,
    FarmlandProgram,
    MeterReading,
    MonthlyPlan,
    PlannedUseStatus,
    PlanningParameters,
    PlanStatus,
    SurchargeBill,
    SurchargeSchedule,
    WaterTariff,
    WaterUser,
)
from hydro import surcharge

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def loads(django_db_setup, django_db_blocker):
    """The reduced county loaded twice (the second time with its printed summary); the digest of each load."""
    # Signing in is not under test: a fast hasher keeps the load quick (as conftest.py does for each test).
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        call_command("load_demo", "--reset", "--yes", *REDUCED, "--quiet")
        first = record_digest()
        output = StringIO()
        call_command("load_demo", "--reset", "--yes", *REDUCED, stdout=output)
        yield {"first": first, "second": record_digest(), "output": output.getvalue()}
        demo.reset_demo_tables()


def test_it_loads_the_same_records_on_every_run(loads):
    assert loads["first"] == loads["second"]


def test_it_cuts_the_register_and_the_dogs_down_to_the_size_asked_for(loads):
    assert WaterUser.objects.count() == REDUCED_USER_COUNT
    # --dogs counts tagged dogs, the README's showcase ones among them; 3 % more have a cancelled licence.
    assert tag_figures()["tagged_total"] == REDUCED_DOG_COUNT
    assert Dog.objects.count() == REDUCED_DOG_COUNT + round(REDUCED_DOG_COUNT * 0.03)


def test_it_has_the_seeds_26_service_points_with_runxuan_first(loads):
    # The seed's 26 clinics; the police window that licensed dogs before them no longer registers.
    assert ServicePoint.objects.filter(is_active=True, is_clinic=True).count() == 26
    assert not ServicePoint.objects.get(is_clinic=False).is_active
    first = ServicePoint.objects.get(code="SP01")
    assert (first.name, first.town.name) == ("润轩宠物医院", "湖塘镇")


def test_it_has_the_seeds_58_water_saving_enterprises_by_segment(loads):
    savers = WaterUser.objects.filter(is_water_saving_enterprise=True)
    by_segment = dict(savers.values_list("water_saving_segment").annotate(count=models.Count("pk")))
    # The demo's split of the seed's 58 firms (civic/demo/water_catalogue.py).
    assert by_segment == {
        "工业废水处理": 12,
        "污水再生利用": 8,
        "农业节水灌溉": 7,
        "雨水收集利用": 6,
        "节水器具产品": 10,
        "智慧节水及服务": 9,
        "新型节水设备及技术": 6,
    }
    assert savers.count() == 58


def test_it_records_the_farmland_target_and_what_is_done(loads):
    programme = FarmlandProgram.objects.get()
    # 1 mu = 10,000/15 m²: 52,000 mu is 34,666,666.7 m², 34,000 mu is 22,666,666.7 m².
    assert programme.target_area_m2 == pytest.approx(34_666_666.67)
    assert programme.completed_area_m2 == pytest.approx(22_666_666.67)
    assert (round(programme.target_mu), round(programme.completed_mu)) == (52_000, 34_000)


def test_it_binds_the_demo_accounts_to_runhua_xinglong_and_runxuan(loads):
    accounts = {user.username: user for user in User.objects.all()}
    assert sorted(accounts) == ["admin", "analyst", "bureau", "clinic", "dogoffice", "inspector", "runhua", "xinglong"]
    assert str(water_user_of(accounts["runhua"])) == "WJ0001 常州润华印染有限公司"
    assert str(water_user_of(accounts["xinglong"])) == "WJ0002 常州兴隆钢铁有限公司"
    clinic = service_point_of(accounts["clinic"])
    assert clinic is not None
    assert (clinic.code, clinic.name) == ("SP01", "润轩宠物医院")
    assert all(user.check_password(DEMO_PASSWORD) for user in accounts.values())
    assert accounts["admin"].is_superuser and not accounts["bureau"].is_superuser


def test_it_gives_runhua_readings_from_january_2023_to_december_2025(loads):
    # Its billing meters: the sub-meters of its water-saving projects were read from a year before each project.
    readings = MeterReading.objects.filter(meter__water_user__code="WJ0001", meter__parent__isnull=True)
    assert readings.filter(reading_date=datetime.date(2023, 1, 31)).exists()
    assert readings.filter(reading_date=datetime.date(2025, 12, 31)).exists()
    assert not readings.filter(reading_date__lt=datetime.date(2023, 1, 1)).exists()


def test_it_issues_every_listed_users_plans_for_2024_to_2026(loads):
    listed = set(WaterUser.objects.filter(planned_use_status=PlannedUseStatus.LISTED).values_list("code", flat=True))
    assert set(AnnualPlan.objects.filter(year=2026).values_list("water_user__code", flat=True)) == listed
    for year in (2024, 2025, 2026):
        plans = AnnualPlan.objects.filter(year=year)
        assert plans.filter(status=PlanStatus.ISSUED).count() == plans.count() > 0
    assert not AnnualPlan.objects.exclude(year__in=(2024, 2025, 2026)).exists()
    assert set(AnnualPlan.objects.values_list("issued_by__username", flat=True)) == {"bureau"}


def test_it_bills_every_month_of_2024_and_2025(loads):
    months = {(day.year, day.month) for day in SurchargeBill.objects.values_list("period_start", flat=True)}
    assert months == {(year, month) for year in (2024, 2025) for month in range(1, 13)}


def planned_and_actual_m3(bill: SurchargeBill) -> tuple[float, float]:
    """The month's plan and metered use, worked out again from the plan's months and the billing meters."""
    month = MonthlyPlan.objects.get(
        plan__water_user=bill.water_user, plan__year=bill.period_start.year, month=bill.period_start.month
    )
    readings = MeterReading.objects.filter(
        meter__water_user=bill.water_user,
        meter__parent__isnull=True,
        reading_date__range=(bill.period_start, bill.period_end),
    )
    return month.volume_m3, sum(reading.volume_m3 for reading in readings)


def test_it_bills_the_amount_that_hydro_surcharge_gives_for_the_plan_and_the_readings(loads):
    bill = SurchargeBill.objects.order_by("period_start", "number").first()
    assert bill is not None
    planned, actual = planned_and_actual_m3(bill)
    tariff = WaterTariff.objects.get(kind=bill.water_user.kind)
    price = tariff.basic_price_yuan_per_m3
    jiangsu_draft = [(0.0, 0.10, 1.0), (0.10, 0.30, 2.0), (0.30, None, 3.0)]

    result = surcharge.surcharge(planned, actual, price, jiangsu_draft, mode=surcharge.WHOLE_EXCESS)

    assert (bill.planned_m3, bill.actual_m3) == (planned, actual)
    assert bill.amount_yuan == result.amount_yuan
    # By hand, with P the plan and E the excess, the whole excess at the multiple of the band it reaches
    # (the Jiangsu consultation draft): price × E × (1 if E ≤ 0.1P, 2 if E ≤ 0.3P, else 3).
    plan, excess = Decimal(str(planned)), Decimal(str(actual)) - Decimal(str(planned))
    multiple = 1 if excess <= plan / 10 else 2 if excess <= plan * 3 / 10 else 3
    assert bill.amount_yuan == (price * excess * multiple).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    # The base is the basic water price without the sewage charge: ¥2.70 of the ¥4.10 an enterprise pays.
    assert bill.base_price_yuan_per_m3 == price == Decimal("2.70") != price + tariff.sewage_charge_yuan_per_m3
    assert (bill.mode, bill.source_document) == (
        "whole_excess",
        "《江苏省城乡供水管理条例（征求意见稿）》超计划用水累进加价条款",
    )


def test_it_follows_the_draft_text_and_marks_it_to_verify(loads):
    schedule = SurchargeSchedule.objects.get()
    assert (schedule.mode, schedule.to_verify) == ("whole_excess", True)
    assert "计划用水管理办法" not in schedule.name + schedule.source_document
    assert "江苏省城乡供水管理条例" in schedule.source_document


def test_it_lists_the_users_above_changzhou_s_threshold_of_public_supply(loads):
    # Changzhou's plan notices list urban-district users above 6,000 m³ a year of public supply; the 2026 list
    # follows 2025, the last complete year before it, with "以上" including 6,000 itself.
    parameters = PlanningParameters.objects.get()
    assert parameters.listing_threshold_m3_per_year == 6_000
    assert "常水资〔2021〕5号" in parameters.listing_threshold_source
    for water_user in WaterUser.objects.filter(kind__in=("enterprise", "public_institution")):
        if not water_user.meters.filter(source="public_supply", parent__isnull=True).exists():
            continue
        use = public_supply_use_m3(water_user, 2025)
        listed = water_user.planned_use_status == PlannedUseStatus.LISTED
        assert listed == (use >= 6_000), (water_user.code, use)


def test_it_prints_every_account_with_the_password(loads):
    for username in ("admin", "bureau", "runhua", "xinglong", "analyst", "clinic", "inspector", "dogoffice"):
        assert f"  {username} " in loads["output"]
    assert "WJ0001 常州润华印染有限公司" in loads["output"]
    assert f"password: {DEMO_PASSWORD}" in loads["output"]


def test_it_refuses_to_load_over_records_without_reset(loads):
    with pytest.raises(CommandError, match="--reset"):
        call_command("load_demo", *REDUCED, "--quiet")


def test_it_refuses_a_register_too_small_for_the_water_saving_enterprises(loads):
    with pytest.raises(CommandError, match="at least 60"):
        call_command("load_demo", "--reset", "--users", "59", "--quiet")


def test_it_empties_tables_before_the_tables_they_point_at():
    order = demo.demo_models()
    position = {model: index for index, model in enumerate(order)}
    for model in order:
        for target in demo._targets(model) & set(position):
            assert position[target] > position[model], f"{model.__name__} must be emptied before {target.__name__}"


def test_it_gives_firms_balance_tests_through_the_whole_review_workflow(loads):
    from civic.evaluation.models import BalanceTest, CarrierCertificate

    tests = BalanceTest.objects.select_related("sector")
    assert {"textile_dyeing", "steel", "chemicals", "public_institution"} <= {test.sector.code for test in tests}
    assert {"accepted", "returned", "submitted"} <= {test.status for test in tests}
    for certificate in CarrierCertificate.objects.select_related("test"):
        assert certificate.test.status == "accepted"
        assert all(check["passes"] for check in certificate.checks)


def test_it_benchmarks_every_listed_user_with_a_quota_in_each_year_it_has_readings(loads):
    from civic.evaluation.models import ProductOutput

    users = WaterUser.objects.filter(planned_use_status=PlannedUseStatus.LISTED, industry__quotas__isnull=False)
    for user in users.distinct():
        reported = set(ProductOutput.objects.filter(water_user=user).values_list("year", flat=True))
        assert reported == set(user.yearly_use_m3(2023, 2025)), user.code


def test_its_scorecards_trace_computed_indicators_to_the_records(loads):
    from civic.evaluation.models import Scorecard, ScorecardEntry

    assert sorted(Scorecard.objects.values_list("year", flat=True)) == [2024, 2025]
    coverage = ScorecardEntry.objects.get(scorecard__year=2025, indicator__code="planned_use_coverage")
    listed = WaterUser.objects.filter(planned_use_status=PlannedUseStatus.LISTED).count()
    planned = AnnualPlan.objects.filter(year=2025, status=PlanStatus.ISSUED, water_user__planned_use_status="listed")
    assert coverage.trace["listed"] == listed
    assert coverage.value == planned.count() / listed
    leakage = ScorecardEntry.objects.get(scorecard__year=2025, indicator__code="network_leakage")
    assert leakage.value is not None and leakage.trace["audits"]
