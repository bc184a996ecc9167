"""A local stand-in for the Asterisk Manager Interface: a real TCP server on 127.0.0.1 (an
ephemeral port) speaking the AMI wire protocol as Asterisk documents it («The Asterisk
Manager TCP/IP API», the AMI Actions pages at docs.asterisk.org):

* on connection, the banner line ``Asterisk Call Manager/<version>\\r\\n``;
* every packet is ``Key: Value\\r\\n`` lines ended by an empty line (``\\r\\n\\r\\n``); a
  client sends ``Action:`` packets, the server answers ``Response:`` packets (echoing
  ``ActionID`` when one was given) and pushes ``Event:`` packets;
* ``Login`` → ``Response: Success`` / ``Message: Authentication accepted`` and, when events
  are on, ``Event: FullyBooted``; a wrong secret → ``Response: Error`` / ``Message:
  Authentication failed`` and the connection is closed; any other action before the login →
  ``Message: Permission denied``;
* ``Ping`` → ``Ping: Pong``; ``Logoff`` → ``Response: Goodbye`` and the connection closed;
* ``Originate`` → ``Message: Originate successfully queued`` (``Async: true``), ``Channel
  not specified`` without a channel;
* ``Redirect`` → ``Message: Redirect successful`` for a channel that exists (one announced
  by a pushed ``Newchannel`` and not yet hung up), ``Channel does not exist: <name>`` else;
* any other action → ``Message: Invalid/unknown command: <name>. Use Action: ListCommands to
  show available commands.``

Tests script it:

``push(event)``         an ``Event:`` packet to every logged-in session, headers in order
``push_raw(data)``      bytes as they are (garbage, a half packet…)
``drop()``              close every connection, as a restarting Asterisk or a cut cable does
``script(name, reply)`` the next action ``name`` gets ``reply`` instead: a :class:`Reply`
                        (``Reply.error("…")``), ``"drop"`` (the connection is closed, no
                        answer) or ``"silent"`` (no answer at all)
``actions``             every action received, in order, as dicts (``Login`` included)
``wait_for(pred)``      wait until ``pred()`` holds (a condition notified at every change)
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Literal

import attrs

BANNER_VERSION = "5.0.3"
USERNAME = "clientops"
SECRET = "s3cret-ami"


@attrs.frozen
class Reply:
    """A scripted answer: ``Response: <response>`` with ``Message`` and more headers."""

    response: str
    message: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def error(cls, message: str) -> Reply:
        return cls("Error", message)

    @classmethod
    def success(cls, message: str | None = None, **headers: str) -> Reply:
        return cls("Success", message, tuple(headers.items()))


Script = Reply | Literal["drop", "silent"]


def packet(headers: Iterable[tuple[str, str]]) -> bytes:
    """One AMI packet: ``Key: Value`` lines and the empty line that ends it."""
    return "".join(f"{k}: {v}\r\n" for k, v in headers).encode("utf-8") + b"\r\n"


class _Session:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.lock = threading.Lock()
        self.logged_in = False
        self.events = True
        self.open = True

    def send(self, data: bytes) -> bool:
        with self.lock:
            if not self.open:
                return False
            try:
                self.sock.sendall(data)
            except OSError:
                self.open = False
                return False
            return True

    def cut(self) -> None:
        with self.lock:
            self.open = False
            with contextlib.suppress(OSError):  # already closed by the client
                self.sock.shutdown(socket.SHUT_RDWR)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        standin = self.server.standin
        session = _Session(self.request)
        standin._opened(session)
        try:
            session.send(f"Asterisk Call Manager/{standin.version}\r\n".encode("ascii"))
            headers: list[tuple[str, str]] = []
            while session.open:
                try:
                    line = self.rfile.readline()
                except OSError:  # reset by the client
                    break
                if not line:
                    break
                text = line.decode("utf-8", "replace").rstrip("\r\n")
                if text:
                    name, _, value = text.partition(":")
                    headers.append((name.strip(), value.strip()))
                    continue
                if headers:
                    standin._action(session, headers)
                    headers = []
        finally:
            standin._closed(session)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = False
    block_on_close = True

    def __init__(self, standin: AmiStandin) -> None:
        self.standin = standin
        super().__init__(("127.0.0.1", 0), _Handler)


class AmiStandin:
    """The stand-in server; use it as a context manager (``with AmiStandin() as pbx:``)."""

    def __init__(
        self, *, username: str = USERNAME, secret: str = SECRET, version: str = BANNER_VERSION
    ) -> None:
        self.username = username
        self.secret = secret
        self.version = version
        self._changed = threading.Condition()
        self._sessions: list[_Session] = []
        self._actions: list[dict[str, str | list[str]]] = []
        self._scripts: dict[str, deque[Script]] = {}
        self._channels: set[str] = set()
        self.logins = 0
        self.connections = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> AmiStandin:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self.drop()
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()  # joins the connection threads
        self._server = None

    def __enter__(self) -> AmiStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    # ------------------------------------------------------------------ scripting

    def push(self, event: Mapping[str, str]) -> int:
        """Send an event to every logged-in session (with events on); how many got it.
        ``Event`` goes first, then ``Privilege: call,all`` unless given, then the rest."""
        headers = [("Event", event["Event"])]
        if "Privilege" not in event:
            headers.append(("Privilege", "call,all"))
        headers += [(k, v) for k, v in event.items() if k != "Event"]
        self._track_channels(event)
        return self._broadcast(packet(headers))

    def push_raw(self, data: bytes) -> int:
        return self._broadcast(data)

    def drop(self) -> None:
        """Close every connection at once."""
        with self._changed:
            sessions = list(self._sessions)
        for session in sessions:
            session.cut()

    def script(self, action: str, reply: Script) -> None:
        with self._changed:
            self._scripts.setdefault(action.lower(), deque()).append(reply)

    @property
    def actions(self) -> list[dict[str, str | list[str]]]:
        with self._changed:
            return [dict(a) for a in self._actions]

    def actions_named(self, name: str) -> list[dict[str, str | list[str]]]:
        return [a for a in self.actions if str(a.get("Action", "")).lower() == name.lower()]

    @property
    def sessions(self) -> int:
        """Sessions logged in now."""
        with self._changed:
            return sum(s.logged_in and s.open for s in self._sessions)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    # ------------------------------------------------------------------ the protocol

    def _broadcast(self, data: bytes) -> int:
        with self._changed:
            sessions = [s for s in self._sessions if s.logged_in and s.events]
        return sum(session.send(data) for session in sessions)

    def _track_channels(self, event: Mapping[str, str]) -> None:
        kind, channel = event.get("Event", "").lower(), event.get("Channel")
        with self._changed:
            if kind == "newchannel" and channel:
                self._channels.add(channel)
            elif kind == "hangup" and channel:
                self._channels.discard(channel)

    def _opened(self, session: _Session) -> None:
        with self._changed:
            self._sessions.append(session)
            self.connections += 1
            self._changed.notify_all()

    def _closed(self, session: _Session) -> None:
        with self._changed:
            session.open = False
            self._sessions.remove(session)
            self._changed.notify_all()

    def _action(self, session: _Session, headers: list[tuple[str, str]]) -> None:
        action: dict[str, str | list[str]] = {}
        for name, value in headers:
            if name in action:  # a repeated header (Variable): all its values
                before = action[name]
                action[name] = [*([before] if isinstance(before, str) else before), value]
            else:
                action[name] = value
        name = str(action.get("Action", ""))
        action_id = action.get("ActionID")
        echo = [("ActionID", str(action_id))] if isinstance(action_id, str) else []
        with self._changed:
            self._actions.append(action)
            queued = self._scripts.get(name.lower())
            scripted = queued.popleft() if queued else None
            self._changed.notify_all()

        def answer(response: str, message: str | None, *more: tuple[str, str]) -> None:
            lines = [("Response", response), *echo]
            if message is not None:
                lines.append(("Message", message))
            session.send(packet([*lines, *more]))

        lowered = name.lower()
        if lowered == "login":
            self._login(session, action, answer)
            return
        if not session.logged_in and lowered not in ("logoff", "challenge"):
            answer("Error", "Permission denied")
            return
        if scripted == "drop":
            session.cut()
            return
        if scripted == "silent":
            return
        if isinstance(scripted, Reply):
            answer(scripted.response, scripted.message, *scripted.headers)
            return
        if lowered == "ping":
            answer("Success", None, ("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}"))
        elif lowered == "logoff":
            answer("Goodbye", "Thanks for all the fish.")
            session.cut()
        elif lowered == "originate":
            if not action.get("Channel"):
                answer("Error", "Channel not specified")
            else:
                answer("Success", "Originate successfully queued")
        elif lowered == "redirect":
            channel = str(action.get("Channel", ""))
            with self._changed:
                exists = channel in self._channels
            if exists:
                answer("Success", "Redirect successful")
            else:
                answer("Error", f"Channel does not exist: {channel}")
        else:
            answer(
                "Error",
                f"Invalid/unknown command: {name}. "
                "Use Action: ListCommands to show available commands.",
            )

    def _login(
        self,
        session: _Session,
        action: Mapping[str, str | list[str]],
        answer: Callable[..., None],
    ) -> None:
        if action.get("Username") != self.username or action.get("Secret") != self.secret:
            answer("Error", "Authentication failed")
            session.cut()
            return
        events = str(action.get("Events", "on")).lower()
        with self._changed:  # authenticated first, as Asterisk does: pushes reach it from now
            session.logged_in = True
            session.events = events not in ("off", "no", "false")
            self.logins += 1
            self._changed.notify_all()
        answer("Success", "Authentication accepted")
        if session.events:
            session.send(
                packet(
                    [
                        ("Event", "FullyBooted"),
                        ("Privilege", "system,all"),
                        ("Uptime", "1"),
                        ("LastReload", "1"),
                        ("Status", "Fully Booted"),
                    ]
                )
            )
