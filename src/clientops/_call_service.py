"""The calls area: an incoming call routed as the seed prescribes, the PBX's events folded
into the call log, missed-call call-backs, the call manager's figures (``ops.calls``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import attrs

from clientops._checks import check_entry_points
from clientops._context import Context
from clientops._names import KeepPlaceholder
from clientops._recording import record_appeals_and_reactions
from clientops._telephony import (
    CallDirection,
    CallLogEntry,
    CallMetrics,
    CallMissed,
    CallSignal,
    CallStarted,
    IncomingCallNotice,
    apply_event,
    call_metrics,
    missed_call_appeal,
    missed_call_reaction,
)
from clientops.commands import Command, CreateAppeal, CreateClient, CreateReaction, TransferCall
from clientops.errors import (
    ConflictError,
    DuplicateError,
    FieldError,
    NotFoundError,
    ValidationError,
)
from clientops.events import ClientCreated, Event
from clientops.model import (
    Appeal,
    Client,
    ClientId,
    ClientQuery,
    Employee,
    EmployeeId,
    Reaction,
    StaffDirectory,
    new_id,
)
from clientops.ports import UnitOfWork
from clientops.rules.calls import CallRouting, IncomingCall, client_queries, route_incoming_call

__all__ = ["CallChange", "CallsService"]


_CALL_SIGNALS: tuple[type, ...] = CallSignal.__args__


@attrs.frozen
class CallChange:
    """What :meth:`ops.calls.record_event` did with one event.

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


def _apply(uow: UnitOfWork, command: Command) -> None:
    match command:
        case CreateClient(client=client):
            uow.clients.add(client)
        case CreateAppeal(appeal=appeal):
            uow.appeals.add(appeal)
        case CreateReaction(reaction=reaction):
            uow.appeals.add_reaction(reaction)
        case TransferCall():
            pass  # performed by the telephony side; nothing is stored for it


@check_entry_points
class CallsService:
    """Incoming calls, the call log and its figures::

    >>> import clientops
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> from datetime import date
    >>> ops.calls.log(date(2025, 6, 23))
    ()
    >>> ops.calls.figures(date(2025, 6, 23)).total.calls
    0
    >>> ops.close()
    """

    def __init__(self, context: Context) -> None:
        self._context = context

    def handle_incoming(self, call: IncomingCall, *, answered_by: EmployeeId) -> CallRouting:
        """Route an incoming call and record what the seed prescribes for its branch, all in
        one unit of work: either everything of the call is stored, or nothing is.

        Returns the routing: what to say, whom to put the caller through to, and the records
        made or found. Bad input raises ValidationError before anything is stored.
        """
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            matches: list[tuple[Client, ...]] = []
            for query in client_queries(call, self._context.policy):
                found = uow.clients.find(query)
                matches.append(found)
                if found:  # the first query that finds a card is the one that counts
                    break
            routing = route_incoming_call(
                call,
                answered_by=answered_by,
                staff=staff,
                matches=matches,
                now=now,
                policy=self._context.policy,
            )
            for command in routing.decision.commands:
                _apply(uow, command)
            self._context.publish(routing.decision.events)
        return routing

    def record_event(self, event: CallSignal) -> CallChange:
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
        if not isinstance(event, _CALL_SIGNALS):
            raise ValidationError(
                [FieldError("event", f"not a call event: {type(event).__name__}")],
                subject="call event",
            )
        retries = self._context.policy.telephony.conflict_retries
        attempt = 0
        while True:
            now = self._context.now()
            try:
                with self._context.unit_of_work() as uow:
                    change = self._record_call(uow, event, now)
                    notice = (
                        self._notice(uow.staff.directory(), change, now) if change.started else None
                    )
                    self._context.publish(change.events)
                break
            except (ConflictError, DuplicateError) as exc:
                if (exc.kind != "call") or attempt >= retries:
                    raise
                attempt += 1
        if notice is not None:
            self._context.host.incoming_call(notice)
        if change.ended:
            self._context.host.call_ended(change.entry)
        return change

    def _record_call(self, uow: UnitOfWork, event: CallSignal, now: datetime) -> CallChange:
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
                telephony = self._context.policy.telephony
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
            events.append(
                CallMissed(
                    entry.call_id, client.id if client else None, appeal.id if appeal else None, now
                )
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
        telephony = self._context.policy.telephony
        number = entry.outside_number
        if not telephony.callback_unknown_callers or number is None or number.phone is None:
            return None
        return Client(
            id=ClientId(new_id()),
            name=telephony.unknown_caller_name.format(number=str(number)),
            city=telephony.unknown_caller_city,
            phones=(number.phone,),
            category=self._context.policy.new_card_category,
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
                found.id, now.astimezone(self._context.policy.tz).date()
            ):
                manager = found
        greeting = self._context.policy.messages.greeting.format(
            company=self._context.policy.company_name, manager=KeepPlaceholder("manager")
        )
        return IncomingCallNotice(
            entry=change.entry, client=client, manager=manager, greeting=greeting
        )

    def get(self, call_id: str) -> CallLogEntry:
        """The call log entry of this call, or NotFoundError."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            entry = uow.calls.find(call_id)
        if entry is None:
            raise NotFoundError("call", call_id)
        return entry

    def calls_of(self, client_id: ClientId) -> tuple[CallLogEntry, ...]:
        """The client's calls, oldest first."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.clients.get(client_id)
            return uow.calls.of_client(client_id)

    def _day_bounds(self, first: date, last: date) -> tuple[datetime, datetime]:
        if last < first:
            raise ValidationError([FieldError("last", f"{last} is before {first}")])
        tz = self._context.policy.tz
        start = datetime.combine(first, time(), tz)
        end = datetime.combine(last + timedelta(days=1), time(), tz)
        return start, end

    def log(self, first: date, last: date | None = None) -> tuple[CallLogEntry, ...]:
        """The calls from the local day ``first`` to ``last`` (both included; one day when
        ``last`` is not given), oldest first."""
        start, end = self._day_bounds(first, last or first)
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.calls.between(start, end)

    def figures(
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
            self.log(first, last),
            min_seconds=self._context.policy.telephony.min_call_seconds,
            tz=self._context.policy.tz,
            direction=direction,
        )
