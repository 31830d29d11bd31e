"""A balance test walked through in Chromium: Li Qiang of Runhua Dyeing enters it, Wang Fang of the bureau
returns it once and then accepts it, Runhua is certified and its certificate reads correctly; Zhao Min of
Xinglong Steel is refused Runhua's test and certificate."""

from __future__ import annotations

import io
from urllib.parse import urljoin

import pytest
from django.urls import reverse
from pypdf import PdfReader

from civic.browser_testing import save_screenshot, sign_in
from civic.evaluation.defaults import load_carrier_defaults
from civic.evaluation.models import BalanceTest, CarrierCertificate, CarrierSector
from civic.evaluation.testing import RUNHUA_HEADER, unit_rows
from civic.testing import PASSWORD

pytestmark = pytest.mark.browser

FIELDS = (
    "name",
    "fresh_m3",
    "reused_m3",
    "consumed_m3",
    "discharged_m3",
    "leaked_m3",
    "steam_t",
    "condensate_recovered_t",
)


def pdf_text(response) -> str:
    """The PDF's text without whitespace; pypdf reads fpdf2's Identity CMap with a NUL before each character."""
    reader = PdfReader(io.BytesIO(response.body()))
    return "".join("".join(page.extract_text() for page in reader.pages).replace("\x00", "").split())


def new_page(browser, live_server, user):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, user.username, PASSWORD)
    return page


def fill_units(page, units) -> None:
    for index, unit in enumerate(units):
        for field in FIELDS:
            value = unit.get(field)
            page.fill(f"#id_units-{index}-{field}", "" if value is None else str(value))


def enter_test(page, live_server, units) -> None:
    page.goto(live_server.url + reverse("evaluation:balance_test_create"))
    page.select_option("#id_sector", str(CarrierSector.objects.get(code="textile_dyeing").pk))
    for field, value in RUNHUA_HEADER.items():
        page.fill(f"#id_{field}", str(value))
    fill_units(page, units)
    with page.expect_navigation():
        page.click("#save-balance-test")


def test_a_balance_test_from_entry_to_certificate(cast, live_server, browser):
    load_carrier_defaults()
    li_qiang = new_page(browser, live_server, cast.runhua_reporter)
    # First entry: the condensate read from the wrong meter, 4,000 t of 5,000 (80 %, under the 98 % of dyeing).
    enter_test(li_qiang, live_server, unit_rows(锅炉房={"condensate_recovered_t": 4000}))
    test = BalanceTest.objects.get()
    assert test.water_user == cast.runhua
    assert "70.7 %" in li_qiang.inner_text("#reuse-rate")
    li_qiang.wait_for_selector("#sankey canvas")
    save_screenshot(li_qiang, "balance_test")
    with li_qiang.expect_navigation():
        li_qiang.click("#submit-test")
    assert li_qiang.inner_text("#test-status") == "已提交"

    wang_fang = new_page(browser, live_server, cast.bureau_staff)
    detail = live_server.url + reverse("evaluation:balance_test_detail", args=[test.pk])
    wang_fang.goto(detail)
    assert "未达到" in wang_fang.inner_text("#carrier-assessment")
    wang_fang.select_option("#id_decision", "returned")
    wang_fang.fill("#id_comment", "冷凝水回收量应按回收管计量表读数填写。")
    with wang_fang.expect_navigation():
        wang_fang.click("#record-review")
    assert wang_fang.inner_text("#test-status") == "已退回"

    li_qiang.goto(detail)
    assert "冷凝水回收量应按回收管计量表读数填写" in li_qiang.inner_text("#reviews")
    with li_qiang.expect_navigation():
        li_qiang.click("#edit-test")
    li_qiang.fill("#id_units-2-condensate_recovered_t", "4900")
    with li_qiang.expect_navigation():
        li_qiang.click("#save-balance-test")
    with li_qiang.expect_navigation():
        li_qiang.click("#submit-test")

    wang_fang.goto(detail)
    wang_fang.select_option("#id_decision", "accepted")
    with wang_fang.expect_navigation():
        wang_fang.click("#record-review")
    with wang_fang.expect_navigation():
        wang_fang.click("#certify")
    certificate = CarrierCertificate.objects.get()
    assert certificate.number in wang_fang.inner_text("#certificate")

    li_qiang.goto(detail)
    printed = li_qiang.request.get(urljoin(li_qiang.url, li_qiang.get_attribute("#certificate-pdf", "href")))
    assert printed.headers["content-type"] == "application/pdf"
    text = pdf_text(printed)
    assert "节水型企业证书" in text
    assert f"证书编号：{certificate.number}" in text
    assert "常州润华印染有限公司（用户编号WJ0001）" in text
    assert "特认定为节水型企业" in text
    assert "蒸汽冷凝水回用率98.0%≥98.0%" in text
    assert "待核实" in text

    zhao_min = new_page(browser, live_server, cast.xinglong_reporter)
    refused = zhao_min.request.get(live_server.url + reverse("evaluation:certificate_pdf", args=[certificate.number]))
    assert refused.status == 404
    assert zhao_min.goto(detail).status == 404
    zhao_min.goto(live_server.url + reverse("evaluation:balance_test_list"))
    assert "常州润华印染有限公司" not in zhao_min.inner_text("main")
