"""The demo county's water-saving programme: its industry, projects in every state, subsidies and feedback.

The 58 water-saving enterprises of the register become the industry's firms
(linked to their water-user records, not copied), about ¥5 bn of output in
all, around four chain leaders with their suppliers and the industry park.
Dyeing and steel firms of the register run retrofits; demonstration projects
use each of the three technologies. Every project's sub-meter carries monthly
readings before and after, and projects past acceptance are verified with
``hydro.savings`` and paid under the year's rules, through the same actions
as the pages. Everything is drawn from the seeded generator handed in.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from civic.core.identifiers import CREDIT_CODE_CHARACTERS, credit_code_check_character
from civic.core.models import Region, RegionLevel, User
from civic.programme import actions
from civic.programme.models import (
    DEMONSTRATION_TECHNOLOGIES,
    ChainRole,
    ExpertReview,
    Feedback,
    FirmYear,
    FitCriteriaRule,
    MonthlyProduction,
    Park,
    ProblemCategory,
    Product,
    Project,
    ProjectKind,
    Segment,
    Stage,
    SubsidyPolicy,
    SupplyRelation,
    Technology,
    UpgradeAdvice,
)
from civic.programme.models import Firm as ProgrammeFirm
from civic.water.models import Meter, MeterReading, ReuseStudy, WaterUser

SEGMENTS = (
    ("equipment", "新型节水设备及技术", "New water-saving equipment and technology"),
    ("wastewater", "工业废水处理", "Industrial wastewater treatment"),
    ("irrigation", "农业节水灌溉", "Agricultural water-saving irrigation"),
    ("rainwater", "建筑及市政设施雨水收集利用", "Rainwater harvesting for buildings and municipal works"),
    ("reclamation", "污水再生利用", "Wastewater reclamation"),
    ("appliances", "节水器具产品", "Water-saving appliances and products"),
    ("smart", "智慧节水及服务", "Smart water saving and services"),
)
# The register's segment names (civic/demo/water_catalogue.py) → the segment codes above.
REGISTER_SEGMENTS = {
    "工业废水处理": "wastewater",
    "污水再生利用": "reclamation",
    "农业节水灌溉": "irrigation",
    "雨水收集利用": "rainwater",
    "节水器具产品": "appliances",
    "智慧节水及服务": "smart",
    "新型节水设备及技术": "equipment",
}
INDUSTRY_OUTPUT_2023_YUAN = Decimal("4900000000")  # the seed: 58 firms, "nearly ¥5 bn"
FIGURE_YEARS = (2022, 2023, 2024, 2025)
LEADER_SEGMENTS = ("equipment", "wastewater", "reclamation", "smart")
PRODUCTS = {
    "equipment": ("超滤膜组件", "反渗透浓水回收装置", "高效冷却塔节水装置"),
    "wastewater": ("印染废水深度处理系统", "MBR一体化设备"),
    "reclamation": ("再生水回用成套设备", "中水回用处理站"),
    "irrigation": ("滴灌带", "智能喷灌控制器"),
    "rainwater": ("雨水收集模块", "透水铺装系统"),
    "appliances": ("节水型水嘴", "感应式冲洗阀", "节水型坐便器"),
    "smart": ("远传智能水表", "企业用水在线监测平台"),
}
PARK_NAME = "武进节水产业园"
PARK_TOWN = "湖塘镇"
PARK_LAND_M2 = 600_000
DYEING_CODES = ("C1713", "C1752")
STEEL_CODES = ("C3110", "C3120", "C3130")
POLICIES = {  # year: (yuan per m³, share of investment, project cap, firm cap, demonstration bonus, budget)
    2022: ("2.00", "0.20", "300000", "500000", "0.20", "3000000"),
    2023: ("2.00", "0.25", "400000", "600000", "0.20", "3500000"),
    2024: ("2.50", "0.30", "500000", "800000", "0.20", "4000000"),
    2025: ("2.50", "0.30", "500000", "800000", "0.25", "4500000"),
    2026: ("2.50", "0.30", "500000", "800000", "0.25", "4500000"),
}
# The state each demo project is left in, in the order projects are made.
PLANNED_STAGES = (
    [Stage.CLOSED] * 9 + [Stage.PAYMENT] * 3 + [Stage.SUBSIDY_DECISION] * 3 + [Stage.VERIFICATION] * 4
    + [Stage.ACCEPTANCE] * 3 + [Stage.CONSTRUCTION] * 5 + [Stage.APPROVAL] * 2 + [Stage.REVIEW] * 3
    + [Stage.REJECTED] * 1
)  # fmt: skip
EXPERTS = ("张建国", "李海燕", "王志强", "陈雪梅", "刘文斌")
FEEDBACK_TEXT = {
    ProblemCategory.NONE: "运行稳定，节水效果符合预期。",
    ProblemCategory.RELIABILITY: "设备运行半年后出现故障，需停机检修。",
    ProblemCategory.PERFORMANCE: "实测节水率低于厂家宣称值。",
    ProblemCategory.SERVICE: "售后响应慢，维修人员到场超过一周。",
    ProblemCategory.INSTALLATION: "安装与原有管网不匹配，需二次改造。",
    ProblemCategory.COST: "膜组件和药剂更换费用高于预期。",
}
FEEDBACK_WEIGHTS = {
    ProblemCategory.NONE: 10,
    ProblemCategory.RELIABILITY: 5,
    ProblemCategory.PERFORMANCE: 4,
    ProblemCategory.SERVICE: 3,
    ProblemCategory.INSTALLATION: 2,
    ProblemCategory.COST: 3,
}


@dataclass(frozen=True)
class ProjectPlan:
    firm: ProgrammeFirm
    kind: str
    technology: str
    title: str
    stage: str
    applied_on: datetime.date
    product: Product | None


def load_programme_demo(rng: random.Random, bureau: User) -> int:
    """Load the programme into the demo county; returns how many projects it made."""
    segments = _create_segments()
    FitCriteriaRule.objects.create(effective_from=datetime.date(2014, 1, 1))
    _create_policies()
    codes = _credit_codes(rng)
    firms = _create_industry(rng, segments, codes)
    products = _create_products(rng, firms, segments)
    users = _create_project_firms(codes)
    plans = _project_plans(rng, users, products)
    projects = [_run_project(rng, plan, number, bureau) for number, plan in enumerate(plans, start=1)]
    _create_feedback(rng, projects, products)
    _create_advice(rng, products)
    return len(projects)


# --- The industry ------------------------------------------------------------


def _create_segments() -> dict[str, Segment]:
    return {
        code: Segment.objects.create(code=code, name=name, name_en=name_en, order=order)
        for order, (code, name, name_en) in enumerate(SEGMENTS)
    }


def _create_policies() -> None:
    for year, (rate, share, project_cap, firm_cap, bonus, budget) in POLICIES.items():
        SubsidyPolicy.objects.create(
            year=year,
            effective_from=datetime.date(year, 1, 1),
            amount_per_m3_yuan=Decimal(rate),
            investment_share=Decimal(share),
            project_cap_yuan=Decimal(project_cap),
            firm_annual_cap_yuan=Decimal(firm_cap),
            demonstration_bonus_share=Decimal(bonus),
            annual_budget_yuan=Decimal(budget),
            document=f"武进区节水型社会建设奖补办法（{year}年度）",
        )


def _credit_codes(rng: random.Random) -> list[str]:
    """Distinct valid codes of firms registered in Wujin (91 320412, an MA… organisation code)."""
    codes: list[str] = []
    while len(codes) < 400:
        body = "91320412MA" + "".join(rng.choice(CREDIT_CODE_CHARACTERS[:31]) for _ in range(7))
        code = body + credit_code_check_character(body)
        if code not in codes:
            codes.append(code)
    return codes


def _create_industry(rng: random.Random, segments: dict[str, Segment], codes: list[str]) -> list[ProgrammeFirm]:
    savers = list(WaterUser.objects.filter(is_water_saving_enterprise=True).select_related("town").order_by("code"))
    park = Park.objects.create(
        name=PARK_NAME, town=Region.objects.get(level=RegionLevel.TOWN, name=PARK_TOWN), land_m2=PARK_LAND_M2,
        opened_on=datetime.date(2023, 9, 28),
    )  # fmt: skip
    firms = []
    for index, user in enumerate(savers):
        firm = ProgrammeFirm.objects.create(
            name=user.name, credit_code=codes.pop(), town=user.town, water_user=user, chain_role=ChainRole.SUPPLIER,
            contact_name=user.contact_name, contact_phone=user.contact_phone,
        )  # fmt: skip
        segment_codes = [REGISTER_SEGMENTS.get(user.water_saving_segment, "equipment")]
        if rng.random() < 0.25:
            segment_codes.append(rng.choice([code for code, _name, _english in SEGMENTS]))
        firm.segments.set([segments[code] for code in dict.fromkeys(segment_codes)])
        if index % 3 == 0:
            firm.park, firm.park_land_m2 = park, float(rng.randrange(8_000, 30_000, 500))
            firm.save()
        firms.append(firm)
    _create_figures(rng, firms)
    _create_chain(rng, firms, segments)
    return firms


def _create_figures(rng: random.Random, firms: list[ProgrammeFirm]) -> None:
    weights = [rng.lognormvariate(0, 0.9) for _ in firms]
    total = sum(weights)
    rows = []
    for firm, weight in zip(firms, weights, strict=True):
        output_2023 = INDUSTRY_OUTPUT_2023_YUAN * Decimal(weight / total)
        growth = rng.uniform(0.04, 0.15)
        for year in FIGURE_YEARS:
            output = (output_2023 * Decimal((1 + growth) ** (year - 2023))).quantize(Decimal("1"))
            rows.append(FirmYear(
                firm=firm, year=year, output_value_yuan=output,
                water_saving_revenue_yuan=(output * Decimal(rng.uniform(0.5, 0.95))).quantize(Decimal("1")),
                employees=max(12, int(float(output) / 1_200_000)),
                research_spend_yuan=(output * Decimal(rng.uniform(0.02, 0.07))).quantize(Decimal("1")),
                patents=rng.randint(1, 12) + (year - 2022) * rng.randint(0, 4),
            ))  # fmt: skip
    FirmYear.objects.bulk_create(rows)


def _create_chain(rng: random.Random, firms: list[ProgrammeFirm], segments: dict[str, Segment]) -> None:
    """A chain leader in each of four segments (its largest firm), each with five to eight suppliers."""
    outputs = {year.firm_id: year.output_value_yuan for year in FirmYear.objects.filter(year=2023)}
    leaders = []
    for code in LEADER_SEGMENTS:
        candidates = [firm for firm in firms if segments[code] in firm.segments.all() and firm not in leaders]
        if candidates:
            leader = max(candidates, key=lambda firm: outputs[firm.pk])
            leader.chain_role = ChainRole.LEADER
            leader.save()
            leaders.append(leader)
    others = [firm for firm in firms if firm not in leaders]
    goods = ("膜元件", "泵阀", "控制系统", "药剂", "管材", "安装服务", "运维服务", "检测服务")
    for leader in leaders:
        for supplier in rng.sample(others, min(len(others), rng.randint(5, 8))):
            SupplyRelation.objects.get_or_create(
                supplier=supplier, customer=leader, defaults={"goods": rng.choice(goods)}
            )
    for firm in rng.sample(others, min(len(others), 8)):
        firm.chain_role = ChainRole.SERVICE
        firm.save()


def _create_products(rng: random.Random, firms: list[ProgrammeFirm], segments: dict[str, Segment]) -> list[Product]:
    products = []
    for firm in firms:
        segment = firm.segments.order_by("order").first() or segments["equipment"]
        for name in rng.sample(PRODUCTS[segment.code], rng.randint(1, min(2, len(PRODUCTS[segment.code])))):
            products.append(Product.objects.create(
                firm=firm, name=name, segment=segment, claimed_saving_fraction=round(rng.uniform(0.15, 0.45), 2)
            ))  # fmt: skip
    return products


# --- Projects ------------------------------------------------------------------


def _create_project_firms(codes: list[str]) -> dict[str, list[ProgrammeFirm]]:
    """The register's dyeing and steel firms as programme firms (users of water, not of the industry)."""
    groups: dict[str, list[ProgrammeFirm]] = {"dyeing": [], "steel": []}
    for group, industry_codes in (("dyeing", DYEING_CODES), ("steel", STEEL_CODES)):
        users = WaterUser.objects.filter(industry__code__in=industry_codes).select_related("town").order_by("code")
        for user in users[:8]:
            groups[group].append(ProgrammeFirm.objects.create(
                name=user.name, credit_code=codes.pop(), town=user.town, water_user=user,
                chain_role=ChainRole.USER, contact_name=user.contact_name, contact_phone=user.contact_phone,
            ))  # fmt: skip
    return groups


