"""Who may open every page and endpoint: one row per URL name, tested for every role.

Each row names the people who get the page (200, or a redirect that is not a
sign-in); everyone else is refused: anonymous visitors are sent to sign in
(unless the page is public), signed-in people get 403 or 404. Records that
belong to Runhua Dyeing are used throughout, so Xinglong's reporter stands for
"another enterprise" and must be refused every one of them.

A test fails when a URL of the project has no row here: a new page cannot
ship without its permissions being decided and tested.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from civic.api.testing import API_URL_NAMES
from civic.core.jobs import job_folder
from civic.core.models import Job, JobKind, JobState, Role
from civic.dogs.actions import assign_case, decide_case, open_case, take_in_found_dog
from civic.dogs.models import Refusal, ViolationCase
from civic.dogs.testing import LIU_MIN_ID, make_dogs_cast
from civic.evaluation.actions import certify, compute_scorecard, review_balance_test, submit_balance_test
from civic.evaluation.defaults import load_mwr_2017_profile
from civic.evaluation.models import BalanceTest, BalanceTestStatus
from civic.evaluation.testing import make_balance_test, unit_rows
from civic.farmland.models import FarmlandProject, IrrigationMethod, IrrigationYear, SampleDistrict, TypicalField
from civic.notices.models import Notice, NoticeKind
from civic.programme import actions
from civic.programme.models import UpgradeAdvice
from civic.programme.testing import make_programme_cast, project_at_verification
from civic.testing import Cast, make_user, project_url_names
from civic.water.actions import compute_bills
from civic.water.models import (
    AlarmStatus,
    CustomerAlarm,
    DmaNightFlowAlarm,
    ImportStatus,
    MeteringParameters,
    MeteringRun,
    NetworkAnalysis,
    NetworkLeakAlarm,
    NetworkModel,
    PlanAdjustmentRequest,
    PlanStatus,
    ReadingImportBatch,
    ReuseStudy,
    SurchargeBill,
    WaterAudit,
)
from civic.water.testing import MARCH, issue_plan, read

ANONYMOUS = "anonymous"
BUREAU_ADMIN = "bureau_admin"
BUREAU_STAFF = "bureau_staff"
RUNHUA_REPORTER = "runhua_reporter"
XINGLONG_REPORTER = "xinglong_reporter"
NETWORK_ANALYST = "network_analyst"
CLINIC_STAFF = "clinic_staff"
INSPECTOR = "inspector"
DOG_OFFICE_STAFF = "dog_office_staff"
NEWCOMER = "newcomer"  # signed in, with no role yet: refused everywhere but the public pages

PEOPLE = (
    ANONYMOUS,
    BUREAU_ADMIN,
    BUREAU_STAFF,
    RUNHUA_REPORTER,
    XINGLONG_REPORTER,
    NETWORK_ANALYST,
    CLINIC_STAFF,
    INSPECTOR,
    DOG_OFFICE_STAFF,
    NEWCOMER,
)
# The water-saving office (BUREAU: also the programme, evaluation and farmland pages) and the dog-management
# office, each with the county administrator above both.
BUREAU = frozenset({BUREAU_ADMIN, BUREAU_STAFF})
DOG_OFFICE = frozenset({BUREAU_ADMIN, DOG_OFFICE_STAFF})
SIGNED_IN = frozenset(PEOPLE) - {ANONYMOUS, NEWCOMER}
EVERYONE = frozenset(PEOPLE)
RUNHUA_READERS = BUREAU | {RUNHUA_REPORTER}
REPORTERS_AND_BUREAU = BUREAU | {RUNHUA_REPORTER, XINGLONG_REPORTER}
BUREAU_AND_ANALYST = BUREAU | {NETWORK_ANALYST}
DOG_REGISTER_WRITERS = DOG_OFFICE | {CLINIC_STAFF}
DOG_REGISTER_READERS = DOG_REGISTER_WRITERS | {INSPECTOR}
DOG_ENFORCERS = DOG_OFFICE | {INSPECTOR}
PROGRAMME_READERS = BUREAU | {RUNHUA_REPORTER, XINGLONG_REPORTER}

# URL names outside Civic's own pages: Django's admin (guarded by is_staff), sign-in and the language switch.
NOT_IN_MATRIX = {"login", "logout", "set_language"} | API_URL_NAMES


@dataclass
class World:
    """The cast and a few records of Runhua's, so that pages about one record can be opened."""

    cast: Cast
    records: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    url_name: str
    allowed: Set[str]
    arguments: Callable[[World], dict[str, Any]] = lambda world: {}


