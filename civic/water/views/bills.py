"""The life of a surcharge bill after it is computed: its steps, and the list of overdue bills."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.core.permissions import WATER_OFFICE, role_required, signed_in_user
from civic.water import forms, notices
from civic.water.actions import bills as bill_actions
from civic.water.models import UNSETTLED_BILL_STATUSES, SurchargeBill
from civic.water.views.surcharges import visible_bills

OVERDUE_PAGE_SIZE = 50


@role_required(*WATER_OFFICE)
def bill_step(request: HttpRequest, number: str) -> HttpResponse:
    """Record one step of a bill's life from the bill's page: delivery, payment, objection, decision, cancellation."""
    bill = get_object_or_404(visible_bills(request.user), number=number)
    if request.method != "POST":
        return redirect("water:bill_detail", number=bill.number)
    form = forms.BillStepForm(request.POST)
    if form.is_valid():
        try:
            _take_step(bill, form.cleaned_data, request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            bill.refresh_from_db()
            messages.success(
                request,
                _("Bill %(number)s: %(status)s.") % {"number": bill.number, "status": bill.get_status_display()},
            )
            return redirect("water:bill_detail", number=bill.number)
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, "；".join(f"{label}：{error}" if label else str(error) for error in errors))
    return redirect("water:bill_detail", number=bill.number)


def _take_step(bill: SurchargeBill, data: dict, request: HttpRequest) -> None:
    user, day, text = signed_in_user(request), data["day"], data["text"]
    match data["step"]:
        case "deliver":
            bill_actions.record_delivery(bill, day, user)
        case "pay":
            bill_actions.record_payment(bill, day, data["reference"], user)
        case "object":
            bill_actions.record_objection(bill, day, text, user)
        case "decide":
            bill_actions.decide_objection(bill, day, data["outcome"], text, user)
        case "cancel":
            bill_actions.cancel_bill(bill, day, text, user)


def overdue_bills(bills: QuerySet[SurchargeBill], today: datetime.date) -> QuerySet[SurchargeBill]:
    """Unpaid, uncancelled bills whose payment deadline (issue date + the notice's days) has passed."""
    issued_before = today - datetime.timedelta(days=notices.PAYMENT_DAYS)
    start_of_day = timezone.make_aware(datetime.datetime.combine(issued_before, datetime.time.min))
    return bills.filter(status__in=UNSETTLED_BILL_STATUSES, created_at__lt=start_of_day).order_by(
        "created_at", "number"
    )


@role_required(*WATER_OFFICE)
def overdue_bill_list(request: HttpRequest) -> HttpResponse:
    """Bills past their payment deadline, oldest first, with search and paging."""
    form = forms.OverdueBillFilterForm(request.GET or None)
    today = timezone.localdate()
    bills = overdue_bills(visible_bills(request.user), today)
    if form.is_valid() and (words := form.cleaned_data["q"].strip()):
        bills = bills.filter(Q(water_user__code__icontains=words) | Q(water_user__name__icontains=words))
    page = Paginator(bills, OVERDUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "bill": bill,
            "deadline": notices.payment_deadline(bill),
            "days_late": (today - notices.payment_deadline(bill)).days,
        }
        for bill in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "total": page.paginator.count, "query": query.urlencode()}
    return render(request, "water/overdue_bills.html", context)
