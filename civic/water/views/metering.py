"""Pages of smart metering: the DMA dashboard, customer alarms and the water audit."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import json_script
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civic.core.caching import kept_for_a_while
from civic.core.models import Region, RegionLevel
from civic.core.permissions import role_required, signed_in_user, user_has_role
from civic.water import actions, forms, smart_readings
from civic.water.access import METERING_ROLES, visible_metering_runs
from civic.water.jobs import queue_readings_analysis
from civic.water.models import (
    DmaBalance,
    MeteringRun,
    WaterAudit,
)
from hydro.readings.readings_file import COUNTY_TIME_ZONE


def _chosen_run(request: HttpRequest) -> MeteringRun | None:
    runs = visible_metering_runs(request.user)
    run_id = request.GET.get("run")
    if run_id and run_id.isdigit():
        return get_object_or_404(runs, pk=int(run_id))
    return runs.first()


@role_required(*METERING_ROLES)
def metering_dashboard(request: HttpRequest) -> HttpResponse:
    """DMAs coloured by non-revenue water on a map, and their night flow with alarms, for one analysis run."""
    run = _chosen_run(request)
    balances = list(run.balances.all()) if run else []
    regions = {region.code: region for region in Region.objects.filter(level=RegionLevel.DMA).defer("boundary")}
    context = {
        "run": run,
        "runs": visible_metering_runs(request.user)[:24],
        "balances": [(balance, regions.get(balance.dma_code)) for balance in balances],
        "night_alarms": run.found_night_flow_alarms() if run else [],
        "customer_alarm_count": run.found_customer_alarms().count() if run else 0,
        **(_run_charts(run, balances) if run else _charts(_dma_map_data([]), {})),
    }
    return render(request, "water/metering_dashboard.html", context)


def _run_charts(run: MeteringRun, balances: list[DmaBalance]) -> dict[str, Any]:
    """The map and night-flow charts of a run: a stored run's figures do not change, so they may be kept a while."""
    return kept_for_a_while(f"metering-run-{run.pk}", lambda: _charts(_dma_map_data(balances), _night_chart_data(run)))


def _charts(map_data: dict[str, Any], night_data: dict[str, Any]) -> dict[str, Any]:
    """The charts' data, and the page's script elements holding it as JSON (written once, kept with it)."""
    scripts = json_script(map_data, "dma-map-data") + json_script(night_data, "night-data")
    return {"map_data": map_data, "night_data": night_data, "chart_scripts": scripts}


def _dma_map_data(balances: list[DmaBalance]) -> dict[str, Any]:
    """GeoJSON of the DMAs with a balance, each with its name and non-revenue percentage."""
    regions = {
        region.code: region
        for region in Region.objects.filter(level=RegionLevel.DMA, code__in=[balance.dma_code for balance in balances])
    }
    features = [
        {
            "type": "Feature",
            "geometry": regions[balance.dma_code].boundary,
            "properties": {
                "code": balance.dma_code,
                "name": regions[balance.dma_code].name,
                "name_en": regions[balance.dma_code].name_en,
                "nrw_pct": balance.nrw_pct,
            },
        }
        for balance in balances
        if balance.dma_code in regions and regions[balance.dma_code].boundary
    ]
    return {"type": "FeatureCollection", "features": features}


def _night_chart_data(run: MeteringRun) -> dict[str, Any]:
    """Per DMA: nights, minimum night flow and leakage [m³/h], and the alarms (start and detection nights)."""
    series: dict[str, dict[str, list[Any]]] = {}
    # Plain rows, not model instances: a month of nights for every DMA is thousands of rows.
    nights = run.night_flows.values_list("dma_code", "night", "mnf_m3_per_h", "leakage_m3_per_h")
    for dma_code, night, mnf_m3_per_h, leakage_m3_per_h in nights:
        entry = series.setdefault(dma_code, {"nights": [], "mnf": [], "leakage": [], "alarms": []})
        entry["nights"].append(night.isoformat())
        entry["mnf"].append(round(mnf_m3_per_h, 3))
        entry["leakage"].append(round(leakage_m3_per_h, 3))
    for alarm in run.found_night_flow_alarms():
        if alarm.dma_code in series:
            series[alarm.dma_code]["alarms"].append(
                {"start": alarm.start.isoformat(), "detected": alarm.detected.isoformat()}
            )
    return series


def _wall_clock(moment: datetime.datetime) -> str:
    """An alarm time as the county's wall-clock ISO text, matching the stored use series."""
    return timezone.localtime(moment, zoneinfo.ZoneInfo(COUNTY_TIME_ZONE)).replace(tzinfo=None).isoformat()


