"""The telephony kit: what every PBX adapter must do (re-exported by :mod:`clientops.testing`).

A PBX adapter has two sides. Its **events** side turns the PBX's notifications (AMI events,
webhooks…) into :data:`~clientops.telephony.CallSignal` values; the call log folds them into
one entry per call whatever their order and their repeats, provided the adapter tells the
same call the same way every time. Its **commands** side is the
:class:`~clientops.telephony.Telephony` port: click-to-call at most once per key, transfer,
close. An adapter that only receives (a webhook parser) passes the first kit alone.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from clientops._telephony import (
    CallDirection,
    CallLogEntry,
    CallSignal,
    CallStatus,
    OriginateRequest,
    Origination,
    Telephony,
    TelephonyError,
)
from clientops.model import EmployeeId, Phone

__all__ = [
    "PbxCall",
    "SignalRecorder",
    "TelephonyCommandsContract",
    "TelephonyContract",
    "TelephonyEventsContract",
    "fold_call_log",
]

#: When the kit's calls start: 2025-06-23 10:00 in Moscow.
CALL_START = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)


@attrs.frozen(kw_only=True)
class PbxCall:
    """An incoming call the kit asks a PBX to report: ``caller`` calls the company's
    ``line``; ``extension`` (the employee ``employee_id``) rings ``ring_after`` seconds after
    the start, answers ``answered_after`` seconds after it (``None``: nobody answers), and the
    call ends ``ended_after`` seconds after the start, recorded when ``recorded``."""

    call_id: str = "kit-call-1"
    caller: Phone = Phone("+79123456789")
    line: Phone = Phone("+74951234567")
    extension: str = "101"
    employee_id: EmployeeId = EmployeeId("anna")
    started_at: datetime = CALL_START
    ring_after: int = 1
    answered_after: int | None = 9
    ended_after: int = 95
    recorded: bool = True

    @property
    def answered(self) -> bool:
        return self.answered_after is not None

    def at(self, seconds: float) -> datetime:
        """The moment ``seconds`` after the start."""
        return self.started_at + timedelta(seconds=seconds)


#: The two calls of the kit: answered and recorded, and missed.
ANSWERED_CALL = PbxCall()
MISSED_CALL = PbxCall(call_id="kit-call-2", answered_after=None, ended_after=25, recorded=False)


class SignalRecorder:
    """An ``on_event`` for an adapter under test: keeps every call signal it is handed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signals: list[CallSignal] = []

    def __call__(self, signal: CallSignal) -> None:
        with self._lock:
            self._signals.append(signal)

    @property
    def signals(self) -> tuple[CallSignal, ...]:
        with self._lock:
            return tuple(self._signals)


def fold_call_log(signals: Iterable[CallSignal]) -> tuple[CallLogEntry, ...]:
    """The call log that ``ops.calls.record_event`` makes of ``signals``, one at a time and in
    that order, on a fresh in-memory store: every entry, oldest first."""
    from clientops.adapters.memory import MemoryStorage
    from clientops.host import PluginHost
    from clientops.services import ClientOps

    ops = ClientOps(
        MemoryStorage(),
        host=PluginHost(entry_points=False),
        clock=lambda: CALL_START + timedelta(hours=1),
    )
    try:
        for signal in signals:
            ops.calls.record_event(signal)
        with ops.storage.unit_of_work(readonly=True) as uow:
            return uow.calls.between(
                datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)
            )
    finally:
        ops.close()


def _unlinked(entry: CallLogEntry) -> CallLogEntry:
    """The entry without the card and appeal the store made for it (their ids are new in
    every store)."""
    return attrs.evolve(entry, client_id=None, appeal_id=None)


def _refusal(deliver: Callable[[Any], object], notification: Any) -> TelephonyError | None:
    """Deliver one notification; the TelephonyError it was refused with, if it was."""
    try:
        deliver(notification)
    except TelephonyError as error:
        return error
    return None


class _PbxKit:
    @pytest.fixture
    def call_signals(self) -> SignalRecorder:
        """What the adapter under test hands on: build it with this as its ``on_event``."""
        return SignalRecorder()


