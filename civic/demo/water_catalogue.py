"""What the demo county's register is made of: industries, kinds of water user, their sizes and seasons.

Sizes are annual use ranges in m³ chosen to be plausible for a county of
south Jiangsu (a dyeing mill of a few hundred thousand m³, an integrated steel
works of millions); they are demo values, not statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict, Unpack

from civic.water.models import WaterSource, WaterUserKind

# GB/T 4754-2017 classes used by the demo register: (code, name, English name).
INDUSTRIES: tuple[tuple[str, str, str], ...] = (
    ("A0111", "稻谷种植", "Rice growing"),
    ("A0141", "蔬菜种植", "Vegetable growing"),
    ("C1391", "淀粉及淀粉制品制造", "Starch and starch products"),
    ("C1441", "液体乳制造", "Liquid milk"),
    ("C1513", "啤酒制造", "Beer"),
    ("C1713", "棉印染精加工", "Cotton printing and dyeing"),
    ("C1752", "化纤织物染整精加工", "Synthetic fabric dyeing and finishing"),
    ("C2221", "机制纸及纸板制造", "Machine-made paper and paperboard"),
    ("C2614", "有机化学原料制造", "Organic chemical raw materials"),
    ("C2710", "化学药品原料药制造", "Active pharmaceutical ingredients"),
    ("C2922", "塑料板、管、型材制造", "Plastic sheets, pipes and profiles"),
    ("C2929", "塑料零件及其他塑料制品制造", "Plastic parts and other plastic products"),
    ("C3110", "炼铁", "Ironmaking"),
    ("C3120", "炼钢", "Steelmaking"),
    ("C3130", "钢压延加工", "Steel rolling"),
    ("C3443", "阀门和旋塞制造", "Valves and taps"),
    ("C3463", "气体、液体分离及纯净设备制造", "Gas and liquid separation and purification equipment"),
    ("C3572", "机械化农业及园艺机具制造", "Agricultural and horticultural machinery"),
    ("C3670", "汽车零部件及配件制造", "Motor vehicle parts"),
    ("C3972", "半导体分立器件制造", "Discrete semiconductor devices"),
    ("C3982", "电子电路制造", "Electronic circuits"),
    ("C4016", "供应用仪器仪表制造", "Utility meters"),
    ("D4430", "热力生产和供应", "Heat production and supply"),
    ("D4620", "污水处理及其再生利用", "Wastewater treatment and reclamation"),
    ("H6110", "旅游饭店", "Tourist hotels"),
    ("I6532", "物联网技术服务", "Internet of things services"),
    ("N7721", "水污染治理", "Water pollution control"),
    ("O8051", "洗浴服务", "Bathhouses"),
    ("P8321", "普通小学教育", "Primary schools"),
    ("P8334", "普通高中教育", "Senior high schools"),
    ("P8341", "普通高等教育", "Universities and colleges"),
    ("Q8411", "综合医院", "General hospitals"),
    ("Q8412", "中医医院", "Traditional Chinese medicine hospitals"),
    ("S9221", "综合事务管理机构", "General administration"),
)

# Monthly use shapes, January to December, before weighting by days. Factories
# dip at the Spring Festival in February; hotels and homes peak in summer;
# schools empty in the winter and summer holidays; bathhouses and heat
# suppliers are busiest in winter; paddy irrigation runs from May to September.
FACTORY_SEASON = (0.95, 0.72, 1.00, 1.02, 1.03, 1.05, 1.08, 1.08, 1.04, 1.02, 1.01, 1.00)
OFFICE_SEASON = (0.98, 0.80, 1.02, 1.02, 1.02, 1.06, 1.10, 1.10, 1.02, 0.98, 0.98, 0.98)
HOTEL_SEASON = (0.90, 0.95, 0.92, 0.98, 1.05, 1.08, 1.22, 1.25, 1.02, 1.05, 0.90, 0.88)
SCHOOL_SEASON = (0.95, 0.45, 1.10, 1.15, 1.15, 1.20, 0.65, 0.50, 1.15, 1.15, 1.10, 1.05)
HOSPITAL_SEASON = (0.96, 0.94, 0.97, 0.98, 1.00, 1.05, 1.10, 1.10, 1.02, 0.98, 0.95, 0.95)
HOME_SEASON = (1.02, 1.08, 0.95, 0.93, 0.97, 1.02, 1.12, 1.14, 1.00, 0.95, 0.92, 0.95)
WINTER_SEASON = (1.30, 1.20, 1.08, 0.95, 0.88, 0.82, 0.78, 0.78, 0.86, 0.95, 1.10, 1.28)
PADDY_SEASON = (0.20, 0.20, 0.40, 0.80, 1.60, 2.40, 2.60, 2.40, 1.20, 0.50, 0.20, 0.20)
VEGETABLE_SEASON = (0.60, 0.60, 0.90, 1.10, 1.20, 1.30, 1.50, 1.50, 1.20, 1.00, 0.80, 0.70)

INDUSTRIAL_TOWNS = {"湖塘镇": 3, "横林镇": 3, "遥观镇": 3, "牛塘镇": 2, "洛阳镇": 2, "横山桥镇": 2, "湟里镇": 1}
HIGH_TECH_TOWNS = {"南夏墅街道": 3, "西湖街道": 3, "湖塘镇": 1, "牛塘镇": 1}
STEEL_TOWNS = {"洛阳镇": 2, "横林镇": 2, "遥观镇": 1, "戚墅堰街道": 2, "潞城街道": 1}
FARMING_TOWNS = {"雪堰镇": 2, "前黄镇": 2, "礼嘉镇": 2, "嘉泽镇": 2, "湟里镇": 2}
URBAN_TOWNS = {"湖塘镇": 4, "南夏墅街道": 2, "西湖街道": 2, "牛塘镇": 2, "丁堰街道": 1, "戚墅堰街道": 1, "潞城街道": 1}


@dataclass(frozen=True)
class UserCategory:
    """One kind of water user in the demo register and how many of it there are at scale 1."""

    key: str
    industry_code: str | None
    kind: str
    count: int
    annual_use_range_m3: tuple[float, float]
    name_patterns: tuple[str, ...]  # {brand} and {town} are filled in
    season: tuple[float, ...] = FACTORY_SEASON
    towns: dict[str, int] = field(default_factory=dict)  # weights; empty means every town alike
    sources: tuple[str, ...] = (WaterSource.PUBLIC_SUPPLY,)
    water_saving_segment: str = ""


ENTERPRISE = WaterUserKind.ENTERPRISE
INSTITUTION = WaterUserKind.PUBLIC_INSTITUTION
COMMUNITY = WaterUserKind.RESIDENTIAL_COMMUNITY
FARM = WaterUserKind.FARM
PUBLIC_AND_SURFACE = (WaterSource.PUBLIC_SUPPLY, WaterSource.SURFACE)


class FirmOptions(TypedDict, total=False):
    """What a firm category may set beyond the defaults of `UserCategory`."""

    season: tuple[float, ...]
    towns: dict[str, int]
    sources: tuple[str, ...]


def _firm(
    key: str, code: str, count: int, low: float, high: float, *patterns: str, **extra: Unpack[FirmOptions]
) -> UserCategory:
    return UserCategory(key, code, ENTERPRISE, count, (low, high), patterns, **extra)


def _saver(key: str, code: str, count: int, low: float, high: float, segment: str, *patterns: str) -> UserCategory:
    return UserCategory(key, code, ENTERPRISE, count, (low, high), patterns, water_saving_segment=segment)


HIGH_USE_INDUSTRIES = (
    _firm("cotton_dyeing", "C1713", 40, 100_000, 800_000, "常州{brand}印染有限公司", "江苏{brand}纺织印染有限公司",
          towns=INDUSTRIAL_TOWNS),
    _firm("synthetic_dyeing", "C1752", 30, 100_000, 800_000, "常州{brand}化纤染整有限公司", "常州{brand}染整有限公司",
          towns=INDUSTRIAL_TOWNS),
    _firm("ironmaking", "C3110", 4, 1_000_000, 3_000_000, "江苏{brand}钢铁有限公司", towns=STEEL_TOWNS,
          sources=PUBLIC_AND_SURFACE),
    _firm("steelmaking", "C3120", 6, 500_000, 3_000_000, "常州{brand}特钢有限公司", "江苏{brand}钢铁集团有限公司",
          towns=STEEL_TOWNS, sources=PUBLIC_AND_SURFACE),
    _firm("steel_rolling", "C3130", 14, 500_000, 1_500_000, "常州{brand}钢材有限公司", "常州{brand}轧钢有限公司",
          towns=STEEL_TOWNS),
    _firm("paper", "C2221", 6, 200_000, 1_000_000, "常州{brand}纸业有限公司", towns=INDUSTRIAL_TOWNS),
    _firm("heat", "D4430", 4, 300_000, 1_500_000, "常州{brand}热电有限公司", season=WINTER_SEASON,
          sources=PUBLIC_AND_SURFACE),
)  # fmt: skip

OTHER_INDUSTRIES = (
    _firm("semiconductors", "C3972", 16, 50_000, 400_000, "常州{brand}半导体有限公司", "常州{brand}微电子有限公司",
          towns=HIGH_TECH_TOWNS),
    _firm("circuits", "C3982", 24, 30_000, 300_000, "常州{brand}电子科技有限公司", "常州{brand}电路板有限公司",
          towns=HIGH_TECH_TOWNS),
    _firm("starch", "C1391", 6, 80_000, 400_000, "常州{brand}淀粉有限公司", "常州{brand}生物科技有限公司"),
    _firm("dairy", "C1441", 4, 100_000, 500_000, "常州{brand}乳业有限公司"),
    _firm("beer", "C1513", 3, 200_000, 800_000, "常州{brand}啤酒有限公司"),
    _firm("chemicals", "C2614", 20, 50_000, 500_000, "常州{brand}化工有限公司", "常州{brand}精细化工有限公司",
          towns=INDUSTRIAL_TOWNS),
    _firm("pharmaceuticals", "C2710", 10, 50_000, 300_000, "常州{brand}制药有限公司", "常州{brand}药业有限公司",
          towns=HIGH_TECH_TOWNS),
    _firm("vehicle_parts", "C3670", 110, 10_000, 80_000, "常州{brand}汽车零部件有限公司", "常州{brand}机械有限公司"),
    _firm("plastics", "C2922", 40, 10_000, 60_000, "常州{brand}塑业有限公司", "常州{brand}管业有限公司"),
    _firm("bathhouses", "O8051", 12, 15_000, 60_000, "常州{brand}洗浴有限公司", season=WINTER_SEASON,
          towns=URBAN_TOWNS),
    _firm("hotels", "H6110", 25, 20_000, 80_000, "常州{brand}大酒店有限公司", "常州{brand}宾馆有限公司",
          season=HOTEL_SEASON, towns=URBAN_TOWNS),
)  # fmt: skip

# The seed's 58 firms of the water-saving industry, by segment.
WATER_SAVING_INDUSTRY = (
    _saver("wastewater_treatment", "N7721", 12, 8_000, 60_000, "工业废水处理", "常州{brand}环保科技有限公司",
           "江苏{brand}水处理有限公司"),
    _saver("reclamation", "D4620", 8, 30_000, 200_000, "污水再生利用", "常州{brand}水务有限公司"),
    _saver("irrigation", "C3572", 7, 5_000, 30_000, "农业节水灌溉", "常州{brand}节水灌溉设备有限公司"),
    _saver("rainwater", "C2929", 6, 5_000, 30_000, "雨水收集利用", "常州{brand}雨水利用科技有限公司"),
    _saver("fixtures", "C3443", 10, 8_000, 50_000, "节水器具产品", "常州{brand}洁具有限公司", "常州{brand}阀门有限公司"),
    _saver("smart_meters", "C4016", 5, 5_000, 25_000, "智慧节水及服务", "常州{brand}智能水表有限公司"),
    _saver("water_services", "I6532", 4, 3_000, 15_000, "智慧节水及服务", "常州{brand}智慧水务科技有限公司"),
    _saver("membranes", "C3463", 6, 8_000, 50_000, "新型节水设备及技术", "常州{brand}膜科技有限公司"),
)  # fmt: skip

PUBLIC_AND_HOMES = (
    UserCategory("general_hospitals", "Q8411", INSTITUTION, 14, (50_000, 400_000), ("常州{brand}医院",),
                 season=HOSPITAL_SEASON, towns=URBAN_TOWNS),
    UserCategory("tcm_hospitals", "Q8412", INSTITUTION, 3, (30_000, 150_000), ("常州{brand}中医医院",),
                 season=HOSPITAL_SEASON, towns=URBAN_TOWNS),
    UserCategory("high_schools", "P8334", INSTITUTION, 18, (15_000, 60_000), ("常州市武进区{brand}高级中学",),
                 season=SCHOOL_SEASON),
    UserCategory("universities", "P8341", INSTITUTION, 7, (150_000, 800_000), ("常州{brand}职业技术学院",),
                 season=SCHOOL_SEASON, towns={"湖塘镇": 3, "南夏墅街道": 2, "西湖街道": 1}),
    UserCategory("primary_schools", "P8321", INSTITUTION, 40, (8_000, 30_000), ("武进区{town}{brand}小学",),
                 season=SCHOOL_SEASON),
    UserCategory("town_halls", "S9221", INSTITUTION, 16, (10_000, 40_000), ("{town}人民政府",),
                 season=OFFICE_SEASON),
    UserCategory("communities", None, COMMUNITY, 60, (100_000, 600_000), ("{brand}花园", "{brand}新村", "{brand}家园"),
                 season=HOME_SEASON, towns=URBAN_TOWNS),
    UserCategory("rice_farms", "A0111", FARM, 6, (50_000, 300_000), ("武进{brand}家庭农场",), season=PADDY_SEASON,
                 towns=FARMING_TOWNS, sources=(WaterSource.SURFACE,)),
    UserCategory("vegetable_farms", "A0141", FARM, 4, (20_000, 100_000), ("常州{brand}农业科技有限公司",),
                 season=VEGETABLE_SEASON, towns=FARMING_TOWNS, sources=(WaterSource.GROUNDWATER,)),
)  # fmt: skip

CATEGORIES: tuple[UserCategory, ...] = HIGH_USE_INDUSTRIES + OTHER_INDUSTRIES + WATER_SAVING_INDUSTRY + PUBLIC_AND_HOMES

# Brand names are two characters, one from each list; 润华 and 兴隆 are kept for
# the two firms every demo and browser test knows (WJ0001 and WJ0002).
BRAND_FIRST = "宏恒鑫瑞永新博康泰嘉锦德通远佳诚丰晨海明东振天金盛达和安益中立信美裕顺源亿"
BRAND_SECOND = "宇辉昌力晟鼎龙腾凯越邦豪科翔峰源祥成茂隆华威发星阳光林川洋湖泽业通程合欣"
BRAND_THIRD = "达昌盛嘉"
RESERVED_BRANDS = frozenset({"润华", "兴隆"})

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚钱顾"
GIVEN_NAMES = (
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "华", "建国",
    "志强", "海燕", "晓东", "玉兰", "国平", "雪梅", "建华", "丽娟", "文斌", "红霞", "俊", "婷",
)  # fmt: skip
ROADS = (
    "人民路", "长虹路", "阳湖路", "兴业路", "创新路", "振兴路", "工业大道", "花园街", "常武路", "延政路",
    "滨湖路", "武宜路", "聚湖路", "府前路", "环镇路", "富民路",
)  # fmt: skip