MATRIX: list[Row] = [
    # core
    Row("dashboard", SIGNED_IN),
    Row("regions_geojson", SIGNED_IN - {RUNHUA_REPORTER, XINGLONG_REPORTER}),
    # core: long jobs (a reuse study's, started by the bureau's staff; each person sees their own and their office's)
    Row("job_list", SIGNED_IN),
    Row("job_detail", BUREAU, lambda world: {"job_id": world.records["failed_job"].pk}),
    Row("job_status", BUREAU, lambda world: {"job_id": world.records["failed_job"].pk}),
    Row("job_retry", BUREAU, lambda world: {"job_id": world.records["failed_job"].pk}),
    Row("job_file", BUREAU, lambda world: {"job_id": world.records["file_job"].pk}),
    Row("health", EVERYONE),  # for monitors and load balancers: no records, no secrets
    # water: register
    Row("water:register", BUREAU),
    Row("water:water_user_detail", RUNHUA_READERS, lambda world: {"code": world.cast.runhua.code}),
    Row("water:water_user_use_json", RUNHUA_READERS, lambda world: {"code": world.cast.runhua.code}),
    Row("water:my_water_user", {RUNHUA_REPORTER, XINGLONG_REPORTER}),
    Row("water:water_user_new", BUREAU),
    Row("water:register_xlsx", BUREAU),
    Row("water:water_user_edit", BUREAU, lambda world: {"code": world.cast.runhua.code}),
    Row("water:water_user_close", BUREAU, lambda world: {"code": world.cast.runhua.code}),
    Row("water:meter_new", BUREAU, lambda world: {"code": world.cast.runhua.code}),
    Row("water:meter_edit", BUREAU, lambda world: {"serial": world.cast.runhua_meter.serial}),
    Row("water:meter_replace", BUREAU, lambda world: {"serial": world.cast.runhua_meter.serial}),
    # water: readings
    Row("water:import_readings", BUREAU),
    Row("water:import_batch_detail", BUREAU, lambda world: {"batch_id": world.records["batch"].pk}),
    # water: plans
    Row("water:plan_list", BUREAU),
    Row("water:plan_notices_export", BUREAU),
    Row("water:plan_detail", RUNHUA_READERS, lambda world: {"plan_id": world.records["plan"].pk}),
    Row("water:request_plan_adjustment", RUNHUA_READERS, lambda world: {"plan_id": world.records["plan"].pk}),
    Row("water:decide_plan_adjustment", BUREAU, lambda world: {"request_id": world.records["adjustment"].pk}),
    Row("water:issue_plan", BUREAU, lambda world: {"plan_id": world.records["plan"].pk}),
    Row("water:plan_notice_pdf", RUNHUA_READERS, lambda world: {"plan_id": world.records["plan"].pk}),
    # water: surcharges
    Row("water:surcharge_summary", BUREAU),
    Row("water:surcharge_summary_xlsx", BUREAU),
    Row("water:bill_detail", RUNHUA_READERS, lambda world: {"number": world.records["bill"].number}),
    Row("water:bill_notice_pdf", RUNHUA_READERS, lambda world: {"number": world.records["bill"].number}),
    Row("water:bill_step", BUREAU, lambda world: {"number": world.records["bill"].number}),
    Row("water:overdue_bill_list", BUREAU),
    # water: quotas
    Row("water:quota_list", BUREAU),
    Row("water:import_quotas", BUREAU),
    Row("water:export_quotas", BUREAU),
    # water: metering (the utility's network analyst and the bureau)
    Row("water:metering_dashboard", BUREAU_AND_ANALYST),
    Row("water:metering_analysis_new", BUREAU_AND_ANALYST),
    Row("water:smart_readings_upload", BUREAU_AND_ANALYST),
    Row("water:customer_alarm_list", BUREAU_AND_ANALYST),
    Row("water:customer_alarm_xlsx", BUREAU_AND_ANALYST),
    Row("water:customer_alarm_bulk_assign", BUREAU_AND_ANALYST),
    Row(
        "water:customer_alarm_detail",
        BUREAU_AND_ANALYST,
        lambda world: {"alarm_id": world.records["customer_alarm"].pk},
    ),
    Row(
        "water:customer_alarm_notice_pdf",
        BUREAU_AND_ANALYST,
        lambda world: {"alarm_id": world.records["customer_alarm"].pk},
    ),
    Row(
        "water:customer_alarm_step",
        BUREAU_AND_ANALYST,
        lambda world: {"alarm_id": world.records["customer_alarm"].pk, "step": "assign"},
    ),
    Row("water:meter_customers", BUREAU_AND_ANALYST),
    Row("water:night_flow_alarm_list", BUREAU_AND_ANALYST),
    Row("water:night_flow_alarm_xlsx", BUREAU_AND_ANALYST),
    Row("water:night_flow_alarm_bulk_assign", BUREAU_AND_ANALYST),
    Row(
        "water:night_flow_alarm_detail",
        BUREAU_AND_ANALYST,
        lambda world: {"alarm_id": world.records["night_flow_alarm"].pk},
    ),
    Row(
        "water:night_flow_alarm_step",
        BUREAU_AND_ANALYST,
        lambda world: {"alarm_id": world.records["night_flow_alarm"].pk, "step": "close"},
    ),
    Row("water:alarm_precision", BUREAU_AND_ANALYST),
    Row("water:metering_thresholds", BUREAU_AND_ANALYST),
    Row("water:water_audit_form", BUREAU_AND_ANALYST),
    Row("water:water_audit_detail", BUREAU_AND_ANALYST, lambda world: {"audit_id": world.records["water_audit"].pk}),
    # water: network
    Row("water:network_overview", BUREAU_AND_ANALYST),
    Row("water:network_model_upload", BUREAU_AND_ANALYST),
    Row("water:network_analysis_new", BUREAU_AND_ANALYST),
    Row(
        "water:network_analysis_status",
        BUREAU_AND_ANALYST,
        lambda world: {"analysis_id": world.records["network_analysis"].pk},
    ),
    Row(
        "water:network_analysis_retry",
        BUREAU_AND_ANALYST,
        lambda world: {"analysis_id": world.records["network_analysis"].pk},
    ),
    Row(
        "water:network_alarm_detail",
        BUREAU_AND_ANALYST,
        lambda world: {"alarm_id": world.records["network_alarm"].pk},
    ),
    Row(
        "water:network_alarm_step",
        BUREAU_AND_ANALYST,
        lambda world: {"alarm_id": world.records["network_alarm"].pk, "step": "assign"},
    ),
    # water: reuse studies (the bureau's planning work)
    Row("water:reuse_study_list", BUREAU),
    Row("water:reuse_firm_streams", BUREAU, lambda world: {"code": world.cast.runhua.code}),
    Row("water:reuse_study_detail", BUREAU, lambda world: {"study_id": world.records["reuse_study"].pk}),
    Row("water:reuse_study_run", BUREAU, lambda world: {"study_id": world.records["reuse_study"].pk}),
    Row("water:reuse_study_progress", BUREAU, lambda world: {"study_id": world.records["reuse_study"].pk}),
    Row("water:reuse_study_json", BUREAU, lambda world: {"study_id": world.records["reuse_study"].pk}),
    Row("water:reuse_study_xlsx", BUREAU, lambda world: {"study_id": world.records["reuse_study"].pk}),
    # dogs: Sun Li (clinic staff) works at SP01, where Wangcai is registered; the inspector reads the register
    Row("dogs:dog_list", DOG_REGISTER_READERS),
    Row("dogs:licence_detail", DOG_REGISTER_READERS, lambda world: {"number": world.records["dog_licence"].number}),
    Row("dogs:licence_pdf", DOG_REGISTER_WRITERS, lambda world: {"number": world.records["dog_licence"].number}),
    Row("dogs:register_dog", DOG_REGISTER_WRITERS),
    Row("dogs:registration_check", DOG_REGISTER_WRITERS),
    Row("dogs:refusal_list", DOG_REGISTER_WRITERS),
    Row("dogs:refusal_detail", DOG_REGISTER_WRITERS, lambda world: {"number": world.records["dog_refusal"].number}),
    Row("dogs:refusal_letter_pdf", DOG_REGISTER_WRITERS, lambda world: {"number": world.records["dog_refusal"].number}),
    Row("dogs:renew_licence", DOG_REGISTER_WRITERS, lambda world: {"number": world.records["dog_licence"].number}),
    Row(
        "dogs:change_registration",
        DOG_REGISTER_WRITERS,
        lambda world: {"number": world.records["dog_licence"].number, "kind": "owner"},
    ),
    Row("dogs:cancel_licence", DOG_REGISTER_WRITERS, lambda world: {"number": world.records["dog_licence"].number}),
    Row(
        "dogs:replace_tag_or_licence",
        DOG_REGISTER_WRITERS,
        lambda world: {"number": world.records["dog_licence"].number},
    ),
    Row("dogs:renewal_list", DOG_REGISTER_WRITERS),
    # Zhang Wei's dog is registered at Sun Li's point, so she may correct him; He Jing's point may not
    # (civic/dogs/tests/test_owners_and_households.py sends the refused GET and POST).
    Row("dogs:correct_owner", DOG_REGISTER_WRITERS, lambda world: {"owner_id": world.records["dog_owner"].pk}),
    Row("dogs:owner_discrepancy_list", DOG_REGISTER_WRITERS),
    Row("dogs:patrol_list", DOG_ENFORCERS),
    Row("dogs:case_list", DOG_ENFORCERS),
    Row("dogs:case_create", DOG_ENFORCERS),
    Row("dogs:case_detail", DOG_ENFORCERS, lambda world: {"number": world.records["dog_case"].number}),
    # GET goes back to the case; who may POST is tested below
    Row("dogs:case_assign", DOG_ENFORCERS, lambda world: {"number": world.records["dog_case"].number}),
    Row("dogs:case_decision_pdf", DOG_ENFORCERS, lambda world: {"number": world.records["dog_decided_case"].number}),
    Row("dogs:shelter_list", DOG_ENFORCERS),
    Row("dogs:intake_detail", DOG_ENFORCERS, lambda world: {"intake_id": world.records["dog_intake"].pk}),
    Row("dogs:intake_notice_pdf", DOG_ENFORCERS, lambda world: {"intake_id": world.records["dog_owned_intake"].pk}),
    Row("dogs:check", EVERYONE),
    Row("dogs:check_number", EVERYONE, lambda world: {"number": world.records["dog_licence"].active_tag().number}),
    Row("dogs:public_statistics", EVERYONE),
    Row("dogs:staff_statistics", DOG_OFFICE),
    # programme: the office sees every firm; a reporter its own firm's records (Runhua's here)
    Row("programme:firm_list", BUREAU),
    Row("programme:my_firm", {RUNHUA_REPORTER, XINGLONG_REPORTER}),
    Row("programme:firm_detail", RUNHUA_READERS, lambda world: {"firm_id": world.records["programme"].runhua.pk}),
    Row("programme:firm_import", BUREAU),
    Row("programme:firm_export", BUREAU),
    Row("programme:advice_reply", RUNHUA_READERS, lambda world: {"advice_id": world.records["advice"].pk}),
    Row("programme:chain_graph", BUREAU),
    Row("programme:segment_figures", BUREAU),
    Row("programme:project_list", PROGRAMME_READERS),
    Row("programme:project_apply", PROGRAMME_READERS),
    Row("programme:overdue_list", BUREAU),
    Row("programme:project_detail", RUNHUA_READERS, lambda world: {"number": world.records["project"].number}),
    *(
        Row(f"programme:{name}", BUREAU, lambda world: {"number": world.records["project"].number})
        for name in (
            "project_review",
            "project_approval",
            "project_acceptance",
            "project_verification",
            "subsidy_decide",
            "subsidy_payment",
        )
    ),
    Row(
        "programme:milestone_done",
        BUREAU,
        lambda world: {"number": world.records["project"].number, "step_id": world.records["project"].steps.first().pk},
    ),
    Row("programme:project_production", RUNHUA_READERS, lambda world: {"number": world.records["project"].number}),
    Row("programme:decision_pdf", RUNHUA_READERS, lambda world: {"number": world.records["project"].number}),
    Row("programme:ledger", BUREAU),
    Row("programme:ledger_xlsx", BUREAU),
    Row("programme:feedback_list", PROGRAMME_READERS),
    Row("programme:feedback_analysis", BUREAU),
    Row("programme:feedback_xlsx", BUREAU),
    # farmland (the water-saving office)
    Row("farmland:progress", BUREAU),
    Row("farmland:project_list", BUREAU),
    Row("farmland:project_create", BUREAU),
    Row("farmland:import_projects", BUREAU),
    Row("farmland:export_projects", BUREAU),
    Row("farmland:project_detail", BUREAU, lambda world: {"pk": world.records["farmland_project"].pk}),
    Row("farmland:project_edit", BUREAU, lambda world: {"pk": world.records["farmland_project"].pk}),
    Row("farmland:coefficient", BUREAU),
    Row("farmland:year_create", BUREAU),
    Row("farmland:coefficient_year", BUREAU, lambda world: {"year": 2025}),
    Row("farmland:year_edit", BUREAU, lambda world: {"year": 2025}),
    Row("farmland:district_create", BUREAU, lambda world: {"year": 2025}),
    Row(
        "farmland:district_edit",
        BUREAU,
        lambda world: {"year": 2025, "pk": world.records["farmland_district"].pk},
    ),
    Row("farmland:import_samples", BUREAU, lambda world: {"year": 2025}),
    Row("farmland:export_samples", BUREAU, lambda world: {"year": 2025}),
    Row("farmland:coefficient_pdf", BUREAU, lambda world: {"year": 2025}),
    # evaluation: Runhua's balance tests (a submitted one, and a certified one)
    Row("evaluation:balance_test_list", REPORTERS_AND_BUREAU),
    Row("evaluation:balance_test_create", REPORTERS_AND_BUREAU),
    Row("evaluation:balance_test_template", REPORTERS_AND_BUREAU),
    Row("evaluation:balance_test_import", REPORTERS_AND_BUREAU),
    Row("evaluation:balance_test_detail", RUNHUA_READERS, lambda world: {"test_id": world.records["balance_test"].pk}),
    Row("evaluation:balance_test_edit", RUNHUA_READERS, lambda world: {"test_id": world.records["balance_test"].pk}),
    Row("evaluation:balance_test_submit", RUNHUA_READERS, lambda world: {"test_id": world.records["balance_test"].pk}),
    Row("evaluation:balance_test_review", BUREAU, lambda world: {"test_id": world.records["balance_test"].pk}),
    Row("evaluation:balance_test_certify", BUREAU, lambda world: {"test_id": world.records["balance_test"].pk}),
    Row("evaluation:carrier_list", BUREAU),
    Row("evaluation:threshold_list", BUREAU),
    Row("evaluation:certificate_pdf", RUNHUA_READERS, lambda world: {"number": world.records["certificate"].number}),
    Row("evaluation:benchmark_list", BUREAU),
    Row("evaluation:output_report", REPORTERS_AND_BUREAU),
    Row("evaluation:output_import", REPORTERS_AND_BUREAU),
    Row("evaluation:scorecard_list", BUREAU),
    Row("evaluation:scorecard_compute", BUREAU),
    Row("evaluation:scorecard_detail", BUREAU, lambda world: {"scorecard_id": world.records["scorecard"].pk}),
    Row("evaluation:scorecard_pdf", BUREAU, lambda world: {"scorecard_id": world.records["scorecard"].pk}),
    Row("evaluation:scorecard_xlsx", BUREAU, lambda world: {"scorecard_id": world.records["scorecard"].pk}),
    Row(
        "evaluation:scorecard_entry", BUREAU, lambda world: {"entry_id": world.records["scorecard"].entries.first().pk}
    ),
    Row("evaluation:scorecard_evidence", BUREAU, lambda world: {"entry_id": world.records["evidence_entry"].pk}),
    # notices: everyone with a role has their own; Runhua's notice of its March bill is Li Qiang's alone
    Row("notices:notice_list", SIGNED_IN),
    Row("notices:notice_detail", {RUNHUA_REPORTER}, lambda world: {"notice_id": world.records["notice"].pk}),
    Row("notices:mark_all_read", SIGNED_IN),
    Row("notices:preferences", SIGNED_IN),
]

