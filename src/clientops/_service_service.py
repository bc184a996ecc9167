"""The service area: service contracts with their visits and the SLA of emergency visits,
and trainings (``ops.service``). The decisions are the pure functions of
:mod:`clientops.rules.service_visits`; one unit of work per use case, so a refusal (an
exception) leaves the store as it was. Events are published after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import attrs

from clientops._checks import check_entry_points
from clientops._context import Context
from clientops._recording import again_if_raced, record_appeals_and_reactions
from clientops.errors import FieldError, NotFoundError, ValidationError
from clientops.events import Event
from clientops.model import (
    Appeal,
    ClientId,
    EmployeeId,
    Reaction,
    new_id,
)
from clientops.rules import service_visits as _visits
from clientops.rules.service_visits import SlaBreach
from clientops.service_visits import (
    Part,
    ServiceContract,
    ServiceContractId,
    TechFacts,
    Training,
    TrainingId,
    TrainingScheduled,
    Visit,
    VisitId,
    VisitKind,
    VisitScheduled,
    VisitSlaBreached,
)

__all__ = ["ServiceDesk", "SlaCheck"]


@attrs.frozen
class SlaCheck:
    """What :meth:`ops.service.check_visit_sla` found: every late emergency visit (``breaches``,
    most overdue first, each with its escalation reactions) and the reactions this check stored
    (``escalated``: none for a breach escalated by an earlier check)."""

    at: datetime
    breaches: tuple[SlaBreach, ...]
    escalated: tuple[Reaction, ...]


def _training_scheduled(
    training: Training, by: EmployeeId, now: datetime, *, rescheduled: bool
) -> TrainingScheduled:
    assert training.starts_at is not None
    return TrainingScheduled(
        training.id,
        training.client_id,
        training.manager_id,
        training.starts_at,
        rescheduled,
        by,
        now,
    )


@check_entry_points
class ServiceDesk:
    """Service contracts, visits (planned and emergency, with their SLA) and trainings::

    >>> import clientops
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> ops.service.check_visit_sla().breaches
    ()
    >>> ops.close()
    """

    def __init__(self, context: Context) -> None:
        self._context = context

    def add_contract(self, contract: ServiceContract) -> ServiceContract:
        """Store a client's service contract (the client must exist)."""
        with self._context.storage.unit_of_work() as uow:
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
        now = self._context.now()
        rules = self._context.policy.service
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            contract = uow.service.get_contract(contract_id)
            today = now.astimezone(self._context.policy.tz).date()
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
            self._context.publish(events)
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
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            staff.require(engineer)
            visit = _visits.plan_visit(
                uow.service.get_visit(visit_id),
                engineer=engineer,
                now=now,
                by=by,
                policy=self._context.policy.service,
                calendar=self._context.policy.calendar,
                day=day,
                note=note,
            )
            stored = uow.service.update_visit(visit)
            assert stored.engineer_id is not None
            assert stored.planned_on is not None
            self._context.publish(
                (
                    VisitScheduled(
                        stored.id,
                        stored.client_id,
                        stored.kind,
                        stored.engineer_id,
                        stored.planned_on,
                        by,
                        now,
                    ),
                )
            )
        return stored

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
        now = self._context.now()
        with self._context.storage.unit_of_work() as uow:
            uow.staff.directory().require(by)
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
        now = self._context.now()
        with self._context.storage.unit_of_work() as uow:
            uow.staff.directory().require(by)
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
        moment = now if now is not None else self._context.now()
        return again_if_raced(lambda: self._check_sla(moment))

    def _check_sla(self, moment: datetime) -> SlaCheck:
        rules = self._context.policy.service
        with self._context.unit_of_work() as uow:
            visits = [v for v in uow.service.open_visits() if v.kind is VisitKind.EMERGENCY]
            contracts = [uow.service.get_contract(key) for key in {v.contract_id for v in visits}]
            clients = [uow.clients.get(key) for key in {v.client_id for v in visits}]
            breaches = _visits.sla_breaches(
                visits,
                contracts=contracts,
                clients=clients,
                staff=uow.staff.directory(),
                now=moment,
                calendar=self._context.policy.calendar,
                tz=self._context.policy.tz,
                policy=rules,
            )
            appeals: list[Appeal] = []
            fresh: list[Reaction] = []
            breached: list[Event] = []
            for breach in breaches:
                appeal_id = _visits.visit_appeal_id(breach.visit.id)
                try:
                    uow.appeals.get(appeal_id)
                except NotFoundError:
                    appeals.append(
                        _visits.visit_appeal(breach.visit, breach.contract, policy=rules)
                    )
                escalated = False
                for reaction in breach.reactions:
                    try:
                        uow.appeals.get_reaction(reaction.id)
                    except NotFoundError:
                        fresh.append(reaction)
                        escalated = True
                if escalated:
                    visit = breach.visit
                    breached.append(
                        VisitSlaBreached(
                            visit.id, visit.client_id, breach.deadline, breach.late_by, moment
                        )
                    )
            events = record_appeals_and_reactions(uow, appeals, fresh, moment)
            self._context.publish((*breached, *events))
        return SlaCheck(at=moment, breaches=breaches, escalated=tuple(fresh))

    def contracts_of(self, client_id: ClientId) -> tuple[ServiceContract, ...]:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.service.contracts_of(client_id)

    def visits_of(self, client_id: ClientId) -> tuple[Visit, ...]:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.service.visits_of(client_id)

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
        now = self._context.now()
        with self._context.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            staff.require(manager)
            uow.clients.get(client_id)
            training = _visits.new_training(
                id=training_id if training_id is not None else TrainingId(new_id()),
                client_id=client_id,
                manager_id=manager,
                now=now,
                by=by,
                policy=self._context.policy.service,
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
        return self._move_training(
            training_id,
            by,
            lambda training, now: _visits.schedule_training(
                training, starts_at=starts_at, now=now, by=by, duration=duration
            ),
            rescheduled=False,
        )

    def reschedule_training(
        self, training_id: TrainingId, *, starts_at: datetime, reason: str, by: EmployeeId
    ) -> Training:
        """Move the training to ``starts_at`` (in the future), saying why; the move is kept."""
        return self._move_training(
            training_id,
            by,
            lambda training, now: _visits.reschedule_training(
                training, starts_at=starts_at, reason=reason, now=now, by=by
            ),
            rescheduled=True,
        )

    def _move_training(
        self,
        training_id: TrainingId,
        by: EmployeeId,
        move: Callable[[Training, datetime], Training],
        *,
        rescheduled: bool,
    ) -> Training:
        """Apply ``move`` (a rule giving the training its new date) to the stored training
        in one unit of work, ``by`` a member of the staff; publish TrainingScheduled."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            stored = uow.service.update_training(move(uow.service.get_training(training_id), now))
            self._context.publish((_training_scheduled(stored, by, now, rescheduled=rescheduled),))
        return stored

    def hold_training(self, training_id: TrainingId, *, by: EmployeeId, note: str = "") -> Training:
        """The training took place (not before its agreed time)."""
        return self._training_step(
            training_id, by, lambda t, now: _visits.hold_training(t, now=now, by=by, note=note)
        )

    def collect_training_feedback(
        self, training_id: TrainingId, *, text: str, by: EmployeeId, rating: int | None = None
    ) -> Training:
        """The client's feedback after the training (``rating`` 1–5 when given)."""
        return self._training_step(
            training_id,
            by,
            lambda t, now: _visits.collect_feedback(t, text=text, now=now, by=by, rating=rating),
        )

    def send_training_recording(
        self, training_id: TrainingId, *, url: str, by: EmployeeId
    ) -> Training:
        """The recording sent to the client (``url``: the link sent)."""
        return self._training_step(
            training_id, by, lambda t, now: _visits.send_recording(t, url=url, now=now, by=by)
        )

    def record_training_facts(
        self, training_id: TrainingId, facts: TechFacts, *, by: EmployeeId
    ) -> Training:
        """What was found out for tech support (server format, installed equipment,
        integration, passage points) put over what is known."""
        return self._training_step(
            training_id, by, lambda t, now: _visits.record_facts(t, facts, now=now, by=by)
        )

    def cancel_training(self, training_id: TrainingId, *, reason: str, by: EmployeeId) -> Training:
        """Cancel a training not held yet, saying why."""
        return self._training_step(
            training_id,
            by,
            lambda t, now: _visits.cancel_training(t, reason=reason, now=now, by=by),
        )

    def _training_step(
        self,
        training_id: TrainingId,
        by: EmployeeId,
        step: Callable[[Training, datetime], Training],
    ) -> Training:
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            return uow.service.update_training(step(uow.service.get_training(training_id), now))

    def trainings_of(self, client_id: ClientId) -> tuple[Training, ...]:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.service.trainings_of(client_id)
