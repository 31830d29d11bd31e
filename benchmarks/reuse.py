"""The reuse optimiser against HiGHS with no modelling layer in between (the floor).

Three measurements, each checked for agreement before it is timed:

* ``reuse-lp-200``: least freshwater of 200 sources × 200 sinks, one
  contaminant. Civic's `hydro.reuse.solve` (water cascade and nearest
  neighbours, checks, flows, costs) against the same linear program built
  directly in numpy and solved by HiGHS.
* ``reuse-lp-1000``: the same at 1,000 × 1,000 (the issue asks for under
  5 s). The floor would be an LP of a million columns that takes HiGHS many
  minutes here, so the baseline is the cascade's target alone in plain Python:
  the ratio is what building and checking the network costs over the number.
* ``reuse-park``: a synthetic park of 100 plants × 5 sources × 5 sinks with
  pipe costs by distance (three nearest plants), least freshwater then least
  annual cost to a 1 % gap. Civic's `solve` against HiGHS solving the two
  models Civic builds, passed in whole (their building is left out of the
  baseline's time): the ratio is the modelling layer's overhead.
"""

from __future__ import annotations

import random
import sys
from typing import Any

import highspy
import numpy as np
from scipy import sparse

from benchmarks.runner import Benchmark
from hydro.reuse import Problem, parse_problem, solve
from hydro.reuse.cascade import Stream, cascade_target

PARK_PLANTS = 100
PARK_STREAMS_PER_PLANT = 5
PARK_GAP = 0.01
PARK_TIME_LIMIT_S = 45.0


def fixed_flow_problem(size: int, seed: int = 1) -> dict[str, Any]:
    """`size` sources and `size` sinks of random flow (5–100 t/h) and COD (sources 10–400, limits 0–300 ppm)."""
    generator = random.Random(seed)
    return {
        "contaminants": ["COD"],
        "freshwater": [{"id": "FW", "concentration": {"COD": 0}, "cost_per_t": 4.5}],
        "sources": [
            {
                "id": f"S{i}",
                "flow_t_per_h": round(generator.uniform(5, 100), 1),
                "concentration": {"COD": round(generator.uniform(10, 400), 1)},
            }
            for i in range(size)
        ],
        "sinks": [
            {
                "id": f"D{i}",
                "flow_t_per_h": round(generator.uniform(5, 100), 1),
                "max_concentration": {"COD": round(generator.uniform(0, 300), 1)},
            }
            for i in range(size)
        ],
    }


def park_problem(plants: int = PARK_PLANTS, per_plant: int = PARK_STREAMS_PER_PLANT, seed: int = 2) -> dict[str, Any]:
    """Plants scattered over 10 km × 10 km, each with `per_plant` sources and sinks; pipes to the three nearest plants."""
    generator = random.Random(seed)
    document: dict[str, Any] = {
        "contaminants": ["COD"],
        "freshwater": [{"id": "FW", "concentration": {"COD": 0}, "cost_per_t": 4.5}],
        "plants": [
            {"id": f"P{p}", "x_m": round(generator.uniform(0, 10_000)), "y_m": round(generator.uniform(0, 10_000))}
            for p in range(plants)
        ],
        "sources": [],
        "sinks": [],
        "wastewater": {"cost_per_t": 2.0},
        "piping": {
            "fixed_cost": 20_000,
            "cost_per_m": 300,
            "cost_per_t_per_h_m": 1,
            "annualisation_factor": 0.1,
            "nearest_plants": 3,
        },
    }
    for p in range(plants):
        for k in range(per_plant):
            document["sources"].append(
                {
                    "id": f"P{p}S{k}",
                    "plant": f"P{p}",
                    "flow_t_per_h": round(generator.uniform(5, 50), 1),
                    "concentration": {"COD": round(generator.uniform(10, 300), 1)},
                }
            )
            document["sinks"].append(
                {
                    "id": f"P{p}D{k}",
                    "plant": f"P{p}",
                    "flow_t_per_h": round(generator.uniform(5, 50), 1),
                    "max_concentration": {"COD": round(generator.uniform(0, 250), 1)},
                }
            )
    return document


