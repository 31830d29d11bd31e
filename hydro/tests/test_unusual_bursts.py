"""A burst is flow far above what its meter usually draws: a shop's busy lunch is not one."""

import numpy as np
import pandas as pd

from hydro.readings.analysis import AnomalySettings, unusual_bursts

DAY_S = 86_400
HOUR_S = 3_600


def hourly(meter_id: str, flows_by_day: list[list[float]]) -> pd.DataFrame:
    """Hourly intervals of one meter from 1970-01-01, a list of 24 flows [m³/h] per day."""
    flows = np.concatenate([np.asarray(day, dtype=float) for day in flows_by_day])
    return pd.DataFrame(
        {
            "meter_id": meter_id,
            "start_s": np.arange(len(flows)) * HOUR_S,
            "duration_s": HOUR_S,
            "volume_m3": flows,
        }
    )


def day_with(hours: range, flow: float, other: float = 0.0) -> list[float]:
    return [flow if hour in hours else other for hour in range(24)]


def burst(meter_id: str, day: int, first_hour: int, last_hour: int) -> dict:
    return {
        "meter_id": meter_id,
        "kind": "burst",
        "start_s": day * DAY_S + first_hour * HOUR_S,
        "end_s": day * DAY_S + last_hour * HOUR_S,
        "volume_m3": 0.0,
        "confidence": 1.0,
    }


def test_a_shops_busy_lunch_is_not_a_burst_and_a_households_burst_is():
    # The shop draws 0.5 m³/h from 11:00 to 14:00 every day: its usual peak, the median of each day's
    # highest 3-hour mean, is 0.5 m³/h. On day 3 it draws 1.2 m³/h for those hours: 1.2 < 4 × 0.5, kept out.
    shop_days = [day_with(range(11, 14), 0.5) for _ in range(6)]
    shop_days[3] = day_with(range(11, 14), 1.2)
    # The household draws 0.05 m³/h from 18:00 to 21:00 (usual peak 0.05 m³/h); on day 2 a pipe bursts
    # and 1 m³/h flows from 02:00 to 06:00: 1.0 ≥ 4 × 0.05, a burst.
    home_days = [day_with(range(18, 21), 0.05) for _ in range(6)]
    home_days[2] = [1.0 if 2 <= hour < 6 else flow for hour, flow in enumerate(home_days[2])]
    intervals = pd.concat([hourly("SHOP", shop_days), hourly("HOME", home_days)], ignore_index=True)
    events = pd.DataFrame([burst("SHOP", 3, 11, 14), burst("HOME", 2, 2, 6)])
    kept = unusual_bursts(events, intervals, AnomalySettings())
    assert kept.meter_id.tolist() == ["HOME"]


def test_the_bursts_own_day_does_not_set_the_usual_peak():
    # Two days only: the burst's day is left out, so the usual peak is the other day's 0.1 m³/h and
    # 0.45 m³/h over 3 h passes 4 × 0.1 = 0.4; were the burst's day counted, the median would be 0.275.
    days = [day_with(range(7, 10), 0.1), day_with(range(7, 10), 0.45)]
    kept = unusual_bursts(pd.DataFrame([burst("M", 1, 7, 10)]), hourly("M", days), AnomalySettings())
    assert len(kept) == 1
    # A meter with no other day to compare with keeps its burst.
    alone = unusual_bursts(pd.DataFrame([burst("M", 0, 7, 10)]), hourly("M", days[:1]), AnomalySettings())
    assert len(alone) == 1
