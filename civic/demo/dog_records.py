"""The demo county's dog register: owners, households, dogs, licences, tags and refusals.

The figures, the dates and the showcase tags are described in civic/demo/dogs.py,
which loads them with the patrols and cases of civic/demo/dog_enforcement.py.
"""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw

from civic.core.models import Region, RegionLevel
from civic.dogs import rules
from civic.dogs.models import (
    AddressPlace,
    Breed,
    CancellationReason,
    Dog,
    DogStatus,
    Household,
    Immunisation,
    Licence,
    LicenceEvent,
    LicenceEventKind,
    LicenceStatus,
    Owner,
    Refusal,
    ServicePoint,
    Sex,
    Tag,
    TagStatus,
    household_key,
)

# The seed's figures per unit of scale ([WUJIN-DOGS-2024]): tagged dogs, and those of them
# licensed at the service points.
TAGGED_DOGS = 7_374
LICENSED_AT_POINTS = 6_335
OVERDUE_SHARE = 0.04  # of tagged dogs: the licence has run out, the tag is still worn
CANCELLED_SHARE = 0.03  # dogs beyond the tagged ones whose licence was cancelled (death, loss, surrender)
SECOND_DOG_SHARE = 0.08  # of owners outside key areas, who may keep more than one dog
KEY_AREA_SHARE = 0.55  # of households in a town that has a key area
IMMUNISATION_DAYS = 365
FIRST_REGISTRATION = datetime.date(2022, 1, 4)  # the showcase dogs; the others follow from February 2022
OTHERS_FROM = datetime.date(2022, 2, 1)
# Before the service points opened with the regulation (1 January 2022), the police registered dogs.
BEFORE_POINTS_FROM = datetime.date(2019, 1, 1)
POINTS_OPENED = datetime.date(2022, 1, 1)
POLICE_WINDOW = ("PSB01", "常州市公安局武进分局养犬登记窗口", "湖塘镇")
SHOWCASE_TAGS = ("DT2022000001", "DT2022000002", "DT2022000003")
VALID_DEMO_TAG = SHOWCASE_TAGS[0]
REFUSALS_PER_SCALE = 40
COUNTY_PREFIX = "320412"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯史陶贺顾毛钱严戴"
GIVEN_CHARACTERS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美玲桂兰霞平刚建国志红文斌宇浩欣怡佳晨雨婷晓峰"
DOG_NAMES = (
    "旺财", "豆豆", "团团", "球球", "乐乐", "多多", "毛毛", "小白", "小黑", "花花", "可乐", "布丁",
    "奶茶", "雪球", "大黄", "点点", "妞妞", "贝贝", "皮皮", "丫丫", "糖糖", "虎子", "来福", "元宝",
)  # fmt: skip
COLOURS = ("黄色", "白色", "黑色", "棕色", "黑白", "黄白", "灰色", "奶油色")
# Permitted breeds with their share of the register and a typical shoulder height [m].
BREEDS = (
    ("中华田园犬", 20, 0.48), ("泰迪犬", 15, 0.28), ("比熊犬", 8, 0.27), ("博美犬", 6, 0.22),
    ("柯基犬", 8, 0.28), ("柴犬", 5, 0.38), ("金毛寻回犬", 6, 0.57), ("拉布拉多犬", 5, 0.56),
    ("西伯利亚雪橇犬", 4, 0.55), ("萨摩耶犬", 3, 0.55), ("边境牧羊犬", 4, 0.51), ("法国斗牛犬", 3, 0.31),
    ("雪纳瑞犬", 3, 0.34), ("吉娃娃", 2, 0.19), ("西施犬", 2, 0.25), ("巴哥犬", 2, 0.29),
    ("约克夏梗", 2, 0.21), ("马尔济斯犬", 2, 0.23), ("德国牧羊犬", 2, 0.62), ("阿拉斯加雪橇犬", 2, 0.63),
)  # fmt: skip
ROADS = ("人民路", "长虹路", "阳湖路", "花园街", "常武路", "延政路", "滨湖路", "武宜路", "府前路", "富民路", "青云路")
COMMUNITIES = ("花园", "新村", "家园", "名都", "锦苑", "华庭", "雅居", "小区")
VACCINES = ("狂犬病灭活疫苗（Rabisin）", "狂犬病灭活疫苗（Nobivac）", "狂犬病灭活疫苗（国产）")