class TelephonyEventsContract(_PbxKit):
    """The events side of a PBX adapter: a call reported by the PBX, its notifications
    delivered in any order (unless the PBX's channel keeps the order) and each twice, is one
    entry in the call log, with the caller, the line, who answered, how long and how it
    ended, and its recording.

    Subclass it and provide:

    - :meth:`notifications`: the PBX's own notifications (wire messages, forms…) of a
      :class:`PbxCall`, in the order the PBX sends them;
    - :meth:`broken_notification`: one the adapter cannot read (a missing call id…);
    - the ``deliver`` fixture: a function handing one notification to the adapter through
      its own entry point (the one a real deployment uses), returning once the adapter has
      handed on what it makes of it to ``call_signals`` (the kit's ``on_event``). Build the
      adapter with ``extensions={call.extension: call.employee_id}``.

    A repeated notification may be refused with a
    :class:`~clientops.telephony.TelephonyError` (a replay check); the first delivery of
    each may not raise. Set :attr:`delivers_in_order` when the PBX's channel keeps the order
    of its notifications (one AMI connection): the kit then reorders the call signals the
    adapter made, not the notifications.
    """

    #: The PBX's channel keeps the order of the notifications (AMI over one connection).
    delivers_in_order: bool = False

    def notifications(self, call: PbxCall) -> Sequence[Any]:  # pragma: no cover - overridden
        raise NotImplementedError("return the PBX's notifications of the call, in its order")

    def broken_notification(self, call: PbxCall) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError("return a notification the adapter cannot read")

    @pytest.fixture
    def deliver(
        self, call_signals: SignalRecorder
    ) -> Callable[[Any], object]:  # pragma: no cover - always overridden
        raise NotImplementedError(
            "provide a `deliver` fixture handing one notification to the adapter, which hands "
            "its call signals to `call_signals`"
        )

    # ------------------------------------------------------------------ helpers
    def _deliver_all(
        self, deliver: Callable[[Any], object], notifications: Sequence[Any], *, seed: int | None
    ) -> None:
        """Each notification twice: shuffled (``seed``) unless the channel keeps the order,
        the repeat right after the first otherwise. Only a repeat may be refused."""
        order = [(n, i) for i, n in enumerate(notifications) for _ in range(2)]
        if seed is not None and not self.delivers_in_order:
            random.Random(seed).shuffle(order)
        seen: set[int] = set()
        for notification, index in order:
            refused = _refusal(deliver, notification)
            if refused is not None:
                first = index not in seen
                assert not first, f"the first delivery of notification {index} failed: {refused}"
                assert refused.backend, "a TelephonyError names its backend"
            seen.add(index)

    def _check(self, entry: CallLogEntry, call: PbxCall) -> None:
        assert entry.direction is CallDirection.INCOMING, entry
        assert entry.caller is not None
        assert entry.caller.phone == call.caller, entry.caller
        assert entry.started_at == call.started_at, entry.started_at
        assert entry.ended_at is not None
        assert entry.ended_at >= call.at(call.ended_after - 1)
        assert entry.duration_seconds is not None
        assert abs(entry.duration_seconds - call.ended_after) <= 1, entry.duration_seconds
        if call.answered:
            assert entry.outcome is CallStatus.ANSWERED, entry.outcome
            assert entry.employee_id == call.employee_id, entry.employee_id
            assert entry.talk_seconds is not None
            assert 0 < entry.talk_seconds <= entry.duration_seconds
        else:
            assert entry.outcome in (CallStatus.NO_ANSWER, CallStatus.CANCELLED), entry.outcome
            assert entry.talk_seconds == 0, entry.talk_seconds
        if call.recorded:
            assert entry.recording, "the recording is in the entry"

    def _one_entry(self, signals: Sequence[CallSignal], call: PbxCall) -> CallLogEntry:
        assert signals, "the adapter handed on no call signal"
        entries = fold_call_log(signals)
        assert len(entries) == 1, f"{len(entries)} entries: {entries}"
        self._check(entries[0], call)
        return entries[0]

    # ------------------------------------------------------------------ the contract
    @pytest.mark.parametrize("call", [ANSWERED_CALL, MISSED_CALL], ids=["answered", "missed"])
    def test_a_call_is_one_entry_in_the_call_log(
        self, deliver: Callable[[Any], object], call_signals: SignalRecorder, call: PbxCall
    ) -> None:
        for notification in self.notifications(call):
            deliver(notification)
        signals = call_signals.signals
        assert len({s.call_id for s in signals}) == 1, "one call, one call id"
        self._one_entry(signals, call)

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_notifications_in_any_order_and_twice_make_the_same_entry(
        self, deliver: Callable[[Any], object], call_signals: SignalRecorder, seed: int
    ) -> None:
        call = ANSWERED_CALL
        self._deliver_all(deliver, self.notifications(call), seed=seed)
        signals = list(call_signals.signals)
        entry = _unlinked(self._one_entry(signals, call))
        shuffled = signals[:]
        random.Random(seed).shuffle(shuffled)
        for arrangement in (signals[::-1], shuffled, signals + shuffled):
            (again,) = fold_call_log(arrangement)
            assert _unlinked(again) == entry

    def test_a_missed_call_delivered_twice_is_one_missed_call(
        self, deliver: Callable[[Any], object], call_signals: SignalRecorder
    ) -> None:
        self._deliver_all(deliver, self.notifications(MISSED_CALL), seed=7)
        signals = list(call_signals.signals)
        self._one_entry(signals, MISSED_CALL)
        self._one_entry(signals[::-1] + signals, MISSED_CALL)

    def test_a_broken_notification_hands_nothing_on(
        self, deliver: Callable[[Any], object], call_signals: SignalRecorder
    ) -> None:
        refused = _refusal(deliver, self.broken_notification(ANSWERED_CALL))
        if refused is not None:
            assert refused.backend
            assert refused.operation
        assert call_signals.signals == ()
        for notification in self.notifications(ANSWERED_CALL):  # and the adapter goes on
            deliver(notification)
        self._one_entry(call_signals.signals, ANSWERED_CALL)


