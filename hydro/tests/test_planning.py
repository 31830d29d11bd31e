"""Annual plans and monthly splits, checked against cases worked by hand (the planned-use rules of [MWR-PLAN-2014] and [JS-SUPPLY-DRAFT], docs/sources.md)."""

import pytest

from hydro.planning import (
    SplitProblem,
    check_monthly_split,
    plan_from_design,
    plan_from_history,
    plan_from_quota,
    split_by_shape,
)


def test_it_plans_from_three_years_of_steady_growth():
    plan = plan_from_history([100_000, 110_000, 121_000], reasonable_use_coefficient=1.0, maximum_growth_rate=0.10)
    # ū = (100,000 + 110,000 + 121,000) / 3 = 110,333.33; growth 10 % and 10 %, ḡ = 0.10
    # plan = 1.0 × 1.10 × 110,333.33 = 121,366.67 m³
    assert plan.mean_use_m3 == pytest.approx(110_333.33, abs=0.01)
    assert plan.growth_rates == pytest.approx((0.10, 0.10))
    assert plan.applied_growth_rate == pytest.approx(0.10)
    assert plan.volume_m3 == pytest.approx(121_366.67, abs=0.01)
    assert plan.years_used == 3


def test_it_plans_from_one_year_without_growth():
    plan = plan_from_history([50_000], reasonable_use_coefficient=0.95, maximum_growth_rate=0.10)
    # one year: ḡ = 0, plan = 0.95 × 50,000 = 47,500 m³
    assert plan.mean_growth_rate == 0.0
    assert plan.growth_rates == ()
    assert plan.volume_m3 == pytest.approx(47_500)
    assert plan.years_used == 1


def test_it_clamps_growth_above_the_cap():
    plan = plan_from_history([100_000, 150_000], reasonable_use_coefficient=1.0, maximum_growth_rate=0.10)
    # growth 50 % is capped at 10 %; ū = 125,000; plan = 1.10 × 125,000 = 137,500 m³
    assert plan.mean_growth_rate == pytest.approx(0.50)
    assert plan.applied_growth_rate == pytest.approx(0.10)
    assert plan.volume_m3 == pytest.approx(137_500)


def test_it_lowers_the_plan_when_use_falls():
    plan = plan_from_history([120_000, 108_000, 97_200], reasonable_use_coefficient=1.0, maximum_growth_rate=0.15)
    # growth −10 % and −10 %, ḡ = −0.10 (within the 15 % cap)
    # ū = 325,200 / 3 = 108,400; plan = 0.90 × 108,400 = 97,560 m³
    assert plan.applied_growth_rate == pytest.approx(-0.10)
    assert plan.volume_m3 == pytest.approx(97_560)


def test_it_clamps_a_fall_below_the_negative_cap():
    plan = plan_from_history([100_000, 50_000], reasonable_use_coefficient=1.0, maximum_growth_rate=0.10)
    # growth −50 % is capped at −10 %; ū = 75,000; plan = 0.90 × 75,000 = 67,500 m³
    assert plan.applied_growth_rate == pytest.approx(-0.10)
    assert plan.volume_m3 == pytest.approx(67_500)


def test_it_averages_growth_of_opposite_signs():
    plan = plan_from_history([100_000, 120_000, 108_000], reasonable_use_coefficient=1.0, maximum_growth_rate=0.10)
    # growth +20 % then −10 %, ḡ = 0.05; ū = 328,000 / 3; plan = 1.05 × 328,000 / 3 = 114,800 m³
    assert plan.mean_growth_rate == pytest.approx(0.05)
    assert plan.volume_m3 == pytest.approx(114_800)


def test_it_uses_only_the_last_three_years():
    plan = plan_from_history([1, 100_000, 110_000, 121_000], reasonable_use_coefficient=1.0, maximum_growth_rate=0.10)
    assert plan.years_used == 3
    assert plan.volume_m3 == pytest.approx(121_366.67, abs=0.01)


