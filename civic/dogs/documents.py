"""Printed documents for owners, in Chinese: the refusal letter, the licence with its tag, the decision
on a violation case and the notice of a sheltered dog."""

from __future__ import annotations

import datetime

import segno
from fpdf import FPDF

from civic.core.pdf import new_chinese_document
from civic.dogs.models import Decision, IntakeReason, Licence, Refusal, ShelterIntake, ViolationCase

# Worded as the letter tells the owner, in Chinese.
REFUSAL_REASON_TEXT = {
    "banned_breed": "该犬只属于本市禁止饲养的犬种。",
    "household_limit": "您的住所位于重点管理区，每户限养一只犬，该户已登记饲养犬只。",
    "height_limit": "该犬只肩高超过所在区域允许饲养的犬只肩高上限。",
    "no_valid_immunisation": "未能提供有效期内的狂犬病免疫证明。",
    "no_assistance_proof": "导盲犬、扶助犬登记未能提供残疾人证明或相关证明。",
    "no_quarantine_certificate": "境外引进犬只未能提供检疫证明。",
}

SEX_TEXT = {"male": "雄", "female": "雌"}


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def draw_qr_code(document: FPDF, content: str, left_mm: float, top_mm: float, size_mm: float) -> None:
    """Draw `content` as a QR code, one filled square per dark module, so it prints sharp at any size."""
    code = segno.make(content, error="m")
    rows = list(code.matrix_iter(border=2))
    module_mm = size_mm / len(rows)
    document.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(rows):
        for column_index, is_dark in enumerate(row):
            if is_dark:
                document.rect(
                    left_mm + column_index * module_mm, top_mm + row_index * module_mm, module_mm, module_mm, style="F"
                )


def write_heading(document: FPDF, text: str) -> None:
    document.set_font_size(18)
    document.cell(0, 14, text, align="C", new_x="LMARGIN", new_y="NEXT")
    document.set_font_size(11)


def write_facts(document: FPDF, facts: list[tuple[str, str]], label_width_mm: float = 35) -> None:
    for label, value in facts:
        document.cell(label_width_mm, 8, label)
        document.multi_cell(0, 8, value, new_x="LMARGIN", new_y="NEXT")


