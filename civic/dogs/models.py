"""Records of dog management. The service points come first: clinic staff are bound to one."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ServicePoint(models.Model):
    """A licensed animal clinic acting as a dog-management service point (养犬管理便民服务点)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    town = models.ForeignKey("core.Region", verbose_name=_("town or street"), on_delete=models.PROTECT)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    licence_number = models.CharField(_("animal clinic licence number"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("service point")
        verbose_name_plural = _("service points")

    def __str__(self) -> str:
        return self.name
