"""Plans and reports as rules: client segments, loss criteria, facts, deadlines, approval, pay.

Everything here is pure: records in, figures out, every number from
:class:`~clientops.planning.PlanningPolicy`. A client is *new* in a month when their first
order is in it, *regular* («системный») when :func:`ordered_in_enough_months` says so (or
your own rule), *repeat* («несистемный») otherwise::

    >>> from datetime import date
    >>> from clientops.billing import Month
    >>> from clientops.model import ClientId
    >>> from clientops.planning import ClientHistory, PlanningPolicy
    >>> days = (date(2026, 1, 12), date(2026, 2, 3), date(2026, 3, 10))
    >>> history = ClientHistory(ClientId("c1"), order_days=days)
    >>> segment_of(history, Month(2026, 4), PlanningPolicy()).label
    'системный'
    >>> segment_of(history, Month(2026, 1), PlanningPolicy()).label
    'новый'

A lost client is found by the criteria of :data:`LOSS_CRITERIA`, a tuple you edit: each
criterion gives the day the client counts as lost, and the earliest wins::

    >>> [c.name for c in LOSS_CRITERIA]  # doctest: +NORMALIZE_WHITESPACE
    ['no_order_regular', 'no_order_repeat', 'contract_ended', 'termination_announced',
     'claim_unresolved']
    >>> found = lost_in(history, Month(2026, 6), regular=True, policy=PlanningPolicy())
    >>> found.criterion, found.lost_on
    ('no_order_regular', datetime.date(2026, 6, 10))
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

import attrs

from clientops._agenda import AgendaItem, AgendaKind
from clientops._billing import Allocation, Month, SupplierBill, SupplierBillStatus
from clientops._claims import Claim, ClaimStage
from clientops._orders import Order, OrderStage
from clientops._planning import (
    PLAN_LINES,
    ClientGroup,
    ClientHistory,
    ClientMonth,
    Figure,
    LossCriterion,
    LostClient,
    MonthlySheet,
    PlanLine,
    PlanningPolicy,
    RegularRule,
    ReportLine,
    Segment,
    SheetKind,
    SheetState,
    SheetStep,
    month_words,
)
from clientops.errors import FieldError, TransitionError, ValidationError
from clientops.model import Client, Employee, EmployeeId, Money, Role, StaffDirectory
from clientops.workdays import WorkCalendar, next_working_day, previous_working_day

__all__ = [
    "LOSS_CRITERIA",
    "ClientRecords",
    "add_months",
    "agenda_items",
    "claim_unresolved",
    "client_month",
    "condensed_history",
    "contract_ended",
    "group_totals",
    "hours_from_calls",
    "hours_from_presence",
    "lost_in",
    "month_facts",
    "month_totals",
    "move",
    "no_order_regular",
    "no_order_repeat",
    "ordered_in_enough_months",
    "pay_bonus",
    "plan_due",
    "propose_figures",
    "report_due",
    "report_lines",
    "satisfied_on",
    "segment_of",
    "termination_announced",
]


@functools.lru_cache(maxsize=4096)
def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months (to the month's last day when it is shorter).

    >>> add_months(date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    """
    index = day.year * 12 + day.month - 1 + months
    month = Month(index // 12, index % 12 + 1)
    return month.day(day.day)


# ------------------------------------------------------------------------------ segments


def ordered_in_enough_months(history: ClientHistory, month: Month, policy: PlanningPolicy) -> bool:
    """The default regular rule: orders in at least ``policy.regular_months`` of the
    ``policy.regular_window`` months before ``month``."""
    index = month.year * 12 + month.month - 1
    months = {
        day.year * 12 + day.month - 1
        for day in history.order_days
        if index - policy.regular_window <= day.year * 12 + day.month - 1 < index
    }
    return len(months) >= policy.regular_months


def segment_of(
    history: ClientHistory,
    month: Month,
    policy: PlanningPolicy,
    *,
    regular_rule: RegularRule = ordered_in_enough_months,
) -> Segment | None:
    """The client's segment in ``month``: NEW when their first order is in it, REGULAR or
    REPEAT (by ``regular_rule``) when they ordered before it, ``None`` when they never
    ordered up to its end."""
    before = [d for d in history.order_days if d < month.first_day]
    if not before:
        return Segment.NEW if any(month.contains(d) for d in history.order_days) else None
    return Segment.REGULAR if regular_rule(history, month, policy) else Segment.REPEAT


# ------------------------------------------------------------------------------ losses


def _last_order(history: ClientHistory) -> date | None:
    return max(history.order_days) if history.order_days else None


def no_order_regular(history: ClientHistory, regular: bool, policy: PlanningPolicy) -> date | None:
    """A regular client with no order for ``policy.regular_loss_months`` months."""
    last = _last_order(history)
    if not regular or last is None:
        return None
    return add_months(last, policy.regular_loss_months)


def no_order_repeat(history: ClientHistory, regular: bool, policy: PlanningPolicy) -> date | None:
    """A client who is not regular, with no order for ``policy.repeat_loss_months`` months."""
    last = _last_order(history)
    if regular or last is None:
        return None
    return add_months(last, policy.repeat_loss_months)


def contract_ended(history: ClientHistory, regular: bool, policy: PlanningPolicy) -> date | None:
    """A client whose (last) contract ended: they asked to end it."""
    return history.contract_ended_on


def termination_announced(
    history: ClientHistory, regular: bool, policy: PlanningPolicy
) -> date | None:
    """A client who asked to end the contract: lost on the day the termination they
    announced takes effect (``history.termination_on``, kept by
    :meth:`clientops.retention.Retention.announce_termination`; a client won back since, whose
    retention status is «остался», has none).

    >>> from clientops.model import ClientId
    >>> gone = ClientHistory(ClientId("c1"), termination_on=date(2026, 3, 31))
    >>> termination_announced(gone, False, PlanningPolicy())
    datetime.date(2026, 3, 31)
    """
    return history.termination_on


def claim_unresolved(history: ClientHistory, regular: bool, policy: PlanningPolicy) -> date | None:
    """A claim left unresolved for ``policy.claim_unresolved_days`` days."""
    if not history.open_claims:
        return None
    return min(history.open_claims) + timedelta(days=policy.claim_unresolved_days)


#: The criteria of a lost client, in the order they are tried. Add your own:
#: ``(*LOSS_CRITERIA, LossCriterion("no_calls", "не отвечает на звонки", my_test))``.
LOSS_CRITERIA: tuple[LossCriterion, ...] = (
    LossCriterion("no_order_regular", "системный клиент без заказов", no_order_regular),
    LossCriterion("no_order_repeat", "несистемный клиент без заказов", no_order_repeat),
    LossCriterion("contract_ended", "договор расторгнут", contract_ended),
    LossCriterion("termination_announced", "заявил о расторжении договора", termination_announced),
    LossCriterion("claim_unresolved", "рекламация не решена", claim_unresolved),
)


def lost_in(
    history: ClientHistory,
    month: Month,
    *,
    regular: bool,
    policy: PlanningPolicy,
    criteria: Sequence[LossCriterion] = LOSS_CRITERIA,
) -> LostClient | None:
    """The client as lost in ``month``: the earliest day any criterion gives, when it falls in
    the month (a client lost before it is not lost again). A criterion that raises, or gives
    something else than a date or ``None``, raises ValidationError naming it."""
    found: tuple[date, LossCriterion] | None = None
    for criterion in criteria:
        try:
            day = criterion.test(history, regular, policy)
        except Exception as exc:
            raise ValidationError(
                [FieldError(f"loss_criteria.{criterion.name}", f"raised {type(exc).__name__}")],
                subject="loss criterion",
            ) from exc
        if day is not None and not isinstance(day, date):
            raise ValidationError(
                [FieldError(f"loss_criteria.{criterion.name}", f"gave {day!r}, not a date")],
                subject="loss criterion",
            )
        if day is not None and (found is None or day < found[0]):
            found = (day, criterion)
    if found is None or not month.contains(found[0]):
        return None
    day, criterion = found
    return LostClient(
        history.client_id, history.name, criterion.name, criterion.label, day, regular
    )


# ------------------------------------------------------------------------------ facts


@attrs.frozen
class ClientRecords:
    """What is stored of one client of the manager: the card, their orders, the payments
    allocated to their invoices, their claims, the day their last service contract ended, the
    day they came to the manager's base and the day the termination they announced takes
    effect."""

    client: Client
    orders: tuple[Order, ...] = ()
    allocations: tuple[Allocation, ...] = ()
    claims: tuple[Claim, ...] = ()
    contract_ended_on: date | None = None
    joined_on: date | None = None
    termination_on: date | None = None


def _day(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()


def _reached(order: Order, stage: OrderStage, tz: tzinfo) -> date | None:
    return next((_day(s.at, tz) for s in order.history if s.stage is stage), None)


def _price(order: Order) -> Decimal:
    return order.price.amount if order.price is not None else Decimal(0)


def history_of(records: ClientRecords, month: Month, tz: tzinfo) -> ClientHistory:
    """The client's history as the rules see it at the end of ``month``."""
    end = month.last_day
    days = sorted(_day(o.history[0].at, tz) for o in records.orders if o.history)
    open_claims = tuple(
        sorted(
            _day(c.history[0].at, tz)
            for c in records.claims
            if c.history and c.stage not in _CLOSED_CLAIMS
        )
    )
    ended = records.contract_ended_on
    return ClientHistory(
        records.client.id,
        order_days=tuple(d for d in days if d <= end),
        contract_ended_on=ended if ended is not None and ended <= end else None,
        open_claims=tuple(d for d in open_claims if d <= end),
        name=records.client.name,
        termination_on=records.termination_on,
    )


_CLOSED_CLAIMS = frozenset(
    {ClaimStage.RESOLVED_SATISFIED, ClaimStage.RESOLVED_UNSATISFIED, ClaimStage.WITHDRAWN}
)


def month_facts(
    clients: Iterable[ClientRecords],
    bills: Iterable[SupplierBill],
    month: Month,
    *,
    tz: tzinfo,
    policy: PlanningPolicy,
    regular_rule: RegularRule = ordered_in_enough_months,
    criteria: Sequence[LossCriterion] = LOSS_CRITERIA,
) -> tuple[tuple[ReportLine, ...], tuple[LostClient, ...]]:
    """The facts of every line of the report for the clients (and the supplier bills) given,
    each with the records it counts, and the clients lost in the month."""
    counts: dict[PlanLine, Decimal] = {line: Decimal(0) for line in PlanLine}
    records: dict[PlanLine, list[str]] = {line: [] for line in PlanLine}

    def add(line: PlanLine, value: Decimal, record: str) -> None:
        counts[line] += value
        records[line].append(record)

    lost: list[LostClient] = []
    seg_lines = {
        Segment.NEW: (PlanLine.NEW_CLIENTS, PlanLine.NEW_CLIENTS_SUM),
        Segment.REGULAR: (PlanLine.REGULAR_CLIENTS, PlanLine.REGULAR_CLIENTS_SUM),
        Segment.REPEAT: (PlanLine.REPEAT_CLIENTS, PlanLine.REPEAT_CLIENTS_SUM),
    }
    for data in clients:
        client = data.client
        history = history_of(data, month, tz)
        segment = segment_of(history, month, policy, regular_rule=regular_rule)
        in_month = [
            o for o in data.orders if o.history and month.contains(_day(o.history[0].at, tz))
        ]
        if segment is not None and in_month:
            count_line, sum_line = seg_lines[segment]
            add(count_line, Decimal(1), client.id)
            for order in in_month:
                add(sum_line, _price(order), order.number)
        for allocation in data.allocations:
            if month.contains(allocation.date):
                add(PlanLine.CASH_INFLOW, allocation.amount.amount, allocation.invoice_number)
        for order in data.orders:
            closed = _reached(order, OrderStage.CLOSED, tz)
            cost = order.quote.cost.amount if order.quote is not None else Decimal(0)
            if closed is not None and month.contains(closed):
                add(PlanLine.PROFIT, _price(order) - cost, order.number)
            ready = _reached(order, OrderStage.QUALITY_ACCEPTED, tz)
            if ready is not None and month.contains(ready) and order.supplier:
                add(PlanLine.RECEIVED_FROM_CONTRACTORS, Decimal(1), order.number)
                add(PlanLine.RECEIVED_FROM_CONTRACTORS_SUM, cost, order.number)
        for claim in data.claims:
            money = claim.money.amount if claim.money is not None else Decimal(0)
            if claim.history and month.contains(_day(claim.history[0].at, tz)):
                add(PlanLine.CLAIMS_FILED, Decimal(1), claim.id)
                add(PlanLine.CLAIMS_FILED_SUM, money, claim.id)
            satisfied = next(
                (_day(s.at, tz) for s in claim.history if s.stage is ClaimStage.RESOLVED_SATISFIED),
                None,
            )
            if satisfied is not None and month.contains(satisfied):
                add(PlanLine.CLAIMS_SATISFIED, Decimal(1), claim.id)
                add(PlanLine.CLAIMS_SATISFIED_SUM, money, claim.id)
        if data.joined_on is not None and month.contains(data.joined_on):
            add(PlanLine.NEW_IN_BASE, Decimal(1), client.id)
        regular = regular_rule(history, month, policy)
        gone = lost_in(history, month, regular=regular, policy=policy, criteria=criteria)
        if gone is not None:
            lost.append(gone)
            add(PlanLine.LOST_REGULAR if regular else PlanLine.LOST_REPEAT, Decimal(1), client.id)
    for bill in bills:
        if (
            bill.status is SupplierBillStatus.PAID
            and bill.paid_on is not None
            and month.contains(bill.paid_on)
        ):
            amount = bill.amount.amount if bill.amount is not None else Decimal(0)
            add(PlanLine.PAID_TO_CONTRACTORS, amount, bill.number or bill.id)
    lines = tuple(ReportLine(line, None, counts[line], tuple(records[line])) for line in PlanLine)
    return lines, tuple(sorted(lost, key=lambda c: (c.lost_on, c.client_id)))


def client_month(records: ClientRecords, month: Month, tz: tzinfo, window: int) -> ClientMonth:
    """The read model's row of one client, from their records: what
    :class:`~clientops.ports.PlanningQueries` computes in SQL, for a store without it."""
    end, start = month.last_day, month.first_day
    since = add_months(start, -window)
    opened = [(_day(o.history[0].at, tz), o) for o in records.orders if o.history]
    days = [d for d, _ in opened if d <= end]
    ordered = [o for d, o in opened if month.contains(d)]
    profit, received, received_cost = Decimal(0), 0, Decimal(0)
    for order in records.orders:
        cost = order.quote.cost.amount if order.quote is not None else Decimal(0)
        closed = _reached(order, OrderStage.CLOSED, tz)
        if closed is not None and month.contains(closed):
            profit += _price(order) - cost
        ready = _reached(order, OrderStage.QUALITY_ACCEPTED, tz)
        if ready is not None and month.contains(ready) and order.supplier:
            received += 1
            received_cost += cost
    filed = satisfied = 0
    filed_sum = satisfied_sum = Decimal(0)
    for claim in records.claims:
        money = claim.money.amount if claim.money is not None else Decimal(0)
        if claim.history and month.contains(_day(claim.history[0].at, tz)):
            filed += 1
            filed_sum += money
        won = next(
            (_day(s.at, tz) for s in claim.history if s.stage is ClaimStage.RESOLVED_SATISFIED),
            None,
        )
        if won is not None and month.contains(won):
            satisfied += 1
            satisfied_sum += money
    history = history_of(records, month, tz)
    return ClientMonth(
        records.client.id,
        records.client.name,
        records.client.manager_id,
        first_order=min(days) if days else None,
        last_order=max(days) if days else None,
        window_months=tuple(sorted({f"{d:%Y-%m}" for d in days if since <= d < start})),
        orders=len(ordered),
        ordered=sum((_price(o) for o in ordered), Decimal(0)),
        cash=sum(
            (a.amount.amount for a in records.allocations if month.contains(a.date)), Decimal(0)
        ),
        profit=profit,
        received=received,
        received_cost=received_cost,
        claims_filed=filed,
        claims_filed_sum=filed_sum,
        claims_satisfied=satisfied,
        claims_satisfied_sum=satisfied_sum,
        open_claim=min(history.open_claims) if history.open_claims else None,
        contract_ended_on=records.contract_ended_on,
        joined_on=records.joined_on,
        termination_on=records.termination_on,
    )


def condensed_history(row: ClientMonth, month: Month) -> ClientHistory:
    """The client's history as the rules see it from a read-model row: the first and last
    order days and one day (the 1st) for each month with orders in the window. The default
    rules decide exactly as on the whole history (they ask whether there were orders before
    the month, in it, in which months of the window, and the last day); a rule of yours that
    counts every order needs ``report(..., drill_down=True)``, which reads them all."""
    days = {d for d in (row.first_order, row.last_order) if d is not None}
    days.update(date(int(m[:4]), int(m[5:7]), 1) for m in row.window_months)
    ended = row.contract_ended_on
    return ClientHistory(
        row.client_id,
        order_days=tuple(sorted(days)),
        contract_ended_on=ended if ended is not None and ended <= month.last_day else None,
        open_claims=(row.open_claim,) if row.open_claim is not None else (),
        name=row.name,
        termination_on=row.termination_on,
    )


#: The lines a read-model row adds to its manager's figures, with the row's field.
_ROW_LINES = (
    (PlanLine.CASH_INFLOW, "cash"),
    (PlanLine.PROFIT, "profit"),
    (PlanLine.RECEIVED_FROM_CONTRACTORS, "received"),
    (PlanLine.RECEIVED_FROM_CONTRACTORS_SUM, "received_cost"),
    (PlanLine.CLAIMS_FILED, "claims_filed"),
    (PlanLine.CLAIMS_FILED_SUM, "claims_filed_sum"),
    (PlanLine.CLAIMS_SATISFIED, "claims_satisfied"),
    (PlanLine.CLAIMS_SATISFIED_SUM, "claims_satisfied_sum"),
)
_SEGMENT_LINES = {
    Segment.NEW: (PlanLine.NEW_CLIENTS, PlanLine.NEW_CLIENTS_SUM),
    Segment.REGULAR: (PlanLine.REGULAR_CLIENTS, PlanLine.REGULAR_CLIENTS_SUM),
    Segment.REPEAT: (PlanLine.REPEAT_CLIENTS, PlanLine.REPEAT_CLIENTS_SUM),
}
#: How many decisions of the default rules :func:`month_totals` keeps (then starts afresh).
_DECISIONS_KEPT = 50_000


def month_totals(
    rows: Iterable[ClientMonth],
    bills: Iterable[SupplierBill],
    month: Month,
    *,
    policy: PlanningPolicy,
    regular_rule: RegularRule = ordered_in_enough_months,
    criteria: Sequence[LossCriterion] = LOSS_CRITERIA,
) -> dict[EmployeeId | None, dict[PlanLine, Decimal]]:
    """The facts of every line for each manager, folded from the read model's rows one at a
    time (memory: one dictionary a manager), without the records behind them. The same
    figures as :func:`month_facts` for the default rules.

    The default rules (:func:`ordered_in_enough_months` and :data:`LOSS_CRITERIA`) read only
    a client's days, not who they are: two clients with the same days are decided once (up
    to 50,000 decisions are kept). Rules of yours are asked for every client."""
    folder = _Folder(month, policy, regular_rule, criteria)
    one, zero, start, end = Decimal(1), Decimal(0), month.first_day, month.last_day
    for row in rows:
        joined = row.joined_on
        folder.add(
            row,
            buyers=one if row.orders else zero,
            joined=one if joined is not None and start <= joined <= end else zero,
            clients=one,
        )
    return _with_bills(folder.sums, bills, month)


def group_totals(
    groups: Iterable[ClientGroup],
    bills: Iterable[SupplierBill],
    month: Month,
    *,
    policy: PlanningPolicy,
) -> dict[EmployeeId | None, dict[PlanLine, Decimal]]:
    """:func:`month_totals` of the default rules (:func:`ordered_in_enough_months`,
    :data:`LOSS_CRITERIA`) folded from groups of clients those rules decide alike
    (:class:`~clientops._planning.ClientGroup`): each group decided once, its figures added
    once. The same figures as :func:`month_totals` of the groups' clients."""
    folder = _Folder(month, policy, ordered_in_enough_months, LOSS_CRITERIA)
    for group in groups:
        folder.add(
            group.figures,
            buyers=Decimal(group.buyers),
            joined=Decimal(group.joined),
            clients=Decimal(group.clients),
        )
    return _with_bills(folder.sums, bills, month)


class _Folder:
    """Each manager's sums of the lines of :func:`month_totals` and :func:`group_totals`,
    a list of sums a manager by the position of the line (enum keys hash slowly). The
    default rules (:func:`ordered_in_enough_months` and :data:`LOSS_CRITERIA`) read only a
    row's days, not who the clients are: rows with the same days are decided once (up to
    :data:`_DECISIONS_KEPT` decisions are kept). Rules of yours are asked for every row."""

    def __init__(
        self,
        month: Month,
        policy: PlanningPolicy,
        regular_rule: RegularRule,
        criteria: Sequence[LossCriterion],
    ) -> None:
        self.month, self.policy = month, policy
        self.regular_rule, self.criteria = regular_rule, criteria
        at = {line: i for i, line in enumerate(PlanLine)}
        self.width = len(at)
        self.row_lines = tuple((at[line], field) for line, field in _ROW_LINES)
        self.segment_at = {seg: (at[a], at[b]) for seg, (a, b) in _SEGMENT_LINES.items()}
        self.new_in_base = at[PlanLine.NEW_IN_BASE]
        self.lost_regular = at[PlanLine.LOST_REGULAR]
        self.lost_repeat = at[PlanLine.LOST_REPEAT]
        self.defaults = regular_rule is ordered_in_enough_months and (
            tuple(criteria) == LOSS_CRITERIA
        )
        self.decided: dict[tuple[object, ...], tuple[Segment | None, bool, bool]] = {}
        self.sums: dict[EmployeeId | None, list[Decimal]] = {}

    def decide(self, row: ClientMonth) -> tuple[Segment | None, bool, bool]:
        """The row's segment, whether it is regular and whether it is lost."""
        month = self.month
        # the default rules ask of the first order only whether it is before the month
        key = (
            row.first_order is not None and row.first_order < month.first_day,
            row.last_order,
            row.window_months,
            row.contract_ended_on,
            row.open_claim,
            row.termination_on,
        )
        decision = self.decided.get(key) if self.defaults else None
        if decision is None:
            policy, regular_rule = self.policy, self.regular_rule
            history = condensed_history(row, month)
            segment = segment_of(history, month, policy, regular_rule=regular_rule)
            regular = regular_rule(history, month, policy)
            gone = lost_in(history, month, regular=regular, policy=policy, criteria=self.criteria)
            decision = (segment, regular, gone is not None)
            if self.defaults:
                if len(self.decided) >= _DECISIONS_KEPT:
                    self.decided.clear()
                self.decided[key] = decision
        return decision

    def add(self, row: ClientMonth, *, buyers: Decimal, joined: Decimal, clients: Decimal) -> None:
        """Add ``row``'s figures, standing for ``clients`` clients of whom ``buyers`` ordered
        in the month and ``joined`` came into the base in it."""
        counts = self.sums.get(row.manager_id)
        if counts is None:
            counts = self.sums[row.manager_id] = [Decimal(0)] * self.width
        segment, regular, lost = self.decide(row)
        if buyers and segment is not None:
            count_at, sum_at = self.segment_at[segment]
            counts[count_at] += buyers
            counts[sum_at] += row.ordered
        for i, field in self.row_lines:
            value = getattr(row, field)
            if value:
                counts[i] += value
        if joined:
            counts[self.new_in_base] += joined
        if lost:
            counts[self.lost_regular if regular else self.lost_repeat] += clients


def _with_bills(
    sums: dict[EmployeeId | None, list[Decimal]], bills: Iterable[SupplierBill], month: Month
) -> dict[EmployeeId | None, dict[PlanLine, Decimal]]:
    """Each manager's sums by line, with the supplier bills paid in the month."""
    totals = {m: dict(zip(PlanLine, values, strict=True)) for m, values in sums.items()}
    for bill in bills:
        if (
            bill.status is SupplierBillStatus.PAID
            and bill.paid_on is not None
            and month.contains(bill.paid_on)
        ):
            paid = totals.get(bill.assignee)
            if paid is None:
                paid = totals[bill.assignee] = {line: Decimal(0) for line in PlanLine}
            amount = bill.amount.amount if bill.amount is not None else Decimal(0)
            paid[PlanLine.PAID_TO_CONTRACTORS] += amount
    return totals


def report_lines(
    facts: Sequence[ReportLine], plan: Sequence[Figure] | None
) -> tuple[ReportLine, ...]:
    """The facts with the plan beside each line the plan has."""
    planned = {f.line: f.value for f in plan or ()}
    return tuple(attrs.evolve(r, plan=planned.get(r.line)) for r in facts)


# ------------------------------------------------------------------------------ the plan


def propose_figures(
    months: Sequence[Sequence[Figure]],
    *,
    growth: Decimal,
    lines: Sequence[PlanLine] = PLAN_LINES,
) -> tuple[Figure, ...]:
    """The plan's ``lines``: the average of the months given times ``growth`` (counts rounded
    to whole clients, roubles to kopecks). A growth below zero raises ValidationError.

    >>> from clientops.planning import PlanLine
    >>> jan = [Figure(PlanLine.NEW_CLIENTS, Decimal(2)), Figure(PlanLine.PROFIT, Decimal(1000))]
    >>> feb = [Figure(PlanLine.NEW_CLIENTS, Decimal(3)), Figure(PlanLine.PROFIT, Decimal(2000))]
    >>> [(f.line.value, f.value) for f in propose_figures([jan, feb], growth=Decimal("1.1"))][:1]
    [('new_clients', Decimal('3'))]
    """
    if not isinstance(growth, Decimal | int) or isinstance(growth, bool) or growth < 0:
        raise ValidationError([FieldError("growth", f"must be >= 0, got {growth!r}")])
    figures = []
    for line in lines:
        values = [f.value for month in months for f in month if f.line is line]
        average = sum(values, Decimal(0)) / len(months) if months else Decimal(0)
        target = average * Decimal(growth)
        step = Decimal("0.01") if line.money else Decimal(1)
        figures.append(Figure(line, target.quantize(step, rounding=ROUND_HALF_UP)))
    return tuple(figures)


def plan_due(month: Month, calendar: WorkCalendar) -> date:
    """The plan of ``month`` is approved before its 1st: by the last working day before it.

    >>> from clientops.workdays import russian_calendar
    >>> plan_due(Month(2026, 3), russian_calendar())
    datetime.date(2026, 2, 27)
    """
    return previous_working_day(calendar, month.first_day - timedelta(days=1))


def report_due(month: Month, policy: PlanningPolicy, calendar: WorkCalendar) -> date:
    """The report of ``month`` is due by the ``policy.report_day``-th of the next month (the
    next working day when that is a day off).

    >>> from clientops.workdays import russian_calendar
    >>> report_due(Month(2025, 12), PlanningPolicy(), russian_calendar())
    datetime.date(2026, 1, 12)
    """
    return next_working_day(calendar, month.next().day(policy.report_day))


_MOVES = {
    "submit": ((SheetState.DRAFT, SheetState.RETURNED), SheetState.SUBMITTED),
    "approve": ((SheetState.SUBMITTED,), SheetState.APPROVED),
    "return": ((SheetState.SUBMITTED,), SheetState.RETURNED),
}


def move(
    state: SheetState,
    action: str,
    *,
    subject: str,
    by: EmployeeId,
    staff: StaffDirectory,
    at: datetime,
    comment: str = "",
) -> SheetStep:
    """The step of ``action`` (``submit``, ``approve``, ``return``) from ``state``: approving
    and returning only by someone with the director role, returning only with a comment.
    TransitionError for a move not allowed from ``state``; ValidationError naming ``by`` or
    ``comment`` for the rest."""
    if action not in _MOVES:
        raise ValidationError([FieldError("action", f"unknown action {action!r}")])
    sources, target = _MOVES[action]
    if state not in sources:
        allowed = [name for name, (src, _) in _MOVES.items() if state in src]
        raise TransitionError(subject, current=state.value, attempted=action, allowed=allowed)
    employee = staff.employee(by)
    if employee is None:
        raise ValidationError([FieldError("by", f"{by!r} is not on the staff")])
    if action != "submit" and Role.DIRECTOR not in employee.roles:
        raise ValidationError([FieldError("by", f"{by!r} has not the director role")])
    if action == "return" and not comment.strip():
        raise ValidationError([FieldError("comment", "say what to correct")])
    return SheetStep(target, at, by, comment.strip())


# ------------------------------------------------------------------------------ hours


def hours_from_calls(calls: Iterable[tuple[datetime, datetime | None]], tz: tzinfo) -> Decimal:
    """Hours worked from the call log (``HoursSource.FIRST_LAST_CALL``): for each day, from
    the start of its first call to the end of its last (``calls``: start and end, the end
    ``None`` when unknown), summed over the days, to a tenth of an hour.

    >>> from zoneinfo import ZoneInfo
    >>> msk = ZoneInfo("Europe/Moscow")
    >>> day = [(datetime(2026, 3, 2, 9, tzinfo=msk), datetime(2026, 3, 2, 9, 5, tzinfo=msk)),
    ...        (datetime(2026, 3, 2, 17, tzinfo=msk), datetime(2026, 3, 2, 17, 30, tzinfo=msk))]
    >>> hours_from_calls(day, msk)
    Decimal('8.5')
    """
    days: dict[date, list[datetime]] = {}
    for start, end in calls:
        moments = days.setdefault(_day(start, tz), [])
        moments.extend((start, end or start))
    seconds = sum(((max(t) - min(t)).total_seconds() for t in days.values()), 0.0)
    return (Decimal(int(seconds)) / 3600).quantize(Decimal("0.1"))


def hours_from_presence(
    intervals: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime
) -> Decimal:
    """Hours worked from telephony presence (``HoursSource.PRESENCE``): the time the
    ``intervals`` (logged in to the PBX, from and to) cover between ``start`` and ``end``,
    overlaps counted once, to a tenth of an hour.

    >>> from zoneinfo import ZoneInfo
    >>> msk = ZoneInfo("Europe/Moscow")
    >>> at = lambda h: datetime(2026, 3, 2, h, tzinfo=msk)
    >>> hours_from_presence([(at(9), at(13)), (at(12), at(18))], at(0), at(23))
    Decimal('9.0')
    """
    seconds, reached = 0.0, start
    for begin, finish in sorted(intervals):
        begin, finish = max(begin, reached), min(finish, end)
        if finish > begin:
            seconds += (finish - begin).total_seconds()
            reached = finish
    return (Decimal(int(seconds)) / 3600).quantize(Decimal("0.1"))


# ------------------------------------------------------------------------------ pay


def satisfied_on(
    calls: Iterable[tuple[date, bool | None]], month: Month, policy: PlanningPolicy
) -> date | None:
    """The day the client counts as satisfied for the pay of ``month``: their last
    satisfaction call within ``policy.satisfied_window_days`` before the month's end, when it
    found them satisfied. ``calls`` are days with ``True`` (satisfied), ``False`` (not) or
    ``None`` (not reached: such a call says nothing and is skipped).

    >>> m = Month(2026, 3)
    >>> satisfied_on([(date(2026, 3, 2), True), (date(2026, 3, 20), None)], m, PlanningPolicy())
    datetime.date(2026, 3, 2)
    >>> satisfied_on([(date(2026, 3, 2), True), (date(2026, 3, 20), False)], m, PlanningPolicy())
    """
    start = month.last_day - timedelta(days=policy.satisfied_window_days)
    within = sorted(
        (day, happy) for day, happy in calls if happy is not None and start < day <= month.last_day
    )
    if not within or not within[-1][1]:
        return None
    return within[-1][0]


def pay_bonus(purchases: Money, policy: PlanningPolicy) -> Money:
    """``policy.pay_percent`` % of ``purchases``, to the kopeck."""
    return (purchases * policy.pay_percent * Decimal("0.01")).rounded()


# ------------------------------------------------------------------------------ the agenda


def agenda_items(
    employee: Employee,
    day: date,
    sheets: Iterable[MonthlySheet],
    *,
    policy: PlanningPolicy,
    calendar: WorkCalendar,
    names: Mapping[EmployeeId, str] | None = None,
) -> list[AgendaItem]:
    """The plans and reports on ``employee``'s agenda on ``day`` (``sheets``: those of this
    month and the two around it). A client manager sees the plan of the next month from a
    week before it is due, this month's plan until it is approved and last month's report
    until it is submitted; a director sees every plan and report submitted to them. An item
    past its day is overdue. A department that keeps no plan or report of these months in
    clientops (no sheet of its members) does not plan with it: its managers see nothing."""
    this = Month.of(day)
    found = {(s.kind, s.manager_id, s.month): s for s in sheets}
    items: list[AgendaItem] = []
    planning = any(s.department_id == employee.department_id for s in found.values())
    if Role.CLIENT_MANAGER in employee.roles and planning:
        owed = (
            (SheetKind.PLAN, this.next(), plan_due(this.next(), calendar)),
            (SheetKind.PLAN, this, plan_due(this, calendar)),
            (SheetKind.REPORT, this.previous(), report_due(this.previous(), policy, calendar)),
        )
        for kind, month, due in owed:
            sheet = found.get((kind, employee.id, month))
            state = sheet.state if sheet is not None else None
            done = state is SheetState.APPROVED or (
                kind is SheetKind.REPORT and state is SheetState.SUBMITTED
            )
            if done or (kind is SheetKind.PLAN and month != this and day < due - timedelta(7)):
                continue
            what = "план на" if kind is SheetKind.PLAN else "отчёт за"
            note = f" (возвращён: {sheet.comment})" if sheet and sheet.comment else ""
            if state is SheetState.SUBMITTED:
                note = " (на утверждении у директора)"
            items.append(
                AgendaItem(
                    AgendaKind.PLAN,
                    f"{what} {month_words(month)}: сдать до {due:%d.%m.%Y}{note}",
                    None,
                    "",
                    due_on=due,
                    ref=f"{kind.value}-{employee.id}-{month}",
                    overdue=day > due,
                )
            )
    if Role.DIRECTOR in employee.roles:
        for sheet in sorted(found.values(), key=lambda s: (s.month.year, s.month.month, s.id)):
            if sheet.state is not SheetState.SUBMITTED:
                continue
            if sheet.kind is SheetKind.PLAN:
                due, what = plan_due(sheet.month, calendar), "утвердить план на"
            else:
                due, what = report_due(sheet.month, policy, calendar), "утвердить отчёт за"
            who = (names or {}).get(sheet.manager_id, sheet.manager_id)
            items.append(
                AgendaItem(
                    AgendaKind.PLAN,
                    f"{what} {month_words(sheet.month)}: {who}",
                    None,
                    "",
                    due_on=due,
                    ref=sheet.id,
                    overdue=day > due,
                )
            )
    return items
