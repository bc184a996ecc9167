"""The client folder check and the onboarding checklist, as pure rules.

Data in, decisions out: no storage, no clock, no courier. The service
(:meth:`ops.onboarding.receive_folder` and its siblings) loads the state, calls these, and
stores what they return.

    >>> from datetime import datetime, UTC
    >>> from clientops import Policy
    >>> from clientops.clients import StaffDirectory
    >>> from clientops.onboarding import ClientFolder, DocumentCopy, FolderContract, TitlePage
    >>> folder = ClientFolder(
    ...     title_page=TitlePage(client_name="ООО «Ромашка»", contract_number="12/25",
    ...                          city="Омск", contact_person="Иванов Пётр",
    ...                          phone="+7 3812 12-34-56", products=("ArchiMed+",)),
    ...     contracts=(FolderContract("12/25", copies=(DocumentCopy(),) * 2),),
    ... )
    >>> check = check_folder(folder, staff=StaffDirectory(), policy=Policy())
    >>> for n in check.nonconformities:
    ...     print(n.kind.value, "|", n.message)
    field_missing | Титульный лист: не заполнено поле «Ф.И.О. ведущего менеджера»
    contract_copies_short | Договор № 12/25: экземпляров 2 из 3
    no_invoice | В папке нет счёта на оплату
    >>> [item.label for item in parcel_items(("ArchiMed+",), Policy())][:2]
    ['Коробка для программного продукта ArchiMed+', 'Книга по программному продукту ArchiMed+']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

import attrs

from clientops._formats import full_date, money_text
from clientops._names import PersonName
from clientops._onboarding import (
    ClientFolder,
    DocumentCopy,
    Nonconformity,
    NonconformityKind,
    Onboarding,
    OnboardingId,
    OnboardingPolicy,
    OnboardingStep,
    OnboardingTexts,
    ParcelItem,
    ParcelItemKind,
    PlannedDelivery,
    Recipient,
    StepRecord,
    TitlePage,
)
from clientops.courier import Booking, Quote
from clientops.errors import FieldError, InvalidPhoneError, TransitionError, ValidationError
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    Client,
    ClientCategory,
    ClientId,
    Contact,
    Employee,
    EmployeeId,
    Phone,
    Reaction,
    ReactionId,
    ReactionKind,
    Role,
    StaffDirectory,
    contract_key,
    new_id,
)
from clientops.policy import Policy

__all__ = [
    "FolderCheck",
    "FolderIntake",
    "check_folder",
    "complete_step",
    "intake_folder",
    "nonconformity_recipients",
    "parcel_items",
    "parcel_weight",
    "plan_delivery",
    "record_booking",
    "record_welcome_call",
    "welcome_script",
]


# --------------------------------------------------------------------------- the check


@attrs.frozen
class FolderCheck:
    """What the folder check found: every nonconformity, and the sales manager of the title
    page when the staff directory knows exactly one such person."""

    nonconformities: tuple[Nonconformity, ...]
    sales_manager: Employee | None
    phone: Phone | None

    @property
    def ok(self) -> bool:
        return not self.nonconformities

    @property
    def to_sign(self) -> tuple[Nonconformity, ...]:
        """The copies the client manager gets signed by the head or stamps themselves."""
        return tuple(n for n in self.nonconformities if n.kind.fixed_in_house)

    def kinds(self) -> tuple[NonconformityKind, ...]:
        return tuple(n.kind for n in self.nonconformities)


def _find_sales_manager(name: str, staff: StaffDirectory, policy: Policy) -> tuple[Employee, ...]:
    found = staff.find_employee(name)
    if len(found) > 1:
        sales = tuple(
            e
            for e in found
            if e.department_id == policy.sales_department or Role.SALES_MANAGER in e.roles
        )
        found = sales or found
    return found


def check_folder(folder: ClientFolder, *, staff: StaffDirectory, policy: Policy) -> FolderCheck:
    """Every nonconformity of ``folder`` against ``policy.onboarding``: the title page and its
    fields, each contract's and the invoice's copies, the signature and the seal on each copy.
    Nothing stops at the first fault."""
    rules = policy.onboarding
    texts = rules.texts
    found: list[Nonconformity] = []
    sales_manager: Employee | None = None
    phone: Phone | None = None

    def add(kind: NonconformityKind, document: str, message: str, field: str) -> None:
        found.append(Nonconformity(kind, document, message, field))

    title = folder.title_page
    if title is None:
        add(
            NonconformityKind.NO_TITLE_PAGE,
            texts.title_page_label,
            texts.no_title_page,
            "title_page",
        )
    else:
        for name in rules.title_page_fields:
            value = getattr(title, name)
            blank = (
                not any(v.strip() for v in value) if isinstance(value, tuple) else not value.strip()
            )
            if blank:
                add(
                    NonconformityKind.FIELD_MISSING,
                    texts.title_page_label,
                    texts.field_missing.format(field=texts.field_name(name)),
                    f"title_page.{name}",
                )
        if title.phone.strip():
            try:
                phone = Phone.parse(title.phone, policy.phone_region, strict=policy.strict_phones)
            except InvalidPhoneError:
                add(
                    NonconformityKind.FIELD_INVALID,
                    texts.title_page_label,
                    texts.field_invalid.format(
                        field=texts.field_name("phone"), detail=texts.phone_invalid
                    ),
                    "title_page.phone",
                )
        if title.sales_manager.strip():
            people = _find_sales_manager(title.sales_manager, staff, policy)
            if len(people) == 1:
                sales_manager = people[0]
            else:
                add(
                    NonconformityKind.FIELD_INVALID,
                    texts.title_page_label,
                    texts.field_invalid.format(
                        field=texts.field_name("sales_manager"),
                        detail=texts.manager_unknown if not people else texts.manager_ambiguous,
                    ),
                    "title_page.sales_manager",
                )
        if title.contract_number.strip() and folder.contracts:
            key = contract_key(title.contract_number)
            if all(contract_key(c.number) != key for c in folder.contracts):
                add(
                    NonconformityKind.CONTRACT_NOT_IN_FOLDER,
                    texts.title_page_label,
                    texts.contract_not_in_folder.format(number=title.contract_number.strip()),
                    "title_page.contract_number",
                )

    if not folder.contracts:
        add(NonconformityKind.NO_CONTRACT, "—", texts.no_contract, "contracts")
    for i, contract in enumerate(folder.contracts):
        label = texts.contract_label.format(kind=contract.kind, number=contract.number)
        _check_copies(
            add,
            label,
            f"contracts[{i}]",
            contract.copies,
            rules.contract_copies,
            rules,
            texts,
            NonconformityKind.CONTRACT_COPIES_SHORT,
        )
    if not folder.invoices and rules.require_invoice:
        add(NonconformityKind.NO_INVOICE, "—", texts.no_invoice, "invoices")
    for i, invoice in enumerate(folder.invoices):
        label = texts.invoice_label.format(number=invoice.number)
        _check_copies(
            add,
            label,
            f"invoices[{i}]",
            invoice.copies,
            rules.invoice_copies,
            rules,
            texts,
            NonconformityKind.INVOICE_COPIES_SHORT,
        )
    return FolderCheck(tuple(found), sales_manager, phone)


def _check_copies(
    add: Callable[[NonconformityKind, str, str, str], None],
    label: str,
    path: str,
    copies: tuple[DocumentCopy, ...],
    expected: int,
    rules: OnboardingPolicy,
    texts: OnboardingTexts,
    short: NonconformityKind,
) -> None:
    listed = copies
    if len(listed) < expected:
        add(
            short,
            label,
            texts.copies_short.format(document=label, found=len(listed), expected=expected),
            f"{path}.copies",
        )
    for n, copy in enumerate(listed):
        if rules.require_signature and not copy.signed:
            add(
                NonconformityKind.UNSIGNED,
                label,
                texts.unsigned.format(document=label, copy=n + 1),
                f"{path}.copies[{n}].signed",
            )
        if rules.require_seal and not copy.stamped:
            add(
                NonconformityKind.UNSTAMPED,
                label,
                texts.unstamped.format(document=label, copy=n + 1),
                f"{path}.copies[{n}].stamped",
            )


def nonconformity_recipients(
    check: FolderCheck, *, staff: StaffDirectory, manager: Employee, policy: Policy
) -> tuple[Employee, ...]:
    """Who is told about the folder's nonconformities, by ``policy.onboarding`` (the sales
    manager of the title page and the head of sales by default), each once. Empty when the
    folder is in order, or when none of them can be found (the service then tells the sales
    department as a whole)."""
    if check.ok:
        return ()
    people: list[Employee] = []
    for recipient in policy.onboarding.nonconformity_recipients:
        match recipient:
            case Recipient.SALES_MANAGER:
                person = check.sales_manager
            case Recipient.HEAD_OF_SALES:
                person = staff.head_of(policy.sales_department)
            case Recipient.CLIENT_MANAGER:
                person = manager
        if person is not None and all(p.id != person.id for p in people):
            people.append(person)
    return tuple(people)


# --------------------------------------------------------------------------- the parcel


def parcel_items(products: Iterable[str], policy: Policy) -> tuple[ParcelItem, ...]:
    """What the parcel holds for ``products``, by each product's :class:`ProductRule`: a box,
    the book (only for products that have one), the electronic key and the disc from tech
    support; then the software transfer act and the act of completed works, once for the
    parcel, when any product needs them."""
    rules = policy.onboarding
    texts = rules.texts
    items: list[ParcelItem] = []
    transfer = works = False
    seen: set[str] = set()
    for name in products:
        if not name.strip():
            continue
        rule = rules.product(name)
        if rule.name.casefold() in seen:
            continue
        seen.add(rule.name.casefold())
        product = rule.name
        if rule.box:
            items.append(
                ParcelItem(
                    ParcelItemKind.BOX,
                    texts.item_box.format(product=product),
                    product,
                    1,
                    texts.source_boxes,
                )
            )
        if rule.has_book:
            items.append(
                ParcelItem(
                    ParcelItemKind.BOOK,
                    texts.item_book.format(product=product),
                    product,
                    1,
                    texts.source_books,
                )
            )
        if rule.electronic_key:
            items.append(
                ParcelItem(
                    ParcelItemKind.ELECTRONIC_KEY,
                    texts.item_key.format(product=product),
                    product,
                    1,
                    texts.source_tech_support,
                )
            )
        if rule.disc:
            items.append(
                ParcelItem(
                    ParcelItemKind.DISC,
                    texts.item_disc.format(product=product),
                    product,
                    1,
                    texts.source_tech_support,
                )
            )
        transfer = transfer or rule.software_transfer_act
        works = works or rule.completed_works_act
    if transfer:
        items.append(
            ParcelItem(
                ParcelItemKind.SOFTWARE_TRANSFER_ACT,
                texts.item_transfer_act,
                None,
                rules.act_copies,
                texts.source_documents,
            )
        )
    if works:
        items.append(
            ParcelItem(
                ParcelItemKind.COMPLETED_WORKS_ACT,
                texts.item_works_act,
                None,
                rules.act_copies,
                texts.source_documents,
            )
        )
    return tuple(items)


def parcel_weight(items: Iterable[ParcelItem], policy: Policy) -> int:
    """The parcel's weight in grams by the policy's weights per item."""
    rules = policy.onboarding
    grams = {
        ParcelItemKind.BOX: rules.box_grams,
        ParcelItemKind.BOOK: rules.book_grams,
        ParcelItemKind.ELECTRONIC_KEY: rules.media_grams,
        ParcelItemKind.DISC: 0,
        ParcelItemKind.SOFTWARE_TRANSFER_ACT: 0,
        ParcelItemKind.COMPLETED_WORKS_ACT: 0,
    }
    listed = tuple(items)
    total = sum(grams[item.kind] * item.quantity for item in listed)
    # a disc weighs with its product's key; a disc shipped without a key weighs on its own
    keyed = {i.product for i in listed if i.kind is ParcelItemKind.ELECTRONIC_KEY}
    total += sum(
        rules.media_grams * i.quantity
        for i in listed
        if i.kind is ParcelItemKind.DISC and i.product not in keyed
    )
    if any(
        i.kind in (ParcelItemKind.SOFTWARE_TRANSFER_ACT, ParcelItemKind.COMPLETED_WORKS_ACT)
        for i in listed
    ):
        total += rules.documents_grams
    return max(total, rules.documents_grams)


# --------------------------------------------------------------------------- the welcome call


def welcome_script(
    *,
    manager: Employee,
    products: Iterable[str],
    delivery_date: date | None,
    policy: Policy,
) -> tuple[str, ...]:
    """The welcome call, line by line: the approved greeting with the manager's first name and
    the products of the title page, the manager's role, the question for the e-mail address,
    and when the parcel will arrive (or that the date will follow)."""
    rules = policy.onboarding
    texts = rules.texts
    named = [p.strip() for p in products if p.strip()]
    product = ", ".join(named) if named else "—"
    lines = [
        texts.welcome_greeting.format(
            manager=PersonName(manager.first_name, manager.gender),
            company=policy.company_name,
            company_spoken=rules.company_spoken,
            product=product,
        ),
        texts.welcome_role.format(
            manager=PersonName(manager.first_name, manager.gender), company=policy.company_name
        ),
        texts.welcome_ask_email,
    ]
    if delivery_date is not None:
        lines.append(texts.welcome_delivery.format(date=full_date(delivery_date)))
    else:
        lines.append(texts.welcome_delivery_unknown)
    return tuple(lines)


# --------------------------------------------------------------------------- intake


@attrs.frozen
class FolderIntake:
    """What receiving a folder records: the card (new, or the existing one with the folder's
    contract, phone and contact added), the appeal the folder is received under (its note lists
    the nonconformities), the reactions (to the recipients of the nonconformities, and to the
    client manager for copies to sign or stamp), and the onboarding with its first steps done.
    ``new_client`` says whether the card is new."""

    check: FolderCheck
    client: Client
    new_client: bool
    appeal: Appeal
    reactions: tuple[Reaction, ...]
    onboarding: Onboarding


def _require_card_fields(title: TitlePage | None) -> TitlePage:
    if title is None:
        raise ValidationError(
            [FieldError("title_page", "the folder has no title page: no card can be made")],
            subject="client folder",
        )
    errors = [
        FieldError(f"title_page.{name}", "required to make the client card")
        for name in ("client_name", "city")
        if not getattr(title, name).strip()
    ]
    if errors:
        raise ValidationError(errors, subject="client folder")
    return title


def _card(
    title: TitlePage,
    folder: ClientFolder,
    check: FolderCheck,
    *,
    existing: Client | None,
    manager: Employee,
    now: datetime,
    client_id: ClientId,
) -> Client:
    numbers: list[str] = list(existing.contract_numbers) if existing else []
    wanted = [c.number for c in folder.contracts]
    if title.contract_number.strip():
        wanted.insert(0, title.contract_number.strip())
    for number in wanted:
        if all(contract_key(number) != contract_key(n) for n in numbers):
            numbers.append(number)
    phones = list(existing.phones) if existing else []
    if check.phone is not None and check.phone not in phones:
        phones.append(check.phone)
    contacts = list(existing.contacts) if existing else []
    person = title.contact_person.strip()
    if person and all(c.name.casefold() != person.casefold() for c in contacts):
        contacts.append(Contact(person, phones=(check.phone,) if check.phone is not None else ()))
    if existing is not None:
        return attrs.evolve(
            existing,
            contract_numbers=tuple(numbers),
            phones=tuple(phones),
            contacts=tuple(contacts),
            manager_id=existing.manager_id or manager.id,
        )
    return Client(
        id=client_id,
        name=title.client_name.strip(),
        city=title.city.strip(),
        phones=tuple(phones),
        category=ClientCategory.CLIENT,
        contacts=tuple(contacts),
        manager_id=manager.id,
        contract_numbers=tuple(numbers),
        created_at=now,
    )


def _fresh_steps() -> list[StepRecord]:
    return [StepRecord(step) for step in OnboardingStep]


def intake_folder(
    folder: ClientFolder,
    *,
    manager: Employee,
    staff: StaffDirectory,
    existing: Client | None,
    now: datetime,
    policy: Policy,
    make_id: Callable[[], str] = new_id,
) -> FolderIntake:
    """Receive a folder: check it, make (or extend) the card, open the intake appeal, tell the
    recipients of its nonconformities, and start the checklist with step 1 done by ``manager``
    (and step 2 too when every copy is signed and stamped). Steps that do not apply (no product
    with a book, no act needed) are marked so.

    A folder without a title page, or whose title page lacks the client's name or city, cannot
    become a card: :class:`~clientops.errors.ValidationError` naming the field.
    """
    title = _require_card_fields(folder.title_page)
    rules = policy.onboarding
    texts = rules.texts
    check = check_folder(folder, staff=staff, policy=policy)
    client = _card(
        title,
        folder,
        check,
        existing=existing,
        manager=manager,
        now=now,
        client_id=existing.id if existing is not None else ClientId(make_id()),
    )
    appeal = Appeal(
        id=AppealId(make_id()),
        client_id=client.id,
        topic=texts.intake_topic,
        department_id=policy.client_department,
        created_at=now,
        type=AppealType.CLIENT_DEPARTMENT,
        note="\n".join(n.message for n in check.nonconformities) or None,
        created_by=manager.id,
    )

    def reaction(topic: str, *, due: datetime, employee: EmployeeId | None) -> Reaction:
        return Reaction(
            id=ReactionId(make_id()),
            appeal_id=appeal.id,
            client_id=client.id,
            kind=ReactionKind.TASK,
            topic=topic,
            due_at=due,
            created_at=now,
            department_id=None if employee is not None else policy.sales_department,
            employee_id=employee,
            created_by=manager.id,
        )

    reactions: list[Reaction] = []
    if not check.ok:
        topic = texts.nonconformity_topic.format(
            client=client.name, count=len(check.nonconformities)
        )
        due = now + rules.nonconformity_delay
        people = nonconformity_recipients(check, staff=staff, manager=manager, policy=policy)
        if people:
            reactions.extend(reaction(topic, due=due, employee=p.id) for p in people)
        else:
            reactions.append(reaction(topic, due=due, employee=None))
    if check.to_sign:
        reactions.append(
            reaction(
                sign_topic(check.to_sign, policy),
                due=now + rules.signing_delay,
                employee=manager.id,
            )
        )

    products = tuple(p for p in title.products if p.strip())
    parcel = parcel_items(products, policy)
    steps = _fresh_steps()
    steps[0] = StepRecord(OnboardingStep.CHECK_FOLDER, manager.id, now)
    if not check.to_sign:
        steps[1] = StepRecord(OnboardingStep.CHECK_SIGNATURES, manager.id, now)
    kinds = {item.kind for item in parcel}
    if ParcelItemKind.BOOK not in kinds:
        steps[OnboardingStep.PREPARE_BOOK.number - 1] = StepRecord(
            OnboardingStep.PREPARE_BOOK, not_applicable=True
        )
    if not kinds & {ParcelItemKind.SOFTWARE_TRANSFER_ACT, ParcelItemKind.COMPLETED_WORKS_ACT}:
        steps[OnboardingStep.PREPARE_ACTS.number - 1] = StepRecord(
            OnboardingStep.PREPARE_ACTS, not_applicable=True
        )
    if not kinds & {ParcelItemKind.ELECTRONIC_KEY, ParcelItemKind.DISC}:
        steps[OnboardingStep.KEY_AND_DISC.number - 1] = StepRecord(
            OnboardingStep.KEY_AND_DISC, not_applicable=True
        )
    if ParcelItemKind.BOX not in kinds:
        steps[OnboardingStep.PREPARE_BOX.number - 1] = StepRecord(
            OnboardingStep.PREPARE_BOX, not_applicable=True
        )
    onboarding = Onboarding(
        id=OnboardingId(make_id()),
        client_id=client.id,
        appeal_id=appeal.id,
        manager_id=manager.id,
        folder=folder,
        started_at=now,
        steps=tuple(steps),
        sales_manager_id=check.sales_manager.id if check.sales_manager else None,
        nonconformities=check.nonconformities,
        parcel=parcel,
    )
    return FolderIntake(check, client, existing is None, appeal, tuple(reactions), onboarding)


# --------------------------------------------------------------------------- the steps


def _subject(onboarding: Onboarding) -> str:
    return f"onboarding {onboarding.id}"


def _where(onboarding: Onboarding) -> str:
    step = onboarding.next_step
    if step is None:
        return "all steps done"
    return f"step {step.number} ({step.value})"


def sign_topic(nonconformities: Iterable[Nonconformity], policy: Policy) -> str:
    """The topic of the manager's task to get copies signed and stamped: the documents of the
    in-house nonconformities among ``nonconformities``, each once, in order."""
    documents = ", ".join(
        dict.fromkeys(n.document for n in nonconformities if n.kind.fixed_in_house)
    )
    return policy.onboarding.texts.sign_topic.format(documents=documents)


def step_refusal(onboarding: Onboarding, step: OnboardingStep, reason: str) -> TransitionError:
    """The TransitionError for ``step`` not allowed now: where the checklist is, the steps
    that can be done, and ``reason``."""
    return TransitionError(
        _subject(onboarding),
        current=_where(onboarding),
        attempted=f"complete step {step.number} ({step.value})",
        allowed=tuple(s.value for s in onboarding.available_steps),
        reason=reason,
    )


def complete_step(
    onboarding: Onboarding,
    step: OnboardingStep,
    *,
    by: EmployeeId,
    now: datetime,
    note: str = "",
) -> Onboarding:
    """``onboarding`` with ``step`` done by ``by`` at ``now``.

    A step already done, marked not applicable, or whose prerequisites
    (:data:`~clientops.onboarding.STEP_REQUIRES`) are still open raises
    :class:`~clientops.errors.TransitionError` naming the step the checklist is at and the
    steps that can be done now.
    """
    record = onboarding.record(step)
    if record.done:
        raise step_refusal(
            onboarding, step, f"already done by {record.done_by} at {record.done_at:%Y-%m-%d %H:%M}"
        )
    if record.not_applicable:
        raise step_refusal(onboarding, step, "not applicable to this folder")
    missing = onboarding.missing_for(step)
    if missing:
        needs = ", ".join(f"{s.number} ({s.value})" for s in missing)
        raise step_refusal(onboarding, step, f"needs step {needs} first")
    steps = list(onboarding.steps)
    steps[step.number - 1] = StepRecord(step, by, now, note=note)
    return attrs.evolve(onboarding, steps=tuple(steps))


def plan_delivery(
    onboarding: Onboarding,
    quote: Quote,
    *,
    pickup_date: date,
    by: EmployeeId,
    now: datetime,
) -> Onboarding:
    """Step 3 done: the courier's quote and the pickup asked for on ``pickup_date``; the planned
    delivery date is the quote's latest day after it. The pickup's idempotency key is
    ``pickup-<onboarding id>``: retries of the booking book once."""
    done = complete_step(
        onboarding,
        OnboardingStep.CALL_COURIER,
        by=by,
        now=now,
        note=f"{quote.courier}: {quote.days_min}–{quote.days_max} дн., {money_text(quote.price)}",
    )
    _, latest = quote.delivery_window(pickup_date)
    return attrs.evolve(
        done,
        delivery=PlannedDelivery(
            quote=quote,
            pickup_date=pickup_date,
            planned_date=latest,
            pickup_key=f"pickup-{onboarding.id}",
        ),
    )


def record_booking(onboarding: Onboarding, booking: Booking) -> Onboarding:
    """The carrier's booking of the pickup, stored on the planned delivery. The same booking
    again changes nothing; a booking under another key is refused."""
    delivery = onboarding.delivery
    if delivery is None or delivery.pickup_key != booking.key:
        raise ValidationError(
            [FieldError("booking.key", f"{booking.key!r} is not this onboarding's pickup")],
            subject=_subject(onboarding),
        )
    return attrs.evolve(onboarding, delivery=attrs.evolve(delivery, booking=booking))


def record_welcome_call(
    onboarding: Onboarding,
    *,
    by: EmployeeId,
    now: datetime,
    email: str | None,
    note: str = "",
) -> Onboarding:
    """Step 4 done, with the client's e-mail address when they gave one."""
    done = complete_step(onboarding, OnboardingStep.WELCOME_CALL, by=by, now=now, note=note)
    return attrs.evolve(done, email=email or onboarding.email)


def send_contacts_refusal(onboarding: Onboarding) -> TransitionError | None:
    """Why step 5 cannot be done now (no e-mail address captured), or ``None``."""
    if onboarding.email is None and onboarding.is_closed(OnboardingStep.WELCOME_CALL):
        return step_refusal(
            onboarding, OnboardingStep.SEND_CONTACTS, "no e-mail address was captured"
        )
    return None
