"""What every area service is built from: one store, one policy, one plugin host, one clock,
and the backends that leave the process (courier, telephony, accounting).

:class:`Context` is frozen: the services share it and never change it. The backends opened on
first use (the courier the policy names) or by ``ops.telephony.open`` / ``ops.billing
.open_accounting`` are kept in :class:`Backends`, the one mutable part, closed by
:meth:`Backends.close` (only those opened here; the caller closes the ones it gave).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

import attrs

from clientops._feed import FeedRecord
from clientops._telephony import CallSignal, Telephony
from clientops.accounting import Accounting
from clientops.courier import Courier
from clientops.errors import ConfigurationError, FieldError, ValidationError
from clientops.events import Event
from clientops.host import PluginHost
from clientops.policy import Policy
from clientops.ports import Storage, UnitOfWork

__all__ = ["Backends", "Context"]


class Backends:
    """The courier, the PBX and the accounting backend of one :class:`Context`: given by the
    caller (not closed here) or opened through the plugin host (closed by :meth:`close`)."""

    def __init__(
        self,
        *,
        courier: Courier | None = None,
        telephony: Telephony | None = None,
        accounting: Accounting | None = None,
    ) -> None:
        self._courier = courier
        self._owns_courier = False
        self._telephony = telephony
        self._owns_telephony = False
        self._accounting = accounting
        self._owns_accounting = False

    # ------------------------------------------------------------------ courier
    def courier(self, host: PluginHost, policy: Policy) -> Courier:
        """The courier given, else the one ``policy.onboarding.courier`` names, opened through
        ``host`` on first use."""
        if self._courier is None:
            self._courier = host.open_courier(policy.onboarding.courier)
            self._owns_courier = True
        return self._courier

    # ------------------------------------------------------------------ telephony
    @property
    def telephony(self) -> Telephony:
        """The PBX, or ConfigurationError when there is none."""
        if self._telephony is None:
            raise ConfigurationError(
                "no telephony: pass telephony= to ClientOps/connect, or call "
                "ops.telephony.open(name, **options)"
            )
        return self._telephony

    def open_telephony(
        self,
        host: PluginHost,
        name: str,
        on_event: Callable[[CallSignal], object],
        options: dict[str, object],
    ) -> Telephony:
        if self._telephony is not None:
            raise ConfigurationError(f"telephony {self._telephony.name!r} is already open")
        backend = host.open_telephony(name, on_event=on_event, **options)
        self._telephony = backend
        self._owns_telephony = True
        return backend

    # ------------------------------------------------------------------ accounting
    @property
    def has_accounting(self) -> bool:
        return self._accounting is not None

    @property
    def accounting(self) -> Accounting:
        """The accounting backend, or ConfigurationError when there is none."""
        if self._accounting is None:
            raise ConfigurationError(
                "no accounting backend: pass accounting= to ClientOps/connect, or call "
                "ops.billing.open_accounting(name, **options)"
            )
        return self._accounting

    def open_accounting(
        self, host: PluginHost, name: str, options: dict[str, object]
    ) -> Accounting:
        if self._accounting is not None:
            raise ConfigurationError(f"accounting {self._accounting.name!r} is already open")
        backend = host.open_accounting(name, **options)
        self._accounting = backend
        self._owns_accounting = True
        return backend

    def close(self) -> None:
        """Close the backends opened here (each one even when an earlier one fails)."""
        try:
            if self._owns_courier and self._courier is not None:
                self._courier.close()
        finally:
            try:
                if self._owns_telephony and self._telephony is not None:
                    self._telephony.close()
            finally:
                if self._owns_accounting and self._accounting is not None:
                    self._accounting.close()


@attrs.frozen
class Context:
    """One store, one policy, one plugin host and one clock, shared by the area services.

    ``clock`` is where :meth:`now` reads the time (``None`` for the system clock)."""

    storage: Storage
    policy: Policy = attrs.field(factory=Policy)
    host: PluginHost = attrs.field(factory=PluginHost)
    clock: Callable[[], datetime] | None = None
    backends: Backends = attrs.field(factory=Backends, eq=False, repr=False)
    #: the writing units of work open in each thread, with the events they will publish
    _open: threading.local = attrs.field(factory=threading.local, init=False, eq=False, repr=False)

    def now(self) -> datetime:
        """The current time, aware, in the policy's time zone (or the injected clock's)."""
        moment = self.clock() if self.clock else datetime.now(self.policy.tz)
        if moment.tzinfo is None:
            raise ValidationError([FieldError("clock", f"{moment!r} is not timezone-aware")])
        return moment

    def today(self) -> date:
        """The local day of :meth:`now` in the policy's time zone."""
        return self.now().astimezone(self.policy.tz).date()

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """A writing unit of work of the store whose events (:meth:`publish`, called inside
        it) are appended to the change feed as its last write, and told to the plugins once
        it has committed; nothing of them is kept or told when it raises."""
        stack: list[list[Event]] = self._open.__dict__.setdefault("stack", [])
        events: list[Event] = []
        with self.storage.unit_of_work() as uow:
            stack.append(events)
            try:
                yield uow
            finally:
                stack.pop()
            if events:  # last, so the feed's head stays locked only while this commits
                uow.feed.append([FeedRecord.of(event) for event in events])
        self.host.emit_all(events)

    def publish(self, events: Iterable[Event]) -> None:
        """Record ``events`` in the change feed of the unit of work open in this thread
        (:meth:`unit_of_work`): they are stored with its change and told to the plugins
        after its commit. Called outside such a unit of work, RuntimeError: an event stored
        nowhere would be missing from the feed."""
        stack: list[list[Event]] | None = self._open.__dict__.get("stack")
        if not stack:
            raise RuntimeError(
                "Context.publish outside Context.unit_of_work(): publish events inside the "
                "unit of work of the change that made them"
            )
        stack[-1].extend(events)
