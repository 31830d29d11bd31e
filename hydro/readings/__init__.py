"""Meter readings, monthly and smart-meter, and what they tell about water lost.

Modules by topic:

- `hydro.readings.meter_readings` — row checks of a file of readings; indexes to
  volumes, register rollovers, plausible volumes.
- `hydro.readings.readings_file` — a smart-meter readings file read and checked
  column by column; one reading per meter and time; failed reads left out.
- `hydro.readings.store` — smart-meter readings as an append-only Parquet dataset
  partitioned by month.
- `hydro.readings.engine` — where the analyses run: DuckDB, or Spark when a
  setting says so.
- `hydro.readings.periods` — the period analysed and the zone file (which
  meters are a DMA's inflow, outflow and customers).
- `hydro.readings.balance` — the water balance of each DMA as an Ibis
  expression, by day, month or period.
- `hydro.readings.analysis` — customer anomalies as Ibis expressions; the
  monthly analysis of the balance, the night flow and the anomalies.
- `hydro.readings.night_flow` — minimum night flow, legitimate night use and
  leakage of each DMA, and the CUSUM alarms on its rise.
- `hydro.readings.meter_series` — the customer anomalies and leak floors in one
  ordered pass over each meter's readings as arrays.
- `hydro.readings.customer_leaks` — leaks behind customer meters: a persistent
  rise of the meter's floor, one alarm per episode.
- `hydro.readings.stuck_balance` — a stuck meter freed again told from a
  household away by its DMA's daily balance.
- `hydro.readings.alarm_outcomes` — which field outcome makes an alarm true;
  measured precision; the effect of new thresholds on past alarms.
- `hydro.readings.synthetic`, `hydro.readings.realistic` — synthetic counties
  with known leaks and labelled episodes, to test and measure the analyses.
- `hydro.readings.cli` — the ``hydro readings`` command group.
"""
