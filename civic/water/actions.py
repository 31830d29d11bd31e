"""Writes of planned water use. Each function that touches several tables is one transaction."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import itertools
import math
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from civic.core.models import User
from civic.water import quotas, readings_files, readings_reasons
from civic.water.models import (
    AdjustmentStatus,
    AnnualPlan,
    BillStatus,
    CustomerAlarm,
    DmaBalance,
    DmaNightFlow,
    DmaNightFlowAlarm,
    ImportStatus,
    Industry,
    LeakageRateParameters,
    Meter,
    MeteringParameters,
    MeteringRun,
    MeterReading,
    MonthlyPlan,
    PlanAdjustmentRequest,
    PlanMethod,
    PlannedUseStatus,
    PlanningParameters,
    PlanStatus,
    QuotaLevel,
    ReadingImportBatch,
    ReuseStudy,
    SurchargeBill,
    SurchargeSchedule,
    WaterAudit,
    WaterQuota,
    WaterTariff,
    WaterUser,
    WaterUserKind,
    plan_months_starting_between,
)
from hydro import meter_readings, planning, readings_engine, surcharge
from hydro.readings_analysis import AnalysisResults, AnomalySettings, NightFlowSettings, Period, analyse
from hydro.readings_store import COUNTY_TIME_ZONE
from hydro.water_audit import AuditInputs, CJJ92Corrections, water_audit

# --- REGISTER ----------------------------------------------------------------

# --- END REGISTER ------------------------------------------------------------

# --- READINGS ----------------------------------------------------------------

DEFAULT_CHUNK_ROWS = 5000

RowsProgress = Callable[[int], None]


def import_readings_file(
    file_name: str,
    content: bytes,
    imported_by: User | None,
    today: datetime.date | None = None,
    progress: RowsProgress | None = None,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    on_checked: RowsProgress | None = None,
) -> ReadingImportBatch:
    """Import a readings file whole or not at all, and record the import as a batch.

    The same bytes imported again return the batch that stored them and store
    nothing new. A file with any bad row is recorded as rejected with every
    bad row and why, and none of its readings is stored. A good file's
    readings are written in one transaction, `chunk_rows` at a time;
    `on_checked(total_rows)` is called once the file has passed its checks and
    `progress(done_rows)` after each chunk is written.
    """
    checksum = hashlib.sha256(content).hexdigest()
    accepted = accepted_readings_batch(checksum)
    if accepted is not None:
        return accepted
    try:
        rows = readings_files.read_readings_file(file_name, content)
    except readings_files.ReadingsFileError as error:
        return _reject_readings_file(file_name, checksum, imported_by, 0, [_file_error_entry(error)])
    if not rows:
        return _reject_readings_file(file_name, checksum, imported_by, 0, [_whole_file_entry("no_rows")])
    meter_ids, facts = _meter_facts({meter_readings.cell_text(row.meter_serial) for row in rows})
    check = meter_readings.check_readings(rows, facts, today or timezone.localdate())
    if not check.is_clean:
        entries = [_row_error_entry(error) for error in check.errors]
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
    meters = list(
        Meter.objects.filter(models.Q(serial__in=serials) | models.Q(replaces__serial__in=serials)).annotate(
            latest_date=models.Subquery(latest.values("reading_date")[:1]),
            latest_index=models.Subquery(latest.values("index_m3")[:1]),
            replaces_serial=models.F("replaces__serial"),
        )
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
    return ReadingImportBatch.objects.create(
        file_name=file_name,
        sha256=checksum,
        status=ImportStatus.REJECTED,
        row_count=row_count,
        errors=errors,
        imported_by=imported_by,
    )


def _row_error_entry(error: meter_readings.RowError) -> dict[str, Any]:
    return {
        "row": error.row_number,
        "column": error.column,
        "value": error.value,
        "code": error.code,
        "message": error.message,
        "details": error.details,
    }


def _whole_file_entry(code: str, row: int | None = None, value: str = "", **details: str) -> dict[str, Any]:
    """An error of the file as a whole; its English message is kept for readers of the raw record."""
    with translation.override("en"):
        message = str(readings_reasons.REASONS[code]) % details
    return {"row": row, "column": "", "value": value, "code": code, "message": message, "details": details}


def _file_error_entry(error: readings_files.ReadingsFileError) -> dict[str, Any]:
    if error.code != "missing_columns":
        return _whole_file_entry(error.code)
    missing = ", ".join(readings_files.header_label(column) for column in error.missing_columns)
    found = ", ".join(error.found_headers) or "—"
    return _whole_file_entry("missing_columns", row=1, value=found, missing=missing, found=found)


# --- END READINGS ------------------------------------------------------------

# --- PLANS -------------------------------------------------------------------


def planning_parameters_for(year: int) -> PlanningParameters:
    """The county's planning rule in force on 1 January of the plan year."""
    parameters = (
        PlanningParameters.objects.filter(effective_from__lte=datetime.date(year, 1, 1))
        .order_by("-effective_from")
        .first()
    )
    if parameters is None:
        raise ValidationError(_("No planning parameters are in force on 1 January %(year)s."), params={"year": year})
    return parameters


