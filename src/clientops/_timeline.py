"""The card's timeline: one ordered history of a client across every area.

Each record a store writes (an appeal, a reaction, a call, a client folder, an order, an
invoice, a payment, a claim, a satisfaction call, a visit, a training) gives the entries
:func:`timeline_entries` derives from it, and the store records them in the same unit of work as
the record (``uow.timeline``): the history is a table of its own, read by one indexed query,
newest first, a page at a time. An entry's id is derived from the record and the event in
it, so writing a record again (a new version) rewrites its entries in place and adds only
the new ones (a stage reached, a reaction done). Notes are entries written directly
(:meth:`ops.clients.add_note <clientops.clients.ClientsService.add_note>`), their
attachments kept by reference.

>>> from datetime import UTC, datetime
>>> from clientops.model import Appeal, AppealId, ClientId, DepartmentId, EmployeeId
>>> appeal = Appeal(AppealId("a1"), ClientId("c1"), "Продление договора", DepartmentId("client"),
...                 datetime(2026, 11, 3, 6, 0, tzinfo=UTC), created_by=EmployeeId("anna"))
>>> [(e.kind.value, e.who, e.summary) for e in timeline_entries(appeal)]
[('appeal', 'anna', 'Обращение: Продление договора')]
"""

from __future__ import annotations

import enum
import hashlib
import json
from datetime import UTC, date, datetime, time
from typing import Any

import attrs

from clientops._billing import Invoice, InvoiceStatus, Payment
from clientops._checks import (
    NOTE_LENGTH,
    TOPIC_LENGTH,
    aware,
    fail,
    fine_moment,
    fine_text,
    instance,
    text,
    trusted,
    tuple_of,
)
from clientops._claims import Claim
from clientops._formats import full_date
from clientops._onboarding import Onboarding, OnboardingStep
from clientops._orders import Order
from clientops._telephony import CallDirection, CallLogEntry, CallStatus
from clientops.model import Appeal, Client, ClientId, EmployeeId, Reaction, ReactionKind
from clientops.service_visits import Training, Visit

__all__ = [
    "Attachment",
    "TimelineEntry",
    "TimelineKind",
    "TimelinePage",
    "TimelineQuery",
    "card_change_entry",
    "entry_from_row",
    "note_entry",
    "note_json",
    "satisfaction_entry",
    "timeline_entries",
]


class TimelineKind(enum.Enum):
    """What a timeline entry is about; ``label`` is its Russian name."""

    APPEAL = "appeal"
    REACTION = "reaction"
    CALL = "call"
    FOLDER = "folder"
    ORDER = "order"
    INVOICE = "invoice"
    PAYMENT = "payment"
    CLAIM = "claim"
    SATISFACTION_CALL = "satisfaction_call"
    VISIT = "visit"
    TRAINING = "training"
    NOTE = "note"
    CARD = "card"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    TimelineKind.APPEAL: "Обращение",
    TimelineKind.REACTION: "Реакция",
    TimelineKind.CALL: "Звонок",
    TimelineKind.FOLDER: "Папка клиента",
    TimelineKind.ORDER: "Заказ",
    TimelineKind.INVOICE: "Счёт",
    TimelineKind.PAYMENT: "Оплата",
    TimelineKind.CLAIM: "Претензия",
    TimelineKind.SATISFACTION_CALL: "Звонок удовлетворённости",
    TimelineKind.VISIT: "Выезд",
    TimelineKind.TRAINING: "Обучение",
    TimelineKind.NOTE: "Заметка",
    TimelineKind.CARD: "Карточка",
}


@attrs.frozen
class Attachment:
    """A file kept elsewhere, by reference: its ``name`` and where it is (``ref``: a URL, a
    document store's key, a path on the shared drive). The timeline never holds the bytes."""

    name: str = attrs.field(validator=text(limit=300, multiline=False))
    ref: str = attrs.field(validator=text(limit=2000, multiline=False))


def _one_line(value: str) -> str:
    return " ".join(value.split())[:TOPIC_LENGTH]


