"""The audit trail: rule tables and reuse records keep their history, commands that write name who ran them
(`--by USER`), a sign-in writes no history, and `compute_plans --issue` issues every plan or none.
"""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from civic.dogs import models as dog_models
from civic.dogs.testing import make_dogs_cast
from civic.testing import PASSWORD, sign_in
from civic.water.models import AnnualPlan, PlanningParameters, ReuseSite, ReuseStudy, SurchargeBill
from civic.water.testing import MARCH, give_runhua_history, issue_plan, read

RULE_TABLES = [
    dog_models.Breed,
    dog_models.BannedBreed,
    dog_models.AreaRule,
    dog_models.Deadline,
    dog_models.ViolationType,
    dog_models.PenaltyRange,
    dog_models.RefusalGround,
    dog_models.Authority,
]


def test_signing_in_writes_no_row_of_the_users_history(client, cast):
    rows_before = cast.bureau_staff.history.count()

    response = client.post(reverse("login"), {"username": "wangfang", "password": PASSWORD})

    assert response.status_code == 302
    assert cast.bureau_staff.history.count() == rows_before
    cast.bureau_staff.refresh_from_db()
    assert cast.bureau_staff.last_login is not None  # the sign-in's time is still noted


@pytest.mark.parametrize("model", RULE_TABLES, ids=lambda model: model.__name__)
def test_every_dog_rule_table_keeps_its_history(model, cast):
    make_dogs_cast(cast)  # installs the regulation's rules

    assert model.history.exists(), f"{model.__name__} rows were written without history"


def test_a_rule_changed_in_the_admin_names_who_changed_it(client, cast):
    dogs = make_dogs_cast(cast)
    cast.bureau_admin.is_superuser = True
    cast.bureau_admin.save()
    sign_in(client, cast.bureau_admin)
    corgi = dogs.breed("柯基犬")

    response = client.post(reverse("admin:dogs_breed_change", args=[corgi.pk]), {"name": "柯基犬", "name_en": "Corgi"})

    assert response.status_code == 302
    latest = corgi.history.latest()
    assert (latest.history_user, latest.name_en) == (cast.bureau_admin, "Corgi")


def test_reuse_records_keep_their_history(cast):
    # A run's progress lives on its job (civic/core/jobs.py), not on the study, so it makes no history rows.
    site = ReuseSite.objects.create(water_user=cast.runhua, x_m=0, y_m=0)
    study = ReuseStudy.objects.create(name="湖塘串联用水", created_by=cast.bureau_staff)
    study.name = "湖塘串联用水（二期）"
    study.save()

    assert site.history.count() == 1
    assert [row.name for row in study.history.order_by("history_id")] == ["湖塘串联用水", "湖塘串联用水（二期）"]


@pytest.mark.parametrize(
    "command",
    [
        ["compute_plans", "--year", "2024"],
        ["compute_surcharges", "--period", "2024-03"],
        ["import_readings", "readings.csv"],
        ["import_quotas", "quotas.xlsx"],
    ],
    ids=lambda command: command[0],
)
def test_a_command_that_writes_needs_to_know_who_runs_it(command, cast):
    with pytest.raises(CommandError, match="the following arguments are required: --by"):
        call_command(*command)


def test_a_command_refuses_an_account_outside_the_office(cast):
    with pytest.raises(CommandError, match="--by sunli: not an active account of the water-saving office"):
        call_command("compute_surcharges", "--period", "2024-03", "--by", "sunli")


def test_the_bills_a_command_writes_name_who_ran_it(cast):
    issue_plan(cast.runhua, 1000)
    read(cast.runhua_meter, datetime.date(2024, 3, 31), 1300)

    call_command("compute_surcharges", "--period", "2024-03", "--by", "wangfang", stdout=io.StringIO())

    bill = SurchargeBill.objects.get(period_start=MARCH[0])
    assert bill.history.latest().history_user == cast.bureau_staff


def test_compute_plans_issue_issues_every_plan_or_none(cast):
    # Runhua's plan comes from its history, which needs the planning parameters; Xinglong's from its design use.
    give_runhua_history(cast)
    cast.xinglong.design_annual_use_m3 = 36_000
    cast.xinglong.save()
    PlanningParameters.objects.all().delete()
    errors = io.StringIO()

    with pytest.raises(CommandError, match="nothing was proposed or issued"):
        call_command(
            "compute_plans",
            "--year",
            "2024",
            "--issue",
            "--by",
            "wangfang",
            "--issuer",
            "zhouhua",
            stdout=io.StringIO(),
            stderr=errors,
        )

    assert "WJ0001" in errors.getvalue()  # the user whose plan could not be made is named
    assert not AnnualPlan.objects.exists()  # Xinglong's plan, made in the same run, is not kept either


def test_the_analysis_and_the_reminders_name_who_ran_them(cast):
    # Both write records (a metering run, a queue of reminders): each needs --by, and an account of its office.
    with pytest.raises(CommandError, match="--by"):
        call_command("analyse_readings", "--store", "x", "--zones", "y", "--period", "2024-03", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--by"):
        call_command("queue_renewal_reminders", "--json", stdout=io.StringIO())
    with pytest.raises(CommandError, match="dog-management office"):
        call_command("queue_renewal_reminders", "--json", "--by", "wangfang", stdout=io.StringIO())
