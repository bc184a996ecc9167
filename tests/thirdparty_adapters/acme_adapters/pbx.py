"""The Acme cloud PBX: JSON webhooks in (``receive``), click-to-call out."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime

from clientops.calls import CallDirection, CallNumber, CallStatus
from clientops.model import EmployeeId
from clientops.telephony import (
    CallAnswered,
    CallEnded,
    CallRecorded,
    CallSignal,
    CallStarted,
    OriginateRequest,
    Origination,
    TelephonyError,
)

NAME = "acme_pbx"


class AcmePbx:
    """A notification is a mapping: ``type`` (``start``, ``answer``, ``end``, ``record``),
    ``call``, and per type ``from``/``to``/``at``, ``ext``/``at``,
    ``at``/``started``/``status``/``seconds``/``talk``, ``file``."""

    name = NAME

    def __init__(
        self,
        *,
        on_event: Callable[[CallSignal], object],
        extensions: Mapping[str, EmployeeId] | None = None,
    ) -> None:
        self._on_event = on_event
        self._extensions = dict(extensions or {})
        self._originations: dict[str, Origination] = {}
        self._live: set[str] = set()
        self.placed: list[OriginateRequest] = []
        self._closed = False
        self._lock = threading.Lock()

    def receive(self, note: Mapping[str, str]) -> None:
        """Hand one webhook on as a call signal; TelephonyError for one that cannot be read."""
        try:
            signal = self._signal(note)
        except (KeyError, ValueError) as exc:
            raise TelephonyError(NAME, "webhook", f"unreadable notification: {exc!r}") from None
        self._live.add(signal.call_id)
        self._on_event(signal)

    def _signal(self, note: Mapping[str, str]) -> CallSignal:
        kind, call = note["type"], note["call"]
        if kind == "start":
            return CallStarted(
                call_id=call,
                direction=CallDirection.INCOMING,
                from_number=CallNumber.parse(note["from"]),
                to_number=CallNumber.parse(note["to"]),
                line=note["to"],
                at=datetime.fromisoformat(note["at"]),
            )
        if kind == "answer":
            return CallAnswered(
                call_id=call,
                at=datetime.fromisoformat(note["at"]),
                extension=note["ext"],
                employee_id=self._extensions.get(note["ext"]),
            )
        if kind == "end":
            ext = note.get("ext") or None
            return CallEnded(
                call_id=call,
                at=datetime.fromisoformat(note["at"]),
                status=CallStatus(note["status"]),
                duration_seconds=int(note["seconds"]),
                talk_seconds=int(note["talk"]),
                extension=ext,
                employee_id=self._extensions.get(ext) if ext else None,
                direction=CallDirection.INCOMING,
                started_at=datetime.fromisoformat(note["started"]),
            )
        if kind == "record":
            return CallRecorded(call_id=call, recording=note["file"])
        raise ValueError(f"unknown type {kind!r}")

    def originate(self, request: OriginateRequest) -> Origination:
        with self._lock:
            if self._closed:
                raise TelephonyError(NAME, "originate", "closed")
            done = self._originations.get(request.key)
            if done is None:
                self.placed.append(request)
                done = Origination(NAME, request.key, f"acme-out-{len(self.placed)}")
                self._originations[request.key] = done
            return done

    def transfer(self, call_id: str, to_extension: str) -> None:
        with self._lock:
            if self._closed:
                raise TelephonyError(NAME, "transfer", "closed")
            if call_id not in self._live:
                raise TelephonyError(NAME, "transfer", f"no call {call_id!r}")

    def close(self) -> None:
        with self._lock:
            self._closed = True
