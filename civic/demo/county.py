"""The deterministic demo county, Wujin District: emptying its tables and loading it whole.

Each part draws from its own seeded random generator (regions and rules draw
nothing), so the same seed, scale and size give the same records on every
run, and a change to one part does not reshuffle the others. Plans and
surcharge bills are made by the same actions as `manage.py compute_plans`
and `manage.py compute_surcharges`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from civic.core.models import DemoDatabase, Role, User
from civic.demo import water as water_demo
from civic.demo.accounts import create_accounts
from civic.demo.dogs import load_dog_demo
from civic.demo.evaluation import load_evaluation_demo
from civic.demo.farmland import create_farmland_demo
from civic.demo.network import load_network_demo
from civic.demo.programme import load_programme_demo
from civic.demo.regions import create_regions
from civic.demo.service_points import create_service_points
from civic.demo.water_reuse import load_reuse_demo
from civic.dogs.models import Dog, Licence, LicenceStatus, ServicePoint
from civic.dogs.statistics import tag_figures
from civic.water.actions import BillRun
from civic.water.models import WaterUser

DEFAULT_SEED = 20240312  # the day of the seed's newspaper page: 12 March 2024
PLAN_YEARS = (2024, 2025, 2026)
BILLED_YEARS = (2024, 2025)
DEMO_APPS = ("core", "water", "dogs", "programme", "evaluation", "farmland")
PLAN_ISSUER = "bureau"


@dataclass
class DemoLoad:
    """What a load made, for the closing summary."""

    accounts: list[User] = field(default_factory=list)
    service_points: int = 0
    water_users: int = 0
    readings: int = 0
    quotas: int = 0
    plans_issued: dict[int, int] = field(default_factory=dict)
    bill_runs: list[BillRun] = field(default_factory=list)
    dogs: int = 0
    tagged_dogs: int = 0
    licensed_at_points: int = 0
    valid_licences: int = 0
    programme_projects: int = 0
    evaluation: dict[str, int] = field(default_factory=dict)


def part_random(seed: int, part: str) -> random.Random:
    """A generator of its own for one part of the county (string seeds are hashed the same on every run)."""
    return random.Random(f"{seed}:{part}")


# --- Emptying -----------------------------------------------------------------


def demo_models() -> list[type[models.Model]]:
    """The models of Civic's apps (with their history and many-to-many tables), and any model pointing at them."""
    every_model = apps.get_models(include_auto_created=True)
    chosen = {model for model in every_model if model._meta.app_label in DEMO_APPS}
    while pointing := {model for model in every_model if model not in chosen and _points_at(model, chosen)}:
        chosen |= pointing  # e.g. the admin's log, which names users
    return _dependents_first(chosen)


def _targets(model: type[models.Model]) -> set[type[models.Model]]:
    """The other models this one's foreign keys point at."""
    related = {field.related_model for field in model._meta.concrete_fields if field.is_relation}
    return {target for target in related if isinstance(target, type) and target is not model}


def _points_at(model: type[models.Model], chosen: set[type[models.Model]]) -> bool:
    return bool(_targets(model) & chosen)


def _dependents_first(chosen: set[type[models.Model]]) -> list[type[models.Model]]:
    """The models ordered so that each comes before every model it points at."""
    ordered: list[type[models.Model]] = []
    remaining = sorted(chosen, key=lambda model: model._meta.label)
    while remaining:
        # A model may go when nothing still to be emptied points at it.
        free = [model for model in remaining if not any(model in _targets(other) for other in remaining)]
        if not free:
            # A cycle of keys: foreign keys are checked at commit on SQLite and PostgreSQL, so any order does.
            free = remaining
        ordered.extend(free)
        remaining = [model for model in remaining if model not in free]
    return ordered


def reset_demo_tables() -> list[str]:
    """Empty every table of the demo, dependents first, in one transaction, and restart their ids at 1.

    Rows are deleted with SQL rather than through the models, so no audit
    history is written for them and no per-row signals run.
    """
    tables = [model._meta.db_table for model in demo_models()]
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return tables


def demo_is_loaded() -> bool:
    return User.objects.exists() or ServicePoint.objects.exists() or WaterUser.objects.exists()


def holds_other_records() -> bool:
    """Whether the database holds records and no mark of `load_demo`: a county's own, never to be emptied."""
    return demo_is_loaded() and not DemoDatabase.objects.exists()


def mark_as_demo(seed: int, scale: int) -> None:
    DemoDatabase.objects.create(loaded_at=timezone.now(), seed=seed, scale=scale)


# --- Loading ------------------------------------------------------------------


def load_demo_county(
    seed: int, scale: int, quiet: bool, user_count: int | None = None, dog_count: int | None = None
) -> DemoLoad:
    """Load the whole demo county into empty tables, in one transaction.

    `scale` multiplies the register and the dog records. For tests,
    `user_count` cuts the register down to that many water users (keeping
    Runhua, Xinglong and the 58 water-saving enterprises) and `dog_count` the
    registered dogs. The dog records' dates count from the day of loading
    (see civic/demo/dogs.py), so they are the same on every run of a day.
    """
    load = DemoLoad()
    with transaction.atomic():
        towns = create_regions()
        water_demo.create_industries()
        water_demo.create_rules()
        load.quotas = water_demo.load_sample_quotas()
        water_demo.create_farmland_program()
        create_farmland_demo(seed)
        load.service_points = len(create_service_points(part_random(seed, "service points"), towns))
        users = water_demo.create_register(part_random(seed, "register"), scale, towns, quiet, user_count)
        load.water_users = len(users)
        load.readings = water_demo.create_readings(part_random(seed, "readings"), users, quiet)
        load.accounts = create_accounts()
        issuer = next(account for account in load.accounts if account.username == PLAN_ISSUER)
        for year in PLAN_YEARS:
            load.plans_issued[year] = water_demo.issue_plans(year, issuer, quiet).issued
        load.bill_runs = water_demo.compute_bills(BILLED_YEARS, quiet)
        load_reuse_demo(issuer)
        load_network_demo(next(account for account in load.accounts if account.role == Role.NETWORK_ANALYST))
        load.programme_projects = load_programme_demo(part_random(seed, "programme"), issuer)
        load.evaluation = load_evaluation_demo(seed, issuer)
        load_dog_demo(seed, scale, quiet, dog_count=dog_count)
        load.dogs = Dog.objects.count()
        tags = tag_figures()
        load.tagged_dogs, load.licensed_at_points = tags["tagged_total"], tags["licensed_at_points"]
        load.valid_licences = (
            Licence.objects.exclude(status=LicenceStatus.CANCELLED).filter(expires_on__gte=timezone.localdate()).count()
        )
    return load


def bills_total_yuan(runs: Iterable[BillRun]) -> str:
    return f"¥{sum(run.total_yuan for run in runs):,.2f}"
