"""Call lists and campaigns: the values of the call manager's work (seed 004).

A :class:`Campaign` has a purpose (cold calls, a survey, quality control, loyalty), a
:class:`CallScript` with placeholders, optionally a :class:`Questionnaire`, a target list
(:class:`CampaignTarget`, one row per client), its assignees, a period and a daily call plan.
Each call is kept as a :class:`CampaignCall` with its outcomes (:class:`OutcomeKind`), the
survey's :class:`Answer` values and, once a reviewer listened to it, a :class:`ScriptReview`.

What a caller records is one or more outcome values: :class:`NoAnswer`, :class:`Busy`,
:class:`CallBack`, :class:`NotInterested`, :class:`WrongNumber`, :class:`CardUpdated`,
:class:`DecisionMakerFound`, :class:`DocumentSent`, :class:`MeetingBooked`,
:class:`WarmLead`, :class:`SurveyCompleted`::

    >>> script = CallScript(
    ...     (ScriptPoint("hello", "Здравствуйте, {contact:nom}! Вам звонит {caller:nom}."),
    ...      ScriptPoint("ask", "Соедините, пожалуйста, с {contact:ins}.")))
    >>> script.render(company="MLS IT", caller="Анна", client="ООО «Ромашка»",
    ...               contact="Иван Петрович Сидоров", city="Омск")
    ... # doctest: +NORMALIZE_WHITESPACE
    ('Здравствуйте, Иван Петрович Сидоров! Вам звонит Анна.',
     'Соедините, пожалуйста, с Иваном Петровичем Сидоровым.')
    >>> NotInterested().kind.label
    'Не интересно'
"""

from __future__ import annotations

import enum
import string
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, NewType

import attrs

from clientops._checks import (
    EMAIL,
    aware,
    fail,
    inn_checksum_ok,
    instance,
    text,
    trusted,
    tuple_of,
)
from clientops._names import Case, PersonName
from clientops._text import template_validator
from clientops.model import (
    Client,
    ClientCategory,
    ClientId,
    ClientKind,
    Contact,
    DepartmentId,
    EmployeeId,
    Phone,
    ReactionId,
    city_key,
)

__all__ = [
    "PURPOSE_OUTCOMES",
    "AdherenceShare",
    "Answer",
    "Attachment",
    "Busy",
    "CallBack",
    "CallCard",
    "CallOutcome",
    "CallScript",
    "Campaign",
    "CampaignCall",
    "CampaignFigures",
    "CampaignId",
    "CampaignPolicy",
    "CampaignPurpose",
    "CampaignTarget",
    "CardChanges",
    "CardFilter",
    "CardUpdated",
    "DecisionMakerFound",
    "DoNotCall",
    "DocumentKind",
    "DocumentSent",
    "Left",
    "MeetingBooked",
    "NextCall",
    "NoAnswer",
    "NotInterested",
    "Outcome",
    "OutcomeKind",
    "OutcomeRecord",
    "Paused",
    "Question",
    "QuestionKind",
    "QuestionResult",
    "Questionnaire",
    "ScriptPoint",
    "ScriptReview",
    "ShowIf",
    "Stayed",
    "SurveyCompleted",
    "TargetStatus",
    "WarmLead",
    "WrongNumber",
    "call_card",
    "upgrade_script_text",
]

CampaignId = NewType("CampaignId", str)

_id = text(limit=128, multiline=False)
_name = text(limit=200, multiline=False)
_optional_note = text(limit=10_000, optional=True, required=False)

#: The placeholders of a campaign's script: the organisations and the city as they are...
SCRIPT_PLACEHOLDERS = ("company", "client", "city")
#: ...and the persons, each in the case the sentence needs (``{contact:nom}``,
#: ``{caller:nom}``; see :class:`clientops.russian.Case`).
SCRIPT_PERSONS = ("caller", "contact")
_template_check = template_validator(*SCRIPT_PLACEHOLDERS, persons=SCRIPT_PERSONS)


