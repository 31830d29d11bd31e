"""A stuck meter and a household away, told apart by the DMA balance (`hydro.readings.stuck_balance`).

The worked case: a DMA of three households over 14 days from Monday
2024-03-04, losses 0.1 m³/h (2.4 m³/d), and an inflow meter that reads
+0.05 m³ too much on even days and 0.05 m³ too little on odd ones (its
noise, in the day's first hour). Households A and B use 0.02 m³/h
(0.48 m³/d), C 0.024 m³/h. A's meter sticks on days 3–6 (it shows zeros,
the water still flows); B is away on days 8–11 (zeros, no water). By hand,
with b_d = 2.4 ± 0.05 + 0.48 on days 3–6 the daily balance:

- σ = 1.4826 · median |Δb| / √2 = 1.4826 · 0.1 / √2 = 0.104835 m³/d (eleven of
  the thirteen differences are ±0.1; the run's edges give 0.38 and 0.58);
- A: its days 3–6 average 2.88; days 0–2 (+, −, +) 2.416667, days 7–13
  (four −, three +) 2.392857; rises 0.463333 and 0.487143 m³/d, standard
  errors σ √(1/4 + 1/3) = 0.080070 and σ √(1/4 + 1/7) = 0.065709; both at
  least 0.5 · 0.48 = 0.24, 3 standard errors, and at most 1.5 · 0.48 + 3 SE:
  stuck, hidden use 0.463333 m³/d (the smaller rise);
- B, with A's 0.48 m³/d taken out of days 3–6: days 8–11 average 2.40, days
  1–7 2.392857 and days 12–13 2.40; rises 0.007143 and 0 (standard error
  σ √(1/4 + 1/2) = 0.090790): away.
"""

from __future__ import annotations

import dataclasses
import json

import ibis
import numpy as np
import pandas as pd
import pytest

from hydro.cli import main
from hydro.readings.analysis import AnomalySettings, customer_findings_by_group
from hydro.readings.balance import dma_balance
from hydro.readings.engine import execute
from hydro.readings.periods import Period
from hydro.readings.realistic import RealisticSettings, generate_realistic_county
from hydro.readings.stuck_balance import BalanceTest, balance_noise, hidden_use

START = pd.Timestamp("2024-03-04")
DAYS = 14
LOSSES_M3_PER_H = 0.1
STUCK_DAYS, AWAY_DAYS = (3, 7), (8, 12)  # [first, last) days


def day_noise() -> np.ndarray:
    return np.where(np.arange(DAYS) % 2 == 0, 0.05, -0.05)


def worked_readings() -> tuple[pd.DataFrame, pd.DataFrame]:
    hours = pd.date_range(START, periods=DAYS * 24, freq="h")
    day = np.arange(hours.size) // 24
    a_true = np.full(hours.size, 0.02)
    a_read = np.where((day >= STUCK_DAYS[0]) & (day < STUCK_DAYS[1]), 0.0, a_true)
    b_true = np.where((day >= AWAY_DAYS[0]) & (day < AWAY_DAYS[1]), 0.0, 0.02)
    c_true = np.full(hours.size, 0.024)
    inflow = a_true + b_true + c_true + LOSSES_M3_PER_H + np.where(hours.hour == 0, day_noise()[day], 0.0)
    volumes = {"DMA-IN": inflow, "H-A": a_read, "H-B": b_true, "H-C": c_true}
    readings = pd.concat(
        [
            pd.DataFrame({"meter_id": meter, "timestamp": hours, "duration_s": 3600, "volume_m3": np.round(values, 3)})
            for meter, values in volumes.items()
        ],
        ignore_index=True,
    )
    zones = pd.DataFrame(
        {"meter_id": list(volumes), "dma_id": "DMA", "role": ["inflow", "customer", "customer", "customer"]}
    )
    return readings, zones


def test_the_noise_of_the_worked_balance_is_worked_out_by_hand():
    balance = 2.4 + day_noise() + np.where((np.arange(DAYS) >= 3) & (np.arange(DAYS) < 7), 0.48, 0.0)
    assert balance_noise(balance) == pytest.approx(1.4826 * 0.1 / np.sqrt(2), abs=1e-9)


