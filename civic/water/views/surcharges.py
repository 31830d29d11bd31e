"""Pages of over-plan surcharges: a period's summary, its Excel workbook, a bill and its printed notice."""

from __future__ import annotations

import datetime
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.core.permissions import BUREAU, WATER_OFFICE, WATER_READERS, role_required, user_has_role
from civic.water import actions, forms, notices, spreadsheets
from civic.water.access import visible_bills
from civic.water.models import (
    BillStatus,
    SurchargeBill,
)
from civic.water.spreadsheets import XLSX_CONTENT_TYPE
from hydro import surcharge

BILL_PAGE_SIZE = 50


def latest_billed_period() -> str:
    """The latest period that has bills, as 2024-03 or 2024Q1; else the last ended month."""
    latest = SurchargeBill.objects.order_by("-period_start", "period_end").first()
    if latest is not None:
        return surcharge.format_period(latest.period_start, latest.period_end)
    last_month_end = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return f"{last_month_end.year}-{last_month_end.month:02d}"


def billed_periods() -> list[str]:
    spans = SurchargeBill.objects.order_by("-period_start").values_list("period_start", "period_end").distinct()
    return [surcharge.format_period(first_day, last_day) for first_day, last_day in spans]


@role_required(*BUREAU)
def surcharge_summary(request: HttpRequest) -> HttpResponse:
    """The bills of one period with their totals; POST computes or recomputes that period's bills."""
    if request.method != "POST":
        return _surcharge_summary_page(request, forms.SurchargePeriodForm())
    compute_form = forms.SurchargePeriodForm(request.POST)
    if compute_form.is_valid():
        try:
            run = actions.compute_bills(*compute_form.cleaned_data["period"])
        except ValidationError as error:
            compute_form.add_error("period", error)
        else:
            messages.success(request, _bill_run_message(run))
            period = surcharge.format_period(run.first_day, run.last_day)
            return redirect(f"{reverse('water:surcharge_summary')}?period={period}")
    return _surcharge_summary_page(request, compute_form)


def _surcharge_summary_page(request: HttpRequest, compute_form: forms.SurchargePeriodForm) -> HttpResponse:
    query = request.GET.copy()
    query.setdefault("period", latest_billed_period())
    form = forms.SurchargeBillFilterForm(query)
    bills = form.filtered(visible_bills(request.user))
    page = Paginator(bills, BILL_PAGE_SIZE).get_page(request.GET.get("page"))
    query.pop("page", None)
    if not compute_form.is_bound:
        compute_form.initial = {"period": query["period"]}
    context = {
        "form": form,
        "compute_form": compute_form,
        "unread": actions.unread_water_users(*form.cleaned_data["period"]) if form.is_valid() else [],
        "page": page,
        "totals": bills.aggregate(count=Count("id"), excess_m3=Sum("excess_m3"), amount_yuan=Sum("amount_yuan")),
        "periods": billed_periods(),
        "period": query["period"],
        "query": query.urlencode(),
    }
    return render(request, "water/surcharge_summary.html", context)


def _bill_run_message(run: actions.BillRun) -> str:
    message = _(
        "%(period)s: %(billed)s bills, ¥%(total)s in all; %(under)s users within plan, "
        "%(no_plan)s without a plan, %(no_readings)s without readings."
    ) % {
        "period": surcharge.format_period(run.first_day, run.last_day),
        "billed": run.billed,
        "total": f"{run.total_yuan:,.2f}",
        "under": run.not_over_plan,
        "no_plan": run.no_plan,
        "no_readings": run.no_readings,
    }
    if run.kept_bill_numbers:
        message += " " + _("Kept as delivered, paid, cancelled or under objection: %(numbers)s.") % {
            "numbers": ", ".join(run.kept_bill_numbers)
        }
    if run.unread:
        message += " " + _("Not billed until every meter is read (compute the period again then): %(users)s.") % {
            "users": "; ".join(str(unread) for unread in run.unread)
        }
    return str(message)


@role_required(*BUREAU)
def surcharge_summary_xlsx(request: HttpRequest) -> HttpResponse:
    """The Excel summary of one or more periods (?period=2024-03&period=2024-04), one sheet each."""
    periods = []
    for text in request.GET.getlist("period") or [latest_billed_period()]:
        form = forms.SurchargePeriodForm({"period": text})
        if not form.is_valid():
            message = " ".join(str(error) for error in form.errors["period"])
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        periods.append(form.cleaned_data["period"])
    response = HttpResponse(spreadsheets.surcharge_summary_workbook(periods), content_type=XLSX_CONTENT_TYPE)
    file_name = "surcharges-" + "_".join(surcharge.format_period(*period) for period in periods) + ".xlsx"
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@role_required(*WATER_READERS)
def bill_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One bill: its figures and band lines; the bureau's or the billed enterprise's own."""
    bill = get_object_or_404(visible_bills(request.user), number=number)
    context = {
        "bill": bill,
        "lines": notices.bill_lines(bill),
        "excess_percent": notices.excess_percent(bill),
        "payment_deadline": notices.payment_deadline(bill),
        "period_label": surcharge.format_period(bill.period_start, bill.period_end),
        "steps": _bill_steps(bill) if user_has_role(request.user, WATER_OFFICE) else [],
        "today": timezone.localdate(),
        "history": bill.history.select_related("history_user").order_by("history_date"),
    }
    return render(request, "water/bill_detail.html", context)


def _bill_steps(bill: SurchargeBill) -> list[str]:
    """The steps the office may take next on the bill, in the order its life goes."""
    steps = {
        BillStatus.ISSUED: ["deliver", "pay", "object", "cancel"],
        BillStatus.DELIVERED: ["pay", "object", "cancel"],
        BillStatus.OBJECTED: ["decide", "pay", "cancel"],
    }
    return steps.get(BillStatus(bill.status), [])


@role_required(*WATER_READERS)
def bill_notice_pdf(request: HttpRequest, number: str) -> FileResponse:
    """The printable payment notice of one bill, shown in the browser."""
    bill = get_object_or_404(visible_bills(request.user), number=number)
    notice = io.BytesIO(notices.surcharge_notice_pdf(bill))
    return FileResponse(notice, filename=f"{bill.number}.pdf", content_type="application/pdf")
