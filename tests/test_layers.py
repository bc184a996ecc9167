"""The layers hold: the import-linter contracts of pyproject.toml are kept, and the crossings
issue 17 found (rules importing renderers and file writing, stores importing rules, values
importing documents, the policy <-> rules cycle) are gone, imports under TYPE_CHECKING
included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    sys.path.insert(0, str(ROOT / "src"))
    try:
        return grimp.build_graph("clientops", cache_dir=None)
    finally:
        sys.path.remove(str(ROOT / "src"))


def test_the_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("clientops.rules", "clientops._documents"),  # rules render nothing
        ("clientops.rules", "clientops.ics"),  # rules write no calendar file
        ("clientops.rules", "clientops.ports"),
        ("clientops.adapters", "clientops.rules"),  # stores and folders apply no rule
        ("clientops._billing", "clientops._documents"),  # invoice lines are billing's values
        ("clientops.calendar", "clientops.ics"),  # the events are values; the export is apart
        ("clientops.policy", "clientops.rules"),  # the policy <-> rules cycle
        ("clientops.ports", "clientops.rules"),
        ("clientops._documents", "clientops.rules"),  # documents print values, not rules
    ],
)
def test_no_crossing(graph: grimp.ImportGraph, importer: str, imported: str) -> None:
    chains = graph.find_shortest_chains(importer=importer, imported=imported, as_packages=True)
    assert not chains, f"{importer} imports {imported}: {sorted(chains)}"


def test_no_import_cycle_between_modules(graph: grimp.ImportGraph) -> None:
    cycles = [
        (a, b)
        for a in sorted(graph.modules)
        for b in sorted(graph.find_modules_directly_imported_by(a))
        if graph.chain_exists(importer=b, imported=a)
    ]
    assert cycles == []