def test_the_stuck_meter_shows_in_the_balance_and_the_household_away_does_not():
    in_days = np.arange(DAYS)
    balance = pd.DataFrame(
        {
            "dma_id": "DMA",
            "day": START + pd.to_timedelta(in_days, unit="D"),
            "balance_m3": 2.4 + day_noise() + np.where((in_days >= 3) & (in_days < 7), 0.48, 0.0),
        }
    )
    runs = pd.DataFrame(
        {
            "dma_id": "DMA",
            "meter_id": ["H-A", "H-B"],
            "start": [START + pd.Timedelta(days=3), START + pd.Timedelta(days=8)],
            "end": [START + pd.Timedelta(days=7), START + pd.Timedelta(days=12)],
            "usual_m3_per_h": [0.02, 0.02],
        }
    )
    known = runs.iloc[0:0]
    judged = hidden_use(balance, runs, known, BalanceTest(share=0.5, sigmas=3.0, window_days=7))
    assert judged.stuck.tolist() == [True, False]
    assert judged.hidden_m3_per_d.tolist() == pytest.approx([0.463333, 0.0], abs=1e-6)
    assert judged.standard_error_m3_per_d.tolist() == pytest.approx([0.080070, 0.090790], abs=1e-6)
    assert judged.usual_m3_per_d.tolist() == pytest.approx([0.48, 0.48])


def test_a_rise_at_one_end_only_is_not_a_stuck_meter():
    # The balance steps up by 0.48 m³/d on day 8 and stays there (a main begins to leak while B is away):
    # B's days rise over the days before but not over days 12–13 after, so B is not called stuck.
    in_days = np.arange(DAYS)
    balance = pd.DataFrame(
        {
            "dma_id": "DMA",
            "day": START + pd.to_timedelta(in_days, unit="D"),
            "balance_m3": 2.4 + day_noise() + np.where(in_days >= 8, 0.48, 0.0),
        }
    )
    runs = pd.DataFrame(
        {
            "dma_id": ["DMA"],
            "meter_id": ["H-B"],
            "start": [START + pd.Timedelta(days=8)],
            "end": [START + pd.Timedelta(days=12)],
            "usual_m3_per_h": [0.02],
        }
    )
    assert hidden_use(balance, runs, runs.iloc[0:0]).stuck.tolist() == [False]


def test_a_run_cut_by_the_period_s_start_is_not_judged():
    # B is away on days 0–3, from the period's first day, and a main leaking 0.48 m³/d is repaired on day 4:
    # the run's days average 2.88 against 2.407143 after (days 4–10, four + and three −), a rise of
    # 0.472857 m³/d, 7.2 standard errors (σ √(1/4 + 1/7) = 0.065709, σ = 1.4826 · 0.1 / √2 = 0.104836). On that
    # end alone it would be called stuck; with no days before it to compare, it is not judged.
    in_days = np.arange(DAYS)
    balance = pd.DataFrame(
        {
            "dma_id": "DMA",
            "day": START + pd.to_timedelta(in_days, unit="D"),
            "balance_m3": 2.4 + day_noise() + np.where(in_days < 4, 0.48, 0.0),
        }
    )
    runs = pd.DataFrame(
        {
            "dma_id": ["DMA"],
            "meter_id": ["H-B"],
            "start": [START],
            "end": [START + pd.Timedelta(days=4)],
            "usual_m3_per_h": [0.02],
        }
    )
    judged = hidden_use(balance, runs, runs.iloc[0:0], BalanceTest(share=0.5, sigmas=3.0, window_days=7))
    assert judged.stuck.tolist() == [False]
    assert np.isnan(judged.hidden_m3_per_d.iloc[0])


def test_the_anomalies_call_the_stuck_meter_and_not_the_household_away():
    readings, zones = worked_readings()
    connection = ibis.duckdb.connect()
    table = connection.create_table("readings", readings)
    zone_table = connection.create_table("zones", zones)
    period = Period.parse("2024-03-04..2024-03-17")
    daily = execute(connection, dma_balance(table, zone_table, period, "day"))
    expected = 2.4 + day_noise() + np.where((np.arange(DAYS) >= 3) & (np.arange(DAYS) < 7), 0.48, 0.0)
    assert daily.nrw_m3.to_numpy() == pytest.approx(expected, abs=1e-9)
    customers = zone_table.filter(zone_table.role == "customer").select("meter_id")
    settings = AnomalySettings()
    found = customer_findings_by_group(connection, table, period, settings, customers, zones=zone_table).anomalies
    stuck = found[found.kind == "stuck"]
    assert stuck.meter_id.tolist() == ["H-A"]
    assert (stuck.start.iloc[0], stuck.end.iloc[0]) == (START + pd.Timedelta(days=3), START + pd.Timedelta(days=7))
    assert stuck.volume_m3.tolist() == pytest.approx([1.92])  # 0.02 m³/h over the 96 h it showed nothing
    assert "zero_run" not in set(found.kind)
    without_zones = customer_findings_by_group(connection, table, period, settings, customers).anomalies
    assert "stuck" not in set(without_zones.kind)  # no balance: both runs that ended are households away


