"""Every command a person can run has help text and a mention in README.md.

Adding a management command, a `hydro` sub-command or a Makefile verb without
documenting it fails here.
"""

import argparse
import re
from pathlib import Path

import pytest
from django.core.management import load_command_class

from hydro.cli import build_parser

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
README = (REPOSITORY_ROOT / "README.md").read_text(encoding="utf-8")


def management_commands() -> list[tuple[str, str]]:
    """(app module, command name) for every management command inside civic/."""
    command_files = sorted((REPOSITORY_ROOT / "civic").glob("*/management/commands/*.py"))
    return [(f"civic.{path.parents[2].name}", path.stem) for path in command_files if not path.stem.startswith("_")]


def hydro_commands() -> dict[str, str | None]:
    """{name: help text} of every `hydro` sub-command."""
    parser = build_parser()
    (subparsers,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    helps = {choice.dest: choice.help for choice in subparsers._choices_actions}
    return {name: helps.get(name) for name in subparsers.choices}


def makefile_verbs() -> list[str]:
    makefile = (REPOSITORY_ROOT / "Makefile").read_text(encoding="utf-8")
    # A verb is a target with a `## description`; set-up steps underneath have none.
    return re.findall(r"^([a-z][a-z-]*):[^\n]*##", makefile, flags=re.MULTILINE)


@pytest.mark.parametrize(("app", "name"), management_commands())
def test_it_gives_every_management_command_help_text(app, name):
    command = load_command_class(app, name)

    assert command.help.strip(), f"manage.py {name} has no help text"


@pytest.mark.parametrize(("app", "name"), management_commands())
def test_it_mentions_every_management_command_in_the_readme(app, name):
    assert f"manage.py {name}" in README


@pytest.mark.parametrize("name", sorted(hydro_commands()))
def test_it_gives_every_hydro_command_help_text(name):
    assert hydro_commands()[name], f"hydro {name} has no help text"


@pytest.mark.parametrize("name", sorted(hydro_commands()))
def test_it_mentions_every_hydro_command_in_the_readme(name):
    assert f"hydro {name}" in README


@pytest.mark.parametrize("verb", makefile_verbs())
def test_it_mentions_every_make_verb_in_the_readme(verb):
    assert f"make {verb}" in README


def test_it_finds_the_verbs_people_run():
    # Guards the discovery above: were the pattern wrong, the tests above would silently vanish.
    assert {"demo", "test", "lint", "bench"} <= set(makefile_verbs())
