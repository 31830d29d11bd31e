"""Leak localisation on data as real networks deliver it: sensor drop-outs, and the months that test it."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hydro.network.detection import (
    Detection,
    LeakWatch,
    WatchOutcome,
    WindowSequence,
    placed_beside_another,
    training_threshold,
    watch_outcome,
)
from hydro.network.localisation import LocatedLeak, sensitivity_matrices, sensitivity_matrix
from hydro.network.locate import locate_leaks, submission_csv
from hydro.network.model import load_network, pipe_distances
from hydro.network.residuals import snapshot_time_s, window_means, window_starts
from hydro.network.scenarios import (
    HELD_OUT_SEEDS,
    TUNING_SEEDS,
    ScenarioSettings,
    diversify_patterns,
    realistic_settings,
    sensor_faults,
)
from hydro.network.sensors import SensorData, read_sensor_layout
from hydro.network.simulation import LeakSpec, SimulationResult, simulate

DATA = Path(__file__).parents[1] / "network" / "data"


def test_a_sensor_that_read_in_under_half_a_window_has_no_mean_for_it():
    index = pd.date_range("2019-01-01 00:00", periods=8, freq="5min")
    table = pd.DataFrame(
        {
            "full": [1.0, 2.0, 3.0, 4.0, 9.0, 9.0, 9.0, 9.0],
            "half": [1.0, np.nan, 3.0, np.nan, 9.0, 9.0, 9.0, 9.0],
            "quarter": [1.0, np.nan, np.nan, np.nan, 9.0, 9.0, 9.0, 9.0],
        },
        index=index,
    )
    means = window_means(table, 0, 4, "window")  # the window 00:00–00:20 (steps 0–3)
    assert list(means.index) == [pd.Timestamp("2019-01-01 00:00")]
    row = means.iloc[0]
    assert row["full"] == pytest.approx(2.5)  # (1 + 2 + 3 + 4) / 4
    assert row["half"] == pytest.approx(2.0)  # two of four steps read: (1 + 3) / 2
    assert np.isnan(row["quarter"])  # one of four: below the 50 % coverage, missing


def test_a_window_with_a_sensor_missing_is_matched_on_the_sensors_that_read():
    network = load_network("Net3")
    layout = read_sensor_layout(DATA / "Net3.sensors.yaml")
    matrix = sensitivity_matrix(network, layout.pressures, 3 * 3600, pipes=["171", "123", "239", "317"], workers=1)
    signatures = matrix.signatures()
    missing = int(np.argmax(np.abs(signatures[1])))  # the sensor pipe 123's leak moves most drops out
    present = np.ones(len(layout.pressures), dtype=bool)
    present[missing] = False
    vector = signatures[1] * 2.5 * present  # the window's residual, the missing reading taken as 0
    sequence = WindowSequence([pd.Timestamp("2019-01-01")], [0], vector[None, :], vector[None, :], present[None, :])
    masked = LeakWatch(sequence, [signatures], lambda model, mask: signatures * mask)
    statistic, _, size = masked.statistic(range(1))
    # over the sensors that read, the residual is 2.5 times the signature: size 2.5 and T = 2.5²·|s_present|²
    assert int(np.argmax(statistic)) == 1
    assert size[1] == pytest.approx(2.5)
    assert statistic[1] == pytest.approx(6.25 * float((signatures[1] * present) @ (signatures[1] * present)))
    # taking the missing reading for a zero change instead undersizes the leak
    unmasked = LeakWatch(replace(sequence, present=None), [signatures])
    assert unmasked.statistic(range(1))[2][1] < 2.4


def test_on_l_town_a_leak_is_found_through_sensor_and_meter_drop_outs():
    """The noise-free L-TOWN month of test_network_locate, with readings lost as head-ends lose them.

    The sensor nearest the leak (n1, 140 m from p257) reads nothing from 2 January 08:00 to
    20:00, across the leak's start; one inflow meter loses 20 minutes during the leak's first
    window, and a training sensor loses a day. The leak is still placed within 300 m and raised
    within 6 h 40 min, as without the drop-outs.
    """
    network = load_network("L-TOWN")
    layout = read_sensor_layout(DATA / "L-TOWN.sensors.yaml")
    leak = LeakSpec("p257", pd.Timestamp("2019-01-02 12:00"), diameter_m=0.012)
    training = simulate(copy.deepcopy(network), layout, [], 14, pd.Timestamp("2018-12-18"))
    test = simulate(copy.deepcopy(network), layout, [leak], 4, pd.Timestamp("2019-01-01"))
    pressures, flows = test.pressures.copy(), test.flows.copy()
    distances = pipe_distances(network, "p257", network.pipe_name_list)
    nearest_sensor = layout.pressures[0]

    def between(index: pd.Index, first: str, last: str) -> np.ndarray:
        return np.asarray((index >= pd.Timestamp(first)) & (index <= pd.Timestamp(last)))

    pressures.loc[between(pressures.index, "2019-01-02 08:00", "2019-01-02 20:00"), nearest_sensor] = np.nan
    flows.loc[between(flows.index, "2019-01-02 12:10", "2019-01-02 12:30"), flows.columns[0]] = np.nan
    train_pressures = training.pressures.copy()
    train_pressures.loc[between(train_pressures.index, "2018-12-20 00:00", "2018-12-20 23:55"), layout.pressures[5]] = (
        np.nan
    )
    train_data = SensorData(train_pressures, training.flows, training.levels)
    test_data = SensorData(pressures, flows, test.levels)
    nearest = sorted(distances, key=distances.__getitem__)[:40]
    from hydro.network.detection import calibrate

    starts = window_starts(calibrate(network, train_data).window_start)
    matrices = sensitivity_matrices(
        network, layout.pressures, [snapshot_time_s(start) for start in starts], pipes=nearest, workers=1
    )
    result = locate_leaks(network, test_data, train_data, matrices=matrices)
    assert len(result.leaks) == 1
    found = result.leaks[0]
    assert distances[found.pipe_id] <= 300.0
    assert pd.Timestamp("2019-01-02 12:00") < found.detected_at <= pd.Timestamp("2019-01-02 18:40")
    assert all(np.isfinite(value) for value in found.pressure_residual_m.values())


def test_the_estimated_start_is_written_beside_the_alarm_and_never_after_it():
    alarm = pd.Timestamp("2019-01-03 09:00")
    early = LocatedLeak("171", alarm, alarm, pd.Timestamp("2019-01-02 12:00"), 5.0)
    late = LocatedLeak("123", alarm, alarm, pd.Timestamp("2019-01-03 10:00"), 5.0)
    assert submission_csv([early, late]) == (
        "pipe_id,start_time,estimated_start_time\n171,2019-01-03 09:00,2019-01-02 12:00\n"
        "123,2019-01-03 09:00,2019-01-03 09:00\n"
    )


def test_tuning_and_held_out_months_are_apart_and_each_has_its_own_settings():
    assert not set(TUNING_SEEDS) & set(HELD_OUT_SEEDS)
    assert len(HELD_OUT_SEEDS) == 10
    settings = [realistic_settings(seed) for seed in HELD_OUT_SEEDS]
    assert len({(s.districts, s.pressure_noise_m, s.diameters_m) for s in settings}) == 10
    for month in settings:  # the ranges the module notes give
        assert 0.10 <= month.model_spread <= 0.20 and 4 <= month.districts <= 12
        assert 0.006 <= month.diameters_m[0] < month.diameters_m[1] <= 0.016
        assert 0 <= month.offset_jumps <= 2 and month.dropouts_per_sensor_day > 0


def test_each_district_draws_on_its_own_shifted_copy_of_the_patterns():
    network = load_network("L-TOWN")
    original = np.asarray(network.get_pattern("P-Residential").multipliers, dtype=float)
    settings = ScenarioSettings(districts=4, pattern_shift_hours=1.0, pattern_swing_spread=0.0)
    districts = diversify_patterns(network, np.random.default_rng(7), settings)
    assert set(districts.values()) == {0, 1, 2, 3}
    shifts = set()
    for district in range(4):
        varied = np.asarray(network.get_pattern(f"P-Residential-D{district}").multipliers, dtype=float)
        # with the swing unscaled, a copy is the pattern rolled by at most an hour (12 five-minute steps)
        matches = [shift for shift in range(-12, 13) if np.allclose(np.roll(original, shift), varied)]
        assert matches
        shifts.add(matches[0])
    assert len(shifts) > 1
    junction, district = next(iter(districts.items()))
    names = {demand.pattern_name for demand in network.get_node(junction).demand_timeseries_list}
    assert f"P-Residential-D{district}" in names and "P-Industrial" in names  # a flat pattern is kept


def test_sensor_faults_add_offsets_jumps_and_drop_outs():
    index = pd.date_range("2019-01-01", periods=10 * 288, freq="5min")
    zeros = pd.DataFrame(0.0, index=index, columns=["a", "b"])
    result = SimulationResult(zeros, zeros[["a"]], zeros[["b"]], zeros.iloc[:, :0], zeros.iloc[:, :0])
    settings = ScenarioSettings(
        pressure_noise_m=0.0, flow_noise_share=0.0, level_noise_m=0.0, dropouts_per_sensor_day=0.5,
        dropout_hours=(1.0, 2.0),
    )  # fmt: skip
    offsets = pd.Series({"a": 0.4, "b": -0.2})
    jump_at = pd.Timestamp("2019-01-05")
    faulty = sensor_faults(result, np.random.default_rng(3), settings, offsets, [("a", jump_at, 0.25)])
    pressures = faulty.pressures
    assert pressures["a"][pressures.index < jump_at].dropna().unique() == pytest.approx([0.4])
    assert pressures["a"][pressures.index >= jump_at].dropna().unique() == pytest.approx([0.65])
    assert pressures["b"].dropna().unique() == pytest.approx([-0.2])
    # about 0.5 runs a day of 1–2 h on each sensor: some readings lost, most kept
    lost = float(pressures.isna().to_numpy().mean())
    assert 0.005 < lost < 0.15
    assert faulty.flows.isna().any().any()


def _spread_signatures() -> np.ndarray:
    """Four candidates over ten sensors, each moving every sensor (a leak moves its whole zone)."""
    sensors = np.arange(10)
    return np.array([-(1.0 + 0.8 * np.cos(0.7 * candidate + sensors)) for candidate in range(4)])


def _watch(vectors: np.ndarray, signatures: np.ndarray, steps: bool = False) -> list[Detection]:
    """The watch's alarms over whitened windows (σ = 1, nothing projected out), with or without the sensors' steps."""
    return _outcome(vectors, signatures, steps).detections


def _outcome(vectors: np.ndarray, signatures: np.ndarray, steps: bool = False) -> WatchOutcome:
    ends = list(pd.date_range("2019-01-01 04:00", periods=len(vectors), freq="4h"))
    sequence = WindowSequence(ends, [0] * len(vectors), vectors, vectors)

    def localise(detection: Detection, known: list[int]) -> Detection:
        return replace(detection, pipe_index=int(np.argmax(detection.statistic)))

    return watch_outcome(
        sequence, [signatures], localise, masked=lambda model, present: signatures * present,
        masked_residual=lambda window, present: vectors[window] * present,
        steps=(lambda model, present: np.diag(present.astype(float))) if steps else None,
    )  # fmt: skip


def test_a_sensor_whose_offset_jumps_is_taken_out_not_reported_as_a_leak():
    signatures = _spread_signatures()
    signatures[0] = -1.0
    signatures[0, 3] = -np.sqrt(0.96 * 9)  # candidate 0 moves sensor 3 most: cosine with e_3 of 0.70
    jump = np.zeros((12, 10))
    jump[4:, 3] = -6.0  # sensor 3 reads 6 spreads lower from the fifth window on, the others as before
    # Unchecked, candidate 0 explains 0.70² of it: T = 6 windows × 6² × 0.49 ≈ 106 over a day, an
    # alarm; without sensor 3 nothing is left (T = 0, under 12 % of it) and no candidate fits it
    # with a similarity of 0.8, so the sensor is taken out instead.
    assert _watch(jump, signatures) == []
    # a leak on candidate 2 of the same strength at sensor 3 moves every sensor, and is reported
    # once its second window confirms the first (`CONFIRMING_WINDOWS`)
    leak = np.zeros((12, 10))
    leak[4:] = signatures[2] * (6.0 / abs(signatures[2][3]))
    detections = _watch(leak, signatures)
    assert [(d.pipe_index, d.alarm_window) for d in detections] == [(2, 5)]


def test_a_sensor_whose_offset_jumps_up_is_taken_out_and_a_later_leak_is_raised_on_time():
    # Sensor 3 reads 6 spreads higher from window 4 on. A leak only lowers pressures, so no candidate explains
    # it (every T_c = 0); a step of sensor 3 alone does: T = 6² = 36 at window 4, over 35 and over every
    # leak's, 72 over windows 4–5 and 108 over 4–6, so at window 6, the third in a row, the sensor is taken
    # out from window 4 on. A leak on candidate 2 from
    # window 8, of size a with a²·|s_2|² = 20 over the other nine sensors, then crosses at 9 (T = 40, the run
    # 8–9) and again at 10 (60): raised at window 10, as if the sensor had never jumped.
    signatures = _spread_signatures()
    others = np.ones(10)
    others[3] = 0.0
    size = np.sqrt(20.0 / float((signatures[2] * others) @ (signatures[2] * others)))
    vectors = np.zeros((16, 10))
    vectors[4:, 3] = 6.0
    vectors[8:] += size * signatures[2]
    assert [(d.pipe_index, d.alarm_window) for d in _watch(vectors, signatures, steps=True)] == [(2, 10)]
    # sensor 3, from window 4 on: what the analyst is told to check
    assert _outcome(vectors, signatures, steps=True).left_out == {3: 4}
    # Left in, the step takes half the weight of each window (w = 2·10 / 36 while no leak runs) and cancels
    # part of the leak's fall at sensor 3, which candidate 2 moves most (−0.75 a against −0.32 a for
    # candidate 1): the leak is raised two windows later, on candidate 1.
    assert [(d.pipe_index, d.alarm_window) for d in _watch(vectors, signatures)] == [(1, 12)]


def test_the_strongest_run_is_the_largest_statistic_over_the_runs_ending_at_the_window():
    # The run's sums are built once, window by window backwards; they must give what `statistic` gives over
    # each run from scratch, with a leak already fitted out and a sensor missing from one window.
    signatures = _spread_signatures()
    vectors = np.random.default_rng(7).normal(0, 1, (10, 10)) + 3.0 * signatures[1]
    present = np.ones((10, 10), dtype=bool)
    present[6, 4] = False
    ends = list(pd.date_range("2019-01-01 04:00", periods=10, freq="4h"))
    leak_watch = LeakWatch(
        WindowSequence(ends, [0] * 10, vectors, vectors, present), [signatures],
        lambda model, mask: signatures * mask, lambda window, mask: vectors[window] * mask,
    )  # fmt: skip
    leak_watch.known = [1]
    # runs of 1 to 6 windows (a day) ending at window 8: first windows 8 down to 3
    by_run = {first: float(leak_watch.statistic(range(first, 9))[0].max()) for first in range(3, 9)}
    best = max(by_run, key=lambda first: by_run[first])
    value, first = leak_watch.strongest_run(8, 2)
    assert (value, first) == (pytest.approx(by_run[best]), best)


def test_a_leak_that_moves_one_sensor_most_is_still_a_leak_when_steps_are_tested():
    # The leak of the test above on candidate 2, from window 4 and at full strength: its signature moves every
    # sensor, so it fits better than a step of any one of them and is raised as before the steps were tested.
    signatures = _spread_signatures()
    vectors = np.zeros((12, 10))
    vectors[4:] = signatures[2] * (6.0 / abs(signatures[2][3]))
    assert [(d.pipe_index, d.alarm_window) for d in _watch(vectors, signatures, steps=True)] == [(2, 5)]


def test_a_found_leak_that_is_gone_for_two_days_is_no_longer_fitted_out():
    signatures = _spread_signatures()
    vectors = np.zeros((30, 10))
    vectors[2:4] = signatures[1] * 4.0  # a transient (a false alarm's cause): two windows
    vectors[18:] = signatures[1] * 4.0  # from window 18 a leak at the same place, for good
    detections = _watch(vectors, signatures)
    # raised at window 3, the transient's second; fitted size 0 over windows 4–15 (twelve windows,
    # two days): candidate 1 is let go, so the leak from window 18 is found again at window 19
    # instead of being soaked up by the first alarm's fit
    assert [(d.pipe_index, d.alarm_window) for d in detections] == [(1, 3), (1, 19)]


def test_one_window_over_the_threshold_is_not_an_alarm_two_in_a_row_are():
    signatures = _spread_signatures()
    norm = float(signatures[2] @ signatures[2])
    blip = np.zeros((12, 10))
    # T_2 = 60 in window 5 alone (say a day of one district's demand up): its runs cross 35, but at
    # window 6 the strongest run, windows 5–6, holds T = (√60·|s|)² / (2 |s|²) = 30 < 35: no alarm
    blip[5] = signatures[2] * np.sqrt(60.0 / norm)
    assert _watch(blip, signatures) == []
    # the same change for good crosses at window 5 (T = 60) and again at 6 (T = 120): raised at 6
    leak = np.zeros((12, 10))
    leak[5:] = signatures[2] * np.sqrt(60.0 / norm)
    assert [(d.pipe_index, d.alarm_window) for d in _watch(leak, signatures)] == [(2, 6)]


def test_the_threshold_is_twice_the_largest_statistic_of_the_training_windows():
    signatures = _spread_signatures()
    norm = float(signatures[0] @ signatures[0])
    vectors = np.zeros((6, 10))
    vectors[2] = signatures[0] * np.sqrt(30.0 / norm)  # T_0 = 30 in one window; no run does more
    ends = list(pd.date_range("2018-12-18 04:00", periods=6, freq="4h"))
    sequence = WindowSequence(ends, [0] * 6, vectors, vectors)
    assert training_threshold(sequence, [signatures]) == pytest.approx(60.0)
    assert training_threshold(replace(sequence, vectors=vectors * 0.5, raw=vectors * 0.5), [signatures]) == 35.0


def test_a_new_leak_is_tested_on_what_the_known_leaks_signatures_do_not_explain():
    # Worked by hand ([SCHARF-1994] §IV): known leak A with s_A = (1, 1, 0), new leak B with
    # s_B = (1, 0, 1) of size 4, so v = (4, 0, 4). A's fitted size is v·s_A / |s_A|² = 2, leaving
    # u = (2, −2, 4). B's signature outside A's span is s_B⊥ = s_B − ½·s_A = (½, −½, 1), |s_B⊥|² = 1.5,
    # and s_B⊥·u = 6: T_B = 6² / 1.5 = 24 and B's size 6 / 1.5 = 4, the leak's own. Against the whole
    # s_B (|s_B|² = 2) it would be T_B = 18 and a size of 3: the part of B that A's fit took was lost.
    signatures = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    vector = 4.0 * signatures[1]
    watch_ = LeakWatch(
        WindowSequence([pd.Timestamp("2019-01-01")], [0], vector[None, :], vector[None, :]), [signatures]
    )
    watch_.known.append(0)
    statistic, _, size = watch_.statistic(range(1))
    assert statistic[1] == pytest.approx(24.0)
    assert size[1] == pytest.approx(4.0)
    assert statistic[0] == 0.0  # the known leak itself has nothing left to test


def _one_window_watch(vector: np.ndarray, signatures: np.ndarray) -> tuple[LeakWatch, Detection]:
    # sixteen sensors, twelve of them unmoved: 2n = 32 is over the 25 no single leak explains, so no window
    # is weighted down (`window_weight`)
    vector = np.pad(vector, (0, 12))
    signatures = np.pad(signatures, ((0, 0), (0, 12)))
    watch_ = LeakWatch(
        WindowSequence([pd.Timestamp("2019-01-01")], [0], vector[None, :], vector[None, :]), [signatures]
    )
    statistic, energy, size = watch_.statistic(range(1))
    return watch_, Detection(0, 0, statistic, energy, size, pipe_index=int(np.argmax(statistic)))


def _argmax_localise(detection: Detection, known: list[int]) -> Detection:
    index = int(np.argmax(detection.statistic))
    return replace(detection, pipe_index=index, merged=index in known)


def test_an_alarm_of_two_overlapping_leaks_is_placed_on_one_of_them_not_between():
    # Worked by hand ([ZISKIND-1988], one step of alternating projection). Leaks on A, s_A = (1, 0, 0, 0),
    # of size 12 and on B, s_B = (0, 1, 0, 0), of size 6 run together: v = (12, 6, 0, 0). Pipe C between
    # them moves both, s_C = (1, 1, 0.3, 0), |s_C|² = 2.09. As one leak: T_A = 144, T_B = 36 and
    # T_C = 18² / 2.09 = 155.0, so the alarm is placed on C, on neither leak.
    signatures = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [1.0, 1.0, 0.3, 0]])
    watch_, detection = _one_window_watch(np.array([12.0, 6.0, 0, 0]), signatures)
    assert detection.pipe_index == 2
    assert detection.statistic[2] == pytest.approx(18**2 / 2.09)
    # With C fitted out, A's part outside C, s_A − s_C / 2.09, gives s_A⊥·v = 12 − 18 / 2.09 = 3.388 and
    # |s_A⊥|² = 1 − 1 / 2.09: T_A = 22.0, over half the threshold of 35, so A is the other leak. With A
    # fitted out, u = (0, 6, 0, 0): T_B = 36 against T_C = 6² / 1.09 = 33.0 (s_C⊥ = (0, 1, 0.3, 0)): B.
    placed = placed_beside_another(watch_, detection, range(1), _argmax_localise)
    assert placed.pipe_index == 1
    assert placed.statistic[1] == pytest.approx(36.0)
    assert placed.statistic[2] == pytest.approx(36 / 1.09)
    assert watch_.known == []  # the watch's known leaks are as they were


def test_an_alarm_of_one_leak_stays_where_it_was_placed():
    # A leak on C alone, v = 6·s_C: with C fitted out nothing is left (T = 0, under half of 35)
    signatures = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [1.0, 1.0, 0.3, 0]])
    watch_, detection = _one_window_watch(6.0 * signatures[2], signatures)
    assert placed_beside_another(watch_, detection, range(1), _argmax_localise) is detection


def test_the_watch_places_an_overlapping_alarm_on_one_leak_then_raises_the_other():
    # The two leaks of the test above, A of size 12 and B of size 6, both from window 4 (sixteen sensors, so no
    # window is weighted down). T_C = 155.0 per window crosses 35 at window 4 and again at 5: alarm at 5 on
    # the run from 4, placed on B as worked above (each sum over the 8 windows 4–11 is 8 × the one-window one).
    # B fitted out from then on leaves u = (12, 0, 0, 0): T_A = 144 against T_C = 12² / 1.09 = 132.1
    # (s_C⊥ = (1, 0, 0.3, 0)), so A crosses at 6 and again at 7: its own alarm at 7.
    signatures = np.pad(np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [1.0, 1.0, 0.3, 0]]), ((0, 0), (0, 12)))
    vectors = np.zeros((12, 16))
    vectors[4:, :2] = (12.0, 6.0)
    detections = _watch(vectors, signatures)
    assert [(d.pipe_index, d.alarm_window) for d in detections] == [(1, 5), (0, 7)]