EXACT_DMA = dataclasses.replace(
    RealisticSettings(),
    dma_count=1,
    customers_per_dma=60,
    days=30,
    coarse_meter_share=0.0,
    missing_rate=(0.0, 0.0),
    duplicate_rate=0.0,
    clock_shift_share=0.0,
    loss_share=(0.0, 0.0),
    main_leak_probability=0.0,
    unmetered_events_per_month=0.0,
    inflow_bias=(0.0, 0.0),
    inflow_noise=(0.0, 0.0),
    inflow_resolution_m3=0.001,
)
"""One DMA of 60 households read whole, with no losses, an exact inflow meter and 1 L registers everywhere."""


def test_the_inflow_meter_sees_the_water_a_stuck_meter_does_not():
    # No losses, an exact inflow meter and exact 1 L customer registers: the daily balance is the use of the
    # households whose meters are stuck (and nothing else happens to these meters).
    settings = dataclasses.replace(EXACT_DMA, kinds=("stuck",))
    county = generate_realistic_county(settings, seed=11)
    readings = county.readings.merge(county.zones, on="meter_id")
    daily = readings.groupby([readings.timestamp.dt.floor("D"), "role"]).volume_m3.sum().unstack()
    balance = daily.inflow - daily.customer
    stuck_days = pd.Series(False, index=balance.index)
    for episode in county.episodes.itertuples():
        stuck_days |= (balance.index + pd.Timedelta(days=1) > episode.start) & (balance.index < episode.end)
    assert len(county.episodes) == 6
    assert balance[~stuck_days].abs().max() < 0.03
    assert (balance[stuck_days] > 0.03).mean() >= 0.9


def test_the_command_judges_runs_of_zeros_with_the_zones_and_its_flags(tmp_path, capsys):
    readings, zones = worked_readings()
    lines = ["meter_id,timestamp,volume_m3"] + [
        f"{row.meter_id},{row.timestamp:%Y-%m-%d %H:%M},{row.volume_m3}" for row in readings.itertuples(index=False)
    ]
    (tmp_path / "readings.csv").write_text("\n".join(lines) + "\n")
    zones.to_csv(tmp_path / "zones.csv", index=False)
    store = tmp_path / "store"
    assert main(["readings", "import", str(tmp_path / "readings.csv"), "--store", str(store)]) == 0
    command = ["readings", "anomalies", "--store", str(store), "--zones", str(tmp_path / "zones.csv")]
    command += ["--period", "2024-03-04..2024-03-17", "--json"]

    def stuck_meters(*flags: str) -> list[str]:
        capsys.readouterr()
        assert main([*command, *flags]) == 0
        return [row["meter_id"] for row in json.loads(capsys.readouterr().out) if row["kind"] == "stuck"]

    assert stuck_meters() == ["H-A"]
    # A's smaller rise, 0.463 m³/d, is short of its whole usual use, 1.0 · 0.48 m³/d
    assert stuck_meters("--stuck-balance-share", "1.0") == []


def test_the_leak_on_a_main_is_labelled_as_the_inflow_meter_sees_it():
    # As above, with no stuck meter (bursts are metered, so they leave the balance) and a leak on the main
    # for certain: the daily balance is the labelled rate times the leak's hours of that day, and zero
    # otherwise, to the registers' 1 L (the truth night-flow alarms are scored against).
    settings = dataclasses.replace(EXACT_DMA, kinds=("burst",), main_leak_probability=1.0)
    county = generate_realistic_county(settings, seed=11)
    (leak,) = county.mains_leaks.itertuples(index=False)
    assert leak.dma_id == "DMA-01" and leak.start < leak.end
    readings = county.readings.merge(county.zones, on="meter_id")
    daily = readings.groupby([readings.timestamp.dt.floor("D"), "role"]).volume_m3.sum().unstack()
    balance = daily.inflow - daily.customer
    day_starts = pd.Series(balance.index)
    overlap = day_starts.clip(lower=leak.start, upper=leak.end) - (day_starts + pd.Timedelta(days=1)).clip(
        lower=leak.start, upper=leak.end
    )
    expected = -leak.rate_m3_per_h * (overlap / pd.Timedelta(hours=1)).to_numpy(float)
    assert np.allclose(balance.to_numpy(float), expected, atol=0.03)
    assert (expected > 0.2).sum() >= 1  # the leak shows: 1–5 % of about 0.9 m³/h for at least one day
