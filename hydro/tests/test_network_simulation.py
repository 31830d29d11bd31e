"""Simulation with leaks, and the sensor-data layout with its bad-input checks."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest

from hydro.cli import main
from hydro.network.detection import check_flow_units, mean_demand_m3h
from hydro.network.model import load_network
from hydro.network.sensors import (
    GridNote,
    SensorData,
    SensorDataError,
    SensorLayout,
    check_layout_against_network,
    read_leak_list,
    read_sensor_folder,
    read_sensor_layout,
    read_sensor_table,
    read_sensor_table_on_grid,
)
from hydro.network.simulation import LeakSpec, emitter_coefficient_lps, simulate

START = pd.Timestamp("2019-01-01 00:00")
NET1_SENSORS = SensorLayout(pressures=["10", "12", "22", "32"], flows=["10"], levels=["2"])


@pytest.fixture(scope="module")
def net1():
    return load_network("Net1")


def test_a_ten_millimetre_hole_has_the_orifice_emitter_coefficient():
    # Cd·π·d²/4·√(2g) = 0.75 × 7.854e-5 m² × 4.429 m^0.5/s = 2.609e-4 m³/s per m^0.5 = 0.2609 L/s per m^0.5
    assert emitter_coefficient_lps(0.01) == pytest.approx(0.2609, abs=1e-4)


def test_a_leak_lowers_pressures_only_once_it_starts(net1):
    leak = LeakSpec("12", START + pd.Timedelta(hours=6), diameter_m=0.02)
    with_leak = simulate(copy.deepcopy(net1), NET1_SENSORS, [leak], 1, START)
    without = simulate(copy.deepcopy(net1), NET1_SENSORS, [], 1, START)
    before = slice(None, START + pd.Timedelta(hours=5, minutes=55))
    pd.testing.assert_frame_equal(with_leak.pressures.loc[before], without.pressures.loc[before])
    drop = (without.pressures - with_leak.pressures).loc[START + pd.Timedelta(hours=6) :]
    assert (drop.iloc[0] > 0).all()  # water lost at the leak lowers every sensor's pressure at once
    # (later the pump runs longer to refill the tank the leak drains, so Net1's pressures are not lower throughout)
    # and more water is drawn from the source at that moment
    onset = START + pd.Timedelta(hours=6)
    assert with_leak.flows.loc[onset, "10"] > without.flows.loc[onset, "10"]


def test_the_leak_outflow_follows_the_emitter_law(net1):
    leak = LeakSpec("12", START, diameter_m=0.01)
    result = simulate(copy.deepcopy(net1), SensorLayout(pressures=["12_leak"]), [leak], 1, START)
    pressure = result.pressures["12_leak"]
    expected_m3h = emitter_coefficient_lps(0.01) * pressure.apply(math.sqrt) * 3.6
    assert result.leak_flows["12"].to_numpy() == pytest.approx(
        expected_m3h.to_numpy(), rel=5e-3
    )  # EPANET converges to 0.1 %


def test_an_incipient_leak_grows_to_its_peak(net1):
    leak = LeakSpec("12", START, diameter_m=0.01, peak=START + pd.Timedelta(hours=12))
    flows = simulate(copy.deepcopy(net1), NET1_SENSORS, [leak], 1, START).leak_flows["12"]
    assert flows.iloc[0] == 0
    assert flows.loc[START + pd.Timedelta(hours=3)] < flows.loc[START + pd.Timedelta(hours=9)]
    assert flows.loc[START + pd.Timedelta(hours=12)] > 0


def test_the_command_writes_the_battledim_layout(tmp_path, net1):
    (tmp_path / "sensors.yaml").write_text("pressures: ['10', '12']\nflows: ['10']\nlevels: ['2']\n")
    network_path = tmp_path / "net1.inp"
    network_path.write_text(load_network_text())
    (tmp_path / "leaks.csv").write_text("pipe_id,start_time,end_time\n12,2019-01-01 06:00,\n")
    out = tmp_path / "out"
    code = main(["network", "simulate", str(network_path), "--leaks", str(tmp_path / "leaks.csv"), "--days", "1",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    data = read_sensor_folder(out, net1)
    assert list(data.pressures.columns) == ["10", "12"]
    assert len(data.pressures) == 288  # one day of 5-minute steps
    assert data.pressures.index[1] - data.pressures.index[0] == pd.Timedelta(minutes=5)


def load_network_text() -> str:
    from hydro.network.model import wntr_example_path

    return wntr_example_path("Net1").read_text()


def test_a_sensor_that_names_no_element_is_refused(tmp_path, net1):
    path = tmp_path / "sensors.yaml"
    path.write_text("pressures: ['10', 'n999']\n")
    with pytest.raises(SensorDataError, match=r"sensors.yaml: pressures sensor 'n999' names no node of the model"):
        check_layout_against_network(read_sensor_layout(path), net1, str(path))
    path.write_text("pressure: ['10']\n")
    with pytest.raises(SensorDataError, match="unknown key 'pressure'"):
        read_sensor_layout(path)


def _pressures(tmp_path, rows: str):
    path = tmp_path / "pressures.csv"
    path.write_text("Timestamp,10\n" + rows)
    return path


def test_a_missing_row_becomes_a_row_of_empty_cells(tmp_path):
    # 00:10 is missing from a file of 5-minute steps: it is read as a drop-out, as an empty cell would be.
    path = _pressures(tmp_path, "2019-01-01 00:00,50\n2019-01-01 00:05,51\n2019-01-01 00:15,53\n")
    table, note = read_sensor_table_on_grid(path)
    assert list(table.index.strftime("%H:%M")) == ["00:00", "00:05", "00:10", "00:15"]
    assert table["10"].tolist()[:2] == [50.0, 51.0] and math.isnan(table["10"].iloc[2])
    assert note == GridNote("pressures.csv", 300, missing_rows=1, repeated_rows=0)
    assert note.describe() == "pressures.csv: 1 rows missing from its 5-minute steps, read as drop-outs"


def test_a_logger_s_fill_for_no_reading_is_read_as_a_drop_out(tmp_path):
    # A logger that lost power wrote 0 at 00:05 and -9999 at 00:10: no pressure head (vacuum is −10.33 m of
    # water), so both are drop-outs, as empty cells are; −0.5 m at 00:15 is a pressure (a transient) and kept.
    values = ["50", "0", "-9999", "-0.5", "51", "52"]
    path = _pressures(tmp_path, "".join(f"2019-01-01 00:{5 * step:02d},{value}\n" for step, value in enumerate(values)))
    table, note = read_sensor_table_on_grid(path, pressures=True)
    assert [None if math.isnan(value) else value for value in table["10"]] == [50.0, None, None, -0.5, 51.0, 52.0]
    assert note == GridNote("pressures.csv", 300, missing_rows=0, repeated_rows=0, not_read=2)
    assert note.describe() == "pressures.csv: 2 readings of exactly 0 m or below vacuum read as drop-outs"
    flows, flow_note = read_sensor_table_on_grid(path)  # a flow of 0 is a flow
    assert flows["10"].tolist()[:3] == [50.0, 0.0, -9999.0] and not flow_note.changed
    # a logger mostly below zero is a sign or datum error, refused by the folder's checks, not read as fills
    mirrored = _pressures(
        tmp_path, "".join(f"2019-01-01 00:{5 * step:02d},{-float(value)}\n" for step, value in enumerate(values))
    )
    assert read_sensor_table_on_grid(mirrored, pressures=True)[1].not_read == 0


def test_a_logger_reading_in_steps_of_0_01_mpa_is_named(tmp_path):
    # A day of readings of logger 10 in steps of 0.01 MPa (1.02 m of water), between 50.98 and 53.02 m, and of
    # logger 11 to the centimetre: 10's step is named (every gap between its readings is 1.02 m), 11's is not.
    times = pd.date_range("2019-01-01", periods=288, freq="5min")
    wave = 52.0 + np.sin(np.arange(288) / 288 * 2 * np.pi)
    coarse = np.round(wave / 1.02) * 1.02
    rows = "".join(f"{time:%Y-%m-%d %H:%M},{a:.4f},{b:.2f}\n" for time, a, b in zip(times, coarse, wave, strict=True))
    path = tmp_path / "pressures.csv"
    path.write_text("Timestamp,10,11\n" + rows)
    _table, note = read_sensor_table_on_grid(path, pressures=True)
    assert note.coarse == (("10", 1.02),)
    assert note.describe() == (
        "pressures.csv: loggers reading in coarse steps, 10 (1.02 m): leaks need 0.1 m (0.001 MPa) or finer"
    )


def test_battledim_s_semicolons_and_decimal_commas_are_read(tmp_path):
    # as 2019_SCADA_Pressures.csv gives them: "2019-01-01 00:00;50,25" is 50.25 m
    path = tmp_path / "pressures.csv"
    path.write_text("Timestamp;10;11\n2019-01-01 00:00;50,25;40\n2019-01-01 00:05;50,5;-0,75\n")
    table = read_sensor_table(path)
    assert table.to_numpy().tolist() == [[50.25, 40.0], [50.5, -0.75]]


def test_a_scada_export_in_gbk_with_a_chinese_time_heading_is_read(tmp_path):
    # A SCADA export saved by Excel in China: GBK, the time column headed 采集时间, semicolons and decimal commas.
    path = tmp_path / "pressures.csv"
    path.write_bytes("采集时间;10\n2019-01-01 00:00;50,25\n2019-01-01 00:05;50,5\n".encode("gbk"))
    table = read_sensor_table(path)
    assert table.index.name == "Timestamp" and table["10"].tolist() == [50.25, 50.5]


def test_a_sensor_list_in_gbk_keeps_its_chinese_ids(tmp_path):
    path = tmp_path / "sensors.yaml"
    path.write_bytes("# 东区压力监测点\npressures: [东门, n4]\nflows: [水厂出水]\n".encode("gbk"))
    layout = read_sensor_layout(path)
    assert (layout.pressures, layout.flows) == (["东门", "n4"], ["水厂出水"])


def test_a_leak_list_in_gbk_is_read(tmp_path):
    # A repair log saved on Windows in China: a Chinese note beside each leak's pipe and times.
    path = tmp_path / "leaks.csv"
    path.write_bytes(
        "pipe_id,start_time,end_time,note\np257,2019-01-02 08:00,2019-01-05 12:00,东门路口\n".encode("gbk")
    )
    leaks = read_leak_list(path)
    assert (leaks.pipe_id.tolist(), leaks.note.tolist()) == (["p257"], ["东门路口"])
    assert leaks.start_time.iloc[0] == pd.Timestamp("2019-01-02 08:00")


def test_a_row_given_twice_is_read_once_and_with_other_values_refused(tmp_path):
    path = _pressures(tmp_path, "2019-01-01 00:00,50\n2019-01-01 00:05,51\n2019-01-01 00:05,51\n")
    table, note = read_sensor_table_on_grid(path)
    assert table["10"].tolist() == [50.0, 51.0] and note.repeated_rows == 1
    path = _pressures(tmp_path, "2019-01-01 00:00,50\n2019-01-01 00:05,51\n2019-01-01 00:05,52\n")
    with pytest.raises(SensorDataError, match=r"pressures.csv:4: timestamp 2019-01-01 00:05:00 is given twice"):
        read_sensor_table(path)


def test_a_row_out_of_order_or_off_the_grid_is_named_by_line(tmp_path):
    path = _pressures(tmp_path, "2019-01-01 00:05,50\n2019-01-01 00:00,50\n2019-01-01 00:10,50\n")
    with pytest.raises(SensorDataError, match=r"pressures.csv:3: timestamp 2019-01-01 00:00:00 follows .*time order"):
        read_sensor_table(path)
    path = _pressures(tmp_path, "".join(f"2019-01-01 00:{minute:02d},50\n" for minute in (0, 5, 10, 17, 20)))
    with pytest.raises(SensorDataError, match=r"pressures.csv:5: timestamp 2019-01-01 00:17:00 is off the file's grid"):
        read_sensor_table(path)
    path = _pressures(tmp_path, "2019-01-01 00:00,50\n2019-01-01 00:07,50\n2019-01-01 00:14,50\n")
    with pytest.raises(SensorDataError, match=r"readings every 420 s"):
        read_sensor_table(path)


def test_fifteen_minute_readings_are_interpolated_but_not_across_a_missing_one(tmp_path):
    # 50 m at 00:00 and 53 m at 00:15: 51 and 52 m at 00:05 and 00:10. The reading of 00:30 is missing and the
    # one of 01:00 empty: 00:20–00:40 and 00:50–01:10 have no two readings 15 minutes apart, so stay empty.
    rows = ["00:00,50", "00:15,53", "00:45,56", "01:00,", "01:15,59", "01:30,62"]
    path = _pressures(tmp_path, "".join(f"2019-01-01 {row}\n" for row in rows))
    table, note = read_sensor_table_on_grid(path)
    values = [None if math.isnan(value) else round(value, 6) for value in table["10"]]
    assert len(table) == 19  # 00:00 to 01:30
    assert values == [50, 51, 52, 53, *[None] * 5, 56, *[None] * 5, 59, 60, 61, 62]
    assert (note.step_seconds, note.missing_rows) == (900, 1)


def test_timestamps_with_an_offset_are_read_as_the_county_s_wall_clock(tmp_path):
    # 16:00 UTC is 00:00 in Shanghai (UTC+08:00); a file mixing offsets and none is refused by line
    path = _pressures(tmp_path, "2018-12-31T16:00:00Z,50\n2018-12-31T16:05:00Z,51\n2019-01-01T00:10:00+08:00,52\n")
    table, _note = read_sensor_table_on_grid(path)
    assert list(table.index.strftime("%Y-%m-%d %H:%M")) == ["2019-01-01 00:00", "2019-01-01 00:05", "2019-01-01 00:10"]
    path = _pressures(tmp_path, "2019-01-01T00:00:00+08:00,50\n2019-01-01 00:05,51\n")
    with pytest.raises(SensorDataError, match=r"pressures.csv:3: timestamp '2019-01-01 00:05' has no time-zone offset"):
        read_sensor_table(path)


def test_one_minute_readings_are_averaged_over_each_five_minutes(tmp_path):
    # 1, 2, …, 10 m at 00:00–00:09: means 3 m (00:00–00:04) and 8 m (00:05–00:09)
    path = _pressures(tmp_path, "".join(f"2019-01-01 00:0{minute},{minute + 1}\n" for minute in range(10)))
    table, note = read_sensor_table_on_grid(path)
    assert table["10"].tolist() == [3.0, 8.0] and note.step_seconds == 60


def test_the_files_of_a_folder_must_cover_the_same_times(tmp_path, net1):
    index = pd.date_range(START, periods=24, freq="5min").strftime("%Y-%m-%d %H:%M")
    (tmp_path / "pressures.csv").write_text("Timestamp,10\n" + "".join(f"{time},50\n" for time in index))
    (tmp_path / "levels.csv").write_text("Timestamp,2\n" + "".join(f"{time},30\n" for time in index[:-1]))
    flows = [time for position, time in enumerate(index) if position != 5]
    (tmp_path / "flows.csv").write_text("Timestamp,10\n" + "".join(f"{time},100\n" for time in flows))
    with pytest.raises(SensorDataError, match=r"levels.csv: runs from .* to 2019-01-01 01:50:00 .* same times"):
        read_sensor_folder(tmp_path, net1)
    (tmp_path / "levels.csv").write_text("Timestamp,2\n" + "".join(f"{time},30\n" for time in index))
    data = read_sensor_folder(tmp_path, net1)
    assert math.isnan(data.flows["10"].iloc[5]) and data.flows["10"].notna().sum() == 23
    assert [note.file for note in data.grid_notes] == ["flows.csv"]


def test_a_bad_number_and_a_bad_time_are_named(tmp_path):
    path = tmp_path / "pressures.csv"
    path.write_text("Timestamp,10\n2019-01-01 00:00,50\n2019-01-01 00:05,fifty\n")
    with pytest.raises(SensorDataError, match=r"pressures.csv:3: column '10' value 'fifty' is not a number"):
        read_sensor_table(path)
    path.write_text("Timestamp,10\n2019-01-01 00:00,50\nyesterday,50\n")
    with pytest.raises(SensorDataError, match=r"pressures.csv:3: timestamp 'yesterday' is not a date and time"):
        read_sensor_table(path)


def test_long_negative_pressures_are_refused_as_a_unit_error(tmp_path, net1):
    index = pd.date_range(START, periods=48, freq="5min").strftime("%Y-%m-%d %H:%M")
    (tmp_path / "pressures.csv").write_text("Timestamp,10\n" + "".join(f"{time},-30\n" for time in index))
    (tmp_path / "flows.csv").write_text("Timestamp,10\n" + "".join(f"{time},100\n" for time in index))
    (tmp_path / "levels.csv").write_text("Timestamp,2\n" + "".join(f"{time},30\n" for time in index))
    with pytest.raises(SensorDataError, match=r"column '10' is below zero for over 60 minutes"):
        read_sensor_folder(tmp_path, net1)


@pytest.mark.parametrize(("unit", "per_metre", "ratio"), [("MPa", 1 / 101.97, "0.00555"), ("kPa", 9.807, "5.55")])
def test_pressures_in_mpa_or_kpa_are_refused_with_the_units_named(tmp_path, net1, unit, per_metre, ratio):
    # Net1's highest source is tank 2, full at 850 + 150 ft = 304.8 m; node 10 lies at 710 ft = 216.41 m, so
    # 88.39 m of static head. 50 m of pressure is 0.566 of it; in MPa 50 / 101.97 = 0.4903, 0.00555 of it;
    # in kPa 490.35, 5.55 times it. Both lie outside 0.2–4 and are refused; in metres the file is read.
    index = pd.date_range(START, periods=48, freq="5min").strftime("%Y-%m-%d %H:%M")
    (tmp_path / "flows.csv").write_text("Timestamp,10\n" + "".join(f"{time},100\n" for time in index))
    (tmp_path / "levels.csv").write_text("Timestamp,2\n" + "".join(f"{time},30\n" for time in index))
    (tmp_path / "pressures.csv").write_text("Timestamp,10\n" + "".join(f"{time},50\n" for time in index))
    assert read_sensor_folder(tmp_path, net1).pressures["10"].median() == 50.0
    value = 50 * per_metre
    (tmp_path / "pressures.csv").write_text("Timestamp,10\n" + "".join(f"{time},{value:.4f}\n" for time in index))
    with pytest.raises(SensorDataError, match=rf"pressures.csv: the pressures are {ratio} times .* in MPa, bar or kPa"):
        read_sensor_folder(tmp_path, net1)


def test_flows_in_litres_per_second_are_refused_against_the_model_s_demand(net1):
    # Net1's junctions draw 1,100 gpm at base (150 + 150 + 100 + 150 + 200 + 150 + 100 + 100), its pattern
    # averages 1.0 (12 multipliers summing to 12): 1,100 × 0.2271247 = 249.84 m³/h. An inflow through pump 9
    # from reservoir 9 of 249.84 m³/h (tank 2 level, no filling) is 1.0 of it; in L/s, 69.4, it is 0.278.
    assert mean_demand_m3h(net1) == pytest.approx(249.84, abs=0.01)
    index = pd.date_range(START, periods=12, freq="5min")
    levels = pd.DataFrame({"2": 30.0}, index=index)
    pressures = pd.DataFrame({"10": 50.0}, index=index)
    check_flow_units(net1, SensorData(pressures, pd.DataFrame({"9": 249.84}, index=index), levels))
    in_litres = SensorData(pressures, pd.DataFrame({"9": 249.84 / 3.6}, index=index), levels)
    with pytest.raises(SensorDataError, match=r"median 69.4, is 0.278 times the model's mean demand .* in L/s"):
        check_flow_units(net1, in_litres)


def test_a_leak_on_a_pipe_the_model_lacks_is_named_by_line(tmp_path, capsys):
    leaks = tmp_path / "leaks.csv"
    leaks.write_text("pipe_id,start_time\n12,2019-01-01 06:00\np999,2019-01-01 07:00\n")
    (tmp_path / "sensors.yaml").write_text("pressures: ['10']\nflows: ['10']\nlevels: ['2']\n")
    network_path = tmp_path / "net1.inp"
    network_path.write_text(load_network_text())
    code = main(
        ["network", "simulate", str(network_path), "--leaks", str(leaks), "--days", "1", "--out", str(tmp_path)]
    )
    assert code == 2
    assert capsys.readouterr().err.strip() == f"hydro: error: {leaks}:3: pipe_id 'p999' is not a pipe of the model"
