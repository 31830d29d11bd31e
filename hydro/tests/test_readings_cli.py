"""`hydro readings …` and `hydro audit`: the contracts of their output, and their errors."""

import json

import pandas as pd
import pytest

from hydro.cli import main
from hydro.tests import readings_cases


@pytest.fixture
def files(tmp_path):
    (tmp_path / "readings.csv").write_text(readings_cases.readings_csv())
    (tmp_path / "zones.csv").write_text(readings_cases.ZONES_CSV)
    return tmp_path


def run(capsys, *arguments) -> tuple[int, str, str]:
    code = main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def imported(files, capsys):
    code, out, _err = run(capsys, "readings", "import", files / "readings.csv", "--store", files / "store")
    assert code == 0, out
    return out


def test_import_reports_the_batch_and_a_second_import_changes_nothing(files, capsys):
    assert "380 intervals (interval), 2024-03-01T00:00:00 to 2024-03-02T23:00:00" in imported(files, capsys)
    code, out, _err = run(capsys, "readings", "import", files / "readings.csv", "--store", files / "store", "--json")
    assert code == 0
    assert json.loads(out)["already_imported"] is True


def test_import_stores_a_file_stamped_at_the_end_of_each_hour_from_its_start(files, capsys):
    # the hourly readings stamped at each hour's end: the first, 2024-03-01 00:00, is the hour from 23:00 on the 29th
    code, out, _err = run(
        capsys, "readings", "import", files / "readings.csv", "--store", files / "store", "--stamped", "end", "--json"
    )
    assert code == 0
    record = json.loads(out)
    assert (record["stamped"], record["first_timestamp"]) == ("end", "2024-02-29T23:00:00")
    assert record["last_timestamp"] == "2024-03-02T22:00:00"


def test_import_reports_the_readings_it_left_out_as_repeats(files, capsys):
    imported(files, capsys)
    # the last stored hour of HX-IN given again (same volume), twice, and one new hour after it
    stored = (files / "readings.csv").read_text().splitlines()
    last = [line for line in stored if line.startswith("HX-IN,")][-1]
    meter_id, timestamp, volume = last.split(",")
    following = pd.Timestamp(timestamp) + pd.Timedelta(hours=1)
    (files / "again.csv").write_text(f"meter_id,timestamp,volume_m3\n{last}\n{last}\n{meter_id},{following},{volume}\n")
    code, out, _err = run(capsys, "readings", "import", files / "again.csv", "--store", files / "store", "--json")
    assert code == 0
    assert (json.loads(out)["row_count"], json.loads(out)["repeated_rows"]) == (1, 2)


def test_import_names_the_indexes_of_zero_left_out_as_failed_reads(files, capsys):
    # Row 3's 0 lies between 12.5 and 12.9 m³ of one register: a read that failed, left out and named.
    (files / "failed.csv").write_text(
        "meter_id,timestamp,index_m3\nC-1,2024-03-01 02:00,12.5\nC-1,2024-03-01 03:00,0\nC-1,2024-03-01 04:00,12.9\n"
    )
    code, out, _err = run(capsys, "readings", "import", files / "failed.csv", "--store", files / "store")
    assert code == 0
    assert "1 intervals (index)" in out
    assert "1 indexes of 0 between readings that count on left out as failed reads:" in out
    assert "row 3: meter C-1 at 2024-03-01T03:00:00" in out
    code, out, _err = run(capsys, "readings", "import", files / "failed.csv", "--store", files / "store2", "--json")
    record = json.loads(out)
    assert (record["unread_rows"], record["unread"]) == (
        1,
        [{"row": 3, "meter_id": "C-1", "timestamp": "2024-03-01T03:00:00"}],
    )


