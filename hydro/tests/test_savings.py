"""Measured savings: baseline fit, adjusted baseline, saving and its ASHRAE 14 interval, worked by hand.

Every expected figure below is worked out in the comment above it from the
formulas of ASHRAE Guideline 14-2014 Annex B (CV(RMSE) and NMBE with n − p
degrees of freedom; ΔE_save = 1.26 t CV Ê_base √((n/n′)(1 + 2/n′)/m)).
Student's t values are those of printed tables (two-sided 90 %).
"""

import math

import pytest

from hydro.savings import (
    FitCriteria,
    effective_periods,
    estimate_savings,
    fit_baseline,
    lag_one_autocorrelation,
)

NO_REGRESSORS: list[list[float]] = [[]] * 12


def test_a_mean_baseline_gives_the_saving_and_its_interval_worked_by_hand():
    # Baseline 90, 110, … : ȳ = 100, SSE = 12 × 10² = 1200, n − p = 11,
    # CV = √(1200/11)/100 = 0.104447; reporting 12 × 80 = 960 against 1200 → saving 240.
    # t(90 %, 11) = 1.796; ΔE = 1.26 × 1.796 × 0.104447 × 1200 × √((1 + 2/12)/12) = 88.43 m³.
    estimate = estimate_savings([90, 110] * 6, NO_REGRESSORS, [80] * 12, NO_REGRESSORS)
    assert estimate.adjusted_baseline_m3 == pytest.approx(1200)
    assert estimate.reporting_use_m3 == 960
    assert estimate.savings_m3 == pytest.approx(240)
    assert estimate.model.cv_rmse == pytest.approx(0.104447, rel=1e-5)
    assert estimate.model.nmbe == pytest.approx(0, abs=1e-12)
    assert estimate.model.r2 == pytest.approx(0, abs=1e-12)
    low, high = estimate.savings_ci90_m3
    assert high - estimate.savings_m3 == pytest.approx(88.43, rel=2e-4)
    assert estimate.savings_m3 - low == pytest.approx(88.43, rel=2e-4)
    assert estimate.certifiable and estimate.reasons == ()


def test_a_production_regressor_adjusts_the_baseline_to_the_reporting_output():
    # use = 100 + 5 × output ± 4, the ±4 alternating within pairs of equal output so it is
    # orthogonal to both columns: OLS returns β = (100, 5) exactly.
    # SSE = 12 × 16 = 192, n − p = 10, ȳ = 100 + 5 × 35 = 275, CV = √19.2/275 = 0.0159337;
    # SST = 25 × 3500 + 192 = 87692, R² = 1 − 192/87692 = 0.997811.
    # Reporting: output 30 in three months → Ê = 3 × 250 = 750; use 630; saving 120.
    # t(90 %, 10) = 1.812; ΔE = 1.26 × 1.812 × 0.0159337 × 750 × √((1 + 2/12)/3) = 17.02 m³.
    output = [10, 10, 20, 20, 30, 30, 40, 40, 50, 50, 60, 60]
    use = [100 + 5 * x + (4 if index % 2 == 0 else -4) for index, x in enumerate(output)]
    estimate = estimate_savings(use, [[x] for x in output], [200, 210, 220], [[30]] * 3, ["output_t"])
    assert estimate.model.coefficients == pytest.approx((100, 5))
    assert estimate.model.cv_rmse == pytest.approx(0.0159337, rel=1e-5)
    assert estimate.model.r2 == pytest.approx(0.997811, rel=1e-6)
    assert estimate.adjusted_baseline_m3 == pytest.approx(750)
    assert estimate.savings_m3 == pytest.approx(120)
    assert estimate.savings_ci90_m3[1] - 120 == pytest.approx(17.02, rel=5e-4)


def test_positively_autocorrelated_residuals_reduce_the_effective_periods_and_widen_the_interval():
    # Residuals +10, +10, +10, −10, −10, −10 twice: Σ eᵢeᵢ₋₁ = (8 − 3) × 100 = 500, Σ e² = 1200,
    # ρ = 0.416667; n′ = 12 × (1 − ρ)/(1 + ρ) = 4.941176.
    residuals = [10, 10, 10, -10, -10, -10] * 2
    assert lag_one_autocorrelation(residuals) == pytest.approx(0.416667, rel=1e-5)
    assert effective_periods(12, 0.416667) == pytest.approx(4.941176, rel=1e-5)
    use = [100 + residual for residual in residuals]
    corrected = estimate_savings(use, NO_REGRESSORS, [80] * 12, NO_REGRESSORS)
    plain = estimate_savings(
        use, NO_REGRESSORS, [80] * 12, NO_REGRESSORS, criteria=FitCriteria(correct_for_autocorrelation=False)
    )
    assert corrected.effective_periods == pytest.approx(4.941176, rel=1e-5)
    assert plain.effective_periods == 12
    # Without the correction the interval is that of the first test (same CV and totals): ±88.43 m³.
    assert plain.savings_ci90_m3[1] - 240 == pytest.approx(88.43, rel=2e-4)
    # With it: √((12/4.941)(1 + 2/4.941)/(1 + 2/12)) = 1.7106 times wider, and t(90 %, 3.94) = 2.139
    # instead of 1.796: ±88.43 × 1.7106 × 2.139/1.796 = ±180.2 m³.
    assert corrected.savings_ci90_m3[1] - 240 == pytest.approx(180.2, rel=2e-3)


