"""The alarm workflow: assign, record the contact, close with an outcome; the precision the outcomes measure;
and new metering thresholds, previewed on the last analysed period before they are saved.

Customer alarms and DMA night-flow alarms follow the same steps. Each step is
one save inside a transaction, kept in the alarm's history (simple_history)
with who did it and a reason naming the step, so the alarm page can show
its timeline.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from typing import Any, TypeVar

import pandas as pd
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.core.models import User
from civic.water import notify
from civic.water.access import AlarmCustomer
from civic.water.actions.metering import metering_parameters_on
from civic.water.actions.network import wall_clock
from civic.water.meter_customers import CustomerRow
from civic.water.models import (
    AlarmStatus,
    CustomerAlarm,
    DmaNightFlowAlarm,
    MeterCustomer,
    MeteringParameters,
    MeteringRun,
    NetworkLeakAlarm,
    NightFlowOutcome,
)
from hydro.readings import alarm_outcomes
from hydro.readings import engine as readings_engine
from hydro.readings.alarm_outcomes import JudgedAlarm, Precision, ThresholdEffect
from hydro.readings.analysis import AnomalySettings, customer_findings_by_group
from hydro.readings.engine import execute, memory_table
from hydro.readings.night_flow import NightFlowSettings, night_flow, night_flow_alarms
from hydro.readings.periods import Period

Alarm = CustomerAlarm | DmaNightFlowAlarm | NetworkLeakAlarm
AlarmT = TypeVar("AlarmT", CustomerAlarm, DmaNightFlowAlarm, NetworkLeakAlarm)
FIELD_ALARMS = (DmaNightFlowAlarm, NetworkLeakAlarm)
"""Alarms of the network, closed with what the field crew found and the volume a repair recovered."""

ASSIGNED = "assigned"
CONTACTED = "contacted"
CLOSED = "closed"
REOPENED = "reopened"
"""The steps of the workflow, kept as the history's change reason."""


class AlarmWorkflowError(ValueError):
    """A step that does not fit the alarm's state; the message says why."""


def _save_step(alarm: Alarm, step: str, user: User | None) -> None:
    alarm._history_user = user  # type: ignore[union-attr]
    alarm._change_reason = step  # type: ignore[union-attr]
    alarm.save()


def _refuse_closed(alarm: Alarm) -> None:
    if alarm.status == AlarmStatus.CLOSED:
        raise AlarmWorkflowError(_("This alarm is closed; reopen it first."))


@transaction.atomic
def assign_alarm(alarm: AlarmT, assignee: User, by: User | None, tell: bool = True) -> AlarmT:
    """Give an open alarm to a member of staff to follow up; `tell` them (unless they took it themselves)."""
    alarm = type(alarm).objects.select_for_update().get(pk=alarm.pk)
    _refuse_closed(alarm)
    alarm.assignee = assignee
    if alarm.status == AlarmStatus.NEW:
        alarm.status = AlarmStatus.ASSIGNED
    _save_step(alarm, ASSIGNED, by)
    if tell:
        notify.alarm_assigned(alarm, by)
    return alarm


@dataclasses.dataclass(frozen=True)
class Assignment:
    """What giving several alarms to one person did."""

    assigned: int
    already_theirs: int
    closed: int


@transaction.atomic
def assign_alarms(alarms: QuerySet[AlarmT], assignee: User, by: User | None) -> Assignment:
    """Give each open alarm of `alarms` to `assignee`, all in one transaction, and tell them once of the lot.

    Closed alarms are left as they are, and alarms already theirs are not
    given again (their history would record a step that changed nothing);
    both are counted.
    """
    assigned, already_theirs, closed = [], 0, 0
    for alarm in alarms.select_for_update().order_by("pk"):
        if alarm.status == AlarmStatus.CLOSED:
            closed += 1
        elif alarm.assignee_id == assignee.pk:
            already_theirs += 1
        else:
            assigned.append(assign_alarm(alarm, assignee, by, tell=False))
    notify.alarms_assigned(assigned, assignee, by)
    return Assignment(len(assigned), already_theirs, closed)


