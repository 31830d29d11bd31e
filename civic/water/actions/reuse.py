"""Reuse studies: building a firm-to-firm problem from the register and storing its solved scenarios."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from civic.core.models import User
from civic.water.models import (
    ReuseRunState,
    ReuseStudy,
)
from civic.water.models.reuse import REUSE_RUN_STALE_AFTER

logger = logging.getLogger(__name__)


def run_reuse_study(study_id: int) -> ReuseStudy:
    """Solve every scenario of a reuse study and store the comparison, reporting progress as it goes.

    The solving (seconds to minutes) happens outside any transaction; each
    scenario done is recorded on the study (`run_done` of `run_total`), and the
    results and their time are written in one update at the end, so a study
    never shows results from two runs. A failure is recorded with its reason.
    """
    from civic.water import reuse_problems

    study = ReuseStudy.objects.get(pk=study_id)
    total = len(reuse_problems.SCENARIOS)
    _record(study_id, run_state=ReuseRunState.RUNNING, run_done=0, run_total=total, run_error="")
    try:
        results = reuse_problems.solve_study(study, lambda done, _total: _record(study_id, run_done=done))
    except Exception as error:
        _record(study_id, run_state=ReuseRunState.FAILED, run_error=f"{type(error).__name__}: {error}")
        raise
    with transaction.atomic():
        ReuseStudy.objects.filter(pk=study_id).update(
            results=results, solved_at=timezone.now(), run_state=ReuseRunState.IDLE, run_done=total
        )
    study.refresh_from_db()
    return study


def start_reuse_study_run(study_id: int) -> bool:
    """Start solving a study unless it is being solved; False when it already is.

    The claim is one conditional update, so two clicks start one run. With
    `CIVIC_BACKGROUND_RUNS` the run goes on in a thread of this process while
    the page follows its progress; otherwise it finishes before this returns.
    """
    fresh = timezone.now() - REUSE_RUN_STALE_AFTER
    claimed = (
        ReuseStudy.objects.filter(pk=study_id)
        .exclude(Q(run_state=ReuseRunState.RUNNING) & Q(run_reported_at__gt=fresh))
        .update(run_state=ReuseRunState.RUNNING, run_done=0, run_error="", run_reported_at=timezone.now())
    )
    if not claimed:
        return False
    if settings.CIVIC_BACKGROUND_RUNS:
        threading.Thread(
            target=_run_in_background, args=(study_id,), name=f"reuse-study-{study_id}", daemon=True
        ).start()
    else:
        run_reuse_study(study_id)
    return True


def _run_in_background(study_id: int) -> None:
    try:
        run_reuse_study(study_id)
    except Exception:  # recorded on the study by run_reuse_study; the thread has no one else to tell
        logger.exception("reuse study %s: the run failed", study_id)
    finally:
        connection.close()


def _record(study_id: int, **fields: Any) -> None:
    ReuseStudy.objects.filter(pk=study_id).update(run_reported_at=timezone.now(), **fields)


@transaction.atomic
def create_reuse_study(form_data: Mapping[str, Any], firms: Any, created_by: User) -> ReuseStudy:
    """A new study with its firms (two tables, one transaction)."""
    study = ReuseStudy.objects.create(created_by=created_by, **form_data)
    study.firms.set(firms)
    return study
