"""The demo's dog records: the showcase tags, the key-area rule kept, fines inside the regulation's ranges."""

import datetime
import random

import pytest
from django.db.models import Count
from django.urls import reverse

from civic.core.demo_regions import create_regions
from civic.core.demo_service_points import create_service_points
from civic.dogs import statistics
from civic.dogs.demo import VALID_DEMO_TAG, demo_context, draw_dogs, load_dog_demo, number_dogs
from civic.dogs.models import CaseStatus, Dog, DogStatus, Household, ShelterIntake, Tag, ViolationCase
from civic.dogs.regulation import install_regulation

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
    # First registered on 2022-01-04 and renewed yearly: 2022-01-04 + 5 × 365 days = 2027-01-03 (valid on DAY);
    # the overdue one stopped a year earlier (2026-01-03), the third was struck off: shown as lost when it was
    # reported lost, as cancelled otherwise.
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
        context.dog_count = 200
        dogs = draw_dogs(context)
        number_dogs(dogs)
        return [(dog.tag_number, dog.town.code, dog.point.code, dog.first_day, dog.fate) for dog in dogs]

    assert drawn() == drawn()


def test_no_key_area_household_keeps_more_than_one_dog(small_demo):
    # DOMAIN.md B: key area, one dog per household.
    crowded = Household.objects.filter(key_area__isnull=False).annotate(dogs=Count("owners__dogs")).filter(dogs__gt=1)
    assert not crowded.exists()


def test_every_decided_fine_lies_in_the_regulations_range(small_demo):
    decided = ViolationCase.objects.filter(status=CaseStatus.DECIDED, fine_yuan__isnull=False)
    assert decided.exists()
    for case in decided:
        penalty = case.penalty_range()
        assert penalty is not None and case.fine_yuan is not None
        assert penalty.minimum_yuan <= case.fine_yuan <= penalty.maximum_yuan, case.number


def test_confiscated_dogs_are_sheltered_with_their_licence_cancelled(small_demo):
    confiscated = Dog.objects.filter(status=DogStatus.CONFISCATED)
    assert confiscated.count() == 2
    assert ShelterIntake.objects.filter(dog__in=confiscated, reason="confiscated").count() == 2


@pytest.mark.slow
def test_the_full_demo_has_about_7400_valid_licences_and_some_renewals_due(county):
    # The seed counts 7,374 tagged dogs in the county (March 2024).
    load_dog_demo(SEED, 1, quiet=True, today=DAY)
    figures = statistics.staff_figures(DAY)
    assert 7_250 <= figures["licensed_total"] <= 7_500
    assert figures["due_total"] > 100 and figures["overdue_total"] > 100
