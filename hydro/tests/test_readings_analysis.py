"""DMA balance, night flow and customer anomalies on Hongxing's two hand-worked days (see readings_cases)."""

import datetime
import math

import ibis
import pandas as pd
import pytest

from hydro.readings.analysis import (
    AnomalySettings,
    NightFlowSettings,
    Period,
    anomalies_by_group,
    anomalies_frame,
    customer_anomalies,
    dma_balance,
    execute,
    night_flow,
    night_flow_alarms,
    read_zones,
)
from hydro.tests import readings_cases

TWO_DAYS = Period.parse("2024-03-01..2024-03-02")
# Two days cannot hold the defaults (72 h of zeros for a stuck meter, a floor raised for 72 h for a leak,
# a gap of 6 h): the hand-worked cases use 12 h, 48 h and 3 h.
TEST_ANOMALY_SETTINGS = AnomalySettings(stuck_hours=12.0, continuous_flow_hours=48.0, gap_hours=3.0)


@pytest.fixture
def tables(tmp_path):
    connection = ibis.duckdb.connect()
    readings = connection.create_table("readings", readings_cases.readings_frame())
    (tmp_path / "zones.csv").write_text(readings_cases.ZONES_CSV)
    zones = connection.create_table("zones", read_zones(tmp_path / "zones.csv"))
    return connection, readings, zones


def rounded(frame: pd.DataFrame, digits: int = 6) -> list[tuple]:
    """Rows as tuples, floats rounded and a missing value (the flow of an event that is not a leak) as None."""
    return [
        tuple(
            (None if math.isnan(value) else round(value, digits)) if isinstance(value, float) else value
            for value in row
        )
        for row in frame.itertuples(index=False)
    ]


def test_a_period_is_a_month_or_a_span_of_days_or_months():
    assert Period.parse("2024-03") == Period(datetime.datetime(2024, 3, 1), datetime.datetime(2024, 4, 1))
    assert Period.parse("2024-02-28..2024-03-01") == Period(
        datetime.datetime(2024, 2, 28), datetime.datetime(2024, 3, 2)
    )
    assert Period.parse("2024-12..2025-01").months() == ["2024-12", "2025-01"]
    with pytest.raises(ValueError, match="is not a period"):
        Period.parse("March")


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


def nights_of(values: list[float]) -> pd.DataFrame:
    nights = [datetime.date(2024, 3, 1) + datetime.timedelta(days=day) for day in range(len(values))]
    return pd.DataFrame({"dma_id": "HX", "night": nights, "mnf_m3_per_h": values})


BASELINE = [10.0, 10.2, 9.8, 10.0, 10.1, 9.9, 10.0]
A_WEEK_OF_BASELINE = NightFlowSettings(baseline_nights=7)


def test_a_step_in_night_flow_raises_an_alarm_on_its_first_night():
    # Baseline median 10.0 m³/h, MAD 0.1 → 1.4826 × 0.1 = 0.148 below the floor 2 % × 10 = 0.2: σ = 0.2;
    # (11 − 10) / 0.2 − 0.5 = 4.5 > 4 on night 8.
    alarms = night_flow_alarms(nights_of([*BASELINE, 11.0, 11.0, 11.0]), A_WEEK_OF_BASELINE)
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 8), datetime.date(2024, 3, 8), 1.0)
    ]


def test_a_small_rise_is_caught_by_accumulation_with_the_date_it_began():
    # (10.4 − 10) / 0.2 − 0.5 = 1.5 a night: S = 1.5, 3.0, 4.5 > 4 on the third night (10 March),
    # the rise having begun on 8 March.
    alarms = night_flow_alarms(nights_of([*BASELINE, 10.4, 10.4, 10.4, 10.4]), A_WEEK_OF_BASELINE)
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 8), datetime.date(2024, 3, 10), 0.4)
    ]


