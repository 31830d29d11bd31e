"""Localise a leak by matching its pressure signature against a sweep over candidate pipes.

For each candidate pipe the sweep solves the network once at night with a
leak on that pipe — emitters at both of its end junctions, each with half the
coefficient, standing in for one at the midpoint — and records the change of
pressure at each sensor, Δp_c [m], and the leak outflow q_c [m³/h]. Changes of
pressure that any rise in consumption causes (a leak or a cold night alike) are
taken out with the network's response to a uniform rise of all demands,
b = ∂p/∂Q [m per m³/h]:

    s_c = Δp_c − b·q_c                 (candidate signature)
    r   = ΔP − b·ΔQ                    (measured: night means after − before)

and candidates are ranked by the cosine similarity r·s_c / (|r| |s_c|): the
leak's size only scales its signature (Pérez et al. 2011, "Methodology for
leakage isolation using pressure sensitivity analysis in water distribution
networks", Control Eng. Practice 19(10)).

The sweep runs in-process through the EPANET toolkit (emitter coefficients
changed in memory, one `.inp` written per worker, never per run) and is split
over worker processes.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import wntr

from hydro.network.toolkit import ToolkitSession, write_working_copy

REFERENCE_LEAK_M3H = 5.0
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


@dataclass(frozen=True)
class SweepSettings:
    """What every worker needs: the working copy, sensors, snapshot time and leak size."""

    inp_path: str
    sensors: list[str]
    snapshot_s: int
    emitter_coefficient_lps: float


_worker_session: ToolkitSession | None = None
_worker_settings: SweepSettings | None = None
_worker_baseline: np.ndarray | None = None


def _start_worker(settings: SweepSettings) -> None:
    global _worker_session, _worker_settings, _worker_baseline
    folder = Path(tempfile.mkdtemp(prefix="hydro-sweep-"))
    _worker_session = ToolkitSession(Path(settings.inp_path), folder)
    _worker_session.set_times(0, settings.snapshot_s)
    _worker_settings = settings
    _worker_session.open_snapshots()
    _worker_baseline = _worker_session.solve_snapshot(settings.sensors)


def _sweep_chunk(chunk: list[tuple[str, list[str]]]) -> tuple[np.ndarray, np.ndarray]:
    """Pressure change at the sensors and leak outflow [m³/h] for each (pipe, end junctions)."""
    assert _worker_session is not None and _worker_settings is not None and _worker_baseline is not None
    session, settings = _worker_session, _worker_settings
    sensor_count = len(settings.sensors)
    changes, flows = [], []
    for _, junctions in chunk:
        share = settings.emitter_coefficient_lps / len(junctions)
        for junction in junctions:
            session.set_emitter(junction, share)
        pressures = session.solve_snapshot([*settings.sensors, *junctions])
        changes.append(pressures[:sensor_count] - _worker_baseline)
        # emitter law q = C·p^0.5 at each end junction [L/s → m³/h]
        flows.append(float(np.sum(share * np.sqrt(np.clip(pressures[sensor_count:], 0, None)))) * 3.6)
        for junction in junctions:
            session.set_emitter(junction, 0.0)
    return np.array(changes), np.array(flows)


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
) -> SensitivityMatrix:
    """Sweep a reference leak over `pipes` (every pipe by default), solved at `snapshot_s` into the day."""
    candidates = candidate_end_junctions(network, network.pipe_name_list if pipes is None else pipes)
    workers = max(1, min(workers or os.cpu_count() or 1, len(candidates)))
    with tempfile.TemporaryDirectory(prefix="hydro-locate-") as folder:
        inp_path = write_working_copy(network, Path(folder))
        baseline, response, mean_pressure = _baseline_and_demand_response(inp_path, Path(folder), sensors, snapshot_s)
        coefficient = REFERENCE_LEAK_M3H / 3.6 / np.sqrt(max(mean_pressure, 1.0))
        settings = SweepSettings(str(inp_path), sensors, snapshot_s, float(coefficient))
        changes, flows = _run_sweep(candidates, settings, workers, progress)
    del baseline
    return SensitivityMatrix([pipe for pipe, _ in candidates], sensors, changes, flows, response, float(coefficient))


def _baseline_and_demand_response(
    inp_path: Path, folder: Path, sensors: list[str], snapshot_s: int
) -> tuple[np.ndarray, np.ndarray, float]:
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
    return baseline, response, float(np.mean(baseline))


def _run_sweep(
    candidates: list[tuple[str, list[str]]],
    settings: SweepSettings,
    workers: int,
    progress: Callable[[int], object] | None,
) -> tuple[np.ndarray, np.ndarray]:
    chunk_size = max(1, min(25, len(candidates) // (workers * 4) or 1))
    chunks = [candidates[i : i + chunk_size] for i in range(0, len(candidates), chunk_size)]
    results: list[tuple[np.ndarray, np.ndarray]] = []
    if workers == 1:
        _start_worker(settings)
        for chunk in chunks:
            results.append(_sweep_chunk(chunk))
            if progress:
                progress(len(chunk))
    else:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_start_worker, initargs=(settings,)) as pool:
            for chunk, result in zip(chunks, pool.imap(_sweep_chunk, chunks), strict=True):
                results.append(result)
                if progress:
                    progress(len(chunk))
    changes = np.vstack([changes for changes, _ in results])
    flows = np.concatenate([flows for _, flows in results])
    return changes, flows


@dataclass(frozen=True)
class RankedCandidate:
    pipe_id: str
    similarity: float


def rank_candidates(
    matrix: SensitivityMatrix, pressure_change_m: np.ndarray, noise_directions: np.ndarray, keep: int = 10
) -> list[RankedCandidate]:
    """Candidates ordered by cosine similarity of their signature with the measured pressure change.

    Both are first projected onto the complement of `noise_directions` (rows:
    unit vectors over the sensors), the directions in which night pressures vary
    without a leak — chiefly all together with demand.
    """
    projection = np.eye(len(matrix.sensors)) - noise_directions.T @ noise_directions
    measured = projection @ pressure_change_m
    signatures = matrix.pressure_change_m @ projection.T
    norms = np.linalg.norm(signatures, axis=1) * max(float(np.linalg.norm(measured)), 1e-12)
    similarity = signatures @ measured / np.where(norms > 0, norms, np.inf)
    order = np.argsort(-similarity)[:keep]
    return [RankedCandidate(matrix.pipes[i], round(float(similarity[i]), 4)) for i in order]
