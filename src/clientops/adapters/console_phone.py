"""The console PBX: a telephone exchange simulated in-process, for examples, tests and demos.

:class:`ConsolePhone` is a :class:`~clientops.telephony.Telephony` backend (name
``"console"``) that needs no PBX. Its *simulation* methods play what a PBX would report —
:meth:`~ConsolePhone.incoming`, :meth:`~ConsolePhone.ring`, :meth:`~ConsolePhone.answer`,
:meth:`~ConsolePhone.hang_up`, :meth:`~ConsolePhone.record` — and its *commands* are the
port's, :meth:`~ConsolePhone.originate` (at most one call per key) and
:meth:`~ConsolePhone.transfer`. Each step hands the call event it means to ``on_event`` (the
same events a real adapter produces, so everything downstream runs unchanged), keeps it in
:attr:`~ConsolePhone.events`, and prints one short line to ``out`` (standard output unless
another text stream is given), in Russian, as an operator reads it. Times come from
``clock`` (or an explicit ``at``): nothing sleeps, and a test decides what time it is.

Example::

    >>> from datetime import UTC, datetime, timedelta
    >>> from clientops.model import EmployeeId
    >>> from clientops.calls import build_call_log
    >>> now = [datetime(2025, 6, 23, 7, 0, tzinfo=UTC)]
    >>> phone = ConsolePhone(clock=lambda: now[0], line="+74951234567",
    ...                      extensions={"101": EmployeeId("anna")})
    >>> call = phone.incoming("8 912 345-67-89")
    07:00:00 звонок 1  входящий с +7 912 345-67-89 на +7 495 123-45-67
    >>> phone.ring(call, "101")
    07:00:00 звонок 1  вызов: доб. 101
    >>> now[0] += timedelta(seconds=8); phone.answer(call, "101")
    07:00:08 звонок 1  ответил доб. 101
    >>> now[0] += timedelta(seconds=80); phone.hang_up(call)
    07:01:28 звонок 1  завершён: отвечен, 88 с, разговор 80 с
    >>> entry, = build_call_log(phone.events)
    >>> entry.employee_id, entry.talk_seconds, entry.outcome.value
    ('anna', 80, 'answered')
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TextIO

import attrs

from clientops._labels import label
from clientops._telephony import (
    CallAnswered,
    CallDirection,
    CallEnded,
    CallNumber,
    CallRecorded,
    CallRinging,
    CallSignal,
    CallStarted,
    CallStatus,
    CallTransferred,
    OriginateRequest,
    Origination,
    TelephonyError,
)
from clientops.model import EmployeeId

__all__ = ["BACKEND", "ConsolePhone"]

BACKEND = "console"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@attrs.define
class _Call:
    start: CallStarted
    answered_at: datetime | None = None
    answered_by: str | None = None
    holder: str | None = None
    rang: str | None = None
    recording: str | None = None
    ended: bool = False


def _from(number: object) -> str:
    """Where a call comes from, as the console says it: a hidden or unknown number in words."""
    text = str(number)
    return {"anonymous": "со скрытого номера", "unknown": "с неизвестного номера"}.get(
        text, f"с {text}"
    )


def _to(number: object) -> str:
    text = str(number)
    return {"anonymous": "скрытый номер", "unknown": "неизвестный номер"}.get(text, text)


def _call_name(call_id: str) -> str:
    """``звонок 3`` for the console's own ``console-3``; another id as it is."""
    prefix = f"{BACKEND}-"
    return f"звонок {call_id.removeprefix(prefix)}" if call_id.startswith(prefix) else call_id


