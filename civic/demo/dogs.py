"""The demo county's dog records: owners, dogs, licences and tags at the 26 service points, patrols and cases.

As in the seed (Wujin District, March 2024): 7,374 dogs wear a tag, 6,335 of
them licensed at the 26 service points and the other 1,039 at the public
security bureau's own window before the points existed (2019–2021). Every
tagged dog is a full record (owner, household, dog, licence, tag,
immunisation, events): the dog part of `load_demo` takes about 4 s, so no
aggregate stands in for them. Some licences are due for renewal or overdue
(the dog still wears its tag), a few more dogs' licences are cancelled, and a
few registrations were refused. Inspectors have patrolled the district's
no-dog parks (as the city's list names them), squares, school gates and
key-area streets for a year and taken up cases in the regulation's steps:
an order to correct by a deadline, the follow-up, and only then the further
penalty; nothing is confiscated on the day a dog is seen.

Dates are counted from the day of loading (`today`), so the licences are
current whenever the demo is served; with the same seed, scale and day the
records are the same, row for row. Numbers of licences and tags follow the
year of first registration and do not depend on the day: the three showcase
dogs registered first, on 4 January 2022, hold tags DT2022000001 (valid),
DT2022000002 (overdue, so the public check shows it expired) and
DT2022000003 (cancelled: the dog died).
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from civic.core.models import Region, RegionLevel
from civic.demo.dog_enforcement import (
    confiscate_in_some_cases,
    create_cases,
    create_patrol_places,
    create_patrols,
    create_shelter_intakes,
    demo_inspector,
    order_awaiting_correction,
)
from civic.demo.dog_records import (
    LICENSED_AT_POINTS,
    TAGGED_DOGS,
    VALID_DEMO_TAG,
    assign_households,
    create_dogs,
    create_licences,
    create_owners,
    create_police_window,
    create_refusals,
    demo_context,
    draw_dogs,
    give_showcase_dogs_photos,
    install_demo_address_places,
    number_dogs,
)
from civic.dogs import actions
from civic.dogs.regulation import install_key_area_rules, install_regulation

__all__ = ["VALID_DEMO_TAG", "load_dog_demo"]


def load_dog_demo(
    seed: int, scale: int, quiet: bool, today: datetime.date | None = None, dog_count: int | None = None
) -> None:
    """Load the dog records of the demo county into the regions and service points already made.

    Installs the regulation's rules (breeds, bans, authorities, penalty rules,
    deadlines, one dog per household in every key area), then 7,374 × `scale`
    tagged dogs (or `dog_count`, for tests), 6,335 of every 7,374 licensed at the
    service points and the rest at the police window before the points existed,
    some due or overdue on `today` (default: the day of loading) with their
    reminders queued; 3 % more dogs whose licence was cancelled; refusals,
    patrols, cases in their steps and sheltered dogs.

    Demo tags for the public check (/dogs/check/<number>/), the same on every day:
    DT2022000001 is valid, DT2022000002 expired (overdue), DT2022000003 cancelled.
    """
    day = today or timezone.localdate()
    with transaction.atomic():
        install_regulation()
        install_key_area_rules(list(Region.objects.filter(level=RegionLevel.KEY_AREA)))
        context = demo_context(seed, scale, quiet, day)
        install_demo_address_places(context)
        if not context.towns or not context.points_by_town:
            raise ValueError("load the demo regions and service points before the dog records")
        context.tagged_count = dog_count or TAGGED_DOGS * scale
        context.at_points_count = round(context.tagged_count * LICENSED_AT_POINTS / TAGGED_DOGS)
        context.police_window = create_police_window(context.towns)
        steps = tqdm(total=6, desc="dog records", unit="steps", disable=quiet)
        dogs = draw_dogs(context)
        number_dogs(dogs)
        household_count = assign_households(context, dogs)
        _households, owners = create_owners(context, dogs, household_count)
        steps.update()
        records = create_dogs(context, dogs, owners)
        steps.update()
        create_licences(context, dogs, records)
        give_showcase_dogs_photos(dogs, records)
        steps.update()
        actions.queue_renewal_reminders(day)
        points = [point for points in context.points_by_town.values() for point in points]
        create_refusals(context, points)
        steps.update()
        inspector = demo_inspector()
        patrols = create_patrols(context, create_patrol_places(context), inspector)
        create_cases(context, patrols, inspector)
        steps.update()
        create_shelter_intakes(context, records)
        confiscate_in_some_cases(context, inspector)
        order_awaiting_correction(context, inspector)
        steps.update()
        steps.close()
        refresh_planner_statistics()


def refresh_planner_statistics() -> None:
    """Have PostgreSQL's planner count the rows just loaded (ANALYZE; nothing to do on SQLite).

    The demo loads its records in one transaction, whose rows autovacuum cannot
    see: until it has, the planner takes the tables for nearly empty and joins
    the dog register row by row (one figure of the dog statistics then took
    minutes). ANALYZE inside the transaction counts the transaction's own rows.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