def upgrade_script_text(text: str) -> str:
    """A script point written before placeholders said their case, with each person's bare
    placeholder made the nominative it always printed: ``{contact}`` becomes
    ``{contact:nom}``, ``{caller}`` becomes ``{caller:nom}``; everything else is kept as it is
    (schema version 25 rewrites the stored scripts with it). A new script point with a bare
    person's placeholder is refused (:class:`~clientops.errors.ValidationError` naming it).

    >>> upgrade_script_text("Здравствуйте, {contact}! {company}, {caller}. {{скобки}}")
    'Здравствуйте, {contact:nom}! {company}, {caller:nom}. {{скобки}}'
    """
    out = []
    for literal, field, spec, conversion in string.Formatter().parse(text):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is None:
            continue
        if field in SCRIPT_PERSONS and not spec and conversion is None:
            spec = Case.NOM.value
        out.append(
            "{"
            + field
            + (f"!{conversion}" if conversion else "")
            + (f":{spec}" if spec else "")
            + "}"
        )
    return "".join(out)


def _script_template(inst: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    try:
        _template_check(inst, attribute, value)
    except (TypeError, ValueError) as exc:
        fail(attribute.name, str(exc), subject=type(inst).__name__)


class CampaignPurpose(enum.Enum):
    """What a campaign's calls are for (the four lines of seed 004)."""

    COLD_CALLS = "cold_calls"
    SURVEY = "survey"
    QUALITY_CONTROL = "quality_control"
    LOYALTY = "loyalty"
    #: winning back leaving clients (seed 002 / 16): outcomes stayed, left, paused
    WIN_BACK = "win_back"

    @property
    def label(self) -> str:
        return _PURPOSE_LABELS[self]


_PURPOSE_LABELS = {
    CampaignPurpose.COLD_CALLS: "Холодные звонки",
    CampaignPurpose.SURVEY: "Анкетирование",
    CampaignPurpose.QUALITY_CONTROL: "Контроль качества",
    CampaignPurpose.LOYALTY: "Программа лояльности",
    CampaignPurpose.WIN_BACK: "Возврат уходящих клиентов",
}


class OutcomeKind(enum.Enum):
    """What came of one campaign call; :attr:`label` is its Russian name."""

    NO_ANSWER = "no_answer"
    BUSY = "busy"
    CALL_BACK = "call_back"
    NOT_INTERESTED = "not_interested"
    WRONG_NUMBER = "wrong_number"
    CARD_UPDATED = "card_updated"
    DECISION_MAKER = "decision_maker"
    OFFER_SENT = "offer_sent"
    LETTER_SENT = "letter_sent"
    MEETING = "meeting"
    WARM_LEAD = "warm_lead"
    SURVEY = "survey"
    STAYED = "stayed"
    LEFT = "left"
    PAUSED = "paused"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]

    @property
    def reached(self) -> bool:
        """Whether the call reached the client (someone answered who was the client)."""
        return self not in (OutcomeKind.NO_ANSWER, OutcomeKind.BUSY, OutcomeKind.WRONG_NUMBER)

    @property
    def retry(self) -> bool:
        """Whether the client is to be called again (no answer, busy, asked to call back)."""
        return self in (OutcomeKind.NO_ANSWER, OutcomeKind.BUSY, OutcomeKind.CALL_BACK)


_OUTCOME_LABELS = {
    OutcomeKind.NO_ANSWER: "Не дозвонились",
    OutcomeKind.BUSY: "Занято",
    OutcomeKind.CALL_BACK: "Просили перезвонить",
    OutcomeKind.NOT_INTERESTED: "Не интересно",
    OutcomeKind.WRONG_NUMBER: "Неверный номер",
    OutcomeKind.CARD_UPDATED: "Карточка актуализирована",
    OutcomeKind.DECISION_MAKER: "Найдено новое ЛПР",
    OutcomeKind.OFFER_SENT: "Отправлено КП",
    OutcomeKind.LETTER_SENT: "Отправлено информационное письмо",
    OutcomeKind.MEETING: "Назначена встреча",
    OutcomeKind.WARM_LEAD: "Тёплый контакт передан в продажи",
    OutcomeKind.SURVEY: "Анкета заполнена",
    OutcomeKind.STAYED: "Клиент остаётся",
    OutcomeKind.LEFT: "Клиент ушёл",
    OutcomeKind.PAUSED: "Решение отложено",
}

