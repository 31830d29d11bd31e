"""Network analyses: keep a new version of the network model, queue an analysis of sensor data, run it.

`run_network_analysis(analysis_id, progress)` is the job's work: it reads the
analysis's stored model and data, detects and localises leaks
(`hydro.network.locate.locate_leaks`), and stores the alarms with their
candidate areas in one transaction. The analysis's job (`civic.core.models.Job`,
run by `civic.water.jobs.network_analysis`) is the one record of where a run
is: its progress goes to `progress(fraction, message, parameters)`, which the
job body writes on the job; a failure is the job's, with its reason, and the
analysis can be queued again (`retry_network_analysis`).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civic.core import jobs
from civic.core.models import Job, JobKind, User
from civic.water import network_files
from civic.water.models import NetworkAnalysis, NetworkLeakAlarm, NetworkModel
from hydro.network.area import candidate_area
from hydro.network.demo import map_layers
from hydro.network.inp_check import NetworkFileError
from hydro.network.locate import LocateResult, locate_leaks, result_details, split_training
from hydro.network.sensors import SensorDataError, SensorLayout
from hydro.readings.readings_file import COUNTY_TIME_ZONE

Progress = Callable[[float, str, dict[str, Any]], object]
"""A run's progress: the fraction done (0 to 1), what it is doing (an English msgid) and the msgid's parameters."""

READING = gettext_noop("Reading the network model and the sensor data.")
SWEEPING = gettext_noop("Leak sweep over the pipes.")
SWEPT = gettext_noop("Leak sweep: %(done)s of %(total)s pipes.")
STORING = gettext_noop("Storing the alarms.")

SWEEP_SHARES = ((0.1, 0.6), (0.6, 0.85))
"""The parts of the progress bar the sweeps of a leak over every pipe fill (most of a run's time): the
windows' sweep, then the night watch's when the windows' models fail their check."""


class NetworkAnalysisError(ValueError):
    """An analysis that cannot be queued or retried in its state; the message says why."""


def _aware(moment: pd.Timestamp | datetime.datetime) -> datetime.datetime:
    """A time of the data (the county's wall clock) as an aware datetime."""
    value = moment.to_pydatetime() if isinstance(moment, pd.Timestamp) else moment
    return timezone.make_aware(value, zoneinfo.ZoneInfo(COUNTY_TIME_ZONE))


def wall_clock(moment: datetime.datetime) -> datetime.datetime:
    """A stored time back on the data's clock (naive, the county's time), as the data files write it."""
    return timezone.localtime(moment, zoneinfo.ZoneInfo(COUNTY_TIME_ZONE)).replace(tzinfo=None)


@transaction.atomic
def save_network_model(checked: network_files.CheckedModel, name: str, file_name: str, by: User | None) -> NetworkModel:
    """Keep a checked `.inp` file as the next version of the county's network model."""
    last = NetworkModel.objects.select_for_update().order_by("-version").first()
    layers = map_layers(checked.network, SensorLayout())
    layers.pop("sensors", None)
    return NetworkModel.objects.create(
        version=(last.version + 1) if last else 1,
        name=name.strip() or file_name,
        file_name=file_name,
        inp_text=checked.text,
        junctions=checked.junctions,
        pipes=checked.pipes,
        total_length_m=round(checked.total_length_m, 1),
        map_layers=layers,
        uploaded_by=by,
    )


def record_network_analysis(
    model: NetworkModel,
    layout: SensorLayout,
    data: network_files.CheckedData,
    by: User | None,
    training_days: int = 7,
    simulated_leaks: Sequence[dict[str, Any]] = (),
) -> NetworkAnalysis:
    """Store checked sensor data as a new analysis of `model`, not yet run."""
    _check_training_days(data, training_days)
    return NetworkAnalysis.objects.create(
        network_model=model,
        sensors={kind: layout.of_kind(kind) for kind in ("pressures", "flows", "levels", "demands")},
        pressures_csv=data.tables["pressures"],
        flows_csv=data.tables["flows"],
        levels_csv=data.tables["levels"],
        demands_csv=data.tables.get("demands", ""),
        data_start=_aware(data.start),
        data_end=_aware(data.end),
        training_days=training_days,
        simulated_leaks=list(simulated_leaks),
        created_by=by,
    )


def queue_network_analysis(
    model: NetworkModel,
    layout: SensorLayout,
    data: network_files.CheckedData,
    by: User | None,
    training_days: int = 7,
) -> NetworkAnalysis:
    """Store checked sensor data as a new analysis of `model` and queue its run (`civic.water.jobs.network_analysis`).

    The analysis and its job are written in one transaction: no analysis is ever seen without its job.
    """
    with transaction.atomic():
        analysis = record_network_analysis(model, layout, data, by, training_days)
        start_network_analysis(analysis, by)
    analysis.refresh_from_db()
    return analysis


def _check_training_days(data: network_files.CheckedData, training_days: int) -> None:
    days = (data.end - data.start).total_seconds() / 86400
    if training_days < 2 or days <= training_days + 1:
        message = _(
            "The data cover %(days).1f days: they must cover the %(training)s training days and at least one more."
        )
        raise network_files.NetworkUploadError([message % {"days": days, "training": training_days}])


def start_network_analysis(analysis: NetworkAnalysis, by: User | None = None) -> Job:
    """Queue the run of a recorded analysis on the job queue (civic/core/jobs.py) and link the job to it.

    A worker that dies mid-run has the job run again while it has attempts left.
    """
    from civic.water.jobs import network_analysis

    with transaction.atomic():
        job, _queued = jobs.enqueue(
            JobKind.NETWORK_ANALYSIS,
            network_analysis,
            started_by=by,
            subject=analysis,
            arguments={"analysis_id": analysis.pk},
            one_at_a_time=True,
        )
        NetworkAnalysis.objects.filter(pk=analysis.pk).update(job=job)
    analysis.job = job
    return job


def retry_network_analysis(analysis: NetworkAnalysis, by: User | None) -> NetworkAnalysis:
    """Queue a failed analysis again, on the same stored data: its job again, or a new job if it has none."""
    if analysis.job is not None:
        if not jobs.retry(analysis.job):
            raise NetworkAnalysisError(_("Only a failed analysis can be run again."))
    else:
        start_network_analysis(analysis, by)
    analysis.refresh_from_db()
    return analysis


# --- the job -------------------------------------------------------------------------------------------------


def _sweep_progress(report: Progress, pipes: int) -> Callable[[int], None]:
    """The sweeps report pipes done by chunks; a second sweep (the night watch's) fills the next part of the bar."""
    done = 0
    pipes = max(pipes, 1)

    def advance(count: int) -> None:
        nonlocal done
        done += count
        sweep = min((done - 1) // pipes, len(SWEEP_SHARES) - 1)
        swept = min(done - sweep * pipes, pipes)
        first, last = SWEEP_SHARES[sweep]
        report(first + (last - first) * swept / pipes, SWEPT, {"done": swept, "total": pipes})

    return advance


def run_network_analysis(analysis_id: int, progress: Progress | None = None) -> NetworkAnalysis:
    """Detect and localise leaks in an analysis's data and store them; see the module notes.

    The hydraulic work runs outside any transaction; the alarms and the charts
    are written in one transaction at the end, so a page never shows half a
    run. Data the model cannot take (a sensor on no node, a bad file) raise a
    `ValidationError` whose message is the job's reason of failure.
    """
    report = progress or _no_report
    analysis = NetworkAnalysis.objects.select_related("network_model").get(pk=analysis_id)
    try:
        report(0.02, READING, {})
        network = network_files.load_model_text(analysis.network_model.inp_text)
        tables = {field.removesuffix("_csv"): getattr(analysis, field) for field in NetworkAnalysis.DATA_FIELDS}
        data = network_files.stored_sensor_data(tables, network)
        training, watched = split_training(data, analysis.training_days)
    except (SensorDataError, NetworkFileError) as error:
        raise ValidationError(str(error)) from error
    report(SWEEP_SHARES[0][0], SWEEPING, {})
    result = locate_leaks(
        network, watched, training, workers=1, progress=_sweep_progress(report, len(network.pipe_name_list))
    )
    report(0.9, STORING, {})
    alarms = _alarms(analysis, network, result)
    details = result_details(result)
    details.pop("leaks", None)
    with transaction.atomic():
        NetworkLeakAlarm.objects.filter(analysis_id=analysis_id).delete()
        NetworkLeakAlarm.objects.bulk_create(alarms)
        NetworkAnalysis.objects.filter(pk=analysis_id).update(details=details)
    analysis.refresh_from_db()
    return analysis


def _no_report(fraction: float, message: str, parameters: dict[str, Any]) -> None:
    """Progress nobody follows (a run outside the job queue)."""


def _alarms(analysis: NetworkAnalysis, network: Any, result: LocateResult) -> list[NetworkLeakAlarm]:
    alarms = []
    for leak in result.leaks:
        estimated = getattr(leak, "estimated_start", None)
        alarms.append(
            NetworkLeakAlarm(
                analysis=analysis,
                pipe_id=leak.pipe_id,
                start_time=_aware(leak.start_time),
                estimated_start=None if estimated is None or pd.isna(estimated) else _aware(estimated),
                size_m3_per_h=leak.consumption_rise_m3h,
                candidates=[[candidate.pipe_id, candidate.similarity] for candidate in leak.candidates],
                candidate_area=[[pipe.pipe_id, pipe.distance_m] for pipe in candidate_area(network, leak.pipe_id)],
                pressure_residual_m=leak.pressure_residual_m,
            )
        )
    return alarms
