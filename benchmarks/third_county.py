"""Customer alarms on a third synthetic county: `python -m benchmarks.third_county SEED [SEED ...]`.

The county is `benchmarks.third_county_model`'s, written apart from the other
two generators and from the detectors: held-out data, on which nothing is
tuned. For each seed it draws the county, writes its five export files and
imports them into a fresh readings store as `benchmarks.second_county` does
(`import_county`), checks that the store holds what the files say, and runs
the customer anomaly analysis over the county's period with the settings
`benchmarks.second_county` scores with (`AnomalySettings()`, the default
confidence table, the zones, so that runs of zeros are judged on their DMA's
balance).

Alarms and episodes are matched and counted by `benchmarks.second_county`
(`matches`, `counts`, `scores`): an alarm is true when it overlaps an
injected episode of its meter and kind, an episode found when a true alarm
overlaps it. Summed over the seeds it prints per kind the alarms, true
alarms, precision, episodes, found, recall, alarms per found episode and the
recall of leaks of at least 10 L/h; the episodes found by export (the daily
reads among them); the leaks a mechanical meter could not count (below its
starting flow); and what was going on at the meters of the false alarms.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import pandas as pd

from benchmarks.second_county import KINDS, circumstances_during, counts, import_county, matches, scores
from benchmarks.third_county_model import FILE_NAMES, HEADINGS, PERIOD, ThirdCounty, generate
from hydro.readings.alarm_confidence import DEFAULT_TABLE, ConfidenceTable
from hydro.readings.analysis import AnomalySettings, customer_findings_by_group
from hydro.readings.engine import connect, memory_table, readings_table
from hydro.readings.periods import Period
from hydro.readings.store import stored_files

CAUSES = (
    ("true ", "another true episode"),
    ("clock_off", "clock an hour off"),
    ("outage", "concentrator or cell outage"),
    ("vacant", "vacant flat"),
    ("holiday_away", "away over the holiday"),
    ("away", "away"),
    ("migrant_left", "migrant worker left"),
    ("closed", "business closed"),
    ("float_tank", "rooftop tank refills"),
    ("fish_pond", "fish pond trickle"),
    ("night_solar_fill", "solar heater filled at night"),
    ("night_shift", "night-shift worker"),
    ("business", "business"),
    ("visitors", "visiting relatives"),
    ("daily_read", "read once a day"),
    ("coarse_register", "10 L or 100 L register"),
    ("ro_purifier", "RO purifier"),
    ("livestock", "livestock"),
)
"""Circumstance at a false alarm's meter → its name, the most telling first; a business is named by its kind."""
FIRST = {
    "stuck": ("vacant", "holiday_away", "away", "migrant_left", "closed"),
    "gap": ("outage", "daily_read"),
}
"""The circumstances that tell most for some kinds: for a run of zeros an empty home or a shut business, for a
gap a network down or a meter read once a day (whose one lost reading is a day lost)."""


# --- alarms -------------------------------------------------------------------------------------------------------


def county_alarms(
    store: Path,
    zones: pd.DataFrame,
    period_text: str = PERIOD,
    confidence_table: ConfidenceTable | None = DEFAULT_TABLE,
) -> pd.DataFrame:
    """The customer alarms of `period_text` in the store, as `benchmarks.second_county.store_alarms` raises them
    for its own period: default settings, runs of zeros judged on their DMAs' balance."""
    period = Period.parse(period_text)
    connection = connect()
    readings = readings_table(connection, store, period.months())
    zone_table = memory_table(connection, zones, "zones")
    customers = zone_table.filter(zone_table.role == "customer").select("meter_id").distinct()
    alarms = customer_findings_by_group(
        connection, readings, period, AnomalySettings(), customers, zones=zone_table, confidence_table=confidence_table
    ).anomalies
    return alarms.assign(start=pd.to_datetime(alarms.start), end=pd.to_datetime(alarms.end))


# --- the import ---------------------------------------------------------------------------------------------------