def _project_plans(
    rng: random.Random, users: dict[str, list[ProgrammeFirm]], products: list[Product]
) -> list[ProjectPlan]:
    dyeing, steel = users["dyeing"], users["steel"]
    reclaimers = [product for product in products if product.segment.code in ("reclamation", "wastewater")]
    kinds: list[tuple[ProgrammeFirm, str, str, str, Product | None]] = []  # firm, kind, technology, title, product
    for index in range(10):
        technology = Technology.PROCESS_RETROFIT if index % 3 else Technology.COOLING_RETROFIT
        kinds.append(
            (
                dyeing[index % len(dyeing)],
                ProjectKind.RETROFIT,
                technology,
                ("染色车间逆流漂洗改造", "定型机冷却水回用改造", "印染废水分质回用改造")[index % 3],
                None,
            )
        )
    for index in range(8):
        kinds.append(
            (
                steel[index % len(steel)],
                ProjectKind.RETROFIT,
                Technology.COOLING_RETROFIT,
                ("高炉冷却水闭路循环改造", "轧钢浊环水处理回用改造")[index % 2],
                None,
            )
        )
    titles = {
        Technology.WWTP_EFFLUENT_TO_INDUSTRY: "城镇污水厂尾水供工业用水示范",
        Technology.CASCADE_BETWEEN_FIRMS: "印染与钢铁企业串联用水示范",
        Technology.RECLAIMED_WATER: "厂区中水回用示范",
    }
    for index in range(9):
        technology = DEMONSTRATION_TECHNOLOGIES[index % 3]
        firm = (dyeing + steel)[(index * 3) % len(dyeing + steel)]
        kinds.append((firm, ProjectKind.DEMONSTRATION, technology, titles[technology], rng.choice(reclaimers)))
    for index in range(6):
        product = rng.choice(products)
        kinds.append(
            (
                dyeing[(index + 4) % len(dyeing)],
                ProjectKind.PRODUCT_APPLICATION,
                Technology.PRODUCT,
                f"{product.name}应用",
                product,
            )
        )
    order = list(range(len(kinds)))
    rng.shuffle(order)
    plans = []
    for number, (stage, kind_index) in enumerate(zip(PLANNED_STAGES, order, strict=False)):
        firm, kind, chosen_technology, title, applied_product = kinds[kind_index]
        applied_on = _application_day(rng, stage, number)
        plans.append(ProjectPlan(firm, kind, chosen_technology, title, stage, applied_on, applied_product))
    return sorted(plans, key=lambda plan: plan.applied_on)


