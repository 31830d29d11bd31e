"""BattLeDIM scoring on a hand-made line of three pipes."""

from __future__ import annotations

import pandas as pd
import pytest

from hydro.network.model import load_network
from hydro.network.scoring import TrueLeak, score_reports

# A reservoir and three pipes in a line, SI units (LPS: lengths in m): 100 m, 200 m, 800 m.
LINE = """[JUNCTIONS]
 J1 0 1
 J2 0 1
 J3 0 1
[RESERVOIRS]
 R 50
[PIPES]
 A R J1 100 200 100
 B J1 J2 200 200 100
 C J2 J3 800 200 100
[OPTIONS]
 Units LPS
[END]
"""
START = pd.Timestamp("2019-01-01 00:00")


@pytest.fixture
def line(tmp_path):
    path = tmp_path / "line.inp"
    path.write_text(LINE)
    return load_network(path)


def constant_leak(pipe: str, hours: int, flow_m3h: float) -> TrueLeak:
    index = pd.date_range(START, periods=hours * 12, freq="5min")
    return TrueLeak(pipe, START, START + pd.Timedelta(hours=hours), pd.Series(flow_m3h, index=index))


def test_an_exact_report_saves_what_the_leak_loses_from_then_on(line):
    # 3.6 m³/h from 05:00 to 10:00 is 18 m³, worth 0.8 €/m³ = 14.4 €
    score = score_reports(line, [constant_leak("B", 10, 3.6)], [("B", START + pd.Timedelta(hours=5))])
    assert (score.true_positives, score.false_positives, score.missed) == (1, 0, 0)
    assert score.saved_m3 == pytest.approx(18.0)
    assert score.economic_score_eur == pytest.approx(14.4)
    assert score.mean_delay_hours == 5


def test_a_report_on_the_neighbouring_pipe_pays_for_its_distance(line):
    # middle of A to middle of B: 50 m + 100 m = 150 m, within 300 m; penalty 500 € × 150/300 = 250 €
    score = score_reports(line, [constant_leak("B", 10, 36.0)], [("A", START)])
    assert score.reports[0].distance_m == pytest.approx(150.0)
    assert score.true_positives == 1
    assert score.economic_score_eur == pytest.approx(0.8 * 360 - 250)


def test_far_reports_before_or_after_the_leak_and_repeats_are_false_positives(line):
    truth = [constant_leak("A", 10, 3.6)]
    reports = [
        ("C", START + pd.Timedelta(hours=1)),  # middle of A to middle of C: 50 + 200 + 400 = 650 m
        ("A", START + pd.Timedelta(hours=11)),  # the leak ended at 10:00
        ("A", START + pd.Timedelta(hours=2)),  # the true positive
        ("A", START + pd.Timedelta(hours=3)),  # the same leak reported again
    ]
    score = score_reports(line, truth, reports)
    assert [report.true_positive for report in score.reports] == [False, True, False, False]
    assert score.reports[0].distance_m == pytest.approx(650.0)
    # 3.6 m³/h × 8 h = 28.8 m³ → 23.04 €, less 3 false positives × 500 €
    assert score.economic_score_eur == pytest.approx(23.04 - 1500, abs=0.1)
    assert score.missed == 0
