"""The month a director approves, over a small department computed by hand, on the memory
store, a real SQLite file and the real PostgreSQL: every line of the report, the plan
proposed from the last months, the approval flows and deadlines, control points and pay."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest

import clientops
from clientops import ClientOps, Money
from clientops.billing import Month, SupplierBillStatus
from clientops.calls import CallDirection
from clientops.campaigns import CampaignCall, OutcomeKind, ScriptReview
from clientops.claims import ClaimStage, ClaimStep
from clientops.errors import NotFoundError, TransitionError, ValidationError
from clientops.feed import Feed
from clientops.labels import label
from clientops.model import Client, ClientId, DepartmentId, Employee, EmployeeId, Phone, Role
from clientops.orders import Order, OrderStage, OrderStep, SupplierQuote
from clientops.planning import (
    HoursSource,
    LossCriterion,
    PlanLine,
    Planning,
    PlanningPolicy,
    PlanTemplate,
    PurchaseBasis,
    RepositoryPlanningQueries,
    Segment,
    SheetKind,
    SheetState,
    pay_sheet_csv,
    pay_sheet_docx,
    plan_docx,
    planning_queries,
    report_csv,
    report_docx,
    report_json,
)
from clientops.retention import Retention, RetentionStatus
from clientops.satisfaction import SatisfactionCall, SatisfactionOutcome
from clientops.testing import (
    a_call,
    a_campaign,
    a_claim,
    a_client,
    a_payment,
    a_staff,
    a_supplier_bill,
    an_allocation,
    an_invoice,
    an_order,
)

MSK = ZoneInfo("Europe/Moscow")
ANNA, OLEG, KATE, IVANOV = (EmployeeId(n) for n in ("anna", "oleg", "kate", "ivanov"))
CLIENT = DepartmentId("client")
MARCH, APRIL = Month(2026, 3), Month(2026, 4)


def msk(day: str, hour: int = 10, minute: int = 0) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=MSK)


class Clock:
    def __init__(self) -> None:
        self.now = msk("2026-04-10")

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crm.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ops(store_url: str, clock: Clock) -> Iterator[ClientOps]:
    ops = clientops.connect(store_url, clock=clock)
    staff = a_staff()
    staff = attrs.evolve(
        staff,
        employees=(
            *staff.employees,
            Employee(OLEG, "Орлов Олег Петрович", "Олег", CLIENT, (Role.CLIENT_MANAGER,)),
            Employee(KATE, "Котова Екатерина Ивановна", "Екатерина", CLIENT, (Role.CALL_MANAGER,)),
        ),
    )
    ops.clients.add_staff(staff)
    yield ops
    ops.close()


def an_order_of(
    client: Client,
    opened: str,
    price: str,
    *,
    ready: str | None = None,
    closed: str | None = None,
    cost: str | None = None,
) -> Order:
    order = an_order(client, now=msk(opened))
    steps = list(order.history)
    if ready:
        steps.append(OrderStep(OrderStage.QUALITY_ACCEPTED, msk(ready), ANNA, "accept_quality"))
    if closed:
        steps.append(OrderStep(OrderStage.CLOSED, msk(closed), ANNA, "close"))
    quote = (
        SupplierQuote("Типография «Омега»", Money(cost), date(2026, 3, 15), msk(opened))
        if cost
        else None
    )
    return attrs.evolve(
        order,
        history=tuple(steps),
        stage=steps[-1].stage,
        price=Money(price),
        supplier=quote.supplier if quote else None,
        quote=quote,
    )


@attrs.frozen
class Department:
    new: Client
    regular: Client
    repeat: Client
    lost_regular: Client
    lost_repeat: Client
    claim: Client
    olegs: Client
    march_order: Order


def a_department(ops: ClientOps) -> Department:
    """Anna's six clients and Oleg's one, with their orders, payments, claims and bills."""

    def card(name: str, manager: EmployeeId, assigned: str) -> Client:
        client = ops.clients.add(a_client(name=name, manager_id=manager))
        ops.claims.assign_client(client.id, manager, on=date.fromisoformat(assigned))
        return client

    new = card("ООО «Новый»", ANNA, "2026-03-05")
    regular = card("ООО «Системный»", ANNA, "2025-06-01")
    repeat = card("ИП Разовый", ANNA, "2025-06-01")
    lost_regular = card("ООО «Ушедший»", ANNA, "2025-06-01")
    lost_repeat = card("ООО «Забытый»", ANNA, "2025-06-01")
    claim = card("ООО «Недовольный»", ANNA, "2025-06-01")
    olegs = card("ООО «Олегов»", OLEG, "2025-06-01")
    march_order = an_order_of(
        regular, "2026-03-10", "2000", ready="2026-03-18", closed="2026-03-20", cost="1200"
    )
    orders = [
        an_order_of(new, "2026-03-10", "1000"),
        an_order_of(regular, "2025-12-05", "500"),
        an_order_of(regular, "2026-01-12", "500", closed="2026-01-30"),
        an_order_of(regular, "2026-02-03", "500"),
        march_order,
        an_order_of(repeat, "2025-10-07", "300"),
        an_order_of(repeat, "2026-03-11", "700"),
        an_order_of(lost_regular, "2025-10-15", "100"),
        an_order_of(lost_regular, "2025-11-15", "100"),
        an_order_of(lost_regular, "2025-12-15", "100"),
        an_order_of(lost_repeat, "2025-09-05", "400"),
        an_order_of(olegs, "2025-11-03", "900"),
        an_order_of(olegs, "2026-03-03", "5000"),
    ]
    filed = a_claim(new, now=msk("2026-03-15"), money=Money("300"))
    filed = attrs.evolve(
        filed,
        stage=ClaimStage.RESOLVED_SATISFIED,
        history=(
            *filed.history,
            ClaimStep(ClaimStage.RESOLVED_SATISFIED, msk("2026-03-25"), ANNA, "resolve"),
        ),
    )
    with ops.storage.unit_of_work() as uow:
        for order in orders:
            uow.orders.add(order)
        uow.claims.add(filed)
        uow.claims.add(a_claim(claim, now=msk("2026-02-01")))
        for client, amount, day in (
            (regular, "5000", date(2026, 3, 12)),
            (regular, "1000", date(2026, 2, 20)),
            (new, "1000", date(2026, 3, 28)),
        ):
            invoice = an_invoice(client)
            payment = a_payment(client, amount=Money(amount), date=day)
            uow.invoices.add(invoice)
            uow.payments.add(payment)
            uow.payments.add_allocation(an_allocation(payment, invoice))
        for who, amount, paid in ((ANNA, "4500", "2026-03-22"), (ANNA, "800", "2026-02-10")):
            uow.payments.add_supplier_bill(
                a_supplier_bill(
                    assignee=who,
                    status=SupplierBillStatus.PAID,
                    amount=Money(amount),
                    number=f"Б-{amount}",
                    paid_on=date.fromisoformat(paid),
                    due_date=date.fromisoformat(paid),
                    planned_on=date.fromisoformat(paid),
                )
            )
        uow.payments.add_supplier_bill(
            a_supplier_bill(
                assignee=OLEG,
                status=SupplierBillStatus.PAID,
                amount=Money("999"),
                paid_on=date(2026, 3, 5),
                due_date=date(2026, 3, 5),
                planned_on=date(2026, 3, 5),
            )
        )
    for client, at, outcome in (
        (regular, "2026-03-20", SatisfactionOutcome.SATISFIED),
        (new, "2026-02-01", SatisfactionOutcome.SATISFIED),  # older than the 45 days
        (repeat, "2026-03-21", SatisfactionOutcome.NOT_REACHED),
    ):
        call = SatisfactionCall(client.id, ANNA, msk(at), outcome, "")
        ops.claims.record_satisfaction(client.id, call, by=ANNA)
    return Department(new, regular, repeat, lost_regular, lost_repeat, claim, olegs, march_order)


def test_every_line_of_annas_march_report(ops: ClientOps) -> None:
    dep = a_department(ops)
    report = Planning(ops).report(MARCH, manager=ANNA)
    facts = {r.line: r.fact for r in report.lines}
    assert facts == {
        PlanLine.NEW_CLIENTS: 1,
        PlanLine.NEW_CLIENTS_SUM: 1000,
        PlanLine.REGULAR_CLIENTS: 1,
        PlanLine.REGULAR_CLIENTS_SUM: 2000,
        PlanLine.REPEAT_CLIENTS: 1,
        PlanLine.REPEAT_CLIENTS_SUM: 700,
        PlanLine.CASH_INFLOW: 6000,  # 5000 on 12 March, 1000 on 28 March; not February's
        PlanLine.PROFIT: 800,  # the March order closed: 2000 - 1200 the printer's quote
        PlanLine.LOST_REGULAR: 1,
        PlanLine.LOST_REPEAT: 2,
        PlanLine.NEW_IN_BASE: 1,
        PlanLine.CLAIMS_FILED: 1,
        PlanLine.CLAIMS_FILED_SUM: 300,
        PlanLine.CLAIMS_SATISFIED: 1,
        PlanLine.CLAIMS_SATISFIED_SUM: 300,
        PlanLine.PAID_TO_CONTRACTORS: 4500,
        PlanLine.RECEIVED_FROM_CONTRACTORS: 1,
        PlanLine.RECEIVED_FROM_CONTRACTORS_SUM: 1200,
    }
    # each figure drills down to what it counts
    assert report.line(PlanLine.REGULAR_CLIENTS).records == (dep.regular.id,)
    assert report.line(PlanLine.REGULAR_CLIENTS_SUM).records == (dep.march_order.number,)
    assert report.line(PlanLine.PAID_TO_CONTRACTORS).records == ("Б-4500",)
    assert [(c.name, c.criterion, c.lost_on, c.regular) for c in report.lost] == [
        ("ООО «Недовольный»", "claim_unresolved", date(2026, 3, 3), False),
        ("ООО «Забытый»", "no_order_repeat", date(2026, 3, 5), False),
        ("ООО «Ушедший»", "no_order_regular", date(2026, 3, 15), True),
    ]
    # no plan yet: no plan beside the facts
    assert report.line(PlanLine.PROFIT).plan is None


def test_the_departments_report_adds_up_its_client_managers(ops: ClientOps) -> None:
    a_department(ops)
    planning = Planning(ops)
    department = planning.report(MARCH, department=CLIENT)
    olegs = planning.report(MARCH, manager=OLEG)
    annas = planning.report(MARCH, manager=ANNA)
    assert olegs.fact(PlanLine.REPEAT_CLIENTS_SUM) == 5000
    assert olegs.fact(PlanLine.PAID_TO_CONTRACTORS) == 999
    for line in PlanLine:
        assert department.fact(line) == annas.fact(line) + olegs.fact(line), line
    assert planning.segment(ClientId(annas.line(PlanLine.NEW_CLIENTS).records[0]), MARCH) is (
        Segment.NEW
    )


def test_a_plan_is_proposed_from_the_last_three_months_and_approved_by_the_director(
    ops: ClientOps, clock: Clock
) -> None:
    dep = a_department(ops)
    planning = Planning(ops)
    plan = planning.propose_plan(ANNA, APRIL, by=ANNA)
    # (March + February + January) / 3 × 1.10
    assert plan.value(PlanLine.REPEAT_CLIENTS) == 1  # (1 + 1 + 1) / 3 × 1.1 = 1.1
    assert plan.value(PlanLine.NEW_CLIENTS_SUM) == Decimal("366.67")
    assert plan.value(PlanLine.CASH_INFLOW) == Decimal("2566.67")  # (6000 + 1000 + 0) / 3 × 1.1
    assert plan.value(PlanLine.PROFIT) == Decimal("476.67")  # (800 + 0 + 500) / 3 × 1.1
    assert plan.state is SheetState.DRAFT
    again = planning.propose_plan(
        ANNA, APRIL, by=ANNA, growth=Decimal("1.5"), figures={PlanLine.PROFIT: Decimal(1000)}
    )
    assert again.value(PlanLine.CASH_INFLOW) == Decimal("3500.00")
    assert again.value(PlanLine.PROFIT) == 1000
    submitted = planning.submit(again.id, by=ANNA)
    with pytest.raises(ValidationError) as err:
        planning.approve(submitted.id, by=ANNA)
    assert err.value.paths == ("by",)
    returned = planning.return_sheet(submitted.id, by=IVANOV, comment="Мало новых клиентов")
    assert (returned.state, returned.comment) == (SheetState.RETURNED, "Мало новых клиентов")
    planning.submit(returned.id, by=ANNA)
    approved = planning.approve(returned.id, by=IVANOV)
    assert [s.state for s in approved.history] == [
        SheetState.SUBMITTED,
        SheetState.RETURNED,
        SheetState.SUBMITTED,
        SheetState.APPROVED,
    ]
    # a plan for a month that has an approved one: refused, nothing stored
    with pytest.raises(TransitionError) as moved:
        planning.propose_plan(ANNA, APRIL, by=ANNA, growth=Decimal(3))
    assert moved.value.current == "approved"
    assert planning.sheet(SheetKind.PLAN, ANNA, APRIL) == approved
    # every change reached the change feed
    kinds = [e.kind for e in Feed(ops).read(after=0, limit=10_000)]
    assert kinds.count("SheetChanged") == 6
    # the report of April has the plan beside each fact
    clock.now = msk("2026-05-04")
    report = planning.report(APRIL, manager=ANNA)
    assert report.line(PlanLine.PROFIT).plan == 1000
    assert report.line(PlanLine.PROFIT).done_percent == 0
    assert report.line(PlanLine.PROFIT).difference == -1000
    assert report.line(PlanLine.LOST_REGULAR).plan is None
    assert dep.regular.id not in report.line(PlanLine.REGULAR_CLIENTS).records


def test_bad_input_is_refused_and_nothing_is_stored(ops: ClientOps) -> None:
    a_department(ops)
    planning = Planning(ops)
    head = Feed(ops).head()
    with pytest.raises(ValidationError) as err:
        planning.propose_plan(ANNA, APRIL, by=ANNA, growth=Decimal("-1"))
    assert err.value.paths == ("growth",)
    with pytest.raises(ValidationError) as err:
        planning.prepare_report(ANNA, APRIL, by=ANNA)  # April has not ended on 10 April
    assert err.value.paths == ("month",)
    with pytest.raises(ValidationError) as err:
        planning.report(MARCH, manager=ANNA, department=CLIENT)
    assert err.value.paths == ("manager",)
    with pytest.raises(NotFoundError):
        planning.propose_plan(EmployeeId("ghost"), APRIL, by=ANNA)

    def broken(history: object, regular: bool, policy: object) -> date | None:
        raise RuntimeError("boom")

    with pytest.raises(ValidationError) as err:
        Planning(ops, loss_criteria=(LossCriterion("broken", "сломанный", broken),)).prepare_report(
            ANNA, MARCH, by=ANNA
        )
    assert err.value.paths == ("loss_criteria.broken",)
    assert planning.sheet(SheetKind.PLAN, ANNA, APRIL) is None
    assert planning.sheet(SheetKind.REPORT, ANNA, MARCH) is None
    assert Feed(ops).head() == head


def test_the_report_is_prepared_submitted_and_approved_with_its_facts(ops: ClientOps) -> None:
    a_department(ops)
    planning = Planning(ops)
    report = planning.prepare_report(ANNA, MARCH, by=ANNA)
    assert report.kind is SheetKind.REPORT
    assert report.value(PlanLine.LOST_REPEAT) == 2
    assert report.value(PlanLine.CASH_INFLOW) == 6000
    planning.submit(report.id, by=ANNA)
    approved = planning.approve(report.id, by=IVANOV)
    assert approved.state is SheetState.APPROVED
    with pytest.raises(TransitionError):
        planning.prepare_report(ANNA, MARCH, by=ANNA)


def test_deadlines_on_the_agenda_and_missed_ones(ops: ClientOps, clock: Clock) -> None:
    planning = Planning(ops)
    clock.now = msk("2026-03-27")
    # on 27 March: March's plan was due 27 February, April's is due 31 March, February's
    # report was due 5 March
    due = {
        (d.kind, d.manager_id, d.month): d
        for d in planning.deadlines(date(2026, 3, 27), department=CLIENT)
    }
    assert set(due) == {
        (kind, manager, month)
        for manager in (ANNA, OLEG)
        for kind, month in (
            (SheetKind.PLAN, MARCH),
            (SheetKind.PLAN, APRIL),
            (SheetKind.REPORT, Month(2026, 2)),
        )
    }
    april = due[SheetKind.PLAN, ANNA, APRIL]
    assert (april.due_on, april.state, april.missed) == (date(2026, 3, 31), None, False)
    march = due[SheetKind.PLAN, ANNA, MARCH]
    assert (march.due_on, march.missed) == (date(2026, 2, 27), True)
    report = due[SheetKind.REPORT, ANNA, Month(2026, 2)]
    assert (report.due_on, report.missed) == (date(2026, 3, 5), True)
    sheet = planning.propose_plan(ANNA, APRIL, by=ANNA)
    planning.submit(sheet.id, by=ANNA)
    # on 1 April: Anna's plan submitted but not approved is missed, as is Oleg's
    late = planning.deadlines(date(2026, 4, 1), department=CLIENT)
    missed = [
        (d.manager_id, d.state)
        for d in late
        if d.missed and d.kind is SheetKind.PLAN and d.month == APRIL
    ]
    assert missed == [(ANNA, SheetState.SUBMITTED), (OLEG, None)]
    planning.approve(sheet.id, by=IVANOV)
    late = planning.deadlines(date(2026, 4, 1), department=CLIENT)
    assert [d.manager_id for d in late if d.missed and d.month == APRIL] == [OLEG]


def test_missed_deadlines_are_escalated_to_the_director_once(ops: ClientOps) -> None:
    planning = Planning(ops)
    heard = planning.escalate_missed(date(2026, 3, 6), department=CLIENT)
    # March's plans (due 27 February) and February's reports (due 5 March) of both managers
    assert sorted((e.kind.value, e.manager_id, str(e.month)) for e in heard) == [
        ("plan", "anna", "2026-03"),
        ("plan", "oleg", "2026-03"),
        ("report", "anna", "2026-02"),
        ("report", "oleg", "2026-02"),
    ]
    assert {e.recipients for e in heard} == {(IVANOV, ANNA)}  # the director, the head
    assert planning.escalate_missed(date(2026, 3, 7), department=CLIENT) == ()
    kinds = [e.kind for e in Feed(ops).read(after=0, limit=1000)]
    assert kinds.count("DeadlineMissed") == 4


def test_the_planning_job_escalates_only_where_the_department_plans_here(ops: ClientOps) -> None:
    """The ``planning`` job of clientops.jobs: nothing for a department that keeps no plan or
    report of these months in clientops; once it does, each missed deadline told once."""
    from clientops.jobs import DEFAULT_JOBS, run_job

    (job,) = [j for j in DEFAULT_JOBS if j.name == "planning"]
    friday, monday, tuesday = date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 10)
    quiet = run_job(ops, job, friday)
    assert quiet.summary == "Просроченных планов и отчётов, о которых сообщено руководству: 0."
    assert "DeadlineMissed" not in [e.kind for e in Feed(ops).read(after=0, limit=1000)]

    Planning(ops).propose_plan(ANNA, APRIL, by=ANNA)  # the department plans in clientops now
    told = run_job(ops, job, monday)
    # March's plans of both managers and February's reports, all missed
    assert told.summary == "Просроченных планов и отчётов, о которых сообщено руководству: 4."
    assert run_job(ops, job, tuesday).summary.endswith(": 0.")  # each told once
    kinds = [e.kind for e in Feed(ops).read(after=0, limit=1000)]
    assert kinds.count("DeadlineMissed") == 4


def test_the_plan_and_the_pay_sheet_as_docx(ops: ClientOps, tmp_path: Path) -> None:
    import docx
    from tests._office import convert_to_pdf

    a_department(ops)
    planning = Planning(ops)
    plan = planning.propose_plan(ANNA, APRIL, by=ANNA)
    plan = planning.submit(plan.id, by=ANNA)
    plan = planning.return_sheet(plan.id, by=IVANOV, comment="Мало новых клиентов")
    data = plan_docx(plan, manager_name="Смирнова Анна Сергеевна")
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "План работы на апрель 2026 года" in text
    assert "Состояние: возвращён на доработку." in text
    assert "Замечание директора: «Мало новых клиентов»." in text
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert ["Поступление денежных средств, руб.", "2\u00a0566,67\u00a0руб."] in rows
    pay = planning.pay_sheet(ANNA, MARCH)
    paid = docx.Document(io.BytesIO(pay_sheet_docx(pay, manager_name="Смирнова А. С.")))
    rows = [[c.text for c in row.cells] for row in paid.tables[0].rows]
    assert rows[1] == [
        "ООО «Системный»",
        "20.03.2026",
        "5\u00a0000,00\u00a0руб.",
        "150,00\u00a0руб.",
    ]
    totals = [[c.text for c in row.cells] for row in paid.tables[1].rows]
    assert totals[-1] == ["Итого", "40\u00a0150,00\u00a0руб."]
    assert totals[2][0] == "Премия (3\xa0% покупок)"
    if ops.storage.__class__.__name__ == "MemoryStorage":  # LibreOffice once, not per store
        texts = convert_to_pdf({"plan": data}, tmp_path)
        if texts["plan"] is not None:
            assert "План работы на апрель 2026 года" in texts["plan"]


def test_the_call_managers_control_points(ops: ClientOps) -> None:
    cards = [
        ops.clients.add(a_client(name="ООО «Холодный»", manager_id=KATE)),
        ops.clients.add(
            a_client(
                name="ООО «Полный»",
                manager_id=KATE,
                inn="7707083893",
                emails=("info@full.ru",),
                phones=(Phone.parse("+79131234567"),),
            )
        ),
    ]
    calls = [
        # Monday 2 March: three calls out (60, 20 and 200 seconds) and one in
        attrs.evolve(
            a_call(at=msk("2026-03-02", 9), seconds=60, employee_id=KATE),
            direction=CallDirection.OUTGOING,
        ),
        attrs.evolve(
            a_call(at=msk("2026-03-02", 12), seconds=20, employee_id=KATE),
            direction=CallDirection.OUTGOING,
        ),
        attrs.evolve(
            a_call(at=msk("2026-03-02", 17, 30), seconds=200, employee_id=KATE),
            direction=CallDirection.OUTGOING,
        ),
        a_call(at=msk("2026-03-02", 10), seconds=30, employee_id=KATE),
        # Tuesday: one call out; someone else's call does not count
        attrs.evolve(
            a_call(at=msk("2026-03-03", 11), seconds=90, employee_id=KATE),
            direction=CallDirection.OUTGOING,
        ),
        attrs.evolve(
            a_call(at=msk("2026-03-03", 11), seconds=90, employee_id=ANNA),
            direction=CallDirection.OUTGOING,
        ),
    ]
    campaign = a_campaign(assignees=(KATE,), start=date(2026, 3, 1), end=date(2026, 3, 31))
    with ops.storage.unit_of_work() as uow:
        for call in calls:
            uow.calls.add(call)
        uow.campaigns.add(campaign)
        for i, kept in enumerate((("hello",), ("hello", "bye"))):
            missed = tuple(p for p in ("hello", "bye") if p not in kept)
            uow.campaigns.add_call(
                CampaignCall(
                    f"cc{i}",
                    campaign.id,
                    cards[0].id,
                    KATE,
                    msk("2026-03-02", 9 + i),
                    (OutcomeKind.CALL_BACK,),
                    review=ScriptReview(IVANOV, msk("2026-03-04"), kept, missed),
                )
            )
    points = Planning(ops).control_points(
        KATE, date(2026, 3, 2), date(2026, 3, 6), campaigns=(campaign.id,)
    )
    assert points.calls == 4
    assert points.calls_planned == 80 * 5
    assert points.long_calls == 3  # 60, 200 and 90 seconds: at least the policy's 60
    assert points.airtime_seconds == 60 + 20 + 200 + 90
    # from 9:00 to 17:33:20 on Monday, 11:00 to 11:01:30 on Tuesday
    assert points.hours_worked == Decimal("8.6")
    assert (points.reviewed_calls, points.script_points_kept, points.script_points_checked) == (
        2,
        3,
        4,
    )
    assert points.script_adherence == Decimal("0.75")
    assert points.cards == 2
    assert points.card_completeness == ops.clients.completeness(manager=KATE).share
    with pytest.raises(ValidationError):
        Planning(ops).control_points(KATE, date(2026, 3, 6), date(2026, 3, 2))


def test_the_pay_sheet_counts_the_purchases_of_satisfied_clients(ops: ClientOps) -> None:
    dep = a_department(ops)
    sheet = Planning(ops).pay_sheet(ANNA, MARCH)
    assert [(line.name, line.satisfied_on, line.purchases, line.bonus) for line in sheet.lines] == [
        ("ООО «Системный»", date(2026, 3, 20), Money("5000"), Money("150.00"))
    ]
    assert (sheet.salary, sheet.total) == (Money("40000"), Money("40150.00"))
    closed = attrs.evolve(
        ops.policy,
        planning=PlanningPolicy(
            purchases=PurchaseBasis.ORDERS_CLOSED,
            pay_percent=Decimal(5),
            salaries=((ANNA, Money("50000")),),
        ),
    )
    other = clientops.ClientOps(
        ops.storage, policy=closed, host=ops.context.host, clock=ops.context.clock
    )
    by_orders = Planning(other).pay_sheet(ANNA, MARCH)
    assert [(line.purchases, line.bonus, line.records) for line in by_orders.lines] == [
        (Money("2000"), Money("100.00"), (dep.march_order.number,))
    ]
    assert by_orders.total == Money("50100.00")
    text = pay_sheet_csv(sheet)
    assert "ООО «Системный»;20.03.2026;5000;150.00;" in text
    assert text.splitlines()[-1] == "Итого;;;40150.00;"


def test_the_report_as_docx_csv_and_json(ops: ClientOps, tmp_path: Path) -> None:
    import docx

    a_department(ops)
    planning = Planning(ops)
    plan = planning.propose_plan(
        ANNA, MARCH, by=ANNA, figures={PlanLine.CASH_INFLOW: Decimal(5000)}
    )
    planning.submit(plan.id, by=ANNA)
    planning.approve(plan.id, by=IVANOV)
    report = planning.report(MARCH, manager=ANNA)
    data = report_docx(report, manager_name="Смирнова Анна Сергеевна", approver="И. И. Иванов")
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Отчёт о работе за март 2026 года" in text
    assert "УТВЕРЖДАЮ" in text
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert rows[0] == ["Показатель", "План", "Факт", "Выполнение", "Отклонение"]
    assert [
        "Поступление денежных средств, руб.",
        "5\u00a0000,00\u00a0руб.",
        "6\u00a0000,00\u00a0руб.",
        "120,0\xa0%",
        "1\u00a0000,00\u00a0руб.",
    ] in rows
    lost = [[c.text for c in row.cells] for row in document.tables[1].rows]
    assert ["ООО «Ушедший»", "системный клиент без заказов", "15.03.2026"] in lost
    assert document.inline_shapes  # the chart of plan and fact
    csv_text = report_csv(report)
    assert "Поступление денежных средств, руб.;5000;6000;120.0;1000" in csv_text
    doc = report_json(report)
    assert json.loads(json.dumps(doc))["lines"]["cash_inflow"]["fact"] == "6000"
    assert doc["lost"][0]["criterion"] == "claim_unresolved"


def test_a_departments_plan_template_sets_its_lines_and_growth(ops: ClientOps) -> None:
    a_department(ops)
    template = PlanTemplate((PlanLine.CASH_INFLOW, PlanLine.PROFIT), growth=Decimal(2))
    policy = attrs.evolve(ops.policy, planning=PlanningPolicy(templates=((CLIENT, template),)))
    other = clientops.ClientOps(
        ops.storage, policy=policy, host=ops.context.host, clock=ops.context.clock
    )
    plan = Planning(other).propose_plan(ANNA, APRIL, by=ANNA)
    assert [(f.line, f.value) for f in plan.figures] == [
        (PlanLine.CASH_INFLOW, Decimal("4666.67")),  # (6000 + 1000 + 0) / 3 × 2
        (PlanLine.PROFIT, Decimal("866.67")),  # (800 + 0 + 500) / 3 × 2
    ]
    with pytest.raises(ValidationError) as err:
        Planning(other).propose_plan(
            ANNA, APRIL, by=ANNA, figures={PlanLine.NEW_CLIENTS: Decimal(1)}
        )
    assert err.value.paths == ("figures.new_clients",)
    with pytest.raises(ValidationError):
        PlanTemplate((PlanLine.LOST_REGULAR,))


def test_plans_and_reports_on_the_managers_and_the_directors_agenda(
    ops: ClientOps, clock: Clock
) -> None:
    from clientops.agenda import AgendaKind

    planning = Planning(ops)
    day = date(2026, 3, 26)
    clock.now = msk("2026-03-26")

    def plan_items(who: EmployeeId) -> list[tuple[str, bool]]:
        agenda = ops.agenda.for_manager(who, day)
        return [(i.why, i.overdue) for i in agenda.items if i.kind is AgendaKind.PLAN]

    # a department that keeps no plans in clientops: nothing on the agenda
    assert plan_items(ANNA) == []
    # Oleg's draft: the department plans; a week before 31 March, Anna's April plan is due,
    # her March plan and February report are late
    planning.propose_plan(OLEG, APRIL, by=OLEG)
    assert plan_items(ANNA) == [
        ("план на март 2026 года: сдать до 27.02.2026", True),
        ("отчёт за февраль 2026 года: сдать до 05.03.2026", True),
        ("план на апрель 2026 года: сдать до 31.03.2026", False),
    ]
    assert plan_items(IVANOV) == []
    sheet = planning.propose_plan(ANNA, APRIL, by=ANNA)
    planning.submit(sheet.id, by=ANNA)
    assert (
        "план на апрель 2026 года: сдать до 31.03.2026 (на утверждении у директора)",
        False,
    ) in (plan_items(ANNA))
    assert plan_items(IVANOV) == [
        ("утвердить план на апрель 2026 года: Смирнова Анна Сергеевна", False)
    ]
    planning.approve(sheet.id, by=IVANOV)
    assert plan_items(IVANOV) == []
    assert all("апрель" not in why for why, _ in plan_items(ANNA))
    assert AgendaKind.PLAN.label == "План и отчёт"


@pytest.mark.parametrize("month", [Month(2026, 1), Month(2026, 2), MARCH])
def test_the_read_model_gives_the_figures_of_the_records(ops: ClientOps, month: Month) -> None:
    # report(drill_down=False) groups in SQL (uow.planning) on SQLite and PostgreSQL and
    # folds the repositories' rows on memory: each line as the records give it
    a_department(ops)
    planning = Planning(ops)
    for who in ({"manager": ANNA}, {"manager": OLEG}, {"department": CLIENT}):
        full = planning.report(month, **who)  # type: ignore[arg-type]
        fast = planning.report(month, drill_down=False, **who)  # type: ignore[arg-type]
        assert {r.line: r.fact for r in fast.lines} == {r.line: r.fact for r in full.lines}
        assert all(r.records == () for r in fast.lines)
        assert fast.lost == ()
    fast = planning.report(MARCH, manager=ANNA, drill_down=False)
    assert (fast.fact(PlanLine.LOST_REPEAT), fast.fact(PlanLine.PROFIT)) == (2, 800)
    # every manager's report of the department in one pass: the same figures each
    each = planning.reports(month, department=CLIENT)
    assert [r.manager_id for r in each] == [ANNA, OLEG]
    for report in each:
        full = planning.report(month, manager=report.manager_id)
        assert report.figures == full.figures
    with pytest.raises(ValidationError) as err:
        planning.reports(APRIL, department=CLIENT)
    assert err.value.paths == ("month",)
    with pytest.raises(ValidationError) as err:
        planning.report(MARCH, manager=ANNA, drill_down="no")  # type: ignore[arg-type]
    assert err.value.paths == ("drill_down",)


def test_the_store_answers_the_read_model_itself_on_sql(ops: ClientOps, store_url: str) -> None:
    a_department(ops)
    with ops.storage.unit_of_work(readonly=True) as uow:
        fast = getattr(uow, "planning", None)
        assert (fast is not None) == (not store_url.startswith("memory"))
        rows = sorted(
            planning_queries(uow).client_months((ANNA,), MARCH, window=6, tz=MSK),
            key=lambda r: r.client_id,
        )
        slow = sorted(
            RepositoryPlanningQueries(uow).client_months((ANNA,), MARCH, window=6, tz=MSK),
            key=lambda r: r.client_id,
        )
    assert rows == slow
    regular = next(r for r in rows if r.name == "ООО «Системный»")
    assert regular.window_months == ("2025-12", "2026-01", "2026-02")
    assert (regular.orders, regular.ordered, regular.cash) == (1, 2000, 5000)


@pytest.mark.parametrize("store_url", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize("month", [Month(2026, 1), Month(2026, 2), MARCH])
def test_the_sql_stores_group_the_clients_the_default_rules_decide_alike(
    ops: ClientOps, store_url: str, month: Month
) -> None:
    from clientops.rules import planning as rules

    dep = a_department(ops)
    # a client who announced the end of the contract: a termination day in the key
    Retention(ops).announce_termination(dep.regular.id, date(2026, 3, 31), by=ANNA)
    policy = ops.policy.planning
    with ops.storage.unit_of_work(readonly=True) as uow:
        grouped = uow.planning
        managers = (ANNA, OLEG)
        groups = list(grouped.client_groups(managers, month, window=6, tz=MSK))
        rows = list(grouped.client_months(managers, month, window=6, tz=MSK))
    assert sum(g.clients for g in groups) == len(rows)
    assert sum(g.buyers for g in groups) == sum(1 for r in rows if r.orders)
    assert rules.group_totals(groups, (), month, policy=policy) == rules.month_totals(
        rows, (), month, policy=policy
    )


def test_a_client_who_asked_to_end_the_contract_is_lost_that_day(ops: ClientOps) -> None:
    dep = a_department(ops)
    retention = Retention(ops)
    retention.announce_termination(dep.regular.id, date(2026, 3, 31), by=ANNA)
    planning = Planning(ops)
    report = planning.report(MARCH, manager=ANNA)
    gone = next(c for c in report.lost if c.client_id == dep.regular.id)
    assert (gone.criterion, gone.label, gone.lost_on) == (
        "termination_announced",
        "заявил о расторжении договора",
        date(2026, 3, 31),
    )
    assert report.fact(PlanLine.LOST_REGULAR) == 2
    fast = planning.report(MARCH, manager=ANNA, drill_down=False)
    assert fast.fact(PlanLine.LOST_REGULAR) == 2
    # a termination announced for April loses no one in March
    assert planning.report(Month(2026, 2), manager=ANNA).fact(PlanLine.LOST_REGULAR) == 0
    # won back: the client stays, and is not lost
    with ops.storage.unit_of_work() as uow:
        record = uow.retention.get(dep.regular.id)
        assert record is not None
        uow.retention.update(attrs.evolve(record, status=RetentionStatus.STAYED))
    for drill_down in (True, False):
        again = planning.report(MARCH, manager=ANNA, drill_down=drill_down)
        assert again.fact(PlanLine.LOST_REGULAR) == 1


def test_hours_worked_from_telephony_presence_when_the_policy_says_so(
    store_url: str, clock: Clock
) -> None:
    policy = clientops.Policy(planning=PlanningPolicy(hours_source=HoursSource.PRESENCE))
    ops = clientops.connect(store_url, clock=clock, policy=policy)
    try:
        ops.clients.add_staff(a_staff())
        with ops.storage.unit_of_work() as uow:
            uow.calls.add(a_call(at=msk("2026-03-02", 9), seconds=60, employee_id=ANNA))
        planning = Planning(ops)
        presence = [
            (msk("2026-03-02", 8, 30), msk("2026-03-02", 13)),
            (msk("2026-03-02", 12), msk("2026-03-02", 17, 30)),  # overlaps: counted once
            (msk("2026-03-09", 9), msk("2026-03-09", 10)),  # after the period
        ]
        points = planning.control_points(
            ANNA, date(2026, 3, 2), date(2026, 3, 6), presence=presence
        )
        assert (points.hours_worked, points.hours_source) == (Decimal("9.0"), HoursSource.PRESENCE)
        assert label(points.hours_source) == "по присутствию в телефонии"
        with pytest.raises(ValidationError) as err:
            planning.control_points(ANNA, date(2026, 3, 2), date(2026, 3, 6))
        assert err.value.paths == ("presence",)
        with pytest.raises(ValidationError) as err:
            planning.control_points(
                ANNA, date(2026, 3, 2), date(2026, 3, 6), presence=[(msk("2026-03-02", 9),)]
            )
        assert err.value.paths == ("presence[0]",)
    finally:
        ops.close()
