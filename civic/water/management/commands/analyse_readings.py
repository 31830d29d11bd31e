"""Analyse a period of smart-meter readings and keep the summaries the metering pages show."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from civic.core.command_author import add_by_argument, command_author, recorded_as
from civic.core.models import Role
from civic.water.actions import record_metering_run
from hydro.readings.engine import ENGINES, connect, readings_table
from hydro.readings.periods import Period, check_zone_meters, read_zones, silent_meters_warning


class Command(BaseCommand):
    help = (
        "Analyse the readings of a period in a readings store (DMA balances, night flow and its alarms, customer "
        "anomalies) and store the summaries for the metering pages. Import readings with `hydro readings import`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="The readings store directory.")
        parser.add_argument("--zones", required=True, help="Zone membership CSV: meter_id,dma_id,role.")
        parser.add_argument("--period", required=True, help="A month (2024-03) or START..END.")
        parser.add_argument("--engine", choices=ENGINES, help="The analysis engine (default: HYDRO_ENGINE or duckdb).")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Check the arguments, then queue the analysis for a worker (`manage.py run_worker`) and return.",
        )
        add_by_argument(parser, "the analysis's author")

    def handle(self, *args: Any, **options: Any) -> None:
        author = command_author(
            options["by"],
            lambda user: user.is_bureau or user.role == Role.NETWORK_ANALYST,
            "the water-saving office or the utility's network analysts",
        )
        with tqdm(total=2, desc="analysis", unit="step", disable=options["verbosity"] == 0) as progress:
            try:
                period = Period.parse(options["period"])
                zones = read_zones(options["zones"])
                connection = connect(options["engine"])
                readings = readings_table(connection, options["store"], period.months())
                known = set(connection.execute(readings.select("meter_id").distinct())["meter_id"])
                silent = check_zone_meters(options["zones"], zones, known)
                if silent:
                    self.stderr.write(silent_meters_warning(options["zones"], silent))
                progress.update()
                if options["queue"]:
                    self._queue(author, zones, options)
                    return
                with recorded_as(author):
                    run = record_metering_run(options["store"], zones, period, author, engine=options["engine"])
                progress.update()
            except (ValueError, FileNotFoundError) as error:
                raise CommandError(str(error)) from error
        self.stdout.write(
            f"{run}: {run.balances.count()} DMA balances, {run.found_night_flow_alarms().count()} night-flow alarms, "
            f"{run.found_customer_alarms().count()} customer alarms"
        )

    def _queue(self, author: Any, zones: Any, options: dict[str, Any]) -> None:
        from civic.water.jobs import queue_readings_analysis

        job, queued = queue_readings_analysis(
            zones, options["period"], author, store=str(options["store"]), engine=options["engine"]
        )
        if queued:
            self.stdout.write(f"Queued as job {job.pk} ({job.get_state_display()}).")
        else:
            self.stdout.write(
                f"The analysis of {options['period']} is job {job.pk} already ({job.get_state_display()})."
            )
