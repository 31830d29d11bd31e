"""Stuck meters told from households away by the DMA's water balance.

A meter stuck at its index and a household away both record zeros while the
household's use before and after is ordinary; at the meter they look the
same. They differ at the DMA's inflow meter: while a meter is stuck its
household still draws water, which enters the DMA and is registered by no
customer meter, so the DMA's daily balance (inflow − outflow − Σ customer
meters, `hydro.readings.balance.dma_balance`) rises by about the
household's usual use for the days of the run and falls back when the meter
is freed. While a household is away the balance does not move.

`hidden_use` measures that rise for each candidate run of zeros against the
days before and after it, and calls the run stuck when the balance shows at
least a share of the meter's usual use at both ends, clear of the balance's
day-to-day noise. Runs already called stuck, and runs confirmed here, are
taken out of the balance of the others, so several runs overlapping in one
DMA are each measured on what the others leave.

Units: volumes m³, daily volumes m³/d, flows m³/h; times are wall-clock
timestamps (days start at 00:00).

References
----------
Farley, M. & Trow, S. (2003). *Losses in Water Distribution Networks*. IWA
Publishing, ch. 6 (the DMA balance: inflow less metered consumption is
losses and unmetered use).
Huber, P. J. (1981). *Robust Statistics*. Wiley, §1.3 and §3.2 (the MAD as a
scale, 1.4826 · MAD for normal errors; means of values clipped at c scales).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

HOURS_PER_DAY = 24.0
MAD_TO_SIGMA = 1.4826
"""σ = 1.4826 · MAD for normal errors (Huber 1981, §3.2)."""
CLIP_SIGMAS = 2.5
"""Daily balances further than this many σ from their group's median are clipped (a flushing, a fire, a gap)."""
RESULT_COLUMNS = ["hidden_m3_per_d", "usual_m3_per_d", "standard_error_m3_per_d", "stuck"]


@dataclass(frozen=True)
class BalanceTest:
    """How the balance must move for a run of zeros to be a stuck meter.

    Attributes
    ----------
    share : float
        The rise the balance must show at each end of the run, as a share of
        the meter's usual daily use; 0.5 is half-way between a household
        away (0) and a stuck meter (1) [-].
    sigmas : float
        ...and in standard errors of that rise, so that noise is not taken for it [-]. Three on the
        tuning draws of `hydro.readings.realistic` (two called many more households away stuck, five
        found fewer stuck meters; BENCHMARKS.md).
    window_days : int
        Whole days before and after the run its days are compared with [d]: a week holds each
        weekday once, so the weekly cycle of use and of leakage does not tilt the comparison.
    minimum_days : int
        Whole days the run and each side need for a comparison [d].
    """

    share: float = 0.5
    sigmas: float = 3.0
    window_days: int = 7
    minimum_days: int = 2


