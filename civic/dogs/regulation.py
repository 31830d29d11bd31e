"""The city regulation's values as the rule rows a new county starts from.

Sources: [CZ-DOG-REG-2021] (in force 2022-01-01) and the notices made under
it; [ANIMAL-EPIDEMIC-LAW-2021] articles 30 and 92 for immunisation; [ADMIN-REVIEW-LAW-2023] article 20
and [ADMIN-LITIGATION-LAW-2017] article 46 for the time limits of the remedies. Values marked
"[verify]" in their source field come from secondary sources or comparable
cities' regulations; the bureau checks and edits them in the admin. The marks
stay in the rule tables for staff and are never printed on a document.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from civic.dogs.models import (
    AreaRule,
    Authority,
    BannedBreed,
    Breed,
    Deadline,
    DeadlineKind,
    PenaltyRange,
    PenaltyStep,
    RefusalGround,
    ViolationType,
)

REGULATION = "常州市养犬管理条例"
REGULATION_IN_FORCE = datetime.date(2022, 1, 1)
ANIMAL_EPIDEMIC_LAW = "中华人民共和国动物防疫法"
VERIFY = "[verify]"

# The regulation's annex lists 31 dangerous breeds. The first seven are named in
# the city's published summaries of it; the others appear in comparable cities'
# lists and are marked to verify against the annex, which the admin completes.
NAMED_BANNED_BREEDS = (
    ("藏獒", "Tibetan mastiff"),
    ("比特斗牛犬", "American pit bull terrier"),
    ("杜宾犬", "Dobermann"),
    ("大丹犬", "Great Dane"),
    ("阿根廷杜高犬", "Dogo Argentino"),
    ("牛头梗", "Bull terrier"),
    ("法国狼犬", "Beauceron"),
)
UNCONFIRMED_BANNED_BREEDS = (
    ("日本土佐犬", "Tosa"),
    ("巴西菲勒犬", "Fila Brasileiro"),
    ("高加索犬", "Caucasian shepherd dog"),
    ("中亚牧羊犬", "Central Asian shepherd dog"),
    ("卡斯罗犬", "Cane Corso"),
    ("罗威纳犬", "Rottweiler"),
    ("美国斯塔福郡梗", "American Staffordshire terrier"),
    ("那不勒斯獒", "Neapolitan mastiff"),
)
BANNED_BREEDS = NAMED_BANNED_BREEDS + UNCONFIRMED_BANNED_BREEDS
BANNED_BREED_SOURCE = f"{REGULATION}, annex of banned breeds (named in the city's published summaries)"
UNCONFIRMED_BREED_SOURCE = f"{REGULATION}, annex of banned breeds {VERIFY}: named in comparable cities' lists"

PERMITTED_BREEDS = (
    ("中华田园犬", "Chinese rural dog"),
    ("泰迪犬", "Toy poodle"),
    ("比熊犬", "Bichon frisé"),
    ("博美犬", "Pomeranian"),
    ("柯基犬", "Welsh corgi"),
    ("柴犬", "Shiba inu"),
    ("金毛寻回犬", "Golden retriever"),
    ("拉布拉多犬", "Labrador retriever"),
    ("西伯利亚雪橇犬", "Siberian husky"),
    ("萨摩耶犬", "Samoyed"),
    ("边境牧羊犬", "Border collie"),
    ("法国斗牛犬", "French bulldog"),
    ("雪纳瑞犬", "Schnauzer"),
    ("吉娃娃", "Chihuahua"),
    ("西施犬", "Shih tzu"),
    ("巴哥犬", "Pug"),
    ("约克夏梗", "Yorkshire terrier"),
    ("马尔济斯犬", "Maltese"),
    ("德国牧羊犬", "German shepherd dog"),
    ("阿拉斯加雪橇犬", "Alaskan malamute"),
)

# The authorities of Wujin District, as they sign their decisions, with the body a
# party applies to for administrative review ([ADMIN-REVIEW-LAW-2023] article 24: the
# government at the same level reviews its departments' decisions) and the fine
# on an individual that counts as large and gives the right to a hearing
# ([ADMIN-PENALTY-LAW-2021] article 63).
AUTHORITIES = (
    (
        "public_security",
        "常州市公安局武进分局",
        "常州市武进区人民政府",
        "2000",
        "公安机关办理行政案件程序规定 art. 123 (large fine: ¥2,000 on an individual); "
        f"review body {VERIFY} against the district's practice",
    ),
    (
        "city_management",
        "常州市武进区城市管理局",
        "常州市武进区人民政府",
        None,
        f"{VERIFY} the province's large-fine standard for city management",
    ),
    (
        "agriculture",
        "常州市武进区农业农村局",
        "常州市武进区人民政府",
        "2000",
        f"{VERIFY} the province's large-fine standard for agriculture; the public security figure meanwhile",
    ),
)

CORRECTION_DAYS = 15  # the regulation says "限期" without a number: the authority's own term


@dataclass(frozen=True)
class PenaltyRule:
    """One step of a violation's penalty as a rule row: the range, what may go with it, and its clause."""

    minimum: str
    maximum: str
    warning: bool = False
    confiscation: bool = False
    only_over_limit: bool = False
    revokes_licence: bool = False
    treatment_by_agent: bool = False
    order_to_correct: bool = False
    law: str = REGULATION
    article: str = ""
    clause: str = ""
    source: str = REGULATION