@transaction.atomic
def record_contact(
    alarm: AlarmT,
    note: str,
    by: User | None,
    when: datetime.datetime | None = None,
    customer: AlarmCustomer | None = None,
) -> AlarmT:
    """Record the call or visit to the customer (or the field check of a DMA) and what was said.

    On a customer alarm, `customer` (the meter's customer as the register or
    the customer file names them now) is kept with it: the file is replaced
    when the utility exports it again, and a closed alarm must still say whom
    staff spoke to. A customer from the register keeps its water user, so
    that only those who see the register see them
    (`civic.water.access.contacted_customers`).
    """
    alarm = type(alarm).objects.select_for_update().get(pk=alarm.pk)
    _refuse_closed(alarm)
    if not note.strip():
        raise AlarmWorkflowError(_("Say what was said or seen."))
    alarm.contacted_at = when or timezone.now()
    alarm.contact_note = note.strip()
    if isinstance(alarm, CustomerAlarm):
        alarm.contacted_customer = customer.described() if customer else ""
        alarm.contacted_water_user = customer.water_user if customer else None
    if alarm.assignee is None:
        alarm.assignee = by
    alarm.status = AlarmStatus.CONTACTED
    _save_step(alarm, CONTACTED, by)
    return alarm


@transaction.atomic
def close_alarm(
    alarm: AlarmT, outcome: str, note: str, by: User | None, volume_recovered_m3: float | None = None
) -> AlarmT:
    """Close an alarm with what was found; a network leak repaired (night-flow or located) needs the volume recovered [m³]."""
    alarm = type(alarm).objects.select_for_update().get(pk=alarm.pk)
    _refuse_closed(alarm)
    choices = {value for value, _label in type(alarm)._meta.get_field("outcome").choices or []}
    if outcome not in choices:
        raise AlarmWorkflowError(_("Choose one of the outcomes listed."))
    if isinstance(alarm, FIELD_ALARMS):
        if outcome == NightFlowOutcome.LEAK_REPAIRED and volume_recovered_m3 is None:
            raise AlarmWorkflowError(_("Give the volume the repair recovered (m³)."))
        if volume_recovered_m3 is not None and volume_recovered_m3 < 0:
            raise AlarmWorkflowError(_("The volume recovered cannot be negative."))
        alarm.volume_recovered_m3 = volume_recovered_m3 if outcome == NightFlowOutcome.LEAK_REPAIRED else None
    alarm.outcome = outcome
    alarm.outcome_note = note.strip()
    alarm.status = AlarmStatus.CLOSED
    alarm.closed_at = timezone.now()
    alarm.closed_by = by
    _save_step(alarm, CLOSED, by)
    return alarm


@transaction.atomic
def reopen_alarm(alarm: AlarmT, by: User | None) -> AlarmT:
    """Reopen a closed alarm (its outcome no longer counts); the closing stays in its history."""
    alarm = type(alarm).objects.select_for_update().get(pk=alarm.pk)
    if alarm.status != AlarmStatus.CLOSED:
        raise AlarmWorkflowError(_("Only a closed alarm can be reopened."))
    alarm.status = AlarmStatus.CONTACTED if alarm.contacted_at else AlarmStatus.ASSIGNED
    if alarm.assignee is None:
        alarm.status = AlarmStatus.NEW
    alarm.outcome = ""
    alarm.closed_at = None
    alarm.closed_by = None
    if isinstance(alarm, FIELD_ALARMS):
        alarm.volume_recovered_m3 = None
    _save_step(alarm, REOPENED, by)
    return alarm


# --- measured precision ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AlarmPrecision:
    """Precision per kind, per DMA and per network model of the closed alarms, and the alarms still open per kind.

    Network leak alarms are located on a version of the network model, not in a
    DMA: they are counted per network model (as "县城供水管网（Net3） v1").
    """

    by_kind: dict[str, Precision]
    by_dma: dict[str, Precision]
    by_network_model: dict[str, Precision]
    overall: Precision
    open_by_kind: dict[str, int]
    volume_recovered_m3: float
    network_volume_recovered_m3: float


def _judged_rows() -> list[tuple[str, str, str]]:
    """(DMA, kind, outcome) of every closed alarm, customer and night-flow."""
    closed = {"status": AlarmStatus.CLOSED}
    customer = CustomerAlarm.objects.filter(**closed).exclude(outcome="")
    night = DmaNightFlowAlarm.objects.filter(**closed).exclude(outcome="")
    return [
        *((dma or "", kind, outcome) for dma, kind, outcome in customer.values_list("dma_code", "kind", "outcome")),
        *((dma, alarm_outcomes.NIGHT_FLOW, outcome) for dma, outcome in night.values_list("dma_code", "outcome")),
    ]


