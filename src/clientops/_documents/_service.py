"""The contexts of the service documents, the values their placeholders take, and the builders
that make them from the facts of the rules (issue 5, points 2 and 4).

Two papers go with the service processes: the **visit act** (акт выполненных работ по
сервисному обслуживанию) the engineer leaves after a scheduled or emergency visit, made from a
:class:`~clientops.service_visits.VisitAct`; and the **letter asking a satisfied client
for a recommendation** (просьба о рекомендательном письме), made from a
:class:`~clientops.satisfaction.RecommendationRequest`. Like the billing documents
(:mod:`clientops._documents._billing`), each is a frozen attrs context that names every bad
field at once, and the ``*_values`` function turns it into the strings a template prints.
Every word the letter prints is a field with a Russian default, to change with
``attrs.evolve``.

    >>> from datetime import date
    >>> from clientops.service_visits import VisitKind
    >>> act = VisitActDocument(
    ...     number="АВ-17", date=date(2026, 3, 10), city="г. Омск",
    ...     executor=Party("ООО «MLS IT»"), customer=Party("ООО «Ромашка»"),
    ...     contract="Договор на сервисное обслуживание № СО-12/25",
    ...     kind=VisitKind.EMERGENCY, engineer="Егоров Денис Викторович",
    ...     works=("Диагностика контроллера",),
    ... )
    >>> values = visit_act_values(act)
    >>> values["visit_kind"], values["parts_line"], values["parts_rows"][0]["name"]
    ('Аварийный выезд', 'Запчасти не использовались', 'Запчасти не использовались')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from clientops._documents._acts import SIGNATURE_LINE, Party, party_values
from clientops._documents._billing import format_long_date
from clientops._documents._onboarding import check_optional_date, check_strings
from clientops._documents._orders import check_tuple_of
from clientops._documents._template import Fields, Values
from clientops._documents._words import amount_in_words, format_date, format_money
from clientops._fields import (
    CENT,
    FORBIDDEN,
    check_date,
    check_instance,
    check_required,
    check_text,
    checked,
    field_fail,
    validate_fields,
)
from clientops.errors import FieldError, ValidationError
from clientops.model import Money
from clientops.satisfaction import RecommendationRequest
from clientops.service_visits import Part, VisitAct, VisitKind

__all__ = [
    "NO_PARTS",
    "RECOMMENDATION_REQUEST_FIELDS",
    "REMARKS_LINE",
    "VISIT_ACT_CLOSING",
    "VISIT_ACT_FIELDS",
    "RecommendationLetterRequest",
    "VisitActDocument",
    "recommendation_request_for",
    "recommendation_request_values",
    "visit_act_document",
    "visit_act_values",
]

#: What the visit act says, in its table of parts and under it, when no part was used.
NO_PARTS = "Запчасти не использовались"
#: The line the customer writes remarks on when the act is printed without any.
REMARKS_LINE = "_" * 60
VISIT_ACT_CLOSING = (
    "Работы по сервисному обслуживанию выполнены. Акт составлен в двух экземплярах, имеющих "
    "одинаковую юридическую силу, по одному для каждой из сторон."
)


# ------------------------------------------------------------------------------ validators


def _parts(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """A tuple of :class:`~clientops.service_visits.Part` priced in whole kopecks of roubles
    (their total is written in words), with names a document can hold."""
    check_tuple_of(Part, empty=None)(instance, attribute, value)
    assert isinstance(value, tuple)
    errors: list[FieldError] = []
    for i, part in enumerate(value):
        path = f"{attribute.name}[{i}]"
        bad = FORBIDDEN.search(part.name) or FORBIDDEN.search(part.supplier)
        if bad is not None:
            code = f"U+{ord(bad.group()):04X}"
            errors.append(
                FieldError(f"{path}.name", f"character {code} cannot be put in a document")
            )
        price = part.unit_price
        if price.currency != "RUB":
            errors.append(FieldError(f"{path}.unit_price", f"must be in RUB, not {price.currency}"))
        elif price.amount != price.amount.quantize(CENT):
            errors.append(
                FieldError(f"{path}.unit_price", f"{price.amount} has a fraction of a kopeck")
            )
    if errors:
        raise ValidationError(errors, subject=type(instance).__name__)


def _one_line(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    check_text(instance, attribute, value)
    assert isinstance(value, str)
    if "\n" in value or "\r" in value:
        raise field_fail(instance, attribute, "one line: no line breaks")


def _optional(name: str, text: str) -> list[Mapping[str, str]]:
    """The list of one ``{name: text}`` or none, for a paragraph shown only when ``text`` is
    not blank."""
    return [{name: text}] if text.strip() else []


# ------------------------------------------------------------------------------ the visit act


@attrs.frozen
class VisitActDocument:
    """A visit act (акт выполненных работ по сервисному обслуживанию № … от …): the
    ``executor`` (your company) and the ``customer`` sign that the work of a visit under the
    ``contract`` was done.

    The visit is ``kind`` (planned or emergency), on ``visit_date`` (``None``: the act's
    ``date``), by the ``engineer``, at ``address`` (blank: not printed) about the client's
    ``problem`` (an emergency's; blank: not printed). ``works`` is the work done, one line
    each, at least one; ``parts`` the parts used under the contract (none: «Запчасти не
    использовались»), their total computed and written in words. ``remarks`` are the
    customer's (blank: a line to write them by hand); ``closing`` the act's last paragraph.
    """

    number: str = attrs.field(metadata=checked(check_required))
    date: dt.date = attrs.field(metadata=checked(check_date))
    city: str = attrs.field(metadata=checked(check_required))
    executor: Party = attrs.field(metadata=checked(check_instance(Party)))
    customer: Party = attrs.field(metadata=checked(check_instance(Party)))
    contract: str = attrs.field(metadata=checked(check_required))
    kind: VisitKind = attrs.field(metadata=checked(check_instance(VisitKind)))
    engineer: str = attrs.field(metadata=checked(check_required))
    works: tuple[str, ...] = attrs.field(
        metadata=checked(check_strings(at_least_one=True, one_line=False))
    )
    parts: tuple[Part, ...] = attrs.field(default=(), metadata=checked(_parts))
    visit_date: dt.date | None = attrs.field(default=None, metadata=checked(check_optional_date))
    address: str = attrs.field(default="", metadata=checked(check_text))
    problem: str = attrs.field(default="", metadata=checked(check_text))
    remarks: str = attrs.field(default="", metadata=checked(check_text))
    closing: str = attrs.field(default=VISIT_ACT_CLOSING, metadata=checked(check_text))

    def __attrs_post_init__(self) -> None:
        validate_fields(self)

    @property
    def parts_total(self) -> Money | None:
        """What the parts cost together; ``None`` when no part was used."""
        if not self.parts:
            return None
        return sum((part.total for part in self.parts), Money(0))


#: The fields of a part, in the table of parts.
PART_FIELDS = frozenset({"n", "name", "quantity", "price", "amount"})

VISIT_ACT_FIELDS = Fields(
    scalars={
        "number", "date", "city", "contract", "visit_kind", "visit_date", "engineer",
        "address", "problem", "works_count", "parts_count", "parts_total",
        "parts_total_in_words", "parts_line", "remarks", "closing",
        *(f"{role}.{field}" for role in ("executor", "customer") for field in (
            "name", "details", "full", "signer_position", "signer_name", "signature_line",
            "signature",
        )),
    },
    lists={
        "works": {"n", "text"},
        "parts": PART_FIELDS,
        "parts_rows": PART_FIELDS,
        "if_address": {"text"},
        "if_problem": {"text"},
        "if_parts": {"total", "in_words"},
    },
)  # fmt: skip


def visit_act_values(act: VisitActDocument) -> Values:
    """The strings the placeholders of a visit act (:data:`VISIT_ACT_FIELDS`) take.

    ``visit_kind`` is «Плановый выезд» or «Аварийный выезд»; ``works`` the numbered lines of
    work. ``parts`` are the parts used (maybe none) and ``parts_rows`` the rows of the
    built-in table: the parts, or one row saying «Запчасти не использовались».
    ``parts_total`` and ``parts_total_in_words`` are empty without parts, and ``parts_line``
    says the total or that none was used; ``if_parts`` holds the total or nothing.
    ``if_address`` and ``if_problem`` hold their line or nothing. ``remarks`` is a line to
    write on when blank.
    """
    parts: list[Mapping[str, str]] = [
        {
            "n": str(n),
            "name": part.name,
            "quantity": str(part.quantity),
            "price": format_money(part.unit_price),
            "amount": format_money(part.total),
        }
        for n, part in enumerate(act.parts, 1)
    ]
    total = act.parts_total
    if total is None:
        total_text = words = ""
        parts_line = NO_PARTS
        rows: list[Mapping[str, str]] = [
            {"n": "", "name": NO_PARTS, "quantity": "", "price": "", "amount": ""}
        ]
    else:
        total_text, words = format_money(total), amount_in_words(total)
        parts_line = f"Итого стоимость запчастей: {total_text} руб. ({words})"
        rows = parts
    return {
        "number": act.number,
        "date": format_date(act.date),
        "city": act.city,
        "contract": act.contract,
        **party_values("executor", act.executor),
        **party_values("customer", act.customer),
        "visit_kind": act.kind.label,
        "visit_date": format_date(act.visit_date or act.date),
        "engineer": act.engineer,
        "address": act.address,
        "problem": act.problem,
        "if_address": _optional("text", act.address),
        "if_problem": _optional("text", act.problem),
        "works": [{"n": str(n), "text": text} for n, text in enumerate(act.works, 1)],
        "works_count": str(len(act.works)),
        "parts": parts,
        "parts_rows": rows,
        "parts_count": str(len(parts)),
        "parts_total": total_text,
        "parts_total_in_words": words,
        "parts_line": parts_line,
        "if_parts": [] if total is None else [{"total": total_text, "in_words": words}],
        "remarks": act.remarks if act.remarks.strip() else REMARKS_LINE,
        "closing": act.closing,
    }


def visit_act_document(
    act: VisitAct,
    *,
    executor: Party,
    city: str,
    customer: Party | None = None,
    contract: str | None = None,
    date: dt.date | None = None,
    remarks: str = "",
    closing: str = VISIT_ACT_CLOSING,
) -> VisitActDocument:
    """The visit act of ``act`` (:func:`clientops.rules.service_visits.visit_act`): its
    number, the visit's kind, day, engineer, address, problem, works and parts.

    ``executor`` is your company; ``customer`` the client (by default a :class:`Party` of the
    act's client name, without details or signer). ``contract`` is how the act names the
    contract (by default «Договор на сервисное обслуживание № <the contract's number>»),
    ``date`` the act's date (by default the day of the visit).
    """
    if not isinstance(act, VisitAct):
        raise TypeError(f"{act!r} is not a VisitAct")
    return VisitActDocument(
        number=act.number,
        date=act.day if date is None else date,
        city=city,
        executor=executor,
        customer=Party(act.client_name) if customer is None else customer,
        contract=(
            f"Договор на сервисное обслуживание № {act.contract_number}"
            if contract is None
            else contract
        ),
        kind=act.kind,
        engineer=act.engineer,
        works=act.works,
        parts=act.parts,
        visit_date=act.day,
        address=act.address,
        problem=act.problem,
        remarks=remarks,
        closing=closing,
    )


# ------------------------------------------------------------------------------ the letter


@attrs.frozen
class RecommendationLetterRequest:
    """A letter asking a satisfied client for a recommendation letter or a review (просьба о
    рекомендательном письме).

    On the ``company``'s letterhead (its name, then ``company_details``: address, phones,
    site, one line, maybe blank), the outgoing ``number`` (blank: a line to write it) and
    ``date``, to the client (``client_name``, and ``contact_person`` when known: the
    salutation is then ``salutation_person`` with ``{name}`` replaced, else
    ``salutation_colleagues``). The body is the ``thanks``, the ``request``, ``points_intro``
    and the ``points`` the letter could mention (the ``products`` the client uses first, after
    ``products_point``, when there are any), the ``deadline_text`` with ``{date}`` replaced
    when a ``deadline`` is set, and the ``closing``. It is signed by the manager
    (``manager_position``, ``manager_name``), with a phone and an e-mail when known.

    Every text is Russian by default; change one with ``attrs.evolve``.
    """

    company: str = attrs.field(metadata=checked(check_required))
    date: dt.date = attrs.field(metadata=checked(check_date))
    client_name: str = attrs.field(metadata=checked(check_required))
    manager_name: str = attrs.field(metadata=checked(check_required))
    number: str = attrs.field(default="", metadata=checked(_one_line))
    company_details: str = attrs.field(default="", metadata=checked(check_text))
    contact_person: str = attrs.field(default="", metadata=checked(_one_line))
    manager_position: str = attrs.field(
        default="Менеджер клиентского отдела", metadata=checked(check_text)
    )
    manager_phone: str = attrs.field(default="", metadata=checked(_one_line))
    manager_email: str = attrs.field(default="", metadata=checked(_one_line))
    products: tuple[str, ...] = attrs.field(
        default=(), metadata=checked(check_strings(at_least_one=False, one_line=True))
    )
    deadline: dt.date | None = attrs.field(default=None, metadata=checked(check_optional_date))
    subject: str = attrs.field(default="О рекомендательном письме", metadata=checked(check_text))
    salutation_person: str = attrs.field(
        default="Уважаемый(ая) {name}!", metadata=checked(check_text)
    )
    salutation_colleagues: str = attrs.field(
        default="Уважаемые коллеги!", metadata=checked(check_text)
    )
    thanks: str = attrs.field(
        default=(
            "Благодарим Вас за сотрудничество и доверие к нашей компании. Нам очень приятно, "
            "что Вы довольны нашей работой."
        ),
        metadata=checked(check_text),
    )
    request: str = attrs.field(
        default=(
            "Мы будем признательны, если Вы найдёте возможность написать для нас отзыв или "
            "рекомендательное письмо о работе с нами. Ваше мнение поможет другим организациям "
            "сделать выбор, а нам — стать ещё лучше."
        ),
        metadata=checked(check_text),
    )
    points_intro: str = attrs.field(
        default="В письме можно отметить:", metadata=checked(check_text)
    )
    products_point: str = attrs.field(
        default="продукты, которыми Вы пользуетесь:", metadata=checked(check_text)
    )
    points: tuple[str, ...] = attrs.field(
        default=(
            "каких результатов удалось достичь благодаря нашим решениям;",
            "как Вы оцениваете работу наших специалистов и технической поддержки.",
        ),
        metadata=checked(check_strings(at_least_one=False, one_line=False)),
    )
    deadline_text: str = attrs.field(
        default="Будем благодарны, если Вы сможете прислать письмо до {date}",  # «… г.»
        metadata=checked(check_text),
    )
    closing: str = attrs.field(default="Заранее благодарим Вас!", metadata=checked(check_text))
    regards: str = attrs.field(default="С уважением,", metadata=checked(check_text))
    phone_label: str = attrs.field(default="Тел.:", metadata=checked(check_text))
    email_label: str = attrs.field(default="E-mail:", metadata=checked(check_text))

    def __attrs_post_init__(self) -> None:
        validate_fields(self)
        if self.deadline is not None and self.deadline < self.date:
            raise ValidationError(
                [
                    FieldError(
                        "deadline", f"{self.deadline} is before the letter's date {self.date}"
                    )
                ],
                subject=type(self).__name__,
            )

    @property
    def salutation(self) -> str:
        """«Уважаемый(ая) <contact person>!», or «Уважаемые коллеги!» without one."""
        person = self.contact_person.strip()
        if person:
            return self.salutation_person.replace("{name}", person)
        return self.salutation_colleagues


RECOMMENDATION_REQUEST_FIELDS = Fields(
    scalars={
        "company", "company_details", "number", "date", "client_name", "contact_person",
        "subject", "salutation", "thanks", "request", "points_intro", "deadline",
        "deadline_line", "closing", "regards", "manager_position", "manager_name",
        "manager_phone", "manager_email", "contacts_line",
    },
    lists={
        "points": {"n", "text"},
        "if_company_details": {"text"},
        "if_contact": {"text"},
        "if_deadline": {"text"},
        "if_contacts": {"text"},
    },
)  # fmt: skip


def recommendation_request_values(letter: RecommendationLetterRequest) -> Values:
    """The strings the placeholders of the letter (:data:`RECOMMENDATION_REQUEST_FIELDS`)
    take.

    ``number`` is a line to write on when blank; ``date`` is ``02.03.2026`` and ``deadline``
    ``10 марта 2026 г.`` (empty when not set). ``salutation`` names the contact person or the
    colleagues. ``points`` are what the letter could mention, the products first.
    ``deadline_line`` and ``contacts_line`` (the phone and the e-mail, those known) are empty
    when they do not apply; each ``if_…`` list holds its line or nothing.
    """
    points = list(letter.points)
    if letter.products:
        points.insert(0, f"{letter.products_point} {', '.join(letter.products)};")
    deadline = "" if letter.deadline is None else format_long_date(letter.deadline)
    deadline_line = letter.deadline_text.replace("{date}", deadline) if deadline else ""
    contacts = [
        f"{label} {value.strip()}"
        for label, value in (
            (letter.phone_label, letter.manager_phone),
            (letter.email_label, letter.manager_email),
        )
        if value.strip()
    ]
    contacts_line = ", ".join(contacts)
    return {
        "company": letter.company,
        "company_details": letter.company_details,
        "number": letter.number if letter.number.strip() else SIGNATURE_LINE,
        "date": format_date(letter.date),
        "client_name": letter.client_name,
        "contact_person": letter.contact_person,
        "subject": letter.subject,
        "salutation": letter.salutation,
        "thanks": letter.thanks,
        "request": letter.request,
        "points_intro": letter.points_intro if points else "",
        "points": [{"n": str(n), "text": text} for n, text in enumerate(points, 1)],
        "deadline": deadline,
        "deadline_line": deadline_line,
        "closing": letter.closing,
        "regards": letter.regards,
        "manager_position": letter.manager_position,
        "manager_name": letter.manager_name,
        "manager_phone": letter.manager_phone,
        "manager_email": letter.manager_email,
        "contacts_line": contacts_line,
        "if_company_details": _optional("text", letter.company_details),
        "if_contact": _optional("text", letter.contact_person),
        "if_deadline": _optional("text", deadline_line),
        "if_contacts": _optional("text", contacts_line),
    }


def recommendation_request_for(
    request: RecommendationRequest,
    *,
    number: str = "",
    date: dt.date | None = None,
    company_details: str = "",
    manager_position: str = "Менеджер клиентского отдела",
    products: tuple[str, ...] = (),
    deadline: dt.date | None = None,
) -> RecommendationLetterRequest:
    """The letter of a satisfied client's ``request``
    (:func:`clientops.rules.satisfaction.record_satisfaction`): the company, the client and
    its contact person (none when the card has none, «—»), the manager with their phone and
    e-mail, dated the day it was asked (or ``date``); the request paragraph is the round's own
    (``SatisfactionTexts.letter_request``). ``deadline`` is when the letter is hoped for
    (``request.follow_up_on`` is a natural one); none by default.
    """
    if not isinstance(request, RecommendationRequest):
        raise TypeError(f"{request!r} is not a RecommendationRequest")
    contact = request.contact_person.strip()
    phone = request.manager_phone
    letter = RecommendationLetterRequest(
        company=request.company,
        date=request.requested_on if date is None else date,
        client_name=request.client_name,
        manager_name=request.manager_name,
        number=number,
        company_details=company_details,
        contact_person="" if contact in ("", "—") else contact,
        manager_position=manager_position,
        manager_phone="" if phone is None else phone.international(),
        manager_email=request.manager_email or "",
        products=products,
        deadline=deadline,
    )
    if request.text.strip():
        letter = attrs.evolve(letter, request=request.text.strip())
    return letter
