"""Import a quota table (用水定额) from an Excel workbook, whole or not at all.

A workbook with any bad cell is refused whole: each bad row, its column and
why is printed, nothing is stored and the command exits non-zero. A row with
the same industry, product and effective date as a stored quota replaces its
values, so importing the same workbook twice changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.core import intake as intake_messages
from civic.core.command_author import add_by_argument, bureau_account_or_none
from civic.water import actions
from hydro import intake


class Command(BaseCommand):
    help = "Import a quota table from an .xlsx workbook; a workbook with any bad cell is refused whole with a report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", type=Path, metavar="FILE", help="Quota workbook (.xlsx) in the layout of the export."
        )
        add_by_argument(parser, "the quotas' author")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        author = bureau_account_or_none(options["by"])
        try:
            with path.open("rb") as workbook:
                outcome = actions.import_quota_workbook(workbook, by_user=author)
        except OSError as error:
            raise CommandError(f"{path}: cannot be read ({error.strerror}).") from error
        except intake.TableError as error:
            message = intake_messages.describe({"code": error.code, "details": error.details})
            raise CommandError(f"{path.name}: {message}") from error
        if outcome.errors:
            self._report_rejection(path, outcome.errors)
            raise CommandError(f"{path.name} rejected, nothing stored.")
        summary = outcome.summary
        assert summary is not None  # a clean workbook is always stored
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name}: {summary.created} quotas added, {summary.updated} changed, {summary.unchanged} unchanged."
            )
        )

    def _report_rejection(self, path: Path, errors: list[intake_messages.ReportLine]) -> None:
        bad_rows = len({error.row for error in errors})
        self.stdout.write(self.style.ERROR(f"{path.name}: rejected, nothing stored; {bad_rows} bad rows:"))
        for error in errors:
            self.stdout.write(f"  row {error.row or '-'}, {error.column or '-'}: {error.message}")
