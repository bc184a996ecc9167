"""Card completeness: the pure rule (table-driven, one row per mandatory field and how it
fails), the policy's weights, and ``ops.clients.completeness`` per card, manager and
department on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import clientops
from clientops import ClientOps, Phone, Policy
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.clients import (
    CardField,
    CompletenessPolicy,
    Contact,
    DepartmentId,
    EmployeeId,
)
from clientops.errors import NotFoundError, ValidationError
from clientops.ports import Storage
from clientops.rules.completeness import check_field, score_card
from clientops.testing import a_client, a_staff

GOOD_INN = "7707083893"  # Сбербанк: valid check digit
BAD_INN = "7707083894"
ANNA = EmployeeId("anna")


def a_full_card(**overrides: Any) -> clientops.Client:
    """A card with every mandatory field filled and well formed."""
    fields: dict[str, Any] = {
        "name": "ООО «Ромашка»",
        "city": "Омск",
        "inn": GOOD_INN,
        "emails": ("info@romashka.ru",),
        "manager_id": ANNA,
        "contacts": (
            Contact(
                "Сергей Петрович Иванов",
                position="директор",
                phones=(Phone("+79123456780"),),
                decision_maker=True,
            ),
        ),
    }
    fields.update(overrides)
    return a_client(**fields)


# ------------------------------------------------------------------ the rule, field by field


@pytest.mark.parametrize(
    ("field", "overrides", "reason"),
    [
        (CardField.PHONE, {"phones": ()}, "нет телефона"),
        (CardField.INN, {"inn": None}, "не указан ИНН"),
        (CardField.INN, {"inn": BAD_INN}, f"ИНН {BAD_INN}: неверные контрольные цифры"),
        (CardField.INN, {"inn": "500100732259"}, None),  # a person's INN, 12 digits
        (CardField.INN, {"inn": "500100732250"}, "ИНН 500100732250: неверные контрольные цифры"),
        (CardField.EMAIL, {"emails": ()}, "нет e-mail"),
        (CardField.CITY, {"city": "—"}, "не указан город"),
        (CardField.CITY, {"city": "неизвестно"}, "не указан город"),
        (CardField.CONTACT_PERSON, {"contacts": (Contact("—"),)}, "нет контактного лица"),
        (CardField.CONTACT_PERSON, {"contacts": (Contact("нет"),)}, "нет контактного лица"),
        (CardField.CONTACT_PERSON, {"contacts": ()}, "нет контактного лица"),
        (
            CardField.CONTACT_PHONE,
            {"contacts": (Contact("Сергей", decision_maker=True),)},
            "нет телефона контактного лица",
        ),
        (
            CardField.DECISION_MAKER,
            {"contacts": (Contact("Сергей", phones=(Phone("+79123456780"),)),)},
            "не известен ЛПР",
        ),
        (
            CardField.DECISION_MAKER,
            {"contacts": (Contact("-", decision_maker=True),)},
            "не известен ЛПР",
        ),
        (CardField.MANAGER, {"manager_id": None}, "не назначен ответственный менеджер"),
        (CardField.CONTRACT, {}, "нет номера договора"),
        (CardField.CONTRACT, {"contract_numbers": ("12/25",)}, None),
    ],
)
def test_each_field_and_why_it_does_not_count(
    field: CardField, overrides: dict[str, Any], reason: str | None
) -> None:
    assert check_field(a_full_card(**overrides), field, CompletenessPolicy()) == reason


@pytest.mark.parametrize(
    ("overrides", "percent", "missing"),
    [
        ({}, 100, ()),
        ({"inn": BAD_INN}, 83, (CardField.INN,)),  # 10 of 12
        ({"emails": (), "manager_id": None}, 83, (CardField.EMAIL, CardField.MANAGER)),
        (
            {"contacts": ()},
            58,  # 7 of 12: no contact, no contact's phone, no decision maker
            (CardField.CONTACT_PERSON, CardField.CONTACT_PHONE, CardField.DECISION_MAKER),
        ),
    ],
)
def test_the_share_is_weighted_by_the_policy(
    overrides: dict[str, Any], percent: int, missing: tuple[CardField, ...]
) -> None:
    score = score_card(a_full_card(**overrides), policy=CompletenessPolicy())
    assert score.percent == percent
    assert tuple(m.field for m in score.missing) == missing


def test_the_mandatory_set_the_weights_and_the_cities_are_policy() -> None:
    only_inn = CompletenessPolicy(weights=((CardField.INN, 1), (CardField.CONTRACT, 3)))
    score = score_card(a_full_card(inn=BAD_INN, contract_numbers=("1",)), policy=only_inn)
    assert score.share == 0.75
    assert score.line().endswith("75 %, не хватает: ИНН 7707083894: неверные контрольные цифры")
    known = CompletenessPolicy(known_cities=("Омск", "Тюмень"))
    assert check_field(a_full_card(city="омск"), CardField.CITY, known) is None
    assert check_field(a_full_card(city="Урюпинск"), CardField.CITY, known) == (
        "город «Урюпинск» не из справочника"
    )


@pytest.mark.parametrize(
    ("weights", "path"),
    [
        ((), "weights"),
        (((CardField.INN, 0),), "weights[0]"),
        (((CardField.INN, 1), (CardField.INN, 2)), "weights[1]"),
        ((("inn", 1),), "weights[0]"),
    ],
)
def test_a_bad_policy_is_a_typed_error_naming_it(weights: Any, path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CompletenessPolicy(weights=weights)
    assert caught.value.paths == (path,)


# ------------------------------------------------------------------ the use case


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Storage]:
    if request.param == "memory":
        return MemoryStorage
    if request.param == "sqlite":
        return lambda: SQLiteStorage(tmp_path / "cards.db")
    url = request.getfixturevalue("postgres_url")
    return lambda: clientops.connect(url).storage


@pytest.fixture
def ops(make_storage: Callable[[], Storage]) -> Iterator[ClientOps]:
    policy = attrs.evolve(Policy(), completeness=CompletenessPolicy())
    with ClientOps(make_storage(), policy=policy) as ops:
        ops.clients.add_staff(a_staff())
        yield ops


def test_per_card_per_manager_per_department(ops: ClientOps) -> None:
    full = ops.clients.add(a_full_card())
    half = ops.clients.add(a_full_card(contacts=(), inn=None))
    petrovs = ops.clients.add(a_full_card(manager_id=EmployeeId("petrov"), emails=()))
    ops.clients.add(a_full_card(manager_id=None))

    (card,) = ops.clients.completeness(client_id=half.id).cards
    assert card.percent == 42
    assert [m.reason for m in card.missing] == [
        "не указан ИНН",
        "нет контактного лица",
        "нет телефона контактного лица",
        "не известен ЛПР",
    ]
    annas = ops.clients.completeness(manager=ANNA)
    assert [c.client_id for c in annas.cards] == [full.id, half.id]
    assert round(annas.share, 3) == round((1 + 5 / 12) / 2, 3)
    (row,) = annas.by_manager
    assert (row.manager_id, row.cards, row.complete) == (ANNA, 2, 1)
    sales = ops.clients.completeness(department=DepartmentId("sales"))
    assert [c.client_id for c in sales.cards] == [petrovs.id]
    assert sales.by_manager[0].manager_id == EmployeeId("petrov")
    assert ops.clients.completeness(department=DepartmentId("management")).share == 0.0
    with pytest.raises(ValidationError):
        ops.clients.completeness()
    with pytest.raises(ValidationError):
        ops.clients.completeness(manager=ANNA, client_id=full.id)
    with pytest.raises(NotFoundError):
        ops.clients.completeness(manager=EmployeeId("nobody"))
    with pytest.raises(NotFoundError):
        ops.clients.completeness(department=DepartmentId("nowhere"))
