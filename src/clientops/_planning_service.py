"""The month a director approves: plans, reports, control points and pay (``Planning(ops)``).

Built from a :class:`~clientops.ClientOps` (or anything with its ``context``) the way the
change feed is; every figure is computed from what the store already holds (orders, invoices
and payments, claims, supplier bills, calls, satisfaction calls, cards): nothing is typed
in twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Protocol

import attrs

from clientops._billing import Month
from clientops._campaigns import CampaignCall, CampaignId
from clientops._checks import check_entry_points, fail
from clientops._context import Context
from clientops._orders import OrderStage
from clientops._planning import (
    PLAN_LINES,
    ClientMonth,
    ControlPoints,
    Deadline,
    DeadlineMissed,
    Figure,
    HoursSource,
    LossCriterion,
    MonthlyReport,
    MonthlySheet,
    PayLine,
    PaySheet,
    PlanLine,
    PurchaseBasis,
    RegularRule,
    ReportLine,
    Segment,
    SheetChanged,
    SheetKind,
    SheetState,
    fixed_offset_minutes,
)
from clientops._retention import RetentionStatus
from clientops._telephony import CallDirection, call_metrics
from clientops.errors import NotFoundError, TransitionError
from clientops.model import ClientId, DepartmentId, EmployeeId, Money, Role, StaffDirectory
from clientops.ports import (
    PlanningQueries,
    PlanSheetsRepository,
    RetentionRepository,
    UnitOfWork,
)
from clientops.rules import planning as rules
from clientops.rules.campaigns import adherence_shares
from clientops.rules.completeness import score_card, summarise
from clientops.satisfaction import SatisfactionOutcome
from clientops.workdays import working_days

__all__ = ["Planning", "RepositoryPlanningQueries", "planning_queries"]


class _HasContext(Protocol):
    @property
    def context(self) -> Context: ...


def _month(value: object, path: str = "month") -> Month:
    if not isinstance(value, Month):
        fail(path, f"must be a Month, got {value!r}")
    assert isinstance(value, Month)
    return value


def _plans(uow: UnitOfWork) -> PlanSheetsRepository:
    plans: PlanSheetsRepository | None = getattr(uow, "plans", None)
    if plans is None:
        raise NotFoundError("plan sheets repository", "uow.plans")
    return plans


def _client_records(uow: UnitOfWork, client: Any, tz: Any) -> rules.ClientRecords:
    contracts = uow.service.contracts_of(client.id)
    ended = (
        max(c.ends_on for c in contracts if c.ends_on is not None)
        if contracts and all(c.ends_on is not None for c in contracts)
        else None
    )
    round_row = uow.claims.satisfaction_of(client.id)
    joined = (
        round_row.assigned_on
        if round_row is not None
        else (client.created_at.astimezone(tz).date() if client.created_at else None)
    )
    return rules.ClientRecords(
        client,
        orders=uow.orders.of_client(client.id),
        allocations=uow.payments.allocations_of(client.id),
        claims=uow.claims.of_client(client.id),
        contract_ended_on=ended,
        joined_on=joined,
        termination_on=_termination(uow, client.id),
    )


class RepositoryPlanningQueries:
    """:class:`~clientops.ports.PlanningQueries` computed from the repositories alone:
    correct on any store, as fast as its repositories (a few reads a client)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def client_months(
        self, managers: Sequence[EmployeeId], month: Month, *, window: int, tz: tzinfo
    ) -> Iterator[ClientMonth]:
        for manager in managers:
            for client in self._uow.clients.managed_by(manager):
                records = _client_records(self._uow, client, tz)
                yield rules.client_month(records, month, tz, window)


