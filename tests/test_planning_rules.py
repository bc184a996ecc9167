"""Client segments, loss criteria, deadlines and the approval moves, read like seed 003:
«новые клиенты с заказами, системные, не системные… прописать критерии потерь»."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clientops.billing import Month
from clientops.errors import TransitionError, ValidationError
from clientops.model import ClientId, EmployeeId
from clientops.planning import (
    ClientHistory,
    Figure,
    LossCriterion,
    PlanLine,
    PlanningPolicy,
    Segment,
    SheetState,
)
from clientops.rules.planning import (
    LOSS_CRITERIA,
    lost_in,
    move,
    plan_due,
    propose_figures,
    report_due,
    satisfied_on,
    segment_of,
)
from clientops.testing import a_staff
from clientops.workdays import russian_calendar

POLICY = PlanningPolicy()
MARCH = Month(2026, 3)
MSK = ZoneInfo("Europe/Moscow")


def a_history(*days: str, ended: str | None = None, claims: tuple[str, ...] = ()) -> ClientHistory:
    return ClientHistory(
        ClientId("c1"),
        order_days=tuple(date.fromisoformat(d) for d in days),
        contract_ended_on=date.fromisoformat(ended) if ended else None,
        open_claims=tuple(date.fromisoformat(d) for d in claims),
        name="ООО «Ромашка»",
    )


@pytest.mark.parametrize(
    ("orders", "segment"),
    [
        # the first order in March: a new client
        (("2026-03-10",), Segment.NEW),
        (("2026-03-01", "2026-03-30"), Segment.NEW),
        # orders in 3 of the 6 months before March: regular («системный»)
        (("2025-12-05", "2026-01-12", "2026-02-03"), Segment.REGULAR),
        (("2025-09-05", "2025-10-05", "2025-11-05", "2026-03-05"), Segment.REGULAR),
        # 2 months of 6: ordered before, not regular («несистемный»)
        (("2026-01-12", "2026-02-03", "2026-03-03"), Segment.REPEAT),
        # three orders in one month are one month
        (("2026-02-01", "2026-02-10", "2026-02-20"), Segment.REPEAT),
        # the 7th month back is outside the window
        (("2025-08-31", "2026-01-12", "2026-02-03"), Segment.REPEAT),
        # never ordered, or only after March: no segment
        ((), None),
        (("2026-04-01",), None),
    ],
)
def test_the_segment_of_a_client_in_march(orders: tuple[str, ...], segment: Segment | None) -> None:
    assert segment_of(a_history(*orders), MARCH, POLICY) == segment


def test_the_regular_rule_is_the_users_own_function() -> None:
    def any_order_last_month(history: ClientHistory, month: Month, policy: PlanningPolicy) -> bool:
        return any(Month.of(d) == month.previous() for d in history.order_days)

    history = a_history("2026-02-03")
    assert segment_of(history, MARCH, POLICY) is Segment.REPEAT
    assert segment_of(history, MARCH, POLICY, regular_rule=any_order_last_month) is Segment.REGULAR


def test_the_numbers_of_the_regular_rule_are_policy() -> None:
    history = a_history("2026-01-12", "2026-02-03")
    assert segment_of(history, MARCH, PlanningPolicy(regular_months=2)) is Segment.REGULAR
    with pytest.raises(ValidationError, match="regular_months"):
        PlanningPolicy(regular_months=7, regular_window=6)


@pytest.mark.parametrize(
    ("history", "regular", "criterion", "lost_on"),
    [
        # a regular client with no order for 3 months
        (a_history("2025-12-15"), True, "no_order_regular", "2026-03-15"),
        # … an order in January moves it to April: not lost in March
        (a_history("2025-12-15", "2026-01-10"), True, None, None),
        # a non-regular client with no order for 6 months
        (a_history("2025-09-05"), False, "no_order_repeat", "2026-03-05"),
        (a_history("2025-12-15"), False, None, None),
        # the client asked to end the contract
        (a_history("2026-02-10", ended="2026-03-20"), False, "contract_ended", "2026-03-20"),
        # a claim unresolved for 30 days
        (a_history("2026-02-10", claims=("2026-02-15",)), True, "claim_unresolved", "2026-03-17"),
        # lost in February already: not lost again in March
        (a_history("2025-11-10"), True, None, None),
        # the earliest criterion wins
        (
            a_history("2025-12-15", ended="2026-03-20"),
            True,
            "no_order_regular",
            "2026-03-15",
        ),
    ],
)
def test_a_client_lost_in_march_and_by_which_criterion(
    history: ClientHistory, regular: bool, criterion: str | None, lost_on: str | None
) -> None:
    found = lost_in(history, MARCH, regular=regular, policy=POLICY)
    if criterion is None:
        assert found is None
    else:
        assert found is not None
        assert (found.criterion, found.lost_on) == (criterion, date.fromisoformat(lost_on or ""))
        assert found.regular is regular


def test_a_company_adds_its_own_loss_criterion_in_a_few_lines() -> None:
    def went_to_a_competitor(history: ClientHistory, regular: bool, policy: object) -> date | None:
        return date(2026, 3, 2) if history.name == "ООО «Ромашка»" else None

    mine = (*LOSS_CRITERIA, LossCriterion("competitor", "ушёл к конкуренту", went_to_a_competitor))
    found = lost_in(a_history("2026-02-10"), MARCH, regular=False, policy=POLICY, criteria=mine)
    assert found is not None
    assert (found.criterion, found.label) == ("competitor", "ушёл к конкуренту")


def test_a_loss_criterion_that_raises_is_named() -> None:
    def broken(history: ClientHistory, regular: bool, policy: object) -> date | None:
        raise KeyError("oops")

    mine = (LossCriterion("broken", "сломанный", broken),)
    with pytest.raises(ValidationError) as err:
        lost_in(a_history("2026-02-10"), MARCH, regular=False, policy=POLICY, criteria=mine)
    assert err.value.paths == ("loss_criteria.broken",)


@pytest.mark.parametrize(
    ("month", "plan", "report"),
    [
        # the plan before the 1st: the last working day before it; the report by the 5th
        (Month(2026, 3), date(2026, 2, 27), date(2026, 4, 6)),  # 5 April 2026 is a Sunday
        (Month(2026, 4), date(2026, 3, 31), date(2026, 5, 5)),
        # January: the plan before the New Year holidays (31 December 2025 is a day off by
        # the decree), December's report after them
        (Month(2026, 1), date(2025, 12, 30), date(2026, 2, 5)),
        (Month(2025, 12), date(2025, 11, 28), date(2026, 1, 12)),
    ],
)
def test_deadlines_on_the_production_calendar(month: Month, plan: date, report: date) -> None:
    calendar = russian_calendar()
    assert plan_due(month, calendar) == plan
    assert report_due(month, POLICY, calendar) == report


def test_a_plan_is_the_average_of_the_last_months_times_the_growth() -> None:
    months = [
        [Figure(PlanLine.NEW_CLIENTS, Decimal(2)), Figure(PlanLine.CASH_INFLOW, Decimal(1000))],
        [Figure(PlanLine.NEW_CLIENTS, Decimal(3)), Figure(PlanLine.CASH_INFLOW, Decimal(2000))],
        [Figure(PlanLine.NEW_CLIENTS, Decimal(4)), Figure(PlanLine.CASH_INFLOW, Decimal(3001))],
    ]
    plan = {f.line: f.value for f in propose_figures(months, growth=Decimal("1.2"))}
    assert plan[PlanLine.NEW_CLIENTS] == Decimal(4)  # 3 × 1.2 = 3.6, whole clients
    assert plan[PlanLine.CASH_INFLOW] == Decimal("2400.40")  # 2000.333… × 1.2
    assert plan[PlanLine.PROFIT] == Decimal(0)
    assert set(plan) == {
        PlanLine.NEW_CLIENTS,
        PlanLine.NEW_CLIENTS_SUM,
        PlanLine.REGULAR_CLIENTS,
        PlanLine.REGULAR_CLIENTS_SUM,
        PlanLine.REPEAT_CLIENTS,
        PlanLine.REPEAT_CLIENTS_SUM,
        PlanLine.CASH_INFLOW,
        PlanLine.PROFIT,
    }
    with pytest.raises(ValidationError, match="growth"):
        propose_figures(months, growth=Decimal("-0.1"))


AT = datetime(2026, 2, 25, 10, tzinfo=MSK)
ANNA, IVANOV = EmployeeId("anna"), EmployeeId("ivanov")


@pytest.mark.parametrize(
    ("state", "action", "by", "result"),
    [
        (SheetState.DRAFT, "submit", ANNA, SheetState.SUBMITTED),
        (SheetState.RETURNED, "submit", ANNA, SheetState.SUBMITTED),
        (SheetState.SUBMITTED, "approve", IVANOV, SheetState.APPROVED),
        (SheetState.SUBMITTED, "return", IVANOV, SheetState.RETURNED),
    ],
)
def test_the_approval_moves(
    state: SheetState, action: str, by: EmployeeId, result: SheetState
) -> None:
    step = move(state, action, subject="plan p", by=by, staff=a_staff(), at=AT, comment="поправьте")
    assert (step.state, step.by, step.at) == (result, by, AT)


def test_only_the_director_approves_and_returns_only_with_a_comment() -> None:
    with pytest.raises(ValidationError) as err:
        move(SheetState.SUBMITTED, "approve", subject="plan p", by=ANNA, staff=a_staff(), at=AT)
    assert err.value.paths == ("by",)
    with pytest.raises(ValidationError) as err:
        move(SheetState.SUBMITTED, "return", subject="plan p", by=IVANOV, staff=a_staff(), at=AT)
    assert err.value.paths == ("comment",)
    with pytest.raises(TransitionError) as moved:
        move(SheetState.APPROVED, "submit", subject="plan p", by=ANNA, staff=a_staff(), at=AT)
    assert moved.value.current == "approved"
    with pytest.raises(TransitionError):
        move(SheetState.DRAFT, "approve", subject="plan p", by=IVANOV, staff=a_staff(), at=AT)


@pytest.mark.parametrize(
    ("calls", "satisfied"),
    [
        ([("2026-03-20", True)], "2026-03-20"),
        # a later unhappy call takes it back
        ([("2026-03-02", True), ("2026-03-20", False)], None),
        # a call not reached says nothing
        ([("2026-03-02", True), ("2026-03-20", None)], "2026-03-02"),
        # older than 45 days before the month's end: not counted
        ([("2026-02-14", True)], None),
        ([("2026-02-15", True)], "2026-02-15"),
        # after the month: not yet
        ([("2026-04-01", True)], None),
    ],
)
def test_who_counts_as_satisfied_for_the_pay(
    calls: list[tuple[str, bool | None]], satisfied: str | None
) -> None:
    found = satisfied_on([(date.fromisoformat(d), happy) for d, happy in calls], MARCH, POLICY)
    assert found == (date.fromisoformat(satisfied) if satisfied else None)
    assert MARCH.last_day - timedelta(days=POLICY.satisfied_window_days) == date(2026, 2, 14)


def test_a_group_of_clients_adds_up_to_its_clients() -> None:
    from clientops.planning import ClientGroup, ClientMonth
    from clientops.rules.planning import group_totals, month_totals

    march = Month(2026, 3)
    anna = EmployeeId("anna")

    def client(i: int, **kw: object) -> ClientMonth:
        return ClientMonth(ClientId(f"c{i}"), f"Клиент {i}", anna, **kw)  # type: ignore[arg-type]

    # three regular clients alike (orders in three months of the window, the last in
    # December: lost in March), two of them ordering in March, one new in the base
    days = {
        "first_order": date(2025, 10, 3),
        "last_order": date(2025, 12, 31),
        "window_months": ("2025-10", "2025-11", "2025-12"),
    }
    rows = [
        client(1, orders=1, ordered=Decimal(100), cash=Decimal(7), **days),
        client(2, orders=2, ordered=Decimal(250), profit=Decimal(30), **days),
        client(3, joined_on=date(2026, 3, 2), **days),
    ]
    group = ClientGroup(
        ClientMonth(
            ClientId(""),
            "",
            anna,
            orders=2,
            ordered=Decimal(350),
            cash=Decimal(7),
            profit=Decimal(30),
            **days,  # type: ignore[arg-type]
        ),
        clients=3,
        buyers=2,
        joined=1,
    )
    totals = group_totals([group], (), march, policy=POLICY)
    assert totals == month_totals(rows, (), march, policy=POLICY)
    assert totals[anna][PlanLine.LOST_REGULAR] == 3
    assert totals[anna][PlanLine.REGULAR_CLIENTS] == 2
    assert totals[anna][PlanLine.NEW_IN_BASE] == 1
