"""Properties of every network the optimiser returns, on random problems (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hydro.reuse import Scenario, parse_problem, solve

TOLERANCE = 1e-5
PLANTS = [{"id": "A", "x_m": 0, "y_m": 0}, {"id": "B", "x_m": 500, "y_m": 300}]
ppm = st.floats(min_value=0, max_value=500, allow_nan=False).map(lambda value: round(value, 1))
flow = st.floats(min_value=1, max_value=100, allow_nan=False).map(lambda value: round(value, 1))


@st.composite
def problems(draw, contaminants=("COD",), max_operations=3):
    def per_contaminant(strategy):
        return {name: draw(strategy) for name in contaminants}

    def operation(index):
        inlet = per_contaminant(ppm)
        outlet = {name: inlet[name] + draw(st.integers(10, 400)) for name in contaminants}
        loads = per_contaminant(st.floats(0.1, 5).map(lambda value: round(value, 2)))
        plant = draw(st.sampled_from("AB"))
        return {"id": f"op{index}", "plant": plant, "load_kg_per_h": loads, "max_inlet": inlet, "max_outlet": outlet}

    return {
        "contaminants": list(contaminants),
        "freshwater": [{"id": "FW", "concentration": dict.fromkeys(contaminants, 0), "cost_per_t": 4.5}],
        "plants": PLANTS,
        "sources": [
            {
                "id": f"S{i}",
                "plant": draw(st.sampled_from("AB")),
                "flow_t_per_h": draw(flow),
                "concentration": per_contaminant(ppm),
            }
            for i in range(draw(st.integers(0, 3)))
        ],
        "sinks": [
            {
                "id": f"D{i}",
                "plant": draw(st.sampled_from("AB")),
                "flow_t_per_h": draw(flow),
                "max_concentration": per_contaminant(ppm),
            }
            for i in range(draw(st.integers(0, 3)))
        ],
        "operations": [operation(i) for i in range(draw(st.integers(0, max_operations)))],
    }


def assert_network_holds(document, solution):
    """Flows balance at every unit, contaminant balances close, and no limit is exceeded."""
    assert solution.status in ("optimal", "feasible")
    quality = {unit["id"]: unit["concentration"] for unit in document["freshwater"] + document["sources"]}
    quality.update(solution.outlet_ppm)
    entering: dict[str, float] = {}
    leaving: dict[str, float] = {}
    mass_in: dict[str, dict[str, float]] = {}
    for link in solution.flows:
        entering[link.to_id] = entering.get(link.to_id, 0.0) + link.flow_t_per_h
        leaving[link.from_id] = leaving.get(link.from_id, 0.0) + link.flow_t_per_h
        for name in document["contaminants"]:
            mass = link.flow_t_per_h * quality[link.from_id][name]
            mass_in.setdefault(link.to_id, {}).setdefault(name, 0.0)
            mass_in[link.to_id][name] += mass
    for source in document["sources"]:
        assert abs(leaving.get(source["id"], 0.0) - source["flow_t_per_h"]) <= TOLERANCE * source["flow_t_per_h"]
    for sink in document["sinks"]:
        inflow = entering.get(sink["id"], 0.0)
        assert abs(inflow - sink["flow_t_per_h"]) <= TOLERANCE * sink["flow_t_per_h"]
        for name, limit in sink["max_concentration"].items():
            assert mass_in[sink["id"]][name] / inflow <= limit + TOLERANCE * max(limit, 1)
    for operation in document["operations"]:
        inflow = entering.get(operation["id"], 0.0)
        assert inflow > 0 and abs(inflow - leaving.get(operation["id"], 0.0)) <= TOLERANCE * inflow
        for name in document["contaminants"]:
            inlet = mass_in[operation["id"]][name] / inflow
            outlet = solution.outlet_ppm[operation["id"]][name]
            assert inlet <= operation["max_inlet"][name] + TOLERANCE * max(1, operation["max_inlet"][name])
            assert outlet <= operation["max_outlet"][name] + TOLERANCE * max(1, operation["max_outlet"][name])
            # Contaminant balance: what leaves is what entered plus the load [g/h].
            picked_up = 1000 * operation["load_kg_per_h"][name]
            assert abs(outlet * inflow - mass_in[operation["id"]][name] - picked_up) <= 1e-6 * (outlet * inflow + 1)
    bought = sum(link.flow_t_per_h for link in solution.flows if link.from_id == "FW")
    discharged = sum(link.flow_t_per_h for link in solution.flows if link.to_id == "wastewater")
    assert abs(bought - solution.freshwater_t_per_h) <= TOLERANCE * max(1, bought)
    assert abs(discharged - solution.wastewater_t_per_h) <= TOLERANCE * max(1, discharged)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_single_contaminant_networks_balance_and_respect_every_limit(document):
    problem = parse_problem(document)
    solution = solve(problem)
    if solution.status == "infeasible":
        # Only a sink asking for water cleaner than every supply can make a problem with clean freshwater infeasible.
        assert solution.explanation
        return
    assert_network_holds(document, solution)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_between_plants_never_needs_more_freshwater_than_plants_apart(document):
    problem = parse_problem(document)
    together, apart = solve(problem), solve(problem, Scenario(allow_interplant=False))
    if apart.status == "infeasible":
        return
    assert together.freshwater_t_per_h <= apart.freshwater_t_per_h + 1e-6
    assert apart.freshwater_t_per_h <= solve(problem, Scenario(reuse=False)).freshwater_t_per_h + 1e-6
    assert_network_holds(document, apart)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(contaminants=("COD", "NH3N"), max_operations=2))
def test_two_contaminant_networks_hold_and_their_bound_is_below_them(document):
    solution = solve(parse_problem(document), time_limit_s=10)
    if solution.status == "infeasible":
        return
    assert_network_holds(document, solution)
    assert solution.freshwater_lower_bound_t_per_h <= solution.freshwater_t_per_h + 1e-9


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_operations=0))
def test_nearest_neighbours_meet_the_linear_programs_least_freshwater(document):
    # A freshwater capacity (never binding here) sends the same problem to the linear program.
    by_neighbours = solve(parse_problem(document))
    document["freshwater"][0]["capacity_t_per_h"] = 1e6
    by_solver = solve(parse_problem(document))
    assert by_neighbours.status == by_solver.status
    if by_solver.status == "infeasible":
        return
    assert by_neighbours.method == "water cascade and nearest neighbours"
    assert by_solver.method == "linear program"
    assert abs(by_neighbours.freshwater_t_per_h - by_solver.freshwater_t_per_h) <= 1e-6 * max(
        1, by_solver.freshwater_t_per_h
    )
    assert_network_holds(document, by_neighbours)


def test_polley_and_polley_by_linear_program_also_gives_70_t_per_h():
    # Polley & Polley (2000): 70 t/h, here through the solver rather than the cascade.
    import json
    from pathlib import Path

    document = json.loads((Path(__file__).parent.parent / "reuse" / "examples" / "polley_polley_2000.json").read_text())
    document["freshwater"][0]["capacity_t_per_h"] = 1000
    solution = solve(parse_problem(document))
    assert solution.method == "linear program"
    assert abs(solution.freshwater_t_per_h - 70.0) <= 0.01
    assert solution.pinch_ppm == (150.0,)
