"""Legal cases: a claim taken to court with the lawyers (seed 002 / 16: «вести судебные
претензии совместно с юристами», «изучать судебные решения и передавать их в нужные
инстанции»).

A :class:`LegalCase` belongs to one claim (already referred to the lawyers) and so to one
client. It names the lawyer responsible, the court and the case number; it keeps its
hearings and deadlines (each one a reaction on the lawyer's agenda and calendar), its
documents by reference, the rulings recorded (each passed on to the instance named, as a
reaction there) and, once closed, its outcome and the money::

    >>> from datetime import UTC
    >>> LegalOutcome.SETTLED.label
    'Мировое соглашение'
    >>> Hearing(datetime(2025, 7, 3, 7, 0, tzinfo=UTC), "Предварительное заседание").what
    'Предварительное заседание'
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import NewType

import attrs

from clientops._checks import aware, fail, instance, text, tuple_of
from clientops.events import Event
from clientops.model import ClientId, EmployeeId, Money

__all__ = [
    "CourtDayRule",
    "Deadline",
    "Hearing",
    "LegalCase",
    "LegalCaseChanged",
    "LegalCaseId",
    "LegalOutcome",
    "LegalPolicy",
    "Ruling",
]

LegalCaseId = NewType("LegalCaseId", str)

_id = text(limit=128, multiline=False)
_line = text(limit=300, multiline=False)
_optional_id = text(limit=128, optional=True, multiline=False)
_note = text(limit=10_000)


class LegalOutcome(enum.Enum):
    """How a legal case ended; :attr:`label` is its Russian name."""

    WON = "won"
    LOST = "lost"
    SETTLED = "settled"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    LegalOutcome.WON: "Решение в нашу пользу",
    LegalOutcome.LOST: "Решение не в нашу пользу",
    LegalOutcome.SETTLED: "Мировое соглашение",
    LegalOutcome.WITHDRAWN: "Иск отозван",
}


class CourtDayRule(enum.Enum):
    """What happens to a hearing or a procedural deadline that falls on a non-working day of
    the production calendar (``Policy.calendar``): refused (a typo, most likely: courts do
    not sit then), kept and flagged in its words, or — a deadline only — moved to the next
    working day (АПК РФ ст. 114 ч. 3, ГПК РФ ст. 108 ч. 2: a term whose last day is a
    non-working day ends on the next working day)."""

    REFUSE = "refuse"
    FLAG = "flag"
    NEXT_WORKING_DAY = "next_working_day"

    @property
    def label(self) -> str:
        return _COURT_DAY_LABELS[self]


_COURT_DAY_LABELS = {
    CourtDayRule.REFUSE: "Не принимать дату в нерабочий день",
    CourtDayRule.FLAG: "Принять и пометить",
    CourtDayRule.NEXT_WORKING_DAY: "Перенести на следующий рабочий день",
}


def _hearing_rule(inst: object, attribute: attrs.Attribute[CourtDayRule], value: object) -> None:
    if value not in (CourtDayRule.REFUSE, CourtDayRule.FLAG):
        fail(attribute.name, f"a hearing is refused or flagged, not {value!r}", subject="policy")


@attrs.frozen
class LegalPolicy:
    """The numbers and words of legal cases (``Policy.legal``): what a hearing or a
    deadline on a non-working day of the production calendar does, and the flag's words."""

    #: A hearing on a non-working day: refused (default) or kept and flagged.
    hearing_on_day_off: CourtDayRule = attrs.field(
        default=CourtDayRule.REFUSE, validator=_hearing_rule
    )
    #: A procedural deadline on a non-working day: moved to the next working day (default,
    #: as the procedural codes say), refused, or kept and flagged.
    deadline_on_day_off: CourtDayRule = attrs.field(
        default=CourtDayRule.NEXT_WORKING_DAY, validator=instance(CourtDayRule)
    )
    #: Added to the reaction's topic of a date kept on a non-working day.
    day_off_flag: str = attrs.field(
        default=" (нерабочий день по производственному календарю — проверьте дату)",
        validator=text(limit=200, multiline=False),
    )


@attrs.frozen
class Hearing:
    """A court hearing at ``at`` (``what`` it is), on the lawyer's agenda as ``reaction_id``."""

    at: datetime = attrs.field(validator=aware)
    what: str = attrs.field(default="Судебное заседание", validator=_line)
    reaction_id: str | None = attrs.field(default=None, validator=_optional_id)


@attrs.frozen
class Deadline:
    """A procedural deadline: ``what`` is due by ``day`` (a reply, an appeal), on the
    lawyer's agenda as ``reaction_id``."""

    day: date = attrs.field(validator=instance(date))
    what: str = attrs.field(validator=_line)
    reaction_id: str | None = attrs.field(default=None, validator=_optional_id)


@attrs.frozen
class Ruling:
    """A court ruling of ``day`` (``summary``), passed on to a department or an employee
    (the reaction ``reaction_id`` there); ``money`` awarded, when any."""

    day: date = attrs.field(validator=instance(date))
    summary: str = attrs.field(validator=_note)
    passed_to: str = attrs.field(validator=_id)
    reaction_id: str | None = attrs.field(default=None, validator=_optional_id)
    money: Money | None = attrs.field(default=None, validator=instance(Money, optional=True))


@attrs.frozen
class LegalCase:
    """A claim taken to court: the lawyer, the court, the case number, its hearings,
    deadlines, documents (references: a file path, a document id, a URL), rulings and, once
    closed, the outcome, the money and when."""

    id: LegalCaseId = attrs.field(validator=_id)
    claim_id: str = attrs.field(validator=_id)
    client_id: ClientId = attrs.field(validator=_id)
    lawyer_id: EmployeeId = attrs.field(validator=_id)
    court: str = attrs.field(validator=_line)
    case_number: str = attrs.field(validator=_line)
    opened_at: datetime = attrs.field(validator=aware)
    opened_by: EmployeeId = attrs.field(validator=_id)
    appeal_id: str = attrs.field(validator=_id)
    hearings: tuple[Hearing, ...] = attrs.field(default=(), validator=tuple_of(Hearing))
    deadlines: tuple[Deadline, ...] = attrs.field(default=(), validator=tuple_of(Deadline))
    documents: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str))
    rulings: tuple[Ruling, ...] = attrs.field(default=(), validator=tuple_of(Ruling))
    outcome: LegalOutcome | None = attrs.field(
        default=None, validator=instance(LegalOutcome, optional=True)
    )
    money: Money | None = attrs.field(default=None, validator=instance(Money, optional=True))
    closed_at: datetime | None = attrs.field(default=None, validator=aware)
    version: int = 0

    @property
    def closed(self) -> bool:
        return self.outcome is not None

    def title(self) -> str:
        """«Дело № А40-12345/2025, Арбитражный суд города Москвы»."""
        return f"Дело № {self.case_number}, {self.court}"


@attrs.frozen
class LegalCaseChanged(Event):
    """A legal case was opened, got a hearing, a deadline, a document or a ruling, or was
    closed (``what``: ``opened``, ``hearing``, ``deadline``, ``document``, ``ruling``,
    ``closed``)."""

    case_id: LegalCaseId
    claim_id: str
    client_id: ClientId
    what: str
    at: datetime
