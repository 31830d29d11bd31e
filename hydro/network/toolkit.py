"""An in-process session over the EPANET 2.2 toolkit (through `wntr.epanet.toolkit`).

A session opens one working copy of the network once and then changes values
in memory (emitter coefficients, times) between solves: no `.inp` file is
written or read per run, which is what makes a sweep over hundreds of
candidate leaks cheap. The working copy is written in LPS, so the toolkit
speaks SI: pressure and head [m], flow [L/s], emitter coefficient [L/s/m^0.5].

Reference: [EPANET-2.2], the User Manual and Toolkit reference. The toolkit's
parameter codes (EN_EMITTER, EN_PRESSURE …) are wntr's `wntr.epanet.util.EN`
enumeration of epanet2_enums.h.
"""

from __future__ import annotations

import ctypes
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import wntr
from wntr.epanet.toolkit import ENepanet
from wntr.epanet.util import EN


def write_working_copy(network: wntr.network.WaterNetworkModel, folder: Path) -> Path:
    """Write the network once, in LPS, for a toolkit session to open."""
    path = folder / "network.inp"
    wntr.network.write_inpfile(network, str(path), units="LPS")
    return path


class ToolkitSession:
    """One opened EPANET project; values are set and read by element id."""

    def __init__(self, inp_path: Path, work_folder: Path) -> None:
        self._toolkit = ENepanet(version=2.2)
        self._toolkit.ENopen(str(inp_path), str(work_folder / "session.rpt"), "")
        self._node_index: dict[str, int] = {}
        self._link_index: dict[str, int] = {}
        self._snapshots_open = False

    def close(self) -> None:
        self._toolkit.ENclose()

    def node_index(self, node: str) -> int:
        if node not in self._node_index:
            self._node_index[node] = self._toolkit.ENgetnodeindex(node)
        return self._node_index[node]

    def link_index(self, link: str) -> int:
        if link not in self._link_index:
            self._link_index[link] = self._toolkit.ENgetlinkindex(link)
        return self._link_index[link]

    def set_emitter(self, node: str, coefficient_lps: float) -> None:
        """Emitter q = C·p^0.5 at a node: C in L/s per m^0.5."""
        self._toolkit.ENsetnodevalue(self.node_index(node), EN.EMITTER, float(coefficient_lps))

    def set_times(self, duration_s: int, pattern_start_s: int = 0, step_s: int = 300) -> None:
        self._toolkit.ENsettimeparam(EN.DURATION, int(duration_s))
        self._toolkit.ENsettimeparam(EN.HYDSTEP, int(step_s))
        self._toolkit.ENsettimeparam(EN.REPORTSTEP, int(step_s))
        self._toolkit.ENsettimeparam(EN.PATTERNSTART, int(pattern_start_s))

    def pressures(self, nodes: list[str]) -> np.ndarray:
        return np.array([self._toolkit.ENgetnodevalue(self.node_index(node), EN.PRESSURE) for node in nodes])

    def demands_lps(self, nodes: list[str]) -> np.ndarray:
        """Water leaving each node [L/s]: demand plus emitter outflow."""
        return np.array([self._toolkit.ENgetnodevalue(self.node_index(node), EN.DEMAND) for node in nodes])

    def snapshot_consumption_lps(self) -> float:
        """Sum of junction outflows [L/s] in one steady-state solve at the current time settings."""
        self._toolkit.ENopenH()
        self._toolkit.ENinitH(0)
        self._toolkit.ENrunH()
        total = self._total_consumption_lps()
        self._toolkit.ENcloseH()
        return total

    def _total_consumption_lps(self) -> float:
        count = self._toolkit.ENgetcount(EN.NODECOUNT)
        return float(
            sum(
                self._toolkit.ENgetnodevalue(index, EN.DEMAND)
                for index in range(1, count + 1)
                if self._toolkit.ENgetnodetype(index) == EN.JUNCTION
            )
        )

    def set_demand_multiplier(self, multiplier: float) -> None:
        """Scale every demand (EPANET's global demand multiplier)."""
        error = self._toolkit.ENlib.EN_setoption(self._toolkit._project, EN.DEMANDMULT, ctypes.c_double(multiplier))
        if error >= 100:
            raise RuntimeError(f"EPANET error {error} setting the demand multiplier")

    def flows_lps(self, links: list[str]) -> np.ndarray:
        return np.array([self._toolkit.ENgetlinkvalue(self.link_index(link), EN.FLOW) for link in links])

    def solve_snapshot(self, nodes: list[str]) -> np.ndarray:
        """One steady-state solve at the current time settings; pressures [m] at `nodes`.

        Between `open_snapshots` and `close_snapshots` the solver's matrices are kept
        and each solve only re-initialises them (ENinitH), which is most of a sweep's speed.
        """
        if not self._snapshots_open:
            self._toolkit.ENopenH()
        self._toolkit.ENinitH(0)
        self._toolkit.ENrunH()
        values = self.pressures(nodes)
        if not self._snapshots_open:
            self._toolkit.ENcloseH()
        return values

    def open_snapshots(self) -> None:
        self._toolkit.ENopenH()
        self._snapshots_open = True

    def close_snapshots(self) -> None:
        self._toolkit.ENcloseH()
        self._snapshots_open = False

    def open_extended_run(self) -> None:
        self._toolkit.ENopenH()
        self._toolkit.ENinitH(0)

    def run_step(self) -> tuple[int, int]:
        """Solve at the current time; returns (time [s], step to the next time [s], 0 at the end)."""
        time = int(self._toolkit.ENrunH())
        return time, int(self._toolkit.ENnextH())

    def close_extended_run(self) -> None:
        self._toolkit.ENcloseH()


@contextmanager
def toolkit_session(network: wntr.network.WaterNetworkModel) -> Iterator[ToolkitSession]:
    """Open a session on a working copy of `network` in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="hydro-network-") as folder:
        session = ToolkitSession(write_working_copy(network, Path(folder)), Path(folder))
        try:
            yield session
        finally:
            session.close()
