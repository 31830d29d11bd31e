"""Scorecard scoring worked by hand on a three-indicator profile with one bonus item, pass line 20."""

import pytest

from hydro.scorecard import AT_MOST, IndicatorRule, Profile, indicator_points, score, shortfall

COVERAGE = IndicatorRule("coverage", "planned use", "planned-use coverage", 10, threshold=0.9, zero_at=0.5)
LEAKAGE = IndicatorRule("leakage", "network", "leakage rate", 10, AT_MOST, threshold=0.10, zero_at=0.14)
SURCHARGE = IndicatorRule("surcharge", "pricing", "surcharge in force", 5, threshold=1, required=True)
BONUS = IndicatorRule("benchmark", "bonus", "water-efficiency leader", 2, threshold=1, is_bonus=True)
PROFILE = Profile("test", 20, (COVERAGE, LEAKAGE, SURCHARGE, BONUS))


def test_partial_credit_is_linear_between_zero_and_threshold():
    # coverage 0.7: 10 × (0.7 − 0.5) / (0.9 − 0.5) = 5; leakage 0.12: 10 × (0.12 − 0.14) / (0.10 − 0.14) = 5.
    assert indicator_points(COVERAGE, 0.7) == pytest.approx(5)
    assert indicator_points(LEAKAGE, 0.12) == pytest.approx(5)
    assert indicator_points(COVERAGE, 0.4) == 0
    assert indicator_points(LEAKAGE, 0.09) == 10


def test_all_or_nothing_without_zero_at():
    assert indicator_points(SURCHARGE, 1) == 5
    assert indicator_points(SURCHARGE, 0) == 0
    assert indicator_points(SURCHARGE, None) == 0


def test_shortfall_is_the_distance_to_the_threshold():
    assert shortfall(LEAKAGE, 0.13) == pytest.approx(0.03)
    assert shortfall(COVERAGE, 0.95) == 0
    assert shortfall(COVERAGE, None) is None


def test_a_county_that_meets_everything_passes_with_its_bonus():
    result = score(PROFILE, {"coverage": 0.92, "leakage": 0.09, "surcharge": 1, "benchmark": 1})
    assert (result.base_points, result.bonus_points, result.total_points) == (25, 2, 27)
    assert result.max_base_points == 25
    assert result.passes is True
    assert result.gaps == ()


def test_the_gap_list_says_what_is_short_and_by_how_much():
    # coverage 0.7 → 5 of 10 (short 0.2); leakage 0.12 → 5 of 10 (short 0.02); surcharge met; no bonus.
    # total 5 + 5 + 5 = 15 < 20: fails.
    result = score(PROFILE, {"coverage": 0.7, "leakage": 0.12, "surcharge": 1})
    assert result.total_points == pytest.approx(15)
    assert result.passes is False
    by_code = {gap.code: gap for gap in result.gaps}
    assert by_code["coverage"].shortfall == pytest.approx(0.2)
    assert by_code["coverage"].points_missing == pytest.approx(5)
    assert by_code["leakage"].shortfall == pytest.approx(0.02)
    assert by_code["benchmark"].value is None


def test_gaps_leaving_most_points_come_first():
    result = score(PROFILE, {"coverage": 0.6, "leakage": 0.12, "surcharge": 1})
    # coverage leaves 7.5, leakage 5, benchmark 2.
    assert [gap.code for gap in result.gaps] == ["coverage", "leakage", "benchmark"]


def test_a_required_indicator_not_met_fails_whatever_the_total():
    profile = Profile("lenient", 10, PROFILE.indicators)
    result = score(profile, {"coverage": 1, "leakage": 0.05, "surcharge": 0})
    assert result.total_points == 20
    assert result.passes is False
    assert result.gaps[0].code == "surcharge"


def test_a_profile_refuses_duplicate_codes():
    with pytest.raises(ValueError, match="coverage"):
        Profile("bad", 10, (COVERAGE, COVERAGE))
