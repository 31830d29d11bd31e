"""Hydro: Civic's analytics core. Pure functions on numbers and tables; no Django, no database.

Topic modules and packages (a package with a `cli` module adds its commands to `hydro`):

- `hydro.planning` — annual planned water use and its monthly split (计划用水核定).
- `hydro.surcharge` — the over-plan progressive surcharge (超计划累进加价).
- `hydro.intake` — reading uploaded tables: headings, typed cells, row and cell errors.
- `hydro.readings` — meter readings (`hydro readings`): validation of reading files and indexes to
  volumes, the smart-meter Parquet store on DuckDB or Spark, DMA balance, minimum night flow, customer
  anomalies and leaks behind customer meters, the generators of synthetic counties, and which alarm
  outcome makes an alarm true (measured precision).
- `hydro.water_audit` — the annual water audit: IWA balance, UARL, ILI, CJJ 92 leakage rate (`hydro audit`).
- `hydro.savings` — measured savings of a project (IPMVP Option C) (`hydro savings`).
- `hydro.subsidy` — a project's subsidy from the year's rules.
- `hydro.irrigation` — the irrigation water efficiency coefficient (`hydro irrigation`).
- `hydro.balance_test` — water-balance test indicators and closure checks (`hydro balance-test`).
- `hydro.quota_benchmark` — intake per unit product against a water-use quota.
- `hydro.scorecard` — scoring a county under an evaluation profile.
- `hydro.network` — EPANET network models, leak simulation, detection and localisation (`hydro network`).
- `hydro.reuse` — water reuse between firms: pinch targets and network synthesis (`hydro reuse`).

Units are SI inside (m³ for volumes, m³/h for flows, m for heads), and a name
carries its unit (`flow_t_per_h`, `volume_m3`); money is in yuan as `decimal.Decimal`.
"""
