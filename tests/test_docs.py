"""The docs keep up with the code: every hook and every public name is documented, and
every module's examples run."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import attrs
import pytest

import clientops
from clientops import hookspecs
from clientops._rehome import written_in

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _hookspec_names() -> list[str]:
    return [
        name
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("clientops_")
    ]


def test_there_are_hooks() -> None:
    assert "clientops_register_storage" in _hookspec_names()


@pytest.mark.parametrize("hook", _hookspec_names())
def test_every_hook_has_a_section_in_hooks_md(hook: str) -> None:
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {hook}\b", text, re.MULTILINE), f"{hook} is not in docs/hooks.md"


#: The top level, the homes of the areas and the other public modules: every name they
#: export is in docs/api.md.
HOMES = (
    "clientops",
    "clientops.clients",
    "clientops.calls",
    "clientops.telephony",
    "clientops.onboarding",
    "clientops.orders",
    "clientops.billing",
    "clientops.claims",
    "clientops.service",
    "clientops.agenda",
    "clientops.outbox",
    "clientops.campaigns",
    "clientops.feed",
    "clientops.retention",
    "clientops.legal",
    "clientops.contractors",
    "clientops.supply",
    "clientops.events",
    "clientops.documents",
    "clientops.courier",
    "clientops.calendar",
    "clientops.ics",
    "clientops.bank_statements",
    "clientops.accounting",
    "clientops.imports",
    "clientops.errors",
    "clientops.decisions",
    "clientops.commands",
    "clientops.policy",
    "clientops.serialization",
    "clientops.workdays",
    "clientops.ports",
    "clientops.queries",
    "clientops.hookspecs",
    "clientops.host",
    "clientops.testing",
    "clientops.jobs",
    "clientops.planning",
)
PUBLIC_NAMES = sorted(
    {(home, name) for home in HOMES for name in importlib.import_module(home).__all__}
)


@pytest.mark.parametrize(("home", "name"), PUBLIC_NAMES)
def test_every_public_name_is_in_the_api_reference(home: str, name: str) -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    assert re.search(rf"`{re.escape(name)}\b", text), f"{home}.{name} is not in docs/api.md"


MODULES = sorted(m.name for m in pkgutil.walk_packages(clientops.__path__, prefix="clientops."))


@pytest.mark.parametrize("module", MODULES)
def test_module_examples_run(module: str) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in _WrittenHere().find(importlib.import_module(module)):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0


class _WrittenHere(doctest.DocTestFinder):
    """Finds the examples of a class an area home names as its own (``__module__`` is the
    home) in the private module it is written in, whose names the examples use."""

    def _from_module(self, module: object, object: object) -> bool:
        written = written_in(getattr(object, "__func__", object))  # a classmethod too
        if written is not None:
            return getattr(module, "__name__", None) == written
        return super()._from_module(module, object)  # type: ignore[misc]


def test_docs_link_to_pages_that_exist() -> None:
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+\.md)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


@pytest.mark.parametrize("field", [f.name for f in attrs.fields(clientops.Policy)])
def test_every_policy_field_is_in_the_policy_reference(field: str) -> None:
    text = (DOCS / "policy.md").read_text(encoding="utf-8")
    assert re.search(rf"^\| `{field}` \|", text, re.MULTILINE), f"{field} is not in policy.md"
