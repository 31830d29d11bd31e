"""Why a readings file or one of its rows was refused, in the reader's language.

An import stores each error as its reason code and the values it was worked
out with (see hydro.readings.meter_readings.REASONS for the English originals); the
message is written here when the report is shown, so a report reads in
whichever language its reader chose. The codes of the file as a table (not a
table, too large, a missing column, a cell that is not a number …) are the
intake's, translated in `civic.core.intake`; the readings' own are here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civic.core import intake
from civic.water.readings_files import header_label
from civic.water.smart_readings import STORE_MESSAGES

REASONS: dict[str, Promise] = intake.catalogue(
    {
        "unknown_meter": _("No meter with serial %(serial)s is registered."),
        "future_date": _("The reading date %(date)s is after today, %(today)s."),
        "meter_not_installed": _("Meter %(serial)s was installed on %(installed_on)s, after this reading."),
        "meter_removed": _("Meter %(serial)s was removed on %(removed_on)s, before this reading."),
        "meter_replaced": _(
            "Meter %(serial)s was replaced by meter %(replaced_by)s on %(removed_on)s, before this reading."
        ),
        "missing_value": _("Give either the index or the volume; both are empty."),
        "both_values": _("Give either the index or the volume, not both."),
        "negative_volume": _("The volume %(value)s m³ is negative."),
        "negative_index": _("The index %(value)s m³ is negative."),
        "index_beyond_capacity": _("The index %(value)s m³ is beyond the meter's register of %(capacity)s m³."),
        "duplicate_in_file": _("Meter %(serial)s has another reading on %(date)s in row %(first_row)s."),
        "already_stored": _("A reading of meter %(serial)s on %(date)s is already stored."),
        "before_stored": _(
            "A later reading of meter %(serial)s, on %(stored_date)s, is already stored; readings are added in date order."
        ),
        "index_backwards": _(
            "The index went back from %(previous_index)s m³ to %(index)s m³. If the register rolled over, write "
            "“rollover” (翻转) in the remark; if the meter was replaced, register the new meter first."
        ),
        "implausible_jump": _(
            "%(volume)s m³ since the previous reading is more than a DN%(size_mm)s meter can pass in %(hours)s h at its "
            "permanent flowrate (%(limit)s m³)."
        ),
        "conflict": _(
            "Another import stored readings of the same meters and dates while this file was being imported. "
            "Import the file again to see which rows."
        ),
    }
)


STORE_SOURCE = "store"
"""The ``source`` of a stored error the readings store gave (`civic.water.smart_readings.STORE_MESSAGES`): its
codes and details are the store's, not the register's."""


def describe(error: Mapping[str, Any]) -> str:
    """The message of a stored error ({"code": …, "details": {…}}) in the active language."""
    return intake.describe(error, STORE_MESSAGES if error.get("source") == STORE_SOURCE else REASONS)


def column_label(column: str) -> str:
    """The header a column goes by in the file, in both languages; empty for the file as a whole."""
    return header_label(column) if column else ""
