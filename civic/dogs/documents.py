"""Printed documents for owners, in Chinese: the refusal letter, the licence with its tag, the decision
on a violation case and the notice of a sheltered dog."""

from __future__ import annotations

import datetime

import segno
from fpdf import FPDF

from civic.core.pdf import new_chinese_document
from civic.dogs import rules
from civic.dogs.models import (
    CONFISCATING,
    FINED,
    Authority,
    AuthorityKind,
    Deadline,
    DeadlineKind,
    DeadlineUnit,
    Decision,
    IntakeReason,
    Licence,
    PenaltyRange,
    PenaltyStep,
    Refusal,
    RefusalGround,
    ShelterIntake,
    ViolationCase,
)

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


def remedies(authority: Authority, on: datetime.date, document_name: str = "本决定书") -> str:
    """Where and within what time a party may challenge the authority's decision.

    [ADMIN-PENALTY-LAW-2021] article 59 (5) wants the ways and time limits of review and
    litigation on every decision: administrative review within 60 days of
    learning of it ([ADMIN-REVIEW-LAW-2023] article 20), a lawsuit within 6 months
    ([ADMIN-LITIGATION-LAW-2017] article 46). Both periods are deadline rows.
    """
    review = Deadline.rule_for(DeadlineKind.ADMINISTRATIVE_REVIEW, on)
    litigation = Deadline.rule_for(DeadlineKind.ADMINISTRATIVE_LITIGATION, on)
    return (
        f"如不服本决定，可以自收到{document_name}之日起{period_text(review)}内向{authority.review_body}申请行政复议，"
        f"或者在{period_text(litigation)}内依法向{authority.court_name}提起行政诉讼。"
    )


def period_text(deadline: Deadline) -> str:
    return f"{deadline.days}日" if deadline.unit == DeadlineUnit.DAYS else f"{deadline.days}个月"


