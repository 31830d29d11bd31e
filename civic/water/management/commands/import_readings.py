"""Import meter readings files (CSV or XLSX in the bureau's layout), each whole or not at all.

A file with any bad row is refused whole and its report — each bad row, its
column, value and why — is printed; the command then exits non-zero. A file
imported before is recognised by its checksum and stores nothing new.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from civic.core.command_author import add_by_argument, bureau_account_or_none
from civic.core.models import User
from civic.water import actions, readings_reasons
from civic.water.models import ImportStatus, ReadingImportBatch


class RowsBar:
    """A progress bar of readings written, shown once the file has passed its checks."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.bar: tqdm[Any] | None = None

    def start(self, total_rows: int) -> None:
        self.bar = tqdm(total=total_rows, desc=self.description, unit="rows", file=sys.stderr, unit_scale=False)

    def advance_to(self, done_rows: int) -> None:
        if self.bar is not None:
            self.bar.update(done_rows - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Command(BaseCommand):
    help = "Import meter readings files (CSV or XLSX); a file with any bad row is refused whole with a report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="Readings files, .csv or .xlsx.")
        add_by_argument(parser, "the importer")
        parser.add_argument(
            "--chunk-rows",
            type=int,
            default=actions.DEFAULT_CHUNK_ROWS,
            help="Readings written per database round trip (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        importer = bureau_account_or_none(options["by"])
        paths: list[Path] = options["files"]
        rejected = [path for path in paths if not self._import_file(path, importer, options["chunk_rows"])]
        if rejected:
            names = ", ".join(path.name for path in rejected)
            raise CommandError(f"{len(rejected)} of {len(paths)} files rejected, nothing of them stored: {names}")

    def _import_file(self, path: Path, importer: User | None, chunk_rows: int) -> bool:
        """Import one file and print its outcome; whether it was accepted."""
        started_at = timezone.now()
        bar = RowsBar(path.name)
        try:
            with path.open("rb") as content:  # read a block at a time, never whole: files may be large
                batch = actions.import_readings_file(
                    path.name, content, importer, progress=bar.advance_to, on_checked=bar.start, chunk_rows=chunk_rows
                )
        except OSError as error:
            self.stderr.write(f"{path}: cannot be read ({error.strerror}).")
            return False
        finally:
            bar.close()
        self._report(path, batch, imported_before=batch.imported_at < started_at)
        return batch.status == ImportStatus.ACCEPTED

    def _report(self, path: Path, batch: ReadingImportBatch, imported_before: bool) -> None:
        if batch.status == ImportStatus.REJECTED:
            self._report_rejection(path, batch)
        elif imported_before:
            self.stdout.write(f"{path.name}: imported before as batch {batch.pk}; nothing new stored.")
        else:
            span = f"{batch.first_reading_date} – {batch.last_reading_date}"
            self.stdout.write(self.style.SUCCESS(f"{path.name}: {batch.row_count} readings stored ({span})."))

    def _report_rejection(self, path: Path, batch: ReadingImportBatch) -> None:
        bad_rows = len({error.get("row") for error in batch.errors})
        self.stdout.write(self.style.ERROR(f"{path.name}: rejected, nothing stored; {bad_rows} bad rows:"))
        for error in batch.errors:
            row = error.get("row") or "-"
            column = readings_reasons.column_label(error.get("column", "")) or "-"
            reason = readings_reasons.describe(error)
            self.stdout.write(f"  row {row}, {column}, {error.get('value', '')!r}: {reason}")
