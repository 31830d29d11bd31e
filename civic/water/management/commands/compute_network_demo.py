"""Work out the demo leak localisation on Net3 and store it for the network page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from civic.water.network import DEMO_FILE, build_demo_summary, write_summary


class Command(BaseCommand):
    help = "Simulate a leak on Net3, detect and localise it, and store the result for the network page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, default=DEMO_FILE, help=f"JSON file to write (default {DEMO_FILE})")
        parser.add_argument("--workers", type=int, default=1, help="processes for the candidate sweep")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = build_demo_summary(workers=options["workers"])
        write_summary(summary, options["out"])
        leaks = ", ".join(leak["pipe_id"] for leak in summary["leaks"]) or "none"
        self.stdout.write(f"Localised leaks on {summary['network']}: {leaks}; written to {options['out']}")
