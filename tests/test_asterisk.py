"""The Asterisk AMI adapter: every event kind through the translator, the call log it makes
(whatever the duplicates and the interleaving of calls), malformed events skipped, and the
network part over a loopback AMI stand-in (tests/ami_standin.py): login, events, click-to-call
at most once per key, transfer, refusals, and reconnection."""

from __future__ import annotations

import importlib.util
import logging
import os
import random
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from tests.ami_standin import SECRET, USERNAME, AmiStandin, Reply, packet

from clientops.adapters.asterisk import (
    DIAL_STATUSES,
    HANGUP_CAUSES,
    AmiTranslator,
    AsteriskAmi,
    channel_extension,
)
from clientops.calls import CallDirection, CallNumber, CallStatus, build_call_log
from clientops.errors import ConfigurationError, ValidationError
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

EXTENSIONS = {
    "100": EmployeeId("sidorova"),
    "101": EmployeeId("anna"),
    "102": EmployeeId("petrov"),
}
#: 2025-06-23 07:00:00 UTC (10:00 in Moscow), as Unix time
EPOCH = 1750662000
T0 = datetime.fromtimestamp(EPOCH, UTC)
#: The time of events that carry no Timestamp.
RECEIVED = datetime(2025, 6, 23, 7, 30, tzinfo=UTC)
RECORDING = "/var/spool/asterisk/monitor/in-1750662000.1.wav"

Message = dict[str, str]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ts(seconds: float) -> str:
    """``Timestamp:`` as ``timestampevents = yes`` writes it."""
    return f"{EPOCH + seconds:.6f}"


@attrs.frozen
class Chan:
    """A channel as the AMI channel snapshot headers describe it."""

    name: str
    uid: str
    linked: str
    context: str = "from-internal"
    exten: str = ""
    cid: str = "<unknown>"
    connected: str = "<unknown>"

    def fields(self, prefix: str = "") -> Message:
        return {
            f"{prefix}Channel": self.name,
            f"{prefix}ChannelState": "6",
            f"{prefix}ChannelStateDesc": "Up",
            f"{prefix}CallerIDNum": self.cid,
            f"{prefix}CallerIDName": "<unknown>",
            f"{prefix}ConnectedLineNum": self.connected,
            f"{prefix}ConnectedLineName": "<unknown>",
            f"{prefix}Language": "ru",
            f"{prefix}AccountCode": "",
            f"{prefix}Context": self.context,
            f"{prefix}Exten": self.exten,
            f"{prefix}Priority": "1",
            f"{prefix}Uniqueid": self.uid,
            f"{prefix}Linkedid": self.linked,
        }

    def relinked(self, linked: str) -> Chan:
        return attrs.evolve(self, linked=linked)


def newchannel(chan: Chan, t: float) -> Message:
    return {"Event": "Newchannel", **chan.fields(), "Timestamp": ts(t)}


def dial_begin(caller: Chan | None, dest: Chan, t: float, dial: str) -> Message:
    return {
        "Event": "DialBegin",
        **(caller.fields() if caller else {}),
        **dest.fields("Dest"),
        "DialString": dial,
        "Timestamp": ts(t),
    }


def dial_end(caller: Chan | None, dest: Chan, t: float, status: str) -> Message:
    return {
        "Event": "DialEnd",
        **(caller.fields() if caller else {}),
        **dest.fields("Dest"),
        "DialStatus": status,
        "Timestamp": ts(t),
    }


def bridge_enter(chan: Chan, t: float, bridge: str = "b-1") -> Message:
    return {
        "Event": "BridgeEnter",
        "BridgeUniqueid": bridge,
        "BridgeType": "basic",
        "BridgeTechnology": "simple_bridge",
        "BridgeNumChannels": "2",
        **chan.fields(),
        "Timestamp": ts(t),
    }


def hangup(chan: Chan, t: float, cause: int = 16, text: str = "Normal Clearing") -> Message:
    return {
        "Event": "Hangup",
        **chan.fields(),
        "Cause": str(cause),
        "Cause-txt": text,
        "Timestamp": ts(t),
    }


def varset(chan: Chan, t: float, variable: str, value: str) -> Message:
    return {
        "Event": "VarSet",
        **chan.fields(),
        "Variable": variable,
        "Value": value,
        "Timestamp": ts(t),
    }


# The channels of an incoming call: a client calls the company's number, 101 (anna) answers.
IN = "1750662000.1"
CALLER = Chan("PJSIP/megafon-00000001", IN, IN, "from-trunk", "74951234567", "79123456789")
ANNA = Chan("PJSIP/101-00000002", "1750662000.2", IN, "from-internal", "74951234567", "101")
PETROV = Chan("PJSIP/102-00000003", "1750662000.3", IN, "from-internal", "74951234567", "102")


def incoming_answered() -> list[Message]:
    """Rings 101 at +1 s, answered at +9 s, recorded, over at +95 s."""
    return [
        newchannel(CALLER, 0),
        newchannel(ANNA, 1),
        dial_begin(CALLER, ANNA, 1, "101"),
        dial_end(CALLER, ANNA, 9, "ANSWER"),
        bridge_enter(CALLER, 9),
        bridge_enter(ANNA, 9),
        varset(CALLER, 9.5, "MIXMONITOR_FILENAME", RECORDING),
        hangup(ANNA, 95),
        hangup(CALLER, 95.2),
    ]


def incoming_missed(status: str) -> list[Message]:
    """Rings 101 for 20 s; the dial ends with ``status``; the caller hangs up at +25 s."""
    return [
        newchannel(CALLER, 0),
        newchannel(ANNA, 1),
        dial_begin(CALLER, ANNA, 1, "101"),
        dial_end(CALLER, ANNA, 21, status),
        hangup(ANNA, 21, 19, "No answer"),
        hangup(CALLER, 25),
    ]


