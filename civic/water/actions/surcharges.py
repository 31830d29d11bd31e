"""Over-plan surcharge bills of a billing period, computed by hydro.surcharge and stored in one transaction.

A user is billed only when every one of its billing meters in service in the
period has been read for it: with a meter unread the period's use is not
known, and counting it as zero would pass an over-plan user as within plan.
Such users get no bill yet and are listed by name in the run's summary; the
period is billed for them by running it again once the readings are in
(bills still issued are replaced, paid or cancelled ones kept).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.core import numbering
from civic.water import notify
from civic.water.models import (
    BillStatus,
    Meter,
    MeterReading,
    MonthlyPlan,
    PlannedUseStatus,
    PlanStatus,
    SurchargeBill,
    SurchargeSchedule,
    WaterTariff,
    WaterUser,
    WaterUserKind,
    plan_months_starting_between,
)
from hydro import surcharge

SurchargeProgress = Callable[[int, int], None]
"""Told (users done, users in all) after each water user of a bill run."""


@dataclass(frozen=True)
class UnreadMeters:
    """A water user left unbilled because some of its billing meters have no reading for the period."""

    code: str
    name: str
    meter_serials: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.code} {self.name} ({', '.join(self.meter_serials)})"


@dataclass
class BillRun:
    """What one computation of a period's surcharge bills did."""

    first_day: datetime.date
    last_day: datetime.date
    billed: int = 0
    not_over_plan: int = 0
    no_plan: int = 0
    no_readings: int = 0
    total_yuan: Decimal = Decimal("0.00")
    kept_bill_numbers: list[str] = field(default_factory=list)
    unread: list[UnreadMeters] = field(default_factory=list)


def surcharge_schedule_for(first_day: datetime.date) -> SurchargeSchedule:
    """The surcharge rule in force on a period's first day: the latest that took effect on or before it."""
    schedule = SurchargeSchedule.objects.filter(effective_from__lte=first_day).order_by("-effective_from").first()
    if schedule is None:
        raise ValidationError(_("No surcharge schedule is in force on %(day)s."), params={"day": first_day})
    return schedule


def base_price_for(kind: str, first_day: datetime.date) -> Decimal:
    """The basic water price (yuan/m³) for a kind of water user in force on a period's first day.

    The surcharge is a multiple of the basic price without the sewage charge ([JS-SUPPLY-DRAFT], over-plan
    clause: "加价水费为基本水价的…倍"), so the tariff's sewage charge is left out.
    """
    tariff = WaterTariff.objects.filter(kind=kind, effective_from__lte=first_day).order_by("-effective_from").first()
    if tariff is None:
        label = WaterUserKind(kind).label
        raise ValidationError(
            _("No water tariff for %(kind)s is in force on %(day)s."), params={"kind": label, "day": first_day}
        )
    return tariff.basic_price_yuan_per_m3


def surcharge_bands(schedule: SurchargeSchedule) -> list[surcharge.SurchargeBand]:
    tiers = schedule.tiers.order_by("lower_excess_fraction")
    return [surcharge.SurchargeBand(t.lower_excess_fraction, t.upper_excess_fraction, t.multiplier) for t in tiers]


def water_users_to_bill(first_day: datetime.date, last_day: datetime.date) -> models.QuerySet[WaterUser]:
    """Users on the planned-use list, and any other with an issued plan in the period's years, by user number."""
    has_issued_plan = models.Q(plans__status=PlanStatus.ISSUED, plans__year__range=(first_day.year, last_day.year))
    listed = models.Q(planned_use_status=PlannedUseStatus.LISTED)
    return WaterUser.objects.filter(has_issued_plan | listed).distinct().order_by("code")


