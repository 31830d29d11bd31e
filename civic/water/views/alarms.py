"""Pages of the alarm workflow: customer and night-flow alarms triaged and closed, the precision their
outcomes measure, and new thresholds previewed on the last analysed period before they are saved."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from civic.core.permissions import role_required, signed_in_user
from civic.water import actions, alarm_notices, forms, network_forms, spreadsheets
from civic.water.access import (
    AlarmCustomer,
    alarm_customers,
    contacted_customers,
    visible_customer_alarms,
    visible_night_flow_alarms,
)
from civic.water.actions.alarms import AlarmT
from civic.water.actions.metering import RAISED
from civic.water.meter_customers import CustomerFileError, read_customer_file
from civic.water.models import (
    AlarmStatus,
    CustomerAlarm,
    DmaNightFlowAlarm,
    MeterCustomer,
    MeteringParameters,
    MeteringRun,
    NetworkLeakAlarm,
)
from civic.water.views.metering import METERING_ROLES, _wall_clock, visible_metering_runs
from hydro.readings import alarm_outcomes

ALARM_PAGE_SIZE = 50
WORKFLOW_STEPS = ("assign", "contact", "close", "reopen")
AnyAlarm = CustomerAlarm | DmaNightFlowAlarm | NetworkLeakAlarm


def _page(request: HttpRequest, alarms: QuerySet[Any]) -> dict[str, Any]:
    page = Paginator(alarms, ALARM_PAGE_SIZE).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return {"page": page, "total": page.paginator.count, "query": query_without_page.urlencode()}


@role_required(*METERING_ROLES)
def customer_alarm_list(request: HttpRequest) -> HttpResponse:
    """Customer alarms of every analysis (or of one, `?run=`), searchable and filtered, in pages."""
    alarms, run, form = _filtered_customer_alarms(request)
    context = {"run": run, "form": form, "bulk_form": forms.BulkAssignForm(alarms=alarms), **_page(request, alarms)}
    return render(request, "water/metering_alarm_list.html", context)


@role_required(*METERING_ROLES)
def customer_alarm_xlsx(request: HttpRequest) -> HttpResponse:
    """The customer alarms under the page's filters as an Excel work list, with each registered meter's customer."""
    alarms = list(_filtered_customer_alarms(request)[0])
    customers = alarm_customers(request.user, (alarm.meter_code for alarm in alarms))
    contacted = contacted_customers(request.user, alarms)
    return _xlsx(spreadsheets.customer_alarms_workbook(alarms, customers, contacted), "customer-alarms")


@role_required(*METERING_ROLES)
def customer_alarm_notice_pdf(request: HttpRequest, alarm_id: int) -> FileResponse:
    """The printable notice of unusual use (用水异常告知书) of a customer alarm, for its customer; a gap has none."""
    alarms = visible_customer_alarms(request.user).filter(kind__in=alarm_notices.NOTICE_KINDS)
    alarm = get_object_or_404(alarms, pk=alarm_id)
    customer = alarm_customers(request.user, [alarm.meter_code]).get(alarm.meter_code)
    notice = io.BytesIO(alarm_notices.customer_alarm_notice_pdf(alarm, customer))
    filename = f"{alarm_notices.alarm_notice_number(alarm)}.pdf"
    return FileResponse(notice, filename=filename, content_type="application/pdf")


@role_required(*METERING_ROLES)
def night_flow_alarm_xlsx(request: HttpRequest) -> HttpResponse:
    """The night-flow alarms under the page's filters as an Excel work list."""
    alarms = _filtered_night_flow_alarms(request)[0]
    return _xlsx(spreadsheets.night_flow_alarms_workbook(alarms), "night-flow-alarms")


def _filtered_customer_alarms(
    request: HttpRequest,
) -> tuple[QuerySet[CustomerAlarm], MeteringRun | None, forms.CustomerAlarmFilterForm]:
    """The customer alarms the request's filters choose (of one analysis with `?run=`), the run and the form."""
    alarms = visible_customer_alarms(request.user)
    run = None
    run_id = request.GET.get("run", "")
    if run_id.isdigit():
        run = get_object_or_404(visible_metering_runs(request.user), pk=int(run_id))
        alarms = alarms.filter(Q(run=run) | Q(last_run=run))
    form = forms.CustomerAlarmFilterForm(request.GET or None)
    return form.filtered(alarms).defer("use_series").select_related("assignee"), run, form