@attrs.frozen
class TimelineEntry:
    """One event of a client's history: ``when`` it happened, ``who`` did it (``None``: the
    system, the PBX, the bank), its ``kind``, the record behind it (``ref``) and a one-line
    Russian ``summary``; ``link`` is a call's recording, ``attachments`` and ``body`` a
    note's files and whole text.
    ``all_day``: only the day is known (a payment's date), ``at`` is that day's midnight UTC."""

    id: str = attrs.field(validator=text(limit=200, multiline=False))
    client_id: ClientId = attrs.field(validator=text(limit=200, multiline=False))
    at: datetime = attrs.field(validator=aware)
    kind: TimelineKind = attrs.field(validator=instance(TimelineKind))
    ref: str = attrs.field(validator=text(limit=200, multiline=False))
    summary: str = attrs.field(converter=_one_line, validator=text(limit=TOPIC_LENGTH))
    who: EmployeeId | None = attrs.field(
        default=None, validator=text(limit=200, optional=True, multiline=False)
    )
    link: str | None = attrs.field(
        default=None, validator=text(limit=2000, optional=True, multiline=False)
    )
    attachments: tuple[Attachment, ...] = attrs.field(default=(), validator=tuple_of(Attachment))
    body: str | None = attrs.field(default=None, validator=text(limit=NOTE_LENGTH, optional=True))
    all_day: bool = False

    def line(self, tz: Any) -> str:
        """The entry as one line of Russian text: «03.11.2026 09:00 Звонок — …»."""
        when = (
            full_date(self.at)
            if self.all_day
            else self.at.astimezone(tz).strftime("%d.%m.%Y %H:%M")
        )
        who = f" ({self.who})" if self.who else ""
        return f"{when} {self.kind.label}{who}: {self.summary}"


@attrs.frozen
class TimelineQuery:
    """Which entries of a client to read: of ``kinds`` only (all when empty), at or after
    ``since`` and before ``until``, older than the entry ``after`` names (the ``next``
    cursor of the page before), at most ``limit`` (1…500)."""

    kinds: tuple[TimelineKind, ...] = attrs.field(default=(), validator=tuple_of(TimelineKind))
    since: datetime | None = attrs.field(default=None, validator=aware)
    until: datetime | None = attrs.field(default=None, validator=aware)
    after: tuple[datetime, str] | None = None
    limit: int = 50

    def __attrs_post_init__(self) -> None:
        for i, kind in enumerate(self.kinds):
            if not isinstance(kind, TimelineKind):
                fail(f"kinds[{i}]", f"{kind!r} is not a TimelineKind", subject="TimelineQuery")
        if isinstance(self.limit, bool) or not isinstance(self.limit, int):
            fail("limit", "must be a whole number", subject="TimelineQuery")
        if not 1 <= self.limit <= 500:
            fail("limit", f"{self.limit} is not between 1 and 500", subject="TimelineQuery")

    def wants(self, entry: TimelineEntry) -> bool:
        """Whether ``entry`` is on this query's pages (the stores' SQL, said in Python)."""
        if self.kinds and entry.kind not in self.kinds:
            return False
        if self.since is not None and entry.at < self.since:
            return False
        if self.until is not None and entry.at >= self.until:
            return False
        return self.after is None or (entry.at, entry.id) < self.after


@attrs.frozen
class TimelinePage:
    """A page of a client's timeline, newest first; ``next`` is the cursor of the page after
    it (pass it as ``after``), ``None`` on the last page."""

    entries: tuple[TimelineEntry, ...]
    next: tuple[datetime, str] | None = None

    def lines(self, tz: Any) -> tuple[str, ...]:
        return tuple(entry.line(tz) for entry in self.entries)


_KINDS = {kind.value: kind for kind in TimelineKind}


def note_json(entry: TimelineEntry) -> str | None:
    """What of ``entry`` a row's columns do not hold (a note's text and attachments), as
    JSON; ``None`` when there is nothing."""
    if entry.body is None and not entry.attachments:
        return None
    files = [{"name": a.name, "ref": a.ref} for a in entry.attachments]
    return json.dumps({"body": entry.body, "attachments": files}, ensure_ascii=False)