def test_import_keeps_the_larger_of_two_values_at_one_time_and_names_the_row(files, capsys):
    # A clock put right stamps two hours alike: row 3 (0.1 m³) and row 4 (0.3 m³) at 03:00.
    (files / "clock.csv").write_text(
        "meter_id,timestamp,volume_m3\nC-1,2024-03-01 02:00,0.2\nC-1,2024-03-01 03:00,0.1\nC-1,2024-03-01 03:00,0.3\n"
    )
    code, out, _err = run(capsys, "readings", "import", files / "clock.csv", "--store", files / "store")
    assert code == 0
    assert "1 readings left out for a larger value at the same meter and time:" in out
    assert "row 3: meter C-1 at 2024-03-01T03:00:00, 0.1 (kept 0.3 of row 4)" in out
    (files / "again.csv").write_text((files / "clock.csv").read_text().replace("02:00", "01:00"))
    code, out, err = run(
        capsys, "readings", "import", files / "again.csv", "--store", files / "store2", "--on-conflict", "refuse"
    )
    assert code == 2
    assert "again.csv: row 4, column timestamp: meter C-1 has another reading" in err
    code, out, _err = run(capsys, "readings", "import", files / "again.csv", "--store", files / "store3", "--json")
    record = json.loads(out)
    assert (record["row_count"], record["conflicting_rows"]) == (2, 1)
    assert record["conflicts"] == [
        {
            "row": 3,
            "meter_id": "C-1",
            "timestamp": "2024-03-01T03:00:00",
            "value": 0.1,
            "kept_value": 0.3,
            "kept_row": 4,
        }
    ]


def test_import_of_a_bad_file_names_the_row_and_stores_nothing(files, capsys):
    (files / "bad.csv").write_text("meter_id,timestamp,volume_m3\nC-1,2024-03-01 02:00,0.1\nC-1,2024-03-01 99:00,0.1\n")
    code, _out, err = run(capsys, "readings", "import", files / "bad.csv", "--store", files / "store")
    assert code == 2
    assert "bad.csv: row 3, column timestamp: '2024-03-01 99:00' is not a timestamp" in err
    assert not (files / "store" / "_batches").exists()


def test_balance_prints_the_contract_columns_as_json(files, capsys):
    imported(files, capsys)
    code, out, _err = run(
        capsys,
        "readings",
        "balance",
        "--store",
        files / "store",
        "--zones",
        files / "zones.csv",
        "--period",
        "2024-03",
        "--json",
    )
    assert code == 0
    rows = json.loads(out)
    assert list(rows[1]) == ["dma_id", "inflow_m3", "outflow_m3", "consumption_m3", "nrw_m3", "nrw_pct"]
    # Hongxing's month, worked in test_readings_analysis: NRW 28.18 m³ of 36.6 m³.
    assert rows[1]["dma_id"] == "HX"
    assert rows[1]["nrw_m3"] == pytest.approx(28.18)


def test_night_flow_prints_nights_and_alarms(files, capsys):
    imported(files, capsys)
    code, out, _err = run(
        capsys,
        "readings",
        "night-flow",
        "--store",
        files / "store",
        "--zones",
        files / "zones.csv",
        "--period",
        "2024-03-01..2024-03-02",
        "--json",
    )
    assert code == 0
    result = json.loads(out)
    # every customer is read hourly, so their night use is measured (test_readings_night_flow works it out)
    assert result["nights"][2] == {
        "dma_id": "HX",
        "night": "2024-03-01",
        "mnf_m3_per_h": 0.3,
        "leakage_m3_per_h": 0.26,
    }
    assert result["alarms"] == []  # two nights cannot outlast a two-week baseline


def test_anomalies_print_the_contract_columns(files, capsys):
    imported(files, capsys)
    code, out, _err = run(
        capsys,
        "readings",
        "anomalies",
        "--store",
        files / "store",
        "--zones",
        files / "zones.csv",
        "--period",
        "2024-03-01..2024-03-02",
        "--continuous-hours",
        "48",
        "--json",
    )
    assert code == 0
    leak = next(row for row in json.loads(out) if row["meter_id"] == "C-LEAK")
    assert leak == {
        "meter_id": "C-LEAK",
        "kind": "continuous_flow",
        "start": "2024-03-01 00:00:00",
        "end": "2024-03-03 00:00:00",
        "volume_m3": 0.48,
        "confidence": 0.37,
        "rate_m3_per_h": 0.01,
        "open": True,
    }


