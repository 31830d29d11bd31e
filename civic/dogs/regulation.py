"""The city regulation's values as the rule rows a new county starts from.

Source: 常州市养犬管理条例 (in force 2022-01-01) and the notices made under it.
Values marked "[verify]" in their source field come from secondary sources or
comparable cities' regulations; the bureau checks and edits them in the admin.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from civic.dogs.models import (
    AreaRule,
    BannedBreed,
    Breed,
    Deadline,
    DeadlineKind,
    PenaltyRange,
    ViolationType,
)

REGULATION = "常州市养犬管理条例"
REGULATION_IN_FORCE = datetime.date(2022, 1, 1)

# The regulation's annex lists 31 dangerous breeds; these are the ones named in
# public summaries of it. The admin completes the list from the annex.
BANNED_BREEDS = (
    ("藏獒", "Tibetan mastiff"),
    ("比特犬", "Pit bull terrier"),
    ("杜宾犬", "Dobermann"),
    ("大丹犬", "Great Dane"),
    ("阿根廷杜高犬", "Dogo Argentino"),
    ("牛头梗", "Bull terrier"),
    ("日本土佐犬", "Tosa"),
    ("巴西菲勒犬", "Fila Brasileiro"),
    ("高加索犬", "Caucasian shepherd dog"),
    ("中亚牧羊犬", "Central Asian shepherd dog"),
    ("卡斯罗犬", "Cane Corso"),
    ("罗威纳犬", "Rottweiler"),
    ("美国斯塔福郡梗", "American Staffordshire terrier"),
    ("那不勒斯獒", "Neapolitan mastiff"),
)

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

# (code, name, English name, smallest fine, largest fine, warning allowed, confiscation allowed, source)
PENALTIES = (
    ("unvaccinated", "未按规定免疫", "Not immunised against rabies", "0", "1000", True, False, REGULATION),
    ("banned_breed", "饲养禁养犬", "Keeping a banned breed", "500", "5000", False, True, REGULATION),
    (
        "over_limit",
        "重点管理区超限养犬",
        "Over the one-dog limit in a key area",
        "200",
        "2000",
        False,
        True,
        REGULATION,
    ),
    ("unregistered", "未办理养犬登记", "Dog not registered", "500", "2000", True, True, REGULATION),
    ("late_change", "未按时办理变更登记", "Change not re-registered in time", "200", "1000", True, False, REGULATION),
    ("shared_space", "在公共区域饲养犬只", "Dog kept in shared building spaces", "50", "500", False, False, REGULATION),
    ("selling_banned", "出售禁养犬", "Selling a banned breed", "5000", "20000", False, True, REGULATION),
    (
        "no_leash",
        "未束犬链或犬链超长",
        "No leash or leash over 1.5 m",
        "50",
        "500",
        True,
        False,
        f"{REGULATION} [verify]",
    ),
    (
        "no_dog_park",
        "携犬进入禁入公园",
        "Dog in a park closed to dogs",
        "50",
        "500",
        True,
        False,
        f"{REGULATION} [verify]",
    ),
    ("droppings", "未清理犬只粪便", "Droppings not cleaned up", "50", "200", True, False, f"{REGULATION} [verify]"),
)

DEADLINES = (
    (DeadlineKind.REHOME_AFTER_REFUSAL, 5, REGULATION),
    (DeadlineKind.RENEWAL_WINDOW, 15, REGULATION),
    (DeadlineKind.LICENCE_VALIDITY, 365, f"{REGULATION} [verify]"),
    (DeadlineKind.CHANGE_NOTICE, 15, REGULATION),
    (DeadlineKind.CANCELLATION_NOTICE, 15, REGULATION),
    (DeadlineKind.OWNER_NOTICE_AFTER_INTAKE, 5, "comparable city regulation [verify]"),
    (DeadlineKind.CLAIM_PERIOD, 15, "comparable city regulation [verify]"),
)

KEY_AREA_DOGS_PER_HOUSEHOLD = 1
# Other Jiangsu cities bar dogs taller than about 60 cm in key areas; Changzhou sets no such limit.
KEY_AREA_HEIGHT_LIMIT_M: float | None = None


def install_breeds() -> None:
    for name, name_en in (*BANNED_BREEDS, *PERMITTED_BREEDS):
        Breed.objects.get_or_create(name=name, defaults={"name_en": name_en})
    for name, _name_en in BANNED_BREEDS:
        BannedBreed.objects.get_or_create(
            breed=Breed.objects.get(name=name), effective_from=REGULATION_IN_FORCE, defaults={"source": REGULATION}
        )


def install_penalties() -> None:
    for code, name, name_en, smallest, largest, warning, confiscation, source in PENALTIES:
        violation_type, _created = ViolationType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )
        PenaltyRange.objects.get_or_create(
            violation_type=violation_type,
            effective_from=REGULATION_IN_FORCE,
            defaults={
                "minimum_yuan": Decimal(smallest),
                "maximum_yuan": Decimal(largest),
                "warning_allowed": warning,
                "confiscation_allowed": confiscation,
                "source": source,
            },
        )


def install_deadlines() -> None:
    for kind, days, source in DEADLINES:
        Deadline.objects.get_or_create(
            kind=kind, effective_from=REGULATION_IN_FORCE, defaults={"days": days, "source": source}
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
    """Breeds, penalties and deadlines of the regulation; safe to run again."""
    install_breeds()
    install_penalties()
    install_deadlines()
