"""The ordered pass over each meter's arrays finds, row for row, what the Ibis window expressions define.

`hydro.readings.meter_series` works the rules of
`hydro.readings.anomaly_rules.customer_anomalies` and
`hydro.readings.customer_leaks.daily_floors` without the engine's window
sorts; here both run on the same readings: a realistic county (missing,
duplicated and clock-shifted readings, 1 L and 10 L registers, every kind of
episode), shuffled so the order has to be made, and with a three-hour floor
window so windows span several intervals.
"""

from __future__ import annotations

import dataclasses

import ibis
import numpy as np
import pandas as pd
import pytest

from hydro.readings import customer_leaks, meter_series
from hydro.readings.analysis import AnomalySettings
from hydro.readings.anomaly_rules import customer_anomalies
from hydro.readings.customer_leaks import LeakSettings
from hydro.readings.periods import Period, in_period
from hydro.readings.realistic import generate_realistic_county, held_out_settings

# Which kinds the settings below find on this draw: checked so the comparison is never of empty tables.
KINDS_FOUND = {"burst", "gap", "reverse", "stuck", "zero_run"}


@pytest.fixture(scope="module")
def county():
    settings = dataclasses.replace(held_out_settings(101), dma_count=1, customers_per_dma=80, days=40)
    county = generate_realistic_county(settings, seed=101)
    start = pd.Timestamp(settings.start)
    period = Period.parse(f"{start:%Y-%m-%d}..{start + pd.Timedelta(days=settings.days - 1):%Y-%m-%d}")
    shuffled = county.readings.sample(frac=1.0, random_state=7).reset_index(drop=True)
    connection = ibis.duckdb.connect()
    return connection, connection.create_table("readings", shuffled), period


def by_key(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable", ignore_index=True)


@pytest.mark.parametrize("zero_runs", [False, True])
def test_the_interval_anomalies_are_those_of_the_expression(county, zero_runs):
    """With `zero_runs`, the runs of zeros that ended (for the DMA balance to judge) are the same rows too."""
    connection, readings, period = county
    settings = AnomalySettings(stuck_hours=24.0, gap_hours=4.0)
    expected = by_key(
        connection.execute(customer_anomalies(readings, period, settings, zero_runs=zero_runs)),
        ["meter_id", "kind", "start_s"],
    )
    series = meter_series.read_series(connection, in_period(readings, period))
    start_s, end_s = (int(pd.Timestamp(moment).timestamp()) for moment in (period.start, period.end))
    events = meter_series.interval_events(series, start_s, end_s, settings, zero_runs)
    found = by_key(events, ["meter_id", "kind", "start_s"])
    assert set(expected.kind) == (KINDS_FOUND if zero_runs else KINDS_FOUND - {"zero_run"})
    pd.testing.assert_frame_equal(found, expected[found.columns], check_dtype=False)


@pytest.mark.parametrize("window_hours", [1, 3])
def test_the_daily_floors_are_those_of_the_expression(county, window_hours):
    connection, readings, period = county
    settings = LeakSettings(window_hours=window_hours)
    selected = in_period(readings, period)
    expected = by_key(connection.execute(customer_leaks.daily_floors(selected, settings)), ["meter_id", "day"])
    found = meter_series.daily_floors(meter_series.read_series(connection, selected), settings)
    assert len(expected) > 2000
    pd.testing.assert_frame_equal(found, expected[found.columns], check_dtype=False, rtol=1e-12)


def test_the_meters_asked_for_are_the_only_ones_read(county):
    connection, readings, period = county
    everyone = meter_series.read_series(connection, in_period(readings, period))
    two = sorted(everyone.names[[3, 40]])
    chosen = meter_series.read_series(connection, in_period(readings, period), two)
    assert sorted(set(chosen.meter_ids(chosen.code))) == two
    assert len(chosen.code) == int(np.isin(everyone.code, [3, 40]).sum())


def test_the_daily_floors_of_coarse_registers_are_those_of_the_expression(county):
    # A third of the meters read again on registers of 100 L (each interval the whole steps its index passed):
    # their windows are LeakSettings.coarse_window_hours long, in the expression and in the ordered pass alike.
    connection, readings, period = county
    frame = connection.execute(in_period(readings, period)).sort_values(["meter_id", "timestamp"], ignore_index=True)
    coarse = frame.meter_id.isin(sorted(frame.meter_id.unique())[::3])
    index = frame[coarse].groupby("meter_id").volume_m3.cumsum()
    steps = np.floor(np.round(index / 0.1, 9))
    frame.loc[coarse, "volume_m3"] = (steps - steps.groupby(frame.meter_id[coarse]).shift(fill_value=0.0)) * 0.1
    table = connection.create_table("coarse_readings", frame)
    settings = LeakSettings()
    expected = by_key(connection.execute(customer_leaks.daily_floors(table, settings)), ["meter_id", "day"])
    series = meter_series.read_series(connection, table)
    assert (meter_series.window_hours_by_code(series, settings) == settings.coarse_window_hours).sum() >= 20
    found = meter_series.daily_floors(series, settings)
    pd.testing.assert_frame_equal(found, expected[found.columns], check_dtype=False, rtol=1e-9, atol=1e-12)
