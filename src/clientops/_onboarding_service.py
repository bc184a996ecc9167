"""The onboarding area: a client folder taken over from sales, its checklist, the courier's
pickup, the welcome call and the contacts e-mail, its papers and calendar
(``ops.onboarding``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import attrs

from clientops._checks import EMAIL as _EMAIL
from clientops._checks import check_entry_points
from clientops._context import Context
from clientops._documents._onboarding import (
    checklist_document,
    nonconformity_notice,
    title_page_document,
)
from clientops._onboarding import (
    ClientFolder,
    FolderReceived,
    Onboarding,
    OnboardingId,
    OnboardingStep,
    OnboardingStepDone,
)
from clientops._outbox import (
    OutboxMessage,
)
from clientops._recording import record_appeals_and_reactions
from clientops.calendar import CalendarEntry, CalendarPolicy
from clientops.courier import Booking, Courier, PickupRequest
from clientops.documents import render_document
from clientops.errors import (
    FieldError,
    ValidationError,
)
from clientops.events import ClientCreated, ClientUpdated, Event
from clientops.ics import write_ics
from clientops.model import (
    ClientId,
    Employee,
    EmployeeId,
)
from clientops.ports import UnitOfWork
from clientops.rules import onboarding as _onboarding
from clientops.rules.onboarding import FolderIntake
from clientops.rules.onboarding_outputs import (
    ContactsEmail,
    contacts_email,
    default_pickup_date,
    delivery_reaction,
    onboarding_entries,
    pickup_request,
)
from clientops.serialization import structure, unstructure

__all__ = ["CONTACTS_EMAIL_TOPIC", "PICKUP_TOPIC", "OnboardingService", "book_pickup"]


#: The outbox topic of a courier pickup (:meth:`ops.onboarding.book_delivery`). ClientOps delivers
#: it itself, through its courier, and stores the booking on the onboarding.
PICKUP_TOPIC = "clientops.courier.pickup"
#: The outbox topic of the e-mail with the manager's contacts
#: (:meth:`OnboardingService.send_contacts`).
#: Its payload is a :class:`~clientops.rules.onboarding_outputs.ContactsEmail` (``to``,
#: ``subject``, ``body``, ``sender``); register a deliverer for it that sends mail.
CONTACTS_EMAIL_TOPIC = "clientops.email.contacts"

#: How many times :meth:`ops.outbox.deliver` tries to store the outcome of a delivery
#: while the store fails (a SQLite file locked beyond its busy timeout, a dropped connection),
#: and the pause before the second try, doubled before each next one.
_RECORD_ATTEMPTS = 5
_RECORD_BACKOFF = 0.05

#: The checklist steps done through their own use case, not :meth:`ops.onboarding.complete_step`.
_OWN_SERVICE = {
    OnboardingStep.CALL_COURIER: "book_delivery",
    OnboardingStep.WELCOME_CALL: "record_welcome_call",
    OnboardingStep.SEND_CONTACTS: "send_contacts",
    OnboardingStep.DELIVERY_REACTION: "record_welcome_call or book_delivery (made by whichever "
    "comes second)",
}


#: What a notice with no number of its own prints (an onboarding stored before numbers).
NO_NUMBER = "б/н"


def _next_notice_number(uow: UnitOfWork, year: int) -> str:
    """The next number of a notice of nonconformities: ``1/2025``, ``2/2025``… (one sequence
    a year, kept beside the invoices' ones)."""
    scope = f"notice nonconformities {year}"
    last = uow.invoices.sequence(scope) or 0
    uow.invoices.set_sequence(scope, last + 1)
    return f"{last + 1}/{year}"


def _steps_done(before: Onboarding | None, after: Onboarding) -> tuple[OnboardingStepDone, ...]:
    """The :class:`OnboardingStepDone` events of the steps done in ``after`` and not in
    ``before`` (all the done steps of a new onboarding), in checklist order."""
    events = []
    for record in after.steps:
        if record.done and (before is None or not before.record(record.step).done):
            assert record.done_at is not None
            events.append(
                OnboardingStepDone(
                    after.id, after.client_id, record.step, record.done_by, record.done_at
                )
            )
    return tuple(events)


@check_entry_points
class OnboardingService:
    """A client's folder taken over from sales and its checklist, step by step::

    >>> import clientops
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> ops.onboarding.open("anna")
    ()
    >>> ops.close()
    """

    def __init__(self, context: Context) -> None:
        self._context = context

    @property
    def courier(self) -> Courier:
        """The courier of deliveries: the one given to :func:`~clientops.connect`, else the one
        the policy names (``policy.onboarding.courier``, ``offline`` by default) opened through
        the plugin host on first use (and closed by ``ops.close()``)."""
        return _courier(self._context)

    def receive_folder(
        self,
        folder: ClientFolder,
        *,
        manager: EmployeeId,
        client_id: ClientId | None = None,
    ) -> FolderIntake:
        """Take over a client folder from sales (the checks of
        :func:`~clientops.rules.onboarding.check_folder`), all in one unit of work: the card
        (new, or the card ``client_id`` names, extended with the folder's contract, phone and
        contact person), the intake appeal, the reactions telling the sales manager of the
        title page and the head of sales about every nonconformity (and the manager about
        copies to sign), and the onboarding with its first steps done.

        A folder without a title page, or without the client's name or city on it, raises
        ValidationError naming the field; a contract number that another card holds raises
        DuplicateError naming that card (pass ``client_id`` when the folder is for a client who
        already has a card); an unknown manager or client raises NotFoundError. Nothing is
        stored then."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            employee = staff.require(manager)
            existing = uow.clients.get(client_id) if client_id is not None else None
            intake = _onboarding.intake_folder(
                folder,
                manager=employee,
                staff=staff,
                existing=existing,
                now=now,
                policy=self._context.policy,
            )
            # the store refuses a contract number another card holds (DuplicateError)
            if intake.new_client:
                uow.clients.add(intake.client)
            else:
                client = uow.clients.update(intake.client)
                intake = attrs.evolve(intake, client=client)
            events: list[Event] = []
            if intake.new_client:
                events.append(ClientCreated(intake.client.id, now))
            elif existing is not None and intake.client != attrs.evolve(
                existing, version=intake.client.version
            ):
                events.append(ClientUpdated(intake.client.id, intake.client.version, now))
            events += record_appeals_and_reactions(uow, (intake.appeal,), intake.reactions, now)
            if intake.onboarding.nonconformities:
                year = now.astimezone(self._context.policy.tz).year
                intake = attrs.evolve(
                    intake,
                    onboarding=attrs.evolve(
                        intake.onboarding,
                        notice_number=_next_notice_number(uow, year),
                    ),
                )
            uow.onboarding.add(intake.onboarding)
            onboarding = intake.onboarding
            events.append(
                FolderReceived(
                    onboarding.id,
                    onboarding.client_id,
                    onboarding.manager_id,
                    len(onboarding.nonconformities),
                    now,
                )
            )
            events += _steps_done(None, onboarding)
            self._context.publish(events)
        return intake

    def get(self, onboarding_id: OnboardingId) -> Onboarding:
        """One onboarding; NotFoundError when there is none with that id."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.onboarding.get(onboarding_id)

    def onboardings_of(self, client_id: ClientId) -> tuple[Onboarding, ...]:
        """The client's onboardings, oldest first."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.onboarding.of_client(client_id)

    def open(self, manager: EmployeeId) -> tuple[Onboarding, ...]:
        """The manager's onboardings with steps still open."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.onboarding.open(manager)

    def complete_step(
        self,
        onboarding_id: OnboardingId,
        step: OnboardingStep,
        *,
        by: EmployeeId,
        note: str = "",
    ) -> Onboarding:
        """Tick a step of the checklist done by ``by`` now: the signatures got, the box, the key
        and disc, the book, the acts. Steps 3 to 6 have their own use cases
        (:meth:`book_delivery`, :meth:`record_welcome_call`, :meth:`send_contacts`), because
        they do more than a tick; asking for them here, for a step already done or not
        applicable, or for one whose prerequisites are open raises TransitionError and changes
        nothing."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            self._employee(uow, by)
            current = uow.onboarding.get(onboarding_id)
            if step in _OWN_SERVICE:
                raise _onboarding.step_refusal(
                    current, step, f"done through ops.onboarding.{_OWN_SERVICE[step]}"
                )
            done = _onboarding.complete_step(current, step, by=by, now=now, note=note)
            if step is OnboardingStep.CHECK_SIGNATURES:
                # the manager's task to get the copies signed and stamped is done too
                topic = _onboarding.sign_topic(current.nonconformities, self._context.policy)
                for reaction in uow.appeals.reactions_of(current.client_id):
                    if (
                        reaction.appeal_id == current.appeal_id
                        and reaction.employee_id == current.manager_id
                        and reaction.topic == topic
                        and not reaction.done
                    ):
                        uow.appeals.update_reaction(
                            attrs.evolve(reaction, done_at=now, outcome=note or None)
                        )
            stored = uow.onboarding.update(done)
            self._context.publish(_steps_done(current, stored))
        return stored

    def welcome_script(self, onboarding_id: OnboardingId) -> tuple[str, ...]:
        """The welcome call (step 4), line by line: the onboarding manager's first name, the
        products of the title page, and the planned delivery date once the courier is
        booked."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            onboarding = uow.onboarding.get(onboarding_id)
            manager = self._employee(uow, onboarding.manager_id)
        title = onboarding.folder.title_page
        return _onboarding.welcome_script(
            manager=manager,
            products=title.products if title is not None else (),
            delivery_date=onboarding.delivery.planned_date if onboarding.delivery else None,
            policy=self._context.policy,
        )

    def book_delivery(
        self,
        onboarding_id: OnboardingId,
        *,
        by: EmployeeId,
        pickup_date: date | None = None,
        address: str | None = None,
    ) -> Onboarding:
        """Step 3: ask the courier for a quote to the client's city, plan the delivery (the
        quote's latest day after the pickup) and record the pickup in the outbox, all or
        nothing; :meth:`deliver_outbox` then books it with the courier and stores the booking.

        ``pickup_date`` defaults to :func:`~clientops.rules.onboarding_outputs.
        default_pickup_date`; ``address`` to the title page's. A city the courier does not
        serve raises UnservedCityError, a courier that fails or times out CourierError (both
        name the backend and the operation); the step not allowed now raises TransitionError;
        a pickup date in the past, a sender or recipient without a phone ValidationError.
        Nothing is stored in any of these cases. A pickup that fails later is retried by the
        outbox under the same key, so the courier books it once."""
        now = self._context.now()
        today = now.astimezone(self._context.policy.tz).date()
        day = (
            pickup_date
            if pickup_date is not None
            else default_pickup_date(today, self._context.policy)
        )
        if day < today:
            raise ValidationError(
                [FieldError("pickup_date", f"{day:%d.%m.%Y} is in the past")],
                subject=f"onboarding {onboarding_id}",
            )
        with self._context.storage.unit_of_work(readonly=True) as uow:
            current = uow.onboarding.get(onboarding_id)
            sender = self._employee(uow, by)
            client = uow.clients.get(current.client_id)
        # refuse a step that is not allowed before asking the courier anything
        _onboarding.complete_step(current, OnboardingStep.CALL_COURIER, by=by, now=now)
        request = pickup_request(
            current,
            client=client,
            manager=sender,
            pickup_date=day,
            policy=self._context.policy,
            address=address,
        )
        quote = self.courier.quote(
            self._context.policy.onboarding.shipper_city, client.city, request.parcel
        )
        with self._context.unit_of_work() as uow:
            latest = uow.onboarding.get(onboarding_id)
            planned = _onboarding.plan_delivery(latest, quote, pickup_date=day, by=by, now=now)
            made = delivery_reaction(planned, now=now, policy=self._context.policy)
            if made is not None:
                planned, reaction = made
                uow.appeals.add_reaction(reaction)
            stored = uow.onboarding.update(planned)
            assert stored.delivery is not None
            payload = {"onboarding_id": stored.id, "request": unstructure(request)}
            uow.outbox.enqueue(
                OutboxMessage.new(PICKUP_TOPIC, payload, now=now, key=stored.delivery.pickup_key)
            )
            self._context.publish(_steps_done(latest, stored))
        return stored

    def booking(self, onboarding_id: OnboardingId) -> Booking | None:
        """The courier's booking of the onboarding's pickup, once the outbox has made it."""
        delivery = self.get(onboarding_id).delivery
        return delivery.booking if delivery is not None else None

    def record_welcome_call(
        self,
        onboarding_id: OnboardingId,
        *,
        by: EmployeeId,
        email: str | None = None,
        note: str = "",
    ) -> Onboarding:
        """Step 4: the welcome call is made. The client's ``email`` is added to the card (and
        kept on the onboarding for step 5); when the courier is already booked, the manager
        also gets the call on the planned delivery date (step 6). An address that is not an
        e-mail raises ValidationError naming ``email``; nothing is stored then."""
        now = self._context.now()
        address = email.strip() if email is not None else None
        if address is not None and not _EMAIL.match(address):
            raise ValidationError(
                [FieldError("email", f"{email!r} is not an e-mail address")],
                subject=f"onboarding {onboarding_id}",
            )
        with self._context.unit_of_work() as uow:
            self._employee(uow, by)
            current = uow.onboarding.get(onboarding_id)
            done = _onboarding.record_welcome_call(
                current, by=by, now=now, email=address or None, note=note
            )
            changed: list[Event] = []
            if address:
                client = uow.clients.get(current.client_id)
                known = {e.casefold() for e in client.emails}
                if address.casefold() not in known:
                    card = uow.clients.update(
                        attrs.evolve(client, emails=(*client.emails, address))
                    )
                    changed.append(ClientUpdated(card.id, card.version, now))
            made = delivery_reaction(done, now=now, policy=self._context.policy)
            if made is not None:
                done, reaction = made
                uow.appeals.add_reaction(reaction)
            stored = uow.onboarding.update(done)
            self._context.publish((*changed, *_steps_done(current, stored)))
        return stored

    def send_contacts(self, onboarding_id: OnboardingId, *, by: EmployeeId) -> ContactsEmail:
        """Step 5: the e-mail with the manager's contacts, to the address captured in the
        welcome call, recorded in the outbox (topic :data:`CONTACTS_EMAIL_TOPIC`, once per
        onboarding) together with the step. No address captured raises TransitionError."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            self._employee(uow, by)
            current = uow.onboarding.get(onboarding_id)
            refusal = _onboarding.send_contacts_refusal(current)
            if refusal is not None:
                raise refusal
            done = _onboarding.complete_step(current, OnboardingStep.SEND_CONTACTS, by=by, now=now)
            manager = self._employee(uow, current.manager_id)
            message = contacts_email(done, manager=manager, policy=self._context.policy)
            stored = uow.onboarding.update(done)
            uow.outbox.enqueue(
                OutboxMessage.new(
                    CONTACTS_EMAIL_TOPIC,
                    unstructure(message),
                    now=now,
                    key=f"contacts-{current.id}",
                )
            )
            self._context.publish(_steps_done(current, stored))
        return message

    def calendar_entries(
        self, onboarding_id: OnboardingId, *, calendar_policy: CalendarPolicy | None = None
    ) -> tuple[CalendarEntry, ...]:
        """The onboarding's calendar events: the pickup and planned delivery days, and the
        manager's open reactions of the folder's appeal (the delivery-date call among them)."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            onboarding = uow.onboarding.get(onboarding_id)
            client = uow.clients.get(onboarding.client_id)
            reactions = uow.appeals.reactions_of(onboarding.client_id)
        return onboarding_entries(
            onboarding,
            client=client,
            reactions=reactions,
            policy=self._context.policy,
            calendar_policy=calendar_policy,
        )

    def export_calendar(
        self,
        manager: EmployeeId,
        path: str | os.PathLike[str],
        *,
        calendar_policy: CalendarPolicy | None = None,
    ) -> Path:
        """Write the events of every open onboarding of ``manager`` to one .ics file
        (atomically; stable UIDs, so importing it again updates the events). NotFoundError for
        an employee the staff directory does not know."""
        events: list[CalendarEntry] = []
        with self._context.storage.unit_of_work(readonly=True) as uow:
            employee = self._employee(uow, manager)
            for onboarding in uow.onboarding.open(manager):
                client = uow.clients.get(onboarding.client_id)
                events.extend(
                    onboarding_entries(
                        onboarding,
                        client=client,
                        reactions=uow.appeals.reactions_of(onboarding.client_id),
                        policy=self._context.policy,
                        calendar_policy=calendar_policy,
                    )
                )
        return write_ics(
            path,
            events,
            tz=self._context.policy.timezone,
            name=employee.full_name,
            now=self._context.now(),
        )

    def export(
        self,
        onboarding_id: OnboardingId,
        directory: str | os.PathLike[str],
        *,
        calendar_policy: CalendarPolicy | None = None,
    ) -> tuple[Path, ...]:
        """The onboarding's papers into ``directory`` (made if missing): the title page, the
        checklist as it stands, the notice of nonconformities (when the folder had any) as
        .docx, drawn by templates or plugins where registered, and its calendar as .ics.
        Returns the paths written."""
        now = self._context.now()
        with self._context.storage.unit_of_work(readonly=True) as uow:
            onboarding = uow.onboarding.get(onboarding_id)
            staff = uow.staff.directory()
            client = uow.clients.get(onboarding.client_id)
            reactions = uow.appeals.reactions_of(onboarding.client_id)
        manager = staff.require(onboarding.manager_id)
        check = _onboarding.check_folder(
            onboarding.folder, staff=staff, policy=self._context.policy
        )
        recipients = _onboarding.nonconformity_recipients(
            check, staff=staff, manager=manager, policy=self._context.policy
        )
        papers: list[tuple[str, object]] = []
        if onboarding.folder.title_page is not None:
            papers.append(
                ("title-page", title_page_document(onboarding, policy=self._context.policy))
            )
        papers.append(
            ("checklist", checklist_document(onboarding, staff=staff, policy=self._context.policy))
        )
        notice = nonconformity_notice(
            onboarding,
            staff=staff,
            recipients=recipients,
            number=onboarding.notice_number or NO_NUMBER,
            day=now.astimezone(self._context.policy.tz).date(),
            policy=self._context.policy,
        )
        if notice is not None:
            papers.append(("nonconformities", notice))
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for name, context in papers:
            path = target / f"{name}.docx"
            path.write_bytes(render_document(context, host=self._context.host))
            written.append(path)
        events = onboarding_entries(
            onboarding,
            client=client,
            reactions=reactions,
            policy=self._context.policy,
            calendar_policy=calendar_policy,
        )
        written.append(
            write_ics(
                target / "onboarding.ics",
                events,
                tz=self._context.policy.timezone,
                name=client.name,
                now=now,
            )
        )
        return tuple(written)

    @staticmethod
    def _employee(uow: UnitOfWork, employee_id: EmployeeId) -> Employee:
        return uow.staff.directory().require(employee_id)


def book_pickup(context: Context, message: OutboxMessage) -> Callable[[UnitOfWork], None]:
    """Book the pickup a :data:`PICKUP_TOPIC` message carries (once per key, so a retry
    returns the first booking); return what stores the booking with the outcome."""
    data = message.data()
    request = structure(data["request"], PickupRequest)
    onboarding_id = OnboardingId(str(data["onboarding_id"]))
    booking = _courier(context).book_pickup(request)

    def record(uow: UnitOfWork) -> None:
        current = uow.onboarding.get(onboarding_id)
        if current.delivery is not None and current.delivery.booking == booking:
            return
        uow.onboarding.update(_onboarding.record_booking(current, booking))

    return record


def _courier(context: Context) -> Courier:
    return context.backends.courier(context.host, context.policy)
