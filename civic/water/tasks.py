"""Background jobs of the water office, queued on the task backend of `settings.TASKS` (django-tasks).

Each job is a thin wrapper around a plain function of `civic.water.actions`
that takes the record's id and a progress callback, so the same function runs
under any queue, or directly.
"""

from __future__ import annotations

from django_tasks import task

from civic.water.actions.network import run_network_analysis


@task()
def network_analysis_task(analysis_id: int) -> None:
    """Detect and localise leaks in a network analysis's data (`run_network_analysis`)."""
    run_network_analysis(analysis_id)
