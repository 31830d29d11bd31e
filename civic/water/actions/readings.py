"""Writes of meter readings: a readings file is stored whole or not at all."""

from __future__ import annotations

import datetime
import hashlib
import itertools
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from civic.core import intake as intake_messages
from civic.core.models import User
from civic.water import readings_files, readings_reasons
from civic.water.models import (
    ImportStatus,
    Meter,
    MeterReading,
    ReadingImportBatch,
    StagedReading,
)
from hydro import intake
from hydro.readings import meter_readings

DEFAULT_CHUNK_ROWS = 5000
STAGED_READINGS_MAX_AGE = datetime.timedelta(hours=1)
READING_COLUMNS = ("meter", "reading_date", "index_m3", "volume_m3")
STAGED_COLUMNS = ("meter_pk", "reading_date", "index_m3", "volume_m3")
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
    readings are staged `chunk_rows` at a time, each chunk in a short
    transaction, then stored with their batch in one short transaction;
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
    """Stage the readings chunk by chunk, each chunk its own short transaction, then commit them in one.

    Other users' writes wait at most for one chunk, or for the final move of
    the staged rows (one INSERT … SELECT, well under the time the rows took
    to write one by one); a crash before the final transaction leaves no
    batch and no reading, only staged rows nobody reads.
    """
    token = uuid.uuid4().hex
    _delete_stale_staged_readings()
    try:
        for done_rows, chunk in _chunks(readings, max(1, chunk_rows)):
            with transaction.atomic():
                _stage(chunk, meter_ids, token)
            if progress is not None:
                progress(done_rows)
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
            _move_staged_readings(token, batch)
    finally:
        StagedReading.objects.filter(token=token).delete()
    return batch


def _move_staged_readings(token: str, batch: ReadingImportBatch) -> None:
    """Insert an import's staged readings as the batch's readings, in one statement."""
    quote = connection.ops.quote_name
    columns = ", ".join(_column(MeterReading, name) for name in (*READING_COLUMNS, "batch"))
    sources = ", ".join(_column(StagedReading, name) for name in STAGED_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(MeterReading._meta.db_table)} ({columns}) "
            f"SELECT {sources}, %s FROM {quote(StagedReading._meta.db_table)} WHERE {_column(StagedReading, 'token')} = %s",
            [batch.pk, token],
        )


def _column(model: type[models.Model], name: str) -> str:
    """The quoted database column of a model's field."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column is not None
    return connection.ops.quote_name(field.column)


def _delete_stale_staged_readings() -> None:
    """Staged rows of imports killed midway: none is younger than the longest import."""
    StagedReading.objects.filter(staged_at__lt=timezone.now() - STAGED_READINGS_MAX_AGE).delete()


def _chunks(
    readings: list[meter_readings.AcceptedReading], chunk_rows: int
) -> Iterator[tuple[int, list[meter_readings.AcceptedReading]]]:
    """Successive chunks of the readings, each with the number of readings written once it is."""
    for start in range(0, len(readings), chunk_rows):
        chunk = readings[start : start + chunk_rows]
        yield start + len(chunk), chunk


def _stage(chunk: list[meter_readings.AcceptedReading], meter_ids: Mapping[str, int], token: str) -> None:
    """Insert a chunk of readings into the staging table in one statement (no model instances: many rows)."""
    names = ("token", "staged_at", *STAGED_COLUMNS)
    columns = ", ".join(_column(StagedReading, name) for name in names)
    staged_at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            token,
            staged_at,
            meter_ids[reading.meter_serial],
            connection.ops.adapt_datefield_value(reading.reading_date),
            reading.index_m3,
            reading.volume_m3,
        )
        for reading in chunk
    ]
    placeholders = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(StagedReading._meta.db_table)
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def _meter_facts(serials: set[str]) -> tuple[dict[str, int], dict[str, meter_readings.MeterFacts]]:
    """The meters a file names (and the ones that replaced them), by serial: their ids and their facts."""
    latest = MeterReading.objects.filter(meter=models.OuterRef("pk")).order_by("-reading_date")
    ordered = sorted(serials)
    meters: list[Any] = []
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