def usage_history(water_user: WaterUser, year: int) -> list[tuple[int, float]]:
    """Metered use of the years that enter `year`'s plan: the latest unbroken run among the three before it."""
    history: list[tuple[int, float]] = []
    yearly_use = water_user.yearly_use_m3(year - planning.MAXIMUM_HISTORY_YEARS, year - 1)
    for past_year in range(year - 1, year - 1 - planning.MAXIMUM_HISTORY_YEARS, -1):
        use = yearly_use.get(past_year)
        if use is None and history:
            break  # a gap would turn two years' change into one year's growth
        if use is not None:
            history.insert(0, (past_year, use))
    return history


def split_problem_message(problem: planning.SplitProblem) -> str:
    """A monthly-split problem from `hydro.planning`, said to the user in their language."""
    months = ", ".join(str(month) for month in problem.months)
    messages = {
        "missing_months": _("Months missing: %(months)s.") % {"months": months},
        "unknown_months": _("Not months of the year: %(months)s.") % {"months": months},
        "negative_months": _("Negative volume in months: %(months)s.") % {"months": months},
        "sum_differs": _("The months add up to %(difference)s m³ off the annual volume; allowed is 1 m³.")
        % {"difference": f"{problem.difference_m3:+,.0f}"},
    }
    return str(messages[problem.kind])


def whole_cubic_metres(volume_m3: float) -> float:
    """Plans are issued in whole m³, rounding halves up."""
    return float(math.floor(volume_m3 + 0.5))


def _history_basis(water_user: WaterUser, year: int) -> tuple[float, dict[str, Any]]:
    parameters = planning_parameters_for(year)
    history = usage_history(water_user, year)
    if not history:
        raise ValidationError(
            _("%(user)s has no metered use in the three years before %(year)s."),
            params={"user": water_user, "year": year},
        )
    worked = planning.plan_from_history(
        [use for _year, use in history], parameters.reasonable_use_coefficient, parameters.maximum_growth_rate
    )
    return worked.volume_m3, {
        "years": [past_year for past_year, _use in history],
        "annual_uses_m3": [use for _year, use in history],
        "growth_rates": list(worked.growth_rates),
        "mean_use_m3": worked.mean_use_m3,
        "mean_growth_rate": worked.mean_growth_rate,
        "applied_growth_rate": worked.applied_growth_rate,
        "reasonable_use_coefficient": parameters.reasonable_use_coefficient,
        "maximum_growth_rate": parameters.maximum_growth_rate,
        "parameters_effective_from": parameters.effective_from.isoformat(),
    }


