"""The Zadarma webhook adapter: every notification kind, the signature exactly as Zadarma
documents it, bad input, and the WSGI application over real HTTP on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from wsgiref.simple_server import WSGIRequestHandler, make_server
from wsgiref.types import WSGIApplication
from zoneinfo import ZoneInfo

import httpx
import pytest

import clientops
from clientops.adapters import zadarma
from clientops.adapters.zadarma import ReplayCache, parse_webhook, signature, webhook_app
from clientops.calls import CallDirection, CallNumber, CallStatus, build_call_log
from clientops.errors import ConfigurationError
from clientops.model import ClientId, EmployeeId, Phone
from clientops.telephony import (
    CallAnswered,
    CallEnded,
    CallRecorded,
    CallRinging,
    CallSignal,
    CallStarted,
    ReplayError,
    SignatureError,
    UnsupportedNotificationError,
    WebhookError,
)
from clientops.testing import a_client, a_staff

SECRET = "a248a6a984459935b569"
MOSCOW = ZoneInfo("Europe/Moscow")
#: When the notifications are received: 10:00:30 in Moscow.
NOW = datetime(2025, 6, 23, 7, 0, 30, tzinfo=UTC)
EXTENSIONS = {"100": EmployeeId("anna"), "101": EmployeeId("petrov")}


def clock() -> datetime:
    return NOW


def php_signature(values: list[str], secret: str = SECRET) -> str:
    """What Zadarma's PHP example computes:
    ``base64_encode(hash_hmac('sha1', $a . $b . $c, API_SECRET))``; PHP's hash_hmac gives the
    lowercase hex digest."""
    hex_digest = hmac.new(secret.encode(), "".join(values).encode(), hashlib.sha1).hexdigest()
    return base64.b64encode(hex_digest.encode()).decode()


# The fields of each notification, as Zadarma's documentation lists them.
START = {
    "event": "NOTIFY_START",
    "call_start": "2025-06-23 10:00:00",
    "pbx_call_id": "in_5fd9b3c2",
    "caller_id": "79123456789",
    "called_did": "74951234567",
}
INTERNAL = {**START, "event": "NOTIFY_INTERNAL", "internal": "101"}
ANSWER = {
    "event": "NOTIFY_ANSWER",
    "caller_id": "79123456789",
    "destination": "101",
    "call_start": "2025-06-23 10:00:00",
    "pbx_call_id": "in_5fd9b3c2",
    "internal": "100",
}
END = {
    **START,
    "event": "NOTIFY_END",
    "internal": "100",
    "duration": "95",
    "disposition": "answered",
    "status_code": "16",
    "is_recorded": "1",
    "call_id_with_rec": "1750662000.1234",
}
OUT_START = {
    "event": "NOTIFY_OUT_START",
    "call_start": "2025-06-23 10:00:20",
    "pbx_call_id": "out_77aa",
    "internal": "100",
    "destination": "79123456789",
}
OUT_END = {
    **OUT_START,
    "event": "NOTIFY_OUT_END",
    "caller_id": "74951234567",
    "duration": "61",
    "disposition": "busy",
    "status_code": "17",
    "is_recorded": "0",
    "call_id_with_rec": "",
}
RECORD = {
    "event": "NOTIFY_RECORD",
    "pbx_call_id": "in_5fd9b3c2",
    "call_id_with_rec": "1750662000.1234",
}

#: The signed fields of each kind, in the documented order (a spec of its own, kept apart
#: from the adapter's table on purpose).
DOCUMENTED_ORDER = {
    "NOTIFY_START": ("caller_id", "called_did", "call_start"),
    "NOTIFY_INTERNAL": ("caller_id", "called_did", "call_start"),
    "NOTIFY_ANSWER": ("caller_id", "destination", "call_start"),
    "NOTIFY_END": ("caller_id", "called_did", "call_start"),
    "NOTIFY_OUT_START": ("internal", "destination", "call_start"),
    "NOTIFY_OUT_END": ("internal", "destination", "call_start"),
    "NOTIFY_RECORD": ("pbx_call_id", "call_id_with_rec"),
}
ALL = [START, INTERNAL, ANSWER, END, OUT_START, OUT_END, RECORD]


def signed(form: Mapping[str, str], secret: str = SECRET) -> dict[str, str]:
    fields = DOCUMENTED_ORDER[form["event"]]
    return {"Signature": php_signature([form.get(f, "") for f in fields], secret)}


def parse(form: Mapping[str, str], **options: object) -> CallSignal:
    options.setdefault("clock", clock)
    return parse_webhook(
        form,
        signed(form),
        secret=SECRET,
        extensions=EXTENSIONS,
        **options,  # type: ignore[arg-type]
    )


# =========================================================================== the signature


def test_the_signature_matches_a_vector_computed_elsewhere() -> None:
    # printf %s 'in_11750662000.123' | openssl dgst -sha1 -hmac s3cret → hex, then base64
    form = {"event": "NOTIFY_RECORD", "pbx_call_id": "in_1", "call_id_with_rec": "1750662000.123"}
    assert signature(form, "s3cret") == "MTRkNDdjMDQzYjMwNzI5NTdkYTIzMTRjNzUxMTY5YzBmN2Q4ZDVmZg=="
    decoded = base64.b64decode(signature(form, "s3cret")).decode()
    assert len(decoded) == 40
    assert set(decoded) <= set("0123456789abcdef")  # base64 of the hex digest, as PHP does


@pytest.mark.parametrize("form", ALL, ids=lambda f: f["event"])
def test_each_kind_is_signed_over_its_documented_fields_in_order(form: dict[str, str]) -> None:
    assert signature(form, SECRET) == signed(form)["Signature"]
    assert zadarma.SIGNED_FIELDS[form["event"]] == DOCUMENTED_ORDER[form["event"]]
    fields = DOCUMENTED_ORDER[form["event"]]
    reordered = [form.get(f, "") for f in reversed(fields)]
    if reordered != [form.get(f, "") for f in fields]:
        assert signature(form, SECRET) != php_signature(reordered)


def test_a_missing_optional_field_is_signed_as_empty() -> None:
    form = {k: v for k, v in OUT_START.items() if k != "internal"}  # "(optional) extension"
    assert signature(form, SECRET) == php_signature(["", form["destination"], form["call_start"]])
    event = parse(form)
    assert isinstance(event, CallStarted)
    assert event.extension is None


def test_a_wrong_secret_is_rejected() -> None:
    with pytest.raises(SignatureError) as caught:
        parse_webhook(START, signed(START, secret="another"), secret=SECRET)
    assert (caught.value.backend, caught.value.operation) == ("zadarma", "webhook")
    assert caught.value.field == "Signature"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("caller_id", "79990000000"),
        ("called_did", "74950000000"),
        ("call_start", "2025-06-23 10:00:01"),
    ],
)
def test_a_changed_signed_field_is_rejected(field: str, value: str) -> None:
    tampered = {**END, field: value}
    with pytest.raises(SignatureError, match="does not match"):
        parse_webhook(tampered, signed(END), secret=SECRET)


@pytest.mark.parametrize("headers", [{}, {"Signature": ""}, {"Signature": "   "}])
def test_a_missing_signature_is_rejected(headers: dict[str, str]) -> None:
    with pytest.raises(SignatureError, match="Signature: missing"):
        parse_webhook(START, headers, secret=SECRET)


def test_the_signature_header_may_come_in_any_case_and_with_spaces() -> None:
    value = signed(START)["Signature"]
    for headers in ({"signature": value}, {"SIGNATURE": f" {value} "}):
        assert isinstance(parse_webhook(START, headers, secret=SECRET, clock=clock), CallStarted)


def test_a_signature_that_is_not_ascii_is_rejected_not_crashed() -> None:
    with pytest.raises(SignatureError):
        parse_webhook(START, {"Signature": "подпись"}, secret=SECRET)


def test_zadarma_signs_only_some_fields() -> None:
    # the documented scheme leaves e.g. the duration unsigned: this is why the WSGI app can
    # also refuse other addresses than Zadarma's (trusted_addresses)
    event = parse_webhook({**END, "duration": "5"}, signed(END), secret=SECRET, clock=clock)
    assert isinstance(event, CallEnded)
    assert event.duration_seconds == 5


def test_an_empty_secret_or_an_unknown_zone_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="secret"):
        parse_webhook(START, signed(START), secret="")
    with pytest.raises(ConfigurationError, match="time zone"):
        parse_webhook(START, signed(START), secret=SECRET, timezone="Mars/Olympus")
    with pytest.raises(ConfigurationError, match="secret"):
        webhook_app(lambda event: None, "")


# =========================================================================== each kind


def test_notify_start_is_an_incoming_call_started() -> None:
    event = parse(START)
    assert event == CallStarted(
        call_id="in_5fd9b3c2",
        direction=CallDirection.INCOMING,
        from_number=CallNumber("79123456789", Phone("+79123456789")),
        to_number=CallNumber("74951234567", Phone("+74951234567")),
        line="74951234567",
        at=datetime(2025, 6, 23, 10, 0, tzinfo=MOSCOW),
    )


def test_notify_internal_is_the_extension_ringing() -> None:
    assert parse(INTERNAL) == CallRinging(
        call_id="in_5fd9b3c2", at=NOW, extension="101", employee_id=EmployeeId("petrov")
    )


def test_notify_answer_is_the_call_answered() -> None:
    assert parse(ANSWER) == CallAnswered(
        call_id="in_5fd9b3c2", at=NOW, extension="100", employee_id=EmployeeId("anna")
    )


def test_notify_end_is_an_incoming_call_ended_with_all_it_repeats() -> None:
    start = datetime(2025, 6, 23, 10, 0, tzinfo=MOSCOW)
    assert parse(END) == CallEnded(
        call_id="in_5fd9b3c2",
        at=start + timedelta(seconds=95),
        status=CallStatus.ANSWERED,
        duration_seconds=95,
        talk_seconds=95,
        recording="1750662000.1234",
        extension="100",
        employee_id=EmployeeId("anna"),
        direction=CallDirection.INCOMING,
        from_number=CallNumber.parse("79123456789"),
        to_number=CallNumber.parse("74951234567"),
        line="74951234567",
        started_at=start,
    )


def test_notify_out_start_is_an_outgoing_call_started() -> None:
    event = parse(OUT_START)
    assert event == CallStarted(
        call_id="out_77aa",
        direction=CallDirection.OUTGOING,
        from_number=CallNumber("100", None),
        to_number=CallNumber.parse("79123456789"),
        at=datetime(2025, 6, 23, 10, 0, 20, tzinfo=MOSCOW),
        extension="100",
        employee_id=EmployeeId("anna"),
    )


def test_notify_out_end_is_an_outgoing_call_ended() -> None:
    event = parse(OUT_END)
    assert isinstance(event, CallEnded)
    assert event.direction is CallDirection.OUTGOING
    assert event.status is CallStatus.BUSY
    assert (event.duration_seconds, event.talk_seconds, event.recording) == (61, 0, None)
    assert event.line == "74951234567"
    assert event.to_number == CallNumber.parse("79123456789")
    assert event.employee_id == "anna"


def test_no_recording_when_zadarma_says_the_call_was_not_recorded() -> None:
    event = parse({**END, "is_recorded": "0"})
    assert isinstance(event, CallEnded)
    assert event.recording is None
    unsaid = parse({k: v for k, v in END.items() if k != "is_recorded"})
    assert isinstance(unsaid, CallEnded)
    assert unsaid.recording == "1750662000.1234"


def test_notify_record_is_the_recording() -> None:
    assert parse(RECORD) == CallRecorded(call_id="in_5fd9b3c2", recording="1750662000.1234")


@pytest.mark.parametrize(
    ("disposition", "status"),
    [
        ("answered", CallStatus.ANSWERED),
        ("busy", CallStatus.BUSY),
        ("cancel", CallStatus.CANCELLED),
        ("no answer", CallStatus.NO_ANSWER),
        ("failed", CallStatus.FAILED),
        ("no money", CallStatus.FAILED),
        ("unallocated number", CallStatus.FAILED),
        ("no money, no limit", CallStatus.FAILED),
        ("something new", CallStatus.FAILED),
        ("NO ANSWER", CallStatus.NO_ANSWER),
    ],
)
def test_dispositions(disposition: str, status: CallStatus) -> None:
    event = parse({**END, "disposition": disposition})
    assert isinstance(event, CallEnded)
    assert event.status is status
    assert event.talk_seconds == (95 if status is CallStatus.ANSWERED else 0)


@pytest.mark.parametrize("caller", ["", "anonymous", "0", "101", "+7 912"])
def test_a_caller_that_is_not_a_phone_is_unknown_not_an_error(caller: str) -> None:
    event = parse({**START, "caller_id": caller})
    assert isinstance(event, CallStarted)
    assert event.from_number == CallNumber(caller.strip(), None)


def test_options_time_zone_and_unknown_extensions() -> None:
    omsk_clock = lambda: datetime(2025, 6, 23, 4, 0, 30, tzinfo=UTC)  # noqa: E731
    event = parse(START, timezone="Asia/Omsk", clock=omsk_clock)
    assert isinstance(event, CallStarted)
    assert event.at == datetime(2025, 6, 23, 4, 0, tzinfo=UTC)
    ringing = parse({**INTERNAL, "internal": "555"})
    assert isinstance(ringing, CallRinging)
    assert (ringing.extension, ringing.employee_id) == ("555", None)


# =========================================================================== bad input


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({**START, "pbx_call_id": ""}, "pbx_call_id"),
        ({k: v for k, v in END.items() if k != "pbx_call_id"}, "pbx_call_id"),
        ({**END, "duration": "-5"}, "duration"),
        ({**END, "duration": "1.5"}, "duration"),
        ({**END, "duration": "٣"}, "duration"),  # an Arabic-Indic digit is no duration
        ({k: v for k, v in END.items() if k != "disposition"}, "disposition"),
        ({**RECORD, "call_id_with_rec": ""}, "call_id_with_rec"),
        ({**OUT_END, "duration": ""}, "duration"),
    ],
)
def test_a_malformed_field_is_named(form: dict[str, str], field: str) -> None:
    with pytest.raises(WebhookError) as caught:
        parse(form)
    assert not isinstance(caught.value, SignatureError)
    assert caught.value.field == field
    assert f"{field}: " in str(caught.value)


@pytest.mark.parametrize("value", ["2025-13-01 10:00:00", "yesterday", "23.06.2025 10:00"])
def test_a_malformed_time_is_named(value: str) -> None:
    form = {**START, "call_start": value}
    with pytest.raises(WebhookError) as caught:
        parse(form)
    assert caught.value.field == "call_start"


def test_the_signature_is_checked_before_the_fields() -> None:
    with pytest.raises(SignatureError):
        parse_webhook({**END, "duration": "oops"}, {"Signature": "Zm9v"}, secret=SECRET)


def test_a_notification_without_a_kind_is_malformed() -> None:
    with pytest.raises(WebhookError) as caught:
        parse_webhook({"pbx_call_id": "x"}, {}, secret=SECRET)
    assert caught.value.field == "event"


@pytest.mark.parametrize("kind", ["NOTIFY_IVR", "SMS", "SPEECH_RECOGNITION", "notify_start"])
def test_a_kind_that_is_not_about_calls_is_unsupported(kind: str) -> None:
    with pytest.raises(UnsupportedNotificationError) as caught:
        parse_webhook({**START, "event": kind}, signed(START), secret=SECRET)
    assert caught.value.kind == kind
    with pytest.raises(UnsupportedNotificationError):
        signature({"event": kind}, SECRET)


# =========================================================================== over HTTP


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving(app: WSGIApplication) -> Iterator[httpx.Client]:
    """``app`` served by wsgiref on a loopback port, and a client pointed at it."""
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}", timeout=10) as client:
            yield client
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.events: list[CallSignal] = []
        self.fail = fail

    def __call__(self, event: CallSignal) -> None:
        if self.fail:
            raise RuntimeError("the database is down")
        self.events.append(event)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> Iterator[httpx.Client]:
    app = webhook_app(
        recorder, SECRET, extensions=EXTENSIONS, clock=clock, trusted_addresses=("127.0.0.1",)
    )
    with serving(app) as client:
        yield client


def post(client: httpx.Client, form: Mapping[str, str], **headers: str) -> httpx.Response:
    return client.post("/zadarma", data=dict(form), headers={**signed(form), **headers})


def test_the_echo_check_is_answered(client: httpx.Client) -> None:
    reply = client.get("/zadarma", params={"zd_echo": "d41d8cd98f00b204"})
    assert reply.status_code == 200
    assert reply.text == "d41d8cd98f00b204"
    assert reply.headers["content-type"].startswith("text/plain")
    assert client.get("/zadarma").status_code == 400


@pytest.mark.parametrize("form", ALL, ids=lambda f: f["event"])
def test_each_notification_posted_as_zadarma_does_is_handed_on(
    client: httpx.Client, recorder: Recorder, form: dict[str, str]
) -> None:
    reply = post(client, form)
    assert (reply.status_code, reply.text) == (200, "")
    assert recorder.events == [parse(form)]


def test_a_whole_call_posted_twice_in_any_order_logs_one_right_entry(
    client: httpx.Client, recorder: Recorder
) -> None:
    notifications = [START, INTERNAL, ANSWER, END, RECORD] * 2
    random.Random(8).shuffle(notifications)
    seen: list[str] = []
    for form in notifications:
        reply = post(client, form)
        if form["event"] in seen:  # the repeat is refused, not handed on again
            assert reply.status_code == 403
            assert "pbx_call_id" in reply.text
            assert "already received" in reply.text
        else:
            assert reply.status_code == 200
            seen.append(form["event"])
    assert len(recorder.events) == 5
    (entry,) = build_call_log(recorder.events)
    start = datetime(2025, 6, 23, 10, 0, tzinfo=MOSCOW)
    assert entry.call_id == "in_5fd9b3c2"
    assert entry.direction is CallDirection.INCOMING
    assert entry.caller == CallNumber.parse("79123456789")
    assert (entry.started_at, entry.answered_at) == (start, NOW)
    assert entry.ended_at == start + timedelta(seconds=95)
    assert (entry.outcome, entry.talk_seconds) == (CallStatus.ANSWERED, 95)
    assert (entry.employee_id, entry.recording) == ("anna", "1750662000.1234")
    assert len(entry.events) == 5


def test_a_wrong_signature_is_refused_and_nothing_recorded(
    client: httpx.Client, recorder: Recorder
) -> None:
    wrong = client.post("/zadarma", data=END, headers=signed(END, secret="nope"))
    missing = client.post("/zadarma", data=END)
    tampered = client.post(
        "/zadarma", data={**END, "caller_id": "79990000000"}, headers=signed(END)
    )
    assert [r.status_code for r in (wrong, missing, tampered)] == [403, 403, 403]
    assert "Signature" in missing.text
    assert recorder.events == []


def test_a_malformed_notification_is_a_bad_request(
    client: httpx.Client, recorder: Recorder
) -> None:
    reply = post(client, {**END, "duration": "long"})
    assert reply.status_code == 400
    assert "duration" in reply.text
    body = "&".join(f"{k}={v}" for k, v in START.items()) + "&caller_id=79990000000"
    twice = client.post(
        "/zadarma",
        content=body,
        headers={**signed(START), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert twice.status_code == 400
    assert "caller_id: given twice" in twice.text
    not_a_form = client.post("/zadarma", json=START, headers=signed(START))
    assert not_a_form.status_code == 400
    assert recorder.events == []


def test_a_notification_not_about_calls_is_acknowledged_and_ignored(
    client: httpx.Client, recorder: Recorder
) -> None:
    reply = client.post("/zadarma", data={**START, "event": "NOTIFY_IVR"})
    assert (reply.status_code, reply.text) == (200, "")
    assert recorder.events == []


def test_other_methods_and_oversized_bodies_are_refused(client: httpx.Client) -> None:
    put = client.put("/zadarma", data=START)
    assert put.status_code == 405
    assert put.headers["allow"] == "GET, POST"
    huge = client.post("/zadarma", data={**START, "padding": "x" * 70_000}, headers=signed(START))
    assert huge.status_code == 413


def test_a_multipart_form_is_read_too(client: httpx.Client, recorder: Recorder) -> None:
    files = {name: (None, value) for name, value in END.items()}
    reply = client.post("/zadarma", files=files, headers=signed(END))
    assert reply.status_code == 200
    assert recorder.events == [parse(END)]


def test_a_failing_handler_is_a_server_error(caplog: pytest.LogCaptureFixture) -> None:
    app = webhook_app(Recorder(fail=True), SECRET, clock=clock, allow_any_address=True)
    with serving(app) as client:
        reply = post(client, START)
    assert reply.status_code == 500
    assert "the database is down" in caplog.text


@pytest.mark.parametrize(
    ("trusted", "status"), [(("127.0.0.1",), 200), ((zadarma.NOTIFY_ADDRESS,), 403)]
)
def test_only_trusted_addresses_when_asked(trusted: tuple[str, ...], status: int) -> None:
    seen = Recorder()
    with serving(webhook_app(seen, SECRET, clock=clock, trusted_addresses=trusted)) as client:
        assert post(client, START).status_code == status
        assert client.get("/", params={"zd_echo": "x"}).status_code == status
    assert len(seen.events) == (1 if status == 200 else 0)


def test_the_app_is_a_plain_wsgi_callable() -> None:
    from io import BytesIO
    from urllib.parse import urlencode
    from wsgiref.util import setup_testing_defaults

    body = urlencode(START).encode()
    environ: dict[str, object] = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_SIGNATURE": signed(START)["Signature"],
        "REMOTE_ADDR": zadarma.NOTIFY_ADDRESS,
        "wsgi.input": BytesIO(body),
    }
    setup_testing_defaults(environ)
    statuses: list[str] = []
    seen = Recorder()

    def start_response(status: str, headers: object, exc_info: object = None) -> None:
        statuses.append(status)

    app = webhook_app(seen, SECRET, clock=clock, trusted_addresses=(zadarma.NOTIFY_ADDRESS,))
    chunks = app(environ, start_response)  # type: ignore[arg-type]
    assert (statuses, b"".join(chunks)) == (["200 OK"], b"")
    assert len(seen.events) == 1


# =========================================================================== replays


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def wsgi_post(app: WSGIApplication, form: Mapping[str, str], signature_value: str) -> str:
    """``form`` posted to ``app`` in-process, from Zadarma's address; the status line."""
    from io import BytesIO
    from urllib.parse import urlencode
    from wsgiref.util import setup_testing_defaults

    body = urlencode(form).encode()
    environ: dict[str, object] = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_SIGNATURE": signature_value,
        "REMOTE_ADDR": zadarma.NOTIFY_ADDRESS,
        "wsgi.input": BytesIO(body),
    }
    setup_testing_defaults(environ)
    statuses: list[str] = []

    def start_response(status: str, headers: object, exc_info: object = None) -> None:
        statuses.append(status)

    b"".join(app(environ, start_response))  # type: ignore[arg-type]
    return statuses[0]


