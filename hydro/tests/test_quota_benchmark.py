"""Quota benchmarking worked by hand on a quota of 2.0 general, 1.5 advanced, 1.2 leading (m³/t)."""

import pytest

from hydro.quota_benchmark import QuotaValues, benchmark, classify, intensity, share_within_quota

QUOTA = QuotaValues(general=2.0, advanced=1.5, leading=1.2)


def test_intensity_is_intake_over_output():
    # 36,000 m³ for 30,000 t → 1.2 m³/t.
    assert intensity(36_000, 30_000) == pytest.approx(1.2)
    assert intensity(36_000, 0) is None


@pytest.mark.parametrize(
    ("value", "level"),
    [(1.0, "leading"), (1.2, "leading"), (1.3, "advanced"), (1.5, "advanced"), (1.9, "general"), (2.0, "general")],
)
def test_a_value_at_a_limit_meets_that_level(value, level):
    assert classify(value, QUOTA) == level


def test_over_the_general_value_is_over_quota_by_its_excess():
    # 50,000 m³ / 20,000 t = 2.5 m³/t; (2.5 − 2.0) / 2.0 = 0.25 over.
    result = benchmark(50_000, 20_000, QUOTA)
    assert result.level == "over_quota"
    assert result.excess_over_general == pytest.approx(0.25)
    assert result.meets_advanced is False


def test_a_quota_without_advanced_value_cannot_be_met_at_advanced():
    result = benchmark(10_000, 10_000, QuotaValues(general=2.0))
    assert result.level == "general"
    assert result.meets_advanced is False
    assert result.excess_over_general == 0


def test_share_within_quota_leaves_out_users_without_output():
    # Three benchmarked, one over → 2/3; the one without output does not count.
    results = [benchmark(10, 10, QUOTA), benchmark(19, 10, QUOTA), benchmark(30, 10, QUOTA), benchmark(5, 0, QUOTA)]
    assert share_within_quota(results) == pytest.approx(2 / 3)
    assert share_within_quota([]) is None
