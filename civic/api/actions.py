"""Writes of the API: tokens made and checked, calls counted and logged, readings batches pushed.

A pushed batch is written as a readings file in the bureau's layout and goes
through `civic.water.actions.import_readings_file`, so it meets exactly the
checks a file meets and is stored whole or not at all. Its register readings
(those with an index) then go into the readings store that the smart-metering
analyses read (`hydro.readings.store`), as a store file import does: each
reading at midnight (county time) of its reading date, each pair of a meter's
consecutive indexes one interval. If the store refuses them (a reading it
already holds from another import, say), the batch's readings are taken out
of the database again and the batch is recorded as refused: a batch is in
both or in neither. A reading given as a volume alone has no start time for
its interval, so it goes to the register's readings only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from civic.api.models import ApiCall, ApiOrganisation, ApiToken, PushedReadingsBatch, new_secret, secret_digest
from civic.core import intake as intake_messages
from civic.core import rates
from civic.core.models import User
from civic.water import actions as water_actions
from civic.water import readings_reasons
from civic.water.models import ImportStatus, MeterReading, ReadingImportBatch
from civic.water.readings_files import HEADER_NAMES
from hydro import intake
from hydro.readings import readings_file
from hydro.readings import store as readings_store
from hydro.readings.meter_readings import INDEX, METER_SERIAL, READING_DATE, REMARK, VOLUME, cell_text, parse_date

RATE_WINDOW_SECONDS = 60
FIRST_DATA_ROW = 2
"""A pushed batch's readings are numbered as the rows of a file: the header is row 1, the first reading row 2."""
PUSHED_COLUMNS = (METER_SERIAL, READING_DATE, INDEX, VOLUME, REMARK)
STORE_FIRST_ROW = 2
"""The readings store numbers a file's rows the same way: the header is row 1, the first reading row 2."""


def issue_token(
    organisation: ApiOrganisation, name: str, scopes: Sequence[str], created_by: User | None = None, **fields: int
) -> tuple[ApiToken, str]:
    """Make a token and return it with its secret, which is shown this once and never stored."""
    token = ApiToken(organisation=organisation, name=name, scopes=sorted(set(scopes)), created_by=created_by, **fields)
    secret = new_secret()
    token.set_secret(secret)
    token.full_clean()
    token.save()
    return token, secret


def active_token(secret: str) -> ApiToken | None:
    """The unrevoked token whose secret this is, or None."""
    token = ApiToken.objects.select_related("organisation").filter(secret_sha256=secret_digest(secret)).first()
    return token if token is not None and token.is_active else None


def within_rate(token: ApiToken) -> bool:
    """Count one call against the token's allowance for the current minute; False once it is used up.

    Counted in the database (civic.core.rates), so the allowance is the token's on
    the whole server, whatever the number of its web processes.
    """
    minute_starts_s = current_window() * RATE_WINDOW_SECONDS
    return rates.within_allowance(
        f"api:calls:{token.pk}", token.calls_per_minute, RATE_WINDOW_SECONDS, now_s=minute_starts_s
    )


def current_window() -> int:
    """The number of the current minute since the epoch: calls are counted per token and minute."""
    return int(timezone.now().timestamp()) // RATE_WINDOW_SECONDS


def log_call(token: ApiToken | None, method: str, path: str, status: int, duration_ms: float) -> ApiCall:
    return ApiCall.objects.create(
        token=token, method=method[:10], path=path[:500], status=status, duration_ms=duration_ms
    )


@dataclass(frozen=True)
class PushedReading:
    meter_serial: str
    reading_date: str
    index_m3: float | None = None
    volume_m3: float | None = None
    remark: str = ""


@dataclass(frozen=True)
class PushOutcome:
    """How a push ended: `batch` is the import (accepted or rejected); `replayed` when the key was pushed before."""

    batch: ReadingImportBatch | None
    replayed: bool = False
    key_conflict: bool = False


