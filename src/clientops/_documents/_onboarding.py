"""The contexts of the client folder's papers, and the values their placeholders take.

Three documents go with a client folder: the **title page** the sales manager puts on top,
the **checklist** of Appendix 1 the client manager fills in while taking the client over, and
the **notice** the client manager sends when the folder does not meet the standard. Like the
acts (:mod:`clientops._documents._acts`), each is a frozen attrs context with validated fields
and a ``*_values`` function that turns it into the strings a template prints.

    >>> from datetime import date
    >>> rows = tuple(ChecklistRow(n, action) for n, action in enumerate(APPENDIX_1_ACTIONS, 1))
    >>> checklist = OnboardingChecklist("ООО «Ромашка»", "12/25", "А. А. Орлова", rows)
    >>> values = onboarding_checklist_values(checklist)
    >>> values["rows_count"], values["rows"][4]["action"]
    ('10', 'Отправить свои контакты на e-mail клиента.')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from clientops._documents._acts import SIGNATURE_LINE, check_items
from clientops._documents._template import Fields, Values
from clientops._documents._words import format_date
from clientops._fields import FORBIDDEN, check_date, check_required, check_text, field_fail
from clientops._names import Case, decline
from clientops._onboarding import Onboarding, StepRecord
from clientops.errors import FieldError, ValidationError
from clientops.model import Employee, EmployeeId, StaffDirectory
from clientops.policy import Policy

__all__ = [
    "APPENDIX_1_ACTIONS",
    "CHECKLIST_FIELDS",
    "NOTICE_FIELDS",
    "NOTICE_REQUEST",
    "TITLE_PAGE_FIELDS",
    "ChecklistRow",
    "FolderTitlePage",
    "NonconformityNotice",
    "NoticeItem",
    "OnboardingChecklist",
    "checklist_document",
    "folder_title_page_values",
    "nonconformity_notice",
    "nonconformity_notice_values",
    "onboarding_checklist_values",
    "title_page_document",
]

#: What a value prints when there is nothing to print (an empty list, a missing number).
DASH = "—"

#: The ten actions of Appendix 1 to the client manager's job description, «Чек-лист
#: знакомства с клиентом и подготовки документации», in order.
APPENDIX_1_ACTIONS: tuple[str, ...] = (
    "Проверить состав клиентской папки: титульный лист; счёт в 2 экземплярах; договор "
    "в 3 экземплярах каждого типа.",
    "Проверить наличие подписей и печатей на счетах и договорах.",
    "Позвонить в курьерскую компанию Даймакс по телефону 94-08-53. Набирать нужно через двойку.",
    "Позвонить клиенту. Скрипт звонка — в должностной инструкции, раздел «Знакомство с клиентом».",
    "Отправить свои контакты на e-mail клиента.",
    "Добавить реакцию в CRM. Дата следующей реакции — планируемая дата доставки посылки клиенту.",
    "Подготовить коробку. Коробки находятся в месте с биркой «Коробки программных продуктов».",
    "Получить электронный ключ и диск с программным обеспечением в отделе технической "
    "поддержки. Основанием для получения ключа является клиентская папка.",
    "Подготовить книгу по программному продукту (ArchiMed+, ArchiSport). Книги находятся "
    "в месте с биркой «Книги по программным продуктам».",
    "Подготовить акт передачи ПО и акт выполненных работ при необходимости.",
)

NOTICE_REQUEST = "Прошу устранить несоответствия и вернуть документы в клиентский отдел."


# ------------------------------------------------------------------------------ validators


def check_strings(*, at_least_one: bool, one_line: bool) -> Any:
    """A tuple of non-blank strings that a document can hold; ``one_line``: without line
    breaks (each is printed on a line of its own)."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            raise field_fail(instance, attribute, "must be a tuple")
        if at_least_one and not value:
            raise field_fail(instance, attribute, "at least one is required")
        for i, text in enumerate(value):
            problem = _line_problem(text, one_line=one_line)
            if problem is not None:
                raise ValidationError(
                    [FieldError(f"{attribute.name}[{i}]", problem)],
                    subject=type(instance).__name__,
                )

    return check


def _line_problem(text: object, *, one_line: bool) -> str | None:
    """What is wrong with one string of a tuple, or ``None``."""
    if not isinstance(text, str):
        return f"must be a string, not {type(text).__name__}"
    bad = FORBIDDEN.search(text)
    if bad is not None:
        return f"character U+{ord(bad.group()):04X} cannot be put in a document"
    if not text.strip():
        return "required"
    if one_line and ("\n" in text or "\r" in text):
        return "one line each: no line breaks"
    return None


