"""DMA balance and customer anomalies on Hongxing's two hand-worked days (see readings_cases)."""

import datetime
from dataclasses import replace

import ibis
import numpy as np
import pandas as pd

from hydro.readings.analysis import (
    AnomalySettings,
    anomalies_frame,
    customer_findings_by_group,
)
from hydro.readings.anomaly_rules import customer_anomalies
from hydro.readings.balance import dma_balance, rolled_up_balance
from hydro.readings.customer_leaks import daily_floors
from hydro.readings.engine import execute
from hydro.readings.periods import Period
from hydro.tests.readings_cases import rounded

TWO_DAYS = Period.parse("2024-03-01..2024-03-02")
# Two days cannot hold the defaults (72 h of zeros for a stuck meter, a floor raised for 72 h for a leak,
# a gap of 6 h): the hand-worked cases use 12 h, 48 h and 3 h.
TEST_ANOMALY_SETTINGS = AnomalySettings(stuck_hours=12.0, continuous_flow_hours=48.0, gap_hours=3.0)


def readings_of(rows: list[tuple]) -> tuple:
    """A DuckDB connection and its readings table of ``(meter_id, timestamp, duration_s, volume_m3)`` rows."""
    columns = ("meter_id", "timestamp", "duration_s", "volume_m3")
    frame = {name: [row[position] for row in rows] for position, name in enumerate(columns)}
    connection = ibis.duckdb.connect()
    return connection, connection.create_table("readings", ibis.memtable(frame).to_pyarrow())


def test_the_monthly_balance_of_each_dma(tables):
    connection, readings, zones = tables
    result = execute(connection, dma_balance(readings, zones, Period.parse("2024-03")))
    # Hongxing: inflow 2 × (22 × 1.0 + 0.6 + 0.5) = 46.2 m³; outflow 48 × 0.2 = 9.6 m³;
    # customers 0.86 + 0.8 + 4.8 + 1.2 + 0.76 = 8.42 m³; NRW = 46.2 − 9.6 − 8.42 = 28.18 m³ = 76.9945 % of 36.6 m³.
    # Fenghuang: inflow 9.6 m³ (Hongxing's outflow), C-GAP 0.8 m³: NRW 8.8 m³ = 91.6667 %.
    assert rounded(result, 4) == [
        ("FH", datetime.date(2024, 3, 1), 9.6, 0.0, 0.8, 8.8, 91.6667),
        ("HX", datetime.date(2024, 3, 1), 46.2, 9.6, 8.42, 28.18, 76.9945),
    ]


def test_the_daily_balance_of_a_dma(tables):
    connection, readings, zones = tables
    result = execute(connection, dma_balance(readings, zones.filter(zones.dma_id == "HX"), TWO_DAYS, "day"))
    # Day 1 customers 0.43 + 0.4 + 0.4 + 1.2 + 0.36 = 2.79; day 2 0.43 + 0.4 + 4.4 + 0 + 0.4 = 5.63 m³.
    assert rounded(result, 4) == [
        ("HX", datetime.date(2024, 3, 1), 23.1, 4.8, 2.79, 15.51, 84.7541),
        ("HX", datetime.date(2024, 3, 2), 23.1, 4.8, 5.63, 12.67, 69.235),
    ]


def test_the_month_s_balance_summed_from_its_days_is_the_monthly_balance(tables):
    connection, readings, zones = tables
    month = Period.parse("2024-03")
    daily = execute(connection, dma_balance(readings, zones, month, "day"))
    # The same hand-worked month as above, summed from the two days: Hongxing 46.2 − 9.6 − 8.42 = 28.18 m³
    # (76.9945 % of 36.6 m³), Fenghuang 9.6 − 0.8 = 8.8 m³ (91.6667 %); "period" dates it the period's first day.
    expected = [
        ("FH", datetime.date(2024, 3, 1), 9.6, 0.0, 0.8, 8.8, 91.6667),
        ("HX", datetime.date(2024, 3, 1), 46.2, 9.6, 8.42, 28.18, 76.9945),
    ]
    assert rounded(rolled_up_balance(daily, month, "month"), 4) == expected
    assert rounded(rolled_up_balance(daily, month, "period"), 4) == expected
    # A DMA into which no net water entered has no NRW percentage, as in dma_balance.
    outflow_only = daily.assign(inflow_m3=0.0)
    assert rolled_up_balance(outflow_only, month, "period").nrw_pct.isna().all()