@dataclass(frozen=True)
class ViolationRules:
    code: str
    name: str
    name_en: str
    authority: str
    first: PenaltyRule
    not_corrected: PenaltyRule | None = None


ARTICLE_TO_VERIFY = f"{REGULATION}, legal liability {VERIFY}: article number to enter from the text"

# 常州市养犬管理条例, legal liability: most penalties order correction by a
# deadline first and take the further step only when the deadline is missed.
# Unvaccinated dogs follow [ANIMAL-EPIDEMIC-LAW-2021] article 92 (1), which the regulation repeats.
VIOLATIONS = (
    ViolationRules(
        "unvaccinated", "未按规定免疫", "Not immunised against rabies", "agriculture",
        PenaltyRule(
            "0", "1000", order_to_correct=True, law=ANIMAL_EPIDEMIC_LAW, article="第九十二条第（一）项",
            clause="对饲养的犬只未按照规定定期进行狂犬病免疫接种的，由县级以上地方人民政府农业农村主管部门责令限期改正，"
            "可以处一千元以下罚款",
            source=f"{ANIMAL_EPIDEMIC_LAW} (2021) art. 92 (1); {REGULATION} repeats it",
        ),
        PenaltyRule(
            "1000", "5000", treatment_by_agent=True, law=ANIMAL_EPIDEMIC_LAW, article="第九十二条第（一）项",
            clause="逾期不改正的，处一千元以上五千元以下罚款，由县级以上地方人民政府农业农村主管部门委托动物诊疗机构、"
            "无害化处理场所等代为处理，所需费用由违法行为人承担",
            source=f"{ANIMAL_EPIDEMIC_LAW} (2021) art. 92 (1)",
        ),
    ),
    ViolationRules(
        "banned_breed", "饲养禁养犬", "Keeping a banned breed", "public_security",
        PenaltyRule(
            "500", "5000", order_to_correct=True,
            clause="养犬人饲养禁养犬只的，由公安机关责令限期改正，处五百元以上五千元以下罚款", source=ARTICLE_TO_VERIFY,
        ),
        PenaltyRule("0", "0", confiscation=True, clause="逾期不改正的，没收犬只", source=ARTICLE_TO_VERIFY),
    ),
    ViolationRules(
        "over_limit", "重点管理区超限养犬", "Over the one-dog limit in a key area", "public_security",
        PenaltyRule(
            "200", "2000", order_to_correct=True,
            clause="养犬人饲养犬只超过限养数量的，由公安机关责令限期改正，处二百元以上二千元以下罚款",
            source=ARTICLE_TO_VERIFY,
        ),
        PenaltyRule(
            "0", "0", confiscation=True, only_over_limit=True, clause="逾期不改正的，没收超过限养数量的犬只",
            source=ARTICLE_TO_VERIFY,
        ),
    ),
    ViolationRules(
        "unregistered", "未办理养犬登记", "Dog not registered", "public_security",
        PenaltyRule(
            "500", "2000", warning=True, order_to_correct=True,
            clause="养犬人未办理养犬登记的，由公安机关责令限期改正，可以处警告或者五百元以上二千元以下罚款",
            source=ARTICLE_TO_VERIFY,
        ),
        PenaltyRule("0", "0", confiscation=True, clause="逾期不改正的，没收犬只", source=ARTICLE_TO_VERIFY),
    ),
    ViolationRules(
        "late_change", "未按时办理变更登记", "Change not re-registered in time", "public_security",
        PenaltyRule(
            "200", "1000", warning=True, order_to_correct=True,
            clause="养犬人未按期办理变更登记的，由公安机关责令限期改正，可以处警告或者二百元以上一千元以下罚款",
            source=ARTICLE_TO_VERIFY,
        ),
        PenaltyRule(
            "0", "0", confiscation=True, revokes_licence=True, clause="逾期不改正的，吊销养犬登记证，没收犬只",
            source=ARTICLE_TO_VERIFY,
        ),
    ),
    ViolationRules(
        "shared_space", "在公共区域饲养犬只", "Dog kept in shared building spaces", "public_security",
        PenaltyRule("50", "500", source=ARTICLE_TO_VERIFY),
    ),
    ViolationRules(
        "selling_banned", "出售禁养犬", "Selling a banned breed", "public_security",
        PenaltyRule("5000", "20000", confiscation=True, source=f"{ARTICLE_TO_VERIFY}; confiscation {VERIFY}"),
    ),
    ViolationRules(
        "no_leash", "未束犬链或犬链超长", "No leash or leash over 1.5 m", "public_security",
        PenaltyRule("50", "500", warning=True, source=f"{REGULATION} {VERIFY}"),
    ),
    ViolationRules(
        "no_dog_park", "携犬进入禁入公园", "Dog in a park closed to dogs", "public_security",
        PenaltyRule("50", "500", warning=True, source=f"{REGULATION} {VERIFY}"),
    ),
    ViolationRules(
        "droppings", "未清理犬只粪便", "Droppings not cleaned up", "city_management",
        PenaltyRule("50", "200", warning=True, source=f"{REGULATION} {VERIFY}"),
    ),
)  # fmt: skip

