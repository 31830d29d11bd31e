"""Supply-network model, simulation, leak detection and leak localisation.

Topic modules:

- `inp_check`: line-by-line check of EPANET `.inp` files, so a bad file is
  reported by file and line instead of a parser's traceback.
- `model`: load a network through `wntr`, summarise it (counts, lengths, zones).
- `sensors`: the sensor list (`sensors.yaml`) and the BattLeDIM data layout
  (`pressures.csv`, `flows.csv`, `levels.csv`, optional `demands.csv`, `leaks.csv`).
- `toolkit`: a thin in-process session over the EPANET toolkit (no `.inp` per run).
- `simulation`: extended-period runs with leaks and demand noise.
- `residuals`: pressure residuals of four-hour windows a day, less what the
  model explains (consumption, tank levels, pump flows), and their model check.
- `detection`: a sequential generalised likelihood-ratio test for a new leak on
  any candidate pipe in the whitened window residuals, leaks already found
  fitted out (non-negative least squares).
- `night_watch`: the fallback for networks whose controls answer a leak (e.g.
  Net3): a CUSUM on night consumption against its day-of-week reference.
- `localisation`: sensitivity sweep over candidate pipes, in parallel.
- `spark_sweep`: the same sweep as Spark tasks (`--engine pyspark`).
- `locate`: the pipeline `hydro network locate` runs (calibrate, detect, localise).
- `scenarios`: scenario generator for the evaluation.
- `scoring`: BattLeDIM 2020 scoring (true positives within 300 m of pipe distance).
- `area`: the candidate area of a located leak (the pipes within 300 m of it).
- `demo`: the small worked localisation on Net3 that the network page shows.
- `cli`: the `hydro network` commands (summary, simulate, locate).

Units inside are SI: m, m³/s for flows in the toolkit, m³/h in the sensor files
(as BattLeDIM publishes them), seconds for times from the start of a run.

References (keys of docs/sources.md): [EPANET-2.2] the toolkit, emitters and
pressure-driven demand; [WAGNER-1988] pressure-driven demand;
[BASSEVILLE-1993] the likelihood-ratio test; [HUBER-1981] the window
weights; [PAGE-1954] the night CUSUM; [PEREZ-2011] leak signatures;
[BATTLEDIM-2020] the data layout, L-TOWN and the scoring.
"""