def _judged_network_rows() -> list[tuple[str, str, str]]:
    """(network model, kind, outcome) of every closed network leak alarm, the model named as its page names it."""
    closed = NetworkLeakAlarm.objects.filter(status=AlarmStatus.CLOSED).exclude(outcome="")
    fields = ("analysis__network_model__name", "analysis__network_model__version", "outcome")
    return [
        (f"{name} v{version}", alarm_outcomes.NETWORK_LEAK, outcome)
        for name, version, outcome in closed.values_list(*fields)
    ]


def _recovered_m3(alarms: Any) -> float:
    volumes = alarms.filter(status=AlarmStatus.CLOSED).values_list("volume_recovered_m3", flat=True)
    return sum(volume for volume in volumes if volume is not None)


def alarm_precision() -> AlarmPrecision:
    """The precision the recorded outcomes measure (hydro.readings.alarm_outcomes says which outcome is true per kind)."""
    rows, network_rows = _judged_rows(), _judged_network_rows()
    every_row = [*rows, *network_rows]
    open_counts = Counter(CustomerAlarm.objects.exclude(status=AlarmStatus.CLOSED).values_list("kind", flat=True))
    open_counts[alarm_outcomes.NIGHT_FLOW] = DmaNightFlowAlarm.objects.exclude(status=AlarmStatus.CLOSED).count()
    open_counts[alarm_outcomes.NETWORK_LEAK] = NetworkLeakAlarm.objects.exclude(status=AlarmStatus.CLOSED).count()
    return AlarmPrecision(
        by_kind=alarm_outcomes.precision_by((kind, kind, outcome) for _group, kind, outcome in every_row),
        by_dma=alarm_outcomes.precision_by(rows),
        by_network_model=alarm_outcomes.precision_by(network_rows),
        overall=alarm_outcomes.precision_of((kind, outcome) for _group, kind, outcome in every_row),
        open_by_kind={kind: count for kind, count in open_counts.items() if count},
        volume_recovered_m3=_recovered_m3(DmaNightFlowAlarm.objects),
        network_volume_recovered_m3=_recovered_m3(NetworkLeakAlarm.objects),
    )


# --- thresholds tuned from the outcomes --------------------------------------------------------------------

PARAMETER_FIELDS = (
    "night_window_start_hour",
    "night_window_end_hour",
    "night_use_l_per_h_per_connection",
    "baseline_nights",
    "continuous_flow_hours",
    "stuck_hours",
    "gap_hours",
    "stuck_balance_share",
    "stuck_balance_sigmas",
    "stuck_balance_days",
    "burst_hours",
    "burst_usual_peak_factor",
    "burst_short_hours",
    "burst_short_usual_peak_factor",
    "burst_habit_share",
    "burst_habit_days",
    "gap_lost_readings",
    "shared_gap_meters",
    "episode_merge_hours",
    "night_flow_allowance_sigma",
    "night_flow_threshold_sigma",
)


@dataclasses.dataclass(frozen=True)
class ThresholdPreview:
    """The alarms a run's period gives now and with proposed thresholds, and their effect on the judged: the
    customer alarms, and apart from them the DMAs' night-flow alarms."""

    run: MeteringRun
    current_by_kind: dict[str, int]
    proposed_by_kind: dict[str, int]
    effect: ThresholdEffect
    judged: int
    night_flow: NightFlowPreview


@dataclasses.dataclass(frozen=True)
class NightFlowPreview:
    """The DMA night-flow alarms of a run's period now and with proposed thresholds, and their effect on the
    judged ones."""

    current: int
    proposed: int
    effect: ThresholdEffect
    judged: int


