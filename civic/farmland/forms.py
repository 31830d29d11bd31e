"""Forms of the farmland pages: project filters and entry, uploads, a year's figures and its sample districts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from civic.core.boundaries import BoundaryError, read_boundary
from civic.core.models import Region, RegionLevel
from civic.farmland import actions
from civic.farmland.models import (
    FarmlandProject,
    IrrigationMethod,
    IrrigationYear,
    ProjectStatus,
    SampleDistrict,
    TypicalField,
)

MAXIMUM_DOCUMENT_BYTES = 10 * 1024 * 1024


def towns() -> QuerySet[Region]:
    return Region.objects.filter(level=RegionLevel.TOWN).order_by("code")


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    town = forms.ModelChoiceField(label=_("Town"), queryset=Region.objects.none(), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", "—"), *ProjectStatus.choices], required=False)
    irrigation_method = forms.ChoiceField(
        label=_("Irrigation method"), choices=[("", "—"), *IrrigationMethod.choices], required=False
    )
    plan_year = forms.IntegerField(label=_("Year of plan"), required=False, min_value=1990, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns()  # type: ignore[attr-defined]

    def filtered(self, projects: QuerySet[FarmlandProject]) -> QuerySet[FarmlandProject]:
        if not self.is_valid():
            return projects.none()
        data = self.cleaned_data
        if data["q"]:
            projects = projects.filter(Q(code__icontains=data["q"]) | Q(name__icontains=data["q"]))
        for name in ("town", "status", "irrigation_method", "plan_year"):
            if data[name] not in (None, ""):
                projects = projects.filter(**{name: data[name]})
        return projects.select_related("town")


class ProjectForm(forms.ModelForm):
    boundary_file = forms.FileField(
        label=_("Boundary"),
        required=False,
        help_text=_("A GeoJSON file (.geojson) or a zipped Shapefile (.zip) with the project's polygon."),
    )

    class Meta:
        model = FarmlandProject
        fields = [
            "code",
            "name",
            "town",
            "plan_year",
            "area_mu",
            "central_funds_10k_yuan",
            "provincial_funds_10k_yuan",
            "county_funds_10k_yuan",
            "other_funds_10k_yuan",
            "irrigation_method",
            "status",
            "accepted_on",
            "acceptance_document",
            "remarks",
        ]
        widgets = {"accepted_on": forms.DateInput(attrs={"type": "date"}), "remarks": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns()  # type: ignore[attr-defined]

    def clean_boundary_file(self) -> dict[str, Any] | None:
        upload = self.cleaned_data.get("boundary_file")
        if not upload:
            return None
        try:
            return read_boundary(upload.name, upload.read(), actions.county_bounds())
        except BoundaryError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_acceptance_document(self) -> Any:
        document = self.cleaned_data.get("acceptance_document")
        if document and getattr(document, "size", 0) > MAXIMUM_DOCUMENT_BYTES:
            raise forms.ValidationError(_("The document is larger than 10 MB."))
        return document

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") in (ProjectStatus.ACCEPTANCE, ProjectStatus.IN_USE) and not data.get("accepted_on"):
            self.add_error("accepted_on", _("An accepted project needs its acceptance date."))
        return data

    def save(self, commit: bool = True) -> FarmlandProject:
        project = super().save(commit=False)
        if self.cleaned_data.get("boundary_file"):
            project.boundary = self.cleaned_data["boundary_file"]
        if commit:
            project.save()
        return project


class TableFileForm(forms.Form):
    file = forms.FileField(label=_("Excel workbook or CSV file"))


class IrrigationYearForm(forms.ModelForm):
    class Meta:
        model = IrrigationYear
        fields = [
            "year",
            "large_gross_m3",
            "medium_gross_m3",
            "small_gross_m3",
            "well_gross_m3",
            "provincial_value",
            "national_value",
            "county_target",
        ]


class SampleDistrictForm(forms.ModelForm):
    irrigated_area_text = forms.CharField(
        label=_("Irrigated area by crop (mu)"),
        help_text=_("One crop a line: crop, area — e.g. 水稻, 5000"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = SampleDistrict
        fields = ["name", "district_class", "size_group", "gross_m3"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["irrigated_area_text"].initial = "\n".join(
                f"{crop}, {area:g}" for crop, area in self.instance.irrigated_area_mu.items()
            )

    def clean_irrigated_area_text(self) -> dict[str, float]:
        areas: dict[str, float] = {}
        for number, line in enumerate(self.cleaned_data["irrigated_area_text"].splitlines(), start=1):
            if not line.strip():
                continue
            crop, _comma, area = line.replace("，", ",").partition(",")
            try:
                value = float(area.strip())
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(line)d: write the crop, a comma and its area.") % {"line": number}
                ) from None
            if value < 0 or not crop.strip():
                raise forms.ValidationError(
                    _("Line %(line)d: write the crop, a comma and its area.") % {"line": number}
                )
            areas[crop.strip()] = value
        if not areas:
            raise forms.ValidationError(_("Give the irrigated area of at least one crop."))
        return areas

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("district_class") == "medium" and not data.get("size_group"):
            self.add_error("size_group", _("A medium district needs its size group."))
        if data.get("district_class") != "medium":
            data["size_group"] = ""
        return data

    def save(self, commit: bool = True) -> SampleDistrict:
        district = super().save(commit=False)
        district.irrigated_area_mu = self.cleaned_data["irrigated_area_text"]
        if commit:
            district.save()
        return district


TypicalFieldFormSet: type[forms.BaseInlineFormSet] = forms.inlineformset_factory(
    SampleDistrict,
    TypicalField,
    fields=["name", "crop", "net_m3_per_mu"],
    extra=3,
    can_delete=True,
    min_num=1,
    validate_min=True,
)