def entry_from_row(
    entry_id: str,
    client_id: str,
    at: datetime,
    kind: str,
    ref: str,
    summary: str,
    who: str | None,
    link: str | None,
    all_day: int,
    doc: str | None,
) -> TimelineEntry:
    """The entry a store wrote as a row (its columns, ``doc`` from :func:`note_json`),
    rebuilt without checking again what was checked when it was written."""
    body, files = None, ()
    if doc is not None:
        data = json.loads(doc)
        body = data["body"]
        files = tuple(
            _trusted_attachment(name=f["name"], ref=f["ref"]) for f in data["attachments"]
        )
    entry: TimelineEntry = _trusted_entry(
        id=entry_id,
        client_id=client_id,
        at=at,
        kind=_KINDS[kind],
        ref=ref,
        summary=summary,
        who=who,
        link=link,
        attachments=files,
        body=body,
        all_day=bool(all_day),
    )
    return entry


# --------------------------------------------------------------------------- derivation


def _id(*parts: str) -> str:
    """An entry's id: readable, and never over the limit (long record ids are hashed)."""
    joined = ":".join(parts)
    if len(joined) <= 200:
        return joined
    return f"{parts[0]}:{hashlib.sha256(joined.encode()).hexdigest()}"


def _day(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


_REACTION_WORDS = {
    ReactionKind.INCOMING_CALL: "Входящий звонок",
    ReactionKind.OUTGOING_CALL: "Исходящий звонок",
    ReactionKind.EMAIL: "Письмо",
    ReactionKind.MEETING: "Встреча",
    ReactionKind.TASK: "Задача",
}

_FOLDER_STEPS = {
    OnboardingStep.CHECK_FOLDER: "папка проверена",
    OnboardingStep.CHECK_SIGNATURES: "подписи проверены",
    OnboardingStep.CALL_COURIER: "курьер вызван",
    OnboardingStep.WELCOME_CALL: "приветственный звонок",
    OnboardingStep.SEND_CONTACTS: "контакты отправлены",
    OnboardingStep.DELIVERY_REACTION: "реакция на доставку",
    OnboardingStep.PREPARE_BOX: "коробка собрана",
    OnboardingStep.KEY_AND_DISC: "ключ и диск",
    OnboardingStep.PREPARE_BOOK: "книга подготовлена",
    OnboardingStep.PREPARE_ACTS: "акты подготовлены",
}


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} мин {rest:02d} с" if minutes else f"{rest} с"


#: :class:`TimelineEntry` and :class:`Attachment` made without their checks, from values
#: checked already (see :func:`_entry`, :func:`entry_from_row`)
_trusted_entry = trusted(TimelineEntry)
_trusted_attachment = trusted(Attachment)


def _entry(
    entry_id: str,
    client_id: ClientId,
    at: datetime,
    kind: TimelineKind,
    ref: str,
    summary: str,
    who: EmployeeId | None,
) -> TimelineEntry:
    """``TimelineEntry(entry_id, client_id, at, kind, ref, summary, who=who)``, made without
    running its checks again when the parts of the record it comes from pass them (as they
    do but for a tab or a line break in an id): every appeal and reaction stored gives one."""
    line = _one_line(summary)
    if (
        fine_text(entry_id, 200)
        and fine_text(client_id, 200)
        and fine_text(ref, 200)
        and fine_text(line, TOPIC_LENGTH)
        and (who is None or fine_text(who, 200))
        and fine_moment(at)
    ):
        entry: TimelineEntry = _trusted_entry(entry_id, client_id, at, kind, ref, line, who)
        return entry
    return TimelineEntry(entry_id, client_id, at, kind, ref, summary, who=who)


def _appeal(appeal: Appeal) -> list[TimelineEntry]:
    return [
        _entry(
            _id("appeal", appeal.id),
            appeal.client_id,
            appeal.created_at,
            TimelineKind.APPEAL,
            appeal.id,
            f"Обращение: {appeal.topic}",
            appeal.created_by,
        )
    ]


