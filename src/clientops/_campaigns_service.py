"""The campaigns area: call lists, the next client to call, the outcome of each call and what
it does, questionnaires and their results, script adherence (``ops.campaigns``).
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from clientops._campaigns import (
    AdherenceShare,
    CallBack,
    CallOutcome,
    Campaign,
    CampaignCall,
    CampaignFigures,
    CampaignId,
    CampaignPurpose,
    CampaignTarget,
    CardChanges,
    CardFilter,
    CardUpdated,
    DecisionMakerFound,
    DocumentKind,
    DocumentSent,
    DoNotCall,
    MeetingBooked,
    NextCall,
    OutcomeRecord,
    QuestionResult,
    ScriptReview,
    SurveyCompleted,
    TargetStatus,
    WarmLead,
    WrongNumber,
)
from clientops._checks import check_entry_points
from clientops._context import Context
from clientops._outbox import OutboxMessage
from clientops._recording import appeal_opened, reaction_scheduled
from clientops.errors import FieldError, NotFoundError, TransitionError, ValidationError
from clientops.events import ClientUpdated, Event
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    Client,
    ClientId,
    EmployeeId,
    Reaction,
    ReactionId,
    ReactionKind,
    Role,
    StaffDirectory,
    new_id,
)
from clientops.ports import UnitOfWork
from clientops.rules.campaigns import (
    adherence_shares,
    after_call,
    campaign_figures,
    checked_answers,
    outcome_errors,
    results_csv,
    review_marks,
    survey_results,
    zone_hours,
)
from clientops.workdays import add_working_days

__all__ = ["CampaignsService"]

_CARD_FIELDS = {
    "name": "название",
    "city": "город",
    "inn": "ИНН",
    "phone": "телефон",
    "email": "e-mail",
    "needs": "потребности",
    "portrait": "портрет клиента",
}


@check_entry_points
class CampaignsService:
    """Call campaigns: the call list, the next client, the outcome of each call::

    >>> import clientops
    >>> from datetime import date
    >>> from clientops.campaigns import (Campaign, CampaignPurpose, CallScript, ScriptPoint,
    ...                                  NotInterested)
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> card = ops.clients.add(a_client(name="ООО «Ромашка»", city="Москва"))
    >>> campaign = ops.campaigns.create(Campaign(
    ...     id="c1", name="Весна", purpose=CampaignPurpose.COLD_CALLS,
    ...     script=CallScript((ScriptPoint("hello", "Здравствуйте! {company}, {caller}."),)),
    ...     assignees=("anna",), start=date(2025, 6, 1), end=date(2025, 6, 30)), by="anna")
    >>> ops.campaigns.add_targets("c1", [card.id], by="anna")
    1
    >>> call = ops.campaigns.next_client("c1", caller="anna")
    >>> call.client_name, call.script
    ('ООО «Ромашка»', ('Здравствуйте! MLS IT, Анна.',))
    >>> ops.campaigns.record_outcome("c1", card.id, NotInterested(), by="anna").target.status.value
    'done'
    >>> ops.close()
    """

    def __init__(self, context: Context) -> None:
        self._context = context
        # each time zone's working hours: (from, until, open), the answer of
        # rules.campaigns.zone_hours, valid from the moment it was asked until the next
        # boundary (the lists of a day ask the same few zones thousands of times)
        self._hours: dict[str, tuple[datetime, datetime, bool]] = {}

    # ------------------------------------------------------------------ campaigns

    def create(self, campaign: Campaign, *, by: EmployeeId) -> Campaign:
        """Store a new campaign. A caller the staff directory does not know raises
        ValidationError naming ``assignees[i]``; nothing is stored."""
        now = self._context.now()
        with self._context.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            errors = [
                FieldError(f"assignees[{at}]", f"unknown employee {employee!r}")
                for at, employee in enumerate(campaign.assignees)
                if staff.employee(employee) is None
            ]
            if errors:
                raise ValidationError(errors, subject="campaign")
            stored = attrs.evolve(
                campaign, created_at=now, created_by=by, timezones=(), targets=0, version=0
            )
            uow.campaigns.add(stored)
        return stored

    def get(self, campaign_id: CampaignId) -> Campaign:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.campaigns.get(campaign_id)

    def calls(self, campaign_id: CampaignId) -> tuple[CampaignCall, ...]:
        """The campaign's calls, by time."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.campaigns.get(campaign_id)
            return uow.campaigns.calls(campaign_id)

    def add_targets(
        self,
        campaign_id: CampaignId,
        clients: CardFilter | Sequence[ClientId],
        *,
        by: EmployeeId,
        timezones: Mapping[ClientId, str] | None = None,
    ) -> int:
        """Add clients to the call list: the cards ``clients`` matches (a filter over every
        card) or the ids given (an imported list). A client already on the list is skipped; one with
        the do-not-call flag is added as not to be called. Each client's time zone is its
        entry in ``timezones``, else its city's (``Policy.campaigns.city_timezones``).
        Returns how many were added. An unknown client raises NotFoundError; nothing is
        stored."""
        policy = self._context.policy
        now = self._context.now()
        zones = dict(timezones or {})
        for client_id, zone in zones.items():
            try:
                ZoneInfo(zone)
            except (ValueError, KeyError, TypeError, OSError):
                raise ValidationError(
                    [FieldError(f"timezones.{client_id}", f"unknown time zone {zone!r}")]
                ) from None
        with self._context.storage.unit_of_work() as uow:
            uow.staff.directory().require(by)
            campaign = uow.campaigns.get(campaign_id)
            if isinstance(clients, CardFilter):
                cards: Sequence[Client] = [c for c in uow.clients.all() if clients.matches(c)]
            else:
                cards = [uow.clients.get(client_id) for client_id in dict.fromkeys(clients)]
            targets = []
            for card in cards:
                if any(t.campaign_id == campaign_id for t in uow.campaigns.targets_of(card.id)):
                    continue
                zone = zones.get(card.id) or policy.campaigns.timezone_of(
                    card.city, policy.timezone
                )
                flagged = uow.campaigns.do_not_call(card.id) is not None
                targets.append(
                    CampaignTarget(
                        campaign_id,
                        card.id,
                        zone,
                        next_call_at=now,
                        status=TargetStatus.DO_NOT_CALL if flagged else TargetStatus.OPEN,
                    )
                )
            uow.campaigns.add_targets(targets)
            known = dict.fromkeys(campaign.timezones)
            known.update(dict.fromkeys(t.timezone for t in targets))
            uow.campaigns.update(
                attrs.evolve(
                    campaign, timezones=tuple(known), targets=campaign.targets + len(targets)
                )
            )
        return len(targets)

    # ------------------------------------------------------------------ do not call

    def set_do_not_call(
        self, client_id: ClientId, *, by: EmployeeId, reason: str | None = None
    ) -> DoNotCall:
        """Flag the client as not to be called: no campaign hands it out again, and an
        outcome recorded for it raises TransitionError."""
        flag = DoNotCall(client_id, self._context.now(), by, reason)
        with self._context.storage.unit_of_work() as uow:
            uow.staff.directory().require(by)
            uow.campaigns.put_do_not_call(client_id, flag)
            for target in uow.campaigns.targets_of(client_id):
                if target.status is TargetStatus.OPEN:
                    uow.campaigns.update_target(
                        attrs.evolve(target, status=TargetStatus.DO_NOT_CALL, claimed_by=None)
                    )
        return flag

    def clear_do_not_call(self, client_id: ClientId, *, by: EmployeeId) -> None:
        """Remove the client's do-not-call flag: its call lists' rows are open again."""
        with self._context.storage.unit_of_work() as uow:
            uow.staff.directory().require(by)
            uow.clients.get(client_id)
            uow.campaigns.put_do_not_call(client_id, None)
            for target in uow.campaigns.targets_of(client_id):
                if target.status is TargetStatus.DO_NOT_CALL:
                    uow.campaigns.update_target(attrs.evolve(target, status=TargetStatus.OPEN))

    # ------------------------------------------------------------------ calling

    def next_client(self, campaign_id: CampaignId, *, caller: EmployeeId) -> NextCall | None:
        """The next client ``caller`` should call, or ``None`` when no one is due: open on the
        list, due, within working hours on a working day in the client's time zone, not
        flagged do-not-call, and not handed to another caller in the last
        ``Policy.campaigns.claim_lease``. The client is handed to ``caller`` for that long.
        ``None`` too outside the campaign's period. A caller who is not an assignee raises
        ValidationError naming ``caller``."""
        now = self._context.now()
        policy = self._context.policy
        with self._context.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            campaign = uow.campaigns.get(campaign_id)
            employee = _assignee(campaign, staff, caller, "caller")
            if not campaign.start <= now.astimezone(policy.tz).date() <= campaign.end:
                return None
            zones = self._open_zones(campaign.timezones, now)
            if not zones:
                return None
            claimed = uow.campaigns.claim_next(
                campaign_id,
                due_by=now,
                timezones=None if len(zones) == len(campaign.timezones) else zones,
                caller=caller,
                until=now + policy.campaigns.claim_lease,
            )
            if claimed is None:
                return None
            card = uow.campaigns.call_card(claimed.client_id)
        script = campaign.script.render(
            company=policy.company_name,
            caller=employee.first_name,
            client=card.name,
            contact=card.contact or "",
            city=card.city,
        )
        return NextCall(claimed, card.name, card.phones, script, campaign.questionnaire)

    def record_outcome(
        self,
        campaign_id: CampaignId,
        client_id: ClientId,
        outcome: CallOutcome | tuple[CallOutcome, ...],
        *,
        by: EmployeeId,
        note: str | None = None,
        call_id: str | None = None,
        call_log_id: str | None = None,
    ) -> OutcomeRecord:
        """Record what came of a call to the client and do what each outcome says, in one
        unit of work: the card updated (:class:`CardUpdated`, :class:`DecisionMakerFound`,
        :class:`WrongNumber` with a phone), the e-mail with a document recorded in the outbox
        and a reaction of ``by`` to check its receipt (:class:`DocumentSent`), a meeting
        reaction on an active-sales manager's agenda (:class:`MeetingBooked`), a reaction of
        sales (:class:`WarmLead`), the answers stored (:class:`SurveyCompleted`), the list's
        row closed or due again (no answer, busy, call back).

        ``call_id`` (the PBX's id of the call, say) makes a retry safe: a call already
        stored under it is returned, ``repeated`` set. An outcome the campaign's purpose
        does not allow, answers that do not fit the questionnaire, a client not on the list
        raise ValidationError / NotFoundError naming them; a client flagged do-not-call or a
        row already closed TransitionError. Nothing is stored then."""
        outcomes = outcome if isinstance(outcome, tuple) else (outcome,)
        for at, item in enumerate(outcomes):
            if not isinstance(item, CallOutcome):
                raise ValidationError(
                    [FieldError(f"outcome[{at}]", f"not an outcome: {type(item).__name__}")]
                )
        kinds = tuple(item.kind for item in outcomes)
        now = self._context.now()
        policy = self._context.policy
        events: list[Event] = []
        with self._context.storage.unit_of_work() as uow:
            if call_id is not None:
                stored = uow.campaigns.get_call(call_id)
                if stored is not None and (stored.campaign_id, stored.client_id) == (
                    campaign_id,
                    client_id,
                ):
                    target = uow.campaigns.target(campaign_id, client_id)
                    return OutcomeRecord(stored, target, repeated=True)
            campaign = uow.campaigns.get(campaign_id)
            if by not in campaign.assignees:  # employees checked when the campaign was made
                raise ValidationError(
                    [FieldError("by", f"{by!r} does not call for campaign {campaign.id}")]
                )
            errors = outcome_errors(campaign.purpose, kinds, policy.campaigns)
            if errors:
                raise ValidationError(errors, subject="outcome")
            if not campaign.start <= now.astimezone(policy.tz).date() <= campaign.end:
                raise TransitionError(
                    f"campaign {campaign.id}",
                    current=f"runs {campaign.start}..{campaign.end}",
                    attempted="record a call",
                )
            target = uow.campaigns.target(campaign_id, client_id)
            # the flag closes every open row of the client (set_do_not_call, add_targets)
            if target.status is TargetStatus.DO_NOT_CALL:
                raise TransitionError(
                    f"client {client_id}",
                    current="do not call",
                    attempted="record a call",
                    reason="the client asked not to be called",
                )
            if target.status is not TargetStatus.OPEN:
                raise TransitionError(
                    f"campaign target {client_id}",
                    current=target.status.value,
                    attempted="record a call",
                )
            the_id = call_id if call_id is not None else new_id()
            call = CampaignCall(
                id=the_id,
                campaign_id=campaign_id,
                client_id=client_id,
                caller_id=by,
                at=now,
                outcomes=kinds,
                note=note,
                call_log_id=call_log_id,
            )
            call_back_at = None
            effects = _Effects(uow, self._context, campaign, call, events)
            for item in outcomes:
                if isinstance(item, CallBack):
                    call_back_at = item.at
                effects.apply(item)
            call = effects.call
            if effects.card is not None:
                updated = uow.clients.update(effects.card)
                events.append(ClientUpdated(updated.id, updated.version, at=now))
            uow.campaigns.add_call(call)
            after = uow.campaigns.update_target(
                after_call(
                    target, kinds, now=now, policy=policy.campaigns, call_back_at=call_back_at
                )
            )
        self._context.publish(events)
        return OutcomeRecord(call, after)

    def _open_zones(self, zones: Sequence[str], now: datetime) -> tuple[str, ...]:
        """:func:`~clientops.rules.campaigns.open_timezones`, each zone's answer kept until
        its next boundary."""
        policy = self._context.policy
        found = []
        for zone in zones:
            known = self._hours.get(zone)
            if known is None or not known[0] <= now < known[1]:
                is_open, until = zone_hours(
                    zone, now=now, policy=policy.campaigns, calendar=policy.calendar
                )
                known = self._hours[zone] = (now, until, is_open)
            if known[2]:
                found.append(zone)
        return tuple(found)

    # ------------------------------------------------------------------ figures

    def figures(self, campaign_id: CampaignId) -> CampaignFigures:
        """Clients reached, outcomes by kind, conversion to meetings and leads, calls per
        caller today against the daily plan."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            campaign = uow.campaigns.get(campaign_id)
            calls = uow.campaigns.calls(campaign_id)
        return campaign_figures(
            campaign, calls, today=self._context.today(), tz=self._context.policy.tz
        )

    def survey_results(self, campaign_id: CampaignId) -> tuple[QuestionResult, ...]:
        """Per question of the campaign's questionnaire: counts, shares, averages. A
        campaign without one raises ValidationError naming ``campaign_id``."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            campaign = uow.campaigns.get(campaign_id)
            if campaign.questionnaire is None:
                raise ValidationError([FieldError("campaign_id", "has no questionnaire")])
            calls = uow.campaigns.calls(campaign_id)
        return survey_results(campaign.questionnaire, calls)

    def export_results(
        self, campaign_id: CampaignId, path: str | os.PathLike[str] | None = None
    ) -> str:
        """The survey's results as CSV text (UTF-8 with a BOM when written to ``path``, so
        Excel reads it)."""
        content = results_csv(self.survey_results(campaign_id))
        if path is not None:
            Path(path).write_text(content, encoding="utf-8-sig", newline="")
        return content

    # ------------------------------------------------------------------ script adherence

    def review_call(self, call_id: str, kept: Sequence[str], *, by: EmployeeId) -> CampaignCall:
        """A reviewer who listened to the call's recording marks the script points kept
        (the rest count as missed); stored with the call, replacing an earlier review. A
        point not in the script raises ValidationError naming it."""
        now = self._context.now()
        with self._context.storage.unit_of_work() as uow:
            uow.staff.directory().require(by)
            call = uow.campaigns.get_call(call_id)
            if call is None:
                raise NotFoundError("campaign call", call_id)
            campaign = uow.campaigns.get(call.campaign_id)
            done, missed = review_marks(campaign.script.ids, kept)
            return uow.campaigns.update_call(
                attrs.evolve(call, review=ScriptReview(by, now, done, missed))
            )

    def adherence(self, campaign_id: CampaignId) -> tuple[AdherenceShare, ...]:
        """Per caller: calls reviewed and the share of script points kept."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.campaigns.get(campaign_id)
            calls = uow.campaigns.calls(campaign_id)
        return adherence_shares(calls)


def _assignee(campaign: Campaign, staff: StaffDirectory, employee_id: EmployeeId, path: str) -> Any:
    employee = staff.employee(employee_id)
    if employee is None or employee_id not in campaign.assignees:
        raise ValidationError(
            [FieldError(path, f"{employee_id!r} does not call for campaign {campaign.id}")]
        )
    return employee


def _derived(call_id: str, what: str) -> str:
    digest = hashlib.sha256(f"campaign:{call_id}:{what}".encode()).hexdigest()
    return f"k{digest[:31]}"


class _Effects:
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
