"""What the outcomes of a campaign call do, inside the unit of work that records the call:
the card changed, the appeal and reactions made, the e-mail with a document recorded in the
outbox, the survey's answers checked (``ops.campaigns.record_outcome``)."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

import attrs

from clientops._campaigns import (
    CallOutcome,
    Campaign,
    CampaignCall,
    CampaignPurpose,
    CardChanges,
    CardUpdated,
    DecisionMakerFound,
    DocumentKind,
    DocumentSent,
    Left,
    MeetingBooked,
    Paused,
    Stayed,
    SurveyCompleted,
    WarmLead,
    WrongNumber,
)
from clientops._context import Context
from clientops._outbox import OutboxMessage
from clientops._recording import appeal_opened, reaction_scheduled
from clientops._retention import RetentionChanged, RetentionRecord, RetentionStatus
from clientops.errors import FieldError, ValidationError
from clientops.events import Event
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    Client,
    Reaction,
    ReactionId,
    ReactionKind,
    Role,
    StaffDirectory,
)
from clientops.ports import UnitOfWork, retention_repository
from clientops.rules.campaigns import checked_answers
from clientops.workdays import add_working_days

__all__ = ["Effects"]

_CARD_FIELDS = {
    "name": "название",
    "city": "город",
    "inn": "ИНН",
    "phone": "телефон",
    "email": "e-mail",
    "needs": "потребности",
    "portrait": "портрет клиента",
}


def _derived(call_id: str, what: str) -> str:
    digest = hashlib.sha256(f"campaign:{call_id}:{what}".encode()).hexdigest()
    return f"k{digest[:31]}"


class Effects:
    """What the outcomes of one call do, in the caller's unit of work: the card changed (kept
    in :attr:`card`, stored once), the appeal and reactions made, the e-mail recorded."""

    def __init__(
        self,
        uow: UnitOfWork,
        context: Context,
        campaign: Campaign,
        call: CampaignCall,
        events: list[Event],
    ) -> None:
        self._uow = uow
        self._context = context
        self._campaign = campaign
        self._staff_read: StaffDirectory | None = None
        self._events = events
        self._appeal: Appeal | None = None
        self.call = call
        self.card: Client | None = None

    @property
    def _now(self) -> datetime:
        return self.call.at

    @property
    def _staff(self) -> StaffDirectory:
        """The staff directory, read once, when an outcome needs it."""
        if self._staff_read is None:
            self._staff_read = self._uow.staff.directory()
        return self._staff_read

    def _client(self) -> Client:
        if self.card is None:
            self.card = self._uow.clients.get(self.call.client_id)
        return self.card

    def _changed(self, *fields: str) -> None:
        self.call = attrs.evolve(self.call, changed_fields=(*self.call.changed_fields, *fields))

    def apply(self, outcome: CallOutcome) -> None:
        if isinstance(outcome, CardUpdated):
            self._card_update(outcome.changes)
        elif isinstance(outcome, DecisionMakerFound):
            card = self._client()
            contact = attrs.evolve(outcome.contact, decision_maker=True)
            self.card = attrs.evolve(card, contacts=(*card.contacts, contact))
            self._changed("ЛПР")
        elif isinstance(outcome, WrongNumber):
            if outcome.phone is not None:
                card = self._client()
                phones = tuple(p for p in card.phones if p != outcome.phone)
                if phones != card.phones:
                    self.card = attrs.evolve(card, phones=phones)
                    self._changed("телефон удалён")
        elif isinstance(outcome, DocumentSent):
            self._document(outcome)
        elif isinstance(outcome, MeetingBooked):
            self._meeting(outcome)
        elif isinstance(outcome, WarmLead):
            self._lead(outcome)
        elif isinstance(outcome, SurveyCompleted):
            questionnaire = self._campaign.questionnaire
            if questionnaire is None:
                raise ValidationError([FieldError("outcome", "the campaign has no questionnaire")])
            answers = checked_answers(questionnaire, outcome.answers)
            self.call = attrs.evolve(self.call, answers=answers)
        elif isinstance(outcome, Stayed):
            self._retention(RetentionStatus.STAYED, outcome.offer)
        elif isinstance(outcome, Left):
            self._retention(RetentionStatus.LEFT, outcome.reason)
        elif isinstance(outcome, Paused):
            self._retention(RetentionStatus.PAUSED, None, until=outcome.until)

    def _retention(self, status: RetentionStatus, reason: str | None, **fields: Any) -> None:
        """A win-back call's end: the client's retention record says stayed, left or paused
        (one is made when the client was put on the list by hand, without being marked)."""
        stored = retention_repository(self._uow).get(self.call.client_id)
        record = RetentionRecord(
            self.call.client_id,
            status,
            since=self._now,
            by=self.call.caller_id,
            # read, not kept in ``card``: the card itself does not change
            manager_id=(self.card or self._uow.clients.get(self.call.client_id)).manager_id,
            signals=stored.signals if stored is not None else (),
            reason=reason,
            termination_on=stored.termination_on if stored is not None else None,
            **fields,
        )
        if stored is None:
            retention_repository(self._uow).add(record)
        else:
            retention_repository(self._uow).update(attrs.evolve(record, version=stored.version))
        self._events.append(
            RetentionChanged(self.call.client_id, status, record.signals, at=self._now)
        )

    def _card_update(self, changes: CardChanges) -> None:
        card = self._client()
        values: dict[str, Any] = {}
        if changes.name is not None:
            values["name"] = changes.name
        if changes.city is not None:
            values["city"] = changes.city
        if changes.inn is not None:
            values["inn"] = changes.inn
        if changes.phone is not None and changes.phone not in card.phones:
            values["phones"] = (*card.phones, changes.phone)
        if changes.email is not None and changes.email.casefold() not in {
            e.casefold() for e in card.emails
        }:
            values["emails"] = (*card.emails, changes.email)
        self.card = attrs.evolve(card, **values)  # the card's validators check the INN
        named = [
            _CARD_FIELDS["phone" if k == "phones" else "email" if k == "emails" else k]
            for k in values
        ]
        notes = [
            f"{label.capitalize()}: {value}"
            for label, value in (("потребности", changes.needs), ("портрет", changes.portrait))
            if value
        ]
        if changes.needs:
            named.append(_CARD_FIELDS["needs"])
        if changes.portrait:
            named.append(_CARD_FIELDS["portrait"])
        if notes:
            note = "\n".join(filter(None, (self.call.note, *notes)))
            self.call = attrs.evolve(self.call, note=note)
        self._changed(*named)

    def _appeal_of(self) -> Appeal:
        if self._appeal is None:
            caller = self._staff.require(self.call.caller_id)
            cold = self._campaign.purpose is CampaignPurpose.COLD_CALLS
            self._appeal = Appeal(
                id=AppealId(_derived(self.call.id, "appeal")),
                client_id=self.call.client_id,
                topic=f"Кампания «{self._campaign.name}»",
                department_id=caller.department_id,
                created_at=self._now,
                type=AppealType.SALES if cold else AppealType.CLIENT_DEPARTMENT,
                created_by=self.call.caller_id,
            )
            self._uow.appeals.add(self._appeal)
            self._events.append(appeal_opened(self._appeal, self._now))
        return self._appeal

    def _reaction(self, what: str, **fields: Any) -> Reaction:
        appeal = self._appeal_of()
        reaction = Reaction(
            id=ReactionId(_derived(self.call.id, what)),
            appeal_id=appeal.id,
            client_id=self.call.client_id,
            created_at=self._now,
            created_by=self.call.caller_id,
            **fields,
        )
        self._uow.appeals.add_reaction(reaction)
        self._events.append(reaction_scheduled(reaction, self._now))
        self.call = attrs.evolve(self.call, reactions=(*self.call.reactions, reaction.id))
        return reaction

    def _document(self, sent: DocumentSent) -> None:
        policy = self._context.policy
        words = policy.campaigns
        subject = (
            words.offer_subject if sent.document is DocumentKind.OFFER else words.letter_subject
        ).format(company=policy.company_name)
        key = f"campaign-document:{self.call.id}"
        payload = {
            "to": sent.to,
            "subject": subject,
            "body": sent.body,
            "sender": policy.company_name,
            "client_id": self.call.client_id,
            "campaign_id": self._campaign.id,
            "document": sent.document.value,
            "attachments": [
                {
                    "filename": sent.attachment.filename,
                    "content_type": sent.attachment.content_type,
                    "content_base64": base64.b64encode(sent.attachment.content).decode(),
                }
            ],
        }
        self._uow.outbox.enqueue(
            OutboxMessage.new(words.email_topic, payload, now=self._now, key=key)
        )
        caller = self._staff.require(self.call.caller_id)
        local = self._now.astimezone(policy.tz)
        day = add_working_days(policy.calendar, local.date(), words.receipt_check_days)
        due = datetime.combine(day, local.timetz())
        self._reaction(
            f"receipt-{sent.document.value}",
            kind=ReactionKind.OUTGOING_CALL,
            topic=words.check_receipt_topic.format(
                document=f"{sent.document.label} ({sent.attachment.filename})"
            ),
            due_at=due,
            employee_id=caller.id,
            department_id=caller.department_id,
        )
        self.call = attrs.evolve(self.call, outbox_key=key)

    def _meeting(self, meeting: MeetingBooked) -> None:
        manager = self._staff.employee(meeting.manager_id)
        if manager is None or Role.SALES_MANAGER not in manager.roles:
            raise ValidationError(
                [
                    FieldError(
                        "outcome.manager_id",
                        f"{meeting.manager_id!r} is not an active-sales manager",
                    )
                ]
            )
        if meeting.at <= self._now:
            raise ValidationError([FieldError("outcome.at", f"{meeting.at} is not in the future")])
        topic = self._context.policy.campaigns.meeting_topic.format(campaign=self._campaign.name)
        if meeting.place:
            topic = f"{topic}: {meeting.place}"
        self._reaction(
            "meeting",
            kind=ReactionKind.MEETING,
            topic=topic[:300],
            due_at=meeting.at,
            employee_id=manager.id,
            department_id=manager.department_id,
        )

    def _lead(self, lead: WarmLead) -> None:
        policy = self._context.policy
        department = lead.department_id or policy.sales_department
        employee_id = lead.manager_id
        if employee_id is not None:
            employee = self._staff.employee(employee_id)
            if employee is None:
                raise ValidationError(
                    [FieldError("outcome.manager_id", f"unknown employee {employee_id!r}")]
                )
            department = employee.department_id
        elif self._staff.department(department) is None:
            raise ValidationError(
                [FieldError("outcome.department_id", f"unknown department {department!r}")]
            )
        topic = policy.campaigns.lead_topic.format(campaign=self._campaign.name)
        self._reaction(
            "lead",
            kind=ReactionKind.OUTGOING_CALL,
            topic=topic[:300],
            due_at=self._now + policy.campaigns.lead_delay,
            employee_id=employee_id,
            department_id=department,
        )
        if lead.note:
            note = "\n".join(filter(None, (self.call.note, lead.note)))
            self.call = attrs.evolve(self.call, note=note)