# Builders of the records rows refer to: each takes the world and stores what it makes in world.records.
RECORD_BUILDERS: list[Callable[[World], None]] = []


def record_builder(builder: Callable[[World], None]) -> Callable[[World], None]:
    RECORD_BUILDERS.append(builder)
    return builder


@record_builder
def _runhua_plan_and_bill(world: World) -> None:
    cast = world.cast
    world.records["plan"] = issue_plan(cast.runhua, 1000)
    world.records["xinglong_plan"] = issue_plan(cast.xinglong, 2000)
    world.records["runhua_draft"] = issue_plan(cast.runhua, 1100, year=2025, status=PlanStatus.DRAFT)
    read(cast.runhua_meter, datetime.date(2024, 3, 31), 1300)
    read(cast.xinglong_meter, datetime.date(2024, 3, 31), 2900)
    compute_bills(*MARCH)
    world.records["bill"] = SurchargeBill.objects.get(water_user=cast.runhua)
    world.records["notice"] = Notice.objects.get(recipient=cast.runhua_reporter, kind=NoticeKind.BILL_DUE)
    world.records["adjustment"] = PlanAdjustmentRequest.objects.create(
        plan=world.records["plan"],
        requested_by=cast.runhua_reporter,
        requested_volume_m3=13_000,
        reason="新增一条染色生产线",
    )


