"""The reuse study's workbook speaks in words in either language: no solver codes, node ids or TRUE/FALSE."""

import io

from django.conf import settings
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from civic.testing import Cast, sign_in
from civic.water.models import ReuseStudy


def workbook_cells(client: Client, study: ReuseStudy) -> list[object]:
    response = client.get(reverse("water:reuse_study_xlsx", args=[study.pk]))
    workbook = load_workbook(io.BytesIO(response.content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]


def test_the_workbook_names_statuses_and_sources_in_the_readers_language(
    study: ReuseStudy, engineer: Client, cast: Cast
):
    engineer.post(reverse("water:reuse_study_run", args=[study.pk]))
    english = workbook_cells(engineer, study)
    assert "Tap water" in english
    assert {"Yes", "No"} & set(english)
    chinese_client = Client()
    sign_in(chinese_client, cast.bureau_staff)
    chinese_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = workbook_cells(chinese_client, study)
    assert "最优解" in chinese and "自来水" in chinese
    # "optimal" is the English word for the solver's status; in Chinese it must not show through.
    for cells, codes in ((english, {"tap", "reclaimed", "wastewater"}), (chinese, {"optimal", "tap", "reclaimed"})):
        raw = codes & {cell for cell in cells if isinstance(cell, str)}
        assert not raw, raw
        assert not any(isinstance(cell, bool) for cell in cells)
