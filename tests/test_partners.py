"""Agreements with partners (seed 002 / 12, 19: «договоры с поставщиками и другими
организациями», «программы лояльности партнёров») through ``Retention(ops)`` on memory, a real
SQLite file and PostgreSQL: kept with their terms, loyalty programme and validity, listed per
counterparty, renewed, put up for renewal ahead of time once; bad input refused with a typed
error naming the field and nothing stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

import clientops
from clientops import ClientOps, PluginHost
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.errors import ConflictError, NotFoundError, ValidationError
from clientops.model import ClientCategory, ClientId, EmployeeId, ReactionKind
from clientops.ports import Storage
from clientops.retention import CounterpartyKind, PartnerAgreement, Retention
from clientops.testing import T0, a_client, a_staff

ANNA, PETROV = EmployeeId("anna"), EmployeeId("petrov")
TODAY = T0.date()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Storage]:
    if request.param == "memory":
        return MemoryStorage
    if request.param == "sqlite":
        return lambda: SQLiteStorage(tmp_path / "partners.db")
    url = request.getfixturevalue("postgres_url")
    return lambda: clientops.connect(url).storage


@pytest.fixture
def ops(make_storage: Callable[[], Storage]) -> Iterator[ClientOps]:
    with ClientOps(make_storage(), host=PluginHost(entry_points=False), clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        yield ops


def _supplier(ops: ClientOps, name: str = "ООО «Типография Омега»") -> ClientId:
    return ops.clients.add(a_client(name=name, category=ClientCategory.SUPPLIER)).id


def _agreement(retention: Retention, counterparty: ClientId, **overrides: Any) -> PartnerAgreement:
    fields: dict[str, Any] = {
        "kind": CounterpartyKind.SUPPLIER,
        "number": "П-7/2025",
        "terms": "Отсрочка платежа 30 дней, доставка за счёт поставщика",
        "starts_on": TODAY - timedelta(days=300),
        "ends_on": TODAY + timedelta(days=20),
        "responsible_id": PETROV,
        "by": ANNA,
        "loyalty": "Бонус 3 % от закупок свыше 1 000 000 руб. в квартал",
    }
    fields.update(overrides)
    return retention.add_agreement(counterparty, **fields)


def test_agreements_are_kept_and_listed_per_counterparty(ops: ClientOps) -> None:
    retention = Retention(ops)
    omega, delta = _supplier(ops), _supplier(ops, "АО «Дельта»")
    first = _agreement(retention, omega)
    second = _agreement(
        retention,
        omega,
        kind="partner",  # a kind's value is read as the kind
        number="ПС-2",
        starts_on=TODAY - timedelta(days=10),
        ends_on=None,
        loyalty=None,
    )
    other = _agreement(retention, delta, number="Д-1", ends_on=TODAY - timedelta(days=1))
    assert second.kind is CounterpartyKind.PARTNER
    assert retention.agreements(counterparty_id=omega) == (first, second)
    assert retention.agreements(counterparty_id=delta) == (other,)
    assert retention.agreement(first.id) == first
    assert first.loyalty == "Бонус 3 % от закупок свыше 1 000 000 руб. в квартал"
    assert retention.agreements(valid_on=TODAY) == (first, second)
    assert len(retention.agreements()) == 3
    with pytest.raises(NotFoundError):
        retention.agreements(counterparty_id=ClientId("nobody"))

    renewed = retention.renew_agreement(
        first.id, date(2026, 12, 31), by=ANNA, terms="Отсрочка платежа 45 дней"
    )
    assert (renewed.ends_on, renewed.terms, renewed.loyalty, renewed.version) == (
        date(2026, 12, 31),
        "Отсрочка платежа 45 дней",
        first.loyalty,
        1,
    )
    assert retention.agreement(first.id) == renewed
    with ops.context.storage.unit_of_work() as uow, pytest.raises(ConflictError):
        uow.retention.update_agreement(first)  # the stale version


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        pytest.param({"kind": "bank"}, "kind", id="an unknown counterparty kind"),
        pytest.param({"ends_on": TODAY - timedelta(days=400)}, "ends_on", id="ends before start"),
        pytest.param({"starts_on": "2025-01-01"}, "starts_on", id="a start that is no date"),
        pytest.param({"number": "  "}, "number", id="a blank number"),
        pytest.param({"terms": ""}, "terms", id="blank terms"),
        pytest.param({"responsible_id": "nobody"}, "responsible_id", id="an unknown employee"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    ops: ClientOps, overrides: dict[str, Any], path: str
) -> None:
    retention = Retention(ops)
    omega = _supplier(ops)
    with pytest.raises(ValidationError) as err:
        _agreement(retention, omega, **overrides)
    assert err.value.paths == (path,)
    assert retention.agreements() == ()


def test_an_unknown_counterparty_or_agreement_is_not_found(ops: ClientOps) -> None:
    retention = Retention(ops)
    with pytest.raises(NotFoundError):
        _agreement(retention, ClientId("nobody"))
    with pytest.raises(NotFoundError):
        retention.agreement("nothing")
    omega = _supplier(ops)
    first = _agreement(retention, omega)
    with pytest.raises(ValidationError) as err:
        retention.renew_agreement(first.id, date(2020, 1, 1), by=ANNA)
    assert err.value.paths == ("ends_on",)
    assert retention.agreement(first.id) == first


def test_an_agreement_ending_soon_goes_on_the_responsibles_agenda_once(ops: ClientOps) -> None:
    retention = Retention(ops)
    omega = _supplier(ops)
    soon = _agreement(retention, omega)  # ends in 20 days: within the 30 of the policy
    _agreement(retention, omega, number="П-8", ends_on=TODAY + timedelta(days=90))
    _agreement(retention, omega, number="П-9", ends_on=None)
    (renewal,) = retention.plan_agreement_renewals(by=ANNA)
    assert (renewal.contract_id, renewal.client_id, renewal.number) == (soon.id, omega, "П-7/2025")
    (call,) = [r for r in ops.clients.reactions_of(omega) if r.id == renewal.reaction_id]
    assert (call.kind, call.employee_id, call.due_at) == (ReactionKind.OUTGOING_CALL, PETROV, T0)
    ends = (TODAY + timedelta(days=20)).strftime("%d.%m.%Y")
    assert call.topic == (
        f"Продлить договор № П-7/2025 с ООО «Типография Омега» (поставщик, действует до {ends})"
    )
    assert retention.plan_agreement_renewals(by=ANNA) == ()
    # renewed: a new end date far off, nothing more to put up
    retention.renew_agreement(soon.id, TODAY + timedelta(days=365), by=ANNA)
    assert retention.plan_agreement_renewals(by=ANNA) == ()
