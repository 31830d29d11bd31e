"""Forms of the network analyses: the model upload, the data upload, the alarm list's search, an alarm's closing.

The upload forms read and check their files in `clean` (`civic.water.network_files`),
so each refusal is shown at the file it is about, and nothing is stored
before every file has passed.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, cast

from django import forms as django_forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from civic.water import network_files
from civic.water.forms import AlarmFilterForm, CloseLeakAlarmForm, outcome_field
from civic.water.models import NetworkLeakAlarm, NetworkLeakOutcome, NetworkModel

DATA_FILE_FIELDS = {
    "pressures": "pressures_file",
    "flows": "flows_file",
    "levels": "levels_file",
    "demands": "demands_file",
}


def upload_name(upload: Any) -> str:
    """The file name of an upload without any folder, as reports name it."""
    return Path(str(getattr(upload, "name", "") or "file")).name


class NetworkModelForm(django_forms.Form):
    """A new version of the county's network model: an EPANET `.inp` file."""

    name = django_forms.CharField(
        label=_("Name"), max_length=100, required=False, help_text=_("Left empty, the file's name is used.")
    )
    inp_file = django_forms.FileField(
        label=_("EPANET model (.inp)"),
        help_text=_("The network's hydraulic model as EPANET saves it, with coordinates for the map."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("inp_file")
        if upload is not None:
            try:
                cleaned["checked"] = network_files.read_network_model(cast(IO[bytes], upload), upload_name(upload))
            except network_files.NetworkUploadError as error:
                for line in error.lines:
                    self.add_error("inp_file", line)
        return cleaned


class NetworkAnalysisForm(django_forms.Form):
    """A sensor list and a period of sensor data in the BattLeDIM layout, for a version of the model."""

    network_model = django_forms.ModelChoiceField(
        label=_("Network model"), queryset=NetworkModel.objects.none(), empty_label=None
    )
    sensors_file = django_forms.FileField(
        label=_("Sensor list"),
        help_text=_(
            "sensors.yaml (pressures, flows, levels, demands: lists of element ids), "
            "or a CSV or Excel table with the columns kind and element_id."
        ),
    )
    pressures_file = django_forms.FileField(
        label=_("Pressures (pressures.csv)"),
        help_text=_(
            "A Timestamp (or 时间, 采集时间) column, then one column per pressure sensor, in metres, every 5 minutes; "
            "UTF-8 or GBK."
        ),
    )
    flows_file = django_forms.FileField(
        label=_("Flows (flows.csv)"), required=False, help_text=_("One column per flow sensor, in m³/h.")
    )
    levels_file = django_forms.FileField(
        label=_("Tank levels (levels.csv)"), required=False, help_text=_("One column per tank, in metres.")
    )
    demands_file = django_forms.FileField(
        label=_("Smart-meter demands (demands.csv)"), required=False, help_text=_("Optional; in L/h.")
    )
    training_days = django_forms.IntegerField(
        label=_("Training days"),
        min_value=2,
        max_value=60,
        initial=7,
        help_text=_("The first days of the data, taken as free of new leaks, that the models are fitted to."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(django_forms.ModelChoiceField, self.fields["network_model"])
        field.queryset = NetworkModel.objects.defer("inp_text", "map_layers")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        model = cleaned.get("network_model")
        sensors = cleaned.get("sensors_file")
        if model is None or sensors is None or self.errors:
            return cleaned
        network = network_files.load_model_text(NetworkModel.objects.get(pk=model.pk).inp_text)
        try:
            layout = network_files.read_sensor_list(cast(IO[bytes], sensors), upload_name(sensors), network)
        except network_files.NetworkUploadError as error:
            for line in error.lines:
                self.add_error("sensors_file", line)
            return cleaned
        uploads = {
            kind: (cast(IO[bytes], cleaned[field]), upload_name(cleaned[field])) if cleaned.get(field) else None
            for kind, field in DATA_FILE_FIELDS.items()
        }
        try:
            data = network_files.read_sensor_data(uploads, layout, network)
        except network_files.NetworkUploadError as error:
            for line in error.lines:
                self.add_error(self._field_of(line), line)
            return cleaned
        cleaned["layout"], cleaned["data"] = layout, data
        return cleaned

    @staticmethod
    def _field_of(line: str) -> str | None:
        """The upload field a report line names by its file, else the form as a whole."""
        for kind, field in DATA_FILE_FIELDS.items():
            if line.startswith(f"{kind}.csv"):
                return field
        return None


class NetworkAlarmFilterForm(AlarmFilterForm):
    """Search the network leak alarms by pipe, and filter them by status, assignee and outcome."""

    q = django_forms.CharField(label=_("Pipe"), required=False, max_length=64)
    outcome = django_forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("Any outcome")), *NetworkLeakOutcome.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["dma"]

    def filtered(self, alarms: QuerySet[NetworkLeakAlarm]) -> QuerySet[NetworkLeakAlarm]:
        if not self.is_valid():
            return alarms
        self.cleaned_data["dma"] = ""
        alarms = self.filtered_workflow(alarms)
        pipe = self.cleaned_data["q"].strip()
        if pipe:
            alarms = alarms.filter(Q(pipe_id__iexact=pipe) | Q(candidate_area__icontains=f'"{pipe}"'))
        return alarms


class CloseNetworkAlarmForm(CloseLeakAlarmForm):
    repaired_outcome = NetworkLeakOutcome.LEAK_REPAIRED

    outcome = outcome_field(NetworkLeakOutcome.choices)
