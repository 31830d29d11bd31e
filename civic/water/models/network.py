"""The county's supply-network model, analyses of its sensor data, and the leak alarms they raise.

An analyst uploads the network model (an EPANET `.inp` file, kept as a new
version each time), then a sensor list and a period of pressure, flow and
level data in the BattLeDIM layout; the analysis (detection and localisation,
`hydro.network.locate`) runs as a background job (`civic.core.models.Job`),
which alone holds the run's state, progress and failure; the analysis keeps
the data and the results. Its leaks are stored as alarms that staff follow up
like the DMA night-flow alarms (assign, field check, outcome, volume recovered).
Flows are in m³/h, lengths in m, times are the data's own clock (the county's).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.models import HistoricalRecords

from civic.core.models import Job, JobState
from civic.water.models.metering import TriagedAlarm
from hydro.readings import alarm_outcomes


class NetworkModel(models.Model):
    """One version of the county's hydraulic model of its supply network (an EPANET `.inp` file)."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    file_name = models.CharField(_("file name"), max_length=200)
    inp_text = models.TextField(_("EPANET input file"))
    junctions = models.PositiveIntegerField(_("junctions"))
    pipes = models.PositiveIntegerField(_("pipes"))
    total_length_m = models.FloatField(_("total pipe length (m)"))
    map_layers = models.JSONField(
        _("map layers"), default=dict, help_text=_("Node coordinates and links as the map draws them.")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("network model")
        verbose_name_plural = _("network models")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


NO_JOB = gettext_noop("This analysis has no job record: it never ran to its end. Run it again.")
"""Why an analysis without a job is shown as failed (the job is what runs it and what records its end)."""

LEFT_UNFINISHED = gettext_noop("The analysis was left unfinished, with no job to run it. Run it again.")
"""The reason of the failed job that migration 0016 gives an analysis it found queued or running without a job."""


class NetworkAnalysis(models.Model):
    """A run of leak detection and localisation on a period of sensor data, with its results.

    The uploaded data are kept (as checked CSV text in the BattLeDIM layout) so
    that a failed run can be retried. Where the run is (queued, running,
    succeeded, failed), how far it has come and why it failed are its `job`'s,
    and only its job's: the pages read them there. `details` holds what the
    page's charts need (night consumption against its reference, night
    pressure residuals, the model check of the windows); the leaks are
    `NetworkLeakAlarm` rows.
    """

    network_model = models.ForeignKey(
        NetworkModel, verbose_name=_("network model"), on_delete=models.PROTECT, related_name="analyses"
    )
    sensors = models.JSONField(_("sensor list"), default=dict, help_text=_('{"pressures": [node ids], …}'))
    pressures_csv = models.TextField(_("pressures (CSV)"))
    flows_csv = models.TextField(_("flows (CSV)"))
    levels_csv = models.TextField(_("tank levels (CSV)"))
    demands_csv = models.TextField(_("smart-meter demands (CSV)"), blank=True)
    data_start = models.DateTimeField(_("data from"))
    data_end = models.DateTimeField(_("data to"))
    training_days = models.PositiveSmallIntegerField(
        _("training days"),
        default=7,
        help_text=_("The first days of the data, taken as free of new leaks, that the models are fitted to."),
    )
    job = models.ForeignKey(
        Job,
        verbose_name=_("job"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The job that runs the analysis: its state, progress and failure are the analysis's."),
    )
    details = models.JSONField(_("charts"), default=dict, blank=True)
    simulated_leaks = models.JSONField(
        _("simulated leaks"), default=list, blank=True, help_text=_("The leaks a demonstration's data were made with.")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    DATA_FIELDS = ("pressures_csv", "flows_csv", "levels_csv", "demands_csv")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("network analysis")
        verbose_name_plural = _("network analyses")

    def __str__(self) -> str:
        return f"{self.network_model} {self.data_start:%Y-%m-%d} – {self.data_end:%Y-%m-%d}"

    @property
    def state(self) -> str:
        """The job's state (a `JobState`); an analysis without a job never ran to its end and counts as failed."""
        return self.job.state if self.job is not None else JobState.FAILED

    @property
    def state_label(self) -> str:
        return str(self.job.get_state_display()) if self.job is not None else str(JobState.FAILED.label)

    @property
    def succeeded(self) -> bool:
        """Whether the run finished and its results (alarms, charts) are stored."""
        return self.state == JobState.SUCCEEDED


class NetworkLeakOutcome(models.TextChoices):
    """What the field crew found at a network leak alarm's candidate area."""

    LEAK_REPAIRED = alarm_outcomes.LEAK_REPAIRED, _("Leak found and repaired")
    NO_LEAK_FOUND = alarm_outcomes.NO_LEAK_FOUND, _("No leak found")
    NO_ACCESS = alarm_outcomes.NO_ACCESS, _("No access")


class NetworkLeakAlarm(TriagedAlarm):
    """A leak detected in the network's sensor data and localised to a pipe, with its candidate area.

    `start_time` is when the alarm was raised (the leak is surely running by
    then); `estimated_start` is the change point the detection estimates, which
    may be earlier. `candidates` are the ranked pipes whose simulated leak best
    explains the pressure change ([[pipe id, similarity], …]); `candidate_area`
    the pipes within 300 m of the located pipe ([[pipe id, distance m], …]).
    """

    analysis = models.ForeignKey(
        NetworkAnalysis, verbose_name=_("network analysis"), on_delete=models.CASCADE, related_name="alarms"
    )
    pipe_id = models.CharField(_("pipe"), max_length=64, db_index=True)
    start_time = models.DateTimeField(_("reported at"))
    estimated_start = models.DateTimeField(_("estimated start"), null=True, blank=True)
    size_m3_per_h = models.FloatField(_("estimated size (m³/h)"))
    candidates = models.JSONField(_("ranked candidate pipes"), default=list)
    candidate_area = models.JSONField(_("candidate area"), default=list)
    pressure_residual_m = models.JSONField(_("pressure change at the sensors (m)"), default=dict)
    outcome = models.CharField(
        _("outcome"), max_length=24, blank=True, choices=NetworkLeakOutcome.choices, db_index=True
    )
    volume_recovered_m3 = models.FloatField(
        _("volume recovered (m³)"),
        null=True,
        blank=True,
        help_text=_("The water the repair saves, as the crew estimates it."),
    )
    history = HistoricalRecords(excluded_fields=["candidates", "candidate_area", "pressure_residual_m"])

    class Meta:
        ordering = ["-start_time", "pipe_id"]
        verbose_name = _("network leak alarm")
        verbose_name_plural = _("network leak alarms")

    def __str__(self) -> str:
        return f"{self.pipe_id} {self.start_time:%Y-%m-%d %H:%M}"

    @property
    def kind(self) -> str:
        """The alarm's kind among those whose measured precision is shown (hydro.readings.alarm_outcomes)."""
        return alarm_outcomes.NETWORK_LEAK
