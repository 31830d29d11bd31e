"""Localise a leak by matching its pressure signature against a sweep over candidate pipes.

For each candidate pipe the sweep solves the network once per snapshot time
with a leak on that pipe — emitters at both of its end junctions, each with
half the coefficient, standing in for one at the midpoint — and records the
change of pressure at each sensor, Δp_c [m], and the leak outflow q_c [m³/h].
Changes of pressure that any rise in consumption causes are taken out with the
network's response to a uniform rise of all demands, b = ∂p/∂Q [m per m³/h]:

    s_c = Δp_c − b·q_c                 (candidate signature)

A leak's size only scales its signature ([PEREZ-2011]).
`hydro.network.detection` turns the signatures into a likelihood ratio per
candidate; `most_probable_pipe` picks the pipe to report from it.

The sweep runs in-process through the EPANET toolkit (emitter coefficients
and pattern start changed in memory, one `.inp` written per worker, never per
run) and is split over worker processes.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import wntr

from hydro.network.toolkit import ToolkitSession, write_working_copy

REFERENCE_LEAK_M3H = 5.0
LOCALISATION_RADIUS_M = 300.0  # BattLeDIM's reach of a true positive
DEMAND_STEP = 0.02


@dataclass(frozen=True)
class SensitivityMatrix:
    """Pressure signatures of a reference leak on each candidate pipe, at the sensors."""

    pipes: list[str]
    sensors: list[str]
    pressure_change_m: np.ndarray  # candidates × sensors
    leak_flow_m3h: np.ndarray  # per candidate
    demand_response_m_per_m3h: np.ndarray  # per sensor: b = ∂p/∂Q
    emitter_coefficient_lps: float = 0.0  # of the reference leak [L/s per m^0.5]

    def signatures(self) -> np.ndarray:
        """s_c = Δp_c − b·q_c for every candidate (rows)."""
        return self.pressure_change_m - np.outer(self.leak_flow_m3h, self.demand_response_m_per_m3h)

    def at_sensors(self, sensors: list[str]) -> SensitivityMatrix:
        """The same sweep seen at `sensors` only (a subset of its own, in that order)."""
        columns = [self.sensors.index(sensor) for sensor in sensors]
        return replace(
            self,
            sensors=list(sensors),
            pressure_change_m=self.pressure_change_m[:, columns],
            demand_response_m_per_m3h=self.demand_response_m_per_m3h[columns],
        )


@dataclass(frozen=True)
class SweepSettings:
    """What every worker needs: the working copy, sensors, snapshot times and leak size."""

    inp_path: str
    sensors: list[str]
    snapshots_s: tuple[int, ...]
    emitter_coefficient_lps: float


_worker_session: ToolkitSession | None = None
_worker_settings: SweepSettings | None = None
_worker_baselines: list[np.ndarray] = []


def start_worker(settings: SweepSettings) -> None:
    """Open this process's toolkit session on the working copy and solve the baselines."""
    global _worker_session, _worker_settings, _worker_baselines
    folder = Path(tempfile.mkdtemp(prefix="hydro-sweep-"))
    _worker_session = ToolkitSession(Path(settings.inp_path), folder)
    _worker_settings = settings
    _worker_session.open_snapshots()
    _worker_baselines = []
    for snapshot_s in settings.snapshots_s:
        _worker_session.set_times(0, snapshot_s)
        _worker_baselines.append(_worker_session.solve_snapshot(settings.sensors))


def sweep_chunk(chunk: list[tuple[str, list[str]]]) -> tuple[np.ndarray, np.ndarray]:
    """Pressure change at the sensors and leak outflow [m³/h] for each (pipe, end junctions), per snapshot.

    Returns arrays shaped snapshots × candidates × sensors and snapshots × candidates.
    """
    assert _worker_session is not None and _worker_settings is not None
    session, settings = _worker_session, _worker_settings
    sensor_count = len(settings.sensors)
    changes = np.zeros((len(settings.snapshots_s), len(chunk), sensor_count))
    flows = np.zeros((len(settings.snapshots_s), len(chunk)))
    for column, (_, junctions) in enumerate(chunk):
        share = settings.emitter_coefficient_lps / len(junctions)
        for junction in junctions:
            session.set_emitter(junction, share)
        for row, snapshot_s in enumerate(settings.snapshots_s):
            session.set_times(0, snapshot_s)
            pressures = session.solve_snapshot([*settings.sensors, *junctions])
            changes[row, column] = pressures[:sensor_count] - _worker_baselines[row]
            # emitter law q = C·p^0.5 at each end junction [L/s → m³/h]
            flows[row, column] = float(np.sum(share * np.sqrt(np.clip(pressures[sensor_count:], 0, None)))) * 3.6
        for junction in junctions:
            session.set_emitter(junction, 0.0)
    return changes, flows