@dataclass
class DemoDog:
    """One dog of the demo as drawn, before it becomes records."""

    index: int
    town: Region
    key_area: Region | None
    point: ServicePoint  # where the dog was first licensed
    first_day: datetime.date
    fate: str = "valid"  # valid, overdue or cancelled
    clinic: ServicePoint | None = None  # where it is renewed: the first point, or a clinic of its town
    household_index: int = 0
    owner_index: int = 0
    licence_number: str = ""
    tag_number: str = ""


@dataclass
class DemoContext:
    rng: random.Random
    today: datetime.date
    scale: int
    quiet: bool
    towns: list[Region]
    key_areas: dict[int, Region]
    points_by_town: dict[int, list[ServicePoint]]
    breeds: list[tuple[Breed, int, float]]
    resident_ids: set[str] = field(default_factory=set)
    tagged_count: int = TAGGED_DOGS
    at_points_count: int = LICENSED_AT_POINTS
    police_window: ServicePoint | None = None


# --- Drawing --------------------------------------------------------------------


def resident_id(rng: random.Random, taken: set[str]) -> str:
    """A fresh resident ID of the county with a real birth date and its GB 11643 check character."""
    while True:
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 55))
        first_seventeen = f"{COUNTY_PREFIX}{born:%Y%m%d}{rng.randrange(1000):03d}"
        number = first_seventeen + rules.resident_id_check_character(first_seventeen)
        if number not in taken:
            taken.add(number)
            return number


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_CHARACTERS) for _ in range(rng.choice((1, 2))))


def address(rng: random.Random, town: Region, in_key_area: bool) -> str:
    short = town.name.removesuffix("街道").removesuffix("镇")
    community = f"{short}{rng.choice(COMMUNITIES)}" if in_key_area else f"{short}{rng.choice(ROADS)}"
    return f"{town.name}{community}{rng.randint(1, 60)}栋{rng.randint(1, 30)}0{rng.randint(1, 4)}室"


def town_weights(context: DemoContext) -> list[int]:
    """Dogs follow people: a town's share is its count of service points."""
    return [len(context.points_by_town.get(town.pk, [])) or 1 for town in context.towns]


def drawn_origins(context: DemoContext) -> list[str]:
    """Where each dog besides the showcase ones comes from, in exact numbers, shuffled.

    The showcase dogs are two tagged dogs licensed at a point and one cancelled;
    the rest make the seed's counts exactly.
    """
    at_points = context.at_points_count - 2
    elsewhere = context.tagged_count - context.at_points_count
    cancelled = round(context.tagged_count * CANCELLED_SHARE) - 1
    origins = ["point"] * at_points + ["elsewhere"] * elsewhere + ["cancelled"] * max(cancelled, 0)
    context.rng.shuffle(origins)
    return origins


def draw_tagged_fate(rng: random.Random) -> str:
    """A tagged dog's licence is valid, or has run out unrenewed (the tag still worn)."""
    return "overdue" if rng.random() < OVERDUE_SHARE else "valid"


def draw_dogs(context: DemoContext) -> list[DemoDog]:
    rng = context.rng
    span_days = (context.today - OTHERS_FROM).days
    before_days = (POINTS_OPENED - BEFORE_POINTS_FROM).days
    origins = drawn_origins(context)
    towns = rng.choices(context.towns, weights=town_weights(context), k=len(origins))
    every_point = [p for ps in context.points_by_town.values() for p in ps]
    dogs = []
    for index, (town, origin) in enumerate(zip(towns, origins, strict=True)):
        key_area = context.key_areas.get(town.pk)
        in_key_area = key_area is not None and rng.random() < KEY_AREA_SHARE
        clinic = rng.choice(context.points_by_town.get(town.pk) or every_point)
        if origin == "elsewhere":
            first_day = BEFORE_POINTS_FROM + datetime.timedelta(days=rng.randrange(before_days))
            point = context.police_window or clinic
        else:
            first_day = OTHERS_FROM + datetime.timedelta(days=rng.randrange(max(span_days, 1)))
            point = clinic
        fate = "cancelled" if origin == "cancelled" else draw_tagged_fate(rng)
        area = key_area if in_key_area else None
        dogs.append(DemoDog(index, town, area, point, first_day, fate, clinic=clinic))
    return showcase_dogs(context) + dogs


def showcase_dogs(context: DemoContext) -> list[DemoDog]:
    """The three dogs whose tags the README and the public check use: valid, overdue, cancelled."""
    hutang = next(town for town in context.towns if town.name == "湖塘镇")
    point = min(context.points_by_town[hutang.pk], key=lambda p: p.code)
    key_area = context.key_areas.get(hutang.pk)
    return [
        DemoDog(-3 + offset, hutang, key_area, point, FIRST_REGISTRATION, fate, clinic=point)
        for offset, fate in enumerate(("valid", "overdue", "cancelled"))
    ]