def test_negative_autocorrelation_never_narrows_the_interval():
    assert effective_periods(12, -0.5) == 12


def test_a_baseline_failing_the_fit_criteria_is_not_certifiable_and_says_why():
    # 60, 140, … over 8 months: CV = √(8 × 40²/7)/100 = 0.4276 > 0.20; only 8 periods < 12.
    estimate = estimate_savings([60, 140] * 4, [[]] * 8, [80] * 4, [[]] * 4)
    assert estimate.model.cv_rmse == pytest.approx(math.sqrt(8 * 1600 / 7) / 100)
    assert not estimate.certifiable
    assert any(reason.startswith("cv_rmse 42.8% is above the 20.0% allowed") for reason in estimate.reasons)
    assert any("8 periods, fewer than the 12 required" in reason for reason in estimate.reasons)


def test_the_uncertainty_criterion_refuses_a_saving_lost_in_the_noise():
    # CV 0.104 as in the first test, but use after is 98/month: saving 24 m³ against a 68 %
    # half-width of 1.26 × t(68 %, 11) = 1.041 × 0.104447 × 1200 × 0.311805 = 51.28 m³ → 214 %.
    estimate = estimate_savings([90, 110] * 6, NO_REGRESSORS, [98] * 12, NO_REGRESSORS)
    assert estimate.fractional_uncertainty == pytest.approx(51.28 / 24, rel=1e-3)
    assert not estimate.certifiable
    assert "uncertainty" in estimate.reasons[0]


def test_no_saving_is_never_certified():
    estimate = estimate_savings([90, 110] * 6, NO_REGRESSORS, [120] * 12, NO_REGRESSORS)
    assert estimate.savings_m3 == pytest.approx(-240)
    assert estimate.reasons == ("there is no saving: reporting use is not below the adjusted baseline",)


def test_the_cv_rmse_limit_is_a_parameter_of_the_dated_criteria():
    strict = FitCriteria(maximum_cv_rmse=0.10)
    estimate = estimate_savings([90, 110] * 6, NO_REGRESSORS, [80] * 12, NO_REGRESSORS, criteria=strict)
    assert not estimate.certifiable
    assert "above the 10.0% allowed" in estimate.reasons[0]


@pytest.mark.parametrize(
    ("use", "regressors", "names", "message"),
    [
        ([100, 110], [[1], [2]], ["output_t"], "2 periods, too few for a model of 2 parameters"),
        ([100, 110, 120], [[5], [5], [5]], ["output_t"], "regressor output_t is constant"),
        ([1, 2, 4, 3], [[1, 2], [2, 4], [3, 6], [4, 8]], ["a", "b"], "a, b are linearly dependent"),
        ([0, 0, 0], [[]] * 3, [], "mean baseline use is not positive"),
    ],
)
def test_a_baseline_that_cannot_be_fitted_is_refused_by_name(use, regressors, names, message):
    with pytest.raises(ValueError, match=message):
        fit_baseline(use, regressors, names)


# NIST/ITL Statistical Reference Datasets, linear least squares, "Norris" (calibration of ozone monitors):
# 36 observations (y, x) with certified B0, B1, residual standard deviation (n − p = 34) and R².
NORRIS = (
    (0.1, 0.2), (338.8, 337.4), (118.1, 118.2), (888.0, 884.6), (9.2, 10.1), (228.1, 226.5), (668.5, 666.3),
    (998.5, 996.3), (449.1, 448.6), (778.9, 777.0), (559.2, 558.2), (0.3, 0.4), (0.1, 0.6), (778.1, 775.5),
    (668.8, 666.9), (339.3, 338.0), (448.9, 447.5), (10.8, 11.6), (557.7, 556.0), (228.3, 228.1), (998.0, 995.8),
    (888.8, 887.6), (119.6, 120.2), (0.3, 0.3), (0.6, 0.3), (557.6, 556.8), (339.3, 339.1), (888.0, 887.2),
    (998.5, 999.0), (778.9, 779.0), (10.2, 11.1), (117.6, 118.3), (228.9, 229.2), (668.4, 669.1), (449.2, 448.9),
    (0.2, 0.5),
)  # fmt: skip


def test_the_baseline_fit_matches_nist_s_certified_norris_regression():
    use = [y for y, _x in NORRIS]
    model = fit_baseline(use, [[x] for _y, x in NORRIS], ["x"])
    assert model.coefficients[0] == pytest.approx(-0.262323073774029, rel=1e-9)
    assert model.coefficients[1] == pytest.approx(1.00211681802045, rel=1e-12)
    assert model.r2 == pytest.approx(0.999993745883712, rel=1e-13)
    # CV(RMSE) × ȳ is the residual standard deviation with n − p degrees of freedom, which NIST certifies.
    assert model.cv_rmse * model.mean_use_m3 == pytest.approx(0.884796396144373, rel=1e-10)
