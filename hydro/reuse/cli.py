"""`hydro reuse`: water reuse targets and networks from the command line.

``hydro reuse solve PROBLEM.json [--json] [--no-interplant]`` prints the
targets and the network as tables, or with ``--json`` one JSON object with
``status``, ``freshwater_t_per_h``, ``wastewater_t_per_h``, ``pinch_ppm`` (a
list), ``flows`` (each ``from``, ``to``, ``flow_t_per_h``) and more. The exit
code is 0 when a network is found, 1 when the problem is infeasible (the
explanation is printed) and 2 when the problem file is rejected.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from hydro.reuse import Scenario, Solution, load_problem, solve
from hydro.reuse.problem import OBJECTIVES
from hydro.reuse.solve import DEFAULT_MIP_GAP, DEFAULT_TIME_LIMIT_S


def register(subparsers: Any) -> None:
    """Add the `reuse` command group to the `hydro` parser."""
    reuse = subparsers.add_parser("reuse", help="industrial water reuse: pinch targets and reuse networks")
    commands = reuse.add_subparsers(dest="reuse_command", required=True, metavar="COMMAND")
    solve_parser = commands.add_parser(
        "solve",
        help="least freshwater and least cost network of a problem file",
        description="Solve a water reuse problem (format: docs/reuse-problem.md) and print its targets and network.",
    )
    solve_parser.add_argument("problem", metavar="PROBLEM.json", help="the problem file")
    solve_parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    solve_parser.add_argument(
        "--no-interplant", action="store_true", help="keep every stream within its own plant (allow_interplant false)"
    )
    solve_parser.add_argument(
        "--no-reuse", action="store_true", help="the no-reuse baseline: every demand on freshwater"
    )
    solve_parser.add_argument("--objective", choices=OBJECTIVES, help="overrides the problem's objective")
    solve_parser.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT_S,
        help="seconds allowed to each solver call (default 60)",
    )
    solve_parser.add_argument(
        "--gap", type=float, default=DEFAULT_MIP_GAP, help="relative gap at which searches stop (default 1e-4)"
    )
    solve_parser.set_defaults(handler=run_solve)


def run_solve(arguments: argparse.Namespace) -> int:
    problem = load_problem(arguments.problem)
    scenario = Scenario(allow_interplant=False if arguments.no_interplant else None, reuse=not arguments.no_reuse)
    solution = solve(problem, scenario, arguments.objective, arguments.time_limit, arguments.gap)
    if arguments.json:
        print(json.dumps(solution.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_solution(solution, problem.name))
    return 0 if solution.feasible else 1


def format_solution(solution: Solution, name: str = "") -> str:
    """The targets and the network as plain-text tables."""
    lines = [name] if name else []
    if not solution.feasible:
        lines.append("status: infeasible")
        lines.extend(f"  - {reason}" for reason in solution.explanation)
        return "\n".join(lines)
    pinch = ", ".join(f"{value:g}" for value in solution.pinch_ppm) or "none"
    targets = [
        ("status", f"{solution.status} ({solution.method})"),
        ("freshwater [t/h]", f"{solution.freshwater_t_per_h:.3f}"),
        ("  proven least [t/h]", f"{solution.freshwater_lower_bound_t_per_h:.3f} (gap {solution.gap:.2%})"),
        *((f"  from {source} [t/h]", f"{flow:.3f}") for source, flow in solution.freshwater_by_source_t_per_h.items()),
        ("wastewater [t/h]", f"{solution.wastewater_t_per_h:.3f}"),
        ("regenerated [t/h]", f"{solution.regenerated_t_per_h:.3f}"),
        ("pinch [ppm]", pinch),
        ("annual cost [yuan]", f"{solution.costs.total:,.0f}"),
        ("  of which pipes [yuan]", f"{solution.costs.piping:,.0f}"),
        ("inter-plant pipes", str(solution.interplant_connections)),
    ]
    lines.extend(_table(("target", "value"), targets))
    lines.append("")
    rows = [
        (flow.from_id, flow.to_id, f"{flow.flow_t_per_h:.3f}", f"{flow.distance_m:.0f}" if flow.interplant else "")
        for flow in solution.flows
    ]
    lines.extend(_table(("from", "to", "flow [t/h]", "pipe [m]"), rows))
    return "\n".join(lines)


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return [line(header), line(tuple("-" * width for width in widths)), *(line(row) for row in rows)]
