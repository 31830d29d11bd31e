"""Numbers that cannot collide: each sequence is one `Counter` row, advanced in one SQL statement.

`next_in_sequence` runs a single UPDATE ... RETURNING (or, for a sequence's first
number, an INSERT ... ON CONFLICT DO UPDATE ... RETURNING), so two transactions
asking at the same moment get two numbers: the database holds the row's lock
until the first commits, and a transaction rolled back gives its number back.
SQLite (3.35 or later) and PostgreSQL both run these statements.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, models

from civic.core.models import Counter


def next_in_sequence(key: str, highest_so_far: Callable[[], int] = lambda: 0) -> int:
    """The next number of the sequence `key`: one more than the last handed out.

    `highest_so_far` is asked only when the sequence has no row yet, so that a
    sequence started over records already numbered (the demo county's, records
    from before counters) carries on after the highest of them.
    """
    table, key_column, value_column = (
        connection.ops.quote_name(name) for name in (Counter._meta.db_table, "key", "value")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {value_column} = {value_column} + 1 WHERE {key_column} = %s RETURNING {value_column}",
            [key],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                f"INSERT INTO {table} ({key_column}, {value_column}) VALUES (%s, %s) "
                f"ON CONFLICT ({key_column}) DO UPDATE SET {value_column} = {table}.{value_column} + 1 "
                f"RETURNING {value_column}",
                [key, highest_so_far() + 1],
            )
            row = cursor.fetchone()
    return int(row[0])


def next_number(model: type[models.Model], prefix: str, digits: int) -> str:
    """The next number of a record kind's sequence, e.g. DL2024000124 after DL2024000123.

    The sequence is `model`'s and `prefix`'s own counter (`next_in_sequence`),
    started after the highest number already stored with that prefix, so that
    two clerks saving at once never get the same number and a deleted or
    revoked record's number is never handed out again.
    """

    def highest_so_far() -> int:
        last = (
            model._default_manager.filter(number__startswith=prefix)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        return int(last[len(prefix) :]) if last else 0

    sequence = next_in_sequence(f"{model._meta.label}:{prefix}", highest_so_far)
    return f"{prefix}{sequence:0{digits}d}"
