"""A client's special conditions (a VIP discount with its validity) set through
``Retention(ops)`` and applied, visibly, by ``ops.orders`` (the order's price, the order
request's note) and ``ops.billing.issue_invoice`` (each line's price and name); not applied
outside their validity. On memory, a real SQLite file and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import clientops
from clientops import ClientOps, PluginHost
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.billing import InvoiceLine
from clientops.documents import order_request_for
from clientops.errors import NotFoundError, ValidationError
from clientops.model import Client, ClientId, EmployeeId, Money
from clientops.orders import (
    ApproveRequest,
    OrderSpecification,
    ReceiveQuote,
    SendToSupplier,
    SetPrice,
    SupplierQuote,
)
from clientops.ports import Storage
from clientops.retention import Retention
from clientops.testing import a_client, a_staff

T0 = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)  # Monday, 10:00 in Moscow
TODAY = date(2025, 6, 23)
ANNA = EmployeeId("anna")
NBSP = "\u00a0"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Storage]:
    if request.param == "memory":
        return MemoryStorage
    if request.param == "sqlite":
        return lambda: SQLiteStorage(tmp_path / "terms.db")
    url = request.getfixturevalue("postgres_url")
    return lambda: clientops.connect(url).storage


@pytest.fixture
def ops(make_storage: Callable[[], Storage]) -> Iterator[ClientOps]:
    with ClientOps(make_storage(), host=PluginHost(entry_points=False), clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        yield ops


@pytest.fixture
def card(ops: ClientOps) -> Client:
    return ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))


def a_spec() -> OrderSpecification:
    return OrderSpecification(
        product_type="Календарь настенный",
        quantity=500,
        design="Календарь 2026",
        materials="Мелованная бумага 170 г/м²",
        production_deadline=date(2025, 7, 20),
        delivery_address="Омск, ул. Ленина, 10",
        packaging_type="Гофрокороб",
        packaging_marking="Логотип клиента",
        delivery_deadline=date(2025, 7, 25),
        delivery_format="Курьер до двери",
    )


def _priced(ops: ClientOps, card: Client, number: str) -> Any:
    order = ops.orders.open(card.id, a_spec(), number=number, by=ANNA).order
    quote = SupplierQuote("Типография «Омега»", Money(10_000), date(2025, 7, 18), T0)
    for action in (ApproveRequest(), SendToSupplier(quote.supplier), ReceiveQuote(quote)):
        ops.orders.advance(order.id, action, by=ANNA)
    return ops.orders.advance(order.id, SetPrice(), by=ANNA).order


def test_terms_are_kept_and_bad_input_stores_nothing(ops: ClientOps, card: Client) -> None:
    retention = Retention(ops)
    assert retention.terms(card.id) is None
    for kwargs, path in (
        ({"discount": Decimal("1.2")}, "discount"),
        ({"discount": 0.05}, "discount"),
        ({"valid_until": TODAY - timedelta(days=1)}, "valid_until"),
        ({"valid_from": "2025-06-23"}, "valid_from"),
    ):
        fields: dict[str, Any] = {"discount": Decimal("0.1"), "valid_from": TODAY, **kwargs}
        with pytest.raises(ValidationError) as err:
            retention.set_terms(card.id, by=ANNA, **fields)
        assert err.value.paths == (path,)
    assert retention.terms(card.id) is None
    with pytest.raises(NotFoundError):
        retention.set_terms(ClientId("nobody"), Decimal("0.1"), valid_from=TODAY, by=ANNA)
    terms = retention.set_terms(
        card.id,
        Decimal("0.1"),
        valid_from=TODAY,
        valid_until=date(2025, 12, 31),
        by=ANNA,
        conditions="Отсрочка платежа 14 дней",
    )
    assert retention.terms(card.id) == terms
    replaced = retention.set_terms(card.id, Decimal("0.07"), valid_from=TODAY, by=ANNA)
    assert retention.terms(card.id) == replaced


def test_an_order_opened_while_the_terms_are_valid_is_priced_with_the_discount(
    ops: ClientOps, card: Client
) -> None:
    retention = Retention(ops)
    plain = _priced(ops, card, "З-100")
    assert plain.price == Money("13000.00")  # 10 000 + 30 %
    retention.set_terms(
        card.id, Decimal("0.1"), valid_from=TODAY, valid_until=date(2025, 12, 31), by=ANNA
    )
    order = _priced(ops, card, "З-101")
    assert order.client_terms == retention.terms(card.id)
    assert order.price == Money("11700.00")  # 13 000 less 10 %
    request = order_request_for(order, client_name=card.name, manager="Анна", date=TODAY)
    assert request.notes[-1] == f"Особые условия клиента: скидка 10{NBSP}% от расчётной цены."
    assert not any(
        "Особые условия" in n
        for n in order_request_for(plain, client_name=card.name, manager="Анна", date=TODAY).notes
    )


def test_terms_not_valid_today_do_not_price_an_order(ops: ClientOps, card: Client) -> None:
    Retention(ops).set_terms(card.id, Decimal("0.1"), valid_from=TODAY + timedelta(days=1), by=ANNA)
    order = _priced(ops, card, "З-102")
    assert order.client_terms is None
    assert order.price == Money("13000.00")


def test_an_invoice_line_shows_the_discount_while_the_terms_are_valid(
    ops: ClientOps, card: Client
) -> None:
    retention = Retention(ops)
    line = InvoiceLine("Турникет", "шт", Decimal(2), Money("100000"))
    retention.set_terms(
        card.id, Decimal("0.05"), valid_from=TODAY, valid_until=date(2025, 6, 30), by=ANNA
    )
    invoice = ops.billing.issue_invoice(card.id, [line])
    (billed,) = invoice.lines
    assert billed.name == f"Турникет (скидка 5{NBSP}% по особым условиям клиента)"
    assert (billed.price, invoice.total) == (Money("95000.00"), Money("190000.00"))
    # dated after the terms ended: the line as it is
    later = ops.billing.issue_invoice(card.id, [line], issue_date=date(2025, 7, 1))
    assert later.lines == (line,)
    assert later.total == Money("200000.00")