@record_builder
def _readings_batch(world: World) -> None:
    world.records["batch"] = ReadingImportBatch.objects.create(
        file_name="2024-03.csv",
        sha256="0" * 64,
        status=ImportStatus.REJECTED,
        errors=[{"row": 2, "column": "meter_serial", "code": "unknown_meter", "value": "M-9"}],
        imported_by=world.cast.bureau_staff,
    )


@record_builder
def _metering_records(world: World) -> None:
    run = MeteringRun.objects.create(
        period_start=datetime.date(2024, 3, 1), period_end=datetime.date(2024, 3, 31), store="var/readings"
    )
    world.records["customer_alarm"] = CustomerAlarm.objects.create(
        run=run,
        meter_code="C-LEAK",
        kind="continuous_flow",
        start=datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC),
        end=datetime.datetime(2024, 3, 3, tzinfo=datetime.UTC),
        volume_m3=0.48,
        confidence=1.0,
    )
    world.records["night_flow_alarm"] = DmaNightFlowAlarm.objects.create(
        run=run,
        dma_code="HX",
        start=datetime.date(2024, 3, 5),
        detected=datetime.date(2024, 3, 7),
        excess_m3_per_h=2.5,
    )
    world.records["water_audit"] = WaterAudit.objects.create(utility_name="武进水务", year=2024, inputs={}, result={})


