"""Forms of annual plans: filters, proposing and issuing, adjustment requests and their decisions."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from civic.core.models import Region, RegionLevel
from civic.water.actions import split_problem_message
from civic.water.models import (
    PlanMethod,
    PlanStatus,
    QuotaLevel,
    WaterQuota,
    WaterUser,
)
from hydro import planning

FIRST_PLAN_YEAR, LAST_PLAN_YEAR = 2000, 2100


class PlanFilterForm(django_forms.Form):
    """Filters of the bureau's list of annual plans."""

    year = django_forms.IntegerField(
        label=_("Year"), required=False, min_value=FIRST_PLAN_YEAR, max_value=LAST_PLAN_YEAR
    )
    status = django_forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *PlanStatus.choices])
    town = django_forms.ModelChoiceField(
        label=_("Town or street"),
        required=False,
        queryset=Region.objects.filter(level=RegionLevel.TOWN),
        empty_label=_("All"),
    )
    search = django_forms.CharField(label=_("User number or name"), required=False, max_length=100)
    pending_adjustments = django_forms.BooleanField(label=_("Only with pending adjustment requests"), required=False)


class ProposePlanForm(django_forms.Form):
    """The bureau proposes a draft plan for one water user by history, quota or design use."""

    water_user_code = django_forms.CharField(label=_("User number"), max_length=20)
    year = django_forms.IntegerField(label=_("Plan year"), min_value=FIRST_PLAN_YEAR, max_value=LAST_PLAN_YEAR)
    method = django_forms.ChoiceField(label=_("Method"), choices=PlanMethod.choices)
    quota = django_forms.ModelChoiceField(
        label=_("Quota"), required=False, queryset=WaterQuota.objects.select_related("industry")
    )
    quota_level = django_forms.ChoiceField(
        label=_("Quota level"),
        choices=QuotaLevel.choices,
        initial=QuotaLevel.GENERAL,
        help_text=_("General value for existing plants, advanced value for new plants."),
    )
    planned_output = django_forms.FloatField(
        label=_("Planned output (in the quota's unit)"), required=False, min_value=0
    )
    design_use_m3 = django_forms.FloatField(
        label=_("Design annual use (m³)"),
        required=False,
        min_value=0,
        help_text=_("Leave empty to take the design use on the register."),
    )
    reasonable_use_coefficient = django_forms.FloatField(
        label=_("Reasonable-use coefficient"),
        required=False,
        min_value=0.01,
        max_value=2.0,
        help_text=_("From the user's water balance test; empty: the user's own on the register, else the county's."),
    )

    def clean_water_user_code(self) -> str:
        code = self.cleaned_data["water_user_code"].strip()
        if not WaterUser.objects.filter(code=code).exists():
            raise django_forms.ValidationError(_("There is no water user with number %(code)s."), params={"code": code})
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("method") == PlanMethod.QUOTA:
            for field in ("quota", "planned_output"):
                if cleaned.get(field) is None:
                    self.add_error(field, _("The quota method needs this."))
        return cleaned

    @property
    def water_user(self) -> WaterUser:
        return WaterUser.objects.get(code=self.cleaned_data["water_user_code"])


class PlanStatusForm(django_forms.Form):
    """The bureau moves a plan on: to review, or issued to the user."""

    action = django_forms.ChoiceField(choices=[("submit_for_review", _("Send for review")), ("issue", _("Issue"))])


class IssuePlanForm(django_forms.Form):
    """The confirmation that the plan, as shown, is issued to the user."""

    confirm = django_forms.BooleanField(
        label=_("I have checked the plan and issue it to the water user."),
        error_messages={"required": _("Tick the box to confirm the plan is checked.")},
    )


def month_field_name(month: int) -> str:
    return f"month_{month}"


class PlanAdjustmentRequestForm(django_forms.Form):
    """A request to change an issued plan; the monthly split is optional (all twelve months or none)."""

    requested_volume_m3 = django_forms.FloatField(label=_("Requested annual volume (m³)"), min_value=1)
    reason = django_forms.CharField(label=_("Reason"), widget=django_forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for month in planning.MONTHS:
            self.fields[month_field_name(month)] = django_forms.FloatField(
                label=MONTHS[month], required=False, min_value=0
            )

    def month_fields(self) -> list[django_forms.BoundField]:
        return [self[month_field_name(month)] for month in planning.MONTHS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        given = {month: cleaned.get(month_field_name(month)) for month in planning.MONTHS}
        if all(volume is None for volume in given.values()):
            cleaned["requested_months"] = None
            return cleaned
        for month, volume in given.items():
            if volume is None and month_field_name(month) not in self.errors:
                self.add_error(month_field_name(month), _("Give all twelve months, or leave them all empty."))
        if self.errors or cleaned.get("requested_volume_m3") is None:
            return cleaned
        months = {month: float(volume) for month, volume in given.items() if volume is not None}
        for problem in planning.check_monthly_split(cleaned["requested_volume_m3"], months):
            self.add_error(None, split_problem_message(problem))
        cleaned["requested_months"] = months
        return cleaned


class PlanAdjustmentDecisionForm(django_forms.Form):
    """The bureau's decision on an adjustment request; a rejection says why."""

    decision = django_forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=django_forms.RadioSelect,
    )
    note = django_forms.CharField(
        label=_("Note"), required=False, widget=django_forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "reject" and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why the request is rejected."))
        return cleaned

    @property
    def approves(self) -> bool:
        return bool(self.cleaned_data["decision"] == "approve")