@pytest.fixture
def crm() -> Iterator[tuple[clientops.ClientOps, ClientId, Clock]]:
    """ClientOps in memory with a card for the caller, and its clock (10:00:30 in Moscow)."""
    now = Clock(NOW)
    ops = clientops.connect("memory://", clock=now)
    ops.clients.add_staff(a_staff())
    card = ops.clients.add(a_client(phones=(Phone.parse("+79123456789"),)))
    yield ops, card.id, now
    ops.close()


def test_the_replay_from_the_issue_records_no_missed_call(
    crm: tuple[clientops.ClientOps, ClientId, Clock],
) -> None:
    # a NOTIFY_START signed a year ago, captured, then posted 20 times as the "no answer"
    # end of made-up calls: even with any sender allowed, nothing may come of it
    ops, client_id, now = crm
    old_start = {**START, "call_start": "2024-06-23 10:00:00"}
    captured = signed(old_start)["Signature"]
    app = webhook_app(ops.calls.record_event, SECRET, clock=now, allow_any_address=True)
    forged = [
        {
            **old_start,
            "event": "NOTIFY_END",
            "pbx_call_id": f"in_forged_{n}",
            "duration": "0",
            "disposition": "no answer",
            "status_code": "19",
            "is_recorded": "0",
        }
        for n in range(20)
    ]
    assert [wsgi_post(app, form, captured) for form in forged] == ["403 Forbidden"] * 20
    assert ops.calls.calls_of(client_id) == ()
    assert ops.clients.appeals_of(client_id) == ()
    assert ops.clients.reactions_of(client_id) == ()
    assert ops.calls.log(date(2024, 6, 1), NOW.date()) == ()
    with pytest.raises(ReplayError) as caught:
        parse(forged[0])
    assert caught.value.field == "call_start"
    assert "too old" in str(caught.value)