def _application_day(rng: random.Random, stage: str, number: int) -> datetime.date:
    """Finished projects applied early (2022–2023), ones still under way late (2024–2025)."""
    first_year: int = {Stage.CLOSED: 2022, Stage.PAYMENT: 2022, Stage.SUBSIDY_DECISION: 2023, Stage.VERIFICATION: 2023,
                  Stage.ACCEPTANCE: 2024, Stage.CONSTRUCTION: 2024}.get(Stage(stage), 2025)  # fmt: skip
    start = datetime.date(first_year, 1, 10)
    return start + datetime.timedelta(days=rng.randrange(0, 300) + number % 7)


def _run_project(rng: random.Random, plan: ProjectPlan, number: int, bureau: User) -> Project:
    """Make the project and take it through the actions up to its planned stage."""
    expected = float(rng.randrange(8_000, 120_000, 1_000))
    investment = Decimal(rng.randrange(800_000, 6_000_000, 50_000))
    project = actions.apply_for_project(
        Project(number=f"JS{plan.applied_on.year}{number:03d}", title=plan.title, kind=plan.kind,
                technology=plan.technology, firm=plan.firm, site=f"{plan.firm.town.name}{plan.firm.name}厂区",
                investment_yuan=investment, eligible_investment_yuan=(investment * Decimal("0.85")).quantize(Decimal(1)),
                expected_annual_saving_m3=expected, product=plan.product,
                reuse_study=ReuseStudy.objects.order_by("pk").first()
                if plan.technology == Technology.CASCADE_BETWEEN_FIRMS else None),
        bureau, plan.applied_on, "企业自主申报",
    )  # fmt: skip
    meter = _project_meter(project, number)
    # Half the projects awaiting verification have a baseline too noisy to certify (the page says why).
    noisy = plan.stage == Stage.VERIFICATION and number % 2 == 0
    _record_use(rng, project, meter, expected, noisy)
    _advance(rng, project, plan.stage, bureau, noisy)
    return project


