"""Reuse studies: building a firm-to-firm problem from the register and storing its solved scenarios."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from civic.core import jobs
from civic.core.models import Job, JobKind, User
from civic.water.models import ReuseStudy


def run_reuse_study(study_id: int, progress: Callable[[int, int], None] | None = None) -> ReuseStudy:
    """Solve every scenario of a reuse study and store the comparison, reporting each scenario solved.

    The solving (seconds to minutes) happens outside any transaction; the
    results and their time are written in one update at the end, so a study
    never shows results from two runs, nor half of one.
    """
    from civic.water import reuse_problems

    study = ReuseStudy.objects.get(pk=study_id)
    results = reuse_problems.solve_study(study, progress)
    with transaction.atomic():
        ReuseStudy.objects.filter(pk=study_id).update(results=results, solved_at=timezone.now())
    study.refresh_from_db()
    return study


def start_reuse_study_run(study: ReuseStudy, started_by: User) -> tuple[Job, bool]:
    """Queue the solving of a study unless it is queued or being solved; returns its job and whether it is new."""
    from civic.water.jobs import solve_reuse_study

    return jobs.enqueue(
        JobKind.REUSE_STUDY,
        solve_reuse_study,
        started_by=started_by,
        subject=study,
        arguments={"study_id": study.pk},
        one_at_a_time=True,
    )


@transaction.atomic
def create_reuse_study(form_data: Mapping[str, Any], firms: Any, created_by: User) -> ReuseStudy:
    """A new study with its firms (two tables, one transaction)."""
    study = ReuseStudy.objects.create(created_by=created_by, **form_data)
    study.firms.set(firms)
    return study
