"""Customer alarms on a second synthetic county: `python -m benchmarks.second_county SEED [SEED ...]`.

The county is `benchmarks.second_county_model`'s, written separately from
`hydro.readings.realistic` and from the detectors, so that the detectors are
measured on data they were not shaped by. For each seed it generates the
county, writes its export files, imports them into a fresh readings store
(`hydro.readings.store.import_file`) and runs the customer anomaly analysis
over March and April 2025 as `benchmarks.customer_alarms.county_alarms` does,
with the zones.

The files go to the store as they are: of a meter's two rows at one
timestamp with different volumes (the hour a clock shift was corrected) the
store keeps the larger (``conflicting_rows``); exact repeats and
overlapping exports it leaves out (``repeated_rows``).

An alarm is true when it overlaps an injected episode of its meter and kind;
an episode is found when a true alarm overlaps it. Per kind it prints alarms,
true alarms, precision, episodes, found, recall and alarms per found episode
(and for leaks the recall of those of at least 10 L/h), per seed and summed,
and what was going on at the false alarms' meters (vacancy, shop, outage …).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.second_county_draw import generate
from benchmarks.second_county_model import SecondCounty
from hydro.readings.alarm_confidence import DEFAULT_TABLE, ConfidenceTable
from hydro.readings.analysis import AnomalySettings, customer_findings_by_group
from hydro.readings.engine import connect, execute, memory_table, readings_table
from hydro.readings.night_flow import NightFlowSettings, night_flow, night_flow_alarms
from hydro.readings.periods import Period
from hydro.readings.store import import_file

PERIOD = "2025-03-01..2025-04-30"
KINDS = ("continuous_flow", "burst", "stuck", "reverse", "gap")
LARGE_LEAK_M3_PER_H = 0.010
COUNTS = ["alarms", "true_alarms", "episodes", "found", "large_leaks", "large_leaks_found"]

CAUSES = (
    ("true ", "another true episode"),
    ("clock_shift", "clock shift"),
    ("lumped", "lumped catch-up row"),
    ("vacant", "vacant flat"),
    ("away", "vacancy (away)"),
    ("holiday_away", "vacancy (holiday)"),
    ("shop closed", "shop closed"),
    ("outage", "outage"),
    ("night_user", "night user"),
    ("shop", "shop"),
    ("leak_", "leak"),
    ("bad_signal", "bad signal"),
    ("coarse", "10 L register"),
)
"""Context of a false alarm → its name, the most telling first."""


# --- import -----------------------------------------------------------------------------------------------------


def import_county(county: SecondCounty, directory: Path) -> tuple[Path, int, int]:
    """Write the county's files and import them into a fresh store; the store, the rows left out as the smaller
    of two values at one meter and time (a clock put right), and the rows left out as repeats."""
    store = directory / "store"
    conflicting = repeated = 0
    for name, rows in county.files.items():
        path = directory / name
        rows.to_csv(path, index=False, float_format="%.4f")
        record = import_file(store, path).record
        conflicting += record.conflicting_rows
        repeated += record.repeated_rows
    return store, conflicting, repeated


TUNING_SEEDS = (1, 2, 3, 4, 5, 6)
"""Draws the detectors' thresholds and the alarm confidence may be chosen on."""
HELD_OUT_SEEDS = (7, 8, 9, 10, 11, 12)
"""Draws kept out of tuning: run once after a change, to report."""


# --- alarms -----------------------------------------------------------------------------------------------------


def store_alarms(
    store: Path, zones: pd.DataFrame, confidence_table: ConfidenceTable | None = DEFAULT_TABLE
) -> pd.DataFrame:
    """The customer alarms of the store's period, the runs of zeros judged on their DMAs' balance (with the
    rules' scores when `confidence_table` is None)."""
    period = Period.parse(PERIOD)
    connection = connect()
    readings = readings_table(connection, store, period.months())
    zone_table = memory_table(connection, zones, "zones")
    customers = zone_table.filter(zone_table.role == "customer").select("meter_id").distinct()
    return customer_findings_by_group(
        connection, readings, period, AnomalySettings(), customers, zones=zone_table, confidence_table=confidence_table
    ).anomalies


def labelled_alarms(seeds: Sequence[int]) -> pd.DataFrame:
    """Every customer alarm of the seeds with its rule's score, and ``true``: whether it overlaps an episode of
    its meter and kind (what `hydro.readings.alarm_confidence.fitted_table` is fitted on)."""
    frames = []
    for seed in seeds:
        county = generate(seed)
        with tempfile.TemporaryDirectory() as directory:
            store, _dropped, _repeated = import_county(county, Path(directory))
            alarms = store_alarms(store, county.zones, None)
        alarms = alarms.assign(start=pd.to_datetime(alarms.start), end=pd.to_datetime(alarms.end))
        alarms = alarms.reset_index(drop=True)
        frames.append(alarms.assign(true=alarms.index.isin(matches(alarms, county.truth).alarm), seed=seed))
    return pd.concat(frames, ignore_index=True)