def _project_meter(project: Project, number: int) -> Meter:
    water_user = project.firm.water_user
    assert water_user is not None, "demo project firms are register water users"
    parent = water_user.meters.filter(parent__isnull=True).order_by("serial").first()
    meter = Meter.objects.create(
        serial=f"XM-{number:03d}", water_user=water_user, parent=parent,
        installed_on=project.applied_on - datetime.timedelta(days=400),
    )  # fmt: skip
    project.meters.set([meter])
    return meter


def _months(first: datetime.date, count: int) -> list[datetime.date]:
    months = [first.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] + datetime.timedelta(days=32)).replace(day=1))
    return months


def _record_use(rng: random.Random, project: Project, meter: Meter, expected_m3: float, noisy: bool) -> None:
    """Twelve baseline months before the application and 30 months after it: use follows production."""
    saving_fraction = rng.uniform(0.12, 0.30)
    monthly_base = expected_m3 / saving_fraction / 12
    production_mean = rng.uniform(800, 3000)
    achieved = saving_fraction * rng.uniform(0.7, 1.1)
    baseline = _months(project.applied_on.replace(day=1) - datetime.timedelta(days=365), 12)
    after = _months(project.applied_on + datetime.timedelta(days=31), 30)
    readings, production = [], []
    for index, month in enumerate(baseline + after):
        output = production_mean * (1 + 0.12 * ((month.month % 6) - 2.5) / 2.5 + rng.uniform(-0.05, 0.05))
        use = monthly_base * (0.35 + 0.65 * output / production_mean)
        use *= 1 + (rng.uniform(-0.35, 0.35) if noisy and index < 12 else rng.uniform(-0.02, 0.02))
        if month >= project.applied_on.replace(day=1) + datetime.timedelta(days=200):
            use *= 1 - achieved  # the retrofit works from about half a year after the application
        readings.append(MeterReading(meter=meter, reading_date=_month_end(month), volume_m3=round(use, 1)))
        production.append(MonthlyProduction(project=project, month=month, production=round(output, 1)))
    MeterReading.objects.bulk_create(readings)
    MonthlyProduction.objects.bulk_create(production)


