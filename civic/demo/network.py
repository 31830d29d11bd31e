"""The demo county's network analysis: its model (EPANET's Net3), a simulated leak, and the run that finds it.

The county's model is kept as version 1; three weeks of sensor data are
simulated on it (`hydro.network.demo`: fourteen leak-free training days, then
five days in which a 40 mm hole opens on pipe 171 at noon on 2 January) and
analysed as an upload would be, by the analysis's job, run at once in this
process (no worker runs during the load, and no queue entry is left behind),
so that the analyst's page opens on a finished job and its results. It takes
a few seconds.
"""

from __future__ import annotations

import copy
import io

import pandas as pd
from django.contrib.contenttypes.models import ContentType

from civic.core import jobs
from civic.core.models import Job, JobKind, User
from civic.water import actions, network_files
from civic.water.jobs import network_analysis
from civic.water.models import NetworkAnalysis
from hydro.network.demo import DEMO_LEAK, DEMO_NETWORK, DEMO_SENSORS
from hydro.network.model import wntr_example_path
from hydro.network.sensors import read_sensor_layout
from hydro.network.simulation import simulate

DEMO_MODEL_NAME = "县城供水管网（Net3）"
TRAINING_DAYS = 14
WATCHED_DAYS = 5


def load_network_demo(analyst: User | None = None) -> NetworkAnalysis:
    """Keep Net3 as the county's model, simulate the demo leak's data and run the analysis on it."""
    path = wntr_example_path(DEMO_NETWORK)
    checked = network_files.read_network_model(io.BytesIO(path.read_bytes()), path.name)
    model = actions.save_network_model(checked, DEMO_MODEL_NAME, path.name, analyst)
    layout = read_sensor_layout(DEMO_SENSORS)
    training = simulate(copy.deepcopy(checked.network), layout, [], TRAINING_DAYS, pd.Timestamp("2018-12-18"))
    watched = simulate(copy.deepcopy(checked.network), layout, [DEMO_LEAK], WATCHED_DAYS, pd.Timestamp("2019-01-01"))
    tables = {
        "pressures": pd.concat([training.pressures, watched.pressures]),
        "flows": pd.concat([training.flows, watched.flows]),
        "levels": pd.concat([training.levels, watched.levels]),
    }
    data = network_files.checked_tables(tables, checked.network)
    simulated = [{"pipe_id": DEMO_LEAK.pipe_id, "start_time": f"{DEMO_LEAK.start:%Y-%m-%d %H:%M}", "diameter_m": 0.04}]
    analysis = actions.record_network_analysis(model, layout, data, analyst, TRAINING_DAYS, simulated)
    run_in_this_process(analysis, analyst)
    return NetworkAnalysis.objects.select_related("job", "network_model").get(pk=analysis.pk)


def run_in_this_process(analysis: NetworkAnalysis, analyst: User | None) -> Job:
    """The analysis's job, recorded as the queue records one and run here as a worker runs it (`jobs.execute`)."""
    job = Job.objects.create(
        kind=JobKind.NETWORK_ANALYSIS,
        body=jobs.body_path(network_analysis),
        arguments={"analysis_id": analysis.pk},
        started_by=analyst,
        subject_type=ContentType.objects.get_for_model(analysis),
        subject_id=analysis.pk,
    )
    NetworkAnalysis.objects.filter(pk=analysis.pk).update(job=job)
    jobs.execute(job.pk)
    return job