def test_a_fresh_start_posted_as_the_end_of_made_up_calls_is_refused(
    crm: tuple[clientops.ClientOps, ClientId, Clock],
) -> None:
    # the same attack within the freshness window: the start is genuine and handed on, then
    # its signature comes back on the ends of other calls
    ops, client_id, now = crm
    app = webhook_app(ops.calls.record_event, SECRET, clock=now, allow_any_address=True)
    captured = signed(START)["Signature"]
    assert wsgi_post(app, START, captured) == "200 OK"
    forged = [
        {**END, "pbx_call_id": f"in_forged_{n}", "disposition": "no answer", "duration": "3"}
        for n in range(20)
    ]
    assert [wsgi_post(app, form, captured) for form in forged] == ["403 Forbidden"] * 20
    now.now = NOW + timedelta(seconds=95)
    assert wsgi_post(app, END, captured) == "200 OK"  # Zadarma's own end of the call
    (call,) = ops.calls.calls_of(client_id)
    assert (call.call_id, call.outcome, call.missed) == ("in_5fd9b3c2", CallStatus.ANSWERED, False)
    assert ops.clients.appeals_of(client_id) == ()
    assert ops.clients.reactions_of(client_id) == ()


def test_a_repeated_notification_is_refused_and_a_ringing_counts_per_extension() -> None:
    cache = ReplayCache()
    for form in (START, INTERNAL, {**INTERNAL, "internal": "100"}, ANSWER, END, RECORD):
        parse(form, replay_cache=cache)
    for form in (START, INTERNAL, ANSWER, END, RECORD):
        with pytest.raises(ReplayError) as caught:
            parse(form, replay_cache=cache)
        assert caught.value.field == "pbx_call_id"
        assert f"{form['event']} of call 'in_5fd9b3c2' was already received" in str(caught.value)
    # another call is not a repeat, nor is a notification checked without the cache
    other = {**OUT_START, "pbx_call_id": "out_2", "call_start": "2025-06-23 10:00:25"}
    assert isinstance(parse(other, replay_cache=cache), CallStarted)
    assert isinstance(parse(START), CallStarted)