def _month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def _advance(rng: random.Random, project: Project, target: str, bureau: User, noisy: bool) -> None:
    day = project.applied_on
    if target == Stage.REVIEW:
        return
    day += datetime.timedelta(days=rng.randint(15, 28))
    reviews = [
        ExpertReview(expert_name=name, technical_score=rng.randint(32, 48), economic_score=rng.randint(30, 47),
                     opinion="方案可行，节水效果可期。", reviewed_on=day)
        for name in rng.sample(EXPERTS, 3)
    ]  # fmt: skip
    actions.record_review(project, reviews, bureau, day)
    if target == Stage.APPROVAL:
        return
    day += datetime.timedelta(days=rng.randint(5, 12))
    milestones = [("设备采购", day + datetime.timedelta(days=60)), ("安装调试", day + datetime.timedelta(days=150))]
    actions.decide_approval(project, target != Stage.REJECTED, milestones, bureau, day,
                            "方案不满足节水要求" if target == Stage.REJECTED else "")  # fmt: skip
    if target in (Stage.REJECTED, Stage.CONSTRUCTION):
        if target == Stage.CONSTRUCTION:
            step = project.steps.filter(stage=Stage.CONSTRUCTION).order_by("pk")[0]
            actions.complete_milestone(step, bureau, day + datetime.timedelta(days=55))
        return
    for step in project.steps.filter(stage=Stage.CONSTRUCTION).order_by("pk"):
        due_on = step.due_on or day
        actions.complete_milestone(step, bureau, due_on - datetime.timedelta(days=rng.randint(0, 10)))
    project.refresh_from_db()
    if target == Stage.ACCEPTANCE:
        return
    day += datetime.timedelta(days=170)
    actions.record_acceptance(project, True, bureau, day, "竣工验收合格")
    project.refresh_from_db()
    if target == Stage.VERIFICATION and not noisy:
        return
    _verify(project, bureau)
    project.refresh_from_db()
    if project.stage != Stage.SUBSIDY_DECISION or target in (Stage.VERIFICATION, Stage.SUBSIDY_DECISION):
        return
    verified_on = project.verifications.values_list("verified_on", flat=True)[0]
    decided_on = verified_on + datetime.timedelta(days=rng.randint(10, 25))
    decision = actions.decide_subsidy(project, bureau, decided_on)
    project.refresh_from_db()
    if target == Stage.PAYMENT or decision.amount_yuan == 0:
        return
    actions.record_payment(decision, decision.amount_yuan, f"GK{decided_on:%Y}-{project.pk:04d}", bureau,
                           decided_on + datetime.timedelta(days=rng.randint(10, 30)))  # fmt: skip


