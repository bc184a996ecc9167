"""The plugin host: a typed façade over pluggy.

Built-in adapters are registered from :data:`BUILTIN_PLUGINS`; third-party ones from the
``clientops`` entry-point group. ``CLIENTOPS_DISABLE_PLUGINS`` blocks plugins: ``1`` (or ``all``)
skips every entry-point plugin, a comma-separated list blocks those names (built-in names, such
as ``clientops.sqlite``, included). After loading, every hook implementation is checked
against the specs, so a misspelt hook fails loudly::

    >>> from clientops import PluginHost
    >>> host = PluginHost(entry_points=False).load()
    >>> sorted(host.storage_schemes())
    ['memory', 'postgres', 'postgresql', 'sqlite']

Nothing happens at import time: a host loads when asked to.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib.metadata import entry_points
from typing import Any

import pluggy

from clientops import hookspecs
from clientops._job_spec import Job
from clientops._telephony import (
    CallLogEntry,
    CallSignal,
    IncomingCallNotice,
    Telephony,
    TelephonyFactory,
)
from clientops.accounting import Accounting, AccountingFactory
from clientops.courier import Courier, CourierFactory
from clientops.errors import ConfigurationError, PluginError
from clientops.events import Event
from clientops.hookspecs import Deliverer
from clientops.ports import Storage, StorageFactory

__all__ = ["BUILTIN_PLUGINS", "DISABLE_ENV", "ENTRY_POINT_GROUP", "PluginHost"]

#: The hooks that tell plugins what happened: called through pluggy's own hook call (so hook
#: wrappers and ``add_hookcall_monitoring`` see every call), each listener isolated so that one
#: that raises does not keep the others from hearing.
NOTIFICATION_HOOKS = frozenset(
    {"clientops_event", "clientops_incoming_call", "clientops_call_ended"}
)
#: The failures of the listeners during the notification under way (one list per call).
_failures: contextvars.ContextVar[list[tuple[str, Exception]] | None] = contextvars.ContextVar(
    "clientops_listener_failures", default=None
)

ENTRY_POINT_GROUP = "clientops"
DISABLE_ENV = "CLIENTOPS_DISABLE_PLUGINS"
#: (name, module) of the adapters that ship with clientops.
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("clientops.memory", "clientops.adapters.memory"),
    ("clientops.sqlite", "clientops.adapters.sqlite"),
    ("clientops.postgresql", "clientops.adapters.postgres_plugin"),
    ("clientops.offline_courier", "clientops.adapters.offline_courier"),
    ("clientops.cdek", "clientops.adapters.cdek_plugin"),
    ("clientops.dostavista", "clientops.adapters.dostavista_plugin"),
    ("clientops.accounting", "clientops.adapters.accounting_plugin"),
    ("clientops.telephony", "clientops.adapters.telephony_plugin"),
)


class PluginHost:
    """Owns one ``pluggy.PluginManager``; one typed method per hook."""

    def __init__(
        self,
        *,
        builtins: Iterable[tuple[str, str]] = BUILTIN_PLUGINS,
        entry_points: bool = True,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._builtins = tuple(builtins)
        self._entry_points = entry_points
        self._environ = os.environ if environ is None else environ
        self._loaded = False
        # one loader at a time: two threads loading a fresh host would register every
        # built-in plugin twice (pluggy refuses the second, a PluginError in one thread)
        self._lock = threading.RLock()
        #: what each ``clientops_register_*`` hook registered, by hook name; emptied whenever
        #: a plugin comes or goes
        self._registries: dict[str, dict[str, Any]] = {}

    # ---------------------------------------------------------------- loading
    def _disabled(self) -> tuple[bool, frozenset[str]]:
        names = {n.strip() for n in self._environ.get(DISABLE_ENV, "").split(",") if n.strip()}
        everything = {n for n in names if n.lower() in ("1", "all", "*", "true", "yes")}
        return bool(everything), frozenset(names - everything)

    def load(self) -> PluginHost:
        """Register the built-in plugins and the entry-point ones, then check every hook
        implementation. Idempotent; returns the host."""
        if self._loaded:
            return self
        with self._lock:
            if not self._loaded:
                self._load()
        return self

    def _load(self) -> None:
        all_off, blocked = self._disabled()
        for name in blocked:
            self._pm.set_blocked(name)
        for name, module in self._builtins:
            if name not in blocked:
                self._register(importlib.import_module(module), name)
        if self._entry_points and not all_off:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                if ep.name in blocked or self._pm.get_plugin(ep.name) is not None:
                    continue
                try:
                    plugin = ep.load()
                except Exception as exc:
                    dist = ep.dist.name if ep.dist else "?"
                    raise PluginError(
                        f"plugin {ep.name!r} ({ep.value}, from {dist}) failed to load: {exc!r}"
                    ) from exc
                self._register(plugin, ep.name)
        self.check_pending()
        self._loaded = True

    def _register(self, plugin: object, name: str | None) -> None:
        try:
            self._pm.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise PluginError(f"plugin {name or plugin!r} cannot be registered: {exc}") from exc
        for hook in NOTIFICATION_HOOKS:
            for impl in getattr(self._pm.hook, hook).get_hookimpls():
                if impl.plugin is plugin and not (impl.hookwrapper or impl.wrapper):
                    impl.function = _isolated(impl.plugin_name, impl.function)
        self._registries.clear()

    def register(self, plugin: object, name: str | None = None) -> None:
        """Register one more plugin (a module, class or instance with hook implementations).
        A plugin that fails the checks is not kept."""
        with self._lock:
            self._register(plugin, name)
            try:
                self.check_pending()
            except PluginError:
                self._pm.unregister(plugin)
                raise

    def add_hookcall_monitoring(
        self,
        before: Callable[[str, Sequence[Any], Mapping[str, Any]], None],
        after: Callable[[Any, str, Sequence[Any], Mapping[str, Any]], None],
    ) -> Callable[[], None]:
        """Watch every hook call (pluggy's ``add_hookcall_monitoring``): ``before(hook_name,
        hook_impls, kwargs)`` and ``after(outcome, hook_name, hook_impls, kwargs)``. Every
        event clientops publishes goes through such a call. Returns the function that stops
        watching."""
        undo: Callable[[], None] = self._pm.add_hookcall_monitoring(before, after)
        return undo

    def unregister(self, name: str) -> None:
        with self._lock:
            self._pm.unregister(name=name)
            self._registries.clear()

    def check_pending(self) -> None:
        """Fail on any ``clientops_*`` implementation that matches no hook (a misspelling)."""
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(str(exc)) from exc

    def plugin_names(self) -> tuple[str, ...]:
        """Names of the registered plugins, in registration order."""
        pairs = self._pm.list_name_plugin()
        return tuple(name for name, plugin in pairs if plugin is not None)

    # ---------------------------------------------------------------- hooks
    def _registry(self, hook: str, duplicate: str, *, fold_case: bool) -> dict[str, Any]:
        """What the registration hook ``hook`` registers, by name (lower-cased when
        ``fold_case``), collected once and cached. A name registered twice raises PluginError
        with ``duplicate`` formatted with the ``name``."""
        self.load()
        known = self._registries.get(hook)
        if known is not None:
            return known
        with self._lock:
            return self._collect(hook, duplicate, fold_case=fold_case)

    def _collect(self, hook: str, duplicate: str, *, fold_case: bool) -> dict[str, Any]:
        if hook in self._registries:
            return self._registries[hook]
        found: dict[str, Any] = {}

        def register(name: str, value: Any) -> None:
            key = name.lower() if fold_case else name
            if key in found:
                raise PluginError(duplicate.format(name=repr(name)))
            found[key] = value

        getattr(self._pm.hook, hook)(register=register)
        self._registries[hook] = found
        return found

    def storage_schemes(self) -> Mapping[str, StorageFactory]:
        """Every registered storage backend by URL scheme."""
        return dict(
            self._registry(
                "clientops_register_storage",
                "storage scheme {name} is registered twice",
                fold_case=True,
            )
        )

    def open_storage(self, url: str) -> Storage:
        """Open the store a URL names: ``sqlite:///path/to/file.db``, ``memory://``…"""
        scheme, sep, _ = url.partition(":")
        if not sep or not scheme:
            shown = repr(url) if not sep else "(hidden: it may hold a password)"
            raise ConfigurationError(
                f"storage URL {shown} has no scheme (expected e.g. 'sqlite:///clientops.db')"
            )
        schemes = self.storage_schemes()
        factory = schemes.get(scheme.lower())
        if factory is None:
            known = ", ".join(sorted(schemes)) or "none"
            raise ConfigurationError(
                f"no storage backend for scheme {scheme!r} (registered: {known})"
            )
        return factory(url)

    def deliverers(self) -> Mapping[str, Deliverer]:
        """Every registered outbox deliverer by topic (``clientops_register_deliverer``)."""
        return dict(
            self._registry(
                "clientops_register_deliverer",
                "outbox topic {name} has two deliverers",
                fold_case=False,
            )
        )

    def jobs(self) -> Mapping[str, Job]:
        """Every scheduled job the plugins register, by name (``clientops_register_jobs``);
        a name registered twice, or a value that is not a :class:`~clientops.jobs.Job`,
        raises PluginError."""
        self.load()
        hook = "clientops_register_jobs"
        if hook not in self._registries:
            found: dict[str, Job] = {}

            def register(job: Job) -> None:
                if not isinstance(job, Job):
                    raise PluginError(f"{hook}: {job!r} is not a clientops.jobs.Job")
                if job.name in found:
                    raise PluginError(f"scheduled job {job.name!r} is registered twice")
                found[job.name] = job

            self._pm.hook.clientops_register_jobs(register=register)
            self._registries[hook] = found
        return dict(self._registries[hook])

    def couriers(self) -> Mapping[str, CourierFactory]:
        """Every registered courier factory by name (``clientops_register_courier``)."""
        return dict(
            self._registry(
                "clientops_register_courier",
                "courier {name} is registered twice",
                fold_case=True,
            )
        )

    def open_courier(self, name: str, /, **options: object) -> Courier:
        """Build the courier registered as ``name`` (``offline``, ``cdek``…), passing it the
        keyword ``options``. ConfigurationError for a name nobody registered."""
        couriers = self.couriers()
        factory = couriers.get(name.lower())
        if factory is None:
            known = ", ".join(sorted(couriers)) or "none"
            raise ConfigurationError(f"no courier named {name!r} (registered: {known})")
        courier = factory(**options)
        if not isinstance(courier, Courier):
            raise PluginError(
                f"the factory of courier {name!r} returned {courier!r}, which is not a Courier"
            )
        return courier

    def render_document(self, kind: str, context: object) -> bytes | None:
        """The .docx a plugin draws for ``context`` (``clientops_render_document``), or
        ``None`` when no plugin draws it. PluginError when a plugin returns anything but the
        bytes of a .docx (a ZIP package) or ``None``."""
        self.load()
        result: object = self._pm.hook.clientops_render_document(kind=kind, context=context)
        if result is None:
            return None
        if isinstance(result, bytearray):
            result = bytes(result)
        if not isinstance(result, bytes) or not result.startswith(b"PK\x03\x04"):
            shown = (
                f"{len(result)} bytes that are not a ZIP package"
                if isinstance(result, bytes)
                else type(result).__name__
            )
            raise PluginError(
                f"clientops_render_document returned {shown} for {kind!r}: "
                "expected the bytes of a .docx, or None"
            )
        return result

    def telephonies(self) -> Mapping[str, TelephonyFactory]:
        """Every registered telephony factory by name (``clientops_register_telephony``)."""
        return dict(
            self._registry(
                "clientops_register_telephony",
                "telephony {name} is registered twice",
                fold_case=True,
            )
        )

    def open_telephony(
        self, name: str, /, *, on_event: Callable[[CallSignal], object], **options: object
    ) -> Telephony:
        """Build the telephony backend registered as ``name`` (``console``, ``asterisk``…),
        passing it ``on_event`` and the keyword ``options``. ConfigurationError for a name
        nobody registered."""
        factories = self.telephonies()
        factory = factories.get(name.lower())
        if factory is None:
            known = ", ".join(sorted(factories)) or "none"
            raise ConfigurationError(f"no telephony named {name!r} (registered: {known})")
        backend = factory(on_event=on_event, **options)
        if not isinstance(backend, Telephony):
            raise PluginError(
                f"the factory of telephony {name!r} returned {backend!r}, which is not a Telephony"
            )
        return backend

    def accountings(self) -> Mapping[str, AccountingFactory]:
        """Every registered accounting factory by name (``clientops_register_accounting``)."""
        return dict(
            self._registry(
                "clientops_register_accounting",
                "accounting {name} is registered twice",
                fold_case=True,
            )
        )

    def open_accounting(self, name: str, /, **options: object) -> Accounting:
        """Build the accounting backend registered as ``name`` (``beancount``,
        ``bank_statements``…) with the keyword ``options``. ConfigurationError for a name
        nobody registered."""
        factories = self.accountings()
        factory = factories.get(name.lower())
        if factory is None:
            known = ", ".join(sorted(factories)) or "none"
            raise ConfigurationError(f"no accounting named {name!r} (registered: {known})")
        backend = factory(**options)
        if not isinstance(backend, Accounting):
            raise PluginError(
                f"the factory of accounting {name!r} returned {backend!r}, which is not an "
                "Accounting"
            )
        return backend

    def incoming_call(self, notice: IncomingCallNotice) -> None:
        """Tell every plugin that a call came in (``clientops_incoming_call``)."""
        self._notify("clientops_incoming_call", "notice", (notice,))

    def call_ended(self, entry: CallLogEntry) -> None:
        """Tell every plugin that a call ended (``clientops_call_ended``)."""
        self._notify("clientops_call_ended", "entry", (entry,))

    def emit(self, event: Event) -> None:
        """Tell every plugin about ``event`` (``clientops_event``)."""
        self.emit_all((event,))

    def emit_all(self, events: Iterable[Event]) -> None:
        """Tell every plugin about each event in order. A listener that raises does not stop
        the others: every listener hears every event, then the first failure is raised as
        PluginError naming the plugin."""
        self._notify("clientops_event", "event", events)

    def _notify(self, hook: str, argument: str, values: Iterable[object]) -> None:
        """Call the notification ``hook`` through pluggy once per value (as keyword
        ``argument``), so hook wrappers and call monitoring see each one. Every listener hears
        every value: one that raises is recorded and the others go on; after the last value
        the first failure is raised as PluginError naming the plugin."""
        self.load()
        caller = getattr(self._pm.hook, hook)
        if not caller.get_hookimpls():
            return
        failures: list[tuple[str, object, Exception]] = []
        for value in values:
            heard: list[tuple[str, Exception]] = []
            token = _failures.set(heard)
            try:
                caller(**{argument: value})
            finally:
                _failures.reset(token)
            failures.extend((name, value, error) for name, error in heard)
        if failures:
            name, failed_on, error = failures[0]
            more = f" (and {len(failures) - 1} more failures)" if len(failures) > 1 else ""
            raise PluginError(
                f"{hook} listener {name!r} failed on {failed_on!r}: {error!r}{more}"
            ) from error


def _isolated(plugin_name: str, function: Callable[..., object]) -> Callable[..., object]:
    """A listener that records its exception for :meth:`PluginHost._notify` instead of
    ending pluggy's call (which would keep the listeners after it from hearing)."""

    @functools.wraps(function)
    def listener(*args: object) -> object:
        try:
            return function(*args)
        except Exception as exc:
            failures = _failures.get()
            if failures is None:  # called outside the host's notification: as it was
                raise
            failures.append((plugin_name, exc))
            return None

    return listener
