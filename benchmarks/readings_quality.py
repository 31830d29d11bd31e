"""How well the readings analysis finds what was injected: `python -m benchmarks.readings_quality`.

Prints, for a synthetic county (`hydro.readings.synthetic`): the night-flow
alarms against DMA leaks of 2 % of inflow (nights from the leak's start to
the alarm, and false alarms), and the import rate of the readings store.
Customer anomalies are measured on held-out realistic draws by
`python -m benchmarks.customer_alarms`.
"""

from __future__ import annotations

import argparse
import datetime

import ibis
import pandas as pd

from benchmarks.readings import import_rate_rows_per_s
from hydro.readings.analysis import analyse
from hydro.readings.night_flow import night_flow_alarms
from hydro.readings.periods import Period
from hydro.readings.synthetic import generate_county

MONTH = Period.parse("2024-03")


def night_flow_scores(dma_count: int, customers_per_dma: int, seeds: range) -> pd.DataFrame:
    rows = []
    for seed in seeds:
        county = generate_county(
            dma_count=dma_count,
            customers_per_dma=customers_per_dma,
            leaking_dmas=dma_count // 2,
            leak_share_of_inflow=0.02,
            anomalous_customers_per_kind=0,
            seed=seed,
        )
        connection = ibis.duckdb.connect()
        readings = connection.create_table("readings", county.readings)
        nights = analyse(connection, readings, county.zones, MONTH).nights
        alarms = night_flow_alarms(nights)
        for dma_id in county.zones.dma_id.unique():
            leak = county.dma_leaks[county.dma_leaks.dma_id == dma_id]
            mine = alarms[alarms.dma_id == dma_id]
            leak_start = leak.start.iloc[0] if len(leak) else datetime.date.max
            true_alarms = mine[mine.detected >= leak_start]
            delay = (true_alarms.detected.min() - leak_start).days if len(true_alarms) else None
            rows.append(
                {
                    "seed": seed,
                    "dma_id": dma_id,
                    "leaking": bool(len(leak)),
                    "false_alarms": int((mine.detected < leak_start).sum()),
                    "nights_to_alarm": delay,
                }
            )
    return pd.DataFrame(rows)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.readings_quality", description=__doc__)
    parser.add_argument("--customers", type=int, default=1000, help="customers per DMA (default 1000)")
    parser.add_argument("--dmas", type=int, default=6, help="DMAs (default 6)")
    arguments = parser.parse_args()
    scores = night_flow_scores(arguments.dmas, arguments.customers, range(1, 6))
    leaking = scores[scores.leaking]
    caught = leaking.nights_to_alarm.notna()
    within_two = (leaking.nights_to_alarm <= 1).sum()  # the leak's first night counts as night 0
    dma_nights = len(scores) * 31
    print(
        f"\nnight flow: {len(leaking)} leaks of 2 % of inflow, {caught.sum()} alarmed, {within_two} by the leak's "
        f"second night, median {leaking.nights_to_alarm.median():.0f} nights after its first; "
        f"{scores.false_alarms.sum()} false alarms in {dma_nights} DMA-nights"
    )
    print(f"import: {import_rate_rows_per_s():,.0f} rows per second (one core)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