def stop_worker() -> None:
    """Close this process's toolkit session."""
    global _worker_session
    if _worker_session is not None:
        _worker_session.close()
        _worker_session = None


def candidate_end_junctions(
    network: wntr.network.WaterNetworkModel, pipes: Sequence[str]
) -> list[tuple[str, list[str]]]:
    """Each candidate pipe with its end nodes that are junctions (emitters go only there)."""
    junction_names = set(network.junction_name_list)
    candidates = []
    for pipe in pipes:
        link = network.get_link(pipe)
        ends = [node for node in (link.start_node_name, link.end_node_name) if node in junction_names]
        if ends:
            candidates.append((pipe, ends))
    return candidates


def sensitivity_matrix(
    network: wntr.network.WaterNetworkModel,
    sensors: list[str],
    snapshot_s: int,
    pipes: Sequence[str] | None = None,
    workers: int | None = None,
    progress: Callable[[int], object] | None = None,
    spark: Any | None = None,
) -> SensitivityMatrix:
    """Sweep a reference leak over `pipes` (every pipe by default), solved at `snapshot_s` into the day."""
    return sensitivity_matrices(network, sensors, [snapshot_s], pipes, workers, progress, spark)[0]


def sensitivity_matrices(
    network: wntr.network.WaterNetworkModel,
    sensors: list[str],
    snapshots_s: Sequence[int],
    pipes: Sequence[str] | None = None,
    workers: int | None = None,
    progress: Callable[[int], object] | None = None,
    spark: Any | None = None,
) -> list[SensitivityMatrix]:
    """One sweep of a reference leak over `pipes`, solved at each of `snapshots_s` for every candidate.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
    sensors : list of str
        Nodes whose pressure is read.
    snapshots_s : sequence of int
        Times of the steady-state solves [s into the pattern].
    pipes : sequence of str, optional
        The candidates; every pipe by default.
    workers : int, optional
        Worker processes the candidates are split over.
    progress : callable, optional
        Called with the number of candidates done since its last call.
    spark : pyspark.sql.SparkSession, optional
        Run the sweep as Spark tasks (`hydro.network.spark_sweep`) instead.

    Returns
    -------
    list of SensitivityMatrix
        One per snapshot: each candidate's Δp_c [m], leak outflow q_c [m³/h]
        and the network's demand response b = ∂p/∂Q [m per m³/h], so that
        s_c = Δp_c − b·q_c ([PEREZ-2011]).

    Notes
    -----
    The reference leak's emitter coefficient is sized to 5 m³/h at the first snapshot's mean sensor
    pressure and kept for the others, so a candidate's outflow differs only as its pressure does.
    """
    candidates = candidate_end_junctions(network, network.pipe_name_list if pipes is None else pipes)
    workers = max(1, min(workers or os.cpu_count() or 1, len(candidates)))
    with tempfile.TemporaryDirectory(prefix="hydro-locate-") as folder:
        inp_path = write_working_copy(network, Path(folder))
        responses = [_demand_response(inp_path, Path(folder), sensors, snapshot_s) for snapshot_s in snapshots_s]
        coefficient = float(REFERENCE_LEAK_M3H / 3.6 / np.sqrt(max(responses[0][1], 1.0)))
        settings = SweepSettings(str(inp_path), sensors, tuple(int(s) for s in snapshots_s), coefficient)
        changes, flows = _run_sweep(candidates, settings, workers, progress, spark)
    pipe_names = [pipe for pipe, _ in candidates]
    return [
        SensitivityMatrix(pipe_names, sensors, changes[row], flows[row], response, coefficient)
        for row, (response, _) in enumerate(responses)
    ]


