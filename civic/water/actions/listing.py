"""The planned-use list (计划用水户名录): which non-residential users are put on it for a year, by the county's threshold.

The threshold is the one in the planning parameters in force on 1 January of
the year, with its date and document; a user is compared on the water it took
from the public supply in its latest complete year before the year (see
`hydro.planning.complete_history_years`), or on its design use when it has no
complete year yet. "以上" includes the number itself ([CIVIL-CODE] art. 1259),
so a use equal to the threshold is listed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import models, transaction

from civic.core.models import User
from civic.water.actions.plans import history_years, planning_parameters_for, save_with_author
from civic.water.models import MeterReading, PlannedUseStatus, WaterSource, WaterUser, WaterUserKind

LISTABLE_KINDS = (WaterUserKind.ENTERPRISE, WaterUserKind.PUBLIC_INSTITUTION)


@dataclass
class ListingReview:
    """What one review of the planned-use list did, and the rule it applied."""

    year: int
    threshold_m3_per_year: float
    threshold_effective_from: datetime.date
    threshold_source: str
    listed: list[str] = field(default_factory=list)  # user numbers on the list for the year
    unlisted: list[str] = field(default_factory=list)  # below the threshold: candidates
    undecided: list[str] = field(default_factory=list)  # no complete year and no design use: left as they were


def public_supply_use_m3(water_user: WaterUser, year: int) -> float:
    """Water the user took from the public supply in `year` [m³], from its billing meters on the public supply."""
    total = MeterReading.objects.filter(
        meter__water_user=water_user,
        meter__parent__isnull=True,
        meter__source=WaterSource.PUBLIC_SUPPLY,
        reading_date__year=year,
    ).aggregate(total=models.Sum("volume_m3"))["total"]
    return float(total or 0.0)


def listing_use_m3(water_user: WaterUser, year: int, today: datetime.date | None) -> float | None:
    """The use a listing decision for `year` compares: the latest complete year's public supply, else design use."""
    complete = history_years(water_user, year, today)
    if complete:
        return public_supply_use_m3(water_user, complete[-1])
    return water_user.design_annual_use_m3


@transaction.atomic
def review_planned_use_list(
    year: int, today: datetime.date | None = None, by_user: User | None = None
) -> ListingReview:
    """List for `year` the enterprises and institutions at or above the threshold in force; the others become
    candidates. Users without public-supply meters are left as they are (their listing is the bureau's call)."""
    parameters = planning_parameters_for(year)
    review = ListingReview(
        year,
        parameters.listing_threshold_m3_per_year,
        parameters.effective_from,
        parameters.listing_threshold_source,
    )
    on_public_supply = WaterUser.objects.filter(
        kind__in=LISTABLE_KINDS, meters__source=WaterSource.PUBLIC_SUPPLY, meters__parent__isnull=True
    ).distinct()
    for water_user in on_public_supply.order_by("code"):
        _review_one(water_user, year, today, by_user, review)
    return review


def _review_one(
    water_user: WaterUser, year: int, today: datetime.date | None, by_user: User | None, review: ListingReview
) -> None:
    use = listing_use_m3(water_user, year, today)
    if use is None:
        review.undecided.append(water_user.code)
        return
    listed = use >= review.threshold_m3_per_year
    (review.listed if listed else review.unlisted).append(water_user.code)
    status = PlannedUseStatus.LISTED if listed else PlannedUseStatus.CANDIDATE
    if water_user.planned_use_status != status:
        water_user.planned_use_status = status
        save_with_author(water_user, by_user)
