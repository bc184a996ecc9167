"""The telephony use cases of :class:`clientops.ClientOps`: the call log, missed-call
call-backs, the operator's notice of an incoming call, click-to-call and transfer.

Kept apart from ``services.py`` as a mixin; :class:`clientops.ClientOps` is the only class that
uses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import attrs

from clientops._recording import record_appeals_and_reactions
from clientops.errors import (
    ConfigurationError,
    ConflictError,
    DuplicateError,
    FieldError,
    NotFoundError,
    ValidationError,
)
from clientops.events import ClientCreated, Event
from clientops.host import PluginHost
from clientops.model import (
    Appeal,
    Client,
    ClientId,
    ClientQuery,
    Employee,
    EmployeeId,
    Phone,
    Reaction,
    StaffDirectory,
    new_id,
)
from clientops.policy import Policy
from clientops.ports import Storage, UnitOfWork
from clientops.telephony import (
    CallDirection,
    CallEvent,
    CallLogEntry,
    CallMetrics,
    CallNumber,
    CallStarted,
    IncomingCallNotice,
    OriginateRequest,
    Origination,
    Telephony,
    apply_event,
    call_metrics,
    missed_call_appeal,
    missed_call_reaction,
)

_CALL_EVENTS: tuple[type, ...] = CallEvent.__args__


@attrs.frozen
class CallChange:
    """What :meth:`ClientOps.record_call_event` did with one event.

    ``entry`` is the call as now stored. ``duplicate`` is true when the event was already in
    the log (nothing changed). ``client`` is the card the call is linked to; for a missed call,
    ``appeal`` and ``callback`` are the appeal and the call-back reaction made by this event
    (``None`` when an earlier event already made them, or when there is no card to hang them
    on). ``started`` and ``ended`` say that this event was the first to tell the call's start
    (an incoming call not over yet: the operator was notified) or its end.
    """

    entry: CallLogEntry
    duplicate: bool = False
    client: Client | None = None
    appeal: Appeal | None = None
    callback: Reaction | None = None
    started: bool = False
    ended: bool = False
    events: tuple[Event, ...] = ()


def _stored_card(uow: UnitOfWork, entry: CallLogEntry) -> Client | None:
    if entry.client_id is not None:
        return uow.clients.get(entry.client_id)
    number = entry.outside_number
    if number is None or number.phone is None:
        return None
    found = uow.clients.find(ClientQuery(phone=number.phone))
    return found[0] if found else None


class CallUseCases:
    """The telephony use cases; mixed into :class:`clientops.ClientOps`."""

    storage: Storage
    policy: Policy
    host: PluginHost
    _telephony: Telephony | None
    _owns_telephony: bool

    def now(self) -> datetime:  # pragma: no cover - provided by ClientOps
        raise NotImplementedError

    def _publish(self, events: Iterable[Event]) -> None:  # pragma: no cover - ClientOps
        raise NotImplementedError

    # ------------------------------------------------------------------ the backend
    @property
    def telephony(self) -> Telephony:
        """The PBX: the one given to the constructor, or opened by :meth:`open_telephony`.
        ConfigurationError when there is none."""
        if self._telephony is None:
            raise ConfigurationError(
                "no telephony: pass telephony= to ClientOps/connect, or call "
                "open_telephony(name, **options)"
            )
        return self._telephony

    def open_telephony(self, name: str, /, **options: object) -> Telephony:
        """Open the telephony backend registered as ``name`` (``console``, ``asterisk``…)
        through the plugin host, with its events going to :meth:`record_call_event`; it is
        closed by :meth:`close`. ConfigurationError when a backend is already set."""
        if self._telephony is not None:
            raise ConfigurationError(f"telephony {self._telephony.name!r} is already open")
        backend = self.host.open_telephony(name, on_event=self.record_call_event, **options)
        self._telephony = backend
        self._owns_telephony = True
        return backend

    # ------------------------------------------------------------------ the call log
    def record_call_event(self, event: CallEvent) -> CallChange:
        """Fold one event of the PBX into the call log, in one unit of work.

        The first event of a call makes its entry; the caller's card is looked up by the
        outside number and linked. An event already in the log changes nothing
        (``duplicate``); events may come in any order. When the call turns out to be a
        missed incoming call, an appeal and a call-back reaction are made (see
        :class:`~clientops.telephony.TelephonyPolicy`: a number no card holds gets a card of
        its own unless ``callback_unknown_callers`` is off). After the commit the plugins hear
        ``clientops_incoming_call`` for a new incoming call, ``clientops_call_ended`` for a
        call's first end, and ``clientops_event`` for the card, appeal and reaction made.

        Events of one call handled at once by several workers are serialised by the entry's
        version: a worker that loses retries (``policy.telephony.conflict_retries`` times).
        """
        if not isinstance(event, _CALL_EVENTS):
            raise ValidationError(
                [FieldError("event", f"not a call event: {type(event).__name__}")],
                subject="call event",
            )
        retries = self.policy.telephony.conflict_retries
        attempt = 0
        while True:
            now = self.now()
            try:
                with self.storage.unit_of_work() as uow:
                    change = self._record_call(uow, event, now)
                    notice = (
                        self._notice(uow.staff.directory(), change, now) if change.started else None
                    )
                break
            except (ConflictError, DuplicateError) as exc:
                if (exc.kind != "call") or attempt >= retries:
                    raise
                attempt += 1
        self._publish(change.events)
        if notice is not None:
            self.host.incoming_call(notice)
        if change.ended:
            self.host.call_ended(change.entry)
        return change

    def _record_call(self, uow: UnitOfWork, event: CallEvent, now: datetime) -> CallChange:
        old = uow.calls.find(event.call_id)
        entry = apply_event(old, event)
        if entry is old:
            return CallChange(entry=entry, duplicate=True)
        client = _stored_card(uow, entry)
        events: list[Event] = []
        appeal: Appeal | None = None
        callback: Reaction | None = None
        if entry.missed and not (old is not None and old.missed):
            if client is None:
                client = self._unknown_caller_card(entry, now)
                if client is not None:
                    uow.clients.add(client)
                    events.append(ClientCreated(client.id, now))
            if client is not None:
                telephony = self.policy.telephony
                appeal = missed_call_appeal(
                    entry,
                    client_id=client.id,
                    policy=telephony,
                    now=now,
                    make_id=lambda: f"missed-{entry.call_id}",
                )
                entry = attrs.evolve(entry, client_id=client.id, appeal_id=appeal.id)
                callback = missed_call_reaction(
                    entry, policy=telephony, now=now, make_id=lambda: f"callback-{entry.call_id}"
                )
                events += record_appeals_and_reactions(
                    uow, (appeal,), (callback,) if callback is not None else (), now
                )
        if client is not None and entry.client_id is None:
            entry = attrs.evolve(entry, client_id=client.id)
        if old is None:
            uow.calls.add(entry)
        else:
            entry = uow.calls.update(entry)
        started = (  # the operator's screen: a new incoming call still ringing or on
            isinstance(event, CallStarted)
            and entry.direction is CallDirection.INCOMING
            and not entry.ended
            and not any(isinstance(e, CallStarted) for e in (old.events if old else ()))
        )
        return CallChange(
            entry=entry,
            client=client,
            appeal=appeal,
            callback=callback,
            started=started,
            ended=entry.ended and not (old is not None and old.ended),
            events=tuple(events),
        )

    def _unknown_caller_card(self, entry: CallLogEntry, now: datetime) -> Client | None:
        telephony = self.policy.telephony
        number = entry.outside_number
        if not telephony.callback_unknown_callers or number is None or number.phone is None:
            return None
        return Client(
            id=ClientId(new_id()),
            name=telephony.unknown_caller_name.format(number=str(number)),
            city=telephony.unknown_caller_city,
            phones=(number.phone,),
            category=self.policy.new_card_category,
            created_at=now,
        )

    def _notice(
        self, staff: StaffDirectory, change: CallChange, now: datetime
    ) -> IncomingCallNotice:
        client = change.client
        manager: Employee | None = None
        if client is not None and client.manager_id is not None:
            found = staff.employee(client.manager_id)
            if found is not None and not staff.is_absent(
                found.id, now.astimezone(self.policy.tz).date()
            ):
                manager = found
        greeting = self.policy.messages.greeting.format(
            company=self.policy.company_name, manager="{manager}"
        )
        return IncomingCallNotice(
            entry=change.entry, client=client, manager=manager, greeting=greeting
        )

    def call(self, call_id: str) -> CallLogEntry:
        """The call log entry of this call, or NotFoundError."""
        with self.storage.unit_of_work(readonly=True) as uow:
            entry = uow.calls.find(call_id)
        if entry is None:
            raise NotFoundError("call", call_id)
        return entry

    def calls_of(self, client_id: ClientId) -> tuple[CallLogEntry, ...]:
        """The client's calls, oldest first."""
        with self.storage.unit_of_work(readonly=True) as uow:
            uow.clients.get(client_id)
            return uow.calls.of_client(client_id)

    def _day_bounds(self, first: date, last: date) -> tuple[datetime, datetime]:
        if last < first:
            raise ValidationError([FieldError("last", f"{last} is before {first}")])
        tz = self.policy.tz
        start = datetime.combine(first, time(), tz)
        end = datetime.combine(last + timedelta(days=1), time(), tz)
        return start, end

    def call_log(self, first: date, last: date | None = None) -> tuple[CallLogEntry, ...]:
        """The calls from the local day ``first`` to ``last`` (both included; one day when
        ``last`` is not given), oldest first."""
        start, end = self._day_bounds(first, last or first)
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.calls.between(start, end)

    def call_figures(
        self,
        first: date,
        last: date | None = None,
        *,
        direction: CallDirection | None = None,
    ) -> CallMetrics:
        """The call manager's figures (calls, calls of at least
        ``policy.telephony.min_call_seconds`` of airtime, airtime) for the days ``first`` to
        ``last``, in all, per employee and per day."""
        return call_metrics(
            self.call_log(first, last),
            min_seconds=self.policy.telephony.min_call_seconds,
            tz=self.policy.tz,
            direction=direction,
        )

    # ------------------------------------------------------------------ commands
    def _extension(self, employee_id: EmployeeId) -> str:
        with self.storage.unit_of_work(readonly=True) as uow:
            employee = uow.staff.directory().employee(employee_id)
        if employee is None:
            raise NotFoundError("employee", employee_id)
        if employee.extension is None:
            raise ValidationError(
                [FieldError("extension", f"{employee_id} has no PBX extension on record")],
                subject="employee",
            )
        return employee.extension

    def click_to_call(
        self,
        employee_id: EmployeeId,
        to: Phone | str,
        *,
        key: str | None = None,
        line: str | None = None,
    ) -> Origination:
        """Ring the employee's phone (their ``extension``) and dial ``to`` once they pick up.

        ``key`` is the idempotency key: the PBX places at most one call per key, so a retry
        after a timeout passes the same key (a new one is made when none is given). What
        happens to the call comes back as call events, into the call log.
        """
        backend = self.telephony
        number = (
            to
            if isinstance(to, Phone)
            else CallNumber.parse(
                to, self.policy.phone_region, strict=self.policy.strict_phones
            ).phone
        )
        if number is None:
            raise ValidationError([FieldError("to", f"not a phone number: {to!r}")])
        request = OriginateRequest(
            key=key or f"c2c-{new_id()}",
            extension=self._extension(employee_id),
            to=number,
            employee_id=employee_id,
            line=line,
        )
        return backend.originate(request)

    def transfer_call(self, call_id: str, to: EmployeeId) -> None:
        """Put a call in progress through to the employee ``to`` (their extension)."""
        backend = self.telephony
        backend.transfer(call_id, self._extension(to))
