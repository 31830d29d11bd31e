"""The water-saving programme walked through in Chromium, in Chinese, as a firm and the office would.

Li Qiang applies for Runhua Dyeing's dyeing-workshop retrofit, measured by the
sub-meter M-RH-P1. Wang Fang of the office records the expert review, approves
it with two milestones, records them and the acceptance, measures the saving
from the meter (its figures worked by hand in test_projects: 12,480 m³, 90 %
interval 12,053 to 12,907 m³), decides the subsidy (¥24,960.00, the notice a
PDF in Chinese) and pays it. Zhao Min of Xinglong Steel is refused the project
by its address and cannot apply in Runhua's name by tampering with the form.

A second walk opens the chain graph, the segment figures and the feedback
analysis of the demo county and checks their charts are drawn without a script
error (docs/screenshots/capture.py takes their pictures).
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from civic.browser_testing import sign_in
from civic.programme.models import Project, Stage, SubsidyPolicy
from civic.programme.testing import record_meter_history
from civic.testing import PASSWORD

pytestmark = pytest.mark.browser


def submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")


def test_a_retrofit_from_application_to_payment_and_an_outsider_refused(cast, programme, live_server, page):
    sign_in(page, live_server, cast.runhua_reporter.username, PASSWORD)
    page.goto(live_server.url + reverse("programme:project_apply"))
    page.fill("input[name=title]", "染色车间逆流漂洗改造")
    page.select_option("select[name=kind]", "retrofit")
    page.select_option("select[name=technology]", "process")
    page.fill("input[name=site]", "湖塘镇润华印染染色车间")
    page.fill("input[name=investment_yuan]", "1200000")
    page.fill("input[name=eligible_investment_yuan]", "1000000")
    page.fill("input[name=expected_annual_saving_m3]", "12000")
    page.select_option("select[name=meters]", label="M-RH-P1")
    submit(page, "#apply-form")
    project = Project.objects.get()
    assert page.url.endswith(reverse("programme:project_detail", args=[project.number]))
    assert page.inner_text("#project-stage") == "专家评审"
    # The workshop's monthly production comes with the firm's monthly statistics; the meter is read monthly.
    record_meter_history(project, programme.project_meter)

    page.context.clear_cookies()
    sign_in(page, live_server, cast.bureau_staff.username, PASSWORD)
    page.goto(live_server.url + reverse("programme:project_detail", args=[project.number]))
    page.fill("input[name=expert_1]", "张工")
    page.fill("input[name=technical_1]", "42")
    page.fill("input[name=economic_1]", "40")
    page.fill("input[name=opinion_1]", "方案可行")
    submit(page, "#review-form")
    page.select_option("select[name=decision]", "approve")
    page.fill("textarea[name=milestones]", "2024-04-01 设备采购\n2024-06-01 安装调试")
    submit(page, "#approval-form")
    for _milestone in range(2):
        submit(page, ".milestone-form")
    submit(page, "#acceptance-form")
    assert page.inner_text("#project-stage") == "节水量核定"

    page.click("#verification-link")
    for field, month in (("baseline_first", "2023-01"), ("baseline_last", "2023-12"),
                         ("reporting_first", "2024-07"), ("reporting_last", "2025-06")):  # fmt: skip
        page.fill(f"input[name={field}]", month)
    submit(page, "#verification-form")
    assert page.inner_text("#certified") == "已核定"
    assert page.inner_text(".verification .saving .interval") == "12,053 – 12,907"
    assert "12,480 m³" in page.inner_text(".verification .saving")

    # The office decides today, under this year's rules (the cast's 2025 rules, carried over).
    this_year = timezone.localdate().year
    if this_year != programme.policy.year:
        SubsidyPolicy.objects.create(**{
            **model_to_dict(programme.policy, exclude=["id"]), "year": this_year,
            "effective_from": datetime.date(this_year, 1, 1),
        })  # fmt: skip
    page.goto(live_server.url + reverse("programme:project_detail", args=[project.number]))
    assert "¥24,960.00" in page.inner_text("#proposed-amount")
    submit(page, "#decision-form")
    pdf_url = reverse("programme:decision_pdf", args=[project.number])
    assert page.get_attribute("#decision-pdf", "href") == pdf_url
    notice = page.request.get(live_server.url + pdf_url)
    text = "".join(pdf_page.extract_text() for pdf_page in PdfReader(io.BytesIO(notice.body())).pages)
    text = "".join(text.replace("\x00", "").split())  # the CJK font's glyphs come out with NULs and breaks
    assert "节水项目奖补决定书" in text and "24,960.00" in text and "贰万肆仟玖佰陆拾元整" in text
    page.fill("input[name=amount_yuan]", "24960.00")
    page.fill("input[name=voucher]", "GK2025-0001")
    page.fill("#payment-form input[name=paid_on]", "2025-08-01")
    submit(page, "#payment-form")
    assert page.inner_text("#project-stage") == "已办结"
    assert Project.objects.get().stage == Stage.CLOSED

    page.context.clear_cookies()
    sign_in(page, live_server, cast.xinglong_reporter.username, PASSWORD)
    refused = page.goto(live_server.url + reverse("programme:project_detail", args=[project.number]))
    assert refused is not None and refused.status == 404
    page.goto(live_server.url + reverse("programme:project_apply"))
    page.evaluate(
        """runhua => { const select = document.querySelector('select[name=firm]');
                       select.add(new Option('润华', runhua)); select.value = String(runhua); }""",
        programme.runhua.pk,
    )
    page.select_option("select[name=kind]", "retrofit")
    page.select_option("select[name=technology]", "process")
    page.fill("input[name=title]", "冒名申报")
    page.fill("input[name=site]", "润华厂区")
    page.fill("input[name=investment_yuan]", "100")
    page.fill("input[name=eligible_investment_yuan]", "100")
    page.fill("input[name=expected_annual_saving_m3]", "100")
    submit(page, "#apply-form")
    assert "选择一个有效的选项" in page.inner_text("#apply-form")
    assert Project.objects.count() == 1


@pytest.mark.slow
def test_the_demo_county_s_chain_segments_and_feedback_charts_are_drawn(db, live_server, page):
    from civic.demo.county import DEFAULT_SEED, load_demo_county
    from civic.demo.water_users import minimum_user_count

    load_demo_county(DEFAULT_SEED, 1, quiet=True, user_count=minimum_user_count(1) + 10, dog_count=20)
    sign_in(page, live_server, "bureau", "demo12345")
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    for url_name, chart in (
        ("programme:chain_graph", "#chain-graph"),
        ("programme:segment_figures", "#segment-chart"),
        ("programme:feedback_analysis", "#problem-chart"),
        ("programme:feedback_analysis", "#quarter-chart"),
        ("programme:feedback_analysis", "#segment-saving-chart"),
    ):
        page.goto(live_server.url + reverse(url_name))
        page.wait_for_selector(f"{chart} canvas")
    assert script_errors == []
    page.goto(live_server.url + reverse("programme:segment_figures"))
    assert "节水产业企业共 58 家" in page.inner_text("#industry-firms")
