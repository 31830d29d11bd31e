"""Dog management walked through in Chromium, as a clinic, an inspector and a passer-by would.

Sun Li of Runxuan Pet Hospital registers Liu Min's corgi in the one-stop flow
and prints its licence and tag; she refuses a Tibetan mastiff and prints the
letter; she renews Wangcai's lapsed licence. Liu Yang, the inspector, records
a patrol at Yancheng Park, opens a case for Doudou and decides it within the
regulation's range. A passer-by checks a demo tag without signing in.
"""

from __future__ import annotations

import datetime
import io
import json
import random
import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.utils import timezone
from pypdf import PdfReader

from civic.browser_testing import save_screenshot, sign_in
from civic.core.models import Region, RegionLevel
from civic.demo.dogs import VALID_DEMO_TAG, load_dog_demo
from civic.demo.regions import create_regions
from civic.demo.service_points import create_service_points
from civic.dogs import rules
from civic.dogs.models import Licence, Refusal, ViolationCase
from civic.dogs.testing import fill_dog_step, fill_immunisation_step, fill_owner_step
from civic.testing import PASSWORD

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def pdf_text(response) -> str:
    """The PDF's text without whitespace; pypdf reads fpdf2's Identity CMap with a NUL before each character."""
    reader = PdfReader(io.BytesIO(response.body()))
    return "".join("".join(page.extract_text() for page in reader.pages).replace("\x00", "").split())


def test_sun_li_registers_a_corgi_step_by_step_and_prints_its_tag(dogs, live_server, page, browser):
    sign_in(page, live_server, dogs.cast.clinic_staff.username, PASSWORD)
    page.goto(f"{live_server.url}/dogs/register/")
    # One step at a time: the dog's fields wait behind the owner's.
    assert page.locator("#step-owner").is_visible() and not page.locator("#step-dog").is_visible()

    fill_owner_step(page, dogs.cast.niutang, "牛塘镇青云路9号")
    fill_dog_step(page, dogs, "柯基犬", "156000000000010", "30")
    fill_immunisation_step(page)
    # The last step checks the rules before anything is stored.
    assert page.get_attribute("#check-outcome", "data-outcome") == "register"
    save_screenshot(page, "dogs_registration_last_step")
    with page.expect_navigation():
        page.click("#register-submit")

    licence = Licence.objects.get(dog__microchip="156000000000010")
    tag = licence.active_tag()
    assert tag is not None
    tag_number = tag.number
    assert urlsplit(page.url).path == f"/dogs/licences/{licence.number}/"
    assert "valid" in page.get_attribute("#licence-state", "class")
    printed = page.request.get(urljoin(page.url, page.get_attribute("#print-licence", "href")))
    assert printed.headers["content-type"] == "application/pdf"
    text = pdf_text(printed)
    assert "犬只识别牌" in text and tag_number in text and "刘敏" in text

    # The address under the QR code leads to the public check, which needs no sign-in.
    found = re.search(r"查验网址：(\S+?/dogs/check/DT\d+/)", text)
    assert found is not None
    check_url = found.group(1)
    passer_by = browser.new_context(locale="zh-CN").new_page()
    passer_by.goto(check_url)
    assert "valid" in passer_by.get_attribute("#check-state", "class")
    assert passer_by.inner_text("#check-breed") == "柯基犬"
    assert "刘敏" not in passer_by.content()
    passer_by.context.close()


def test_sun_li_refuses_a_tibetan_mastiff_and_prints_the_letter(dogs, live_server, page):
    # [CZ-DOG-REG-2021]: banned breeds (Tibetan mastiff) citywide; refusal in writing with 5 days to rehome.
    sign_in(page, live_server, dogs.cast.clinic_staff.username, PASSWORD)
    page.goto(f"{live_server.url}/dogs/register/")
    fill_owner_step(page, dogs.cast.hutang, "湖塘镇人民路5号")
    fill_dog_step(page, dogs, "藏獒", "156000000000020", "70")
    fill_immunisation_step(page)
    assert page.get_attribute("#check-outcome", "data-outcome") == "refuse"
    with page.expect_navigation():
        page.click("#register-submit")

    refusal = Refusal.objects.get()
    assert urlsplit(page.url).path == f"/dogs/refusals/{refusal.number}/"
    assert page.inner_text("#rehome-by") == (TODAY + 5 * DAY).isoformat()
    save_screenshot(page, "dogs_refusal")
    letter = page.request.get(urljoin(page.url, page.get_attribute("#print-letter", "href")))
    text = pdf_text(letter)
    assert "不予养犬登记告知书" in text
    assert "该犬只属于本市禁止饲养的犬种" in text
    assert "5日内" in text
    # Issued by the registration authority ([CZ-DOG-REG-2021] art. 4), with the remedies; not by the clinic.
    assert text.startswith("常州市公安局武进分局不予养犬登记告知书")
    assert "60日内向常州市武进区人民政府申请行政复议" in text and "6个月内" in text
    assert "便民服务点：" not in text and "verify" not in text


