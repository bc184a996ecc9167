"""The telephony kit (``clientops.testing.TelephonyContract`` and its two halves) against the
built-in PBX adapters: the console PBX, Asterisk over its loopback AMI stand-in
(tests/ami_standin.py) and Zadarma's webhooks."""

from __future__ import annotations

import importlib.util
import io
import itertools
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.ami_standin import SECRET, USERNAME, AmiStandin

from clientops.adapters.asterisk import AsteriskAmi
from clientops.adapters.console_phone import ConsolePhone
from clientops.adapters.zadarma import ReplayCache, parse_webhook, signature
from clientops.model import EmployeeId
from clientops.telephony import CallSignal, CallStarted
from clientops.testing import (
    PbxCall,
    SignalRecorder,
    TelephonyContract,
    TelephonyEventsContract,
)

EXTENSIONS = {"101": EmployeeId("anna"), "102": EmployeeId("petrov")}


def _digits(call_number: Any) -> str:
    return str(call_number.e164).lstrip("+")


# =========================================================================== console


class TestConsolePhone(TelephonyContract):
    delivers_in_order = True  # the simulation plays the steps as they happen

    @pytest.fixture
    def phone(self, call_signals: SignalRecorder) -> ConsolePhone:
        start = PbxCall().started_at
        return ConsolePhone(
            call_signals, out=io.StringIO(), clock=lambda: start, extensions=EXTENSIONS
        )

    @pytest.fixture
    def deliver(self, phone: ConsolePhone) -> Callable[[Any], object]:
        def step(notification: tuple[str, Mapping[str, Any]]) -> None:
            name, arguments = notification
            getattr(phone, name)(**arguments)

        return step

    @pytest.fixture
    def telephony(self, phone: ConsolePhone) -> ConsolePhone:
        return phone

    @pytest.fixture
    def placed_calls(self, phone: ConsolePhone) -> Callable[[], int]:
        return lambda: sum(
            1 for e in phone.events if isinstance(e, CallStarted) and e.extension is not None
        )

    def notifications(self, call: PbxCall) -> list[tuple[str, dict[str, Any]]]:
        steps: list[tuple[str, dict[str, Any]]] = [
            (
                "incoming",
                {
                    "from_number": call.caller.e164,
                    "to_line": call.line.e164,
                    "call_id": call.call_id,
                    "at": call.started_at,
                },
            ),
            ("ring", {"call_id": call.call_id, "extension": call.extension, "at": call.at(1)}),
        ]
        if call.answered_after is not None:
            steps.append(
                (
                    "answer",
                    {
                        "call_id": call.call_id,
                        "extension": call.extension,
                        "at": call.at(call.answered_after),
                    },
                )
            )
        if call.recorded:
            steps.append(("record", {"call_id": call.call_id, "recording": "kit.wav"}))
        steps.append(("hang_up", {"call_id": call.call_id, "at": call.at(call.ended_after)}))
        return steps

    def broken_notification(self, call: PbxCall) -> tuple[str, dict[str, Any]]:
        return ("ring", {"call_id": "no-such-call", "extension": call.extension})


# =========================================================================== Asterisk


@pytest.fixture
def needs_panoramisk() -> None:
    if importlib.util.find_spec("panoramisk") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("panoramisk is not installed (CI=true: the AMI tests must run)")
        pytest.skip("panoramisk is not installed")


class _Marked:
    """``on_event`` of the adapter: the marker calls the test pushes after each event (to
    know the adapter has handled it: one connection, in order) stay here; the rest go on."""

    PREFIX = "1799999999."

    def __init__(self, inner: SignalRecorder) -> None:
        self.inner = inner
        self.seen: set[str] = set()
        self.changed = threading.Condition()

    def __call__(self, signal: CallSignal) -> None:
        if signal.call_id.startswith(self.PREFIX):
            with self.changed:
                self.seen.add(signal.call_id)
                self.changed.notify_all()
            return
        self.inner(signal)

    def wait(self, call_id: str) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: call_id in self.seen, 10.0), call_id


def _channel(
    name: str, uid: str, linked: str, context: str, exten: str, cid: str
) -> dict[str, str]:
    return {
        "Channel": name,
        "ChannelState": "6",
        "ChannelStateDesc": "Up",
        "CallerIDNum": cid,
        "CallerIDName": "<unknown>",
        "ConnectedLineNum": "<unknown>",
        "ConnectedLineName": "<unknown>",
        "Language": "ru",
        "AccountCode": "",
        "Context": context,
        "Exten": exten,
        "Priority": "1",
        "Uniqueid": uid,
        "Linkedid": linked,
    }


