"""`hydro savings estimate`: the output contract and its refusals naming the file, row and column."""

import json

import pytest

from hydro.cli import main

# use = 100 + 5 × output_t ± 4 (the regression case of test_savings, worked there by hand).
BASELINE = "period,use_m3,output_t,note\n" + "".join(
    f"2023-{month:02d},{100 + 5 * output + (4 if month % 2 else -4)},{output},shift {month}\n"
    for month, output in zip(range(1, 13), [10, 10, 20, 20, 30, 30, 40, 40, 50, 50, 60, 60], strict=True)
)
REPORTING = "period,use_m3,output_t\n2024-01,200,30\n2024-02,210,30\n2024-03,220,30\n"
CONTRACT_KEYS = {
    "savings_m3",
    "savings_ci90_m3",
    "adjusted_baseline_m3",
    "reporting_use_m3",
    "cv_rmse",
    "nmbe",
    "r2",
    "certifiable",
    "reasons",
}


def run(capsys, tmp_path, baseline: str, reporting: str, *extra: str) -> tuple[int, str, str]:
    (tmp_path / "base.csv").write_text(baseline, encoding="utf-8")
    (tmp_path / "rep.csv").write_text(reporting, encoding="utf-8")
    arguments = ["savings", "estimate", "--baseline", str(tmp_path / "base.csv")]
    code = main([*arguments, "--reporting", str(tmp_path / "rep.csv"), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_estimate_prints_the_contract_fields_as_json(capsys, tmp_path):
    code, out, _err = run(capsys, tmp_path, BASELINE, REPORTING, "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == CONTRACT_KEYS
    assert result["savings_m3"] == pytest.approx(120)
    assert result["adjusted_baseline_m3"] == pytest.approx(750)
    assert result["reporting_use_m3"] == 630
    assert result["savings_ci90_m3"] == pytest.approx([120 - 17.02, 120 + 17.02], rel=5e-4)
    assert result["r2"] == pytest.approx(0.997811, rel=1e-6)
    assert result["certifiable"] is True
    assert result["reasons"] == []


def test_estimate_without_json_prints_a_readable_summary(capsys, tmp_path):
    code, out, _err = run(capsys, tmp_path, BASELINE, REPORTING)
    assert code == 0
    assert "saving              120.0 m³ (90 % interval 103.0 to 137.0 m³)" in out


def test_a_reporting_file_lacking_a_baseline_regressor_is_refused_by_column(capsys, tmp_path):
    code, out, err = run(capsys, tmp_path, BASELINE, "period,use_m3\n2024-01,200\n", "--json")
    assert code == 2
    assert out == ""
    assert "the baseline regressor column output_t is missing" in err


def test_files_without_regressors_use_the_mean_baseline(capsys, tmp_path):
    baseline = "period,use_m3\n" + "".join(f"2023-{m:02d},{90 if m % 2 else 110}\n" for m in range(1, 13))
    code, out, _err = run(capsys, tmp_path, baseline, "period,use_m3\n2024-01,80\n2024-02,80\n", "--json")
    assert code == 0
    assert json.loads(out)["adjusted_baseline_m3"] == pytest.approx(200)


@pytest.mark.parametrize(
    ("baseline", "reporting", "message"),
    [
        (BASELINE.replace("2023-03", "2023-13"), REPORTING, "row 4, column period: '2023-13' is not a month YYYY-MM"),
        (BASELINE.replace("2023-03", "2023/03"), REPORTING, "row 4, column period: '2023/03' is not a month"),
        (BASELINE.replace("2023-03", "2023-02"), REPORTING, "row 4, column period: 2023-02 repeats row 3"),
        (BASELINE.replace(",20,", ",twenty,", 1), REPORTING, "row 4, column output_t: 'twenty' is not a number"),
        (BASELINE, REPORTING.replace("210", ""), "rep.csv: row 3, column use_m3: '' is not a number"),
        (BASELINE.replace("use_m3", "volume"), REPORTING, "base.csv: column use_m3 is missing"),
        (BASELINE, REPORTING.replace("2024-01", "2023-12"), "period 2023-12 is in both"),
        (BASELINE, "period,use_m3,output_t\n", "rep.csv: the file has no periods"),
        ("period,use_m3\n2023-01,100\n", "period,use_m3\n2024-01,90\n", "1 periods, too few for a model of 1"),
        (BASELINE, "period,use_m3,output_t,extra\n2024-01,200,30,1\n", "column extra is not a regressor of the"),
    ],
)
def test_a_bad_file_is_refused_with_its_row_and_column(capsys, tmp_path, baseline, reporting, message):
    code, out, err = run(capsys, tmp_path, baseline, reporting, "--json")
    assert code == 2
    assert out == ""
    assert message in err
