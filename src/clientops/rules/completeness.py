"""Card completeness: the share of a card's mandatory fields that are filled and well formed.

Pure: a card and a :class:`~clientops.clients.CompletenessPolicy` in, a
:class:`~clientops.clients.CardScore` out, with what is missing in Russian. The KPI of a
call manager (card completeness) is the average over their cards.

>>> from clientops.clients import CompletenessPolicy
>>> from clientops.testing import a_client
>>> score = score_card(a_client(inn="7707083894"), policy=CompletenessPolicy())
>>> score.percent, [m.field.value for m in score.missing]
(25, ['inn', 'email', 'contact_person', 'contact_phone', 'decision_maker', 'manager'])
>>> score.missing[0].reason
'ИНН 7707083894: неверные контрольные цифры'
"""

from __future__ import annotations

from collections.abc import Iterable

from clientops._checks import EMAIL, inn_checksum_ok
from clientops._completeness import (
    CardField,
    CardScore,
    CompletenessPolicy,
    CompletenessReport,
    ManagerCompleteness,
    MissingField,
)
from clientops.model import Client, EmployeeId, city_key

__all__ = ["check_field", "score_card", "summarise"]


def _blank(value: str | None, policy: CompletenessPolicy) -> bool:
    if value is None:
        return True
    word = " ".join(value.split()).casefold().strip(" .")
    return not word or any(word == p.casefold() for p in policy.placeholders)


def check_field(card: Client, field: CardField, policy: CompletenessPolicy) -> str | None:
    """Why ``field`` of ``card`` does not count (in Russian), or ``None`` when it does."""
    if field is CardField.PHONE:
        return None if card.phones else "нет телефона"
    if field is CardField.INN:
        if not card.inn:
            return "не указан ИНН"
        if not inn_checksum_ok(card.inn):
            return f"ИНН {card.inn}: неверные контрольные цифры"
        return None
    if field is CardField.EMAIL:
        emails = (*card.emails, *(e for c in card.contacts for e in c.emails))
        if not emails:
            return "нет e-mail"
        bad = [e for e in emails if not EMAIL.match(e)]
        return f"e-mail с ошибкой: {bad[0]}" if bad else None
    if field is CardField.CITY:
        if _blank(card.city, policy):
            return "не указан город"
        known = {city_key(c) for c in policy.known_cities}
        if known and city_key(card.city) not in known:
            return f"город «{card.city}» не из справочника"
        return None
    people = [c for c in card.contacts if not _blank(c.name, policy)]
    if field is CardField.CONTACT_PERSON:
        return None if people else "нет контактного лица"
    if field is CardField.CONTACT_PHONE:
        return None if any(c.phones for c in people) else "нет телефона контактного лица"
    if field is CardField.DECISION_MAKER:
        return None if any(c.decision_maker for c in people) else "не известен ЛПР"
    if field is CardField.MANAGER:
        return None if card.manager_id else "не назначен ответственный менеджер"
    return None if card.contract_numbers else "нет номера договора"


def score_card(card: Client, *, policy: CompletenessPolicy) -> CardScore:
    """The card's score under ``policy``: the weights of the mandatory fields that count,
    over the weights of all of them."""
    total = sum(weight for _, weight in policy.weights)
    missing: list[MissingField] = []
    lost = 0
    for field, weight in policy.weights:
        reason = check_field(card, field, policy)
        if reason is not None:
            missing.append(MissingField(field, reason))
            lost += weight
    return CardScore(card.id, card.manager_id, (total - lost) / total, tuple(missing))


def summarise(scores: Iterable[CardScore]) -> CompletenessReport:
    """The average of ``scores`` and the same per manager (by manager id; no manager last)."""
    cards = tuple(scores)
    groups: dict[EmployeeId | None, list[CardScore]] = {}
    for score in cards:
        groups.setdefault(score.manager_id, []).append(score)
    by_manager = tuple(
        ManagerCompleteness(
            manager,
            len(group),
            sum(s.share for s in group) / len(group),
            sum(1 for s in group if not s.missing),
        )
        for manager, group in sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    )
    share = sum(s.share for s in cards) / len(cards) if cards else 0.0
    return CompletenessReport(cards, share, by_manager)
