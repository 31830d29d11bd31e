"""Forms of the programme's pages; each explains its errors by field."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.programme.models import (
    DEMONSTRATION_TECHNOLOGIES,
    ExpertReview,
    Feedback,
    Firm,
    Product,
    Project,
    ProjectKind,
    Segment,
    Stage,
    Technology,
)
from civic.water.models import Meter

MONTH_INPUT = {"type": "month"}


def _choose_from(form: forms.BaseForm, name: str, choices: QuerySet[Any]) -> None:
    """Narrow a model-choice field to the records the user may pick."""
    cast(forms.ModelChoiceField, form.fields[name]).queryset = choices


class FirmFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.all(), required=False)

    def filtered(self, firms: QuerySet[Firm]) -> QuerySet[Firm]:
        if not self.is_valid():
            return firms
        query, segment = self.cleaned_data["q"], self.cleaned_data["segment"]
        if query:
            firms = firms.filter(Q(name__icontains=query) | Q(credit_code__icontains=query))
        if segment:
            firms = firms.filter(segments=segment)
        return firms


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=[("", "—"), *Stage.choices], required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *ProjectKind.choices], required=False)

    def filtered(self, projects: QuerySet[Project]) -> QuerySet[Project]:
        if not self.is_valid():
            return projects
        data = self.cleaned_data
        if data["q"]:
            projects = projects.filter(
                Q(number__icontains=data["q"]) | Q(title__icontains=data["q"]) | Q(firm__name__icontains=data["q"])
            )
        if data["stage"]:
            projects = projects.filter(stage=data["stage"])
        if data["kind"]:
            projects = projects.filter(kind=data["kind"])
        return projects


class ApplicationForm(forms.ModelForm):
    """A firm's application; a reporter's firm is fixed, the bureau picks it."""

    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    document = forms.FileField(label=_("Application document"), required=False)

    class Meta:
        model = Project
        fields = [
            "firm", "title", "kind", "technology", "site", "investment_yuan", "eligible_investment_yuan",
            "expected_annual_saving_m3", "meters", "product", "reuse_study",
        ]  # fmt: skip

    def __init__(self, *args: Any, firms: QuerySet[Firm], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose_from(self, "firm", firms)
        water_users = [firm.water_user_id for firm in firms if firm.water_user_id]
        _choose_from(self, "meters", Meter.objects.filter(water_user_id__in=water_users))
        self.fields["meters"].required = False
        if firms.count() == 1:
            self.fields["firm"].initial = firms.first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, technology = data.get("kind"), data.get("technology")
        if kind == ProjectKind.DEMONSTRATION and technology not in DEMONSTRATION_TECHNOLOGIES:
            self.add_error("technology", _("A demonstration project uses one of the three demonstration technologies."))
        if kind == ProjectKind.PRODUCT_APPLICATION and not data.get("product"):
            self.add_error("product", _("A product-application project names the product applied."))
        if kind == ProjectKind.RETROFIT and technology == Technology.PRODUCT:
            self.add_error("technology", _("Choose the retrofit's technology."))
        investment, eligible = data.get("investment_yuan"), data.get("eligible_investment_yuan")
        if investment is not None and eligible is not None and eligible > investment:
            self.add_error("eligible_investment_yuan", _("The eligible investment cannot exceed the investment."))
        return data


class ReviewForm(forms.Form):
    """Up to three experts' scores and opinions."""

    reviewed_on = forms.DateField(label=_("Reviewed on"), initial=timezone.localdate)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(1, 4):
            required = index == 1
            self.fields[f"expert_{index}"] = forms.CharField(label=_("Expert"), max_length=50, required=required)
            self.fields[f"technical_{index}"] = forms.IntegerField(
                label=_("Technical score (0–50)"), min_value=0, max_value=50, required=required
            )
            self.fields[f"economic_{index}"] = forms.IntegerField(
                label=_("Economic score (0–50)"), min_value=0, max_value=50, required=required
            )
            self.fields[f"opinion_{index}"] = forms.CharField(label=_("Opinion"), required=required)

    def reviews(self) -> list[ExpertReview]:
        data = self.cleaned_data
        return [
            ExpertReview(
                expert_name=data[f"expert_{index}"],
                technical_score=data[f"technical_{index}"],
                economic_score=data[f"economic_{index}"],
                opinion=data[f"opinion_{index}"],
                reviewed_on=data["reviewed_on"],
            )
            for index in range(1, 4)
            if data.get(f"expert_{index}")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for index in (2, 3):
            if data.get(f"expert_{index}") and None in (data.get(f"technical_{index}"), data.get(f"economic_{index}")):
                self.add_error(f"technical_{index}", _("Give this expert's two scores."))
        return data


class ApprovalForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    decided_on = forms.DateField(label=_("Decided on"), initial=timezone.localdate)
    milestones = forms.CharField(
        label=_("Construction milestones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line: the deadline (YYYY-MM-DD), a space, then what is to be done by then."),
    )
    note = forms.CharField(label=_("Note"), required=False)

    def clean_milestones(self) -> list[tuple[str, datetime.date]]:
        milestones = []
        for number, line in enumerate(self.cleaned_data["milestones"].splitlines(), start=1):
            if not line.strip():
                continue
            day, _space, title = line.strip().partition(" ")
            try:
                due_on = datetime.date.fromisoformat(day)
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(number)d: “%(day)s” is not a date YYYY-MM-DD.") % {"number": number, "day": day}
                ) from None
            if not title.strip():
                raise forms.ValidationError(_("Line %(number)d: say what is to be done.") % {"number": number})
            milestones.append((title.strip(), due_on))
        return milestones

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "approve" and not data.get("milestones"):
            self.add_error("milestones", _("An approved project needs at least one milestone with its deadline."))
        return data


class StepDoneForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), required=False)
    document = forms.FileField(label=_("Document"), required=False)


class AcceptanceForm(StepDoneForm):
    passed = forms.BooleanField(label=_("Passed"), required=False, initial=True)


class VerificationForm(forms.Form):
    baseline_first = forms.CharField(label=_("Baseline from (month)"), widget=forms.TextInput(attrs=MONTH_INPUT))
    baseline_last = forms.CharField(label=_("Baseline to (month)"), widget=forms.TextInput(attrs=MONTH_INPUT))
    reporting_first = forms.CharField(label=_("Reporting from (month)"), widget=forms.TextInput(attrs=MONTH_INPUT))
    reporting_last = forms.CharField(label=_("Reporting to (month)"), widget=forms.TextInput(attrs=MONTH_INPUT))
    verified_on = forms.DateField(label=_("Verified on"), initial=timezone.localdate)

    def _month(self, field: str) -> datetime.date:
        text = self.cleaned_data[field]
        try:
            return datetime.date.fromisoformat(f"{text}-01")
        except ValueError:
            raise forms.ValidationError(_("“%(text)s” is not a month YYYY-MM.") % {"text": text}) from None

    def clean_baseline_first(self) -> datetime.date:
        return self._month("baseline_first")

    def clean_baseline_last(self) -> datetime.date:
        return self._month("baseline_last")

    def clean_reporting_first(self) -> datetime.date:
        return self._month("reporting_first")

    def clean_reporting_last(self) -> datetime.date:
        return self._month("reporting_last")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for first, last in (("baseline_first", "baseline_last"), ("reporting_first", "reporting_last")):
            if data.get(first) and data.get(last) and data[first] > data[last]:
                self.add_error(last, _("The period ends before it begins."))
        return data


class ProductionForm(forms.Form):
    """Monthly production of the project's site, one month a line, checked whole before anything is stored."""

    lines = forms.CharField(
        label=_("Monthly production"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One month a line: the month (YYYY-MM), the production, and optionally the cooling degree days, "
            "separated by spaces or commas."
        ),
    )

    def clean_lines(self) -> list[tuple[datetime.date, float, float | None]]:
        months: dict[datetime.date, tuple[datetime.date, float, float | None]] = {}
        errors = []
        for number, line in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            parts = line.replace(",", " ").split()
            if not parts:
                continue
            try:
                month = datetime.date.fromisoformat(f"{parts[0]}-01")
                values = [float(part) for part in parts[1:]]
            except ValueError:
                errors.append(
                    _("Line %(number)d: “%(line)s” is not a month and numbers.")
                    % {"number": number, "line": line.strip()}
                )
                continue
            if len(values) not in (1, 2) or values[0] < 0 or month in months:
                errors.append(
                    _(
                        "Line %(number)d: give the month once, its production (zero or more) and at most "
                        "the cooling degree days."
                    )
                    % {"number": number}
                )
                continue
            months[month] = (month, values[0], values[1] if len(values) == 2 else None)
        if errors:
            raise forms.ValidationError(errors)
        return sorted(months.values())


class DecisionForm(forms.Form):
    decided_on = forms.DateField(label=_("Decided on"), initial=timezone.localdate)


class PaymentForm(forms.Form):
    amount_yuan = forms.DecimalField(label=_("Amount (yuan)"), max_digits=16, decimal_places=2, min_value=0)
    voucher = forms.CharField(label=_("Payment voucher"), max_length=50)
    paid_on = forms.DateField(label=_("Paid on"), initial=timezone.localdate)


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = Feedback
        fields = [
            "firm",
            "product",
            "project",
            "reported_on",
            "category",
            "severity",
            "measured_saving_fraction",
            "text",
        ]

    def __init__(self, *args: Any, firms: QuerySet[Firm], projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose_from(self, "firm", firms)
        _choose_from(self, "project", projects)
        _choose_from(self, "product", Product.objects.select_related("firm"))
        self.fields["reported_on"].initial = timezone.localdate
        if firms.count() == 1:
            self.fields["firm"].initial = firms.first()

    def clean_severity(self) -> int:
        severity = self.cleaned_data["severity"]
        if severity > 3:
            raise forms.ValidationError(_("Severity runs from 0 to 3."))
        return int(severity)


class AdviceForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.all(), required=False)
    advice = forms.CharField(label=_("Advice"), widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 3}))


class FirmFileForm(forms.Form):
    file = forms.FileField(label=_("Excel workbook (.xlsx)"))