def anomaly_settings_from(values: dict[str, Any]) -> AnomalySettings:
    """hydro's anomaly settings with the proposed persistence, stuck, gap and burst hours, the bursts' usual-peak
    factors and habit, the readings a gap loses and the meters that make an outage, and the DMA balance's test of
    a run of zeros that ended (hydro's defaults for what is not proposed)."""
    defaults = AnomalySettings()
    return AnomalySettings(
        continuous_flow_hours=values["continuous_flow_hours"],
        stuck_hours=values["stuck_hours"],
        gap_hours=values["gap_hours"],
        stuck_balance_share=values.get("stuck_balance_share", defaults.stuck_balance_share),
        stuck_balance_sigmas=values.get("stuck_balance_sigmas", defaults.stuck_balance_sigmas),
        stuck_balance_days=values.get("stuck_balance_days", defaults.stuck_balance_days),
        burst_hours=values.get("burst_hours", defaults.burst_hours),
        burst_usual_peak_factor=values.get("burst_usual_peak_factor", defaults.burst_usual_peak_factor),
        burst_short_hours=values.get("burst_short_hours", defaults.burst_short_hours),
        burst_short_usual_peak_factor=values.get(
            "burst_short_usual_peak_factor", defaults.burst_short_usual_peak_factor
        ),
        burst_habit_share=values.get("burst_habit_share", defaults.burst_habit_share),
        burst_habit_days=values.get("burst_habit_days", defaults.burst_habit_days),
        gap_lost_readings=values.get("gap_lost_readings", defaults.gap_lost_readings),
        shared_gap_meters=values.get("shared_gap_meters", defaults.shared_gap_meters),
        merge_hours=values.get("episode_merge_hours", defaults.merge_hours),
    )


def night_flow_settings_from(values: dict[str, Any]) -> NightFlowSettings:
    """hydro's night-flow settings with the proposed window, allowance, baseline and CUSUM (hydro's defaults for
    what is not proposed)."""
    defaults = NightFlowSettings()
    return NightFlowSettings(
        window_start_hour=values.get("night_window_start_hour", defaults.window_start_hour),
        window_end_hour=values.get("night_window_end_hour", defaults.window_end_hour),
        night_use_l_per_h_per_connection=values.get(
            "night_use_l_per_h_per_connection", defaults.night_use_l_per_h_per_connection
        ),
        baseline_nights=values.get("baseline_nights", defaults.baseline_nights),
        cusum_allowance_sigma=values.get("night_flow_allowance_sigma", defaults.cusum_allowance_sigma),
        cusum_threshold_sigma=values.get("night_flow_threshold_sigma", defaults.cusum_threshold_sigma),
    )


def _run_period(run: MeteringRun) -> Period:
    end = run.period_end + datetime.timedelta(days=1)
    return Period(
        datetime.datetime.combine(run.period_start, datetime.time()), datetime.datetime.combine(end, datetime.time())
    )


def _customer_meters(connection: Any, run: MeteringRun) -> Any:
    """The run's customer meters as a table, or None (every meter in the store) for a run without zones."""
    meters = sorted({row[0] for row in run.zones if len(row) >= 3 and row[2] == "customer"})
    if not meters:
        return None
    return memory_table(connection, pd.DataFrame({"meter_id": meters}), "preview_meters")


def _zones(connection: Any, run: MeteringRun) -> Any:
    """The run's zones as a table (so runs of zeros are judged on the DMA balance, as the run judged them), or
    None for a run without zones."""
    rows = [tuple(row[:3]) for row in run.zones if len(row) >= 3]
    if not rows:
        return None
    return memory_table(connection, pd.DataFrame(rows, columns=["meter_id", "dma_id", "role"]), "preview_zones")


def preview_thresholds(
    run: MeteringRun,
    settings: AnomalySettings,
    night_settings: NightFlowSettings | None = None,
    engine: str | None = None,
) -> ThresholdPreview:
    """Re-run the customer-anomaly and night-flow analyses of a run's period with `settings` and
    `night_settings` (by default those in force for the period), and compare with the outcomes.

    Nothing is written. The judged alarms are the closed alarms of the same
    period (of any run over it that raised or continued them), matched to the new alarms by meter (or DMA),
    kind and overlapping time (`hydro.readings.alarm_outcomes.threshold_effect`).
    """
    period = _run_period(run)
    connection = readings_engine.connect(engine)
    readings = readings_engine.readings_table(connection, run.store, period.months())
    proposed = customer_findings_by_group(
        connection, readings, period, settings, _customer_meters(connection, run), zones=_zones(connection, run)
    ).anomalies
    judged = [
        JudgedAlarm(
            meter_id=alarm.meter_code,
            kind=alarm.kind,
            start=wall_clock(alarm.start),
            end=wall_clock(alarm.end),
            truth=alarm_outcomes.outcome_truth(alarm.kind, alarm.outcome),
        )
        for alarm in _judged_in_period(CustomerAlarm.objects.defer("use_series"), run)
    ]
    spans = [
        (row.meter_id, row.kind, row.start.to_pydatetime(), row.end.to_pydatetime())
        for row in proposed.itertuples(index=False)
    ]
    if night_settings is None:
        night_settings = metering_parameters_on(run.period_start)[0]
    return ThresholdPreview(
        run=run,
        current_by_kind=dict(Counter(run.found_customer_alarms().values_list("kind", flat=True))),
        proposed_by_kind=dict(Counter(proposed["kind"])) if not proposed.empty else {},
        effect=alarm_outcomes.threshold_effect(judged, spans),
        judged=len(judged),
        night_flow=_night_flow_preview(connection, readings, run, period, night_settings),
    )


