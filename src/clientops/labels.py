"""Russian (and English) labels for every enum value, stage, action and status clientops has:
what a person reads instead of ``no_answer`` or ``update_specification``.

>>> from clientops.labels import action_label, label
>>> from clientops.orders import OverdueKind
>>> label(OverdueKind.DELIVERY_DEADLINE), action_label("ship")
('срок доставки', 'отгрузить')
"""

from __future__ import annotations

from clientops import _rehome
from clientops._labels import ACTIONS, ENUM_LABELS, REASONS, action_label, label, reason_label

__all__ = ["ACTIONS", "ENUM_LABELS", "REASONS", "action_label", "label", "reason_label"]

_rehome.rehome(__name__, __all__, globals())