def test_customer_anomalies_of_each_kind(tables):
    connection, readings, zones = tables
    customers = zones.filter(zones.role == "customer").select("meter_id")
    result = customer_findings_by_group(connection, readings, TWO_DAYS, TEST_ANOMALY_SETTINGS, customers).anomalies
    day1, day2, day3 = (datetime.datetime(2024, 3, day) for day in (1, 2, 3))
    hour = datetime.timedelta(hours=1)
    assert rounded(result) == [
        # 1 m³/h for 4 h against a mean of 4.8 / 48 = 0.1 m³/h: 4 × 0.9 = 3.6 m³, score 4 / 6 = 0.67, in the
        # band (0.5, 0.8] of bursts: confidence 0.95 (hydro.readings.alarm_confidence.DEFAULT_TABLE).
        ("C-BURST", "burst", day2 + 10 * hour, day2 + 14 * hour, 3.6, 0.95, None, False),
        # 44 hours stored hold 0.8 m³: 0.01818 m³/h × 4 h missing = 0.073 m³; a gap scores 1: confidence 0.99.
        ("C-GAP", "gap", day1 + 12 * hour, day1 + 16 * hour, 0.073, 0.99, None, False),
        # Its least hour is 10 L/h on both days: a usual floor of 10 L/h is itself a leak, measured from zero;
        # raised for 48 h from the first hour, still running at the end: 0.01 × 48 = 0.48 m³. Confidence:
        # logit = −0.77 + 3.18 × (2 − 48/24) + 0.33 × ln(0.01 / 0.005) = −0.5413, 1 / (1 + e^0.5413) = 0.37.
        ("C-LEAK", "continuous_flow", day1, day3, 0.48, 0.37, 0.01, True),
        # −0.02 m³ at 03:00 and 04:00: 0.04 m³ backwards, score 2 / 3: confidence 0.95.
        ("C-REVERSE", "reverse", day1 + 3 * hour, day1 + 5 * hour, 0.04, 0.95, None, False),
        # 0.05 m³/h for a day is one raised day, not a leak (48 h needed); then 24 h of zeros up to its last
        # reading against 0.05 m³/h before: 1.2 m³ unregistered, score 24 / (2 × 12) = 1, still stuck:
        # confidence 0.68.
        ("C-STUCK", "stuck", day2, day3, 1.2, 0.68, None, True),
    ]


def test_anomalies_found_a_few_meters_at_a_time_are_those_found_at_once(tables):
    connection, readings, zones = tables
    customers = zones.filter(zones.role == "customer").select("meter_id")
    at_once = customer_findings_by_group(connection, readings, TWO_DAYS, TEST_ANOMALY_SETTINGS, customers).anomalies
    # Groups of two meters: three groups for the six customers, and the hand-worked events above.
    in_groups = customer_findings_by_group(
        connection, readings, TWO_DAYS, TEST_ANOMALY_SETTINGS, customers, group_meters=2
    ).anomalies
    assert len(at_once) == 5
    assert rounded(in_groups) == rounded(at_once)


def test_missing_readings_at_the_ends_of_the_period_are_gaps(tables):
    connection, readings, _zones = tables
    three_days = Period.parse("2024-02-29..2024-03-02")
    meters = ibis.memtable({"meter_id": ["C-NORMAL"]})
    result = anomalies_frame(connection.execute(customer_anomalies(readings, three_days, meters=meters)))
    # 29 February has no readings: a 24 h gap at 0.8 / 48 m³/h = 0.4 m³.
    assert rounded(result) == [
        ("C-NORMAL", "gap", datetime.datetime(2024, 2, 29), datetime.datetime(2024, 3, 1), 0.4, 1.0, None, False)
    ]