@record_builder
def _network_records(world: World) -> None:
    """An analysis whose job failed (so that it may be retried) and an alarm of an earlier one, with no hydraulics run."""
    model = NetworkModel.objects.create(
        version=1, name="Net3", file_name="Net3.inp", inp_text="", junctions=92, pipes=117, total_length_m=0.0
    )
    moment = datetime.datetime(2019, 1, 3, 1, tzinfo=datetime.UTC)
    analysis = NetworkAnalysis.objects.create(
        network_model=model, pressures_csv="", flows_csv="", levels_csv="", data_start=moment, data_end=moment
    )
    analysis.job = Job.objects.create(
        kind=JobKind.NETWORK_ANALYSIS,
        body="civic.water.jobs.network_analysis",
        arguments={"analysis_id": analysis.pk},
        started_by=world.cast.network_analyst,
        subject_type=ContentType.objects.get_for_model(analysis),
        subject_id=analysis.pk,
        state=JobState.FAILED,
        error="pressures.csv:3: timestamp …",
        attempts=1,
    )
    analysis.save(update_fields=["job"])
    world.records["network_analysis"] = analysis
    world.records["network_alarm"] = NetworkLeakAlarm.objects.create(
        analysis=analysis, pipe_id="171", start_time=moment, size_m3_per_h=95.8
    )


@record_builder
def _farmland_records(world: World) -> None:
    """A project in Hutang and the 2025 samples: one small district with one typical field."""
    world.records["farmland_project"] = FarmlandProject.objects.create(
        code="GBNT-2024-001",
        name="湖塘镇高标准农田",
        town=world.cast.hutang,
        plan_year=2024,
        area_mu=1200,
        irrigation_method=IrrigationMethod.PIPE,
    )
    year = IrrigationYear.objects.create(year=2025)
    district = SampleDistrict.objects.create(
        year=year, name="湖塘小型灌区", district_class="small", gross_m3=100_000, irrigated_area_mu={"水稻": 120}
    )
    TypicalField.objects.create(district=district, name="1号田", crop="水稻", net_m3_per_mu=500)
    world.records["farmland_district"] = district


