"""Writes of meter readings: a readings file is stored whole or not at all."""

from __future__ import annotations

import datetime
import hashlib
import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from civic.core import intake as intake_messages
from civic.core.models import User
from civic.water import readings_files, readings_reasons
from civic.water.models import (
    ImportStatus,
    Meter,
    MeterReading,
    ReadingImportBatch,
)
from hydro import intake, meter_readings

DEFAULT_CHUNK_ROWS = 5000
METERS_PER_QUERY = 5000  # a query names at most 2 × this many serials, under every database's parameter limit

RowsProgress = Callable[[int], None]


def import_readings_file(
    file_name: str,
    content: intake.Source,
    imported_by: User | None,
    today: datetime.date | None = None,
    progress: RowsProgress | None = None,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    on_checked: RowsProgress | None = None,
) -> ReadingImportBatch:
    """Import a readings file whole or not at all, and record the import as a batch.

    `content` is the file's bytes or a binary file object (an upload). The
    same bytes imported again return the batch that stored them and store
    nothing new. A file with any bad row is recorded as rejected with its bad
    rows and why (the first `readings_files.LIMITS.max_errors`, then a count
    of the rest), and none of its readings is stored; rejected again, the
    same bytes replace their earlier record instead of adding one. A good file's
    readings are written in one transaction, `chunk_rows` at a time;
    `on_checked(total_rows)` is called once the file has passed its checks and
    `progress(done_rows)` after each chunk is written.
    """
    checksum = _checksum(content)
    accepted = accepted_readings_batch(checksum)
    if accepted is not None:
        return accepted
    try:
        rows = readings_files.read_readings_file(file_name, content)
    except intake.TableError as error:
        return _reject_readings_file(file_name, checksum, imported_by, 0, intake_messages.table_error_entries(error))
    if not rows:
        return _reject_readings_file(file_name, checksum, imported_by, 0, [_whole_file_entry("no_rows")])
    meter_ids, facts = _meter_facts({meter_readings.cell_text(row.meter_serial) for row in rows})
    check = meter_readings.check_readings(
        rows, facts, today or timezone.localdate(), max_errors=readings_files.LIMITS.max_errors
    )
    if not check.is_clean:
        entries = intake_messages.bounded_entries(check.errors, check.error_count)
        return _reject_readings_file(file_name, checksum, imported_by, len(rows), entries)
    if on_checked is not None:
        on_checked(len(check.readings))
    try:
        return _store_readings(file_name, checksum, imported_by, check.readings, meter_ids, chunk_rows, progress)
    except IntegrityError:
        # Another import stored the same file, or readings of the same meters and dates, meanwhile.
        accepted = accepted_readings_batch(checksum)
        if accepted is not None:
            return accepted
        return _reject_readings_file(file_name, checksum, imported_by, len(rows), [_whole_file_entry("conflict")])


