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


def test_far_reports_and_reports_before_or_after_the_leak_are_false_positives_and_repeats_score_nothing(line):
    truth = [constant_leak("A", 10, 3.6)]
    reports = [
        ("C", START + pd.Timedelta(hours=1)),  # middle of A to middle of C: 50 + 200 + 400 = 650 m
        ("A", START + pd.Timedelta(hours=11)),  # the leak ended at 10:00
        ("A", START + pd.Timedelta(hours=2)),  # the true positive
        ("A", START + pd.Timedelta(hours=3)),  # the same leak reported again
    ]
    score = score_reports(line, truth, reports)
    assert [report.true_positive for report in score.reports] == [False, True, False, False]
    assert [report.repeat for report in score.reports] == [False, False, True, False]
    assert score.reports[0].distance_m == pytest.approx(650.0)
    # The official script (KIOS-Research/BattLeDIM, Scoring_Algorithm.m) scores a repeated detection 0:
    # 3.6 m³/h × 8 h = 28.8 m³ → 23.04 €, less 2 false positives × 500 € (the far one and the late one).
    assert (score.true_positives, score.false_positives, score.repeats) == (1, 2, 1)
    assert score.economic_score_eur == pytest.approx(23.04 - 1000, abs=0.1)
    assert score.missed == 0


def test_a_repeat_near_a_detected_leak_still_finds_an_undetected_one_within_reach(line):
    # Two leaks running, on A and B; the second report on A lies 0 m from the claimed A and 150 m from B:
    # as in the official script, it is a true positive on B, the nearest leak not yet detected.
    truth = [constant_leak("A", 10, 3.6), constant_leak("B", 10, 3.6)]
    reports = [("A", START + pd.Timedelta(hours=1)), ("A", START + pd.Timedelta(hours=2))]
    score = score_reports(line, truth, reports)
    assert [(report.true_positive, report.matched_pipe) for report in score.reports] == [(True, "A"), (True, "B")]
    assert score.reports[1].distance_m == pytest.approx(150.0)
    assert (score.false_positives, score.repeats, score.missed) == (0, 0, 0)
