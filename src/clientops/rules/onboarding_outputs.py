"""What an onboarding sends out, as pure functions: the pickup request for the courier, the
delivery-date reaction, the e-mail with the manager's contacts and the calendar events. The
folder's papers (title page, checklist, notice of nonconformities) are made with the documents
(:mod:`clientops.documents`).

Data in, values out: the service (:class:`clientops.ClientOps`) stores, enqueues or writes
what these return.

    >>> from datetime import date
    >>> from clientops import Policy
    >>> default_pickup_date(date(2025, 6, 27), Policy())      # a Friday: Monday
    datetime.date(2025, 6, 30)
    >>> default_pickup_date(date(2026, 11, 3), Policy())      # 4 November is a holiday
    datetime.date(2026, 11, 5)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

import attrs

from clientops._formats import full_date, money_text
from clientops._onboarding import Onboarding, OnboardingStep
from clientops.calendar import CalendarEntry, CalendarPolicy, event_for_reaction, stable_uid
from clientops.courier import Address, Parcel, Party, PickupRequest
from clientops.errors import FieldError, InvalidPhoneError, ValidationError
from clientops.model import (
    Client,
    Employee,
    Money,
    Phone,
    Reaction,
    ReactionId,
    ReactionKind,
    new_id,
)
from clientops.policy import Policy
from clientops.rules.onboarding import complete_step, parcel_weight
from clientops.workdays import next_working_day

__all__ = [
    "ContactsEmail",
    "contacts_email",
    "default_pickup_date",
    "delivery_reaction",
    "onboarding_entries",
    "pickup_request",
]


def default_pickup_date(today: date, policy: Policy) -> date:
    """The day the pickup is asked for: ``policy.onboarding.pickup_after_days`` after
    ``today``, moved to the next working day of ``policy.calendar`` (weekends, public holidays
    and moved days off of the production calendar are skipped)."""
    day = today + timedelta(days=policy.onboarding.pickup_after_days)
    return next_working_day(policy.calendar, day)


def _subject(onboarding: Onboarding) -> str:
    return f"onboarding {onboarding.id}"


def pickup_request(
    onboarding: Onboarding,
    *,
    client: Client,
    manager: Employee,
    pickup_date: date,
    policy: Policy,
    address: str | None = None,
) -> PickupRequest:
    """The pickup of the onboarding's parcel: from the manager at the shipper's address
    (``policy.onboarding.shipper_city`` and ``shipper_address``) to the contact person of the
    title page at the client's city and ``address`` (the title page's address when not given).
    The weight comes from the parcel list, the declared value from the folder's invoices, the
    idempotency key is ``pickup-<onboarding id>``.

    A manager without a phone, or a title page without a usable contact phone, raises
    :class:`~clientops.errors.ValidationError` naming the field: the courier needs both."""
    rules = policy.onboarding
    texts = rules.texts
    title = onboarding.folder.title_page
    errors: list[FieldError] = []
    if manager.phone is None:
        errors.append(FieldError("manager.phone", "the courier needs the sender's phone"))
    phone: Phone | None = None
    if title is not None and title.phone.strip():
        try:
            phone = Phone.parse(title.phone, policy.phone_region, strict=policy.strict_phones)
        except InvalidPhoneError:
            phone = None
    if phone is None:
        phone = client.phones[0] if client.phones else None
    if phone is None:
        errors.append(FieldError("title_page.phone", "the courier needs the recipient's phone"))
    if errors:
        raise ValidationError(errors, subject=_subject(onboarding))
    assert manager.phone is not None
    assert phone is not None
    person = title.contact_person.strip() if title is not None else ""
    line = address if address is not None else (title.address if title is not None else "")
    contract = title.contract_number.strip() if title is not None else ""
    declared = sum(
        (i.amount.amount for i in onboarding.folder.invoices if i.amount is not None),
        Decimal(0),
    )
    return PickupRequest(
        key=f"pickup-{onboarding.id}",
        parcel=Parcel(
            weight_grams=parcel_weight(onboarding.parcel, policy),
            declared_value=Money(declared),
            description=texts.parcel_description,
        ),
        sender=Party(
            manager.full_name,
            manager.phone,
            Address(rules.shipper_city, rules.shipper_address),
            company=policy.company_name,
            email=manager.email,
        ),
        recipient=Party(
            person or client.contact_person or client.name,
            phone,
            Address(client.city, line.strip()),
            company=client.name,
            email=onboarding.email,
        ),
        pickup_date=pickup_date,
        comment=texts.pickup_comment.format(number=contract or "—"),
    )


def delivery_reaction(
    onboarding: Onboarding,
    *,
    now: datetime,
    policy: Policy,
    make_id: Callable[[], str] = new_id,
) -> tuple[Onboarding, Reaction] | None:
    """Step 6 of the checklist: once the courier is called (the planned date is known) and the
    welcome call is made, the manager gets an outgoing-call reaction on the planned delivery
    date at ``policy.onboarding.delivery_reaction_time`` (the department's time zone), to ask
    whether the parcel arrived. Returns the onboarding with step 6 done and the reaction, or
    ``None`` when it is not time yet (or step 6 is already closed)."""
    delivery = onboarding.delivery
    step = OnboardingStep.DELIVERY_REACTION
    if delivery is None or onboarding.is_closed(step) or onboarding.missing_for(step):
        return None
    rules = policy.onboarding
    due = datetime.combine(delivery.planned_date, rules.delivery_reaction_time, tzinfo=policy.tz)
    reaction = Reaction(
        id=ReactionId(make_id()),
        appeal_id=onboarding.appeal_id,
        client_id=onboarding.client_id,
        kind=ReactionKind.OUTGOING_CALL,
        topic=rules.texts.delivery_topic,
        due_at=due,
        created_at=now,
        employee_id=onboarding.manager_id,
        created_by=onboarding.manager_id,
    )
    done = complete_step(
        onboarding,
        step,
        by=onboarding.manager_id,
        now=now,
        note=full_date(delivery.planned_date),
    )
    return done, reaction


@attrs.frozen
class ContactsEmail:
    """The e-mail of step 5: the manager's contacts, to the address captured in the welcome
    call. ``sender`` is the manager's address when the staff directory has one."""

    to: str
    subject: str
    body: str
    sender: str | None = None


def contacts_email(onboarding: Onboarding, *, manager: Employee, policy: Policy) -> ContactsEmail:
    """The contacts e-mail, in the policy's words. No address captured yet raises
    :class:`~clientops.errors.ValidationError` naming ``email``."""
    if onboarding.email is None:
        raise ValidationError(
            [FieldError("email", "no e-mail address was captured in the welcome call")],
            subject=_subject(onboarding),
        )
    texts = policy.onboarding.texts
    detail = []
    if manager.phone is not None:
        detail.append(texts.contacts_phone.format(detail=manager.phone.international()))
    if manager.email:
        detail.append(texts.contacts_email.format(detail=manager.email))
    return ContactsEmail(
        to=onboarding.email,
        subject=texts.contacts_subject.format(company=policy.company_name),
        body=texts.contacts_body.format(
            manager=manager.person, company=policy.company_name, detail="\n".join(detail)
        ),
        sender=manager.email,
    )


# --------------------------------------------------------------------------- the calendar


def onboarding_entries(
    onboarding: Onboarding,
    *,
    client: Client,
    reactions: Iterable[Reaction] = (),
    policy: Policy,
    calendar_policy: CalendarPolicy | None = None,
    tz: str | tzinfo | None = None,
) -> tuple[CalendarEntry, ...]:
    """The onboarding's dates as calendar events: the pickup day and the planned delivery day
    (all-day events, UIDs ``pickup-<id>@…`` and ``delivery-<id>@…``, ``sequence`` the
    onboarding's version), then the manager's open reactions on the onboarding's appeal (the
    delivery-date call among them) at their due instants. The UIDs are stable: exporting again
    after a change updates the events instead of adding copies."""
    calendar_policy = calendar_policy or CalendarPolicy()
    zone = tz if tz is not None else policy.timezone
    texts = policy.onboarding.texts
    events: list[CalendarEntry] = []
    delivery = onboarding.delivery
    if delivery is not None:
        lines = [
            texts.event_courier.format(
                detail=f"{delivery.quote.courier} ({delivery.quote.origin} → "
                f"{delivery.quote.destination}, {money_text(delivery.quote.price)})"
            )
        ]
        booking = delivery.booking
        if booking is not None and booking.tracking_number:
            lines.append(texts.event_tracking.format(number=booking.tracking_number))
        for kind, day, summary in (
            ("pickup", delivery.pickup_date, texts.pickup_event),
            ("delivery", delivery.planned_date, texts.delivery_event),
        ):
            events.append(
                CalendarEntry(
                    uid=stable_uid(kind, onboarding.id, calendar_policy.uid_domain),
                    start=day,
                    summary=summary.format(client=client.name),
                    description="\n".join(lines),
                    location=client.city if kind == "delivery" else policy.onboarding.shipper_city,
                    alarm_before=calendar_policy.alarm_before,
                    sequence=onboarding.version,
                )
            )
    mine = sorted(
        (
            r
            for r in reactions
            if r.appeal_id == onboarding.appeal_id
            and r.employee_id == onboarding.manager_id
            and (calendar_policy.include_done or not r.done)
        ),
        key=lambda r: (r.due_at, r.id),
    )
    events.extend(event_for_reaction(r, client, tz=zone, policy=calendar_policy) for r in mine)
    return tuple(events)
