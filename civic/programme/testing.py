"""The programme's part of the test cast: Runhua and Xinglong as firms, a membrane maker, the rules in force.

Runhua Dyeing's dyeing-workshop retrofit is measured by its sub-meter
M-RH-P1: in 2023 it used 3,000 m³ a month plus 20 m³ per tonne of cloth,
± 50 m³ in ten months; after the retrofit (from July 2024) 20 % less.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from civic.core.models import User
from civic.programme import actions
from civic.programme.models import (
    ChainRole,
    ExpertReview,
    Firm,
    FirmReporter,
    FitCriteriaRule,
    MonthlyProduction,
    Product,
    Project,
    ProjectKind,
    Segment,
    SubsidyPolicy,
    SupplyRelation,
    Technology,
)
from civic.testing import Cast
from civic.water.models import Meter, MeterReading

SEGMENTS = (
    ("equipment", "新型节水设备及技术", "New water-saving equipment and technology"),
    ("wastewater", "工业废水处理", "Industrial wastewater treatment"),
    ("irrigation", "农业节水灌溉", "Agricultural water-saving irrigation"),
    ("rainwater", "建筑及市政设施雨水收集利用", "Rainwater harvesting for buildings and municipal works"),
    ("reclamation", "污水再生利用", "Wastewater reclamation"),
    ("appliances", "节水器具产品", "Water-saving appliances and products"),
    ("smart", "智慧节水及服务", "Smart water saving and services"),
)
# Valid codes (GB 32100 check characters worked out by civic.core.identifiers).
RUNHUA_CODE = "91320412MA1N000016"
XINGLONG_CODE = "91320412MA1N000029"
MEMBRANE_CODE = "91320412MA1N00003C"
BASELINE_PRODUCTION_T = (100, 120, 110, 130, 90, 100, 120, 110, 130, 90, 100, 120)
# ± 50 m³ summing to zero within each production level, so OLS returns 3,000 + 20 × t exactly.
BASELINE_NOISE_M3 = (50, -50, 50, -50, 50, -50, 50, -50, 50, -50, 0, 0)


@dataclass
class ProgrammeCast:
    segments: dict[str, Segment]
    runhua: Firm
    xinglong: Firm
    membrane_maker: Firm
    membrane: Product
    criteria: FitCriteriaRule
    policy: SubsidyPolicy
    project_meter: Meter


def make_segments() -> dict[str, Segment]:
    return {
        code: Segment.objects.create(code=code, name=name, name_en=name_en, order=order)
        for order, (code, name, name_en) in enumerate(SEGMENTS)
    }


def make_programme_cast(cast: Cast) -> ProgrammeCast:
    segments = make_segments()
    runhua = Firm.objects.create(
        name=cast.runhua.name,
        credit_code=RUNHUA_CODE,
        town=cast.hutang,
        chain_role=ChainRole.USER,
        water_user=cast.runhua,
    )
    xinglong = Firm.objects.create(
        name=cast.xinglong.name,
        credit_code=XINGLONG_CODE,
        town=cast.niutang,
        chain_role=ChainRole.USER,
        water_user=cast.xinglong,
    )
    membrane_maker = Firm.objects.create(
        name="常州清源膜科技有限公司", credit_code=MEMBRANE_CODE, town=cast.hutang, chain_role=ChainRole.LEADER
    )
    membrane_maker.segments.set([segments["equipment"], segments["reclamation"]])
    SupplyRelation.objects.create(supplier=membrane_maker, customer=runhua, goods="超滤膜组件")
    membrane = Product.objects.create(
        firm=membrane_maker, name="印染废水超滤回用装置", segment=segments["equipment"], claimed_saving_fraction=0.30
    )
    project_meter = Meter.objects.create(
        serial="M-RH-P1", water_user=cast.runhua, parent=cast.runhua_meter, installed_on=datetime.date(2022, 12, 1)
    )
    return ProgrammeCast(
        segments=segments,
        runhua=runhua,
        xinglong=xinglong,
        membrane_maker=membrane_maker,
        membrane=membrane,
        criteria=FitCriteriaRule.objects.create(effective_from=datetime.date(2014, 1, 1)),
        policy=SubsidyPolicy.objects.create(
            year=2025,
            effective_from=datetime.date(2025, 1, 1),
            amount_per_m3_yuan=Decimal("2.00"),
            investment_share=Decimal("0.30"),
            project_cap_yuan=Decimal("500000"),
            firm_annual_cap_yuan=Decimal("800000"),
            demonstration_bonus_share=Decimal("0.20"),
            annual_budget_yuan=Decimal("3000000"),
            document="武进区节水奖补办法（示例）",
        ),
        project_meter=project_meter,
    )


def bind_reporter(user: User, firm: Firm) -> FirmReporter:
    return FirmReporter.objects.create(user=user, firm=firm)


def month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def record_month(project: Project, meter: Meter, month: datetime.date, use_m3: float, production_t: float) -> None:
    MeterReading.objects.create(meter=meter, reading_date=month_end(month), volume_m3=use_m3)
    MonthlyProduction.objects.create(project=project, month=month, production=production_t)


def record_meter_history(project: Project, meter: Meter, saving_fraction: float = 0.20) -> None:
    """2023 as the baseline; July 2024 to June 2025 with `saving_fraction` less use at the same production."""
    for index, (production, noise) in enumerate(zip(BASELINE_PRODUCTION_T, BASELINE_NOISE_M3, strict=True)):
        record_month(project, meter, datetime.date(2023, index + 1, 1), 3000 + 20 * production + noise, production)
        after = actions.month_starts(datetime.date(2024, 7, 1), datetime.date(2025, 6, 1))[index]
        record_month(project, meter, after, (1 - saving_fraction) * (3000 + 20 * production), production)


def retrofit(programme: ProgrammeCast, firm: Firm | None = None, **fields: object) -> Project:
    values: dict[str, object] = {
        "title": "染色车间逆流漂洗改造", "kind": ProjectKind.RETROFIT, "technology": Technology.PROCESS_RETROFIT,
        "firm": firm or programme.runhua, "site": "湖塘镇润华印染染色车间", "investment_yuan": Decimal("1200000"),
        "eligible_investment_yuan": Decimal("1000000"), "expected_annual_saving_m3": 12000,
    }  # fmt: skip
    values.update(fields)
    return Project(**values)


def project_at_verification(programme: ProgrammeCast, cast: Cast) -> Project:
    """Runhua's retrofit taken through review, approval, one milestone and acceptance, with its meter history."""
    project = actions.apply_for_project(retrofit(programme), cast.runhua_reporter, datetime.date(2024, 1, 10))
    project.meters.set([programme.project_meter])
    review = ExpertReview(
        expert_name="张工", technical_score=42, economic_score=40, opinion="可行", reviewed_on=datetime.date(2024, 2, 1)
    )
    actions.record_review(project, [review], cast.bureau_staff, datetime.date(2024, 2, 1))
    actions.decide_approval(
        project, True, [("设备安装", datetime.date(2024, 6, 1))], cast.bureau_staff, datetime.date(2024, 2, 10)
    )
    actions.complete_milestone(project.steps.get(stage="construction"), cast.bureau_staff, datetime.date(2024, 5, 28))
    project.refresh_from_db()
    actions.record_acceptance(project, True, cast.bureau_staff, datetime.date(2024, 6, 20))
    project.refresh_from_db()
    record_meter_history(project, programme.project_meter)
    return project
