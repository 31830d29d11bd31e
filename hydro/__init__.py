"""Hydro: Civic's analytics core. Pure functions on numbers and tables; no Django, no database.

Topic modules:

- `hydro.planning` — annual planned water use and its monthly split (计划用水核定).
- `hydro.surcharge` — the over-plan progressive surcharge (超计划累进加价).
- `hydro.readings` — meter readings: validation of reading files, indexes to volumes, the smart-meter
  store and its analyses (DMA balance, night flow, customer leaks).

Units are SI inside (m³ for volumes); money is in yuan as `decimal.Decimal`.
"""