def test_a_zone_file_naming_an_inflow_meter_without_readings_is_refused(files, capsys):
    imported(files, capsys)
    (files / "zones.csv").write_text(readings_cases.ZONES_CSV + "IN-GHOST,HX,inflow\n")
    code, _out, err = run(
        capsys, "readings", "balance", "--store", files / "store", "--zones", files / "zones.csv", "--period", "2024-03"
    )
    assert code == 2
    assert "zones.csv: row 11, column meter_id: inflow meter IN-GHOST has no readings in the store" in err


def test_a_customer_meter_without_readings_is_a_gap_over_the_whole_period(files, capsys):
    # A meter dead all period (or its concentrator) has no rows at all: it is named, and reported as a gap
    # from the period's first hour to its end (2024-03-01 00:00 to 2024-04-01 00:00), not taken for a typo.
    imported(files, capsys)
    (files / "zones.csv").write_text(readings_cases.ZONES_CSV + "C-GHOST,HX,customer\n")
    arguments = ("--store", files / "store", "--zones", files / "zones.csv", "--period", "2024-03", "--json")
    code, out, err = run(capsys, "readings", "anomalies", *arguments)
    assert code == 0
    assert "1 customer meters have no readings in the period (C-GHOST)" in err
    ghost = [row for row in json.loads(out) if row["meter_id"] == "C-GHOST"]
    assert [(row["kind"], row["start"][:16], row["end"][:16], row["open"]) for row in ghost] == [
        ("gap", "2024-03-01 00:00", "2024-04-01 00:00", True)
    ]


def test_a_period_without_readings_is_an_error(files, capsys):
    imported(files, capsys)
    code, _out, err = run(
        capsys, "readings", "balance", "--store", files / "store", "--zones", files / "zones.csv", "--period", "2023-01"
    )
    assert code == 2
    assert "the store holds no readings for 2023-01" in err


AUDIT_YAML = """
banding: low_middle_income
utilities:
  - name: Wujin Water
    system_input_m3: 10000000
    billed_metered_m3: 8200000
    billed_unmetered_m3: 100000
    unbilled_metered_m3: 50000
    unbilled_unmetered_m3: 150000
    unauthorised_m3: 50000
    data_handling_errors_m3: 20000
    meter_under_registration_pct: 2
    mains_length_km: 500
    service_connections: 20000
    private_pipe_length_km: 20
    average_pressure_m: 40
    residential_household_metered_m3: 5000000
    mains_length_dn75_km: 80
    average_outlet_pressure_mpa: 0.4
"""


def test_audit_prints_the_balance_ili_and_cjj92_rate(tmp_path, capsys):
    (tmp_path / "audit.yaml").write_text(AUDIT_YAML)
    code, out, _err = run(capsys, "audit", tmp_path / "audit.yaml", "--json")
    assert code == 0
    result = json.loads(out)
    # Worked in test_water_audit: ILI 3.389 (band A), leakage rate 9.4407 % (first grade).
    (wujin,) = result["utilities"]
    assert (round(wujin["ili"], 3), wujin["ili_band"], wujin["cjj92_grade"]) == (3.389, "A", "first")
    assert result["county_leakage_rate_pct"] == pytest.approx(9.4407)
    code, out, _err = run(capsys, "audit", tmp_path / "audit.yaml")
    assert "CJJ 92 leakage rate [%]" in out and "9.44 (first)" in out


def test_audit_names_a_bad_field(tmp_path, capsys):
    (tmp_path / "audit.yaml").write_text(AUDIT_YAML.replace("average_pressure_m", "pressure_m"))
    code, _out, err = run(capsys, "audit", tmp_path / "audit.yaml")
    assert code == 2
    assert "audit.yaml: unknown field pressure_m" in err