# An outgoing call: 100 (sidorova) dials 8 912 345-67-89 through the trunk.
OUT = "1750662300.5"
PHONE = Chan("PJSIP/100-00000005", OUT, OUT, "from-internal", "89123456789", "100")
TRUNK = Chan(
    "PJSIP/megafon-00000006",
    "1750662300.6",
    OUT,
    "from-trunk",
    "89123456789",
    "89123456789",
    connected="74951234567",
)


def outgoing(status: str = "ANSWER") -> list[Message]:
    """Dialled at +300 s, the trunk at +301 s, answered at +310 s, over at +370 s."""
    answered = status == "ANSWER"
    return [
        newchannel(PHONE, 300),
        newchannel(TRUNK, 301),
        dial_begin(PHONE, TRUNK, 301, "megafon/89123456789"),
        dial_end(PHONE, TRUNK, 310, status),
        *([bridge_enter(PHONE, 310, "b-2"), bridge_enter(TRUNK, 310, "b-2")] if answered else []),
        hangup(TRUNK, 370 if answered else 310),
        hangup(PHONE, 370 if answered else 310),
    ]


def translator(**options: object) -> AmiTranslator:
    return AmiTranslator(extensions=EXTENSIONS, clock=lambda: RECEIVED, **options)  # type: ignore[arg-type]


def feed_all(messages: list[Message], t: AmiTranslator | None = None) -> list[CallSignal]:
    t = t or translator()
    return [event for message in messages for event in t.feed(message)]


# =========================================================================== each event kind


def test_an_incoming_answered_call_event_by_event() -> None:
    t = translator()
    out = [t.feed(m) for m in incoming_answered()]
    start = CallStarted(
        call_id=IN,
        direction=CallDirection.INCOMING,
        from_number=CallNumber("79123456789", Phone("+79123456789")),
        to_number=CallNumber("74951234567", Phone("+74951234567")),
        line="74951234567",
        at=at(0),
    )
    ringing = CallRinging(call_id=IN, at=at(1), extension="101", employee_id=EmployeeId("anna"))
    answered = CallAnswered(call_id=IN, at=at(9), extension="101", employee_id=EmployeeId("anna"))
    ended = CallEnded(
        call_id=IN,
        at=at(95.2),
        status=CallStatus.ANSWERED,
        duration_seconds=95,
        talk_seconds=86,
        recording=RECORDING,
        extension="101",
        employee_id=EmployeeId("anna"),
        direction=CallDirection.INCOMING,
        from_number=start.from_number,
        to_number=start.to_number,
        line="74951234567",
        started_at=at(0),
    )
    assert out == [
        (start,),
        (),  # anna's channel: part of the call
        (ringing,),
        (answered,),
        (),  # the bridge: already answered
        (),
        (),  # the recording's name, kept for the end
        (),  # anna hangs up: the caller's channel is still there
        (ended, CallRecorded(call_id=IN, recording=RECORDING)),
    ]
    assert t.in_progress == ()


def test_the_call_log_of_an_incoming_answered_call() -> None:
    (entry,) = build_call_log(feed_all(incoming_answered()))
    assert (entry.direction, entry.outcome) == (CallDirection.INCOMING, CallStatus.ANSWERED)
    assert str(entry.caller) == "+7 912 345-67-89"
    assert (entry.started_at, entry.answered_at, entry.ended_at) == (at(0), at(9), at(95.2))
    assert (entry.duration_seconds, entry.talk_seconds) == (95, 86)
    assert (entry.employee_id, entry.recording, entry.missed) == ("anna", RECORDING, False)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        # DIALSTATUS as Dial() documents it, and what it means for the client department
        ("NOANSWER", CallStatus.NO_ANSWER),
        ("BUSY", CallStatus.BUSY),
        ("CANCEL", CallStatus.CANCELLED),
        ("CONGESTION", CallStatus.FAILED),
        ("CHANUNAVAIL", CallStatus.FAILED),
        ("DONTCALL", CallStatus.FAILED),
    ],
)
def test_a_missed_incoming_call_ends_as_its_dial_status_says(
    status: str, outcome: CallStatus
) -> None:
    events = feed_all(incoming_missed(status))
    ended = events[-1]
    assert isinstance(ended, CallEnded)
    assert ended.status is outcome
    assert DIAL_STATUSES[status] is outcome
    assert (ended.duration_seconds, ended.talk_seconds) == (25, 0)
    assert (ended.extension, ended.employee_id) == ("101", "anna")  # whose phone rang
    (entry,) = build_call_log(events)
    assert entry.missed
    assert (entry.outcome, entry.employee_id) == (outcome, "anna")


def test_an_unknown_dial_status_is_a_failure() -> None:
    ended = feed_all(incoming_missed("SOMETHINGNEW"))[-1]
    assert isinstance(ended, CallEnded)
    assert ended.status is CallStatus.FAILED


@pytest.mark.parametrize(
    ("cause", "outcome"),
    [
        (16, CallStatus.CANCELLED),  # normal clearing: the caller hung up
        (17, CallStatus.BUSY),  # user busy
        (19, CallStatus.NO_ANSWER),  # no answer
        (21, CallStatus.BUSY),  # call rejected
        (1, CallStatus.FAILED),  # unallocated number
        (34, CallStatus.FAILED),  # no circuit available
    ],
)
def test_a_call_that_dialled_nobody_ends_as_the_hangup_cause_says(
    cause: int, outcome: CallStatus
) -> None:
    # the caller heard the IVR and hung up, or the network gave up: no Dial at all
    events = feed_all([newchannel(CALLER, 0), hangup(CALLER, 12, cause)])
    ended = events[-1]
    assert isinstance(ended, CallEnded)
    assert (ended.status, ended.duration_seconds, ended.extension) == (outcome, 12, None)
    assert HANGUP_CAUSES.get(cause, CallStatus.FAILED) is outcome


