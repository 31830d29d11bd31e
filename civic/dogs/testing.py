"""The dog-management cast: named owners, dogs and places around the shared cast's people.

Sun Li (`cast.clinic_staff`) works at Runxuan Pet Hospital in Hutang
(`cast.service_point`); He Jing works at Niutang Pet Clinic, the other point.
Zhang Wei lives in Hutang's key area with his dog Wangcai, whose licence falls
due on the suite's reference day; Chen Jing lives in Niutang with Doudou.
Hutang is a key area as a whole, as the city's notice has it; Niutang has none.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from civic.core.models import Region, RegionLevel, Role, User
from civic.dogs.models import (
    AddressPlace,
    Breed,
    Dog,
    Household,
    Immunisation,
    Licence,
    LicenceEvent,
    LicenceEventKind,
    Owner,
    PatrolPlace,
    PlaceKind,
    ServicePoint,
    Sex,
    Tag,
    ViolationType,
)
from civic.dogs.regulation import install_key_area_rules, install_regulation
from civic.testing import Cast, make_user

if TYPE_CHECKING:
    from playwright.sync_api import Page

# The day of the seed's newspaper page; the cast's dates are set around it.
REFERENCE_DAY = datetime.date(2024, 3, 22)

# Resident IDs with their GB 11643 check character worked out.
ZHANG_WEI_ID = "320412198503121233"
CHEN_JING_ID = "320412199007084562"
LIU_MIN_ID = "320412197802157899"


@dataclass
class DogsCast:
    cast: Cast
    hutang_key_area: Region
    niutang_point: ServicePoint
    niutang_clinic_staff: User
    zhang_wei: Owner
    zhang_household: Household
    wangcai: Dog
    wangcai_licence: Licence
    wangcai_tag: Tag
    chen_jing: Owner
    doudou: Dog
    doudou_licence: Licence
    doudou_tag: Tag
    yancheng_park: PatrolPlace
    hutang_square: PatrolPlace

    def breed(self, name: str) -> Breed:
        return Breed.objects.get(name=name)

    def violation_type(self, code: str) -> ViolationType:
        return ViolationType.objects.get(code=code)


def make_licensed_dog(
    owner: Owner,
    name: str,
    breed: str,
    microchip: str,
    point: ServicePoint,
    issued_on: datetime.date,
    number: str,
    tag_number: str,
) -> tuple[Dog, Licence, Tag]:
    dog = Dog.objects.create(
        name=name,
        owner=owner,
        breed=Breed.objects.get(name=breed),
        colour="黄色",
        sex=Sex.MALE,
        birth_date=datetime.date(2021, 5, 1),
        shoulder_height_m=0.45,
        microchip=microchip,
        service_point=point,
    )
    Immunisation.objects.create(
        dog=dog,
        vaccine="狂犬病灭活疫苗",
        batch="202303A",
        vaccinated_on=issued_on - datetime.timedelta(days=7),
        valid_until=issued_on + datetime.timedelta(days=358),
        service_point=point,
    )
    licence = Licence.objects.create(
        number=number,
        dog=dog,
        service_point=point,
        issued_on=issued_on,
        expires_on=issued_on + datetime.timedelta(days=365),
    )
    tag = Tag.objects.create(number=tag_number, licence=licence, issued_on=issued_on)
    LicenceEvent.objects.create(
        licence=licence, kind=LicenceEventKind.REGISTERED, happened_on=issued_on, service_point=point
    )
    return dog, licence, tag


def make_dogs_cast(cast: Cast) -> DogsCast:
    install_regulation()
    hutang_key_area = Region.objects.create(
        code="320412100K01", name="湖塘镇重点管理区", level=RegionLevel.KEY_AREA, parent=cast.hutang
    )
    install_key_area_rules([hutang_key_area])
    AddressPlace.objects.create(name="", town=cast.hutang, key_area=hutang_key_area)
    niutang_point = ServicePoint.objects.create(code="SP02", name="牛塘宠物诊所", town=cast.niutang)
    zhang_household = Household.objects.create(address="湖塘镇花园街1号", town=cast.hutang, key_area=hutang_key_area)
    chen_household = Household.objects.create(address="牛塘镇青云路8号", town=cast.niutang)
    zhang_wei = Owner.objects.create(
        name="张伟", resident_id=ZHANG_WEI_ID, phone="13800000001", household=zhang_household
    )
    chen_jing = Owner.objects.create(
        name="陈静", resident_id=CHEN_JING_ID, phone="13800000002", household=chen_household
    )
    # Wangcai's licence runs 2023-03-30 to 2024-03-29: due for renewal on the reference day.
    wangcai, wangcai_licence, wangcai_tag = make_licensed_dog(
        zhang_wei, "旺财", "中华田园犬", "156000000000001", cast.service_point,
        datetime.date(2023, 3, 30), "DL2023000001", "DT2023000001",
    )  # fmt: skip
    doudou, doudou_licence, doudou_tag = make_licensed_dog(
        chen_jing, "豆豆", "泰迪犬", "156000000000002", niutang_point,
        datetime.date(2024, 1, 5), "DL2024000001", "DT2024000001",
    )  # fmt: skip
    return DogsCast(
        cast=cast,
        hutang_key_area=hutang_key_area,
        niutang_point=niutang_point,
        niutang_clinic_staff=make_user("hejing", Role.CLINIC_STAFF, service_point=niutang_point),
        zhang_wei=zhang_wei,
        zhang_household=zhang_household,
        wangcai=wangcai,
        wangcai_licence=wangcai_licence,
        wangcai_tag=wangcai_tag,
        chen_jing=chen_jing,
        doudou=doudou,
        doudou_licence=doudou_licence,
        doudou_tag=doudou_tag,
        yancheng_park=PatrolPlace.objects.create(name="淹城公园", kind=PlaceKind.NO_DOG_PARK, region=cast.hutang),
        hutang_square=PatrolPlace.objects.create(name="湖塘广场", kind=PlaceKind.SQUARE, region=hutang_key_area),
    )


TODAY = timezone.localdate()


DAY = datetime.timedelta(days=1)


def registration_data(dogs: DogsCast, **changes: Any) -> dict[str, Any]:
    data = {
        "owner_name": "刘敏",
        "resident_id": LIU_MIN_ID,
        "phone": "13900000003",
        "address": "湖塘镇人民路5号",
        "town": dogs.cast.hutang.pk,
        "dog_name": "团团",
        "breed": dogs.breed("柯基犬").pk,
        "colour": "黄白",
        "sex": "female",
        "birth_date": "2023-06-01",
        "shoulder_height_cm": "30",
        "is_neutered": "on",
        "microchip": "156000000000010",
        "purpose": "pet",
        "vaccine": "狂犬病灭活疫苗",
        "batch": "2024B01",
        "vaccinated_on": (TODAY - 7 * DAY).isoformat(),
        "valid_until": (TODAY + 358 * DAY).isoformat(),
    }
    data.update(changes)
    return data


def fill_owner_step(page: Page, town: Region, address: str, name: str = "刘敏", resident_id: str = LIU_MIN_ID) -> None:
    """The owner and address; there is no key area to pick: it follows from the address."""
    page.fill("#id_owner_name", name)
    page.fill("#id_resident_id", resident_id)
    page.fill("#id_phone", "13900000003")
    page.fill("#id_address", address)
    page.select_option("#id_town", str(town.pk))
    next_step(page, "owner")


def fill_dog_step(page: Page, dogs: DogsCast, breed: str, microchip: str, height_cm: str) -> None:
    page.fill("#id_dog_name", "团团")
    page.select_option("#id_breed", str(dogs.breed(breed).pk))
    page.fill("#id_colour", "黄白")
    page.select_option("#id_sex", "female")
    page.fill("#id_birth_date", "2023-06-01")
    page.fill("#id_shoulder_height_cm", height_cm)
    page.fill("#id_microchip", microchip)
    next_step(page, "dog")


def fill_immunisation_step(page: Page, valid_until: datetime.date = TODAY + 358 * DAY) -> None:
    page.fill("#id_vaccine", "狂犬病灭活疫苗")
    page.fill("#id_batch", "2026B01")
    page.fill("#id_vaccinated_on", (TODAY - 7 * DAY).isoformat())
    page.fill("#id_valid_until", valid_until.isoformat())
    next_step(page, "immunisation")


def next_step(page: Page, step: str) -> None:
    page.click(f"#step-{step} button[data-go=next]")
