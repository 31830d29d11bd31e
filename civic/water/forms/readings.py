"""Forms of the readings import: the file and the search of past imports."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.utils.translation import gettext_lazy as _

from civic.core import intake as intake_messages
from civic.water import readings_files

READINGS_FILE_SUFFIXES = (".csv", ".xlsx")


class ReadingsFileForm(django_forms.Form):
    """A readings file to import: CSV or XLSX in the bureau's layout."""

    file = django_forms.FileField(
        label=_("Readings file"),
        help_text=_("CSV (UTF-8 or GB18030) or Excel .xlsx, one row per reading, in the layout of the template."),
    )

    def clean_file(self) -> Any:
        wrong_kind = _("%(name)s is not a .csv or .xlsx file. Save the readings as CSV or Excel workbook (.xlsx).")
        return intake_messages.checked_upload(
            self.cleaned_data["file"], READINGS_FILE_SUFFIXES, wrong_kind, readings_files.LIMITS
        )


class ImportSearchForm(django_forms.Form):
    """Search of the imports list by file name."""

    q = django_forms.CharField(label=_("File name"), required=False, max_length=255)
