"""Load the deterministic demo county: `manage.py load_demo --reset` (what `make demo` runs after `migrate`)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from civic.demo import county as demo
from civic.demo.accounts import DEMO_PASSWORD, account_table
from civic.demo.water_users import minimum_user_count


def positive_integer(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a whole number of at least 1")
    return value


class Command(BaseCommand):
    help = (
        "Load the demo county (Wujin District): towns, DMAs and key areas, 26 dog service points, "
        "about 600 water users with meters and monthly readings 2023-2025, quotas, dated rules, "
        "plans issued for 2024-2026, surcharge bills for 2024-2025, 7,374 tagged dogs (6,335 licensed at the "
        "service points) with patrols and cases, and one sign-in account per role. "
        "The same options give the same records on every run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Empty the demo's tables first (all Civic records, in one go)."
        )
        parser.add_argument(
            "--scale", type=positive_integer, default=1, help="Multiply the register and dog records (benchmarks)."
        )
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help=f"Random seed (default {demo.DEFAULT_SEED})."
        )
        parser.add_argument(
            "--users",
            type=positive_integer,
            dest="user_count",
            help="Load a reduced register of this many water users, keeping Runhua, Xinglong and the "
            "water-saving enterprises (for tests).",
        )
        parser.add_argument(
            "--dogs",
            type=positive_integer,
            dest="dog_count",
            help="Tag this many dogs (with the three showcase dogs among them) instead of 7,374 per unit of "
            "scale (for tests).",
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bars and no closing summary.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load the demo only into an empty database; one holding records is left as it is (make serve).",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Do not ask before --reset empties the demo database (it is asked otherwise).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale, user_count, quiet = options["scale"], options["user_count"], options["quiet"]
        if user_count is not None and user_count < minimum_user_count(scale):
            raise CommandError(f"--users must be at least {minimum_user_count(scale)} at scale {scale}.")
        if options["if_empty"] and demo.demo_is_loaded():
            self.stdout.write("The database already holds records: nothing was loaded.")
            return
        if not options["reset"] and demo.demo_is_loaded():
            raise CommandError("The database already holds records; run with --reset to replace them.")
        if options["reset"] and demo.holds_other_records():
            raise CommandError(
                "This database holds records that load_demo did not load (it has no demo mark): "
                "--reset empties only a demo database. Nothing was changed."
            )
        if options["reset"] and demo.demo_is_loaded() and not options["yes"]:
            self._confirm_reset()
        started = time.perf_counter()
        # One transaction: if the load fails, the records it was to replace are still there.
        with transaction.atomic():
            if options["reset"]:
                demo.reset_demo_tables()
            load = demo.load_demo_county(options["seed"], scale, quiet, user_count, options["dog_count"])
            demo.mark_as_demo(options["seed"], scale)
        if not quiet:
            self._summary(load, time.perf_counter() - started)

    def _confirm_reset(self) -> None:
        """Ask before emptying the demo database; without an answer (no terminal), refuse."""
        question = "This empties every Civic table of the demo database and loads the demo afresh. Type yes to go on: "
        try:
            answer = input(question)
        except (EOFError, OSError):
            answer = ""
        if answer.strip().lower() != "yes":
            raise CommandError("Nothing was changed (run with --yes to empty the demo database without asking).")

    def _summary(self, load: demo.DemoLoad, seconds: float) -> None:
        plans = ", ".join(f"{year}: {count}" for year, count in load.plans_issued.items())
        bills = sum(run.billed for run in load.bill_runs)
        self.stdout.write(
            self.style.SUCCESS(f"Demo county loaded in {seconds:.0f} s.")
            + f"\n  service points: {load.service_points}"
            + f"\n  water users:    {load.water_users}"
            + f"\n  readings:       {load.readings}"
            + f"\n  quotas:         {load.quotas}"
            + f"\n  plans issued:   {plans}"
            + f"\n  surcharge bills 2024-01..2025-12: {bills}, {demo.bills_total_yuan(load.bill_runs)}"
            + f"\n  dogs:           {load.tagged_dogs} tagged ({load.licensed_at_points} licensed at the service points), "
            + f"{load.valid_licences} with a valid licence, {load.dogs} on the register"
            + f"\n  water-saving projects: {load.programme_projects}\n"
            + f"\n  evaluation:     {load.evaluation.get('balance_tests', 0)} balance tests, "
            + f"{load.evaluation.get('product_outputs', 0)} yearly outputs, {load.evaluation.get('scorecards', 0)} scorecards\n"
        )
        self._accounts_table(load)

    def _accounts_table(self, load: demo.DemoLoad) -> None:
        rows = [("user name", "role", "sees"), *account_table(load.accounts)]
        widths = [max(display_width(row[column]) for row in rows) for column in range(2)]
        for row in rows:
            cells = [pad(row[column], widths[column]) for column in range(2)]
            self.stdout.write(f"  {cells[0]}  {cells[1]}  {row[2]}")
        self.stdout.write(f"\nEvery demo account's password: {DEMO_PASSWORD}")


def display_width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if ord(character) > 0x2E80 else 1 for character in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))