def _reaction(reaction: Reaction) -> list[TimelineEntry]:
    words = _REACTION_WORDS[reaction.kind]
    out = [
        _entry(
            _id("reaction", reaction.id),
            reaction.client_id,
            reaction.created_at,
            TimelineKind.REACTION,
            reaction.id,
            f"Запланировано: {words.lower()} — {reaction.topic}",
            reaction.created_by,
        )
    ]
    if reaction.done_at is not None:
        result = f" — {reaction.result.label}" if reaction.result is not None else ""
        outcome = f": {reaction.outcome}" if reaction.outcome else ""
        out.append(
            TimelineEntry(
                _id("reaction", reaction.id, "done"),
                reaction.client_id,
                reaction.done_at,
                TimelineKind.REACTION,
                reaction.id,
                f"{words}: {reaction.topic}{result}{outcome}",
                who=reaction.done_by or reaction.employee_id,
            )
        )
    return out


def _call(entry: CallLogEntry) -> list[TimelineEntry]:
    at = entry.started_at or entry.answered_at or entry.ended_at
    if entry.client_id is None or at is None:
        return []
    way = "Исходящий звонок" if entry.direction is CallDirection.OUTGOING else "Входящий звонок"
    parts = [way]
    seconds = entry.talk_seconds if entry.talk_seconds is not None else entry.duration_seconds
    if entry.outcome is not None and entry.outcome is not CallStatus.ANSWERED:
        parts.append(
            {"busy": "занято", "no_answer": "без ответа"}.get(entry.outcome.value, "не состоялся")
        )
    elif seconds is not None:
        parts.append(_duration(seconds))
    if entry.recording:
        parts.append("есть запись")
    return [
        TimelineEntry(
            _id("call", entry.call_id),
            entry.client_id,
            at,
            TimelineKind.CALL,
            entry.call_id,
            ", ".join(parts),
            who=entry.employee_id,
            link=entry.recording,
        )
    ]


def _onboarding(onboarding: Onboarding) -> list[TimelineEntry]:
    out = [
        TimelineEntry(
            _id("folder", onboarding.id),
            onboarding.client_id,
            onboarding.started_at,
            TimelineKind.FOLDER,
            onboarding.id,
            "Папка клиента: начато оформление",
            who=onboarding.manager_id,
        )
    ]
    for record in onboarding.steps:
        if record.done_at is not None:
            out.append(
                TimelineEntry(
                    _id("folder", onboarding.id, record.step.value),
                    onboarding.client_id,
                    record.done_at,
                    TimelineKind.FOLDER,
                    onboarding.id,
                    f"Папка клиента: {_FOLDER_STEPS[record.step]}",
                    who=record.done_by,
                )
            )
    return out


def _order(order: Order) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            _id("order", order.id, str(n)),
            order.client_id,
            step.at,
            TimelineKind.ORDER,
            order.id,
            f"Заказ № {order.number}: этап «{step.stage.label}»",
            who=step.by,
        )
        for n, step in enumerate(order.history)
    ]


def _invoice(invoice: Invoice) -> list[TimelineEntry]:
    out = [
        TimelineEntry(
            _id("invoice", invoice.id),
            invoice.client_id,
            _day(invoice.issue_date),
            TimelineKind.INVOICE,
            invoice.id,
            f"Счёт № {invoice.number} за {invoice.period}: выставлен, оплатить до "
            f"{full_date(invoice.due_date)}",
            all_day=True,
        )
    ]
    if invoice.status is not InvoiceStatus.ISSUED:
        out.append(
            TimelineEntry(
                _id("invoice", invoice.id, "status"),
                invoice.client_id,
                _day(invoice.issue_date),
                TimelineKind.INVOICE,
                invoice.id,
                f"Счёт № {invoice.number}: {invoice.status.label.lower()}, оплачено {invoice.paid}",
                all_day=True,
            )
        )
    return out


def _payment(payment: Payment) -> list[TimelineEntry]:
    if payment.client_id is None:
        return []
    purpose = f" — {payment.purpose}" if payment.purpose else ""
    return [
        TimelineEntry(
            _id("payment", payment.id),
            payment.client_id,
            _day(payment.date),
            TimelineKind.PAYMENT,
            payment.id,
            f"Оплата {payment.amount}{purpose}",
            all_day=True,
        )
    ]