def test_liu_yang_orders_doudous_owner_to_immunise_and_prints_a_decision_fit_to_issue(dogs, live_server, page):
    # [ANIMAL-EPIDEMIC-LAW-2021] art. 92 (1): unvaccinated dog — order to correct, fine up to ¥1,000, no warning; the agriculture
    # bureau decides. The decision holds what [ADMIN-PENALTY-LAW-2021] art. 59 lists; no staff "[verify]" mark is printed.
    sign_in(page, live_server, dogs.cast.inspector.username, PASSWORD)
    page.goto(f"{live_server.url}/dogs/cases/new/")
    page.select_option("#id_violation_type", str(dogs.violation_type("unvaccinated").pk))
    page.select_option("#id_place", str(dogs.hutang_square.pk))
    page.fill("#id_dog_number", "DT2024000001")
    page.fill("#id_description", "犬只狂犬病免疫已过期")
    with page.expect_navigation():
        page.click("#case-submit")
    assert page.inner_text("#case-authority") == "农业农村主管部门"
    assert "15" in page.inner_text("#order-rule")

    page.select_option("#id_decision", "warning")
    page.fill("#id_reasons", "首次发现")
    with page.expect_navigation():
        page.click("#decide-submit")
    assert page.locator("#decision-form .errorlist").is_visible()  # the clause gives no warning
    page.select_option("#id_decision", "fine")
    page.fill("#id_fine_yuan", "300")
    page.fill("#id_defence", "以为免疫三年有效")
    with page.expect_navigation():
        page.click("#decide-submit")
    assert "correction_ordered" in page.get_attribute("#case-status", "class")
    assert page.inner_text("#correct-by") == (TODAY + 15 * DAY).isoformat()

    # "Not corrected" cannot be recorded before the deadline: nothing further happens on the day.
    page.check("#follow-up-form input[value=no]")
    with page.expect_navigation():
        page.click("#follow-up-submit")
    assert "correction_ordered" in page.get_attribute("#case-status", "class")
    save_screenshot(page, "dogs_case_correction_ordered")

    text = pdf_text(page.request.get(urljoin(page.url, page.get_attribute("#print-decision", "href"))))
    assert text.startswith("常州市武进区农业农村局行政处罚决定书")
    assert "当事人陈静" in text and "身份证号320412199007084562" in text and "住址牛塘镇青云路8号" in text
    assert "《中华人民共和国动物防疫法》第九十二条第（一）项" in text
    assert "罚款人民币300.00元" in text
    deadline = TODAY + 15 * DAY
    assert f"责令当事人于{deadline.year}年{deadline.month}月{deadline.day}日前改正" in text
    assert "陈述、申辩的权利" in text and "以为免疫三年有效" in text
    assert "60日内向常州市武进区人民政府申请行政复议" in text and "6个月内依法向有管辖权的人民法院提起行政诉讼" in text
    assert "常州市武进区农业农村局（印章）" in text
    assert "verify" not in text and "[" not in text


def test_sun_li_renews_wangcais_lapsed_licence_with_a_new_immunisation(dogs, live_server, page):
    # Wangcai's licence ended on 2024-03-29: a late renewal runs from the day it is made, a year to the same date
    # at most (today + 365 or 366 days) and no further than the new immunisation (valid 364 days): today + 364.
    sign_in(page, live_server, dogs.cast.clinic_staff.username, PASSWORD)
    page.goto(f"{live_server.url}/dogs/licences/DL2023000001/")
    with page.expect_navigation():
        page.click("a[href$='/renew/']")
    assert page.locator("#renewal-problems").is_visible()  # the old immunisation has lapsed
    page.fill("#id_vaccine", "狂犬病灭活疫苗")
    page.fill("#id_batch", "2026C")
    page.fill("#id_vaccinated_on", TODAY.isoformat())
    page.fill("#id_valid_until", (TODAY + 364 * DAY).isoformat())
    with page.expect_navigation():
        page.click("#renew-submit")

    assert urlsplit(page.url).path == "/dogs/licences/DL2023000001/"
    assert page.inner_text("#licence-expiry") == min(rules.add_months(TODAY, 12), TODAY + 364 * DAY).isoformat()
    assert page.inner_text("#licence-expiry") == (TODAY + 364 * DAY).isoformat()
    assert "valid" in page.get_attribute("#licence-state", "class")