_ALWAYS = (
    OutcomeKind.NO_ANSWER,
    OutcomeKind.BUSY,
    OutcomeKind.CALL_BACK,
    OutcomeKind.NOT_INTERESTED,
    OutcomeKind.WRONG_NUMBER,
)

#: The outcomes each purpose allows by default (:attr:`CampaignPolicy.outcomes` replaces it).
PURPOSE_OUTCOMES: tuple[tuple[CampaignPurpose, tuple[OutcomeKind, ...]], ...] = (
    (
        CampaignPurpose.COLD_CALLS,
        (
            *_ALWAYS,
            OutcomeKind.CARD_UPDATED,
            OutcomeKind.DECISION_MAKER,
            OutcomeKind.OFFER_SENT,
            OutcomeKind.LETTER_SENT,
            OutcomeKind.MEETING,
            OutcomeKind.WARM_LEAD,
        ),
    ),
    (CampaignPurpose.SURVEY, (*_ALWAYS, OutcomeKind.SURVEY, OutcomeKind.CARD_UPDATED)),
    (CampaignPurpose.QUALITY_CONTROL, (*_ALWAYS, OutcomeKind.SURVEY)),
    (
        CampaignPurpose.LOYALTY,
        (
            *_ALWAYS,
            OutcomeKind.SURVEY,
            OutcomeKind.LETTER_SENT,
            OutcomeKind.OFFER_SENT,
            OutcomeKind.WARM_LEAD,
        ),
    ),
    (
        CampaignPurpose.WIN_BACK,
        (
            *_ALWAYS,
            OutcomeKind.STAYED,
            OutcomeKind.LEFT,
            OutcomeKind.PAUSED,
            OutcomeKind.OFFER_SENT,
            OutcomeKind.WARM_LEAD,
        ),
    ),
)


def _positive_delta(inst: Any, attribute: attrs.Attribute[Any], value: timedelta) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        fail(attribute.name, f"must be a positive timedelta, got {value!r}", subject="policy")


@attrs.frozen
class CampaignPolicy:
    """The numbers and words of campaigns (``Policy.campaigns``)."""

    #: A client's working hours, in the client's own time zone, on its working days.
    work_start: time = time(9, 0)
    work_end: time = time(18, 0)
    #: The time zone of a client whose city is not in :attr:`city_timezones` (``None``: the
    #: department's own, ``Policy.timezone``).
    default_timezone: str | None = None
    #: Time zones by city (compared case- and ``ё``-insensitively).
    city_timezones: tuple[tuple[str, str], ...] = (
        ("Москва", "Europe/Moscow"),
        ("Санкт-Петербург", "Europe/Moscow"),
        ("Казань", "Europe/Moscow"),
        ("Нижний Новгород", "Europe/Moscow"),
        ("Самара", "Europe/Samara"),
        ("Екатеринбург", "Asia/Yekaterinburg"),
        ("Челябинск", "Asia/Yekaterinburg"),
        ("Пермь", "Asia/Yekaterinburg"),
        ("Омск", "Asia/Omsk"),
        ("Новосибирск", "Asia/Novosibirsk"),
        ("Красноярск", "Asia/Krasnoyarsk"),
        ("Иркутск", "Asia/Irkutsk"),
        ("Хабаровск", "Asia/Vladivostok"),
        ("Владивосток", "Asia/Vladivostok"),
        ("Калининград", "Europe/Kaliningrad"),
    )
    #: No answer: call again after this long; busy: after this long.
    retry_no_answer: timedelta = attrs.field(default=timedelta(hours=2), validator=_positive_delta)
    retry_busy: timedelta = attrs.field(default=timedelta(minutes=20), validator=_positive_delta)
    #: After this many calls without reaching the client, the client is not called again.
    max_attempts: int = 5
    #: A client handed to a caller by ``next_client`` is not handed to another for this long.
    claim_lease: timedelta = attrs.field(default=timedelta(minutes=15), validator=_positive_delta)
    #: The reaction to check that a commercial offer or letter arrived: after this many
    #: working days.
    receipt_check_days: int = 2
    #: The warm lead's reaction in sales is due this long after the call.
    lead_delay: timedelta = attrs.field(default=timedelta(hours=1), validator=_positive_delta)
    #: Which outcomes each purpose allows.
    outcomes: tuple[tuple[CampaignPurpose, tuple[OutcomeKind, ...]], ...] = PURPOSE_OUTCOMES
    #: The outbox topic of the e-mail with a commercial offer or a letter attached.
    email_topic: str = "clientops.email.campaign"
    #: Words: the subject of a document's e-mail and the topics of the reactions made.
    offer_subject: str = "Коммерческое предложение {company}"
    letter_subject: str = "Информационное письмо {company}"
    check_receipt_topic: str = "Проверить получение: {document}"
    meeting_topic: str = "Встреча (кампания «{campaign}»)"
    lead_topic: str = "Тёплый контакт (кампания «{campaign}»)"

    def allowed(self, purpose: CampaignPurpose) -> tuple[OutcomeKind, ...]:
        for each, kinds in self.outcomes:
            if each is purpose:
                return kinds
        return ()

    def timezone_of(self, city: str, fallback: str) -> str:
        """The time zone of a client in ``city``."""
        key = " ".join(city.casefold().replace("ё", "е").split())
        for name, zone in self.city_timezones:
            if " ".join(name.casefold().replace("ё", "е").split()) == key:
                return zone
        return self.default_timezone or fallback


