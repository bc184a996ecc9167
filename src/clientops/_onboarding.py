"""Client folder intake and onboarding: the folder, its nonconformities, the parcel, and the
ten-step checklist of Appendix 1 as a tracked process.

After the sale the sales manager hands the client over with a *client folder*: a title page,
the contracts (three copies of each) and the invoice (two copies), every copy signed and
stamped. The client manager checks it (:func:`clientops.rules.onboarding.check_folder`
reports every :class:`Nonconformity` as a value), books the courier, makes the welcome call,
sends their contacts, sets a reaction on the planned delivery date and assembles the parcel.
:class:`Onboarding` tracks those ten steps: who did each and when, which is next, and what
still blocks the parcel.

Everything the rules count or say comes from :class:`OnboardingPolicy` (copy counts, who is
told about nonconformities, which products come with a book) and :class:`OnboardingTexts`
(Russian by default)::

    >>> import attrs
    >>> from clientops.onboarding import OnboardingPolicy, ProductRule
    >>> policy = OnboardingPolicy()
    >>> policy.contract_copies, policy.invoice_copies
    (3, 2)
    >>> [p.name for p in policy.products if p.has_book]
    ['ArchiMed+', 'ArchiSport']
    >>> fit = ProductRule("ArchiFit", has_book=True)
    >>> mine = attrs.evolve(policy, products=(*policy.products, fit))
    >>> mine.product("archifit").has_book
    True
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta
from typing import Any, NewType

import attrs

from clientops._checks import aware, not_blank, tuple_of
from clientops._text import template_validator
from clientops.courier import Booking, Quote
from clientops.events import Event
from clientops.model import AppealId, ClientId, EmployeeId, Money

__all__ = [
    "STEP_REQUIRES",
    "Blocker",
    "ClientFolder",
    "DocumentCopy",
    "FolderContract",
    "FolderInvoice",
    "FolderReceived",
    "Nonconformity",
    "NonconformityKind",
    "Onboarding",
    "OnboardingId",
    "OnboardingPolicy",
    "OnboardingStep",
    "OnboardingStepDone",
    "OnboardingTexts",
    "ParcelItem",
    "ParcelItemKind",
    "PlannedDelivery",
    "ProductRule",
    "Recipient",
    "StepRecord",
    "TitlePage",
]

OnboardingId = NewType("OnboardingId", str)


# --------------------------------------------------------------------------- the folder


@attrs.frozen
class DocumentCopy:
    """One paper copy of a contract or an invoice: signed by the head, stamped with the seal."""

    signed: bool = True
    stamped: bool = True


def _copies(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    tuple_of(DocumentCopy)(_, attribute, value)


@attrs.frozen
class FolderContract:
    """A contract in the folder: its number, its kind (a folder may hold several contracts,
    one per kind of service sold) and the copies present."""

    number: str = attrs.field(validator=not_blank)
    kind: str = attrs.field(default="Договор", validator=not_blank)
    copies: tuple[DocumentCopy, ...] = attrs.field(default=(), validator=_copies)


@attrs.frozen
class FolderInvoice:
    """The invoice for payment in the folder, with its copies and, when known, its amount."""

    number: str = attrs.field(validator=not_blank)
    copies: tuple[DocumentCopy, ...] = attrs.field(default=(), validator=_copies)
    amount: Money | None = None


def _text(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a string, got {type(value).__name__}")


@attrs.frozen
class TitlePage:
    """The folder's title page as the sales manager filled it in. Every field is text as
    written: a blank or malformed one is a :class:`Nonconformity` found by the check, not an
    exception. ``products`` are the software products sold (the welcome call names them);
    ``address`` is where the parcel goes, when the sales manager wrote it."""

    client_name: str = attrs.field(default="", validator=_text)
    contract_number: str = attrs.field(default="", validator=_text)
    sales_manager: str = attrs.field(default="", validator=_text)
    city: str = attrs.field(default="", validator=_text)
    contact_person: str = attrs.field(default="", validator=_text)
    phone: str = attrs.field(default="", validator=_text)
    products: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str))
    address: str = attrs.field(default="", validator=_text)


@attrs.frozen
class ClientFolder:
    """What the sales manager hands over: the title page (``None`` when it is missing), the
    contracts and the invoices."""

    title_page: TitlePage | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(TitlePage))
    )
    contracts: tuple[FolderContract, ...] = attrs.field(
        default=(), validator=tuple_of(FolderContract)
    )
    invoices: tuple[FolderInvoice, ...] = attrs.field(default=(), validator=tuple_of(FolderInvoice))


class NonconformityKind(enum.Enum):
    """What can be wrong with a folder."""

    NO_TITLE_PAGE = "no_title_page"
    #: a title page field left blank
    FIELD_MISSING = "field_missing"
    #: a title page field that cannot be right (a phone that is not one, a sales manager
    #: the staff directory does not know)
    FIELD_INVALID = "field_invalid"
    NO_CONTRACT = "no_contract"
    #: the contract number of the title page is not among the contracts in the folder
    CONTRACT_NOT_IN_FOLDER = "contract_not_in_folder"
    CONTRACT_COPIES_SHORT = "contract_copies_short"
    NO_INVOICE = "no_invoice"
    INVOICE_COPIES_SHORT = "invoice_copies_short"
    UNSIGNED = "unsigned"
    UNSTAMPED = "unstamped"

    @property
    def fixed_in_house(self) -> bool:
        """The client manager fixes it: gets the copy signed by the head, or stamps it."""
        return self in (NonconformityKind.UNSIGNED, NonconformityKind.UNSTAMPED)


@attrs.frozen
class Nonconformity:
    """One thing wrong with a folder: its kind, the document it concerns (as people name it),
    a message for people, and the ``field`` path (``title_page.phone``,
    ``contracts[0].copies[2].signed``) for programs."""

    kind: NonconformityKind
    document: str
    message: str
    field: str


# --------------------------------------------------------------------------- the parcel


class ParcelItemKind(enum.Enum):
    """What goes into the parcel."""

    BOX = "box"
    BOOK = "book"
    ELECTRONIC_KEY = "electronic_key"
    DISC = "disc"
    SOFTWARE_TRANSFER_ACT = "software_transfer_act"
    COMPLETED_WORKS_ACT = "completed_works_act"


@attrs.frozen
class ProductRule:
    """How a product is shipped: with a box, with its book (only some products have one), with
    an electronic key and a disc from tech support, with a software transfer act and/or an act
    of completed works. Names are matched regardless of case."""

    name: str = attrs.field(validator=not_blank)
    has_book: bool = False
    box: bool = True
    electronic_key: bool = True
    disc: bool = True
    software_transfer_act: bool = True
    completed_works_act: bool = False


@attrs.frozen
class ParcelItem:
    """One line of the parcel list: what, for which product (``None`` for the whole parcel),
    how many, and where it is taken from."""

    kind: ParcelItemKind
    label: str
    product: str | None
    quantity: int
    source: str


# --------------------------------------------------------------------------- the process


class OnboardingStep(enum.Enum):
    """The ten steps of Appendix 1, in the order of the checklist."""

    CHECK_FOLDER = "check_folder"
    CHECK_SIGNATURES = "check_signatures"
    CALL_COURIER = "call_courier"
    WELCOME_CALL = "welcome_call"
    SEND_CONTACTS = "send_contacts"
    DELIVERY_REACTION = "delivery_reaction"
    PREPARE_BOX = "prepare_box"
    KEY_AND_DISC = "key_and_disc"
    PREPARE_BOOK = "prepare_book"
    PREPARE_ACTS = "prepare_acts"

    @property
    def number(self) -> int:
        """Its row in the checklist, from 1."""
        return _STEP_ORDER.index(self) + 1


_STEP_ORDER = tuple(OnboardingStep)

#: The steps each step needs done first. The rest of the checklist may be done in any order.
STEP_REQUIRES: dict[OnboardingStep, tuple[OnboardingStep, ...]] = {
    OnboardingStep.CHECK_FOLDER: (),
    OnboardingStep.CHECK_SIGNATURES: (OnboardingStep.CHECK_FOLDER,),
    OnboardingStep.CALL_COURIER: (OnboardingStep.CHECK_FOLDER,),
    OnboardingStep.WELCOME_CALL: (OnboardingStep.CHECK_FOLDER,),
    # the e-mail address is learnt in the welcome call
    OnboardingStep.SEND_CONTACTS: (OnboardingStep.WELCOME_CALL,),
    # the date is the courier's, and it is told to the client in the call
    OnboardingStep.DELIVERY_REACTION: (OnboardingStep.CALL_COURIER, OnboardingStep.WELCOME_CALL),
    OnboardingStep.PREPARE_BOX: (OnboardingStep.CHECK_FOLDER,),
    # the checked, signed folder is the basis on which tech support hands out the key
    OnboardingStep.KEY_AND_DISC: (OnboardingStep.CHECK_SIGNATURES,),
    OnboardingStep.PREPARE_BOOK: (OnboardingStep.CHECK_FOLDER,),
    OnboardingStep.PREPARE_ACTS: (OnboardingStep.CHECK_SIGNATURES,),
}

#: The steps whose result travels in the parcel (besides the booked pickup).
PARCEL_STEPS = (
    OnboardingStep.CHECK_SIGNATURES,
    OnboardingStep.PREPARE_BOX,
    OnboardingStep.KEY_AND_DISC,
    OnboardingStep.PREPARE_BOOK,
    OnboardingStep.PREPARE_ACTS,
)


@attrs.frozen
class StepRecord:
    """One checklist row: done by whom and when, or marked not applicable (no product with a
    book: no book to prepare)."""

    step: OnboardingStep
    done_by: EmployeeId | None = None
    done_at: datetime | None = attrs.field(default=None, validator=aware)
    not_applicable: bool = False
    note: str = ""

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def closed(self) -> bool:
        """Done, or nothing to do."""
        return self.done or self.not_applicable


@attrs.frozen
class PlannedDelivery:
    """The courier's answer and the pickup asked for: the quote, the pickup day, the planned
    delivery date (the quote's latest day after the pickup), the idempotency key of the pickup,
    and the carrier's booking once the outbox has booked it."""

    quote: Quote
    pickup_date: date
    planned_date: date
    pickup_key: str
    booking: Booking | None = None


@attrs.frozen
class Blocker:
    """Why the parcel cannot go yet: the step still open, and what it waits for."""

    step: OnboardingStep
    reason: str


@attrs.frozen
class Onboarding:
    """One client folder on its way through the checklist.

    ``steps`` holds the ten :class:`StepRecord` in checklist order. ``nonconformities`` are
    what the folder check found; ``parcel`` what the parcel must hold. ``version`` counts
    stored changes (optimistic concurrency, as for cards).
    """

    id: OnboardingId = attrs.field(validator=not_blank)
    client_id: ClientId = attrs.field(validator=not_blank)
    #: the appeal the folder was received under; the onboarding's reactions belong to it
    appeal_id: AppealId = attrs.field(validator=not_blank)
    manager_id: EmployeeId = attrs.field(validator=not_blank)
    folder: ClientFolder
    started_at: datetime = attrs.field(validator=aware)
    steps: tuple[StepRecord, ...] = attrs.field(validator=tuple_of(StepRecord))
    sales_manager_id: EmployeeId | None = None
    nonconformities: tuple[Nonconformity, ...] = attrs.field(
        default=(), validator=tuple_of(Nonconformity)
    )
    parcel: tuple[ParcelItem, ...] = attrs.field(default=(), validator=tuple_of(ParcelItem))
    delivery: PlannedDelivery | None = None
    email: str | None = None
    version: int = 0
    #: the number of the notice of nonconformities (``3/2025``: a sequence per year), given
    #: when the folder is received with any; ``None`` before (the notice then reads «б/н»)
    notice_number: str | None = None

    @steps.validator
    def _check_steps(self, _: attrs.Attribute[Any], value: tuple[StepRecord, ...]) -> None:
        if tuple(r.step for r in value) != _STEP_ORDER:
            raise ValueError("steps must hold one record per OnboardingStep, in checklist order")

    def record(self, step: OnboardingStep) -> StepRecord:
        return self.steps[step.number - 1]

    def is_closed(self, step: OnboardingStep) -> bool:
        return self.record(step).closed

    def missing_for(self, step: OnboardingStep) -> tuple[OnboardingStep, ...]:
        """The steps ``step`` needs that are not closed yet."""
        return tuple(s for s in STEP_REQUIRES[step] if not self.is_closed(s))

    @property
    def open_steps(self) -> tuple[OnboardingStep, ...]:
        """Steps neither done nor marked not applicable, in checklist order."""
        return tuple(r.step for r in self.steps if not r.closed)

    @property
    def available_steps(self) -> tuple[OnboardingStep, ...]:
        """Open steps whose prerequisites are all closed: what can be done now."""
        return tuple(s for s in self.open_steps if not self.missing_for(s))

    @property
    def next_step(self) -> OnboardingStep | None:
        """The first step of the checklist that can be done now; ``None`` when all are done."""
        available = self.available_steps
        return available[0] if available else None

    @property
    def finished(self) -> bool:
        return not self.open_steps

    def parcel_blockers(self, texts: OnboardingTexts | None = None) -> tuple[Blocker, ...]:
        """What keeps the parcel from going: open parcel steps, and a pickup not booked yet
        (reasons in ``texts``, Russian by default), in checklist order."""
        texts = texts or OnboardingTexts()
        found = [
            Blocker(step, texts.blocker_open) for step in PARCEL_STEPS if not self.is_closed(step)
        ]
        if self.delivery is None:
            found.append(Blocker(OnboardingStep.CALL_COURIER, texts.blocker_no_courier))
        elif self.delivery.booking is None:
            found.append(Blocker(OnboardingStep.CALL_COURIER, texts.blocker_not_booked))
        return tuple(sorted(found, key=lambda b: b.step.number))

    @property
    def parcel_ready(self) -> bool:
        return not self.parcel_blockers()


# --------------------------------------------------------------------------- policy


class Recipient(enum.Enum):
    """Who is told about a folder's nonconformities."""

    #: the sales manager named on the title page
    SALES_MANAGER = "sales_manager"
    #: the head of the sales department
    HEAD_OF_SALES = "head_of_sales"
    #: the client manager who checked the folder
    CLIENT_MANAGER = "client_manager"


_PLACEHOLDERS = (
    "client",
    "company",
    "company_spoken",
    "copy",
    "count",
    "date",
    "detail",
    "document",
    "documents",
    "expected",
    "field",
    "found",
    "kind",
    "number",
    "product",
)
_template = template_validator(*_PLACEHOLDERS, persons=("manager",))


@attrs.define(
    frozen=True,
    field_transformer=lambda _, fields: [
        f.evolve(validator=_template) if f.type in (str, "str") else f for f in fields
    ],
)
class OnboardingTexts:
    """Everything the onboarding says, as ``str.format`` templates (Russian by default).

    Placeholders: ``{client}``, ``{company}``, ``{company_spoken}``, ``{copy}``, ``{count}``,
    ``{date}``, ``{detail}``, ``{document}``, ``{documents}``, ``{expected}``, ``{field}``,
    ``{found}``, ``{kind}``, ``{number}``, ``{product}``, and the person ``{manager:<case>}``
    (the manager's first name in the welcome call, the full name in the contacts e-mail) in
    the case the sentence needs (``nom``, ``gen``, ``dat``, ``acc``, ``ins``, ``pre``).
    """

    # the welcome call (the seed's approved script)
    welcome_greeting: str = (
        "Здравствуйте! Меня зовут {manager:nom}, компания {company} ({company_spoken}) по "
        "программному продукту {product}. От лица нашей компании от всей души поздравляю Вас "
        "с покупкой нашего программного обеспечения, мы со своей стороны постараемся, чтобы "
        "Вы получили только позитивные эмоции от работы с нами."
    )
    welcome_role: str = (
        "Я являюсь менеджером клиентского отдела. Вы можете обращаться ко мне абсолютно по "
        "всем вопросам, которые будут возникать. Я стану Вашим путеводителем по нашей "
        "компании. Если будет возникать непонимание с другими сотрудниками, то не "
        "стесняйтесь, обязательно говорите мне об этом, я моментально приму меры, чтобы "
        "решить все Ваши вопросы."
    )
    welcome_ask_email: str = (
        "Подскажите, пожалуйста, адрес электронной почты: я отправлю на него свои контакты."
    )
    welcome_delivery: str = "Посылку с программным продуктом Вам доставят до {date}."
    welcome_delivery_unknown: str = (
        "Срок доставки посылки я сообщу Вам, как только его подтвердит курьерская служба."
    )

    # folder nonconformities
    no_title_page: str = "Нет титульного листа"
    field_missing: str = "Титульный лист: не заполнено поле «{field}»"
    field_invalid: str = "Титульный лист: поле «{field}» заполнено неверно ({detail})"
    phone_invalid: str = "это не номер телефона"
    manager_unknown: str = "такого сотрудника нет в справочнике"
    manager_ambiguous: str = "под это имя подходят несколько сотрудников"
    no_contract: str = "В папке нет договора"
    contract_not_in_folder: str = "Договора № {number} с титульного листа нет в папке"
    copies_short: str = "{document}: экземпляров {found} из {expected}"
    no_invoice: str = "В папке нет счёта на оплату"
    unsigned: str = "{document}, экземпляр {copy}: нет подписи руководителя"
    unstamped: str = "{document}, экземпляр {copy}: нет печати организации"
    contract_label: str = "{kind} № {number}"
    invoice_label: str = "Счёт № {number}"
    title_page_label: str = "Титульный лист"

    # title page field names, as on paper
    field_client_name: str = "Наименование"
    field_contract_number: str = "Номер договора"
    field_sales_manager: str = "Ф.И.О. ведущего менеджера"
    field_city: str = "Город"
    field_contact_person: str = "Контактное лицо"
    field_phone: str = "Номер телефона"
    field_products: str = "Программный продукт"

    # appeals and reactions
    intake_topic: str = "Приём клиентской папки"
    nonconformity_topic: str = "Несоответствия в клиентской папке «{client}»: {count}"
    sign_topic: str = "Подписать у руководителя и поставить печати: {documents}"
    delivery_topic: str = "Плановая дата доставки посылки: уточнить, получена ли она"
    contacts_subject: str = "Ваш менеджер в компании {company}"
    contacts_body: str = (
        "Здравствуйте!\n\nМеня зовут {manager:nom}, я Ваш менеджер клиентского отдела компании "
        "{company}. По любым вопросам обращайтесь ко мне:\n{detail}\n\nС уважением,\n{manager:nom}"
    )

    # the parcel list
    item_box: str = "Коробка для программного продукта {product}"
    item_book: str = "Книга по программному продукту {product}"
    item_key: str = "Электронный ключ {product}"
    item_disc: str = "Диск с программным обеспечением {product}"
    item_transfer_act: str = "Акт передачи ПО"
    item_works_act: str = "Акт выполненных работ"
    source_boxes: str = "Место с биркой «Коробки программных продуктов»"
    source_books: str = "Место с биркой «Книги по программным продуктам»"
    source_tech_support: str = "Отдел технической поддержки (основание: клиентская папка)"
    source_documents: str = "Подготовить в клиентском отделе"

    # blockers
    blocker_open: str = "не выполнено"
    blocker_no_courier: str = "курьер не заказан"
    blocker_not_booked: str = "забор груза ещё не подтверждён"

    # the pickup, the calendar and the checklist document
    parcel_description: str = "Программный продукт и документы"
    pickup_comment: str = "Клиентская папка: договор № {number}"
    pickup_event: str = "Забор посылки курьером: {client}"
    delivery_event: str = "Плановая доставка посылки: {client}"
    event_courier: str = "Курьерская служба: {detail}"
    event_tracking: str = "Номер отправления: {number}"
    contacts_phone: str = "Телефон: {detail}"
    contacts_email: str = "E-mail: {detail}"
    not_applicable: str = "не требуется"
    not_filled: str = "—"

    def field_name(self, field: str) -> str:
        """The paper name of a title page field (``phone`` → «Номер телефона»)."""
        label: str = getattr(self, f"field_{field}")
        return label


def _positive(_: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{attribute.name} must be a whole number of at least 1, got {value!r}")


def _non_negative(_: Any, attribute: attrs.Attribute[Any], value: timedelta) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise ValueError(f"{attribute.name} must be a non-negative timedelta, got {value!r}")


#: The title page fields the check knows (``products`` are the software products sold).
TITLE_PAGE_FIELDS = (
    "client_name",
    "contract_number",
    "sales_manager",
    "city",
    "contact_person",
    "phone",
    "products",
)


def _title_fields(_: Any, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    if not isinstance(value, tuple):
        raise TypeError(f"{attribute.name} must be a tuple")
    unknown = [f for f in value if f not in TITLE_PAGE_FIELDS]
    if unknown:
        raise ValueError(
            f"{attribute.name}: unknown title page fields {unknown}; known: {TITLE_PAGE_FIELDS}"
        )


def _products(_: Any, attribute: attrs.Attribute[Any], value: tuple[ProductRule, ...]) -> None:
    tuple_of(ProductRule)(_, attribute, value)
    names = [p.name.casefold() for p in value]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise ValueError(f"{attribute.name}: products listed twice: {doubled}")


@attrs.frozen
class OnboardingPolicy:
    """The defaults of the folder check and the onboarding. Change any with ``attrs.evolve``."""

    #: copies of each contract the folder must hold
    contract_copies: int = attrs.field(default=3, validator=_positive)
    #: copies of the invoice
    invoice_copies: int = attrs.field(default=2, validator=_positive)
    #: every copy must carry the head's signature / the seal
    require_signature: bool = True
    require_seal: bool = True
    #: a folder must hold an invoice
    require_invoice: bool = True
    #: the title page fields that must be filled in
    title_page_fields: tuple[str, ...] = attrs.field(
        default=TITLE_PAGE_FIELDS, validator=_title_fields
    )
    #: who is told about nonconformities (the seed: the sales manager on the title page and
    #: the head of sales)
    nonconformity_recipients: tuple[Recipient, ...] = attrs.field(
        default=(Recipient.SALES_MANAGER, Recipient.HEAD_OF_SALES), validator=tuple_of(Recipient)
    )
    #: how soon the recipients should act on a nonconformity
    nonconformity_delay: timedelta = attrs.field(
        default=timedelta(hours=1), validator=_non_negative
    )
    #: how soon the client manager should get unsigned or unstamped copies fixed
    signing_delay: timedelta = attrs.field(default=timedelta(hours=4), validator=_non_negative)

    #: how each product ships; products not listed ship as ``default_product``
    products: tuple[ProductRule, ...] = attrs.field(
        default=(ProductRule("ArchiMed+", has_book=True), ProductRule("ArchiSport", has_book=True)),
        validator=_products,
    )
    default_product: ProductRule = ProductRule("*")
    #: copies of each act put in the parcel
    act_copies: int = attrs.field(default=2, validator=_positive)

    #: the courier (a name registered through ``clientops_register_courier``)
    courier: str = "offline"
    #: where parcels leave from
    shipper_city: str = attrs.field(default="Москва", validator=not_blank)
    shipper_address: str = ""
    #: the pickup is asked for this many days after the folder's day (0: the same day)
    pickup_after_days: int = attrs.field(default=1, validator=attrs.validators.ge(0))
    #: the parcel's weight: grams per box, book, key with its disc, and for the documents
    box_grams: int = attrs.field(default=400, validator=_positive)
    book_grams: int = attrs.field(default=700, validator=_positive)
    media_grams: int = attrs.field(default=100, validator=_positive)
    documents_grams: int = attrs.field(default=100, validator=_positive)
    #: the delivery-date reaction is due at this local time on the planned date
    delivery_reaction_time: time = time(10, 0)

    #: the company name as said aloud in the welcome call
    company_spoken: str = "эМэЛэС АиТи"
    texts: OnboardingTexts = OnboardingTexts()

    def product(self, name: str) -> ProductRule:
        """The rule of a product by name (case and surrounding spaces aside), or
        ``default_product`` renamed to it."""
        key = name.strip().casefold()
        for rule in self.products:
            if rule.name.casefold() == key:
                return rule
        return attrs.evolve(self.default_product, name=name.strip())


# --------------------------------------------------------------------------- events


@attrs.frozen
class FolderReceived(Event):
    """A client folder was taken over from sales: the onboarding ``onboarding_id`` of the
    card ``client_id`` was opened for ``manager_id``, with ``nonconformities`` found."""

    onboarding_id: OnboardingId
    client_id: ClientId
    manager_id: EmployeeId
    nonconformities: int
    at: datetime


@attrs.frozen
class OnboardingStepDone(Event):
    """A step of the onboarding's checklist was done by ``by``."""

    onboarding_id: OnboardingId
    client_id: ClientId
    step: OnboardingStep
    by: EmployeeId | None
    at: datetime
