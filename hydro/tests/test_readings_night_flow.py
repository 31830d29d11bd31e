"""Minimum night flow on Hongxing's two hand-worked days (see readings_cases), and the CUSUM alarms on its rise."""

import datetime

import ibis
import numpy as np
import pandas as pd
import pytest

from hydro.readings.engine import execute
from hydro.readings.night_flow import (
    NightFlowSettings,
    change_point,
    night_flow,
    night_flow_alarms,
    night_to_night_sigma,
)
from hydro.readings.periods import Period
from hydro.tests.readings_cases import rounded

TWO_DAYS = Period.parse("2024-03-01..2024-03-02")
ALLOWANCE_ONLY = NightFlowSettings(metered_night_use=False)


def test_the_minimum_night_flow_and_leakage_of_each_night_by_allowance(tables):
    connection, readings, zones = tables
    result = execute(connection, night_flow(readings, zones, TWO_DAYS, ALLOWANCE_ONLY))
    # Hongxing's net inflow is 0.6 − 0.2 = 0.4 m³/h at 02:00 and 0.5 − 0.2 = 0.3 at 03:00: MNF 0.3 m³/h;
    # five connections at 1.7 L/h use 0.0085 m³/h, leaving 0.2915 m³/h of leakage.
    # Fenghuang: 0.2 m³/h, one connection 0.0017 m³/h, leakage 0.1983 m³/h. No customer is metered: U = MNF.
    assert rounded(result) == [
        ("FH", datetime.date(2024, 3, 1), 0.2, 0.0017, 0.1983, 0.2),
        ("FH", datetime.date(2024, 3, 2), 0.2, 0.0017, 0.1983, 0.2),
        ("HX", datetime.date(2024, 3, 1), 0.3, 0.0085, 0.2915, 0.3),
        ("HX", datetime.date(2024, 3, 2), 0.3, 0.0085, 0.2915, 0.3),
    ]


def test_night_use_of_customers_read_hourly_is_measured(tables):
    connection, readings, zones = tables
    result = execute(connection, night_flow(readings, zones, TWO_DAYS))
    # Every customer is read hourly. Hongxing, first night: C-LEAK 0.01 and C-STUCK 0.05 m³/h at 02:00 (0.06),
    # and C-REVERSE −0.02 at 03:00 (0.04); Q − C = 0.4 − 0.06 = 0.34 and 0.3 − 0.04 = 0.26: U = 0.26 m³/h, all
    # leakage (no unmetered connection), legitimate 0.3 − 0.26 = 0.04. Second night C-STUCK shows zero:
    # C = 0.01 at both hours, U = 0.29, legitimate 0.01. Fenghuang's C-GAP uses nothing at night: U = 0.2.
    assert rounded(result) == [
        ("FH", datetime.date(2024, 3, 1), 0.2, 0.0, 0.2, 0.2),
        ("FH", datetime.date(2024, 3, 2), 0.2, 0.0, 0.2, 0.2),
        ("HX", datetime.date(2024, 3, 1), 0.3, 0.04, 0.26, 0.26),
        ("HX", datetime.date(2024, 3, 2), 0.3, 0.01, 0.29, 0.29),
    ]


def test_night_flow_as_a_mean_with_a_dma_s_own_allowance(tables):
    connection, readings, zones = tables
    settings = NightFlowSettings(statistic="mean", night_use_by_dma={"HX": 10.0}, metered_night_use=False)
    result = execute(connection, night_flow(readings, zones.filter(zones.dma_id == "HX"), TWO_DAYS, settings))
    # Mean of 0.4 and 0.3 = 0.35 m³/h; five connections at 10 L/h = 0.05 m³/h; leakage 0.3 m³/h.
    assert rounded(result)[0] == ("HX", datetime.date(2024, 3, 1), 0.35, 0.05, 0.3, 0.35)


