"""Propose (and optionally issue) the year's annual water plans of every listed water user.

Users with complete years of metered use among the three before get a plan
from history; users with less than a year of use get one from their design
use; users with neither are reported and left out. Issued plans are left
alone, so running the command again only replaces drafts. With
`--review-list`, the planned-use list is first reviewed by the listing
threshold in force on 1 January of the year. With --issue the run is all or
nothing: if any user's plan cannot be made, no plan is proposed or issued;
the plans are issued by another account than the one that proposed them
(`--issuer`, four-eyes).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from civic.core.command_author import add_by_argument, command_author, recorded_as
from civic.core.models import User
from civic.water import actions
from civic.water.models import AnnualPlan, PlannedUseStatus, PlanStatus, WaterUser


@dataclass
class PlanRun:
    """What one run did, for the closing summary."""

    proposed: int = 0
    issued: int = 0
    left_issued: int = 0
    skipped: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class Command(BaseCommand):
    help = "Propose the annual water plans of every water user on the planned-use list for a year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="Plan year, e.g. 2025.")
        parser.add_argument("--issue", action="store_true", help="Issue the proposed plans at once.")
        add_by_argument(parser, "the plans' author")
        parser.add_argument(
            "--issuer", help="Bureau account that issues the plans with --issue: another than --by (four-eyes)."
        )
        parser.add_argument(
            "--review-list",
            action="store_true",
            help="First list the users at or above the listing threshold in force (public-supply use of their "
            "latest complete year); the others become candidates.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        author = command_author(options["by"], lambda user: user.is_bureau, "the water-saving office")
        year, issue = options["year"], options["issue"]
        issuer = None
        if issue:
            if not options.get("issuer"):
                raise CommandError("Plans proposed by an account are issued by another: give --issuer.")
            issuer = command_author(options["issuer"], lambda user: user.is_bureau, "the water-saving office")
            if issuer == author:
                raise CommandError("Plans proposed by an account are issued by another: give another --issuer.")
        if options["review_list"]:
            with recorded_as(author):
                self._review_list(year, author)
        water_users = WaterUser.objects.filter(planned_use_status=PlannedUseStatus.LISTED).order_by("code")
        run = PlanRun()
        with recorded_as(author), transaction.atomic():
            for water_user in tqdm(water_users, desc=f"Plans {year}", unit="user", file=sys.stderr, disable=None):
                self._plan_one(water_user, year, issuer, author, run)
            if issue and run.refused:
                for refusal in run.refused:
                    self.stderr.write(refusal)
                raise CommandError(f"{len(run.refused)} plans could not be made: nothing was proposed or issued.")
        self._report(run, year)

    def _review_list(self, year: int, author: User | None) -> None:
        try:
            review = actions.review_planned_use_list(year, by_user=author)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        source = f" ({review.threshold_source})" if review.threshold_source else ""
        self.stdout.write(
            f"Listing threshold {review.threshold_m3_per_year:,.0f} m³/year in force from "
            f"{review.threshold_effective_from}{source}: {len(review.listed)} listed, "
            f"{len(review.unlisted)} candidates, {len(review.undecided)} without complete year or design use."
        )

    def _plan_one(
        self, water_user: WaterUser, year: int, issuer: User | None, author: User | None, run: PlanRun
    ) -> None:
        existing = AnnualPlan.objects.filter(water_user=water_user, year=year).first()
        if existing is not None and existing.status == PlanStatus.ISSUED:
            run.left_issued += 1
            return
        try:
            plan = actions.propose_plan_by_default_method(water_user, year, by_user=author)
        except ValidationError as error:
            run.refused.append(f"{water_user.code}: {' '.join(error.messages)}")
            return
        if plan is None:
            run.skipped.append(water_user.code)
            return
        run.proposed += 1
        if issuer is not None:
            actions.issue_plan(plan, issuer)
            run.issued += 1

    def _report(self, run: PlanRun, year: int) -> None:
        self.stdout.write(
            f"{year}: {run.proposed} plans proposed, {run.issued} issued, "
            f"{run.left_issued} already issued and left alone, {len(run.skipped)} skipped."
        )
        if run.skipped:
            self.stdout.write(f"No use history and no design use: {', '.join(run.skipped)}")
        for refusal in run.refused:
            self.stderr.write(refusal)