def test_an_index_read_again_after_a_silence_is_a_gap_over_its_long_interval():
    # An index file's meter read hourly (0.1 m³ an hour), silent from 06:00 until 14:00, then read hourly again:
    # the store gives one interval 06:00–14:00 of 0.8 m³, eight times the meter's shortest interval (1 h), so
    # a gap 06:00–14:00. Its water is the meter's mean, 2.4 m³ / 24 h × 8 h = 0.8 m³. A meter read once a
    # day (24 h intervals, its shortest) is not in a gap for that.
    day = datetime.datetime(2024, 3, 1)
    hourly = [("C-IDX", day + datetime.timedelta(hours=hour), 3600, 0.1) for hour in [*range(6), *range(14, 24)]]
    rows = [*hourly, ("C-IDX", day + datetime.timedelta(hours=6), 8 * 3600, 0.8)]
    rows += [("C-DAY", day + datetime.timedelta(days=offset), 86_400, 0.5) for offset in range(2)]
    connection, readings = readings_of(rows)
    period = Period.parse("2024-03-01..2024-03-01")
    expected = [("C-IDX", "gap", day + datetime.timedelta(hours=6), day + datetime.timedelta(hours=14), 0.8, 1.0)]
    by_expression = anomalies_frame(connection.execute(customer_anomalies(readings, period, TEST_ANOMALY_SETTINGS)))
    assert [row[:6] for row in rounded(by_expression)] == expected
    by_series = customer_findings_by_group(
        connection, readings, period, TEST_ANOMALY_SETTINGS, confidence_table=None
    ).anomalies
    assert [row[:6] for row in rounded(by_series)] == expected


def test_a_meter_read_daily_and_once_more_is_not_in_a_gap_every_day():
    # An index file's meter read at midnight (0.5 m³ a day), replaced (换表) at 09:30 on the 3rd: the store
    # gives the 3rd as two intervals, 9.5 h and 14.5 h. Were its shortest interval, 9.5 h, its usual one, each
    # of its other days (24 h ≥ 2 × 9.5 h) would stand for readings lost: a gap every day. Only 2 of its 5
    # intervals are under twice that shortest, so its usual interval is the shortest of the rest, 24 h. The
    # reads closing the 4th and the 5th are lost: the interval from the 4th covers 72 h, two readings lost
    # (AnomalySettings.gap_lost_readings), a gap of 72 h at the meter's mean, (2 × 0.5 + 0.2 + 0.3 + 1.5) m³ / 144 h × 72 h
    # = 1.5 m³. C-ONE, read the same way, loses the read closing the 5th only: one day without a reading, as
    # an hourly meter's lost hour, is not a gap.
    day = datetime.datetime(2024, 3, 1)
    rows = [("C-DAY", day + datetime.timedelta(days=offset), 86_400, 0.5) for offset in (0, 1)]
    rows += [
        ("C-DAY", day + datetime.timedelta(days=2), 34_200, 0.2),
        ("C-DAY", day + datetime.timedelta(days=2, hours=9.5), 52_200, 0.3),
        ("C-DAY", day + datetime.timedelta(days=3), 3 * 86_400, 1.5),
    ]
    rows += [("C-ONE", day + datetime.timedelta(days=offset), 86_400, 0.5) for offset in (0, 1, 2, 3)]
    rows += [("C-ONE", day + datetime.timedelta(days=4), 2 * 86_400, 1.0)]
    connection, readings = readings_of(rows)
    period = Period.parse("2024-03-01..2024-03-06")
    expected = [("C-DAY", "gap", day + datetime.timedelta(days=3), day + datetime.timedelta(days=6), 1.5, 1.0)]
    by_expression = anomalies_frame(connection.execute(customer_anomalies(readings, period, TEST_ANOMALY_SETTINGS)))
    assert [row[:6] for row in rounded(by_expression, 4)] == expected
    by_series = customer_findings_by_group(
        connection, readings, period, TEST_ANOMALY_SETTINGS, confidence_table=None
    ).anomalies
    assert [row[:6] for row in rounded(by_series, 4)] == expected
    # A county whose daily meters do not lose single readings now and then may count one lost reading as a
    # gap: C-ONE's 48 h from the 5th, at its mean, (4 × 0.5 + 1.0) m³ / 144 h × 48 h = 1.0 m³.
    one_lost = replace(TEST_ANOMALY_SETTINGS, gap_lost_readings=1)
    expected.append(("C-ONE", "gap", day + datetime.timedelta(days=4), day + datetime.timedelta(days=6), 1.0, 1.0))
    by_expression = anomalies_frame(connection.execute(customer_anomalies(readings, period, one_lost)))
    assert [row[:6] for row in rounded(by_expression, 4)] == expected
    by_series = customer_findings_by_group(connection, readings, period, one_lost, confidence_table=None).anomalies
    assert [row[:6] for row in rounded(by_series, 4)] == expected


