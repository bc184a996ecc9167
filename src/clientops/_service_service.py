"""The service use cases of :class:`clientops.ClientOps`: the satisfaction round, claims,
service contracts with their visits and the SLA of emergency visits, trainings.

Kept apart from ``services.py`` as a mixin; :class:`clientops.ClientOps` is the only class that
uses it. The decisions are the pure functions of :mod:`clientops.rules.satisfaction`,
:mod:`clientops.rules.claims` and :mod:`clientops.rules.service_visits`; this module reads,
hands them values, and stores what they return, one unit of work per use case, so a refusal
(an exception) leaves the store as it was. Events are published after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import attrs

from clientops._recording import record_appeals_and_reactions
from clientops.claims import (
    Claim,
    ClaimAction,
    ClaimId,
    ClaimOccasion,
    ClaimSource,
)
from clientops.errors import FieldError, NotFoundError, ValidationError
from clientops.events import Event
from clientops.host import PluginHost
from clientops.model import (
    Appeal,
    Client,
    ClientId,
    DepartmentId,
    Employee,
    EmployeeId,
    Money,
    Reaction,
    StaffDirectory,
    new_id,
)
from clientops.orders import OrderId
from clientops.policy import Policy
from clientops.ports import Storage, UnitOfWork
from clientops.queries import agenda_queries
from clientops.rules import claims as _claims
from clientops.rules import satisfaction as _satisfaction
from clientops.rules import service_visits as _visits
from clientops.rules.claims import ClaimDecision, ClaimReport
from clientops.rules.satisfaction import (
    SatisfactionCall,
    SatisfactionCallDue,
    SatisfactionDecision,
)
from clientops.rules.service_visits import SlaBreach
from clientops.service_visits import (
    Part,
    ServiceContract,
    ServiceContractId,
    Training,
    TrainingId,
    Visit,
    VisitId,
    VisitKind,
)

__all__ = ["ServiceUseCases", "SlaCheck"]


@attrs.frozen
class SlaCheck:
    """What :meth:`ClientOps.check_visit_sla` found: every late emergency visit (``breaches``,
    most overdue first, each with its escalation reactions) and the reactions this check stored
    (``escalated``: none for a breach escalated by an earlier check)."""

    at: datetime
    breaches: tuple[SlaBreach, ...]
    escalated: tuple[Reaction, ...]


def _person(staff: StaffDirectory, employee_id: EmployeeId) -> Employee:
    person = staff.employee(employee_id)
    if person is None:
        raise NotFoundError("employee", employee_id)
    return person


def _day_errors(path: str, value: object) -> list[FieldError]:
    if isinstance(value, datetime) or not isinstance(value, date):
        return [FieldError(path, f"must be a date, got {value!r}")]
    return []


class ServiceUseCases:
    """The service use cases; mixed into :class:`clientops.ClientOps`."""

    storage: Storage
    policy: Policy
    host: PluginHost

    def now(self) -> datetime:  # pragma: no cover - provided by ClientOps
        raise NotImplementedError

    def _publish(self, events: Iterable[Event]) -> None:  # pragma: no cover - ClientOps
        raise NotImplementedError

    # ------------------------------------------------------------------ the satisfaction round
    def assign_client(self, client_id: ClientId, manager_id: EmployeeId, *, on: date) -> Client:
        """Make ``manager_id`` the client's manager from the day ``on``: the card's
        ``manager_id`` and the client's row of the satisfaction round (the first call is due
        ``policy.satisfaction.first_call_after`` later, unless the client was called already:
        the last call counts, whoever made it). NotFoundError for an unknown client or
        manager. Returns the stored card."""
        _satisfaction.AssignedClient(client_id, manager_id, on)  # checks the values
        with self.storage.unit_of_work() as uow:
            _person(uow.staff.directory(), manager_id)
            client = uow.clients.get(client_id)
            if client.manager_id != manager_id:
                client = uow.clients.update(attrs.evolve(client, manager_id=manager_id))
            found = uow.claims.satisfaction_of(client_id)
            uow.claims.put_satisfaction(
                client_id, manager_id, on, found.last_call if found is not None else None
            )
        return client

    def satisfaction_calls_due(
        self, day: date, *, manager: EmployeeId | None = None
    ) -> tuple[SatisfactionCallDue, ...]:
        """The satisfaction calls due on ``day`` (late ones included) to the clients of
        ``manager``, or of everyone: the longest overdue first, each with its reason. The store
        answers with one set-based query (:func:`~clientops.rules.satisfaction
        .satisfaction_due_bounds`). An unknown manager raises NotFoundError, not ``()``."""
        rules = self.policy.satisfaction
        calendar = self.policy.calendar
        bounds = _satisfaction.satisfaction_due_bounds(day, rules, calendar)
        with self.storage.unit_of_work(readonly=True) as uow:
            if manager is not None:
                _person(uow.staff.directory(), manager)
            rows = agenda_queries(uow).satisfaction_calls_due(bounds, manager_id=manager)
        return _satisfaction.satisfaction_due(rows, day, policy=rules, calendar=calendar)

    def record_satisfaction(
        self, client_id: ClientId, call: SatisfactionCall, *, by: EmployeeId
    ) -> SatisfactionDecision:
        """Record a satisfaction call to the client (:func:`~clientops.rules.satisfaction
        .record_satisfaction`), in one unit of work: the call's appeal and reactions (the
        letter's follow-up, or the call again), and for an unsatisfied client the claim with
        its appeal and the reactions to the head of the department at fault and the general
        director. The client's last satisfaction call becomes the call's day (a client not
        reached is still due). The same call recorded twice raises DuplicateError and stores
        nothing; so does every other refusal. ``by`` (who records it) must be on the staff."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            _person(staff, by)
            client = uow.clients.get(client_id)
            decision = _satisfaction.record_satisfaction(
                call, client=client, staff=staff, policy=self.policy
            )
            events = record_appeals_and_reactions(uow, (decision.appeal,), decision.reactions, now)
            if decision.claim is not None:
                events += self._store_claim(uow, decision.claim, now)
            if decision.last_call is not None:
                found = uow.claims.satisfaction_of(client_id)
                if found is None:
                    uow.claims.put_satisfaction(
                        client_id, call.manager_id, decision.last_call, decision.last_call
                    )
                elif found.last_call is None or found.last_call < decision.last_call:
                    uow.claims.put_satisfaction(
                        client_id, found.manager_id, found.assigned_on, decision.last_call
                    )
        self._publish(events)
        return decision

    # ------------------------------------------------------------------ claims
    @staticmethod
    def _store_claim(uow: UnitOfWork, decision: ClaimDecision, now: datetime) -> list[Event]:
        appeals = (decision.appeal,) if decision.appeal is not None else ()
        events = record_appeals_and_reactions(uow, appeals, decision.reactions, now)
        uow.claims.add(decision.claim)
        return events

    def file_claim(
        self,
        client_id: ClientId,
        *,
        department_id: DepartmentId,
        source: ClaimSource,
        by: EmployeeId,
        money: Money | None = None,
        order_id: OrderId | None = None,
        invoice_id: str | None = None,
        occasion: ClaimOccasion = ClaimOccasion.OTHER,
        claim_id: ClaimId | None = None,
    ) -> ClaimDecision:
        """File a claim of the client against ``department_id`` now and pass it on at once
        (:func:`~clientops.rules.claims.file_claim`): the claim, its appeal and a reaction to
        the head of that department and to the general director, stored in one unit of work.
        A claim without a department (or with an unknown one) raises ValidationError naming
        ``department_id``, and nothing is stored."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            _person(staff, by)
            client = uow.clients.get(client_id)
            decision = _claims.file_claim(
                id=claim_id if claim_id is not None else ClaimId(new_id()),
                client=client,
                department_id=department_id,
                source=source,
                now=now,
                by=by,
                staff=staff,
                policy=self.policy,
                money=money,
                order_id=order_id,
                invoice_id=invoice_id,
                occasion=occasion,
            )
            events = self._store_claim(uow, decision, now)
        self._publish(events)
        return decision

    def advance_claim(
        self, claim_id: ClaimId, action: ClaimAction, *, by: EmployeeId
    ) -> ClaimDecision:
        """Do ``action`` on the stored claim now (:func:`~clientops.rules.claims
        .advance_claim`): the claim as stored (its version counted up) and, when the director
        is brought in, the reaction to the director, in one unit of work. A step the process
        does not allow raises TransitionError and changes nothing."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            _person(staff, by)
            claim = uow.claims.get(claim_id)
            decision = _claims.advance_claim(
                claim,
                action,
                client=uow.clients.get(claim.client_id),
                now=now,
                by=by,
                staff=staff,
                policy=self.policy,
            )
            stored = uow.claims.update(decision.claim)
            events = record_appeals_and_reactions(uow, (), decision.reactions, now)
        self._publish(events)
        return attrs.evolve(decision, claim=stored)

    def get_claim(self, claim_id: ClaimId) -> Claim:
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.claims.get(claim_id)

    def claims_of(self, client_id: ClientId) -> tuple[Claim, ...]:
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.claims.of_client(client_id)

    def open_claims(self, *, department_id: DepartmentId | None = None) -> tuple[Claim, ...]:
        """The claims not resolved or withdrawn yet, oldest first (against ``department_id``
        when given)."""
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.claims.open(department_id=department_id)

    def claim_figures(self, first: date, last: date) -> ClaimReport:
        """The claim figures of the days ``first`` to ``last`` (both included, local days of
        ``policy.timezone``; :func:`~clientops.rules.claims.claim_figures`), read with one
        range query."""
        errors = _day_errors("first", first) + _day_errors("last", last)
        if errors:
            raise ValidationError(errors, subject="claim figures")
        tz = self.policy.tz
        start = datetime.combine(first, time(0), tzinfo=tz)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
        with self.storage.unit_of_work(readonly=True) as uow:
            found = uow.claims.between(start, end) if start < end else ()
        return _claims.claim_figures(found, first, last, tz=tz)

    # ------------------------------------------------------------------ service visits
    def add_service_contract(self, contract: ServiceContract) -> ServiceContract:
        """Store a client's service contract (the client must exist)."""
        with self.storage.unit_of_work() as uow:
            uow.service.add_contract(contract)
        return contract

    def request_emergency_visit(
        self,
        contract_id: ServiceContractId,
        *,
        problem: str,
        by: EmployeeId,
        visit_id: VisitId | None = None,
    ) -> Visit:
        """The client reported ``problem`` now: a new emergency visit under the contract, with
        its appeal for the service department. The visit must happen by
        :func:`~clientops.rules.service_visits.emergency_deadline`; :meth:`check_visit_sla`
        escalates it when it does not. A contract not in force today raises ValidationError."""
        now = self.now()
        rules = self.policy.service
        with self.storage.unit_of_work() as uow:
            _person(uow.staff.directory(), by)
            contract = uow.service.get_contract(contract_id)
            today = now.astimezone(self.policy.tz).date()
            if not contract.in_force(today):
                raise ValidationError(
                    [FieldError("contract_id", f"{contract.number} is not in force on {today}")],
                    subject="emergency visit",
                )
            visit = _visits.request_emergency_visit(
                id=visit_id if visit_id is not None else VisitId(new_id()),
                contract=contract,
                requested_at=now,
                problem=problem,
                by=by,
            )
            events = record_appeals_and_reactions(
                uow, (_visits.visit_appeal(visit, contract, policy=rules),), (), now
            )
            uow.service.add_visit(visit)
        self._publish(events)
        return visit

    def plan_visit(
        self,
        visit_id: VisitId,
        *,
        engineer: EmployeeId,
        by: EmployeeId,
        day: date | None = None,
        note: str = "",
    ) -> Visit:
        """Set the engineer and the day of a visit (:func:`~clientops.rules.service_visits
        .plan_visit`: a non-working day is moved or refused as ``policy.service`` says)."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            _person(staff, by)
            _person(staff, engineer)
            visit = _visits.plan_visit(
                uow.service.get_visit(visit_id),
                engineer=engineer,
                now=now,
                by=by,
                policy=self.policy.service,
                calendar=self.policy.calendar,
                day=day,
                note=note,
            )
            return uow.service.update_visit(visit)

    def complete_visit(
        self,
        visit_id: VisitId,
        *,
        works: tuple[str, ...],
        by: EmployeeId,
        parts: tuple[Part, ...] = (),
        note: str = "",
    ) -> Visit:
        """The planned visit was done now: ``works`` describes the work (for the act),
        ``parts`` the parts bought on the spot."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            _person(uow.staff.directory(), by)
            visit = _visits.complete_visit(
                uow.service.get_visit(visit_id),
                works=works,
                done_at=now,
                by=by,
                parts=parts,
                note=note,
            )
            return uow.service.update_visit(visit)

    def cancel_visit(self, visit_id: VisitId, *, reason: str, by: EmployeeId) -> Visit:
        """Cancel a visit not done yet, saying why."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            _person(uow.staff.directory(), by)
            visit = _visits.cancel_visit(
                uow.service.get_visit(visit_id), reason=reason, now=now, by=by
            )
            return uow.service.update_visit(visit)

    def check_visit_sla(self, now: datetime | None = None) -> SlaCheck:
        """Find the open emergency visits past their deadline at ``now`` (the clock's time
        when not given) and store their escalation reactions, to the head of the service
        department and to the client's manager (:func:`~clientops.rules.service_visits
        .sla_breaches`), in one unit of work. A breach escalated by an earlier check is found
        again but not escalated twice: run it as often as you like."""
        moment = now if now is not None else self.now()
        rules = self.policy.service
        with self.storage.unit_of_work() as uow:
            visits = [v for v in uow.service.open_visits() if v.kind is VisitKind.EMERGENCY]
            contracts = [uow.service.get_contract(key) for key in {v.contract_id for v in visits}]
            clients = [uow.clients.get(key) for key in {v.client_id for v in visits}]
            breaches = _visits.sla_breaches(
                visits,
                contracts=contracts,
                clients=clients,
                staff=uow.staff.directory(),
                now=moment,
                calendar=self.policy.calendar,
                tz=self.policy.tz,
                policy=rules,
            )
            appeals: list[Appeal] = []
            fresh: list[Reaction] = []
            for breach in breaches:
                appeal_id = _visits.visit_appeal_id(breach.visit.id)
                try:
                    uow.appeals.get(appeal_id)
                except NotFoundError:
                    appeals.append(
                        _visits.visit_appeal(breach.visit, breach.contract, policy=rules)
                    )
                for reaction in breach.reactions:
                    try:
                        uow.appeals.get_reaction(reaction.id)
                    except NotFoundError:
                        fresh.append(reaction)
            events = record_appeals_and_reactions(uow, appeals, fresh, moment)
        self._publish(events)
        return SlaCheck(at=moment, breaches=breaches, escalated=tuple(fresh))

    def contracts_of(self, client_id: ClientId) -> tuple[ServiceContract, ...]:
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.service.contracts_of(client_id)

    def visits_of(self, client_id: ClientId) -> tuple[Visit, ...]:
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.service.visits_of(client_id)

    # ------------------------------------------------------------------ trainings
    def open_training(
        self,
        client_id: ClientId,
        *,
        manager: EmployeeId,
        by: EmployeeId,
        topic: str | None = None,
        training_id: TrainingId | None = None,
    ) -> Training:
        """A training to agree with the client, led by ``manager``
        (:func:`~clientops.rules.service_visits.new_training`)."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            _person(staff, by)
            _person(staff, manager)
            uow.clients.get(client_id)
            training = _visits.new_training(
                id=training_id if training_id is not None else TrainingId(new_id()),
                client_id=client_id,
                manager_id=manager,
                now=now,
                by=by,
                policy=self.policy.service,
                topic=topic,
            )
            uow.service.add_training(training)
        return training

    def schedule_training(
        self,
        training_id: TrainingId,
        *,
        starts_at: datetime,
        by: EmployeeId,
        duration: timedelta | None = None,
    ) -> Training:
        """The date and time agreed with the client (in the future)."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            _person(uow.staff.directory(), by)
            training = _visits.schedule_training(
                uow.service.get_training(training_id),
                starts_at=starts_at,
                now=now,
                by=by,
                duration=duration,
            )
            return uow.service.update_training(training)

    def reschedule_training(
        self, training_id: TrainingId, *, starts_at: datetime, reason: str, by: EmployeeId
    ) -> Training:
        """Move the training to ``starts_at`` (in the future), saying why; the move is kept."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            _person(uow.staff.directory(), by)
            training = _visits.reschedule_training(
                uow.service.get_training(training_id),
                starts_at=starts_at,
                reason=reason,
                now=now,
                by=by,
            )
            return uow.service.update_training(training)

    def trainings_of(self, client_id: ClientId) -> tuple[Training, ...]:
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.service.trainings_of(client_id)