# --------------------------------------------------------------------------- the script


@attrs.frozen
class ScriptPoint:
    """One point of a call script: an id (what a reviewer ticks) and what to say, a
    ``str.format`` template with ``{company}``, ``{client}``, ``{city}`` and the persons in
    the case the sentence needs: ``{caller:nom}``, ``{contact:gen}``… (a bare ``{contact}`` is
    refused; :func:`upgrade_script_text` rewrites an old script)."""

    id: str = attrs.field(validator=_id)
    text: str = attrs.field(validator=[text(limit=2_000), _script_template])


def _unique_ids(inst: Any, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
    seen: set[str] = set()
    for at, item in enumerate(value):
        if item.id in seen:
            fail(f"{attribute.name}[{at}].id", f"{item.id!r} is used twice", subject="script")
        seen.add(item.id)


@attrs.frozen
class CallScript:
    """The points of a call script, in order."""

    points: tuple[ScriptPoint, ...] = attrs.field(validator=[tuple_of(ScriptPoint), _unique_ids])

    def render(self, **values: str | PersonName) -> tuple[str, ...]:
        """Each point's words with the placeholders filled in; a person given as a plain
        ``str`` is declined by its name alone (a :class:`~clientops.russian.PersonName` with a
        gender overrides it)."""
        for name in SCRIPT_PERSONS:
            value = values.get(name)
            if isinstance(value, str):
                values[name] = PersonName(value)
        return tuple([point.text.format(**values) for point in self.points])

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(point.id for point in self.points)


# --------------------------------------------------------------------------- questionnaires


class QuestionKind(enum.Enum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"
    NUMBER = "number"
    TEXT = "text"


@attrs.frozen
class ShowIf:
    """Skip logic: the question is asked only when the answer to ``question`` (a single or
    multiple choice asked earlier) holds one of ``choices``."""

    question: str = attrs.field(validator=_id)
    choices: tuple[str, ...] = attrs.field(validator=tuple_of(str))


@attrs.frozen
class Question:
    """One question of a questionnaire. ``choices`` for a single or multiple choice;
    ``low``..``high`` for a scale."""

    id: str = attrs.field(validator=_id)
    text: str = attrs.field(validator=text(limit=2_000))
    kind: QuestionKind = attrs.field(validator=instance(QuestionKind))
    required: bool = attrs.field(default=True, validator=instance(bool))
    choices: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str))
    low: int = 1
    high: int = 5
    show_if: ShowIf | None = None

    def __attrs_post_init__(self) -> None:
        if self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and not self.choices:
            fail("choices", f"question {self.id!r}: a choice needs choices", subject="Question")
        if self.kind is QuestionKind.SCALE and self.low >= self.high:
            fail("high", f"question {self.id!r}: the scale is empty", subject="Question")


