"""Pages of farmland water saving: progress against the plan, the projects, and the irrigation coefficient."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.core.permissions import role_required, signed_in_user
from civic.farmland import actions, documents, forms, spreadsheets
from civic.farmland.access import FARMLAND_USERS
from civic.farmland.models import (
    DISTRICT_CLASS_CHOICES,
    FarmlandProject,
    IrrigationYear,
    ProjectStatus,
    SampleDistrict,
)
from civic.water.spreadsheets import XLSX_CONTENT_TYPE
from hydro import intake

PAGE_SIZE = 30
CLASS_LABELS = dict(DISTRICT_CLASS_CHOICES)
STATUS_COLOURS = {
    ProjectStatus.PLANNED: "#9aa5b1",
    ProjectStatus.BIDDING: "#d9a400",
    ProjectStatus.CONSTRUCTION: "#e07b00",
    ProjectStatus.ACCEPTANCE: "#2a7ab0",
    ProjectStatus.IN_USE: "#2e8540",
}


@role_required(*FARMLAND_USERS)
def progress(request: HttpRequest) -> HttpResponse:
    """High-standard farmland against the plan: built, remaining, by year, town and method, and the map."""
    target = actions.county_target()
    summary = actions.progress(FarmlandProject.objects.all(), target)
    context = {"summary": summary, "chart_data": progress_chart_data(summary), "map_data": map_data()}
    return render(request, "farmland/progress.html", context)


def progress_chart_data(summary: actions.Progress) -> dict[str, Any]:
    return {
        "years": [year for year, _built, _total in summary.by_year],
        "built": [float(built) for _year, built, _total in summary.by_year],
        "cumulative": [float(total) for _year, _built, total in summary.by_year],
        "target": float(summary.target.area_mu) if summary.target else None,
        "methods": [{"name": name, "value": float(area)} for _method, name, area, _efficient in summary.by_method],
        "words": {"built": _("Built that year"), "cumulative": _("Built in all"), "target": _("Target")},
    }


def map_data() -> dict[str, Any]:
    """Towns and projects as GeoJSON for the map; a project without a boundary is a point at its town's centre."""
    projects = FarmlandProject.objects.select_related("town")
    features = [
        {
            "type": "Feature",
            "geometry": project.boundary,
            "properties": {
                "code": project.code,
                "name": project.name,
                "status": str(ProjectStatus(project.status).label),
                "colour": STATUS_COLOURS[ProjectStatus(project.status)],
                "area_mu": float(project.area_mu),
            },
        }
        for project in projects
        if project.boundary
    ]
    towns = [
        {"type": "Feature", "geometry": town.boundary, "properties": {"name": town.name}}
        for town in forms.towns()
        if town.boundary
    ]
    legend = [{"label": str(status.label), "colour": STATUS_COLOURS[status]} for status in ProjectStatus]
    return {
        "projects": {"type": "FeatureCollection", "features": features},
        "towns": {"type": "FeatureCollection", "features": towns},
        "legend": legend,
    }


@role_required(*FARMLAND_USERS)
def project_list(request: HttpRequest) -> HttpResponse:
    filters = forms.ProjectFilterForm(request.GET or None)
    projects = (
        filters.filtered(FarmlandProject.objects.all())
        if request.GET
        else FarmlandProject.objects.select_related("town")
    )
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "farmland/project_list.html", {"filters": filters, "page": page, "query": query.urlencode()})


@role_required(*FARMLAND_USERS)
def export_projects(request: HttpRequest) -> HttpResponse:
    """The projects under the list's filters, as an .xlsx in the layout the import reads."""
    filters = forms.ProjectFilterForm(request.GET or None)
    projects = (
        filters.filtered(FarmlandProject.objects.all())
        if request.GET
        else FarmlandProject.objects.select_related("town")
    )
    response = HttpResponse(spreadsheets.write_projects(projects), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="farmland-projects-{timezone.localdate().isoformat()}.xlsx"'
    )
    return response


@role_required(*FARMLAND_USERS)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(FarmlandProject.objects.select_related("town"), pk=pk)
    history = project.history.select_related("history_user").order_by("-history_date")[:20]
    geometry = (
        {"type": "Feature", "geometry": project.boundary, "properties": {"name": project.name}}
        if project.boundary
        else None
    )
    return render(
        request, "farmland/project_detail.html", {"project": project, "history": history, "geometry": geometry}
    )


@role_required(*FARMLAND_USERS)
def project_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    project = get_object_or_404(FarmlandProject, pk=pk) if pk else None
    form = forms.ProjectForm(request.POST or None, request.FILES or None, instance=project)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved._history_user = signed_in_user(request)  # type: ignore[attr-defined]
        saved.save()
        messages.success(request, _("Project %(code)s saved.") % {"code": saved.code})
        return redirect("farmland:project_detail", pk=saved.pk)
    return render(request, "farmland/project_form.html", {"form": form, "project": project})


@role_required(*FARMLAND_USERS)
def import_projects(request: HttpRequest) -> HttpResponse:
    """Upload projects: stored whole if every row passes, else refused with a report of each bad cell."""
    form = forms.TableFileForm(request.POST or None, request.FILES or None)
    report: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            outcome = actions.import_projects(form.cleaned_data["file"], by_user=signed_in_user(request))
        except intake.TableError as error:
            form.add_error("file", refused_file_message(error))
        else:
            if not outcome.report:
                messages.success(request, imported_message(outcome))
                return redirect("farmland:project_list")
            report = outcome.report
    return render(request, "farmland/import.html", {"form": form, "report": report, "kind": "projects"})