def refusal_letter(refusal: Refusal, county_name: str) -> bytes:
    """不予养犬登记告知书, issued by the registration authority (the public security organ).

    The service point receives the application; registering and refusing are
    the public security organ's ([CZ-DOG-REG-2021] art. 4: 公安机关负责养犬登记),
    so the letter is in its name, with each reason's legal basis, the days to
    rehome the dog and the remedies.
    """
    authority = Authority.of_kind(AuthorityKind.PUBLIC_SECURITY)
    document = new_chinese_document(f"不予养犬登记告知书 {refusal.number}")
    document.add_page()
    write_heading(document, authority.name)
    write_heading(document, "不予养犬登记告知书")
    document.cell(0, 8, f"编号：{refusal.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    write_paragraph(document, f"{refusal.owner_name}（身份证号 {refusal.masked_resident_id}）：")
    write_paragraph(
        document,
        f"    您于{chinese_date(refusal.refused_on)}经{refusal.service_point.name}（养犬管理便民服务点）申请为犬只"
        f"“{refusal.dog_name}”（{refusal.breed.name}，肩高{refusal.shoulder_height_m * 100:.0f}厘米，"
        f"饲养地址：{refusal.address}）办理养犬登记。经审查，本机关决定不予登记，理由和依据如下：",
    )
    for position, reason in enumerate(refusal.reasons, start=1):
        citation = RefusalGround.citation(reason, refusal.refused_on)
        write_paragraph(document, f"    {position}. {REFUSAL_REASON_TEXT.get(reason, reason)}（{citation}）")
    days = (refusal.rehome_by - refusal.refused_on).days
    write_paragraph(
        document,
        f"    请您自收到本告知书之日起{days}日内（即{chinese_date(refusal.rehome_by)}前）将该犬只送交他人饲养"
        "或作其他妥善处置。逾期未处置的，由本机关依法处理。",
    )
    write_paragraph(document, f"    {remedies(authority, refusal.refused_on, '本告知书')}")
    write_signature(document, f"{authority.name}（印章）", refusal.refused_on)
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
    Decision.NO_PENALTY: "不予行政处罚",
    Decision.WARNING: "警告",
    Decision.FINE: "罚款",
    Decision.FINE_AND_CONFISCATION: "罚款，并没收犬只",
    Decision.CONFISCATION: "没收犬只",
    Decision.REVOCATION_AND_CONFISCATION: "吊销养犬登记证，没收犬只",
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
    penalty = case.penalty_range()
    if penalty is not None and penalty.only_dogs_over_limit and case.decision in CONFISCATING:
        text = text.replace("没收犬只", "没收超过限养数量的犬只")
    if penalty is not None and penalty.treatment_by_agent and case.decision in FINED:
        text += "，并由动物诊疗机构代为免疫接种，所需费用由养犬人承担"
    return text


def legal_basis(penalty: PenaltyRange) -> str:
    """The clause the decision rests on: law, article, and its words."""
    words = f"“{penalty.clause_text}”" if penalty.clause_text else ""
    return f"《{penalty.law}》{penalty.article}{words}"


def consequence_text(penalty: PenaltyRange) -> str:
    """What the further step does, as the order to correct warns of it."""
    parts = []
    if penalty.minimum_yuan or penalty.maximum_yuan:
        parts.append(f"处{penalty.minimum_yuan:,.0f}元以上{penalty.maximum_yuan:,.0f}元以下罚款")
    if penalty.treatment_by_agent:
        parts.append("由动物诊疗机构代为免疫接种，所需费用由养犬人承担")
    if penalty.revokes_licence:
        parts.append("吊销养犬登记证")
    if penalty.confiscation_allowed:
        parts.append("没收超过限养数量的犬只" if penalty.only_dogs_over_limit else "没收犬只")
    return "，".join(parts)


def party_facts(case: ViolationCase) -> list[tuple[str, str]]:
    """Who the decision is addressed to ([ADMIN-PENALTY-LAW-2021] article 59 (1)): name, identity number, address."""
    facts = [("当事人", case.offender_name or "（未查明）")]
    if case.offender_resident_id:
        facts.append(("身份证号", case.offender_resident_id))
    if case.offender_address:
        facts.append(("住址", case.offender_address))
    return facts


def rights_text(case: ViolationCase, authority: Authority) -> str:
    """The rights the party was told of before the decision: defence always, a hearing where the penalty gives one."""
    hearing = rules.hearing_may_be_asked(
        case.fine_yuan,
        authority.hearing_fine_yuan,
        case.decision in CONFISCATING,
        case.decision == Decision.REVOCATION_AND_CONFISCATION,
    )
    text = (
        "    本机关在作出本决定前，已告知当事人拟作出行政处罚的内容及事实、理由、依据，并告知当事人依法享有陈述、申辩"
        + ("和要求听证" if hearing else "")
        + "的权利（《中华人民共和国行政处罚法》第四十四条、第四十五条"
        + ("、第六十三条；当事人要求听证的，应当在被告知后五日内提出，第六十四条" if hearing else "")
        + "）。"
    )
    if case.defence:
        return text + f"当事人陈述、申辩称：{case.defence}。本机关已予复核。"
    return text + "当事人未提出陈述、申辩意见。"


def case_decision(case: ViolationCase, county_name: str) -> bytes:
    """行政处罚决定书 in the name of the authority that enforces the violation.

    It holds what [ADMIN-PENALTY-LAW-2021] article 59 lists: the party's name, identity
    number and address; the facts; the penalty and the clause it rests on; how
    and by when to pay; the ways and time limits of review and litigation; the
    authority's name and the date. Where the rule orders correction first, the
    decision sets the deadline and says what follows if it is missed; a
    further penalty recalls the order that was not obeyed. Nothing from the
    rule tables' staff notes (such as "[verify]") is printed.
    """
    assert case.decided_on is not None, "only a decided case has a decision to print"
    authority = case.authority()
    penalty = case.penalty_range()
    document = new_chinese_document(f"行政处罚决定书 {case.number}")
    document.add_page()
    write_heading(document, authority.name)
    write_heading(document, "行政处罚决定书" if case.decision != Decision.NO_PENALTY else "不予行政处罚决定书")
    document.cell(0, 8, f"编号：{case.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    write_facts(document, party_facts(case))
    earlier = case.follows
    # A further penalty rests on the facts of the order that was not obeyed.
    seen = earlier if earlier is not None else case
    facts = seen.description.rstrip("。")
    write_paragraph(document, f"    经查，{chinese_date(seen.observed_on)}，当事人在{seen.place.name}：{facts}。")
    if case.dog is not None and hasattr(case.dog, "licence"):
        write_paragraph(document, f"    涉及犬只：{case.dog.breed.name}，养犬登记证号 {case.dog.licence.number}。")
    if earlier is not None and earlier.decided_on and earlier.correct_by:
        followed_up = chinese_date(earlier.followed_up_on) if earlier.followed_up_on else ""
        write_paragraph(
            document,
            f"    本机关于{chinese_date(earlier.decided_on)}以{earlier.number}号决定责令当事人于"
            f"{chinese_date(earlier.correct_by)}前改正，经{followed_up}复查，当事人逾期未改正。",
        )
    basis = legal_basis(penalty) if penalty is not None else "《常州市养犬管理条例》"
    write_paragraph(
        document,
        f"    以上事实违反了《{penalty.law if penalty else '常州市养犬管理条例'}》的规定。"
        f"依据{basis}之规定，本机关决定：{decision_text(case)}。",
    )
    if case.correct_by is not None:
        order = f"    责令当事人于{chinese_date(case.correct_by)}前改正。"
        further = case.violation_type.penalty_range(case.observed_on, PenaltyStep.NOT_CORRECTED)
        if further is not None and consequence_text(further):
            order += f"逾期不改正的，依法{consequence_text(further)}。"
        write_paragraph(document, order)
    if case.decision_reasons:
        write_paragraph(document, f"    理由：{case.decision_reasons}")
    if case.decision != Decision.NO_PENALTY:
        write_paragraph(document, rights_text(case, authority))
    if case.fine_yuan is not None:
        write_paragraph(
            document,
            "    当事人应当自收到本决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款"
            "（《中华人民共和国行政处罚法》第六十七条）。到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款"
            "（第七十二条）。",
        )
    write_paragraph(
        document,
        f"    {remedies(authority, case.decided_on)}申请行政复议或者提起行政诉讼期间，本决定不停止执行（《中华人民共和国行政处罚法》第七十三条）。",
    )
    write_signature(document, f"{authority.name}（印章）", case.decided_on)
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
