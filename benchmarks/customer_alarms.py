"""Customer alarms on data they were not tuned on: `python -m benchmarks.customer_alarms [--calibrate]`.

The county is `hydro.readings.realistic`: 3 DMAs of 150 households over 61
days, with the nuisances that flooded the first detector (busy nights,
night workers, vacancies, holidays, 10 L registers, lost, repeated and
slipped readings), six labelled episodes of each kind, and each DMA's
inflow meter (the households' true use and the DMA's own losses).

- ``--calibrate`` fits the leak confidence (a logistic function of an
  episode's days beyond the persistence and of ln(flow / q_min)) on the
  tuning draws (`TUNING_SEEDS`, and the same seeds with harsher settings),
  from candidate episodes of at least a day, labelled true when they overlap
  an injected leak; it prints the coefficients to put in
  `hydro.readings.customer_leaks.LeakSettings`. Then it fits the other
  kinds' confidence table (`hydro.readings.alarm_confidence.fitted_table`)
  on the alarms of `confidence_draws` and of the second county's tuning
  seeds (`benchmarks.second_county`), to put in its `DEFAULT_TABLE`.
- Without it, it scores the default detector on the held-out draws
  (`HELD_OUT_SEEDS`, each with its own settings from `held_out_settings`)
  and prints precision, recall and alarms per true episode of each kind,
  and how the leak confidence compares with the share of true leaks; then
  the same for the earlier held-out draws (`EARLIER_HELD_OUT_SEEDS`), for
  continuity. The detector is given the zones, so the runs of zeros that
  ended are judged on their DMA's balance (`hydro.readings.stuck_balance`).
  Then the DMAs' night-flow alarms against the leaks on their mains
  (`night_flow_scores`).
- ``--seeds SEED …`` scores those draws the same way instead, each with
  its held-out settings: fresh draws no tuning has seen, for a larger
  sample than the six held out.
- ``--night-flow`` scores only the night-flow alarms, on their own tuning
  and held-out draws (`NIGHT_FLOW_TUNING_SEEDS`, `NIGHT_FLOW_HELD_OUT_SEEDS`).
- ``--jitter`` scores the held-out draws with their indexes read one
  register step off now and then (`with_index_jitter`).
- ``--read-daily`` scores the kinds a daily read can show on the held-out
  draws read once a day (`read_daily`), then tries a leak floor of daily
  readings on the tuning draws (`daily_floor_trial`): why leaks are not
  looked for on such meters.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence

import ibis
import numpy as np
import pandas as pd
from scipy.optimize import minimize

from benchmarks import second_county
from hydro.readings.alarm_confidence import DEFAULT_TABLE, ConfidenceTable, fitted_table
from hydro.readings.analysis import AnomalySettings, customer_findings_by_group
from hydro.readings.customer_leaks import LeakSettings, confidence, daily_floors, leak_episodes
from hydro.readings.engine import execute
from hydro.readings.night_flow import NightFlowSettings, night_flow, night_flow_alarms
from hydro.readings.periods import Period
from hydro.readings.realistic import (
    EARLIER_HELD_OUT_SEEDS,
    HELD_OUT_SEEDS,
    NIGHT_FLOW_HELD_OUT_SEEDS,
    NIGHT_FLOW_TUNING_SEEDS,
    TUNING_SEEDS,
    RealisticCounty,
    RealisticSettings,
    generate_realistic_county,
    held_out_settings,
    score_alarms,
)

HARSH = dataclasses.replace(
    RealisticSettings(),
    night_use_probability=(0.0, 0.6),
    busy_night_probability=(0.0, 0.3),
    home_all_day_share=0.3,
    coarse_meter_share=0.6,
    missing_rate=(0.0, 0.05),
    clock_shift_share=0.1,
    duplicate_rate=0.01,
    main_leak_probability=0.8,
    unmetered_events_per_month=4.0,
    inflow_noise=(0.0, 0.03),
)
"""Harsher tuning draws: more night use, busier nights, coarser meters, more lost readings, more leaks on mains,
flushings and inflow-meter noise."""


def span(county: RealisticCounty, settings: RealisticSettings) -> Period:
    start = pd.Timestamp(settings.start)
    end = start + pd.Timedelta(days=settings.days - 1)
    return Period.parse(f"{start:%Y-%m-%d}..{end:%Y-%m-%d}")


def held_out_scores(seeds: Sequence[int] = HELD_OUT_SEEDS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-kind scores summed over the held-out draws, and the leak alarms with their truth."""
    scores, leaks = [], []
    for seed in seeds:
        settings = held_out_settings(seed)
        county = generate_realistic_county(settings, seed=seed)
        found = county_alarms(county, settings, AnomalySettings())
        scores.append(score_alarms(found, county.episodes).assign(seed=seed))
        leaks.append(labelled(found[found.kind == "continuous_flow"], county))
    return summed(pd.concat(scores)), pd.concat(leaks, ignore_index=True)