def test_liu_yang_takes_a_park_violation_from_patrol_to_decision(dogs, live_server, page):
    sign_in(page, live_server, dogs.cast.inspector.username, PASSWORD)
    page.goto(f"{live_server.url}/dogs/patrols/")
    page.select_option("#id_place", str(dogs.yancheng_park.pk))
    page.fill("#id_dogs_seen", "4")
    with page.expect_navigation():
        page.click("#patrol-form button[type=submit]")
    with page.expect_navigation():
        page.click("#patrol-table a[href*='patrol=']")

    page.select_option("#id_violation_type", str(dogs.violation_type("no_dog_park").pk))
    page.select_option("#id_place", str(dogs.yancheng_park.pk))
    page.fill("#id_dog_number", "DT2024000001")
    page.fill("#id_description", "携犬进入淹城公园")
    with page.expect_navigation():
        page.click("#case-submit")
    case = ViolationCase.objects.get()
    assert case.patrol is not None and case.dog == dogs.doudou

    # The regulation's range for a dog in a no-dog park is ¥50–500 (regulation.py, marked [verify]).
    page.select_option("#id_decision", "fine")
    page.fill("#id_fine_yuan", "600")
    page.fill("#id_reasons", "首次违规")
    with page.expect_navigation():
        page.click("#decide-submit")
    assert page.locator("#decision-form .errorlist").is_visible()
    page.fill("#id_fine_yuan", "200")
    with page.expect_navigation():
        page.click("#decide-submit")

    assert "decided" in page.get_attribute("#case-status", "class")
    assert page.inner_text("#decision-fine") == "¥200.00"
    save_screenshot(page, "dogs_case_decided")
    decision = page.request.get(urljoin(page.url, page.get_attribute("#print-decision", "href")))
    text = pdf_text(decision)
    assert "行政处罚决定书" in text and "罚款人民币200.00元" in text


@pytest.fixture
def demo_county(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    towns = create_regions()
    create_service_points(random.Random("20240312:service points"), towns)
    load_dog_demo(20240312, 1, quiet=True, dog_count=100)


def test_a_passer_by_checks_a_demo_tag_without_signing_in(demo_county, live_server, page):
    page.goto(f"{live_server.url}/dogs/check/")
    page.fill("input[name=number]", VALID_DEMO_TAG)
    with page.expect_navigation():
        page.click("#check-form button[type=submit]")

    assert "valid" in page.get_attribute("#check-state", "class")
    licence = Licence.objects.get(tags__number=VALID_DEMO_TAG)
    assert page.inner_text("#check-breed") == licence.dog.breed.name
    assert page.locator("#check-photo").is_visible()
    assert licence.dog.owner.name not in page.content()
    assert licence.dog.owner.household.address not in page.content()
    save_screenshot(page, "dogs_public_check")


def test_the_published_figures_draw_their_charts_and_map(demo_county, live_server, page):
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/dogs/statistics/")

    page.wait_for_selector("#town-chart canvas")
    # 16 towns and streets on the map, and the 3 key areas the city's notice lists for the district over them.
    assert page.locator("#dog-map path.leaflet-interactive").count() == 16 + 3
    for chart in ("key-area-chart", "breed-chart", "month-chart", "violation-chart", "place-chart"):
        assert page.locator(f"#{chart} canvas").count() == 1, chart
    assert problems == []
    save_screenshot(page, "dogs_public_statistics")


# The extent, in the chart's pixels, of every text ECharts drew on the chart of `id`.
CHART_TEXTS = """(id) => {
  const chart = echarts.getInstanceByDom(document.getElementById(id));
  const texts = [];
  for (const element of chart.getZr().storage.getDisplayList()) {
    if (!element.style || typeof element.style.text !== "string" || !element.style.text) continue;
    const box = element.getBoundingRect().clone();
    if (element.transform) box.applyTransform(element.transform);
    texts.push({text: element.style.text, left: box.x, right: box.x + box.width});
  }
  return {width: chart.getWidth(), texts: texts};
}"""


def test_the_published_figures_keep_long_key_area_names_inside_their_chart(demo_county, live_server, page):
    # The bar charts' category labels are region names; the longest of Wujin's key areas,
    # 南夏墅街道养犬重点管理区, ran off the chart's left edge. A machine without Chinese fonts
    # draws Chinese narrow, so the long name here is in pinyin, which every font draws.
    key_area = Region.objects.filter(level=RegionLevel.KEY_AREA).order_by("code").first()
    assert key_area is not None
    key_area.name = "Nanxiashu Jiedao Yangquan Zhongdian Guanliqu"
    key_area.save()

    page.goto(f"{live_server.url}/dogs/statistics/")
    page.wait_for_selector("#key-area-chart canvas")

    for chart in ("town-chart", "key-area-chart", "violation-chart"):
        drawn = page.evaluate(CHART_TEXTS, chart)
        outside = [text for text in drawn["texts"] if text["left"] < 0 or text["right"] > drawn["width"]]
        assert outside == [], chart
    labels = [text["text"] for text in page.evaluate(CHART_TEXTS, "key-area-chart")["texts"]]
    assert key_area.name in labels


def test_the_published_figures_write_out_every_kind_of_place_on_their_pie(demo_county, live_server, page):
    # The pie of violations by kind of place cut long names to a few letters and "…" (学…);
    # English names are the longest, so the page is read in English.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/dogs/statistics/")
    page.wait_for_selector("#place-chart canvas")

    drawn = page.evaluate(CHART_TEXTS, "place-chart")
    written = "".join(text["text"] for text in drawn["texts"]).replace(" ", "")
    figures = json.loads(page.inner_text("#dog-figures"))
    names = [row["name"] for row in figures["violations_by_place_kind"]]
    assert "Park closed to dogs" in names
    for name in names:
        assert name.replace(" ", "") in written