def day_coverage(days: np.ndarray, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """The share of each day [day, day + 1 d) that lies within [start, end) [-]."""
    day_start = days.astype("datetime64[s]").astype(np.int64)
    run_start, run_end = (int(pd.Timestamp(moment).timestamp()) for moment in (start, end))
    overlap = np.clip(np.minimum(day_start + 86_400, run_end) - np.maximum(day_start, run_start), 0, None)
    return overlap / 86_400.0


def balance_noise(balance_m3: np.ndarray) -> float:
    """Day-to-day noise σ of a daily balance [m³/d] (or of any series in its units): 1.4826 · median
    |b_d − b_{d−1}| / √2, nan with fewer than two values.

    A difference of two days with independent errors of σ has a standard
    deviation of σ√2. Differences of neighbouring days leave out the
    balance's level and its steps (a main leak), and the median leaves out
    single days (a flushing).
    """
    differences = np.diff(balance_m3[np.isfinite(balance_m3)])
    if differences.size == 0:
        return float("nan")
    return MAD_TO_SIGMA * float(np.median(np.abs(differences))) / np.sqrt(2.0)


def clipped_mean(values: np.ndarray, sigma: float) -> float:
    """Mean of the values clipped to median ± 2.5 σ (a Huber-type mean, Huber 1981, §3.2)."""
    middle = float(np.median(values))
    return float(np.mean(np.clip(values, middle - CLIP_SIGMAS * sigma, middle + CLIP_SIGMAS * sigma)))


def hidden_use(
    balance: pd.DataFrame, runs: pd.DataFrame, known: pd.DataFrame, test: BalanceTest | None = None
) -> pd.DataFrame:
    """For each candidate run of zeros, the water its DMA's balance shows flowing unmetered, and whether it is stuck.

    Parameters
    ----------
    balance : DataFrame ``dma_id, day, balance_m3``
        Each DMA's daily balance b_d = inflow − outflow − Σ customer meters [m³/d].
    runs : DataFrame ``dma_id, start, end, usual_m3_per_h``
        The candidate runs of zeros [start, end) and their meters' usual flow q
        outside the run [m³/h].
    known : DataFrame with the same columns
        Runs already called stuck; their usual use is taken out of the balance.
    test : BalanceTest

    Returns
    -------
    `runs` with ``hidden_m3_per_d`` (the rise û, NaN where the days do not
    allow a comparison), ``usual_m3_per_d`` (24 q), ``standard_error_m3_per_d``
    and ``stuck``.

    Notes
    -----
    With x_jd the share of day d within run j and b'_d = b_d − Σ_k 24 q_k x_kd
    over the runs k called stuck, the run's whole days R (x_jd = 1) and the
    W whole days before it B and after it A (x_jd = 0):

        û_B = m(b'_R) − m(b'_B),   û_A = m(b'_R) − m(b'_A),
        SE_S = σ · √(1/|R| + 1/|S|),   σ = 1.4826 · median |b'_d − b'_{d−1}| / √2,

    m the mean of values clipped to their median ± 2.5 σ (Huber 1981). The run
    fits a stuck meter when, at each end S (it needs both, each of at least
    `minimum_days` whole days, and as many whole days itself),

        s · 24 q ≤ û_S ≤ (2 − s) · 24 q + z · SE_S   and   û_S ≥ z · SE_S,

    s = `share`, z = `sigmas`: half-way between a household away (0) and a
    stuck meter (24 q), and clear of the noise. Both ends must rise, so a
    step of the balance (a main that starts leaking during a holiday, rising
    at one end only) does not pass, nor does more water than the household
    uses (something else's). A run cut by the period's start or end, with one
    end to compare, is not judged: one end cannot tell a stuck meter from a
    step (on the tuning draws, two of the eight runs wrongly called stuck
    began on the period's first day). Of the runs that fit, the one whose smaller
    rise is the most standard errors is called stuck and taken out of the
    balance, and the others are measured again, until none fits: runs that
    overlap are not called for one another's water. ``hidden_m3_per_d`` is
    the smaller rise û and ``standard_error_m3_per_d`` its SE, as last measured.
    """
    test = test or BalanceTest()
    result = runs.assign(
        hidden_m3_per_d=np.nan,
        usual_m3_per_d=runs.usual_m3_per_h.to_numpy(np.float64) * HOURS_PER_DAY,
        standard_error_m3_per_d=np.nan,
        stuck=False,
    )
    for dma_id, positions in runs.groupby("dma_id", sort=True).indices.items():
        series = balance[balance.dma_id == dma_id].sort_values("day")
        if series.empty:
            continue
        calls = _dma_calls(series, runs.iloc[positions], known[known.dma_id == dma_id], test)
        result.iloc[positions, [result.columns.get_loc(name) for name in RESULT_COLUMNS]] = calls.to_numpy(object)
    result["stuck"] = result.stuck.astype(bool)
    for name in RESULT_COLUMNS[:3]:
        result[name] = result[name].astype(np.float64)
    return result


def _dma_calls(series: pd.DataFrame, runs: pd.DataFrame, known: pd.DataFrame, test: BalanceTest) -> pd.DataFrame:
    """`hidden_use` of one DMA's runs: calls made one at a time, the clearest first."""
    first = pd.Timestamp(series.day.iloc[0]).normalize()
    last = pd.Timestamp(series.day.iloc[-1]).normalize()
    days = pd.date_range(first, last, freq="D").values
    observed = pd.Series(series.balance_m3.to_numpy(np.float64), index=pd.DatetimeIndex(series.day).normalize())
    balance_m3 = observed.groupby(level=0).sum().reindex(days).to_numpy(np.float64)
    for row in known.itertuples(index=False):
        balance_m3 = balance_m3 - HOURS_PER_DAY * row.usual_m3_per_h * day_coverage(days, row.start, row.end)
    usual = runs.usual_m3_per_h.to_numpy(np.float64) * HOURS_PER_DAY
    coverage = np.array([day_coverage(days, row.start, row.end) for row in runs.itertuples(index=False)])
    coverage = coverage.reshape(len(runs), len(days))
    stuck = np.zeros(len(runs), dtype=bool)
    hidden, error = np.full(len(runs), np.nan), np.full(len(runs), np.nan)
    while True:
        remaining = balance_m3 - (usual[:, None] * coverage)[stuck].sum(axis=0)
        sigma = balance_noise(remaining)
        strength = np.full(len(runs), -np.inf)
        for position in np.flatnonzero(~stuck):
            rises = _rises(remaining, coverage[position], sigma, test)
            if not rises:
                continue
            hidden[position], error[position] = min(rises)
            if all(_fits(rise, rise_error, usual[position], test) for rise, rise_error in rises):
                strength[position] = min(rise / rise_error for rise, rise_error in rises)
        if not np.isfinite(strength).any():
            break
        stuck[int(np.argmax(strength))] = True
    return pd.DataFrame(
        {"hidden_m3_per_d": hidden, "usual_m3_per_d": usual, "standard_error_m3_per_d": error, "stuck": stuck}
    )


def _fits(rise: float, error: float, usual: float, test: BalanceTest) -> bool:
    """Whether a rise is the meter's usual use flowing unmetered: at least s·24q and z standard errors, and no more
    than (2 − s)·24q beyond z standard errors (more water than the household uses is something else's)."""
    return (
        rise >= test.share * usual
        and rise >= test.sigmas * error
        and rise <= (2.0 - test.share) * usual + (test.sigmas * error)
    )


def _rises(balance_m3: np.ndarray, coverage: np.ndarray, sigma: float, test: BalanceTest) -> list[tuple[float, float]]:
    """The rise of the run's whole days over the whole days before it and after it, each with its standard
    error [m³/d]; none when either end, or the run, has fewer than `minimum_days` whole days."""
    known = np.isfinite(balance_m3)
    inside = np.flatnonzero((coverage >= 1.0 - 1e-9) & known)
    touched = np.flatnonzero(coverage > 0)
    if inside.size < test.minimum_days or not np.isfinite(sigma) or sigma <= 0:
        return []
    day = np.arange(balance_m3.size)
    before = (day < touched[0]) & (day >= touched[0] - test.window_days) & known
    after = (day > touched[-1]) & (day <= touched[-1] + test.window_days) & known
    if min(before.sum(), after.sum()) < test.minimum_days:
        return []
    level = clipped_mean(balance_m3[inside], sigma)
    return [
        (level - clipped_mean(balance_m3[side], sigma), sigma * float(np.sqrt(1.0 / inside.size + 1.0 / side.sum())))
        for side in (before, after)
    ]