@attrs.frozen
class Questionnaire:
    """A survey: its questions in the order they are asked."""

    title: str = attrs.field(validator=_name)
    questions: tuple[Question, ...] = attrs.field(validator=[tuple_of(Question), _unique_ids])

    def __attrs_post_init__(self) -> None:
        asked: dict[str, Question] = {}
        for at, question in enumerate(self.questions):
            rule = question.show_if
            if rule is not None:
                earlier = asked.get(rule.question)
                if earlier is None or earlier.kind not in (
                    QuestionKind.SINGLE,
                    QuestionKind.MULTIPLE,
                ):
                    fail(
                        f"questions[{at}].show_if",
                        f"{rule.question!r} is not a choice asked before {question.id!r}",
                        subject="Questionnaire",
                    )
            asked[question.id] = question

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@attrs.frozen
class Answer:
    """An answer as stored: the chosen options, a number (a scale's point) or a text."""

    question: str
    choices: tuple[str, ...] = ()
    number: Decimal | None = None
    text: str | None = None


@attrs.frozen
class QuestionResult:
    """The answers to one question over a campaign: how many answered, the count and share
    of each option (for a multiple choice, the share of those who answered), and for a scale
    or a number the average, least and greatest."""

    question: str
    text: str
    kind: QuestionKind
    answered: int
    options: tuple[tuple[str, int, Decimal], ...] = ()
    average: Decimal | None = None
    least: Decimal | None = None
    greatest: Decimal | None = None
    texts: tuple[str, ...] = ()


# --------------------------------------------------------------------------- campaigns


@attrs.frozen
class CardFilter:
    """Which cards go on a call list: every condition given must hold (a city compared
    case- and ``ё``-insensitively; ``manager_id`` the card's manager; ``unmanaged`` cards
    without one)."""

    city: str | None = attrs.field(default=None, validator=text(optional=True))
    category: ClientCategory | None = attrs.field(
        default=None, validator=instance(ClientCategory, optional=True)
    )
    kind: ClientKind | None = attrs.field(
        default=None, validator=instance(ClientKind, optional=True)
    )
    manager_id: EmployeeId | None = None
    unmanaged: bool = False

    def matches(self, client: Client) -> bool:
        return (
            (self.city is None or city_key(client.city) == city_key(self.city))
            and (self.category is None or client.category is self.category)
            and (self.kind is None or client.kind is self.kind)
            and (self.manager_id is None or client.manager_id == self.manager_id)
            and (not self.unmanaged or client.manager_id is None)
        )


def _assignees(inst: Any, attribute: attrs.Attribute[Any], value: tuple[EmployeeId, ...]) -> None:
    tuple_of(str)(inst, attribute, value)
    if not value:
        fail(attribute.name, "a campaign needs at least one caller", subject="Campaign")


@attrs.frozen
class Campaign:
    """A call list with its purpose, script, questionnaire, callers, period and plan (calls
    per caller per day). ``timezones`` and ``targets`` are kept by the store as clients are
    added to the list."""

    id: CampaignId = attrs.field(validator=_id)
    name: str = attrs.field(validator=_name)
    purpose: CampaignPurpose = attrs.field(validator=instance(CampaignPurpose))
    script: CallScript = attrs.field(validator=instance(CallScript))
    assignees: tuple[EmployeeId, ...] = attrs.field(validator=_assignees)
    start: date = attrs.field(validator=instance(date))
    end: date = attrs.field(validator=instance(date))
    daily_plan: int = attrs.field(default=0, validator=instance(int))
    questionnaire: Questionnaire | None = attrs.field(
        default=None, validator=instance(Questionnaire, optional=True)
    )
    created_at: datetime | None = attrs.field(default=None, validator=aware)
    created_by: EmployeeId | None = None
    timezones: tuple[str, ...] = ()
    targets: int = 0
    version: int = 0

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            fail("end", f"{self.end} is before {self.start}", subject="Campaign")
        if self.daily_plan < 0:
            fail("daily_plan", "must not be negative", subject="Campaign")
        if self.purpose is CampaignPurpose.SURVEY and self.questionnaire is None:
            fail("questionnaire", "a survey needs a questionnaire", subject="Campaign")


class TargetStatus(enum.Enum):
    """Where a client of a call list is: to be called, done, given up (attempts used up), or
    not to be called (the client's do-not-call flag)."""

    OPEN = "open"
    DONE = "done"
    EXHAUSTED = "exhausted"
    DO_NOT_CALL = "do_not_call"