def number_dogs(dogs: list[DemoDog]) -> None:
    """Licence and tag numbers by year of first registration, in order of registration."""
    dogs.sort(key=lambda dog: (dog.first_day, dog.index))
    sequence: dict[int, int] = {}
    for dog in dogs:
        year = dog.first_day.year
        sequence[year] = sequence.get(year, 0) + 1
        dog.licence_number = f"DL{year}{sequence[year]:06d}"
        dog.tag_number = f"DT{year}{sequence[year]:06d}"


def assign_households(context: DemoContext, dogs: list[DemoDog]) -> int:
    """One dog per household in key areas (the rule); elsewhere some owners keep a second dog."""
    households = 0
    last_general_by_town: dict[int, int] = {}
    for dog in dogs:
        general = dog.key_area is None
        if general and dog.town.pk in last_general_by_town and context.rng.random() < SECOND_DOG_SHARE:
            dog.household_index = last_general_by_town.pop(dog.town.pk)
            continue
        dog.household_index = households
        if general:
            last_general_by_town[dog.town.pk] = households
        households += 1
    for dog in dogs:
        dog.owner_index = dog.household_index
    return households


# --- Dates of a licence ------------------------------------------------------------


def anniversary(dog: DemoDog, years: int) -> datetime.date:
    """The same date `years` years after the first licence: licences run a year to the same date."""
    return rules.add_months(dog.first_day, 12 * years)


def current_expiry(dog: DemoDog, today: datetime.date) -> datetime.date:
    """Renewed every year on time: the first anniversary on or after today; overdue dogs stopped a year earlier."""
    years = max(1, today.year - dog.first_day.year - 1)
    while anniversary(dog, years) < today:
        years += 1
    expiry = anniversary(dog, years)
    if dog.fate == "overdue" and years > 1:
        expiry = anniversary(dog, years - 1)
    return expiry


def renewal_days(dog: DemoDog, expiry: datetime.date, rng: random.Random) -> list[datetime.date]:
    """The days of the renewals before the current expiry: a few days before each earlier anniversary."""
    days = []
    years = 1
    while anniversary(dog, years) < expiry:
        days.append(anniversary(dog, years) - datetime.timedelta(days=rng.randrange(15)))
        years += 1
    return days


# --- Writing -----------------------------------------------------------------------


def create_owners(
    context: DemoContext, dogs: list[DemoDog], household_count: int
) -> tuple[list[Household], list[Owner]]:
    rng = context.rng
    first_dog_of: dict[int, DemoDog] = {}
    for dog in dogs:
        first_dog_of.setdefault(dog.household_index, dog)
    households = []
    for index in range(household_count):
        town = first_dog_of[index].town
        written = address(rng, town, first_dog_of[index].key_area is not None)
        households.append(
            Household(
                address=written,
                normalised_address=household_key(written, town),
                town=town,
                key_area=first_dog_of[index].key_area,
            )
        )
    households = Household.objects.bulk_create(households, batch_size=2000)
    owners = [
        Owner(
            name=person_name(rng),
            resident_id=resident_id(rng, context.resident_ids),
            phone=f"1{rng.choice('35789')}{rng.randrange(10**9):09d}",
            household=household,
        )
        for household in households
    ]
    return households, Owner.objects.bulk_create(owners, batch_size=2000)


def dog_record(context: DemoContext, dog: DemoDog, owner: Owner) -> Dog:
    rng = context.rng
    breed, _share, height = rng.choices(context.breeds, weights=[share for _b, share, _h in context.breeds])[0]
    status = DogStatus.REGISTERED
    if dog.fate == "cancelled":
        status = rng.choice((DogStatus.DEAD, DogStatus.DEAD, DogStatus.LOST, DogStatus.SURRENDERED))
    return Dog(
        name=rng.choice(DOG_NAMES),
        owner=owner,
        breed=breed,
        colour=rng.choice(COLOURS),
        sex=rng.choice(Sex.values),
        birth_date=dog.first_day - datetime.timedelta(days=rng.randrange(60, 2500)),
        shoulder_height_m=round(height * rng.uniform(0.88, 1.1), 2),
        is_neutered=rng.random() < 0.4,
        microchip=f"156{context.scale:02d}{dog.index + 10:010d}",
        status=status,
        service_point=dog.point,
    )


def create_dogs(context: DemoContext, dogs: list[DemoDog], owners: list[Owner]) -> list[Dog]:
    records = [dog_record(context, dog, owners[dog.owner_index]) for dog in dogs]
    return Dog.objects.bulk_create(records, batch_size=2000)