REPLACED_SHARE = 0.05
"""Share of the customer meters replaced (换表) at some hour of the period, in `read_daily`."""


def read_daily(county: RealisticCounty, seed: int) -> RealisticCounty:
    """The draw as an index file read at midnight gives it (one interval a day per customer meter), with
    `REPLACED_SHARE` of the meters replaced at an hour of a day, which splits that day in two intervals; the
    inflow meters stay hourly."""
    generator = np.random.default_rng([seed, 7])
    readings = county.readings.assign(
        day=county.readings.timestamp.dt.floor("D"), hour=county.readings.timestamp.dt.hour
    )
    customers = county.zones.meter_id[county.zones.role == "customer"].to_numpy()
    replaced = set(generator.choice(customers, round(REPLACED_SHARE * len(customers)), replace=False))
    days = readings.day.unique()
    split = {meter: (days[generator.integers(1, len(days) - 1)], int(generator.integers(1, 24))) for meter in replaced}
    part = np.zeros(len(readings), dtype=np.int64)
    for meter, (day, hour) in split.items():
        part[((readings.meter_id == meter) & (readings.day == day) & (readings.hour >= hour)).to_numpy()] = hour
    readings = readings.assign(part=part)
    hourly = readings.meter_id.isin(set(county.zones.meter_id[county.zones.role != "customer"]))
    daily = readings[~hourly].groupby(["meter_id", "day", "part"], as_index=False).volume_m3.sum()
    starts = daily.day + pd.to_timedelta(daily.part, unit="h")
    ends = daily.day + pd.Timedelta(days=1)
    later = daily.duplicated(["meter_id", "day"], keep="last")  # the first part of a split day ends at the split
    ends = ends.where(
        ~later, daily.day + pd.to_timedelta(daily.groupby(["meter_id", "day"]).part.transform("max"), unit="h")
    )
    daily = pd.DataFrame(
        {
            "meter_id": daily.meter_id,
            "timestamp": starts.astype("datetime64[us]"),
            "duration_s": ((ends - starts).dt.total_seconds()).astype(np.int64),
            "volume_m3": daily.volume_m3.round(3),
        }
    )
    columns = ["meter_id", "timestamp", "duration_s", "volume_m3"]
    read = pd.concat([readings.loc[hourly, columns], daily], ignore_index=True)
    return dataclasses.replace(county, readings=read.sort_values(["meter_id", "timestamp"], ignore_index=True))


JITTER_METER_SHARE = 0.2
"""Share of the customer meters whose index is read one step off now and then, in `with_index_jitter`."""
JITTER_RATE = 0.01
"""Share of those meters' readings read one step off."""


def with_index_jitter(county: RealisticCounty, seed: int) -> RealisticCounty:
    """The draw with `JITTER_RATE` of the readings of `JITTER_METER_SHARE` of its customer meters read one step
    (the meter's register: 10 L on a coarse meter, else 1 L) low or high: the interval ending at that reading
    loses (or gains) the step and the next one gains (or loses) it, as a direct-read register between two digits
    gives."""
    generator = np.random.default_rng([seed, 11])
    readings = county.readings.sort_values(["meter_id", "timestamp"], ignore_index=True)
    customers = sorted(county.zones.meter_id[county.zones.role == "customer"])
    chosen = set(generator.choice(customers, round(JITTER_METER_SHARE * len(customers)), replace=False))
    meter = readings.meter_id.to_numpy()
    rows = np.flatnonzero(readings.meter_id.isin(chosen).to_numpy() & (generator.random(len(readings)) < JITTER_RATE))
    rows = rows[(rows + 1 < len(readings))]
    rows = rows[meter[rows] == meter[np.minimum(rows + 1, len(readings) - 1)]]
    volume = readings.volume_m3.to_numpy().copy()
    litres = np.abs(volume * 100 - np.round(volume * 100)) > 1e-6  # a volume a 10 L register cannot read
    fine = pd.Series(litres).groupby(meter).transform("any").to_numpy()
    step = np.where(fine, 0.001, 0.01)[rows] * np.where(generator.random(rows.size) < 0.5, 1.0, -1.0)
    volume[rows] -= step
    volume[rows + 1] += step
    return dataclasses.replace(county, readings=readings.assign(volume_m3=volume.round(3)))


