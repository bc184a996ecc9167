"""Plans, reports, control points and pay: the values (seeds 003, 004, 000).

The lines of the monthly plan and report (:class:`PlanLine`), the client segments
(:class:`Segment`) and the criteria of a lost client (:class:`LossCriterion`), the stored plan
or report of a manager's month with its approval (:class:`MonthlySheet`), the report with the
records behind each figure (:class:`MonthlyReport`), the call manager's control points
(:class:`ControlPoints`), the pay sheet (:class:`PaySheet`), and their numbers
(:class:`PlanningPolicy`, ``Policy.planning``). Re-homed to :mod:`clientops.planning`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

import attrs

from clientops._billing import Month
from clientops._checks import fail
from clientops.events import Event
from clientops.model import ClientId, DepartmentId, EmployeeId, Money

__all__ = [
    "ClientGroup",
    "ClientHistory",
    "ClientMonth",
    "ControlPoints",
    "Deadline",
    "DeadlineMissed",
    "Figure",
    "HoursSource",
    "LossCriterion",
    "LostClient",
    "MonthlyReport",
    "MonthlySheet",
    "PayLine",
    "PaySheet",
    "PlanLine",
    "PlanTemplate",
    "PlanningPolicy",
    "PurchaseBasis",
    "ReportLine",
    "Segment",
    "SheetChanged",
    "SheetKind",
    "SheetState",
    "SheetStep",
    "fixed_offset_minutes",
]


class Segment(enum.Enum):
    """Which kind of client someone is in a month: new (first order in the month), regular
    («системный»: ordering month after month, by the regular rule) or repeat («несистемный»:
    ordered before, not regular)."""

    NEW = "new"
    REGULAR = "regular"
    REPEAT = "repeat"

    @property
    def label(self) -> str:
        return _SEGMENT_LABELS[self]


_SEGMENT_LABELS = {
    Segment.NEW: "новый",
    Segment.REGULAR: "системный",
    Segment.REPEAT: "несистемный",
}


class PlanLine(enum.Enum):
    """A line of the monthly plan and report (seed 003). ``label`` is its Russian name,
    ``money`` whether it counts roubles, ``report_only`` whether only the report has it."""

    NEW_CLIENTS = "new_clients"
    NEW_CLIENTS_SUM = "new_clients_sum"
    REGULAR_CLIENTS = "regular_clients"
    REGULAR_CLIENTS_SUM = "regular_clients_sum"
    REPEAT_CLIENTS = "repeat_clients"
    REPEAT_CLIENTS_SUM = "repeat_clients_sum"
    CASH_INFLOW = "cash_inflow"
    PROFIT = "profit"
    LOST_REGULAR = "lost_regular"
    LOST_REPEAT = "lost_repeat"
    NEW_IN_BASE = "new_in_base"
    CLAIMS_FILED = "claims_filed"
    CLAIMS_FILED_SUM = "claims_filed_sum"
    CLAIMS_SATISFIED = "claims_satisfied"
    CLAIMS_SATISFIED_SUM = "claims_satisfied_sum"
    PAID_TO_CONTRACTORS = "paid_to_contractors"
    RECEIVED_FROM_CONTRACTORS = "received_from_contractors"
    RECEIVED_FROM_CONTRACTORS_SUM = "received_from_contractors_sum"

    @property
    def label(self) -> str:
        return _LINE_LABELS[self]

    @property
    def money(self) -> bool:
        return self.value.endswith("_sum") or self in _MONEY_LINES

    @property
    def report_only(self) -> bool:
        return self not in PLAN_LINES


_MONEY_LINES = frozenset({PlanLine.CASH_INFLOW, PlanLine.PROFIT, PlanLine.PAID_TO_CONTRACTORS})
_LINE_LABELS = {
    PlanLine.NEW_CLIENTS: "Новые клиенты с заказами, шт.",
    PlanLine.NEW_CLIENTS_SUM: "Заказы новых клиентов, руб.",
    PlanLine.REGULAR_CLIENTS: "Системные клиенты с заказами, шт.",
    PlanLine.REGULAR_CLIENTS_SUM: "Заказы системных клиентов, руб.",
    PlanLine.REPEAT_CLIENTS: "Несистемные клиенты с заказами, шт.",
    PlanLine.REPEAT_CLIENTS_SUM: "Заказы несистемных клиентов, руб.",
    PlanLine.CASH_INFLOW: "Поступление денежных средств, руб.",
    PlanLine.PROFIT: "Прибыль, руб.",
    PlanLine.LOST_REGULAR: "Потерянные системные клиенты, шт.",
    PlanLine.LOST_REPEAT: "Потерянные несистемные клиенты, шт.",
    PlanLine.NEW_IN_BASE: "Новые клиенты в базе менеджера, шт.",
    PlanLine.CLAIMS_FILED: "Рекламации поступившие, шт.",
    PlanLine.CLAIMS_FILED_SUM: "Рекламации поступившие, руб.",
    PlanLine.CLAIMS_SATISFIED: "Рекламации удовлетворённые, шт.",
    PlanLine.CLAIMS_SATISFIED_SUM: "Рекламации удовлетворённые, руб.",
    PlanLine.PAID_TO_CONTRACTORS: "Оплачено подрядчикам, руб.",
    PlanLine.RECEIVED_FROM_CONTRACTORS: "Готовые заказы от подрядчиков, шт.",
    PlanLine.RECEIVED_FROM_CONTRACTORS_SUM: "Готовые заказы от подрядчиков, руб.",
}

#: The lines of the plan (the report has these and the report-only ones).
PLAN_LINES: tuple[PlanLine, ...] = (
    PlanLine.NEW_CLIENTS,
    PlanLine.NEW_CLIENTS_SUM,
    PlanLine.REGULAR_CLIENTS,
    PlanLine.REGULAR_CLIENTS_SUM,
    PlanLine.REPEAT_CLIENTS,
    PlanLine.REPEAT_CLIENTS_SUM,
    PlanLine.CASH_INFLOW,
    PlanLine.PROFIT,
)


class HoursSource(enum.Enum):
    """Where a call manager's hours worked come from (``PlanningPolicy.hours_source``): the
    first to the last call of each day (``FIRST_LAST_CALL``, what the call log knows), or the
    telephony presence (``PRESENCE``: the intervals the employee was logged in to the PBX,
    which the caller passes to ``control_points(presence=…)``; clientops stores no presence
    or status events of the PBX)."""

    FIRST_LAST_CALL = "first_last_call"
    PRESENCE = "presence"


class PurchaseBasis(enum.Enum):
    """What counts as a client's purchases in the pay sheet: money paid on invoices in the
    month (``INVOICES_PAID``) or the prices of orders closed in the month
    (``ORDERS_CLOSED``)."""

    INVOICES_PAID = "invoices_paid"
    ORDERS_CLOSED = "orders_closed"


def _non_negative(inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int | Decimal) or isinstance(value, bool) or value < 0:
        fail(attribute.name, f"must be a number >= 0, got {value!r}", subject="PlanningPolicy")


def _at_least_one(inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        fail(attribute.name, f"must be an int >= 1, got {value!r}", subject="PlanningPolicy")


def _plan_lines(inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if (
        not isinstance(value, tuple)
        or not value
        or any(line not in PLAN_LINES for line in value)
        or len(set(value)) != len(value)
    ):
        fail("lines", f"must be plan lines, each once, got {value!r}", subject="PlanTemplate")


def _optional_growth(inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _non_negative(inst, attribute, value)


@attrs.frozen
class PlanTemplate:
    """A department's plan template («шаблон плана»): which lines its plans have (the seed's
    eight by default) and its growth factor (``None``: ``PlanningPolicy.growth``)."""

    lines: tuple[PlanLine, ...] = attrs.field(default=PLAN_LINES, validator=_plan_lines)
    growth: Decimal | None = attrs.field(default=None, validator=_optional_growth)


@attrs.frozen
class PlanningPolicy:
    """The numbers of plans, reports, control points and pay (``Policy.planning``).

    A client is regular in a month when they ordered in at least ``regular_months`` of the
    ``regular_window`` months before it. A regular client is lost after
    ``regular_loss_months`` months without an order, another after ``repeat_loss_months``;
    a claim unresolved for ``claim_unresolved_days`` days loses its client too. A proposed plan
    is the average of the last ``history_months`` months times ``growth``. The plan is due
    on the last working day before the 1st of its month, the report on the ``report_day``-th
    of the next month (the next working day when that is a day off). Pay is ``salary`` (or the
    manager's own from ``salaries``) plus ``pay_percent`` % of the ``purchases`` of the clients
    whose last satisfaction call within ``satisfied_window_days`` before the month's end found
    them satisfied. A call manager is planned ``calls_per_day`` calls a working day. A
    department's plans follow its template from ``templates`` (:class:`PlanTemplate`)."""

    regular_months: int = attrs.field(default=3, validator=_at_least_one)
    regular_window: int = attrs.field(default=6, validator=_at_least_one)
    regular_loss_months: int = attrs.field(default=3, validator=_at_least_one)
    repeat_loss_months: int = attrs.field(default=6, validator=_at_least_one)
    claim_unresolved_days: int = attrs.field(default=30, validator=_at_least_one)
    history_months: int = attrs.field(default=3, validator=_at_least_one)
    growth: Decimal = attrs.field(default=Decimal("1.10"), validator=_non_negative)
    report_day: int = attrs.field(default=5, validator=_at_least_one)
    salary: Money = Money("40000")
    salaries: tuple[tuple[EmployeeId, Money], ...] = ()
    pay_percent: Decimal = attrs.field(default=Decimal("3"), validator=_non_negative)
    satisfied_window_days: int = attrs.field(default=45, validator=_at_least_one)
    purchases: PurchaseBasis = PurchaseBasis.INVOICES_PAID
    calls_per_day: int = attrs.field(default=80, validator=_non_negative)
    hours_source: HoursSource = HoursSource.FIRST_LAST_CALL
    templates: tuple[tuple[DepartmentId, PlanTemplate], ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.regular_months > self.regular_window:
            fail(
                "regular_months",
                f"{self.regular_months} months of orders cannot fit in a window of "
                f"{self.regular_window}",
                subject="PlanningPolicy",
            )

    def salary_of(self, manager_id: EmployeeId) -> Money:
        return dict(self.salaries).get(manager_id, self.salary)

    def template_of(self, department_id: DepartmentId) -> PlanTemplate:
        """The department's plan template (the default one when it has none of its own)."""
        return dict(self.templates).get(department_id, PlanTemplate())


_MONTH_NAMES = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)


def month_words(month: Month) -> str:
    """«март 2026 года»: the month as a plan's or report's title names it."""
    return f"{_MONTH_NAMES[month.month - 1]} {month.year} года"


@attrs.frozen
class ClientHistory:
    """What the segment and loss rules know of one client: the days of their orders (any
    order opened, oldest first), the day their last service contract ended (``None`` while
    one runs or there never was one), the days their unresolved claims were filed, and the day
    the contract ends by the termination they announced (``termination_on``: from
    :mod:`clientops.retention`, ``None`` when none was announced or the client was won back)."""

    client_id: ClientId
    order_days: tuple[date, ...] = ()
    contract_ended_on: date | None = None
    open_claims: tuple[date, ...] = ()
    name: str = ""
    termination_on: date | None = None


def fixed_offset_minutes(tz: tzinfo, first: date, last: date) -> int | None:
    """The UTC offset of ``tz`` in minutes when it is the same on the 1st of every month from
    ``first`` to ``last`` and on ``last``; ``None`` when it changes.

    >>> from zoneinfo import ZoneInfo
    >>> fixed_offset_minutes(ZoneInfo("Europe/Moscow"), date(2023, 1, 1), date(2026, 3, 31))
    180
    >>> fixed_offset_minutes(ZoneInfo("Europe/Berlin"), date(2026, 1, 1), date(2026, 3, 31))
    """
    offsets = set()
    month = Month.of(first)
    while month.first_day <= last:
        offsets.add(datetime.combine(month.first_day, time(12), tz).utcoffset())
        month = month.next()
    offsets.add(datetime.combine(last, time(12), tz).utcoffset())
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return None if offset is None else int(offset.total_seconds() // 60)


@attrs.frozen
class ClientMonth:
    """One client of a manager as the set-based read model gives it for a month
    (:class:`clientops.ports.PlanningQueries`): sums and counts, no records. Days are in the
    policy's time zone; only orders opened up to the month's end count in the history.

    ``first_order`` / ``last_order``: the days of their first and last order;
    ``window_months``: the months (``YYYY-MM``) with orders among the ``window`` months before
    the month; ``orders`` / ``ordered``: the orders opened in the month and their prices;
    ``cash``: paid on their invoices in the month; ``profit``: price less cost of the orders
    closed in it; ``received`` / ``received_cost``: orders from a supplier accepted in it and
    their cost; ``claims_filed`` / ``claims_filed_sum``, ``claims_satisfied`` /
    ``claims_satisfied_sum``: claims filed, resolved in the client's favour in it;
    ``open_claim``: the day their oldest claim still unresolved was filed;
    ``contract_ended_on``, ``joined_on``, ``termination_on``: as in
    :class:`~clientops.rules.planning.ClientRecords`."""

    client_id: ClientId
    name: str
    manager_id: EmployeeId | None
    first_order: date | None = None
    last_order: date | None = None
    window_months: tuple[str, ...] = ()
    orders: int = 0
    ordered: Decimal = Decimal(0)
    cash: Decimal = Decimal(0)
    profit: Decimal = Decimal(0)
    received: int = 0
    received_cost: Decimal = Decimal(0)
    claims_filed: int = 0
    claims_filed_sum: Decimal = Decimal(0)
    claims_satisfied: int = 0
    claims_satisfied_sum: Decimal = Decimal(0)
    open_claim: date | None = None
    contract_ended_on: date | None = None
    joined_on: date | None = None
    termination_on: date | None = None


@attrs.frozen
class ClientGroup:
    """Clients of a manager the default rules decide alike, as a SQL store's read model
    groups them (``uow.planning.client_groups``): ``figures`` holds the group's sums (its
    ``orders`` the clients with orders in the month), the days the rules read (the earliest
    first order), no client id; ``clients`` how many clients, ``buyers`` how many of them
    ordered in the month, ``joined`` how many are new in the base in it."""

    figures: ClientMonth
    clients: int
    buyers: int
    joined: int


#: ``rule(history, month, policy) -> bool``: is the client regular in ``month`` (judged on
#: the months before it)? :func:`clientops.rules.planning.ordered_in_enough_months` is the
#: default; give ``Planning(ops, regular_rule=yours)`` to replace it.
RegularRule = Callable[[ClientHistory, Month, PlanningPolicy], bool]
#: ``test(history, regular, policy) -> date | None``: the day the client counts as lost by the
#: criterion, or ``None``.
LossTest = Callable[[ClientHistory, bool, PlanningPolicy], "date | None"]


@attrs.frozen
class LossCriterion:
    """A named criterion of a lost client: ``name`` (an identifier), ``label`` (Russian, shown
    in the report) and ``test``, the rule giving the day the client counts as lost, or
    ``None``. The criteria are a tuple the company edits
    (:data:`clientops.rules.planning.LOSS_CRITERIA`)."""

    name: str
    label: str
    test: LossTest


@attrs.frozen
class Figure:
    """One line of a plan or report and its value (a count, or roubles)."""

    line: PlanLine
    value: Decimal


class SheetKind(enum.Enum):
    """A monthly plan or a monthly report."""

    PLAN = "plan"
    REPORT = "report"

    @property
    def label(self) -> str:
        return "план" if self is SheetKind.PLAN else "отчёт"


class SheetState(enum.Enum):
    """Where a plan or report is in its approval: a draft, submitted to the director,
    approved, or returned with a comment (and submitted again once corrected)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    SheetState.DRAFT: "черновик",
    SheetState.SUBMITTED: "на утверждении",
    SheetState.APPROVED: "утверждён",
    SheetState.RETURNED: "возвращён на доработку",
}


@attrs.frozen
class SheetStep:
    """One step of a sheet's approval: the state it led to, when, by whom, the comment."""

    state: SheetState
    at: datetime
    by: EmployeeId
    comment: str = ""


@attrs.frozen
class MonthlySheet:
    """A manager's plan or report of one month, as stored: its figures and its approval.
    ``id`` is ``plan-<manager>-<YYYY-MM>`` (or ``report-…``); one of each kind a manager and
    month."""

    id: str
    kind: SheetKind
    manager_id: EmployeeId
    department_id: DepartmentId
    month: Month
    figures: tuple[Figure, ...]
    state: SheetState = SheetState.DRAFT
    history: tuple[SheetStep, ...] = ()
    version: int = 0

    def value(self, line: PlanLine) -> Decimal | None:
        return next((f.value for f in self.figures if f.line is line), None)

    @property
    def comment(self) -> str:
        """The director's comment of the last return ('' when none)."""
        returned = [s for s in self.history if s.state is SheetState.RETURNED]
        return returned[-1].comment if returned else ""


@attrs.frozen
class SheetChanged(Event):
    """A plan or report was drafted, submitted, approved or returned (``state``), by whom."""

    sheet_id: str
    kind: SheetKind
    manager_id: EmployeeId
    month: Month
    state: SheetState
    by: EmployeeId
    at: datetime


@attrs.frozen
class DeadlineMissed(Event):
    """A plan or report was not approved (a report: not submitted) by its day: the
    escalation to ``recipients`` (the directors and the head of the department), told once."""

    kind: SheetKind
    manager_id: EmployeeId
    month: Month
    due_on: date
    recipients: tuple[EmployeeId, ...]
    at: datetime


@attrs.frozen
class Deadline:
    """A plan or report due: whose, which month, by which day, in which state it is now
    (``None`` while there is none), and whether it is missed on the day asked."""

    kind: SheetKind
    manager_id: EmployeeId
    month: Month
    due_on: date
    state: SheetState | None
    missed: bool


@attrs.frozen
class LostClient:
    """A client lost in the month: by which criterion (its name and label), from which day,
    and whether they were a regular client."""

    client_id: ClientId
    name: str
    criterion: str
    label: str
    lost_on: date
    regular: bool


@attrs.frozen
class ReportLine:
    """A line of the report: the plan (``None`` when no plan or a report-only line), the fact,
    and the records behind the fact (order numbers, client ids, claim ids, bill ids)."""

    line: PlanLine
    plan: Decimal | None
    fact: Decimal
    records: tuple[str, ...] = ()

    @property
    def difference(self) -> Decimal | None:
        return None if self.plan is None else self.fact - self.plan

    @property
    def done_percent(self) -> Decimal | None:
        """The fact as a percentage of the plan, rounded to 0.1 (``None`` for no plan or 0)."""
        if not self.plan:
            return None
        return (self.fact * 100 / self.plan).quantize(Decimal("0.1"))


@attrs.frozen
class MonthlyReport:
    """The facts of a manager's month (or a department's: ``manager_id`` ``None``) beside
    the plan, and the lost clients with the criterion that lost each."""

    month: Month
    manager_id: EmployeeId | None
    department_id: DepartmentId | None
    lines: tuple[ReportLine, ...]
    lost: tuple[LostClient, ...] = ()

    def line(self, line: PlanLine) -> ReportLine:
        return next(r for r in self.lines if r.line is line)

    def fact(self, line: PlanLine) -> Decimal:
        return self.line(line).fact

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(Figure(r.line, r.fact) for r in self.lines)


@attrs.frozen
class ControlPoints:
    """A call manager's control points over a period (seed 004): hours worked (by
    ``hours_source``: the first to the last call of each day, or the telephony presence),
    calls made against the plan, calls of at least ``min_seconds`` of airtime, airtime in
    seconds, the script points kept of those checked in reviewed campaign calls, and the
    average completeness of their cards."""

    employee_id: EmployeeId
    first: date
    last: date
    hours_worked: Decimal
    calls: int
    calls_planned: int
    long_calls: int
    min_seconds: int
    airtime_seconds: int
    reviewed_calls: int
    script_points_kept: int
    script_points_checked: int
    cards: int
    card_completeness: float
    hours_source: HoursSource = HoursSource.FIRST_LAST_CALL

    @property
    def calls_done_percent(self) -> Decimal | None:
        if not self.calls_planned:
            return None
        return (Decimal(self.calls * 100) / self.calls_planned).quantize(Decimal("0.1"))

    @property
    def script_adherence(self) -> Decimal:
        if not self.script_points_checked:
            return Decimal(0)
        return Decimal(self.script_points_kept) / self.script_points_checked


@attrs.frozen
class PayLine:
    """A satisfied client behind the pay: their purchases in the month and the bonus on them."""

    client_id: ClientId
    name: str
    satisfied_on: date
    purchases: Money
    bonus: Money
    records: tuple[str, ...] = ()


@attrs.frozen
class PaySheet:
    """A manager's pay of a month: the fixed salary plus ``percent`` % of the purchases of
    satisfied clients (the lines)."""

    manager_id: EmployeeId
    month: Month
    salary: Money
    percent: Decimal
    lines: tuple[PayLine, ...]

    @property
    def bonus(self) -> Money:
        return sum((line.bonus for line in self.lines), Money(0))

    @property
    def total(self) -> Money:
        return self.salary + self.bonus