def test_a_customer_reading_missing_at_night_is_taken_at_the_mean_of_those_read():
    # DMA D: inflow 0.5 m³/h at 02:00 and 0.6 at 03:00; customers A (0.02 at both hours) and B (0.04 at 03:00;
    # its 02:00 reading lost). At 02:00 one of the two customers read hourly reports 0.02, so the two are taken
    # to use 2 × 0.02 = 0.04: Q − C = 0.46 (0.48 if B's use were taken as nothing). At 03:00 Q − C =
    # 0.6 − 0.06 = 0.54. U = min = 0.46 m³/h; no connection is unmetered, so leakage is U.
    start = pd.Timestamp("2024-03-01 02:00")
    readings = pd.DataFrame(
        [
            ("D-IN", start, 0.5),
            ("D-IN", start + pd.Timedelta(hours=1), 0.6),
            ("A", start, 0.02),
            ("A", start + pd.Timedelta(hours=1), 0.02),
            ("B", start + pd.Timedelta(hours=1), 0.04),
        ],
        columns=["meter_id", "timestamp", "volume_m3"],
    ).assign(duration_s=3600)
    zones = pd.DataFrame(
        [("D-IN", "D", "inflow"), ("A", "D", "customer"), ("B", "D", "customer")],
        columns=["meter_id", "dma_id", "role"],
    )
    connection = ibis.duckdb.connect()
    stored, zone_table = connection.create_table("r", readings), connection.create_table("z", zones)
    result = execute(connection, night_flow(stored, zone_table, Period.parse("2024-03-01..2024-03-01")))
    assert rounded(result) == [("D", datetime.date(2024, 3, 1), 0.5, 0.04, 0.46, 0.46)]


def nights_of(values: list[float]) -> pd.DataFrame:
    nights = [datetime.date(2024, 3, 1) + datetime.timedelta(days=day) for day in range(len(values))]
    return pd.DataFrame({"dma_id": "HX", "night": nights, "mnf_m3_per_h": values})


BASELINE = [10.0, 10.2, 9.8, 10.0, 10.1, 9.9, 10.0]
A_WEEK_OF_BASELINE = NightFlowSettings(baseline_nights=7)


def test_a_step_in_night_flow_raises_an_alarm_on_its_second_night():
    # Baseline median 10.0 m³/h, MAD 0.1 → 1.4826 × 0.1 = 0.148 below the floor 2 % × 10 = 0.2. Night to
    # night the series moves by 0.2, 0.4, 0.2, 0.1, 0.2, 0.1, 1.0, 0, 0 m³/h: median 0.2, σ_Δ = 1.4826 × 0.2 / √2
    # = 0.2097, so σ = 0.2097. (11 − 10) / σ = 4.8 counts as at most c = 3: S = 3 − 0.75 = 2.25 on night 8,
    # 4.5 > 4 on night 9. The rise is the median of nights 8–9 less the baseline, 1.0 m³/h.
    alarms = night_flow_alarms(nights_of([*BASELINE, 11.0, 11.0, 11.0]), A_WEEK_OF_BASELINE)
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 8), datetime.date(2024, 3, 9), 1.0)
    ]


def test_one_night_of_a_flushing_raises_no_alarm():
    # A mains flushing lifts night 8 to 15 m³/h (z = 25 with σ = 0.2): it counts 3 − 0.75 = 2.25 < 4, then the
    # sum falls back by 0.75 a night. Unclipped, it would have been 24.25 > 4: an alarm for water that was no leak.
    assert night_flow_alarms(nights_of([*BASELINE, 15.0, 10.0, 10.0, 10.0]), A_WEEK_OF_BASELINE).empty


def test_a_flushing_on_a_rise_s_first_night_does_not_inflate_the_rise():
    # Night 8 a flushing (15 m³/h), then 10.4. Night to night: 0.2, 0.4, 0.2, 0.1, 0.2, 0.1, 5.0, 4.6, 0: median
    # 0.2, σ = σ_Δ = 1.4826 × 0.2 / √2 = 0.2097. The flushing counts 3 − 0.75 = 2.25, each 10.4 counts
    # 0.4 / 0.2097 − 0.75 = 1.157: S = 2.25, 3.41, 4.56 > 4 on 10 March, from 8 March. The rise is the median of
    # 15, 10.4, 10.4 less 10: 0.4 m³/h (their mean would have made it 1.93).
    alarms = night_flow_alarms(nights_of([*BASELINE, 15.0, 10.4, 10.4]), A_WEEK_OF_BASELINE)
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 8), datetime.date(2024, 3, 10), 0.4)
    ]


def test_a_small_rise_is_caught_by_accumulation_with_the_date_it_began():
    # Night-to-night moves 0.2, 0.4, 0.2, 0.1, 0.2, 0.1, 0.4, 0, 0, 0: median 0.15, σ_Δ = 0.157 < 0.2 = σ.
    # (10.4 − 10) / 0.2 − 0.75 = 1.25 a night: S = 1.25, 2.5, 3.75, 5.0 > 4 on the fourth night (11 March),
    # the rise having begun on 8 March.
    alarms = night_flow_alarms(nights_of([*BASELINE, 10.4, 10.4, 10.4, 10.4]), A_WEEK_OF_BASELINE)
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 8), datetime.date(2024, 3, 11), 0.4)
    ]


