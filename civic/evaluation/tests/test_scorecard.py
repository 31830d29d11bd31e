"""The default MWR 2017 profile, indicators computed from records, and the scorecard's reports."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from civic.evaluation import actions, scoring
from civic.evaluation.defaults import load_mwr_2017_profile
from civic.evaluation.models import ScorecardEntry
from civic.evaluation.testing import pdf_text
from civic.water.models import AnnualPlan, PlanMethod, PlanStatus, WaterAudit


def test_the_default_profile_has_eleven_categories_twenty_indicators_and_a_hundred_points(db):
    profile = load_mwr_2017_profile()
    base = profile.indicators.filter(is_bonus=False)
    assert len(set(base.values_list("category", flat=True))) == 11
    assert base.count() == 20
    assert sum(base.values_list("points", flat=True)) == 100
    assert profile.pass_line == 90
    assert not profile.indicators.filter(to_verify=False).exists()
    assert load_mwr_2017_profile() == profile  # a second load changes nothing


def issue(water_user, year):
    return AnnualPlan.objects.create(
        water_user=water_user, year=year, method=PlanMethod.DESIGN, annual_volume_m3=1000, status=PlanStatus.ISSUED
    )


def test_planned_use_coverage_counts_listed_users_with_an_issued_plan(cast):
    # Runhua and Xinglong are listed; only Runhua has a 2024 plan: 1 / 2.
    issue(cast.runhua, 2024)
    computed = scoring.planned_use_coverage(2024)
    assert computed.value == 0.5
    assert computed.trace["without_plan"] == ["WJ0002"]


def test_the_leakage_rate_weights_each_audit_by_its_system_input(cast):
    # 12 % on 3 million m³ and 8 % on 1 million m³: (0.12 × 3 + 0.08 × 1) / 4 = 0.11.
    WaterAudit.objects.create(
        utility_name="甲", year=2024, inputs={}, result={"leakage_rate_pct": 12, "system_input_m3": 3e6}
    )
    WaterAudit.objects.create(
        utility_name="乙", year=2024, inputs={}, result={"leakage_rate_pct": 8, "system_input_m3": 1e6}
    )
    assert scoring.network_leakage_rate(2024).value == pytest.approx(0.11)
    assert scoring.network_leakage_rate(2023).value is None


def test_the_surcharge_in_force_reads_the_schedule(cast):
    # make_rules() puts the Jiangsu draft schedule in force from 2020.
    assert scoring.surcharge_in_force(2024).value == 1.0
    assert scoring.surcharge_in_force(2019).value == 0.0


def test_a_computed_scorecard_keeps_manual_values_when_recomputed(cast):
    profile = load_mwr_2017_profile()
    scorecard = actions.compute_scorecard(profile, 2024)
    publicity = ScorecardEntry.objects.get(scorecard=scorecard, indicator__code="publicity")
    actions.enter_scorecard_value(publicity, 1, "宣传周活动记录", None, cast.bureau_staff)
    issue(cast.runhua, 2024)
    issue(cast.xinglong, 2024)
    actions.compute_scorecard(profile, 2024)
    publicity.refresh_from_db()
    coverage = ScorecardEntry.objects.get(scorecard=scorecard, indicator__code="planned_use_coverage")
    assert publicity.value == 1
    assert coverage.value == 1.0
    result = scoring.score_scorecard(scorecard)
    scores = {score.code: score for score in result.scores}
    assert scores["publicity"].points == 4
    assert scores["planned_use_coverage"].points == 8
    assert result.passes is False


def test_the_report_pdf_and_excel_read_in_chinese(cast, wang_fang):
    scorecard = actions.compute_scorecard(load_mwr_2017_profile(), 2024)
    pdf = wang_fang.get(reverse("evaluation:scorecard_pdf", args=[scorecard.pk]))
    text = pdf_text(b"".join(pdf.streaming_content))
    assert "2024年县域节水型社会达标建设自评报告" in text
    assert "差距清单" in text
    assert "未达标" in text
    workbook = load_workbook(
        io.BytesIO(wang_fang.get(reverse("evaluation:scorecard_xlsx", args=[scorecard.pk])).content)
    )
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("类别", "指标", "数值")
    assert len([row for row in rows[1:] if row[0] and row[0] not in ("总得分", "达标线", "结论")]) == 23
    assert workbook.sheetnames[1] == "差距清单"


def test_manual_entry_takes_evidence(cast, wang_fang, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    scorecard = actions.compute_scorecard(load_mwr_2017_profile(), 2025)
    entry = ScorecardEntry.objects.get(scorecard=scorecard, indicator__code="reclaimed_water")
    evidence = SimpleUploadedFile("再生水统计.pdf", b"%PDF-1.4 evidence")
    response = wang_fang.post(
        reverse("evaluation:scorecard_entry", args=[entry.pk]),
        {"value": "0.23", "note": "污水厂年报", "evidence": evidence},
    )
    entry.refresh_from_db()
    assert response.status_code == 302
    assert entry.value == 0.23
    assert entry.evidence.name.startswith("evaluation/evidence/")
    assert entry.entered_by == cast.bureau_staff
    download = wang_fang.get(reverse("evaluation:scorecard_evidence", args=[entry.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 evidence"


def test_an_audit_without_its_cjj92_rate_is_left_out_of_the_network_leakage_rate(db):
    # Two audits of 2024: one with a CJJ 92 rate of 10 % on 8,000,000 m³, one incomplete (no DN ≥ 75 length,
    # so no rate) on 2,000,000 m³. The county's rate is the complete audit's alone: 0.10.
    from civic.evaluation.scoring import network_leakage_rate
    from civic.water.models import WaterAudit

    WaterAudit.objects.create(
        utility_name="A", year=2024, inputs={}, result={"leakage_rate_pct": 10.0, "system_input_m3": 8_000_000}
    )
    WaterAudit.objects.create(
        utility_name="B", year=2024, inputs={}, result={"leakage_rate_pct": None, "system_input_m3": 2_000_000}
    )
    assert network_leakage_rate(2024).value == 0.10
