"""Routing an incoming call (seed 000, «Входящий звонок»).

Pure functions: the caller's request in, a :class:`CallRouting` out. Two steps, so that the rule
never touches storage:

1. :func:`client_queries` says which existing cards to look for;
2. the shell runs those queries and hands the results to :func:`route_incoming_call`.

The four branches of the seed:

=====================  =================================================  ====================
the caller wants       what is recorded                                   put through to
=====================  =================================================  ====================
product, prices…       card (new unless found) + appeal + reaction for    sales department
                       sales due in a minute (``incoming_call``)
a named sales manager  nothing                                            that manager; the
                                                                          sales department
                                                                          when absent/unknown
tech support           client or dealer: appeal + reaction for tech       tech support
                       support on the **existing** card; neither: as
                       "product"; not found: nothing, ask again
cooperation, unclear   card + appeal + reaction for management,           nobody: an authorised
                       call-back promised                                 person calls back
=====================  =================================================  ====================

Example::

    >>> from datetime import datetime, timezone
    >>> from clientops import Policy
    >>> from clientops.calls import CallIntent, IncomingCall
    >>> from clientops.clients import StaffDirectory
    >>> from clientops.rules.calls import route_incoming_call
    >>> from clientops.model import Department, Employee, EmployeeId, DepartmentId
    >>> staff = StaffDirectory(
    ...     departments=(Department(DepartmentId("sales"), "Отдел продаж"),),
    ...     employees=(
    ...         Employee(EmployeeId("anna"), "Смирнова Анна", "Анна", DepartmentId("client")),
    ...     ),
    ... )
    >>> call = IncomingCall(CallIntent.PRODUCT_INFO, caller_phone="+7 912 345-67-89",
    ...                     name="ООО Ромашка", city="Омск", topic="Цены на ArchiCredit")
    >>> routing = route_incoming_call(call, answered_by=EmployeeId("anna"), staff=staff,
    ...     matches=(), now=datetime(2025, 6, 23, 7, 0, tzinfo=timezone.utc), policy=Policy())
    >>> routing.branch.value, routing.transfer_to
    ('sales', TransferCall(department_id='sales', employee_id=None))
    >>> routing.script[0]
    'Компания MLS IT, Анна, здравствуйте! Чем я могу Вам помочь?'
    >>> routing.reaction.due_at.isoformat()
    '2025-06-23T07:01:00+00:00'
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import attrs

from clientops._checks import (
    ID_LENGTH,
    NAME_LENGTH,
    NOTE_LENGTH,
    TOPIC_LENGTH,
    fine_moment,
    fine_text,
    trusted,
)
from clientops._names import PersonName
from clientops.commands import Command, CreateAppeal, CreateClient, CreateReaction, TransferCall
from clientops.decisions import Decision, Violation
from clientops.errors import FieldError, InvalidPhoneError, ValidationError
from clientops.events import AppealOpened, CallRouted, ClientCreated, Event, ReactionScheduled
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    Client,
    ClientCategory,
    ClientId,
    ClientKind,
    ClientQuery,
    Contact,
    DepartmentId,
    EmployeeId,
    Phone,
    Reaction,
    ReactionId,
    ReactionKind,
    Role,
    StaffDirectory,
    new_id,
)
from clientops.policy import Policy

__all__ = [
    "CallBranch",
    "CallIntent",
    "CallRouting",
    "IncomingCall",
    "client_queries",
    "new_card",
    "route_incoming_call",
]


class CallIntent(enum.Enum):
    """What the caller asks for, as the manager understood it."""

    #: Products, prices, how it works, client lists, other commercial information.
    PRODUCT_INFO = "product_info"
    #: A named sales manager.
    SALES_MANAGER = "sales_manager"
    #: Technical support, or a named tech-support specialist.
    TECH_SUPPORT = "tech_support"
    #: Cooperation (partnership, supply, advertising…).
    COOPERATION = "cooperation"
    #: The manager cannot tell whom the caller needs.
    UNCLEAR = "unclear"


class CallBranch(enum.Enum):
    """Which way the call went."""

    SALES = "sales"
    NAMED_MANAGER = "named_manager"
    NAMED_MANAGER_UNAVAILABLE = "named_manager_unavailable"
    TECH_SUPPORT = "tech_support"
    NOT_A_CUSTOMER = "not_a_customer"
    UNIDENTIFIED = "unidentified"
    MANAGEMENT = "management"


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


@attrs.frozen
class IncomingCall:
    """What the manager learnt from the caller.

    ``caller_phone`` is the number as heard or shown (any format). ``name`` is the
    organisation's name or a private person's full name (then ``is_person``). ``is_customer``
    answers "are you our client or dealer?" on a tech-support call.
    """

    intent: CallIntent
    caller_phone: str | None = attrs.field(default=None, converter=_optional_text)
    name: str | None = attrs.field(default=None, converter=_optional_text)
    city: str | None = attrs.field(default=None, converter=_optional_text)
    contact_person: str | None = attrs.field(default=None, converter=_optional_text)
    is_person: bool = False
    topic: str | None = attrs.field(default=None, converter=_optional_text)
    project: str | None = attrs.field(default=None, converter=_optional_text)
    note: str | None = attrs.field(default=None, converter=_optional_text)
    requested_manager: str | None = attrs.field(default=None, converter=_optional_text)
    is_customer: bool | None = None
    contract_number: str | None = attrs.field(default=None, converter=_optional_text)


@attrs.frozen
class CallRouting:
    """The rule's answer: the branch, what to say (greeting first, closing last), whom to put
    the caller through to, and the decision (records to create, violations, events).

    ``client``, ``appeal`` and ``reaction`` are the records the call is about, new or found;
    ``None`` where the branch records nothing.
    """

    branch: CallBranch
    script: tuple[str, ...]
    transfer_to: TransferCall | None
    decision: Decision
    client: Client | None = None
    appeal: Appeal | None = None
    reaction: Reaction | None = None

    @property
    def new_client(self) -> bool:
        return any(isinstance(c, CreateClient) for c in self.decision.commands)


#: the records of a call, made without their checks from parts that pass them
_trusted_client = trusted(Client)
_trusted_contact = trusted(Contact)
_trusted_appeal = trusted(Appeal)
_trusted_reaction = trusted(Reaction)
_trusted_query = trusted(ClientQuery)


def _phone_or_none(text: str | None, policy: Policy) -> Phone | None:
    if text is None:
        return None
    try:
        return Phone.parse(text, policy.phone_region, strict=policy.strict_phones)
    except InvalidPhoneError:
        return None


def _needs_card(call: IncomingCall) -> bool:
    return call.intent in (CallIntent.PRODUCT_INFO, CallIntent.COOPERATION, CallIntent.UNCLEAR) or (
        call.intent is CallIntent.TECH_SUPPORT and call.is_customer is False
    )


def client_queries(call: IncomingCall, policy: Policy) -> tuple[ClientQuery, ...]:
    """The lookups the shell should run before routing, most telling first.

    A tech-support caller who is a client or dealer is found by contract number, then company
    name, then the phone. Any caller who gets a card is first looked for by phone, then by
    name within the city, so that a known caller is not given a second card.
    """
    phone = _phone_or_none(call.caller_phone, policy)
    queries: list[ClientQuery] = []
    if call.intent is CallIntent.TECH_SUPPORT and call.is_customer:
        if call.contract_number:
            queries.append(ClientQuery(contract=call.contract_number))
        if call.name:
            queries.append(ClientQuery(name=call.name))
        if phone is not None:
            queries.append(ClientQuery(phone=phone))
    elif _needs_card(call):
        # every caller who may get a card (most calls): the queries made without their checks
        # when their parts pass them (a parsed phone does)
        if phone is not None:
            queries.append(_trusted_query(phone))
        name, city = call.name, call.city
        if name and city:
            fine = fine_text(name, NAME_LENGTH) and fine_text(city, NAME_LENGTH)
            queries.append(
                _trusted_query(name=name, city=city) if fine else ClientQuery(name=name, city=city)
            )
    return tuple(queries)


def new_card(
    call: IncomingCall,
    *,
    now: datetime,
    policy: Policy,
    make_id: Callable[[], str] = new_id,
) -> Client:
    """The counterparty card for a new caller. Name, city and phone are required; a contact
    person not given is left out (the card shows «—»). Raises one ValidationError listing
    every missing or malformed field."""
    errors: list[FieldError] = []
    for field in ("name", "city", "caller_phone"):
        if getattr(call, field) is None:
            errors.append(FieldError(field, "required for a new client card"))
    phone: Phone | None = None
    if call.caller_phone is not None:
        try:
            # strict whatever the policy: a card keeps valid numbers only (Client refuses others)
            phone = Phone.parse(call.caller_phone, policy.phone_region, strict=True)
        except InvalidPhoneError as exc:
            errors.extend(FieldError("caller_phone", e.message) for e in exc.errors)
    if errors or call.name is None or call.city is None or phone is None:
        raise ValidationError(errors, subject="client card")
    person = call.contact_person
    if not person or person in ("-", "—"):
        person = None
    # what Contact and Client check, asked of the parts: made without asking again
    fine = person is None or fine_text(person, NAME_LENGTH)
    contacts: tuple[Contact, ...] = ()
    if person is not None:
        contacts = (_trusted_contact(person) if fine else Contact(person),)
    client_id = ClientId(make_id())
    kind = ClientKind.PERSON if call.is_person else ClientKind.ORGANISATION
    category = policy.new_card_category
    make: Callable[..., Client] = (
        _trusted_client
        if fine
        and fine_text(client_id, ID_LENGTH)
        and fine_text(call.name, NAME_LENGTH)
        and fine_text(call.city, NAME_LENGTH)
        and type(category) is ClientCategory
        and fine_moment(now)
        and phone.valid
        else Client
    )
    return make(
        id=client_id,
        name=call.name,
        city=call.city,
        phones=(phone,),
        kind=kind,
        category=category,
        contacts=contacts,
        created_at=now,
    )


def _phone_errors(call: IncomingCall, policy: Policy) -> list[FieldError]:
    """A caller phone given but malformed: refused, never dropped (a card matched by name
    must not hide a mistyped number)."""
    if call.caller_phone is None:
        return []
    try:
        Phone.parse(call.caller_phone, policy.phone_region, strict=policy.strict_phones)
    except InvalidPhoneError as exc:
        return [FieldError("caller_phone", e.message) for e in exc.errors]
    return []


def _check_call(
    call: IncomingCall, staff: StaffDirectory, answered_by: EmployeeId, policy: Policy
) -> None:
    errors: list[FieldError] = []
    if staff.employee(answered_by) is None:
        errors.append(FieldError("answered_by", f"unknown employee {answered_by!r}"))
    if call.intent is CallIntent.SALES_MANAGER and call.requested_manager is None:
        errors.append(FieldError("requested_manager", "required when the caller asks for one"))
    if call.intent is CallIntent.TECH_SUPPORT and call.is_customer is None:
        errors.append(FieldError("is_customer", "ask whether the caller is a client or dealer"))
    if not _needs_card(call):  # a call that may get a card: checked with the card's fields
        errors.extend(_phone_errors(call, policy))
    if errors:
        raise ValidationError(errors, subject="incoming call")


def _first_found(matches: Sequence[tuple[Client, ...]]) -> tuple[Client, ...]:
    return next((found for found in matches if found), ())


def route_incoming_call(
    call: IncomingCall,
    *,
    answered_by: EmployeeId,
    staff: StaffDirectory,
    matches: Sequence[tuple[Client, ...]],
    now: datetime,
    policy: Policy,
    make_id: Callable[[], str] = new_id,
) -> CallRouting:
    """Route one call. ``matches[i]`` are the cards found for ``client_queries(call)[i]``;
    only the first query that finds any counts, so the shell may stop there (``matches``
    then ends with it).

    Raises ValidationError for bad input (an unknown employee answering, a missing field the
    branch needs, a new card without name, city or phone); everything else is a value.
    """
    _check_call(call, staff, answered_by, policy)
    manager = staff.employee(answered_by)
    assert manager is not None
    msg = policy.messages
    greeting = msg.greeting.format(
        company=policy.company_name, manager=PersonName(manager.first_name, manager.gender)
    )

    def target_name(department_id: DepartmentId) -> str:
        dept = staff.department(department_id)
        return dept.name if dept else department_id

    def routed(branch: CallBranch, client: Client | None) -> Event:
        return CallRouted(branch.value, answered_by, client.id if client else None, now)

    if call.intent is CallIntent.SALES_MANAGER:
        return _named_manager(call, staff, now, policy, greeting, routed, target_name)

    if call.intent is CallIntent.TECH_SUPPORT and call.is_customer:
        found = _first_found(matches)
        if len(found) != 1:
            code, line = (
                ("client_ambiguous", msg.ambiguous)
                if found
                else ("client_not_found", msg.not_identified)
            )
            violation = Violation(
                code,
                "no single client or dealer matches the name or contract number given"
                if not found
                else f"{len(found)} clients match: " + ", ".join(c.name for c in found),
                field="contract_number" if call.contract_number else "name",
            )
            return CallRouting(
                CallBranch.UNIDENTIFIED,
                (greeting, msg.ask_identification, line),
                None,
                Decision(violations=(violation,), events=(routed(CallBranch.UNIDENTIFIED, None),)),
            )
        return _record(
            CallBranch.TECH_SUPPORT,
            call,
            found[0],
            False,
            policy.tech_support_department,
            policy.tech_support_reaction_delay,
            answered_by,
            now,
            policy,
            make_id,
            (greeting, msg.transfer.format(target=target_name(policy.tech_support_department))),
            routed,
        )

    found = _first_found(matches)
    existing = found[0] if found else None
    if existing is not None and (errors := _phone_errors(call, policy)):
        raise ValidationError(errors, subject="incoming call")
    client = existing or new_card(call, now=now, policy=policy, make_id=make_id)
    if call.intent in (CallIntent.COOPERATION, CallIntent.UNCLEAR):
        return _record(
            CallBranch.MANAGEMENT,
            call,
            client,
            existing is None,
            policy.management_department,
            policy.management_reaction_delay,
            answered_by,
            now,
            policy,
            make_id,
            (greeting, msg.callback_promise),
            routed,
            transfer=False,
        )
    branch = (
        CallBranch.SALES if call.intent is CallIntent.PRODUCT_INFO else CallBranch.NOT_A_CUSTOMER
    )
    return _record(
        branch,
        call,
        client,
        existing is None,
        policy.sales_department,
        policy.sales_reaction_delay,
        answered_by,
        now,
        policy,
        make_id,
        (greeting, msg.transfer.format(target=target_name(policy.sales_department))),
        routed,
    )


def _named_manager(
    call: IncomingCall,
    staff: StaffDirectory,
    now: datetime,
    policy: Policy,
    greeting: str,
    routed: Callable[[CallBranch, Client | None], Event],
    target_name: Callable[[DepartmentId], str],
) -> CallRouting:
    msg = policy.messages
    assert call.requested_manager is not None
    candidates = tuple(
        e
        for e in staff.find_employee(call.requested_manager)
        if e.department_id == policy.sales_department or Role.SALES_MANAGER in e.roles
    )
    sales = target_name(policy.sales_department)
    to_sales = TransferCall(department_id=policy.sales_department)
    branch = CallBranch.NAMED_MANAGER_UNAVAILABLE
    if len(candidates) == 1:
        wanted = candidates[0]
        if not staff.is_absent(wanted.id, now.astimezone(policy.tz).date()):
            branch = CallBranch.NAMED_MANAGER
            return CallRouting(
                branch,
                (greeting, msg.transfer.format(target=wanted.full_name), msg.closing),
                TransferCall(employee_id=wanted.id),
                Decision(
                    commands=(TransferCall(employee_id=wanted.id),),
                    events=(routed(branch, None),),
                ),
            )
        line = msg.employee_absent.format(employee=wanted.person, target=sales)
        violation = Violation("employee_absent", f"{wanted.full_name} is absent today")
    else:
        line = msg.transfer.format(target=sales)
        violation = Violation(
            "employee_ambiguous" if candidates else "employee_not_found",
            f"{len(candidates)} employees match {call.requested_manager!r}",
            field="requested_manager",
        )
    return CallRouting(
        branch,
        (greeting, line, msg.closing),
        to_sales,
        Decision(violations=(violation,), commands=(to_sales,), events=(routed(branch, None),)),
    )


def _record(
    branch: CallBranch,
    call: IncomingCall,
    client: Client,
    create: bool,
    department: DepartmentId,
    delay: timedelta,
    answered_by: EmployeeId,
    now: datetime,
    policy: Policy,
    make_id: Callable[[], str],
    lines: tuple[str, ...],
    routed: Callable[[CallBranch, Client | None], Event],
    *,
    transfer: bool = True,
) -> CallRouting:
    """Card (when new) + appeal + reaction for ``department``, due ``delay`` after the call."""
    topic = call.topic or policy.messages.default_topic
    appeal_id = AppealId(make_id())
    # what Appeal and Reaction check, asked of the parts once: both made without asking again
    fine = (
        fine_text(client.id, ID_LENGTH)
        and fine_text(topic, TOPIC_LENGTH)
        and fine_text(department, ID_LENGTH)
        and (answered_by is None or fine_text(answered_by, ID_LENGTH))
        and fine_moment(now)
    )
    # the same arguments either way: the trusted constructor has Appeal's and Reaction's
    # parameters (clientops._checks.trusted)
    make_appeal: Callable[..., Appeal] = (
        _trusted_appeal
        if fine
        and fine_text(appeal_id, ID_LENGTH)
        and (call.project is None or fine_text(call.project, NAME_LENGTH))
        and (call.note is None or fine_text(call.note, NOTE_LENGTH))
        else Appeal
    )
    appeal = make_appeal(
        id=appeal_id,
        client_id=client.id,
        topic=topic,
        department_id=department,
        created_at=now,
        type=AppealType.CLIENT_DEPARTMENT,
        project=call.project,
        note=call.note,
        created_by=answered_by,
    )
    reaction_id = ReactionId(make_id())
    due_at = now + delay
    make_reaction: Callable[..., Reaction] = (
        _trusted_reaction
        if fine and fine_text(reaction_id, ID_LENGTH) and fine_moment(due_at)
        else Reaction
    )
    reaction = make_reaction(
        id=reaction_id,
        appeal_id=appeal.id,
        client_id=client.id,
        kind=ReactionKind.INCOMING_CALL,
        topic=topic,
        due_at=due_at,
        created_at=now,
        department_id=department,
        created_by=answered_by,
    )
    commands: list[Command] = []
    events: list[Event] = []
    if create:
        commands.append(CreateClient(client))
        events.append(ClientCreated(client.id, now))
    commands += [CreateAppeal(appeal), CreateReaction(reaction)]
    events += [
        AppealOpened(appeal.id, client.id, department, now),
        ReactionScheduled(reaction.id, client.id, department, None, reaction.due_at, now),
        routed(branch, client),
    ]
    transfer_to = TransferCall(department_id=department) if transfer else None
    if transfer_to is not None:
        commands.append(transfer_to)
    return CallRouting(
        branch,
        (*lines, policy.messages.closing),
        transfer_to,
        Decision(commands=tuple(commands), events=tuple(events)),
        client=client,
        appeal=appeal,
        reaction=reaction,
    )