def test_an_answered_call_is_answered_whatever_the_hangup_cause() -> None:
    messages = incoming_answered()
    messages[-1] = hangup(CALLER, 95.2, 17, "User busy")
    ended = feed_all(messages)[-2]
    assert isinstance(ended, CallEnded)
    assert ended.status is CallStatus.ANSWERED


def test_an_outgoing_call_starts_when_it_reaches_the_trunk() -> None:
    t = translator()
    out = [t.feed(m) for m in outgoing()]
    start = CallStarted(
        call_id=OUT,
        direction=CallDirection.OUTGOING,
        from_number=CallNumber("100", None),
        to_number=CallNumber("89123456789", Phone("+79123456789")),
        line="74951234567",  # the number the client sees
        at=at(300),  # when the employee's phone began the call
        extension="100",
        employee_id=EmployeeId("sidorova"),
    )
    assert out[:3] == [(), (), (start,)]
    assert out[3] == (
        CallAnswered(call_id=OUT, at=at(310), extension="100", employee_id=EmployeeId("sidorova")),
    )
    assert out[4:-1] == [(), (), ()]
    (ended,) = out[-1]
    assert isinstance(ended, CallEnded)
    assert (ended.status, ended.direction) == (CallStatus.ANSWERED, CallDirection.OUTGOING)
    assert (ended.duration_seconds, ended.talk_seconds, ended.extension) == (70, 60, "100")
    assert ended.to_number == start.to_number


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("BUSY", CallStatus.BUSY),
        ("NOANSWER", CallStatus.NO_ANSWER),
        ("CANCEL", CallStatus.CANCELLED),
    ],
)
def test_an_outgoing_call_nobody_answered(status: str, outcome: CallStatus) -> None:
    (entry,) = build_call_log(feed_all(outgoing(status)))
    assert (entry.direction, entry.outcome, entry.talk_seconds) == (
        CallDirection.OUTGOING,
        outcome,
        0,
    )
    assert not entry.missed  # only incoming calls are missed
    assert entry.employee_id == "sidorova"


def test_a_click_to_call_the_pbx_originated() -> None:
    # Originate rings the employee first (a dial with no caller), then the dialplan dials out
    key_id = "clientops-0123456789abcdef"
    local = Chan("Local/101@from-internal-0000000a;1", key_id, key_id)
    trunk = Chan("PJSIP/megafon-0000000c", "1750662600.12", key_id, "from-trunk", "79123456789")
    events = feed_all(
        [
            newchannel(local, 600),
            dial_begin(None, local, 600, "101@from-internal"),
            dial_end(None, local, 604, "ANSWER"),  # the employee picked up: not the client yet
            newchannel(trunk, 604),
            dial_begin(local, trunk, 604, "79123456789@megafon"),
            dial_end(local, trunk, 615, "ANSWER"),
            hangup(trunk, 700),
            hangup(local, 700),
        ]
    )
    assert [type(e) for e in events] == [CallStarted, CallAnswered, CallEnded]
    start, answered, ended = events
    assert isinstance(start, CallStarted)
    assert (start.call_id, start.direction, start.extension) == (
        key_id,
        CallDirection.OUTGOING,
        "101",
    )
    assert (start.at, start.to_number.phone) == (at(600), Phone("+79123456789"))
    assert answered == CallAnswered(
        call_id=key_id, at=at(615), extension="101", employee_id=EmployeeId("anna")
    )
    assert isinstance(ended, CallEnded)
    assert (ended.duration_seconds, ended.talk_seconds) == (100, 85)


def test_the_dial_string_gives_the_number_when_the_extension_is_not_one() -> None:
    trunk = attrs.evolve(TRUNK, exten="s")
    events = feed_all(
        [
            newchannel(PHONE, 300),
            newchannel(trunk, 301),
            dial_begin(PHONE, trunk, 301, "megafon/89123456789"),
        ]
    )
    (start,) = events
    assert isinstance(start, CallStarted)
    assert start.to_number.phone == Phone("+79123456789")


def test_a_call_between_two_extensions_is_left_out() -> None:
    a = Chan("PJSIP/100-00000010", "1750662900.10", "1750662900.10", "from-internal", "101", "100")
    b = Chan("PJSIP/101-00000011", "1750662900.11", a.linked, "from-internal", "101", "101")
    t = translator()
    events = feed_all(
        [
            newchannel(a, 900),
            newchannel(b, 900),
            dial_begin(a, b, 900, "101"),
            dial_end(a, b, 903, "ANSWER"),
            bridge_enter(a, 903),
            bridge_enter(b, 903),
            hangup(b, 960),
            hangup(a, 960),
        ],
        t,
    )
    assert events == []
    assert t.in_progress == ()


def test_a_call_forwarded_to_an_outside_number_and_answered_there_is_not_missed() -> None:
    mobile = Chan("PJSIP/megafon-00000004", "1750662000.4", IN, "from-trunk", "89161234567")
    (entry,) = build_call_log(
        feed_all(
            [
                newchannel(CALLER, 0),
                newchannel(mobile, 1),
                dial_begin(CALLER, mobile, 1, "megafon/89161234567"),
                dial_end(CALLER, mobile, 6, "ANSWER"),
                hangup(mobile, 66),
                hangup(CALLER, 66),
            ]
        )
    )
    assert (entry.outcome, entry.missed, entry.talk_seconds) == (CallStatus.ANSWERED, False, 60)
    assert entry.extension is None  # nobody's extension took it