@record_builder
def _dog_records(world: World) -> None:
    """Wangcai's licence at Sun Li's point, a refusal there, an inspector's case and a sheltered dog."""
    dogs = make_dogs_cast(world.cast)
    world.records["dogs"] = dogs
    world.records["dog_licence"] = dogs.wangcai_licence
    world.records["dog_owner"] = dogs.zhang_wei
    world.records["dog_refusal"] = Refusal.objects.create(
        number="RF20240001",
        service_point=world.cast.service_point,
        refused_on=datetime.date(2024, 3, 22),
        owner_name="刘敏",
        owner_resident_id=LIU_MIN_ID,
        address="湖塘镇花园街1号",
        dog_name="团团",
        breed=dogs.breed("藏獒"),
        shoulder_height_m=0.7,
        reasons=["banned_breed"],
        rehome_by=datetime.date(2024, 3, 27),
    )
    case = ViolationCase(
        violation_type=dogs.violation_type("no_leash"),
        place=dogs.hutang_square,
        observed_on=datetime.date(2024, 3, 22),
        description="未束犬链",
    )
    world.records["dog_case"] = open_case(case, world.cast.dog_office_staff)  # a complaint: no one handles it yet
    world.records["dog_intake"] = take_in_found_dog("白色小型犬", datetime.date(2024, 3, 22))
    world.records["dog_owned_intake"] = take_in_found_dog("黄色田园犬", datetime.date(2024, 3, 22), dogs.wangcai)
    decided = open_case(
        ViolationCase(
            violation_type=dogs.violation_type("droppings"),
            place=dogs.hutang_square,
            observed_on=datetime.date(2024, 3, 22),
            description="未清理犬只粪便",
        ),
        world.cast.inspector,
    )
    world.records["dog_decided_case"] = decide_case(
        decided, "warning", None, "初次违规", world.cast.inspector, datetime.date(2024, 3, 23)
    )


@record_builder
def _reuse_study(world: World) -> None:
    study = ReuseStudy.objects.create(name="湖塘串联用水", created_by=world.cast.bureau_staff)
    study.firms.set([world.cast.runhua, world.cast.xinglong])
    world.records["reuse_study"] = study


@record_builder
def _programme_records(world: World) -> None:
    """Runhua's retrofit, its saving verified and its subsidy decided; advice sent to Runhua."""
    cast = world.cast
    programme = make_programme_cast(cast)
    project = project_at_verification(programme, cast)
    actions.verify_savings(
        project,
        (datetime.date(2023, 1, 1), datetime.date(2023, 12, 1)),
        (datetime.date(2024, 7, 1), datetime.date(2025, 6, 1)),
        cast.bureau_staff,
        datetime.date(2025, 7, 10),
    )
    actions.decide_subsidy(project, cast.bureau_staff, datetime.date(2025, 7, 20))
    world.records["programme"] = programme
    world.records["project"] = project
    world.records["advice"] = UpgradeAdvice.objects.create(
        firm=programme.runhua, advice="建议增加在线监测", sent_on=datetime.date(2025, 8, 1)
    )


@record_builder
def _evaluation_records(world: World) -> None:
    """A submitted balance test of Runhua's, a certified one, and the county's 2024 scorecard."""
    cast = world.cast
    world.records["balance_test"] = make_balance_test(cast.runhua, cast.runhua_reporter)
    submit_balance_test(world.records["balance_test"])
    certified = make_balance_test(cast.runhua, cast.runhua_reporter)
    submit_balance_test(certified)
    review_balance_test(certified, "accepted", "", cast.bureau_staff)
    world.records["certificate"] = certify(certified, cast.bureau_staff)
    world.records["scorecard"] = compute_scorecard(load_mwr_2017_profile(), 2024)
    entry = world.records["scorecard"].entries.get(indicator__code="publicity")
    entry.evidence.save("宣传周记录.pdf", ContentFile(b"%PDF-1.4 evidence"), save=True)
    world.records["evidence_entry"] = entry


@record_builder
def _jobs(world: World) -> None:
    """A reuse study's job that failed, started by the bureau's staff, and a year's plan notices made into a file."""
    world.records["failed_job"] = Job.objects.create(
        kind=JobKind.REUSE_STUDY,
        body="civic.water.jobs.solve_reuse_study",
        arguments={"study_id": world.records["reuse_study"].pk},
        started_by=world.cast.bureau_staff,
        state=JobState.FAILED,
        error="ValueError: HiGHS ran out of memory",
        attempts=1,
    )
    file_job = Job.objects.create(
        kind=JobKind.PLAN_NOTICES, body="civic.water.jobs.plan_notices", started_by=world.cast.bureau_staff
    )
    (job_folder(file_job) / "plan-notices-2024.zip").write_bytes(b"PK\x05\x06" + bytes(18))  # an empty ZIP
    Job.objects.filter(pk=file_job.pk).update(
        state=JobState.SUCCEEDED, result={"file": f"jobs/{file_job.pk}/plan-notices-2024.zip"}
    )
    world.records["file_job"] = file_job