def jitter_scores(seeds: Sequence[int] = HELD_OUT_SEEDS) -> pd.DataFrame:
    """Every kind on the held-out draws with index jitter (`with_index_jitter`)."""
    scores = []
    for seed in seeds:
        settings = held_out_settings(seed)
        county = with_index_jitter(generate_realistic_county(settings, seed=seed), seed)
        scores.append(score_alarms(county_alarms(county, settings, AnomalySettings()), county.episodes))
    return summed(pd.concat(scores))


DAILY_KINDS = ("burst", "stuck", "reverse", "gap")
"""The kinds looked for on meters read once a day: a leak behind the meter needs hourly readings
(`hydro.readings.analysis.leak_unchecked_meters`)."""


def daily_scores(seeds: Sequence[int] = HELD_OUT_SEEDS) -> pd.DataFrame:
    """The `DAILY_KINDS` on the held-out draws read daily (`read_daily`). Each row: kind, episodes, alarms,
    precision, recall, alarms per episode found."""
    scores = []
    for seed in seeds:
        settings = held_out_settings(seed)
        county = read_daily(generate_realistic_county(settings, seed=seed), seed)
        found = county_alarms(county, settings, AnomalySettings())
        scores.append(score_alarms(found, county.episodes, DAILY_KINDS).assign(seed=seed))
    return summed(pd.concat(scores))


DAILY_FLOOR_TRIALS = ((3, 3.0, 0.005), (7, 3.0, 0.005), (7, 5.0, 0.02), (7, 8.0, 0.04), (14, 5.0, 0.02))
"""(days W, spread factor k, least rise q_min [m³/h]) of the daily leak floors tried in `daily_floor_trial`."""


def daily_read_floors(county: RealisticCounty, days: int) -> pd.DataFrame:
    """The customers' daily floors read once a day: the least daily mean flow over the `days` days to each day,
    as `hydro.readings.customer_leaks.daily_floors` gives them of hourly readings (one window a day)."""
    customers = county.zones.meter_id[county.zones.role == "customer"]
    readings = county.readings[county.readings.meter_id.isin(set(customers))]
    daily = readings.groupby(["meter_id", readings.timestamp.dt.floor("D").rename("day")]).volume_m3.sum()
    flows = (daily / 24.0).unstack().T
    floors = flows.rolling(days, min_periods=days).min().T.stack().rename("floor_m3_per_h").reset_index()
    epoch_days = (floors.day - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)
    return floors.assign(day=epoch_days.astype("int64"), windows=1)


def daily_floor_trial(draws: Sequence[tuple[int, RealisticSettings]]) -> pd.DataFrame:
    """Leaks found by the floor of daily readings on labelled draws read once a day, for each of
    `DAILY_FLOOR_TRIALS`: the leak detector's episodes (`hydro.readings.customer_leaks.leak_episodes`, three days
    raised; a household's daily use is no standing leak) on `daily_read_floors`, each dated from W − 1 days before its first raised day."""
    counties = [(read_daily(generate_realistic_county(settings, seed=seed), seed)) for seed, settings in draws]
    rows = []
    for days, spread_factor, minimum in DAILY_FLOOR_TRIALS:
        settings = LeakSettings(
            minimum_m3_per_h=minimum, spread_factor=spread_factor, minimum_windows=1, standing_m3_per_h=np.inf
        )
        scores = []
        for county in counties:
            episodes = leak_episodes(daily_read_floors(county, days), settings)
            alarms = pd.DataFrame(
                {
                    "meter_id": episodes.meter_id,
                    "kind": "continuous_flow",
                    "start": pd.to_datetime(episodes.start_s - (days - 1) * 86_400, unit="s"),
                    "end": pd.to_datetime(episodes.end_s, unit="s"),
                }
            )
            scores.append(score_alarms(alarms, county.episodes, ("continuous_flow",)))
        total = summed(pd.concat(scores)).iloc[0]
        rows.append({"days": days, "k": spread_factor, "q_min_m3_per_h": minimum, **total.to_dict()})
    return pd.DataFrame(rows)