class TelephonyCommandsContract(_PbxKit):
    """The commands side of a PBX adapter, the :class:`~clientops.telephony.Telephony` port:
    click-to-call at most once per key, a transfer of a call the PBX does not know refused,
    a closed backend refusing, every refusal a
    :class:`~clientops.telephony.TelephonyError` naming the backend and the operation.

    Subclass it and provide the fixtures ``telephony`` (a started backend whose
    ``on_event`` is ``call_signals``; it knows the extension :attr:`extension`) and
    ``placed_calls`` (a function returning how many calls the PBX was asked to place, read on
    the PBX's side).
    """

    #: The employee's phone that click-to-call rings first.
    extension: str = "101"
    #: The number dialled once it picks up.
    dialled: Phone = Phone("+79123456789")
    #: A call id the PBX does not know.
    unknown_call_id: str = "kit-no-such-call"

    @pytest.fixture
    def telephony(
        self, call_signals: SignalRecorder
    ) -> Telephony:  # pragma: no cover - always overridden
        raise NotImplementedError("provide a `telephony` fixture: a started backend")

    @pytest.fixture
    def placed_calls(self) -> Callable[[], int]:  # pragma: no cover - always overridden
        raise NotImplementedError(
            "provide a `placed_calls` fixture: a function counting the calls the PBX placed"
        )

    def originate_request(self, key: str) -> OriginateRequest:
        return OriginateRequest(
            key=key, extension=self.extension, to=self.dialled, employee_id=EmployeeId("anna")
        )

    @staticmethod
    def _names(error: TelephonyError, telephony: Telephony, operation: str) -> None:
        assert (error.backend, error.operation) == (telephony.name, operation), (
            f"the error names {error.backend!r}/{error.operation!r}, not "
            f"{telephony.name!r}/{operation!r}"
        )

    def test_it_is_a_telephony(self, telephony: Telephony) -> None:
        assert isinstance(telephony, Telephony)
        assert isinstance(telephony.name, str)
        assert telephony.name

    def test_click_to_call_places_one_call(
        self, telephony: Telephony, placed_calls: Callable[[], int]
    ) -> None:
        before = placed_calls()
        origination = telephony.originate(self.originate_request("kit-c2c-1"))
        assert isinstance(origination, Origination)
        assert (origination.backend, origination.key) == (telephony.name, "kit-c2c-1")
        assert placed_calls() == before + 1

    def test_the_same_key_places_the_call_once(
        self, telephony: Telephony, placed_calls: Callable[[], int]
    ) -> None:
        request = self.originate_request("kit-c2c-once")
        first = telephony.originate(request)
        placed = placed_calls()
        assert telephony.originate(request) == first
        assert placed_calls() == placed

    def test_another_key_places_another_call(
        self, telephony: Telephony, placed_calls: Callable[[], int]
    ) -> None:
        before = placed_calls()
        one = telephony.originate(self.originate_request("kit-c2c-a"))
        two = telephony.originate(self.originate_request("kit-c2c-b"))
        assert one != two
        if one.call_id is not None and two.call_id is not None:
            assert one.call_id != two.call_id
        assert placed_calls() == before + 2

    def test_a_transfer_of_an_unknown_call_is_refused(self, telephony: Telephony) -> None:
        with pytest.raises(TelephonyError) as caught:
            telephony.transfer(self.unknown_call_id, "102")
        self._names(caught.value, telephony, "transfer")

    def test_a_closed_backend_refuses_and_closes_once(
        self, telephony: Telephony, placed_calls: Callable[[], int]
    ) -> None:
        telephony.close()
        telephony.close()
        before = placed_calls()
        with pytest.raises(TelephonyError) as caught:
            telephony.originate(self.originate_request("kit-c2c-closed"))
        self._names(caught.value, telephony, "originate")
        assert placed_calls() == before


class TelephonyContract(TelephonyEventsContract, TelephonyCommandsContract):
    """Both sides of a PBX adapter: :class:`TelephonyEventsContract` and
    :class:`TelephonyCommandsContract`."""