def _filtered_night_flow_alarms(
    request: HttpRequest,
) -> tuple[QuerySet[DmaNightFlowAlarm], forms.NightFlowAlarmFilterForm]:
    form = forms.NightFlowAlarmFilterForm(request.GET or None)
    return form.filtered_workflow(visible_night_flow_alarms(request.user)).select_related("assignee"), form


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=spreadsheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate().isoformat()}.xlsx"'
    return response


def workflow_timeline(alarm: AnyAlarm, raised_at: datetime, raised_by: Any = None) -> list[dict[str, Any]]:
    """The alarm raised (at `raised_at`, by `raised_by`), then each step of the workflow from its history."""
    entries: list[dict[str, Any]] = [{"step": RAISED, "at": raised_at, "by": raised_by}]
    history = alarm.history.select_related("history_user", "assignee").order_by("history_date", "history_id")
    for record in history:
        if record.history_change_reason == RAISED:
            continue  # the alarm as its run raised it: the first entry already says so
        entries.append(
            {
                "step": record.history_change_reason or "changed",
                "at": record.history_date,
                "by": record.history_user,
                "record": record,
                "outcome": _outcome_label(alarm, record.outcome),
            }
        )
    return entries


def _run_timeline(alarm: CustomerAlarm | DmaNightFlowAlarm) -> list[dict[str, Any]]:
    """The alarm raised by its analysis, then each step of the workflow from its history."""
    return workflow_timeline(alarm, alarm.run.created_at, alarm.run.created_by)


def _outcome_label(alarm: AnyAlarm, outcome: str) -> str:
    choices = dict(type(alarm)._meta.get_field("outcome").choices or [])
    return str(choices.get(outcome, ""))


def _workflow_forms(alarm: CustomerAlarm | DmaNightFlowAlarm, bound: dict[str, Any]) -> dict[str, Any]:
    close_form = forms.CloseNightFlowAlarmForm if isinstance(alarm, DmaNightFlowAlarm) else forms.CloseCustomerAlarmForm
    initial_assignee = {"assignee": alarm.assignee_id} if alarm.assignee_id else None
    night = isinstance(alarm, DmaNightFlowAlarm)
    return {
        "step_url": "water:night_flow_alarm_step" if night else "water:customer_alarm_step",
        "assign_form": bound.get("assign") or forms.AssignAlarmForm(initial=initial_assignee),
        "contact_form": bound.get("contact") or forms.AlarmContactForm(),
        "close_form": bound.get("close") or close_form(),
    }


def _customer_alarm_page(
    request: HttpRequest, alarm: CustomerAlarm, bound: dict[str, Any], status: int = 200
) -> HttpResponse:
    chart = {"series": alarm.use_series, "start": _wall_clock(alarm.start), "end": _wall_clock(alarm.end)}
    customer = alarm_customers(request.user, [alarm.meter_code]).get(alarm.meter_code)
    shown = {
        "chart": chart,
        "customer": customer,
        "contacted_customer": contacted_customers(request.user, [alarm]).get(alarm.pk, ""),
        "has_notice": alarm.kind in alarm_notices.NOTICE_KINDS,
    }
    return _run_alarm_page(request, alarm, bound, status, "water/metering_alarm_detail.html", shown)


def _run_alarm_page(
    request: HttpRequest,
    alarm: CustomerAlarm | DmaNightFlowAlarm,
    bound: dict[str, Any],
    status: int,
    template: str,
    shown: dict[str, Any],
) -> HttpResponse:
    """An alarm of a metering analysis on `template`: what `shown` gives of it, its timeline and the
    workflow's forms (those of `bound` as posted)."""
    context = {
        "alarm": alarm,
        **shown,
        "timeline": _run_timeline(alarm),
        "closed": alarm.status == AlarmStatus.CLOSED,
        **_workflow_forms(alarm, bound),
    }
    return render(request, template, context, status=status)