def create_licences(context: DemoContext, dogs: list[DemoDog], records: list[Dog]) -> int:
    """Licence, tag, latest immunisation and the licence's events for each dog; returns the count of events."""
    rng, today = context.rng, context.today
    licences, immunisations, cancelled_on = [], [], {}
    for dog, record in zip(dogs, records, strict=True):
        expiry = current_expiry(dog, today)
        licence = Licence(
            number=dog.licence_number, dog=record, service_point=dog.point, issued_on=dog.first_day, expires_on=expiry
        )
        if dog.fate == "cancelled":
            cancelled_on[dog.licence_number] = min(today, expiry) - datetime.timedelta(days=rng.randrange(1, 200))
            licence.status = LicenceStatus.CANCELLED
            licence.cancelled_on = max(cancelled_on[dog.licence_number], dog.first_day)
            licence.cancellation_reason = cancellation_reason(record.status)
        licences.append(licence)
        # Vaccinated shortly before the licence's current year began; a certificate is valid for a year.
        vaccinated_on = expiry - datetime.timedelta(days=IMMUNISATION_DAYS + rng.randint(1, 30))
        immunisations.append(
            Immunisation(
                dog=record,
                vaccine=rng.choice(VACCINES),
                batch=f"{vaccinated_on:%Y%m}{rng.choice('ABCD')}{rng.randint(1, 9)}",
                vaccinated_on=vaccinated_on,
                valid_until=vaccinated_on + datetime.timedelta(days=IMMUNISATION_DAYS - 1),
                service_point=dog.point,
            )
        )
    licences = Licence.objects.bulk_create(licences, batch_size=2000)
    Immunisation.objects.bulk_create(immunisations, batch_size=2000)
    tags = [
        Tag(
            number=dog.tag_number,
            licence=licence,
            issued_on=dog.first_day,
            status=TagStatus.CANCELLED if licence.status == LicenceStatus.CANCELLED else TagStatus.ACTIVE,
        )
        for dog, licence in zip(dogs, licences, strict=True)
    ]
    Tag.objects.bulk_create(tags, batch_size=2000)
    events = licence_events(context, dogs, licences)
    LicenceEvent.objects.bulk_create(events, batch_size=4000)
    return len(events)


def cancellation_reason(status: str) -> str:
    reasons = {DogStatus.DEAD: CancellationReason.DEATH, DogStatus.LOST: CancellationReason.LOSS}
    return str(reasons.get(DogStatus(status), CancellationReason.SURRENDER))


def licence_events(context: DemoContext, dogs: list[DemoDog], licences: list[Licence]) -> list[LicenceEvent]:
    events = []
    for dog, licence in zip(dogs, licences, strict=True):
        events.append(
            LicenceEvent(
                licence=licence, kind=LicenceEventKind.REGISTERED, happened_on=dog.first_day, service_point=dog.point
            )
        )
        for day in renewal_days(dog, licence.expires_on, context.rng):
            # Renewed where the points were open by then: dogs first licensed by the police renew at a clinic.
            point = dog.clinic if day >= POINTS_OPENED and dog.clinic else dog.point
            events.append(
                LicenceEvent(licence=licence, kind=LicenceEventKind.RENEWED, happened_on=day, service_point=point)
            )
        if licence.cancelled_on:
            events.append(
                LicenceEvent(
                    licence=licence,
                    kind=LicenceEventKind.CANCELLED,
                    happened_on=licence.cancelled_on,
                    service_point=dog.point,
                    details={"reason": licence.cancellation_reason},
                )
            )
    return events


def create_refusals(context: DemoContext, points: Sequence[ServicePoint]) -> int:
    """Refused registrations of the last year: banned breeds, second dogs in key areas, lapsed immunisations."""
    rng, today = context.rng, context.today
    banned = list(Breed.objects.filter(bans__isnull=False).distinct())
    permitted = [breed for breed, _share, _height in context.breeds]
    refusals = []
    count = REFUSALS_PER_SCALE * context.scale
    days = sorted(today - datetime.timedelta(days=rng.randrange(1, 365)) for _ in range(count))
    sequence: dict[int, int] = {}
    key_area_points = [point for point in points if point.town_id in context.key_areas]
    for refused_on in days:
        sequence[refused_on.year] = sequence.get(refused_on.year, 0) + 1
        reason = rng.choice(("banned_breed", "banned_breed", "household_limit", "no_valid_immunisation"))
        # A second dog is refused only where a key area limits households to one.
        point = rng.choice(key_area_points if reason == "household_limit" and key_area_points else points)
        refusals.append(
            Refusal(
                number=f"RF{refused_on.year}{sequence[refused_on.year]:04d}",
                service_point=point,
                refused_on=refused_on,
                owner_name=person_name(rng),
                owner_resident_id=resident_id(rng, context.resident_ids),
                address=address(rng, point.town, reason == "household_limit"),
                dog_name=rng.choice(DOG_NAMES),
                breed=rng.choice(banned if reason == "banned_breed" else permitted),
                shoulder_height_m=round(rng.uniform(0.25, 0.75), 2),
                reasons=[reason],
                rehome_by=refused_on + datetime.timedelta(days=5),
            )
        )
    Refusal.objects.bulk_create(refusals)
    return count


