"""Industrial water reuse: water pinch targets and network synthesis (企业串联用水, 中水回用).

Read a problem with `load_problem` / `parse_problem` (format in
``docs/reuse-problem.md``), solve it with `solve`, and read the `Solution`.
The command `hydro reuse solve` is in `hydro.reuse.cli`.
"""

from hydro.reuse.network import Costs, Flow, Solution
from hydro.reuse.problem import (
    WATER_DENSITY_T_PER_M3,
    FreshwaterSource,
    Piping,
    Plant,
    Problem,
    ProblemError,
    Sink,
    Source,
    load_problem,
    parse_problem,
)
from hydro.reuse.solve import Scenario, solve

__all__ = [
    "WATER_DENSITY_T_PER_M3",
    "Costs",
    "Flow",
    "FreshwaterSource",
    "Piping",
    "Plant",
    "Problem",
    "ProblemError",
    "Scenario",
    "Sink",
    "Solution",
    "Source",
    "load_problem",
    "parse_problem",
    "solve",
]
