"""Pages of the evaluation: balance tests and their review, water-saving carriers, quota benchmarking and
the county scorecard. Views validate, call `actions`, and render."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.core.permissions import WATER_OFFICE, role_required, signed_in_user
from civic.evaluation import actions, benchmarking, carriers, documents, forms, scoring, workbooks
from civic.evaluation.access import (
    BALANCE_TEST_USERS,
    visible_balance_tests,
    visible_certificates,
    visible_outputs,
    visible_test_or_404,
)
from civic.evaluation.models import (
    BalanceTest,
    CarrierCertificate,
    CarrierSector,
    CarrierThreshold,
    CertificateStatus,
    ProductOutput,
    Scorecard,
    ScorecardEntry,
    ScorecardProfile,
)
from civic.water.access import visible_water_users
from hydro import balance_test

PAGE_SIZE = 50
REASSESSMENT_NOTICE_DAYS = 180


def paged(request: HttpRequest, items: Any) -> tuple[Any, str]:
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


# --- balance tests ----------------------------------------------------------------------------------


@role_required(*BALANCE_TEST_USERS)
def balance_test_list(request: HttpRequest) -> HttpResponse:
    """The tests the user may see: the bureau's review queue, or a firm's own tests."""
    filters = forms.BalanceTestFilterForm(request.GET or None)
    page, query = paged(request, filters.filtered(visible_balance_tests(request.user)))
    return render(request, "evaluation/balance_test_list.html", {"filters": filters, "page": page, "query": query})


def _edit_test(request: HttpRequest, test: BalanceTest | None) -> HttpResponse:
    """The test's form with its units' formset: stored whole when every field is valid."""
    water_users = visible_water_users(request.user).order_by("code")
    data = request.POST if request.method == "POST" else None
    form = forms.BalanceTestForm(data, instance=test, water_users=water_users)
    formset = forms.BalanceUnitFormSet(data, initial=None if data else forms.unit_initial(test), prefix="units")
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            saved = actions.save_balance_test(
                form.save(commit=False), forms.kept_units(formset), signed_in_user(request)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Balance test saved."))
            return redirect("evaluation:balance_test_detail", test_id=saved.pk)
    return render(request, "evaluation/balance_test_form.html", {"form": form, "formset": formset, "test": test})


@role_required(*BALANCE_TEST_USERS)
def balance_test_create(request: HttpRequest) -> HttpResponse:
    return _edit_test(request, None)


@role_required(*BALANCE_TEST_USERS)
def balance_test_edit(request: HttpRequest, test_id: int) -> HttpResponse:
    test = visible_test_or_404(request.user, test_id)
    if not test.is_editable:
        messages.error(request, _("Only a draft or a returned test can be changed."))
        return redirect("evaluation:balance_test_detail", test_id=test.pk)
    return _edit_test(request, test)


def sankey_data(test: BalanceTest) -> dict[str, Any]:
    """Nodes and links of the balance for ECharts, with Chinese names for the fates."""
    names: dict[str, str] = {
        "fresh intake": _("Fresh intake"),
        "reused water": _("Reused water"),
        "consumed": _("Consumed"),
        "discharged": _("Discharged"),
        "leaked": _("Leaked"),
    }
    triples = [
        (names.get(source, source), names.get(target, target), round(volume, 3))
        for source, target, volume in balance_test.sankey_links(test.as_hydro())
    ]
    nodes = sorted({source for source, _target, _volume in triples} | {target for _source, target, _volume in triples})
    links = [{"source": source, "target": target, "value": volume} for source, target, volume in triples]
    return {"nodes": [{"name": name} for name in nodes], "links": links}


@role_required(*BALANCE_TEST_USERS)
def balance_test_detail(request: HttpRequest, test_id: int) -> HttpResponse:
    """A test's indicators, checks, carrier assessment, reviews and the Sankey diagram of its balance."""
    test = visible_test_or_404(request.user, test_id)
    today = timezone.localdate()
    assessment = test.assessment()
    context = {
        "test": test,
        "assessment": assessment,
        "unit_rows": list(zip(test.units.all(), assessment.units, strict=True)),
        "carrier": carriers.assess_carrier(test, today),
        "reviews": test.reviews.select_related("reviewed_by"),
        "certificate": CarrierCertificate.objects.filter(test=test).first(),
        "review_form": forms.ReviewForm(),
        "sankey": sankey_data(test),
    }
    return render(request, "evaluation/balance_test_detail.html", context)