@pytest.mark.parametrize(
    "command",
    [["readings", "import"], ["readings", "balance"], ["readings", "night-flow"], ["readings", "anomalies"], ["audit"]],
)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_status:
        main([*command, "--help"])
    assert exit_status.value.code == 0
    assert "usage: hydro" in capsys.readouterr().out


def test_night_flow_can_give_every_customer_the_allowance(files, capsys):
    imported(files, capsys)
    code, out, _err = run(
        capsys, "readings", "night-flow", "--store", files / "store", "--zones", files / "zones.csv",
        "--period", "2024-03-01..2024-03-02", "--no-metered-night-use", "--json",
    )  # fmt: skip
    assert code == 0
    # MNF 0.3 m³/h less five connections at 1.7 L/h: 0.2915 m³/h (test_readings_night_flow)
    assert json.loads(out)["nights"][2]["leakage_m3_per_h"] == 0.2915


def test_night_flow_takes_the_cusum_s_k_and_h_and_refuses_a_k_no_night_could_pass(files, capsys):
    imported(files, capsys)
    arguments = ["readings", "night-flow", "--store", files / "store", "--zones", files / "zones.csv"]
    arguments += ["--period", "2024-03-01..2024-03-02", "--baseline-nights", "1", "--json"]
    # Hongxing's flow no meter accounts for is 0.26 then 0.29 m³/h (test_readings_night_flow). The first night
    # is the baseline (MAD 0); night to night it moved 0.03, σ_Δ = 1.4826 × 0.03 / √2 = 0.0315 m³/h, so the
    # second night stands (0.29 − 0.26) / 0.0315 = 0.95 σ over it: with k = 0 and h = 0.5 an alarm, of 0.03 m³/h.
    code, out, _err = run(capsys, *arguments, "--allowance-sigma", "0", "--threshold-sigma", "0.5")
    assert code == 0
    assert json.loads(out)["alarms"] == [{"dma_id": "HX", "start": "2024-03-02", "excess_m3_per_h": 0.03}]
    # With the defaults (k = 0.75, h = 4) the same night adds 0.2: no alarm.
    code, out, _err = run(capsys, *arguments)
    assert json.loads(out)["alarms"] == []
    # k = 2.5 is the largest the thresholds page takes too (a night then adds at most 3 − 2.5 = 0.5)
    code, _out, _err = run(capsys, *arguments, "--allowance-sigma", "2.5")
    assert code == 0
    code, _out, err = run(capsys, *arguments, "--allowance-sigma", "2.6")
    assert code == 2
    assert "--allowance-sigma 2.6: from 0 to 2.5" in err


def test_anomalies_take_the_burst_hours_and_usual_peak_factor(files, capsys):
    # C-BURST flows 1 m³/h for 4 h. Its other day's highest 3-hour mean, its usual peak, is (0.1 + 0.1) / 3 =
    # 0.067 m³/h (07:00 and 08:00): the burst flows 15 times it. A burst with the default factor 4, not with 20
    # (1.33 m³/h needed). With 5 h of high flow asked for, its 4 h are a short burst, judged against its usual
    # 4-hour peak (0.1 + 0.1) / 4 = 0.05 m³/h: 20 times it, a burst at the short factor 6, not at 25 (1.25 m³/h
    # needed), nor when short bursts are not looked for (--burst-short-hours from --burst-hours).
    imported(files, capsys)
    base = ["readings", "anomalies", "--store", files / "store", "--period", "2024-03-01..2024-03-02", "--json"]

    def bursts(*options: str) -> list[str]:
        code, out, _err = run(capsys, *base, *options)
        assert code == 0
        return [row["meter_id"] for row in json.loads(out) if row["kind"] == "burst"]

    assert bursts() == ["C-BURST"]
    assert bursts("--burst-usual-peak-factor", "20") == []
    assert bursts("--burst-hours", "5") == ["C-BURST"]
    assert bursts("--burst-hours", "5", "--burst-short-usual-peak-factor", "25") == []
    assert bursts("--burst-hours", "5", "--burst-short-hours", "5") == []
    code, _out, err = run(capsys, *base, "--burst-hours", "0")
    assert code == 2 and "--burst-hours 0: a number of hours from 1." in err
    code, _out, err = run(capsys, *base, "--burst-short-hours", "0.5")
    assert code == 2 and "--burst-short-hours 0.5: a number of hours from 1." in err
    # Its other day's 3-hour peak, 0.067 m³/h, is under half its flow (--burst-habit-share 0.5) but over 5 %:
    # with one such day asked for, a habit at 0.05 and a burst at 0.5.
    assert bursts("--burst-habit-days", "1") == ["C-BURST"]
    assert bursts("--burst-habit-share", "0.05", "--burst-habit-days", "1") == []
    code, _out, err = run(capsys, *base, "--burst-habit-days", "0")
    assert code == 2 and "--burst-habit-days 0: a number of days from 1." in err