def county_alarms(
    county: RealisticCounty,
    settings: RealisticSettings,
    anomaly: AnomalySettings,
    confidence_table: ConfidenceTable | None = DEFAULT_TABLE,
) -> pd.DataFrame:
    """The customer alarms of a draw, its customers' runs of zeros judged on their DMAs' balance (with the rules'
    scores when `confidence_table` is None)."""
    connection = ibis.duckdb.connect()
    readings = connection.create_table("readings", county.readings)
    zones = connection.create_table("zones", county.zones)
    customers = zones.filter(zones.role == "customer").select("meter_id")
    return customer_findings_by_group(
        connection,
        readings,
        span(county, settings),
        anomaly,
        customers,
        zones=zones,
        confidence_table=confidence_table,
    ).anomalies


def summed(scores: pd.DataFrame) -> pd.DataFrame:
    scores = scores.assign(
        true_alarms=scores.precision.fillna(0) * scores.alarms, found=scores.recall.fillna(0) * scores.episodes
    )
    totals = scores.groupby("kind", sort=False)[["episodes", "alarms", "true_alarms", "found"]].sum()
    per_episode = scores.alarms_per_episode * scores.found
    return pd.DataFrame(
        {
            "episodes": totals.episodes,
            "alarms": totals.alarms,
            "precision": totals.true_alarms / totals.alarms,
            "recall": totals.found / totals.episodes,
            "alarms_per_episode": per_episode.groupby(scores.kind, sort=False).sum() / totals.found,
        }
    )


CONFIDENCE_KINDS = ("burst", "stuck", "reverse", "gap")
"""The kinds whose rule scores `hydro.readings.alarm_confidence` calibrates (a leak's confidence is its own)."""


def confidence_draws() -> list[tuple[int, RealisticSettings]]:
    """The labelled draws the alarm confidence is fitted on: the tuning seeds as drawn and harsher, and the
    night-flow tuning seeds with their varied settings; none of them held out."""
    draws = [(seed, RealisticSettings()) for seed in TUNING_SEEDS] + [(seed, HARSH) for seed in TUNING_SEEDS]
    return draws + [(seed, held_out_settings(seed)) for seed in NIGHT_FLOW_TUNING_SEEDS if seed not in TUNING_SEEDS]


def labelled_alarms(draws: Sequence[tuple[int, RealisticSettings]], table: ConfidenceTable | None) -> pd.DataFrame:
    """Every customer alarm of the draws with ``true``: whether it overlaps an episode of its meter and kind."""
    frames = []
    for seed, settings in draws:
        county = generate_realistic_county(settings, seed=seed)
        found = county_alarms(county, settings, AnomalySettings(), table)
        frames.append(labelled(found, county).assign(seed=seed))
    return pd.concat(frames, ignore_index=True)


def confidence_reliability(alarms: pd.DataFrame) -> pd.DataFrame:
    """Per kind and confidence: how many alarms, and the share of them that were true."""
    return alarms.groupby(["kind", "confidence"])["true"].agg(alarms="count", share_true="mean").round(3)


def labelled(alarms: pd.DataFrame, county: RealisticCounty) -> pd.DataFrame:
    """Alarms (``meter_id, kind, start, end``) with ``true``: whether they overlap an injected episode of their
    meter and kind."""
    pairs = alarms.reset_index().merge(county.episodes, on=["meter_id", "kind"], how="left", suffixes=("", "_true"))
    overlapping = (pairs.start < pairs.end_true) & (pairs.end > pairs.start_true)
    return alarms.assign(true=overlapping.groupby(pairs["index"]).any().reindex(alarms.index, fill_value=False).values)


