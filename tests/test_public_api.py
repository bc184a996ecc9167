"""The public surface: what is exported, typed and shipped."""

from __future__ import annotations

import enum
import importlib
import inspect
import pickle
import pkgutil
import subprocess
import sys
import types
import typing
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import clientops

ROOT = Path(__file__).resolve().parents[1]


def test_all_is_unique_and_resolvable() -> None:
    names = clientops.__all__
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(clientops, name) is not None


#: The public home of each area: its values, its service and its errors.
AREA_HOMES = (
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
    "clientops.supply",
)

#: Private modules whose names are public through their home, and only through it.
PRIVATE_HOMES = {
    "clientops._agenda": "clientops.agenda",
    "clientops._agenda_service": "clientops.agenda",
    "clientops._billing": "clientops.billing",
    "clientops._billing_helpers": "clientops.billing",
    "clientops._billing_service": "clientops.billing",
    "clientops._call_service": "clientops.calls",
    "clientops._campaigns": "clientops.campaigns",
    "clientops._campaigns_service": "clientops.campaigns",
    "clientops._claims": "clientops.claims",
    "clientops._claims_service": "clientops.claims",
    "clientops._clients_service": "clientops.clients",
    "clientops._documents": "clientops.documents",
    "clientops._text": "clientops.documents",  # the dates and sums a document prints
    "clientops._onboarding": "clientops.onboarding",
    "clientops._onboarding_service": "clientops.onboarding",
    "clientops._orders": "clientops.orders",
    "clientops._orders_service": "clientops.orders",
    "clientops._outbox": "clientops.outbox",
    "clientops._outbox_service": "clientops.outbox",
    "clientops._feed": "clientops.feed",
    "clientops._feed_service": "clientops.feed",
    "clientops._planning": "clientops.planning",
    "clientops._planning_service": "clientops.planning",
    "clientops._planning_outputs": "clientops.planning",
    "clientops._retention": "clientops.retention",
    "clientops._retention_service": "clientops.retention",
    "clientops._legal": "clientops.legal",
    "clientops._legal_service": "clientops.legal",
    "clientops._contractors": "clientops.contractors",
    "clientops._contractors_service": "clientops.contractors",
    "clientops._credit": "clientops.retention",
    "clientops._service_service": "clientops.service",
    "clientops._supply": "clientops.supply",
    "clientops._supply_service": "clientops.supply",
    "clientops._installations_service": "clientops.supply",
    # the PBX's port and events live in telephony, the call log built from them in calls
    "clientops._telephony": "clientops.telephony clientops.calls",
    "clientops._telephony_service": "clientops.telephony",
    "clientops.cli._app": "clientops.cli",
    # the conformance kits of the adapter families, re-exported by testing
    "clientops._kits": "clientops.testing",
    "clientops._jobs": "clientops.jobs",
    "clientops._job_spec": "clientops.jobs",
}


