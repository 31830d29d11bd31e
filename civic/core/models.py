"""Accounts with roles, the county's regions with their boundaries, and the long jobs users follow."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    """What a user's work is. The bureau administrator is the county's administrator, above both offices:
    the water-saving office (bureau staff) and the dog-management office (dog office staff).

    A new account has no role and opens no page until an administrator gives it one.
    """

    NONE = "none", _("No role")
    BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
    BUREAU_STAFF = "bureau_staff", _("Bureau staff")
    DOG_OFFICE_STAFF = "dog_office_staff", _("Dog office staff")
    ENTERPRISE_REPORTER = "enterprise_reporter", _("Enterprise reporter")
    NETWORK_ANALYST = "network_analyst", _("Network analyst")
    CLINIC_STAFF = "clinic_staff", _("Clinic staff")
    INSPECTOR = "inspector", _("Inspector")


BUREAU_ROLES = (Role.BUREAU_ADMIN, Role.BUREAU_STAFF)  # the water-saving office, with the county administrator
DOG_OFFICE_ROLES = (Role.BUREAU_ADMIN, Role.DOG_OFFICE_STAFF)  # the dog-management office, with the administrator
HAN_CHARACTER = re.compile(r"[\u3400-\u9fff]")


class User(AbstractUser):
    """A person who signs in; what they may see follows from `role` and their binding."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.NONE)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    def get_full_name(self) -> str:
        """A Chinese name is written family name first, without a space (王芳); any other as Django writes it."""
        if HAN_CHARACTER.search(self.first_name + self.last_name):
            return f"{self.last_name}{self.first_name}".strip()
        return super().get_full_name()

    @property
    def is_bureau(self) -> bool:
        """Whether the user works in the water-saving office (or is the county administrator)."""
        return self.is_superuser or self.role in BUREAU_ROLES

    @property
    def is_dog_office(self) -> bool:
        """Whether the user works in the dog-management office (or is the county administrator)."""
        return self.is_superuser or self.role in DOG_OFFICE_ROLES

    @property
    def has_no_role(self) -> bool:
        """A new account, given no role yet: it opens no page."""
        return self.role == Role.NONE and not self.is_superuser

    @property
    def is_enterprise_reporter(self) -> bool:
        return self.role == Role.ENTERPRISE_REPORTER and not self.is_superuser


class RegionLevel(models.TextChoices):
    COUNTY = "county", _("County or district")
    TOWN = "town", _("Town or street")
    DMA = "dma", _("District metered area")
    KEY_AREA = "key_area", _("Dog key management area")