def test_a_blind_transfer() -> None:
    messages = incoming_answered()[:6]
    messages.append(
        {
            "Event": "BlindTransfer",
            "Result": "Success",
            **ANNA.fields("Transferer"),
            **CALLER.fields("Transferee"),
            "BridgeUniqueid": "b-1",
            "IsExternal": "No",
            "Context": "from-internal",
            "Extension": "102",
            "Timestamp": ts(40),
        }
    )
    messages += [
        hangup(ANNA, 40),
        newchannel(PETROV, 40),
        dial_begin(CALLER, PETROV, 40, "102"),
        dial_end(CALLER, PETROV, 44, "ANSWER"),
        hangup(PETROV, 100),
        hangup(CALLER, 100),
    ]
    events = feed_all(messages)
    transfer = CallTransferred(
        call_id=IN,
        at=at(40),
        to_extension="102",
        to_employee_id=EmployeeId("petrov"),
        from_extension="101",
        from_employee_id=EmployeeId("anna"),
    )
    assert transfer in events
    (entry,) = build_call_log(events)
    assert entry.transfers == (transfer,)
    assert (entry.employee_id, entry.answered_at, entry.duration_seconds) == ("anna", at(9), 100)
    assert (
        CallRinging(call_id=IN, at=at(40), extension="102", employee_id=EmployeeId("petrov"))
        in events
    )


@pytest.mark.parametrize("result", ["Fail", "Invalid", "Not Permitted"])
def test_a_failed_transfer_says_nothing(result: str) -> None:
    t = translator()
    feed_all(incoming_answered()[:6], t)
    assert (
        t.feed(
            {
                "Event": "BlindTransfer",
                "Result": result,
                **ANNA.fields("Transferer"),
                "Extension": "102",
                "Timestamp": ts(40),
            }
        )
        == ()
    )


@pytest.mark.parametrize("with_target", [True, False])
def test_an_attended_transfer(with_target: bool) -> None:
    # anna calls petrov (a second, internal call), then joins the client with him
    consult = "1750662000.7"
    anna2 = Chan("PJSIP/101-00000007", consult, consult, "from-internal", "102", "101")
    petrov = Chan("PJSIP/102-00000008", "1750662000.8", consult, "from-internal", "102", "102")
    target = petrov.fields("TransferTarget") if with_target else {}
    messages = [
        *incoming_answered()[:6],
        newchannel(anna2, 30),
        newchannel(petrov, 30),
        dial_begin(anna2, petrov, 30, "102"),
        dial_end(anna2, petrov, 33, "ANSWER"),
        {
            "Event": "AttendedTransfer",
            "Result": "Success",
            **ANNA.fields("OrigTransferer"),
            "OrigBridgeUniqueid": "b-1",
            **anna2.fields("SecondTransferer"),
            "SecondBridgeUniqueid": "b-3",
            **target,
            "DestType": "Bridge",
            "DestBridgeUniqueid": "b-1",
            "IsExternal": "No",
            "Timestamp": ts(50),
        },
        hangup(ANNA, 50),
        hangup(anna2, 50),
        # joined to the client's bridge, petrov's channel takes the call's (older) Linkedid
        hangup(petrov.relinked(IN), 120),
        hangup(CALLER, 120),
    ]
    t = translator()
    events = feed_all(messages, t)
    (entry,) = build_call_log(events)
    assert entry.transfers == (
        CallTransferred(
            call_id=IN,
            at=at(50),
            to_extension="102",
            to_employee_id=EmployeeId("petrov"),
            from_extension="101",
            from_employee_id=EmployeeId("anna"),
        ),
    )
    assert (entry.outcome, entry.duration_seconds) == (CallStatus.ANSWERED, 120)
    assert t.in_progress == ()
    assert t._calls == {}  # the internal consultation call is over too


def test_no_recording_without_mixmonitor_and_other_variables_are_ignored() -> None:
    messages = incoming_answered()
    messages[6] = varset(CALLER, 9.5, "DIALSTATUS", "ANSWER")
    events = feed_all(messages)
    assert not any(isinstance(e, CallRecorded) for e in events)
    ended = events[-1]
    assert isinstance(ended, CallEnded)
    assert ended.recording is None


def test_times_come_from_timestamp_else_from_the_clock() -> None:
    message = {k: v for k, v in newchannel(CALLER, 0).items() if k != "Timestamp"}
    (start,) = translator().feed(message)
    assert start.at == RECEIVED  # type: ignore[union-attr]
    (start,) = translator().feed({**message, "Timestamp": "1750662000.250000"})
    assert start.at == at(0.25)  # type: ignore[union-attr]


def test_headers_are_read_in_any_case_and_unknown_caller_ids_are_unknown() -> None:
    message = {k.upper(): v for k, v in newchannel(CALLER, 0).items()}
    message["CALLERIDNUM"] = "<unknown>"
    (start,) = translator().feed(message)
    assert isinstance(start, CallStarted)
    assert start.from_number == CallNumber("", None)
    assert str(start.from_number) == "unknown"


def test_events_of_a_call_whose_start_was_missed_are_ignored() -> None:
    t = translator()
    for message in incoming_answered()[1:]:  # connected after the call began
        assert t.feed(message) == ()
    assert t.in_progress == ()


def test_other_event_kinds_are_ignored_quietly(caplog: pytest.LogCaptureFixture) -> None:
    t = translator()
    for kind in ("FullyBooted", "Newstate", "Cdr", "PeerStatus", "OriginateResponse"):
        assert t.feed({"Event": kind, "Linkedid": IN}) == ()
    assert caplog.records == []


def test_trunks_can_be_named_by_channel_prefix() -> None:
    caller = attrs.evolve(CALLER, context="from-internal")  # the provider lands in the same context
    assert translator().feed(newchannel(caller, 0)) == ()  # an extension's call, by the rule
    t = translator(trunk_contexts=(), trunk_channels=("PJSIP/megafon",))
    (start,) = t.feed(newchannel(caller, 0))
    assert isinstance(start, CallStarted)
    assert start.direction is CallDirection.INCOMING


