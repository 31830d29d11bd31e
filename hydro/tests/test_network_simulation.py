"""Simulation with leaks, and the sensor-data layout with its bad-input checks."""

from __future__ import annotations

import copy
import math

import pandas as pd
import pytest

from hydro.cli import main
from hydro.network.model import load_network
from hydro.network.sensors import (
    SensorDataError,
    SensorLayout,
    check_layout_against_network,
    read_sensor_folder,
    read_sensor_layout,
    read_sensor_table,
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


def test_a_missing_row_is_named_by_line(tmp_path):
    path = tmp_path / "pressures.csv"
    path.write_text("Timestamp,10\n2019-01-01 00:00,50\n2019-01-01 00:05,50\n2019-01-01 00:15,50\n")
    with pytest.raises(SensorDataError, match=r"pressures.csv:4: timestamp 2019-01-01 00:15:00 follows"):
        read_sensor_table(path)


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
