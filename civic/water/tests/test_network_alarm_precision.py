"""Network leak alarms in the measured precision: their own kind, and per network model as DMAs are per DMA.

Precision = TP / (TP + FP) as in Fawcett (2006), section 2 ([FAWCETT-2006] in docs/sources.md), with the
outcomes of hydro.readings.alarm_outcomes: a network leak alarm is true when the crew finds and repairs a
leak in its candidate area, false when it finds none, and left out when it could not reach the area.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from civic.testing import Cast
from civic.water.actions import alarm_precision, close_alarm, reopen_alarm
from civic.water.models import NetworkAnalysis, NetworkLeakAlarm, NetworkModel

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2019, 1, 3, 1, tzinfo=datetime.UTC)


def network_alarms(version: int, pipes: list[str]) -> list[NetworkLeakAlarm]:
    """Alarms of one analysis on version `version` of the county's model (no hydraulics: the outcomes are tested)."""
    model = NetworkModel.objects.create(
        version=version,
        name="县城供水管网",
        file_name="Net3.inp",
        inp_text="",
        junctions=92,
        pipes=117,
        total_length_m=0,
    )
    analysis = NetworkAnalysis.objects.create(
        network_model=model, pressures_csv="", flows_csv="", levels_csv="", data_start=MOMENT, data_end=MOMENT
    )
    return [
        NetworkLeakAlarm.objects.create(analysis=analysis, pipe_id=pipe, start_time=MOMENT, size_m3_per_h=10.0)
        for pipe in pipes
    ]


@pytest.fixture
def closed_alarms(cast: Cast) -> None:
    """Version 1: leaks repaired at two of three areas checked, one area not reached, one alarm open.
    Version 2: one alarm, no leak found."""
    crew = cast.network_analyst
    repaired_171, none_found, repaired_163, no_access, _open = network_alarms(1, ["171", "10", "163", "335", "20"])
    close_alarm(repaired_171, "leak_repaired", "DN300 接口漏水，已修复", crew, 2300.0)
    close_alarm(none_found, "no_leak_found", "", crew)
    close_alarm(repaired_163, "leak_repaired", "", crew, 700.0)
    close_alarm(no_access, "no_access", "路面施工，无法进入", crew)
    (second_version,) = network_alarms(2, ["171"])
    close_alarm(second_version, "no_leak_found", "", crew)


def test_network_leak_alarms_are_a_kind_of_their_own_and_counted_per_network_model(closed_alarms):
    measured = alarm_precision()
    # the kind: 2 true (repaired), 2 false (no leak found, on v1 and v2), 1 no access: P = 2 / 4 = 0.5
    network = measured.by_kind["network_leak"]
    assert (network.true, network.false, network.undetermined, network.closed) == (2, 2, 1, 5)
    assert network.precision == 0.5
    # per model: v1 has 3 closed with a finding, leaks found at 2: P = 2 / 3 = 0.67; v2 none of 1: 0
    first, second = measured.by_network_model["县城供水管网 v1"], measured.by_network_model["县城供水管网 v2"]
    assert (first.true, first.false, first.undetermined) == (2, 1, 1)
    assert first.precision is not None and round(first.precision, 2) == 0.67
    assert second.precision == 0.0
    assert measured.by_dma == {}  # a network alarm is in no DMA
    assert measured.open_by_kind == {"network_leak": 1}
    assert measured.network_volume_recovered_m3 == 3000.0  # 2,300 + 700 m³
    assert measured.volume_recovered_m3 == 0.0  # the night-flow alarms' recovered water is counted apart


def test_a_reopened_network_alarm_no_longer_counts(closed_alarms, cast: Cast):
    reopen_alarm(NetworkLeakAlarm.objects.get(pipe_id="10"), cast.network_analyst)
    assert alarm_precision().by_network_model["县城供水管网 v1"].precision == 1.0  # 2 of 2


def test_the_precision_page_shows_network_leaks_in_chinese(closed_alarms, cast: Cast):
    client = Client()
    client.force_login(cast.network_analyst)
    page = client.get(reverse("water:alarm_precision")).content.decode()
    kind_row = page.split('<tr data-kind="network_leak">')[1].split("</tr>")[0]
    assert kind_row == (
        '<td>管网漏损</td><td class="number">1</td><td class="number">5</td><td class="number">2</td>'
        '<td class="number">2</td><td class="number">1</td><td class="number precision">0.50</td>'
    )
    model_row = page.split('<tr data-network-model="县城供水管网 v1">')[1].split("</tr>")[0]
    assert model_row.endswith('<td class="number precision">0.67</td>')
    assert "<tr><td>管网漏损</td><td>发现漏点并已修复</td><td>未发现漏点</td></tr>" in page  # the truth table
    assert "管网漏损报警后经修复挽回的水量：3000.0 m³。" in page