def _claim(claim: Claim) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            _id("claim", claim.id, str(n)),
            claim.client_id,
            step.at,
            TimelineKind.CLAIM,
            claim.id,
            f"Претензия: {step.stage.label}"
            + (f" — {claim.source.text}" if n == 0 else (f" — {step.note}" if step.note else "")),
            who=step.by,
        )
        for n, step in enumerate(claim.history)
    ]


def _visit(visit: Visit) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            _id("visit", visit.id, str(n)),
            visit.client_id,
            step.at,
            TimelineKind.VISIT,
            visit.id,
            f"{visit.kind.label}: {step.status.label.lower()}"
            + (f" — {visit.problem}" if n == 0 and visit.problem else ""),
            who=step.by,
        )
        for n, step in enumerate(visit.history)
    ]


def _training(training: Training) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            _id("training", training.id, str(n)),
            training.client_id,
            step.at,
            TimelineKind.TRAINING,
            training.id,
            f"Обучение «{training.topic}»: {step.status.label.lower()}",
            who=step.by,
            link=training.recording_url,
        )
        for n, step in enumerate(training.history)
    ]


_DERIVE: dict[type, Any] = {
    Appeal: _appeal,
    Reaction: _reaction,
    CallLogEntry: _call,
    Onboarding: _onboarding,
    Order: _order,
    Invoice: _invoice,
    Payment: _payment,
    Claim: _claim,
    Visit: _visit,
    Training: _training,
}


def timeline_entries(record: object) -> tuple[TimelineEntry, ...]:
    """The timeline entries a stored record gives (none for a record of another kind, a call
    or a payment of no known client). A store records them with the record, in the same unit
    of work; the same record written again gives the same ids."""
    derive = _DERIVE.get(type(record))
    return tuple(derive(record)) if derive is not None else ()


def satisfaction_entry(
    client_id: ClientId, manager_id: EmployeeId, last_call: date
) -> TimelineEntry:
    """The entry of a satisfaction call made on ``last_call``."""
    return TimelineEntry(
        _id("satisfaction", client_id, last_call.isoformat()),
        client_id,
        _day(last_call),
        TimelineKind.SATISFACTION_CALL,
        client_id,
        "Звонок удовлетворённости сделан",
        who=manager_id,
        all_day=True,
    )


_CARD_FIELDS = {
    "name": "название",
    "city": "город",
    "phones": "телефоны",
    "kind": "вид клиента",
    "category": "категория",
    "contacts": "контактные лица",
    "emails": "e-mail",
    "manager_id": "менеджер",
    "contract_numbers": "договоры",
    "inn": "ИНН",
    "birthday": "день рождения",
    "company_day": "день компании",
}


def card_change_entry(
    before: Client, after: Client, *, at: datetime, by: EmployeeId | None
) -> TimelineEntry | None:
    """The entry of a card's change (the fields changed, in Russian), or ``None`` when no
    field the manager sees changed. Its id names the card's new version."""
    changed = [
        words
        for name, words in _CARD_FIELDS.items()
        if getattr(before, name) != getattr(after, name)
    ]
    if not changed:
        return None
    return TimelineEntry(
        _id("card", after.id, str(after.version)),
        after.id,
        at,
        TimelineKind.CARD,
        after.id,
        f"Карточка изменена: {', '.join(changed)}",
        who=by,
    )


def note_entry(
    note_id: str,
    client_id: ClientId,
    body: str,
    *,
    at: datetime,
    by: EmployeeId,
    attachments: tuple[Attachment, ...] = (),
) -> TimelineEntry:
    """A note on the card: its first line is the summary, the whole text is kept."""
    first = body.strip().splitlines()[0] if body.strip() else ""
    files = f" (вложений: {len(attachments)})" if attachments else ""
    return TimelineEntry(
        _id("note", note_id),
        client_id,
        at,
        TimelineKind.NOTE,
        note_id,
        f"Заметка: {first}{files}",
        who=by,
        attachments=attachments,
        body=body,
    )