@attrs.frozen
class CampaignTarget:
    """One client of a call list: when to call next (UTC-comparable), in which time zone the
    client's working hours are counted, how many calls failed to reach it."""

    campaign_id: CampaignId
    client_id: ClientId
    timezone: str
    next_call_at: datetime = attrs.field(validator=aware)
    status: TargetStatus = TargetStatus.OPEN
    attempts: int = 0
    last_outcome: OutcomeKind | None = None
    claimed_by: EmployeeId | None = None
    version: int = 0


@attrs.frozen
class DoNotCall:
    """A client's do-not-call flag: who set it, when and why."""

    client_id: ClientId
    at: datetime = attrs.field(validator=aware)
    by: EmployeeId
    reason: str | None = None


@attrs.frozen
class ScriptReview:
    """A reviewer's marks on a call's recording: which script points were kept."""

    reviewer: EmployeeId
    at: datetime = attrs.field(validator=aware)
    kept: tuple[str, ...]
    missed: tuple[str, ...]

    @property
    def share(self) -> Decimal:
        total = len(self.kept) + len(self.missed)
        return Decimal(len(self.kept)) / total if total else Decimal(0)


@attrs.frozen
class CampaignCall:
    """One call of a campaign as stored, with who made it and when (for the card's
    timeline): its outcomes, the card fields it changed, the reaction and the outbox message
    it made, the survey's answers and the review of its recording."""

    id: str
    campaign_id: CampaignId
    client_id: ClientId
    caller_id: EmployeeId
    at: datetime = attrs.field(validator=aware)
    outcomes: tuple[OutcomeKind, ...]
    note: str | None = None
    call_log_id: str | None = None
    changed_fields: tuple[str, ...] = ()
    reactions: tuple[ReactionId, ...] = ()
    outbox_key: str | None = None
    answers: tuple[Answer, ...] = ()
    review: ScriptReview | None = None
    version: int = 0

    @property
    def outcome(self) -> OutcomeKind:
        """The first (main) outcome."""
        return self.outcomes[0]

    def summary(self) -> str:
        """One line in Russian for the card's timeline."""
        words = ", ".join(kind.label for kind in self.outcomes)
        if self.changed_fields:
            words += " (" + ", ".join(self.changed_fields) + ")"
        return f"Звонок по кампании: {words}"


# --------------------------------------------------------------------------- outcomes


class CallOutcome:
    """What every outcome of a campaign call is: a value with a :attr:`kind`."""

    __slots__ = ()

    @property
    def kind(self) -> OutcomeKind:  # pragma: no cover - every outcome overrides it
        raise NotImplementedError


@attrs.frozen
class NoAnswer(CallOutcome):
    """No one answered: the client is called again after ``CampaignPolicy.retry_no_answer``."""

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.NO_ANSWER


@attrs.frozen
class Busy(CallOutcome):
    """The line was busy: called again after ``CampaignPolicy.retry_busy``."""

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.BUSY


@attrs.frozen
class CallBack(CallOutcome):
    """The client asked to be called at ``at``."""

    at: datetime = attrs.field(validator=aware)

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.CALL_BACK


@attrs.frozen
class NotInterested(CallOutcome):
    """«Не интересно»: the client is not called again in this campaign."""

    reason: str | None = attrs.field(default=None, validator=_optional_note)

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.NOT_INTERESTED


@attrs.frozen
class WrongNumber(CallOutcome):
    """«Неверный номер»: the number dialled is not the client's; ``phone`` is dropped from
    the card when given."""

    phone: Phone | None = None

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.WRONG_NUMBER


def _optional_email(inst: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not EMAIL.match(value)):
        fail(attribute.name, f"{value!r} is not an e-mail address", subject="CardChanges")


