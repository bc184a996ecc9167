"""The provider-agnostic telephony core: call events, the call log fold (idempotent and
order-independent), missed-call call-backs, the call manager's metrics and the port."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientops.calls import (
    CallDirection,
    CallFigures,
    CallLogEntry,
    CallNumber,
    CallStatus,
    apply_event,
    build_call_log,
    call_metrics,
    missed_call_appeal,
    missed_call_reaction,
)
from clientops.errors import BackendError, ValidationError
from clientops.model import AppealId, ClientId, DepartmentId, EmployeeId, Phone, ReactionKind
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
    SignatureError,
    Telephony,
    TelephonyError,
    TelephonyPolicy,
    UnsupportedNotificationError,
    WebhookError,
)

#: Monday 23 June 2025, 10:00 in Moscow.
T0 = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
MOSCOW = ZoneInfo("Europe/Moscow")
CLIENT = "+79123456789"
LINE = "+74951234567"
EXTENSIONS = {"100": EmployeeId("anna"), "101": EmployeeId("petrov"), "102": EmployeeId("ivanov")}


def sec(n: int) -> timedelta:
    return timedelta(seconds=n)


def started(
    call_id: str = "c1",
    *,
    direction: CallDirection = CallDirection.INCOMING,
    at: datetime = T0,
    caller: str = CLIENT,
    callee: str = LINE,
    extension: str | None = None,
) -> CallStarted:
    return CallStarted(
        call_id=call_id,
        direction=direction,
        from_number=CallNumber.parse(caller),
        to_number=CallNumber.parse(callee),
        line=LINE,
        at=at,
        extension=extension,
        employee_id=EXTENSIONS.get(extension or ""),
    )


def ended(
    call_id: str = "c1",
    *,
    at: datetime | None = None,
    status: CallStatus = CallStatus.ANSWERED,
    duration: int = 100,
    talk: int | None = None,
    recording: str | None = None,
    extension: str | None = None,
    **more: object,
) -> CallEnded:
    return CallEnded(
        call_id=call_id,
        at=T0 + sec(100) if at is None else at,
        status=status,
        duration_seconds=duration,
        talk_seconds=talk,
        recording=recording,
        extension=extension,
        employee_id=EXTENSIONS.get(extension or ""),
        **more,  # type: ignore[arg-type]
    )


def answered(
    call_id: str = "c1", *, at: datetime | None = None, extension: str = "100"
) -> CallAnswered:
    return CallAnswered(
        call_id=call_id,
        at=T0 + sec(10) if at is None else at,
        extension=extension,
        employee_id=EXTENSIONS[extension],
    )


def ringing(
    call_id: str = "c1", *, at: datetime | None = None, extension: str = "100"
) -> CallRinging:
    return CallRinging(
        call_id=call_id,
        at=T0 + sec(2) if at is None else at,
        extension=extension,
        employee_id=EXTENSIONS[extension],
    )


def fold(events: list[CallSignal]) -> CallLogEntry:
    entry: CallLogEntry | None = None
    for event in events:
        entry = apply_event(entry, event)
    assert entry is not None
    return entry


# =========================================================================== numbers


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("79123456789", "+79123456789"),  # as PBXs send it
        ("+7 (912) 345-67-89", "+79123456789"),
        ("8 912 345 67 89", "+79123456789"),
        ("74951234567", "+74951234567"),
    ],
)
def test_a_phone_number_is_parsed(text: str, e164: str) -> None:
    number = CallNumber.parse(text)
    assert number.known
    assert number.phone == Phone(e164)
    assert number.raw == text.strip()


@pytest.mark.parametrize("text", ["", "   ", "anonymous", "101", "0", "+7 912", "☎", None])
def test_a_number_that_is_not_a_phone_is_kept_as_unknown(text: str | None) -> None:
    number = CallNumber.parse(text)
    assert not number.known
    assert number.phone is None
    assert number.raw == (text or "").strip()
    assert str(number) == (number.raw or "unknown")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_parsing_a_number_never_raises(text: str) -> None:
    number = CallNumber.parse(text)
    assert number.raw == text.strip()
    assert number.phone is None or number.phone.e164.startswith("+")


def test_a_call_with_a_number_that_is_not_a_phone_is_logged() -> None:
    entry = fold([started(caller="anonymous"), ended(status=CallStatus.CANCELLED, duration=3)])
    assert entry.caller == CallNumber("anonymous", None)
    assert entry.missed
    assert entry.outside_number is entry.caller


# =========================================================================== events


def test_events_refuse_bad_values() -> None:
    with pytest.raises(ValueError, match="at: must be timezone-aware"):
        CallAnswered(call_id="c1", at=datetime(2025, 6, 23, 10, 0))
    with pytest.raises(ValueError, match="call_id: must not be blank"):
        CallRecorded(call_id=" ", recording="r")
    with pytest.raises(ValueError, match="duration_seconds"):
        ended(duration=-1)
    with pytest.raises(ValueError, match="talk_seconds"):
        ended(talk=True)
    with pytest.raises(ValueError, match="a transfer goes to"):
        CallTransferred(call_id="c1", at=T0)
    with pytest.raises(TypeError):
        CallStarted(  # type: ignore[call-arg]
            "c1", CallDirection.INCOMING, CallNumber.parse(CLIENT), CallNumber.parse(LINE), T0
        )


def test_a_start_opens_an_entry() -> None:
    entry = apply_event(None, started())
    assert entry.call_id == "c1"
    assert entry.direction is CallDirection.INCOMING
    assert entry.caller == CallNumber(CLIENT, Phone(CLIENT))
    assert entry.callee == CallNumber(LINE, Phone(LINE))
    assert entry.line == LINE
    assert entry.started_at == T0
    assert (entry.answered_at, entry.ended_at, entry.outcome, entry.talk_seconds) == (
        None,
        None,
        None,
        None,
    )
    assert (entry.ended, entry.missed, entry.answered) == (False, False, False)
    assert entry.events == (started(),)


def test_ringing_names_whose_phone_rang() -> None:
    entry = fold([started(), ringing(extension="100"), ringing(at=T0 + sec(20), extension="101")])
    assert (entry.extension, entry.employee_id) == ("101", "petrov")  # the last one rung
    assert entry.answered_at is None


def test_an_answer_names_who_took_the_call() -> None:
    entry = fold([started(), ringing(extension="101"), answered(extension="100")])
    assert entry.answered_at == T0 + sec(10)
    assert (entry.extension, entry.employee_id) == ("100", "anna")


def test_a_transfer_is_listed_and_the_call_stays_with_who_answered() -> None:
    transfer = CallTransferred(
        call_id="c1",
        at=T0 + sec(40),
        to_extension="101",
        to_employee_id=EmployeeId("petrov"),
        from_extension="100",
    )
    entry = fold([started(), answered(), transfer, ended(talk=80)])
    assert entry.transfers == (transfer,)
    assert entry.employee_id == "anna"
    assert entry.outcome is CallStatus.ANSWERED


def test_an_end_closes_the_entry() -> None:
    entry = fold([started(), answered(), ended(talk=85, recording="rec-1")])
    assert entry.ended_at == T0 + sec(100)
    assert entry.duration_seconds == 100
    assert entry.talk_seconds == 85
    assert entry.outcome is CallStatus.ANSWERED
    assert entry.recording == "rec-1"
    assert (entry.answered, entry.missed) == (True, False)


def test_airtime_is_the_time_from_answer_to_end_when_the_pbx_gives_no_talk_time() -> None:
    entry = fold([started(), answered(at=T0 + sec(25)), ended()])
    assert entry.talk_seconds == 75


def test_airtime_is_the_whole_call_when_nothing_tells_when_it_was_answered() -> None:
    assert fold([started(), ended(duration=42)]).talk_seconds == 42


@pytest.mark.parametrize(
    "status", [CallStatus.BUSY, CallStatus.NO_ANSWER, CallStatus.FAILED, CallStatus.CANCELLED]
)
def test_an_incoming_call_nobody_answered_is_missed(status: CallStatus) -> None:
    entry = fold([started(), ringing(extension="101"), ended(status=status, duration=30)])
    assert entry.outcome is status
    assert entry.missed
    assert entry.talk_seconds == 0
    assert entry.employee_id == "petrov"


def test_an_outgoing_call_is_never_missed_and_belongs_to_who_dialled() -> None:
    start = started(direction=CallDirection.OUTGOING, caller="100", callee=CLIENT, extension="100")
    entry = fold([start, ended(status=CallStatus.NO_ANSWER, duration=25)])
    assert not entry.missed
    assert entry.employee_id == "anna"
    assert entry.outside_number == CallNumber.parse(CLIENT)
    assert entry.caller == CallNumber("100", None)


def test_an_answer_wins_over_an_end_that_says_otherwise() -> None:
    entry = fold(
        [started(), answered(), ended(at=T0 + sec(50), status=CallStatus.CANCELLED, duration=50)]
    )
    assert entry.outcome is CallStatus.ANSWERED
    assert entry.talk_seconds == 40


def test_a_recording_notice_adds_the_recording() -> None:
    entry = fold([started(), ended(), CallRecorded(call_id="c1", recording="rec-9")])
    assert entry.recording == "rec-9"
    assert fold([CallRecorded(call_id="c1", recording="rec-9")]).at is None


# =========================================================================== idempotent, any order


def test_the_same_event_twice_changes_nothing() -> None:
    entry = fold([started(), answered(), ended(talk=80)])
    for event in entry.events:
        assert apply_event(entry, event) is entry


def test_an_end_before_its_start_still_gives_the_right_entry() -> None:
    in_order = fold([started(), answered(), ended(talk=80, recording="r")])
    end_first = apply_event(None, ended(talk=80, recording="r"))
    assert (end_first.direction, end_first.caller) == (None, None)
    assert end_first.outcome is CallStatus.ANSWERED
    assert fold([ended(talk=80, recording="r"), answered(), started()]) == in_order


def test_a_lost_start_is_made_up_by_what_the_end_repeats() -> None:
    end = ended(
        direction=CallDirection.INCOMING,
        from_number=CallNumber.parse(CLIENT),
        to_number=CallNumber.parse(LINE),
        line=LINE,
        started_at=T0,
    )
    entry = apply_event(None, end)
    assert entry.direction is CallDirection.INCOMING
    assert entry.caller == CallNumber.parse(CLIENT)
    assert entry.started_at == T0
    # when the start does come, it is the authority, and nothing else moves
    late = fold([end, started(caller="89123456789")])
    assert late.caller == CallNumber.parse("89123456789")
    assert late.started_at == T0


def test_a_later_poorer_duplicate_never_overwrites_better_data() -> None:
    rich = ended(talk=80, recording="rec-1")
    poor = ended(at=T0 + sec(101), status=CallStatus.NO_ANSWER, duration=0)
    first_answer, late_answer = answered(at=T0 + sec(10)), answered(at=T0 + sec(15))
    orders: tuple[list[CallSignal], ...] = (
        [started(), first_answer, rich, poor, late_answer],
        [poor, late_answer, rich, started(), first_answer],
    )
    for events in orders:
        entry = fold(events)
        assert entry.recording == "rec-1"
        assert entry.duration_seconds == 100
        assert entry.talk_seconds == 80
        assert entry.outcome is CallStatus.ANSWERED
        assert entry.answered_at == T0 + sec(10)


def test_an_event_of_another_call_is_refused() -> None:
    entry = apply_event(None, started())
    with pytest.raises(ValidationError) as caught:
        apply_event(entry, answered(call_id="c2"))
    assert caught.value.paths == ("call_id",)
    with pytest.raises(TypeError):
        apply_event(entry, "hang up")  # type: ignore[arg-type]


def test_the_links_survive_new_events() -> None:
    entry = attrs.evolve(
        apply_event(None, started()), client_id=ClientId("c-1"), appeal_id=AppealId("a-1")
    )
    after = apply_event(entry, ended())
    assert (after.client_id, after.appeal_id) == ("c-1", "a-1")


_NUMBERS = st.sampled_from([CLIENT, "89123456789", LINE, "anonymous", "", "101", "+7 912"])
_FAILURES = st.sampled_from(
    [CallStatus.BUSY, CallStatus.NO_ANSWER, CallStatus.FAILED, CallStatus.CANCELLED]
)


@st.composite
def a_call(draw: st.DrawFn) -> tuple[list[CallSignal], dict[str, object]]:
    """The events of one call, as a PBX may send them, and what its entry must say."""
    direction = draw(st.sampled_from(CallDirection))
    start = CallStarted(
        call_id="x",
        direction=direction,
        from_number=CallNumber.parse(draw(_NUMBERS)),
        to_number=CallNumber.parse(draw(_NUMBERS)),
        line=LINE,
        at=T0,
    )
    events: list[CallSignal] = [start]
    rung = draw(st.lists(st.sampled_from(sorted(EXTENSIONS)), max_size=3))
    events += [ringing("x", at=T0 + sec(i + 1), extension=e) for i, e in enumerate(rung)]
    picked_up = draw(st.booleans())
    answer_at = T0 + sec(draw(st.integers(5, 60)))
    duration = draw(st.integers(60, 3600))
    recording = draw(st.sampled_from([None, "rec-1"]))
    if picked_up:
        events.append(
            answered("x", at=answer_at, extension=draw(st.sampled_from(sorted(EXTENSIONS))))
        )
        if draw(st.booleans()):
            events.append(CallTransferred(call_id="x", at=answer_at + sec(3), to_extension="102"))
    status = CallStatus.ANSWERED if picked_up else draw(_FAILURES)
    events.append(
        ended("x", at=T0 + sec(duration), status=status, duration=duration, recording=recording)
    )
    if draw(st.booleans()):  # a poorer end, as a PBX may send for another leg of the call
        events.append(ended("x", at=T0 + sec(duration), status=CallStatus.FAILED, duration=1))
    if recording and draw(st.booleans()):
        events.append(CallRecorded(call_id="x", recording=recording))
    expected: dict[str, object] = {
        "direction": direction,
        "caller": start.from_number,
        "started_at": T0,
        "answered_at": answer_at if picked_up else None,
        "ended_at": T0 + sec(duration),
        "duration_seconds": duration,
        "talk_seconds": int((T0 + sec(duration) - answer_at).total_seconds()) if picked_up else 0,
        "outcome": status,
        "recording": recording,
        "missed": direction is CallDirection.INCOMING and not picked_up,
    }
    return events, expected


@settings(max_examples=200, deadline=None)
@given(a_call(), st.data())
def test_any_order_and_any_duplicates_fold_to_the_same_entry(
    call: tuple[list[CallSignal], dict[str, object]], data: st.DataObject
) -> None:
    events, expected = call
    reference = fold(events)
    duplicates = data.draw(st.lists(st.sampled_from(events), max_size=len(events)))
    shuffled = data.draw(st.permutations(events + duplicates))
    entry = fold(shuffled)
    assert entry == reference
    assert len(entry.events) == len(set(events))
    for field, value in expected.items():
        assert getattr(entry, field) == value, field


# =========================================================================== the log


def test_the_call_log_has_one_entry_per_call_oldest_first() -> None:
    log = build_call_log(
        [
            ended("late", at=T0 + sec(500)),
            started("early", at=T0),
            CallRecorded(call_id="timeless", recording="r"),
            started("late", at=T0 + sec(400)),
            ended("early"),
            ended("early"),
        ]
    )
    assert [e.call_id for e in log] == ["early", "late", "timeless"]
    assert log[0] == fold([started("early", at=T0), ended("early")])


# =========================================================================== missed calls


def linked(entry: CallLogEntry) -> CallLogEntry:
    return attrs.evolve(entry, client_id=ClientId("c-1"), appeal_id=AppealId("a-1"))


def test_a_missed_call_becomes_a_call_back() -> None:
    entry = linked(
        fold([started(), ringing(extension="101"), ended(status=CallStatus.NO_ANSWER, duration=30)])
    )
    now = T0 + sec(60)
    reaction = missed_call_reaction(entry, policy=TelephonyPolicy(), now=now, make_id=lambda: "r-1")
    assert reaction is not None
    assert reaction.id == "r-1"
    assert (reaction.client_id, reaction.appeal_id) == ("c-1", "a-1")
    assert reaction.kind is ReactionKind.OUTGOING_CALL
    assert reaction.employee_id == "petrov"
    assert reaction.department_id == "client"
    assert reaction.created_at == now
    assert reaction.due_at == T0 + sec(100) + timedelta(minutes=15)
    assert reaction.topic == "Перезвонить: пропущенный звонок с +7 912 345-67-89"


def test_the_call_back_follows_the_policy() -> None:
    entry = linked(fold([started(caller="anonymous"), ended(status=CallStatus.BUSY, duration=0)]))
    policy = TelephonyPolicy(
        callback_delay=timedelta(minutes=5),
        callback_department=DepartmentId("sales"),
        callback_to_employee=False,
        callback_topic="Call back {number}",
    )
    reaction = missed_call_reaction(entry, policy=policy, now=T0)
    assert reaction is not None
    assert reaction.due_at == T0 + sec(100) + timedelta(minutes=5)
    assert (reaction.department_id, reaction.employee_id) == ("sales", None)
    assert reaction.topic == "Call back anonymous"
    with pytest.raises(ValueError, match="callback_topic"):
        TelephonyPolicy(callback_topic="{caller}")


@pytest.mark.parametrize(
    "events",
    [
        [started(), answered(), ended()],  # answered
        [started()],  # not over yet
        [started(direction=CallDirection.OUTGOING), ended(status=CallStatus.NO_ANSWER)],
    ],
    ids=["answered", "in progress", "outgoing"],
)
def test_only_a_missed_incoming_call_gets_a_call_back(events: list[CallSignal]) -> None:
    assert missed_call_reaction(linked(fold(events)), policy=TelephonyPolicy(), now=T0) is None


def test_a_call_back_needs_the_caller_card_and_an_appeal() -> None:
    entry = fold([started(), ended(status=CallStatus.NO_ANSWER)])
    with pytest.raises(ValidationError) as caught:
        missed_call_reaction(entry, policy=TelephonyPolicy(), now=T0)
    assert caught.value.paths == ("client_id", "appeal_id")
    with pytest.raises(ValidationError, match="now"):
        missed_call_reaction(entry, policy=TelephonyPolicy(), now=datetime(2025, 6, 23))


def test_an_appeal_for_a_missed_call() -> None:
    entry = fold([started(), ended(status=CallStatus.NO_ANSWER)])
    appeal = missed_call_appeal(
        entry, client_id=ClientId("c-1"), policy=TelephonyPolicy(), now=T0, make_id=lambda: "a-9"
    )
    assert (appeal.id, appeal.client_id, appeal.department_id) == ("a-9", "c-1", "client")
    assert appeal.topic == "Пропущенный звонок"
    assert appeal.note == "+7 912 345-67-89"
    reaction = missed_call_reaction(
        attrs.evolve(entry, client_id=appeal.client_id, appeal_id=appeal.id),
        policy=TelephonyPolicy(),
        now=T0,
    )
    assert reaction is not None
    assert reaction.appeal_id == "a-9"


# =========================================================================== metrics


def a_logged_call(
    call_id: str,
    at: datetime,
    *,
    direction: CallDirection = CallDirection.OUTGOING,
    extension: str | None = "100",
    talk: int | None = None,
) -> list[CallSignal]:
    """A call made (outgoing) or taken (incoming) on ``extension``; ``talk`` seconds of
    airtime, or not answered when ``None``."""
    start = started(call_id, direction=direction, at=at, caller=CLIENT, callee=LINE)
    if direction is CallDirection.OUTGOING:
        start = attrs.evolve(
            start, extension=extension, employee_id=EXTENSIONS.get(extension or "")
        )
    events: list[CallSignal] = [start]
    if direction is CallDirection.INCOMING and extension is not None:
        events.append(ringing(call_id, at=at + sec(1), extension=extension))
    if talk is None:
        events.append(ended(call_id, at=at + sec(30), status=CallStatus.NO_ANSWER, duration=30))
    else:
        if direction is CallDirection.INCOMING and extension is not None:
            events.append(answered(call_id, at=at + sec(5), extension=extension))
        events.append(ended(call_id, at=at + sec(talk + 5), duration=talk + 5, talk=talk))
    return events


def a_day_of_calls() -> tuple[CallLogEntry, ...]:
    out, inc = CallDirection.OUTGOING, CallDirection.INCOMING
    m = timedelta(minutes=1)
    return build_call_log(
        [
            *a_logged_call("1", T0, talk=120),
            *a_logged_call("2", T0 + 10 * m, talk=60),  # exactly the minimum: counts
            *a_logged_call("3", T0 + 20 * m, talk=59),
            *a_logged_call("4", T0 + 30 * m),  # nobody picked up
            *a_logged_call("5", T0 + 60 * m, direction=inc, extension="101", talk=300),
            *a_logged_call("6", T0 + 120 * m, direction=inc, extension="101"),  # missed
            # 21:30 UTC is already Tuesday in Moscow
            *a_logged_call("7", datetime(2025, 6, 23, 21, 30, tzinfo=UTC), direction=out, talk=90),
            *a_logged_call("8", T0 + timedelta(hours=23), direction=inc, extension=None, talk=30),
            CallRecorded(call_id="9", recording="rec"),  # nothing known of when: left out
        ]
    )


def test_call_metrics_on_a_day_of_calls() -> None:
    metrics = call_metrics(a_day_of_calls(), min_seconds=60, tz=MOSCOW)
    assert metrics.min_seconds == 60
    assert metrics.total == CallFigures(
        calls=8, answered=6, missed=1, long_calls=4, airtime_seconds=659
    )
    assert metrics.total.airtime == timedelta(seconds=659)
    assert metrics.by_employee == (
        ("anna", CallFigures(calls=5, answered=4, missed=0, long_calls=3, airtime_seconds=329)),
        ("petrov", CallFigures(calls=2, answered=1, missed=1, long_calls=1, airtime_seconds=300)),
        (None, CallFigures(calls=1, answered=1, missed=0, long_calls=0, airtime_seconds=30)),
    )
    monday, tuesday = date(2025, 6, 23), date(2025, 6, 24)
    assert metrics.by_day == (
        (monday, CallFigures(calls=6, answered=4, missed=1, long_calls=3, airtime_seconds=539)),
        (tuesday, CallFigures(calls=2, answered=2, missed=0, long_calls=1, airtime_seconds=120)),
    )
    assert metrics.by_employee_day == (
        ("anna", monday, CallFigures(4, 3, 0, 2, 239)),
        ("anna", tuesday, CallFigures(1, 1, 0, 1, 90)),
        ("petrov", monday, CallFigures(2, 1, 1, 1, 300)),
        (None, tuesday, CallFigures(1, 1, 0, 0, 30)),
    )
    assert metrics.for_employee(EmployeeId("ivanov")) == CallFigures()
    assert metrics.for_day(tuesday).calls == 2
    assert metrics.for_employee(None).calls == 1


def test_call_metrics_of_the_calls_made_with_another_minimum() -> None:
    made = call_metrics(a_day_of_calls(), min_seconds=120, tz=UTC, direction=CallDirection.OUTGOING)
    assert made.total == CallFigures(
        calls=5, answered=4, missed=0, long_calls=1, airtime_seconds=329
    )
    assert [d for d, _ in made.by_day] == [date(2025, 6, 23)]  # 21:30 UTC is Monday in UTC
    taken = call_metrics(
        a_day_of_calls(), min_seconds=0, tz=MOSCOW, direction=CallDirection.INCOMING
    )
    assert taken.total == CallFigures(
        calls=3, answered=2, missed=1, long_calls=2, airtime_seconds=330
    )


def test_call_metrics_refuse_a_negative_minimum() -> None:
    with pytest.raises(ValidationError) as caught:
        call_metrics((), min_seconds=-1, tz=UTC)
    assert caught.value.paths == ("min_seconds",)
    assert call_metrics((), min_seconds=0, tz=UTC).total == CallFigures()


# =========================================================================== the port


class _Console:
    """The smallest backend that satisfies the port."""

    name = "console"

    def __init__(self) -> None:
        self.placed: dict[str, Origination] = {}

    def originate(self, request: OriginateRequest) -> Origination:
        return self.placed.setdefault(
            request.key, Origination(self.name, request.key, f"call-{len(self.placed)}")
        )

    def transfer(self, call_id: str, to_extension: str) -> None:
        if call_id not in {o.call_id for o in self.placed.values()}:
            raise TelephonyError(self.name, "transfer", f"no call {call_id!r}")

    def close(self) -> None:
        pass


def test_a_backend_satisfies_the_port() -> None:
    console = _Console()
    assert isinstance(console, Telephony)
    request = OriginateRequest(key="callback:c1", extension="100", to=Phone(CLIENT))
    first = console.originate(request)
    assert console.originate(request) == first
    with pytest.raises(TelephonyError) as caught:
        console.transfer("nope", "101")
    assert isinstance(caught.value, BackendError)
    assert (caught.value.backend, caught.value.operation) == ("console", "transfer")
    assert str(caught.value) == "console: transfer failed: no call 'nope'"


def test_an_originate_request_refuses_bad_values() -> None:
    with pytest.raises(ValueError, match="key"):
        OriginateRequest(key="with space", extension="100", to=Phone(CLIENT))
    with pytest.raises(ValueError, match="extension"):
        OriginateRequest(key="k", extension=" ", to=Phone(CLIENT))
    with pytest.raises(TypeError):
        OriginateRequest(key="k", extension="100", to=CLIENT)  # type: ignore[arg-type]


def test_the_webhook_errors_name_backend_operation_and_field() -> None:
    error = WebhookError("zadarma", "missing", field="call_start")
    assert isinstance(error, TelephonyError)
    assert (error.backend, error.operation, error.field) == ("zadarma", "webhook", "call_start")
    assert str(error) == "zadarma: webhook failed: call_start: missing"
    assert isinstance(SignatureError("zadarma", "missing", field="Signature"), WebhookError)
    unsupported = UnsupportedNotificationError("zadarma", "NOTIFY_IVR")
    assert (unsupported.kind, unsupported.field) == ("NOTIFY_IVR", "event")
    assert TelephonyError("ami", "originate", "refused", codes=["Error"]).codes == ("Error",)
