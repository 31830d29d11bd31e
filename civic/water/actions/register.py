"""Writes of the register of water users: users, meters, meter replacements and closed accounts."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.core.models import User
from civic.water.actions.plans import save_with_author
from civic.water.models import Meter, MeterReading, PlannedUseStatus, WaterUser
from hydro.readings import meter_readings


def save_water_user(water_user: WaterUser, by_user: User) -> WaterUser:
    """Add a water user to the register or save changes to one; the history names who did it."""
    save_with_author(water_user, by_user)
    return water_user


def add_meter(meter: Meter, by_user: User) -> Meter:
    """Register a meter of an open account."""
    if meter.water_user.is_closed:
        raise ValidationError(
            _("The account of %(user)s is closed: it takes no new meters."), params={"user": meter.water_user}
        )
    save_with_author(meter, by_user)
    return meter


def save_meter(meter: Meter, by_user: User) -> Meter:
    """Save corrections to a meter's register entry."""
    save_with_author(meter, by_user)
    return meter


def meter_index_m3(meter: Meter) -> float:
    """The index the meter shows after its stored readings (its installation index when it has none) [m³]."""
    readings = meter.readings.order_by("reading_date").values_list("index_m3", "volume_m3")
    return meter_readings.index_after_readings(readings, meter.initial_index_m3, meter.index_capacity_m3)


def _check_removal(meter: Meter, removed_on: datetime.date, today: datetime.date, date_field: str) -> None:
    if meter.removed_on is not None:
        raise ValidationError(
            _("Meter %(serial)s was already removed on %(day)s."),
            params={"serial": meter.serial, "day": meter.removed_on},
        )
    if removed_on > today:
        raise ValidationError({date_field: _("The date is in the future.")})
    if removed_on < meter.installed_on:
        raise ValidationError(
            {date_field: _("The meter was installed on %(day)s, after this date.") % {"day": meter.installed_on}}
        )
    latest = meter.readings.order_by("-reading_date").values_list("reading_date", flat=True).first()
    if latest is not None and latest >= removed_on:
        raise ValidationError(
            {
                date_field: _("The meter has a reading on %(day)s; the replacement comes after its last reading.")
                % {"day": latest}
            }
        )


def _final_reading(meter: Meter, removed_on: datetime.date, final_index_m3: float, index_field: str) -> MeterReading:
    """The old meter's last reading: the volume since its previous index, allowing for a rollover."""
    latest = meter.readings.order_by("-reading_date").values_list("reading_date", flat=True).first()
    hours = 24.0 * max((removed_on - (latest or meter.installed_on)).days, 1)
    volume = meter_readings.volume_since_previous_m3(
        meter_index_m3(meter),
        final_index_m3,
        meter.index_capacity_m3,
        declares_rollover=False,
        plausible_limit_m3=meter_readings.maximum_plausible_volume_m3(meter.size_mm, hours),
    )
    if volume is None:
        raise ValidationError(
            {
                index_field: _("The final index %(final)s m³ is below the last index %(last)s m³ of the meter.")
                % {"final": final_index_m3, "last": meter_index_m3(meter)}
            }
        )
    return MeterReading(meter=meter, reading_date=removed_on, index_m3=final_index_m3, volume_m3=volume)


@transaction.atomic
def replace_meter(
    meter: Meter,
    *,
    replaced_on: datetime.date,
    final_index_m3: float,
    new_meter: Meter,
    by_user: User,
    today: datetime.date | None = None,
) -> Meter:
    """Replace a meter: its final reading and removal, the new meter with its initial index, in one transaction.

    The old meter's final reading carries the water it passed since its last
    reading; the new meter starts at its own initial index, so its first
    reading counts only what it passed. Sub-meters move to the new meter.
    """
    meter = Meter.objects.select_for_update().get(pk=meter.pk)
    _check_removal(meter, replaced_on, today or timezone.localdate(), "replaced_on")
    final_reading = _final_reading(meter, replaced_on, final_index_m3, "final_index_m3")
    final_reading.save()
    meter.removed_on = replaced_on
    save_with_author(meter, by_user)
    new_meter.water_user, new_meter.parent, new_meter.replaces = meter.water_user, meter.parent, meter
    new_meter.installed_on = replaced_on
    save_with_author(new_meter, by_user)
    for sub_meter in meter.sub_meters.filter(removed_on__isnull=True):
        sub_meter.parent = new_meter
        save_with_author(sub_meter, by_user)
    return new_meter


def final_index_field(meter: Meter) -> str:
    """The closing form's field of a meter's final index."""
    return f"final_index_{meter.pk}"


@transaction.atomic
def close_water_user(
    water_user: WaterUser,
    *,
    closed_on: datetime.date,
    reason: str,
    final_indexes_m3: dict[str, float],
    by_user: User,
    today: datetime.date | None = None,
) -> WaterUser:
    """Close an account: each meter still fitted gets its final reading and is removed, the user leaves the list.

    `final_indexes_m3` gives the final index of every fitted meter by serial;
    the account is closed only when every one of them is read.
    """
    water_user = WaterUser.objects.select_for_update().get(pk=water_user.pk)
    if water_user.is_closed:
        raise ValidationError(_("The account was already closed on %(day)s."), params={"day": water_user.closed_on})
    for meter in water_user.meters.select_for_update().filter(removed_on__isnull=True).order_by("serial"):
        if meter.serial not in final_indexes_m3:
            raise ValidationError(_("Meter %(serial)s has no final index."), params={"serial": meter.serial})
        field = final_index_field(meter)
        _check_removal(meter, closed_on, today or timezone.localdate(), "closed_on")
        _final_reading(meter, closed_on, final_indexes_m3[meter.serial], field).save()
        meter.removed_on = closed_on
        save_with_author(meter, by_user)
    water_user.closed_on, water_user.closure_reason = closed_on, reason
    water_user.planned_use_status = PlannedUseStatus.NOT_LISTED
    save_with_author(water_user, by_user)
    return water_user
