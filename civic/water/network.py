"""The stored leak-localisation summary shown on the network page.

Localising a leak takes a sweep of hydraulic solves, so the page never runs
one: `manage.py compute_network_demo` works the demo localisation out with
`hydro.network` and keeps it as one JSON file, which the page reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from hydro.network.demo import demo_localisation
from hydro.network.locate import result_details

DEMO_FILE = Path(settings.BASE_DIR) / "civic" / "water" / "data" / "network_demo.json"


def build_demo_summary(workers: int | None = 1) -> dict[str, Any]:
    """Simulate and localise the demo leak on Net3; the map layers with the alarms."""
    layers, result = demo_localisation(workers=workers)
    return {**layers, **result_details(result)}


def write_summary(summary: dict[str, Any], path: Path | None = None) -> None:
    path = path or DEMO_FILE
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(summary, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    temporary.replace(path)


def read_summary(path: Path | None = None) -> dict[str, Any] | None:
    """The stored summary, or None when none has been computed."""
    path = path or DEMO_FILE
    if not path.is_file():
        return None
    return dict(json.loads(path.read_text(encoding="utf-8")))