def quota_value(quota: WaterQuota, level: str) -> float | None:
    """The quota's value at a level (通用值, 先进值 or 领先值), or None when the table gives none."""
    values = {
        QuotaLevel.GENERAL: quota.general_value,
        QuotaLevel.ADVANCED: quota.advanced_value,
        QuotaLevel.LEADING: quota.leading_value,
    }
    return values[QuotaLevel(level)]


def _quota_in_force(quota: WaterQuota, year: int) -> bool:
    starts_in_time = quota.effective_from <= datetime.date(year, 12, 31)
    return starts_in_time and (quota.effective_to is None or quota.effective_to >= datetime.date(year, 1, 1))


def _quota_basis(
    quota: WaterQuota | None, level: str, planned_output: float | None, year: int
) -> tuple[float, dict[str, Any]]:
    if quota is None or planned_output is None:
        raise ValidationError(_("The quota method needs a quota and the planned output."))
    if not _quota_in_force(quota, year):
        raise ValidationError(
            _("The quota %(quota)s is not in force in %(year)s."), params={"quota": quota, "year": year}
        )
    value = quota_value(quota, level)
    if value is None:
        raise ValidationError(_("The quota %(quota)s has no value at this level."), params={"quota": quota})
    volume = planning.plan_from_quota(value, planned_output)
    return volume, {
        "quota_id": quota.pk,
        "quota": str(quota),
        "quota_unit": quota.unit,
        "quota_level": level,
        "quota_value": value,
        "quota_source": quota.source_standard,
        "planned_output": planned_output,
    }


def _design_basis(water_user: WaterUser, design_use_m3: float | None) -> tuple[float, dict[str, Any]]:
    entered = design_use_m3 is not None
    value = design_use_m3 if entered else water_user.design_annual_use_m3
    if value is None:
        raise ValidationError(_("%(user)s has no design use on the register; enter one."), params={"user": water_user})
    return planning.plan_from_design(value), {
        "design_use_m3": value,
        "design_use_source": "entered" if entered else "register",
    }


def _work_out_annual_volume(
    water_user: WaterUser,
    year: int,
    method: str,
    *,
    quota: WaterQuota | None,
    quota_level: str,
    planned_output: float | None,
    design_use_m3: float | None,
) -> tuple[float, dict[str, Any]]:
    if method == PlanMethod.HISTORY:
        return _history_basis(water_user, year)
    if method == PlanMethod.QUOTA:
        return _quota_basis(quota, quota_level, planned_output, year)
    if method == PlanMethod.DESIGN:
        return _design_basis(water_user, design_use_m3)
    raise ValidationError(_("Unknown plan method %(method)s."), params={"method": method})


def _monthly_volumes(
    water_user: WaterUser, year: int, annual_volume_m3: float, monthly_split: Mapping[int, float] | None
) -> tuple[dict[int, float], dict[str, Any]]:
    """The user's proposed split when given (checked), else the shape of last year's use."""
    if monthly_split is not None:
        problems = planning.check_monthly_split(annual_volume_m3, monthly_split)
        if problems:
            raise ValidationError([split_problem_message(problem) for problem in problems])
        return {month: float(monthly_split[month]) for month in planning.MONTHS}, {"split": "proposed"}
    reference = water_user.monthly_use_m3(year - 1)
    shape = "last_year_shape" if any(volume > 0 for volume in reference.values()) else "equal"
    return planning.split_by_shape(annual_volume_m3, reference), {"split": shape, "reference_year": year - 1}


def _save_with_author(record: models.Model, author: User | None) -> None:
    """Save so that the history row names who made the change, also outside a web request."""
    if author is not None:
        # django-simple-history's documented hook, read when the history row is written; Model does not declare it
        record._history_user = author  # type: ignore[attr-defined]
    record.save()


def _write_months(plan: AnnualPlan, volumes: Mapping[int, float], author: User | None) -> None:
    """Update the twelve month rows in place, so each month keeps its own history."""
    rows = {row.month: row for row in plan.months.all()}
    if not rows:
        _create_months(plan, volumes, author)
        return
    for month in planning.MONTHS:
        row = rows.get(month) or MonthlyPlan(plan=plan, month=month)
        if row.pk is not None and row.volume_m3 == volumes[month]:
            continue
        row.volume_m3 = volumes[month]
        _save_with_author(row, author)


