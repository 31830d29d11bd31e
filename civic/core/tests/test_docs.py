"""Every command a person can run has help text and a mention in README.md; the docs match the code.

Adding a management command, a `hydro` sub-command or a Makefile verb without
documenting it fails here; so does a glossary row naming a class or field the
code does not have, a path in the architecture note that does not exist, or a
link (a screenshot included) to a missing file.
"""

import argparse
import dataclasses
import importlib
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


# --- docs/: the glossary, the architecture note, and every local link -------------------------------------------------

GLOSSARY = REPOSITORY_ROOT / "docs" / "glossary.md"
ARCHITECTURE = REPOSITORY_ROOT / "docs" / "architecture.md"
CODE_NAME = re.compile(r"`((?:civic|hydro)\.[A-Za-z0-9_.]+)`")
# Backticked repository paths: under a top-level folder of the project, or a top-level file.
REPOSITORY_PATH = re.compile(r"`((?:civic|hydro|benchmarks|docs|\.ci)/[^`<>*\s]*|[a-z_]+\.(?:toml|json|txt))`")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def glossary_code_names() -> list[str]:
    return sorted(set(CODE_NAME.findall(GLOSSARY.read_text(encoding="utf-8"))))


def resolve_code_name(dotted_name: str) -> object:
    """The module, class, function or field a dotted name names; AttributeError when there is none.

    A dataclass field without a default has no class attribute, so it is looked up among the fields.
    """
    parts = dotted_name.split(".")
    for length in range(len(parts), 0, -1):
        try:
            named: object = importlib.import_module(".".join(parts[:length]))
        except ImportError:
            continue
        break
    for part in parts[length:]:
        if hasattr(named, part):
            named = getattr(named, part)
        elif dataclasses.is_dataclass(named) and part in {field.name for field in dataclasses.fields(named)}:
            named = None
        else:
            raise AttributeError(f"{dotted_name}: no {part}")
    return named


@pytest.mark.parametrize(
    "term",
    [
        "计划用水",
        "用水户",
        "用水定额",
        "超计划累进加价",
        "产销差",
        "夜间最小流量",
        "企业串联用水",
        "中水回用",
        "养犬管理便民服务点",
        "犬只",
        "犬牌",
        "重点管理区",
    ],
)
def test_it_explains_the_bureaus_terms_in_the_glossary(term):
    rows = [line for line in GLOSSARY.read_text(encoding="utf-8").splitlines() if line.startswith(f"| {term}")]
    assert rows, f"docs/glossary.md has no row for {term}"


@pytest.mark.parametrize("name", glossary_code_names())
def test_it_names_only_things_the_code_has_in_the_glossary(name):
    resolve_code_name(name)


def test_it_finds_the_glossarys_code_names():
    # Guards the pattern above: were it wrong, the test before would silently vanish.
    assert "civic.water.models.WaterUser" in glossary_code_names()


@pytest.mark.parametrize(
    "path", sorted(set(REPOSITORY_PATH.findall(ARCHITECTURE.read_text(encoding="utf-8")))) or ["(none found)"]
)
def test_it_names_only_paths_that_exist_in_the_architecture_note(path):
    assert (REPOSITORY_ROOT / path).exists(), f"docs/architecture.md names {path}, which does not exist"


@pytest.mark.parametrize("document", ["README.md", "docs/glossary.md", "docs/architecture.md"])
def test_it_links_only_to_files_that_exist(document):
    source = REPOSITORY_ROOT / document
    targets = [
        target.split("#")[0]
        for target in MARKDOWN_LINK.findall(source.read_text(encoding="utf-8"))
        if "://" not in target and not target.startswith("#")
    ]
    missing = [target for target in targets if not (source.parent / target).exists()]
    assert not missing, f"{document} links to missing files: {missing}"