def push_readings(organisation: ApiOrganisation, batch_key: str, readings: Sequence[PushedReading]) -> PushOutcome:
    """Import a pushed batch as a readings file would be imported; the batch key makes it safe to push again."""
    content = readings_csv(readings)
    content_sha256 = hashlib.sha256(content).hexdigest()
    earlier = PushedReadingsBatch.objects.filter(organisation=organisation, batch_key=batch_key).first()
    if earlier is not None and earlier.import_batch.status == ImportStatus.ACCEPTED:
        if earlier.content_sha256 != content_sha256:
            return PushOutcome(batch=None, key_conflict=True)
        # Stored in the readings store already (a store import of the same readings changes nothing), unless
        # the push that stored them in the database stopped before the store: then they are stored now.
        return PushOutcome(batch=into_readings_store(earlier.import_batch, readings), replayed=True)
    file_name = f"api-{organisation.pk}-{batch_key}.csv"[:255]
    batch = water_actions.import_readings_file(file_name, content, imported_by=None)
    if batch.status == ImportStatus.ACCEPTED:
        batch = into_readings_store(batch, readings)
    try:
        with transaction.atomic():
            PushedReadingsBatch.objects.update_or_create(
                organisation=organisation,
                batch_key=batch_key,
                defaults={"content_sha256": content_sha256, "import_batch": batch, "pushed_at": timezone.now()},
            )
    except IntegrityError:  # the same key pushed at the same moment: the first to record it answers
        return push_readings(organisation, batch_key, readings)
    return PushOutcome(batch=batch)


def readings_csv(readings: Iterable[PushedReading]) -> bytes:
    """The readings as a CSV file in the bureau's layout (English headers), UTF-8."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADER_NAMES[column][1] for column in PUSHED_COLUMNS)
    for reading in readings:
        writer.writerow(
            [
                reading.meter_serial,
                reading.reading_date,
                _number_text(reading.index_m3),
                _number_text(reading.volume_m3),
                reading.remark,
            ]
        )
    # A lone surrogate cannot be written; it becomes “?”, and the row is then refused for what it names.
    return text.getvalue().encode("utf-8", errors="replace")


def _number_text(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def into_readings_store(batch: ReadingImportBatch, readings: Sequence[PushedReading]) -> ReadingImportBatch:
    """Import the batch's register readings into the readings store; if it refuses them, refuse the batch whole.

    Returns the batch: accepted, or (the store having refused) rejected with
    the store's reasons, each naming the pushed reading at fault, and none of
    its readings left in the database.
    """
    positions = [position for position, reading in enumerate(readings) if reading.index_m3 is not None]
    if not positions:
        return batch
    with tempfile.TemporaryDirectory(prefix="civic-pushed-") as folder:
        content = store_csv([readings[position] for position in positions])
        path = Path(folder) / f"api-readings-{hashlib.sha256(content).hexdigest()[:16]}.csv"
        path.write_bytes(content)
        try:
            readings_store.import_file(settings.CIVIC_READINGS_STORE, path, conflicts="refuse")
        except intake.TableError as refusal:
            return withdraw(batch, store_refusal_entries(refusal, positions))
    return batch


def store_csv(readings: Iterable[PushedReading]) -> bytes:
    """Register readings as a readings-store index file: the meter, midnight of the reading date, the index."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([readings_file.METER_ID, readings_file.TIMESTAMP, readings_file.INDEX, readings_file.REMARK])
    for reading in readings:
        reading_date = parse_date(reading.reading_date)
        assert reading_date is not None  # the register's import accepted it
        writer.writerow(
            [cell_text(reading.meter_serial), f"{reading_date.isoformat()} 00:00", reading.index_m3, reading.remark]
        )
    return text.getvalue().encode("utf-8", errors="replace")


def store_refusal_entries(refusal: intake.TableError, positions: Sequence[int]) -> list[dict[str, object]]:
    """The store's reasons as stored import errors, each row renumbered as the pushed batch's row."""
    entries = []
    for error in refusal.errors:
        entry = {**intake_messages.error_entry(error), "source": readings_reasons.STORE_SOURCE}
        row = error.row_number
        if row is not None and 0 <= row - STORE_FIRST_ROW < len(positions):
            entry["row"] = positions[row - STORE_FIRST_ROW] + FIRST_DATA_ROW
        entries.append(entry)
    return entries or [intake_messages.error_entry(intake.RowError(None, "", "", refusal.code, str(refusal), {}))]


def withdraw(batch: ReadingImportBatch, errors: list[dict[str, object]]) -> ReadingImportBatch:
    """Take an accepted batch's readings out of the database again and record the batch as refused."""
    with transaction.atomic():
        MeterReading.objects.filter(batch=batch).delete()
        batch.status = ImportStatus.REJECTED
        batch.errors = errors
        batch.save(update_fields=["status", "errors"])
    return batch