def refusal_letter(refusal: Refusal, county_name: str) -> bytes:
    """不予登记告知书: the reasons, and the days the owner has to rehome the dog."""
    document = new_chinese_document(f"不予养犬登记告知书 {refusal.number}")
    document.add_page()
    write_heading(document, "不予养犬登记告知书")
    document.cell(0, 8, f"编号：{refusal.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    document.multi_cell(
        0, 8, f"{refusal.owner_name}（身份证号 {refusal.masked_resident_id}）：", new_x="LMARGIN", new_y="NEXT"
    )
    document.multi_cell(
        0,
        8,
        f"    您于{chinese_date(refusal.refused_on)}在{refusal.service_point.name}申请为犬只“{refusal.dog_name}”"
        f"（{refusal.breed.name}，肩高{refusal.shoulder_height_m * 100:.0f}厘米，饲养地址：{refusal.address}）"
        "办理养犬登记。经审查，依据《常州市养犬管理条例》，不予登记，理由如下：",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for position, reason in enumerate(refusal.reasons, start=1):
        document.multi_cell(
            0, 8, f"    {position}. {REFUSAL_REASON_TEXT.get(reason, reason)}", new_x="LMARGIN", new_y="NEXT"
        )
    days = (refusal.rehome_by - refusal.refused_on).days
    document.multi_cell(
        0,
        8,
        f"    请您自收到本告知书之日起{days}日内（即{chinese_date(refusal.rehome_by)}前）将该犬只送交他人饲养"
        "或作其他妥善处置。逾期未处置的，由公安机关依法处理。",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    document.multi_cell(0, 8, "    如对本决定不服，可依法申请行政复议或者提起行政诉讼。", new_x="LMARGIN", new_y="NEXT")
    document.ln(12)
    document.cell(
        0, 8, f"{county_name}养犬管理便民服务点：{refusal.service_point.name}", align="R", new_x="LMARGIN", new_y="NEXT"
    )
    document.cell(0, 8, chinese_date(refusal.refused_on), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def licence_facts(licence: Licence) -> list[tuple[str, str]]:
    dog = licence.dog
    owner = dog.owner
    return [
        ("登记证号", licence.number + (f"（补发第{licence.copy_number - 1}次）" if licence.copy_number > 1 else "")),
        ("犬主姓名", owner.name),
        ("身份证号", owner.masked_resident_id),
        ("饲养地址", owner.household.address),
        ("犬名", dog.name),
        ("犬种", dog.breed.name),
        ("毛色", dog.colour),
        ("性别", SEX_TEXT.get(dog.sex, dog.sex)),
        ("出生日期", chinese_date(dog.birth_date)),
        ("肩高", f"{dog.shoulder_height_cm:.0f}厘米"),
        ("芯片号", dog.microchip),
        ("发证日期", chinese_date(licence.issued_on)),
        ("有效期至", chinese_date(licence.expires_on)),
        ("发证服务点", licence.service_point.name),
    ]


def licence_and_tag(licence: Licence, check_url: str, county_name: str) -> bytes:
    """养犬登记证 with the 犬只识别牌 to cut out: tag number and the QR code of its public check."""
    tag = licence.active_tag()
    document = new_chinese_document(f"养犬登记证 {licence.number}")
    document.add_page()
    write_heading(document, f"{county_name}养犬登记证")
    write_facts(document, licence_facts(licence))
    document.ln(8)
    document.cell(0, 8, "犬只识别牌（沿虚线剪下）", new_x="LMARGIN", new_y="NEXT")
    top = document.get_y() + 2
    document.set_dash_pattern(dash=1, gap=1)
    document.rect(20, top, 90, 50)
    document.set_dash_pattern()
    draw_qr_code(document, check_url, left_mm=23, top_mm=top + 3, size_mm=44)
    document.set_xy(70, top + 8)
    document.multi_cell(38, 7, f"{county_name}\n犬只识别牌\n{tag.number if tag else ''}\n扫码查验", align="C")
    # The address the QR code holds, printed for anyone who cannot scan it.
    document.set_xy(20, top + 52)
    document.set_font_size(8)
    document.cell(90, 5, f"查验网址：{check_url}", new_x="LMARGIN", new_y="NEXT")
    document.set_font_size(11)
    return bytes(document.output())


DECISION_TEXT = {
    Decision.NO_PENALTY: "不予处罚",
    Decision.WARNING: "警告",
    Decision.FINE: "罚款",
    Decision.FINE_AND_CONFISCATION: "罚款，并没收犬只",
}


def write_paragraph(document: FPDF, text: str) -> None:
    document.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")


def write_signature(document: FPDF, issuer: str, day: datetime.date) -> None:
    document.ln(12)
    document.cell(0, 8, issuer, align="R", new_x="LMARGIN", new_y="NEXT")
    document.cell(0, 8, chinese_date(day), align="R", new_x="LMARGIN", new_y="NEXT")


def decision_text(case: ViolationCase) -> str:
    text = DECISION_TEXT.get(Decision(case.decision), case.decision)
    if case.fine_yuan is not None:
        text = text.replace("罚款", f"罚款人民币{case.fine_yuan:,.2f}元", 1)
    return text


def case_decision(case: ViolationCase, county_name: str) -> bytes:
    """养犬违法行为处理决定书: what was seen, the regulation's range, and the decision with its reasons."""
    assert case.decided_on is not None, "only a decided case has a decision to print"
    document = new_chinese_document(f"养犬违法行为处理决定书 {case.number}")
    document.add_page()
    write_heading(document, "养犬违法行为处理决定书")
    document.cell(0, 8, f"编号：{case.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    penalty = case.penalty_range()
    facts = [
        ("当事人", case.offender_name or "（未查明）"),
        ("违法行为", case.violation_type.name),
        ("地点", case.place.name),
        ("发现日期", chinese_date(case.observed_on)),
        ("查明事实", case.description),
    ]
    if case.dog is not None and hasattr(case.dog, "licence"):
        facts.append(("涉及犬只", f"{case.dog.breed.name}，登记证号 {case.dog.licence.number}"))
    if penalty is not None:
        range_text = f"罚款{penalty.minimum_yuan:,.0f}元至{penalty.maximum_yuan:,.0f}元"
        if penalty.warning_allowed:
            range_text = "警告或" + range_text
        if penalty.confiscation_allowed:
            range_text += "，可以没收犬只"
        facts.append(("处罚幅度", f"{range_text}（{penalty.source}）"))
    write_facts(document, facts)
    document.ln(4)
    write_paragraph(document, f"    依据《常州市养犬管理条例》，决定给予如下处理：{decision_text(case)}。")
    if case.decision_reasons:
        write_paragraph(document, f"    理由：{case.decision_reasons}")
    if case.fine_yuan is not None:
        write_paragraph(document, "    请自收到本决定书之日起十五日内缴纳罚款。")
    write_paragraph(document, "    如不服本决定，可以依法申请行政复议或者提起行政诉讼。")
    write_signature(document, f"{county_name}养犬管理执法机关", case.decided_on)
    return bytes(document.output())


def shelter_notice(
    intake: ShelterIntake, notice_day: datetime.date, claim_by: datetime.date | None, county_name: str
) -> bytes:
    """犬只收容告知书 for a registered owner: where the dog is, and until when it can be claimed."""
    assert intake.dog is not None, "only a dog with a known owner has someone to tell"
    dog = intake.dog
    document = new_chinese_document("犬只收容告知书")
    document.add_page()
    write_heading(document, "犬只收容告知书")
    write_paragraph(document, f"{dog.owner.name}（身份证号 {dog.owner.masked_resident_id}）：")
    licence_number = dog.licence.number if hasattr(dog, "licence") else "无"
    write_paragraph(
        document,
        f"    您登记饲养的犬只“{dog.name}”（{dog.breed.name}，毛色{dog.colour}，登记证号 {licence_number}）"
        f"已于{chinese_date(intake.intake_on)}由犬只收容场所收容。",
    )
    if intake.reason == IntakeReason.CONFISCATED:
        case_number = intake.case.number if intake.case else ""
        write_paragraph(document, f"    该犬只系依法没收（案件编号 {case_number}），不予返还，特此告知。")
    elif claim_by is not None:
        write_paragraph(
            document,
            f"    请您于{chinese_date(claim_by)}前携本人身份证件及养犬登记证到收容场所认领。"
            "逾期未认领的，收容场所可以依法安排领养。",
        )
    write_signature(document, f"{county_name}犬只收容场所", notice_day)
    return bytes(document.output())