@role_required(*BALANCE_TEST_USERS)
def balance_test_submit(request: HttpRequest, test_id: int) -> HttpResponse:
    test = visible_test_or_404(request.user, test_id)
    if request.method == "POST":
        try:
            actions.submit_balance_test(test)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Submitted to the bureau for review."))
    return redirect("evaluation:balance_test_detail", test_id=test.pk)


@role_required(*WATER_OFFICE)
def balance_test_review(request: HttpRequest, test_id: int) -> HttpResponse:
    test = visible_test_or_404(request.user, test_id)
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.review_balance_test(
                    test, form.cleaned_data["decision"], form.cleaned_data["comment"], signed_in_user(request)
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Review recorded."))
        else:
            messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return redirect("evaluation:balance_test_detail", test_id=test.pk)


@role_required(*WATER_OFFICE)
def balance_test_certify(request: HttpRequest, test_id: int) -> HttpResponse:
    test = visible_test_or_404(request.user, test_id)
    if request.method == "POST":
        try:
            certificate = actions.certify(test, signed_in_user(request))
        except actions.CertificationError as refusal:
            messages.error(request, " ".join(refusal.reasons))
        else:
            messages.success(request, _("Certificate %(number)s issued.") % {"number": certificate.number})
    return redirect("evaluation:balance_test_detail", test_id=test.pk)


@role_required(*BALANCE_TEST_USERS)
def balance_test_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(workbooks.balance_test_template(), content_type=workbooks.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="balance-test-template.xlsx"'
    return response


@role_required(*BALANCE_TEST_USERS)
def balance_test_import(request: HttpRequest) -> HttpResponse:
    """Upload a filled template: a new draft test when every cell is good, else every bad cell named."""
    water_users = visible_water_users(request.user).order_by("code")
    data = request.POST if request.method == "POST" else None
    form = forms.BalanceTestFileForm(data, request.FILES or None)
    header = forms.BalanceTestForm(data, water_users=water_users)
    errors: list[str] = []
    for name in list(header.fields):
        if name not in ("water_user", "sector", "quota"):
            del header.fields[name]
    if data is not None and form.is_valid() and header.is_valid():
        reading = workbooks.read_balance_test_workbook(form.cleaned_data["file"])
        errors = reading.errors
        if not errors:
            saved = _store_workbook(request, header.cleaned_data, reading)
            if saved is not None:
                messages.success(request, _("Balance test imported as a draft."))
                return redirect("evaluation:balance_test_detail", test_id=saved.pk)
            errors = [_("The figures do not make a valid test; check the periods and units.")]
    return render(request, "evaluation/balance_test_import.html", {"form": form, "header": header, "errors": errors})


def _store_workbook(request: HttpRequest, chosen: dict[str, Any], reading: workbooks.WorkbookReading) -> Any:
    test = BalanceTest(**chosen, **reading.header)
    unit_forms = [forms.BalanceUnitForm(unit) for unit in reading.units]
    if test.period_end < test.period_start or not all(unit_form.is_valid() for unit_form in unit_forms):
        return None
    with transaction.atomic():
        return actions.save_balance_test(test, [f.cleaned_data for f in unit_forms], signed_in_user(request))


# --- carriers ---------------------------------------------------------------------------------------


@role_required(*WATER_OFFICE)
def carrier_list(request: HttpRequest) -> HttpResponse:
    """Certified carriers with expiry; those due for re-assessment within half a year first flagged."""
    today = timezone.localdate()
    search = request.GET.get("q", "").strip()
    certificates = visible_certificates(request.user).select_related("water_user", "test__sector")
    if search:
        certificates = certificates.filter(water_user__name__icontains=search) | certificates.filter(
            number__icontains=search
        )
    page, query = paged(request, certificates.order_by("expires_on", "number"))
    context = {
        "page": page,
        "query": query,
        "search": search,
        "today": today,
        "due_by": today + datetime.timedelta(days=REASSESSMENT_NOTICE_DAYS),
        "valid_status": CertificateStatus.VALID,
    }
    return render(request, "evaluation/carrier_list.html", context)


@role_required(*BALANCE_TEST_USERS)
def certificate_pdf(request: HttpRequest, number: str) -> FileResponse:
    certificate = get_object_or_404(
        visible_certificates(request.user).select_related("water_user", "test__sector"), number=number
    )
    content = io.BytesIO(documents.certificate_pdf(certificate))
    return FileResponse(content, filename=f"{certificate.number}.pdf", content_type="application/pdf")


@role_required(*WATER_OFFICE)
def threshold_list(request: HttpRequest) -> HttpResponse:
    """The sectors' carrier thresholds in force, with their sources (edited in the admin)."""
    thresholds = CarrierThreshold.objects.select_related("sector").order_by("sector__code", "indicator")
    context = {"sectors": CarrierSector.objects.all(), "thresholds": thresholds}
    return render(request, "evaluation/threshold_list.html", context)


# --- quota benchmarking -----------------------------------------------------------------------------


def chosen_year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year - 1


@role_required(*WATER_OFFICE)
def benchmark_list(request: HttpRequest) -> HttpResponse:
    """A year's intensity of every user with reported output against its quota; the over-quota list; the trend."""
    year = chosen_year(request)
    rows = benchmarking.benchmark_rows(ProductOutput.objects.filter(year=year).order_by("water_user__code"))
    years = sorted(set(ProductOutput.objects.values_list("year", flat=True)))
    trend = [
        (each, benchmarking.share_within_quota(benchmarking.benchmark_rows(ProductOutput.objects.filter(year=each))))
        for each in years
    ]
    search = request.GET.get("q", "").strip()
    shown = [
        row
        for row in rows
        if not search or search in row.output.water_user.name or search in row.output.water_user.code
    ]
    page, query = paged(request, shown)
    previous = {
        (row.output.water_user_id, row.output.quota_id): row.result.intensity
        for row in benchmarking.benchmark_rows(ProductOutput.objects.filter(year=year - 1))
    }
    for row in page:
        row.previous_intensity = previous.get((row.output.water_user_id, row.output.quota_id))
    context = {
        "year": year,
        "years": years,
        "page": page,
        "query": query,
        "search": search,
        "over_quota": [row for row in rows if row.over_quota],
        "share": benchmarking.share_within_quota(rows),
        "trend": trend,
        "trend_json": [[each, value] for each, value in trend],
    }
    return render(request, "evaluation/benchmark_list.html", context)


@role_required(*BALANCE_TEST_USERS)
def output_report(request: HttpRequest) -> HttpResponse:
    """A firm reports its yearly product output (the bureau may enter it for any firm)."""
    water_users = visible_water_users(request.user).order_by("code")
    form = forms.ProductOutputForm(request.POST or None, water_users=water_users)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.report_output(data["water_user"], data["quota"], data["year"], data["output"], signed_in_user(request))
        messages.success(request, _("Output recorded."))
        return redirect("evaluation:output_report")
    outputs = visible_outputs(request.user).select_related("water_user", "quota")
    page, query = paged(request, outputs)
    rows = [benchmarking.benchmark_output(output) for output in page]
    return render(request, "evaluation/output_report.html", {"form": form, "page": page, "rows": rows, "query": query})


@role_required(*BALANCE_TEST_USERS)
def output_import(request: HttpRequest) -> HttpResponse:
    """Upload yearly output from Excel: every row stored, or none with each bad cell or row named."""
    if request.GET.get("template"):
        response = HttpResponse(workbooks.output_template(), content_type=workbooks.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="product-output-template.xlsx"'
        return response
    form = forms.BalanceTestFileForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        reading = workbooks.read_output_workbook(form.cleaned_data["file"])
        errors = reading.errors
        if not errors:
            water_users = visible_water_users(request.user)
            outcome = actions.import_outputs(reading.rows, water_users, signed_in_user(request))
            errors = outcome.errors
            if not errors:
                messages.success(request, _("%(count)s output rows recorded.") % {"count": outcome.saved})
                return redirect("evaluation:output_report")
    return render(request, "evaluation/output_import.html", {"form": form, "errors": errors})


# --- scorecard --------------------------------------------------------------------------------------


@role_required(*WATER_OFFICE)
def scorecard_list(request: HttpRequest) -> HttpResponse:
    """Every year's scorecard with its score, pass or fail, and the change on the year before."""
    scorecards = list(Scorecard.objects.select_related("profile").order_by("year"))
    results = [(scorecard, scoring.score_scorecard(scorecard)) for scorecard in scorecards]
    rows = []
    for index, (scorecard, result) in enumerate(results):
        previous = results[index - 1][1] if index else None
        change = result.total_points - previous.total_points if previous else None
        rows.append({"scorecard": scorecard, "result": result, "change": change})
    context = {"rows": list(reversed(rows)), "profiles": ScorecardProfile.objects.all()}
    return render(request, "evaluation/scorecard_list.html", context)


@role_required(*WATER_OFFICE)
def scorecard_compute(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            profile = ScorecardProfile.objects.get(pk=int(request.POST.get("profile", "")))
            year = int(request.POST.get("year", ""))
        except (ValueError, ScorecardProfile.DoesNotExist):
            messages.error(request, _("Choose a profile and a year."))
            return redirect("evaluation:scorecard_list")
        scorecard = actions.compute_scorecard(profile, year, signed_in_user(request))
        messages.success(request, _("Indicators computed from the records."))
        return redirect("evaluation:scorecard_detail", scorecard_id=scorecard.pk)
    return redirect("evaluation:scorecard_list")


def previous_result(scorecard: Scorecard) -> Any:
    previous = Scorecard.objects.filter(profile=scorecard.profile, year=scorecard.year - 1).first()
    return scoring.score_scorecard(previous) if previous else None


@role_required(*WATER_OFFICE)
def scorecard_detail(request: HttpRequest, scorecard_id: int) -> HttpResponse:
    """Each indicator's value, trace, points and the gap list; manual values entered here with evidence."""
    scorecard = get_object_or_404(Scorecard.objects.select_related("profile"), pk=scorecard_id)
    result = scoring.score_scorecard(scorecard)
    entries = {entry.indicator.code: entry for entry in scorecard.entries.select_related("indicator")}
    rows = [{"score": score, "entry": entries.get(score.code)} for score in result.scores]
    gaps = [{"score": gap, "entry": entries.get(gap.code)} for gap in result.gaps]
    context = {
        "scorecard": scorecard,
        "result": result,
        "previous": previous_result(scorecard),
        "rows": rows,
        "gaps": gaps,
    }
    return render(request, "evaluation/scorecard_detail.html", context)


@role_required(*WATER_OFFICE)
def scorecard_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(ScorecardEntry.objects.select_related("scorecard"), pk=entry_id)
    form = forms.ScorecardEntryForm(request.POST or None, request.FILES or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.enter_scorecard_value(entry, data["value"], data["note"], data.get("evidence"), signed_in_user(request))
        messages.success(request, _("Value recorded."))
        return redirect("evaluation:scorecard_detail", scorecard_id=entry.scorecard_id)
    return render(request, "evaluation/scorecard_entry.html", {"form": form, "entry": entry})


@role_required(*WATER_OFFICE)
def scorecard_evidence(request: HttpRequest, entry_id: int) -> FileResponse:
    """The evidence file uploaded with a manual value, for the bureau only."""
    entry = get_object_or_404(ScorecardEntry, pk=entry_id)
    if not entry.evidence:
        raise Http404
    return FileResponse(entry.evidence.open("rb"), filename=entry.evidence.name.rsplit("/", 1)[-1])


@role_required(*WATER_OFFICE)
def scorecard_pdf(request: HttpRequest, scorecard_id: int) -> FileResponse:
    scorecard = get_object_or_404(Scorecard.objects.select_related("profile"), pk=scorecard_id)
    content = documents.scorecard_pdf(scorecard, scoring.score_scorecard(scorecard), previous_result(scorecard))
    return FileResponse(io.BytesIO(content), filename=f"scorecard-{scorecard.year}.pdf", content_type="application/pdf")


@role_required(*WATER_OFFICE)
def scorecard_xlsx(request: HttpRequest, scorecard_id: int) -> HttpResponse:
    scorecard = get_object_or_404(Scorecard.objects.select_related("profile"), pk=scorecard_id)
    content = workbooks.scorecard_workbook(scorecard, scoring.score_scorecard(scorecard))
    response = HttpResponse(content, content_type=workbooks.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="scorecard-{scorecard.year}.xlsx"'
    return response
