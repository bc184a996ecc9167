"""The feed's webhook: batches handed to the outbox one at a time, posted signed to a real
HTTP server on loopback, retried while it is down, delivered in order once it is back; the
receiver's check (:func:`clientops.feed.verify_webhook`); the secret in no message."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
import pytest

from clientops import ClientOps, PluginHost, Policy
from clientops.adapters.webhook import DELIVERY_HEADER, FeedWebhook
from clientops.errors import ConfigurationError, ValidationError
from clientops.feed import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Feed,
    WebhookSignatureError,
    sign_webhook,
    verify_webhook,
)
from clientops.outbox import OutboxStatus
from clientops.testing import T0, a_client, a_staff

SECRET = "whsec-Ж7s3cr3t"


class Receiver:
    """The host CRM's end: checks each request, keeps each entry once, in order."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.deliveries: list[str] = []
        self.refused: list[str] = []
        self.status = 200
        self.last = 0
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.port = 0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    # the real clock: the sender signs with the real time too
                    payload = verify_webhook(body, dict(self.headers.items()), SECRET)
                except WebhookSignatureError as exc:
                    receiver.refused.append(exc.reason)
                    self.send_response(401)
                    self.end_headers()
                    return
                with receiver.lock:
                    receiver.deliveries.append(self.headers[DELIVERY_HEADER])
                    if receiver.status == 200:
                        for entry in payload["entries"]:
                            if entry["position"] > receiver.last:  # a batch again: skipped
                                receiver.entries.append(entry)
                                receiver.last = entry["position"]
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler())
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/clientops"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.start()
    yield found
    if found.server is not None:
        found.stop()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clientops.db'}"
    postgres_url: str = request.getfixturevalue("postgres_url")
    return postgres_url


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _ops(url: str, hook: FeedWebhook, clock: Clock) -> ClientOps:
    host = PluginHost(entry_points=False).load()
    host.register(hook, name="clientops.webhook.crm")
    policy = attrs.evolve(
        Policy(), outbox_retry_delays=(timedelta(minutes=1), timedelta(minutes=5))
    )
    ops = ClientOps(host.open_storage(url), policy=policy, host=host, clock=clock)
    ops.clients.add_staff(a_staff())
    return ops


def test_the_feed_reaches_the_webhook_in_order_once_across_an_outage(
    url: str, receiver: Receiver
) -> None:
    clock = Clock()
    hook = FeedWebhook("crm", url=receiver.url, secret=SECRET)
    with _ops(url, hook, clock) as ops:
        feed = Feed(ops)
        cards = [ops.clients.add(a_client()).id for _ in range(5)]

        first = feed.forward(hook.topic, limit=2)
        assert first is not None
        assert (first.key, first.data()["first"], first.data()["last"]) == (
            "feed:feed.webhook.crm:1-2",
            1,
            2,
        )
        assert feed.forward(hook.topic, limit=2) is None  # one batch in flight
        assert [m.key for m in ops.outbox.deliver().delivered] == [first.key]
        assert receiver.deliveries == [first.key]

        receiver.stop()  # the CRM is down
        second = feed.forward(hook.topic, limit=2)
        assert second is not None
        report = ops.outbox.deliver()
        (retried,) = report.retried
        assert retried.last_error is not None
        assert "webhook" in retried.last_error
        assert feed.forward(hook.topic, limit=2) is None  # still in flight: nothing new

        receiver.start()  # back, on the same port
        assert ops.outbox.deliver().delivered == ()  # not due yet
        clock.now += timedelta(minutes=2)
        assert [m.key for m in ops.outbox.deliver().delivered] == [second.key]

        while feed.forward(hook.topic, limit=2) is not None:
            assert ops.outbox.deliver().delivered
        assert feed.position(hook.topic) == feed.head() == 5

        # a batch posted twice (a crash after the answer): the receiver skips what it has
        hook.deliver(second)
        positions = [e["position"] for e in receiver.entries]
        assert positions == [1, 2, 3, 4, 5]
        assert [e["event"]["client_id"] for e in receiver.entries] == cards
        assert {e["kind"] for e in receiver.entries} == {"ClientCreated"}
        assert receiver.refused == []

        texts = [repr(hook), *(m.payload for m in ops.outbox.messages())]
        texts += [m.last_error or "" for m in ops.outbox.messages()]
        assert not any(SECRET in text for text in texts)


def test_a_dead_batch_is_handed_over_again_under_a_new_key(url: str, receiver: Receiver) -> None:
    clock = Clock()
    hook = FeedWebhook("crm", url=receiver.url, secret=SECRET)
    with _ops(url, hook, clock) as ops:
        feed = Feed(ops)
        ops.clients.add(a_client())
        receiver.status = 503
        batch = feed.forward(hook.topic)
        assert batch is not None
        for _ in range(3):  # the policy's two delays, then dead
            ops.outbox.deliver()
            clock.now += timedelta(minutes=6)
        (dead,) = ops.outbox.messages(OutboxStatus.DEAD)
        assert dead.id == batch.id
        assert "HTTP 503" in (dead.last_error or "")
        receiver.status = 200
        again = feed.forward(hook.topic)
        assert again is not None
        assert again.key == f"feed:feed.webhook.crm:1-1:after-{batch.id}"
        assert again.data()["entries"] == batch.data()["entries"]
        assert [m.key for m in ops.outbox.deliver().delivered] == [again.key]
        assert [e["position"] for e in receiver.entries] == [1]
        assert feed.forward(hook.topic) is None