class ConsolePhone:
    """A PBX simulated in-process (see the module).

    ``on_event`` receives every call event as it happens (in the caller's thread; what it
    raises reaches the caller). ``out`` is where the lines go (``sys.stdout`` at the time of
    printing when not given). ``clock`` tells the time of each step unless an ``at`` is
    passed. ``extensions`` maps extensions to employees; ``line`` is the company's number
    incoming calls arrive on and outgoing calls show, when the call does not say;
    ``region``/``strict_phones`` are how numbers are read
    (:meth:`~clientops.telephony.CallNumber.parse`).

    Errors are :class:`~clientops.telephony.TelephonyError` (backend ``console``) naming the
    step: an unknown call, a call already over, a step after :meth:`close`.
    """

    name: str = BACKEND

    def __init__(
        self,
        on_event: Callable[[CallSignal], object] | None = None,
        *,
        out: TextIO | None = None,
        clock: Callable[[], datetime] = _utcnow,
        extensions: Mapping[str, EmployeeId] | None = None,
        line: str | None = None,
        region: str = "RU",
        strict_phones: bool = True,
    ) -> None:
        self._on_event = on_event
        self._out = out
        self._clock = clock
        self._extensions = MappingProxyType(dict(extensions or {}))
        self._line = line
        self._region = region
        self._strict = strict_phones
        self._lock = threading.RLock()
        self._calls: dict[str, _Call] = {}
        self._originations: dict[str, Origination] = {}
        self._events: list[CallSignal] = []
        self._counter = 0
        self._closed = False

    # ------------------------------------------------------------------ what it tells

    @property
    def events(self) -> tuple[CallSignal, ...]:
        """Every call event so far, oldest first."""
        with self._lock:
            return tuple(self._events)

    @property
    def in_progress(self) -> tuple[str, ...]:
        """The calls not yet hung up."""
        with self._lock:
            return tuple(i for i, c in self._calls.items() if not c.ended)

    # ------------------------------------------------------------------ the PBX's side

    def incoming(
        self,
        from_number: str | None,
        to_line: str | None = None,
        *,
        call_id: str | None = None,
        at: datetime | None = None,
    ) -> str:
        """A call comes in from ``from_number`` (any text; a hidden number is ``None`` or
        ``"anonymous"``) on ``to_line`` (the phone's ``line`` when not given). Returns the
        call's id (``console-<n>`` unless one is given)."""
        with self._lock:
            self._check_open("incoming")
            call_id = self._new_id(call_id, "incoming")
            line = to_line if to_line is not None else self._line
            start = CallStarted(
                call_id=call_id,
                direction=CallDirection.INCOMING,
                from_number=self._number(from_number),
                to_number=self._number(line),
                line=line,
                at=self._at(at),
            )
            self._calls[call_id] = _Call(start)
            self._emit(start, f"входящий {_from(start.from_number)} на {_to(start.to_number)}")
            return call_id

    def ring(self, call_id: str, extension: str, *, at: datetime | None = None) -> None:
        """``extension``'s phone rings for the call."""
        with self._lock:
            call = self._live(call_id, "ring")
            event = CallRinging(
                call_id=call_id,
                at=self._at(at),
                extension=extension,
                employee_id=self._extensions.get(extension),
            )
            call.rang = event.extension
            self._emit(event, f"вызов: {self._who(event.extension)}")

    def answer(
        self, call_id: str, extension: str | None = None, *, at: datetime | None = None
    ) -> None:
        """Someone picks up: ``extension`` for an incoming call (the last to ring when not
        given); for an outgoing call, the client, on the line of the extension that made
        it."""
        with self._lock:
            call = self._live(call_id, "answer")
            if extension is None:
                extension = call.holder or call.rang
            event = CallAnswered(
                call_id=call_id,
                at=self._at(at),
                extension=extension,
                employee_id=self._employee(call, extension),
            )
            if call.answered_at is None:
                call.answered_at, call.answered_by = event.at, event.extension
            call.holder = event.extension
            self._emit(event, f"ответил {self._who(event.extension)}")

    def hang_up(
        self, call_id: str, status: CallStatus | None = None, *, at: datetime | None = None
    ) -> None:
        """The call ends: ``status`` is how (ANSWERED when someone answered, else NO_ANSWER,
        unless given)."""
        with self._lock:
            call = self._live(call_id, "hang_up")
            start = call.start
            end = self._at(at)
            answered = call.answered_at is not None
            if status is None:
                status = CallStatus.ANSWERED if answered else CallStatus.NO_ANSWER
            if start.direction is CallDirection.OUTGOING:
                who = start.extension
            else:
                who = call.answered_by if answered else call.rang
            duration = max(0, int((end - start.at).total_seconds()))
            talk = (
                max(0, int((end - call.answered_at).total_seconds()))
                if call.answered_at is not None
                else (None if status is CallStatus.ANSWERED else 0)
            )
            event = CallEnded(
                call_id=call_id,
                at=end,
                status=status,
                duration_seconds=duration,
                talk_seconds=talk,
                recording=call.recording,
                extension=who,
                employee_id=self._employee(call, who),
                direction=start.direction,
                from_number=start.from_number,
                to_number=start.to_number,
                line=start.line,
                started_at=start.at,
            )
            call.ended = True
            talking = f", разговор {talk}\u00a0с" if talk else ""
            self._emit(event, f"завершён: {label(status)}, {duration}\u00a0с{talking}")

    def record(self, call_id: str, recording: str | None = None) -> str:
        """The call's recording is ready (also after the call ended): ``recording`` is its
        reference (``<call id>.wav`` when not given), which is returned."""
        with self._lock:
            self._check_open("record")
            call = self._calls.get(call_id)
            if call is None:
                raise TelephonyError(BACKEND, "record", f"no call {call_id!r}")
            reference = recording if recording is not None else f"{call_id}.wav"
            event = CallRecorded(call_id=call_id, recording=reference)
            call.recording = event.recording
            self._emit(event, f"запись готова: {event.recording}", self._clock())
            return event.recording

    # ------------------------------------------------------------------ the port

    def originate(self, request: OriginateRequest) -> Origination:
        """Click-to-call: prints what a PBX would do and starts an outgoing call from
        ``request.extension`` to ``request.to`` (answer it with :meth:`answer`). The same
        key again returns the first origination; nothing is printed or started twice."""
        if not isinstance(request, OriginateRequest):
            raise TypeError(f"an OriginateRequest is needed, not {request!r}")
        with self._lock:
            self._check_open("originate")
            done = self._originations.get(request.key)
            if done is not None:
                return done
            call_id = self._new_id(None, "originate")
            line = request.line if request.line is not None else self._line
            start = CallStarted(
                call_id=call_id,
                direction=CallDirection.OUTGOING,
                from_number=self._number(request.extension),
                to_number=CallNumber(request.to.e164, request.to),
                line=line,
                at=self._at(None),
                extension=request.extension,
                employee_id=request.employee_id or self._extensions.get(request.extension),
            )
            self._calls[call_id] = _Call(start, holder=start.extension)
            origination = Origination(BACKEND, request.key, call_id)
            self._originations[request.key] = origination
            self._emit(
                start,
                f"звонок из CRM: вызов {self._who(start.extension)}, "
                f"затем набор {request.to.international()}",
            )
            return origination

    def transfer(self, call_id: str, to_extension: str) -> None:
        """Put the call through to ``to_extension``: a CallTransferred from the extension
        that has it now. Ring and answer the new extension with :meth:`ring`/:meth:`answer`."""
        with self._lock:
            call = self._live(call_id, "transfer")
            if not isinstance(to_extension, str) or not to_extension.strip():
                raise TelephonyError(BACKEND, "transfer", "to which extension?")
            event = CallTransferred(
                call_id=call_id,
                at=self._at(None),
                to_extension=to_extension,
                to_employee_id=self._extensions.get(to_extension.strip()),
                from_extension=call.holder,
                from_employee_id=self._employee(call, call.holder),
            )
            call.holder = event.to_extension
            self._emit(
                event,
                f"перевод с {self._who(event.from_extension)} на {self._who(event.to_extension)}",
            )

    def close(self) -> None:
        """Nothing to release; afterwards every step raises TelephonyError. Idempotent."""
        with self._lock:
            self._closed = True

    def __enter__(self) -> ConsolePhone:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ helpers

    def _check_open(self, operation: str) -> None:
        if self._closed:
            raise TelephonyError(BACKEND, operation, "closed")

    def _new_id(self, call_id: str | None, operation: str) -> str:
        if call_id is None:
            self._counter += 1
            call_id = f"{BACKEND}-{self._counter}"
            while call_id in self._calls:
                self._counter += 1
                call_id = f"{BACKEND}-{self._counter}"
        elif call_id in self._calls:
            raise TelephonyError(BACKEND, operation, f"call {call_id!r} exists already")
        return call_id

    def _live(self, call_id: str, operation: str) -> _Call:
        self._check_open(operation)
        call = self._calls.get(call_id)
        if call is None:
            raise TelephonyError(BACKEND, operation, f"no call {call_id!r}")
        if call.ended:
            raise TelephonyError(BACKEND, operation, f"call {call_id!r} is over")
        return call

    def _at(self, at: datetime | None) -> datetime:
        return at if at is not None else self._clock()

    def _number(self, text: str | None) -> CallNumber:
        return CallNumber.parse(text, self._region, strict=self._strict)

    def _employee(self, call: _Call, extension: str | None) -> EmployeeId | None:
        if extension is None:
            return None
        if extension == call.start.extension and call.start.employee_id is not None:
            return call.start.employee_id
        return self._extensions.get(extension)

    def _who(self, extension: str | None) -> str:
        if extension is None:
            return "неизвестный добавочный"
        return f"доб.\u00a0{extension}"

    def _emit(self, event: CallSignal, text: str, at: datetime | None = None) -> None:
        self._events.append(event)
        when = at if at is not None else getattr(event, "at", None)
        stamp = when.strftime("%H:%M:%S") if when is not None else "--:--:--"
        print(f"{stamp} {_call_name(event.call_id)}  {text}", file=self._out or sys.stdout)
        if self._on_event is not None:
            self._on_event(event)