@role_required(*METERING_ROLES)
def customer_alarm_detail(request: HttpRequest, alarm_id: int) -> HttpResponse:
    """One customer alarm: the meter's use around it, the workflow's forms and its timeline."""
    alarm = get_object_or_404(visible_customer_alarms(request.user).select_related("run", "last_run"), pk=alarm_id)
    return _customer_alarm_page(request, alarm, {})


def _customer_of(request: HttpRequest, alarm: AnyAlarm) -> AlarmCustomer | None:
    """The customer of a customer alarm's meter as the signed-in user sees them; else None."""
    if not isinstance(alarm, CustomerAlarm):
        return None
    return alarm_customers(request.user, [alarm.meter_code]).get(alarm.meter_code)


def _apply_step(request: HttpRequest, alarm: AlarmT, step: str) -> dict[str, Any]:
    """Carry out a posted step; the bound form with its errors when it cannot be done, else {}."""
    user = signed_in_user(request)
    form: django_forms.Form
    try:
        if step == "assign":
            form = forms.AssignAlarmForm(request.POST)
            if form.is_valid():
                actions.assign_alarm(alarm, form.cleaned_data["assignee"], user)
                return {}
        elif step == "contact":
            form = forms.AlarmContactForm(request.POST)
            if form.is_valid():
                actions.record_contact(alarm, form.cleaned_data["note"], user, customer=_customer_of(request, alarm))
                return {}
        elif step == "close":
            if isinstance(alarm, NetworkLeakAlarm):
                form = network_forms.CloseNetworkAlarmForm(request.POST)
            elif isinstance(alarm, DmaNightFlowAlarm):
                form = forms.CloseNightFlowAlarmForm(request.POST)
            else:
                form = forms.CloseCustomerAlarmForm(request.POST)
            if form.is_valid():
                volume = form.cleaned_data.get("volume_recovered_m3")
                actions.close_alarm(alarm, form.cleaned_data["outcome"], form.cleaned_data["note"], user, volume)
                return {}
        else:
            actions.reopen_alarm(alarm, user)
            return {}
    except actions.AlarmWorkflowError as error:
        messages.error(request, str(error))
        return {"error": True}
    return {step: form}


def apply_step_view(
    request: HttpRequest,
    alarm: AlarmT,
    step: str,
    detail_url: str,
    page: Callable[..., HttpResponse],
) -> HttpResponse:
    """POST one workflow step on `alarm`: back to its page `detail_url` when done (or on GET), or its
    page rendered by `page` with the bound forms and status 400 when a form has errors."""
    if step not in WORKFLOW_STEPS:
        raise Http404
    if request.method != "POST":
        return redirect(detail_url, alarm_id=alarm.pk)
    bound = _apply_step(request, alarm, step)
    if bound and "error" not in bound:
        return page(request, alarm, bound, status=400)
    return redirect(detail_url, alarm_id=alarm.pk)


@role_required(*METERING_ROLES)
def customer_alarm_step(request: HttpRequest, alarm_id: int, step: str) -> HttpResponse:
    """POST one workflow step (assign, contact, close, reopen) on a customer alarm; GET goes to the alarm."""
    alarm = get_object_or_404(visible_customer_alarms(request.user).select_related("run", "last_run"), pk=alarm_id)
    return apply_step_view(request, alarm, step, "water:customer_alarm_detail", _customer_alarm_page)


@role_required(*METERING_ROLES)
def night_flow_alarm_list(request: HttpRequest) -> HttpResponse:
    """DMA night-flow alarms of every analysis, filtered by status, DMA, assignee and outcome, in pages."""
    alarms, form = _filtered_night_flow_alarms(request)
    bulk_form = forms.BulkAssignForm(alarms=alarms)
    context = {"form": form, "bulk_form": bulk_form, **_page(request, alarms)}
    return render(request, "water/metering_night_alarm_list.html", context)


@role_required(*METERING_ROLES)
def customer_alarm_bulk_assign(request: HttpRequest) -> HttpResponse:
    """POST: give the ticked customer alarms to one member of staff; back to the list as it was."""
    return _bulk_assign(request, visible_customer_alarms(request.user), "water:customer_alarm_list")


