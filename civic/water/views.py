"""Pages of planned water use. Views validate, call `actions` or a model, and render."""

from __future__ import annotations

from django.http import HttpResponse

from civic.core.permissions import BUREAU, role_required

# --- REGISTER ---------------------------------------------------------------


def register(request):
    raise NotImplementedError


def water_user_detail(request, code):
    raise NotImplementedError


def water_user_use_json(request, code):
    raise NotImplementedError


def my_water_user(request):
    raise NotImplementedError


# --- END REGISTER -----------------------------------------------------------


# --- READINGS ----------------------------------------------------------------


@role_required(*BUREAU)
def import_readings(request) -> HttpResponse:
    return HttpResponse("READINGS not built yet")


@role_required(*BUREAU)
def import_batch_detail(request, batch_id) -> HttpResponse:
    return HttpResponse("READINGS not built yet")


# --- END READINGS ------------------------------------------------------------


# --- PLANS -------------------------------------------------------------------


@role_required(*BUREAU)
def plan_list(request) -> HttpResponse:
    return HttpResponse("PLANS not built yet")


@role_required(*BUREAU)
def plan_detail(request, plan_id) -> HttpResponse:
    return HttpResponse("PLANS not built yet")


@role_required(*BUREAU)
def request_plan_adjustment(request, plan_id) -> HttpResponse:
    return HttpResponse("PLANS not built yet")


@role_required(*BUREAU)
def decide_plan_adjustment(request, request_id) -> HttpResponse:
    return HttpResponse("PLANS not built yet")


# --- END PLANS ---------------------------------------------------------------


# --- SURCHARGES --------------------------------------------------------------


@role_required(*BUREAU)
def surcharge_summary(request) -> HttpResponse:
    return HttpResponse("SURCHARGES not built yet")


@role_required(*BUREAU)
def surcharge_summary_xlsx(request) -> HttpResponse:
    return HttpResponse("SURCHARGES not built yet")


@role_required(*BUREAU)
def bill_detail(request, number) -> HttpResponse:
    return HttpResponse("SURCHARGES not built yet")


@role_required(*BUREAU)
def bill_notice_pdf(request, number) -> HttpResponse:
    return HttpResponse("SURCHARGES not built yet")


# --- END SURCHARGES ----------------------------------------------------------


# --- QUOTAS ------------------------------------------------------------------


@role_required(*BUREAU)
def quota_list(request) -> HttpResponse:
    return HttpResponse("QUOTAS not built yet")


@role_required(*BUREAU)
def import_quotas(request) -> HttpResponse:
    return HttpResponse("QUOTAS not built yet")


@role_required(*BUREAU)
def export_quotas(request) -> HttpResponse:
    return HttpResponse("QUOTAS not built yet")


# --- END QUOTAS --------------------------------------------------------------