@role_required(*METERING_ROLES)
def water_audit_form(request: HttpRequest) -> HttpResponse:
    """Enter a utility's figures for a year; the audit is worked out, kept and shown."""
    form = forms.WaterAuditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        audit = actions.record_water_audit(
            form.audit_inputs(), form.cleaned_data["year"], signed_in_user(request), form.cleaned_data["banding"]
        )
        return redirect("water:water_audit_detail", audit_id=audit.pk)
    audits = WaterAudit.objects.all()[:20] if user_has_role(request.user, METERING_ROLES) else []
    return render(request, "water/metering_audit_form.html", {"form": form, "audits": audits})


@role_required(*METERING_ROLES)
def water_audit_detail(request: HttpRequest, audit_id: int) -> HttpResponse:
    """A water audit's balance, UARL, ILI with its band, and CJJ 92 rates."""
    audit = get_object_or_404(WaterAudit, pk=audit_id)
    return render(request, "water/metering_audit_detail.html", {"audit": audit, "result": audit.result})


@role_required(*METERING_ROLES)
def metering_analysis_new(request: HttpRequest) -> HttpResponse:
    """Choose a period of the stored readings and the zones, and queue their analysis; the job's page follows it."""
    last_run = MeteringRun.objects.order_by("-created_at").first()
    form = forms.ReadingsAnalysisForm(
        request.POST or None,
        request.FILES or None,
        store=settings.CIVIC_READINGS_STORE,
        last_zones=last_run.zones if last_run else None,
    )
    if request.method == "GET":
        form.initial["period"] = _last_month()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job, queued = queue_readings_analysis(data["zones"], data["period"], signed_in_user(request))
        if queued:
            messages.success(request, _("The analysis of %(period)s is queued.") % {"period": data["period"]})
        else:
            messages.info(request, _("The analysis of %(period)s is under way already.") % {"period": data["period"]})
        if form.silent_meters:
            messages.warning(request, _silent_meters_message(form.silent_meters))
        return redirect("job_detail", job.pk)
    context = {"form": form, "last_run": last_run, "last_zone_count": _zone_counts(last_run)}
    return render(request, "water/metering_analysis_new.html", context, status=400 if form.errors else 200)


def _last_month() -> str:
    first_of_month = timezone.localdate().replace(day=1)
    return (first_of_month - datetime.timedelta(days=1)).strftime("%Y-%m")


def _zone_counts(run: MeteringRun | None) -> dict[str, int]:
    """DMAs and meters of a run's zones."""
    if run is None or not run.zones:
        return {}
    return {"dmas": len({dma for _meter, dma, _role in run.zones}), "meters": len({row[0] for row in run.zones})}


def _silent_meters_message(silent: list[str]) -> str:
    named = ", ".join(silent[:10])
    if len(silent) > 10:
        named = _("%(named)s and %(count)s more") % {"named": named, "count": f"{len(silent) - 10:,}"}
    return ngettext(
        "%(count)s customer meter has no readings in the period (%(named)s); it is reported as a gap.",
        "%(count)s customer meters have no readings in the period (%(named)s); each is reported as a gap.",
        len(silent),
    ) % {"count": f"{len(silent):,}", "named": named}


@role_required(*METERING_ROLES)
def smart_readings_upload(request: HttpRequest) -> HttpResponse:
    """Add a smart-meter readings file to the county's store, and see the months and batches it holds."""
    form = forms.SmartReadingsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["readings_file"]
        try:
            outcome = smart_readings.store_upload(
                upload, str(upload.name), settings.CIVIC_READINGS_STORE, data["stamped"], data["conflicts"]
            )
        except smart_readings.StoreUploadError as error:
            for line in error.lines:
                form.add_error("readings_file", line)
        else:
            messages.success(request, _stored_message(outcome))
            return redirect("water:smart_readings_upload")
    store = settings.CIVIC_READINGS_STORE
    batches = Paginator(smart_readings.recent_batches(store), 20).get_page(request.GET.get("page"))
    context = {"form": form, "months": smart_readings.stored_months(store), "batches": batches}
    return render(request, "water/metering_readings.html", context, status=400 if form.errors else 200)


def _stored_message(outcome: Any) -> str:
    counts = smart_readings.outcome_counts(outcome)
    if outcome.already_imported:
        return _("%(name)s was imported before; nothing changed.") % counts
    message = _("%(name)s: %(rows)s intervals stored, %(first)s to %(last)s.") % counts
    if outcome.record.repeated_rows:
        message += " " + _("%(repeated)s repeated readings were stored once.") % counts
    if outcome.record.conflicting_rows:
        message += " " + _("%(conflicting)s readings were left out for a larger value at the same time.") % counts
    if outcome.record.unread_rows:
        message += (
            " " + _("%(unread)s indexes of 0 between readings that count on were left out as failed reads.") % counts
        )
    return message
