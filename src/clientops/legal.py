"""Legal cases (seed 002 / 16): a claim referred to the lawyers, taken to court. The lawyer
responsible, the court and the case number, hearings and deadlines on the lawyer's agenda and
calendar, documents by reference, court rulings recorded and passed on to the instance named,
the outcome and the money; the legal cases of a client. Hearings and deadlines on a
non-working day of the production calendar are refused, flagged or (deadlines) moved
(``Policy.legal``); a deadline counted in working days skips the days off.

``LegalCases(ops)`` is the service (:class:`LegalCases`). See the guide, ``docs/retention.md``
(«Legal cases»).
"""

from __future__ import annotations

from clientops import _rehome
from clientops._legal import (
    CourtDayRule,
    Deadline,
    Hearing,
    LegalCase,
    LegalCaseChanged,
    LegalCaseId,
    LegalOutcome,
    LegalPolicy,
    Ruling,
)
from clientops._legal_service import LegalCases

__all__ = [
    "CourtDayRule",
    "Deadline",
    "Hearing",
    "LegalCase",
    "LegalCaseChanged",
    "LegalCaseId",
    "LegalCases",
    "LegalOutcome",
    "LegalPolicy",
    "Ruling",
]

_rehome.rehome(__name__, __all__, globals())
