"""Orders through ClientOps on a real SQLite file (and PostgreSQL): stored transitions, refusals
that change nothing (checked on the file's full SQL dump), hand-offs as reactions, the
repeat-contact call, repeat orders, overdue deadlines and the deadlines as calendar events."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._vcal import read_vcalendar

from clientops import (
    Client,
    ClientId,
    ClientOps,
    Employee,
    EmployeeId,
    Money,
    PluginHost,
    ReactionKind,
    Role,
)
from clientops.adapters.sqlite import SQLiteStorage
from clientops.clients import StaffDirectory
from clientops.errors import DuplicateError, NotFoundError, TransitionError, ValidationError
from clientops.orders import (
    TRANSITIONS,
    AcceptQuality,
    Action,
    AddProductionStage,
    AgreeWithClient,
    ApproveRequest,
    Close,
    CompleteProductionStage,
    IssuePrepaymentInvoice,
    NotifyClient,
    OrderSpecification,
    OrderStage,
    QueueAtSupplier,
    QueueReplacement,
    ReceiveOriginals,
    ReceivePayment,
    ReceiveQuote,
    RecordControlSample,
    RejectQuality,
    SendToSupplier,
    SetPrice,
    Ship,
    SignAct,
    SignFinalRequest,
    StartProduction,
    StartReplacement,
    SupplierQuote,
    allowed_actions,
)
from clientops.testing import a_client, a_staff

T0 = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)  # Monday, 10:00 in Moscow
ANNA = EmployeeId("anna")
SUPPLIER = "Типография «Омега»"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=30)
        return self.now


def staff(*, designer: bool = True) -> StaffDirectory:
    base = a_staff()
    extra = (
        (
            Employee(
                EmployeeId("olga"), "Лебедева Ольга Петровна", "Ольга", "client", (Role.DESIGNER,)
            ),
        )
        if designer
        else ()
    )
    return attrs.evolve(base, employees=(*base.employees, *extra))


def a_spec(**overrides: Any) -> OrderSpecification:
    fields: dict[str, Any] = {
        "product_type": "Календарь настенный",
        "quantity": 500,
        "design": "Календарь 2026",
        "materials": "Мелованная бумага 170 г/м²",
        "production_deadline": date(2025, 6, 20),
        "delivery_address": "Омск, ул. Ленина, 10",
        "packaging_type": "Гофрокороб",
        "packaging_marking": "Логотип клиента",
        "delivery_deadline": date(2025, 6, 25),
        "delivery_format": "Курьер до двери",
    }
    fields.update(overrides)
    return OrderSpecification(**fields)


def quote(cost: str = "10000", deadline: date = date(2025, 6, 18)) -> SupplierQuote:
    return SupplierQuote(SUPPLIER, Money(cost), deadline, T0)


TO_QUOTED: tuple[Action, ...] = (ApproveRequest(), SendToSupplier(SUPPLIER), ReceiveQuote(quote()))
TO_ACCEPTED: tuple[Action, ...] = (
    *TO_QUOTED,
    SetPrice(),
    AgreeWithClient(),
    SignFinalRequest(),
    QueueAtSupplier(),
    IssuePrepaymentInvoice("П-17"),
    AddProductionStage("печать", date(2025, 6, 12)),
    StartProduction(),
    CompleteProductionStage("печать"),
    RecordControlSample("2 экземпляра", "архив"),
    AcceptQuality(),
)
TO_CLOSED: tuple[Action, ...] = (
    *TO_ACCEPTED,
    NotifyClient(),
    Ship(),
    SignAct(),
    ReceivePayment(),
    ReceiveOriginals(),
    Close(),
)


def dump(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


@pytest.fixture
def ops(db_path: Path) -> Iterator[ClientOps]:
    ops = ClientOps(
        SQLiteStorage(db_path), host=PluginHost(entry_points=False).load(), clock=Clock()
    )
    ops.clients.add_staff(staff())
    yield ops
    ops.close()


@pytest.fixture
def client(ops: ClientOps) -> Client:
    return ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))


def walk(ops: ClientOps, order_id: Any, *actions: Action) -> None:
    for action in actions:
        ops.orders.advance(order_id, action, by=ANNA)


# =========================================================================== the process


def test_an_order_from_request_to_close_is_stored_at_every_step(
    ops: ClientOps, client: Client
) -> None:
    opened = ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA)
    oid = opened.order.id
    assert ops.orders.get(oid).stage is OrderStage.PRELIMINARY_REQUEST
    (appeal,) = ops.clients.appeals_of(client.id)
    assert appeal.id == f"order-{oid}"
    assert appeal.topic == "Заказ № З-101: Календарь настенный"
    for action in TO_CLOSED:
        change = ops.orders.advance(oid, action, by=ANNA)
        assert ops.orders.get(oid) == change.order
        assert change.order.stage is change.order.history[-1].stage
    closed = ops.orders.get(oid)
    assert closed.stage is OrderStage.CLOSED
    assert [e.action for e in closed.history][1:] == [a.name for a in TO_CLOSED]
    assert closed.price == Money("13000")
    assert ops.orders.find("З-101") == closed
    assert ops.orders.orders_of(client.id) == (closed,)


def test_closing_puts_the_repeat_contact_on_the_agenda(ops: ClientOps, client: Client) -> None:
    oid = ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA).order.id
    walk(ops, oid, *TO_CLOSED[:-1])
    change = ops.orders.advance(oid, Close(), by=ANNA)
    (call,) = change.reactions
    assert call.kind is ReactionKind.OUTGOING_CALL
    assert call.employee_id == ANNA
    closed_on = change.order.history[-1].at.date()
    day = closed_on + timedelta(days=30)
    assert call.due_at == datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)  # 10:00 MSK
    assert call in ops.clients.reactions_of(client.id)


def test_an_illegal_step_is_refused_and_changes_nothing(
    ops: ClientOps, client: Client, db_path: Path
) -> None:
    oid = ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA).order.id
    walk(ops, oid, *TO_QUOTED)
    before = dump(db_path)
    with pytest.raises(TransitionError) as caught:
        ops.orders.advance(oid, Ship(), by=ANNA)
    assert caught.value.current == "supplier_quoted"
    assert caught.value.allowed == allowed_actions(ops.orders.get(oid))
    with pytest.raises(TransitionError, match="the act is not signed"):
        ops.orders.advance(oid, Close(), by=ANNA)
    assert dump(db_path) == before


def test_bad_input_to_orders_stores_nothing(ops: ClientOps, client: Client, db_path: Path) -> None:
    ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA)
    before = dump(db_path)
    with pytest.raises(NotFoundError):
        ops.orders.open(ClientId("nobody"), a_spec(), number="З-102", by=ANNA)
    with pytest.raises(NotFoundError):
        ops.orders.open(client.id, a_spec(), number="З-102", by=EmployeeId("ghost"))
    with pytest.raises(DuplicateError):
        ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA)
    with pytest.raises(ValidationError) as caught:
        SupplierQuote(SUPPLIER, Money("-5"), date(2025, 6, 18), T0)
    assert caught.value.paths == ("cost",)
    assert dump(db_path) == before


def test_a_quality_rejection_and_the_replacement(ops: ClientOps, client: Client) -> None:
    oid = ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA).order.id
    walk(ops, oid, *TO_ACCEPTED[:-2], RejectQuality("смещение печати"), QueueReplacement())
    order = ops.orders.get(oid)
    assert (order.stage, order.replacements) == (OrderStage.QUEUED_AT_SUPPLIER, 1)
    with pytest.raises(TransitionError):
        ops.orders.advance(oid, Ship(), by=ANNA)
    walk(ops, oid, StartProduction(), RejectQuality("опять"))
    # the second rejection in a row brings in the director
    change = ops.orders.advance(oid, StartReplacement(), by=ANNA)
    assert [r.employee_id for r in change.reactions] == ["ivanov"]
    assert "2 раз не принята по качеству" in change.reactions[0].topic


# =========================================================================== hand-offs


def test_the_designer_is_asked_for_a_new_layout_once(ops: ClientOps, client: Client) -> None:
    opened = ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA)
    (layout,) = opened.reactions
    assert layout.employee_id == "olga"
    assert layout.topic == "Заказ № З-101: подготовить макет «Календарь 2026»"
    assert layout.due_at == T0 + timedelta(minutes=30) + timedelta(hours=1)
    # the next steps do not ask again while the task is open
    for action in TO_QUOTED:
        assert ops.orders.advance(opened.order.id, action, by=ANNA).reactions == ()
    # a layout already on file asks for nothing
    known = ops.orders.open(
        client.id, a_spec(design="Буклет"), number="З-102", by=ANNA, existing_layouts=("Буклет",)
    )
    assert known.reactions == ()


def test_without_a_designer_the_layout_task_stays_with_the_manager(db_path: Path) -> None:
    with ClientOps(SQLiteStorage(db_path), clock=Clock()) as ops:
        ops.clients.add_staff(staff(designer=False))
        client = ops.clients.add(a_client())
        (task,) = ops.orders.open(client.id, a_spec(), number="З-1", by=ANNA).reactions
    assert task.employee_id == ANNA


def test_vip_orders_prices_below_margin_upsells_and_problems(
    ops: ClientOps, client: Client
) -> None:
    vip = ops.orders.open(
        client.id, a_spec(), number="З-101", by=ANNA, vip=True, existing_layouts=("Календарь 2026",)
    )
    assert [(r.employee_id, r.topic) for r in vip.reactions] == [
        ("ivanov", "VIP-заказ № З-101: согласовать частности сделки")
    ]
    cheap = ops.orders.open(
        client.id, a_spec(), number="З-102", by=ANNA, existing_layouts=("Календарь 2026",)
    )
    walk(ops, cheap.order.id, ApproveRequest(), SendToSupplier(SUPPLIER))
    quoted = ops.orders.advance(cheap.order.id, ReceiveQuote(quote()), by=ANNA)
    assert quoted.reactions == ()  # the computed price keeps the margin
    with pytest.raises(TransitionError, match="director"):
        ops.orders.advance(cheap.order.id, SetPrice(Money("10500")), by=ANNA)
    sales = ops.orders.advance(
        cheap.order.id,
        ReceiveQuote(quote("12000")),
        by=ANNA,
        upsells=("календари на 2027 год",),
        problem="задерживает оплату",
    )
    assert [(r.employee_id, r.topic) for r in sales.reactions] == [
        ("petrov", "Заказ № З-102: возможная допродажа — календари на 2027 год"),
        ("petrov", "Заказ № З-102: проблемный клиент — задерживает оплату"),
    ]


# =========================================================================== repeat orders


def test_a_repeat_order_copies_the_request_with_special_conditions(
    ops: ClientOps, client: Client
) -> None:
    first = ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA).order.id
    walk(ops, first, *TO_CLOSED)
    assert isinstance(ops.context.clock, Clock)
    ops.context.clock.now = datetime(2025, 7, 1, 7, 0, tzinfo=UTC)
    with pytest.raises(ValidationError, match="production_deadline"):
        ops.orders.repeat(first, number="З-103", by=ANNA)  # the copied deadline is past
    again = ops.orders.repeat(
        first,
        number="З-103",
        by=ANNA,
        changes={
            "quantity": 1000,
            "production_deadline": date(2025, 7, 20),
            "delivery_deadline": date(2025, 7, 25),
        },
    )
    assert again.order.repeat_of == first
    assert again.order.specification.quantity == 1000
    assert again.order.special_conditions is not None
    assert again.order.special_conditions.previous_price == Money("13000")
    # the layout of the first order is on file: the designer is not asked (БП 5.3)
    assert again.reactions == ()
    walk(ops, again.order.id, *TO_QUOTED[:2], ReceiveQuote(quote("9500", date(2025, 7, 15))))
    priced = ops.orders.advance(again.order.id, SetPrice(), by=ANNA).order
    assert priced.price == Money("11732.50")  # 9500 × 1.30 × 0.95


def test_a_repeat_of_an_open_order_is_refused(ops: ClientOps, client: Client) -> None:
    first = ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA).order.id
    with pytest.raises(TransitionError, match="only a closed order"):
        ops.orders.repeat(first, number="З-103", by=ANNA)


# =========================================================================== deadlines


def test_overdue_orders(ops: ClientOps, client: Client) -> None:
    late = ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA).order.id
    done = ops.orders.open(client.id, a_spec(), number="З-102", by=ANNA).order.id
    walk(ops, done, *TO_CLOSED)
    assert ops.orders.overdue(today=date(2025, 6, 20)) == ()
    ((order, missed),) = ops.orders.overdue(today=date(2025, 6, 21))
    assert order.id == late
    assert [(m.kind.value, m.days_late) for m in missed] == [("production_deadline", 1)]


def test_deadlines_as_calendar_events(ops: ClientOps, client: Client, tmp_path: Path) -> None:
    oid = ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA).order.id
    walk(ops, oid, *TO_ACCEPTED[:-4])  # in production, the «печать» stage open
    path = ops.orders.export_calendar(tmp_path / "orders.ics")
    events = {e.uid.value: e for e in read_vcalendar(path.read_bytes()).vevent_list}
    production = events[f"order_production-{oid}@clientops.invalid"]
    assert production.dtstart.value == date(2025, 6, 20)
    assert production.summary.value == "Срок производства: заказ №\xa0З-101 (ООО «Ромашка»)"
    assert events[f"order_delivery-{oid}@clientops.invalid"].dtstart.value == date(2025, 6, 25)
    assert events[f"order_supplier-{oid}@clientops.invalid"].dtstart.value == date(2025, 6, 18)
    (stage,) = (e for uid, e in events.items() if uid.startswith("order_stage-"))
    assert stage.dtstart.value == date(2025, 6, 12)
    # shipped: only what is still ahead remains, under the same UIDs
    walk(ops, oid, *TO_ACCEPTED[-4:], NotifyClient(), Ship())
    assert ops.orders.calendar_entries(oid) == ()
    walk(ops, oid, SignAct(), ReceivePayment(), ReceiveOriginals(), Close())
    assert ops.orders.calendar_entries(oid) == ()


# =========================================================================== random walks


ACTIONS: tuple[Action, ...] = (
    *TO_CLOSED,
    RejectQuality("брак"),
    QueueReplacement(),
    StartReplacement(),
    SetPrice(Money("9000")),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.sampled_from(ACTIONS), max_size=30))
def test_random_actions_keep_the_stored_order_consistent(
    ops: ClientOps, client: Client, actions: list[Action]
) -> None:
    oid = ops.orders.open(
        client.id, a_spec(), number=f"Р-{len(ops.orders.orders_of(client.id))}", by=ANNA
    )
    order_id = oid.order.id
    successors = {t.action: t for t in TRANSITIONS}
    assert successors
    for action in actions:
        before = ops.orders.get(order_id)
        try:
            ops.orders.advance(order_id, action, by=ANNA)
        except TransitionError:
            assert ops.orders.get(order_id) == before  # a refusal changes nothing
            continue
        after = ops.orders.get(order_id)
        assert after.version == before.version + 1
        assert after.history[:-1] == before.history
        # the action was allowed, and the stage is the one its transition leads to
        assert action.name in allowed_actions(before)
        assert after.stage is successors[action.name].leads_to(before.stage)
        assert after.stage is after.history[-1].stage


# =========================================================================== PostgreSQL


def test_orders_on_postgresql(postgres_url: str) -> None:
    import clientops

    with clientops.connect(postgres_url, clock=Clock()) as ops:
        ops.clients.add_staff(staff())
        client = ops.clients.add(a_client(name="ООО «Ромашка»"))
        oid = ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA).order.id
        walk(ops, oid, *TO_QUOTED)
        with pytest.raises(TransitionError):
            ops.orders.advance(oid, Ship(), by=ANNA)
        with pytest.raises(DuplicateError):
            ops.orders.open(client.id, a_spec(), number="З-101", by=ANNA)
        walk(ops, oid, *TO_CLOSED[len(TO_QUOTED) :])
        closed = ops.orders.get(oid)
        assert closed.stage is OrderStage.CLOSED
        assert ops.orders.find("З-101") == closed
        assert ops.orders.overdue(today=date(2025, 12, 31)) == ()
        assert any(
            r.kind is ReactionKind.OUTGOING_CALL for r in ops.clients.reactions_of(client.id)
        )