def test_it_leaves_out_growth_from_a_year_of_zero_use():
    plan = plan_from_history([0, 80_000], reasonable_use_coefficient=1.0, maximum_growth_rate=0.10)
    # no rate from zero: ḡ = 0; ū = 40,000 m³
    assert plan.growth_rates == ()
    assert plan.volume_m3 == pytest.approx(40_000)


@pytest.mark.parametrize(
    ("uses", "coefficient", "cap"),
    [([], 1.0, 0.1), ([-5.0], 1.0, 0.1), ([100.0], 0.0, 0.1), ([100.0], 1.0, -0.1)],
)
def test_it_refuses_impossible_history_inputs(uses, coefficient, cap):
    with pytest.raises(ValueError):
        plan_from_history(uses, coefficient, cap)


def test_it_multiplies_quota_by_planned_output():
    # 1.8 m³/t × 25,000 t = 45,000 m³
    assert plan_from_quota(1.8, 25_000) == pytest.approx(45_000)
    with pytest.raises(ValueError):
        plan_from_quota(-1.0, 10)


def test_it_takes_design_use_as_the_plan_of_a_new_user():
    assert plan_from_design(36_000) == 36_000.0
    with pytest.raises(ValueError):
        plan_from_design(-1)


def test_it_splits_equally_without_a_reference():
    assert split_by_shape(120_000, None) == dict.fromkeys(range(1, 13), 10_000.0)
    assert split_by_shape(120_000, dict.fromkeys(range(1, 13), 0.0)) == dict.fromkeys(range(1, 13), 10_000.0)


def test_it_follows_last_years_shape():
    reference = {month: float(month) for month in range(1, 13)}
    # weights 1..12 sum to 78; 78,000 m³ gives month m exactly 1,000 × m
    assert split_by_shape(78_000, reference) == {month: 1_000.0 * month for month in range(1, 13)}


def test_it_gives_left_over_cubic_metres_to_the_largest_remainders():
    # 100 / 12 = 8.33 each: floors make 96, the 4 left go to months 1–4 (equal remainders, earliest first)
    split = split_by_shape(100, None)
    assert [split[month] for month in range(1, 13)] == [9.0] * 4 + [8.0] * 8
    assert sum(split.values()) == 100


def test_it_sums_exactly_to_the_rounded_annual_volume():
    reference = {1: 3.0, 2: 7.0, 3: 11.0, 4: 13.0, 5: 17.0, 6: 19.0, 7: 23.0, 8: 29.0, 9: 31.0, 10: 37.0, 11: 41.0}
    split = split_by_shape(121_366.67, reference)
    assert sum(split.values()) == 121_367
    assert all(volume == int(volume) for volume in split.values())


def test_it_fills_missing_reference_months_with_the_mean_of_the_present_ones():
    # present: 2,000 and 4,000, mean 3,000 for the other ten months; weights sum to 36,000
    split = split_by_shape(36_000, {1: 2_000.0, 2: 4_000.0})
    assert split[1] == 2_000.0
    assert split[2] == 4_000.0
    assert split[12] == 3_000.0


def test_it_accepts_a_split_that_adds_up_within_one_cubic_metre():
    proposed = dict.fromkeys(range(1, 13), 10_000.0)
    assert check_monthly_split(120_000.9, proposed) == []


def test_it_names_what_is_wrong_with_a_proposed_split():
    proposed = {month: 10_000.0 for month in range(1, 11)}
    proposed[3] = -500.0
    problems = check_monthly_split(120_000, proposed)
    # months 11 and 12 missing; month 3 negative; sum 89,500 is 30,500 short
    assert problems == [
        SplitProblem("missing_months", (11, 12)),
        SplitProblem("negative_months", (3,)),
        SplitProblem("sum_differs", difference_m3=-30_500.0),
    ]


def test_it_refuses_a_split_more_than_one_cubic_metre_off():
    proposed = dict.fromkeys(range(1, 13), 10_000.0)
    assert check_monthly_split(119_998.5, proposed) == [SplitProblem("sum_differs", difference_m3=1.5)]
