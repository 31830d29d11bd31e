"""The shared cast of the test suite: named people and places of the demo county.

Tests read as sentences about them: Wang Fang of the bureau, Li Qiang who
reports for Runhua Dyeing, Zhao Min who reports for Xinglong Steel (the
outsider to Runhua's records), and so on.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from civic.core.models import Region, RegionLevel, Role, User
from civic.dogs.models import ServicePoint, ServicePointStaff
from civic.water.models import (
    Industry,
    Meter,
    PlanningParameters,
    SurchargeMode,
    SurchargeSchedule,
    SurchargeTier,
    WaterTariff,
    WaterUser,
    WaterUserKind,
    WaterUserReporter,
)

PASSWORD = "civic-test-password"


@dataclass
class Cast:
    county: Region
    hutang: Region
    niutang: Region
    runhua: WaterUser
    xinglong: WaterUser
    runhua_meter: Meter
    runhua_sub_meter: Meter
    xinglong_meter: Meter
    service_point: ServicePoint
    bureau_admin: User
    bureau_staff: User
    runhua_reporter: User
    xinglong_reporter: User
    network_analyst: User
    clinic_staff: User
    inspector: User
    dog_office_staff: User
    newcomer: User  # an account just made, with no role yet


class UserFields(TypedDict, total=False):
    """The optional fields the cast's users are made with."""

    first_name: str
    last_name: str
    is_staff: bool
    water_user: WaterUser
    service_point: ServicePoint


def sign_in(client: Client, user: User) -> Client:
    """Sign `user` in on the test client with the cast's password, as the login page would; the client back."""
    assert client.login(username=user.username, password=PASSWORD), f"{user.username} could not sign in"
    return client


def make_user(username: str, role: str, **fields: Unpack[UserFields]) -> User:
    water_user = fields.pop("water_user", None)
    service_point = fields.pop("service_point", None)
    user = User.objects.create_user(username=username, password=PASSWORD, role=role, **fields)
    if water_user is not None:
        WaterUserReporter.objects.create(user=user, water_user=water_user)
    if service_point is not None:
        ServicePointStaff.objects.create(user=user, service_point=service_point)
    return user


def make_rules() -> None:
    """The dated rules of the tests: Jiangsu draft surcharge tiers applied band by band (so each band's share of a
    bill shows in the hand-worked figures), ¥4.00/m³ basic water price and no sewage charge."""
    PlanningParameters.objects.create(effective_from=datetime.date(2020, 1, 1), reasonable_use_coefficient=1.0)
    for kind in WaterUserKind.values:
        WaterTariff.objects.create(
            kind=kind, basic_price_yuan_per_m3=Decimal("4.00"), effective_from=datetime.date(2020, 1, 1)
        )
    schedule = SurchargeSchedule.objects.create(
        name="江苏省征求意见稿", effective_from=datetime.date(2020, 1, 1), mode=SurchargeMode.BANDED
    )
    for lower, upper, multiplier in ((0.0, 0.10, 1.0), (0.10, 0.30, 2.0), (0.30, None, 3.0)):
        SurchargeTier.objects.create(
            schedule=schedule, lower_excess_fraction=lower, upper_excess_fraction=upper, multiplier=multiplier
        )


def make_cast() -> Cast:
    county = Region.objects.create(code="320412", name="武进区", name_en="Wujin District", level=RegionLevel.COUNTY)
    hutang = Region.objects.create(
        code="320412100", name="湖塘镇", name_en="Hutang", level=RegionLevel.TOWN, parent=county
    )
    niutang = Region.objects.create(
        code="320412101", name="牛塘镇", name_en="Niutang", level=RegionLevel.TOWN, parent=county
    )
    dyeing = Industry.objects.create(code="C1713", name="棉印染精加工", name_en="Cotton printing and dyeing")
    steel = Industry.objects.create(code="C3120", name="炼钢", name_en="Steelmaking")
    runhua = WaterUser.objects.create(
        code="WJ0001",
        name="常州润华印染有限公司",
        kind=WaterUserKind.ENTERPRISE,
        industry=dyeing,
        town=hutang,
        water_sources=["public_supply"],
    )
    xinglong = WaterUser.objects.create(
        code="WJ0002",
        name="常州兴隆钢铁有限公司",
        kind=WaterUserKind.ENTERPRISE,
        industry=steel,
        town=niutang,
        water_sources=["public_supply", "surface"],
    )
    runhua_meter = Meter.objects.create(serial="M-RH-01", water_user=runhua, installed_on=datetime.date(2018, 1, 1))
    runhua_sub_meter = Meter.objects.create(
        serial="M-RH-01A", water_user=runhua, installed_on=datetime.date(2018, 1, 1), parent=runhua_meter
    )
    xinglong_meter = Meter.objects.create(serial="M-XL-01", water_user=xinglong, installed_on=datetime.date(2018, 1, 1))
    service_point = ServicePoint.objects.create(code="SP01", name="润轩宠物医院", town=hutang)
    make_rules()
    return Cast(
        county=county,
        hutang=hutang,
        niutang=niutang,
        runhua=runhua,
        xinglong=xinglong,
        runhua_meter=runhua_meter,
        runhua_sub_meter=runhua_sub_meter,
        xinglong_meter=xinglong_meter,
        service_point=service_point,
        bureau_admin=make_user("zhouhua", Role.BUREAU_ADMIN, first_name="华", last_name="周", is_staff=True),
        bureau_staff=make_user("wangfang", Role.BUREAU_STAFF, first_name="芳", last_name="王"),
        runhua_reporter=make_user("liqiang", Role.ENTERPRISE_REPORTER, water_user=runhua),
        xinglong_reporter=make_user("zhaomin", Role.ENTERPRISE_REPORTER, water_user=xinglong),
        network_analyst=make_user("chenjie", Role.NETWORK_ANALYST),
        clinic_staff=make_user("sunli", Role.CLINIC_STAFF, service_point=service_point),
        inspector=make_user("liuyang", Role.INSPECTOR),
        dog_office_staff=make_user("qianjing", Role.DOG_OFFICE_STAFF, first_name="静", last_name="钱"),
        newcomer=make_user("xuwei", Role.NONE, first_name="伟", last_name="徐"),
    )


def project_url_names() -> set[str]:
    """Every named URL of the project, with its namespace, leaving out the admin site."""

    def walk(patterns: list[Any], namespace: str) -> set[str]:
        names: set[str] = set()
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                names |= walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(namespace + pattern.name)
        return names

    return walk(get_resolver().url_patterns, "")