# The basis each refusal reason cites on the letter ([ANIMAL-EPIDEMIC-LAW-2021] article 30: registration
# needs the rabies immunisation certificate).
REFUSAL_GROUNDS = (
    ("banned_breed", REGULATION, "", ARTICLE_TO_VERIFY),
    ("household_limit", REGULATION, "", ARTICLE_TO_VERIFY),
    ("height_limit", REGULATION, "", ARTICLE_TO_VERIFY),
    ("no_valid_immunisation", ANIMAL_EPIDEMIC_LAW, "第三十条第一款", f"{ANIMAL_EPIDEMIC_LAW} (2021) art. 30"),
    ("no_assistance_proof", REGULATION, "", ARTICLE_TO_VERIFY),
    ("no_quarantine_certificate", REGULATION, "", ARTICLE_TO_VERIFY),
)

# (kind, length, unit, source)
DEADLINES = (
    (DeadlineKind.REHOME_AFTER_REFUSAL, 5, "days", REGULATION),
    (DeadlineKind.RENEWAL_WINDOW, 15, "days", REGULATION),
    (DeadlineKind.LICENCE_VALIDITY, 12, "months", f"{REGULATION}: a year, to the same date"),
    (DeadlineKind.CHANGE_NOTICE, 15, "days", REGULATION),
    (DeadlineKind.CANCELLATION_NOTICE, 15, "days", REGULATION),
    (DeadlineKind.OWNER_NOTICE_AFTER_INTAKE, 5, "days", f"comparable city regulation {VERIFY}"),
    (DeadlineKind.CLAIM_PERIOD, 15, "days", f"comparable city regulation {VERIFY}"),
    (DeadlineKind.ADMINISTRATIVE_REVIEW, 60, "days", "中华人民共和国行政复议法 (2023) art. 20"),
    (DeadlineKind.ADMINISTRATIVE_LITIGATION, 6, "months", "中华人民共和国行政诉讼法 art. 46"),
)

