"""The evaluation's default rules: carrier sectors and their thresholds, the closure tolerance and the
MWR 2017 county standard as the default scorecard profile.

Every value is a dated row the bureau edits in the admin. Where the source is
secondary or was not found, the row says so in `source` and is marked to
verify; `manage.py load_evaluation_defaults` and the demo load them, and a
second load changes nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from civic.evaluation.models import (
    CarrierKind,
    CarrierSector,
    CarrierThreshold,
    ComputedFrom,
    Direction,
    EvaluationParameters,
    ScorecardIndicator,
    ScorecardProfile,
)

SINCE = datetime.date(2019, 4, 1)  # GB/T 7119-2018 in force
FORUM_NOTICE = "工业节水型企业相关技术考核指标（省级通知附件3，二手转载）"
NOT_FOUND = "未找到公开原文，暂定值"
PUBLIC_INSTITUTIONS = "公共机构节水型单位建设标准（二手资料）"

SECTORS = (
    ("textile_dyeing", "纺织染整", "Textile dyeing and finishing", CarrierKind.ENTERPRISE),
    ("steel", "钢铁", "Iron and steel", CarrierKind.ENTERPRISE),
    ("chemicals", "化工", "Chemicals", CarrierKind.ENTERPRISE),
    ("paper", "造纸", "Paper", CarrierKind.ENTERPRISE),
    ("food", "食品", "Food", CarrierKind.ENTERPRISE),
    ("public_institution", "公共机构", "Public institutions", CarrierKind.UNIT),
)
AT_LEAST, AT_MOST = Direction.AT_LEAST, Direction.AT_MOST
# (sector, indicator, direction, value, source, to_verify)
THRESHOLDS = (
    ("textile_dyeing", "reuse_rate", AT_LEAST, 0.45, FORUM_NOTICE, True),
    ("textile_dyeing", "cooling_recirculation_rate", AT_LEAST, 0.95, FORUM_NOTICE, True),
    ("textile_dyeing", "condensate_recovery_rate", AT_LEAST, 0.98, FORUM_NOTICE, True),
    ("textile_dyeing", "wastewater_reuse_rate", AT_LEAST, 0.20, FORUM_NOTICE, True),
    ("textile_dyeing", "leak_rate", AT_MOST, 0.06, FORUM_NOTICE, True),
    ("steel", "reuse_rate", AT_LEAST, 0.97, FORUM_NOTICE, True),
    ("steel", "wastewater_reuse_rate", AT_LEAST, 0.75, FORUM_NOTICE, True),
    ("steel", "leak_rate", AT_MOST, 0.08, FORUM_NOTICE, True),
    ("paper", "reuse_rate", AT_LEAST, 0.85, FORUM_NOTICE + "（纸及纸板）", True),
    ("chemicals", "reuse_rate", AT_LEAST, 0.90, NOT_FOUND, True),
    ("chemicals", "leak_rate", AT_MOST, 0.08, NOT_FOUND, True),
    ("food", "reuse_rate", AT_LEAST, 0.50, NOT_FOUND, True),
    ("food", "leak_rate", AT_MOST, 0.08, NOT_FOUND, True),
    ("public_institution", "leak_rate", AT_MOST, 0.05, PUBLIC_INSTITUTIONS, True),
)

MWR_2017 = "水资源〔2017〕184号《节水型社会评价标准（试行）》"
MWR_SECONDARY = MWR_2017 + "；条目据公开报道整理"
C = ComputedFrom
# (category, code, name, unit, points, direction, threshold, zero_at, computed_from)
MWR_2017_INDICATORS = (
    (
        "用水定额管理",
        "quota_compliance",
        "用水户执行用水定额（定额内用户比例）",
        "比例",
        6,
        AT_LEAST,
        0.9,
        0.5,
        C.QUOTA_COMPLIANCE,
    ),
    (
        "计划用水管理",
        "planned_use_coverage",
        "非居民用水户计划用水覆盖率",
        "比例",
        8,
        AT_LEAST,
        0.9,
        0.5,
        C.PLANNED_USE_COVERAGE,
    ),
    ("用水计量", "industrial_metering", "工业及服务业用水计量率", "比例", 5, AT_LEAST, 0.9, 0.5, C.METERING_RATE),
    ("用水计量", "irrigation_metering", "农业灌溉用水计量率", "比例", 5, AT_LEAST, 0.7, 0.3, C.MANUAL),
    ("水价机制", "tiered_residential_price", "居民阶梯水价制度", "是=1", 4, AT_LEAST, 1, None, C.MANUAL),
    (
        "水价机制",
        "surcharge_in_force",
        "非居民超计划超定额累进加价制度",
        "是=1",
        4,
        AT_LEAST,
        1,
        None,
        C.SURCHARGE_IN_FORCE,
    ),
    ("水价机制", "agricultural_pricing_reform", "农业水价综合改革", "比例", 4, AT_LEAST, 1, 0, C.MANUAL),
    ("节水“三同时”", "three_simultaneities", "建设项目节水设施“三同时”执行率", "比例", 5, AT_LEAST, 1, 0.5, C.MANUAL),
    (
        "节水载体建设",
        "enterprise_carriers",
        "节水型企业覆盖率（重点用水企业）",
        "比例",
        5,
        AT_LEAST,
        0.2,
        0,
        C.CARRIER_COVERAGE,
    ),
    ("节水载体建设", "unit_carriers", "公共机构节水型单位覆盖率", "比例", 4, AT_LEAST, 0.5, 0, C.MANUAL),
    ("节水载体建设", "community_carriers", "节水型居民小区覆盖率", "比例", 3, AT_LEAST, 0.1, 0, C.MANUAL),
    (
        "供水管网漏损",
        "network_leakage",
        "公共供水管网漏损率（CJJ 92）",
        "比例",
        8,
        AT_MOST,
        0.10,
        0.14,
        C.NETWORK_LEAKAGE_RATE,
    ),
    ("节水器具", "fixture_rate", "公共场所节水器具普及率", "比例", 4, AT_LEAST, 1, 0.6, C.MANUAL),
    ("非常规水利用", "reclaimed_water", "再生水利用率", "比例", 5, AT_LEAST, 0.2, 0, C.MANUAL),
    ("用水总量与效率", "gdp_intensity_ratio", "万元GDP用水量与全省平均值之比", "倍", 6, AT_MOST, 1.0, 1.4, C.MANUAL),
    (
        "用水总量与效率",
        "industry_intensity_ratio",
        "万元工业增加值用水量与全省平均值之比",
        "倍",
        6,
        AT_MOST,
        1.0,
        1.4,
        C.MANUAL,
    ),
    (
        "用水总量与效率",
        "irrigation_coefficient_ratio",
        "农田灌溉水有效利用系数与全省平均值之比",
        "倍",
        6,
        AT_LEAST,
        1.0,
        0.9,
        C.MANUAL,
    ),
    ("用水总量与效率", "total_use_within_target", "用水总量不超过控制指标", "是=1", 4, AT_LEAST, 1, None, C.MANUAL),
    ("节水宣传与管理", "publicity", "节水宣传教育开展情况", "是=1", 4, AT_LEAST, 1, None, C.MANUAL),
    ("节水宣传与管理", "management_body", "节水管理机构与制度健全", "是=1", 4, AT_LEAST, 1, None, C.MANUAL),
)
# (code, name, points): bonus items named in the ministry's announcements
MWR_2017_BONUS = (
    ("benchmark", "节水标杆示范（水效领跑者等）", 2),
    ("incentives", "实行节水激励政策", 2),
    ("efficient_irrigation", "推广高效节水灌溉", 1),
)


@transaction.atomic
def load_carrier_defaults() -> int:
    """The sectors, their thresholds and the evaluation parameters; returns the thresholds added."""
    EvaluationParameters.objects.get_or_create(
        effective_from=SINCE,
        defaults={"source": "GB/T 12452-2022（容差为省级实践值）", "to_verify": True},
    )
    sectors = {}
    for code, name, name_en, kind in SECTORS:
        sectors[code], _created = CarrierSector.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "carrier_kind": kind}
        )
    added = 0
    for sector, indicator, direction, value, source, to_verify in THRESHOLDS:
        _row, created = CarrierThreshold.objects.get_or_create(
            sector=sectors[sector],
            indicator=indicator,
            effective_from=SINCE,
            defaults={"direction": direction, "value": value, "source": source, "to_verify": to_verify},
        )
        added += created
    return added


@transaction.atomic
def load_mwr_2017_profile() -> ScorecardProfile:
    """The ministry's 2017 county standard: 11 categories, 20 indicators, 100 points, bonus items, pass 90."""
    profile, created = ScorecardProfile.objects.get_or_create(
        name="县域节水型社会达标建设评价标准（2017）",
        defaults={"source": MWR_2017, "pass_line": 90, "effective_from": datetime.date(2017, 5, 1), "to_verify": True},
    )
    if not created:
        return profile
    for position, row in enumerate(MWR_2017_INDICATORS):
        category, code, name, unit, points, direction, threshold, zero_at, computed_from = row
        ScorecardIndicator.objects.create(
            profile=profile,
            position=position,
            category=category,
            code=code,
            name=name,
            unit=unit,
            points=points,
            direction=direction,
            threshold=threshold,
            zero_at=zero_at,
            computed_from=computed_from,
            source=MWR_SECONDARY,
            to_verify=True,
        )
    for offset, (code, name, points) in enumerate(MWR_2017_BONUS, start=len(MWR_2017_INDICATORS)):
        ScorecardIndicator.objects.create(
            profile=profile,
            position=offset,
            category="加分项",
            code=code,
            name=name,
            unit="是=1",
            points=points,
            threshold=1,
            is_bonus=True,
            source=MWR_SECONDARY,
            to_verify=True,
        )
    return profile
