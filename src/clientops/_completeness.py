"""Card completeness: which fields of a card must be filled and well formed, and how much
each weighs (:class:`CompletenessPolicy`, :attr:`clientops.Policy.completeness`), and the
scores :func:`clientops.rules.completeness.score_card` gives."""

from __future__ import annotations

import enum
from typing import Any

import attrs

from clientops._checks import fail, texts
from clientops.model import ClientId, EmployeeId

__all__ = [
    "CardField",
    "CardScore",
    "CompletenessPolicy",
    "CompletenessReport",
    "ManagerCompleteness",
    "MissingField",
]


class CardField(enum.Enum):
    """A thing a complete card has; ``label`` names it in Russian."""

    PHONE = "phone"
    INN = "inn"
    EMAIL = "email"
    CITY = "city"
    CONTACT_PERSON = "contact_person"
    CONTACT_PHONE = "contact_phone"
    DECISION_MAKER = "decision_maker"
    MANAGER = "manager"
    CONTRACT = "contract"

    @property
    def label(self) -> str:
        return _FIELD_LABELS[self]


_FIELD_LABELS = {
    CardField.PHONE: "телефон",
    CardField.INN: "ИНН",
    CardField.EMAIL: "e-mail",
    CardField.CITY: "город",
    CardField.CONTACT_PERSON: "контактное лицо",
    CardField.CONTACT_PHONE: "телефон контактного лица",
    CardField.DECISION_MAKER: "ЛПР (лицо, принимающее решение)",
    CardField.MANAGER: "ответственный менеджер",
    CardField.CONTRACT: "номер договора",
}


def _weights(
    inst: object, attribute: attrs.Attribute[Any], value: tuple[tuple[CardField, int], ...]
) -> None:
    if not isinstance(value, tuple) or not value:
        fail("weights", "give at least one mandatory field", subject="CompletenessPolicy")
    seen: set[CardField] = set()
    for i, item in enumerate(value):
        if (
            not isinstance(item, tuple)
            or len(item) != 2
            or not isinstance(item[0], CardField)
            or isinstance(item[1], bool)
            or not isinstance(item[1], int)
            or item[1] <= 0
        ):
            fail(
                f"weights[{i}]",
                f"{item!r} is not a (CardField, weight ≥ 1) pair",
                subject="CompletenessPolicy",
            )
        if item[0] in seen:
            fail(f"weights[{i}]", f"{item[0].value} twice", subject="CompletenessPolicy")
        seen.add(item[0])


_DEFAULT_WEIGHTS: tuple[tuple[CardField, int], ...] = (
    (CardField.PHONE, 2),
    (CardField.INN, 2),
    (CardField.EMAIL, 1),
    (CardField.CITY, 1),
    (CardField.CONTACT_PERSON, 2),
    (CardField.CONTACT_PHONE, 1),
    (CardField.DECISION_MAKER, 2),
    (CardField.MANAGER, 1),
)


@attrs.frozen
class CompletenessPolicy:
    """What a complete card has: the mandatory fields with their weights (a field not listed
    does not count), the words that mean "nobody" in a name (``—``, ``нет``…), and the cities
    known (empty: any city that is not a placeholder)."""

    weights: tuple[tuple[CardField, int], ...] = attrs.field(
        default=_DEFAULT_WEIGHTS, validator=_weights
    )
    placeholders: tuple[str, ...] = attrs.field(
        validator=texts(limit=100),
        default=(
            "—",
            "–",
            "-",
            "--",
            "?",
            "нет",
            "не указан",
            "не указано",
            "неизвестно",
            "н/д",
            "xxx",
        ),
    )
    known_cities: tuple[str, ...] = attrs.field(default=(), validator=texts(limit=200))


@attrs.frozen
class MissingField:
    """A mandatory field not filled, or not well formed: ``reason`` in Russian."""

    field: CardField
    reason: str


@attrs.frozen
class CardScore:
    """How complete one card is: ``share`` of the weights of the mandatory fields filled
    and well formed (0…1), and what is ``missing``."""

    client_id: ClientId
    manager_id: EmployeeId | None
    share: float
    missing: tuple[MissingField, ...] = ()

    @property
    def percent(self) -> int:
        return round(self.share * 100)

    def line(self) -> str:
        """«ООО… : 75 %, не хватает: ИНН с неверными контрольными цифрами; ЛПР…»."""
        if not self.missing:
            return f"{self.client_id}: {self.percent} %, карточка заполнена"
        reasons = "; ".join(m.reason for m in self.missing)
        return f"{self.client_id}: {self.percent} %, не хватает: {reasons}"


@attrs.frozen
class ManagerCompleteness:
    """The cards of one manager: how many, their average share, how many are complete."""

    manager_id: EmployeeId | None
    cards: int
    share: float
    complete: int


@attrs.frozen
class CompletenessReport:
    """The scores of a set of cards (one card, a manager's, a department's): each card's,
    per manager, and the average ``share`` (0 for no card)."""

    cards: tuple[CardScore, ...]
    share: float
    by_manager: tuple[ManagerCompleteness, ...]