KEY_AREA_DOGS_PER_HOUSEHOLD = 1
# Other Jiangsu cities bar dogs taller than about 60 cm in key areas; Changzhou sets no such limit.
KEY_AREA_HEIGHT_LIMIT_M: float | None = None


def install_breeds() -> None:
    for name, name_en in (*BANNED_BREEDS, *PERMITTED_BREEDS):
        Breed.objects.get_or_create(name=name, defaults={"name_en": name_en})
    for breeds, source in (
        (NAMED_BANNED_BREEDS, BANNED_BREED_SOURCE),
        (UNCONFIRMED_BANNED_BREEDS, UNCONFIRMED_BREED_SOURCE),
    ):
        for name, _name_en in breeds:
            BannedBreed.objects.get_or_create(
                breed=Breed.objects.get(name=name), effective_from=REGULATION_IN_FORCE, defaults={"source": source}
            )


def install_authorities() -> None:
    for kind, name, review_body, hearing_fine, source in AUTHORITIES:
        Authority.objects.get_or_create(
            kind=kind,
            defaults={
                "name": name,
                "review_body": review_body,
                "hearing_fine_yuan": Decimal(hearing_fine) if hearing_fine else None,
                "source": source,
            },
        )


def install_penalty_rule(violation_type: ViolationType, step: str, rule: PenaltyRule) -> None:
    PenaltyRange.objects.get_or_create(
        violation_type=violation_type,
        step=step,
        effective_from=REGULATION_IN_FORCE,
        defaults={
            "minimum_yuan": Decimal(rule.minimum),
            "maximum_yuan": Decimal(rule.maximum),
            "warning_allowed": rule.warning,
            "confiscation_allowed": rule.confiscation,
            "only_dogs_over_limit": rule.only_over_limit,
            "revokes_licence": rule.revokes_licence,
            "treatment_by_agent": rule.treatment_by_agent,
            "order_to_correct": rule.order_to_correct,
            "correction_days": CORRECTION_DAYS if rule.order_to_correct else None,
            "law": rule.law,
            "article": rule.article,
            "clause_text": rule.clause,
            "source": rule.source,
        },
    )


def install_penalties() -> None:
    for violation in VIOLATIONS:
        violation_type, _created = ViolationType.objects.get_or_create(
            code=violation.code,
            defaults={"name": violation.name, "name_en": violation.name_en, "authority": violation.authority},
        )
        install_penalty_rule(violation_type, PenaltyStep.FIRST, violation.first)
        if violation.not_corrected is not None:
            install_penalty_rule(violation_type, PenaltyStep.NOT_CORRECTED, violation.not_corrected)


def install_refusal_grounds() -> None:
    for reason, law, article, source in REFUSAL_GROUNDS:
        RefusalGround.objects.get_or_create(
            reason=reason,
            effective_from=REGULATION_IN_FORCE,
            defaults={"law": law, "article": article, "source": source},
        )


def install_deadlines() -> None:
    for kind, length, unit, source in DEADLINES:
        Deadline.objects.get_or_create(
            kind=kind, effective_from=REGULATION_IN_FORCE, defaults={"days": length, "unit": unit, "source": source}
        )


def install_key_area_rules(key_areas: list) -> None:
    """One dog per household in every key area (and the height limit where one is set)."""
    for key_area in key_areas:
        AreaRule.objects.get_or_create(
            region=key_area,
            effective_from=REGULATION_IN_FORCE,
            defaults={
                "dogs_per_household": KEY_AREA_DOGS_PER_HOUSEHOLD,
                "max_shoulder_height_m": KEY_AREA_HEIGHT_LIMIT_M,
                "source": REGULATION,
            },
        )


def install_regulation() -> None:
    """Breeds, authorities, penalties, grounds of refusal and deadlines of the regulation; safe to run again."""
    install_breeds()
    install_authorities()
    install_penalties()
    install_refusal_grounds()
    install_deadlines()
