"""Who opens the farmland pages: the water-saving office (and the county administrator), no one else.

Farmland projects are the office's planning records; no enterprise, clinic or
inspector sees them. Every farmland page is guarded with `FARMLAND_USERS`.
"""

from __future__ import annotations

from civic.core.permissions import WATER_OFFICE

FARMLAND_USERS = WATER_OFFICE