def test_meters_read_less_often_than_every_two_hours_are_named_as_not_checked_for_leaks():
    # A day's floor counts with 12 windows of 1 h ending in it (LeakSettings.minimum_windows, window_hours):
    # a meter read every 2 h closes 24 / 2 = 12 a day and is checked; one read every 3 h closes 8, and one
    # read at midnight 1, so their leaks cannot be seen. The daily meter replaced at 09:30 on the 2nd (two
    # intervals, 9.5 h and 14.5 h, of its 5: under half near the shortest) has the usual interval 24 h
    # (`test_a_meter_read_daily_and_once_more_is_not_in_a_gap_every_day`).
    day = datetime.datetime(2024, 3, 1)
    rows = [("C-1H", day + datetime.timedelta(hours=hour), 3600, 0.01) for hour in range(48)]
    rows += [("C-2H", day + datetime.timedelta(hours=hour), 7200, 0.02) for hour in range(0, 48, 2)]
    rows += [("C-3H", day + datetime.timedelta(hours=hour), 10_800, 0.03) for hour in range(0, 48, 3)]
    rows += [
        ("C-DAY", day, 86_400, 0.5),
        ("C-DAY", day + datetime.timedelta(days=1), 34_200, 0.2),
        ("C-DAY", day + datetime.timedelta(days=1, hours=9.5), 52_200, 0.3),
        ("C-DAY", day + datetime.timedelta(days=2), 86_400, 0.5),
        ("C-DAY", day + datetime.timedelta(days=3), 86_400, 0.5),
    ]
    connection, readings = readings_of(rows)
    four_days = Period.parse("2024-03-01..2024-03-04")
    findings = customer_findings_by_group(connection, readings, four_days, group_meters=2)
    unchecked = findings.leak_unchecked
    assert list(unchecked.itertuples(index=False, name=None)) == [("C-3H", 10_800), ("C-DAY", 86_400)]
    floors = execute(connection, daily_floors(readings, AnomalySettings().leak_settings()))
    windows = floors.groupby("meter_id").windows.max().to_dict()
    assert windows == {"C-1H": 24, "C-2H": 12, "C-3H": 8, "C-DAY": 2}  # the day of the replacement: 2
    customers = ibis.memtable({"meter_id": ["C-2H", "C-DAY"]})
    only = customer_findings_by_group(connection, readings, four_days, meters=customers).leak_unchecked
    assert list(only.meter_id) == ["C-DAY"]


