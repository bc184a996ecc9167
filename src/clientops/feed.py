"""The change feed: every event of the stream, kept in the store with the change that caused
it, at gapless positions in commit order, for a CRM, a search index or a webhook to follow
without losing or doubling anything across their own crashes.

``Feed(ops)`` reads it (:class:`Feed`); :class:`clientops.adapters.webhook.FeedWebhook` posts
it to a URL, signed; a receiver checks each request with :func:`verify_webhook`. See the
guide, ``docs/feed.md``.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._feed import (
    FEED_SCHEMA,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    FeedCursor,
    FeedEntry,
    FeedPositionError,
    FeedRecord,
    WebhookSignatureError,
    sign_webhook,
    verify_webhook,
)
from clientops._feed_service import Feed

__all__ = [
    "FEED_SCHEMA",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Feed",
    "FeedCursor",
    "FeedEntry",
    "FeedPositionError",
    "FeedRecord",
    "WebhookSignatureError",
    "sign_webhook",
    "verify_webhook",
]

_rehome.rehome(__name__, __all__, globals())
