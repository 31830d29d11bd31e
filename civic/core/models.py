"""Accounts with roles, and the county's regions with their boundaries."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractUser
from django.db import models
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
