"""Precision from recorded outcomes and the effect of new thresholds, on cases worked by hand.

Precision = TP / (TP + FP) as in Fawcett (2006), section 2 ([FAWCETT-2006] in docs/sources.md).
"""

import datetime

import pytest

from hydro.readings.alarm_outcomes import JudgedAlarm, outcome_truth, precision_by, precision_of, threshold_effect


def test_each_kind_is_true_when_the_outcome_is_what_it_claimed():
    assert outcome_truth("continuous_flow", "confirmed_leak") is True
    assert outcome_truth("continuous_flow", "meter_fault") is False
    assert outcome_truth("stuck", "meter_fault") is True
    assert outcome_truth("stuck", "confirmed_leak") is False
    assert outcome_truth("gap", "data_error") is True
    assert outcome_truth("burst", "no_access") is None
    assert outcome_truth("night_flow", "leak_repaired") is True
    assert outcome_truth("night_flow", "no_leak_found") is False


def test_an_outcome_of_another_kind_of_alarm_is_refused():
    with pytest.raises(ValueError, match="leak_repaired"):
        outcome_truth("continuous_flow", "leak_repaired")
    with pytest.raises(ValueError, match="kind 'flood'"):
        outcome_truth("flood", "confirmed_leak")


def test_precision_leaves_out_the_alarms_nobody_could_see():
    # Three confirmed leaks, one customer use, one meter fault and two no-access on continuous flow:
    # TP = 3, FP = 2, undetermined 2; P = 3 / 5 = 0.6.
    outcomes = [("continuous_flow", "confirmed_leak")] * 3 + [
        ("continuous_flow", "customer_use"),
        ("continuous_flow", "meter_fault"),
        ("continuous_flow", "no_access"),
        ("continuous_flow", "no_access"),
    ]
    measured = precision_of(outcomes)
    assert (measured.true, measured.false, measured.undetermined, measured.closed) == (3, 2, 2, 7)
    assert measured.precision == pytest.approx(0.6)


def test_precision_with_nothing_judged_is_undefined():
    assert precision_of([("gap", "no_access")]).precision is None
    assert precision_of([]).precision is None


def test_precision_by_group_counts_each_group_alone():
    rows = [
        ("HX", "stuck", "meter_fault"),
        ("HX", "burst", "customer_use"),
        ("FH", "night_flow", "leak_repaired"),
    ]
    by_dma = precision_by(rows)
    # HX: 1 true (stuck, meter fault), 1 false (burst, customer use) = 0.5; FH: 1 of 1.
    assert list(by_dma) == ["FH", "HX"]
    assert by_dma["HX"].precision == 0.5
    assert by_dma["FH"].precision == 1.0


def _at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2024, 3, day, hour)


def test_a_judged_alarm_is_still_raised_when_an_alarm_of_its_meter_and_kind_overlaps_it():
    judged = [
        JudgedAlarm("C-1", "continuous_flow", _at(1, 0), _at(3, 0), True),  # moved start, overlapping: kept
        JudgedAlarm("C-2", "continuous_flow", _at(1, 0), _at(2, 0), False),  # nothing on C-2: dropped
        JudgedAlarm("C-3", "burst", _at(1, 0), _at(1, 4), True),  # a gap on C-3 is another kind: dropped
        JudgedAlarm("C-4", "gap", _at(5, 0), _at(5, 8), None),  # a gap on C-4 days later: dropped
    ]
    proposed = [
        ("C-1", "continuous_flow", _at(2, 12), _at(4, 0)),
        ("C-3", "gap", _at(1, 0), _at(1, 4)),
        ("C-4", "gap", _at(1, 0), _at(1, 8)),
    ]
    effect = threshold_effect(judged, proposed)
    assert (effect.kept_true, effect.dropped_true) == (1, 1)
    assert (effect.kept_false, effect.dropped_false) == (0, 1)
    assert (effect.kept_undetermined, effect.dropped_undetermined) == (0, 1)
    # Of the judged alarms still raised, 1 true and 0 false: precision 1.
    assert effect.precision == 1.0


def test_a_network_leak_alarm_is_true_when_a_leak_is_found_and_repaired_in_its_area():
    assert outcome_truth("network_leak", "leak_repaired") is True
    assert outcome_truth("network_leak", "no_leak_found") is False
    assert outcome_truth("network_leak", "no_access") is None  # the crew could not reach the candidate area
    with pytest.raises(ValueError, match="confirmed_leak"):
        outcome_truth("network_leak", "confirmed_leak")  # a customer's outcome is not the field crew's
    with pytest.raises(ValueError, match="no_access"):
        outcome_truth("night_flow", "no_access")  # the night-flow alarms keep their two outcomes


def test_network_leak_precision_per_network_model_is_worked_by_hand():
    # Net3 v1: three alarms closed, leaks found and repaired at two, none at the third, and one area not
    # reached: TP = 2, FP = 1, undetermined 1; P = 2 / (2 + 1) = 0.67 (the no-access alarm is left out).
    # Net3 v2: one alarm, no leak found: P = 0 / 1 = 0.
    rows = [
        ("Net3 v1", "network_leak", "leak_repaired"),
        ("Net3 v1", "network_leak", "no_leak_found"),
        ("Net3 v1", "network_leak", "leak_repaired"),
        ("Net3 v1", "network_leak", "no_access"),
        ("Net3 v2", "network_leak", "no_leak_found"),
    ]
    by_model = precision_by(rows)
    first = by_model["Net3 v1"]
    assert (first.true, first.false, first.undetermined, first.closed) == (2, 1, 1, 4)
    assert first.precision is not None and round(first.precision, 2) == 0.67
    assert by_model["Net3 v2"].precision == 0.0
    overall = precision_of((kind, outcome) for _model, kind, outcome in rows)
    assert overall.precision == 0.5  # 2 true of 4 judged