def _create_months(plan: AnnualPlan, volumes: Mapping[int, float], author: User | None) -> None:
    """A new plan's twelve months and their history rows, in one insert each."""
    months = [MonthlyPlan(plan=plan, month=month, volume_m3=volumes[month]) for month in planning.MONTHS]
    bulk_create_with_history(months, MonthlyPlan, default_user=author)


@transaction.atomic
def propose_plan(
    water_user: WaterUser,
    year: int,
    method: str,
    *,
    quota: WaterQuota | None = None,
    quota_level: str = QuotaLevel.GENERAL,
    planned_output: float | None = None,
    design_use_m3: float | None = None,
    monthly_split: Mapping[int, float] | None = None,
    by_user: User | None = None,
) -> AnnualPlan:
    """Create or replace the user's draft plan for `year` and its twelve months; an issued plan stays."""
    plan = AnnualPlan.objects.select_for_update().filter(water_user=water_user, year=year).first()
    if plan is not None and plan.status == PlanStatus.ISSUED:
        raise ValidationError(
            _("The %(year)s plan of %(user)s is issued; change it by an adjustment request."),
            params={"year": year, "user": water_user},
        )
    computed_m3, basis = _work_out_annual_volume(
        water_user,
        year,
        method,
        quota=quota,
        quota_level=quota_level,
        planned_output=planned_output,
        design_use_m3=design_use_m3,
    )
    annual_m3 = whole_cubic_metres(computed_m3)
    months, split_basis = _monthly_volumes(water_user, year, annual_m3, monthly_split)
    plan = plan or AnnualPlan(water_user=water_user, year=year)
    plan.method, plan.annual_volume_m3, plan.status = method, annual_m3, PlanStatus.DRAFT
    plan.basis = {"method": method, "computed_volume_m3": computed_m3, **basis, **split_basis}
    plan.issued_at, plan.issued_by = None, None
    _save_with_author(plan, by_user)
    _write_months(plan, months, by_user)
    return plan


def propose_plan_by_default_method(water_user: WaterUser, year: int, by_user: User | None = None) -> AnnualPlan | None:
    """A draft from use history where there is some, else from design use; None when the user has neither."""
    if usage_history(water_user, year):
        return propose_plan(water_user, year, PlanMethod.HISTORY, by_user=by_user)
    if water_user.design_annual_use_m3 is not None:
        return propose_plan(water_user, year, PlanMethod.DESIGN, by_user=by_user)
    return None


def _require_bureau(user: User | None) -> None:
    if user is not None and not user.is_bureau:
        raise PermissionDenied


def submit_plan_for_review(plan: AnnualPlan, by_user: User | None = None) -> AnnualPlan:
    """Send a draft to the bureau's review (审核) before it is issued."""
    _require_bureau(by_user)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("Only a draft plan can be sent for review."))
    plan.status = PlanStatus.UNDER_REVIEW
    _save_with_author(plan, by_user)
    return plan


def issue_plan(plan: AnnualPlan, by_user: User | None) -> AnnualPlan:
    """Issue (下达) a draft or reviewed plan to the water user."""
    _require_bureau(by_user)
    if plan.status == PlanStatus.ISSUED:
        raise ValidationError(_("This plan is already issued."))
    plan.status, plan.issued_at, plan.issued_by = PlanStatus.ISSUED, timezone.now(), by_user
    _save_with_author(plan, by_user)
    return plan


def _may_request_adjustment(user: User, plan: AnnualPlan) -> bool:
    if user.is_enterprise_reporter:
        return user.water_user_id == plan.water_user_id
    return user.is_bureau