def test_night_flow_within_its_usual_wobble_raises_no_alarm():
    assert night_flow_alarms(nights_of([*BASELINE, 10.1, 9.9, 10.2, 9.8, 10.0]), A_WEEK_OF_BASELINE).empty


def test_customer_anomalies_of_each_kind(tables):
    connection, readings, zones = tables
    customers = zones.filter(zones.role == "customer").select("meter_id")
    result = anomalies_by_group(connection, readings, TWO_DAYS, TEST_ANOMALY_SETTINGS, customers)
    day1, day2, day3 = (datetime.datetime(2024, 3, day) for day in (1, 2, 3))
    hour = datetime.timedelta(hours=1)
    assert rounded(result) == [
        # 1 m³/h for 4 h against a mean of 4.8 / 48 = 0.1 m³/h: 4 × 0.9 = 3.6 m³, confidence 4 / 6.
        ("C-BURST", "burst", day2 + 10 * hour, day2 + 14 * hour, 3.6, 0.67, None, False),
        # 44 hours stored hold 0.8 m³: 0.01818 m³/h × 4 h missing = 0.073 m³.
        ("C-GAP", "gap", day1 + 12 * hour, day1 + 16 * hour, 0.073, 1.0, None, False),
        # Its least hour is 10 L/h on both days: a usual floor of 10 L/h is itself a leak, measured from zero;
        # raised for 48 h from the first hour, still running at the end: 0.01 × 48 = 0.48 m³. Confidence:
        # logit = −0.77 + 3.18 × (2 − 48/24) + 0.33 × ln(0.01 / 0.005) = −0.5413, 1 / (1 + e^0.5413) = 0.37.
        ("C-LEAK", "continuous_flow", day1, day3, 0.48, 0.37, 0.01, True),
        # −0.02 m³ at 03:00 and 04:00: 0.04 m³ backwards, confidence 2 / 3.
        ("C-REVERSE", "reverse", day1 + 3 * hour, day1 + 5 * hour, 0.04, 0.67, None, False),
        # 0.05 m³/h for a day is one raised day, not a leak (48 h needed); then 24 h of zeros up to its last
        # reading against 0.05 m³/h before: 1.2 m³ unregistered, confidence 24 / (2 × 12), still stuck.
        ("C-STUCK", "stuck", day2, day3, 1.2, 1.0, None, True),
    ]


def test_anomalies_found_a_few_meters_at_a_time_are_those_found_at_once(tables):
    connection, readings, zones = tables
    customers = zones.filter(zones.role == "customer").select("meter_id")
    at_once = anomalies_by_group(connection, readings, TWO_DAYS, TEST_ANOMALY_SETTINGS, customers)
    # Groups of two meters: three groups for the six customers, and the hand-worked events above.
    in_groups = anomalies_by_group(connection, readings, TWO_DAYS, TEST_ANOMALY_SETTINGS, customers, group_meters=2)
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


def test_a_zone_file_with_an_unknown_role_names_its_row(tmp_path):
    (tmp_path / "zones.csv").write_text("meter_id,dma_id,role\nHX-IN,HX,inflow\nC-1,HX,consumer\n")
    with pytest.raises(ValueError, match=r"zones\.csv: row 3, column role: 'consumer' is not one of"):
        read_zones(tmp_path / "zones.csv")


def test_the_default_baseline_is_two_weeks_of_nights():
    # Fourteen quiet nights, then a step of 1 m³/h on the fifteenth (σ held at 2 % of 10 m³/h: z − k = 4.5 > 4).
    alarms = night_flow_alarms(nights_of([*BASELINE, *BASELINE, 11.0]))
    assert list(alarms.itertuples(index=False, name=None)) == [
        ("HX", datetime.date(2024, 3, 15), datetime.date(2024, 3, 15), 1.0)
    ]
    assert night_flow_alarms(nights_of([*BASELINE, 11.0, 11.0])).empty  # nine nights: no baseline yet