def test_an_incoming_calls_signature_is_refused_on_an_outgoing_call() -> None:
    # NOTIFY_OUT_START signs internal + destination + call_start: the start of an incoming
    # call, split the same way, fits it; a call is one or the other, never both
    cache = ReplayCache()
    parse(START, replay_cache=cache)
    as_outgoing = {
        "event": "NOTIFY_OUT_START",
        "call_start": START["call_start"],
        "pbx_call_id": START["pbx_call_id"],
        "internal": START["caller_id"],
        "destination": START["called_did"],
    }
    assert signed(as_outgoing) == signed(START)
    with pytest.raises(ReplayError) as caught:
        parse(as_outgoing, replay_cache=cache)
    assert caught.value.field == "Signature"
    assert "NOTIFY_START" in str(caught.value)
    assert signed(START)["Signature"] not in str(caught.value)


def test_an_answer_signed_like_its_start_is_still_accepted() -> None:
    # Zadarma's NOTIFY_ANSWER signs caller_id + destination + call_start, and the destination
    # may be the number called: the same signature as the start, of the same call
    cache = ReplayCache()
    parse(START, replay_cache=cache)
    answer = {**ANSWER, "destination": START["called_did"]}
    assert signed(answer) == signed(START)
    assert isinstance(parse(answer, replay_cache=cache), CallAnswered)