@pytest.fixture(autouse=True)
def uploads_in_a_temporary_directory(settings: Any, tmp_path: Any) -> None:
    """Evidence files the records carry are written under the test's own directory."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(cast: Cast) -> World:
    built = World(cast=cast)
    for builder in RECORD_BUILDERS:
        builder(built)
    return built


def client_for(person: str, world: World) -> Client:
    client = Client()
    if person != ANONYMOUS:
        client.force_login(getattr(world.cast, person))
    return client


def test_every_url_of_the_project_has_a_row():
    rows = {row.url_name for row in MATRIX}
    missing = project_url_names() - rows - NOT_IN_MATRIX
    assert not missing, f"URLs with no row in the permission matrix: {sorted(missing)}"
    assert len(rows) == len(MATRIX), "a URL name has two rows"


def refused(person: str, status: int, location: str) -> bool:
    if person == ANONYMOUS:
        return status == 302 and location.startswith(reverse("login"))
    return status in (403, 404)


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.url_name)
def test_only_the_allowed_people_open_the_url(row: Row, world: World):
    url = reverse(row.url_name, kwargs=row.arguments(world))
    outcomes = {}
    for person in PEOPLE:
        response = client_for(person, world).get(url)
        location = response.get("Location", "")
        if person in row.allowed:
            opened = response.status_code == 200 or (
                response.status_code == 302 and not location.startswith(reverse("login"))
            )
            outcomes[person] = "opened" if opened else f"refused ({response.status_code})"
        else:
            outcomes[person] = "refused" if refused(person, response.status_code, location) else "opened"
    expected = {person: "opened" if person in row.allowed else "refused" for person in PEOPLE}
    assert outcomes == expected


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.url_name)
def test_no_one_else_may_post_to_the_url(row: Row, world: World):
    """A POST (here an empty form) is refused to everyone a GET is refused to, before any form is read."""
    url = reverse(row.url_name, kwargs=row.arguments(world))
    outcomes = {}
    for person in PEOPLE:
        if person in row.allowed:
            continue
        response = client_for(person, world).post(url, {})
        location = response.get("Location", "")
        outcomes[person] = "refused" if refused(person, response.status_code, location) else "opened"
    assert outcomes == {person: "refused" for person in outcomes}


def test_each_tenant_is_refused_the_other_tenants_records(world: World):
    """The second record of every tenant: another firm's plan and bill, a firm's own draft, another point's dog."""
    cast, dogs = world.cast, world.records["dogs"]
    xinglong_bill = SurchargeBill.objects.get(water_user=cast.xinglong)
    runhua = client_for(RUNHUA_REPORTER, world)
    for url in (
        reverse("water:plan_detail", kwargs={"plan_id": world.records["xinglong_plan"].pk}),
        reverse("water:plan_detail", kwargs={"plan_id": world.records["runhua_draft"].pk}),  # a draft is the bureau's
        reverse("water:bill_detail", kwargs={"number": xinglong_bill.number}),
        reverse("water:bill_notice_pdf", kwargs={"number": xinglong_bill.number}),
        reverse("water:water_user_detail", kwargs={"code": cast.xinglong.code}),
    ):
        assert runhua.get(url).status_code in (403, 404), url
    # Sun Li works at SP01; Doudou and Chen Jing are SP02's.
    sun_li = client_for(CLINIC_STAFF, world)
    doudou = dogs.doudou_licence.number
    assert sun_li.get(reverse("dogs:licence_detail", kwargs={"number": doudou})).status_code in (403, 404)
    for url in (
        reverse("dogs:renew_licence", kwargs={"number": doudou}),
        reverse("dogs:cancel_licence", kwargs={"number": doudou}),
        reverse("dogs:correct_owner", kwargs={"owner_id": dogs.chen_jing.pk}),
    ):
        assert sun_li.post(url, {"reason": "lost", "name": "改名"}).status_code in (403, 404), url
    dogs.chen_jing.refresh_from_db()
    assert dogs.chen_jing.name != "改名"
    # The dog list of SP01's staff holds SP01's dogs only, whatever the query asks for.
    listed = sun_li.get(reverse("dogs:dog_list"), {"q": "豆豆", "service_point": dogs.niutang_point.pk})
    assert listed.status_code == 200 and doudou not in listed.content.decode()


# POSTs on another firm's records: Xinglong's reporter is refused each, and Runhua's test stays as it was.
FOREIGN_POSTS = [
    ("evaluation:balance_test_edit", {"product_output": 1}),
    ("evaluation:balance_test_submit", {}),
    ("evaluation:balance_test_review", {"decision": "accepted", "comment": ""}),
    ("evaluation:balance_test_certify", {}),
]


@pytest.mark.parametrize(("url_name", "data"), FOREIGN_POSTS, ids=[name for name, _ in FOREIGN_POSTS])
def test_another_enterprise_cannot_post_on_runhuas_balance_test(url_name: str, data: dict[str, Any], world: World):
    test = make_balance_test(world.cast.runhua, world.cast.runhua_reporter, units=unit_rows())
    before = BalanceTest.objects.get(pk=test.pk)
    response = client_for(XINGLONG_REPORTER, world).post(reverse(url_name, kwargs={"test_id": test.pk}), data)
    after = BalanceTest.objects.get(pk=test.pk)
    assert response.status_code in (403, 404)
    assert (after.status, after.product_output) == (BalanceTestStatus.DRAFT, before.product_output)