def test_a_call_not_heard_of_for_long_is_forgotten(caplog: pytest.LogCaptureFixture) -> None:
    t = translator(stale_after=timedelta(hours=1))
    t.feed(newchannel(CALLER, 0))  # its end is lost in an outage
    later = Chan(
        "PJSIP/megafon-00000020", "1750669300.20", "1750669300.20", "from-trunk", "74951234567"
    )
    t.feed(newchannel(later, 7300))
    assert t.in_progress == ("1750669300.20",)
    assert f"call {IN} forgotten" in caplog.text
    assert t.feed(hangup(CALLER, 7400)) == ()  # remembered as over: not started again


@pytest.mark.parametrize(
    ("channel", "extension"),
    [
        ("PJSIP/101-0000002a", "101"),
        ("SIP/anna-000000ff", "anna"),
        ("PJSIP/my-trunk-0000002a", "my-trunk"),
        ("Local/101@from-internal-00000003;1", "101"),
        ("Local/102@from-queue-00000003;2", "102"),
        ("PJSIP/101", "101"),
        ("nothing", None),
        ("", None),
        (None, None),
    ],
)
def test_channel_extension(channel: str | None, extension: str | None) -> None:
    assert channel_extension(channel) == extension


@pytest.mark.parametrize(
    "options",
    [
        {"trunk_contexts": (), "trunk_channels": ()},
        {"trunk_contexts": "from-trunk"},
        {"stale_after": timedelta(0)},
        {"remember_ended": -1},
    ],
)
def test_bad_translator_options(options: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        AmiTranslator(**options)  # type: ignore[arg-type]


# =========================================================================== a stable log


def two_calls() -> tuple[list[Message], list[Message]]:
    return incoming_answered(), outgoing()


def interleave(a: list[Message], b: list[Message], seed: int) -> list[Message]:
    """``a`` and ``b`` merged at random, each in its own order (as concurrent calls arrive)."""
    rng = random.Random(seed)
    a, b, out = list(a), list(b), []
    while a or b:
        source = a if b == [] or (a and rng.random() < 0.5) else b
        out.append(source.pop(0))
    return out


def test_the_same_messages_twice_give_the_same_log() -> None:
    once = incoming_answered() + outgoing() + incoming_missed("NOANSWER")
    twice = [m for message in once for m in (message, dict(message))]
    assert build_call_log(feed_all(twice)) == build_call_log(feed_all(once))
    # …and a second copy of the whole stream, after the calls are over, changes nothing either
    assert build_call_log(feed_all(once + once)) == build_call_log(feed_all(once))


@pytest.mark.parametrize("seed", range(5))
def test_concurrent_calls_give_the_same_log_whatever_the_interleaving(seed: int) -> None:
    a, b = two_calls()
    log = build_call_log(feed_all(a + b))
    assert len(log) == 2
    assert build_call_log(feed_all(interleave(a, b, seed))) == log


@pytest.mark.parametrize("seed", range(5))
def test_the_call_events_in_any_order_and_repeated_give_the_same_log(seed: int) -> None:
    a, b = two_calls()
    events = feed_all(a + b)
    shuffled = events + events[: len(events) // 2]
    random.Random(seed).shuffle(shuffled)
    assert build_call_log(shuffled) == build_call_log(events)


# =========================================================================== malformed events


GOOD = incoming_answered()


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({k: v for k, v in newchannel(ANNA, 1).items() if k != "Linkedid"}, "Linkedid: missing"),
        ({**dial_begin(CALLER, ANNA, 1, "101"), "Timestamp": "yesterday"}, "Timestamp"),
        ({**dial_begin(CALLER, ANNA, 1, "101"), "Timestamp": "9" * 11 + "9"}, "Timestamp"),
        ({**hangup(ANNA, 5), "Cause": "normal"}, "Cause"),
        (
            {k: v for k, v in dial_end(CALLER, ANNA, 9, "BUSY").items() if k != "DialStatus"},
            "DialStatus",
        ),
        ({**hangup(CALLER, 5), "Uniqueid": f"{IN}\n{IN}"}, "given more than once"),
        ({**hangup(CALLER, 5), "Linkedid": 42}, "is not text"),
        ({"Event": "BlindTransfer", "Result": "Success", "Extension": "102"}, "TransfererLinkedid"),
        ({"Channel": "PJSIP/101-00000002", "Cause": "16"}, "without Event"),
    ],
    ids=[
        "missing field",
        "bad timestamp",
        "timestamp out of range",
        "bad cause",
        "missing status",
        "header twice",
        "not text",
        "transfer of no call",
        "no event",
    ],
)
def test_a_malformed_event_is_logged_and_skipped(
    bad: dict[str, object], named: str, caplog: pytest.LogCaptureFixture
) -> None:
    t = translator()
    events: list[CallSignal] = []
    for i, message in enumerate(GOOD):
        if i == 3:
            assert t.feed(bad) == ()  # type: ignore[arg-type]
        events += t.feed(message)
    assert build_call_log(events) == build_call_log(feed_all(GOOD))  # the call is intact
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert named in warnings[0].getMessage()


# =========================================================================== over the wire


class Received:
    """``on_event``: keeps the events and lets a test wait for them."""

    def __init__(self, fail_first: bool = False) -> None:
        self.events: list[CallSignal] = []
        self._changed = threading.Condition()
        self._fail_first = fail_first

    def __call__(self, event: CallSignal) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()
        if self._fail_first and len(self.events) == 1:
            raise RuntimeError("the CRM is down")

    def wait(self, count: int, timeout: float = 10.0) -> list[CallSignal]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.events) >= count, timeout), (
                f"{len(self.events)} of {count} events arrived: {self.events}"
            )
            return list(self.events)

    def wait_for(
        self, predicate: Callable[[CallSignal], bool], timeout: float = 10.0
    ) -> CallSignal:
        with self._changed:
            assert self._changed.wait_for(lambda: any(map(predicate, self.events)), timeout)
            return next(e for e in self.events if predicate(e))