def highs_least_freshwater(document: dict[str, Any]) -> float:
    """The fixed-flow least-freshwater LP built straight in numpy (freshwater, source→sink, source→drain) and solved by HiGHS."""
    supply = np.array([source["flow_t_per_h"] for source in document["sources"]])
    quality = np.array([source["concentration"]["COD"] for source in document["sources"]])
    demand = np.array([sink["flow_t_per_h"] for sink in document["sinks"]])
    limit = np.array([sink["max_concentration"]["COD"] for sink in document["sinks"]])
    n_sources, n_sinks = len(supply), len(demand)
    # Columns: freshwater→sink j, then source i→sink j (i-major), then source i→drain.
    fresh = np.arange(n_sinks)
    pairs = n_sinks + np.arange(n_sources * n_sinks)
    drain = n_sinks + n_sources * n_sinks + np.arange(n_sources)
    pair_source, pair_sink = np.divmod(np.arange(n_sources * n_sinks), n_sinks)
    rows = np.concatenate(
        [fresh, pair_sink, n_sinks + pair_source, n_sinks + np.arange(n_sources), n_sinks + n_sources + pair_sink]
    )
    columns = np.concatenate([fresh, pairs, pairs, drain, pairs])
    values = np.concatenate(
        [
            np.ones(n_sinks),
            np.ones(len(pairs)),
            np.ones(len(pairs)),
            np.ones(n_sources),
            quality[pair_source] - limit[pair_sink],
        ]
    )
    # The freshwater's own quality row entries (0 − limit) ≤ … are added as the last block.
    rows = np.concatenate([rows, n_sinks + n_sources + fresh])
    columns = np.concatenate([columns, fresh])
    values = np.concatenate([values, -limit])
    matrix = sparse.csc_matrix((values, (rows, columns)), shape=(2 * n_sinks + n_sources, drain[-1] + 1))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_ = np.concatenate([np.ones(n_sinks), np.zeros(matrix.shape[1] - n_sinks)])
    lp.col_lower_, lp.col_upper_ = np.zeros(matrix.shape[1]), np.full(matrix.shape[1], highspy.kHighsInf)
    lp.row_lower_ = np.concatenate([demand, supply, np.full(n_sinks, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([demand, supply, np.zeros(n_sinks)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(lp)
    highs.run()
    return float(highs.getInfo().objective_function_value)


def cascade_freshwater(document: dict[str, Any]) -> float:
    demands = [Stream(sink["flow_t_per_h"], sink["max_concentration"]["COD"]) for sink in document["sinks"]]
    supplies = [Stream(source["flow_t_per_h"], source["concentration"]["COD"]) for source in document["sources"]]
    return cascade_target(demands, supplies).freshwater_t_per_h


def civic_freshwater(problem: Problem) -> float:
    return solve(problem, objective="freshwater").freshwater_t_per_h


def same_freshwater(first: object, second: object) -> bool:
    assert isinstance(first, float) and isinstance(second, float)
    return abs(first - second) <= 1e-6 * max(1.0, abs(first))


def lp_benchmark(size: int) -> Benchmark:
    document = fixed_flow_problem(size)
    problem = parse_problem(document)
    return Benchmark(
        name=f"reuse-lp-{size}",
        description=f"least freshwater of {size:,} sources × {size:,} sinks, hydro.reuse.solve vs the LP in numpy + HiGHS",
        baseline=lambda: highs_least_freshwater(document),
        candidate=lambda: civic_freshwater(problem),
        agree=same_freshwater,
    )


def lp_1000_benchmark() -> Benchmark:
    document = fixed_flow_problem(1000)
    problem = parse_problem(document)
    return Benchmark(
        name="reuse-lp-1000",
        description="least freshwater and network of 1,000 × 1,000 streams, hydro.reuse.solve vs the cascade target alone",
        baseline=lambda: cascade_freshwater(document),
        candidate=lambda: civic_freshwater(problem),
        agree=same_freshwater,
    )


def park_benchmark() -> Benchmark:
    problem = parse_problem(park_problem())
    models = _park_models(problem)
    return Benchmark(
        name="reuse-park",
        description=f"park of {PARK_PLANTS} plants × {PARK_STREAMS_PER_PLANT} sources × {PARK_STREAMS_PER_PLANT} sinks, "
        f"least freshwater then cost to a {PARK_GAP:.0%} gap, hydro.reuse.solve vs HiGHS on its two models",
        baseline=lambda: _solve_models(*models),
        candidate=lambda: _civic_park(problem),
        agree=_park_costs_agree,
    )


def _civic_park(problem: Problem) -> tuple[float, float, str]:
    solution = solve(problem, mip_gap=PARK_GAP, time_limit_s=PARK_TIME_LIMIT_S)
    return solution.freshwater_t_per_h, solution.costs.total, solution.status


def _park_models(problem: Problem) -> tuple[highspy.HighsLp, highspy.HighsLp, Any]:
    """Civic's stage-1 LP and stage-2 MILP for the park, built once (outside the baseline's time)."""
    stages = sys.modules["hydro.reuse.solve"]
    from hydro.reuse.formulation import unit_data
    from hydro.reuse.linear_model import INFINITY, run
    from hydro.reuse.superstructure import build_superstructure

    structure = build_superstructure(problem)
    formulation = stages.build_model(
        problem, structure, unit_data(problem, structure), unit_data(problem, structure).outlet_ppm
    )
    first_lp = formulation.model.to_lp(formulation.objectives["freshwater"], relax=True)
    first = run(formulation.model.to_highs(formulation.objectives["freshwater"], relax=True))
    used = np.flatnonzero(formulation.objectives["freshwater"])
    limit = first.objective * (1 + stages.FRESHWATER_SLACK_RELATIVE) + stages.FRESHWATER_SLACK_T_PER_H
    formulation.model.add_rows(-INFINITY, limit, np.zeros(len(used), dtype=np.int64), used, 1.0, 1)
    second_lp = formulation.model.to_lp(formulation.objectives["cost"])
    return first_lp, second_lp, (formulation, first)


def _solve_models(first_lp: highspy.HighsLp, second_lp: highspy.HighsLp, context: Any) -> tuple[float, float, str]:
    stages = sys.modules["hydro.reuse.solve"]
    formulation, first = context
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(first_lp)
    highs.run()
    freshwater = highs.getInfo().objective_function_value
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", PARK_GAP)
    highs.setOptionValue("time_limit", PARK_TIME_LIMIT_S)
    highs.passModel(second_lp)
    stages._start_from(highs, formulation, first)
    highs.run()
    info = highs.getInfo()
    status = "optimal" if info.mip_gap <= PARK_GAP else "feasible"
    return float(freshwater), float(info.objective_function_value), status


def _park_costs_agree(baseline: object, candidate: object) -> bool:
    assert isinstance(baseline, tuple) and isinstance(candidate, tuple)
    same_water = abs(baseline[0] - candidate[0]) <= 1e-4 * baseline[0]
    return same_water and abs(baseline[1] - candidate[1]) <= 2 * PARK_GAP * baseline[1]


def lp_200_benchmark() -> Benchmark:
    return lp_benchmark(200)
