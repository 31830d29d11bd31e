"""The network model: packaged networks load, counts match their publications, bad files are named by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hydro.cli import main
from hydro.network.inp_check import NetworkFileError
from hydro.network.model import load_network, pipe_distances, summarise_network

NET1_LINES = """[JUNCTIONS]
 10 710 0
 11 710 150
[RESERVOIRS]
 9 800
[PIPES]
 10 9 10 10530 18 100
 11 10 11 5280 14 100
[COORDINATES]
 10 20 70
 11 30 70
 9 10 70
[OPTIONS]
 Units GPM
[END]
"""


def test_it_counts_l_town_as_battledim_publishes_it():
    # Vrachimis et al. (2022), BattLeDIM: L-TOWN has 782 junctions, 905 pipes, 2 reservoirs,
    # 1 tank filled by 1 pump and 3 pressure-reducing valves.
    summary = summarise_network(load_network("L-TOWN"))
    assert (summary.junctions, summary.pipes, summary.reservoirs, summary.tanks) == (782, 905, 2, 1)
    assert (summary.pumps, summary.valves, summary.prvs) == (1, 3, 3)


def test_it_splits_l_town_into_zones_behind_the_pump_and_the_valves():
    zones = summarise_network(load_network("L-TOWN")).zones
    inlets = {inlet: zone for zone in zones for inlet in zone.inlets}
    assert inlets["PUMP_1"].sources == ["T1"]  # area C: the tank zone behind the pump
    assert inlets["PRV-1"] is inlets["PRV-2"]  # area A is fed through two PRVs
    assert inlets["PRV-3"] is not inlets["PRV-1"]
    assert sum(zone.junctions for zone in zones) == 782


@pytest.mark.parametrize(
    ("name", "junctions", "pipes", "pumps", "tanks", "reservoirs"),
    [("Net1", 9, 12, 1, 1, 1), ("Net3", 92, 117, 2, 3, 2)],  # EPANET 2.2 manual, examples 1 and 3
)
def test_it_counts_the_epanet_examples(name, junctions, pipes, pumps, tanks, reservoirs):
    summary = summarise_network(load_network(name))
    assert (summary.junctions, summary.pipes, summary.pumps, summary.tanks, summary.reservoirs) == (
        junctions, pipes, pumps, tanks, reservoirs,
    )  # fmt: skip


def test_it_adds_up_net1_pipe_length(tmp_path):
    # The two pipes above: 10530 + 5280 ft written in the file's own numbers (GPM: lengths in feet).
    path = tmp_path / "two_pipes.inp"
    path.write_text(NET1_LINES)
    summary = summarise_network(load_network(path))
    assert summary.total_pipe_length_m == pytest.approx((10530 + 5280) * 0.3048, abs=0.1)


def test_it_reads_a_gbk_model_with_chinese_ids_and_comments(tmp_path):
    # Chinese modelling software on Windows writes GBK: the node ids and the comments are Chinese.
    chinese = NET1_LINES.replace(" 11 ", " 东门 ").replace(" 11\n", " 东门\n").replace("[PIPES]", "[PIPES] ; 主干管")
    path = tmp_path / "东门片区.inp"
    path.write_bytes(chinese.encode("gbk"))
    network = load_network(path)
    assert "东门" in network.junction_name_list
    assert summarise_network(network).total_pipe_length_m == pytest.approx((10530 + 5280) * 0.3048, abs=0.1)


def test_it_measures_pipe_distance_midpoint_to_midpoint(tmp_path):
    path = tmp_path / "two_pipes.inp"
    path.write_text(NET1_LINES)
    network = load_network(path)
    # middle of pipe 10 to node 10 is 10530/2 ft, node 10 to middle of pipe 11 is 5280/2 ft.
    distances = pipe_distances(network, "10", ["10", "11"])
    assert distances["10"] == 0
    assert distances["11"] == pytest.approx((10530 / 2 + 5280 / 2) * 0.3048, abs=0.01)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (NET1_LINES.replace(" 11 710 150", " 11 high 150"), ":3: [JUNCTIONS] elevation must be a number, found 'high'"),
        (NET1_LINES.replace(" 11 10 11 5280", " 11 10 12 5280"), ":8: [PIPES] 11 names unknown node '12'"),
        (NET1_LINES.replace("[COORDINATES]", "[COORDINATE]"), ":9: unknown section [COORDINATE]"),
        (NET1_LINES.replace(" 9 800", " 10 800"), ":5: [RESERVOIRS] id '10' is defined twice"),
        (NET1_LINES.replace(" 11 10 11 5280 14 100", " 11 10 11"), ":8: [PIPES] needs at least 6 fields"),
        ("hello\n", ":1: data before the first [SECTION] header"),
    ],
)
def test_it_names_file_and_line_of_a_malformed_inp(tmp_path, broken, message):
    path = tmp_path / "broken.inp"
    path.write_text(broken)
    with pytest.raises(NetworkFileError) as raised:
        load_network(path)
    assert str(raised.value).startswith(f"{path}{message}")


def test_the_command_prints_a_summary_and_json(capsys):
    assert main(["network", "summary", "Net1"]) == 0
    assert "9 junctions" in capsys.readouterr().out
    assert main(["network", "summary", "Net3", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["junctions"], summary["pipes"]) == (92, 117)


def test_the_command_reports_a_bad_file_in_one_line(tmp_path: Path, capsys):
    path = tmp_path / "broken.inp"
    path.write_text(NET1_LINES.replace(" 11 710 150", " 11 710 lots"))
    assert main(["network", "summary", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.strip() == f"hydro: error: {path}:3: [JUNCTIONS] demand must be a number, found 'lots'"
    assert main(["network", "summary", str(tmp_path / "missing.inp")]) == 2
    assert "no such network file" in capsys.readouterr().err


ZONED = """[JUNCTIONS]
 J1 0 1
 J2 0 1
 J3 0 1
 J4 0 1
 J5 0 1
 J6 0 1
[RESERVOIRS]
 R 60
[PIPES]
 P1 R J1 100 200 100
 P2 J1 J2 200 200 100
 P3 J2 J3 50 200 100 0 Closed
 P4 J3 J4 300 200 100
 P5 J5 J6 400 150 100
[VALVES]
 V1 J2 J5 150 PRV 30
[OPTIONS]
 Units LPS
[END]
"""


def test_it_splits_zones_at_a_closed_pipe_and_a_prv(tmp_path):
    # R-J1-J2 is fed by the reservoir; the closed pipe P3 cuts off J3-J4; the PRV V1 feeds J5-J6.
    path = tmp_path / "zoned.inp"
    path.write_text(ZONED)
    zones = {tuple(zone.sources + zone.inlets): zone for zone in summarise_network(load_network(path)).zones}
    assert set(zones) == {("R",), (), ("V1",)}
    assert (zones[("R",)].junctions, zones[("R",)].pipes, zones[("R",)].pipe_length_m) == (2, 2, 300.0)
    assert (zones[()].junctions, zones[()].pipes, zones[()].pipe_length_m) == (2, 1, 300.0)
    assert (zones[("V1",)].junctions, zones[("V1",)].pipe_length_m) == (2, 400.0)
