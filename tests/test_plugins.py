"""The plugin host: built-ins, a third-party plugin installed through a real entry point,
blocking, and hooks that do not exist."""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clientops import (
    ConfigurationError,
    EmployeeId,
    PluginError,
    PluginHost,
    connect,
    hookimpl,
)
from clientops.calls import CallIntent, IncomingCall
from clientops.host import BUILTIN_PLUGINS, DISABLE_ENV
from clientops.testing import T0, a_staff

PLUGIN_SOURCE = '''
"""A third-party clientops plugin: a storage scheme and an event listener."""
from clientops import hookimpl
from clientops.adapters.memory import MemoryStorage

EVENTS = []


class TinyStorage(MemoryStorage):
    name = "tiny"


@hookimpl
def clientops_register_storage(register):
    register("tiny", lambda url: TinyStorage())


@hookimpl
def clientops_event(event):
    EVENTS.append(event)
'''

ENTRY_POINTS = """[clientops]
tinyplugin = tinyplugin
brokenplugin = tinyplugin_broken
"""


def _build_wheel(where: Path) -> Path:
    dist = "tiny_clientops_plugin-0.1.dist-info"
    wheel = where / "tiny_clientops_plugin-0.1-py3-none-any.whl"
    files = {
        "tinyplugin.py": PLUGIN_SOURCE,
        "tinyplugin_broken.py": "raise ImportError('this plugin is broken on purpose')\n",
        f"{dist}/METADATA": "Metadata-Version: 2.1\nName: tiny-clientops-plugin\nVersion: 0.1\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{dist}/entry_points.txt": ENTRY_POINTS,
    }
    record = [f"{name},," for name in files] + [f"{dist}/RECORD,,"]
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return wheel


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip-installs the tiny plugin package (a real wheel with a real entry point)."""
    root = tmp_path_factory.mktemp("plugin")
    target = root / "site"
    wheel = _build_wheel(root)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return target


@pytest.fixture
def plugin_path(installed_plugin: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(installed_plugin))
    importlib.invalidate_caches()
    yield installed_plugin
    for name in ("tinyplugin", "tinyplugin_broken"):
        sys.modules.pop(name, None)


def test_builtins_are_registered_from_the_tuple() -> None:
    host = PluginHost(entry_points=False).load()
    assert host.plugin_names() == tuple(name for name, _ in BUILTIN_PLUGINS)
    assert {"clientops.memory", "clientops.sqlite", "clientops.postgresql"} <= set(
        host.plugin_names()
    )
    assert sorted(host.storage_schemes()) == ["memory", "postgres", "postgresql", "sqlite"]


def test_a_broken_entry_point_plugin_fails_loudly_by_name(plugin_path: Path) -> None:
    with pytest.raises(PluginError, match=r"brokenplugin.*broken on purpose"):
        PluginHost(environ={}).load()


def test_an_installed_plugin_is_found_and_used(plugin_path: Path) -> None:
    host = PluginHost(environ={DISABLE_ENV: "brokenplugin"}).load()
    assert "tinyplugin" in host.plugin_names()
    assert "brokenplugin" not in host.plugin_names()
    ops = connect("tiny://", host=host, clock=lambda: T0)
    assert ops.storage.name == "tiny"
    staff = a_staff()
    ops.clients.add_staff(staff)
    routing = ops.calls.handle_incoming(
        IncomingCall(
            CallIntent.PRODUCT_INFO, caller_phone="+79123456789", name="ИП Сидоров", city="Омск"
        ),
        answered_by=EmployeeId("anna"),
    )
    tiny = importlib.import_module("tinyplugin")
    assert [type(e).__name__ for e in tiny.EVENTS][-1] == "CallRouted"
    assert tiny.EVENTS[-1].client_id == routing.client.id


@pytest.mark.parametrize("value", ["1", "all", "tinyplugin,brokenplugin"])
def test_plugins_can_be_disabled(plugin_path: Path, value: str) -> None:
    host = PluginHost(environ={DISABLE_ENV: value}).load()
    assert "tinyplugin" not in host.plugin_names()
    with pytest.raises(ConfigurationError, match="tiny"):
        host.open_storage("tiny://")


def test_the_environment_variable_is_read(
    plugin_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DISABLE_ENV, "brokenplugin, clientops.sqlite, clientops.postgresql")
    host = PluginHost().load()
    assert sorted(host.storage_schemes()) == ["memory", "tiny"]


def test_a_misspelt_hook_fails_loudly() -> None:
    class Misspelt:
        @hookimpl
        def clientops_evnt(self, event: Any) -> None:
            pass

    host = PluginHost(entry_points=False).load()
    with pytest.raises(PluginError, match="clientops_evnt"):
        host.register(Misspelt(), name="misspelt")
    assert "misspelt" not in host.plugin_names()  # a refused plugin is not kept
    host.check_pending()  # and the host stays usable


def test_a_hook_with_a_wrong_argument_fails_loudly() -> None:
    class Wrong:
        @hookimpl
        def clientops_event(self, evnt: Any) -> None:
            pass

    host = PluginHost(entry_points=False).load()
    with pytest.raises(PluginError, match="evnt"):
        host.register(Wrong(), name="wrong")


def test_a_scheme_registered_twice_is_an_error() -> None:
    class Second:
        @hookimpl
        def clientops_register_storage(self, register: Any) -> None:
            register("SQLite", lambda url: None)

    host = PluginHost(entry_points=False).load()
    host.register(Second(), name="second")
    with pytest.raises(PluginError, match="twice"):
        host.storage_schemes()


def test_a_failing_listener_is_reported_after_the_data_is_committed() -> None:
    class Failing:
        @hookimpl
        def clientops_event(self, event: Any) -> None:
            raise RuntimeError("listener down")

    host = PluginHost(entry_points=False).load()
    host.register(Failing(), name="failing")
    ops = connect("memory://", host=host, clock=lambda: T0)
    ops.clients.add_staff(a_staff())
    call = IncomingCall(
        CallIntent.PRODUCT_INFO, caller_phone="+79123456789", name="ИП Сидоров", city="Омск"
    )
    with pytest.raises(PluginError, match="listener down"):
        ops.calls.handle_incoming(call, answered_by=EmployeeId("anna"))
    assert len(ops.clients.find(phone="+79123456789")) == 1


def test_every_listener_hears_every_event_even_when_one_fails() -> None:
    heard: list[str] = []

    class Failing:
        @hookimpl
        def clientops_event(self, event: Any) -> None:
            raise RuntimeError("down")

    class Good:
        @hookimpl
        def clientops_event(self, event: Any) -> None:
            heard.append(type(event).__name__)

    host = PluginHost(entry_points=False).load()
    host.register(Good(), name="good")
    host.register(Failing(), name="failing")
    ops = connect("memory://", host=host, clock=lambda: T0)
    ops.clients.add_staff(a_staff())
    call = IncomingCall(
        CallIntent.PRODUCT_INFO, caller_phone="+79123456789", name="ИП Сидоров", city="Омск"
    )
    with pytest.raises(PluginError, match=r"'failing'.*3 more"):
        ops.calls.handle_incoming(call, answered_by=EmployeeId("anna"))
    assert heard == ["ClientCreated", "AppealOpened", "ReactionScheduled", "CallRouted"]


def test_disable_all_and_block_builtins_together(plugin_path: Path) -> None:
    host = PluginHost(environ={DISABLE_ENV: "1, clientops.sqlite, clientops.postgresql"}).load()
    assert "clientops.sqlite" not in host.plugin_names()
    assert "clientops.memory" in host.plugin_names()
    assert "tinyplugin" not in host.plugin_names()


def test_events_go_through_pluggys_hook_call_so_wrappers_and_monitors_see_them() -> None:
    wrapped: list[str] = []
    monitored: list[str] = []

    class Wrapper:
        @hookimpl(wrapper=True)
        def clientops_event(self, event: Any) -> Iterator[None]:
            wrapped.append(type(event).__name__)
            return (yield)

    class Failing:
        @hookimpl
        def clientops_event(self, event: Any) -> None:
            raise RuntimeError("down")

    host = PluginHost(entry_points=False).load()
    host.register(Wrapper(), name="wrapper")
    host.register(Failing(), name="failing")
    undo = host.add_hookcall_monitoring(
        lambda name, impls, kwargs: monitored.append(
            f"{name}:{type(kwargs['event']).__name__}" if "event" in kwargs else name
        ),
        lambda outcome, name, impls, kwargs: None,
    )
    ops = connect("memory://", host=host, clock=lambda: T0)
    ops.clients.add_staff(a_staff())
    call = IncomingCall(
        CallIntent.PRODUCT_INFO, caller_phone="+79123456789", name="ИП Сидоров", city="Омск"
    )
    with pytest.raises(PluginError, match=r"'failing'.*3 more"):
        ops.calls.handle_incoming(call, answered_by=EmployeeId("anna"))
    undo()
    events = ["ClientCreated", "AppealOpened", "ReactionScheduled", "CallRouted"]
    assert wrapped == events
    assert [m for m in monitored if m.startswith("clientops_event")] == [
        f"clientops_event:{name}" for name in events
    ]


def test_threads_loading_one_fresh_host_register_each_plugin_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a built-in whose first import is slow: both threads reach the registration after it
    # (the second waits on Python's import lock); unlocked, pluggy refused the second
    # registration of the same name and one thread got a PluginError
    (tmp_path / "slow_storage_plugin.py").write_text(
        "import time\n"
        "from clientops import hookimpl\n"
        "time.sleep(0.3)\n"
        "@hookimpl\n"
        "def clientops_register_storage(register):\n"
        "    register('slowmem', lambda url: None)\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    host = PluginHost(
        builtins=(*BUILTIN_PLUGINS, ("test.slow", "slow_storage_plugin")), entry_points=False
    )
    errors: list[BaseException] = []
    schemes: list[frozenset[str]] = []
    start = threading.Barrier(4)

    def use() -> None:
        start.wait()
        try:
            schemes.append(frozenset(host.storage_schemes()))
        except BaseException as exc:  # every failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(schemes) == 4
    assert len(set(schemes)) == 1
    assert "slowmem" in schemes[0]
    assert host.plugin_names().count("test.slow") == 1
