"""Every number and every phrase the rules use, as one typed, overridable value.

Nothing in :mod:`clientops.rules` hard-codes a delay, a department or a line of a call script:
it reads them from a :class:`Policy`. Change one with ``attrs.evolve``::

    >>> from datetime import timedelta
    >>> import attrs
    >>> from clientops import Policy
    >>> mine = attrs.evolve(Policy(), sales_reaction_delay=timedelta(minutes=5))
    >>> mine.sales_reaction_delay
    datetime.timedelta(seconds=300)

Call scripts are Russian out of the box; :data:`ENGLISH` shows how to translate them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import phonenumbers

from clientops._billing import BillingPolicy
from clientops._campaigns import CampaignPolicy
from clientops._claims import ClaimPolicy
from clientops._completeness import CompletenessPolicy
from clientops._followups import FollowUpPlans
from clientops._formats import CurrencyStyle
from clientops._jobs import JobPolicy
from clientops._legal import LegalPolicy
from clientops._onboarding import OnboardingPolicy
from clientops._orders import OrderPolicy
from clientops._planning import PlanningPolicy
from clientops._retention import RetentionPolicy
from clientops._supply import SupplyPolicy
from clientops._telephony import TelephonyPolicy
from clientops._text import template_validator
from clientops.model import ClientCategory, DepartmentId
from clientops.satisfaction import SatisfactionPolicy
from clientops.service_visits import VisitPolicy
from clientops.workdays import WorkCalendar, russian_calendar

__all__ = ["ENGLISH", "Messages", "Policy"]


_template = template_validator("company", "target", persons=("manager", "employee"))


@attrs.define(
    frozen=True, field_transformer=lambda _, fields: [f.evolve(validator=_template) for f in fields]
)
class Messages:
    """What the manager says, as ``str.format`` templates (Russian by default).

    Placeholders: ``{company}``, ``{target}`` (a department's name or an employee's full name)
    and the persons, each with the case the sentence needs: ``{manager:nom}`` (the first name of
    the manager answering), ``{employee:gen}`` (the full name of the employee asked for); the
    cases are ``nom``, ``gen``, ``dat``, ``acc``, ``ins`` and ``pre``.
    """

    greeting: str = "Компания {company}, {manager:nom}, здравствуйте! Чем я могу Вам помочь?"
    closing: str = "Спасибо за звонок! Обращайтесь к нам ещё!"
    #: The topic of an appeal when the manager noted none.
    default_topic: str = "Входящий звонок"
    transfer: str = "Перевожу Ваш звонок: {target}."
    employee_absent: str = "{employee:gen} сейчас нет на месте. Перевожу Ваш звонок: {target}."
    callback_promise: str = (
        "В ближайшее время Вам позвонит человек, уполномоченный решать заданные Вами вопросы."
    )
    ask_identification: str = (
        "Подскажите, пожалуйста, название Вашей компании или номер договора с нами."
    )
    not_identified: str = (
        "Не удалось найти Вашу организацию по этим данным. Уточните, пожалуйста, название "
        "или номер договора, или я переведу Ваш звонок в отдел продаж."
    )
    ambiguous: str = (
        "Под этим названием у нас несколько организаций. Уточните, пожалуйста, город "
        "или номер договора."
    )


#: The call scripts in English: pass ``Policy(messages=ENGLISH)``.
ENGLISH = Messages(
    greeting="{company}, {manager:nom} speaking, good day! How can I help you?",
    closing="Thank you for calling! Do call us again!",
    default_topic="Incoming call",
    transfer="Putting you through: {target}.",
    employee_absent="{employee:nom} is not in today. Putting you through: {target}.",
    callback_promise="A person authorised to decide on your questions will call you back shortly.",
    ask_identification="May I have your company name or your contract number?",
    not_identified=(
        "I could not find your organisation by that. Please give the name or the contract "
        "number again, or I will put you through to sales."
    ),
    ambiguous="Several organisations go by that name. Which city, or which contract number?",
)


def _positive(_: Any, attribute: attrs.Attribute[Any], value: timedelta) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise ValueError(f"{attribute.name} must be a non-negative timedelta, got {value!r}")


def _delays(_: Any, attribute: attrs.Attribute[Any], value: tuple[timedelta, ...]) -> None:
    if not isinstance(value, tuple):
        raise TypeError(f"{attribute.name} must be a tuple of timedelta, got {value!r}")
    for delay in value:
        _positive(_, attribute, delay)


def _zone(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"{attribute.name}: unknown time zone {value!r}") from None


def _region(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{attribute.name}: unknown phone region {value!r}")


@attrs.frozen
class Policy:
    """The defaults of DOMAIN.md. Every field can be changed; none is buried in a rule."""

    #: The company name said in the greeting.
    company_name: str = "MLS IT"
    #: Region for phone numbers written without a country code (ISO 3166 code).
    phone_region: str = attrs.field(default="RU", validator=_region)
    #: A phone must be valid for its region, not only of a possible length.
    strict_phones: bool = True
    #: Local time zone of the department.
    timezone: str = attrs.field(default="Europe/Moscow", validator=_zone)

    #: Department ids that play each part in routing.
    sales_department: DepartmentId = DepartmentId("sales")
    client_department: DepartmentId = DepartmentId("client")
    tech_support_department: DepartmentId = DepartmentId("tech_support")
    management_department: DepartmentId = DepartmentId("management")

    #: Incoming call: the next reaction is due this long after the call ("через минуту").
    sales_reaction_delay: timedelta = attrs.field(default=timedelta(minutes=1), validator=_positive)
    tech_support_reaction_delay: timedelta = attrs.field(
        default=timedelta(minutes=1), validator=_positive
    )
    management_reaction_delay: timedelta = attrs.field(
        default=timedelta(minutes=1), validator=_positive
    )
    #: The category of a card made for a new caller (the seed: «проставляем Клиент»).
    new_card_category: ClientCategory = ClientCategory.CLIENT

    messages: Messages = Messages()

    #: The client folder check and the onboarding checklist (copy counts, recipients of
    #: nonconformities, parcel rules per product, the courier, the welcome call's words).
    onboarding: OnboardingPolicy = OnboardingPolicy()

    #: The order process (margins, repeat-order conditions, deadlines, hand-offs, its words).
    orders: OrderPolicy = OrderPolicy()

    #: Telephony: what counts as a long call, the call-back after a missed call.
    telephony: TelephonyPolicy = TelephonyPolicy()

    #: Billing and collection: the billing day, VAT, payment terms, reminders, numbering, the
    #: company's details on its invoices.
    billing: BillingPolicy = BillingPolicy()

    #: Claims: who is told of one (the head of the department at fault, the general
    #: director), how soon, and in which words.
    claims: ClaimPolicy = ClaimPolicy()

    #: The satisfaction round: every 14 days per assigned client, the letter's follow-up, the
    #: call again when the client was not reached, their words.
    satisfaction: SatisfactionPolicy = SatisfactionPolicy()

    #: Service visits and trainings: a visit on a non-working day moved or refused, the
    #: emergency deadline, the departments told of a late visit, their words.
    service: VisitPolicy = VisitPolicy()

    #: Equipment supply: how suppliers' offers are ranked, the warehouses, the home city and
    #: the load that needs a large vehicle, the deadlines the agenda watches, their words.
    supply: SupplyPolicy = SupplyPolicy()

    #: Working days for every rule that counts them (billing day, reminders, pickups,
    #: deadlines): the Russian production calendar by default; any
    #: :class:`~clientops.workdays.WorkCalendar` (a :class:`~clientops.workdays.FixedCalendar`,
    #: ``ProductionCalendar(extra_holidays=...)``) replaces it.
    calendar: WorkCalendar = attrs.field(factory=russian_calendar)

    #: Outbox: a failed delivery is retried after each of these delays in turn; when they are
    #: used up the message is marked dead for a person to look at.
    outbox_retry_delays: tuple[timedelta, ...] = attrs.field(
        default=(
            timedelta(minutes=1),
            timedelta(minutes=5),
            timedelta(minutes=30),
            timedelta(hours=2),
            timedelta(hours=12),
        ),
        validator=_delays,
    )
    #: Outbox: how long a worker owns a message it took for delivery. A worker that dies
    #: leaves it to the next one after this long.
    outbox_lease: timedelta = attrs.field(default=timedelta(minutes=5), validator=_positive)
    #: the host systems whose ids records may carry (:class:`~clientops.clients.ExternalId`'s
    #: ``source``): an id from a source not named here is refused, so a typo in a sync job
    #: cannot create a second set of cards
    external_sources: tuple[str, ...] = attrs.field(
        default=(),
        converter=tuple,
        validator=attrs.validators.deep_iterable(attrs.validators.instance_of(str)),
    )
    #: How roubles are named after an amount, in Russian (``руб.`` or ``₽``) and in English
    #: (``roubles``): every printed line, message and English translation written through
    #: :func:`clientops.russian.money_text` inside this policy's services.
    currency: CurrencyStyle = attrs.field(
        default=CurrencyStyle(), validator=attrs.validators.instance_of(CurrencyStyle)
    )

    #: Call campaigns: the clients' working hours and time zones, the retry rule for no
    #: answer and busy, which outcomes each purpose allows, the words of their reactions.
    campaigns: CampaignPolicy = CampaignPolicy()
    #: Scheduled jobs (``clientops run-due``, ``clientops worker``): how many missed days are
    #: caught up, how long a runner owns a job it claimed.
    jobs: JobPolicy = JobPolicy()
    #: Follow-up plans (:class:`~clientops.clients.FollowUpPlan`), by name: chains of
    #: reactions scheduled one after another («КП отправлено → проверить получение через 2
    #: рабочих дня → перезвонить через 5»). Replace them with your own.
    follow_up_plans: FollowUpPlans = attrs.field(
        factory=FollowUpPlans, validator=attrs.validators.instance_of(FollowUpPlans)
    )

    #: Card completeness (:func:`clientops.rules.completeness.score_card`): the mandatory
    #: fields of a card and their weights, the words meaning "nobody", the cities known.
    completeness: CompletenessPolicy = attrs.field(
        factory=CompletenessPolicy, validator=attrs.validators.instance_of(CompletenessPolicy)
    )

    #: Plans, reports, control points and pay (:mod:`clientops.planning`): the regular
    #: client rule's months, the loss criteria's numbers, the plan's growth, the report's
    #: day, the salary and the percentage of satisfied clients' purchases.
    planning: PlanningPolicy = attrs.field(
        factory=PlanningPolicy, validator=attrs.validators.instance_of(PlanningPolicy)
    )
    #: Keeping clients (:mod:`clientops.retention`): the churn signals' thresholds and
    #: weights, the score that makes a client leaving, the report's loss criterion, the
    #: follow-up plan started on a leaving client.
    retention: RetentionPolicy = attrs.field(
        factory=RetentionPolicy, validator=attrs.validators.instance_of(RetentionPolicy)
    )
    #: Legal cases (:mod:`clientops.legal`): a hearing or a procedural deadline on a
    #: non-working day of :attr:`calendar` refused, flagged or (a deadline) moved.
    legal: LegalPolicy = attrs.field(
        factory=LegalPolicy, validator=attrs.validators.instance_of(LegalPolicy)
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
