"""Turn a reuse study (firms' streams, prices, pipe costs) into hydro.reuse problems and scenarios.

Each firm is a plant; its sources and sinks keep their names as ids
``<user number>/<stream name>``. COD is always a contaminant; ammonia nitrogen
and suspended solids are included when every source of the study gives them.
A sink that gives no limit for an included contaminant accepts any amount.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from civic.core import xlsx
from civic.water.models import ReuseStream, ReuseStreamKind, ReuseStudy
from hydro.reuse import (
    WATER_DENSITY_T_PER_M3,
    FreshwaterSource,
    Piping,
    Plant,
    Problem,
    Scenario,
    Sink,
    Solution,
    Source,
    solve,
)

CONTAMINANT_FIELDS = {
    "COD": "cod_mg_per_l",
    "NH3N": "ammonia_mg_per_l",
    "SS": "suspended_solids_mg_per_l",
}
RECLAIMED_FIELDS = {
    "COD": "reclaimed_cod_mg_per_l",
    "NH3N": "reclaimed_ammonia_mg_per_l",
    "SS": "reclaimed_suspended_solids_mg_per_l",
}
# A limit no water reaches: a sink that states none for a contaminant.
NO_LIMIT_MG_PER_L = 1.0e6
TAP_ID = "tap"
RECLAIMED_ID = "reclaimed"


@dataclass(frozen=True)
class ScenarioSpec:
    """One column of the comparison: how much reuse, and whether reclaimed water can be bought."""

    key: str
    label: str | Promise
    reuse: bool
    interplant: bool
    reclaimed: bool
    objective: str


SCENARIOS = (
    ScenarioSpec("no_reuse", _("No reuse"), reuse=False, interplant=False, reclaimed=False, objective="freshwater"),
    ScenarioSpec("within_plants", _("Within each firm"), True, False, False, "freshwater_then_cost"),
    ScenarioSpec("between_plants", _("Between firms"), True, True, False, "freshwater_then_cost"),
    # Reclaimed water is cheaper but not clean: the least cost network shows how much tap water it displaces.
    ScenarioSpec("with_reclaimed", _("Between firms, with reclaimed water"), True, True, True, "cost"),
)


def study_streams(study: ReuseStudy) -> list[ReuseStream]:
    return list(ReuseStream.objects.filter(water_user__in=study.firms.all()).select_related("water_user"))


def study_contaminants(streams: list[ReuseStream]) -> list[str]:
    sources = [stream for stream in streams if stream.kind == ReuseStreamKind.SOURCE]
    return [
        name
        for name, field in CONTAMINANT_FIELDS.items()
        if name == "COD" or (sources and all(getattr(stream, field) is not None for stream in sources))
    ]


def stream_id(stream: ReuseStream) -> str:
    return f"{stream.water_user.code}/{stream.name}"


def study_problem(study: ReuseStudy, reclaimed: bool) -> Problem:
    """The study as a hydro.reuse problem; its `to_json()` is a problem file (docs/reuse-problem.md).

    The register states flows in m³/h and prices in yuan/m³; hydro.reuse states them per tonne, and each
    conversion goes through `WATER_DENSITY_T_PER_M3`.
    """
    streams = study_streams(study)
    contaminants = tuple(study_contaminants(streams))
    tap = FreshwaterSource(
        id=TAP_ID,
        concentration_ppm=dict.fromkeys(contaminants, 0.0),
        cost_yuan_per_t=_yuan_per_t(study.tap_price_yuan_per_m3),
    )
    return Problem(
        name=study.name,
        contaminants=contaminants,
        freshwater=(tap, _reclaimed_supply(study, contaminants)) if reclaimed else (tap,),
        plants=tuple(_plant(firm) for firm in study.firms.order_by("code")),
        sources=tuple(_source(stream, contaminants) for stream in streams if stream.kind == ReuseStreamKind.SOURCE),
        sinks=tuple(_sink(stream, contaminants) for stream in streams if stream.kind == ReuseStreamKind.SINK),
        wastewater_cost_yuan_per_t=_yuan_per_t(study.wastewater_price_yuan_per_m3),
        piping=Piping(
            fixed_cost_yuan=_yuan(study.pipe_fixed_cost_yuan),
            cost_yuan_per_m=_yuan(study.pipe_cost_yuan_per_m),
            annualisation_factor=study.annualisation_factor,
        ),
        hours_per_year=study.hours_per_year,
    )


def _reclaimed_supply(study: ReuseStudy, contaminants: tuple[str, ...]) -> FreshwaterSource:
    capacity_m3_per_h = study.reclaimed_capacity_m3_per_h
    return FreshwaterSource(
        id=RECLAIMED_ID,
        name="中水 / reclaimed water",
        concentration_ppm={name: getattr(study, RECLAIMED_FIELDS[name]) for name in contaminants},
        cost_yuan_per_t=_yuan_per_t(study.reclaimed_price_yuan_per_m3),
        capacity_t_per_h=None if capacity_m3_per_h is None else _t_per_h(capacity_m3_per_h),
    )


def _plant(firm: Any) -> Plant:
    site = getattr(firm, "reuse_site", None)
    return Plant(id=firm.code, name=firm.name, x_m=site.x_m if site else 0.0, y_m=site.y_m if site else 0.0)


def _source(stream: ReuseStream, contaminants: tuple[str, ...]) -> Source:
    return Source(
        id=stream_id(stream),
        plant=stream.water_user.code,
        flow_t_per_h=_t_per_h(stream.flow_m3_per_h),
        concentration_ppm={name: getattr(stream, CONTAMINANT_FIELDS[name]) for name in contaminants},
    )


def _sink(stream: ReuseStream, contaminants: tuple[str, ...]) -> Sink:
    limits = {name: getattr(stream, CONTAMINANT_FIELDS[name]) for name in contaminants}
    return Sink(
        id=stream_id(stream),
        plant=stream.water_user.code,
        flow_t_per_h=_t_per_h(stream.flow_m3_per_h),
        max_concentration_ppm={name: NO_LIMIT_MG_PER_L if value is None else value for name, value in limits.items()},
    )


def _t_per_h(flow_m3_per_h: float) -> float:
    return flow_m3_per_h * WATER_DENSITY_T_PER_M3


def m3_per_h(flow_t_per_h: float) -> float:
    """A flow of hydro.reuse [t/h] as the register states flows [m³/h], to 6 decimals as `hydro reuse` prints it."""
    return round(flow_t_per_h / WATER_DENSITY_T_PER_M3, 6)


def _yuan_per_t(price_yuan_per_m3: Decimal) -> Decimal:
    return _yuan(price_yuan_per_m3) / Decimal(WATER_DENSITY_T_PER_M3)


def _yuan(amount: Decimal | float) -> Decimal:
    """An amount of money as a Decimal, whether the field holds one already or a float not yet saved."""
    return Decimal(str(amount))


SOLVE_TIME_LIMIT_S = 30.0


def solve_study(study: ReuseStudy, progress: Callable[[int, int], object] | None = None) -> dict[str, Any]:
    """Every scenario of the study solved, with tap water saved against no reuse [m³/year].

    `progress(done, total)` is called after each scenario. The result is what the study stores (JSON).
    """
    problems = {reclaimed: study_problem(study, reclaimed) for reclaimed in (False, True)}
    scenarios = []
    for spec in SCENARIOS:
        scenario = Scenario(allow_interplant=spec.interplant, reuse=spec.reuse)
        solution = solve(problems[spec.reclaimed], scenario, spec.objective, SOLVE_TIME_LIMIT_S)
        scenarios.append(_summary(spec, solution))
        if progress:
            progress(len(scenarios), len(SCENARIOS))
    baseline = scenarios[0]["tap_m3_per_h"]
    for summary in scenarios:
        if summary["status"] != "infeasible" and baseline is not None:
            summary["tap_saved_m3_per_year"] = (baseline - summary["tap_m3_per_h"]) * study.hours_per_year
    return {
        "contaminants": list(problems[False].contaminants),
        "scenarios": scenarios,
        "problem": problems[True].to_json(),
    }


def _summary(spec: ScenarioSpec, solution: Solution) -> dict[str, Any]:
    feasible = solution.status != "infeasible"
    by_source_t_per_h = solution.freshwater_by_source_t_per_h
    return {
        "key": spec.key,
        "status": solution.status,
        "tap_m3_per_h": m3_per_h(by_source_t_per_h.get(TAP_ID, 0.0)) if feasible else None,
        "reclaimed_m3_per_h": m3_per_h(by_source_t_per_h.get(RECLAIMED_ID, 0.0)) if feasible else None,
        "wastewater_m3_per_h": m3_per_h(solution.wastewater_t_per_h) if feasible else None,
        "tap_saved_m3_per_year": None,
        "cost_yuan_per_year": round(solution.costs.total, 2) if feasible else None,
        "piping_yuan_per_year": round(solution.costs.piping, 2) if feasible else None,
        "pipes": solution.interplant_connections,
        "gap": solution.gap,
        "flows": [flow.to_json() for flow in solution.flows],
        "explanation": list(solution.explanation),
    }


def study_workbook(study: ReuseStudy, scenarios: list[dict[str, Any]]) -> bytes:
    """An Excel workbook: the scenarios side by side, then one sheet of flows per scenario."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = str(_("Scenarios"))[:31]
    sheet.append([str(_("Study")), study.name])
    sheet.append([str(_("Scenario")), *(str(scenario["label"]) for scenario in scenarios)])
    for label, key in COMPARISON_ROWS:
        sheet.append([str(label), *(_cell_text(key, scenario.get(key)) for scenario in scenarios)])
    for scenario in scenarios:
        flows = workbook.create_sheet(str(scenario["label"])[:31])
        flows.append(
            [str(_("From")), str(_("To")), str(_("Flow (m³/h)")), str(_("Between firms")), str(_("Pipe length (m)"))]
        )
        for flow in scenario["flows"]:
            yes_or_no = str(_("Yes") if flow["interplant"] else _("No"))
            flows.append(
                [
                    node_name(flow["from"]),
                    node_name(flow["to"]),
                    m3_per_h(flow["flow_t_per_h"]),
                    yes_or_no,
                    flow["distance_m"],
                ]
            )
    return xlsx.workbook_bytes(workbook)