def compute_bills(
    first_day: datetime.date,
    last_day: datetime.date,
    progress: SurchargeProgress | None = None,
    today: datetime.date | None = None,
) -> BillRun:
    """Bill the over-plan surcharge of one ended month or quarter, in one transaction.

    Running it again for the same period replaces the bills still ISSUED and
    keeps those already delivered, paid, cancelled or under objection (their
    numbers are reported), so a re-run after corrected readings or plans
    leaves one bill per user.
    """
    schedule = _checked_schedule(first_day, last_day, today or timezone.localdate())
    bands = surcharge_bands(schedule)
    water_users = list(water_users_to_bill(first_day, last_day))
    run = BillRun(first_day, last_day)
    with transaction.atomic():
        # Two runs of one period at once would number their bills alike: the second waits for the first to commit.
        numbering.next_in_sequence(f"water.BillRun:{first_day.isoformat()}..{last_day.isoformat()}")
        settled = _settled_bill_numbers(first_day, last_day)
        SurchargeBill.objects.filter(period_start=first_day, period_end=last_day, status=BillStatus.ISSUED).delete()
        numbers = _free_bill_numbers(first_day, last_day, taken=set(settled.values()))
        figures = _period_figures(first_day, last_day)
        for done, water_user in enumerate(water_users, start=1):
            if water_user.pk in settled:
                run.kept_bill_numbers.append(settled[water_user.pk])
            else:
                _bill_water_user(water_user, schedule, bands, run, numbers, figures)
            if progress is not None:
                progress(done, len(water_users))
        notify.bills_due(first_day, last_day)
    return run


def _checked_schedule(first_day: datetime.date, last_day: datetime.date, today: datetime.date) -> SurchargeSchedule:
    """The schedule to bill with, refusing a period that has not ended or is not the schedule's kind."""
    try:
        kind = surcharge.period_kind(first_day, last_day)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    if last_day >= today:
        raise ValidationError(
            _("The period ends on %(day)s and cannot be billed before it is over."), params={"day": last_day}
        )
    schedule = surcharge_schedule_for(first_day)
    # Billing a quarter under a monthly rule (or the reverse) would charge the same water twice.
    if schedule.billing_period != kind:
        raise ValidationError(
            _("The surcharge rule “%(rule)s” bills %(kind)s; choose a period of that kind."),
            params={"rule": schedule.name, "kind": schedule.get_billing_period_display().lower()},
        )
    return schedule


def _settled_bill_numbers(first_day: datetime.date, last_day: datetime.date) -> dict[int, str]:
    """Bills of the period past ISSUED (delivered, paid, cancelled, objected), by water user id: a re-run must not
    touch them."""
    settled = SurchargeBill.objects.filter(period_start=first_day, period_end=last_day).exclude(
        status=BillStatus.ISSUED
    )
    return dict(settled.values_list("water_user_id", "number"))


def _free_bill_numbers(first_day: datetime.date, last_day: datetime.date, taken: set[str]) -> Iterator[str]:
    """Bill numbers of the period in sequence, JS202403-0001 or JS2024Q1-0001, skipping those kept."""
    prefix = "JS" + surcharge.format_period(first_day, last_day).replace("-", "")
    for sequence in itertools.count(1):
        number = f"{prefix}-{sequence:04d}"
        if number not in taken:
            yield number


@dataclass
class _PeriodFigures:
    """Every user's planned and metered use in a billing period, and the base prices looked up so far."""

    planned_m3: dict[int, float]  # by water user id; users without an issued plan for the period are absent
    metered_m3: dict[int, float]  # by water user id; users without readings in the period are absent
    unread_serials: dict[int, list[str]]  # by water user id: billing meters in service not read for the period
    prices: dict[str, Decimal] = field(default_factory=dict)  # by kind of user

    def price_for(self, kind: str, first_day: datetime.date) -> Decimal:
        if kind not in self.prices:
            self.prices[kind] = base_price_for(kind, first_day)
        return self.prices[kind]


def _period_figures(first_day: datetime.date, last_day: datetime.date) -> _PeriodFigures:
    """Planned use from issued plans' months and metered use from billing meters, each in one query for all users."""
    months = MonthlyPlan.objects.filter(
        plan_months_starting_between(first_day, last_day), plan__status=PlanStatus.ISSUED
    ).order_by()
    readings = MeterReading.objects.filter(
        meter__parent__isnull=True, reading_date__range=(first_day, last_day)
    ).order_by()
    planned = months.values_list("plan__water_user_id").annotate(total=models.Sum("volume_m3"))
    metered = readings.values_list("meter__water_user_id").annotate(total=models.Sum("volume_m3"))
    return _PeriodFigures(
        planned_m3={user_id: float(total) for user_id, total in planned},
        metered_m3={user_id: float(total) for user_id, total in metered},
        unread_serials=unread_meters(first_day, last_day),
    )