class Region(models.Model):
    """A place in the county's tree: county → towns/streets → DMAs and key areas."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    area_m2 = models.FloatField(_("area (m²)"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["level", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Counter(models.Model):
    """The last number handed out in one sequence (e.g. the dog licences of 2024), advanced atomically.

    Numbers come from here rather than from "the highest number so far + 1",
    which two clerks saving at the same moment would both be given.
    """

    key = models.CharField(_("sequence"), max_length=100, unique=True)
    value = models.BigIntegerField(_("last number handed out"))

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.key}: {self.value}"


class RateCount(models.Model):
    """The calls counted under one key in the current window of a rate limit (civic.core.rates).

    Kept in the database, so that every server process counts against the same
    allowance, and advanced in one SQL statement, so that no call is lost.
    """

    key = models.CharField(_("counted calls"), max_length=200, unique=True)
    count = models.PositiveIntegerField(_("calls in the window"))
    window_ends = models.BigIntegerField(_("end of the window (seconds since 1970)"), db_index=True)

    class Meta:
        verbose_name = _("rate count")
        verbose_name_plural = _("rate counts")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class DemoDatabase(models.Model):
    """The mark `manage.py load_demo` leaves in a database it loaded: only such a database may be emptied by it.

    A county's own database never holds this row, so `load_demo --reset` and
    `make clean` refuse to run on it.
    """

    loaded_at = models.DateTimeField(_("loaded at"))
    seed = models.BigIntegerField(_("seed"))
    scale = models.PositiveIntegerField(_("scale"))

    class Meta:
        verbose_name = _("demo database mark")
        verbose_name_plural = _("demo database marks")

    def __str__(self) -> str:
        return f"demo county, seed {self.seed}, scale {self.scale}, loaded {self.loaded_at:%Y-%m-%d %H:%M}"


class JobKind(models.TextChoices):
    """The long jobs Civic runs on its job queue (civic/core/jobs.py), each named on the pages that follow it."""

    QUEUE_CHECK = "queue_check", _("Queue check")
    REUSE_STUDY = "reuse_study", _("Solving a reuse study")
    READINGS_IMPORT = "readings_import", _("Readings import")
    READINGS_ANALYSIS = "readings_analysis", _("Smart-meter analysis")
    PLAN_NOTICES = "plan_notices", _("Plan notices (PDF)")
    RENEWAL_REMINDERS = "renewal_reminders", _("Licence renewal reminders")
    SURCHARGE_RUN = "surcharge_run", _("Surcharge billing run")
    NOTICES = "notices", _("Sending notices")
    NETWORK_ANALYSIS = "network_analysis", _("Network leak analysis")


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """One long job as its users follow it: what it is, who started it, where it is, how it ended.

    The job queue (django-tasks' database backend) holds the work to be done;
    this record is what the pages show. `body` is the dotted path of the
    function the worker calls with the job and its `arguments`; `subject` is
    the record the job works on (a reuse study, an import batch), if any.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=JobKind.choices)
    body = models.CharField(_("function"), max_length=200, editable=False)
    arguments = models.JSONField(_("arguments"), default=dict, blank=True, editable=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    subject_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("subject type"), on_delete=models.PROTECT, null=True, blank=True
    )
    subject_id = models.PositiveBigIntegerField(_("subject"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    progress_done = models.PositiveIntegerField(_("steps done"), default=0)
    progress_total = models.PositiveIntegerField(_("steps in all"), default=0)
    progress_message = models.CharField(_("progress message"), max_length=200, blank=True)
    progress_parameters = models.JSONField(_("progress message parameters"), default=dict, blank=True)
    error = models.TextField(_("why it failed"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=3)
    result = models.JSONField(_("result"), default=dict, blank=True)
    task_result_id = models.CharField(_("queue entry"), max_length=64, blank=True, db_index=True)
    worker_host = models.CharField(_("worker host"), max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(_("worker process"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heard from"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state"], name="core_job_state_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="core_job_subject_idx"),
        ]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING)

    @property
    def fraction(self) -> float:
        """The share done, 0 to 1 (1 once the job succeeded)."""
        if self.state == JobState.SUCCEEDED:
            return 1.0
        if not self.progress_total:
            return 0.0
        return min(1.0, self.progress_done / self.progress_total)

    @property
    def message_text(self) -> str:
        """The progress message in the active language (its msgid is stored with its parameters)."""
        if not self.progress_message:
            return ""
        return gettext(self.progress_message) % self.progress_parameters

    @property
    def error_text(self) -> str:
        """Why the job failed, in the active language where Civic wrote the reason (a raised error's text as is)."""
        return gettext(self.error) if self.error else ""


class ScheduledRun(models.Model):
    """One occurrence of a scheduled job (civic/schedule.py) that a worker queued: at most one per entry and time."""

    entry = models.CharField(_("schedule entry"), max_length=64)
    due_at = models.DateTimeField(_("due at"))
    job = models.ForeignKey(Job, verbose_name=_("job"), on_delete=models.SET_NULL, null=True, related_name="+")
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)

    class Meta:
        ordering = ["-due_at", "entry"]
        constraints = [models.UniqueConstraint(fields=["entry", "due_at"], name="core_scheduled_run_once")]
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")

    def __str__(self) -> str:
        return f"{self.entry} @ {self.due_at:%Y-%m-%d %H:%M}"


class QueueCheckStep(models.Model):
    """A row written by a queue check (a job that writes a few rows in one transaction, to try the worker)."""

    job = models.ForeignKey(Job, verbose_name=_("job"), on_delete=models.CASCADE, related_name="check_steps")
    step = models.PositiveSmallIntegerField(_("step"))
    attempt = models.PositiveSmallIntegerField(_("attempt"))

    class Meta:
        ordering = ["job", "step"]
        constraints = [models.UniqueConstraint(fields=["job", "step"], name="core_queue_check_step_once")]
        verbose_name = _("queue check step")
        verbose_name_plural = _("queue check steps")

    def __str__(self) -> str:
        return f"job {self.job_id} step {self.step}"