def test_a_wrong_secret_is_refused_by_the_receiver(receiver: Receiver) -> None:
    clock = Clock()
    hook = FeedWebhook("crm", url=receiver.url, secret="another secret")
    with _ops("memory://", hook, clock) as ops:
        ops.clients.add(a_client())
        Feed(ops).forward(hook.topic)
        (retried,) = ops.outbox.deliver().retried
        assert "HTTP 401" in (retried.last_error or "")
        assert "another secret" not in (retried.last_error or "")
    assert receiver.refused == ["the signature does not match"]
    assert receiver.entries == []


def test_a_webhook_is_checked_when_made() -> None:
    with pytest.raises(ConfigurationError, match="name"):
        FeedWebhook("CRM main", url="https://crm.example.ru", secret=SECRET)
    with pytest.raises(ConfigurationError, match="not http"):
        FeedWebhook("crm", url="ftp://crm.example.ru", secret=SECRET)
    with pytest.raises(ConfigurationError, match="secret"):
        FeedWebhook("crm", url="https://crm.example.ru", secret="")
    hook = FeedWebhook("crm", url="https://user:pw@crm.example.ru/x", secret=SECRET)
    assert SECRET not in repr(hook)
    assert "pw" not in repr(hook)


# ----------------------------------------------------------------- the receiver's check

BODY = b'{"entries":[],"first":1,"last":1,"topic":"feed.webhook.crm"}'


def test_a_signed_body_verifies_and_comes_back_parsed() -> None:
    headers = sign_webhook(BODY, SECRET, now=T0)
    expected = hmac.new(
        SECRET.encode(), headers[TIMESTAMP_HEADER].encode() + b"." + BODY, hashlib.sha256
    ).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"v1={expected}"
    assert verify_webhook(BODY, headers, SECRET, now=T0) == json.loads(BODY)
    lower = {k.lower(): v for k, v in headers.items()}
    assert verify_webhook(BODY, lower, SECRET.encode(), now=T0 + timedelta(minutes=4))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda b, h, s, n: (b + b" ", h, s, n), "the signature does not match"),
        (lambda b, h, s, n: (b, h, "other", n), "the signature does not match"),
        (
            lambda b, h, s, n: (b, {**h, SIGNATURE_HEADER: "v1=00"}, s, n),
            "the signature does not match",
        ),
        (lambda b, h, s, n: (b, {}, s, n), "the timestamp or signature header is missing"),
        (
            lambda b, h, s, n: (b, {**h, TIMESTAMP_HEADER: "soon"}, s, n),
            "the timestamp is not a Unix time",
        ),
        (lambda b, h, s, n: (b, h, s, n + timedelta(minutes=6)), "more than 0:05:00"),
        (lambda b, h, s, n: (b, h, s, n - timedelta(minutes=6)), "more than 0:05:00"),
    ],
)
def test_a_request_that_fails_the_check_is_refused_saying_why(change: Any, reason: str) -> None:
    headers = sign_webhook(BODY, SECRET, now=T0)
    body, headers, secret, now = change(BODY, headers, SECRET, T0)
    with pytest.raises(WebhookSignatureError) as err:
        verify_webhook(body, headers, secret, now=now)
    assert reason in err.value.reason
    digest = sign_webhook(BODY, SECRET, now=T0)[SIGNATURE_HEADER]
    assert SECRET not in str(err.value)
    assert digest not in str(err.value)


def test_one_of_several_signatures_is_enough_while_a_secret_is_rolled_over() -> None:
    old = sign_webhook(BODY, "old secret", now=T0)[SIGNATURE_HEADER]
    new = sign_webhook(BODY, SECRET, now=T0)
    both = {**new, SIGNATURE_HEADER: f"{old}, {new[SIGNATURE_HEADER]}"}
    assert verify_webhook(BODY, both, SECRET, now=T0) == json.loads(BODY)
    with pytest.raises(ValidationError):
        verify_webhook(BODY, both, "", now=T0)


def test_a_webhook_moved_back_sends_again_under_a_new_key(receiver: Receiver) -> None:
    clock = Clock()
    hook = FeedWebhook("crm", url=receiver.url, secret=SECRET)
    with _ops("memory://", hook, clock) as ops:
        feed = Feed(ops)
        ops.clients.add(a_client())
        first = feed.forward(hook.topic)
        assert first is not None
        ops.outbox.deliver()
        feed.save_position(hook.topic, 0)  # replay everything to a receiver that lost it
        again = feed.forward(hook.topic)
        assert again is not None
        assert again.key.startswith(f"{first.key}:")  # the key is taken: a new one
        assert again.data()["entries"] == first.data()["entries"]
        assert [m.key for m in ops.outbox.deliver().delivered] == [again.key]
        assert receiver.deliveries == [first.key, again.key]
        assert feed.position(hook.topic) == 1