def request_plan_adjustment(
    plan: AnnualPlan,
    requested_by: User,
    requested_volume_m3: float,
    reason: str,
    requested_months: Mapping[int, float] | None = None,
) -> PlanAdjustmentRequest:
    """File a request to change an issued plan: by the user's own reporter, or by the bureau on its behalf."""
    if not _may_request_adjustment(requested_by, plan):
        raise PermissionDenied
    if plan.status != PlanStatus.ISSUED:
        raise ValidationError(_("Only an issued plan can be adjusted."))
    if plan.adjustments.filter(status=AdjustmentStatus.PENDING).exists():
        raise ValidationError(_("This plan already has an adjustment request waiting for a decision."))
    requested_volume_m3 = whole_cubic_metres(requested_volume_m3)
    if requested_volume_m3 <= 0 or not reason.strip():
        raise ValidationError(_("An adjustment request needs a positive annual volume and a reason."))
    if requested_months is not None:
        problems = planning.check_monthly_split(requested_volume_m3, requested_months)
        if problems:
            raise ValidationError([split_problem_message(problem) for problem in problems])
    request = PlanAdjustmentRequest(
        plan=plan,
        requested_volume_m3=requested_volume_m3,
        requested_months=[float(requested_months[month]) for month in planning.MONTHS] if requested_months else [],
        reason=reason.strip(),
        requested_by=requested_by,
    )
    _save_with_author(request, requested_by)
    return request


def _adjusted_months(request: PlanAdjustmentRequest, annual_m3: float) -> dict[int, float]:
    """The requested split when the user gave one, else last year's shape."""
    if request.requested_months:
        return dict(zip(planning.MONTHS, request.requested_months, strict=True))
    last_year = request.plan.water_user.monthly_use_m3(request.plan.year - 1)
    return planning.split_by_shape(annual_m3, last_year)


@transaction.atomic
def decide_plan_adjustment(
    request: PlanAdjustmentRequest, by_user: User, approve: bool, note: str = ""
) -> PlanAdjustmentRequest:
    """Approve or reject a pending request; approval changes the plan's year and months, with history."""
    _require_bureau(by_user)
    request = PlanAdjustmentRequest.objects.select_for_update().select_related("plan").get(pk=request.pk)
    if request.status != AdjustmentStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    now = timezone.now()
    if approve:
        _apply_adjustment(request, by_user, now)
    request.status = AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED
    request.decided_by, request.decided_at, request.decision_note = by_user, now, note.strip()
    _save_with_author(request, by_user)
    return request


def _apply_adjustment(request: PlanAdjustmentRequest, by_user: User, decided_at: datetime.datetime) -> None:
    plan = request.plan
    annual_m3 = request.requested_volume_m3
    adjustments = [*plan.basis.get("adjustments", [])]
    adjustments.append(
        {
            "request_id": request.pk,
            "previous_volume_m3": plan.annual_volume_m3,
            "volume_m3": annual_m3,
            "decided_at": decided_at.isoformat(),
            "decided_by": by_user.get_username(),
        }
    )
    plan.annual_volume_m3 = annual_m3
    plan.basis = {**plan.basis, "adjustments": adjustments}
    _save_with_author(plan, by_user)
    _write_months(plan, _adjusted_months(request, annual_m3), by_user)


# --- END PLANS ---------------------------------------------------------------

# --- SURCHARGES --------------------------------------------------------------

SurchargeProgress = Callable[[int, int], None]
"""Told (users done, users in all) after each water user of a bill run."""


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


def surcharge_schedule_for(first_day: datetime.date) -> SurchargeSchedule:
    """The surcharge rule in force on a period's first day: the latest that took effect on or before it."""
    schedule = SurchargeSchedule.objects.filter(effective_from__lte=first_day).order_by("-effective_from").first()
    if schedule is None:
        raise ValidationError(_("No surcharge schedule is in force on %(day)s."), params={"day": first_day})
    return schedule


