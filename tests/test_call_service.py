"""The call log through ClientOps on a real SQLite file (and PostgreSQL): events folded into one
entry per call whatever their order or repetition, the caller's card linked, a missed call
turned into one call-back, the telephony hooks told once, figures, refusals that store nothing."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import clientops
from clientops import ClientOps, EmployeeId, PluginHost, Reaction, ReactionKind, hookimpl
from clientops.adapters.sqlite import SQLiteStorage
from clientops.calls import (
    CallDirection,
    CallLogEntry,
    CallNumber,
    CallStatus,
    IncomingCallNotice,
    build_call_log,
)
from clientops.errors import ConfigurationError, NotFoundError, PluginError, ValidationError
from clientops.model import Phone
from clientops.telephony import (
    CallAnswered,
    CallEnded,
    CallRecorded,
    CallRinging,
    CallSignal,
    CallStarted,
    TelephonyPolicy,
)
from clientops.testing import a_client, a_staff

T0 = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)  # Monday, 10:00 in Moscow
ANNA = EmployeeId("anna")
CALLER = "+79123456789"
LINE = "+74951234567"


class Recorder:
    """A plugin that keeps what the telephony hooks told it."""

    def __init__(self) -> None:
        self.incoming: list[IncomingCallNotice] = []
        self.ended: list[CallLogEntry] = []
        self.events: list[object] = []

    @hookimpl
    def clientops_incoming_call(self, notice: IncomingCallNotice) -> None:
        self.incoming.append(notice)

    @hookimpl
    def clientops_call_ended(self, entry: CallLogEntry) -> None:
        self.ended.append(entry)

    @hookimpl
    def clientops_event(self, event: object) -> None:
        self.events.append(event)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def ops(db_path: Path, recorder: Recorder) -> Iterator[ClientOps]:
    host = PluginHost(entry_points=False)
    host.register(recorder, name="recorder")
    ops = ClientOps(SQLiteStorage(db_path), host=host, clock=lambda: T0 + timedelta(minutes=5))
    ops.clients.add_staff(a_staff())
    yield ops
    ops.close()


def dump(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def incoming(call_id: str = "in-1", *, caller: str = CALLER, seconds: int = 0) -> CallStarted:
    return CallStarted(
        call_id=call_id,
        direction=CallDirection.INCOMING,
        from_number=CallNumber.parse(caller, strict=False),
        to_number=CallNumber.parse(LINE),
        line=LINE,
        at=T0 + timedelta(seconds=seconds),
    )


def answered_call(call_id: str = "in-1", **kwargs: object) -> list[CallSignal]:
    return [
        incoming(call_id, **kwargs),  # type: ignore[arg-type]
        CallRinging(call_id=call_id, at=T0 + timedelta(seconds=2), extension="101"),
        CallAnswered(
            call_id=call_id, at=T0 + timedelta(seconds=8), extension="101", employee_id=ANNA
        ),
        CallEnded(
            call_id=call_id,
            at=T0 + timedelta(seconds=188),
            status=CallStatus.ANSWERED,
            duration_seconds=188,
            extension="101",
            employee_id=ANNA,
        ),
        CallRecorded(call_id=call_id, recording=f"rec/{call_id}.mp3"),
    ]


def missed_call(call_id: str = "m-1", *, caller: str = CALLER) -> list[CallSignal]:
    return [
        incoming(call_id, caller=caller),
        CallRinging(call_id=call_id, at=T0 + timedelta(seconds=1), extension="101"),
        CallEnded(
            call_id=call_id,
            at=T0 + timedelta(seconds=30),
            status=CallStatus.NO_ANSWER,
            duration_seconds=30,
            extension="101",
            employee_id=ANNA,
        ),
    ]


# ----------------------------------------------------------------------------- the log


def test_an_answered_call_becomes_one_entry_linked_to_the_callers_card(
    ops: ClientOps, recorder: Recorder
) -> None:
    card = ops.clients.add(a_client(phones=(Phone.parse(CALLER),), manager_id=ANNA))
    changes = [ops.calls.record_event(e) for e in answered_call()]
    entry = ops.calls.get("in-1")
    assert changes[-1].entry == entry
    assert (entry.client_id, entry.employee_id, entry.outcome) == (
        card.id,
        ANNA,
        CallStatus.ANSWERED,
    )
    assert (entry.duration_seconds, entry.talk_seconds, entry.recording) == (
        188,
        180,
        "rec/in-1.mp3",
    )
    assert entry.version == len(answered_call()) - 1  # one stored change per later event
    assert ops.calls.calls_of(card.id) == (entry,)
    assert ops.calls.log(date(2025, 6, 23)) == (entry,)
    assert ops.clients.reactions_of(card.id) == ()  # an answered call asks for nothing
    # the operator was shown the card and its manager once; the end was told once
    assert len(recorder.incoming) == 1
    notice = recorder.incoming[0]
    assert notice.client == card
    assert notice.manager is not None
    assert notice.manager.id == ANNA
    assert notice.greeting == "Компания MLS IT, {manager:nom}, здравствуйте! Чем я могу Вам помочь?"
    assert [e.call_id for e in recorder.ended] == ["in-1"]
    assert recorder.ended[0].outcome is CallStatus.ANSWERED


def test_the_same_event_twice_changes_nothing_and_tells_nobody_twice(
    ops: ClientOps, db_path: Path, recorder: Recorder
) -> None:
    for event in answered_call():
        ops.calls.record_event(event)
    before = dump(db_path)
    for event in answered_call():
        change = ops.calls.record_event(event)
        assert change.duplicate
        assert not change.started
        assert not change.ended
    assert dump(db_path) == before
    assert len(recorder.incoming) == 1
    assert len(recorder.ended) == 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.permutations(answered_call() + missed_call()), st.data())
def test_any_order_and_any_repetition_gives_the_same_log(
    tmp_path_factory: pytest.TempPathFactory, events: list[CallSignal], data: st.DataObject
) -> None:
    repeated = data.draw(st.lists(st.sampled_from(events), max_size=4))
    with clientops.connect(
        f"sqlite:///{tmp_path_factory.mktemp('log') / 'log.db'}",
        host=PluginHost(entry_points=False),
        clock=lambda: T0 + timedelta(minutes=5),
    ) as ops:
        ops.clients.add_staff(a_staff())
        for event in [*events, *repeated]:
            ops.calls.record_event(event)
        log = ops.calls.log(date(2025, 6, 23))
        expected = build_call_log(answered_call() + missed_call())
        fields = ("call_id", "outcome", "duration_seconds", "talk_seconds", "employee_id")
        assert [tuple(getattr(e, f) for f in fields) for e in log] == [
            tuple(getattr(e, f) for f in fields) for e in expected
        ]
        assert [set(e.events) for e in log] == [set(e.events) for e in expected]
        # one call-back for the missed call, whatever the order
        missed = ops.calls.get("m-1")
        assert missed.client_id is not None
        backs = [r for r in ops.clients.reactions_of(missed.client_id) if r.id == "callback-m-1"]
        assert len(backs) == 1


def test_events_of_an_unknown_kind_are_refused(ops: ClientOps, db_path: Path) -> None:
    before = dump(db_path)
    with pytest.raises(ValidationError) as err:
        ops.calls.record_event("NOTIFY_START")  # type: ignore[arg-type]
    assert err.value.errors[0].path == "event"
    assert dump(db_path) == before


# ----------------------------------------------------------------------- missed calls


def test_a_missed_call_from_a_client_gets_one_callback_for_the_phone_that_rang(
    ops: ClientOps, recorder: Recorder
) -> None:
    card = ops.clients.add(a_client(phones=(Phone.parse(CALLER),)))
    changes = [ops.calls.record_event(e) for e in missed_call()]
    made = [c for c in changes if c.callback is not None]
    assert len(made) == 1
    back = made[0].callback
    assert isinstance(back, Reaction)
    assert (back.id, back.kind, back.employee_id, back.client_id) == (
        "callback-m-1",
        ReactionKind.OUTGOING_CALL,
        ANNA,
        card.id,
    )
    assert back.due_at == T0 + timedelta(seconds=30) + TelephonyPolicy().callback_delay
    assert back.topic == "Перезвонить: пропущенный звонок с +7 912 345-67-89"
    appeals = ops.clients.appeals_of(card.id)
    assert [a.id for a in appeals] == ["missed-m-1"]
    entry = ops.calls.get("m-1")
    assert (entry.client_id, entry.appeal_id, entry.missed) == (card.id, "missed-m-1", True)
    assert [d.reaction_id for d in ops.clients.due_reactions(ANNA, until=back.due_at)] == [back.id]
    kinds = [type(e).__name__ for e in recorder.events]
    # add_client first, then the missed call's appeal, call-back and CallMissed
    assert kinds == ["ClientCreated", "AppealOpened", "ReactionScheduled", "CallMissed"]


def test_a_missed_call_from_an_unknown_number_gets_a_card_to_call_back_on(
    ops: ClientOps,
) -> None:
    for event in missed_call(caller="+7 913 000-11-22"):
        ops.calls.record_event(event)
    entry = ops.calls.get("m-1")
    assert entry.client_id is not None
    card = ops.clients.get(entry.client_id)
    assert card.name == "Неизвестный абонент +7 913 000-11-22"
    assert card.phones == (Phone.parse("+79130001122"),)
    assert [r.id for r in ops.clients.reactions_of(card.id)] == ["callback-m-1"]
    # the next call from that number finds the card
    for event in answered_call("in-2", caller="+79130001122"):
        ops.calls.record_event(event)
    assert ops.calls.get("in-2").client_id == card.id


def test_unknown_callers_can_be_left_to_the_log(db_path: Path) -> None:
    policy = attrs.evolve(
        clientops.Policy(),
        telephony=TelephonyPolicy(callback_unknown_callers=False),
    )
    with ClientOps(SQLiteStorage(db_path), policy=policy, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        changes = [ops.calls.record_event(e) for e in missed_call()]
        assert all(c.callback is None for c in changes)
        entry = ops.calls.get("m-1")
        assert entry.missed
        assert entry.client_id is None
        assert ops.clients.find(phone=CALLER) == ()


def test_a_withheld_number_is_logged_as_unknown_without_a_callback(ops: ClientOps) -> None:
    for event in missed_call(caller="anonymous"):
        ops.calls.record_event(event)
    entry = ops.calls.get("m-1")
    assert entry.caller is not None
    assert not entry.caller.known
    assert entry.caller.raw == "anonymous"
    assert entry.missed
    assert entry.client_id is None


def test_an_end_that_arrives_first_still_makes_the_callback_once(ops: ClientOps) -> None:
    card = ops.clients.add(a_client(phones=(Phone.parse(CALLER),)))
    start, ring, end = missed_call()
    first = ops.calls.record_event(end)  # the end repeats nothing: number unknown yet
    assert first.ended
    assert first.entry.missed is False  # direction unknown until the start arrives
    ops.calls.record_event(ring)
    last = ops.calls.record_event(start)
    assert last.callback is not None
    assert last.entry.client_id == card.id
    assert [r.id for r in ops.clients.reactions_of(card.id)] == ["callback-m-1"]


# ----------------------------------------------------------------------------- hooks


def test_a_failing_hook_reaches_the_caller_but_the_log_is_kept(
    ops: ClientOps,
) -> None:
    class Broken:
        @hookimpl
        def clientops_call_ended(self, entry: CallLogEntry) -> None:
            raise RuntimeError("crm down")

    ops.context.host.register(Broken(), name="broken")
    events = answered_call()
    for event in events[:-2]:
        ops.calls.record_event(event)
    with pytest.raises(PluginError, match="clientops_call_ended listener 'broken'"):
        ops.calls.record_event(events[-2])
    assert ops.calls.get("in-1").outcome is CallStatus.ANSWERED


def test_the_manager_is_not_offered_while_away(ops: ClientOps, recorder: Recorder) -> None:
    kuznetsova = EmployeeId("kuznetsova")  # away 20–27 June 2025 in a_staff()
    ops.clients.add(a_client(phones=(Phone.parse(CALLER),), manager_id=kuznetsova))
    ops.calls.record_event(incoming())
    assert recorder.incoming[0].client is not None
    assert recorder.incoming[0].manager is None


# --------------------------------------------------------------------- figures, reads


def test_figures_of_a_day_per_employee(ops: ClientOps) -> None:
    for event in answered_call("a") + answered_call("b") + missed_call("c"):
        ops.calls.record_event(event)
    figures = ops.calls.figures(date(2025, 6, 23))
    assert (figures.total.calls, figures.total.answered, figures.total.missed) == (3, 2, 1)
    assert figures.for_employee(ANNA).long_calls == 2
    assert figures.total.airtime == timedelta(seconds=360)
    assert ops.calls.figures(date(2025, 6, 24)).total.calls == 0
    with pytest.raises(ValidationError):
        ops.calls.log(date(2025, 6, 24), date(2025, 6, 23))


def test_reads_name_what_is_missing(ops: ClientOps) -> None:
    with pytest.raises(NotFoundError) as err:
        ops.calls.get("nope")
    assert (err.value.kind, err.value.key) == ("call", "nope")
    with pytest.raises(NotFoundError):
        ops.calls.calls_of(clientops.ClientId("nobody"))


def test_without_a_pbx_commands_say_how_to_get_one(ops: ClientOps) -> None:
    with pytest.raises(ConfigurationError, match=r"ops\.telephony\.open\("):
        ops.telephony.click_to_call(ANNA, CALLER)
    with pytest.raises(ConfigurationError, match="no telephony named 'nope'"):
        ops.telephony.open("nope")


# ----------------------------------------------------------------------- concurrency


def test_events_of_one_call_from_many_threads_lose_nothing(tmp_path: Path) -> None:
    """Two stores over one file (two workers): each event is folded in exactly once."""
    path = tmp_path / "shared.db"
    workers = [
        ClientOps(SQLiteStorage(path), clock=lambda: T0, host=PluginHost(entry_points=False))
        for _ in range(2)
    ]
    workers[0].clients.add_staff(a_staff())
    events = answered_call() + missed_call()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(ops: ClientOps, mine: list[CallSignal]) -> None:
        try:
            barrier.wait(timeout=10)
            for event in mine:
                ops.calls.record_event(event)
        except BaseException as exc:  # reported below
            errors.append(exc)

    halves = [events[0::2], events[1::2]]
    threads = [
        threading.Thread(target=run, args=pair) for pair in zip(workers, halves, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        log = workers[0].calls.log(date(2025, 6, 23))
        assert [set(e.events) for e in log] == [set(e.events) for e in build_call_log(events)]
    finally:
        for ops in workers:
            ops.close()


# ------------------------------------------------------------------------- PostgreSQL


def test_the_call_log_on_postgresql(postgres_url: str) -> None:
    with clientops.connect(postgres_url, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        card = ops.clients.add(a_client(phones=(Phone.parse(CALLER),)))
        for event in itertools.chain(answered_call(), missed_call(), missed_call()):
            ops.calls.record_event(event)
        assert [e.call_id for e in ops.calls.calls_of(card.id)] == ["in-1", "m-1"]
        assert [r.id for r in ops.clients.reactions_of(card.id)] == ["callback-m-1"]
        assert ops.calls.figures(date(2025, 6, 23)).total.calls == 2


def test_a_start_that_arrives_after_the_end_shows_no_screen(
    ops: ClientOps, recorder: Recorder
) -> None:
    start, _ring, end = missed_call()
    ops.calls.record_event(end)
    late = ops.calls.record_event(start)
    assert not late.started
    assert recorder.incoming == []
    assert [e.call_id for e in recorder.ended] == ["m-1"]