def test_customer_meters_read_once_a_day_are_named_as_not_checked_for_leaks(files, capsys):
    # C-DAILY's index is read at midnight: 24 h intervals, fewer than the 12 windows a day the leak floor
    # needs (hydro.readings.customer_leaks.longest_interval_s, 2 h); the hourly meters are checked.
    imported(files, capsys)
    (files / "daily.csv").write_text(
        "meter_id,timestamp,index_m3\nC-DAILY,2024-03-01 00:00,10.0\nC-DAILY,2024-03-02 00:00,10.4\n"
        "C-DAILY,2024-03-03 00:00,10.9\n"
    )
    code, _out, _err = run(capsys, "readings", "import", files / "daily.csv", "--store", files / "store")
    assert code == 0
    (files / "zones.csv").write_text(readings_cases.ZONES_CSV + "C-DAILY,HX,customer\n")
    arguments = ("--store", files / "store", "--zones", files / "zones.csv", "--period", "2024-03", "--json")
    code, out, err = run(capsys, "readings", "anomalies", *arguments)
    assert code == 0
    assert "1 customer meters are read less often than every 2 h (C-DAILY (24 h)); a leak behind the meter" in err
    assert not [row for row in json.loads(out) if row["meter_id"] == "C-DAILY" and row["kind"] == "continuous_flow"]


def test_anomalies_take_the_readings_a_gap_must_lose(files, capsys):
    # C-DAILY's index is read at midnight on the 1st to the 4th and the 6th: the reading of the 5th is lost,
    # one interval of 48 h, twice its usual 24 h. One reading lost is no gap by default (--gap-lost-readings 2)
    # and is one at 1, from the 4th to the 6th.
    (files / "daily.csv").write_text(
        "meter_id,timestamp,index_m3\n"
        + "".join(f"C-DAILY,2024-03-0{day} 00:00,{10 + day * 0.5:.1f}\n" for day in (1, 2, 3, 4, 6))
    )
    code, _out, _err = run(capsys, "readings", "import", files / "daily.csv", "--store", files / "store")
    assert code == 0
    base = ["readings", "anomalies", "--store", files / "store", "--period", "2024-03-01..2024-03-05", "--json"]

    def gaps(*options: str) -> list[tuple[str, str]]:
        code, out, _err = run(capsys, *base, *options)
        assert code == 0
        return [(row["start"][:10], row["end"][:10]) for row in json.loads(out) if row["kind"] == "gap"]

    assert gaps() == []
    assert gaps("--gap-lost-readings", "1") == [("2024-03-04", "2024-03-06")]
    code, _out, err = run(capsys, *base, "--gap-lost-readings", "0")
    assert code == 2 and "--gap-lost-readings 0: a number of readings from 1." in err
    code, _out, err = run(capsys, *base, "--shared-gap-meters", "1")
    assert code == 2 and "--shared-gap-meters 1: a number of meters from 2." in err
