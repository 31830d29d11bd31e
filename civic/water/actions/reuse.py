"""Reuse studies: building a firm-to-firm problem from the register and storing its solved scenarios."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from civic.core.models import User
from civic.water.models import (
    ReuseStudy,
)


def run_reuse_study(study_id: int) -> ReuseStudy:
    """Solve every scenario of a reuse study and store the comparison.

    The solving (seconds) happens outside the transaction; the results and
    their time are written in one update, so a study never shows results from
    two runs.
    """
    from civic.water import reuse_problems

    study = ReuseStudy.objects.get(pk=study_id)
    results = reuse_problems.solve_study(study)
    with transaction.atomic():
        ReuseStudy.objects.filter(pk=study_id).update(results=results, solved_at=timezone.now())
    study.refresh_from_db()
    return study


@transaction.atomic
def create_reuse_study(form_data: Mapping[str, Any], firms: Any, created_by: User) -> ReuseStudy:
    """A new study with its firms (two tables, one transaction)."""
    study = ReuseStudy.objects.create(created_by=created_by, **form_data)
    study.firms.set(firms)
    return study