def import_check(store: Path, county: ThirdCounty) -> pd.DataFrame:
    """Per file: the meters, the rows written and stored, the stored intervals' usual length, and the meters
    whose stored volume differs from what the file says (its volumes' sum, or its last index less its first) by
    more than a litre."""
    stored = pd.concat([pd.read_parquet(path) for path in stored_files(store)], ignore_index=True)
    rows = []
    names = {**{name: export for export, name in FILE_NAMES.items()}, "dma_inflow.csv": "inflow"}
    for name, written in county.files.items():
        export = names[name]
        meter, stamp, value = HEADINGS.get(export, ("meter_id", "timestamp", "volume_m3"))
        unique = written.drop_duplicates([meter, stamp]).rename(columns={meter: "meter_id", value: "value"})
        if export.endswith("index"):
            ordered = unique.sort_values(["meter_id", stamp])
            expected = ordered.groupby("meter_id").value.agg(lambda values: values.iloc[-1] - values.iloc[0])
        else:
            expected = unique.groupby("meter_id").value.sum()
        mine = stored[stored.meter_id.isin(expected.index)]
        got = mine.groupby("meter_id").volume_m3.sum().reindex(expected.index, fill_value=0.0)
        rows.append(
            {
                "file": name,
                "meters": len(expected),
                "rows_written": len(written),
                "rows_stored": len(mine),
                "usual_interval_s": int(mine.duration_s.mode().iloc[0]) if len(mine) else 0,
                "meters_off_by_1_l": int(((got - expected).abs() > 0.001 + 1e-9).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("file")


# --- false alarms -------------------------------------------------------------------------------------------------


def circumstance_table(county: ThirdCounty) -> pd.DataFrame:
    """What went on at each meter and when: the context, and the episodes (as ``true <kind>``)."""
    episodes = county.truth.assign(what="true " + county.truth.kind)
    return pd.concat([county.context, episodes], ignore_index=True)[["meter_id", "what", "start", "end"]]


def cause(alarm: Any, circumstances: pd.DataFrame) -> str:
    """The most telling circumstance at an alarm's meter during it (`FIRST` first for some kinds)."""
    here = circumstances_during(alarm, circumstances)
    first = FIRST.get(alarm.kind, ())
    order = [entry for entry in CAUSES if entry[0] in first] + list(CAUSES)
    for prefix, name in order:
        present = here.what[here.what.str.startswith(prefix)]
        if len(present):
            return str(present.iloc[0]) if prefix == "business" else name
    return "nothing special"


def false_alarms(alarms: pd.DataFrame, county: ThirdCounty) -> pd.DataFrame:
    """The false alarms, each with its cause."""
    numbered = alarms.reset_index(drop=True)
    false = numbered[~numbered.index.isin(set(matches(numbered, county.truth).alarm))]
    circumstances = circumstance_table(county)
    return false.assign(cause=[cause(alarm, circumstances) for alarm in false.itertuples(index=False)])


# --- episodes found -----------------------------------------------------------------------------------------------


def episodes_found(alarms: pd.DataFrame, county: ThirdCounty) -> pd.DataFrame:
    """Each episode with whether a true alarm found it, and for a leak whether its meter could count it (a
    steady or growing leak below a mechanical meter's starting flow all along registers nothing)."""
    truth = county.truth.reset_index(drop=True)
    found = truth.index.isin(matches(alarms.reset_index(drop=True), truth).episode)
    starting = county.premises.starting_flow_m3_per_h.to_numpy()[truth.premises]
    uncountable = (truth.kind == "continuous_flow") & (truth.detail != "cistern") & (truth.rate_m3_per_h < starting)
    return truth.assign(found=found, uncountable=uncountable.to_numpy())


# --- the command --------------------------------------------------------------------------------------------------


def run_seed(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Draw, import, check, analyse and score one seed; print its table. The counts, the false alarms with their
    causes, and the episodes with whether they were found."""
    began = time.perf_counter()
    county = generate(seed)
    drawn = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        store, dropped, repeated = import_county(cast(Any, county), Path(directory))
        imported = time.perf_counter()
        check = import_check(store, county)
        alarms = county_alarms(store, county.zones)
    analysed = time.perf_counter()
    table = counts(alarms, county.truth)
    customers = int((county.zones.role == "customer").sum())
    print(
        f"seed {seed}: {customers} customers; rows left out as the smaller of two values at one meter and time: "
        f"{dropped}; repeated rows left out: {repeated}; {analysed - began:.1f} s (draw {drawn - began:.1f}, "
        f"import {imported - drawn:.1f}, analysis {analysed - imported:.1f})"
    )
    print(check.to_string())
    print(scores(table).to_string())
    return table, false_alarms(alarms, county).assign(seed=seed), episodes_found(alarms, county).assign(seed=seed)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.third_county", description=__doc__)
    parser.add_argument("seeds", type=int, nargs="+", metavar="SEED", help="seeds of the counties to score")
    parser.add_argument("--false-alarms", type=Path, help="write the false alarms with their causes to this CSV")
    arguments = parser.parse_args(argv)
    tables, false, episodes = [], [], []
    for seed in arguments.seeds:
        table, seed_false, seed_episodes = run_seed(seed)
        tables.append(table)
        false.append(seed_false)
        episodes.append(seed_episodes)
    every_false, every_episode = pd.concat(false, ignore_index=True), pd.concat(episodes, ignore_index=True)
    print(f"total over seeds {', '.join(map(str, arguments.seeds))}:")
    print(scores(sum(tables[1:], tables[0])).to_string())
    print("episodes found by export (found / episodes):")
    by_export = every_episode.groupby(["kind", "export"]).found.agg(["sum", "count"])
    print(
        (by_export["sum"].astype(str) + " / " + by_export["count"].astype(str))
        .unstack()
        .reindex(KINDS)
        .fillna("")
        .to_string()
    )
    leaks = every_episode[every_episode.kind == "continuous_flow"]
    print(
        f"leaks below their meter's starting flow all along (nothing counted): {int(leaks.uncountable.sum())} of "
        f"{len(leaks)}, {int(leaks.found[leaks.uncountable].sum())} found"
    )
    print("false alarms by kind and what was going on at the meter:")
    print(every_false.groupby(["kind", "cause"]).size().rename("alarms").to_string())
    if arguments.false_alarms:
        every_false.to_csv(arguments.false_alarms, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
