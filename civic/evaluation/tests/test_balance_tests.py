"""A balance test from entry to certificate: the firm enters and submits, the bureau returns and accepts,
the carrier is certified; another firm sees and changes none of it."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from civic.evaluation import actions
from civic.evaluation.defaults import load_carrier_defaults
from civic.evaluation.models import BalanceTest, BalanceTestStatus, CarrierCertificate, CarrierSector, ReviewDecision
from civic.evaluation.testing import RUNHUA_HEADER, make_balance_test, pdf_text, unit_rows


def form_data(cast, units) -> dict:
    data = {
        "water_user": cast.runhua.pk,
        "sector": CarrierSector.objects.get(code="textile_dyeing").pk,
        **{
            key: value.isoformat() if isinstance(value, datetime.date) else value
            for key, value in RUNHUA_HEADER.items()
        },
        "units-TOTAL_FORMS": len(units),
        "units-INITIAL_FORMS": 0,
        "units-MIN_NUM_FORMS": 1,
        "units-MAX_NUM_FORMS": 40,
    }
    for index, unit in enumerate(units):
        data |= {f"units-{index}-{key}": value for key, value in unit.items()}
    return data


def test_the_reporter_enters_a_test_with_its_units(cast, li_qiang):
    load_carrier_defaults()
    response = li_qiang.post(reverse("evaluation:balance_test_create"), form_data(cast, unit_rows()))
    test = BalanceTest.objects.get()
    assert response.status_code == 302
    assert test.water_user == cast.runhua
    assert test.created_by == cast.runhua_reporter
    assert [unit.name for unit in test.units.all()] == ["染色车间", "空压机冷却", "锅炉房", "办公与食堂"]
    # The page shows hydro's worked figures: R = 29,000 / 41,000 = 70.7 %, Kl = 400 / 12,000 = 3.3 %.
    page = li_qiang.get(reverse("evaluation:balance_test_detail", args=[test.pk])).content.decode()
    assert "70.7 %" in page
    assert "3.3 %" in page
    assert "The balance closes within 10 %." in page


def test_a_negative_volume_is_refused_naming_the_unit_field(cast, li_qiang):
    load_carrier_defaults()
    units = unit_rows(锅炉房={"fresh_m3": -5})
    response = li_qiang.post(reverse("evaluation:balance_test_create"), form_data(cast, units))
    assert response.status_code == 200
    assert response.context["formset"].forms[2].errors["fresh_m3"]
    assert not BalanceTest.objects.exists()


def test_a_reporter_cannot_enter_a_test_for_another_firm(cast, zhao_min):
    load_carrier_defaults()
    response = zhao_min.post(reverse("evaluation:balance_test_create"), form_data(cast, unit_rows()))
    assert response.status_code == 200
    assert "water_user" in response.context["form"].errors
    assert not BalanceTest.objects.exists()


def test_returned_then_accepted_then_certified(cast, li_qiang, wang_fang):
    test = make_balance_test(cast.runhua, cast.runhua_reporter)
    li_qiang.post(reverse("evaluation:balance_test_submit", args=[test.pk]))
    wang_fang.post(
        reverse("evaluation:balance_test_review", args=[test.pk]),
        {"decision": "returned", "comment": "请补充锅炉冷凝水计量记录"},
    )
    test.refresh_from_db()
    assert test.status == BalanceTestStatus.RETURNED
    li_qiang.post(reverse("evaluation:balance_test_submit", args=[test.pk]))
    wang_fang.post(reverse("evaluation:balance_test_review", args=[test.pk]), {"decision": "accepted", "comment": ""})
    wang_fang.post(reverse("evaluation:balance_test_certify", args=[test.pk]))
    certificate = CarrierCertificate.objects.get()
    assert certificate.water_user == cast.runhua
    assert [review.decision for review in test.reviews.order_by("pk")] == ["returned", "accepted"]
    # Five dyeing thresholds, all met: condensate 4,900 / 5,000 = 98 % ≥ 98 %.
    assert len(certificate.checks) == 5
    assert all(check["passes"] for check in certificate.checks)


def test_a_return_needs_a_comment(cast):
    test = make_balance_test(cast.runhua, cast.runhua_reporter)
    actions.submit_balance_test(test)
    with pytest.raises(ValidationError):
        actions.review_balance_test(test, ReviewDecision.RETURNED, " ", cast.bureau_staff)


def test_a_submitted_test_cannot_be_changed(cast, li_qiang):
    test = make_balance_test(cast.runhua, cast.runhua_reporter)
    actions.submit_balance_test(test)
    with pytest.raises(ValidationError):
        actions.save_balance_test(test, unit_rows(), cast.runhua_reporter)
    response = li_qiang.get(reverse("evaluation:balance_test_edit", args=[test.pk]))
    assert response.status_code == 302


def accepted(test, cast):
    actions.submit_balance_test(test)
    actions.review_balance_test(test, ReviewDecision.ACCEPTED, "", cast.bureau_staff)
    return test


@translation.override("en")  # the test reads the English message
def test_a_test_that_does_not_balance_is_not_certified(cast):
    # The canteen leaks 250 instead of 50: 1,200 out of 1,000 in, ε = −20 %.
    test = accepted(
        make_balance_test(cast.runhua, cast.runhua_reporter, units=unit_rows(办公与食堂={"leaked_m3": 250})), cast
    )
    with pytest.raises(actions.CertificationError) as refusal:
        actions.certify(test, cast.bureau_staff)
    assert "does not close" in refusal.value.reasons[0]
    assert not CarrierCertificate.objects.exists()


@translation.override("en")  # the test reads the English message
def test_a_threshold_not_met_refuses_the_certificate(cast):
    # Condensate 4,000 of 5,000 t = 80 % < 98 % for dyeing.
    units = unit_rows(锅炉房={"condensate_recovered_t": 4000})
    test = accepted(make_balance_test(cast.runhua, cast.runhua_reporter, units=units), cast)
    with pytest.raises(actions.CertificationError) as refusal:
        actions.certify(test, cast.bureau_staff)
    assert any("Condensate recovery rate" in reason for reason in refusal.value.reasons)


def test_the_intake_per_product_must_meet_the_quotas_advanced_value(cast):
    from civic.water.models import WaterQuota

    # 10 m³ per 100 m against an advanced value of 9: not met; against 12, met.
    quota = WaterQuota.objects.create(
        industry=cast.runhua.industry, product="棉布印染", unit="m³/100 m", advanced_value=9, general_value=14,
        source_standard="江苏省用水定额（示例）", effective_from=datetime.date(2020, 1, 1), to_verify=True,
    )  # fmt: skip
    test = accepted(make_balance_test(cast.runhua, cast.runhua_reporter, quota=quota), cast)
    with pytest.raises(actions.CertificationError):
        actions.certify(test, cast.bureau_staff)
    quota.advanced_value = 12
    quota.save()
    certificate = actions.certify(test, cast.bureau_staff, issued_on=datetime.date(2024, 5, 6))
    assert certificate.checks[-1]["indicator"] == "intake_per_product"
    assert certificate.checks[-1]["value"] == pytest.approx(10.0)


def test_the_certificate_runs_three_years_and_reads_in_chinese(cast, li_qiang):
    test = accepted(make_balance_test(cast.runhua, cast.runhua_reporter), cast)
    certificate = actions.certify(test, cast.bureau_staff, issued_on=datetime.date(2024, 5, 6))
    assert certificate.number == "JS20240001"
    assert certificate.expires_on == datetime.date(2027, 5, 5)
    response = li_qiang.get(reverse("evaluation:certificate_pdf", args=[certificate.number]))
    text = pdf_text(b"".join(response.streaming_content))
    assert "节水型企业证书" in text
    assert "常州润华印染有限公司" in text
    assert "JS20240001" in text
    assert "2027年5月5日" in text


def test_another_firm_sees_and_changes_nothing_of_runhuas_test(cast, zhao_min):
    test = accepted(make_balance_test(cast.runhua, cast.runhua_reporter), cast)
    certificate = actions.certify(test, cast.bureau_staff)
    assert zhao_min.get(reverse("evaluation:balance_test_detail", args=[test.pk])).status_code == 404
    assert zhao_min.post(reverse("evaluation:balance_test_submit", args=[test.pk])).status_code == 404
    assert zhao_min.post(reverse("evaluation:balance_test_edit", args=[test.pk]), {}).status_code == 404
    assert (
        zhao_min.post(reverse("evaluation:balance_test_review", args=[test.pk]), {"decision": "accepted"}).status_code
        == 403
    )
    assert zhao_min.get(reverse("evaluation:certificate_pdf", args=[certificate.number])).status_code == 404
    listing = zhao_min.get(reverse("evaluation:balance_test_list")).content.decode()
    assert "常州润华印染有限公司" not in listing


def test_the_reporter_cannot_review_or_certify_its_own_test(cast, li_qiang):
    test = make_balance_test(cast.runhua, cast.runhua_reporter)
    actions.submit_balance_test(test)
    assert (
        li_qiang.post(reverse("evaluation:balance_test_review", args=[test.pk]), {"decision": "accepted"}).status_code
        == 403
    )
    assert li_qiang.post(reverse("evaluation:balance_test_certify", args=[test.pk])).status_code == 403
    test.refresh_from_db()
    assert test.status == BalanceTestStatus.SUBMITTED
