"""Detect new leaks: night consumption for the reference, and a sequential likelihood-ratio test on pressures.

System consumption Q(t) [m³/h] is what enters from the reservoirs less what
goes into storage (a mass balance over the metered sources and tanks):

    Q(t) = Σ inflow(t) − Σ_tanks A_tank · dh/dt

The training period fixes the quietest three hours of the day (where the
windows of `hydro.network.residuals` start), the night consumption reference
per day of the week and the 5-minute consumption profile, against which the
start of a leak is estimated.

Leaks are detected in the whitened window residuals v_i (`residuals`), where
a leak of size a (relative to the sweep's reference leak) on candidate pipe c
adds a·s_c,w(i), the candidate's whitened signature for that window. With the
leaks already found fitted out of each window (non-negative least squares on
their signatures, so a leak still growing is followed), u_i is what is left,
and over the last m windows the generalised likelihood ratio of a new leak at
c against none is ([BASSEVILLE-1993] §2.4; a leak only adds outflow, so
a < 0 is not a leak):

    T_c = (Σ_i s⊥_c,i·u_i)² / Σ_i |s⊥_c,i|²   when Σ_i s⊥_c,i·u_i > 0, else 0

with s⊥_c,i the part of the candidate's signature outside the span of the known
leaks' signatures in window i (their sizes are fitted to each window, so the
part along them is fitted to them too; [SCHARF-1994] §IV). Without it, a leak
whose signature the known leaks' together resemble — in L-TOWN every leak
lowers every pressure, so after four or five leaks most do — was tested with the
denominator |s_c,i|² and never raised.

Each window enters the sums with a weight w_i ≤ 1 (`window_weight`) that
shrinks windows whose residual no single leak explains. An alarm is raised at
the end of window n when max over c and over runs of m = 1…6 windows (a day)
ending at n exceeds 35. Both were set on generated L-TOWN months (seeds 1–21,
BENCHMARKS.md). Without the weights the threshold had to be 50, and a leak that
drains tank T1 then raised a false alarm a day for as long as it ran.

Data as a utility's head-end delivers it asks for three more rules, set on
the realistic tuning months (`hydro.network.scenarios.TUNING_SEEDS`):

- the threshold is at least twice the largest statistic over the training
  windows (`training_threshold`): where districts' demands change from day to
  day independently, chance alone crosses 35;
- an alarm that one pressure sensor carries alone is that sensor's offset
  jumping, and the sensor is left out from then on (`faulty_sensor`);
- a step of one sensor alone is tested beside the leaks, of either sign (an
  offset that jumps up moves no leak's way and raised no alarm, but took
  half the weight of every window after it and pulled later leaks towards
  candidates that move that sensor least): with f_s,i the window's whitened
  unit change of sensor s, outside the known leaks' span as the candidates
  are,

      T_s = (Σ_i w_i f⊥_s,i·u_i)² / Σ_i w_i |f⊥_s,i|²,

  and when the strongest run of a step crosses the threshold and passes every
  leak's statistic at three windows in a row (`STEP_CONFIRMING_WINDOWS`), the
  step explains the windows better than any leak ([BASSEVILLE-1993] §2.4: the
  larger likelihood ratio) and the sensor is left out from the run's first
  window on (`LeakWatch.strongest_runs`). On the 40 tuning months it took out
  34 of the 37 sensors whose offset jumped, and one that had not: 127 of 200
  leaks within 2 days and 300 m with 62 false positives, goal met in 18
  months, against 123, 59 and 17 (BENCHMARKS.md). With two windows in a row
  it took out 15 sensors that had not jumped;
- a leak found earlier whose fitted size stays near zero for two days is no
  longer fitted out (it was a false alarm, or has been repaired);
- an alarm is raised only when the strongest run crosses the threshold at two
  windows in a row (`CONFIRMING_WINDOWS`): a district whose demand is up for a
  day crosses it for a window, a leak keeps crossing it. On the 40 tuning months
  (seeds 201–230 and 301–310) this rule and the test outside the known leaks'
  signatures placed 117 of 200 leaks within 2 days and 300 m with 74 false
  positives, against 94 and 64 before; on the held-out months 401–410, 25 of
  50 with 19, against 21 with 19 (BENCHMARKS.md).

Sensors that dropped out of a window are left out of its test
(`LeakWatch.window_signatures`).

Leaks overlap: a leak still growing under the threshold runs while another is
raised, and the two fitted as one are placed between them. Each alarm is
placed again with the strongest other unfound leak of its windows fitted out
(`placed_beside_another`, one step of alternating projection, [ZISKIND-1988]).

The start time of an alarm is estimated as the change point of the 5-minute
consumption residual (consumption less its training mean at that time of day
and weekday) over the alarm's run: the split that maximises the two-sample t
statistic.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.optimize
import wntr

from hydro.network.sensors import STEP_SECONDS, SensorData, SensorDataError

NIGHT_HOURS = 3
STEPS_PER_DAY = 86400 // STEP_SECONDS
# The smallest day-to-day spread assumed [share of night consumption]: noise-free
# simulations would otherwise give a spread of zero.
MINIMUM_SPREAD_SHARE = 0.01
ALARM_THRESHOLD = 35.0
# A window whose residual no single leak explains has its noise variance inflated (see window_weight).
UNEXPLAINED_ALLOWANCE = 2.0
LONGEST_RUN_WINDOWS = 6
# Windows in a row whose strongest run must cross the threshold before an alarm is raised.
CONFIRMING_WINDOWS = 2
# Sensors tried as the sole cause of an alarm, and the share of the statistic left without it.
SUSPECT_SENSORS = 3
SOLE_SENSOR_SHARE = 0.12
LEAK_SIMILARITY = 0.8
# A known leak whose fitted size averages under this (× the 5 m³/h reference leak) over this many windows is let go.
FORGET_AFTER_WINDOWS = 12
FORGET_BELOW_SIZE = 0.2
# The threshold is at least this multiple of the largest statistic over the training windows.
TRAINING_MAXIMUM_FACTOR = 2.0
# Windows after the alarm that the localisation also uses (the data are processed after the fact).
LOCALISATION_WINDOWS_AFTER = 6
# Another unfound leak is fitted out of the localisation when its statistic passes this share of the threshold.
SECOND_LEAK_SHARE = 0.5
# Windows in a row whose strongest sensor step must cross the threshold, and pass every leak, to take it out.
STEP_CONFIRMING_WINDOWS = 3


def inflow_links(network: wntr.network.WaterNetworkModel, flow_sensors: list[str]) -> dict[str, float]:
    """Flow sensors on links leaving a reservoir, with the sign that makes inflow positive."""
    reservoirs = set(network.reservoir_name_list)
    signs: dict[str, float] = {}
    for link_name in flow_sensors:
        link = network.get_link(link_name)
        if link.start_node_name in reservoirs:
            signs[link_name] = 1.0
        elif link.end_node_name in reservoirs:
            signs[link_name] = -1.0
    return signs


def system_consumption(network: wntr.network.WaterNetworkModel, data: SensorData) -> pd.Series:
    """System consumption Q(t): metered inflow from reservoirs less the rate of filling of metered tanks.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
        Gives which flow sensors leave a reservoir, and the tanks' diameters [m].
    data : SensorData
        Flows [m³/h] and tank levels [m] at 5-minute steps.

    Returns
    -------
    pandas.Series
        Q(t) [m³/h] at each step:

            Q(t) = Σ inflow(t) − Σ_tanks (π D² / 4) · Δh/Δt · 3600

        with D the tank's diameter [m] and Δh/Δt its level change per second.

    Raises
    ------
    SensorDataError
        If no flow sensor sits on a link from a reservoir.
    """
    signs = inflow_links(network, list(data.flows.columns))
    if not signs:
        raise SensorDataError("flows.csv: no flow sensor on a link from a reservoir, so no system inflow is metered")
    inflow = sum(data.flows[link] * sign for link, sign in signs.items())
    storage = pd.Series(0.0, index=data.flows.index)
    for tank in data.levels.columns:
        area = math.pi * network.get_node(tank).diameter ** 2 / 4
        storage += area * data.levels[tank].diff().bfill() / STEP_SECONDS * 3600
    return pd.Series(inflow - storage, name="consumption")


FLOW_RATIO_LIMITS = (0.5, 3.0)
"""In m³/h, the metered consumption's median over the model's mean demand lies within (`check_flow_units`)."""


def mean_demand_m3h(network: wntr.network.WaterNetworkModel) -> float:
    """The model's mean demand [m³/h]: M · Σ_j Σ_k d_jk · m̄_jk · 3600, each junction's base demands d [m³/s] times
    the mean multiplier m̄ of their pattern (the default pattern where none is named, else 1), M the demand multiplier."""
    default = network.options.hydraulic.pattern
    fallback = network.get_pattern(default) if default in set(network.pattern_name_list) else None
    total = 0.0
    for _name, junction in network.junctions():
        for demand in junction.demand_timeseries_list:
            pattern = demand.pattern if demand.pattern is not None else fallback
            total += demand.base_value * (float(np.mean(pattern.multipliers)) if pattern is not None else 1.0)
    return total * network.options.hydraulic.demand_multiplier * 3600


def check_flow_units(network: wntr.network.WaterNetworkModel, data: SensorData) -> None:
    """Flows in L/s, m³/s or m³/d instead of m³/h: the metered consumption against the model's demand.

    The median of the system consumption Q (`system_consumption`) over the model's mean demand
    (`mean_demand_m3h`) is about one
    where the model's demands were allocated from billing: above one by the losses and the leaks
    (L-TOWN's months: 1.1–1.2), below it by a stale allocation. In L/s it falls to about 0.3, in m³/d it
    is 24 times, in m³/s 1/3600; outside `FLOW_RATIO_LIMITS` the data are refused. A network without a
    metered inflow from a reservoir, or a model without demand, is not checked.
    """
    if not inflow_links(network, list(data.flows.columns)):
        return
    demand_m3h = mean_demand_m3h(network)
    consumption = float(system_consumption(network, data).median())
    if demand_m3h <= 0 or not math.isfinite(consumption):
        return
    ratio = consumption / demand_m3h
    low, high = FLOW_RATIO_LIMITS
    if not low <= ratio <= high:
        raise SensorDataError(
            f"flows.csv: the metered consumption (inflow less the filling of tanks), median {consumption:.4g}, is "
            f"{ratio:.3g} times the model's mean demand of {demand_m3h:.4g} m³/h (in m³/h it is {low:g}–{high:g}): "
            "are the flows in L/s, m³/s or m³/d? Civic reads m³/h (1 L/s = 3.6 m³/h)"
        )


def quietest_window_start(consumption: pd.Series) -> int:
    """Step of the day [0, 288) where the 3-hour mean consumption is least."""
    slots = consumption.groupby((consumption.index.hour * 3600 + consumption.index.minute * 60) // STEP_SECONDS).mean()
    profile = slots.reindex(range(STEPS_PER_DAY)).interpolate().bfill().ffill().to_numpy()
    width = NIGHT_HOURS * 3600 // STEP_SECONDS
    circular = np.concatenate([profile, profile[:width]])
    sums = np.convolve(circular, np.ones(width), mode="valid")[:STEPS_PER_DAY]
    return int(np.argmin(sums))


@dataclass(frozen=True)
class NightMeans:
    """Per night: mean consumption [m³/h]."""

    consumption: pd.Series


def night_means(network: wntr.network.WaterNetworkModel, data: SensorData, window_start: int) -> NightMeans:
    """Night-window means per day; the consumption mean uses the tanks' level change over the window."""
    consumption = system_consumption(network, data)
    width = NIGHT_HOURS * 3600 // STEP_SECONDS
    days = pd.DatetimeIndex(sorted(set(consumption.index.normalize())))
    rows_q, labels = [], []
    for day in days:
        begin = day + pd.Timedelta(seconds=window_start * STEP_SECONDS)
        end = begin + pd.Timedelta(seconds=(width - 1) * STEP_SECONDS)
        if begin < consumption.index[0] or end > consumption.index[-1]:
            continue
        rows_q.append(float(consumption.loc[begin:end].mean()))
        labels.append(begin)
    return NightMeans(pd.Series(rows_q, index=pd.DatetimeIndex(labels, name="night")))


@dataclass(frozen=True)
class Calibration:
    """What the training period fixes: the night window, reference levels and spread.

    With two weeks or more of training, night references and the 5-minute
    profile are kept per day of the week (demand patterns such as L-TOWN's are
    weekly); with less, one reference serves every day.
    """

    window_start: int
    reference_by_weekday_m3h: np.ndarray  # 7 values, Monday first
    spread_m3h: float
    profile_by_weekday_m3h: np.ndarray  # 7 × 288: mean consumption at each 5-minute step

    @property
    def reference_m3h(self) -> float:
        return float(self.reference_by_weekday_m3h.mean())

    def night_reference(self, nights: pd.DatetimeIndex) -> np.ndarray:
        return self.reference_by_weekday_m3h[nights.day_of_week]

    def profile_at(self, times: pd.DatetimeIndex) -> np.ndarray:
        slots = (times.hour * 3600 + times.minute * 60) // STEP_SECONDS
        return self.profile_by_weekday_m3h[times.day_of_week, slots]


def calibrate(network: wntr.network.WaterNetworkModel, training: SensorData) -> Calibration:
    """What the training period fixes: night window, night references and their day-to-day spread.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
    training : SensorData
        At least two whole nights without a leak.

    Returns
    -------
    Calibration
        The quietest three-hour window of the day (`quietest_window_start`),
        the mean night consumption per weekday (one value for all days with
        less than two weeks) [m³/h], its spread σ [m³/h] and the 5-minute
        consumption profile per weekday [m³/h].

    Raises
    ------
    SensorDataError
        If training holds fewer than two whole nights.

    Notes
    -----
    σ is the standard deviation of the nights less their reference,
    corrected for the reference being estimated from the same nights,
    σ = s / √(1 − 1/n_group), and at least 1 % of the mean reference and
    0.1 m³/h (noise-free simulations would otherwise give 0).
    """
    consumption = system_consumption(network, training)
    window_start = quietest_window_start(consumption)
    nights = night_means(network, training, window_start)
    if len(nights.consumption) < 2:
        raise SensorDataError("training data: fewer than two whole nights, so no threshold can be set")
    weekly = len(nights.consumption) >= 14
    groups = nights.consumption.index.day_of_week if weekly else np.zeros(len(nights.consumption), dtype=int)
    by_group = nights.consumption.groupby(groups).mean()
    references = np.array([by_group.get(day if weekly else 0, np.nan) for day in range(7)])
    references = np.where(np.isnan(references), float(nights.consumption.mean()), references)
    residuals = nights.consumption.to_numpy() - references[nights.consumption.index.day_of_week]
    per_group = len(nights.consumption) / (7 if weekly else 1)
    spread = float(np.std(residuals, ddof=1)) / math.sqrt(max(1 - 1 / per_group, 1e-6))
    spread = max(spread, MINIMUM_SPREAD_SHARE * abs(float(references.mean())), 0.1)
    return Calibration(window_start, references, spread, _profiles(consumption, weekly))


def _profiles(consumption: pd.Series, weekly: bool) -> np.ndarray:
    slots = (consumption.index.hour * 3600 + consumption.index.minute * 60) // STEP_SECONDS
    days = consumption.index.day_of_week if weekly else np.zeros(len(consumption), dtype=int)
    table = consumption.groupby([days, slots]).mean().unstack().reindex(columns=range(STEPS_PER_DAY))
    table = table.T.interpolate().bfill().ffill().T
    if not weekly:
        return np.repeat(table.to_numpy()[:1], 7, axis=0)
    overall = table.mean().to_numpy()
    return np.vstack([table.loc[day].to_numpy() if day in table.index else overall for day in range(7)])


@dataclass(frozen=True)
class WindowSequence:
    """The test period's windows in time order: end time, which window model, whitened residual."""

    ends: list[pd.Timestamp]
    model_of: list[int]
    vectors: np.ndarray  # windows × sensors, whitened
    raw: np.ndarray  # windows × sensors, the residuals [m] (NaN where a sensor dropped out)
    present: np.ndarray | None = None  # windows × sensors: which sensors read (None: all, always)


@dataclass(frozen=True)
class Detection:
    """One alarm: its run of windows, the statistic per candidate over the localisation windows."""

    first_window: int
    alarm_window: int
    statistic: np.ndarray  # T_c per candidate
    energy: float  # Σ_i |u_i|² over the same windows: T_c / energy is the squared similarity
    size: np.ndarray  # a_c per candidate: the leak's size relative to the reference leak
    pipe_index: int = -1  # set by the localisation
    merged: bool = False  # within reach of a leak already found: taken for the same one
    run_statistic: np.ndarray | None = None  # T_c over the alarm's run alone
    threshold: float = ALARM_THRESHOLD
    unsupported: bool = False  # the run alone does not point near the pipe: set aside


@dataclass(frozen=True)
class WindowTerms:
    """Weighted sums over windows: Σ w_i s⊥_c·u_i and Σ w_i |s⊥_c|² per candidate, Σ w_i |u_i|², and the same
    sums for a step of each sensor alone."""

    products: np.ndarray
    norms: np.ndarray
    energy: float
    step_products: np.ndarray
    step_norms: np.ndarray

    def __add__(self, other: WindowTerms) -> WindowTerms:
        return WindowTerms(
            self.products + other.products, self.norms + other.norms, self.energy + other.energy,
            self.step_products + other.step_products, self.step_norms + other.step_norms,
        )  # fmt: skip

    def leak_statistic(self) -> tuple[np.ndarray, float, np.ndarray]:
        """T_c (a leak only adds outflow: 0 where the fitted size is negative), Σ w|u|² and the size a_c."""
        denominator = np.where(self.norms > 0, self.norms, np.inf)
        statistic = np.where(self.products > 0, self.products**2 / denominator, 0.0)
        return statistic, self.energy, self.products / denominator

    def step_statistic(self) -> np.ndarray:
        """T_s of a step of either sign at sensor s alone: an offset that jumped."""
        denominator = np.where(self.step_norms > 0, self.step_norms, np.inf)
        return np.asarray(self.step_products**2 / denominator)


def summed_terms(terms: list[WindowTerms]) -> WindowTerms:
    total = terms[0]
    for more in terms[1:]:
        total = total + more
    return total


@dataclass(frozen=True)
class StrongestRuns:
    """(statistic, first window) of the strongest leak run and sensor-step run, and the step's sensor."""

    leak: tuple[float, int]
    step: tuple[float, int]
    sensor: int


def window_weight(remainder: np.ndarray, products: np.ndarray, norms: np.ndarray) -> float:
    """w_i = min(1, 2·n / e_i): the window's weight, e_i the part of |u_i|² that no single leak explains.

    Without a new leak, or with one that a candidate fits, e_i is about n (the number
    of sensors: the whitened noise). Where the network did something the window
    models do not describe — a tank run dry, a pump cycle shifted by a leak the models
    carry only roughly — e_i is many times n, and the window's noise variance is
    taken as e_i / 2n times larger (a Huber-type down-weighting, [HUBER-1981] §7).
    `products` are s_c·u_i and `norms` |s_c|² over the candidates.
    """
    safe_norms = np.where(norms > 0, norms, np.inf)
    explained = float(np.max(np.where(products > 0, products**2 / safe_norms, 0.0), initial=0.0))
    unexplained = float(remainder @ remainder) - explained
    return min(1.0, UNEXPLAINED_ALLOWANCE * len(remainder) / max(unexplained, 1e-12))


MaskedSignatures = Callable[[int, np.ndarray], np.ndarray]
"""(window model, mask of the sensors that read) → that model's whitened signatures over those sensors."""
MaskedResidual = Callable[[int, np.ndarray], np.ndarray]
"""(window, mask of the sensors to use) → the window's whitened residual over those sensors."""


class LeakWatch:
    """The sequential test over a window sequence, with the leaks found so far fitted out.

    Where a sensor dropped out of a window (`WindowSequence.present`), or was taken out as
    faulty (`exclude`), the window is compared with signatures over the sensors that read
    (`masked`): a missing reading is left out of the test, not taken for a change of pressure.
    """

    def __init__(
        self,
        sequence: WindowSequence,
        signatures: list[np.ndarray],
        masked: MaskedSignatures | None = None,
        masked_residual: MaskedResidual | None = None,
        steps: MaskedSignatures | None = None,
    ) -> None:
        self.sequence = sequence
        self.signatures = signatures  # per window model: candidates × sensors, whitened
        self.masked = masked
        self.masked_residual = masked_residual
        self.steps = steps  # (window model, mask) → whitened steps of one sensor alone, sensors × sensors
        self.known: list[int] = []
        self.excluded: dict[int, int] = {}  # sensor → first window it is left out of
        self._masked_cache: dict[tuple[int, bytes], np.ndarray] = {}

    def present_at(self, window: int) -> np.ndarray | None:
        """Mask of the sensors used in `window` (None: all of them)."""
        present = None if self.sequence.present is None else self.sequence.present[window].copy()
        for sensor, since in self.excluded.items():
            if window >= since:
                if present is None:
                    present = np.ones(self.sequence.vectors.shape[1], dtype=bool)
                present[sensor] = False
        return present

    def window_signatures(self, window: int) -> np.ndarray:
        """The whitened signatures the window is compared with: over the sensors that read in it."""
        model = self.sequence.model_of[window]
        present = self.present_at(window)
        if present is None or self.masked is None or bool(present.all()):
            return self.signatures[model]
        key = (model, present.tobytes())
        if key not in self._masked_cache:
            self._masked_cache[key] = self.masked(model, present)
        return self._masked_cache[key]

    def vector(self, window: int) -> np.ndarray:
        """The window's whitened residual, without the sensors taken out as faulty."""
        if not self.excluded or self.masked_residual is None:
            return self.sequence.vectors[window]
        present = self.present_at(window)
        if present is None or bool(present.all()):
            return self.sequence.vectors[window]
        return self.masked_residual(window, present)

    def exclude(self, sensor: int, since: int) -> None:
        self.excluded[sensor] = since

    def fitted_sizes(self, window: int) -> np.ndarray:
        """The known leaks' sizes a ≥ 0 in `window` (relative to the reference leak)."""
        if not self.known:
            return np.zeros(0)
        columns = self.window_signatures(window)[self.known].T
        return np.asarray(scipy.optimize.nnls(columns, self.vector(window))[0])

    def remainder(self, window: int) -> np.ndarray:
        """u_i: the window's residual less the best non-negative fit of the known leaks."""
        vector = self.vector(window)
        if not self.known:
            return vector
        columns = self.window_signatures(window)[self.known].T
        sizes = scipy.optimize.nnls(columns, vector)[0]
        return np.asarray(vector - columns @ sizes)

    def terms(self, window: int) -> WindowTerms:
        """The window's weighted sums for the statistics: s⊥_c·u_i, |s⊥_c|², |u_i|² and the sensor steps' own."""
        remainder = self.remainder(window)
        candidates = self.window_signatures(window)
        signatures = self.without_known(candidates)
        products = signatures @ remainder
        norms = np.einsum("ij,ij->i", signatures, signatures)
        weight = window_weight(remainder, products, norms)
        step_products = step_norms = np.zeros(0)
        if self.steps is not None:
            present = self.present_at(window)
            mask = np.ones(len(remainder)) if present is None else present.astype(float)
            steps = self.without_known(self.steps(self.sequence.model_of[window], mask), candidates[self.known])
            step_products = steps @ remainder
            step_norms = np.einsum("ij,ij->i", steps, steps)
        return WindowTerms(
            weight * products, weight * norms, weight * float(remainder @ remainder),
            weight * step_products, weight * step_norms,
        )  # fmt: skip

    def statistic(self, windows: range) -> tuple[np.ndarray, float, np.ndarray]:
        """T_c, Σ|u|² and a_c over `windows`."""
        if not windows:
            empty = np.zeros(len(self.signatures[0]))
            return empty, 0.0, empty
        return summed_terms([self.terms(window) for window in windows]).leak_statistic()

    def without_known(self, signatures: np.ndarray, known: np.ndarray | None = None) -> np.ndarray:
        """The candidates' signatures less their part along the known leaks' signatures.

        The known leaks' sizes are fitted to each window, so whatever of a new leak's
        signature lies in the span of theirs is fitted to them as well: only the rest,
        s_c⊥ = (I − P_K)·s_c with P_K the projection on the known leaks' signatures,
        can be evidence of it, and the test's denominator is |s_c⊥|² (the matched
        subspace detector with known interference, [SCHARF-1994] §IV).
        """
        if not self.known:
            return signatures
        basis = np.linalg.qr((signatures[self.known] if known is None else known).T)[0]
        outside = signatures - (signatures @ basis) @ basis.T
        # a candidate wholly in the span (a known leak itself) has nothing left to test: rounding only
        testable = np.einsum("ij,ij->i", outside, outside) > 1e-9 * np.einsum("ij,ij->i", signatures, signatures)
        return np.asarray(outside * testable[:, None])

    def strongest_run(self, window: int, since: int) -> tuple[float, int]:
        """Largest max_c T_c over runs ending at `window` that start no earlier than `since`, and that run's start."""
        return self.strongest_runs(window, since).leak

    def strongest_runs(self, window: int, since: int) -> StrongestRuns:
        """The strongest run of a leak and of a sensor's step, each over runs of 1 to `LONGEST_RUN_WINDOWS`
        windows ending at `window` and starting no earlier than `since`."""
        leak, step, sensor = (0.0, window), (0.0, window), -1
        total: WindowTerms | None = None
        for first in range(window, max(since, window - LONGEST_RUN_WINDOWS + 1) - 1, -1):
            terms = self.terms(first)
            total = terms if total is None else total + terms
            value = float(total.leak_statistic()[0].max())
            if value > leak[0]:
                leak = (value, first)
            steps = total.step_statistic()
            if steps.size and float(steps.max()) > step[0]:
                step, sensor = (float(steps.max()), first), int(np.argmax(steps))
        return StrongestRuns(leak, step, sensor)


def training_threshold(
    sequence: WindowSequence, signatures: list[np.ndarray], masked: MaskedSignatures | None = None
) -> float:
    """The alarm threshold: 35, or `TRAINING_MAXIMUM_FACTOR` times the largest statistic over the training windows.

    The window models are fitted on the same training windows, so their largest
    statistic underestimates what leak-free test windows reach; where demand varies
    from one district to another from day to day (which the one consumption regressor
    cannot follow), that largest statistic is itself well above the chance level of 35.
    """
    leak_watch = LeakWatch(sequence, signatures, masked)
    largest = max((leak_watch.strongest_run(window, 0)[0] for window in range(len(sequence.ends))), default=0.0)
    return max(ALARM_THRESHOLD, TRAINING_MAXIMUM_FACTOR * largest)


def faulty_sensor(leak_watch: LeakWatch, first: int, window: int, value: float) -> int | None:
    """The sensor that carries the run's evidence alone, if one does: an offset that jumped, not a leak.

    A leak moves the pressure of its whole zone, so its evidence is shared by several
    sensors; a sensor re-mounted or re-calibrated moves alone. Each of the
    `SUSPECT_SENSORS` sensors with the largest residual over the run is left out in
    turn; when the statistic then keeps under `SOLE_SENSOR_SHARE` of its value, that
    sensor is the alarm's cause. A run that some candidate fits with a similarity of
    `LEAK_SIMILARITY` or more is taken for a leak all the same: where one sensor alone
    watches a zone, its leaks and its offset jumps look alike.
    """
    if leak_watch.masked is None or leak_watch.masked_residual is None:
        return None
    statistic, energy, _ = leak_watch.statistic(range(first, window + 1))
    if math.sqrt(min(float(statistic.max()) / max(energy, 1e-12), 1.0)) >= LEAK_SIMILARITY:
        return None  # a candidate's signature fits the run as a leak's does
    remainders = np.array([leak_watch.remainder(i) for i in range(first, window + 1)])
    for sensor in np.argsort(-np.abs(remainders.mean(axis=0)))[:SUSPECT_SENSORS]:
        sensor = int(sensor)
        if sensor in leak_watch.excluded:
            continue
        leak_watch.exclude(sensor, first)
        without = float(leak_watch.statistic(range(first, window + 1))[0].max())
        del leak_watch.excluded[sensor]
        if without < SOLE_SENSOR_SHARE * value:
            return sensor
    return None


@dataclass(frozen=True)
class WatchOutcome:
    """The alarms of a watch, and the sensors it left out as faulty: sensor index → first window left out."""

    detections: list[Detection]
    left_out: dict[int, int]


def watch_outcome(
    sequence: WindowSequence,
    signatures: list[np.ndarray],
    localise: Callable[[Detection, list[int]], Detection],
    threshold: float = ALARM_THRESHOLD,
    masked: MaskedSignatures | None = None,
    masked_residual: MaskedResidual | None = None,
    steps: MaskedSignatures | None = None,
) -> WatchOutcome:
    """The sequential test for new leaks, window by window, with the leaks found so far fitted out.

    Parameters
    ----------
    sequence : WindowSequence
        The test period's whitened window residuals in time order.
    signatures : list of numpy.ndarray
        Per window model, the candidates' whitened signatures (candidates × sensors).
    localise : callable
        Given an alarm's `Detection` and the pipes already found (indices),
        returns it with its `pipe_index` set.
    threshold : float
        Alarm when max_c T_c over some run of 1–6 windows ending at the
        current one exceeds it (35 by default).
    masked, masked_residual : optional
        The signatures and residuals restricted to the sensors that read in each
        window (sensor drop-outs); None when every sensor read throughout.
    steps : optional
        (window model, mask of the sensors that read) → the whitened step of
        each sensor alone (sensors × sensors): an offset that jumped. None: not
        tested for.

    Returns
    -------
    WatchOutcome
        One `Detection` per alarm, in time order, and the sensors left out as
        faulty (offsets that jumped), each from the first window it is left out of.

    Notes
    -----
    T_c = (Σ_i w_i s⊥_c,i·u_i)² / Σ_i w_i |s⊥_c,i|² when the numerator's sum is
    positive, else 0: the generalised likelihood ratio of a leak of unknown
    size on candidate c ([BASSEVILLE-1993] §2.4), with the weights of
    `window_weight` and s⊥ the signatures outside the known leaks' span
    (`LeakWatch.without_known`). An alarm is raised when the strongest run
    crosses the threshold at `CONFIRMING_WINDOWS` (2) windows in a row.

    An alarm whose evidence one sensor carries alone takes that sensor out from the run's
    first window on (`faulty_sensor`) instead of reporting a leak. An alarm whose pipe the
    run itself does not support — within 300 m of it no candidate's statistic over the run
    exceeds the threshold; it was placed by the windows after the alarm — is set aside
    (`Detection.unsupported`): it is neither reported nor fitted out.
    """
    leak_watch = LeakWatch(sequence, signatures, masked, masked_residual, steps)
    detections: list[Detection] = []
    since = 0
    sizes: dict[int, list[float]] = {}  # per known leak, its fitted size in each window since its alarm
    crossings = 0  # windows in a row whose strongest run crossed the threshold
    step_crossings = 0  # windows in a row whose strongest sensor step crossed it, and beat every leak
    for window in range(len(sequence.ends)):
        _forget_leaks_gone(leak_watch, window, sizes)
        runs = leak_watch.strongest_runs(window, since)
        (value, first), (step_value, step_first) = runs.leak, runs.step
        step_crossings = step_crossings + 1 if step_value > max(threshold, value) else 0
        if step_crossings >= STEP_CONFIRMING_WINDOWS:
            leak_watch.exclude(runs.sensor, step_first)
            step_crossings = crossings = 0
            continue
        crossings = crossings + 1 if value > threshold else 0
        if crossings < CONFIRMING_WINDOWS:
            continue
        crossings = 0
        sensor = faulty_sensor(leak_watch, first, window, value)
        if sensor is not None:
            leak_watch.exclude(sensor, first)
            continue
        last = min(len(sequence.ends), window + 1 + LOCALISATION_WINDOWS_AFTER)
        statistic, energy, size = leak_watch.statistic(range(first, last))
        run_statistic = leak_watch.statistic(range(first, window + 1))[0]
        detection = localise(
            Detection(first, window, statistic, energy, size, run_statistic=run_statistic, threshold=threshold),
            leak_watch.known,
        )
        if not detection.merged:
            detection = placed_beside_another(leak_watch, detection, range(first, last), localise)
        detections.append(detection)
        if not detection.unsupported and detection.pipe_index not in leak_watch.known:
            leak_watch.known.append(detection.pipe_index)
            sizes[detection.pipe_index] = []
        since = window + 1
    return WatchOutcome(detections, dict(leak_watch.excluded))


def placed_beside_another(
    leak_watch: LeakWatch,
    detection: Detection,
    windows: range,
    localise: Callable[[Detection, list[int]], Detection],
) -> Detection:
    """The alarm placed again with the strongest other unfound leak of its windows fitted out.

    Leaks overlap: one still growing under the threshold runs while another is raised.
    Fitted as one leak, the two are placed between them — in L-TOWN often 300–800 m
    from either. One step of alternating projection ([ZISKIND-1988]) separates them:
    with the alarm's pipe c₁ fitted out as a known leak, the strongest candidate c₂
    of what is left is taken for the other leak when its T passes `SECOND_LEAK_SHARE`
    of the threshold; with c₂ fitted out instead, the alarm is placed again. Only the
    alarm is reported; the other leak, not fitted out afterwards, raises its own.
    A placement that falls within reach of a known leak, or that the alarm's run does
    not support, is not taken: the first placement stands.

    On the 40 realistic tuning months it placed 123 of 200 leaks within 2 days and
    300 m with 59 false positives, meeting the goal in 17 months, against 117, 74 and
    15 without it (BENCHMARKS.md).
    """
    known = list(leak_watch.known)
    try:
        leak_watch.known = [*known, detection.pipe_index]
        statistic, energy, size = leak_watch.statistic(windows)
        if float(statistic.max()) <= SECOND_LEAK_SHARE * detection.threshold:
            return detection
        other = localise(replace(detection, statistic=statistic, energy=energy, size=size), [])
        leak_watch.known = [*known, other.pipe_index]
        statistic, energy, size = leak_watch.statistic(windows)
    finally:
        leak_watch.known = known
    again = localise(replace(detection, statistic=statistic, energy=energy, size=size), known)
    if again.merged or again.unsupported:
        return detection
    return again


def _forget_leaks_gone(leak_watch: LeakWatch, window: int, sizes: dict[int, list[float]]) -> None:
    """Stop fitting out a leak found earlier whose fitted size stayed near zero for two days.

    A leak runs until it is repaired; a leak found by a false alarm, or one repaired, is
    not there, and fitted out it would soak up a new leak of a similar signature nearby.
    """
    if not leak_watch.known:
        return
    for pipe, size in zip(list(leak_watch.known), leak_watch.fitted_sizes(window), strict=True):
        sizes[pipe].append(float(size))
        recent = sizes[pipe][-FORGET_AFTER_WINDOWS:]
        if len(recent) == FORGET_AFTER_WINDOWS and float(np.mean(recent)) < FORGET_BELOW_SIZE:
            leak_watch.known.remove(pipe)
            del sizes[pipe]


def change_point(
    consumption: pd.Series, calibration: Calibration, begin: pd.Timestamp, end: pd.Timestamp
) -> pd.Timestamp:
    """Estimated start of a leak: the time in [begin, end] that best splits the consumption residual in two.

    Parameters
    ----------
    consumption : pandas.Series
        System consumption Q(t) [m³/h] at 5-minute steps.
    calibration : Calibration
        Its 5-minute profile per weekday [m³/h] is the reference subtracted.
    begin, end : pandas.Timestamp
        The span searched.

    Returns
    -------
    pandas.Timestamp
        The split maximising the two-sample t statistic of the residual's
        means before and after; `begin` when the span has fewer than four steps.
    Steps without a metered inflow (NaN) are left out.
    """
    part = consumption.loc[begin:end].dropna()  # steps without a metered inflow are left out
    residual = part.to_numpy() - calibration.profile_at(pd.DatetimeIndex(part.index))
    count = len(residual)
    if count < 4:
        return pd.Timestamp(begin)
    cumulative = np.cumsum(residual)
    splits = np.arange(2, count - 1)
    before = cumulative[splits - 1] / splits
    after = (cumulative[-1] - cumulative[splits - 1]) / (count - splits)
    statistic = (after - before) * np.sqrt(splits * (count - splits) / count)
    return pd.Timestamp(part.index[int(splits[int(np.argmax(statistic))])])
