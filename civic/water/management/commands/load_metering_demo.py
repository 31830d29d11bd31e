"""Give the demo county's DMAs a month of synthetic smart-meter readings, and analyse them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.core.models import Region, RegionLevel
from civic.water.actions import record_metering_run
from hydro.readings_analysis import Period
from hydro.readings_store import import_file
from hydro.readings_synthetic import generate_county


class Command(BaseCommand):
    help = (
        "Generate a month of hourly smart-meter readings for the demo county's DMAs (with leaks and customer "
        "anomalies of known size), import them into a readings store and analyse them for the metering pages."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", default=str(Path(settings.BASE_DIR) / "var" / "readings"), help="Store dir.")
        parser.add_argument("--month", default="2024-03", help="The month to generate, as 2024-03.")
        parser.add_argument("--customers", type=int, default=40, help="Customer meters per DMA (default 40).")

    def handle(self, *args: Any, **options: Any) -> None:
        dma_codes = list(Region.objects.filter(level=RegionLevel.DMA).order_by("code").values_list("code", flat=True))
        if not dma_codes:
            raise CommandError("The county has no DMAs: load the demo county first (manage.py load_demo).")
        period = Period.parse(options["month"])
        days = (period.end - period.start).days
        county = generate_county(
            customers_per_dma=options["customers"],
            start=period.start.date(),
            days=days,
            dma_ids=dma_codes,
            leaking_dmas=max(1, len(dma_codes) // 4),
        )
        store = Path(options["store"])
        store.mkdir(parents=True, exist_ok=True)
        source = store.parent / f"demo-readings-{options['month']}.parquet"
        readings = county.readings.drop(columns="duration_s")
        pq.write_table(pa.Table.from_pandas(readings, preserve_index=False), source)
        outcome = import_file(store, source)
        zones_path = store.parent / "demo-zones.csv"
        county.zones.to_csv(zones_path, index=False)
        run = record_metering_run(str(store), county.zones, period)
        imported = "already imported" if outcome.already_imported else f"{outcome.record.row_count:,} intervals"
        self.stdout.write(
            f"{source.name}: {imported}; zones in {zones_path.name}; {run}: {run.customer_alarms.count()} customer "
            f"alarms, {run.night_flow_alarms.count()} night-flow alarms"
        )
