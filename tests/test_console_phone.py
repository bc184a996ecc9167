"""The console PBX: each step gives the call event a real PBX adapter would, prints one line,
keeps time from the clock it is given, and places at most one call per key."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from clientops.adapters.console_phone import ConsolePhone
from clientops.calls import CallDirection, CallNumber, CallStatus, build_call_log
from clientops.model import EmployeeId, Phone
from clientops.telephony import (
    CallAnswered,
    CallEnded,
    CallRecorded,
    CallRinging,
    CallSignal,
    CallStarted,
    CallTransferred,
    OriginateRequest,
    Origination,
    Telephony,
    TelephonyError,
)

T0 = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
EXTENSIONS = {"101": EmployeeId("anna"), "102": EmployeeId("petrov")}
LINE = "+74951234567"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def out() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def seen() -> list[CallSignal]:
    return []


@pytest.fixture
def phone(clock: Clock, out: io.StringIO, seen: list[CallSignal]) -> ConsolePhone:
    return ConsolePhone(seen.append, out=out, clock=clock, extensions=EXTENSIONS, line=LINE)


def lines(out: io.StringIO) -> list[str]:
    return out.getvalue().splitlines()


def test_it_is_a_telephony_backend(phone: ConsolePhone) -> None:
    assert isinstance(phone, Telephony)
    assert phone.name == "console"


def test_an_incoming_call_answered(
    phone: ConsolePhone, clock: Clock, out: io.StringIO, seen: list[CallSignal]
) -> None:
    call = phone.incoming("8 912 345-67-89")
    clock.advance(1)
    phone.ring(call, "101")
    clock.advance(7)
    phone.answer(call, "101")
    clock.advance(80)
    phone.hang_up(call)
    number = CallNumber("8 912 345-67-89", Phone("+79123456789"))
    line = CallNumber(LINE, Phone(LINE))
    assert seen == [
        CallStarted(
            call_id=call,
            direction=CallDirection.INCOMING,
            from_number=number,
            to_number=line,
            line=LINE,
            at=T0,
        ),
        CallRinging(
            call_id=call,
            at=T0 + timedelta(seconds=1),
            extension="101",
            employee_id=EmployeeId("anna"),
        ),
        CallAnswered(
            call_id=call,
            at=T0 + timedelta(seconds=8),
            extension="101",
            employee_id=EmployeeId("anna"),
        ),
        CallEnded(
            call_id=call,
            at=T0 + timedelta(seconds=88),
            status=CallStatus.ANSWERED,
            duration_seconds=88,
            talk_seconds=80,
            extension="101",
            employee_id=EmployeeId("anna"),
            direction=CallDirection.INCOMING,
            from_number=number,
            to_number=line,
            line=LINE,
            started_at=T0,
        ),
    ]
    assert phone.events == tuple(seen)
    assert lines(out) == [
        "07:00:00 звонок 1  входящий с +7 912 345-67-89 на +7 495 123-45-67",
        "07:00:01 звонок 1  вызов: доб.\xa0101",
        "07:00:08 звонок 1  ответил доб.\xa0101",
        "07:01:28 звонок 1  завершён: отвечен, 88\xa0с, разговор 80\xa0с",
    ]
    (entry,) = build_call_log(seen)
    assert (entry.outcome, entry.employee_id, entry.talk_seconds) == (
        CallStatus.ANSWERED,
        "anna",
        80,
    )
    assert phone.in_progress == ()


def test_a_missed_call_is_missed_and_names_whose_phone_rang(
    phone: ConsolePhone, clock: Clock, out: io.StringIO
) -> None:
    call = phone.incoming("anonymous", call_id="in-9")
    phone.ring(call, "102")
    clock.advance(30)
    phone.hang_up(call)
    ended = phone.events[-1]
    assert isinstance(ended, CallEnded)
    assert (ended.status, ended.talk_seconds, ended.extension) == (CallStatus.NO_ANSWER, 0, "102")
    assert lines(out)[-1] == "07:00:30 in-9  завершён: не ответили, 30\xa0с"
    (entry,) = build_call_log(phone.events)
    assert entry.missed
    assert entry.caller == CallNumber("anonymous", None)


@pytest.mark.parametrize("status", [CallStatus.BUSY, CallStatus.CANCELLED, CallStatus.FAILED])
def test_hang_up_with_a_status(phone: ConsolePhone, status: CallStatus) -> None:
    call = phone.incoming("+79123456789")
    phone.hang_up(call, status)
    (entry,) = build_call_log(phone.events)
    assert entry.outcome is status


def test_times_can_be_given_instead_of_read_from_the_clock(phone: ConsolePhone) -> None:
    at = datetime(2025, 7, 1, 9, 30, tzinfo=UTC)
    call = phone.incoming("+79123456789", "+74950000000", at=at)
    phone.hang_up(call, at=at + timedelta(seconds=5))
    start, end = phone.events
    assert isinstance(start, CallStarted)
    assert (start.at, start.line) == (at, "+74950000000")
    assert isinstance(end, CallEnded)
    assert end.duration_seconds == 5


def test_a_recording(phone: ConsolePhone, out: io.StringIO) -> None:
    call = phone.incoming("+79123456789")
    phone.answer(call, "101")
    assert phone.record(call) == f"{call}.wav"
    phone.hang_up(call)
    assert phone.record(call, "s3://calls/1.mp3") == "s3://calls/1.mp3"  # ready after the end
    assert CallRecorded(call_id=call, recording=f"{call}.wav") in phone.events
    ended = next(e for e in phone.events if isinstance(e, CallEnded))
    assert ended.recording == f"{call}.wav"
    assert lines(out)[-1] == "07:00:00 звонок 1  запись готова: s3://calls/1.mp3"


def test_click_to_call_once_per_key(
    phone: ConsolePhone, clock: Clock, out: io.StringIO, seen: list[CallSignal]
) -> None:
    request = OriginateRequest(key="callback:in-9", extension="101", to=Phone.parse("+79123456789"))
    origination = phone.originate(request)
    assert origination == Origination("console", "callback:in-9", origination.call_id)
    assert phone.originate(request) == origination  # the same key: nothing more
    assert lines(out) == [
        "07:00:00 звонок 1  звонок из CRM: вызов доб.\xa0101, затем набор +7 912 345-67-89"
    ]
    (start,) = seen
    assert start == CallStarted(
        call_id=str(origination.call_id),
        direction=CallDirection.OUTGOING,
        from_number=CallNumber("101", None),
        to_number=CallNumber("+79123456789", Phone("+79123456789")),
        line=LINE,
        at=T0,
        extension="101",
        employee_id=EmployeeId("anna"),
    )
    clock.advance(12)
    phone.answer(str(origination.call_id))  # the client picks up
    clock.advance(60)
    phone.hang_up(str(origination.call_id))
    (entry,) = build_call_log(phone.events)
    assert (entry.direction, entry.employee_id, entry.talk_seconds) == (
        CallDirection.OUTGOING,
        "anna",
        60,
    )
    other = phone.originate(
        OriginateRequest(key="callback:in-10", extension="102", to=Phone.parse("+79123456780"))
    )
    assert other.call_id != origination.call_id


def test_transfer(phone: ConsolePhone, out: io.StringIO) -> None:
    call = phone.incoming("+79123456789")
    phone.ring(call, "101")
    phone.answer(call)  # the one who rang
    phone.transfer(call, "102")
    phone.ring(call, "102")
    phone.answer(call, "102")
    phone.hang_up(call)
    (entry,) = build_call_log(phone.events)
    assert entry.transfers == (
        CallTransferred(
            call_id=call,
            at=T0,
            to_extension="102",
            to_employee_id=EmployeeId("petrov"),
            from_extension="101",
            from_employee_id=EmployeeId("anna"),
        ),
    )
    assert entry.employee_id == "anna"  # who took the call first
    assert "07:00:00 звонок 1  перевод с доб.\xa0101 на доб.\xa0102" in lines(out)


@pytest.mark.parametrize(
    ("step", "operation"),
    [
        (lambda p: p.transfer("nope", "102"), "transfer"),
        (lambda p: p.ring("nope", "101"), "ring"),
        (lambda p: p.answer("nope"), "answer"),
        (lambda p: p.hang_up("nope"), "hang_up"),
        (lambda p: p.record("nope"), "record"),
    ],
)
def test_an_unknown_call_is_an_error(phone: ConsolePhone, step: object, operation: str) -> None:
    with pytest.raises(TelephonyError) as caught:
        step(phone)  # type: ignore[operator]
    assert (caught.value.backend, caught.value.operation) == ("console", operation)
    assert "'nope'" in str(caught.value)


def test_a_call_that_is_over_takes_no_more_steps(phone: ConsolePhone) -> None:
    call = phone.incoming("+79123456789")
    phone.hang_up(call)
    with pytest.raises(TelephonyError, match="is over"):
        phone.transfer(call, "102")
    with pytest.raises(TelephonyError, match="is over"):
        phone.hang_up(call)
    with pytest.raises(TelephonyError, match="exists already"):
        phone.incoming("+79123456789", call_id=call)


def test_closed_means_closed(phone: ConsolePhone) -> None:
    call = phone.incoming("+79123456789")
    phone.close()
    phone.close()
    with pytest.raises(TelephonyError, match="closed"):
        phone.originate(OriginateRequest(key="k", extension="101", to=Phone.parse("+79123456789")))
    with pytest.raises(TelephonyError, match="closed"):
        phone.hang_up(call)


def test_it_prints_to_standard_output_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    with ConsolePhone(clock=lambda: T0) as phone:
        phone.incoming(None)
    assert (
        capsys.readouterr().out
        == "07:00:00 звонок 1  входящий с неизвестного номера на неизвестный номер\n"
    )
