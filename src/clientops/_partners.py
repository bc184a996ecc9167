"""Agreements with partners (seed 002 / 12, 19: «договоры с поставщиками и другими
организациями»): the organisation's card (a supplier, a dealer, another organisation: a card
of the client base), the kind of counterparty, the agreement's number and terms, the
counterparty's loyalty programme towards us, when it is valid; put up for renewal ahead of
time like a client's contract (``Policy.retention.renewal_days``)::

    >>> from datetime import UTC, date, datetime
    >>> CounterpartyKind.SUPPLIER.label
    'Поставщик'
    >>> from clientops.errors import ValidationError
    >>> try:
    ...     PartnerAgreement("a1", "c1", "supplier", "П-7/2025", "Отсрочка платежа 30 дней",
    ...         date(2025, 1, 1), date(2024, 12, 31), responsible_id="anna",
    ...         created_at=datetime(2025, 1, 1, tzinfo=UTC), created_by="anna")
    ... except ValidationError as err:
    ...     print(err.errors[0])
    ends_on: 2024-12-31 is before starts_on 2025-01-01
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import attrs

from clientops._checks import aware, fail, instance, text
from clientops.model import ClientId, EmployeeId

__all__ = ["CounterpartyKind", "PartnerAgreement"]

_id = text(limit=128, multiline=False)
_line = text(limit=300, multiline=False)


class CounterpartyKind(enum.Enum):
    """Who the agreement is with; :attr:`label` is its Russian name."""

    SUPPLIER = "supplier"
    DEALER = "dealer"
    CONTRACTOR = "contractor"
    PARTNER = "partner"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    CounterpartyKind.SUPPLIER: "Поставщик",
    CounterpartyKind.DEALER: "Дилер",
    CounterpartyKind.CONTRACTOR: "Подрядчик",
    CounterpartyKind.PARTNER: "Партнёр",
    CounterpartyKind.OTHER: "Другая организация",
}


def _kind(value: object) -> object:
    """A kind by its value (``"supplier"``) too; an unknown one is refused naming ``kind``."""
    if isinstance(value, str) and not isinstance(value, CounterpartyKind):
        try:
            return CounterpartyKind(value)
        except ValueError:
            known = ", ".join(k.value for k in CounterpartyKind)
            fail(
                "kind",
                f"unknown counterparty kind {value!r} (known: {known})",
                subject="partner agreement",
            )
    return value


@attrs.frozen
class PartnerAgreement:
    """An agreement with an organisation of the card ``counterparty_id``: its ``kind``,
    ``number``, ``terms`` (what each side gives), valid from ``starts_on`` to ``ends_on``
    (``None``: open-ended, never put up for renewal), the counterparty's ``loyalty``
    programme towards us (a bonus, a discount for volume), the employee ``responsible_id``
    for it (the renewal call is theirs), who entered it and when."""

    id: str = attrs.field(validator=_id)
    counterparty_id: ClientId = attrs.field(validator=_id)
    kind: CounterpartyKind = attrs.field(converter=_kind, validator=instance(CounterpartyKind))
    number: str = attrs.field(validator=_line)
    terms: str = attrs.field(validator=text(limit=10_000))
    starts_on: date = attrs.field(validator=instance(date))
    ends_on: date | None = attrs.field(validator=instance(date, optional=True))
    responsible_id: EmployeeId = attrs.field(validator=_id)
    created_at: datetime = attrs.field(validator=aware)
    created_by: EmployeeId = attrs.field(validator=_id)
    loyalty: str | None = attrs.field(
        default=None, validator=text(limit=10_000, optional=True, required=False)
    )
    version: int = 0

    def __attrs_post_init__(self) -> None:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            fail(
                "ends_on",
                f"{self.ends_on.isoformat()} is before starts_on {self.starts_on.isoformat()}",
                subject="partner agreement",
            )

    def valid_on(self, day: date) -> bool:
        """Whether the agreement is in force on ``day``."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def title(self) -> str:
        """«Договор № П-7/2025»."""
        return f"Договор № {self.number}"