def unread_meters(first_day: datetime.date, last_day: datetime.date) -> dict[int, list[str]]:
    """Billing meters in service in a period but not read for it, as serials by water user id.

    A meter in service at the period's end must have a reading in the period's last month (a reading's
    volume counts in the month of its date, so an earlier one leaves the last month unknown); a meter
    removed during the period must have a reading in the period (its final reading). A meter installed
    on the period's last day is not yet due.
    """
    in_service = Meter.objects.filter(parent__isnull=True, installed_on__lt=last_day).filter(
        models.Q(removed_on__isnull=True) | models.Q(removed_on__gte=first_day)
    )
    last_month_start = last_day.replace(day=1)
    read_in_last_month = set(
        MeterReading.objects.filter(reading_date__range=(last_month_start, last_day)).values_list("meter_id", flat=True)
    )
    read_in_period = set(
        MeterReading.objects.filter(reading_date__range=(first_day, last_day)).values_list("meter_id", flat=True)
    )
    unread: dict[int, list[str]] = {}
    for meter_id, user_id, serial, removed_on in in_service.order_by("serial").values_list(
        "pk", "water_user_id", "serial", "removed_on"
    ):
        still_in_service = removed_on is None or removed_on > last_day
        if meter_id not in (read_in_last_month if still_in_service else read_in_period):
            unread.setdefault(user_id, []).append(serial)
    return unread


def unread_water_users(first_day: datetime.date, last_day: datetime.date) -> list[UnreadMeters]:
    """The users a period's bill run would bill but for a meter not read, by user number (none before it ends)."""
    unread = unread_meters(first_day, last_day)
    with_plan = models.Q(plans__status=PlanStatus.ISSUED, plans__year__range=(first_day.year, last_day.year))
    water_users = water_users_to_bill(first_day, last_day).filter(with_plan, pk__in=list(unread))
    return [UnreadMeters(user.code, user.name, tuple(unread[user.pk])) for user in water_users]


def _bill_water_user(
    water_user: WaterUser,
    schedule: SurchargeSchedule,
    bands: list[surcharge.SurchargeBand],
    run: BillRun,
    numbers: Iterator[str],
    figures: _PeriodFigures,
) -> None:
    planned = figures.planned_m3.get(water_user.pk)
    if planned is None or planned <= 0:
        run.no_plan += 1
        return
    unread = figures.unread_serials.get(water_user.pk)
    if unread:
        run.unread.append(UnreadMeters(water_user.code, water_user.name, tuple(unread)))
        return
    actual = figures.metered_m3.get(water_user.pk)
    if actual is None:
        run.no_readings += 1  # no readings is missing data, not zero use: it is not billed as under plan
        return
    price = figures.price_for(water_user.kind, run.first_day)
    result = surcharge.surcharge(planned, actual, price, bands, mode=schedule.mode)
    if result.amount_yuan <= 0:
        run.not_over_plan += 1
        return
    _create_bill(water_user, schedule, planned, actual, price, result, run, next(numbers))


def _create_bill(
    water_user: WaterUser,
    schedule: SurchargeSchedule,
    planned: float,
    actual: float,
    price: Decimal,
    result: surcharge.SurchargeResult,
    run: BillRun,
    number: str,
) -> None:
    SurchargeBill.objects.create(
        number=number,
        water_user=water_user,
        period_start=run.first_day,
        period_end=run.last_day,
        planned_m3=planned,
        actual_m3=actual,
        excess_m3=result.excess_m3,
        base_price_yuan_per_m3=price,
        amount_yuan=result.amount_yuan,
        breakdown=[_breakdown_line(line) for line in result.lines],
        schedule=schedule,
        mode=schedule.mode,
        source_document=schedule.source_document,
    )
    run.billed += 1
    run.total_yuan += result.amount_yuan


def _breakdown_line(line: surcharge.SurchargeLine) -> dict[str, Any]:
    # The amount is kept unrounded as text: JSON floats would lose fen, and the bill's total is rounded once.
    return {
        "lower_excess_fraction": line.band.lower_excess_fraction,
        "upper_excess_fraction": line.band.upper_excess_fraction,
        "multiplier": line.multiplier,
        "volume_m3": line.volume_m3,
        "amount_yuan": str(line.amount_yuan),
    }