def _public_modules() -> dict[str, types.ModuleType]:
    found = {"clientops": clientops}
    for info in pkgutil.walk_packages(clientops.__path__, prefix="clientops."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        found[info.name] = importlib.import_module(info.name)
    return found


def _exported() -> dict[int, set[str]]:
    """The id of every object a public module's ``__all__`` names, with the modules naming it."""
    where: dict[int, set[str]] = {}
    for name, module in _public_modules().items():
        for attr in getattr(module, "__all__", ()):
            where.setdefault(id(getattr(module, attr)), set()).add(name)
    return where


def _homes_of(defined_in: str) -> tuple[str, ...]:
    for private, homes in PRIVATE_HOMES.items():
        if defined_in == private or defined_in.startswith(private + "."):
            return tuple(homes.split())
    return ()


def test_the_top_level_keeps_at_most_forty_names() -> None:
    assert len(clientops.__all__) <= 40
    for name in ("connect", "ClientOps", "Policy", "PluginHost", "hookimpl", "ClientopsError"):
        assert name in clientops.__all__


def test_every_area_has_a_home_with_its_service() -> None:
    ops = clientops.connect("memory://")
    try:
        services = {type(getattr(ops, area)) for area in vars(ops) if not area.startswith("_")}
    finally:
        ops.close()
    homes = {importlib.import_module(home) for home in AREA_HOMES}
    for service in services - {type(ops.context), type(ops.documents)}:
        assert any(service in (getattr(h, n) for n in h.__all__) for h in homes), service


def test_no_public_all_lists_a_private_module_or_a_private_name_outside_its_home() -> None:
    for name, module in _public_modules().items():
        for attr in getattr(module, "__all__", ()):
            assert not attr.startswith("_"), f"{name}.__all__ lists {attr}"
            value = getattr(module, attr)
            assert not isinstance(value, types.ModuleType), f"{name}.__all__ lists a module"
            defined_in = getattr(value, "__module__", None)
            if not isinstance(value, type) and not inspect.isfunction(value):
                continue
            if defined_in and any(p.startswith("_") for p in defined_in.split(".")):
                homes = _homes_of(defined_in)
                assert name in homes, f"{name}.{attr} comes from {defined_in}, home {homes}"


def _leaves(hint: object) -> typing.Iterator[type]:
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return
    if origin is not None:
        if isinstance(origin, type) and origin.__module__.startswith("clientops"):
            yield origin
        for arg in typing.get_args(hint):
            yield from _leaves(arg)
    elif isinstance(hint, type):
        yield hint


def _area_services() -> dict[str, type]:
    ops = clientops.connect("memory://")
    try:
        return {
            area: type(service)
            for area, service in vars(ops).items()
            if not area.startswith("_") and area != "context"
        }
    finally:
        ops.close()


def test_every_type_an_area_service_takes_or_returns_is_public() -> None:
    exported = _exported()
    missing = set()
    seen = 0
    for area, service in _area_services().items():
        for method_name, method in inspect.getmembers(service, inspect.isfunction):
            if method_name.startswith("_"):
                continue
            for hint in typing.get_type_hints(method).values():
                for leaf in _leaves(hint):
                    seen += 1
                    if leaf.__module__ in ("builtins", "datetime", "io", "pathlib", "os", "typing"):
                        continue
                    if leaf.__module__.startswith(("collections", "decimal", "types")):
                        continue
                    homes = exported.get(id(leaf), set())
                    if not homes - {"clientops.services"} or all(
                        h.startswith("clientops.rules") for h in homes
                    ):
                        missing.add(f"ops.{area}.{method_name}: {leaf.__module__}.{leaf.__name__}")
    assert seen > 100
    assert sorted(missing) == []


def test_version_comes_from_the_installed_package() -> None:
    assert clientops.__version__ == version("clientops")


def test_importing_does_no_work(tmp_path: Path) -> None:
    probe = (
        "import gc, os, pluggy, clientops\n"
        "managers = [o for o in gc.get_objects() if isinstance(o, pluggy.PluginManager)]\n"
        "print(len(managers), sorted(os.listdir('.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "0 []"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("clientops-*.whl")
    return built


def test_the_wheel_ships_every_module_and_py_typed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "clientops/py.typed" in names
    sources = {str(p.relative_to(ROOT / "src")) for p in (ROOT / "src" / "clientops").rglob("*.py")}
    assert sources <= names
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    for dependency in ("attrs", "cattrs", "pluggy", "phonenumbers"):
        assert f"Requires-Dist: {dependency}" in text


def test_every_value_an_area_home_re_exports_is_named_after_the_home() -> None:
    """Reprs, pickles and tracebacks say ``clientops.billing.Invoice``, not the private module
    the class is written in; a name another public module defines keeps that module."""
    renamed = 0
    for home in AREA_HOMES:
        module = importlib.import_module(home)
        for name in module.__all__:
            value = getattr(module, name)
            defined_in = getattr(value, "__module__", None)
            if not isinstance(defined_in, str):
                continue  # a union or a type alias
            assert not any(p.startswith("_") for p in defined_in.split(".")), (home, name)
            if defined_in == home:
                renamed += 1
                # what pickle does: the class or function is found again by its name
                assert getattr(module, value.__qualname__) is value, (home, name)
                if isinstance(value, type) and not issubclass(value, enum.Enum):
                    assert repr(value) == f"<class '{home}.{name}'>"
    assert renamed > 150
    billing = importlib.import_module("clientops.billing")
    assert billing.Accounting.__module__ == "clientops.accounting"
    assert billing.Month.parse.__module__ == "clientops.billing"  # its methods too


def test_a_pickled_invoice_names_its_home_and_cattrs_still_reads_it() -> None:
    from clientops.billing import Invoice, InvoiceStatus
    from clientops.serialization import structure, unstructure
    from clientops.testing import a_client, an_invoice

    invoice = an_invoice(a_client())
    data = pickle.dumps(invoice)
    assert b"clientops.billing" in data
    assert b"clientops._billing" not in data
    assert pickle.loads(data) == invoice
    assert pickle.loads(pickle.dumps(InvoiceStatus.PAID)) is InvoiceStatus.PAID
    # the annotations are still resolved in the module that wrote them
    assert typing.get_type_hints(Invoice)["status"] is InvoiceStatus
    assert structure(unstructure(invoice), Invoice) == invoice


def test_the_homes_name_their_values_whatever_is_imported_first() -> None:
    code = (
        "import pickle, clientops._billing as b, clientops.testing as t\n"
        "data = pickle.dumps(t.an_invoice(t.a_client()))\n"
        "print(b.Invoice.__module__, b'clientops._billing' in data)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["clientops.billing", "False"]


def test_importing_clientops_loads_no_renderer_calendar_data_or_number_words() -> None:
    """``import clientops`` stays cheap: python-docx, lxml, the holidays data and num2words
    are loaded when a document, a template, a working-day calendar or an amount in words is
    first needed."""
    import subprocess
    import sys

    heavy = ("docx", "lxml", "holidays", "num2words")
    code = f"import sys, clientops; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_a_unit_of_work_requires_at_most_fifteen_repositories() -> None:
    # DESIGN.md: the storage port stays small; the newer areas' repositories (supply, plans,
    # jobs, retention, legal cases, contractors) are offered by a store, asked for by name
    from clientops.ports import UnitOfWork

    required = sorted(n for n, v in vars(UnitOfWork).items() if isinstance(v, property))
    assert len(required) <= 15, required
    assert {"retention", "legal", "contractors"}.isdisjoint(required)


def test_a_store_without_an_areas_repository_is_told_by_name() -> None:
    from clientops import ConfigurationError
    from clientops.adapters.memory import MemoryStorage
    from clientops.ports import contractors_repository, legal_repository, retention_repository

    class Bare:  # a store's unit of work that keeps none of them
        pass

    for ask, name in (
        (retention_repository, "retention"),
        (legal_repository, "legal"),
        (contractors_repository, "contractors"),
    ):
        with pytest.raises(ConfigurationError, match=rf"uow\.{name}\b"):
            ask(Bare())  # type: ignore[arg-type]
    with MemoryStorage().unit_of_work(readonly=True) as uow:
        assert retention_repository(uow) is uow.retention  # type: ignore[attr-defined]
