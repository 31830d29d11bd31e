"""`load_demo --reset` and `make clean` empty only the demo's database, and ask first unless told --yes.

A database is the demo's when it holds the mark load_demo leaves (a DemoDatabase
row); the cast's records stand for a county's own database, which has none.
"""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from civic.core.models import DemoDatabase, User
from civic.water.models import WaterUser


def mark_as_the_demos():
    DemoDatabase.objects.create(loaded_at=datetime.datetime(2024, 3, 12, tzinfo=datetime.UTC), seed=1, scale=1)


def test_load_demo_reset_refuses_a_database_that_is_not_the_demos(cast):
    with pytest.raises(CommandError, match="did not load"):
        call_command("load_demo", "--reset", "--yes", "--quiet")

    assert WaterUser.objects.filter(code="WJ0001").exists()  # Runhua's record is untouched


def test_load_demo_reset_asks_first_and_stops_on_no(cast, monkeypatch):
    mark_as_the_demos()
    questions = []

    def answer_no(question):
        questions.append(question)
        return "no"

    monkeypatch.setattr("builtins.input", answer_no)

    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("load_demo", "--reset", "--quiet")

    assert "Type yes to go on" in questions[0]
    assert User.objects.filter(username="wangfang").exists()


def test_load_demo_reset_without_a_terminal_and_without_yes_changes_nothing(cast):
    mark_as_the_demos()

    with pytest.raises(CommandError, match="--yes"):
        call_command("load_demo", "--reset", "--quiet")  # pytest gives no stdin to answer from

    assert User.objects.filter(username="wangfang").exists()


def test_make_clean_is_told_a_county_database_is_not_the_demos(cast):
    with pytest.raises(CommandError, match="not the demo's"):
        call_command("check_demo_database")


def test_make_clean_may_delete_the_demos_database(cast, capsys):
    mark_as_the_demos()

    call_command("check_demo_database")

    assert "the demo's" in capsys.readouterr().out


def test_a_demo_database_loaded_before_the_mark_existed_is_marked_on_migrating(db):
    migration = importlib.import_module("civic.core.migrations.0004_number_counters_and_demo_mark")
    for username in migration.DEMO_USERNAMES:
        User.objects.create(username=username)

    migration.mark_an_earlier_demo_database(apps, None)

    assert DemoDatabase.objects.count() == 1


def test_a_county_database_is_not_marked_on_migrating(cast):
    migration = importlib.import_module("civic.core.migrations.0004_number_counters_and_demo_mark")

    migration.mark_an_earlier_demo_database(apps, None)

    assert not DemoDatabase.objects.exists()