@pytest.fixture
def needs_panoramisk() -> None:
    if importlib.util.find_spec("panoramisk") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("panoramisk is not installed (CI=true: the AMI tests must run)")
        pytest.skip("panoramisk is not installed")


@pytest.fixture
def standin(needs_panoramisk: None) -> Iterator[AmiStandin]:
    with AmiStandin() as server:
        yield server


@pytest.fixture
def received() -> Received:
    return Received()


def connect(
    standin: AmiStandin, on_event: Callable[[CallSignal], object], **options: object
) -> AsteriskAmi:
    settings: dict[str, object] = {
        "host": "127.0.0.1",
        "port": standin.port,
        "username": USERNAME,
        "secret": SECRET,
        "extensions": EXTENSIONS,
        "reconnect_delay": 0,
        "timeout": 5.0,
        "clock": lambda: RECEIVED,
    }
    settings.update(options)
    return AsteriskAmi(on_event, **settings)  # type: ignore[arg-type]


@pytest.fixture
def ami(standin: AmiStandin, received: Received) -> Iterator[AsteriskAmi]:
    with connect(standin, received) as adapter:
        yield adapter


def push_all(standin: AmiStandin, messages: list[Message]) -> None:
    for message in messages:
        assert standin.push(message) == 1


def marker(standin: AmiStandin, received: Received, n: int) -> None:
    """Push the start of another call and wait for it: everything pushed before it has been
    handled (one connection, in order)."""
    uid = f"1750669999.{n}"
    standin.push(
        newchannel(Chan(f"PJSIP/megafon-9999000{n}", uid, uid, "from-trunk", "74951234567"), 0)
    )
    received.wait_for(lambda e: e.call_id == uid)


@contextmanager
def logged(text: str) -> Iterator[threading.Event]:
    """An event set when the adapter logs a message containing ``text`` (it logs once the
    state it reports is updated)."""
    seen = threading.Event()

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if text in record.getMessage():
                seen.set()

    handler = Handler(logging.DEBUG)
    logger = logging.getLogger("clientops.adapters.asterisk")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def request(key: str = "callback:in-7", **changes: object) -> OriginateRequest:
    fields: dict[str, object] = {
        "key": key,
        "extension": "101",
        "to": Phone.parse("+7 912 345-67-89"),
        "employee_id": EmployeeId("anna"),
    }
    fields.update(changes)
    return OriginateRequest(**fields)  # type: ignore[arg-type]


def test_it_logs_in_and_is_a_telephony_backend(standin: AmiStandin, ami: AsteriskAmi) -> None:
    assert isinstance(ami, Telephony)
    assert ami.name == "asterisk"
    assert ami.connected
    (login,) = standin.actions_named("Login")
    assert (login["Username"], login["Secret"], login["Events"]) == (USERNAME, SECRET, "on")
    assert standin.sessions == 1


def test_events_in_call_events_out(
    standin: AmiStandin, ami: AsteriskAmi, received: Received
) -> None:
    messages = incoming_answered() + outgoing()
    push_all(standin, messages)
    expected = feed_all(messages)
    assert received.wait(len(expected)) == expected
    (incoming, outgoing_call) = build_call_log(received.events)
    assert (incoming.employee_id, incoming.talk_seconds, incoming.recording) == (
        "anna",
        86,
        RECORDING,
    )
    assert (outgoing_call.direction, outgoing_call.employee_id) == (
        CallDirection.OUTGOING,
        "sidorova",
    )


def test_click_to_call_sends_originate_once_per_key(
    standin: AmiStandin, ami: AsteriskAmi, received: Received
) -> None:
    first = request(line="74951234567")
    origination = ami.originate(first)
    (sent,) = standin.actions_named("Originate")
    assert sent == {
        "Action": "Originate",
        "ActionID": "callback:in-7",
        "Async": "true",
        "Channel": "PJSIP/101",
        "ChannelId": origination.call_id,
        "Context": "from-internal",
        "Exten": "79123456789",
        "Priority": "1",
        "Timeout": "30000",
        "Variable": [
            "CLIENTOPS_KEY=callback:in-7",
            "CLIENTOPS_TO=+79123456789",
            "CLIENTOPS_LINE=74951234567",
        ],
    }
    assert origination == Origination("asterisk", "callback:in-7", str(sent["ChannelId"]))
    assert ami.originate(first) == origination  # the same key: the first call, not a second
    assert len(standin.actions_named("Originate")) == 1
    other = ami.originate(request("callback:in-8"))
    assert other.call_id != origination.call_id
    assert len(standin.actions_named("Originate")) == 2

    # the call's events carry the id the origination gave
    assert origination.call_id is not None
    phone = Chan("PJSIP/101-00000030", origination.call_id, origination.call_id)
    trunk = Chan(
        "PJSIP/megafon-00000031", "1750663000.31", origination.call_id, "from-trunk", "79123456789"
    )
    push_all(
        standin,
        [
            newchannel(phone, 1000),
            newchannel(trunk, 1004),
            dial_begin(phone, trunk, 1004, "79123456789@megafon"),
        ],
    )
    start = received.wait_for(lambda e: isinstance(e, CallStarted))
    assert (start.call_id, start.direction) == (origination.call_id, CallDirection.OUTGOING)  # type: ignore[union-attr]


def test_options_shape_the_originate(standin: AmiStandin, received: Received) -> None:
    with connect(
        standin,
        received,
        channel="Local/{extension}@click-to-call",
        context="outbound",
        priority=2,
        ring_seconds=20,
        dial_number=lambda phone: "8" + phone.e164[2:],
    ) as adapter:
        adapter.originate(request())
    (sent,) = standin.actions_named("Originate")
    assert (sent["Channel"], sent["Context"], sent["Priority"], sent["Timeout"]) == (
        "Local/101@click-to-call",
        "outbound",
        "2",
        "20000",
    )
    assert sent["Exten"] == "89123456789"


