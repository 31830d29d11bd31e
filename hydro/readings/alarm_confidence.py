"""How sure a customer alarm is: the share of alarms like it that were true on labelled draws.

Each anomaly rule scores its alarm from 0 to 1 by how far the evidence goes
past its threshold (`hydro.readings.anomaly_rules.customer_anomalies`): a burst's
hours against twice the least, a stuck run's hours against twice the least,
a reverse run's hours against T_r, and 1 for every gap. A score is not a
probability: on the tuning draws of `hydro.readings.realistic` reverse runs
scored 0.67 were all true, and stuck runs scored 1 were true 85 % of the time.

`calibrated` replaces the score by the confidence of its kind and score band
in a `ConfidenceTable`, fitted on labelled alarms by `fitted_table`:

* in each band the share of true alarms by Laplace's rule of succession,
  p = (k + 1) / (n + 2), k of n alarms true, so that a band without a false
  alarm is not certain and a band without alarms is 1/2 (Jaynes 2003, §6.4);
* then bands are pooled, weighted by n + 2, until a higher score never has a
  lower confidence (pool adjacent violators: isotonic calibration, Zadrozny &
  Elkan 2002).

A leak behind the meter has a calibrated confidence of its own, a logistic
function of its length and flow (`hydro.readings.customer_leaks.confidence`),
and is left as it is.

References
----------
Jaynes, E. T. (2003). *Probability Theory: The Logic of Science*. Cambridge
University Press, §6.4 (Laplace's rule of succession).
Zadrozny, B. & Elkan, C. (2002). Transforming classifier scores into accurate
multiclass probability estimates. *Proc. KDD 2002*, 694–699 (isotonic
calibration by pool adjacent violators).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SCORE_BANDS = (0.5, 0.8, 0.95, 1.0)
"""Upper edges of the score bands: (0, 0.5], (0.5, 0.8], (0.8, 0.95], (0.95, 1]."""


@dataclass(frozen=True)
class ConfidenceTable:
    """The confidence of each band of `SCORE_BANDS`, per anomaly kind; kinds not in it keep their score."""

    by_kind: Mapping[str, tuple[float, ...]] = field(default_factory=dict)


DEFAULT_TABLE = ConfidenceTable(
    {
        "burst": (0.95, 0.95, 0.95, 0.99),
        "stuck": (0.1, 0.1, 0.38, 0.68),
        "reverse": (0.67, 0.95, 0.95, 0.99),
        "gap": (0.5, 0.5, 0.5, 0.99),
    }
)
"""Fitted by ``python -m benchmarks.customer_alarms --calibrate`` on the tuning draws of both synthetic counties
(BENCHMARKS.md)."""


def score_bands(scores: np.ndarray) -> np.ndarray:
    """The band of each score: 0 for (0, 0.5], 1 for (0.5, 0.8], 2 for (0.8, 0.95], 3 for (0.95, 1].

    Examples
    --------
    >>> score_bands(np.array([0.3, 0.5, 0.67, 0.9, 1.0])).tolist()
    [0, 0, 1, 2, 3]
    """
    return np.minimum(np.searchsorted(SCORE_BANDS, scores, side="left"), len(SCORE_BANDS) - 1)


def calibrated(anomalies: pd.DataFrame, table: ConfidenceTable = DEFAULT_TABLE) -> pd.DataFrame:
    """The anomalies with the confidence of their kind and score band in place of the score."""
    if anomalies.empty or not table.by_kind:
        return anomalies
    confidence = anomalies.confidence.to_numpy(dtype=float).copy()
    bands = score_bands(confidence)
    for kind, probabilities in table.by_kind.items():
        chosen = (anomalies.kind == kind).to_numpy()
        confidence[chosen] = np.asarray(probabilities)[bands[chosen]]
    return anomalies.assign(confidence=confidence.round(2))


def fitted_table(alarms: pd.DataFrame, kinds: tuple[str, ...]) -> ConfidenceTable:
    """A table fitted on labelled alarms ``kind, confidence`` (the rule's score) and ``true``."""
    table = {}
    for kind in kinds:
        mine = alarms[alarms.kind == kind]
        bands = score_bands(mine.confidence.to_numpy(dtype=float))
        counts = np.bincount(bands, minlength=len(SCORE_BANDS)).astype(float)
        true = np.bincount(bands, weights=mine["true"].to_numpy(dtype=float), minlength=len(SCORE_BANDS))
        smoothed = (true + 1.0) / (counts + 2.0)
        table[kind] = tuple(round(float(value), 2) for value in pooled_adjacent_violators(smoothed, counts + 2.0))
    return ConfidenceTable(table)


def pooled_adjacent_violators(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The non-decreasing sequence nearest `values` in weighted least squares (pool adjacent violators).

    Examples
    --------
    >>> pooled_adjacent_violators(np.array([0.5, 0.9, 0.7, 1.0]), np.array([2.0, 1.0, 1.0, 2.0])).tolist()
    [0.5, 0.8, 0.8, 1.0]
    """
    blocks: list[list[float]] = []  # [weighted mean, weight, count of values]
    for value, weight in zip(values.tolist(), weights.tolist(), strict=True):
        blocks.append([value, weight, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean_right, weight_right, count_right = blocks.pop()
            mean_left, weight_left, count_left = blocks[-1]
            total = weight_left + weight_right
            blocks[-1] = [
                (mean_left * weight_left + mean_right * weight_right) / total,
                total,
                count_left + count_right,
            ]
    return np.repeat([block[0] for block in blocks], [int(block[2]) for block in blocks])
