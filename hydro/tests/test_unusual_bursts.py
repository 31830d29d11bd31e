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


def test_a_short_run_must_pass_the_stricter_factor_over_its_own_hours():
    # The household draws 0.1 m³/h from 18:00 to 20:00 every day: its usual 2-hour peak is 0.1 m³/h (its
    # usual 3-hour peak only 0.2 / 3 = 0.067). On day 3 a busy evening draws 0.9 m³/h for those two hours:
    # 9 times its 2-hour peak, under the short factor 10 (1.0 m³/h), kept out, though 13.5 times its 3-hour
    # peak would have passed the factor 4 of a 3-hour run. On day 4 a pipe bursts, 1.2 m³/h from 02:00 to
    # 04:00: 12 times, a burst.
    days = [day_with(range(18, 20), 0.1) for _ in range(6)]
    days[3] = day_with(range(18, 20), 0.9)
    days[4] = [1.2 if 2 <= hour < 4 else flow for hour, flow in enumerate(days[4])]
    events = pd.DataFrame([burst("M", 3, 18, 20), burst("M", 4, 2, 4)])
    kept = unusual_bursts(events, hourly("M", days), AnomalySettings())
    assert kept.start_s.tolist() == [4 * DAY_S + 2 * HOUR_S]
    # A 2-hour run on a meter read every two hours, which has no hourly peak to be judged by, is left out; a
    # 3-hour run there is kept as before.
    two_hourly = hourly("M", days).iloc[::2].assign(duration_s=2 * HOUR_S)
    kept = unusual_bursts(pd.DataFrame([burst("M", 4, 2, 4), burst("M", 4, 2, 5)]), two_hourly, AnomalySettings())
    assert kept.end_s.tolist() == [4 * DAY_S + 5 * HOUR_S]


def test_the_usual_peak_of_a_household_away_is_over_its_days_at_home():
    # Away (no use) on days 0-7, at home on days 8-15 drawing 0.1 m³/h from 18:00 to 20:00; on day 15 a busy
    # evening of 0.5 m³/h for those two hours. Over all 15 other days the median 2-hour peak is 0 (8 days away)
    # and any flow would pass; over the 7 days with use (USUAL_PEAK_DAYS_OF_USE) it is 0.1 m³/h, and
    # 0.5 < 6 × 0.1: not a burst.
    days = [day_with(range(18, 20), 0.0) for _ in range(8)] + [day_with(range(18, 20), 0.1) for _ in range(8)]
    days[15] = day_with(range(18, 20), 0.5)
    assert unusual_bursts(pd.DataFrame([burst("M", 15, 18, 20)]), hourly("M", days), AnomalySettings()).empty
    # With one day fewer at home (6 days with use) the median over all other days, 0, stands: a flat used so
    # seldom draws nothing as a rule, and the run is kept.
    days[8] = day_with(range(18, 20), 0.0)
    assert len(unusual_bursts(pd.DataFrame([burst("M", 15, 18, 20)]), hourly("M", days), AnomalySettings())) == 1


def test_a_roof_tank_filled_every_few_days_is_not_a_burst():
    # A village house draws 0.02 m³/h from the main from 07:00 to 21:00 (its usual 2-hour peak); its roof
    # tank (1.2 m³) fills through its float valve at 0.6 m³/h from 17:00 to 19:00 on days 0, 4, 8 and 12.
    # On day 12 that is 30 times the usual peak, over the short factor 6, but the meter flowed at least half
    # of it (0.3 m³/h) over two hours on three other days (burst_habit_days): a habit, not a burst. Filled on
    # days 4 and 12 only, one other day like it is too few, and day 12's fill is a burst.
    def day(fills: bool) -> list[float]:
        return [0.6 if fills and 17 <= hour < 19 else (0.02 if 7 <= hour < 21 else 0.0) for hour in range(24)]

    events = pd.DataFrame([burst("TANK", 12, 17, 19)])
    every_fourth = [day(number % 4 == 0) for number in range(16)]
    assert unusual_bursts(events, hourly("TANK", every_fourth), AnomalySettings()).empty
    # A county that asks for four such days (burst_habit_days) raises it, as it does one that asks for more
    # than the fill's own flow on them (burst_habit_share 1.5: 0.6 < 1.5 × 0.6 m³/h).
    habit_of_four = AnomalySettings(burst_habit_days=4)
    assert len(unusual_bursts(events, hourly("TANK", every_fourth), habit_of_four)) == 1
    more_than_the_fill = AnomalySettings(burst_habit_share=1.5)
    assert len(unusual_bursts(events, hourly("TANK", every_fourth), more_than_the_fill)) == 1
    twice = [day(number in (4, 12)) for number in range(16)]
    assert len(unusual_bursts(events, hourly("TANK", twice), AnomalySettings())) == 1


def test_an_hour_after_lost_ones_is_judged_with_them():
    # An export that differences the index writes the volume of lost hours into the next one read. The
    # household draws 0.1 m³/h at 19:00 (its usual 1-hour peak) and 0.05 m³/h in its other hours. On day 3 the
    # readings of 00:00-05:00 are lost and 06:00 carries 1.2 m³: 12 times the peak over its own hour, but
    # 1.2 / 7 = 0.17 m³/h over the 7 h it may hold, 1.7 times: not a burst. On day 4 a hose left open draws
    # 1.5 m³ at 03:00 after an hour read: 15 times, a burst.
    days = [day_with(range(19, 20), 0.1, other=0.05) for _ in range(6)]
    intervals = hourly("M", days)
    lost = (intervals.start_s >= 3 * DAY_S) & (intervals.start_s < 3 * DAY_S + 6 * HOUR_S)
    intervals.loc[intervals.start_s == 3 * DAY_S + 6 * HOUR_S, "volume_m3"] = 1.2
    intervals.loc[intervals.start_s == 4 * DAY_S + 3 * HOUR_S, "volume_m3"] = 1.5
    events = pd.DataFrame([burst("M", 3, 6, 7), burst("M", 4, 3, 4)])
    kept = unusual_bursts(events, intervals[~lost], AnomalySettings())
    assert kept.start_s.tolist() == [4 * DAY_S + 3 * HOUR_S]
    # Read in full, the same 1.2 m³ in one hour would be a burst.
    assert len(unusual_bursts(events, intervals, AnomalySettings())) == 2


def test_one_hour_of_high_flow_is_a_burst_at_ten_times_the_usual_hour():
    # The household's busiest hour is 0.12 m³/h at 19:00 every day: its usual 1-hour peak. On day 2 a bath
    # and a wash draw 1.0 m³/h at 19:00: 8.3 times, under the short factor 10, kept out. On day 4 a hose left
    # open draws 1.5 m³/h from 03:00 to 04:00: 12.5 times, a burst of one hour (burst_short_hours).
    days = [day_with(range(19, 20), 0.12, other=0.01) for _ in range(6)]
    days[2] = day_with(range(19, 20), 1.0, other=0.01)
    days[4] = [1.5 if hour == 3 else flow for hour, flow in enumerate(days[4])]
    events = pd.DataFrame([burst("M", 2, 19, 20), burst("M", 4, 3, 4)])
    kept = unusual_bursts(events, hourly("M", days), AnomalySettings())
    assert kept.start_s.tolist() == [4 * DAY_S + 3 * HOUR_S]