def _demand_response(inp_path: Path, folder: Path, sensors: list[str], snapshot_s: int) -> tuple[np.ndarray, float]:
    """b = ∂p/∂Q at the sensors [m per m³/h] from a uniform 2 % rise of demand, and the mean pressure [m]."""
    session = ToolkitSession(inp_path, folder)
    try:
        session.set_times(0, snapshot_s)
        baseline = session.solve_snapshot(sensors)
        consumption = session.snapshot_consumption_lps()
        session.set_demand_multiplier(1 + DEMAND_STEP)
        raised = session.solve_snapshot(sensors)
        response = (raised - baseline) / max(consumption * DEMAND_STEP * 3.6, 1e-9)
    finally:
        session.close()
    return response, float(np.mean(baseline))


def _run_sweep(
    candidates: list[tuple[str, list[str]]],
    settings: SweepSettings,
    workers: int,
    progress: Callable[[int], object] | None,
    spark: Any | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    chunk_size = max(1, min(25, len(candidates) // (workers * 4) or 1))
    chunks = [candidates[i : i + chunk_size] for i in range(0, len(candidates), chunk_size)]
    results: list[tuple[np.ndarray, np.ndarray]] = []
    if spark is not None:
        from hydro.network.spark_sweep import spark_sweep

        results = spark_sweep(chunks, settings, spark, progress)
    elif workers == 1:
        start_worker(settings)
        for chunk in chunks:
            results.append(sweep_chunk(chunk))
            if progress:
                progress(len(chunk))
        stop_worker()
    else:
        # forkserver, not fork: a process forked while other threads hold locks (a Spark gateway's, an
        # allocator's) can wait for them forever; the server is a fresh process with no such threads.
        context = multiprocessing.get_context("forkserver")
        with context.Pool(workers, initializer=start_worker, initargs=(settings,)) as pool:
            for chunk, result in zip(chunks, pool.imap(sweep_chunk, chunks), strict=True):
                results.append(result)
                if progress:
                    progress(len(chunk))
    changes = np.concatenate([changes for changes, _ in results], axis=1)
    flows = np.concatenate([flows for _, flows in results], axis=1)
    return changes, flows


@dataclass(frozen=True)
class RankedCandidate:
    pipe_id: str
    similarity: float


@dataclass(frozen=True)
class LocatedLeak:
    """One detected leak: the best pipe, times, and the ranked candidates."""

    pipe_id: str
    start_time: pd.Timestamp
    detected_at: pd.Timestamp
    estimated_start: pd.Timestamp
    consumption_rise_m3h: float  # the leak's outflow, as the alarm sizes it
    candidates: list[RankedCandidate] = field(default_factory=list)
    pressure_residual_m: dict[str, float] = field(default_factory=dict)


def ranked_candidates(pipes: list[str], statistic: np.ndarray, energy: float, keep: int = 10) -> list[RankedCandidate]:
    """The `keep` candidates of largest likelihood ratio T_c, with their similarity √(T_c / Σ|u|²).

    For one window the similarity is the cosine of the whitened residual and the
    candidate's whitened signature; 1 when a leak there explains it all.
    """
    order = np.argsort(-statistic)[:keep]
    scale = max(energy, 1e-12)
    return [RankedCandidate(pipes[i], round(float(np.sqrt(min(statistic[i] / scale, 1.0))), 4)) for i in order]


def most_probable_pipe(statistic: np.ndarray, distances: np.ndarray, radius_m: float = LOCALISATION_RADIUS_M) -> int:
    """The candidate with the most likelihood within `radius_m` of it.

    With a flat prior, the posterior of a leak at c is proportional to exp(T_c / 2), the
    likelihood ratio at its best size. A report is scored a hit when it lies within
    300 m of the leak, so the pipe p maximising Σ_{c: d(p, c) ≤ 300 m} exp(T_c / 2) is
    the Bayes choice; where candidates of nearly equal T_c spread over a zone wider
    than 300 m it picks the zone's middle rather than one edge.
    """
    weights = np.exp((statistic - statistic.max()) / 2)
    return int(np.argmax((distances <= radius_m) @ weights))