def _optional_inn(inst: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.isdigit() or len(value) not in (10, 12):
        fail(attribute.name, f"{value!r} is not an INN (10 or 12 digits)", subject="CardChanges")
    if not inn_checksum_ok(value):
        fail(attribute.name, f"{value!r}: the check digits do not match", subject="CardChanges")


@attrs.frozen
class CardChanges:
    """Card fields checked on the call (the base brought up to date): each one given replaces
    the card's (a phone and an e-mail are added). ``needs`` and ``portrait`` go to the note of
    the appeal-free record of the call."""

    name: str | None = attrs.field(default=None, validator=text(optional=True))
    city: str | None = attrs.field(default=None, validator=text(optional=True))
    inn: str | None = attrs.field(default=None, validator=_optional_inn)
    phone: Phone | None = attrs.field(default=None, validator=instance(Phone, optional=True))
    email: str | None = attrs.field(default=None, validator=_optional_email)
    needs: str | None = attrs.field(default=None, validator=_optional_note)
    portrait: str | None = attrs.field(default=None, validator=_optional_note)


@attrs.frozen
class CardUpdated(CallOutcome):
    """The base brought up to date: ``changes`` applied to the card."""

    changes: CardChanges

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.CARD_UPDATED


@attrs.frozen
class DecisionMakerFound(CallOutcome):
    """A new decision maker (ЛПР) found: added to the card's contacts, marked as one."""

    contact: Contact

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.DECISION_MAKER


class DocumentKind(enum.Enum):
    OFFER = "offer"
    LETTER = "letter"

    @property
    def label(self) -> str:
        return "КП" if self is DocumentKind.OFFER else "информационное письмо"


@attrs.frozen
class Attachment:
    """A file attached to an e-mail: its name, type and bytes."""

    filename: str = attrs.field(validator=_name)
    content: bytes = attrs.field(validator=instance(bytes))
    content_type: str = "application/pdf"


def _email(inst: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not EMAIL.match(value):
        fail(attribute.name, f"{value!r} is not an e-mail address", subject="DocumentSent")


@attrs.frozen
class DocumentSent(CallOutcome):
    """A commercial offer (КП) or an information letter (ИП) sent by e-mail to ``to`` with
    ``attachment``: recorded in the outbox, with a reaction of the caller's to check that it
    arrived."""

    document: DocumentKind
    to: str = attrs.field(validator=_email)
    attachment: Attachment
    body: str = attrs.field(default="", validator=text(limit=10_000, required=False))

    @property
    def kind(self) -> OutcomeKind:
        return (
            OutcomeKind.OFFER_SENT
            if self.document is DocumentKind.OFFER
            else OutcomeKind.LETTER_SENT
        )


@attrs.frozen
class MeetingBooked(CallOutcome):
    """A meeting booked for an active-sales manager at ``at``: a meeting reaction on the
    manager's agenda and calendar."""

    manager_id: EmployeeId = attrs.field(validator=_id)
    at: datetime = attrs.field(validator=aware)
    place: str | None = attrs.field(default=None, validator=text(optional=True))

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.MEETING


@attrs.frozen
class WarmLead(CallOutcome):
    """A warm contact handed to sales: a reaction of the sales department (or of
    ``manager_id``) to call the client."""

    note: str | None = attrs.field(default=None, validator=_optional_note)
    manager_id: EmployeeId | None = None
    department_id: DepartmentId | None = None

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.WARM_LEAD


@attrs.frozen
class Stayed(CallOutcome):
    """A win-back call: the client stays (``offer``: what kept it, say a discount)."""

    offer: str | None = attrs.field(default=None, validator=_optional_note)

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.STAYED


@attrs.frozen
class Left(CallOutcome):
    """A win-back call: the client leaves, for ``reason`` (required: the report's words)."""

    reason: str = attrs.field(validator=text(limit=10_000))

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.LEFT


@attrs.frozen
class Paused(CallOutcome):
    """A win-back call: the client puts the decision off until ``until``; the risk scan marks
    it leaving again after that day if the signals still say so."""

    until: date = attrs.field(validator=instance(date))

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.PAUSED


def _as_dict(value: Mapping[str, object]) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        fail("answers", f"must be a mapping, got {type(value).__name__}", subject="SurveyCompleted")
    return dict(value)


@attrs.frozen
class SurveyCompleted(CallOutcome):
    """The questionnaire answered: ``answers`` by question id (a choice's text, a tuple of
    them, an int for a scale, a number, a text), checked against the campaign's
    questionnaire."""

    answers: Mapping[str, object] = attrs.field(converter=_as_dict)

    @property
    def kind(self) -> OutcomeKind:
        return OutcomeKind.SURVEY


#: What :meth:`ops.campaigns.record_outcome` accepts.
Outcome = (
    NoAnswer
    | Busy
    | CallBack
    | NotInterested
    | WrongNumber
    | CardUpdated
    | DecisionMakerFound
    | DocumentSent
    | MeetingBooked
    | WarmLead
    | SurveyCompleted
    | Stayed
    | Left
    | Paused
)
OUTCOME_TYPES = (
    NoAnswer,
    Busy,
    CallBack,
    NotInterested,
    WrongNumber,
    CardUpdated,
    DecisionMakerFound,
    DocumentSent,
    MeetingBooked,
    WarmLead,
    SurveyCompleted,
    Stayed,
    Left,
    Paused,
)


# --------------------------------------------------------------------------- answers out


class CallCard(NamedTuple):
    """What a caller needs of a card to make a campaign call, read without loading the whole
    card (a store's answer to :meth:`~clientops.ports.CampaignsRepository.call_card`): the
    name, the city, the phones and the contact to ask for (the decision maker, else the
    first contact)."""

    client_id: ClientId
    name: str
    city: str
    phones: tuple[Phone, ...]
    contact: str | None


def call_card(client: Client) -> CallCard:
    """The :class:`CallCard` of a card."""
    contact = next((c.name for c in client.contacts if c.decision_maker), None)
    if contact is None and client.contacts:
        contact = client.contacts[0].name
    return CallCard(client.id, client.name, client.city, client.phones, contact)


@attrs.frozen
class NextCall:
    """The next client to call (:meth:`ops.campaigns.next_client`): the list's row, the card,
    the script in words and the questionnaire (if any)."""

    target: CampaignTarget
    client_name: str
    phones: tuple[Phone, ...]
    script: tuple[str, ...]
    questionnaire: Questionnaire | None


@attrs.frozen
class OutcomeRecord:
    """What :meth:`ops.campaigns.record_outcome` stored: the call and the list's row after
    it. ``repeated`` is true when a call with the same id was stored before."""

    call: CampaignCall
    target: CampaignTarget
    repeated: bool = False


@attrs.frozen
class CampaignFigures:
    """A campaign's figures: clients in the list, called, reached; calls; outcomes by kind;
    meetings and leads and their share of the clients reached; calls per caller today
    against the daily plan."""

    targets: int
    called: int
    reached: int
    calls: int
    by_outcome: tuple[tuple[OutcomeKind, int], ...]
    meetings: int
    leads: int
    meeting_conversion: Decimal
    lead_conversion: Decimal
    today: tuple[tuple[EmployeeId, int], ...]
    daily_plan: int

    def summary(self) -> str:
        """The figures in Russian, one line."""
        return (
            f"В списке: {self.targets}, дозвонились: {self.reached}, звонков: {self.calls}, "
            f"встреч: {self.meetings} ({self.meeting_conversion:.0%}), "
            f"тёплых контактов: {self.leads} ({self.lead_conversion:.0%})"
        )


@attrs.frozen
class AdherenceShare:
    """Script adherence of one caller: calls reviewed, points kept of points checked."""

    employee_id: EmployeeId
    reviewed: int
    kept: int
    checked: int

    @property
    def share(self) -> Decimal:
        return Decimal(self.kept) / self.checked if self.checked else Decimal(0)


# --------------------------------------------------------------------------- trusted values


#: :class:`CampaignTarget` without its check (every field by position).
trusted_target: Callable[
    [
        CampaignId,
        ClientId,
        str,
        datetime,
        TargetStatus,
        int,
        OutcomeKind | None,
        EmployeeId | None,
        int,
    ],
    CampaignTarget,
] = trusted(CampaignTarget)
#: :class:`NextCall` (it has no check: only attrs' keyword handling is skipped).
trusted_next_call: Callable[
    [CampaignTarget, str, tuple[Phone, ...], tuple[str, ...], Questionnaire | None],
    NextCall,
] = trusted(NextCall)
#: :class:`OutcomeRecord`.
trusted_record: Callable[[CampaignCall, CampaignTarget, bool], OutcomeRecord] = trusted(
    OutcomeRecord
)