def refused_file_message(error: intake.TableError) -> str:
    from civic.core.intake import describe

    return describe({"code": error.code, "details": error.details, "message": error.message}, spreadsheets.MESSAGES)


def imported_message(outcome: actions.ImportOutcome) -> str:
    return _("Projects imported: %(created)d added, %(updated)d changed, %(unchanged)d unchanged.") % {
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
    }


# --- the irrigation water efficiency coefficient ---------------------------------------------------------------


@role_required(*FARMLAND_USERS)
def coefficient(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """A year's coefficient: its sample districts, classes and the county, beside the reference values and past years."""
    years = list(IrrigationYear.objects.order_by("year"))
    chosen = next((item for item in years if item.year == year), years[-1] if years else None)
    if year is not None and (chosen is None or chosen.year != year):
        chosen = get_object_or_404(IrrigationYear, year=year)
    result, problem = computed(chosen)
    context = {
        "year": chosen,
        "years": years,
        "result": result,
        "problem": problem,
        "districts": chosen.districts.prefetch_related("fields") if chosen else [],
        "class_rows": [(CLASS_LABELS[group.district_class], group) for group in result.classes] if result else [],
        "district_coefficients": {item.name: item.coefficient for item in result.districts} if result else {},
        "chart_data": coefficient_chart_data(years),
    }
    return render(request, "farmland/coefficient.html", context)


def computed(year: IrrigationYear | None) -> tuple[Any, str]:
    if year is None:
        return None, ""
    try:
        return actions.coefficient_for(year), ""
    except ValueError as error:
        return None, str(error)


def coefficient_chart_data(years: list[IrrigationYear]) -> dict[str, Any]:
    county = []
    for item in years:
        result, _problem = computed(item)
        county.append(round(result.coefficient, 4) if result else None)
    return {
        "years": [item.year for item in years],
        "county": county,
        "provincial": [item.provincial_value for item in years],
        "national": [item.national_value for item in years],
        "target": [item.county_target for item in years],
        "words": {
            "county": _("County"),
            "provincial": _("Province"),
            "national": _("National"),
            "target": _("County's target"),
        },
    }


@role_required(*FARMLAND_USERS)
def year_edit(request: HttpRequest, year: int | None = None) -> HttpResponse:
    instance = get_object_or_404(IrrigationYear, year=year) if year else None
    form = forms.IrrigationYearForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        return redirect("farmland:coefficient_year", year=saved.year)
    return render(request, "farmland/year_form.html", {"form": form, "year": instance})


@role_required(*FARMLAND_USERS)
def district_edit(request: HttpRequest, year: int, pk: int | None = None) -> HttpResponse:
    """A sample district with its typical fields, entered by hand."""
    irrigation_year = get_object_or_404(IrrigationYear, year=year)
    district = (
        get_object_or_404(SampleDistrict, pk=pk, year=irrigation_year) if pk else SampleDistrict(year=irrigation_year)
    )
    form = forms.SampleDistrictForm(request.POST or None, instance=district)
    fields = forms.TypicalFieldFormSet(request.POST or None, instance=district)
    if request.method == "POST" and form.is_valid() and fields.is_valid():
        with transaction.atomic():
            saved = form.save()
            fields.instance = saved
            fields.save()
        messages.success(request, _("Sample district %(name)s saved.") % {"name": saved.name})
        return redirect("farmland:coefficient_year", year=year)
    context = {"form": form, "fields": fields, "year": irrigation_year, "district": district if pk else None}
    return render(request, "farmland/district_form.html", context)


@role_required(*FARMLAND_USERS)
def import_samples(request: HttpRequest, year: int) -> HttpResponse:
    """Upload a year's sample districts and fields: they replace the year's, or nothing changes."""
    irrigation_year = get_object_or_404(IrrigationYear, year=year)
    form = forms.TableFileForm(request.POST or None, request.FILES or None)
    report: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            outcome = actions.import_samples(form.cleaned_data["file"], irrigation_year)
        except intake.TableError as error:
            form.add_error("file", refused_file_message(error))
        else:
            if not outcome.report:
                messages.success(request, _("%(count)d typical fields imported.") % {"count": outcome.created})
                return redirect("farmland:coefficient_year", year=year)
            report = outcome.report
    context = {"form": form, "report": report, "kind": "samples", "year": irrigation_year}
    return render(request, "farmland/import.html", context)


@role_required(*FARMLAND_USERS)
def export_samples(request: HttpRequest, year: int) -> HttpResponse:
    irrigation_year = get_object_or_404(IrrigationYear, year=year)
    content = spreadsheets.write_samples(irrigation_year.districts.prefetch_related("fields"))
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="irrigation-samples-{year}.xlsx"'
    return response


@role_required(*FARMLAND_USERS)
def coefficient_pdf(request: HttpRequest, year: int) -> HttpResponse:
    irrigation_year = get_object_or_404(IrrigationYear, year=year)
    result, problem = computed(irrigation_year)
    if result is None:
        messages.error(request, problem or _("The year has no sample district yet."))
        return redirect("farmland:coefficient_year", year=year)
    response = HttpResponse(documents.coefficient_report(irrigation_year, result), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="irrigation-coefficient-{year}.pdf"'
    return response
