"""The water-saving office's upkeep of the register: users, meters, replacements, closed accounts, the export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from civic.core.permissions import WATER_OFFICE, role_required, signed_in_user
from civic.water import forms, spreadsheets
from civic.water.access import visible_water_user_or_404, visible_water_users
from civic.water.actions import register as register_actions
from civic.water.models import Meter, WaterUser
from civic.water.spreadsheets import XLSX_CONTENT_TYPE


@role_required(*WATER_OFFICE)
def water_user_new(request: HttpRequest) -> HttpResponse:
    return _water_user_form(request, None)


@role_required(*WATER_OFFICE)
def water_user_edit(request: HttpRequest, code: str) -> HttpResponse:
    return _water_user_form(request, visible_water_user_or_404(request.user, code))


def _water_user_form(request: HttpRequest, water_user: WaterUser | None) -> HttpResponse:
    """A new water user's register entry (`water_user` None) or the changes to one; the user's page follows."""
    form = forms.WaterUserForm(request.POST or None, instance=water_user)
    if request.method == "POST" and form.is_valid():
        saved = register_actions.save_water_user(form.save(commit=False), signed_in_user(request))
        if water_user is None:
            messages.success(request, _("%(user)s added to the register.") % {"user": saved})
        else:
            messages.success(request, _("Register entry saved."))
        return redirect("water:water_user_detail", code=saved.code)
    return render(request, "water/water_user_form.html", {"form": form, "water_user": water_user})


@role_required(*WATER_OFFICE)
def meter_new(request: HttpRequest, code: str) -> HttpResponse:
    water_user = visible_water_user_or_404(request.user, code)
    form = forms.MeterForm(request.POST or None, water_user=water_user)
    if request.method == "POST" and form.is_valid():
        try:
            meter = register_actions.add_meter(form.save(commit=False), signed_in_user(request))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Meter %(serial)s registered.") % {"serial": meter.serial})
            return redirect("water:water_user_detail", code=water_user.code)
    return render(request, "water/meter_form.html", {"form": form, "water_user": water_user})


@role_required(*WATER_OFFICE)
def meter_edit(request: HttpRequest, serial: str) -> HttpResponse:
    """Correct a meter's register entry; its serial is fixed once it has readings."""
    meter = _visible_meter_or_404(request, serial)
    form = forms.MeterForm(request.POST or None, instance=meter, water_user=meter.water_user)
    if request.method == "POST" and form.is_valid():
        register_actions.save_meter(form.save(commit=False), signed_in_user(request))
        messages.success(request, _("Meter %(serial)s saved.") % {"serial": meter.serial})
        return redirect("water:water_user_detail", code=meter.water_user.code)
    return render(request, "water/meter_form.html", {"form": form, "water_user": meter.water_user, "meter": meter})


def _visible_meter_or_404(request: HttpRequest, serial: str) -> Meter:
    meters = Meter.objects.select_related("water_user").filter(water_user__in=visible_water_users(request.user))
    return get_object_or_404(meters, serial=serial)


@role_required(*WATER_OFFICE)
def meter_replace(request: HttpRequest, serial: str) -> HttpResponse:
    """The replacement of a fitted meter: the old meter's final index, the new meter's initial index."""
    meter = _visible_meter_or_404(request, serial)
    form = forms.MeterReplacementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_meter = register_actions.replace_meter(
                meter,
                replaced_on=form.cleaned_data["replaced_on"],
                final_index_m3=form.cleaned_data["final_index_m3"],
                new_meter=form.new_meter(meter),
                by_user=signed_in_user(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Meter %(old)s replaced by %(new)s.") % {"old": meter.serial, "new": new_meter.serial}
            )
            return redirect("water:water_user_detail", code=meter.water_user.code)
    context = {"form": form, "meter": meter, "last_index_m3": register_actions.meter_index_m3(meter)}
    return render(request, "water/meter_replace.html", context)


@role_required(*WATER_OFFICE)
def water_user_close(request: HttpRequest, code: str) -> HttpResponse:
    """Close an account: the final index of each fitted meter, the date and the reason."""
    water_user = visible_water_user_or_404(request.user, code)
    form = forms.CloseAccountForm(request.POST or None, water_user=water_user)
    if request.method == "POST" and form.is_valid():
        try:
            register_actions.close_water_user(
                water_user,
                closed_on=form.cleaned_data["closed_on"],
                reason=form.cleaned_data["reason"],
                final_indexes_m3=form.final_indexes_m3(),
                by_user=signed_in_user(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The account of %(user)s is closed.") % {"user": water_user})
            return redirect("water:water_user_detail", code=water_user.code)
    return render(request, "water/water_user_close.html", {"form": form, "water_user": water_user})


@role_required(*WATER_OFFICE)
def register_xlsx(request: HttpRequest) -> HttpResponse:
    """The register as an Excel workbook, under the same search and filters as the page."""
    form = forms.RegisterFilterForm(request.GET or None)
    water_users: list[WaterUser] = list(form.filtered(visible_water_users(request.user)))
    response = HttpResponse(spreadsheets.register_workbook(water_users), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="water-users.xlsx"'
    return response
