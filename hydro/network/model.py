"""Load an EPANET network through `wntr` and summarise it.

The summary counts the elements, adds up pipe length and splits the network
into zones (district metered areas, DMAs): the connected parts left when the
links that bound a zone are cut — pressure-reducing and other valves, pumps,
and pipes closed in the file (the usual way a DMA boundary is drawn).
"""

from __future__ import annotations

import importlib.resources
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse
import scipy.sparse.csgraph
import wntr

from hydro.network.inp_check import NetworkFileError, check_inp_file, decoded_inp

# Networks that ship inside installed packages, by the name a user may type.
WNTR_EXAMPLES = ("Net1", "Net2", "Net3", "Net6", "ky4", "ky10")


def ltown_path() -> Path:
    """Path of L-TOWN (BattLeDIM 2020) inside the installed `epyt` package."""
    return Path(str(importlib.resources.files("epyt") / "networks" / "L-TOWN.inp"))


def wntr_example_path(name: str) -> Path:
    """Path of one of the example networks inside the installed `wntr` package."""
    return Path(str(importlib.resources.files("wntr") / "library" / "networks" / f"{name}.inp"))


def resolve_network_path(name_or_path: str | Path) -> Path:
    """A file path as given, or the packaged network called `L-TOWN`, `Net1`, `Net3`, `ky10`, `Net6` …"""
    text = str(name_or_path)
    if text.upper() in ("L-TOWN", "LTOWN"):
        return ltown_path()
    if text in WNTR_EXAMPLES:
        return wntr_example_path(text)
    return Path(text)


def load_network(name_or_path: str | Path) -> wntr.network.WaterNetworkModel:
    """Read a network; a missing or malformed file raises `NetworkFileError` naming file and line."""
    path = resolve_network_path(name_or_path)
    if not path.is_file():
        raise NetworkFileError(f"{path}: no such network file")
    check_inp_file(path)
    try:
        return _network_of_text(decoded_inp(path.read_bytes()))
    except Exception as error:  # wntr raises bare exceptions of many kinds on bad input
        raise NetworkFileError(f"{path}: EPANET input the model reader refused: {error}") from error


def _network_of_text(text: str) -> wntr.network.WaterNetworkModel:
    """The model of an `.inp` file's text, through a UTF-8 copy: wntr reads files as UTF-8 only."""
    with tempfile.TemporaryDirectory(prefix="hydro-network-") as folder:
        copy = Path(folder) / "network.inp"
        copy.write_text(text, encoding="utf-8")
        return wntr.network.WaterNetworkModel(str(copy))


@dataclass(frozen=True)
class Zone:
    """A connected part of the network between boundary links (a DMA)."""

    name: str
    junctions: int
    pipes: int
    pipe_length_m: float
    sources: list[str]
    inlets: list[str]


@dataclass(frozen=True)
class NetworkSummary:
    """Counts and lengths of a network, with its zones."""

    name: str
    nodes: int
    junctions: int
    tanks: int
    reservoirs: int
    links: int
    pipes: int
    pumps: int
    valves: int
    prvs: int
    total_pipe_length_m: float
    zones: list[Zone] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def boundary_links(network: wntr.network.WaterNetworkModel) -> list[str]:
    """Links that bound a zone: valves, pumps and pipes closed in the file."""
    closed = [name for name, pipe in network.pipes() if str(pipe.initial_status).upper().endswith("CLOSED")]
    return [*network.valve_name_list, *network.pump_name_list, *closed]


def zones_of(network: wntr.network.WaterNetworkModel) -> list[Zone]:
    """The zones (DMAs) of a network: its connected parts once the boundary links are cut.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel

    Returns
    -------
    list of Zone
        Largest first (by nodes), named ``zone 1``, ``zone 2`` …, each with its
        junctions, pipes, pipe length [m], sources (reservoirs and tanks) and
        the boundary links that feed it.

    Notes
    -----
    Boundary links are those of `boundary_links`: valves, pumps and pipes
    closed in the file, the usual way a DMA is closed off.
    """
    boundaries = set(boundary_links(network))
    graph = nx.Graph()
    graph.add_nodes_from(network.node_name_list)
    for name, link in network.links():
        if name not in boundaries:
            graph.add_edge(link.start_node_name, link.end_node_name, name=name)
    parts = sorted(nx.connected_components(graph), key=len, reverse=True)
    return [_zone(network, graph, part, boundaries, index) for index, part in enumerate(parts, start=1)]


def _zone(
    network: wntr.network.WaterNetworkModel, graph: nx.Graph, part: set[str], boundaries: set[str], index: int
) -> Zone:
    pipe_names = [data["name"] for _, _, data in graph.subgraph(part).edges(data=True)]
    pipe_names = [name for name in pipe_names if name in network.pipe_name_list]
    inlets = sorted(
        name
        for name in boundaries
        if network.get_link(name).end_node_name in part and name not in network.pipe_name_list
    )
    return Zone(
        name=f"Z{index}",
        junctions=sum(1 for node in part if node in network.junction_name_list),
        pipes=len(pipe_names),
        pipe_length_m=round(sum(network.get_link(name).length for name in pipe_names), 1),
        sources=sorted(node for node in part if node in network.reservoir_name_list or node in network.tank_name_list),
        inlets=inlets,
    )


