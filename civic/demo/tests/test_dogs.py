"""The demo's dog records: the showcase tags, the key-area rule kept, fines inside the regulation's ranges."""

import datetime
import random

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from civic.core.models import Region, RegionLevel
from civic.demo.dog_records import VALID_DEMO_TAG, demo_context, draw_dogs, number_dogs
from civic.demo.dogs import load_dog_demo
from civic.demo.regions import create_regions
from civic.demo.service_points import create_service_points
from civic.dogs import statistics
from civic.dogs.models import (
    CONFISCATING,
    BannedBreed,
    CaseStatus,
    DogStatus,
    Household,
    PatrolPlace,
    PlaceKind,
    ShelterIntake,
    Tag,
    ViolationCase,
)
from civic.dogs.regulation import install_regulation
from civic.dogs.views.enforcement import assignment_history

DAY = datetime.date(2026, 6, 1)
SEED = 20240312


@pytest.fixture
def county(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    towns = create_regions()
    create_service_points(random.Random(f"{SEED}:service points"), towns)


@pytest.fixture
def small_demo(county):
    load_dog_demo(SEED, 1, quiet=True, today=DAY, dog_count=300)


def test_the_showcase_tags_check_as_valid_expired_and_cancelled(client, small_demo):
    # First registered on 2022-01-04 and renewed yearly to the same date ([CIVIL-CODE] art. 202): 2027-01-04
    # (valid on DAY); the overdue one stopped a year earlier (2026-01-04); the third was struck off: shown as lost
    # when it was reported lost, as cancelled otherwise.
    states = [
        client.get(reverse("dogs:check_number", args=[number])).context["result"]["state"]
        for number in (VALID_DEMO_TAG, "DT2022000002", "DT2022000003")
    ]
    third = Tag.objects.get(number="DT2022000003").licence.dog
    assert VALID_DEMO_TAG == "DT2022000001"
    assert states == ["valid", "expired", "lost" if third.status == DogStatus.LOST else "cancelled"]
    photo = client.get(reverse("dogs:check_number", args=[VALID_DEMO_TAG])).context["result"]["photo"]
    assert photo.startswith("data:image/png;base64,")


def test_the_same_seed_and_day_draw_the_same_dogs(county):
    install_regulation()

    def drawn():
        context = demo_context(SEED, 1, True, DAY)
        context.tagged_count, context.at_points_count = 200, 172
        dogs = draw_dogs(context)
        number_dogs(dogs)
        return [(dog.tag_number, dog.town.code, dog.point.code, dog.first_day, dog.fate) for dog in dogs]

    assert drawn() == drawn()


def test_no_key_area_household_keeps_more_than_one_dog(small_demo):
    # [CZ-DOG-REG-2021]: key area, one dog per household.
    crowded = Household.objects.filter(key_area__isnull=False).annotate(dogs=Count("owners__dogs")).filter(dogs__gt=1)
    assert not crowded.exists()


def test_every_decided_fine_lies_in_the_regulations_range(small_demo):
    decided = ViolationCase.objects.filter(status=CaseStatus.DECIDED, fine_yuan__isnull=False)
    assert decided.exists()
    for case in decided:
        penalty = case.penalty_range()
        assert penalty is not None and case.fine_yuan is not None
        assert penalty.minimum_yuan <= case.fine_yuan <= penalty.maximum_yuan, case.number


def test_no_dog_is_confiscated_before_its_order_to_correct_ran_out(small_demo):
    # 常州市养犬管理条例: "责令限期改正…；逾期不改正的，没收犬只".
    confiscations = ShelterIntake.objects.filter(reason="confiscated").select_related("case__follows")
    assert confiscations.count() == 2
    for intake in confiscations:
        assert intake.case is not None
        order = intake.case.follows
        assert intake.case.step == "not_corrected" and order is not None
        assert order.correct_by is not None and order.followed_up_on is not None
        assert order.observed_on < order.correct_by < intake.intake_on
        assert order.corrected is False and order.followed_up_on > order.correct_by
    assert not ViolationCase.objects.filter(step="first", decision__in=CONFISCATING).exists()


def test_every_order_to_correct_has_its_deadline_and_no_follow_up_before_it(small_demo):
    ordered = ViolationCase.objects.filter(correct_by__isnull=False)
    assert ordered.exists()
    for case in ordered:
        assert case.correct_by is not None and case.decided_on is not None
        assert case.correct_by == case.decided_on + datetime.timedelta(days=15), case.number
        if case.corrected is False:
            assert case.followed_up_on is not None and case.followed_up_on > case.correct_by
            assert case.follow_ups.count() == 1
    assert ViolationCase.objects.filter(status=CaseStatus.CORRECTION_ORDERED, correct_by__lt=DAY).count() == 0


def test_the_inspector_handles_every_decided_case_and_some_open_ones_wait_for_him(small_demo):
    unassigned = ViolationCase.objects.filter(assignee__isnull=True)
    assert unassigned.exists() and not unassigned.exclude(status=CaseStatus.OPEN).exists()
    assert ViolationCase.objects.filter(status=CaseStatus.OPEN, assignee__role="inspector").exists()
    # A case the inspector opened through the real actions is his from its first history record.
    confiscation = ViolationCase.objects.filter(decision="confiscation").select_related("follows").first()
    assert confiscation is not None and confiscation.follows is not None
    (opened,) = assignment_history(confiscation.follows)
    assert opened["assignee"] == opened["by"] == confiscation.follows.recorded_by
    assert opened["assignee"].role == "inspector"
    # A case stored in bulk shows its inspector from its first history record, dated the day it was seen at 09:00.
    stored = ViolationCase.objects.filter(assignee__isnull=False, patrol__isnull=False).select_related("assignee")
    case = stored.exclude(pk=confiscation.follows.pk).first()
    assert case is not None
    (entry,) = assignment_history(case)
    assert entry["assignee"] == case.assignee and entry["by"] == case.assignee
    assert timezone.localtime(entry["at"]) == timezone.make_aware(
        datetime.datetime.combine(case.observed_on, datetime.time(9, 0))
    )


def test_the_key_areas_are_the_three_the_city_lists_for_the_district_and_make_114_27_km2(county):
    # The city's notice of key areas (22 December 2021) for Wujin: 湖塘镇, the north of the high-tech zone and
    # part of 西湖街道; the seed gives their total, 114.27 km².
    key_areas = Region.objects.filter(level=RegionLevel.KEY_AREA)
    assert sorted(area.parent.name for area in key_areas if area.parent) == ["南夏墅街道", "湖塘镇", "西湖街道"]
    assert {area.name for area in key_areas} >= {"武进国家高新区北区养犬重点管理区", "西湖街道（部分）养犬重点管理区"}
    assert sum(area.area_m2 or 0 for area in key_areas) / 1e6 == pytest.approx(114.27, abs=0.005)


def test_the_no_dog_parks_are_the_districts_in_the_citys_list(small_demo):
    parks = set(PatrolPlace.objects.filter(kind=PlaceKind.NO_DOG_PARK).values_list("name", flat=True))
    assert "武进新天地公园" in parks and "雪堰黄公山郊野公园" in parks and len(parks) == 7


def test_the_banned_breeds_include_the_french_wolfdog_and_mark_the_unconfirmed(small_demo):
    bans = dict(BannedBreed.objects.values_list("breed__name", "source"))
    assert "法国狼犬" in bans and "[verify]" not in bans["法国狼犬"]
    assert "[verify]" in bans["罗威纳犬"]


@pytest.mark.slow
def test_the_full_demo_shows_the_seeds_figures(county, client):
    # The seed (Wujin District, March 2024): key areas 114.27 km², 7,374 tagged dogs, 6,335 licensed at the
    # 26 service points.
    load_dog_demo(SEED, 1, quiet=True, today=DAY)
    figures = statistics.staff_figures(DAY)
    assert (figures["tagged_total"], figures["licensed_at_points"], figures["service_point_count"]) == (
        7_374,
        6_335,
        26,
    )
    assert round(figures["key_area_km2"], 2) == 114.27
    assert figures["due_total"] > 100 and figures["overdue_total"] > 100
    page = client.get(reverse("dogs:public_statistics")).content.decode()
    for shown in ("7,374", "6,335", "114.27"):
        assert shown in page
