"""Pages of the water-use quota table: the list, the Excel import and export."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.core import intake as intake_messages
from civic.core.permissions import BUREAU, role_required, signed_in_user
from civic.water import actions, forms, quotas
from civic.water.models import (
    WaterQuota,
)
from civic.water.spreadsheets import XLSX_CONTENT_TYPE
from hydro import intake

QUOTA_PAGE_SIZE = 50


@role_required(*BUREAU)
def quota_list(request: HttpRequest) -> HttpResponse:
    """The quota table (用水定额), with search, filters and paging."""
    filters = forms.QuotaFilterForm(request.GET or None)
    page = Paginator(filters.filtered(WaterQuota.objects.all()), QUOTA_PAGE_SIZE).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    context = {"filters": filters, "page": page, "query": query_without_page.urlencode()}
    return render(request, "water/quota_list.html", context)


@role_required(*BUREAU)
def import_quotas(request: HttpRequest) -> HttpResponse:
    """Upload a quota workbook: stored whole if every row passes, else refused with a report of each bad cell."""
    form = forms.QuotaFileForm(request.POST or None, request.FILES or None)
    errors: list[intake_messages.ReportLine] = []
    if request.method == "POST" and form.is_valid():
        try:
            outcome = actions.import_quota_workbook(form.cleaned_data["file"], by_user=signed_in_user(request))
        except intake.TableError as error:
            form.add_error("file", intake_messages.describe({"code": error.code, "details": error.details}))
        else:
            if not outcome.errors:
                messages.success(request, _quota_import_message(outcome))
                return redirect("water:quota_list")
            errors = outcome.errors
    context = {"form": form, "errors": errors, "bad_row_count": len({error.row for error in errors if error.row})}
    return render(request, "water/quota_import.html", context)


def _quota_import_message(outcome: actions.QuotaImportOutcome) -> str:
    summary = cast(actions.QuotaSaveSummary, outcome.summary)
    return _("Quota table imported: %(created)d added, %(updated)d changed, %(unchanged)d unchanged.") % {
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
    }


@role_required(*BUREAU)
def export_quotas(request: HttpRequest) -> HttpResponse:
    """The quotas under the list's filters as an .xlsx in the layout the import reads."""
    filters = forms.QuotaFilterForm(request.GET or None)
    content = quotas.write_quota_workbook(filters.filtered(WaterQuota.objects.all()))
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="water-quotas-{timezone.localdate().isoformat()}.xlsx"'
    return response