@role_required(*METERING_ROLES)
def night_flow_alarm_bulk_assign(request: HttpRequest) -> HttpResponse:
    """POST: give the ticked night-flow alarms to one member of staff; back to the list as it was."""
    return _bulk_assign(request, visible_night_flow_alarms(request.user), "water:night_flow_alarm_list")


def _bulk_assign(request: HttpRequest, visible: QuerySet[Any], list_url: str) -> HttpResponse:
    back = request.POST.get("next", "")
    if not (back.startswith(reverse(list_url)) and url_has_allowed_host_and_scheme(back, allowed_hosts=None)):
        back = reverse(list_url)
    if request.method != "POST":
        return redirect(back)
    form = forms.BulkAssignForm(request.POST, alarms=visible)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name == "assignee" else None
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return redirect(back)
    assignee = form.cleaned_data["assignee"]
    done = actions.assign_alarms(visible.filter(pk__in=form.cleaned_data["alarms"]), assignee, signed_in_user(request))
    name = assignee.get_full_name() or assignee.get_username()
    messages.success(request, _("%(count)s alarms given to %(name)s.") % {"count": done.assigned, "name": name})
    if done.already_theirs or done.closed:
        left = {"theirs": done.already_theirs, "closed": done.closed}
        messages.info(request, _("Left as they were: %(theirs)s already theirs, %(closed)s closed.") % left)
    return redirect(back)


def _night_flow_alarm_page(
    request: HttpRequest, alarm: DmaNightFlowAlarm, bound: dict[str, Any], status: int = 200
) -> HttpResponse:
    nights = alarm.run.night_flows.filter(dma_code=alarm.dma_code)
    return _run_alarm_page(request, alarm, bound, status, "water/metering_night_alarm_detail.html", {"nights": nights})


@role_required(*METERING_ROLES)
def night_flow_alarm_detail(request: HttpRequest, alarm_id: int) -> HttpResponse:
    """One DMA night-flow alarm: the DMA's nights, the workflow's forms and its timeline."""
    alarm = get_object_or_404(visible_night_flow_alarms(request.user).select_related("run", "last_run"), pk=alarm_id)
    return _night_flow_alarm_page(request, alarm, {})


@role_required(*METERING_ROLES)
def night_flow_alarm_step(request: HttpRequest, alarm_id: int, step: str) -> HttpResponse:
    """POST one workflow step on a night-flow alarm; GET goes to the alarm."""
    alarm = get_object_or_404(visible_night_flow_alarms(request.user).select_related("run", "last_run"), pk=alarm_id)
    return apply_step_view(request, alarm, step, "water:night_flow_alarm_detail", _night_flow_alarm_page)


@role_required(*METERING_ROLES)
def alarm_precision(request: HttpRequest) -> HttpResponse:
    """The precision the recorded outcomes measure, per kind, per DMA and per network model, with the counts behind it."""
    measured = actions.alarm_precision()
    kinds = [
        (kind, _kind_label(kind), measured.by_kind.get(kind), measured.open_by_kind.get(kind, 0))
        for kind in alarm_outcomes.TRUE_OUTCOMES
    ]
    context = {"measured": measured, "kinds": kinds, "truth_table": _truth_table()}
    return render(request, "water/metering_precision.html", context)


def _kind_label(kind: str) -> str:
    labels = {
        "continuous_flow": _("Continuous flow"),
        "burst": _("Burst"),
        "stuck": _("Stuck meter"),
        "reverse": _("Reverse flow"),
        "gap": _("Missing data"),
        alarm_outcomes.NIGHT_FLOW: _("DMA night flow"),
        alarm_outcomes.NETWORK_LEAK: _("Network leak"),
    }
    return labels[kind]