def _verify(project: Project, bureau: User) -> None:
    """Twelve months before the application against twelve months starting seven months after it."""
    months = list(project.production.order_by("month").values_list("month", flat=True))
    baseline, reporting = months[:12], months[19:31]
    verified_on = _month_end(reporting[-1]) + datetime.timedelta(days=15)
    actions.verify_savings(project, (baseline[0], baseline[-1]), (reporting[0], reporting[-1]), bureau, verified_on)


# --- Feedback ------------------------------------------------------------------


def _create_feedback(rng: random.Random, projects: list[Project], products: list[Product]) -> None:
    """Feedback from project firms on the products they use: measured savings from verified projects."""
    categories = list(FEEDBACK_WEIGHTS)
    weights = [FEEDBACK_WEIGHTS[category] for category in categories]
    applied = [project for project in projects if project.product_id]
    rows = []
    for index in range(90):
        project = applied[index % len(applied)] if applied and index % 2 == 0 else None
        product = project.product if project and project.product else rng.choice(products)
        firm = project.firm if project else rng.choice(projects).firm
        category = rng.choices(categories, weights)[0]
        measured = _measured_fraction(project) if project else None
        if measured is None and rng.random() < 0.5:
            measured = round(product.claimed_saving_fraction * rng.uniform(0.5, 1.05), 3)
        rows.append(Feedback(
            product=product, firm=firm, project=project,
            reported_on=datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randrange(0, 1080)),
            category=category, severity=0 if category == ProblemCategory.NONE else rng.choice((1, 1, 2, 2, 3)),
            measured_saving_fraction=measured, text=FEEDBACK_TEXT[category],
        ))  # fmt: skip
    Feedback.objects.bulk_create(rows)


def _measured_fraction(project: Project) -> float | None:
    verification = actions.latest_certified(project)
    if verification is None or verification.adjusted_baseline_m3 <= 0:
        return None
    return round(verification.savings_m3 / verification.adjusted_baseline_m3, 3)


def _create_advice(rng: random.Random, products: list[Product]) -> None:
    advice = ("建议增加膜污染在线监测与自动清洗功能。", "建议缩短售后响应时间，设立本地服务网点。",
              "建议公布实测节水数据，按行业细分宣称节水率。", "建议降低易耗件价格，提供长期运维套餐。",
              "建议提供与旧管网的标准接口。")  # fmt: skip
    for index, product in enumerate(rng.sample(products, 5)):
        sent_on = datetime.date(2025, 3, 1) + datetime.timedelta(days=index * 20)
        replied = index < 3
        UpgradeAdvice.objects.create(
            firm=product.firm, product=product, advice=advice[index], sent_on=sent_on,
            reply="已收到，将在下一版本中改进并报送节水办。" if replied else "",
            replied_on=sent_on + datetime.timedelta(days=14) if replied else None,
        )  # fmt: skip
