"""Rate limits counted in the database, the same for every server process, each call counted by one SQL statement.

A county's server runs several web processes (gunicorn's WEB_CONCURRENCY), so a
count kept in one process's memory would give a client one allowance per process.
`count_call` keeps each key's count in one `RateCount` row and advances it with a
single INSERT ... ON CONFLICT DO UPDATE ... RETURNING (SQLite 3.35 or later and
PostgreSQL both run it, as `civic.core.numbering` does for numbers): two calls at
the same moment get two different counts, since the database holds the row's
lock while one of them writes. A cache's increment (a read then a write, for
Django's database cache) could give both the same count and let calls through.

A key's window opens with its first call and lasts `window_seconds`; the first
call after it has ended opens the next one, with a count of 1, and deletes every
row whose window has ended, so the table holds about one row per key counted in
a window still open.
"""

from __future__ import annotations

import time

from django.db import connection

from civic.core.models import RateCount


def count_call(key: str, window_seconds: int, now_s: float | None = None) -> int:
    """Count one call under `key` and return the calls counted in the key's open window, this one included.

    `now_s` is the moment of the call in seconds since the epoch (the clock's by default).
    """
    if window_seconds <= 0:
        raise ValueError(f"window_seconds must be a positive number of seconds, not {window_seconds}")
    now = int(time.time() if now_s is None else now_s)
    table, key_column, count_column, ends_column = (
        connection.ops.quote_name(name) for name in (RateCount._meta.db_table, "key", "count", "window_ends")
    )
    still_open = f"{table}.{ends_column} > %s"
    with connection.cursor() as cursor:
        # Both assignments read the row as it was before the statement: an ended window starts again at 1.
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {count_column}, {ends_column}) VALUES (%s, 1, %s) "
            f"ON CONFLICT ({key_column}) DO UPDATE SET "
            f"{count_column} = CASE WHEN {still_open} THEN {table}.{count_column} + 1 ELSE 1 END, "
            f"{ends_column} = CASE WHEN {still_open} THEN {table}.{ends_column} ELSE excluded.{ends_column} END "
            f"RETURNING {count_column}",
            [key, now + window_seconds, now, now],
        )
        count = int(cursor.fetchone()[0])
        if count == 1:
            cursor.execute(f"DELETE FROM {table} WHERE {ends_column} <= %s", [now])
    return count


def within_allowance(key: str, allowance: int, window_seconds: int, now_s: float | None = None) -> bool:
    """Count one call under `key`; False once more than `allowance` calls fall in its open window."""
    return count_call(key, window_seconds, now_s) <= allowance
