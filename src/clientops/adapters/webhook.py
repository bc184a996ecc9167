"""Posts the change feed to a webhook URL, signed, through the outbox.

:meth:`Feed.forward <clientops.feed.Feed.forward>` hands the next batch of the feed to the
outbox under the webhook's topic, and moves the webhook's saved position with it;
:class:`FeedWebhook` is the plugin that delivers those messages. Register it with the plugin
host, then run both steps as often as you like (a job every few seconds)::

    >>> from clientops import PluginHost
    >>> from clientops.adapters.webhook import FeedWebhook
    >>> hook = FeedWebhook("crm", url="https://crm.example.ru/clientops", secret="s3cret")
    >>> hook.topic, "s3cret" in repr(hook)
    ('feed.webhook.crm', False)
    >>> host = PluginHost(entry_points=False)
    >>> host.register(hook, name="clientops.webhook.crm")
    >>> sorted(host.deliverers())
    ['feed.webhook.crm']

Each message is one ``POST`` of its JSON payload (``{"topic", "first", "last", "entries"}``)
with these headers:

``Clientops-Timestamp``
    the Unix time the body was signed at;
``Clientops-Signature``
    ``v1=`` and the hex HMAC-SHA256 of ``"{timestamp}.{body}"`` under the shared secret;
``Clientops-Delivery``
    the message's key (``feed:<topic>:<first>-<last>``), the same on every retry.

A ``2xx`` answer marks the batch delivered; anything else (an error status, no answer, a
timeout) raises, and the outbox posts it again after the policy's next delay. A receiver
checks a request with :func:`clientops.feed.verify_webhook` and skips the entries at or
below the last position it has handled: a batch may come twice (a crash after the answer,
before the outbox marked it), never out of order. The secret is kept in a private attribute:
no repr, error or outbox record shows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from clientops import _redact
from clientops._feed import sign_webhook
from clientops._outbox import OutboxMessage
from clientops.errors import BackendError, ConfigurationError
from clientops.hookspecs import RegisterDeliverer, hookimpl

__all__ = ["DELIVERY_HEADER", "TOPIC_PREFIX", "FeedWebhook"]

BACKEND = "webhook"
#: The topic of a webhook's messages is this prefix and the webhook's name.
TOPIC_PREFIX = "feed.webhook."
#: The header holding the message's key, the same on every retry of one batch.
DELIVERY_HEADER = "Clientops-Delivery"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class FeedWebhook:
    """The deliverer of one webhook: posts the batches of topic ``feed.webhook.<name>`` to
    ``url``, signed with ``secret``. ``timeout`` is in seconds; ``clock`` gives the signing
    time (the system clock by default); ``transport`` replaces httpx's (for tests)."""

    def __init__(
        self,
        name: str,
        *,
        url: str,
        secret: str | bytes,
        timeout: float = 10.0,
        clock: Callable[[], datetime] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not _NAME.match(name):
            raise ConfigurationError(
                f"webhook name {name!r}: use lower-case letters, digits, '.', '_' and '-'"
            )
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"webhook {name}: url {_redact.connection_string(url)!r} is not http(s)"
            )
        if not secret:
            raise ConfigurationError(f"webhook {name}: the secret is empty")
        self.name = name
        self.url = url
        self._secret = secret.encode() if isinstance(secret, str) else bytes(secret)
        self._timeout = timeout
        self._clock = clock
        self._transport = transport

    @property
    def topic(self) -> str:
        """The outbox topic of this webhook's batches (pass it to ``Feed.forward``)."""
        return TOPIC_PREFIX + self.name

    def __repr__(self) -> str:
        return (
            f"FeedWebhook({self.name!r}, url={_redact.connection_string(self.url)!r}, secret='***')"
        )

    @hookimpl
    def clientops_register_deliverer(self, register: RegisterDeliverer) -> None:
        register(self.topic, self.deliver)

    def deliver(self, message: OutboxMessage) -> None:
        """POST ``message``'s payload, signed; raise BackendError unless the answer is 2xx."""
        body = message.payload.encode()
        now = self._clock() if self._clock is not None else datetime.now(UTC)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            DELIVERY_HEADER: message.key,
            **sign_webhook(body, self._secret, now=now),
        }
        shown = _redact.connection_string(self.url)
        try:
            with httpx.Client(timeout=self._timeout, transport=self._transport) as client:
                answer = client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            detail = _redact.message(
                f"{type(exc).__name__}: {exc}", (self._secret.decode(errors="replace"),)
            )
            raise BackendError(BACKEND, "post", f"{shown}: {detail}") from None
        if not answer.is_success:
            raise BackendError(
                BACKEND, "post", f"{shown} answered HTTP {answer.status_code} to {message.key}"
            )