@pytest.mark.parametrize(
    ("form", "oldest"),
    [
        (START, timedelta(minutes=5)),
        (OUT_START, timedelta(minutes=5)),
        (INTERNAL, timedelta(hours=4, minutes=5)),
        (ANSWER, timedelta(hours=4, minutes=5)),
        (END, timedelta(hours=4, minutes=5)),
        (OUT_END, timedelta(hours=4, minutes=5)),
    ],
    ids=lambda v: v["event"] if isinstance(v, dict) else str(v),
)
def test_the_freshness_window_of_each_kind(form: dict[str, str], oldest: timedelta) -> None:
    signed_at = datetime.fromisoformat(form["call_start"]).replace(tzinfo=MOSCOW)
    assert parse(form, clock=lambda: signed_at + oldest)
    with pytest.raises(ReplayError) as stale:
        parse(form, clock=lambda: signed_at + oldest + timedelta(seconds=1))
    assert stale.value.field == "call_start"
    assert parse(form, clock=lambda: signed_at - timedelta(minutes=5))  # the other's clock
    with pytest.raises(ReplayError) as early:
        parse(form, clock=lambda: signed_at - timedelta(minutes=5, seconds=1))
    assert early.value.field == "call_start"
    assert "timezone" in str(early.value)


def test_the_window_is_configurable_and_a_recording_has_no_signed_time() -> None:
    signed_at = datetime(2025, 6, 23, 10, 0, tzinfo=MOSCOW)
    day_later = signed_at + timedelta(days=1)
    assert parse(START, clock=lambda: day_later, max_delay=timedelta(days=1))
    assert parse(END, clock=lambda: day_later, max_call=timedelta(hours=24))
    with pytest.raises(ReplayError):
        parse(END, clock=lambda: day_later, max_call=timedelta(hours=23, minutes=54))
    assert parse(RECORD, clock=lambda: signed_at + timedelta(days=365))
    for bad in (timedelta(seconds=-1), 300):
        with pytest.raises(ConfigurationError, match="max_delay"):
            parse(START, max_delay=bad)


