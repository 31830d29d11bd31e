"""The two layers keep their direction: hydro imports neither civic nor django.

The contract itself lives in pyproject.toml ([tool.importlinter]); `make lint`
checks it with `lint-imports`, and this test checks it with every test run.
"""

from pathlib import Path

import grimp
from importlinter.api import read_configuration
from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
PYPROJECT = REPOSITORY_ROOT / "pyproject.toml"


def test_it_forbids_hydro_to_import_civic_or_django():
    contracts = read_configuration(str(PYPROJECT))["contracts_options"]

    forbidding = [contract for contract in contracts if contract["type"] == "forbidden"]
    assert [(c["source_modules"], sorted(c["forbidden_modules"])) for c in forbidding] == [
        (["hydro"], ["civic", "django"]),
        (["civic.evaluation"], ["civic.dogs"]),
        (["civic.notices"], ["civic.dogs", "civic.evaluation", "civic.farmland", "civic.programme", "civic.water"]),
    ]


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