def candidate_episodes(seeds: Sequence[int], settings: RealisticSettings) -> pd.DataFrame:
    """Episodes of at least a day and 3 L/h on tuning draws, labelled against the injected leaks."""
    loose = LeakSettings(persistence_hours=24.0, minimum_m3_per_h=0.003)
    rows = []
    for seed in seeds:
        county = generate_realistic_county(settings, seed=seed)
        connection = ibis.duckdb.connect()
        customers = county.zones.meter_id[county.zones.role == "customer"]
        readings = connection.create_table("readings", county.readings[county.readings.meter_id.isin(customers)])
        episodes = leak_episodes(connection.execute(daily_floors(readings, loose)), loose)
        events = episodes.assign(
            kind="continuous_flow",
            start=pd.to_datetime(episodes.start_s, unit="s"),
            end=pd.to_datetime(episodes.end_s, unit="s"),
        )
        rows.append(labelled(events, county))
    return pd.concat(rows, ignore_index=True)


def fit_confidence(candidates: pd.DataFrame, settings: LeakSettings) -> tuple[float, float, float]:
    """Logistic regression of ``true`` on (days − T_p/24, ln(flow / q_min)) by maximum likelihood."""
    features = np.column_stack(
        [
            np.ones(len(candidates)),
            candidates.days - settings.persistence_hours / 24.0,
            np.log(np.maximum(candidates.rate_m3_per_h, 1e-9) / settings.minimum_m3_per_h),
        ]
    )
    outcome = candidates["true"].to_numpy(dtype=float)

    def negative_log_likelihood(coefficients: np.ndarray) -> float:
        logits = features @ coefficients
        return float(np.sum(np.logaddexp(0.0, logits) - outcome * logits) + 0.01 * coefficients @ coefficients)

    fitted = minimize(negative_log_likelihood, np.zeros(3), method="BFGS").x
    return float(fitted[0]), float(fitted[1]), float(fitted[2])


def reliability(leaks: pd.DataFrame) -> pd.DataFrame:
    """Leak alarms by confidence band: how many, and the share of them that were true leaks."""
    bands = pd.cut(leaks.confidence, [0.0, 0.5, 0.8, 0.9, 0.95, 1.0], include_lowest=True)
    return leaks.groupby(bands, observed=True)["true"].agg(alarms="count", share_true="mean")