def base_price_for(kind: str, first_day: datetime.date) -> Decimal:
    """The base price (yuan/m³) for a kind of water user in force on a period's first day."""
    tariff = WaterTariff.objects.filter(kind=kind, effective_from__lte=first_day).order_by("-effective_from").first()
    if tariff is None:
        label = WaterUserKind(kind).label
        raise ValidationError(
            _("No water tariff for %(kind)s is in force on %(day)s."), params={"kind": label, "day": first_day}
        )
    return tariff.price_yuan_per_m3


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
    keeps those already paid or cancelled (their numbers are reported), so a
    re-run after corrected readings or plans leaves one bill per user.
    """
    schedule = _checked_schedule(first_day, last_day, today or timezone.localdate())
    bands = surcharge_bands(schedule)
    water_users = list(water_users_to_bill(first_day, last_day))
    run = BillRun(first_day, last_day)
    with transaction.atomic():
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
    """Bills of the period already paid or cancelled, by water user id: a re-run must not touch them."""
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
    )


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
    actual = figures.metered_m3.get(water_user.pk)
    if actual is None:
        run.no_readings += 1  # no readings is missing data, not zero use: it is not billed as under plan
        return
    price = figures.price_for(water_user.kind, run.first_day)
    result = surcharge.surcharge(planned, actual, price, bands, progressive=schedule.progressive)
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


# --- END SURCHARGES ----------------------------------------------------------

# --- QUOTAS ------------------------------------------------------------------

QUOTA_FIELDS = (
    "unit",
    "leading_value",
    "advanced_value",
    "general_value",
    "source_standard",
    "effective_to",
)


@dataclass(frozen=True)
class QuotaSaveSummary:
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class QuotaImportOutcome:
    """Either the file's errors (and nothing stored) or what was stored."""

    errors: list[quotas.RowError]
    summary: QuotaSaveSummary | None


def quota_changes(existing: WaterQuota, row: quotas.QuotaRow) -> dict[str, Any]:
    changes = {name: getattr(row, name) for name in QUOTA_FIELDS if getattr(existing, name) != getattr(row, name)}
    if row.to_verify is not None and existing.to_verify != row.to_verify:
        changes["to_verify"] = row.to_verify
    return changes


def save_quota(row: quotas.QuotaRow, industry_ids: Mapping[str, int], author: User | None = None) -> str:
    """Insert or update one quota; return "created", "updated" or "unchanged"."""
    existing = WaterQuota.objects.filter(
        industry_id=industry_ids[row.industry_code], product=row.product, effective_from=row.effective_from
    ).first()
    if existing is None:
        fields = {name: getattr(row, name) for name in QUOTA_FIELDS}
        quota = WaterQuota(
            industry_id=industry_ids[row.industry_code],
            product=row.product,
            effective_from=row.effective_from,
            to_verify=bool(row.to_verify),
            **fields,
        )
        _save_with_author(quota, author)
        return "created"
    changes = quota_changes(existing, row)
    if not changes:
        return "unchanged"  # not saved, so a re-import leaves no history entry either
    for name, value in changes.items():
        setattr(existing, name, value)
    _save_with_author(existing, author)
    return "updated"


@transaction.atomic
def save_quotas(rows: list[quotas.QuotaRow], by_user: User | None = None) -> QuotaSaveSummary:
    """Upsert checked quota rows by industry, product and start date, all in one transaction."""
    industry_ids = dict(Industry.objects.values_list("code", "id"))
    outcomes = [save_quota(row, industry_ids, by_user) for row in rows]
    return QuotaSaveSummary(outcomes.count("created"), outcomes.count("updated"), outcomes.count("unchanged"))


def import_quota_workbook(file: Any, by_user: User | None = None) -> QuotaImportOutcome:
    """Check a whole quota workbook and store it only if every row passes (raises QuotaFileError if unreadable)."""
    sheet = quotas.read_quota_workbook(file)
    if sheet.errors:
        return QuotaImportOutcome(sheet.errors, None)
    checked = quotas.check_quota_rows(sheet.rows, set(Industry.objects.values_list("code", flat=True)))
    if checked.errors:
        return QuotaImportOutcome(checked.errors, None)
    return QuotaImportOutcome([], save_quotas(checked.quotas, by_user))


