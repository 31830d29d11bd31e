"""Measured water savings (M&V): a baseline model of use, the adjusted baseline, the saving and its uncertainty.

A saving cannot be metered: it is the use the site *would have had* without the
project minus the use it had. Following IPMVP Option C (whole facility) and the
CalTRACK monthly method, a baseline model of monthly use is fitted by ordinary
least squares over the months before the project,

.. math:: E_i = \\beta_0 + \\sum_j \\beta_j x_{ij} + \\varepsilon_i ,

with the regressors :math:`x_{ij}` that drive use besides the project (the
firm's output, cooling degree days where cooling water matters, working days);
the model applied to the regressors of the reporting months gives the
*adjusted baseline* :math:`\\hat E_{\\mathrm{base}}`, and

.. math:: E_{\\mathrm{save}} = \\hat E_{\\mathrm{base}} - E_{\\mathrm{rep}} .

The model's fit is judged by CV(RMSE), NMBE and R² with ASHRAE Guideline 14's
degrees of freedom (n − p), and the saving's uncertainty by the fractional
savings uncertainty of its Annex B, with the correction for autocorrelated
residuals. The fit criteria are a dated parameter set (`FitCriteria`) the
bureau may change; a saving that fails them is not certifiable and the
estimate says why.

Volumes are in m³ per period (month); regressors are in their own units.

The command `hydro savings estimate` (module `hydro.savings.cli`) reads the
baseline and reporting months from CSV files and prints this estimate.

References
----------
.. [1] [ASHRAE 14-2014] ASHRAE Guideline 14-2014, *Measurement of Energy,
   Demand, and Water Savings*. Clause 4.1.2 (compliance paths of the
   whole-building approach: baseline model CV(RMSE), net determination bias,
   savings uncertainty below 50 % of the savings at 68 % confidence); Annex B
   (statistics: CV(RMSE) and NMBE with n − p degrees of freedom; fractional
   savings uncertainty with the 1.26 factor for monthly data and the
   effective number of points n′ = n (1 − ρ)/(1 + ρ)).
.. [2] [IPMVP 2016] Efficiency Valuation Organization, *International
   Performance Measurement and Verification Protocol, Core Concepts* (2016),
   Option C, whole facility; avoided use = adjusted baseline − reporting use.
.. [3] [CalTRACK 2.0] CalTRACK Methods 2.0, section 4 (billing/monthly
   methods): OLS on monthly use with degree-day regressors.
.. [4] [Reddy & Claridge 2000] T. A. Reddy and D. E. Claridge, "Uncertainty of
   'measured' energy savings from statistical baseline models", *HVAC&R
   Research* 6(1), 3–20 (2000): origin of the Annex B formula.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

# The empirical factor of ASHRAE 14 Annex B's savings uncertainty for monthly data [ASHRAE 14-2014] Annex B.
MONTHLY_UNCERTAINTY_FACTOR = 1.26


@dataclass(frozen=True)
class FitCriteria:
    """The fit criteria a baseline model must meet before its saving is certified.

    A dated parameter set: the bureau keeps its own rows (``civic.programme``'s
    ``FitCriteriaRule``) and passes the one in force; the defaults are those of
    ASHRAE Guideline 14-2014, clause 4.1.2, for a whole-facility baseline on
    monthly data with less than a year of reporting data.

    Attributes
    ----------
    effective_from : datetime.date
        First day the criteria apply.
    maximum_cv_rmse : float
        Largest CV(RMSE) of the baseline model [fraction]; default 0.20
        ([ASHRAE 14-2014] 4.1.2: 20 % for energy use with under 12 months of
        reporting data, 25 % for 12 to 60 months, 30 % beyond). The 15 % often
        quoted is the calibrated-simulation criterion for monthly data.
    maximum_absolute_nmbe : float
        Largest |NMBE| [fraction]; default 0.00005, the net determination bias
        of 0.005 % of [ASHRAE 14-2014] 4.1.2 (an OLS fit with an intercept meets
        it by construction; it binds models without one). Counties following the
        calibrated-simulation criterion use 0.05.
    maximum_fractional_uncertainty : float
        Largest fractional savings uncertainty ΔE_save/E_save at
        ``uncertainty_confidence`` [fraction]; default 0.50 ([ASHRAE 14-2014] 4.1.2).
    uncertainty_confidence : float
        Confidence level of that test [fraction]; default 0.68.
    minimum_baseline_periods : int
        Fewest baseline months; default 12, a full year so every season is in
        the baseline ([CalTRACK 2.0] data sufficiency; [IPMVP 2016] Option C).
    correct_for_autocorrelation : bool
        Use the effective number of points n′ when the residuals' lag-1
        autocorrelation is positive (default True).
    """

    effective_from: datetime.date = datetime.date(2014, 1, 1)
    maximum_cv_rmse: float = 0.20
    maximum_absolute_nmbe: float = 0.00005
    maximum_fractional_uncertainty: float = 0.50
    uncertainty_confidence: float = 0.68
    minimum_baseline_periods: int = 12
    correct_for_autocorrelation: bool = True


@dataclass(frozen=True)
class BaselineModel:
    """An OLS baseline model and its fit statistics.

    Attributes
    ----------
    coefficients : tuple of float
        β₀ (intercept) [m³ per period], then one β per regressor [m³ per regressor unit].
    regressor_names : tuple of str
        The regressors, in the order of ``coefficients[1:]``.
    periods : int
        Baseline periods n.
    parameters : int
        Model parameters p (intercept included).
    mean_use_m3 : float
        Mean baseline use ȳ [m³ per period].
    cv_rmse : float
        Coefficient of variation of the RMSE [fraction], Annex B:
        :math:`\\sqrt{\\sum (y_i-\\hat y_i)^2/(n-p)}\\,/\\,\\bar y`.
    nmbe : float
        Normalised mean bias error [fraction]:
        :math:`\\sum (y_i-\\hat y_i)/((n-p)\\,\\bar y)`.
    r2 : float
        Coefficient of determination R² [-]; 0 for a model with only an intercept.
    autocorrelation : float
        Lag-1 autocorrelation ρ of the residuals in period order [-].
    """

    coefficients: tuple[float, ...]
    regressor_names: tuple[str, ...]
    periods: int
    parameters: int
    mean_use_m3: float
    cv_rmse: float
    nmbe: float
    r2: float
    autocorrelation: float

    def predict_m3(self, regressors: ArrayLike) -> NDArray[np.float64]:
        """Use predicted for each row of ``regressors`` (periods × regressors) [m³ per period]."""
        design = design_matrix(regressors, len(self.regressor_names))
        return design @ np.asarray(self.coefficients, dtype=float)


@dataclass(frozen=True)
class SavingsEstimate:
    """The saving over the reporting period, its interval and whether it may be certified.

    Attributes
    ----------
    savings_m3 : float
        E_save = adjusted baseline − reporting use [m³].
    savings_ci90_m3 : tuple of float
        90 % confidence interval of the saving (low, high) [m³].
    adjusted_baseline_m3 : float
        The baseline model over the reporting regressors, summed [m³].
    reporting_use_m3 : float
        Metered use over the reporting periods [m³].
    fractional_uncertainty : float
        ΔE_save/E_save at the criteria's confidence [fraction]; infinite when
        there is no saving.
    reporting_periods : int
        Reporting periods m.
    effective_periods : float
        n′, the baseline periods corrected for autocorrelation.
    model : BaselineModel
        The baseline model and its fit statistics.
    certifiable : bool
        True when the model and the saving meet every fit criterion.
    reasons : tuple of str
        Why not, one sentence per criterion missed (empty when certifiable).
    """

    savings_m3: float
    savings_ci90_m3: tuple[float, float]
    adjusted_baseline_m3: float
    reporting_use_m3: float
    fractional_uncertainty: float
    reporting_periods: int
    effective_periods: float
    model: BaselineModel
    certifiable: bool
    reasons: tuple[str, ...]


def design_matrix(regressors: ArrayLike, regressor_count: int) -> NDArray[np.float64]:
    """The OLS design matrix: a column of ones, then the regressors (periods × regressors).

    ``regressors`` is two-dimensional (periods × ``regressor_count``, an empty
    row per period for the mean model), or one-dimensional for one regressor.
    """
    values = np.asarray(regressors, dtype=float)
    if values.ndim == 1 and regressor_count == 1:
        values = values.reshape(-1, 1)
    if values.ndim != 2 or values.shape[1] != regressor_count:
        raise ValueError(f"regressors must be a table of periods × {regressor_count} columns")
    return np.column_stack([np.ones(values.shape[0]), values])


def cv_rmse(measured: ArrayLike, predicted: ArrayLike, parameters: int) -> float:
    """Coefficient of variation of the root-mean-square error, with n − p degrees of freedom.

    Parameters
    ----------
    measured, predicted : array_like of float
        Use in each period [m³].
    parameters : int
        Model parameters p, the intercept included.

    Returns
    -------
    float
        :math:`\\mathrm{CV(RMSE)} = \\sqrt{\\sum_i (y_i - \\hat y_i)^2 / (n - p)}\\; / \\;\\bar y` [fraction]
        ([ASHRAE 14-2014] Annex B).
    """
    residuals = np.asarray(measured, dtype=float) - np.asarray(predicted, dtype=float)
    freedom = _degrees_of_freedom(residuals.size, parameters)
    return float(math.sqrt(float(residuals @ residuals) / freedom) / _mean_use(measured))


def nmbe(measured: ArrayLike, predicted: ArrayLike, parameters: int) -> float:
    """Normalised mean bias error, with n − p degrees of freedom.

    Returns
    -------
    float
        :math:`\\mathrm{NMBE} = \\sum_i (y_i - \\hat y_i) / ((n - p)\\,\\bar y)` [fraction]
        ([ASHRAE 14-2014] Annex B); positive when the model under-predicts.
    """
    residuals = np.asarray(measured, dtype=float) - np.asarray(predicted, dtype=float)
    freedom = _degrees_of_freedom(residuals.size, parameters)
    return float(residuals.sum() / (freedom * _mean_use(measured)))


def r_squared(measured: ArrayLike, predicted: ArrayLike) -> float:
    """Coefficient of determination :math:`R^2 = 1 - SS_{res}/SS_{tot}` [-] (1 when use never varies and fits)."""
    values = np.asarray(measured, dtype=float)
    residuals = values - np.asarray(predicted, dtype=float)
    total = float(((values - values.mean()) ** 2).sum())
    residual = float(residuals @ residuals)
    if total == 0.0:
        return 1.0 if residual == 0.0 else 0.0
    return 1.0 - residual / total


def lag_one_autocorrelation(residuals: ArrayLike) -> float:
    """Lag-1 autocorrelation of residuals in period order.

    .. math:: \\rho = \\sum_{i=2}^{n} e_i e_{i-1} \\Big/ \\sum_{i=1}^{n} e_i^2

    Returns 0 when every residual is zero.
    """
    values = np.asarray(residuals, dtype=float)
    denominator = float(values @ values)
    if values.size < 2 or denominator == 0.0:
        return 0.0
    return float(values[1:] @ values[:-1]) / denominator


def effective_periods(periods: int, autocorrelation: float) -> float:
    """Effective number of independent baseline points, n′ = n (1 − ρ)/(1 + ρ).

    ([ASHRAE 14-2014] Annex B.) Only a positive ρ reduces the information in
    the data; a negative or zero ρ leaves n′ = n, so the interval is never
    narrowed by the correction.
    """
    if autocorrelation <= 0.0:
        return float(periods)
    return periods * (1.0 - autocorrelation) / (1.0 + autocorrelation)


def savings_uncertainty_m3(
    cv_rmse_value: float,
    adjusted_baseline_m3: float,
    baseline_periods: int,
    effective_baseline_periods: float,
    reporting_periods: int,
    parameters: int,
    confidence: float,
) -> float:
    """Half-width of the saving's confidence interval (ASHRAE 14 Annex B fractional savings uncertainty).

    Parameters
    ----------
    cv_rmse_value : float
        CV(RMSE) of the baseline model [fraction].
    adjusted_baseline_m3 : float
        Adjusted baseline over the reporting period, :math:`\\hat E_{base}` [m³].
    baseline_periods : int
        n, the baseline months.
    effective_baseline_periods : float
        n′, the baseline months corrected for autocorrelation (n when uncorrected).
    reporting_periods : int
        m, the reporting months.
    parameters : int
        p, the model parameters.
    confidence : float
        Two-sided confidence level [fraction], e.g. 0.90.

    Returns
    -------
    float
        ΔE_save [m³]. Annex B gives the fractional uncertainty

        .. math:: \\frac{\\Delta E_{save}}{E_{save}} = 1.26\\, t\\, \\frac{\\mathrm{CV}}{F}
                  \\sqrt{\\frac{n}{n'} \\left(1 + \\frac{2}{n'}\\right) \\frac{1}{m}}

        with :math:`F = E_{save}/\\hat E_{base}`; multiplied by
        :math:`E_{save}` it is :math:`1.26\\,t\\,\\mathrm{CV}\\,\\hat E_{base}\\sqrt{\\ldots}`,
        which needs no division by a saving that may be zero. t is Student's
        t at the two-sided ``confidence`` with n′ − p degrees of freedom (at
        least 1).

    Notes
    -----
    The 1.26 factor was derived for monthly data [Reddy & Claridge 2000];
    this module models monthly use only.
    """
    freedom = max(effective_baseline_periods - parameters, 1.0)
    t_value = float(stats.t.ppf(0.5 + confidence / 2.0, freedom))
    spread = (baseline_periods / effective_baseline_periods) * (1.0 + 2.0 / effective_baseline_periods)
    return (
        MONTHLY_UNCERTAINTY_FACTOR
        * t_value
        * cv_rmse_value
        * abs(adjusted_baseline_m3)
        * math.sqrt(spread / reporting_periods)
    )


def fit_baseline(use_m3: ArrayLike, regressors: ArrayLike, regressor_names: Sequence[str] = ()) -> BaselineModel:
    """Fit the baseline model E = β₀ + Σ βⱼ xⱼ by ordinary least squares.

    Parameters
    ----------
    use_m3 : array_like of float
        Baseline use per period, in period order [m³].
    regressors : array_like of float
        Periods × regressors; an empty second dimension gives the mean model.
    regressor_names : sequence of str
        Names of the regressor columns, for errors and the result.

    Raises
    ------
    ValueError
        When there are no more periods than parameters, when mean use is not
        positive, or when a regressor is constant or a combination of others
        (the model could not tell its effect apart), naming it.
    """
    use = np.asarray(use_m3, dtype=float)
    names = tuple(regressor_names)
    design = design_matrix(regressors, len(names))
    if design.shape[0] != use.size:
        raise ValueError(f"{use.size} periods of use but {design.shape[0]} rows of regressors")
    parameters = design.shape[1]
    _degrees_of_freedom(use.size, parameters)
    _check_rank(design, names)
    coefficients, *_ = np.linalg.lstsq(design, use, rcond=None)
    predicted = design @ coefficients
    return BaselineModel(
        coefficients=tuple(float(value) for value in coefficients),
        regressor_names=names,
        periods=int(use.size),
        parameters=parameters,
        mean_use_m3=_mean_use(use),
        cv_rmse=cv_rmse(use, predicted, parameters),
        nmbe=nmbe(use, predicted, parameters),
        r2=r_squared(use, predicted),
        autocorrelation=lag_one_autocorrelation(use - predicted),
    )


def estimate_savings(
    baseline_use_m3: ArrayLike,
    baseline_regressors: ArrayLike,
    reporting_use_m3: ArrayLike,
    reporting_regressors: ArrayLike,
    regressor_names: Sequence[str] = (),
    criteria: FitCriteria | None = None,
) -> SavingsEstimate:
    """The saving over the reporting period, its 90 % interval, and whether it may be certified.

    Parameters
    ----------
    baseline_use_m3, reporting_use_m3 : array_like of float
        Metered use per period before and after the project, in period order [m³].
    baseline_regressors, reporting_regressors : array_like of float
        Periods × regressors, the same columns in both (none for a mean baseline).
    regressor_names : sequence of str
        The regressor columns' names.
    criteria : FitCriteria, optional
        The fit criteria in force; ASHRAE 14-2014's defaults when omitted.

    Returns
    -------
    SavingsEstimate
        :math:`E_{save} = \\sum_{reporting} \\hat E_i - \\sum_{reporting} E_i` and
        :math:`E_{save} \\pm \\Delta E_{save}` at 90 % ([IPMVP 2016] Option C;
        [ASHRAE 14-2014] Annex B).

    Examples
    --------
    >>> estimate = estimate_savings([90, 110] * 6, [[]] * 12, [80] * 12, [[]] * 12)
    >>> round(estimate.savings_m3, 6), estimate.certifiable
    (240.0, True)
    """
    criteria = criteria or FitCriteria()
    reporting = np.asarray(reporting_use_m3, dtype=float)
    if reporting.size == 0:
        raise ValueError("the reporting period has no periods")
    model = fit_baseline(baseline_use_m3, baseline_regressors, regressor_names)
    adjusted_baseline = float(model.predict_m3(reporting_regressors).sum())
    reporting_total = float(reporting.sum())
    savings = adjusted_baseline - reporting_total
    periods_effective = _effective_periods(model, criteria)
    half_width_90 = savings_uncertainty_m3(
        model.cv_rmse, adjusted_baseline, model.periods, periods_effective, reporting.size, model.parameters, 0.90
    )
    half_width_test = savings_uncertainty_m3(
        model.cv_rmse,
        adjusted_baseline,
        model.periods,
        periods_effective,
        reporting.size,
        model.parameters,
        criteria.uncertainty_confidence,
    )
    fractional = half_width_test / savings if savings > 0 else math.inf
    reasons = fit_failures(model, savings, fractional, criteria)
    return SavingsEstimate(
        savings_m3=savings,
        savings_ci90_m3=(savings - half_width_90, savings + half_width_90),
        adjusted_baseline_m3=adjusted_baseline,
        reporting_use_m3=reporting_total,
        fractional_uncertainty=fractional,
        reporting_periods=int(reporting.size),
        effective_periods=periods_effective,
        model=model,
        certifiable=not reasons,
        reasons=tuple(reasons),
    )


def fit_failures(
    model: BaselineModel, savings_m3: float, fractional_uncertainty: float, criteria: FitCriteria
) -> list[str]:
    """Each criterion of ``criteria`` the model or saving misses, as a sentence (empty when all are met)."""
    reasons = []
    if model.periods < criteria.minimum_baseline_periods:
        reasons.append(
            f"the baseline has {model.periods} periods, fewer than the {criteria.minimum_baseline_periods} required"
        )
    if model.cv_rmse > criteria.maximum_cv_rmse:
        reasons.append(
            f"cv_rmse {model.cv_rmse:.1%} is above the {criteria.maximum_cv_rmse:.1%} allowed (ASHRAE 14-2014 4.1.2)"
        )
    if abs(model.nmbe) > criteria.maximum_absolute_nmbe:
        reasons.append(f"nmbe {model.nmbe:.3%} is outside ±{criteria.maximum_absolute_nmbe:.3%} (ASHRAE 14-2014 4.1.2)")
    if savings_m3 <= 0:
        reasons.append("there is no saving: reporting use is not below the adjusted baseline")
    elif fractional_uncertainty > criteria.maximum_fractional_uncertainty:
        reasons.append(
            f"the saving's uncertainty is {fractional_uncertainty:.0%} of the saving at "
            f"{criteria.uncertainty_confidence:.0%} confidence, above the "
            f"{criteria.maximum_fractional_uncertainty:.0%} allowed (ASHRAE 14-2014 4.1.2)"
        )
    return reasons


def _effective_periods(model: BaselineModel, criteria: FitCriteria) -> float:
    if not criteria.correct_for_autocorrelation:
        return float(model.periods)
    return effective_periods(model.periods, model.autocorrelation)


def _degrees_of_freedom(periods: int, parameters: int) -> int:
    if periods <= parameters:
        raise ValueError(
            f"the baseline has {periods} periods, too few for a model of {parameters} parameters "
            f"(at least {parameters + 1} are needed)"
        )
    return periods - parameters


def _mean_use(use_m3: ArrayLike) -> float:
    mean = float(np.mean(np.asarray(use_m3, dtype=float)))
    if mean <= 0.0:
        raise ValueError("mean baseline use is not positive: there is no use to save from")
    return mean


def _check_rank(design: NDArray[np.float64], names: tuple[str, ...]) -> None:
    for column, name in enumerate(names, start=1):
        if np.ptp(design[:, column]) == 0.0:
            raise ValueError(f"regressor {name} is constant over the baseline: its effect cannot be estimated")
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise ValueError(
            "the regressors " + ", ".join(names) + " are linearly dependent over the baseline: drop one of them"
        )