def summarise_network(network: wntr.network.WaterNetworkModel, name: str = "") -> NetworkSummary:
    """What a network holds: counts of each element, total pipe length and the zones.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
    name : str
        Name to report; the model's own name when empty.

    Returns
    -------
    NetworkSummary
        Counts of nodes, junctions, tanks, reservoirs, links, pipes, pumps,
        valves and PRVs, the total pipe length [m, to 0.1 m] and `zones_of`.
    """
    valve_types = [valve.valve_type for _, valve in network.valves()]
    return NetworkSummary(
        name=name or network.name or "",
        nodes=network.num_nodes,
        junctions=network.num_junctions,
        tanks=network.num_tanks,
        reservoirs=network.num_reservoirs,
        links=network.num_links,
        pipes=network.num_pipes,
        pumps=network.num_pumps,
        valves=network.num_valves,
        prvs=valve_types.count("PRV"),
        total_pipe_length_m=round(float(sum(pipe.length for _, pipe in network.pipes())), 1),
        zones=zones_of(network),
    )


def node_coordinates(network: wntr.network.WaterNetworkModel) -> dict[str, tuple[float, float]]:
    """(x, y) of each node as the `.inp` gives them (often not geographic)."""
    return {name: (float(node.coordinates[0]), float(node.coordinates[1])) for name, node in network.nodes()}


def network_graph(network: wntr.network.WaterNetworkModel) -> nx.Graph:
    """Undirected graph of the network, edges weighted by pipe length [m] (pumps and valves 0 m)."""
    graph = nx.Graph()
    for name, link in network.links():
        length = float(link.length) if name in network.pipe_name_list else 0.0
        graph.add_edge(link.start_node_name, link.end_node_name, name=name, length=length)
    return graph


def pipe_distances(network: wntr.network.WaterNetworkModel, pipe: str, others: list[str]) -> dict[str, float]:
    """Distance along the network from the middle of `pipe` to the middle of each of `others`.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
    pipe : str
        The pipe measured from.
    others : list of str
        The pipes measured to.

    Returns
    -------
    dict of str to float
        Pipe id → distance [m]; infinite when the pipes are not connected.

    Notes
    -----
    With L the pipe lengths [m] and path(u, v) the shortest path between two
    nodes along pipes (pumps and valves count 0 m),

        d(a, b) = L_a/2 + min over end nodes u of a, v of b of path(u, v) + L_b/2,

    and d(a, a) = 0: the pipe distance BattLeDIM scores localisation by
    ([BATTLEDIM-2020]).
    """
    graph = network_graph(network)
    link = network.get_link(pipe)
    from_ends = [
        nx.single_source_dijkstra_path_length(graph, node, weight="length")
        for node in (link.start_node_name, link.end_node_name)
    ]
    distances: dict[str, float] = {}
    for other in others:
        if other == pipe:
            distances[other] = 0.0
            continue
        target = network.get_link(other)
        between = min(
            lengths.get(end, float("inf"))
            for lengths in from_ends
            for end in (target.start_node_name, target.end_node_name)
        )
        distances[other] = float(link.length) / 2 + between + float(target.length) / 2
    return distances


def pipe_distance_matrix(network: wntr.network.WaterNetworkModel, pipes: list[str]) -> np.ndarray:
    """Pipe distances between every pair of `pipes`, as `pipe_distances` defines them.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
    pipes : list of str

    Returns
    -------
    numpy.ndarray
        len(pipes) × len(pipes) distances [m], zero on the diagonal.

    Notes
    -----
    All-pairs shortest paths over the nodes (Dijkstra, scipy.sparse.csgraph),
    then for each pair the nearest of their four pairs of end nodes plus half
    of each length ([BATTLEDIM-2020]'s pipe distance).
    """
    nodes = {name: index for index, name in enumerate(network.node_name_list)}
    rows, columns, lengths = [], [], []
    for name, link in network.links():
        rows.append(nodes[link.start_node_name])
        columns.append(nodes[link.end_node_name])
        # pumps and valves count 0 m; a tiny weight keeps them as edges of the sparse graph
        lengths.append(max(float(link.length) if name in network.pipe_name_list else 0.0, 1e-9))
    graph = scipy.sparse.coo_matrix((lengths, (rows, columns)), shape=(len(nodes), len(nodes))).tocsr()
    between_nodes = scipy.sparse.csgraph.dijkstra(graph, directed=False)
    starts = np.array([nodes[network.get_link(pipe).start_node_name] for pipe in pipes])
    ends = np.array([nodes[network.get_link(pipe).end_node_name] for pipe in pipes])
    pipe_lengths = np.array([float(network.get_link(pipe).length) for pipe in pipes])
    nearest = np.minimum.reduce(
        [between_nodes[np.ix_(first, second)] for first in (starts, ends) for second in (starts, ends)]
    )
    distances = pipe_lengths[:, None] / 2 + nearest + pipe_lengths[None, :] / 2
    np.fill_diagonal(distances, 0.0)
    return np.asarray(distances)
