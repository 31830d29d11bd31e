"""Compute the over-plan surcharge bills of one month or quarter: `manage.py compute_surcharges --period 2024-03`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from civic.core.command_author import add_by_argument, command_author, recorded_as
from civic.water.actions import BillRun, compute_bills
from hydro import surcharge


class Command(BaseCommand):
    help = (
        "Compute the over-plan surcharge bills of one billing period for every water user with an issued plan. "
        "Running it again replaces the bills still issued and keeps those paid or cancelled."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--period", required=True, help="The billing period: a month as 2024-03 or a quarter as 2024Q1."
        )
        add_by_argument(parser, "who billed")

    def handle(self, *args: Any, **options: Any) -> None:
        author = command_author(options["by"], lambda user: user.is_bureau, "the water-saving office")
        try:
            first_day, last_day = surcharge.parse_period(options["period"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        with tqdm(desc="Water users", unit=" users", disable=options["verbosity"] == 0) as progress_bar:

            def advance(done: int, total: int) -> None:
                progress_bar.total = total
                progress_bar.update(done - progress_bar.n)

            try:
                with recorded_as(author):
                    run = compute_bills(first_day, last_day, progress=advance)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(summary(run)))


def summary(run: BillRun) -> str:
    lines = [
        f"Period {surcharge.format_period(run.first_day, run.last_day)} ({run.first_day} to {run.last_day}):",
        f"  billed:         {run.billed}",
        f"  not over plan:  {run.not_over_plan}",
        f"  no plan:        {run.no_plan}",
        f"  no readings:    {run.no_readings}",
        f"  meters unread:  {len(run.unread)}",
        f"  total:          ¥{run.total_yuan:,.2f}",
    ]
    if run.kept_bill_numbers:
        lines.append(f"  kept (paid or cancelled): {', '.join(run.kept_bill_numbers)}")
    if run.unread:
        lines.append("  not billed until every meter is read (run the period again then):")
        lines.extend(f"    {unread}" for unread in run.unread)
    return "\n".join(lines)
