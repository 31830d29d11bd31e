"""Pages of readings imports: the upload and each import's report."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.core.permissions import BUREAU, role_required, signed_in_user
from civic.water import actions, forms, readings_files, readings_reasons
from civic.water import jobs as water_jobs
from civic.water.models import (
    ReadingImportBatch,
)
from civic.water.spreadsheets import XLSX_CONTENT_TYPE
from hydro import intake

IMPORT_PAGE_SIZE = 50
IMPORT_ERROR_PAGE_SIZE = 50
READINGS_TEMPLATE_FILES = {
    "csv": (readings_files.template_csv, "text/csv; charset=utf-8"),
    "xlsx": (readings_files.template_xlsx, XLSX_CONTENT_TYPE),
}


@role_required(*BUREAU)
def import_readings(request: HttpRequest) -> HttpResponse:
    """Upload a readings file (POST → its report); the list of recent imports; `?template=csv|xlsx` downloads one."""
    template_format = request.GET.get("template", "")
    if template_format in READINGS_TEMPLATE_FILES:
        return _readings_template(template_format)
    form = forms.ReadingsFileForm()
    if request.method == "POST":
        form = forms.ReadingsFileForm(request.POST, request.FILES)
        if form.is_valid():
            return _import_uploaded_readings(request, form.cleaned_data["file"])
    search = forms.ImportSearchForm(request.GET)
    imports = ReadingImportBatch.objects.select_related("imported_by")
    if search.is_valid() and search.cleaned_data["q"]:
        imports = imports.filter(file_name__icontains=search.cleaned_data["q"])
    page = Paginator(imports, IMPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({"q": search.cleaned_data["q"]}) if search.is_valid() and search.cleaned_data["q"] else ""
    context = {"form": form, "search": search, "page": page, "query": query, "limits": _limits()}
    return render(request, "water/readings_import.html", context)


def _limits() -> dict[str, str]:
    """The documented limits of a readings file, as the page states them."""
    limits = readings_files.LIMITS
    return {
        "rows": f"{limits.max_rows:,}",
        "size": intake.megabytes(limits.max_bytes),
        "errors": f"{limits.max_errors:,}",
    }


def _import_uploaded_readings(request: HttpRequest, uploaded: Any) -> HttpResponse:
    if uploaded.size > settings.CIVIC_READINGS_QUEUE_BYTES:
        job = water_jobs.queue_readings_import(uploaded, signed_in_user(request))
        messages.info(request, _("A large file: a worker imports it; this page follows the import."))
        return redirect("job_detail", job_id=job.pk)
    started_at = timezone.now()
    batch = actions.import_readings_file(uploaded.name, uploaded, signed_in_user(request))
    if batch.imported_at < started_at:
        messages.info(request, _("This file was imported before; nothing new was stored."))
    return redirect("water:import_batch_detail", batch_id=batch.pk)


def _readings_template(template_format: str) -> HttpResponse:
    make_file, content_type = READINGS_TEMPLATE_FILES[template_format]
    response = HttpResponse(make_file(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="readings-template.{template_format}"'
    return response


@role_required(*BUREAU)
def import_batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The report of one import: what was stored, or every bad row and why."""
    batch = get_object_or_404(ReadingImportBatch.objects.select_related("imported_by"), pk=batch_id)
    errors_page = Paginator(batch.errors, IMPORT_ERROR_PAGE_SIZE).get_page(request.GET.get("page"))
    error_rows = [
        {
            "row": error.get("row"),
            "column": readings_reasons.column_label(error.get("column", "")),
            "value": error.get("value", ""),
            "reason": readings_reasons.describe(error),
        }
        for error in errors_page
    ]
    bad_row_count = len({error.get("row") for error in batch.errors})
    context = {"batch": batch, "errors_page": errors_page, "error_rows": error_rows, "bad_row_count": bad_row_count}
    return render(request, "water/readings_batch_detail.html", context)
