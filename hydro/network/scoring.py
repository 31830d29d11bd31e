"""BattLeDIM 2020 scoring of reported leaks against the true ones.

A report (pipe, time) detects a true leak when its pipe lies within 300 m of
pipe distance of the leak and the leak is running at the reported time. A
report that detects a leak not yet claimed by an earlier report is a true
positive (on the nearest such leak); one that detects only leaks already
claimed is a repeat and scores 0, neither true nor false positive; one that
detects none is a false positive, as in the competition's official scoring
script (KIOS-Research/BattLeDIM, ``Scoring Algorithm/Scoring_Algorithm.m``:
"Repeated detection … ignore detection if leak has been detected"). The
economic score ([BATTLEDIM-2020], section "Evaluation"):

    score = Σ_TP 0.8 €/m³ · V_saved − Σ_TP 500 € · d/300 m − 500 € · FP

V_saved is the volume the leak loses from the reported time until it ends (or
the evaluation period does) [m³]; d the pipe distance of the report from the
leak [m]. The detection delay is the reported time less the leak's start.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import wntr

from hydro.network.model import pipe_distances

EUROS_PER_M3_SAVED = 0.8
EUROS_PER_FALSE_POSITIVE = 500.0
EUROS_PER_300_M_OF_DISTANCE = 500.0
TRUE_POSITIVE_DISTANCE_M = 300.0


@dataclass(frozen=True)
class TrueLeak:
    """A leak as it happened: pipe, start, end (None: still running) and outflow [m³/h] over time."""

    pipe_id: str
    start: pd.Timestamp
    end: pd.Timestamp | None
    outflow_m3h: pd.Series

    def running_at(self, time: pd.Timestamp) -> bool:
        return self.start <= time and (self.end is None or time < self.end)

    def volume_from_m3(self, time: pd.Timestamp) -> float:
        """Volume lost from `time` on [m³]: the outflow series integrated over its steps."""
        later = self.outflow_m3h.loc[self.outflow_m3h.index >= time]
        if self.end is not None:
            later = later.loc[later.index < self.end]
        if len(self.outflow_m3h.index) < 2:
            return 0.0
        step_hours = (self.outflow_m3h.index[1] - self.outflow_m3h.index[0]).total_seconds() / 3600
        return float(later.sum() * step_hours)


@dataclass(frozen=True)
class ReportScore:
    pipe_id: str
    time: pd.Timestamp
    true_positive: bool
    repeat: bool = False
    matched_pipe: str | None = None
    distance_m: float | None = None
    delay_hours: float | None = None
    saved_m3: float = 0.0


@dataclass(frozen=True)
class Score:
    reports: list[ReportScore] = field(default_factory=list)
    true_positives: int = 0
    false_positives: int = 0
    repeats: int = 0
    missed: int = 0
    saved_m3: float = 0.0
    economic_score_eur: float = 0.0
    mean_delay_hours: float | None = None


def score_reports(
    network: wntr.network.WaterNetworkModel, truth: list[TrueLeak], reports: list[tuple[str, pd.Timestamp]]
) -> Score:
    """Score leak reports in time order against the true leaks, as BattLeDIM does.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
        The model the pipe distances are measured on.
    truth : list of TrueLeak
        The leaks that happened, with their outflow [m³/h] over time.
    reports : list of (str, pandas.Timestamp)
        Each report's pipe id and detection time.

    Returns
    -------
    Score
        Each report scored (true positive, repeat or false positive; its
        distance [m], delay [h] and volume saved [m³]), the counts and the
        economic score [€].

    Notes
    -----
    score = Σ_TP 0.8 €/m³ · V_saved − Σ_TP 500 € · d/300 m − 500 € · FP, a
    true positive lying within 300 m of pipe distance of a running leak not
    yet claimed ([BATTLEDIM-2020]).
    """
    claimed: set[int] = set()
    scored: list[ReportScore] = []
    for pipe, time in sorted(reports, key=lambda report: report[1]):
        running = [i for i, leak in enumerate(truth) if leak.running_at(time)]
        scored.append(_score_one(network, truth, running, pipe, time, claimed))
    hits = [report for report in scored if report.true_positive]
    repeats = sum(1 for report in scored if report.repeat)
    saved = sum(report.saved_m3 for report in hits)
    penalties = sum(EUROS_PER_300_M_OF_DISTANCE * (report.distance_m or 0) / 300 for report in hits)
    false = len(scored) - len(hits) - repeats
    delays = [report.delay_hours for report in hits if report.delay_hours is not None]
    return Score(
        reports=scored,
        true_positives=len(hits),
        false_positives=false,
        repeats=repeats,
        missed=len(truth) - len(hits),
        saved_m3=round(saved, 1),
        economic_score_eur=round(EUROS_PER_M3_SAVED * saved - penalties - EUROS_PER_FALSE_POSITIVE * false, 1),
        mean_delay_hours=round(sum(delays) / len(delays), 2) if delays else None,
    )


def _score_one(
    network: wntr.network.WaterNetworkModel,
    truth: list[TrueLeak],
    running: list[int],
    pipe: str,
    time: pd.Timestamp,
    claimed: set[int],
) -> ReportScore:
    """Score one report against the leaks running at its time; a true positive claims its leak."""
    if not running:
        return ReportScore(pipe, time, False)
    distances = pipe_distances(network, pipe, [truth[i].pipe_id for i in running])
    detected = [i for i in running if distances[truth[i].pipe_id] <= TRUE_POSITIVE_DISTANCE_M]
    unclaimed = [i for i in detected if i not in claimed]
    if detected and not unclaimed:
        nearest = min(detected, key=lambda i: distances[truth[i].pipe_id])
        return ReportScore(pipe, time, False, True, truth[nearest].pipe_id, round(distances[truth[nearest].pipe_id], 1))
    if not unclaimed:
        nearest = min(running, key=lambda i: distances[truth[i].pipe_id])
        return ReportScore(
            pipe, time, False, False, truth[nearest].pipe_id, round(distances[truth[nearest].pipe_id], 1)
        )
    nearest = min(unclaimed, key=lambda i: distances[truth[i].pipe_id])
    claimed.add(nearest)
    leak = truth[nearest]
    return ReportScore(
        pipe, time, True, False, leak.pipe_id, round(distances[leak.pipe_id], 1),
        delay_hours=round((time - leak.start).total_seconds() / 3600, 2),
        saved_m3=round(leak.volume_from_m3(time), 2),
    )  # fmt: skip