def test_an_index_read_one_step_off_is_folded_back_not_taken_for_reverse_flow():
    # C-JIT reads in litres (its smallest volume, 1 L, is its register's step). At 02:00 its index is read
    # one litre low: −1 L, then 3 L where 2 L went through; the next hour gives it back, so it is folded
    # forward (0, 2 L). At 05:00 it reads −1 L after the 2 L of 04:00 took it (read high), and 06:00 holds
    # nothing to give back: folded into 04:00 (1 L, 0). At 07:00 −5 L is more than 1.5 steps, and 09:00–11:00
    # two hours run backwards: both are reverse flow, 5 L and 4 L, and an hour apart, so the analysis makes
    # them one episode (merge_hours), 07:00–11:00 and 9 L; then 1 L an hour.
    # C-STK used 50 L an hour for a day, then stood still to the end, its index flickering one step down at
    # 02:00 on the 3rd and back: without the fold, a reverse flow and a run of zeros cut in two (the part to
    # the end, 44 h, stuck from 04:00 on the 3rd); with it, one stuck run from the 2nd, 72 h at the meter's
    # 1.2 m³ / 24 h outside it: 3.6 m³.
    # C-TEN reads in tens of litres (every volume a whole number of 10 L): at 03:00 it reads −20 L with
    # nothing around to give it back. Two steps back are within the reading's own jitter
    # (reverse_minimum_steps, 2.5): no reverse flow.
    day = datetime.datetime(2024, 3, 1)
    jitter = [0.001, 0.004, -0.001, 0.003, 0.002, -0.001, 0.0, -0.005, 0.010, -0.002, -0.002, 0.003]
    jitter += [0.001] * 84  # to the end of the four days
    rows = [("C-JIT", day + datetime.timedelta(hours=hour), 3600, volume) for hour, volume in enumerate(jitter)]
    stuck = [0.05] * 24 + [0.0] * 72
    stuck[50], stuck[51] = -0.001, 0.001
    rows += [("C-STK", day + datetime.timedelta(hours=hour), 3600, volume) for hour, volume in enumerate(stuck)]
    ten = [0.05, 0.0, 0.0, -0.02, 0.0, 0.03] + [0.01] * 90
    rows += [("C-TEN", day + datetime.timedelta(hours=hour), 3600, volume) for hour, volume in enumerate(ten)]
    connection, readings = readings_of(rows)
    period = Period.parse("2024-03-01..2024-03-04")
    hour = datetime.timedelta(hours=1)
    stuck_run = ("C-STK", "stuck", day + 24 * hour, day + 96 * hour, 3.6)
    by_expression = anomalies_frame(connection.execute(customer_anomalies(readings, period, TEST_ANOMALY_SETTINGS)))
    assert [row[:5] for row in rounded(by_expression)] == [
        ("C-JIT", "reverse", day + 7 * hour, day + 8 * hour, 0.005),
        ("C-JIT", "reverse", day + 9 * hour, day + 11 * hour, 0.004),
        stuck_run,
    ]
    by_series = customer_findings_by_group(
        connection, readings, period, TEST_ANOMALY_SETTINGS, confidence_table=None
    ).anomalies
    assert [row[:5] for row in rounded(by_series)] == [
        ("C-JIT", "reverse", day + 7 * hour, day + 11 * hour, 0.009),
        stuck_run,
    ]


