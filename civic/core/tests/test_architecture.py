"""The layers keep their direction: hydro imports neither civic nor django; civic.core imports no service;
the services never import each other (the water-saving service's apps build on civic.water only); no
service imports the county's composition or the API; nothing in production imports the demo county.

The contracts themselves live in pyproject.toml ([tool.importlinter]); `make lint`
checks it with `lint-imports`, and this test checks it with every test run.
"""

import re
from pathlib import Path

import grimp
from importlinter.api import read_configuration
from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
PYPROJECT = REPOSITORY_ROOT / "pyproject.toml"


SERVICES = ["civic.dogs", "civic.evaluation", "civic.farmland", "civic.programme", "civic.water"]
WATER_SAVING_SERVICE = ["civic.evaluation", "civic.farmland", "civic.programme", "civic.water"]


def contracts_of_type(kind):
    contracts = read_configuration(str(PYPROJECT))["contracts_options"]
    return [contract for contract in contracts if contract["type"] == kind]


def test_it_holds_exactly_the_layer_contracts():
    forbidding = contracts_of_type("forbidden")
    assert [(sorted(c["source_modules"]), sorted(c["forbidden_modules"])) for c in forbidding] == [
        (["hydro"], ["civic", "django"]),
        (["civic.notices"], SERVICES),
        (["civic.core"], sorted([*SERVICES, "civic.api", "civic.county", "civic.demo"])),
        (WATER_SAVING_SERVICE, ["civic.dogs"]),
        (["civic.dogs"], WATER_SAVING_SERVICE),
        (SERVICES, ["civic.api", "civic.county"]),
        (
            sorted([*SERVICES, "civic.api", "civic.core", "civic.county", "civic.settings", "civic.urls"]),
            ["civic.demo"],
        ),
    ]


def test_it_puts_water_below_the_programme_the_evaluation_and_farmland():
    [layers] = contracts_of_type("layers")
    assert layers["layers"] == ["civic.programme | civic.evaluation | civic.farmland", "civic.water"]


def test_it_keeps_every_import_contract(capsys):
    exit_status = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)

    report = capsys.readouterr().out
    assert exit_status == EXIT_STATUS_SUCCESS, report
    assert "BROKEN" not in report


def test_it_would_see_a_django_import_if_there_were_one():
    # The contract is only worth something if the import graph includes outside
    # packages: civic's own import of django must be visible in it.
    graph = grimp.build_graph("hydro", "civic", include_external_packages=True)

    assert graph.find_shortest_chain(importer="civic.settings", imported="django") is not None
    assert not graph.chain_exists(importer="hydro", imported="django", as_packages=True)


def test_no_test_module_imports_another():
    """Shared builders live in each app's testing.py (or civic.testing), never in a test module or a conftest."""
    pattern = re.compile(r"^\s*(from|import)\s+(civic|hydro)\.[\w.]*\.?(test_\w+|conftest)\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(REPOSITORY_ROOT))
        for package in ("civic", "hydro", "benchmarks")
        for path in (REPOSITORY_ROOT / package).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