def test_a_step_after_nights_a_little_high_is_dated_from_its_first_night():
    # Four nights at 10.16 (0.8 σ with σ = 0.2; night to night the series moves by 0.13 in the median, σ_Δ =
    # 0.136) add 0.8 − 0.75 = 0.05 each: the sum never falls back to zero. Then 11 m³/h: 3 − 0.75 = 2.25 a
    # night, S = 0.2 + 2.25 + 2.25 = 4.7 > 4 on 13 March. The CUSUM's run began on 8 March, but of the splits
    # of its nights z = 0.8, 0.8, 0.8, 0.8, 3, 3 the most likely step starts at the first 3: (3 + 3)² / 2 = 18
    # against 9.2² / 6 = 14.1 for the whole run. The rise is the median of 12–13 March less 10: 1.0 m³/h.
    alarms = night_flow_alarms(nights_of([*BASELINE, 10.16, 10.16, 10.16, 10.16, 11.0, 11.0]), A_WEEK_OF_BASELINE)
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 12), datetime.date(2024, 3, 13), 1.0)
    ]
    assert change_point(np.array([0.8, 0.8, 0.8, 0.8, 3.0, 3.0])) == 4
    # A rise that holds from the run's first night is dated from it.
    assert change_point(np.array([2.0, 2.0, 2.0])) == 0


def test_nights_that_swing_more_than_the_baseline_did_widen_sigma():
    # Then eight nights alternating 10.5 and 10.0. With the baseline's σ = 0.2 they would count 1.75 and −0.75:
    # S = 1.75, 1.0, 2.75, 2.0, 3.75, 3.0, 4.75 > 4 on the seventh, an alarm for no rise. Night to night the
    # series moves by 0.2, 0.4, 0.2, 0.1, 0.2, 0.1 and eight times 0.5: median 0.5, σ_Δ = 1.4826 × 0.5 / √2
    # = 0.524, so 10.5 counts (0.5 / 0.524) − 0.75 = 0.20 and 10.0 resets the sum: no alarm.
    swinging = [10.5, 10.0] * 4
    assert night_flow_alarms(nights_of([*BASELINE, *swinging]), A_WEEK_OF_BASELINE).empty
    assert night_to_night_sigma(np.array([*BASELINE, *swinging])) == pytest.approx(1.4826 * 0.5 / np.sqrt(2))


def test_night_flow_within_its_usual_wobble_raises_no_alarm():
    assert night_flow_alarms(nights_of([*BASELINE, 10.1, 9.9, 10.2, 9.8, 10.0]), A_WEEK_OF_BASELINE).empty


def test_the_default_baseline_is_two_weeks_of_nights():
    # Fourteen quiet nights, then a step of 1 m³/h from the fifteenth (each night counts at most
    # 3 − 0.75 = 2.25, so S = 4.5 > 4 on the sixteenth).
    alarms = night_flow_alarms(nights_of([*BASELINE, *BASELINE, 11.0, 11.0]))
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 15), datetime.date(2024, 3, 16), 1.0)
    ]
    assert night_flow_alarms(nights_of([*BASELINE, 11.0, 11.0])).empty  # nine nights: no baseline yet


def test_a_leak_whose_nights_dip_once_is_one_alarm():
    # Night to night 0.2, 0.4, 0.2, 0.1, 0.2, 0.1, then 1, 0, 1, 1, 0, 0: median 0.2, σ = σ_Δ = 0.2097. The step
    # to 11 m³/h raises the alarm on 9 March as above. On 10 March the night is back at 10 (z = 0 ≤ k = 0.75): one
    # quiet night, and an alarm ends only after two in a row. Over the alarm's rise r̂ = 1.0 / 0.2097 = 4.77 σ the
    # nights after add min(z − r̂, 3) − 0.75 < 0: no further rise. Ended on the first quiet night, the DMA would
    # have been alarmed again on 12 March for the same leak.
    alarms = night_flow_alarms(nights_of([*BASELINE, 11.0, 11.0, 10.0, 11.0, 11.0, 11.0]), A_WEEK_OF_BASELINE)
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 8), datetime.date(2024, 3, 9), 1.0)
    ]