def planning_queries(
    uow: UnitOfWork, *, tz: tzinfo | None = None, month: Month | None = None, window: int = 0
) -> PlanningQueries:
    """The report's read model of ``uow``: the store's own (``uow.planning``) when it has
    one, else :class:`RepositoryPlanningQueries` over its repositories. Given ``tz``,
    ``month`` and ``window``, the store's own only when the zone's UTC offset is the same over
    those months and the three years before them (the SQL stores take local days by the
    offset; every Russian zone since 2014)."""
    fast: PlanningQueries | None = getattr(uow, "planning", None)
    if fast is not None and tz is not None and month is not None:
        since = rules.add_months(month.first_day, -window) - timedelta(days=366 * 3)
        if fixed_offset_minutes(tz, since, month.last_day) is None:
            fast = None
    return fast if fast is not None else RepositoryPlanningQueries(uow)


def _sheet_id(kind: SheetKind, manager: EmployeeId, month: Month) -> str:
    return f"{kind.value}-{manager}-{month}"


@check_entry_points
class Planning:
    """Plans, reports, control points and pay of the client department (seeds 003, 004,
    000)::

    >>> import clientops
    >>> from clientops.billing import Month
    >>> from clientops.planning import Planning, PlanLine
    >>> from clientops.testing import T0, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> planning = Planning(ops)
    >>> plan = planning.propose_plan("anna", Month(2026, 2), by="anna")
    >>> plan.state.label, plan.value(PlanLine.NEW_CLIENTS)
    ('черновик', Decimal('0'))
    >>> planning.submit(plan.id, by="anna").state.label
    'на утверждении'
    >>> ops.close()

    ``regular_rule`` replaces the rule of a regular client
    (:func:`~clientops.rules.planning.ordered_in_enough_months`), ``loss_criteria`` the
    criteria of a lost client (:data:`~clientops.rules.planning.LOSS_CRITERIA`)."""

    def __init__(
        self,
        ops: _HasContext,
        *,
        regular_rule: RegularRule = rules.ordered_in_enough_months,
        loss_criteria: Sequence[LossCriterion] = rules.LOSS_CRITERIA,
    ) -> None:
        if not callable(regular_rule):
            fail("regular_rule", "must be a function (history, month, policy) -> bool")
        for i, criterion in enumerate(loss_criteria):
            if not isinstance(criterion, LossCriterion) or not callable(criterion.test):
                fail(f"loss_criteria[{i}]", "must be a LossCriterion with a callable test")
        self._context = ops.context
        self._regular = regular_rule
        self._criteria = tuple(loss_criteria)

    @property
    def _policy(self) -> Any:
        return self._context.policy.planning

    # ------------------------------------------------------------------ reading the store

    def _managers(
        self, staff: StaffDirectory, manager: EmployeeId | None, department: DepartmentId | None
    ) -> tuple[EmployeeId, ...]:
        if (manager is None) == (department is None):
            fail("manager", "give a manager or a department, not both")
        if manager is not None:
            staff.require(manager)
            return (manager,)
        assert department is not None
        if staff.department(department) is None:
            raise NotFoundError("department", department)
        return tuple(e.id for e in staff.members(department) if Role.CLIENT_MANAGER in e.roles)

    def _records(self, uow: UnitOfWork, manager: EmployeeId) -> list[rules.ClientRecords]:
        tz = self._context.policy.tz
        return [_client_records(uow, c, tz) for c in uow.clients.managed_by(manager)]

    def _facts(
        self, uow: UnitOfWork, managers: Sequence[EmployeeId], month: Month
    ) -> MonthlyReport:
        records = [r for m in managers for r in self._records(uow, m)]
        bills = [b for b in uow.payments.supplier_bills() if b.assignee in managers]
        lines, lost = rules.month_facts(
            records,
            bills,
            month,
            tz=self._context.policy.tz,
            policy=self._policy,
            regular_rule=self._regular,
            criteria=self._criteria,
        )
        return MonthlyReport(month, None, None, lines, lost)

    def _per_manager(
        self, uow: UnitOfWork, managers: Sequence[EmployeeId], month: Month
    ) -> dict[EmployeeId | None, dict[PlanLine, Decimal]]:
        tz, window = self._context.policy.tz, self._policy.regular_window
        queries = planning_queries(uow, tz=tz, month=month, window=window)
        bills = [b for b in uow.payments.supplier_bills() if b.assignee in managers]
        grouped = getattr(queries, "client_groups", None)
        if (
            grouped is not None
            and self._regular is rules.ordered_in_enough_months
            and self._criteria == rules.LOSS_CRITERIA
        ):
            # the default rules read only a client's days: the store groups the clients
            # those decide alike, and each group is decided and added once
            groups = grouped(managers, month, window=window, tz=tz)
            return rules.group_totals(groups, bills, month, policy=self._policy)
        rows = queries.client_months(managers, month, window=window, tz=tz)
        return rules.month_totals(
            rows,
            bills,
            month,
            policy=self._policy,
            regular_rule=self._regular,
            criteria=self._criteria,
        )

    def _totals(
        self, uow: UnitOfWork, managers: Sequence[EmployeeId], month: Month
    ) -> MonthlyReport:
        summed = {line: Decimal(0) for line in PlanLine}
        for counts in self._per_manager(uow, managers, month).values():
            for line, value in counts.items():
                summed[line] += value
        lines = tuple(ReportLine(line, None, summed[line]) for line in PlanLine)
        return MonthlyReport(month, None, None, lines, ())

    def _ended(self, month: Month) -> None:
        if month.last_day >= self._context.today():
            fail("month", f"{month} has not ended yet")

    # ------------------------------------------------------------------ segments and facts

    def segment(self, client_id: ClientId, month: Month) -> Segment | None:
        """The client's segment in ``month`` (new, regular, repeat; ``None`` before any
        order)."""
        _month(month)
        with self._context.storage.unit_of_work(readonly=True) as uow:
            client = uow.clients.get(client_id)
            data = rules.ClientRecords(client, orders=uow.orders.of_client(client_id))
        history = rules.history_of(data, month, self._context.policy.tz)
        return rules.segment_of(history, month, self._policy, regular_rule=self._regular)

    def report(
        self,
        month: Month,
        *,
        manager: EmployeeId | None = None,
        department: DepartmentId | None = None,
        drill_down: bool = True,
    ) -> MonthlyReport:
        """The facts of a month that has ended, of one manager or of a department's client
        managers together, each line with the approved (else latest) plan beside it and the
        records it counts, and the clients lost with their criterion. A month not ended yet,
        or both or neither of ``manager`` and ``department``, raise ValidationError.

        ``drill_down=False`` gives the same figures from the store's set-based read model
        (:class:`~clientops.ports.PlanningQueries`: a few grouped statements, memory bounded
        by the managers and the groups of clients the rules decide alike, not by the clients
        or orders: docs/reports.md), without the records and the lost clients' list: the way
        to report on a large base; :meth:`report` with ``drill_down=True`` (or for one
        manager) then shows what a figure counts."""
        _month(month)
        self._ended(month)
        if not isinstance(drill_down, bool):
            fail("drill_down", f"must be True or False, got {drill_down!r}")
        with self._context.storage.unit_of_work(readonly=True) as uow:
            managers = self._managers(uow.staff.directory(), manager, department)
            if drill_down:
                facts = self._facts(uow, managers, month)
            else:
                facts = self._totals(uow, managers, month)
            plans = getattr(uow, "plans", None)
            sheets = [plans.find(SheetKind.PLAN, m, month) for m in managers] if plans else []
        planned: dict[PlanLine, Decimal] = {}
        for sheet in sheets:
            for figure in sheet.figures if sheet is not None else ():
                planned[figure.line] = planned.get(figure.line, Decimal(0)) + figure.value
        plan = [Figure(line, value) for line, value in planned.items()] if planned else None
        return attrs.evolve(
            facts,
            manager_id=manager,
            department_id=department,
            lines=rules.report_lines(facts.lines, plan),
        )

    def reports(self, month: Month, *, department: DepartmentId) -> tuple[MonthlyReport, ...]:
        """The report of a month that has ended for every client manager of ``department``,
        in the order of the staff directory, each with its plan beside the facts: the figures
        of ``report(month, manager=…, drill_down=False)`` for all of them from one pass over
        the store's read model (no records; memory bounded by the managers and the groups of
        clients the rules decide alike, not by the clients or orders)."""
        _month(month)
        self._ended(month)
        with self._context.storage.unit_of_work(readonly=True) as uow:
            managers = self._managers(uow.staff.directory(), None, department)
            totals = self._per_manager(uow, managers, month)
            plans = getattr(uow, "plans", None)
            sheets = {m: plans.find(SheetKind.PLAN, m, month) if plans else None for m in managers}
        found = []
        for manager in managers:
            counts = totals.get(manager, {})
            sheet = sheets[manager]
            lines = tuple(ReportLine(line, None, counts.get(line, Decimal(0))) for line in PlanLine)
            plan = list(sheet.figures) if sheet is not None else None
            found.append(
                MonthlyReport(month, manager, department, rules.report_lines(lines, plan), ())
            )
        return tuple(found)

    # ------------------------------------------------------------------ plans and reports

    def propose_plan(
        self,
        manager: EmployeeId,
        month: Month,
        *,
        by: EmployeeId,
        growth: Decimal | None = None,
        figures: Mapping[PlanLine, Decimal] | None = None,
    ) -> MonthlySheet:
        """The manager's plan of ``month`` as a draft: the lines of their department's template
        (``policy.planning.templates``), each the average of the facts of the last
        ``policy.planning.history_months`` months times ``growth`` (the template's, else the
        policy's), with ``figures`` overriding lines. A draft or returned plan is replaced; a
        submitted or approved one raises TransitionError, a growth below zero ValidationError;
        nothing is stored then."""
        _month(month)
        overrides = dict(figures or {})
        for line, value in overrides.items():
            if line not in PLAN_LINES or not isinstance(value, Decimal | int) or value < 0:
                fail(f"figures.{getattr(line, 'value', line)}", f"not a plan line >= 0: {value!r}")
        past = [month]
        for _ in range(self._policy.history_months):
            past.append(past[-1].previous())
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            employee = staff.require(manager)
            plans = _plans(uow)
            found = plans.find(SheetKind.PLAN, manager, month)
            if found is not None and found.state not in (SheetState.DRAFT, SheetState.RETURNED):
                raise TransitionError(
                    f"plan {found.id}",
                    current=found.state.value,
                    attempted="propose",
                    reason="the month has a plan submitted or approved",
                )
            template = self._policy.template_of(employee.department_id)
            if growth is None:
                growth = self._policy.growth if template.growth is None else template.growth
            for line in overrides:
                if line not in template.lines:
                    fail(f"figures.{line.value}", "not a line of the department's plan template")
            history = [self._facts(uow, (manager,), m).figures for m in past[1:]]
            proposed = rules.propose_figures(history, growth=growth, lines=template.lines)
            proposed = tuple(
                Figure(f.line, Decimal(overrides.get(f.line, f.value))) for f in proposed
            )
            return self._save(
                uow, found, SheetKind.PLAN, employee.id, employee, month, proposed, by
            )

    def prepare_report(self, manager: EmployeeId, month: Month, *, by: EmployeeId) -> MonthlySheet:
        """The manager's report of a month that has ended, as a draft holding its facts (a
        draft or returned report is computed again; an approved one raises TransitionError).
        A month not ended raises ValidationError; nothing is stored then."""
        _month(month)
        self._ended(month)
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            employee = staff.require(manager)
            plans = _plans(uow)
            found = plans.find(SheetKind.REPORT, manager, month)
            if found is not None and found.state not in (SheetState.DRAFT, SheetState.RETURNED):
                raise TransitionError(
                    f"report {found.id}",
                    current=found.state.value,
                    attempted="prepare",
                    reason="the month has a report submitted or approved",
                )
            facts = self._facts(uow, (manager,), month).figures
            return self._save(uow, found, SheetKind.REPORT, manager, employee, month, facts, by)

    def _save(
        self,
        uow: UnitOfWork,
        found: MonthlySheet | None,
        kind: SheetKind,
        manager: EmployeeId,
        employee: Any,
        month: Month,
        figures: tuple[Figure, ...],
        by: EmployeeId,
    ) -> MonthlySheet:
        now = self._context.now()
        plans = _plans(uow)
        if found is None:
            sheet = MonthlySheet(
                _sheet_id(kind, manager, month),
                kind,
                manager,
                employee.department_id,
                month,
                figures,
            )
            plans.add(sheet)
        else:
            sheet = plans.update(attrs.evolve(found, figures=figures))
        self._context.publish(
            (SheetChanged(sheet.id, kind, manager, month, sheet.state, by, at=now),)
        )
        return sheet

    def _move(self, sheet_id: str, action: str, by: EmployeeId, comment: str = "") -> MonthlySheet:
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            plans = _plans(uow)
            sheet = plans.get(sheet_id)
            step = rules.move(
                sheet.state,
                action,
                subject=f"{sheet.kind.value} {sheet.id}",
                by=by,
                staff=uow.staff.directory(),
                at=now,
                comment=comment,
            )
            new = plans.update(
                attrs.evolve(sheet, state=step.state, history=(*sheet.history, step))
            )
            self._context.publish(
                (SheetChanged(new.id, new.kind, new.manager_id, new.month, new.state, by, at=now),)
            )
        return new

    def submit(self, sheet_id: str, *, by: EmployeeId) -> MonthlySheet:
        """Submit a draft (or returned) plan or report to the director."""
        return self._move(sheet_id, "submit", by)

    def approve(self, sheet_id: str, *, by: EmployeeId) -> MonthlySheet:
        """The director approves a submitted plan or report; ``by`` without the director role
        raises ValidationError naming ``by``, and nothing changes."""
        return self._move(sheet_id, "approve", by)

    def return_sheet(self, sheet_id: str, *, by: EmployeeId, comment: str) -> MonthlySheet:
        """The director returns a submitted plan or report with ``comment`` (required)."""
        return self._move(sheet_id, "return", by, comment)

    def sheet(self, kind: SheetKind, manager: EmployeeId, month: Month) -> MonthlySheet | None:
        """The manager's plan or report of ``month``, or ``None``."""
        _month(month)
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return _plans(uow).find(kind, manager, month)

    def deadlines(self, day: date, *, department: DepartmentId) -> tuple[Deadline, ...]:
        """What the department's client managers owe the director on ``day``, for each: the
        plans of this month and of the next (due the last working day before their 1st) and
        the report of the last month (due by ``policy.planning.report_day``), each with its
        state and whether it is missed: a plan not approved by its day, a report not
        submitted by its day."""
        calendar = self._context.policy.calendar
        this = Month.of(day)
        wanted = (
            (SheetKind.PLAN, this, rules.plan_due(this, calendar)),
            (SheetKind.PLAN, this.next(), rules.plan_due(this.next(), calendar)),
            (
                SheetKind.REPORT,
                this.previous(),
                rules.report_due(this.previous(), self._policy, calendar),
            ),
        )
        done = {
            SheetKind.PLAN: (SheetState.APPROVED,),
            SheetKind.REPORT: (SheetState.SUBMITTED, SheetState.APPROVED),
        }
        found = []
        with self._context.storage.unit_of_work(readonly=True) as uow:
            plans = _plans(uow)
            for manager in self._managers(uow.staff.directory(), None, department):
                for kind, month, due_on in wanted:
                    sheet = plans.find(kind, manager, month)
                    state = sheet.state if sheet is not None else None
                    missed = day > due_on and state not in done[kind]
                    found.append(Deadline(kind, manager, month, due_on, state, missed))
        return tuple(found)

    def escalate_missed(self, day: date, *, department: DepartmentId) -> tuple[DeadlineMissed, ...]:
        """Escalate every deadline of :meth:`deadlines` missed on ``day`` to the directors and
        the head of the department: one :class:`DeadlineMissed` each, published once (a later
        run publishes nothing for it; an idempotency key is kept in the store). Run it daily,
        as a job of yours (:mod:`clientops.jobs`)."""
        missed = [d for d in self.deadlines(day, department=department) if d.missed]
        now = self._context.now()
        told: list[DeadlineMissed] = []
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            head = staff.head_of(department)
            recipients = tuple(
                dict.fromkeys(
                    [e.id for e in staff.employees if Role.DIRECTOR in e.roles]
                    + ([head.id] if head is not None else [])
                )
            )
            for due in missed:
                key = f"planning.missed:{due.kind.value}:{due.manager_id}:{due.month}"
                if uow.outbox.record_key(key):
                    told.append(
                        DeadlineMissed(
                            due.kind, due.manager_id, due.month, due.due_on, recipients, at=now
                        )
                    )
            self._context.publish(told)
        return tuple(told)

    # ------------------------------------------------------------------ control points, pay

    def control_points(
        self,
        employee: EmployeeId,
        first: date,
        last: date,
        *,
        campaigns: Iterable[CampaignId] = (),
        presence: Iterable[tuple[datetime, datetime]] | None = None,
    ) -> ControlPoints:
        """A call manager's control points from ``first`` to ``last`` (both included): hours
        worked (by ``policy.planning.hours_source``: the first to the last call of each day,
        or the telephony ``presence`` given, the intervals the employee was logged in to the
        PBX as your telephony reports them; ``PRESENCE`` without ``presence`` raises
        ValidationError naming it), outgoing calls against
        ``policy.planning.calls_per_day`` a working day, calls of at least
        ``policy.telephony.min_call_seconds`` of airtime, airtime, the script adherence of
        their reviewed calls of ``campaigns``, and the completeness of the cards they own."""
        if not isinstance(first, date) or not isinstance(last, date) or last < first:
            fail("last", f"must be a day on or after {first!r}")
        policy = self._context.policy
        tz = policy.tz
        start = datetime.combine(first, time(), tz)
        end = datetime.combine(last + timedelta(days=1), time(), tz)
        intervals = _intervals(presence, self._policy.hours_source)
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.staff.directory().require(employee)
            calls = [c for c in uow.calls.between(start, end) if c.employee_id == employee]
            reviewed: list[CampaignCall] = []
            for campaign in campaigns:
                uow.campaigns.get(campaign)
                reviewed.extend(
                    c
                    for c in uow.campaigns.calls(campaign)
                    if c.caller_id == employee and start <= c.at < end
                )
            cards = uow.clients.managed_by(employee)
        figures = call_metrics(
            calls,
            min_seconds=policy.telephony.min_call_seconds,
            tz=tz,
            direction=CallDirection.OUTGOING,
        ).for_employee(employee)
        if self._policy.hours_source is HoursSource.PRESENCE:
            hours = rules.hours_from_presence(intervals, start, end)
        else:
            hours = rules.hours_from_calls(((c.at, c.ended_at) for c in calls if c.at), tz)
        shares = adherence_shares(reviewed)
        kept = sum(s.kept for s in shares)
        checked = sum(s.checked for s in shares)
        completeness = summarise(score_card(c, policy=policy.completeness) for c in cards)
        return ControlPoints(
            employee_id=employee,
            first=first,
            last=last,
            hours_worked=hours,
            calls=figures.calls,
            calls_planned=self._policy.calls_per_day
            * sum(1 for _ in working_days(policy.calendar, first, last)),
            long_calls=figures.long_calls,
            min_seconds=policy.telephony.min_call_seconds,
            airtime_seconds=figures.airtime_seconds,
            reviewed_calls=sum(s.reviewed for s in shares),
            script_points_kept=kept,
            script_points_checked=checked,
            cards=len(cards),
            card_completeness=completeness.share,
            hours_source=self._policy.hours_source,
        )

    def pay_sheet(self, manager: EmployeeId, month: Month) -> PaySheet:
        """The manager's pay of a month that has ended: ``policy.planning.salary`` (or the
        manager's own) plus ``pay_percent`` % of the purchases (invoices paid, or orders
        closed: ``policy.planning.purchases``) in the month of the clients whose last
        satisfaction call within the window found them satisfied; each client with the
        records behind their purchases."""
        _month(month)
        self._ended(month)
        policy = self._policy
        tz = self._context.policy.tz
        lines = []
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.staff.directory().require(manager)
            for client in uow.clients.managed_by(manager):
                calls = [
                    (r.done_at.astimezone(tz).date(), _happy(r.outcome or ""))
                    for r in uow.appeals.reactions_of(client.id)
                    if r.id.startswith("satisfaction-") and r.id.endswith("-call") and r.done_at
                ]
                day = rules.satisfied_on(calls, month, policy)
                if day is None:
                    continue
                bought, records = self._purchases(uow, client.id, month, policy.purchases)
                if bought.amount:
                    bonus = rules.pay_bonus(bought, policy)
                    lines.append(PayLine(client.id, client.name, day, bought, bonus, records))
        return PaySheet(manager, month, policy.salary_of(manager), policy.pay_percent, tuple(lines))

    def _purchases(
        self, uow: UnitOfWork, client_id: ClientId, month: Month, basis: PurchaseBasis
    ) -> tuple[Money, tuple[str, ...]]:
        total, records = Money(0), []
        if basis is PurchaseBasis.INVOICES_PAID:
            for allocation in uow.payments.allocations_of(client_id):
                if month.contains(allocation.date):
                    total += allocation.amount
                    records.append(allocation.invoice_number)
        else:
            tz = self._context.policy.tz
            for order in uow.orders.of_client(client_id):
                closed = next(
                    (
                        s.at.astimezone(tz).date()
                        for s in order.history
                        if s.stage is OrderStage.CLOSED
                    ),
                    None,
                )
                if closed is not None and month.contains(closed) and order.price is not None:
                    total += order.price
                    records.append(order.number)
        return total, tuple(records)


