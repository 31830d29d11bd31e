"""`hydro reuse solve`: tables, the --json contract, --no-interplant and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from hydro.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "hydro" / "reuse" / "examples"
SCHEMA = json.loads((ROOT / "hydro" / "reuse" / "problem.schema.json").read_text(encoding="utf-8"))


def run(capsys, *arguments: str) -> tuple[int, str, str]:
    code = main(["reuse", "solve", *arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_output_carries_the_contract_fields(capsys):
    code, out, _ = run(capsys, str(EXAMPLES / "polley_polley_2000.json"), "--json")
    result = json.loads(out)
    assert code == 0
    assert result["status"] == "optimal"
    assert result["freshwater_t_per_h"] == pytest.approx(70.0, abs=0.01)
    assert result["wastewater_t_per_h"] == pytest.approx(50.0, abs=0.01)
    assert result["pinch_ppm"] == [150.0]
    assert {"from", "to", "flow_t_per_h"} <= set(result["flows"][0])
    assert sum(flow["flow_t_per_h"] for flow in result["flows"] if flow["from"] == "FW") == pytest.approx(70.0)


def test_no_interplant_keeps_streams_at_home(capsys):
    code, out, _ = run(capsys, str(EXAMPLES / "two_plants.json"), "--json", "--no-interplant")
    result = json.loads(out)
    assert code == 0
    assert result["freshwater_t_per_h"] == pytest.approx(55.0)
    assert not any(flow["interplant"] for flow in result["flows"])


def test_the_table_shows_targets_and_the_network(capsys):
    code, out, _ = run(capsys, str(EXAMPLES / "wang_smith_1994_example1.json"))
    assert code == 0
    assert any(line.startswith("freshwater [t/h]") and line.endswith("90.000") for line in out.splitlines())
    assert "pinch [ppm]" in out and "100" in out
    assert "op2" in out and "op4" in out


def test_an_infeasible_problem_exits_1_with_its_reasons(capsys, tmp_path):
    document = json.loads((EXAMPLES / "two_plants.json").read_text())
    document["freshwater"] = document["freshwater"][1:]
    path = tmp_path / "too_dirty.json"
    path.write_text(json.dumps(document))
    code, out, _ = run(capsys, str(path))
    assert code == 1
    assert "status: infeasible" in out and "A_dyeing" in out


def test_a_bad_file_exits_2_naming_the_field(capsys, tmp_path):
    document = json.loads((EXAMPLES / "two_plants.json").read_text())
    document["sinks"][0]["flow_t_per_h"] = -1
    path = tmp_path / "negative.json"
    path.write_text(json.dumps(document))
    code, _, err = run(capsys, str(path))
    assert code == 2
    assert "$.sinks[0].flow_t_per_h" in err


def test_help_names_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["reuse", "solve", "--help"])
    out = capsys.readouterr().out
    assert "--no-interplant" in out and "--json" in out


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda path: path.stem)
def test_every_example_problem_follows_the_schema(path):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), SCHEMA, cls=jsonschema.Draft202012Validator)


def test_the_schema_rejects_a_negative_flow():
    document = json.loads((EXAMPLES / "polley_polley_2000.json").read_text())
    document["sources"][0]["flow_t_per_h"] = -3
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)
