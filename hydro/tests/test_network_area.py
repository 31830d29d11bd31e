"""The candidate area of a located leak: the pipes within 300 m of pipe distance (BattLeDIM's reach)."""

from __future__ import annotations

import pytest

from hydro.network.area import candidate_area
from hydro.network.model import load_network


@pytest.fixture(scope="module")
def net3():
    return load_network("Net3")


def test_net3_pipe_171_is_alone_within_300_m(net3):
    # Pipe 171 (1054.608 m, nodes 119–151) and its neighbour 163 (356.616 m, nodes 151–153) share node 151:
    # d = 1054.608 / 2 + 0 + 356.616 / 2 = 705.612 m, beyond 300 m; every other pipe is farther or as far.
    assert candidate_area(net3, "171") == [candidate_area(net3, "171")[0]]
    assert candidate_area(net3, "171")[0].pipe_id == "171"
    assert candidate_area(net3, "171")[0].distance_m == 0.0


def test_a_wider_reach_takes_the_neighbours_by_pipe_distance(net3):
    area = candidate_area(net3, "171", radius_m=710.0)
    distances = {pipe.pipe_id: pipe.distance_m for pipe in area}
    assert distances["163"] == pytest.approx(705.6, abs=0.05)  # worked out above
    assert [pipe.distance_m for pipe in area] == sorted(pipe.distance_m for pipe in area)
    assert area[0].pipe_id == "171"
    assert candidate_area(net3, "171", radius_m=705.0)[-1].pipe_id != "163"
