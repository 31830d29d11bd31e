"""Another firm's reporter is refused Runhua's records by URL and by form: every POST of the programme.

Zhao Min reports for Xinglong Steel. He may use the programme's pages for his
own firm, but every POST aimed at Runhua's project, advice or name is refused
and changes nothing.
"""

import datetime

import pytest
from django.urls import reverse

from civic.programme import actions
from civic.programme.models import Feedback, Project, ProjectStep, UpgradeAdvice
from civic.programme.testing import retrofit

STEP_POSTS = {
    "project_review": {"reviewed_on": "2024-02-01", "expert_1": "赵", "technical_1": 50, "economic_1": 50,
                       "opinion_1": "好"},
    "project_approval": {"decision": "reject", "decided_on": "2024-02-01"},
    "project_acceptance": {"done_on": "2024-02-01", "passed": "on"},
    "project_verification": {"baseline_first": "2023-01", "baseline_last": "2023-12", "reporting_first": "2024-07",
                             "reporting_last": "2025-06", "verified_on": "2025-07-01"},
    "subsidy_decide": {"decided_on": "2025-07-01"},
    "subsidy_payment": {"amount_yuan": "1", "voucher": "X", "paid_on": "2025-07-01"},
}  # fmt: skip


@pytest.fixture
def runhua_project(cast, programme) -> Project:
    return actions.apply_for_project(retrofit(programme), cast.runhua_reporter, datetime.date(2024, 1, 10))


@pytest.mark.parametrize("name", sorted(STEP_POSTS))
def test_reporters_are_refused_every_office_step(name, runhua_project, li_qiang, zhao_min):
    steps_before = list(ProjectStep.objects.values_list("pk", "done_on"))
    for client in (zhao_min, li_qiang):
        response = client.post(reverse(f"programme:{name}", args=[runhua_project.number]), STEP_POSTS[name])
        assert response.status_code == 403
    assert Project.objects.get().stage == "review"
    assert list(ProjectStep.objects.values_list("pk", "done_on")) == steps_before


def test_a_milestone_of_runhua_is_refused_to_zhao_min(runhua_project, zhao_min):
    step = runhua_project.steps.first()
    url = reverse("programme:milestone_done", args=[runhua_project.number, step.pk])
    assert zhao_min.post(url, {"done_on": "2024-02-01"}).status_code == 403


def test_zhao_min_cannot_open_runhua_s_project_or_its_decision(runhua_project, zhao_min):
    assert zhao_min.get(reverse("programme:project_detail", args=[runhua_project.number])).status_code == 404
    assert zhao_min.get(reverse("programme:decision_pdf", args=[runhua_project.number])).status_code == 404


def test_zhao_min_cannot_reply_to_advice_sent_to_runhua(programme, zhao_min):
    advice = UpgradeAdvice.objects.create(firm=programme.runhua, advice="建议", sent_on=datetime.date(2025, 1, 1))
    response = zhao_min.post(reverse("programme:advice_reply", args=[advice.pk]), {"reply": "不必"})
    assert response.status_code == 404
    advice.refresh_from_db()
    assert advice.reply == ""


def test_zhao_min_cannot_file_feedback_in_runhua_s_name(programme, zhao_min, li_qiang):
    form = {"firm": programme.runhua.pk, "product": programme.membrane.pk, "reported_on": "2025-03-01",
            "category": "reliability", "severity": 2, "text": "膜污堵"}  # fmt: skip
    response = zhao_min.post(reverse("programme:feedback_list"), form)
    assert "Select a valid choice" in response.content.decode()
    assert not Feedback.objects.exists()
    assert li_qiang.post(reverse("programme:feedback_list"), form).status_code == 302
    assert Feedback.objects.get().firm == programme.runhua


def test_zhao_min_cannot_see_runhua_s_feedback(programme, cast, zhao_min):
    Feedback.objects.create(product=programme.membrane, firm=programme.runhua, reported_on=datetime.date(2025, 3, 1),
                            category="reliability", severity=2, text="膜污堵")  # fmt: skip
    assert "膜污堵" not in zhao_min.get(reverse("programme:feedback_list")).content.decode()


def test_a_reporter_without_a_firm_cannot_apply(cast, programme, zhao_min):
    programme.xinglong.water_user = None
    programme.xinglong.save()
    assert zhao_min.get(reverse("programme:project_apply")).status_code == 404


def test_zhao_min_cannot_send_upgrade_advice(programme, zhao_min):
    url = reverse("programme:firm_detail", args=[programme.xinglong.pk])
    zhao_min.post(url, {"advice": "自荐"})
    assert not UpgradeAdvice.objects.exists()


def test_zhao_min_cannot_report_production_for_runhua_s_project(runhua_project, zhao_min):
    url = reverse("programme:project_production", args=[runhua_project.number])
    assert zhao_min.get(url).status_code == 404
    assert zhao_min.post(url, {"lines": "2023-01 1"}).status_code == 404
    assert not runhua_project.production.exists()