def test_a_reading_lost_in_a_run_of_zeros_does_not_split_it():
    # A meter used 0.05 m³ an hour for a day, then read zero for 3 days to the end of the data, its reading
    # of 12:00 on the 2nd lost (interval files have no row for it). The hole of 1 h, under gap_hours (3 h
    # here), is a lost reading: the run is one, 00:00 on the 2nd to 00:00 on the 5th, 71 h of zeros read, over
    # the 12 h of a stuck meter, to the meter's last reading: stuck. Split at the hole, the stuck meter was
    # dated from 13:00 on the 2nd (59 h, 1.967 m³), and its first 12 h were a run that ended.
    day = datetime.datetime(2024, 3, 1)
    rows = [("C-LOST", day + datetime.timedelta(hours=hour), 3600, 0.05) for hour in range(24)]
    rows += [("C-LOST", day + datetime.timedelta(hours=hour), 3600, 0.0) for hour in range(24, 96) if hour != 36]
    connection, readings = readings_of(rows)
    period = Period.parse("2024-03-01..2024-03-04")
    # the volume is the meter's mean outside the run, 1.2 m³ / 24 h, over the 71 h: 3.55 m³
    expected = [("C-LOST", "stuck", day + datetime.timedelta(days=1), day + datetime.timedelta(days=4), 3.55)]
    by_expression = anomalies_frame(connection.execute(customer_anomalies(readings, period, TEST_ANOMALY_SETTINGS)))
    assert [row[:5] for row in rounded(by_expression)] == expected
    by_series = customer_findings_by_group(
        connection, readings, period, TEST_ANOMALY_SETTINGS, confidence_table=None
    ).anomalies
    assert [row[:5] for row in rounded(by_series)] == expected


def test_hours_many_meters_went_unread_together_do_not_make_a_gap():
    # 20 meters read hourly for two days. A concentrator fails 10:00–14:00 on the 1st: 10 meters unread for
    # those 4 h. The other hours have no meter unread (median 0), so an hour is an outage from 0 + 5 √1 = 5
    # meters on. M-00 also loses 14:00 and 15:00: a hole of 6 h, only 2 h of them outside the outage, under
    # the 6 h of a gap. M-01 is unread 10:00–20:00: 10 h, 6 outside the outage: a gap, over its whole hole.
    day = datetime.datetime(2024, 3, 1)
    unread = {f"M-{number:02d}": range(10, 14) for number in range(10)}
    unread["M-00"], unread["M-01"] = range(10, 16), range(10, 20)
    rows = [
        (f"M-{number:02d}", day + datetime.timedelta(hours=hour), 3600, 0.01)
        for number in range(20)
        for hour in range(48)
        if hour not in unread.get(f"M-{number:02d}", ())
    ]
    connection, readings = readings_of(rows)
    result = customer_findings_by_group(
        connection, readings, Period.parse("2024-03-01..2024-03-02"), confidence_table=None
    ).anomalies
    assert [row[:4] for row in rounded(result)] == [
        ("M-01", "gap", day + datetime.timedelta(hours=10), day + datetime.timedelta(hours=20))
    ]


def test_an_outage_in_an_index_file_does_not_make_a_gap():
    # 20 meters read hourly for two days. M-00 … M-09 report an index: the network drops them at 10:00 on the
    # 1st, and meter k is read again at 18:00 + k h, so its first interval back covers 10:00 to 18:00 + k
    # (8 + k h ≥ 2 h: readings lost, meter_series.LUMPED_FACTOR). Such an interval reads only its last hour,
    # so meter k is unread 10:00 to 17:00 + k: at least 5 meters (0 + 5 √1, the median being 0) are unread
    # in each hour from 10:00 to 21:00 (meters 5 … 9 until 21:00 and later), an outage. Meter k's gap then
    # has max(0, k − 4) ≤ 5 h outside it, under the 6 h of a gap: none is raised. Counted as read, those
    # hours would have made 10 gaps, one per meter.
    day = datetime.datetime(2024, 3, 1)
    rows = []
    for number in range(20):
        back = 18 + number if number < 10 else 10
        rows += [
            (f"M-{number:02d}", day + datetime.timedelta(hours=hour), 3600, 0.01)
            for hour in range(48)
            if not 10 <= hour < back
        ]
        if number < 10:
            rows.append((f"M-{number:02d}", day + datetime.timedelta(hours=10), (back - 10) * 3600, 0.01 * (back - 10)))
    connection, readings = readings_of(rows)
    result = customer_findings_by_group(
        connection, readings, Period.parse("2024-03-01..2024-03-02"), confidence_table=None
    ).anomalies
    assert [row[:4] for row in rounded(result)] == []