# --- END QUOTAS --------------------------------------------------------------

# --- METERING ----------------------------------------------------------------

USE_SERIES_MARGIN = datetime.timedelta(hours=24)
USE_SERIES_MAXIMUM_HOURS = 24 * 14


def metering_parameters_on(day: datetime.date) -> tuple[NightFlowSettings, AnomalySettings]:
    """The night-flow and anomaly settings in force on a day (hydro's defaults before the first row)."""
    row = MeteringParameters.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    if row is None:
        return NightFlowSettings(), AnomalySettings()
    night = NightFlowSettings(
        window_start_hour=row.night_window_start_hour,
        window_end_hour=row.night_window_end_hour,
        night_use_l_per_h_per_connection=row.night_use_l_per_h_per_connection,
        baseline_nights=row.baseline_nights,
    )
    return night, AnomalySettings(continuous_flow_hours=row.continuous_flow_hours, stuck_hours=row.stuck_hours)


def leakage_rate_parameters_for(year: int) -> CJJ92Corrections:
    """The CJJ 92 corrections in force at the end of `year` (the standard's defaults before the first row)."""
    last_day = datetime.date(year, 12, 31)
    row = LeakageRateParameters.objects.filter(effective_from__lte=last_day).order_by("-effective_from").first()
    if row is None:
        return CJJ92Corrections()
    limit = row.length_correction_limit_pct
    return CJJ92Corrections(
        residential_factor=row.residential_factor,
        length_factor=row.length_factor,
        length_reference_km_per_10k_m3=row.length_reference_km_per_10k_m3,
        length_bounds_pct=(-limit, limit),
        pressure_steps=tuple((float(mpa), float(pct)) for mpa, pct in row.pressure_steps)
        or CJJ92Corrections().pressure_steps,
        frost_depth_m=row.frost_depth_m,
        frost_correction_pct=row.frost_correction_pct,
        grades_pct=((row.first_grade_pct, "first"), (row.second_grade_pct, "second")),
    )


def record_metering_run(
    store: str, zones: Any, period: Period, user: User | None = None, engine: str | None = None
) -> MeteringRun:
    """Analyse a period's readings (balance, night flow, alarms, customer anomalies) and keep the summaries.

    The analysis runs first, outside the transaction; the run and all its
    summaries are then written in one transaction, so a page never shows half a run.
    """
    night_settings, anomaly_settings = metering_parameters_on(period.start.date())
    connection = readings_engine.connect(engine)
    readings = readings_engine.readings_table(connection, store, period.months())
    results = analyse(connection, readings, zones, period, night_settings, anomaly_settings, granularity="period")
    series = _use_series(connection, readings, results.anomalies)
    last_day = (period.end - datetime.timedelta(days=1)).date()
    with transaction.atomic():
        run = MeteringRun.objects.create(
            period_start=period.start.date(),
            period_end=last_day,
            engine=readings_engine.engine_name(engine),
            store=str(store),
            created_by=user,
        )
        _store_summaries(run, results, series)
    return run