def night_flow_scores(seeds: Sequence[int]) -> dict[str, float]:
    """The DMAs' night-flow alarms on the draws against their leaks on mains.

    A leak counts when it begins after the baseline fortnight (one begun
    within it is part of the baseline); it is found when an alarm of its DMA
    is raised from its first night to its end, and in time when within two
    nights of its first. An alarm is true when a leak on a main of its DMA
    runs on the night it was raised (begun in the baseline or not).
    """
    totals = {"leaks": 0, "found": 0, "in_time": 0, "alarms": 0, "true_alarms": 0, "alarms_of_found": 0}
    settings = NightFlowSettings()
    for seed in seeds:
        draw = held_out_settings(seed)
        county = generate_realistic_county(draw, seed=seed)
        connection = ibis.duckdb.connect()
        readings = connection.create_table("readings", county.readings)
        zones = connection.create_table("zones", county.zones)
        alarms = night_flow_alarms(execute(connection, night_flow(readings, zones, span(county, draw))), settings)
        detected = pd.to_datetime(alarms.detected)
        leaks = county.mains_leaks.assign(first_night=county.mains_leaks.start.dt.normalize())
        for alarm_dma, night in zip(alarms.dma_id, detected, strict=True):
            running = leaks[(leaks.dma_id == alarm_dma) & (leaks.first_night <= night) & (leaks.end > night)]
            totals["alarms"] += 1
            totals["true_alarms"] += int(not running.empty)
        counted = leaks[leaks.first_night >= pd.Timestamp(draw.start) + pd.Timedelta(days=settings.baseline_nights)]
        for leak in counted.itertuples(index=False):
            raised = detected[(alarms.dma_id == leak.dma_id) & (detected >= leak.first_night) & (detected < leak.end)]
            totals["leaks"] += 1
            if not raised.empty:
                totals["found"] += 1
                totals["alarms_of_found"] += len(raised)
                totals["in_time"] += int((raised.min() - leak.first_night) <= pd.Timedelta(days=2))
    return {
        **totals,
        "precision": totals["true_alarms"] / totals["alarms"] if totals["alarms"] else float("nan"),
        "recall": totals["found"] / totals["leaks"] if totals["leaks"] else float("nan"),
        "alarms_per_leak": totals["alarms_of_found"] / totals["found"] if totals["found"] else float("nan"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.customer_alarms", description=__doc__)
    parser.add_argument("--calibrate", action="store_true", help="fit the leak confidence on the tuning draws")
    parser.add_argument(
        "--night-flow", action="store_true", help="only the night-flow alarms, on their tuning and held-out draws"
    )
    parser.add_argument(
        "--read-daily",
        action="store_true",
        help="the kinds a daily read shows, on the held-out draws read once a day (some meters replaced mid-day), "
        "and a leak floor of daily readings tried on the tuning draws",
    )
    parser.add_argument(
        "--jitter", action="store_true", help="every kind on the held-out draws with indexes read one step off"
    )
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        metavar="SEED",
        help="score these draws, each with its held-out settings, instead of the held-out seeds; for fresh draws "
        "no tuning has seen",
    )
    arguments = parser.parse_args(argv)
    if arguments.jitter:
        print(
            f"held-out draws, {JITTER_RATE:.0%} of the readings of {JITTER_METER_SHARE:.0%} of the meters one step off:"
        )
        print(jitter_scores().round(3).to_string())
        return 0
    if arguments.read_daily:
        print(f"held-out draws read daily, {REPLACED_SHARE:.0%} of the meters replaced at an hour of a day:")
        print(daily_scores().round(3).to_string())
        print("a leak floor of daily readings, tried on the tuning draws (not used):")
        print(daily_floor_trial(confidence_draws()).round(3).to_string(index=False))
        return 0
    if arguments.night_flow:
        for title, seeds in (("tuning", NIGHT_FLOW_TUNING_SEEDS), ("held-out", NIGHT_FLOW_HELD_OUT_SEEDS)):
            print(f"{title} draws (seeds {', '.join(map(str, seeds))}):")
            print_night_flow_scores(seeds)
        return 0
    if arguments.calibrate:
        candidates = pd.concat(
            [candidate_episodes(TUNING_SEEDS, RealisticSettings()), candidate_episodes(TUNING_SEEDS, HARSH)]
        )
        print(f"{len(candidates)} candidate episodes, {int(candidates['true'].sum())} true")
        intercept, per_day, per_log_rate = fit_confidence(candidates, LeakSettings())
        print(
            f"confidence_intercept={intercept:.2f}, confidence_per_day={per_day:.2f}, confidence_per_log_rate={per_log_rate:.2f}"
        )
        fitted = dataclasses.replace(
            LeakSettings(),
            confidence_intercept=intercept,
            confidence_per_day=per_day,
            confidence_per_log_rate=per_log_rate,
        )
        print(reliability(candidates.assign(confidence=confidence(candidates, fitted))).to_string())
        scored = pd.concat(
            [labelled_alarms(confidence_draws(), None), second_county.labelled_alarms(second_county.TUNING_SEEDS)],
            ignore_index=True,
        )
        print(f"{len(scored)} alarms of the other kinds' rules, scored: {fitted_table(scored, CONFIDENCE_KINDS)}")
        return 0
    drawn = (("held-out draws", HELD_OUT_SEEDS), ("earlier held-out draws", EARLIER_HELD_OUT_SEEDS))
    for title, seeds in (("fresh draws", tuple(arguments.seeds)),) if arguments.seeds else drawn:
        scores, leaks = held_out_scores(seeds)
        print(f"{title} (seeds {', '.join(map(str, seeds))}):")
        print(scores.round(3).to_string())
        print("leak alarms by confidence:")
        print(reliability(leaks).to_string())
        print_night_flow_scores(seeds)
        print("customer alarms by confidence (the leak's its own; the others' from DEFAULT_TABLE):")
        print(
            confidence_reliability(labelled_alarms([(seed, held_out_settings(seed)) for seed in seeds], DEFAULT_TABLE))
        )
    return 0


def print_night_flow_scores(seeds: Sequence[int]) -> None:
    night = night_flow_scores(seeds)
    print(
        f"night-flow alarms: {night['found']} of {night['leaks']} leaks on mains found "
        f"({night['in_time']} within two nights), {night['alarms']} alarms, {night['true_alarms']} true: "
        f"precision {night['precision']:.2f}, recall {night['recall']:.2f}, "
        f"{night['alarms_per_leak']:.2f} alarms per leak found"
    )


if __name__ == "__main__":
    raise SystemExit(main())
