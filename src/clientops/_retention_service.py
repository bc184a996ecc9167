"""Keeping clients: churn risk, the leaving status, the win-back run, clients without a
manager.

:class:`Retention` works over a :class:`~clientops.ClientOps` (its ``context``, and its
``campaigns`` and ``clients`` services, whose machinery it reuses): ``Retention(ops)``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Protocol

import attrs

from clientops._billing import Invoice
from clientops._campaigns import Campaign, CampaignId, CampaignPurpose, CardFilter
from clientops._checks import check_entry_points
from clientops._claims import Claim, ClaimOccasion
from clientops._context import Context
from clientops._credit import CreditCheck, CreditLimit, CreditStanding
from clientops._credit_helpers import credit_standing
from clientops._orders import Order, OrderStage
from clientops._outbox import OutboxMessage
from clientops._partners import CounterpartyKind, PartnerAgreement
from clientops._reaction_helpers import start_plan_in
from clientops._recording import appeal_opened, reaction_scheduled
from clientops._retention import (
    ChurnRisk,
    ClientFacts,
    ClientTerms,
    ManagerFigures,
    MarketingItem,
    MarketingKind,
    OrderFact,
    Renewal,
    RetentionChanged,
    RetentionRecord,
    RetentionStatus,
)
from clientops._text import format_date
from clientops.errors import FieldError, TransitionError, ValidationError
from clientops.events import Event
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    Client,
    ClientCategory,
    ClientId,
    Employee,
    EmployeeId,
    Money,
    Reaction,
    ReactionId,
    ReactionKind,
    Role,
    new_id,
)
from clientops.ports import UnitOfWork, retention_repository
from clientops.rules.credit import check_order
from clientops.rules.order_outputs import handoff_recipient
from clientops.rules.retention import (
    choose_manager,
    churn_risk,
    renewal_words,
    renewals_due,
    win_back_figures,
)

__all__ = ["Retention"]


class _Campaigns(Protocol):
    def get(self, campaign_id: CampaignId) -> Campaign: ...

    def add_targets(
        self,
        campaign_id: CampaignId,
        clients: CardFilter | Sequence[ClientId],
        *,
        by: EmployeeId,
    ) -> int: ...


class _Clients(Protocol):
    def get(self, client_id: ClientId) -> Client: ...

    def update(self, client: Client, *, by: EmployeeId | None = None) -> Client: ...


class _Ops(Protocol):
    @property
    def context(self) -> Context: ...

    @property
    def campaigns(self) -> _Campaigns: ...

    @property
    def clients(self) -> _Clients: ...


def _facts(uow: UnitOfWork, card: Client, today: date, context: Context) -> ClientFacts:
    """What the store says about ``card`` for the risk rule."""
    return _facts_of(
        card,
        uow.orders.of_client(card.id),
        max((p.date for p in uow.payments.of_client(card.id)), default=None),
        uow.claims.of_client(card.id),
        [i for i in uow.invoices.of_client(card.id) if i.is_open],
        retention_repository(uow).get(card.id),
        today,
        context,
    )


def _all_facts(
    uow: UnitOfWork, cards: Sequence[Client], today: date, context: Context
) -> list[ClientFacts]:
    """:func:`_facts` of every card of ``cards``, read set by set (every order, the open
    invoices, the open claims and those of the unhappy-calls window, every retention record)
    rather than client by client; only the last payment is still read per client."""
    policy = context.policy
    orders: dict[ClientId, list[Order]] = {}
    for order in uow.orders.in_stages(OrderStage):
        orders.setdefault(order.client_id, []).append(order)
    invoices: dict[ClientId, list[Invoice]] = {}
    for invoice in uow.invoices.open():
        invoices.setdefault(invoice.client_id, []).append(invoice)
    claims: dict[ClientId, dict[str, Claim]] = {}
    since = datetime.combine(
        today - timedelta(days=policy.retention.unhappy_days + 1), time(0), tzinfo=policy.tz
    )
    window = uow.claims.between(since, context.now() + timedelta(days=1))
    for claim in (*uow.claims.open(), *window):
        claims.setdefault(claim.client_id, {})[claim.id] = claim
    records = {r.client_id: r for r in retention_repository(uow).all()}
    return [
        _facts_of(
            card,
            orders.get(card.id, ()),
            max((p.date for p in uow.payments.of_client(card.id)), default=None),
            tuple(claims.get(card.id, {}).values()),
            invoices.get(card.id, ()),
            records.get(card.id),
            today,
            context,
        )
        for card in cards
    ]


def _facts_of(
    card: Client,
    orders: Iterable[Order],
    last_payment: date | None,
    claims: Sequence[Claim],
    open_invoices: Iterable[Invoice],
    record: RetentionRecord | None,
    today: date,
    context: Context,
) -> ClientFacts:
    """The facts of ``card`` from what was read of it: its orders, its last payment, its
    claims (at least the open ones and those filed within the unhappy-calls window), its open
    invoices and its retention record."""
    tz = context.policy.tz
    unhappy = tuple(
        c.filed_at.astimezone(tz).date()
        for c in claims
        if c.occasion is ClaimOccasion.SATISFACTION_CALL
    )
    overdue = [i for i in open_invoices if i.due_date < today]
    debt = Money(0)
    for invoice in overdue:
        if invoice.outstanding.currency == debt.currency:
            debt = debt + invoice.outstanding
    return ClientFacts(
        card.id,
        card.name,
        manager_id=card.manager_id,
        since=card.created_at.astimezone(tz).date() if card.created_at else None,
        orders=tuple(OrderFact(o.created_at.astimezone(tz).date(), o.price) for o in orders),
        last_payment=last_payment,
        unhappy_calls=unhappy,
        open_claims=sum(1 for c in claims if not c.closed),
        overdue_debt=debt,
        overdue_days=max(((today - i.due_date).days for i in overdue), default=0),
        termination_on=record.termination_on if record is not None else None,
        marked_left=record is not None and record.status is RetentionStatus.LEFT,
    )


def _to_mark(record: RetentionRecord | None, today: date, quiet_days: int) -> bool:
    """Whether a client whose signals say leaving is to be marked so now: never marked, or
    stayed more than ``quiet_days`` ago, or paused until a day that has passed. One already
    leaving or gone (left) is not marked again."""
    if record is None:
        return True
    if record.status is RetentionStatus.PAUSED:
        return record.until is None or record.until < today
    if record.status is RetentionStatus.STAYED:
        return (today - record.since.date()).days > quiet_days
    return False


def _renewal_call(
    uow: UnitOfWork,
    appeal_id: AppealId,
    client_id: ClientId,
    topic: str,
    owner: Employee,
    now: datetime,
    by: EmployeeId,
    events: list[Event],
) -> Reaction:
    """A renewal's appeal and its call, due now, on ``owner``'s agenda (a contract's or an
    agreement's); stored in ``uow``, their events added to ``events``."""
    appeal = Appeal(appeal_id, client_id, topic, owner.department_id, created_at=now, created_by=by)
    reaction = Reaction(
        ReactionId(f"{appeal_id}-call"),
        appeal_id,
        client_id,
        ReactionKind.OUTGOING_CALL,
        topic,
        due_at=now,
        created_at=now,
        department_id=owner.department_id,
        employee_id=owner.id,
        created_by=by,
    )
    uow.appeals.add(appeal)
    uow.appeals.add_reaction(reaction)
    events += [appeal_opened(appeal, now), reaction_scheduled(reaction, now)]
    return reaction


@check_entry_points
class Retention:
    """Keeping clients: each client's churn signals, the clients leaving, the win-back
    campaign, the figures per manager, the clients without a manager::

    >>> import clientops
    >>> from datetime import date
    >>> from clientops.retention import Retention
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id="anna"))
    >>> retention = Retention(ops)
    >>> _ = retention.announce_termination(card.id, date(2025, 7, 31), by="anna")
    >>> print(retention.risk(card.id).explain())
    — Заявил о расторжении: договор расторгается с 31.07.2025
    >>> retention.record(card.id).status.label
    'Уходящий'
    >>> [(f.manager_id, f.leaving) for f in retention.figures()]
    [('anna', 1)]
    >>> ops.close()
    """

    def __init__(self, ops: _Ops) -> None:
        self._context = ops.context
        self._campaigns = ops.campaigns
        self._clients = ops.clients

    # ------------------------------------------------------------------ risk

    def risk(self, client_id: ClientId) -> ChurnRisk:
        """The client's churn signals today, each named and explained, their weight, whether
        they make it leaving (``Policy.retention.leaving_score``) and whether it counts as
        lost. An unknown client raises NotFoundError."""
        today = self._context.today()
        with self._context.storage.unit_of_work(readonly=True) as uow:
            facts = _facts(uow, uow.clients.get(client_id), today, self._context)
        return churn_risk(facts, today=today, policy=self._context.policy.retention)

    def risks(self) -> tuple[ChurnRisk, ...]:
        """The risk of every client (category «клиент»), highest score first, then by name."""
        today = self._context.today()
        policy = self._context.policy.retention
        with self._context.storage.unit_of_work(readonly=True) as uow:
            cards = [c for c in uow.clients.all() if c.category is ClientCategory.CLIENT]
            found = [
                churn_risk(facts, today=today, policy=policy)
                for facts in _all_facts(uow, cards, today, self._context)
            ]
        return tuple(sorted(found, key=lambda r: (-r.score, r.name, r.client_id)))

    def lost(self) -> tuple[ChurnRisk, ...]:
        """The clients that count as lost (the month report's criterion,
        :func:`clientops.rules.retention.is_lost`), by name."""
        return tuple(sorted((r for r in self.risks() if r.lost), key=lambda r: r.name))

    def scan(self, *, by: EmployeeId) -> tuple[ChurnRisk, ...]:
        """Mark leaving every client whose signals say so and who is not marked yet (or
        stayed more than ``Policy.retention.silence_days`` ago, or paused until a day that
        has passed), in one unit of work: its retention record says leaving, with the
        signals; the follow-up plan ``Policy.retention.leaving_plan`` is started on its
        manager; RetentionChanged is published. Returns the risks of the clients marked now:
        a second run the same day marks nobody. An unknown ``by`` raises ValidationError;
        an unknown plan ValidationError naming ``plan``; nothing is stored then."""
        today = self._context.today()
        now = self._context.now()
        policy = self._context.policy
        plan = (
            policy.follow_up_plans.require(policy.retention.leaving_plan)
            if policy.retention.leaving_plan is not None
            else None
        )
        marked: list[ChurnRisk] = []
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            events: list[Event] = []
            cards = [c for c in uow.clients.all() if c.category is ClientCategory.CLIENT]
            for card, facts in zip(
                cards, _all_facts(uow, cards, today, self._context), strict=True
            ):
                risk = churn_risk(facts, today=today, policy=policy.retention)
                record = retention_repository(uow).get(card.id)
                if not risk.leaving or not _to_mark(record, today, policy.retention.silence_days):
                    continue
                self._mark(uow, card, risk, record, by, now, events)
                if plan is not None:
                    opened, reaction = start_plan_in(
                        uow, policy, plan, card.id, by, None, None, now
                    )
                    if opened is not None:
                        events.append(appeal_opened(opened, now))
                    events.append(reaction_scheduled(reaction, now))
                marked.append(risk)
            self._context.publish(events)
        return tuple(marked)

    @staticmethod
    def _mark(
        uow: UnitOfWork,
        card: Client,
        risk: ChurnRisk,
        record: RetentionRecord | None,
        by: EmployeeId,
        now: datetime,
        events: list[Event],
        *,
        termination_on: date | None = None,
        reason: str | None = None,
    ) -> RetentionRecord:
        signals = tuple(s.kind for s in risk.signals)
        new = RetentionRecord(
            card.id,
            RetentionStatus.LEAVING,
            since=now,
            by=by,
            manager_id=card.manager_id,
            signals=signals,
            reason=reason,
            termination_on=termination_on
            if termination_on is not None
            else (record.termination_on if record is not None else None),
        )
        if record is None:
            retention_repository(uow).add(new)
        else:
            new = retention_repository(uow).update(attrs.evolve(new, version=record.version))
        events.append(RetentionChanged(card.id, RetentionStatus.LEAVING, signals, at=now))
        return new

    def announce_termination(
        self, client_id: ClientId, on: date, *, by: EmployeeId, reason: str | None = None
    ) -> RetentionRecord:
        """The client announced it ends its contract on ``on``: the day is kept (a signal, and
        the report counts the client lost from that day) and the client is marked leaving
        (publishes RetentionChanged). A client that left already raises TransitionError; a
        day that is not a date ValidationError naming ``on``; nothing is stored then."""
        if type(on) is not date:
            raise ValidationError([FieldError("on", f"not a date: {on!r}")])
        today = self._context.today()
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            card = uow.clients.get(client_id)
            record = retention_repository(uow).get(client_id)
            if record is not None and record.status is RetentionStatus.LEFT:
                raise TransitionError(
                    f"client {client_id}", current="left", attempted="announce termination"
                )
            facts = attrs.evolve(_facts(uow, card, today, self._context), termination_on=on)
            risk = churn_risk(facts, today=today, policy=self._context.policy.retention)
            events: list[Event] = []
            stored = self._mark(
                uow, card, risk, record, by, now, events, termination_on=on, reason=reason
            )
            self._context.publish(events)
        return stored

    # ------------------------------------------------------------------ records

    def record(self, client_id: ClientId) -> RetentionRecord | None:
        """The client's retention record (``None``: never marked). An unknown client raises
        NotFoundError."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.clients.get(client_id)
            return retention_repository(uow).get(client_id)

    def records(self, *, status: RetentionStatus | None = None) -> tuple[RetentionRecord, ...]:
        """Every retention record (of ``status`` when given), by client id."""
        if status is not None and not isinstance(status, RetentionStatus):
            raise ValidationError([FieldError("status", f"not a RetentionStatus: {status!r}")])
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return retention_repository(uow).all(status=status)

    def figures(self) -> tuple[ManagerFigures, ...]:
        """Per manager (the client's manager when it was marked or called), how many of its
        clients are leaving now, stayed, left and paused."""
        return win_back_figures(self.records())

    # ------------------------------------------------------------------ win-back

    def win_back(self, campaign_id: CampaignId, *, by: EmployeeId) -> int:
        """Put every leaving client on the call list of the win-back campaign
        ``campaign_id`` (``CampaignPurpose.WIN_BACK``: its calls end with
        :class:`~clientops.campaigns.Stayed`, :class:`~clientops.campaigns.Left` or
        :class:`~clientops.campaigns.Paused`, which set the client's status). Returns how
        many were added (a client on the list already is skipped: a second run adds none).
        A campaign of another purpose raises ValidationError naming ``campaign_id``."""
        campaign = self._campaigns.get(campaign_id)
        if campaign.purpose is not CampaignPurpose.WIN_BACK:
            raise ValidationError(
                [FieldError("campaign_id", f"{campaign_id!r} is not a win-back campaign")]
            )
        leaving = [r.client_id for r in self.records(status=RetentionStatus.LEAVING)]
        return self._campaigns.add_targets(campaign_id, leaving, by=by)

    # ------------------------------------------------------------------ credit

    def credit(self, client_id: ClientId) -> CreditStanding:
        """The client's payment discipline from its stored invoices and payments (days late,
        invoices paid in parts, the debt now and overdue), its score and its credit limit
        (its own, else ``Policy.retention.credit.default_limit``). An unknown client raises
        NotFoundError."""
        today = self._context.today()
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.clients.get(client_id)
            return credit_standing(uow, client_id, today, self._context)

    def check_order(self, client_id: ClientId, amount: Money) -> CreditCheck:
        """Whether a new order or shipment of ``amount`` may go ahead, needs the director's
        approval, or is refused (:func:`clientops.rules.credit.check_order`), and why. An
        amount that is not Money above zero raises ValidationError naming ``amount``."""
        if not isinstance(amount, Money) or amount.amount <= 0:
            raise ValidationError([FieldError("amount", f"not an amount above zero: {amount!r}")])
        standing = self.credit(client_id)
        return check_order(standing, amount, policy=self._context.policy.retention.credit)

    def set_credit_limit(
        self, client_id: ClientId, limit: Money, *, by: EmployeeId, note: str | None = None
    ) -> CreditLimit:
        """Give the client a credit limit of its own (in place of the policy's). A limit below
        zero raises ValidationError naming ``limit``; an unknown client NotFoundError;
        nothing is stored then."""
        if not isinstance(limit, Money):
            raise ValidationError([FieldError("limit", f"not Money: {limit!r}")])
        record = CreditLimit(client_id, limit, by, self._context.now(), note)
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            retention_repository(uow).put_credit_limit(record)
        return record

    # ------------------------------------------------------------------ renewals

    def plan_renewals(self, *, by: EmployeeId) -> tuple[Renewal, ...]:
        """Put up for renewal every service contract ending within
        ``Policy.retention.renewal_days``: a call on the client's manager's agenda (of ``by``
        when the client has none), due at once, on an appeal of its own, and the renewal
        letter to the client's first e-mail through the outbox (topic
        ``Policy.retention.renewal_email_topic``), in one unit of work; publishes AppealOpened
        and ReactionScheduled. A contract already put up (for the same end date) is skipped:
        a second run the same day does nothing. Returns what was put up now."""
        today = self._context.today()
        now = self._context.now()
        policy = self._context.policy
        done: list[Renewal] = []
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            starter = staff.require(by)
            events: list[Event] = []
            cards = {card.id: card for card in uow.clients.all()}
            contracts = [c for cid in cards for c in uow.service.contracts_of(cid)]
            # soonest first, across the clients
            for contract in renewals_due(contracts, today=today, policy=policy.retention):
                card = cards[contract.client_id]
                appeal_id = AppealId(f"renewal-{contract.id}-{contract.ends_on}")
                if any(a.id == appeal_id for a in uow.appeals.of_client(card.id)):
                    continue
                manager = staff.employee(card.manager_id) if card.manager_id else None
                owner = manager or starter
                topic, subject, body = renewal_words(
                    contract,
                    card,
                    manager=owner.person,
                    company=policy.company_name,
                    policy=policy.retention,
                )
                reaction = _renewal_call(uow, appeal_id, card.id, topic, owner, now, by, events)
                key = None
                if card.emails:
                    key = f"{appeal_id}-letter"
                    payload = {"to": card.emails[0], "subject": subject, "body": body}
                    uow.outbox.enqueue(
                        OutboxMessage.new(
                            policy.retention.renewal_email_topic, payload, now=now, key=key
                        )
                    )
                done.append(
                    Renewal(
                        contract.id,
                        card.id,
                        contract.number,
                        contract.ends_on or today,
                        reaction.id,
                        key,
                    )
                )
            self._context.publish(events)
        return tuple(done)

    # ------------------------------------------------------------------ special conditions

    def set_terms(
        self,
        client_id: ClientId,
        discount: Decimal,
        *,
        valid_from: date,
        valid_until: date | None = None,
        by: EmployeeId,
        conditions: str | None = None,
    ) -> ClientTerms:
        """Give the client special conditions (a VIP client, one won back with an offer): a
        ``discount`` share (``Decimal("0.05")``: 5 %) that ``ops.orders`` applies to the price
        of an order opened while they are valid and ``ops.billing.issue_invoice`` to the lines
        of an invoice dated then, each saying so; ``conditions``: the other conditions in
        words. Replaces the ones set before. A discount outside 0–1 raises ValidationError
        naming ``discount``; an end before the start ``valid_until``; an unknown client
        NotFoundError; nothing is stored then."""
        terms = ClientTerms(
            client_id,
            discount,
            valid_from,
            valid_until,
            by=by,
            at=self._context.now(),
            conditions=conditions,
        )
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            retention_repository(uow).put_client_terms(terms)
        return terms

    def terms(self, client_id: ClientId) -> ClientTerms | None:
        """The client's special conditions (``None``: none set), valid today or not
        (:meth:`ClientTerms.valid_on`). An unknown client raises NotFoundError."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.clients.get(client_id)
            return retention_repository(uow).client_terms(client_id)

    # ------------------------------------------------------------------ partner agreements

    def add_agreement(
        self,
        counterparty_id: ClientId,
        kind: CounterpartyKind | str,
        number: str,
        terms: str,
        *,
        starts_on: date,
        ends_on: date | None,
        responsible_id: EmployeeId,
        by: EmployeeId,
        loyalty: str | None = None,
    ) -> PartnerAgreement:
        """Keep an agreement with a supplier, a dealer or another organisation (seed 002 / 12,
        19) whose card is ``counterparty_id``: its kind, number, terms, validity and the
        counterparty's ``loyalty`` programme towards us; ``responsible_id`` gets the renewal
        call (:meth:`plan_agreement_renewals`). An unknown kind raises ValidationError naming
        ``kind``; an end before the start ValidationError naming ``ends_on``; an unknown
        responsible employee ValidationError naming ``responsible_id``; an unknown card
        NotFoundError; nothing is stored then."""
        agreement = PartnerAgreement(
            new_id(),
            counterparty_id,
            kind,  # a kind's value (``"supplier"``) is converted, an unknown one refused
            number,
            terms,
            starts_on,
            ends_on,
            responsible_id=responsible_id,
            created_at=self._context.now(),
            created_by=by,
            loyalty=loyalty,
        )
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            if staff.employee(responsible_id) is None:
                raise ValidationError(
                    [FieldError("responsible_id", f"unknown employee {responsible_id!r}")]
                )
            retention_repository(uow).add_agreement(agreement)
        return agreement

    def renew_agreement(
        self,
        agreement_id: str,
        ends_on: date,
        *,
        by: EmployeeId,
        terms: str | None = None,
        loyalty: str | None = None,
    ) -> PartnerAgreement:
        """The agreement renewed until ``ends_on`` (with new ``terms`` and ``loyalty`` when
        given). An end before the start raises ValidationError naming ``ends_on``; an unknown
        agreement NotFoundError."""
        if type(ends_on) is not date:
            raise ValidationError([FieldError("ends_on", f"not a date: {ends_on!r}")])
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            current = retention_repository(uow).agreement(agreement_id)
            renewed = attrs.evolve(
                current,
                ends_on=ends_on,
                terms=current.terms if terms is None else terms,
                loyalty=current.loyalty if loyalty is None else loyalty,
            )
            return retention_repository(uow).update_agreement(renewed)

    def agreement(self, agreement_id: str) -> PartnerAgreement:
        """One agreement; an unknown one raises NotFoundError."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return retention_repository(uow).agreement(agreement_id)

    def agreements(
        self, *, counterparty_id: ClientId | None = None, valid_on: date | None = None
    ) -> tuple[PartnerAgreement, ...]:
        """The agreements with partners, of ``counterparty_id`` (an unknown card raises
        NotFoundError) and in force on ``valid_on`` when given, by start date."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            if counterparty_id is not None:
                uow.clients.get(counterparty_id)
            found = retention_repository(uow).agreements(counterparty_id=counterparty_id)
        if valid_on is not None:
            found = tuple(a for a in found if a.valid_on(valid_on))
        return tuple(sorted(found, key=lambda a: (a.starts_on, a.number, a.id)))

    def plan_agreement_renewals(self, *, by: EmployeeId) -> tuple[Renewal, ...]:
        """Put up for renewal every agreement with a partner ending within
        ``Policy.retention.renewal_days`` (the rule of :meth:`plan_renewals`,
        :func:`clientops.rules.retention.renewals_due`): a call due at once on the
        responsible employee's agenda (of ``by`` when that employee left), on an appeal of
        its own on the counterparty's card, in one unit of work; publishes AppealOpened and
        ReactionScheduled. An agreement already put up (for the same end date) is skipped: a
        second run the same day does nothing. Returns what was put up now."""
        today = self._context.today()
        now = self._context.now()
        policy = self._context.policy
        done: list[Renewal] = []
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            starter = staff.require(by)
            events: list[Event] = []
            due = renewals_due(
                retention_repository(uow).agreements(), today=today, policy=policy.retention
            )
            for agreement in due:
                ends_on = agreement.ends_on or today
                appeal_id = AppealId(f"renewal-agreement-{agreement.id}-{ends_on}")
                if any(a.id == appeal_id for a in uow.appeals.of_client(agreement.counterparty_id)):
                    continue
                card = uow.clients.get(agreement.counterparty_id)
                owner = staff.employee(agreement.responsible_id) or starter
                topic = policy.retention.agreement_renewal_topic.format(
                    number=agreement.number,
                    counterparty=card.name,
                    kind=agreement.kind.label.lower(),
                    ends_on=format_date(ends_on),
                )
                reaction = _renewal_call(uow, appeal_id, card.id, topic, owner, now, by, events)
                done.append(Renewal(agreement.id, card.id, agreement.number, ends_on, reaction.id))
            self._context.publish(events)
        return tuple(done)

    # ------------------------------------------------------------------ upsells

    def upsell(self, client_id: ClientId, detail: str, *, by: EmployeeId) -> Reaction:
        """Hand an upsell on (seed 002 / 14): for a client with a manager, to the sales
        manager, the way an order's upsells go (the head of sales, else the first sales
        manager, else the sales department); for a client without one, the deal is the client
        department's own (``Policy.client_department``). A task due at once on an appeal of
        its own; publishes AppealOpened and ReactionScheduled. A blank ``detail`` raises
        ValidationError naming it; an unknown client NotFoundError; nothing is stored then."""
        if not isinstance(detail, str) or not detail.strip():
            raise ValidationError([FieldError("detail", "required")])
        now = self._context.now()
        policy = self._context.policy
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            card = uow.clients.get(client_id)
            assigned = card.manager_id is not None and staff.employee(card.manager_id) is not None
            if assigned:
                employee_id, department_id = handoff_recipient(Role.SALES_MANAGER, staff, policy)
                template = policy.retention.upsell_topic
            else:
                employee_id, department_id = None, policy.client_department
                template = policy.retention.unassigned_upsell_topic
            employee = staff.employee(employee_id) if employee_id is not None else None
            department = employee.department_id if employee is not None else department_id
            department = department or policy.sales_department
            topic = template.format(client=card.name, detail=" ".join(detail.split()))
            topic = topic if len(topic) <= 300 else topic[:299] + "…"
            appeal = Appeal(
                AppealId(new_id()),
                card.id,
                topic,
                department,
                created_at=now,
                type=AppealType.SALES if assigned else AppealType.CLIENT_DEPARTMENT,
                created_by=by,
            )
            reaction = Reaction(
                ReactionId(new_id()),
                appeal.id,
                card.id,
                ReactionKind.TASK,
                topic,
                due_at=now,
                created_at=now,
                department_id=department,
                employee_id=employee_id,
                created_by=by,
            )
            uow.appeals.add(appeal)
            uow.appeals.add_reaction(reaction)
            self._context.publish((appeal_opened(appeal, now), reaction_scheduled(reaction, now)))
        return reaction

    # ------------------------------------------------------------------ marketing

    def add_marketing(
        self,
        client_id: ClientId,
        kind: MarketingKind,
        text: str,
        *,
        by: EmployeeId,
        source: str = "звонок",
        reference: str | None = None,
    ) -> MarketingItem:
        """Record an item for marketing (seed 002 / 12): a client's wish heard on any call, the
        material of a client case, a letter of thanks received (``reference``: its scan). An
        unknown client raises NotFoundError; a blank text ValidationError naming ``text``."""
        if not isinstance(kind, MarketingKind):
            raise ValidationError([FieldError("kind", f"not a MarketingKind: {kind!r}")])
        if not isinstance(text, str) or not text.strip():
            raise ValidationError([FieldError("text", "required")])
        item = MarketingItem(
            new_id(), client_id, kind, text.strip(), self._context.now(), by, source, reference
        )
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            retention_repository(uow).add_marketing(item)
        return item

    def marketing(
        self, *, kind: MarketingKind | None = None, client_id: ClientId | None = None
    ) -> tuple[MarketingItem, ...]:
        """The items for marketing, of ``kind`` and of ``client_id`` when given, oldest
        first."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return retention_repository(uow).marketing(kind=kind, client_id=client_id)

    def export_marketing(self, *, kind: MarketingKind | None = None) -> str:
        """The items for marketing as CSV for a spreadsheet (``;``-separated, Russian headers:
        «Дата», «Клиент», «Город», «Что», «Текст», «Источник», «Документ»), oldest first."""
        tz = self._context.policy.tz
        with self._context.storage.unit_of_work(readonly=True) as uow:
            items = retention_repository(uow).marketing(kind=kind)
            cards = {i.client_id: uow.clients.get(i.client_id) for i in items}
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(("Дата", "Клиент", "Город", "Что", "Текст", "Источник", "Документ"))
        for item in items:
            card = cards[item.client_id]
            writer.writerow(
                (
                    format_date(item.at.astimezone(tz).date()),
                    card.name,
                    card.city,
                    item.kind.label,
                    item.text,
                    item.source,
                    item.reference or "",
                )
            )
        return out.getvalue()

    # ------------------------------------------------------------------ unassigned

    def unassigned(self) -> tuple[Client, ...]:
        """The clients (category «клиент») assigned to no manager, or to one the staff
        directory no longer knows (the manager left), by name."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            staff = uow.staff.directory()
            found = [
                card
                for card in uow.clients.all()
                if card.category is ClientCategory.CLIENT
                and (card.manager_id is None or staff.employee(card.manager_id) is None)
            ]
        return tuple(sorted(found, key=lambda c: (c.name, c.id)))

    def call_unassigned(self, campaign_id: CampaignId, *, by: EmployeeId) -> int:
        """Put every client of :meth:`unassigned` on the call list of ``campaign_id`` (to
        find their needs, collect feedback, offer the best solution: seed 002 / 20). Returns
        how many were added; a second run adds none."""
        return self._campaigns.add_targets(
            campaign_id, [card.id for card in self.unassigned()], by=by
        )

    def assign_by_rule(self, *, by: EmployeeId) -> tuple[tuple[Client, EmployeeId], ...]:
        """Give every client of :meth:`unassigned` a manager by rule
        (:func:`clientops.rules.retention.choose_manager`): its city's manager
        (``Policy.retention.city_managers``), else the client manager present today with the
        fewest clients, counting the ones given in this run. Each change is stored like
        :meth:`assign` (on the card's timeline, ClientUpdated). Returns the clients and
        their managers; a second run gives none. Nobody to give them to: nothing changes."""
        today = self._context.today()
        with self._context.storage.unit_of_work(readonly=True) as uow:
            staff = uow.staff.directory()
            staff.require(by)
            loads = {
                e.id: 0
                for e in staff.employees
                if Role.CLIENT_MANAGER in e.roles and not staff.is_absent(e.id, today)
            }
            for card in uow.clients.all():
                if card.manager_id in loads and card.category is ClientCategory.CLIENT:
                    loads[card.manager_id] += 1
        given: list[tuple[Client, EmployeeId]] = []
        for card in self.unassigned():
            manager = choose_manager(card, loads, policy=self._context.policy.retention)
            if manager is None:
                break
            loads[manager] += 1
            stored = self._clients.update(attrs.evolve(card, manager_id=manager), by=by)
            given.append((stored, manager))
        return tuple(given)

    def assign(self, client_id: ClientId, manager_id: EmployeeId, *, by: EmployeeId) -> Client:
        """Give the client to ``manager_id``: the card's manager changes (on the card's
        timeline, ClientUpdated published). A manager the staff directory does not know
        raises ValidationError naming ``manager_id``; nothing is stored."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            staff = uow.staff.directory()
            if staff.employee(by) is None:
                raise ValidationError([FieldError("by", f"unknown employee {by!r}")])
            if staff.employee(manager_id) is None:
                raise ValidationError([FieldError("manager_id", f"unknown manager {manager_id!r}")])
        card = self._clients.get(client_id)
        return self._clients.update(attrs.evolve(card, manager_id=manager_id), by=by)