def test_gaps_that_three_meters_share_are_a_concentrators():
    # 20 meters read hourly for two days. S-1, S-2 and S-3 (one building's concentrator) are unread from
    # 10:00 to 20:00 on the 1st, 10 h; three meters are under the 5 of an outage hour, but three gaps that
    # begin and end in the same hours are the concentrator's (AnomalySettings.shared_gap_meters): none is
    # raised. T-1 and T-2 are unread from 06:00 to 16:00 on the 2nd: two such gaps are the meters' own.
    day = datetime.datetime(2024, 3, 1)
    unread = {name: range(10, 20) for name in ("S-1", "S-2", "S-3")} | {name: range(30, 40) for name in ("T-1", "T-2")}
    names = [*unread, *(f"M-{number:02d}" for number in range(15))]
    rows = [
        (name, day + datetime.timedelta(hours=hour), 3600, 0.01)
        for name in names
        for hour in range(48)
        if hour not in unread.get(name, ())
    ]
    connection, readings = readings_of(rows)
    result = customer_findings_by_group(
        connection, readings, Period.parse("2024-03-01..2024-03-02"), confidence_table=None
    ).anomalies
    assert [row[:4] for row in rounded(result)] == [
        (name, "gap", day + datetime.timedelta(hours=30), day + datetime.timedelta(hours=40)) for name in ("T-1", "T-2")
    ]


def coarse_register_rows(meter_id: str, days: int, leak_from_day: int, leak_m3_per_h: float) -> list[tuple]:
    """Hourly rows of a register read in steps of 100 L: 0.1 m³ used at 08:00, 13:00 and 20:00 each day, and from
    `leak_from_day` a leak, each hour's volume the whole steps the index passed in it."""
    day = datetime.datetime(2024, 3, 1)
    used = np.zeros(days * 24)
    for hour in (8, 13, 20):
        used[hour::24] = 0.1
    used[leak_from_day * 24 :] += leak_m3_per_h
    steps = np.floor(np.round(np.cumsum(used) / 0.1, 9))
    volumes = np.diff(steps, prepend=0.0) * 0.1
    return [
        (meter_id, day + datetime.timedelta(hours=hour), 3600, round(float(v), 4)) for hour, v in enumerate(volumes)
    ]


def test_a_leak_behind_a_register_read_in_100_litres_is_seen_over_four_hours():
    # 50 L/h from day 5 moves a 100 L register one step every other hour, so every hour alone has a floor of
    # zero: over one hour the leak is not seen. The register's step, 0.1 m³, is more than the 2 × 5 L/h × 1 h
    # that the smallest leak worth a call moves it in an hour (LeakSettings.coarse_window_hours), so its
    # floor is taken over 4 h: two steps in every 4 h from 02:00 on day 5, a floor of 0.2 / 4 = 0.05 m³/h on
    # days 6-9 (the window ending 01:00 on day 5 holds no step yet). Days 0-4 have nights without a step
    # (floor 0, the usual floor). Four raised days, over the 72 h persistence: one leak of 0.05 m³/h, open
    # at the end of the data.
    rows = coarse_register_rows("C-100", 10, 5, 0.05)
    connection, readings = readings_of(rows)
    period = Period.parse("2024-03-01..2024-03-10")
    settings = AnomalySettings(continuous_flow_hours=72.0)
    found = customer_findings_by_group(connection, readings, period, settings, confidence_table=None).anomalies
    leaks = found[found.kind == "continuous_flow"]
    assert leaks[["meter_id", "rate_m3_per_h", "open"]].values.tolist() == [["C-100", 0.05, True]]
    assert leaks.end.tolist() == [pd.Timestamp("2024-03-11")]
    hourly = replace(settings, leak=replace(settings.leak, coarse_window_hours=1))
    found = customer_findings_by_group(connection, readings, period, hourly, confidence_table=None).anomalies
    assert (found.kind != "continuous_flow").all()
