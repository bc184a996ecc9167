"""The hooks through which plugins supply backends and hear what happened.

Every hook is prefixed ``clientops_``, fully annotated and documented in ``docs/hooks.md``.
Implement one with :data:`hookimpl`::

    from clientops import hookimpl

    class Audit:
        @hookimpl
        def clientops_event(self, event):
            print("happened:", event)

and make it known through the ``clientops`` entry-point group of your package, or pass it to
:meth:`clientops.PluginHost.register`. Never call ``pm.hook.*`` yourself: the typed
:class:`~clientops.host.PluginHost` does that.
"""

from __future__ import annotations

from typing import Protocol

import pluggy

from clientops._job_spec import Job
from clientops._outbox import OutboxMessage
from clientops._telephony import CallLogEntry, IncomingCallNotice, TelephonyFactory
from clientops.accounting import AccountingFactory
from clientops.courier import CourierFactory
from clientops.events import Event
from clientops.ports import StorageFactory

__all__ = [
    "Deliverer",
    "RegisterAccounting",
    "RegisterCourier",
    "RegisterDeliverer",
    "RegisterJob",
    "RegisterStorage",
    "RegisterTelephony",
    "hookimpl",
    "hookspec",
]

PROJECT = "clientops"

hookspec = pluggy.HookspecMarker(PROJECT)
#: Decorate a plugin's hook implementations with this.
hookimpl = pluggy.HookimplMarker(PROJECT)


class RegisterStorage(Protocol):
    """The callback handed to :func:`clientops_register_storage`."""

    def __call__(self, scheme: str, factory: StorageFactory) -> None: ...


@hookspec
def clientops_register_storage(register: RegisterStorage) -> None:
    """Register storage backends: call ``register(scheme, factory)`` once per URL scheme.

    ``factory(url)`` receives the whole URL (``sqlite:///crm.db``) and returns an object that
    satisfies :class:`clientops.ports.Storage`. A scheme registered twice is an error.
    """


@hookspec
def clientops_event(event: Event) -> None:
    """Hear about something that happened (a card created, a call routed…).

    Called after the unit of work that produced the event has committed, once per event, in
    order. Use it to forward events elsewhere; an exception raised here reaches the caller as
    :class:`~clientops.errors.PluginError`, but the data stays committed.
    """


class Deliverer(Protocol):
    """Delivers one outbox message to its backend; raises when the delivery failed."""

    def __call__(self, message: OutboxMessage) -> None: ...


class RegisterDeliverer(Protocol):
    """The callback handed to :func:`clientops_register_deliverer`."""

    def __call__(self, topic: str, deliver: Deliverer) -> None: ...


@hookspec
def clientops_register_deliverer(register: RegisterDeliverer) -> None:
    """Register outbox deliverers: call ``register(topic, deliver)`` once per topic.

    :meth:`ops.outbox.deliver` calls ``deliver(message)`` for each due message
    of that topic, after the change that recorded it has committed. Return to mark it
    delivered; raise to have it retried after the policy's next delay. Pass ``message.key`` to
    the backend as its idempotency key: a message may be delivered again after a crash. A
    topic registered twice is an error.
    """


@hookspec(firstresult=True)
def clientops_render_document(kind: str, context: object) -> bytes | None:
    """Draw a document in place of clientops: return the bytes of a .docx, or ``None`` to leave
    it to the next plugin and, in the end, to the built-in layout.

    ``kind`` names the document (``completed_works_act``, ``software_transfer_act``…: the kinds
    of :data:`clientops.documents.DOCUMENT_TYPES`); ``context`` is its typed context (a
    :class:`clientops.documents.CompletedWorksAct`…). The first plugin that returns bytes wins.
    """


class RegisterCourier(Protocol):
    """The callback handed to :func:`clientops_register_courier`."""

    def __call__(self, name: str, factory: CourierFactory) -> None: ...


@hookspec
def clientops_register_courier(register: RegisterCourier) -> None:
    """Register couriers (transport companies): call ``register(name, factory)`` once per
    courier.

    ``factory(**options)`` receives the keyword options given to
    :meth:`clientops.PluginHost.open_courier` (credentials, tables…) and returns an object
    that satisfies :class:`clientops.courier.Courier`. A name registered twice is an error.
    """


class RegisterTelephony(Protocol):
    """The callback handed to :func:`clientops_register_telephony`."""

    def __call__(self, name: str, factory: TelephonyFactory) -> None: ...


@hookspec
def clientops_register_telephony(register: RegisterTelephony) -> None:
    """Register telephony backends (PBXs): call ``register(name, factory)`` once per backend.

    ``factory(on_event=..., **options)`` receives the keyword options given to
    :meth:`clientops.PluginHost.open_telephony` and ``on_event``, the callable to hand every
    :class:`~clientops.telephony.CallSignal` of the PBX to
    (:meth:`ops.telephony.open` passes
    :meth:`ops.calls.record_event`). It returns an object that satisfies
    :class:`clientops.telephony.Telephony`. A name registered twice is an error.
    """


@hookspec
def clientops_incoming_call(notice: IncomingCallNotice) -> None:
    """An incoming call started: show the operator the caller's card and where the call should
    go (``notice.client``, ``notice.manager``, ``notice.greeting``).

    Called once per call, after its start has been recorded in the call log (a start that
    arrives twice is told once). An exception raised here reaches the caller as
    :class:`~clientops.errors.PluginError`; the call log entry stays recorded.
    """


@hookspec
def clientops_call_ended(entry: CallLogEntry) -> None:
    """A call is over and its entry is in the call log: outcome, duration, airtime, the
    client and appeal it is linked to (a missed call's call-back already scheduled).

    Called once per call, when its end is first recorded, after the commit. Use it to push
    the call to another system (a CRM's activity feed, a quality-control queue). An exception
    raised here reaches the caller as :class:`~clientops.errors.PluginError`; the entry stays
    recorded.
    """


class RegisterAccounting(Protocol):
    """The callback handed to :func:`clientops_register_accounting`."""

    def __call__(self, name: str, factory: AccountingFactory) -> None: ...


@hookspec
def clientops_register_accounting(register: RegisterAccounting) -> None:
    """Register accounting backends: call ``register(name, factory)`` once per backend.

    ``factory(**options)`` receives the keyword options given to
    :meth:`clientops.PluginHost.open_accounting` (a ledger's path, a folder of statements…)
    and returns an object that satisfies :class:`clientops.accounting.Accounting`. A name
    registered twice is an error.
    """


class RegisterJob(Protocol):
    """The callback handed to :func:`clientops_register_jobs`."""

    def __call__(self, job: Job) -> None: ...


@hookspec
def clientops_register_jobs(register: RegisterJob) -> None:
    """Register scheduled jobs: call ``register(job)`` once per
    :class:`clientops.jobs.Job`.

    ``clientops run-due`` and ``clientops worker`` run them with the department's own jobs
    (:func:`clientops.jobs.department_jobs`): a daily job once per date it is due on, recorded
    in the store, retried after a failure. A name registered twice, or taken by a built-in
    job, is an error.
    """
