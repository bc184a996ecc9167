"""The campaigns area: call lists, the next client to call, the outcome of each call and what
it does, questionnaires and their results, script adherence (``ops.campaigns``).
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from clientops._campaign_effects import Effects
from clientops._campaigns import (
    AdherenceShare,
    Busy,
    CallBack,
    CallCard,
    CallOutcome,
    CallScript,
    Campaign,
    CampaignCall,
    CampaignFigures,
    CampaignId,
    CampaignTarget,
    CardFilter,
    DoNotCall,
    NextCall,
    NoAnswer,
    NotInterested,
    OutcomeKind,
    OutcomeRecord,
    QuestionResult,
    ScriptReview,
    TargetStatus,
    trusted_next_call,
    trusted_record,
)
from clientops._checks import check_entry_points, trusted
from clientops._context import Context
from clientops._names import Case, PersonName, decline
from clientops.errors import FieldError, NotFoundError, TransitionError, ValidationError
from clientops.events import ClientUpdated, Event
from clientops.model import (
    Client,
    ClientId,
    Employee,
    EmployeeId,
    StaffDirectory,
    new_id,
)
from clientops.policy import Policy
from clientops.ports import UnitOfWork
from clientops.rules.campaigns import (
    adherence_shares,
    after_call,
    campaign_figures,
    outcome_errors,
    results_csv,
    review_marks,
    survey_results,
    zone_hours,
)

__all__ = ["CampaignsService"]

#: :class:`CampaignCall` without its check, every field by position (see record_outcome).
_trusted_call: Callable[..., CampaignCall] = trusted(CampaignCall)
#: A new call's fields after ``call_log_id``: no fields changed, reactions, outbox message,
#: answers or review, version 0 (as CampaignCall's defaults).
_NOTHING_DONE = ((), (), None, (), None, 0)

#: Outcomes that only change the list's row (no card, reaction or message): most calls.
_ROW_ONLY = frozenset({NoAnswer, Busy, CallBack, NotInterested})


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
    ...     script=CallScript((ScriptPoint("hello", "Здравствуйте! {company}, {caller:nom}."),)),
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
        # the open zones of a list's zones: (from, until, open zones), valid while every
        # zone's answer is
        self._open: dict[tuple[str, ...], tuple[datetime, datetime, tuple[str, ...]]] = {}
        # each campaign as last read: next_client and record_outcome use it again without
        # reading it while the store says it is still at its version (a store that can tell
        # checks it in the statement that claims or updates the row: claim_next_while,
        # update_target_while); any doubt, and they read it as before
        self._campaigns: dict[CampaignId, Campaign] = {}
        # the rows next_client handed out, by campaign and client: record_outcome writes the
        # row's next state on the condition that it is still at that version (else it reads
        # the row, as before)
        self._handed: dict[tuple[CampaignId, ClientId], CampaignTarget] = {}
        # the callers found in the staff directory last asked (its value is kept by the
        # store while the staff is unchanged): the directory, then each caller's entry
        self._callers: tuple[StaffDirectory | None, dict[EmployeeId, Employee | None]] = (
            None,
            {},
        )
        # each script filled in with what is the same for every client of a caller (see
        # _script): by the script and the caller, with the company's name
        self._scripts: dict[tuple[int, int], tuple[Any, ...]] = {}
        # the local day of the policy's time zone: (zone, from, until, day), UTC instants
        self._day: tuple[str, datetime, datetime, date] | None = None

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
        context = self._context
        now = context.now()
        policy = context.policy
        until = now + policy.campaigns.claim_lease
        known = self._campaigns.get(campaign_id)
        with context.storage.unit_of_work() as uow:
            campaigns = uow.campaigns
            claimed = None
            # the campaign as last read, when everything it says lets the caller call now
            # and the store claims the row on the condition that it is still current
            if (
                known is not None
                and caller in known.assignees
                and known.start <= self._today(now, policy) <= known.end
            ):
                claim_while = getattr(campaigns, "claim_next_while", None)
                zones = self._open_zones(known.timezones, now)
                if zones and claim_while is not None:
                    campaign = known
                    claimed = claim_while(
                        known,
                        due_by=now,
                        timezones=None if len(zones) == len(known.timezones) else zones,
                        caller=caller,
                        until=until,
                    )
            if claimed is None:  # not claimed so: the campaign read, as it is
                campaign = self._read(uow, campaign_id)
                employee = self._caller(campaign, uow.staff.directory(), caller)
                if not campaign.start <= self._today(now, policy) <= campaign.end:
                    return None
                zones = self._open_zones(campaign.timezones, now)
                if not zones:
                    return None
                claimed = campaigns.claim_next(
                    campaign_id,
                    due_by=now,
                    timezones=None if len(zones) == len(campaign.timezones) else zones,
                    caller=caller,
                    until=until,
                )
                if claimed is None:
                    return None
            else:  # the campaign is current: its caller is checked against the staff now
                employee = self._caller(campaign, uow.staff.directory(), caller)
            card = campaigns.call_card(claimed.client_id)
        handed = self._handed
        if len(handed) >= 1024:
            handed.clear()
        handed[campaign_id, claimed.client_id] = claimed
        script = self._script(campaign.script, policy.company_name, employee, card)
        return trusted_next_call(claimed, card.name, card.phones, script, campaign.questionnaire)

    def _caller(self, campaign: Campaign, staff: StaffDirectory, caller: EmployeeId) -> Employee:
        """The caller's entry in ``staff``, when the caller calls for ``campaign``; else
        ValidationError naming ``caller``. The directory is the store's value, kept while
        the staff is unchanged: its callers are looked up once."""
        found = self._callers
        if found[0] is not staff:  # one tuple: the callers always those of its directory
            found = self._callers = (staff, {})
        callers = found[1]
        try:
            employee = callers[caller]
        except KeyError:
            if len(callers) >= 1024:
                callers.clear()
            employee = callers[caller] = staff.employee(caller)
        if employee is None or caller not in campaign.assignees:
            raise ValidationError(
                [FieldError("caller", f"{caller!r} does not call for campaign {campaign.id}")]
            )
        return employee

    def _script(
        self, script: CallScript, company: str, employee: Employee, card: CallCard
    ) -> tuple[str, ...]:
        """``script.render`` for the call of ``employee`` to ``card``: the script is filled in
        with the company and the caller once (:func:`_fill_in`), with the client's values on
        each call."""
        key = (id(script), id(employee))
        entry = self._scripts.get(key)
        if (
            entry is None
            or entry[0] is not script
            or entry[1] is not employee
            or entry[2] != company
        ):
            if len(self._scripts) >= 256:
                self._scripts.clear()
            filled = _fill_in(script, company, PersonName(employee.first_name, employee.gender))
            entry = self._scripts[key] = (script, employee, company, filled)
        filled = entry[3]
        contact = card.contact or ""
        if filled is None:  # a script _fill_in cannot take: rendered as it is
            return script.render(
                company=company,
                caller=PersonName(employee.first_name, employee.gender),
                client=card.name,
                contact=contact,
                city=card.city,
            )
        templates, cases = filled
        values = {"client": card.name, "city": card.city}
        for name, case in cases:
            values[name] = contact if case is Case.NOM else decline(contact, case)
        return tuple([template.format_map(values) for template in templates])

    def _read(self, uow: UnitOfWork, campaign_id: CampaignId) -> Campaign:
        """The campaign as stored, kept for the next call (see ``_campaigns``)."""
        campaign = uow.campaigns.get(campaign_id)
        if len(self._campaigns) >= 64:
            self._campaigns.clear()
        self._campaigns[campaign_id] = campaign
        return campaign

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
        call_back_at = None
        row_only = True
        for at, item in enumerate(outcomes):
            if not isinstance(item, CallOutcome):
                raise ValidationError(
                    [FieldError(f"outcome[{at}]", f"not an outcome: {type(item).__name__}")]
                )
            if isinstance(item, CallBack):
                call_back_at = item.at
            if type(item) not in _ROW_ONLY:
                row_only = False
        kinds = tuple([item.kind for item in outcomes])
        now = self._context.now()
        policy = self._context.policy
        events: list[Event] = []
        handed = self._handed.pop((campaign_id, client_id), None)
        known = self._campaigns.get(campaign_id)
        # outcomes that only change the row publish no event: the store's unit of work
        with (
            self._context.storage.unit_of_work() if row_only else self._context.unit_of_work()
        ) as uow:
            if call_id is not None:
                stored = uow.campaigns.get_call(call_id)
                if stored is not None and (stored.campaign_id, stored.client_id) == (
                    campaign_id,
                    client_id,
                ):
                    target = uow.campaigns.target(campaign_id, client_id)
                    return OutcomeRecord(stored, target, repeated=True)
            after: CampaignTarget | None = None
            # the row next_client handed out and the campaign as last read, when they let the
            # call be recorded: the row's next state is written on the condition that
            # neither changed since (so the checks below would pass as they did)
            if (
                handed is not None
                and known is not None
                and handed.status is TargetStatus.OPEN
                and by in known.assignees
                and known.start <= self._today(now, policy) <= known.end
                and not outcome_errors(known.purpose, kinds, policy.campaigns)
            ):
                update_while = getattr(uow.campaigns, "update_target_while", None)
                if update_while is not None:
                    after = update_while(
                        after_call(
                            handed,
                            kinds,
                            now=now,
                            policy=policy.campaigns,
                            call_back_at=call_back_at,
                        ),
                        known,
                    )
            if after is not None:
                assert known is not None
                campaign = known
            else:  # the row and the campaign read, as they are
                campaign, target = self._row_to_call(uow, campaign_id, client_id, by, kinds, now)
            the_id = call_id if call_id is not None else new_id()
            # the call as CampaignCall makes it, its one check (an aware time) made here
            if type(now) is datetime and now.utcoffset() is not None:
                call = _trusted_call(
                    *(the_id, campaign_id, client_id, by, now, kinds, note, call_log_id),
                    *_NOTHING_DONE,
                )
            else:
                call = CampaignCall(
                    the_id, campaign_id, client_id, by, now, kinds, note, call_log_id
                )
            if not row_only:
                effects = Effects(uow, self._context, campaign, call, events)
                for item in outcomes:
                    if type(item) not in _ROW_ONLY:
                        effects.apply(item)
                call = effects.call
                if effects.card is not None:
                    updated = uow.clients.update(effects.card)
                    events.append(ClientUpdated(updated.id, updated.version, at=now))
            uow.campaigns.add_call(call)
            if after is None:
                after = uow.campaigns.update_target(
                    after_call(
                        target, kinds, now=now, policy=policy.campaigns, call_back_at=call_back_at
                    )
                )
            if not row_only:
                self._context.publish(events)
        return trusted_record(call, after, False)

    def _row_to_call(
        self,
        uow: UnitOfWork,
        campaign_id: CampaignId,
        client_id: ClientId,
        by: EmployeeId,
        kinds: tuple[OutcomeKind, ...],
        now: datetime,
    ) -> tuple[Campaign, CampaignTarget]:
        """The campaign and the list's row of the client, read and checked for a call of
        ``by`` with the outcomes ``kinds`` (ValidationError, NotFoundError, TransitionError)."""
        policy = self._context.policy
        # the row first: a SQL store reads the campaign with it, in one statement (a
        # missing row is told after the checks of the campaign and the outcome)
        missing: NotFoundError | None = None
        try:
            target = uow.campaigns.target(campaign_id, client_id)
        except NotFoundError as exc:
            missing = exc
        campaign = self._read(uow, campaign_id)
        if by not in campaign.assignees:  # employees checked when the campaign was made
            raise ValidationError(
                [FieldError("by", f"{by!r} does not call for campaign {campaign.id}")]
            )
        errors = outcome_errors(campaign.purpose, kinds, policy.campaigns)
        if errors:
            raise ValidationError(errors, subject="outcome")
        if not campaign.start <= self._today(now, policy) <= campaign.end:
            raise TransitionError(
                f"campaign {campaign.id}",
                current=f"runs {campaign.start}..{campaign.end}",
                attempted="record a call",
            )
        if missing is not None:
            raise missing
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
        return campaign, target

    def _today(self, now: datetime, policy: Policy) -> date:
        """``now.astimezone(policy.tz).date()``, the day's bounds kept for the next calls of
        the day (a day with a change of the zone's offset is not kept)."""
        day = self._day
        if day is not None and day[0] == policy.timezone and day[1] <= now < day[2]:
            return day[3]
        tz = policy.tz
        local = now.astimezone(tz)
        today = local.date()
        start = datetime.combine(today, time(), tz)
        end = datetime.combine(today + timedelta(days=1), time(), tz)
        if start.utcoffset() == (end - timedelta(microseconds=1)).utcoffset():
            self._day = (policy.timezone, start.astimezone(UTC), end.astimezone(UTC), today)
        return today

    def _open_zones(self, zones: tuple[str, ...], now: datetime) -> tuple[str, ...]:
        """:func:`~clientops.rules.campaigns.open_timezones`, each zone's answer kept until
        its next boundary, and the answer for the list's zones until the first of them."""
        answer = self._open.get(zones)
        if answer is not None and answer[0] <= now < answer[1]:
            return answer[2]
        policy = self._context.policy
        found = []
        end: datetime | None = None
        for zone in zones:
            known = self._hours.get(zone)
            if known is None or not known[0] <= now < known[1]:
                is_open, until = zone_hours(
                    zone, now=now, policy=policy.campaigns, calendar=policy.calendar
                )
                known = self._hours[zone] = (now, until, is_open)
            end = known[1] if end is None else min(end, known[1])
            if known[2]:
                found.append(zone)
        if end is not None:
            if len(self._open) >= 64:
                self._open.clear()
            self._open[zones] = (now.astimezone(UTC), end.astimezone(UTC), tuple(found))
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


_parse = string.Formatter().parse


def _escaped(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _fill_in(
    script: CallScript, company: str, caller: PersonName
) -> tuple[tuple[str, ...], tuple[tuple[str, Case], ...]] | None:
    """The script's points as templates of what differs from client to client, the company
    and the caller written in: ``{client}`` and ``{city}`` as they are (spec and all), each
    case of the contact as a placeholder of its own (``{contact:gen}`` as ``{contact_gen}``),
    with the cases asked for. ``None`` for a point this does not take (a conversion, a
    placeholder of another name or without a case): :meth:`CallScript.render` fills it in
    as before."""
    templates = []
    cases: dict[str, Case] = {}
    try:
        for point in script.points:
            out = []
            for literal, field, spec, conversion in _parse(point.text):
                out.append(_escaped(literal))
                if field is None:
                    continue
                spec = spec or ""
                if conversion is not None or "{" in spec:
                    return None
                if field == "company":
                    out.append(_escaped(format(company, spec)))
                elif field == "caller":
                    out.append(_escaped(format(caller, spec)))
                elif field in ("client", "city"):
                    out.append("{" + field + (":" + spec if spec else "") + "}")
                elif field == "contact":
                    case = Case(spec)
                    cases["contact_" + case.value] = case
                    out.append("{contact_" + case.value + "}")
                else:
                    return None
            templates.append("".join(out))
    except (ValueError, TypeError):  # what rendering raises, the way it raises it
        return None
    return tuple(templates), tuple(cases.items())