def test_the_same_key_at_the_same_time_is_one_call(standin: AmiStandin, received: Received) -> None:
    results: list[object] = []
    barrier = threading.Barrier(4)
    with connect(standin, received, timeout=1.0) as adapter:
        standin.script("Originate", "silent")  # hold the first answer back…

        def call() -> None:
            barrier.wait()
            try:
                results.append(adapter.originate(request()))
            except TelephonyError as exc:
                results.append(exc)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(standin.actions_named("Originate")) == 1  # …and nobody sent a second one
    assert len(results) == 4
    assert all(isinstance(r, TelephonyError) for r in results)


def test_a_refused_originate_is_an_error_and_may_be_tried_again(
    standin: AmiStandin, ami: AsteriskAmi
) -> None:
    standin.script("Originate", Reply.error("Extension does not exist."))
    with pytest.raises(TelephonyError) as caught:
        ami.originate(request())
    assert (caught.value.backend, caught.value.operation) == ("asterisk", "originate")
    assert "Extension does not exist." in str(caught.value)
    origination = ami.originate(request())  # nothing was placed: the key is not spent
    assert len(standin.actions_named("Originate")) == 2
    assert ami.originate(request()) == origination


@pytest.mark.parametrize("fault", ["drop", "silent"])
def test_an_originate_whose_answer_was_lost_is_not_sent_again(
    fault: str, standin: AmiStandin, received: Received
) -> None:
    with connect(standin, received, timeout=1.0) as adapter:
        standin.script("Originate", fault)  # type: ignore[arg-type]
        with pytest.raises(TelephonyError, match="may have been placed"):
            adapter.originate(request())
        assert standin.wait_for(lambda: standin.logins == (2 if fault == "drop" else 1))
        assert adapter.wait_connected(10)
        with pytest.raises(TelephonyError, match="not sent again"):
            adapter.originate(request())
        (sent,) = standin.actions_named("Originate")

        # an event of the call shows it was placed after all: the key has its origination
        channel_id = str(sent["ChannelId"])
        standin.push(newchannel(Chan("PJSIP/101-00000040", channel_id, channel_id), 10))
        marker(standin, received, 1)
        assert adapter.originate(request()) == Origination("asterisk", "callback:in-7", channel_id)
        assert len(standin.actions_named("Originate")) == 1


@pytest.mark.parametrize(
    ("late", "placed"),
    [
        # the Originate's own answer, too late
        ([("Response", "Success"), ("Message", "Originate successfully queued")], True),
        ([("Response", "Error"), ("Message", "Extension does not exist.")], False),
        # the result of the origination, which carries the same ActionID
        ([("Event", "OriginateResponse"), ("Response", "Failure"), ("Reason", "3")], False),
    ],
)
def test_a_late_answer_settles_the_key(
    late: list[tuple[str, str]],
    placed: bool,
    standin: AmiStandin,
    received: Received,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with connect(standin, received, timeout=1.0) as adapter:
        standin.script("Originate", "silent")
        with pytest.raises(TelephonyError, match="may have been placed"):
            adapter.originate(request())
        with pytest.raises(TelephonyError, match="not sent again"):
            adapter.originate(request())
        with logged("click-to-call 'callback:in-7' was") as settled:
            standin.push_raw(packet([*late[:1], ("ActionID", "callback:in-7"), *late[1:]]))
            assert settled.wait(10)
        origination = adapter.originate(request())
        sent = standin.actions_named("Originate")
    if placed:  # it was placed: the first origination, nothing sent again
        assert len(sent) == 1
        assert origination == Origination("asterisk", "callback:in-7", str(sent[0]["ChannelId"]))
    else:  # it was not: the key may be used again, and was
        assert len(sent) == 2
        assert "was not placed" in caplog.text


def test_a_failed_origination_is_logged(
    standin: AmiStandin, ami: AsteriskAmi, received: Received, caplog: pytest.LogCaptureFixture
) -> None:
    ami.originate(request())
    standin.push(
        {
            "Event": "OriginateResponse",
            "ActionID": "callback:in-7",
            "Response": "Failure",
            "Channel": "PJSIP/101",
            "Reason": "0",
        }
    )
    marker(standin, received, 3)
    assert "click-to-call callback:in-7 failed" in caplog.text
    ami.originate(request())  # it was placed (the phone just did not answer): not again
    assert len(standin.actions_named("Originate")) == 1


def test_transfer_redirects_the_caller(
    standin: AmiStandin, ami: AsteriskAmi, received: Received
) -> None:
    push_all(standin, incoming_answered()[:6])
    received.wait(3)
    ami.transfer(IN, "102")
    (sent,) = standin.actions_named("Redirect")
    assert (sent["Channel"], sent["Exten"], sent["Context"], sent["Priority"]) == (
        CALLER.name,
        "102",
        "from-internal",
        "1",
    )
    transferred = received.wait(4)[-1]
    assert transferred == CallTransferred(
        call_id=IN,
        at=RECEIVED,
        to_extension="102",
        to_employee_id=EmployeeId("petrov"),
        from_extension="101",
        from_employee_id=EmployeeId("anna"),
    )


def test_transfer_errors(standin: AmiStandin, ami: AsteriskAmi, received: Received) -> None:
    with pytest.raises(TelephonyError, match="no call 'nope' in progress") as caught:
        ami.transfer("nope", "102")
    assert caught.value.operation == "transfer"
    push_all(standin, incoming_answered()[:6])
    received.wait(3)
    standin.script("Redirect", Reply.error(f"Channel does not exist: {CALLER.name}"))
    with pytest.raises(TelephonyError, match="Channel does not exist") as caught:
        ami.transfer(IN, "102")
    assert (caught.value.backend, caught.value.operation) == ("asterisk", "transfer")
    assert not any(isinstance(e, CallTransferred) for e in received.events)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda a: a.transfer(IN, "10 2"), "to_extension"),
        (lambda a: a.transfer(IN, "102\r\nAction: Hangup"), "to_extension"),
        (lambda a: a.originate(request(extension="101\r\nAction: Hangup")), "extension"),
        (lambda a: a.originate(request(line="+7 495\n")), "line"),
    ],
)
def test_what_would_break_the_protocol_is_refused(
    call: Callable[[AsteriskAmi], object], field: str, standin: AmiStandin, ami: AsteriskAmi
) -> None:
    with pytest.raises(ValidationError) as caught:
        call(ami)
    assert caught.value.paths == (field,)
    assert standin.actions_named("Originate") == standin.actions_named("Redirect") == []


