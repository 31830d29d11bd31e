"""`hydro balance-test assess TEST.json --json`: the output contract and the exit code on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hydro.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "balance-test.example.json"
CONTRACT_KEYS = {
    "fresh_m3",
    "reused_m3",
    "total_use_m3",
    "reuse_rate",
    "cooling_recirculation_rate",
    "process_reuse_rate",
    "condensate_recovery_rate",
    "leak_rate",
    "wastewater_reuse_rate",
    "intake_per_product",
    "intake_per_10k_yuan",
    "intake_closure_error",
    "units",
    "closes",
}


def run(capsys, *arguments: str) -> tuple[int, str, str]:
    code = main(["balance-test", "assess", *arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_output_carries_every_contract_key(capsys):
    code, out, _ = run(capsys, str(EXAMPLE), "--json")
    result = json.loads(out)
    assert code == 0
    assert set(result) >= CONTRACT_KEYS
    # Worked in hydro/tests/test_balance_test.py: R = 29,000 / 41,000, Kw = 2,400 / 11,100.
    assert result["reuse_rate"] == pytest.approx(0.707317, abs=1e-6)
    assert result["wastewater_reuse_rate"] == pytest.approx(0.216216, abs=1e-6)
    assert result["intake_per_10k_yuan"] == pytest.approx(12.5)
    assert result["closes"] is True
    assert [unit["name"] for unit in result["units"]] == ["染色车间", "空压机冷却", "锅炉房", "办公与食堂"]
    assert {"closure_error", "closes"} <= set(result["units"][0])


def test_rates_without_a_denominator_are_null(capsys, tmp_path):
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["units"] = [document["units"][3]]
    document["metered_fresh_intake_m3"] = 1000
    path = tmp_path / "office.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    code, out, _ = run(capsys, str(path), "--json")
    result = json.loads(out)
    assert code == 0
    assert result["cooling_recirculation_rate"] is None
    assert result["condensate_recovery_rate"] is None


def test_a_negative_volume_exits_non_zero_naming_the_field(capsys, tmp_path):
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["units"][2]["fresh_m3"] = -10
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    code, out, err = run(capsys, str(path), "--json")
    assert code != 0
    assert out == ""
    assert "units[2].fresh_m3" in err


def test_the_installed_command_runs_as_a_module(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "hydro", "balance-test", "assess", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0
    assert "closes" in completed.stdout


def test_the_example_follows_the_published_schema_and_the_schema_refuses_a_negative_volume():
    import jsonschema

    schema = json.loads((EXAMPLE.parent / "balance-test.schema.json").read_text(encoding="utf-8"))
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    document["units"][2]["fresh_m3"] = -1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)
