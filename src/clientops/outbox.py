"""The outbox: side effects that leave the process (courier pickups, accounting exports) are
recorded as messages before they are attempted, and delivered by ``ops.outbox.deliver()`` —
retried with back-off, never done twice.

``ops.outbox`` is an :class:`OutboxService`.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._outbox import OutboxMessage, OutboxPage, OutboxStatus
from clientops._outbox_service import DeliveryReport, OutboxService

__all__ = ["DeliveryReport", "OutboxMessage", "OutboxPage", "OutboxService", "OutboxStatus"]

_rehome.rehome(__name__, __all__, globals())
