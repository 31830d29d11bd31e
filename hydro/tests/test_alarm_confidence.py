"""The calibrated confidence of customer alarms (hydro.readings.alarm_confidence), worked by hand.

Laplace's rule of succession p = (k + 1) / (n + 2) (Jaynes 2003, §6.4); pool adjacent violators as in
Zadrozny & Elkan (2002).
"""

import numpy as np
import pandas as pd
import pytest

from hydro.readings.alarm_confidence import (
    ConfidenceTable,
    calibrated,
    fitted_table,
    pooled_adjacent_violators,
    score_bands,
)


def test_scores_fall_in_bands_closed_at_their_upper_edge():
    assert score_bands(np.array([0.01, 0.5, 0.51, 0.8, 0.81, 0.95, 0.96, 1.0])).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def test_pooling_makes_a_higher_band_never_less_sure():
    # 0.9 (weight 1) above 0.7 (weight 1) violates the order: both become their mean, 0.8.
    pooled = pooled_adjacent_violators(np.array([0.5, 0.9, 0.7, 1.0]), np.array([2.0, 1.0, 1.0, 2.0]))
    assert pooled.tolist() == pytest.approx([0.5, 0.8, 0.8, 1.0])
    # A run of violators pools into one block: 0.9, 0.6, 0.3 with weights 1, 1, 1 → their mean 0.6 thrice.
    assert pooled_adjacent_violators(np.array([0.9, 0.6, 0.3]), np.ones(3)).tolist() == pytest.approx([0.6] * 3)


def bursts(band_scores: list[tuple[float, int, int]]) -> pd.DataFrame:
    """Labelled burst alarms: for each (score, alarms, of them true)."""
    rows = [("burst", score, index < true_count) for score, count, true_count in band_scores for index in range(count)]
    return pd.DataFrame(rows, columns=["kind", "confidence", "true"])


def test_a_fitted_table_is_laplace_s_share_of_true_alarms_pooled_into_order():
    # Band (0, 0.5]: 1 of 2 true, (1 + 1) / (2 + 2) = 0.5. Band (0.5, 0.8]: no alarm, 1 / 2 = 0.5.
    # Band (0.8, 0.95]: 3 of 3, 4 / 5 = 0.8 (weight 5). Band (0.95, 1]: 2 of 4, 3 / 6 = 0.5 (weight 6), lower than
    # the band below: pooled, (0.8 × 5 + 0.5 × 6) / 11 = 7 / 11 = 0.64 for both.
    table = fitted_table(bursts([(0.3, 2, 1), (0.9, 3, 3), (1.0, 4, 2)]), ("burst",))
    assert table.by_kind == {"burst": (0.5, 0.5, 0.64, 0.64)}


def test_calibration_replaces_the_score_of_the_kinds_in_the_table_only():
    table = ConfidenceTable({"burst": (0.4, 0.9, 0.95, 0.99)})
    anomalies = pd.DataFrame({"kind": ["burst", "burst", "continuous_flow"], "confidence": [0.67, 1.0, 0.37]})
    assert calibrated(anomalies, table).confidence.tolist() == [0.9, 0.99, 0.37]
    assert calibrated(anomalies, ConfidenceTable()).confidence.tolist() == [0.67, 1.0, 0.37]
