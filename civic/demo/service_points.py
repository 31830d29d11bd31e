"""The demo county's 26 dog-management service points (养犬管理便民服务点), licensed animal clinics.

SP01 is 润轩宠物医院 in 湖塘镇, the service point the seed's inspection visited;
the others are plausible clinics spread over the towns, more where people live.
"""

from __future__ import annotations

import random

from civic.core.models import Region
from civic.demo.regions import TOWNS
from civic.demo.water_catalogue import ROADS
from civic.dogs.models import ServicePoint

# Service points per town or street: 26 in all, as in the seed.
POINTS_PER_TOWN = {
    "湖塘镇": 5,
    "南夏墅街道": 2,
    "西湖街道": 2,
    "牛塘镇": 2,
    "戚墅堰街道": 2,
    "遥观镇": 2,
    "横林镇": 2,
    "丁堰街道": 1,
    "潞城街道": 1,
    "横山桥镇": 1,
    "洛阳镇": 1,
    "雪堰镇": 1,
    "前黄镇": 1,
    "礼嘉镇": 1,
    "嘉泽镇": 1,
    "湟里镇": 1,
}
CLINIC_BRANDS = (
    "安宠", "贝贝", "宠爱", "萌宠", "瑞派", "爱诺", "康贝", "乐宠", "佳佳", "仁心", "百福", "欣欣", "益生",
    "福瑞", "优宠", "和美", "博爱", "暖心", "顺安", "小白", "天天", "喜乐", "恒康", "宠颐", "诺亚",
)  # fmt: skip
CLINIC_KINDS = ("宠物医院", "动物医院", "宠物诊所")
SEED_POINT = ("润轩宠物医院", "湖塘镇")


def service_point_towns() -> list[str]:
    """The town of each point in code order: the seed's point first, then town by town."""
    towns = [SEED_POINT[1]]
    for town in TOWNS:
        count = POINTS_PER_TOWN[town.name] - (1 if town.name == SEED_POINT[1] else 0)
        towns.extend([town.name] * count)
    return towns


def create_service_points(rng: random.Random, towns: dict[str, Region]) -> list[ServicePoint]:
    brands = list(CLINIC_BRANDS)
    rng.shuffle(brands)
    points = []
    for number, town_name in enumerate(service_point_towns(), start=1):
        name = SEED_POINT[0] if number == 1 else brands[number - 2] + rng.choice(CLINIC_KINDS)
        points.append(
            ServicePoint.objects.create(
                code=f"SP{number:02d}",
                name=name,
                town=towns[town_name],
                address=f"{town_name}{rng.choice(ROADS)}{rng.randint(1, 299)}号",
                phone=f"0519-8{rng.randrange(10**6, 10**7)}",
                licence_number=f"苏D动诊字第{2018 + number % 6}{number:04d}号",
            )
        )
    return points
