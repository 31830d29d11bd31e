"""Smart-meter readings files uploaded on the web into the county's readings store, and what the store holds.

The store takes a file whole or not at all (`hydro.readings.store.import_file`,
the same as ``hydro readings import``); a refused file is named by row and
column and leaves nothing behind. Files larger than the web takes go by the
command line.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civic.core import intake as civic_intake
from hydro import intake
from hydro.readings.readings_file import CSV_SUFFIXES
from hydro.readings.store import BatchRecord, ImportOutcome, batch_records, import_file

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""About 1.3 million hourly volumes as CSV (a month of 1,800 meters), or ten times as many gzipped (.csv.gz).
Larger files go by ``hydro readings import``."""
SUFFIXES = (*CSV_SUFFIXES, ".parquet")


STORE_MESSAGES = civic_intake.catalogue(
    {
        "not_a_table": gettext_lazy("The file cannot be read as a table; give a .csv, .csv.gz or .parquet file."),
        "missing_column": gettext_lazy("This column is missing."),
        "column_twice": gettext_lazy("This column is given twice (%(headings)s); keep one."),
        "value_columns": gettext_lazy(
            "Give either a volume_m3 or an index_m3 column, not both or none. Columns found: %(columns)s."
        ),
        "blank_cell": gettext_lazy("The meter is blank."),
        "mixed_time_zones": gettext_lazy(
            "Timestamps mix a time zone and none (row %(aware_row)s has one, row %(naive_row)s has not); "
            "give every timestamp its offset, or none."
        ),
        "bad_timestamp": gettext_lazy("%(value)s is not a timestamp; write it as YYYY-MM-DD HH:MM[:SS][+08:00]."),
        "negative_index": gettext_lazy("The index %(index)s m³ is negative."),
        "duplicate_in_file": gettext_lazy(
            "Meter %(meter)s has another reading at %(timestamp)s in row %(first_row)s, of %(first_value)s m³ "
            "against %(value)s m³ here."
        ),
        "already_stored": gettext_lazy(
            "Meter %(meter)s already has a stored index at %(timestamp)s (%(index)s m³); a file may repeat that "
            "reading and those before it, not begin before it without it."
        ),
        "index_backwards": gettext_lazy(
            "The index went back from %(previous)s to %(index)s m³; if the register rolled over write “rollover” "
            "in the remark, if the meter was replaced write “replaced”."
        ),
        "overlap": gettext_lazy(
            "Meter %(meter)s already has stored readings at %(timestamp)s that this file does not repeat."
        ),
    }
)
"""The store's reasons (`hydro.readings.store`) in the reader's language, filled from each reason's details."""


class StoreUploadError(civic_intake.RefusedFileError):
    """A readings file the store refused, one line per reason, each naming the row and column it can."""


def store_upload(upload: IO[bytes], name: str, store: Path | str, stamped: str, conflicts: str) -> ImportOutcome:
    """Import an uploaded readings file into the store as one batch (whole or not at all)."""
    with tempfile.TemporaryDirectory(prefix="civic-smart-readings-") as folder:
        path = Path(folder) / Path(name).name
        with path.open("wb") as kept:
            for chunk in iter(lambda: upload.read(1024 * 1024), b""):
                kept.write(chunk)
        try:
            return import_file(store, path, conflicts=conflicts, stamped=stamped)
        except intake.TableError as refusal:
            raise StoreUploadError(_refusal_lines(path.name, refusal)) from refusal
        except ValueError as error:
            raise StoreUploadError([str(error).replace(str(path), path.name)]) from error


def _refusal_lines(name: str, refusal: intake.TableError) -> list[str]:
    lines = []
    for error in refusal.errors:
        where = [name]
        if error.row_number is not None:
            where.append(_("row %(row)s") % {"row": error.row_number})
        if error.column:
            where.append(error.column)
        lines.append(f"{', '.join(where)}: {civic_intake.describe(civic_intake.error_entry(error), STORE_MESSAGES)}")
    if refusal.error_count > len(refusal.errors):
        more = refusal.error_count - len(refusal.errors)
        lines.append(_("… and %(count)s more problems.") % {"count": f"{more:,}"})
    return lines or [f"{name}: {refusal.message}"]


@dataclass(frozen=True)
class StoredMonth:
    """A month the store holds readings of, and how many batches brought them."""

    month: str
    batches: int


def stored_months(store: Path | str) -> list[StoredMonth]:
    """The months of the store's readings, newest first."""
    counts: Counter[str] = Counter()
    for record in batch_records(store):
        counts.update({file.split("/")[0].removeprefix("month="): 1 for file in record.files})
    return [StoredMonth(month, batches) for month, batches in sorted(counts.items(), reverse=True)]


def recent_batches(store: Path | str) -> list[BatchRecord]:
    """The store's batches, the latest imported first."""
    return sorted(batch_records(store), key=lambda record: record.imported_at, reverse=True)


def outcome_counts(outcome: ImportOutcome) -> dict[str, Any]:
    """What an import stored and left out, for the page's message."""
    record = outcome.record
    return {
        "name": record.source_name,
        "rows": f"{record.row_count:,}",
        "first": (record.first_timestamp or "")[:16].replace("T", " "),
        "last": (record.last_timestamp or "")[:16].replace("T", " "),
        "repeated": f"{record.repeated_rows:,}",
        "conflicting": f"{record.conflicting_rows:,}",
        "unread": f"{record.unread_rows:,}",
    }