# POSTs of the alarm workflow and the thresholds: only the bureau and the network analyst change anything.
def _alarm_posts(world: World) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    customer, night = world.records["customer_alarm"].pk, world.records["night_flow_alarm"].pk
    network, staff = world.records["network_alarm"].pk, world.cast.bureau_staff.pk
    return [
        (
            "water:network_alarm_step",
            {"alarm_id": network, "step": "close"},
            {"outcome": "leak_repaired", "volume_recovered_m3": 30},
        ),
        ("water:customer_alarm_bulk_assign", {}, {"assignee": staff, "alarms": [customer]}),
        ("water:night_flow_alarm_bulk_assign", {}, {"assignee": staff, "alarms": [night]}),
        ("water:customer_alarm_step", {"alarm_id": customer, "step": "contact"}, {"note": "已电话联系"}),
        ("water:customer_alarm_step", {"alarm_id": customer, "step": "close"}, {"outcome": "confirmed_leak"}),
        (
            "water:night_flow_alarm_step",
            {"alarm_id": night, "step": "close"},
            {"outcome": "leak_repaired", "volume_recovered_m3": 12},
        ),
        (
            "water:metering_thresholds",
            {},
            {
                "effective_from": "2030-01-01",
                "continuous_flow_hours": 96,
                "stuck_hours": 72,
                "gap_hours": 12,
                "stuck_balance_share": 0.5,
                "stuck_balance_sigmas": 3,
                "stuck_balance_days": 7,
                "night_window_start_hour": 2,
                "night_window_end_hour": 4,
                "night_use_l_per_h_per_connection": 1.7,
                "baseline_nights": 14,
                "save": "1",
            },
        ),
    ]


def _workflow_state() -> tuple[Any, ...]:
    return (
        tuple(CustomerAlarm.objects.values_list("status", "assignee", "outcome", "contact_note")),
        tuple(DmaNightFlowAlarm.objects.values_list("status", "assignee", "outcome", "volume_recovered_m3")),
        tuple(NetworkLeakAlarm.objects.values_list("status", "outcome", "volume_recovered_m3")),
        MeteringParameters.objects.count(),
    )


@pytest.mark.parametrize("person", PEOPLE)
def test_only_the_bureau_and_the_analyst_queue_a_failed_network_analysis_again(person: str, world: World, settings):
    settings.CIVIC_JOBS_RUN_AT_ONCE = False  # the job waits on the queue, where the retry puts it
    job = world.records["network_analysis"].job
    for url in (
        reverse("water:network_analysis_retry", kwargs={"analysis_id": world.records["network_analysis"].pk}),
        reverse("job_retry", kwargs={"job_id": job.pk}),
    ):
        Job.objects.filter(pk=job.pk).update(state=JobState.FAILED)
        response = client_for(person, world).post(url)
        job.refresh_from_db()
        if person in BUREAU_AND_ANALYST:
            assert (response.status_code, job.state) == (302, JobState.QUEUED), url
        else:
            assert refused(person, response.status_code, response.get("Location", "")), url
            assert job.state == JobState.FAILED, url


@pytest.mark.parametrize("person", PEOPLE)
def test_only_the_bureau_and_the_analyst_post_on_alarms_and_thresholds(person: str, world: World):
    client = client_for(person, world)
    for url_name, arguments, data in _alarm_posts(world):
        before = _workflow_state()
        response = client.post(reverse(url_name, kwargs=arguments), data)
        location = response.get("Location", "")
        if person in BUREAU_AND_ANALYST:
            assert response.status_code == 302, url_name
            assert not location.startswith(reverse("login"))
            assert _workflow_state() != before, url_name
        else:
            assert refused(person, response.status_code, location), url_name
            assert _workflow_state() == before, url_name
    if person in BUREAU_AND_ANALYST:
        assert CustomerAlarm.objects.get().status == AlarmStatus.CLOSED


# Assigning violation cases: the dog office gives any case to an inspector; an inspector takes an unassigned
# case for himself only; no one else assigns at all.
def _assignment_posts(world: World) -> list[tuple[str, ViolationCase, int, set[str]]]:
    """(what is tried, the case, the assignee posted, who may do it) for a case no one handles, one handled
    by another inspector, and the inspector's own choice of someone else."""
    cast = world.cast
    other_inspector = make_user("zhaolei", Role.INSPECTOR)
    others_case = open_case(
        ViolationCase(
            violation_type=world.records["dogs"].violation_type("no_leash"),
            place=world.records["dogs"].hutang_square,
            observed_on=datetime.date(2024, 3, 24),
            description="未束犬链",
        ),
        cast.inspector,
    )
    assign_case(others_case, other_inspector, cast.dog_office_staff)
    unassigned = world.records["dog_case"]
    office = set(DOG_OFFICE)
    return [
        ("give an unassigned case to another inspector", unassigned, other_inspector.pk, office),
        ("take another inspector's case", others_case, cast.inspector.pk, office),
        ("take an unassigned case for oneself", unassigned, cast.inspector.pk, office | {INSPECTOR}),
    ]


@pytest.mark.parametrize("person", PEOPLE)
def test_only_the_dog_office_assigns_cases_and_an_inspector_takes_only_unassigned_ones(person: str, world: World):
    client = client_for(person, world)
    for attempt, case, assignee, allowed in _assignment_posts(world):
        before = ViolationCase.objects.get(pk=case.pk).assignee_id
        response = client.post(reverse("dogs:case_assign", kwargs={"number": case.number}), {"assignee": assignee})
        after = ViolationCase.objects.get(pk=case.pk).assignee_id
        if person in allowed:
            assert (response.status_code, after) == (302, assignee), attempt
            ViolationCase.objects.filter(pk=case.pk).update(assignee=before)
        else:
            assert refused(person, response.status_code, response.get("Location", "")), attempt
            assert after == before, attempt