def _night_flow_preview(
    connection: Any, readings: Any, run: MeteringRun, period: Period, settings: NightFlowSettings
) -> NightFlowPreview:
    """The night-flow alarms of the run's period with `settings` (none without zones), against the closed ones."""
    zones = _zones(connection, run)
    spans: list[tuple[str, str, Any, Any]] = []
    if zones is not None:
        rises = night_flow_alarms(execute(connection, night_flow(readings, zones, period, settings)), settings)
        spans = [
            (str(row.dma_id), alarm_outcomes.NIGHT_FLOW, _night_start(row.start), _night_start(row.detected))
            for row in rises.itertuples(index=False)
        ]
    judged = [
        JudgedAlarm(
            meter_id=alarm.dma_code,
            kind=alarm_outcomes.NIGHT_FLOW,
            start=_night_start(alarm.start),
            end=_night_start(max(alarm.detected, alarm.last_detected or alarm.detected)),
            truth=alarm_outcomes.outcome_truth(alarm_outcomes.NIGHT_FLOW, alarm.outcome),
        )
        for alarm in _judged_in_period(DmaNightFlowAlarm.objects.all(), run)
    ]
    return NightFlowPreview(
        current=run.found_night_flow_alarms().count(),
        proposed=len(spans),
        effect=alarm_outcomes.threshold_effect(judged, spans),
        judged=len(judged),
    )


def _judged_in_period(alarms: QuerySet[AlarmT], run: MeteringRun) -> QuerySet[AlarmT]:
    """The alarms closed with an outcome that a run over the same period raised or last continued."""
    same_period = Q(run__period_start=run.period_start, run__period_end=run.period_end)
    seen_in_it = Q(last_run__period_start=run.period_start, last_run__period_end=run.period_end)
    return alarms.filter(same_period | seen_in_it, status=AlarmStatus.CLOSED).exclude(outcome="")


def _night_start(night: Any) -> datetime.datetime:
    return datetime.datetime.combine(pd.Timestamp(night).date(), datetime.time())


def save_metering_parameters(values: dict[str, Any], user: User | None) -> MeteringParameters:
    """Keep proposed thresholds as a new dated row (the model's defaults for those not proposed); the rows before
    it stay as they were."""
    if MeteringParameters.objects.filter(effective_from=values["effective_from"]).exists():
        raise AlarmWorkflowError(_("Thresholds from this date exist already; choose a later date."))
    row = MeteringParameters(
        effective_from=values["effective_from"], **{name: values[name] for name in PARAMETER_FIELDS if name in values}
    )
    row._history_user = user  # type: ignore[attr-defined]
    with transaction.atomic():
        row.save()
    return row


@dataclasses.dataclass(frozen=True)
class CustomerImport:
    """What importing a customer file did."""

    added: int
    updated: int


@transaction.atomic
def import_meter_customers(rows: list[CustomerRow]) -> CustomerImport:
    """Store the customer file's rows, all or none: a meter already on file takes its new row."""
    on_file = set(MeterCustomer.objects.values_list("meter_code", flat=True))
    customers = [
        MeterCustomer(
            meter_code=row.meter_code, account=row.account, name=row.name, address=row.address, phone=row.phone
        )
        for row in rows
    ]
    MeterCustomer.objects.bulk_create(
        customers,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["meter_code"],
        update_fields=["account", "name", "address", "phone", "updated_at"],
    )
    updated = sum(row.meter_code in on_file for row in rows)
    return CustomerImport(added=len(rows) - updated, updated=updated)
