"""The second synthetic county drawn whole: `generate` a seed's county and its export files.

The model of each part is `benchmarks.second_county_model`'s; this module puts the parts together in the
order the water flows (use, leaks, registers, readings, inflows) and writes the head-end's export files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.second_county_model import (
    DMAS,
    FIRST_HOUR,
    HOUR_COUNT,
    HOURS,
    Chooser,
    CountySettings,
    Notes,
    Premises,
    SecondCounty,
    absences,
    add_night_habits,
    apply_absences,
    customer_rows,
    draw_premises,
    draw_settings,
    household_use,
    inflow_rows,
    inject_leaks,
    inject_reverse,
    inject_stuck,
    present_hours,
    registered,
    shift_clocks,
)

# --- files ------------------------------------------------------------------------------------------------------


def export_files(
    generator: np.random.Generator, settings: CountySettings, rows: pd.DataFrame, seed: int
) -> dict[str, pd.DataFrame]:
    """The head-end's export files: re-sent rows, row order, timestamp format and the split into files."""
    rows = pd.concat([rows, rows.sample(frac=settings.duplicate_rate, random_state=seed)], ignore_index=True)
    order = ["hour", "meter_id"] if settings.rows_by_time else ["meter_id", "hour"]
    rows = rows.sort_values(order, kind="stable")
    stamps = pd.date_range(FIRST_HOUR, periods=HOUR_COUNT + 1, freq="h")
    text = stamps.strftime("%Y-%m-%dT%H:%M:%S+08:00" if settings.iso_timestamps else "%Y-%m-%d %H:%M:%S")
    rows["timestamp"] = np.asarray(text)[rows.hour.to_numpy()]
    april = HOURS.get_loc(pd.Timestamp("2025-04-01"))
    columns = ["meter_id", "timestamp", "volume_m3"]
    if settings.file_split == "month_overlap":
        overlap = int(generator.integers(1, 49))
        return {
            "readings_2025-03.csv": rows.loc[rows.hour < april + overlap, columns],
            "readings_2025-04.csv": rows.loc[rows.hour >= april, columns],
        }
    files = {}
    for dma_id in DMAS:
        own = rows[rows.dma_id == dma_id]
        if settings.file_split == "dma":
            files[f"readings_{dma_id}.csv"] = own[columns]
        else:
            files[f"readings_{dma_id}_2025-03.csv"] = own.loc[own.hour < april, columns]
            files[f"readings_{dma_id}_2025-04.csv"] = own.loc[own.hour >= april, columns]
    return files


def zones_table(premises: Premises) -> pd.DataFrame:
    """``meter_id, dma_id, role``: the customers and each DMA's inflow meter."""
    customers = pd.DataFrame(
        {"meter_id": premises.meter_ids, "dma_id": np.array(DMAS)[premises.dma], "role": "customer"}
    )
    inflows = pd.DataFrame({"meter_id": [f"{dma_id}-IN" for dma_id in DMAS], "dma_id": DMAS, "role": "inflow"})
    return pd.concat([customers, inflows], ignore_index=True)


def premises_table(premises: Premises) -> pd.DataFrame:
    """The premises' attributes that explain an alarm: kind, register step, export vendor."""
    return pd.DataFrame(
        {
            "meter_id": premises.meter_ids,
            "dma_id": np.array(DMAS)[premises.dma],
            "kind": premises.kind,
            "resolution_m3": premises.resolution_m3,
            "index_vendor": premises.index_vendor,
        }
    )


# --- the county -------------------------------------------------------------------------------------------------


def generate(seed: int) -> SecondCounty:
    """The county of a seed: settings, premises, use, episodes, faults, inflows and export files."""
    generator = np.random.default_rng(seed)
    settings = draw_settings(generator)
    premises = draw_premises(generator, settings)
    notes = Notes()
    use, days = household_use(generator, premises, settings)
    add_night_habits(generator, premises, settings, (use, days), notes)
    away = absences(generator, premises, settings, notes)
    apply_absences(generator, premises, use, away)
    chooser = Chooser(generator)
    leaks = inject_leaks(generator, chooser, premises, settings, notes)
    through = use + leaks
    count = registered(premises, use, leaks)
    inject_stuck(generator, chooser, premises, settings, (through, away, count), notes)
    inject_reverse(generator, chooser, premises, settings, (through, use, count), notes)
    present = present_hours(generator, chooser, premises, settings, notes)
    rows = customer_rows(premises, count, present, notes)
    shift_clocks(generator, chooser, premises, settings, rows, notes)
    rows = rows.assign(meter_id=premises.meter_ids[rows.meter], volume_m3=rows.volume_m3.round(4)).drop(columns="meter")
    rows = pd.concat([rows, inflow_rows(generator, premises, settings, through, notes)], ignore_index=True)
    zones = zones_table(premises)
    rows["dma_id"] = rows.meter_id.map(dict(zip(zones.meter_id, zones.dma_id, strict=True)))
    return SecondCounty(
        settings=settings,
        files=export_files(generator, settings, rows, seed),
        zones=zones,
        truth=pd.DataFrame(notes.truth, columns=["meter_id", "kind", "start", "end", "rate_m3_per_h"]),
        context=pd.DataFrame(notes.context, columns=["meter_id", "what", "start", "end", "detail"]),
        premises=premises_table(premises),
    )
