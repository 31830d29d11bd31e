"""Leak detection and localisation: the sweep, the command, and its refusals of bad data."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hydro.cli import main
from hydro.network.localisation import rank_candidates, sensitivity_matrix
from hydro.network.model import load_network
from hydro.network.sensors import read_sensor_layout, write_sensor_table
from hydro.network.simulation import LeakSpec, simulate

NET3_SENSORS = Path(__file__).parents[1] / "network" / "data" / "Net3.sensors.yaml"
NO_NOISE_DIRECTIONS = np.zeros((0, 10))


@pytest.fixture(scope="module")
def net3():
    return load_network("Net3")


@pytest.fixture(scope="module")
def net3_layout():
    return read_sensor_layout(NET3_SENSORS)


def write_folder(folder: Path, result) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_sensor_table(result.pressures, folder / "pressures.csv")
    write_sensor_table(result.flows, folder / "flows.csv")
    write_sensor_table(result.levels, folder / "levels.csv")
    return folder


@pytest.fixture(scope="module")
def net3_folders(tmp_path_factory, net3, net3_layout):
    """Two noise-free training weeks, and five days with a 40 mm leak on pipe 171 from 2 January 12:00."""
    root = tmp_path_factory.mktemp("net3")
    training = simulate(copy.deepcopy(net3), net3_layout, [], 14, pd.Timestamp("2018-12-18"))
    leak = LeakSpec("171", pd.Timestamp("2019-01-02 12:00"), diameter_m=0.04)
    test = simulate(copy.deepcopy(net3), net3_layout, [leak], 5, pd.Timestamp("2019-01-01"))
    quiet = simulate(copy.deepcopy(net3), net3_layout, [], 5, pd.Timestamp("2019-01-01"))
    return (
        write_folder(root / "train", training),
        write_folder(root / "data", test),
        write_folder(root / "quiet", quiet),
    )


def test_a_candidates_own_signature_ranks_it_first(net3, net3_layout):
    matrix = sensitivity_matrix(net3, net3_layout.pressures, 3 * 3600, pipes=["171", "123", "239", "317"], workers=1)
    for row, pipe in enumerate(matrix.pipes):
        ranked = rank_candidates(matrix, matrix.pressure_change_m[row] * 2.5, NO_NOISE_DIRECTIONS)
        assert ranked[0].pipe_id == pipe  # a leak's size only scales its signature
        assert ranked[0].similarity == pytest.approx(1.0)


def test_the_sweep_gives_the_same_matrix_over_two_processes(net3, net3_layout):
    pipes = net3.pipe_name_list[:40]
    serial = sensitivity_matrix(net3, net3_layout.pressures, 3 * 3600, pipes=pipes, workers=1)
    parallel = sensitivity_matrix(net3, net3_layout.pressures, 3 * 3600, pipes=pipes, workers=2)
    assert parallel.pipes == serial.pipes
    # equal to well within EPANET's convergence (solves start from the previous one's flows)
    np.testing.assert_allclose(parallel.pressure_change_m, serial.pressure_change_m, atol=1e-4)


def test_a_reference_leak_lowers_pressure_at_every_sensor_it_reaches(net3, net3_layout):
    matrix = sensitivity_matrix(net3, net3_layout.pressures, 3 * 3600, pipes=["171"], workers=1)
    assert (matrix.pressure_change_m <= 1e-9).all()
    assert matrix.leak_flow_m3h[0] == pytest.approx(5.0, rel=0.05)  # the reference leak is sized to 5 m³/h


def test_the_command_finds_the_leak_and_its_start(net3_folders, tmp_path):
    train, data, _ = net3_folders
    out = tmp_path / "found.csv"
    details = tmp_path / "details.json"
    code = main(["network", "locate", "--network", "Net3", "--data", str(data), "--train", str(train),
                 "--out", str(out), "--details", str(details), "--workers", "1"])  # fmt: skip
    assert code == 0
    # The alarm is raised at the end of the first night window after the leak began: Net3's quietest
    # three hours are 06:00-09:00, so 3 January 09:00; in noise-free data the change point is exact.
    assert out.read_text() == "pipe_id,start_time\n171,2019-01-03 09:00\n"
    leak = json.loads(details.read_text())["leaks"][0]
    assert (leak["pipe_id"], leak["estimated_start"]) == ("171", "2019-01-02 12:00")


def test_no_leak_raises_no_alarm(net3_folders, capsys):
    train, _, quiet = net3_folders
    code = main(
        ["network", "locate", "--network", "Net3", "--data", str(quiet), "--train", str(train), "--workers", "1"]
    )
    assert code == 0
    assert capsys.readouterr().out == "pipe_id,start_time\n"


def test_a_sensor_column_that_names_no_element_is_refused(net3_folders, tmp_path, capsys):
    train, data, _ = net3_folders
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("pressures.csv", "flows.csv", "levels.csv"):
        (bad / name).write_text((data / name).read_text())
    text = (bad / "pressures.csv").read_text()
    (bad / "pressures.csv").write_text(text.replace("Timestamp,15,", "Timestamp,J-15,", 1))
    code = main(["network", "locate", "--network", "Net3", "--data", str(bad), "--train", str(train)])
    assert code == 2
    assert "pressures.csv: pressures sensor 'J-15' names no node of the model" in capsys.readouterr().err


def test_files_with_different_timestamps_are_refused(net3_folders, tmp_path, capsys):
    train, data, _ = net3_folders
    bad = tmp_path / "shifted"
    bad.mkdir()
    for name in ("pressures.csv", "flows.csv", "levels.csv"):
        (bad / name).write_text((data / name).read_text())
    (bad / "levels.csv").write_text((bad / "levels.csv").read_text().replace("2019-01-", "2019-02-"))
    code = main(["network", "locate", "--network", "Net3", "--data", str(bad), "--train", str(train)])
    assert code == 2
    assert "levels.csv: timestamps differ from those of pressures.csv" in capsys.readouterr().err


def test_flows_without_a_metered_source_are_refused(net3_folders, tmp_path, capsys):
    train, data, _ = net3_folders
    bad = tmp_path / "unmetered"
    bad.mkdir()
    for name in ("pressures.csv", "levels.csv"):
        (bad / name).write_text((data / name).read_text())
    flows = pd.read_csv(data / "flows.csv").rename(columns={"10": "335"}).drop(columns="60")
    flows.to_csv(bad / "flows.csv", index=False)
    code = main(["network", "locate", "--network", "Net3", "--data", str(bad), "--train", str(train)])
    assert code == 2
    assert "no flow sensor on a link from a reservoir" in capsys.readouterr().err


def test_training_nights_with_a_listed_leak_are_left_out(net3, net3_layout, net3_folders):
    from hydro.network.detection import calibrate
    from hydro.network.locate import without_leak_periods
    from hydro.network.sensors import read_leak_list, read_sensor_folder

    train, _, _ = net3_folders
    clean = calibrate(net3, read_sensor_folder(train, net3))
    start = pd.Timestamp("2018-12-18")
    leak = LeakSpec("123", pd.Timestamp("2018-12-21 00:00"), pd.Timestamp("2018-12-24 00:00"), diameter_m=0.05)
    leaky = simulate(copy.deepcopy(net3), net3_layout, [leak], 14, start)
    folder = write_folder(train.parent / "leaky_train", leaky)
    (folder / "leaks.csv").write_text("pipe_id,start_time,end_time\n123,2018-12-21 00:00,2018-12-24 00:00\n")
    data = read_sensor_folder(folder, net3)
    assert data.leaks is not None and list(data.leaks["pipe_id"]) == ["123"]
    assert len(read_leak_list(folder / "leaks.csv")) == 1
    unmarked = calibrate(net3, replace(data, leaks=None))
    marked = calibrate(net3, without_leak_periods(data))
    # about 150 m³/h lost for three of fourteen nights lifts the plain reference; leaving them out restores it
    assert unmarked.reference_m3h > clean.reference_m3h + 20
    assert marked.reference_m3h == pytest.approx(clean.reference_m3h, rel=0.005)
