"""Contractors (seed 002 / 18): organisations found for non-core work, with their services,
their prices (with history) and their contracts; their visits to clients agreed, controlled,
accepted with an act and paid through the payment plan.

``Contractors(ops)`` is the service (:class:`Contractors`). See the guide,
``docs/contractors.md``.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._contractors import (
    Contractor,
    ContractorContract,
    ContractorId,
    ContractorPrice,
    ContractorVisit,
    ContractorVisitChanged,
    ContractorVisitStatus,
)
from clientops._contractors_service import Contractors

__all__ = [
    "Contractor",
    "ContractorContract",
    "ContractorId",
    "ContractorPrice",
    "ContractorVisit",
    "ContractorVisitChanged",
    "ContractorVisitStatus",
    "Contractors",
]

_rehome.rehome(__name__, __all__, globals())
