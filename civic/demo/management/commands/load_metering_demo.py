"""Give the demo county's DMAs a month of synthetic smart-meter readings, and analyse them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.core.models import Region, RegionLevel
from civic.water.actions import import_meter_customers, record_metering_run
from civic.water.meter_customers import read_customer_file
from hydro.readings.periods import Period
from hydro.readings.store import batch_records, import_file
from hydro.readings.synthetic import generate_county


def _empty_demo_store(store: Path) -> None:
    """Remove a store that holds only demo readings, so a new demo month never overlaps an old one.

    A store holding any other batch is left alone and the command stops.
    """
    records = batch_records(store)
    if not records and not store.exists():
        return
    others = [record.source_name for record in records if not record.source_name.startswith("demo-readings-")]
    if others:
        raise CommandError(f"{store} holds readings other than the demo's ({others[0]}); give another --store.")
    shutil.rmtree(store)


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN_NAMES = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "桂兰",
)
ESTATES = ("花园新村", "阳光小区", "锦绣苑")
FLATS_PER_BUILDING = 12


def demo_customer_file(zones: pd.DataFrame, town_of_dma: dict[str, str], path: Path) -> Path:
    """Write the utility's customer file (用户档案) for the demo's customer meters, as a billing system exports
    it: meter, account, name, address and phone, one row per meter. The names and numbers are made up."""
    generator = np.random.default_rng(2024)
    customers = zones[zones.role == "customer"].sort_values("meter_id").reset_index(drop=True)
    rows = []
    for number, meter in enumerate(customers.itertuples(index=False), start=1):
        flat = int(meter.meter_id.rsplit("-C", 1)[1]) - 1
        estate = ESTATES[int(meter.dma_id.rsplit("-D", 1)[1]) % len(ESTATES)]
        building, on_building = divmod(flat, FLATS_PER_BUILDING)
        room = (on_building // 2 + 1) * 100 + on_building % 2 + 1
        name = SURNAMES[generator.integers(len(SURNAMES))] + GIVEN_NAMES[generator.integers(len(GIVEN_NAMES))]
        address = f"{town_of_dma.get(meter.dma_id, '')}{estate}{building + 1}幢{room}室"
        phone = f"139{generator.integers(10**8):08d}"
        rows.append((meter.meter_id, f"01{number:05d}", name, address, phone))
    table = pd.DataFrame(rows, columns=["表号", "户号", "户名", "地址", "电话"])
    table.to_csv(path, index=False, encoding="utf-8")
    return path


class Command(BaseCommand):
    help = (
        "Generate a month of hourly smart-meter readings for the demo county's DMAs (with leaks and customer "
        "anomalies of known size), import them into a readings store and analyse them for the metering pages. "
        "The store is rebuilt each time, and must hold nothing but demo readings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", default=str(settings.CIVIC_READINGS_STORE), help="Store dir.")
        parser.add_argument("--month", default="2024-03", help="The month to generate, as 2024-03.")
        parser.add_argument("--customers", type=int, default=40, help="Customer meters per DMA (default 40).")
        parser.add_argument(
            "--if-empty", action="store_true", help="Only when the store holds no readings yet (make serve)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and batch_records(options["store"]):
            self.stdout.write("The readings store already holds readings: nothing was generated.")
            return
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
            background_leakage_range=(0.05, 0.6),
        )
        store = Path(options["store"])
        _empty_demo_store(store)
        store.mkdir(parents=True, exist_ok=True)
        source = store.parent / f"demo-readings-{options['month']}.parquet"
        readings = county.readings.drop(columns="duration_s")
        pq.write_table(pa.Table.from_pandas(readings, preserve_index=False), source)
        outcome = import_file(store, source)
        zones_path = store.parent / "demo-zones.csv"
        county.zones.to_csv(zones_path, index=False)
        towns = Region.objects.filter(level=RegionLevel.DMA).values_list("code", "parent__name")
        customers_path = demo_customer_file(county.zones, dict(towns), store.parent / "demo-customers.csv")
        with customers_path.open("rb") as customer_file:
            customers = import_meter_customers(read_customer_file(customer_file, customers_path.name))
        run = record_metering_run(str(store), county.zones, period)
        imported = "already imported" if outcome.already_imported else f"{outcome.record.row_count:,} intervals"
        self.stdout.write(
            f"{source.name}: {imported}; zones in {zones_path.name}; {customers.added + customers.updated} customers "
            f"in {customers_path.name}; {run}: {run.found_customer_alarms().count()} customer alarms, "
            f"{run.found_night_flow_alarms().count()} night-flow alarms"
        )