def _store_summaries(run: MeteringRun, results: AnalysisResults, series: dict[int, list[list[Any]]]) -> None:
    DmaBalance.objects.bulk_create(
        DmaBalance(
            run=run,
            dma_code=row.dma_id,
            inflow_m3=row.inflow_m3,
            outflow_m3=row.outflow_m3,
            consumption_m3=row.consumption_m3,
            nrw_m3=row.nrw_m3,
            nrw_pct=None if row.nrw_pct is None or math.isnan(row.nrw_pct) else row.nrw_pct,
        )
        for row in results.balance.itertuples(index=False)
    )
    DmaNightFlow.objects.bulk_create(
        DmaNightFlow(
            run=run,
            dma_code=row.dma_id,
            night=row.night,
            mnf_m3_per_h=row.mnf_m3_per_h,
            legitimate_m3_per_h=row.legitimate_m3_per_h,
            leakage_m3_per_h=row.leakage_m3_per_h,
        )
        for row in results.nights.itertuples(index=False)
    )
    DmaNightFlowAlarm.objects.bulk_create(
        DmaNightFlowAlarm(
            run=run, dma_code=row.dma_id, start=row.start, detected=row.detected, excess_m3_per_h=row.excess_m3_per_h
        )
        for row in results.alarms.itertuples(index=False)
    )
    CustomerAlarm.objects.bulk_create(
        CustomerAlarm(
            run=run,
            meter_code=row.meter_id,
            kind=row.kind,
            start=_county_time(row.start),
            end=_county_time(row.end),
            volume_m3=row.volume_m3,
            confidence=row.confidence,
            use_series=series.get(position, []),
        )
        for position, row in enumerate(results.anomalies.itertuples(index=False))
    )


def _county_time(wall_clock: Any) -> datetime.datetime:
    """A stored wall-clock time (county zone, naive) as an aware datetime for the database."""
    return timezone.make_aware(wall_clock.to_pydatetime(), zoneinfo.ZoneInfo(COUNTY_TIME_ZONE))


def _use_series(connection: Any, readings: Any, anomalies: Any) -> dict[int, list[list[Any]]]:
    """Each alarm's meter's interval volumes from a day before to a day after it (at most two weeks)."""
    if anomalies.empty:
        return {}
    meters = sorted(set(anomalies.meter_id))
    rows = connection.execute(
        readings.filter(readings.meter_id.isin(meters)).select("meter_id", "timestamp", "volume_m3")
    ).sort_values(["meter_id", "timestamp"])
    by_meter = {meter: frame for meter, frame in rows.groupby("meter_id")}
    series = {}
    for position, alarm in enumerate(anomalies.itertuples(index=False)):
        frame = by_meter.get(alarm.meter_id)
        if frame is None:
            continue
        first = alarm.start - USE_SERIES_MARGIN
        last = min(alarm.end + USE_SERIES_MARGIN, first + datetime.timedelta(hours=USE_SERIES_MAXIMUM_HOURS))
        window = frame[(frame.timestamp >= first) & (frame.timestamp < last)]
        series[position] = [
            [moment.isoformat(), round(float(volume), 3)]
            for moment, volume in zip(window.timestamp, window.volume_m3, strict=True)
        ]
    return series


def record_water_audit(inputs: AuditInputs, year: int, user: User | None, banding: str) -> WaterAudit:
    """Audit a utility's year with the CJJ 92 parameters in force and keep the figures and the result."""
    result = water_audit(inputs, leakage_rate_parameters_for(year), banding)
    return WaterAudit.objects.create(
        utility_name=inputs.name,
        year=year,
        inputs={**dataclasses.asdict(inputs), "banding": banding},
        result=result.as_dict(),
        created_by=user,
    )


# --- END METERING ------------------------------------------------------------


# --- REUSE -------------------------------------------------------------------


def run_reuse_study(study_id: int) -> ReuseStudy:
    """Solve every scenario of a reuse study and store the comparison.

    The solving (seconds) happens outside the transaction; the results and
    their time are written in one update, so a study never shows results from
    two runs.
    """
    from civic.water import reuse_problems

    study = ReuseStudy.objects.get(pk=study_id)
    results = reuse_problems.solve_study(study)
    with transaction.atomic():
        ReuseStudy.objects.filter(pk=study_id).update(results=results, solved_at=timezone.now())
    study.refresh_from_db()
    return study


@transaction.atomic
def create_reuse_study(form_data: Mapping[str, Any], firms: Any, created_by: User) -> ReuseStudy:
    """A new study with its firms (two tables, one transaction)."""
    study = ReuseStudy.objects.create(created_by=created_by, **form_data)
    study.firms.set(firms)
    return study


# --- END REUSE ---------------------------------------------------------------