# --- scores -----------------------------------------------------------------------------------------------------


def matches(alarms: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Pairs of an alarm (``alarm``) and an episode (``episode``) of the same meter and kind that overlap."""
    numbered = alarms.reset_index(drop=True).rename_axis("alarm").reset_index()
    episodes = truth.reset_index(drop=True).rename_axis("episode").reset_index()
    pairs = numbered.merge(episodes, on=["meter_id", "kind"], suffixes=("", "_true"))
    return pairs[(pairs.start < pairs.end_true) & (pairs.end > pairs.start_true)]


def counts(alarms: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per kind: alarms, true alarms, episodes, episodes found, and leaks of at least 10 L/h and those found."""
    pairs = matches(alarms, truth)
    large = ((truth.kind == "continuous_flow") & (truth.rate_m3_per_h >= LARGE_LEAK_M3_PER_H)).to_numpy()
    found = truth.reset_index(drop=True).index.isin(pairs.episode)
    rows = {}
    for kind in KINDS:
        of_kind = (truth.kind == kind).to_numpy()
        rows[kind] = {
            "alarms": int((alarms.kind == kind).sum()),
            "true_alarms": pairs.alarm[pairs.kind == kind].nunique(),
            "episodes": int(of_kind.sum()),
            "found": int((found & of_kind).sum()),
            "large_leaks": int((large & of_kind).sum()),
            "large_leaks_found": int((large & found & of_kind).sum()),
        }
    return pd.DataFrame.from_dict(rows, orient="index")[COUNTS]


def scores(table: pd.DataFrame) -> pd.DataFrame:
    """The counts with precision, recall, alarms per found episode and the recall of leaks of 10 L/h or more."""
    return pd.DataFrame(
        {
            "alarms": table.alarms,
            "true_alarms": table.true_alarms,
            "precision": table.true_alarms / table.alarms,
            "episodes": table.episodes,
            "found": table.found,
            "recall": table.found / table.episodes,
            "alarms_per_found": table.true_alarms / table.found,
            "recall_10_l_per_h": (table.large_leaks_found / table.large_leaks).where(table.large_leaks > 0),
        }
    ).round(2)


# --- false alarms -----------------------------------------------------------------------------------------------


def false_alarm_causes(alarms: pd.DataFrame, county: SecondCounty) -> pd.Series:
    """Each false alarm's most telling circumstance, counted by kind and circumstance."""
    true_alarms = set(matches(alarms, county.truth).alarm)
    numbered = alarms.reset_index(drop=True)
    false = numbered[~numbered.index.isin(true_alarms)]
    circumstances = circumstance_table(county)
    causes = [cause(alarm, circumstances) for alarm in false.itertuples(index=False)]
    return pd.Series(causes, dtype=object).groupby(false.kind.to_numpy()).value_counts()


def circumstance_table(county: SecondCounty) -> pd.DataFrame:
    """What went on at each meter and when: the context, the episodes (as ``true <kind>``), shops and 10 L
    registers (the whole period)."""
    whole = (county.truth.start.min(), county.truth.end.max() + pd.Timedelta(days=1))
    episodes = county.truth.assign(what="true " + county.truth.kind)
    premises = county.premises
    shops = premises[premises.kind == "shop"].assign(what="shop")
    coarse = premises[premises.resolution_m3 >= 0.01].assign(what="coarse")
    fixed = pd.concat([shops, coarse])[["meter_id", "what"]].assign(start=whole[0], end=whole[1])
    return pd.concat([county.context, episodes, fixed], ignore_index=True)[["meter_id", "what", "start", "end"]]


def circumstances_during(alarm: Any, circumstances: pd.DataFrame) -> pd.DataFrame:
    """What went on at an alarm's meter while it ran, but an episode of the alarm's own kind."""
    return circumstances[
        (circumstances.meter_id == alarm.meter_id)
        & (circumstances.start < alarm.end)
        & (circumstances.end > alarm.start)
        & (circumstances.what != "true " + alarm.kind)
    ]


def cause(alarm: Any, circumstances: pd.DataFrame) -> str:
    """The most telling circumstance at an alarm's meter during it (for a run of zeros, a vacancy first)."""
    here = circumstances_during(alarm, circumstances)
    order = list(CAUSES)
    if alarm.kind == "stuck":
        order = order[3:6] + order[:3] + order[6:]
    for prefix, name in order:
        if here.what.str.startswith(prefix).any():
            return name
    return "nothing special"


# --- the command ------------------------------------------------------------------------------------------------


def run_seed(seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Generate, import, analyse and score one seed; print its table. The counts and the false alarms' causes."""
    county = generate(seed)
    with tempfile.TemporaryDirectory() as directory:
        store, dropped, repeated = import_county(county, Path(directory))
        alarms = store_alarms(store, county.zones)
    alarms = alarms.assign(start=pd.to_datetime(alarms.start), end=pd.to_datetime(alarms.end))
    table = counts(alarms, county.truth)
    customers = int((county.zones.role == "customer").sum())
    print(
        f"seed {seed}: {customers} customers, files {', '.join(county.files)}; rows left out as the smaller of two "
        f"values at one meter and time: {dropped}; repeated rows left out by the store: {repeated}"
    )
    print(scores(table).to_string())
    return table, false_alarm_causes(alarms, county)


# --- night flow -------------------------------------------------------------------------------------------------


def night_flow_counts(seed: int, settings: NightFlowSettings | None = None) -> dict[str, int]:
    """The DMAs' night-flow alarms of a seed against the leaks on its mains, counted as
    `benchmarks.customer_alarms.night_flow_scores` counts them.

    A leak counts when it begins after the baseline nights; it is found when an alarm of its DMA is raised from
    its first night to its end, and in time when within two nights of its first. An alarm is true when a leak
    on a main of its DMA runs on the night it was raised.
    """
    settings = settings or NightFlowSettings()
    county = generate(seed)
    period = Period.parse(PERIOD)
    with tempfile.TemporaryDirectory() as directory:
        store, _dropped, _repeated = import_county(county, Path(directory))
        connection = connect()
        readings = readings_table(connection, store, period.months())
        nights = execute(connection, night_flow(readings, memory_table(connection, county.zones, "zones"), period))
    alarms = night_flow_alarms(nights, settings)
    detected = pd.to_datetime(alarms.detected)
    context = county.context
    leaks = context[context.what == "mains_leak"]
    leaks = leaks.assign(dma_id=leaks.meter_id.str.removesuffix("-IN"), first_night=leaks.start.dt.normalize())
    totals = {"leaks": 0, "found": 0, "in_time": 0, "alarms": len(alarms), "true_alarms": 0}
    for dma_id, night in zip(alarms.dma_id, detected, strict=True):
        running = leaks[(leaks.dma_id == dma_id) & (leaks.first_night <= night) & (leaks.end > night)]
        totals["true_alarms"] += int(not running.empty)
    first_counted = pd.Timestamp(period.start) + pd.Timedelta(days=settings.baseline_nights)
    for leak in leaks[leaks.first_night >= first_counted].itertuples(index=False):
        raised = detected[(alarms.dma_id == leak.dma_id) & (detected >= leak.first_night) & (detected < leak.end)]
        totals["leaks"] += 1
        totals["found"] += int(not raised.empty)
        totals["in_time"] += int(not raised.empty and raised.min() - leak.first_night <= pd.Timedelta(days=2))
    return totals


def print_night_flow(seeds: Sequence[int]) -> None:
    totals = pd.DataFrame([night_flow_counts(seed) for seed in seeds], index=list(seeds))
    print(totals.to_string())
    summed = totals.sum()
    print(
        f"total over seeds {', '.join(map(str, seeds))}: {summed.found} of {summed.leaks} leaks on mains found "
        f"({summed.in_time} within two nights), {summed.alarms} alarms, {summed.true_alarms} true: precision "
        f"{summed.true_alarms / max(summed.alarms, 1):.2f}, recall {summed.found / max(summed.leaks, 1):.2f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.second_county", description=__doc__)
    parser.add_argument("seeds", type=int, nargs="+", metavar="SEED", help="seeds of the counties to score")
    parser.add_argument(
        "--night-flow", action="store_true", help="score the DMAs' night-flow alarms against the leaks on mains"
    )
    arguments = parser.parse_args(argv)
    if arguments.night_flow:
        print_night_flow(arguments.seeds)
        return 0
    tables, causes = [], []
    for seed in arguments.seeds:
        table, seed_causes = run_seed(seed)
        tables.append(table)
        causes.append(seed_causes)
    print(f"total over seeds {', '.join(map(str, arguments.seeds))}:")
    print(scores(sum(tables[1:], tables[0])).to_string())
    print("false alarms by kind and circumstance:")
    print(pd.concat(causes).groupby(level=[0, 1]).sum().to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