def check_optional_date(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_date(instance, attribute, value)


def _row_number(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_fail(instance, attribute, f"must be an int, not {type(value).__name__}")
    if value < 1:
        raise field_fail(instance, attribute, f"must be positive, got {value}")


def _date_text(day: dt.date | None) -> str:
    return "" if day is None else format_date(day)


# ------------------------------------------------------------------------------ contexts


@attrs.frozen
class FolderTitlePage:
    """The title page of a client folder (титульный лист клиентской папки): the client, the
    contract, the sales manager who leads the client, the city, the contact person and their
    phone (as written), the software products sold, and the date the folder is handed over
    to the client department (``None``: left blank, to be written by hand)."""

    client_name: str = attrs.field(validator=check_required)
    contract_number: str = attrs.field(validator=check_required)
    sales_manager: str = attrs.field(validator=check_required)
    city: str = attrs.field(validator=check_required)
    contact_person: str = attrs.field(validator=check_required)
    phone: str = attrs.field(validator=check_required)
    products: tuple[str, ...] = attrs.field(
        default=(), validator=check_strings(at_least_one=False, one_line=True)
    )
    date: dt.date | None = attrs.field(default=None, validator=check_optional_date)


@attrs.frozen
class ChecklistRow:
    """One action of the checklist: its number, what to do, who did it (surname and
    initials) and when, and a note printed under the action (``не требуется`` for a step that
    does not apply)."""

    number: int = attrs.field(validator=_row_number)
    action: str = attrs.field(validator=check_required)
    done_by: str = attrs.field(default="", validator=check_text)
    done_on: dt.date | None = attrs.field(default=None, validator=check_optional_date)
    note: str = attrs.field(default="", validator=check_text)


@attrs.frozen
class OnboardingChecklist:
    """The checklist of getting to know the client and preparing the documents (Appendix 1):
    the client, the contract, the client manager who fills it in, and its rows. Build the
    standard rows from :data:`APPENDIX_1_ACTIONS`."""

    client_name: str = attrs.field(validator=check_required)
    contract_number: str = attrs.field(validator=check_required)
    manager: str = attrs.field(validator=check_required)
    rows: tuple[ChecklistRow, ...] = attrs.field(validator=check_items(ChecklistRow))

    def __attrs_post_init__(self) -> None:
        seen: set[int] = set()
        for i, row in enumerate(self.rows):
            if row.number in seen:
                raise ValidationError(
                    [FieldError(f"rows[{i}].number", f"number {row.number} is used twice")],
                    subject=type(self).__name__,
                )
            seen.add(row.number)


@attrs.frozen
class NoticeItem:
    """One nonconformity: the document it concerns and what is wrong with it."""

    document: str = attrs.field(validator=check_required)
    problem: str = attrs.field(validator=check_required)


@attrs.frozen
class NonconformityNotice:
    """A notice of nonconformities in a client folder: the client manager (``sender``) tells
    the sales manager and the head of sales (``recipients``, in the dative: «Менеджеру по
    продажам Петрову П. П.») what to put right. ``contract_number`` may be empty when the
    title page lacks it; the notice then prints «—»."""

    number: str = attrs.field(validator=check_required)
    date: dt.date = attrs.field(validator=check_date)
    client_name: str = attrs.field(validator=check_required)
    contract_number: str = attrs.field(validator=check_text)
    recipients: tuple[str, ...] = attrs.field(
        validator=check_strings(at_least_one=True, one_line=False)
    )
    sender: str = attrs.field(validator=check_required)
    items: tuple[NoticeItem, ...] = attrs.field(validator=check_items(NoticeItem))
    request: str = attrs.field(default=NOTICE_REQUEST, validator=check_text)


# ------------------------------------------------------------------------------ values

TITLE_PAGE_FIELDS = Fields(
    scalars={
        "client_name", "contract_number", "sales_manager", "city", "contact_person", "phone",
        "products", "products_count", "date",
    },
)  # fmt: skip


def folder_title_page_values(page: FolderTitlePage) -> Values:
    """The strings the placeholders of a folder's title page (:data:`TITLE_PAGE_FIELDS`)
    take: ``products`` is one product per line («—» when there are none), ``date`` is empty
    when not set."""
    return {
        "client_name": page.client_name,
        "contract_number": page.contract_number,
        "sales_manager": page.sales_manager,
        "city": page.city,
        "contact_person": page.contact_person,
        "phone": page.phone,
        "products": "\n".join(page.products) or DASH,
        "products_count": str(len(page.products)),
        "date": _date_text(page.date),
    }


CHECKLIST_FIELDS = Fields(
    scalars={"client_name", "contract_number", "manager", "rows_count"},
    lists={"rows": {"number", "action", "note", "description", "done_by", "done_on"}},
)


def onboarding_checklist_values(checklist: OnboardingChecklist) -> Values:
    """The strings the placeholders of the checklist (:data:`CHECKLIST_FIELDS`) take: each
    row's ``description`` is its action, then its note on a line of its own when there is
    one; ``done_on`` is empty when not set."""
    rows: list[Mapping[str, str]] = [
        {
            "number": str(row.number),
            "action": row.action,
            "note": row.note,
            "description": f"{row.action}\n{row.note}" if row.note else row.action,
            "done_by": row.done_by,
            "done_on": _date_text(row.done_on),
        }
        for row in checklist.rows
    ]
    return {
        "client_name": checklist.client_name,
        "contract_number": checklist.contract_number,
        "manager": checklist.manager,
        "rows": rows,
        "rows_count": str(len(rows)),
    }


NOTICE_FIELDS = Fields(
    scalars={
        "number", "date", "client_name", "contract_number", "recipients", "sender",
        "signature_line", "request", "items_count",
    },
    lists={"items": {"n", "document", "problem"}},
)  # fmt: skip


def nonconformity_notice_values(notice: NonconformityNotice) -> Values:
    """The strings the placeholders of a notice of nonconformities (:data:`NOTICE_FIELDS`)
    take: ``recipients`` one per line, ``contract_number`` «—» when empty,
    ``signature_line`` a line to sign on followed by ``/ sender /``."""
    items: list[Mapping[str, str]] = [
        {"n": str(n), "document": item.document, "problem": item.problem}
        for n, item in enumerate(notice.items, 1)
    ]
    return {
        "number": notice.number,
        "date": format_date(notice.date),
        "client_name": notice.client_name,
        "contract_number": notice.contract_number if notice.contract_number.strip() else DASH,
        "recipients": "\n".join(notice.recipients),
        "sender": notice.sender,
        "signature_line": f"{SIGNATURE_LINE} / {notice.sender} /",
        "request": notice.request,
        "items": items,
        "items_count": str(len(items)),
    }


# ------------------------------------------------------------------------------ from an onboarding


def _filled(value: str, policy: Policy) -> str:
    return value.strip() or policy.onboarding.texts.not_filled


def title_page_document(onboarding: Onboarding, *, policy: Policy) -> FolderTitlePage:
    """The folder's title page as a document (:data:`clientops.documents.FOLDER_TITLE_PAGE`),
    dated the day the folder was received; a field left blank prints as «—»."""
    title = onboarding.folder.title_page
    if title is None:
        raise ValidationError(
            [FieldError("title_page", "the folder has no title page")],
            subject=f"onboarding {onboarding.id}",
        )
    return FolderTitlePage(
        client_name=_filled(title.client_name, policy),
        contract_number=_filled(title.contract_number, policy),
        sales_manager=_filled(title.sales_manager, policy),
        city=_filled(title.city, policy),
        contact_person=_filled(title.contact_person, policy),
        phone=_filled(title.phone, policy),
        products=tuple(p.strip() for p in title.products if p.strip()),
        date=onboarding.started_at.astimezone(policy.tz).date(),
    )


def _name(staff: StaffDirectory, employee_id: str | None) -> str:
    if employee_id is None:
        return ""
    person = staff.employee(EmployeeId(employee_id))
    return person.full_name if person is not None else employee_id


def _row(record: StepRecord, action: str, staff: StaffDirectory, policy: Policy) -> ChecklistRow:
    texts = policy.onboarding.texts
    if record.not_applicable:
        return ChecklistRow(record.step.number, action, note=record.note or texts.not_applicable)
    done_on = record.done_at.astimezone(policy.tz).date() if record.done_at else None
    return ChecklistRow(
        record.step.number,
        action,
        done_by=_name(staff, record.done_by),
        done_on=done_on,
        note=record.note,
    )


def checklist_document(
    onboarding: Onboarding, *, staff: StaffDirectory, policy: Policy
) -> OnboardingChecklist:
    """The Appendix 1 checklist as a document (:data:`clientops.documents.ONBOARDING_CHECKLIST`):
    one row per step, with who did it and when, «не требуется» for the steps that do not
    apply."""
    title = onboarding.folder.title_page
    return OnboardingChecklist(
        client_name=_filled(title.client_name if title else "", policy),
        contract_number=_filled(title.contract_number if title else "", policy),
        manager=_name(staff, onboarding.manager_id),
        rows=tuple(
            _row(record, action, staff, policy)
            for record, action in zip(onboarding.steps, APPENDIX_1_ACTIONS, strict=True)
        ),
    )


def nonconformity_notice(
    onboarding: Onboarding,
    *,
    staff: StaffDirectory,
    recipients: Iterable[Employee],
    number: str,
    day: dt.date,
    policy: Policy,
) -> NonconformityNotice | None:
    """The notice of the folder's nonconformities to ``recipients``, signed by the onboarding's
    manager (:data:`clientops.documents.NONCONFORMITY_NOTICE`); ``None`` when the folder was in
    order. Without any recipient the notice goes to the sales department."""
    if not onboarding.nonconformities:
        return None
    title = onboarding.folder.title_page
    people = tuple(decline(p.full_name, Case.DAT, gender=p.gender) for p in recipients)
    if not people:
        department = next((d for d in staff.departments if d.id == policy.sales_department), None)
        people = (department.name if department is not None else policy.sales_department,)
    return NonconformityNotice(
        number=number,
        date=day,
        client_name=_filled(title.client_name if title else "", policy),
        contract_number=title.contract_number.strip() if title else "",
        recipients=people,
        sender=_name(staff, onboarding.manager_id),
        items=tuple(NoticeItem(n.document, n.message) for n in onboarding.nonconformities),
    )
