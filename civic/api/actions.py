"""Writes of the API: tokens made and checked, calls counted and logged, readings batches pushed.

A pushed batch is written as a readings file in the bureau's layout and goes
through `civic.water.actions.import_readings_file`, so it meets exactly the
checks a file meets and is stored whole or not at all.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from civic.api.models import ApiCall, ApiOrganisation, ApiToken, PushedReadingsBatch, new_secret, secret_digest
from civic.core.models import User
from civic.water import actions as water_actions
from civic.water.models import ImportStatus, ReadingImportBatch
from civic.water.readings_files import HEADER_NAMES
from hydro.readings.meter_readings import INDEX, METER_SERIAL, READING_DATE, REMARK, VOLUME

RATE_WINDOW_SECONDS = 60
FIRST_DATA_ROW = 2
"""A pushed batch's readings are numbered as the rows of a file: the header is row 1, the first reading row 2."""
PUSHED_COLUMNS = (METER_SERIAL, READING_DATE, INDEX, VOLUME, REMARK)


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
    """Count one call against the token's allowance for the current minute; False once it is used up."""
    key = f"api:calls:{token.pk}:{current_window()}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS * 2)
        count = 1
    return count <= token.calls_per_minute


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
        return PushOutcome(batch=earlier.import_batch, replayed=True)
    file_name = f"api-{organisation.pk}-{batch_key}.csv"[:255]
    batch = water_actions.import_readings_file(file_name, content, imported_by=None)
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