def test_a_wrong_time_zone_makes_notifications_stale_and_says_so() -> None:
    with pytest.raises(ReplayError, match="timezone"):
        parse(START, timezone="Asia/Vladivostok")  # 7 hours ahead of Moscow


def test_a_notification_whose_handling_failed_may_come_again() -> None:
    handled: list[CallSignal] = []
    failures = [RuntimeError("the database is down")]

    def on_event(event: CallSignal) -> None:
        if failures:
            raise failures.pop()
        handled.append(event)

    app = webhook_app(on_event, SECRET, clock=clock, trusted_addresses=(zadarma.NOTIFY_ADDRESS,))
    value = signed(START)["Signature"]
    assert wsgi_post(app, START, value) == "500 Internal Server Error"
    assert wsgi_post(app, START, value) == "200 OK"  # Zadarma's retry
    assert wsgi_post(app, START, value) == "403 Forbidden"
    assert len(handled) == 1


def test_the_replay_cache_is_bounded_in_time_and_size(caplog: pytest.LogCaptureFixture) -> None:
    cache = ReplayCache(max_entries=4)
    now = Clock(NOW)
    calls = [{**START, "pbx_call_id": f"in_{n}", "caller_id": f"7912345670{n}"} for n in range(3)]
    for form in calls:
        parse(form, replay_cache=cache, clock=now)
        assert len(cache) <= 4
    assert "replay cache is full" in caplog.text
    # the oldest call was forgotten to stay within the bound: its repeat is no longer caught
    assert isinstance(parse(calls[0], replay_cache=cache, clock=now), CallStarted)
    with pytest.raises(ReplayError):
        parse(calls[2], replay_cache=cache, clock=now)
    # once a notification would be stale anyway, the cache lets its entries go
    now.now = NOW + timedelta(hours=4, minutes=5)
    parse(RECORD, replay_cache=cache, clock=now)
    assert len(cache) == 2  # the recording's own two entries
    assert repr(cache) == "ReplayCache(max_entries=4, entries=2)"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "trusted_addresses=.NOTIFY_ADDRESS,.*allow_any_address=True"),
        ({"trusted_addresses": ("1.2.3.4",), "allow_any_address": True}, "contradict"),
        ({"trusted_addresses": zadarma.NOTIFY_ADDRESS}, "collection of addresses"),
        ({"trusted_addresses": ()}, "empty"),
        ({"allow_any_address": "yes"}, "True or False"),
        ({"allow_any_address": True, "max_call": timedelta(hours=-1)}, "max_call"),
    ],
)
def test_the_app_requires_a_choice_of_senders(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        webhook_app(lambda event: None, SECRET, **options)  # type: ignore[arg-type]
    assert SECRET not in str(caught.value)


def test_a_replay_cache_needs_room() -> None:
    with pytest.raises(ConfigurationError, match="max_entries"):
        ReplayCache(max_entries=1)