def _prefixed(fields: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {f"{prefix}{k}": v for k, v in fields.items()}


class TestAsteriskAmi(TelephonyContract):
    delivers_in_order = True  # one AMI connection delivers its events in order

    @pytest.fixture
    def standin(self, needs_panoramisk: None) -> Iterator[AmiStandin]:
        with AmiStandin() as server:
            yield server

    @pytest.fixture
    def marked(self, call_signals: SignalRecorder) -> _Marked:
        return _Marked(call_signals)

    @pytest.fixture
    def ami(self, standin: AmiStandin, marked: _Marked) -> Iterator[AsteriskAmi]:
        adapter = AsteriskAmi(
            marked,
            host="127.0.0.1",
            port=standin.port,
            username=USERNAME,
            secret=SECRET,
            extensions=EXTENSIONS,
            reconnect_delay=0,
            timeout=5.0,
            clock=lambda: PbxCall().started_at,  # the time of the markers, untimestamped
        )
        with adapter.start():
            yield adapter

    @pytest.fixture
    def deliver(
        self, standin: AmiStandin, marked: _Marked, ami: AsteriskAmi
    ) -> Callable[[Any], object]:
        numbers = itertools.count(1)

        def push(message: dict[str, str]) -> None:
            assert standin.push(message) == 1
            uid = f"{_Marked.PREFIX}{next(numbers)}"
            trunk = _channel(f"PJSIP/mark-{uid}", uid, uid, "from-trunk", "1", "79000000000")
            assert standin.push({"Event": "Newchannel", **trunk}) == 1
            marked.wait(uid)

        return push

    @pytest.fixture
    def telephony(self, ami: AsteriskAmi) -> AsteriskAmi:
        return ami

    @pytest.fixture
    def placed_calls(self, standin: AmiStandin) -> Callable[[], int]:
        return lambda: len(standin.actions_named("Originate"))

    def notifications(self, call: PbxCall) -> list[dict[str, str]]:
        epoch = call.started_at.timestamp()
        uid = f"{int(epoch)}.1"
        line, caller = _digits(call.line), _digits(call.caller)
        trunk = _channel("PJSIP/megafon-00000001", uid, uid, "from-trunk", line, caller)
        phone = _channel(
            f"PJSIP/{call.extension}-00000002",
            f"{int(epoch)}.2",
            uid,
            "from-internal",
            line,
            call.extension,
        )

        def at(seconds: float) -> dict[str, str]:
            return {"Timestamp": f"{epoch + seconds:.6f}"}

        dial = {**trunk, **_prefixed(phone, "Dest")}
        events = [
            {"Event": "Newchannel", **trunk, **at(0)},
            {"Event": "Newchannel", **phone, **at(call.ring_after)},
            {"Event": "DialBegin", **dial, "DialString": call.extension, **at(call.ring_after)},
        ]
        if call.answered_after is not None:
            t = call.answered_after
            events += [
                {"Event": "DialEnd", **dial, "DialStatus": "ANSWER", **at(t)},
                {"Event": "BridgeEnter", "BridgeUniqueid": "b-1", **trunk, **at(t)},
                {"Event": "BridgeEnter", "BridgeUniqueid": "b-1", **phone, **at(t)},
            ]
            if call.recorded:
                events.append(
                    {
                        "Event": "VarSet",
                        **trunk,
                        "Variable": "MIXMONITOR_FILENAME",
                        "Value": f"/var/spool/asterisk/monitor/in-{uid}.wav",
                        **at(t + 0.5),
                    }
                )
            events.append({"Event": "Hangup", **phone, "Cause": "16", **at(call.ended_after)})
        else:
            end = call.ended_after
            events += [
                {"Event": "DialEnd", **dial, "DialStatus": "NOANSWER", **at(end - 4)},
                {"Event": "Hangup", **phone, "Cause": "19", **at(end - 4)},
            ]
        events.append({"Event": "Hangup", **trunk, "Cause": "16", **at(call.ended_after)})
        return events

    def broken_notification(self, call: PbxCall) -> dict[str, str]:
        first = self.notifications(call)[0]
        del first["Uniqueid"]
        return {**first, "Timestamp": "soon"}


# =========================================================================== Zadarma

ZADARMA_SECRET = "a248a6a984459935b569"
MOSCOW = ZoneInfo("Europe/Moscow")


class TestZadarmaWebhooks(TelephonyEventsContract):
    """Zadarma only notifies (its click-to-call is not an adapter of clientops yet): the
    events half of the kit, through ``parse_webhook`` with a replay cache, as the WSGI
    application calls it."""

    @pytest.fixture
    def deliver(self, call_signals: SignalRecorder) -> Callable[[Any], object]:
        cache = ReplayCache()
        received = PbxCall().started_at + timedelta(seconds=30)

        def post(form: dict[str, str]) -> None:
            headers = {"Signature": signature(form, ZADARMA_SECRET)}
            call_signals(
                parse_webhook(
                    form,
                    headers,
                    secret=ZADARMA_SECRET,
                    extensions=EXTENSIONS,
                    clock=lambda: received,
                    replay_cache=cache,
                )
            )

        return post

    def notifications(self, call: PbxCall) -> list[dict[str, str]]:
        start = {
            "event": "NOTIFY_START",
            "call_start": call.started_at.astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M:%S"),
            "pbx_call_id": call.call_id,
            "caller_id": _digits(call.caller),
            "called_did": _digits(call.line),
        }
        forms = [start, {**start, "event": "NOTIFY_INTERNAL", "internal": call.extension}]
        if call.answered:
            forms.append(
                {
                    "event": "NOTIFY_ANSWER",
                    "caller_id": start["caller_id"],
                    "destination": start["called_did"],
                    "call_start": start["call_start"],
                    "pbx_call_id": call.call_id,
                    "internal": call.extension,
                }
            )
        recording = f"{call.call_id}.rec" if call.recorded else ""
        forms.append(
            {
                **start,
                "event": "NOTIFY_END",
                "internal": call.extension,
                "duration": str(call.ended_after),
                "disposition": "answered" if call.answered else "no answer",
                "status_code": "16" if call.answered else "19",
                "is_recorded": "1" if call.recorded else "0",
                "call_id_with_rec": recording,
            }
        )
        if call.recorded:
            forms.append(
                {
                    "event": "NOTIFY_RECORD",
                    "pbx_call_id": call.call_id,
                    "call_id_with_rec": recording,
                }
            )
        return forms

    def broken_notification(self, call: PbxCall) -> dict[str, str]:
        form = self.notifications(call)[0]
        del form["pbx_call_id"]
        return form
