"""Forms of water quotas: the filter and the quota workbook."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from civic.core import intake as intake_messages
from civic.water import quotas
from civic.water.models import (
    Industry,
    WaterQuota,
)


class QuotaFilterForm(django_forms.Form):
    """Search and filters of the quota table."""

    q = django_forms.CharField(label=_("Search"), required=False, max_length=100)
    industry = django_forms.ModelChoiceField(
        label=_("Industry"),
        required=False,
        empty_label=_("All industries"),
        queryset=Industry.objects.filter(quotas__isnull=False).distinct(),
    )
    in_force_on = django_forms.DateField(
        label=_("In force on"), required=False, widget=django_forms.DateInput(attrs={"type": "date"})
    )

    def filtered(self, quotas: QuerySet[WaterQuota]) -> QuerySet[WaterQuota]:
        """`quotas` narrowed by the valid filters (an invalid form leaves them unfiltered)."""
        quotas = quotas.select_related("industry")
        if not self.is_bound or not self.is_valid():
            return quotas
        data = self.cleaned_data
        if words := data["q"].strip():
            quotas = quotas.filter(
                Q(industry__code__icontains=words) | Q(industry__name__icontains=words) | Q(product__icontains=words)
            )
        if data["industry"]:
            quotas = quotas.filter(industry=data["industry"])
        if day := data["in_force_on"]:
            quotas = quotas.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day), effective_from__lte=day)
        return quotas


class QuotaFileForm(django_forms.Form):
    """A quota table to import: an Excel workbook in the layout of the export."""

    file = django_forms.FileField(
        label=_("Quota workbook"),
        help_text=_("Excel .xlsx with one row per industry and product, in the layout of the exported table."),
    )

    def clean_file(self) -> Any:
        wrong_kind = _("%(name)s is not an .xlsx file. Save the table as Excel workbook (.xlsx).")
        return intake_messages.checked_upload(self.cleaned_data["file"], (".xlsx",), wrong_kind, quotas.LIMITS)
