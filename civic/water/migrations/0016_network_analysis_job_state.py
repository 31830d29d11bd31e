"""A network analysis's state, progress and failure are its job's alone: link each analysis to its job.

Each analysis is linked to the job that ran it: the one its `task_id` names, else
the latest network-analysis job whose subject it is. That job's state is kept
as it is, whatever the analysis's own copy said (the copy was the one that
went wrong: an analysis stayed "running" while its job had failed).

An analysis with no such job (run outside the queue, as the demo did, or
whose job was deleted) is given a job that carries its own record over:
done becomes a succeeded job, failed a failed job with its reason, and
queued or running a failed job, since nothing would ever run it (no entry
waits on the queue): it says it was left unfinished and may be retried.
Going back writes the job's state, progress and failure onto the analysis again.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

NETWORK_ANALYSIS = "network_analysis"
BODY = "civic.water.jobs.network_analysis"
STEPS = 1000  # civic.water.jobs.NETWORK_PROGRESS_STEPS when this was written
# civic.water.models.network.LEFT_UNFINISHED (the msgid, translated on the pages):
LEFT_UNFINISHED = "The analysis was left unfinished, with no job to run it. Run it again."

JOB_STATE = {"done": "succeeded", "failed": "failed", "queued": "failed", "running": "failed"}
ANALYSIS_STATE = {"succeeded": "done", "failed": "failed", "queued": "queued", "running": "running"}


def _subject_type(apps):
    content_type = apps.get_model("contenttypes", "ContentType")
    return content_type.objects.get_or_create(app_label="water", model="networkanalysis")[0]


def _existing_job(job_model, analysis, subject_type):
    if analysis.task_id.isdigit():
        named = job_model.objects.filter(pk=int(analysis.task_id), kind=NETWORK_ANALYSIS).first()
        if named is not None:
            return named
    about = job_model.objects.filter(kind=NETWORK_ANALYSIS, subject_type=subject_type, subject_id=analysis.pk)
    return about.order_by("-created_at", "-pk").first()


def _carried_job(job_model, analysis, subject_type):
    """A job that says what the analysis's own record said (see the module notes)."""
    state = JOB_STATE.get(analysis.state, "failed")
    unfinished = analysis.state in ("queued", "running")
    attempts = 0 if analysis.state == "queued" else 1
    job = job_model.objects.create(
        kind=NETWORK_ANALYSIS,
        body=BODY,
        arguments={"analysis_id": analysis.pk},
        started_by_id=analysis.created_by_id,
        subject_type=subject_type,
        subject_id=analysis.pk,
        state=state,
        progress_done=STEPS if state == "succeeded" else round(min(max(analysis.progress_fraction, 0.0), 1.0) * STEPS),
        progress_total=STEPS,
        error="" if state == "succeeded" else (LEFT_UNFINISHED if unfinished else analysis.error or LEFT_UNFINISHED),
        attempts=attempts,
        max_attempts=max(attempts, settings.CIVIC_JOB_MAX_ATTEMPTS),
        result={"alarms": analysis.alarms.count()} if state == "succeeded" else {},
        started_at=analysis.started_at,
        finished_at=analysis.finished_at or (analysis.started_at if unfinished else None) or analysis.created_at,
    )
    job_model.objects.filter(pk=job.pk).update(created_at=analysis.created_at)  # not the migration's time
    return job


def link_analyses_to_their_jobs(apps, schema_editor):
    analysis_model = apps.get_model("water", "NetworkAnalysis")
    job_model = apps.get_model("core", "Job")
    if not analysis_model.objects.exists():
        return
    subject_type = _subject_type(apps)
    analyses = analysis_model.objects.only(
        "pk", "task_id", "state", "error", "progress_fraction", "created_by", "created_at", "started_at", "finished_at"
    )
    for analysis in analyses.iterator():
        job = _existing_job(job_model, analysis, subject_type) or _carried_job(job_model, analysis, subject_type)
        analysis_model.objects.filter(pk=analysis.pk).update(job=job)


def write_job_state_back(apps, schema_editor):
    analysis_model = apps.get_model("water", "NetworkAnalysis")
    for analysis in analysis_model.objects.select_related("job").filter(job__isnull=False).iterator():
        job = analysis.job
        fraction = 1.0 if job.state == "succeeded" else job.progress_done / job.progress_total if job.progress_total else 0.0
        analysis_model.objects.filter(pk=analysis.pk).update(
            state=ANALYSIS_STATE[job.state],
            progress_fraction=round(min(fraction, 1.0), 3),
            progress_message="Done" if job.state == "succeeded" else "",
            error=job.error,
            task_id=str(job.pk),
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0007_merge_user_links_job_kinds"),
        ("water", "0015_merge_reporter_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="networkanalysis",
            name="job",
            field=models.ForeignKey(
                blank=True,
                help_text="The job that runs the analysis: its state, progress and failure are the analysis's.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.job",
                verbose_name="job",
            ),
        ),
        migrations.RunPython(link_analyses_to_their_jobs, write_job_state_back),
        migrations.RemoveField(model_name="networkanalysis", name="error"),
        migrations.RemoveField(model_name="networkanalysis", name="finished_at"),
        migrations.RemoveField(model_name="networkanalysis", name="progress_fraction"),
        migrations.RemoveField(model_name="networkanalysis", name="progress_message"),
        migrations.RemoveField(model_name="networkanalysis", name="started_at"),
        migrations.RemoveField(model_name="networkanalysis", name="state"),
        migrations.RemoveField(model_name="networkanalysis", name="task_id"),
    ]
