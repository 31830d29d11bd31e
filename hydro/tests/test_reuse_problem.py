"""Reading reuse problems: every bad field is rejected with its JSON path."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from hydro.reuse import ProblemError, load_problem, parse_problem

EXAMPLES = Path(__file__).resolve().parent.parent / "reuse" / "examples"
TWO_PLANTS = json.loads((EXAMPLES / "two_plants.json").read_text())


def rejected(change) -> ProblemError:
    document = copy.deepcopy(TWO_PLANTS)
    change(document)
    with pytest.raises(ProblemError) as caught:
        parse_problem(document)
    return caught.value


def test_it_reads_every_example():
    for path in sorted(EXAMPLES.glob("*.json")):
        assert load_problem(path).freshwater


def test_a_negative_flow_is_rejected_at_its_path():
    error = rejected(lambda d: d["sources"][0].update(flow_t_per_h=-5))
    assert error.path == "$.sources[0].flow_t_per_h"
    assert "negative" in error.message


def test_a_negative_concentration_is_rejected_at_its_path():
    error = rejected(lambda d: d["sinks"][1]["max_concentration"].update(COD=-1))
    assert error.path == "$.sinks[1].max_concentration.COD"


def test_an_unknown_contaminant_is_rejected_at_its_path():
    error = rejected(lambda d: d["sources"][0]["concentration"].update(TSS=10))
    assert error.path == "$.sources[0].concentration.TSS"
    assert "contaminants" in error.message


def test_a_missing_contaminant_value_is_rejected():
    error = rejected(lambda d: d["freshwater"][0].update(concentration={}))
    assert error.path == "$.freshwater[0].concentration"
    assert "COD" in error.message


def test_a_duplicate_id_is_rejected_across_collections():
    error = rejected(lambda d: d["sinks"][0].update(id="A_rinse"))
    assert error.path == "$.sinks[0].id"
    assert "duplicate" in error.message


def test_a_duplicate_plant_is_rejected():
    error = rejected(lambda d: d["plants"].append({"id": "A", "x_m": 5, "y_m": 5}))
    assert error.path == "$.plants[2].id"


def test_a_dangling_plant_reference_is_rejected():
    error = rejected(lambda d: d["sinks"][1].update(plant="C"))
    assert error.path == "$.sinks[1].plant"
    assert "'C'" in error.message


def test_an_unknown_field_is_rejected():
    error = rejected(lambda d: d["sinks"][0].update(flow_m3_per_h=3))
    assert error.path == "$.sinks[0].flow_m3_per_h"


def test_the_discharge_id_is_reserved():
    error = rejected(lambda d: d["sources"][0].update(id="wastewater"))
    assert error.path == "$.sources[0].id"


def test_a_removal_ratio_above_one_is_rejected():
    def add_regenerator(document):
        document["regenerators"] = [{"id": "R", "removal_ratio": {"COD": 1.5}}]

    assert rejected(add_regenerator).path == "$.regenerators[0].removal_ratio.COD"


def test_a_regenerator_needs_exactly_one_performance():
    def add_regenerator(document):
        document["regenerators"] = [{"id": "R", "removal_ratio": {"COD": 0.9}, "outlet_concentration": {"COD": 5}}]

    assert rejected(add_regenerator).path == "$.regenerators[0]"


def test_a_flow_given_as_text_is_rejected():
    error = rejected(lambda d: d["sources"][0].update(flow_t_per_h="50"))
    assert error.path == "$.sources[0].flow_t_per_h"
    assert "number" in error.message


def test_no_freshwater_is_rejected():
    assert rejected(lambda d: d.update(freshwater=[])).path == "$.freshwater"


def test_bad_json_names_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"contaminants": ["COD"],\n "freshwater": [}', encoding="utf-8")
    with pytest.raises(ProblemError) as caught:
        load_problem(path)
    assert caught.value.path == "$"
    assert "line 2" in caught.value.message


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda path: path.stem)
def test_a_problem_written_as_json_reads_back_equal(path):
    problem = load_problem(path)

    assert parse_problem(json.loads(json.dumps(problem.to_json()))) == problem


def test_a_problem_written_as_json_keeps_names_and_plants():
    document = copy.deepcopy(TWO_PLANTS)
    document["freshwater"][0]["name"] = "自来水 / tap water"

    written = parse_problem(document).to_json()

    assert written["freshwater"][0]["name"] == "自来水 / tap water"
    assert [plant["id"] for plant in written["plants"]] == [plant["id"] for plant in TWO_PLANTS["plants"]]


def test_a_flow_that_is_not_a_finite_number_is_rejected():
    error = rejected(lambda d: d["sources"][0].update(flow_t_per_h=float("nan")))
    assert error.path == "$.sources[0].flow_t_per_h"
    assert "number" in error.message


def test_a_duplicate_contaminant_is_rejected_at_its_index():
    error = rejected(lambda d: d.update(contaminants=["COD", "COD"]))
    assert error.path == "$.contaminants[1]"
    assert "duplicate" in error.message


def test_hours_beyond_a_leap_year_are_rejected():
    # A leap year has 366 × 24 = 8784 hours.
    error = rejected(lambda d: d.update(hours_per_year=9000))
    assert error.path == "$.hours_per_year"
    assert "8784" in error.message


def test_a_missing_field_is_named():
    error = rejected(lambda d: d["sources"][0].pop("concentration"))
    assert error.path == "$.sources[0].concentration"
    assert "required" in error.message


def test_an_unknown_objective_is_rejected_with_the_choices():
    error = rejected(lambda d: d.update(objective="cheapest"))
    assert error.path == "$.objective"
    assert "freshwater_then_cost" in error.message