STATUS_LABELS = {
    "optimal": _("optimal"),
    "feasible": _("feasible, not proven least"),
    "infeasible": _("infeasible"),
}
NODE_NAMES = {TAP_ID: _("Tap water"), RECLAIMED_ID: _("Reclaimed water"), "wastewater": _("Discharge")}


def node_name(node: str) -> str:
    """A flow's end as people say it: the tap, the reclamation plant, the sewer, or a stream's own name."""
    return str(NODE_NAMES.get(node, node))


def _cell_text(key: str, value: Any) -> Any:
    """A comparison cell in the reader's language: the solver's status as words, numbers as they are."""
    return str(STATUS_LABELS.get(value, value)) if key == "status" else value


COMPARISON_ROWS = (
    (_("Status"), "status"),
    (_("Tap water (m³/h)"), "tap_m3_per_h"),
    (_("Reclaimed water (m³/h)"), "reclaimed_m3_per_h"),
    (_("Discharge (m³/h)"), "wastewater_m3_per_h"),
    (_("Tap water saved (m³/year)"), "tap_saved_m3_per_year"),
    (_("Annual cost (yuan)"), "cost_yuan_per_year"),
    (_("of which pipes (yuan/year)"), "piping_yuan_per_year"),
    (_("Pipes between firms"), "pipes"),
)