def _termination(uow: UnitOfWork, client_id: ClientId) -> date | None:
    """The day the termination the client announced takes effect (``None`` when none was
    announced, or the client was won back since)."""
    retention: RetentionRepository | None = getattr(uow, "retention", None)
    record = retention.get(client_id) if retention is not None else None
    if record is None or record.status is RetentionStatus.STAYED:
        return None
    return record.termination_on


def _intervals(
    presence: Iterable[tuple[datetime, datetime]] | None, source: HoursSource
) -> list[tuple[datetime, datetime]]:
    if presence is None:
        if source is HoursSource.PRESENCE:
            fail("presence", "the policy counts hours by telephony presence: give its intervals")
        return []
    found = []
    for i, item in enumerate(presence):
        try:
            begin, finish = item
        except (TypeError, ValueError):
            fail(f"presence[{i}]", f"must be (from, to), got {item!r}")
        if not all(isinstance(m, datetime) and m.tzinfo is not None for m in (begin, finish)):
            fail(f"presence[{i}]", "must be two aware datetimes")
        if finish < begin:
            fail(f"presence[{i}]", "ends before it starts")
        found.append((begin, finish))
    return found


def _happy(outcome: str) -> bool | None:
    """What a satisfaction call's reaction says: satisfied, not, or not reached (``None``)."""
    if outcome.startswith(SatisfactionOutcome.NOT_REACHED.label):
        return None
    return outcome.startswith(SatisfactionOutcome.SATISFIED.label)