def _truth_table() -> list[tuple[str, list[str], list[str]]]:
    """Per kind, the outcomes counted true and those counted false (hydro.readings.alarm_outcomes)."""
    customer = dict(CustomerAlarm._meta.get_field("outcome").choices or [])
    field_kinds = {
        alarm_outcomes.NIGHT_FLOW: dict(DmaNightFlowAlarm._meta.get_field("outcome").choices or []),
        alarm_outcomes.NETWORK_LEAK: dict(NetworkLeakAlarm._meta.get_field("outcome").choices or []),
    }
    rows = []
    for kind, true_outcomes in alarm_outcomes.TRUE_OUTCOMES.items():
        labels = field_kinds.get(kind, customer)
        judged = [outcome for outcome in labels if outcome not in alarm_outcomes.UNDETERMINED_OUTCOMES]
        rows.append(
            (
                _kind_label(kind),
                [str(labels[outcome]) for outcome in judged if outcome in true_outcomes],
                [str(labels[outcome]) for outcome in judged if outcome not in true_outcomes],
            )
        )
    return rows


@role_required(*METERING_ROLES)
def metering_thresholds(request: HttpRequest) -> HttpResponse:
    """Propose new thresholds, preview their effect on the last analysed period, then save them as a dated row."""
    current = MeteringParameters.objects.first()
    run = visible_metering_runs(request.user).first()
    preview = None
    if request.method == "POST":
        form = forms.MeteringParametersForm(request.POST)
        if form.is_valid():
            if "save" in request.POST:
                try:
                    row = actions.save_metering_parameters(form.cleaned_data, signed_in_user(request))
                except actions.AlarmWorkflowError as error:
                    form.add_error("effective_from", str(error))
                else:
                    messages.success(request, _("Thresholds from %(day)s saved.") % {"day": row.effective_from})
                    return redirect("water:metering_thresholds")
            elif run is not None:
                try:
                    preview = actions.preview_thresholds(
                        run,
                        actions.anomaly_settings_from(form.cleaned_data),
                        actions.night_flow_settings_from(form.cleaned_data),
                    )
                except (OSError, ValueError) as error:
                    message = _("The readings of the last analysis cannot be read: %(error)s")
                    form.add_error(None, message % {"error": error})
    else:
        initial = {name: getattr(current, name) for name in actions.PARAMETER_FIELDS} if current else {}
        form = forms.MeteringParametersForm(initial=initial)
    preview_rows = _preview_rows(preview) if preview else []
    context = {
        "form": form,
        "current": current,
        "rows": MeteringParameters.objects.all()[:10],
        "run": run,
        "preview": preview,
        "preview_rows": preview_rows,
    }
    return render(request, "water/metering_thresholds.html", context, status=400 if form.errors else 200)


def _preview_rows(preview: actions.ThresholdPreview) -> list[tuple[str, int, int]]:
    kinds = [kind for kind in alarm_outcomes.TRUE_OUTCOMES if kind not in alarm_outcomes.FIELD_KINDS]
    customer = [
        (_kind_label(kind), preview.current_by_kind.get(kind, 0), preview.proposed_by_kind.get(kind, 0))
        for kind in kinds
    ]
    night = preview.night_flow
    return [*customer, (_kind_label(alarm_outcomes.NIGHT_FLOW), night.current, night.proposed)]


@role_required(*METERING_ROLES)
def meter_customers(request: HttpRequest) -> HttpResponse:
    """The utility's customer file: search the meters' customers in pages, and upload the file anew."""
    form = forms.MeterCustomerUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["customer_file"]
            try:
                rows = read_customer_file(upload, upload.name)
            except CustomerFileError as refusal:
                for line in refusal.lines:
                    form.add_error("customer_file", line)
            else:
                done = actions.import_meter_customers(rows)
                counts = {"name": upload.name, "added": done.added, "updated": done.updated}
                messages.success(request, _("%(name)s: %(added)s customers added, %(updated)s updated.") % counts)
                return redirect("water:meter_customers")
        status = 400
    query = request.GET.get("q", "").strip()
    customers = MeterCustomer.objects.all()
    if query:
        customers = customers.filter(
            Q(meter_code__icontains=query) | Q(name__icontains=query) | Q(address__icontains=query)
        )
    context = {"form": form, "q": query, **_page(request, customers)}
    return render(request, "water/metering_customers.html", context, status=status)