def test_a_rise_after_two_quiet_nights_is_a_new_alarm():
    # The same σ = 0.2097 (night-to-night moves 1, 0, 1, 0, 1, 0 after the baseline's: median 0.2). The leak is
    # repaired: 10 and 11 March are back at 10, two quiet nights, and the alarm ends. A leak from 12 March sums
    # 2.25, 4.5 > 4 and raises a second alarm on 13 March.
    alarms = night_flow_alarms(nights_of([*BASELINE, 11.0, 11.0, 10.0, 10.0, 11.0, 11.0]), A_WEEK_OF_BASELINE)
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 8), datetime.date(2024, 3, 9), 1.0),
        ("HX", datetime.date(2024, 3, 12), datetime.date(2024, 3, 13), 1.0),
    ]


def test_a_further_rise_during_an_alarm_is_a_new_alarm():
    # Night to night the series moves by the baseline's six, then 1, 0, 2, 0, 0, 0: median 0.1, so σ is the floor,
    # 2 % × 10 = 0.2. The step to 11 is alarmed on 9 March with r̂ = 1.0 / 0.2 = 5 σ. From 10 March the nights are
    # at 13, z = 15: over r̂ each counts min(15 − 5, 3) − 0.75 = 2.25, so the further-rise sum is 2.25, 4.5, 6.75,
    # 9.0 > 8 on 13 March. Its rise began on 10 March (the whole run is at 3 σ) and is 13 − 10 = 3.0 m³/h over
    # the baseline.
    alarms = night_flow_alarms(nights_of([*BASELINE, 11.0, 11.0, 13.0, 13.0, 13.0, 13.0]), A_WEEK_OF_BASELINE)
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 8), datetime.date(2024, 3, 9), 1.0),
        ("HX", datetime.date(2024, 3, 10), datetime.date(2024, 3, 13), 3.0),
    ]


def test_a_leak_after_a_small_rise_is_dated_from_its_own_first_night():
    # Night to night 0.2, 0.4, 0.2, 0.1, 0.2, 0.1, 0.46, 0.34, 1.18, 0: median 0.2, σ = σ_Δ = 0.2097. The nights
    # stand 2.19, 0.57, 6.2 and 6.2 σ over 10: S = 1.44, 1.26, 3.51, 5.76 > 4 on 11 March, the CUSUM's run from
    # 8 March. Counted at most c = 3 the run's split cannot tell the leak from the small rise before it
    # (8.76² / 4 = 19.2 for the whole run against 6² / 2 = 18 from 10 March); counted at most 6 it can
    # (14.76² / 4 = 54.5 against 12² / 2 = 72). The rise is the median of 10–11 March less 10: 1.3 m³/h, not the
    # 0.88 of the whole run.
    alarms = night_flow_alarms(nights_of([*BASELINE, 10.46, 10.12, 11.3, 11.3]), A_WEEK_OF_BASELINE)
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 10), datetime.date(2024, 3, 11), 1.3)
    ]


def test_a_flushing_after_a_night_a_little_high_raises_no_alarm():
    # Night to night: the baseline's six, then 0.8, 4.2, 5.0, 0, 0: median 0.2, σ = σ_Δ = 0.2097. Night 8 (10.8,
    # z = 3.8) counts 3 − 0.75 = 2.25; night 9 a flushing (15, z = 23.8 > 10) would take the sum to 4.5 > 4, but it
    # stands alone so far above the rest, and the alarm waits a night. Night 10 is back at 10 (z = 0 ≤ 0.75): the
    # flushing counts for nothing, S = 2.25 − 0.75 = 1.5, then 0.75, 0, 0. Before, an alarm of 2.9 m³/h was raised.
    assert night_flow_alarms(nights_of([*BASELINE, 10.8, 15.0, 10.0, 10.0, 10.0]), A_WEEK_OF_BASELINE).empty


def test_a_flushing_on_a_leak_s_second_night_delays_the_alarm_a_night_and_does_not_size_it():
    # Night to night: the baseline's six, then 1, 4, 4, 0: median 0.2, σ = 0.2097. The leak (11, z = 4.77) counts
    # 2.25 on 8 March; the flushing on 9 March (z = 23.8) stands alone and waits; 10 March is at 11 again, not
    # quiet, so the sum 4.5 + 2.25 = 6.75 raises the alarm then. Dated with nights counted at most 6 σ (4.77, 6,
    # 4.77) the rise began on 8 March; it is the median of 11, 15, 11 less 10: 1.0 m³/h. Before, the alarm came
    # on 9 March sized 13 − 10 = 3.0 m³/h.
    alarms = night_flow_alarms(nights_of([*BASELINE, 11.0, 15.0, 11.0, 11.0]), A_WEEK_OF_BASELINE)
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 8), datetime.date(2024, 3, 10), 1.0)
    ]