def create_police_window(towns: list[Region]) -> ServicePoint:
    """Where the police licensed dogs before the service points existed; it no longer registers."""
    code, name, town_name = POLICE_WINDOW
    town = next(town for town in towns if town.name == town_name)
    window, _created = ServicePoint.objects.get_or_create(
        code=code, defaults={"name": name, "town": town, "is_active": False, "is_clinic": False}
    )
    return window


# --- Photos of the showcase dogs ----------------------------------------------------

PHOTO_COLOURS = {"valid": (222, 184, 120), "overdue": (120, 90, 60), "cancelled": (235, 235, 228)}


def drawn_dog_photo(fur: tuple[int, int, int]) -> bytes:
    """A simple drawing of a sitting dog (240 × 240 PNG), so the public check has a photo to show."""
    image = Image.new("RGB", (240, 240), (214, 234, 240))
    draw = ImageDraw.Draw(image)
    outline = (60, 50, 40)
    draw.ellipse((60, 110, 180, 225), fill=fur, outline=outline, width=3)  # body
    draw.ellipse((75, 35, 165, 125), fill=fur, outline=outline, width=3)  # head
    draw.ellipse((62, 40, 92, 100), fill=fur, outline=outline, width=3)  # ears
    draw.ellipse((148, 40, 178, 100), fill=fur, outline=outline, width=3)
    draw.ellipse((98, 68, 108, 78), fill=outline)  # eyes
    draw.ellipse((132, 68, 142, 78), fill=outline)
    draw.ellipse((112, 88, 128, 100), fill=(30, 30, 30))  # nose
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def give_showcase_dogs_photos(dogs: list[DemoDog], records: list[Dog]) -> None:
    """Write the showcase dogs' photos under a fixed name (loading again overwrites, never piles up)."""
    folder = Path(settings.MEDIA_ROOT) / "dogs" / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    for dog, record in zip(dogs, records, strict=True):
        if dog.tag_number in SHOWCASE_TAGS:
            (folder / f"demo-{dog.tag_number}.png").write_bytes(drawn_dog_photo(PHOTO_COLOURS[dog.fate]))
            record.photo.name = f"dogs/photos/demo-{dog.tag_number}.png"
            record.photo_thumbnail.name = record.photo.name
            record.save(update_fields=["photo", "photo_thumbnail"])


def install_demo_address_places(context: DemoContext) -> None:
    """The register of places of every town with a key area: its communities lie in the key area, its roads not.

    The demo draws key-area addresses in communities and general ones on roads
    (see `address`), so the register places every demo address.
    """
    for town in context.towns:
        key_area = context.key_areas.get(town.pk)
        if key_area is None:
            continue
        short = town.name.removesuffix("街道").removesuffix("镇")
        places: list[tuple[str, Region | None]] = [(f"{short}{name}", key_area) for name in COMMUNITIES]
        places += [(f"{short}{name}", None) for name in ROADS]
        for name, area in places:
            AddressPlace.objects.get_or_create(
                town=town, name=name, defaults={"key_area": area, "source": "demo county"}
            )


# --- What a load draws on ---------------------------------------------------------


def demo_context(seed: int, scale: int, quiet: bool, today: datetime.date) -> DemoContext:
    towns = list(Region.objects.filter(level=RegionLevel.TOWN).order_by("code"))
    key_areas = {
        area.parent_id: area
        for area in Region.objects.filter(level=RegionLevel.KEY_AREA).order_by("code")
        if area.parent_id is not None
    }
    points_by_town: dict[int, list[ServicePoint]] = {}
    for point in ServicePoint.objects.filter(is_active=True).order_by("code"):
        points_by_town.setdefault(point.town_id, []).append(point)
    breeds = [(Breed.objects.get(name=name), share, height) for name, share, height in BREEDS]
    return DemoContext(random.Random(f"{seed}:dogs"), today, scale, quiet, towns, key_areas, points_by_town, breeds)