def test_malformed_events_are_skipped_and_the_connection_lives(
    standin: AmiStandin, ami: AsteriskAmi, received: Received, caplog: pytest.LogCaptureFixture
) -> None:
    standin.push_raw(b"this is not AMI at all\r\n\r\n")
    standin.push({k: v for k, v in newchannel(CALLER, 0).items() if k != "Linkedid"})
    standin.push({**newchannel(CALLER, 0), "Timestamp": "half past ten"})
    standin.push({**hangup(CALLER, 1), "Cause": "?"})
    push_all(standin, incoming_answered())
    expected = feed_all(incoming_answered())
    assert received.wait(len(expected)) == expected
    assert (standin.connections, standin.logins) == (1, 1)  # never dropped
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 3
    assert any("Linkedid: missing" in m for m in skipped)


def test_a_failing_on_event_is_logged_and_the_next_events_still_come(
    standin: AmiStandin, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = Received(fail_first=True)
    with connect(standin, flaky):
        push_all(standin, incoming_answered())
        flaky.wait(len(feed_all(incoming_answered())))
    assert "the CRM is down" in caplog.text


def test_the_commands_cannot_wait_in_the_adapters_own_thread(standin: AmiStandin) -> None:
    outcome: list[BaseException] = []
    done = threading.Event()

    def on_event(event: CallSignal) -> None:
        try:
            adapter.originate(request())
        except TelephonyError as exc:
            outcome.append(exc)
        done.set()

    with connect(standin, on_event) as adapter:
        standin.push(newchannel(CALLER, 0))
        assert done.wait(10)
    assert "own thread" in str(outcome[0])
    assert standin.actions_named("Originate") == []


def test_close_may_be_called_from_on_event(standin: AmiStandin) -> None:
    closed = threading.Event()

    def on_event(event: CallSignal) -> None:
        adapter.close()  # must not wait for its own thread
        closed.set()

    adapter = connect(standin, on_event)
    adapter.start()
    standin.push(newchannel(CALLER, 0))
    assert closed.wait(10)
    assert standin.wait_for(lambda: standin.sessions == 0)
    with pytest.raises(TelephonyError, match="closed"):
        adapter.originate(request())
    adapter.close()


def test_it_reconnects_when_the_connection_drops(
    standin: AmiStandin, ami: AsteriskAmi, received: Received, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="clientops.adapters.asterisk")
    messages = incoming_answered()
    push_all(standin, messages[:4])  # the call is answered…
    received.wait(3)
    standin.drop()  # …Asterisk restarts its manager, a cable is cut…
    assert standin.wait_for(lambda: standin.logins == 2)
    assert ami.wait_connected(10)
    push_all(standin, messages[4:])  # …and the call goes on over the new connection
    events = received.wait(len(feed_all(messages)))
    (entry,) = build_call_log(events)
    assert (entry.outcome, entry.duration_seconds, entry.recording) == (
        CallStatus.ANSWERED,
        95,
        RECORDING,
    )
    assert "lost the connection" in caplog.text
    assert "reconnected" in caplog.text
    assert standin.connections == 2


def test_a_refused_login_fails_start_and_leaves_nothing_running(standin: AmiStandin) -> None:
    adapter = connect(standin, Received(), secret="wrong")
    with pytest.raises(TelephonyError, match="Authentication failed") as caught:
        adapter.start()
    assert caught.value.operation == "connect"
    assert not [t for t in threading.enumerate() if t.name.startswith("clientops-asterisk")]
    with pytest.raises(TelephonyError, match="closed"):
        adapter.originate(request())


@pytest.mark.usefixtures("needs_panoramisk")
def test_an_unreachable_pbx_fails_start() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = AsteriskAmi(Received(), host="127.0.0.1", port=port, username=USERNAME, secret=SECRET)
    with pytest.raises(TelephonyError, match="cannot connect") as caught:
        adapter.start()
    assert (caught.value.backend, caught.value.operation) == ("asterisk", "connect")


def test_close_is_idempotent_and_ends_the_commands(standin: AmiStandin, received: Received) -> None:
    adapter = connect(standin, received)
    with pytest.raises(TelephonyError, match="not started"):
        adapter.originate(request())
    adapter.start()
    assert adapter.start() is adapter  # starting twice: still one connection
    adapter.close()
    adapter.close()
    assert not adapter.connected
    assert standin.wait_for(lambda: standin.sessions == 0)
    with pytest.raises(TelephonyError, match="closed"):
        adapter.transfer(IN, "102")
    assert standin.connections == 1


@pytest.mark.parametrize(
    "options",
    [
        {"username": ""},
        {"secret": "two\nlines"},
        {"port": 0},
        {"channel": "PJSIP/101"},
        {"priority": 0},
        {"reconnect_delay": -1},
        {"timeout": 0},
        {"context": "from internal"},
        {"trunk_contexts": ()},
    ],
)
def test_bad_adapter_options(options: Mapping[str, object]) -> None:
    settings: dict[str, object] = {"username": USERNAME, "secret": SECRET, **options}
    with pytest.raises(ConfigurationError):
        AsteriskAmi(Received(), **settings)  # type: ignore[arg-type]