def _checksum(content: intake.Source) -> str:
    """SHA-256 of the file's bytes, read a block at a time."""
    if isinstance(content, bytes):
        return hashlib.sha256(content).hexdigest()
    digest = hashlib.sha256()
    with intake.opened(content) as handle:
        for block in iter(lambda: handle.read(intake.READ_BLOCK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


def accepted_readings_batch(checksum: str) -> ReadingImportBatch | None:
    return ReadingImportBatch.objects.filter(sha256=checksum, status=ImportStatus.ACCEPTED).first()


def _store_readings(
    file_name: str,
    checksum: str,
    imported_by: User | None,
    readings: list[meter_readings.AcceptedReading],
    meter_ids: Mapping[str, int],
    chunk_rows: int,
    progress: RowsProgress | None,
) -> ReadingImportBatch:
    """Write the batch and its readings in one transaction: a crash part-way leaves none of them."""
    with transaction.atomic():
        batch = ReadingImportBatch.objects.create(
            file_name=file_name,
            sha256=checksum,
            status=ImportStatus.ACCEPTED,
            row_count=len(readings),
            first_reading_date=min(reading.reading_date for reading in readings),
            last_reading_date=max(reading.reading_date for reading in readings),
            imported_by=imported_by,
        )
        for done_rows, chunk in _chunks(readings, max(1, chunk_rows)):
            MeterReading.objects.bulk_create(_meter_reading(reading, meter_ids, batch) for reading in chunk)
            if progress is not None:
                progress(done_rows)
    return batch


def _chunks(
    readings: list[meter_readings.AcceptedReading], chunk_rows: int
) -> Iterator[tuple[int, list[meter_readings.AcceptedReading]]]:
    """Successive chunks of the readings, each with the number of readings written once it is."""
    for start in range(0, len(readings), chunk_rows):
        chunk = readings[start : start + chunk_rows]
        yield start + len(chunk), chunk


def _meter_reading(
    reading: meter_readings.AcceptedReading, meter_ids: Mapping[str, int], batch: ReadingImportBatch
) -> MeterReading:
    return MeterReading(
        meter_id=meter_ids[reading.meter_serial],
        reading_date=reading.reading_date,
        index_m3=reading.index_m3,
        volume_m3=reading.volume_m3,
        batch=batch,
    )


def _meter_facts(serials: set[str]) -> tuple[dict[str, int], dict[str, meter_readings.MeterFacts]]:
    """The meters a file names (and the ones that replaced them), by serial: their ids and their facts."""
    latest = MeterReading.objects.filter(meter=models.OuterRef("pk")).order_by("-reading_date")
    ordered = sorted(serials)
    meters = []
    for start in range(0, len(ordered), METERS_PER_QUERY):
        chunk = ordered[start : start + METERS_PER_QUERY]
        meters += Meter.objects.filter(models.Q(serial__in=chunk) | models.Q(replaces__serial__in=chunk)).annotate(
            latest_date=models.Subquery(latest.values("reading_date")[:1]),
            latest_index=models.Subquery(latest.values("index_m3")[:1]),
            replaces_serial=models.F("replaces__serial"),
        )
    implied_indexes = _implied_indexes([meter for meter in meters if meter.latest_date and meter.latest_index is None])
    facts = {meter.serial: _facts_of(meter, implied_indexes.get(meter.pk)) for meter in meters}
    return {meter.serial: meter.pk for meter in meters}, facts


def _facts_of(meter: Any, implied_index_m3: float | None) -> meter_readings.MeterFacts:
    latest_reading = None
    if meter.latest_date is not None:
        index_m3: float = meter.latest_index
        if index_m3 is None:
            index_m3 = implied_index_m3 if implied_index_m3 is not None else meter.initial_index_m3
        latest_reading = meter_readings.StoredReading(meter.latest_date, index_m3)
    return meter_readings.MeterFacts(
        serial=meter.serial,
        installed_on=meter.installed_on,
        removed_on=meter.removed_on,
        size_mm=meter.size_mm,
        initial_index_m3=meter.initial_index_m3,
        index_capacity_m3=meter.index_capacity_m3,
        latest_reading=latest_reading,
        replaces_serial=meter.replaces_serial,
    )


def _implied_indexes(meters: list[Meter]) -> dict[int, float]:
    """For meters whose latest reading gave only a volume: the index their readings add up to."""
    readings = MeterReading.objects.filter(meter__in=meters).order_by("meter_id", "reading_date")
    by_meter = itertools.groupby(readings.values_list("meter_id", "index_m3", "volume_m3"), key=lambda row: row[0])
    meters_by_id = {meter.pk: meter for meter in meters}
    return {
        meter_id: meter_readings.index_after_readings(
            ((index_m3, volume_m3) for _, index_m3, volume_m3 in rows),
            meters_by_id[meter_id].initial_index_m3,
            meters_by_id[meter_id].index_capacity_m3,
        )
        for meter_id, rows in by_meter
    }


def _reject_readings_file(
    file_name: str, checksum: str, imported_by: User | None, row_count: int, errors: list[dict[str, Any]]
) -> ReadingImportBatch:
    """Record a rejected file; the same bytes rejected before have their record replaced, not a second one."""
    fields = {"file_name": file_name, "row_count": row_count, "errors": errors, "imported_by": imported_by}
    with transaction.atomic():
        earlier = ReadingImportBatch.objects.filter(sha256=checksum, status=ImportStatus.REJECTED).order_by("pk")
        batch = earlier.first()
        if batch is None:
            return ReadingImportBatch.objects.create(sha256=checksum, status=ImportStatus.REJECTED, **fields)
        earlier.exclude(pk=batch.pk).delete()
        for name, value in fields.items():
            setattr(batch, name, value)
        batch.imported_at = timezone.now()
        batch.save()
        return batch


def _whole_file_entry(code: str) -> dict[str, Any]:
    return intake_messages.file_error_entry(code, readings_reasons.REASONS)
