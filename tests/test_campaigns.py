"""Call campaigns (``ops.campaigns``), on memory, SQLite and PostgreSQL: the call list built
from a filter or imported, the next client to call (time zones, working hours, do-not-call,
the retry rule, one caller at a time), every outcome of seed 004 and what it does, the
figures, questionnaires and script adherence; bad input refused with nothing stored."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

import clientops
from clientops import ClientOps, PluginHost, hookimpl
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.campaigns import (
    Attachment,
    Busy,
    CallBack,
    CallScript,
    Campaign,
    CampaignCall,
    CampaignId,
    CampaignPurpose,
    CardChanges,
    CardFilter,
    CardUpdated,
    DecisionMakerFound,
    DocumentKind,
    DocumentSent,
    MeetingBooked,
    NoAnswer,
    NotInterested,
    OutcomeKind,
    Question,
    QuestionKind,
    Questionnaire,
    ScriptPoint,
    ShowIf,
    SurveyCompleted,
    TargetStatus,
    WarmLead,
    WrongNumber,
)
from clientops.clients import Contact, Employee, EmployeeId, ReactionKind, Role
from clientops.errors import NotFoundError, TransitionError, ValidationError
from clientops.events import ClientUpdated, Event, ReactionScheduled
from clientops.model import DepartmentId, Phone
from clientops.ports import Storage
from clientops.testing import T0, a_client, a_staff

OLGA, ANNA, PETROV = EmployeeId("olga"), EmployeeId("anna"), EmployeeId("petrov")
COLD, SURVEY = CampaignId("cold"), CampaignId("survey")
SCRIPT = CallScript(
    (
        ScriptPoint(
            "hello", "Здравствуйте, {contact:nom}! Компания {company}, меня зовут {caller:nom}."
        ),
        ScriptPoint("why", "Звоню Вам в {city} по поводу обслуживания {client}."),
        ScriptPoint("offer", "Можем прислать коммерческое предложение?"),
    )
)
QUESTIONNAIRE = Questionnaire(
    "Удовлетворённость",
    (
        Question(
            "uses", "Пользуетесь ли Вы нашими услугами?", QuestionKind.SINGLE, choices=("да", "нет")
        ),
        Question(
            "score",
            "Оцените нас от 1 до 5",
            QuestionKind.SCALE,
            low=1,
            high=5,
            show_if=ShowIf("uses", ("да",)),
        ),
        Question(
            "what",
            "Что важно?",
            QuestionKind.MULTIPLE,
            required=False,
            choices=("цена", "скорость", "качество"),
        ),
        Question("staff", "Сколько у Вас сотрудников?", QuestionKind.NUMBER, required=False),
        Question("wish", "Пожелания", QuestionKind.TEXT, required=False),
    ),
)


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def clientops_event(self, event: Event) -> None:
        self.events.append(event)


class Clock:
    def __init__(self) -> None:
        self.now = T0  # Monday 23 June 2025, 10:00 in Moscow

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Storage]:
    if request.param == "memory":
        return MemoryStorage
    if request.param == "sqlite":
        return lambda: SQLiteStorage(tmp_path / "campaigns.db")
    url = request.getfixturevalue("postgres_url")
    return lambda: clientops.connect(url).storage


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def ops(
    make_storage: Callable[[], Storage], clock: Clock, recorder: Recorder
) -> Iterator[ClientOps]:
    host = PluginHost(entry_points=False)
    host.register(recorder, name="recorder")
    with ClientOps(make_storage(), host=host, clock=clock) as ops:
        ops.clients.add_staff(a_staff())
        ops.clients.add_employee(
            Employee(
                OLGA, "Орлова Ольга Петровна", "Ольга", DepartmentId("client"), (Role.CALL_MANAGER,)
            )
        )
        yield ops


def _campaign(
    ops: ClientOps, purpose: CampaignPurpose = CampaignPurpose.COLD_CALLS, **overrides: Any
) -> Campaign:
    fields: dict[str, Any] = {
        "id": COLD if purpose is CampaignPurpose.COLD_CALLS else SURVEY,
        "name": "Осень" if purpose is CampaignPurpose.COLD_CALLS else "Опрос",
        "purpose": purpose,
        "script": SCRIPT,
        "assignees": (OLGA, ANNA),
        "start": date(2025, 6, 1),
        "end": date(2025, 7, 31),
        "daily_plan": 60,
        "questionnaire": QUESTIONNAIRE if purpose is not CampaignPurpose.COLD_CALLS else None,
    }
    fields.update(overrides)
    return ops.campaigns.create(Campaign(**fields), by=fields["assignees"][0])


def _listed(ops: ClientOps, *cities: str, campaign: CampaignId = COLD) -> list[Any]:
    cards = [
        ops.clients.add(a_client(name=f"ООО «Клиент {n}»", city=city, emails=("a@b.ru",)))
        for n, city in enumerate(cities)
    ]
    assert ops.campaigns.add_targets(campaign, [c.id for c in cards], by=OLGA) == len(cards)
    return cards


def _nothing_stored(ops: ClientOps, card_id: Any, campaign: CampaignId = COLD) -> None:
    assert ops.campaigns.calls(campaign) == ()
    assert ops.clients.reactions_of(card_id) == ()
    assert ops.outbox.messages() == ()


# ---------------------------------------------------------------------- the next client


def test_next_client_is_due_first_then_listed_first_with_the_script_filled_in(
    ops: ClientOps,
) -> None:
    _campaign(ops)
    first, second = _listed(ops, "Москва", "Омск")
    call = ops.campaigns.next_client(COLD, caller=OLGA)
    assert call is not None
    assert call.target.client_id == first.id
    assert call.client_name == "ООО «Клиент 0»"
    assert call.script[0] == "Здравствуйте, ! Компания MLS IT, меня зовут Ольга."
    assert call.script[1] == "Звоню Вам в Москва по поводу обслуживания ООО «Клиент 0»."
    # handed to Ольга: Анна gets the next one, and then no one is left
    other = ops.campaigns.next_client(COLD, caller=ANNA)
    assert other is not None
    assert other.target.client_id == second.id
    assert ops.campaigns.next_client(COLD, caller=ANNA) is None


def test_next_client_keeps_to_the_clients_working_hours_and_working_days(
    ops: ClientOps, clock: Clock
) -> None:
    _campaign(ops)
    moscow, vladivostok = _listed(ops, "Москва", "Владивосток")
    assert ops.campaigns.get(COLD).timezones == ("Europe/Moscow", "Asia/Vladivostok")
    clock.now = T0 + timedelta(hours=2)  # 12:00 in Moscow, 19:00 in Vladivostok
    call = ops.campaigns.next_client(COLD, caller=OLGA)
    assert call is not None
    assert call.target.client_id == moscow.id
    assert ops.campaigns.next_client(COLD, caller=OLGA) is None
    clock.now = T0 + timedelta(hours=23)  # Tuesday, 09:00 in Vladivostok, 02:00 in Moscow
    call = ops.campaigns.next_client(COLD, caller=OLGA)
    assert call is not None
    assert call.target.client_id == vladivostok.id
    clock.now = T0 + timedelta(days=5)  # Saturday: no one
    ops.campaigns.record_outcome(COLD, vladivostok.id, NoAnswer(), by=OLGA)
    assert ops.campaigns.next_client(COLD, caller=OLGA) is None


def test_no_answer_and_busy_are_called_again_after_the_policy_delay_until_given_up(
    ops: ClientOps, clock: Clock
) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    record = ops.campaigns.record_outcome(COLD, card.id, Busy(), by=OLGA)
    assert record.target.next_call_at == T0 + timedelta(minutes=20)
    assert record.target.attempts == 1
    assert record.target.status is TargetStatus.OPEN
    assert ops.campaigns.next_client(COLD, caller=OLGA) is None
    clock.now = T0 + timedelta(minutes=20)
    assert ops.campaigns.next_client(COLD, caller=OLGA) is not None
    for attempt in range(2, 6):
        record = ops.campaigns.record_outcome(COLD, card.id, NoAnswer(), by=OLGA)
        assert record.target.attempts == attempt
        assert record.target.next_call_at == clock.now + timedelta(hours=2)
    assert record.target.status is TargetStatus.EXHAUSTED
    clock.now += timedelta(hours=3)
    assert ops.campaigns.next_client(COLD, caller=OLGA) is None
    with pytest.raises(TransitionError):
        ops.campaigns.record_outcome(COLD, card.id, NoAnswer(), by=OLGA)


def test_a_call_back_is_due_when_the_client_asked(ops: ClientOps, clock: Clock) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    later = T0 + timedelta(days=1, hours=4)
    record = ops.campaigns.record_outcome(COLD, card.id, CallBack(later), by=OLGA)
    assert record.target.next_call_at == later
    assert record.target.attempts == 0
    clock.now = later
    call = ops.campaigns.next_client(COLD, caller=ANNA)
    assert call is not None
    assert call.target.client_id == card.id


def test_a_do_not_call_client_is_never_handed_out_and_its_call_is_refused(
    ops: ClientOps,
) -> None:
    _campaign(ops)
    card, other = _listed(ops, "Москва", "Москва")
    ops.campaigns.set_do_not_call(card.id, by=OLGA, reason="просил не звонить")
    call = ops.campaigns.next_client(COLD, caller=OLGA)
    assert call is not None
    assert call.target.client_id == other.id
    with pytest.raises(TransitionError) as caught:
        ops.campaigns.record_outcome(COLD, card.id, WarmLead(note="заинтересован"), by=OLGA)
    assert f"client {card.id}" in str(caught.value)
    _nothing_stored(ops, card.id)
    ops.campaigns.clear_do_not_call(card.id, by=OLGA)
    assert ops.campaigns.record_outcome(COLD, card.id, NotInterested(), by=OLGA).call
    # a flagged client joins a new list as not to be called
    ops.campaigns.set_do_not_call(other.id, by=OLGA)
    _campaign(ops, CampaignPurpose.SURVEY)
    assert ops.campaigns.add_targets(SURVEY, [other.id], by=OLGA) == 1
    assert ops.campaigns.next_client(SURVEY, caller=OLGA) is None


def test_the_list_is_built_from_a_filter_over_cards_without_repeating_a_client(
    ops: ClientOps,
) -> None:
    _campaign(ops)
    omsk = ops.clients.add(a_client(name="ООО «Омич»", city="Омск"))
    ops.clients.add(a_client(name="ООО «Москвич»", city="Москва"))
    assert ops.campaigns.add_targets(COLD, CardFilter(city="омск"), by=OLGA) == 1
    assert ops.campaigns.add_targets(COLD, [omsk.id], by=OLGA) == 0
    campaign = ops.campaigns.get(COLD)
    assert (campaign.targets, campaign.timezones) == (1, ("Asia/Omsk",))
    with pytest.raises(NotFoundError):
        ops.campaigns.add_targets(COLD, ["no-such-card"], by=OLGA)
    assert ops.campaigns.get(COLD).targets == 1


def test_only_the_campaigns_callers_call(ops: ClientOps) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    with pytest.raises(ValidationError) as caught:
        ops.campaigns.next_client(COLD, caller=PETROV)
    assert caught.value.errors[0].path == "caller"
    with pytest.raises(ValidationError) as caught:
        ops.campaigns.record_outcome(COLD, card.id, NotInterested(), by=PETROV)
    assert caught.value.errors[0].path == "by"
    with pytest.raises(ValidationError) as caught:
        _campaign(ops, id="x", assignees=(OLGA, EmployeeId("nobody")))
    assert caught.value.errors[0].path == "assignees[1]"


# ---------------------------------------------------------------------- outcomes


def test_card_updated_changes_the_card_and_says_which_fields(
    ops: ClientOps, recorder: Recorder
) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    changes = CardChanges(
        city="Казань",
        inn="7707083893",
        phone=Phone("+74951234567"),
        email="buh@romashka.ru",
        needs="нужна 1С в облаке",
        portrait="сеть из 3 магазинов",
    )
    record = ops.campaigns.record_outcome(COLD, card.id, CardUpdated(changes), by=OLGA)
    stored = ops.clients.get(card.id)
    assert (stored.city, stored.inn) == ("Казань", "7707083893")
    assert Phone("+74951234567") in stored.phones
    assert "buh@romashka.ru" in stored.emails
    assert record.call.changed_fields == (
        "город",
        "ИНН",
        "телефон",
        "e-mail",
        "потребности",
        "портрет клиента",
    )
    assert "Потребности: нужна 1С в облаке" in (record.call.note or "")
    assert record.call.summary().startswith("Звонок по кампании: Карточка актуализирована")
    assert any(isinstance(e, ClientUpdated) and e.client_id == card.id for e in recorder.events)
    assert record.target.status is TargetStatus.DONE


def test_bad_card_changes_and_bad_combinations_store_nothing(ops: ClientOps) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    with pytest.raises(ValidationError) as caught:
        CardChanges(inn="7707083890")
    assert caught.value.errors[0].path == "inn"
    with pytest.raises(ValidationError) as caught:  # a retry is recorded alone
        ops.campaigns.record_outcome(
            COLD, card.id, (CardUpdated(CardChanges(city="Казань")), Busy()), by=OLGA
        )
    assert "busy is recorded alone" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        ops.campaigns.record_outcome(
            COLD,
            card.id,
            (CardUpdated(CardChanges(city="Казань")), WarmLead(department_id=DepartmentId("x"))),
            by=OLGA,
        )
    assert caught.value.errors[0].path == "outcome.department_id"
    _nothing_stored(ops, card.id)
    assert ops.clients.get(card.id).city == "Москва"


def test_a_new_decision_maker_is_added_with_the_offer_sent_in_the_same_call(
    ops: ClientOps,
) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    pdf = b"%PDF-1.4 offer"
    record = ops.campaigns.record_outcome(
        COLD,
        card.id,
        (
            DecisionMakerFound(Contact("Сидоров Пётр", position="директор")),
            DocumentSent(DocumentKind.OFFER, "sidorov@romashka.ru", Attachment("КП.pdf", pdf)),
        ),
        by=OLGA,
    )
    contacts = ops.clients.get(card.id).contacts
    assert [(c.name, c.decision_maker) for c in contacts] == [("Сидоров Пётр", True)]
    assert record.call.outcomes == (OutcomeKind.DECISION_MAKER, OutcomeKind.OFFER_SENT)
    (message,) = ops.outbox.messages()
    data = message.data()
    assert message.topic == "clientops.email.campaign"
    assert message.key == record.call.outbox_key
    assert data["to"] == "sidorov@romashka.ru"
    assert data["subject"] == "Коммерческое предложение MLS IT"
    (attached,) = data["attachments"]
    assert attached["filename"] == "КП.pdf"
    assert base64.b64decode(attached["content_base64"]) == pdf
    (check,) = ops.clients.reactions_of(card.id)
    assert check.employee_id == OLGA
    assert check.kind is ReactionKind.OUTGOING_CALL
    assert check.topic == "Проверить получение: КП (КП.pdf)"
    assert check.due_at == T0 + timedelta(days=2)  # two working days: Wednesday
    assert record.call.reactions == (check.id,)


def test_the_letter_is_delivered_by_a_deliverer_plugin(make_storage: Callable[[], Storage]) -> None:
    sent: list[dict[str, Any]] = []

    class Mailer:
        @hookimpl
        def clientops_register_deliverer(self, register: Any) -> None:
            register("clientops.email.campaign", lambda message: sent.append(message.data()))

    host = PluginHost(entry_points=False)
    host.register(Mailer(), name="mailer")
    with ClientOps(make_storage(), host=host, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        _campaign(ops, CampaignPurpose.LOYALTY, id="loyal", assignees=(ANNA,), questionnaire=None)
        card = ops.clients.add(a_client(city="Москва"))
        ops.campaigns.add_targets(CampaignId("loyal"), [card.id], by=ANNA)
        ops.campaigns.record_outcome(
            CampaignId("loyal"),
            card.id,
            DocumentSent(DocumentKind.LETTER, "a@b.ru", Attachment("ИП.pdf", b"%PDF")),
            by=ANNA,
        )
        assert len(ops.outbox.deliver().delivered) == 1
        assert [m["subject"] for m in sent] == ["Информационное письмо MLS IT"]
        assert ops.outbox.deliver().delivered == ()


def test_a_meeting_is_booked_on_an_active_sales_managers_agenda_and_calendar(
    ops: ClientOps,
) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    at = T0 + timedelta(days=1, hours=4)
    with pytest.raises(ValidationError) as caught:
        ops.campaigns.record_outcome(COLD, card.id, MeetingBooked(ANNA, at), by=OLGA)
    assert caught.value.errors[0].path == "outcome.manager_id"
    with pytest.raises(ValidationError) as caught:
        ops.campaigns.record_outcome(COLD, card.id, MeetingBooked(PETROV, T0), by=OLGA)
    assert caught.value.errors[0].path == "outcome.at"
    _nothing_stored(ops, card.id)
    record = ops.campaigns.record_outcome(
        COLD, card.id, MeetingBooked(PETROV, at, place="офис клиента"), by=OLGA
    )
    (meeting,) = ops.clients.reactions_of(card.id)
    assert (meeting.kind, meeting.employee_id, meeting.due_at) == (ReactionKind.MEETING, PETROV, at)
    assert meeting.topic == "Встреча (кампания «Осень»): офис клиента"
    agenda = ops.agenda.for_manager(PETROV, at.date())
    assert any(card.name in str(item) for item in agenda.items)
    published = ops.agenda.publish_calendar(PETROV)
    assert any("Встреча" in m.payload for m in published)
    assert record.target.status is TargetStatus.DONE


def test_a_warm_lead_goes_to_sales_as_a_department_reaction(ops: ClientOps) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    record = ops.campaigns.record_outcome(
        COLD, card.id, WarmLead(note="хочет демо в июле"), by=OLGA
    )
    (lead,) = ops.clients.reactions_of(card.id)
    assert (lead.department_id, lead.employee_id) == ("sales", None)
    assert lead.due_at == T0 + timedelta(hours=1)
    assert record.call.note == "хочет демо в июле"
    (appeal,) = ops.clients.appeals_of(card.id)
    assert appeal.topic == "Кампания «Осень»"
    assert appeal.type.value == "sales"


def test_not_interested_and_wrong_number_close_the_row(ops: ClientOps) -> None:
    _campaign(ops)
    card, other = _listed(ops, "Москва", "Москва")
    assert (
        ops.campaigns.record_outcome(
            COLD, card.id, NotInterested("уже есть поставщик"), by=OLGA
        ).target.status
        is TargetStatus.DONE
    )
    wrong = card_phone = other.phones[0]
    record = ops.campaigns.record_outcome(COLD, other.id, WrongNumber(wrong), by=OLGA)
    assert record.target.last_outcome is OutcomeKind.WRONG_NUMBER
    assert card_phone not in ops.clients.get(other.id).phones
    assert record.call.changed_fields == ("телефон удалён",)
    assert ops.campaigns.next_client(COLD, caller=OLGA) is None
    with pytest.raises(TransitionError):
        ops.campaigns.record_outcome(COLD, card.id, NotInterested(), by=OLGA)


def test_an_outcome_not_of_the_purpose_is_refused_and_nothing_is_stored(
    ops: ClientOps,
) -> None:
    _campaign(ops, CampaignPurpose.SURVEY)
    (card,) = _listed(ops, "Москва", campaign=SURVEY)
    with pytest.raises(ValidationError) as caught:
        ops.campaigns.record_outcome(
            SURVEY, card.id, MeetingBooked(PETROV, T0 + timedelta(days=1)), by=OLGA
        )
    assert caught.value.errors[0].path == "outcome"
    assert "meeting is not an outcome of a survey campaign" in str(caught.value)
    with pytest.raises(ValidationError):
        ops.campaigns.record_outcome(SURVEY, card.id, (NoAnswer(), NotInterested()), by=OLGA)
    _nothing_stored(ops, card.id, SURVEY)


def test_a_retried_call_is_stored_once(ops: ClientOps) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    first = ops.campaigns.record_outcome(COLD, card.id, WarmLead(), by=OLGA, call_id="pbx-1")
    again = ops.campaigns.record_outcome(COLD, card.id, WarmLead(), by=OLGA, call_id="pbx-1")
    assert again.repeated
    assert again.call == first.call
    assert len(ops.campaigns.calls(COLD)) == 1
    assert len(ops.clients.reactions_of(card.id)) == 1


def test_the_figures_count_reached_outcomes_and_conversion(ops: ClientOps) -> None:
    _campaign(ops)
    a, b, c, d = _listed(ops, "Москва", "Москва", "Москва", "Москва")
    ops.campaigns.record_outcome(COLD, a.id, NoAnswer(), by=OLGA)
    ops.campaigns.record_outcome(COLD, a.id, MeetingBooked(PETROV, T0 + timedelta(days=2)), by=OLGA)
    ops.campaigns.record_outcome(COLD, b.id, WarmLead(), by=ANNA)
    ops.campaigns.record_outcome(COLD, c.id, NotInterested(), by=OLGA)
    ops.campaigns.record_outcome(COLD, d.id, WrongNumber(), by=OLGA)
    figures = ops.campaigns.figures(COLD)
    assert (figures.targets, figures.called, figures.reached, figures.calls) == (4, 4, 3, 5)
    assert dict(figures.by_outcome) == {
        OutcomeKind.NO_ANSWER: 1,
        OutcomeKind.MEETING: 1,
        OutcomeKind.WARM_LEAD: 1,
        OutcomeKind.NOT_INTERESTED: 1,
        OutcomeKind.WRONG_NUMBER: 1,
    }
    assert (figures.meetings, figures.leads) == (1, 1)
    assert str(figures.meeting_conversion) == "0.3333"
    assert figures.today == ((OLGA, 4), (ANNA, 1))
    assert figures.daily_plan == 60
    assert "встреч: 1 (33%)" in figures.summary()


# ---------------------------------------------------------------------- questionnaires


def test_survey_answers_are_checked_against_the_questionnaire(ops: ClientOps) -> None:
    _campaign(ops, CampaignPurpose.SURVEY)
    (card,) = _listed(ops, "Москва", campaign=SURVEY)
    bad: list[tuple[dict[str, object], str, str]] = [
        ({"uses": "да", "score": 7}, "answers.score", "outside the scale 1..5"),
        ({"uses": "да", "score": "5"}, "answers.score", "whole number"),
        ({"uses": "может быть"}, "answers.uses", "not one of"),
        ({}, "answers.uses", "required"),
        ({"uses": "да"}, "answers.score", "required"),
        ({"uses": "нет", "score": 3}, "answers.score", "skipped"),
        ({"uses": "нет", "staff": "много"}, "answers.staff", "not a number"),
        ({"uses": "нет", "what": ("цена", "вкус")}, "answers.what", "'вкус' is not one of"),
        ({"uses": "нет", "colour": "red"}, "answers.colour", "no such question"),
    ]
    for answers, path, words in bad:
        with pytest.raises(ValidationError) as caught:
            ops.campaigns.record_outcome(SURVEY, card.id, SurveyCompleted(answers), by=OLGA)
        assert [e.path for e in caught.value.errors] == [path], answers
        assert words in str(caught.value)
    _nothing_stored(ops, card.id, SURVEY)


def test_survey_results_per_question_and_csv(ops: ClientOps, tmp_path: Path) -> None:
    _campaign(ops, CampaignPurpose.SURVEY)
    cards = _listed(ops, "Москва", "Москва", "Омск", "Москва", campaign=SURVEY)
    given = [
        {"uses": "да", "score": 5, "what": ("цена", "качество"), "staff": 12, "wish": "быстрее"},
        {"uses": "да", "score": 4, "what": "цена"},
        {"uses": "нет"},
    ]
    for card, answers in zip(cards, given, strict=False):
        ops.campaigns.record_outcome(SURVEY, card.id, SurveyCompleted(answers), by=OLGA)
    ops.campaigns.record_outcome(SURVEY, cards[3].id, NotInterested(), by=OLGA)
    results = {r.question: r for r in ops.campaigns.survey_results(SURVEY)}
    assert results["uses"].answered == 3
    assert [(o, n, str(s)) for o, n, s in results["uses"].options] == [
        ("да", 2, "0.6667"),
        ("нет", 1, "0.3333"),
    ]
    assert (str(results["score"].average), results["score"].answered) == ("4.50", 2)
    assert results["what"].options[0][:2] == ("цена", 2)
    assert results["staff"].average == 12
    assert results["wish"].texts == ("быстрее",)
    out = tmp_path / "опрос.csv"
    text = ops.campaigns.export_results(SURVEY, out)
    assert text.splitlines()[0] == "Вопрос;Вариант;Ответов;Доля;Среднее;Мин;Макс"
    assert "Оцените нас от 1 до 5;;2;;4.50;4;5" in text
    assert out.read_bytes().decode("utf-8-sig") == text
    _campaign(ops)
    with pytest.raises(ValidationError):
        ops.campaigns.survey_results(COLD)


# ---------------------------------------------------------------------- script adherence


def test_script_adherence_is_marked_per_call_and_shared_per_caller(ops: ClientOps) -> None:
    _campaign(ops)
    a, b, c = _listed(ops, "Москва", "Москва", "Москва")
    calls = [
        ops.campaigns.record_outcome(COLD, card.id, NotInterested(), by=caller).call
        for card, caller in ((a, OLGA), (b, OLGA), (c, ANNA))
    ]
    reviewed = ops.campaigns.review_call(calls[0].id, ["hello", "why", "offer"], by=PETROV)
    assert reviewed.review is not None
    assert reviewed.review.missed == ()
    ops.campaigns.review_call(calls[1].id, ["hello"], by=PETROV)
    ops.campaigns.review_call(calls[2].id, ["why", "hello"], by=PETROV)
    with pytest.raises(ValidationError) as caught:
        ops.campaigns.review_call(calls[2].id, ["hello", "bye"], by=PETROV)
    assert caught.value.errors[0].path == "kept[1]"
    shares = {s.employee_id: s for s in ops.campaigns.adherence(COLD)}
    assert (shares[OLGA].reviewed, shares[OLGA].kept, shares[OLGA].checked) == (2, 4, 6)
    assert (shares[ANNA].kept, shares[ANNA].checked) == (2, 3)
    assert shares[OLGA].share == Decimal(4) / 6
    stored = {call.id: call for call in ops.campaigns.calls(COLD)}
    assert stored[calls[2].id].review is not None
    assert stored[calls[2].id].review.kept == ("hello", "why")  # in the script's order
    with pytest.raises(NotFoundError):
        ops.campaigns.review_call("no-such-call", ["hello"], by=PETROV)


def test_the_campaign_runs_only_in_its_period(ops: ClientOps, clock: Clock) -> None:
    _campaign(ops, end=date(2025, 6, 30))
    (card,) = _listed(ops, "Москва")
    clock.now = datetime(2025, 7, 1, 7, 0, tzinfo=T0.tzinfo)
    assert ops.campaigns.next_client(COLD, caller=OLGA) is None
    with pytest.raises(TransitionError):
        ops.campaigns.record_outcome(COLD, card.id, NotInterested(), by=OLGA)


def test_events_of_a_booked_meeting(ops: ClientOps, recorder: Recorder) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    recorder.events.clear()
    ops.campaigns.record_outcome(
        COLD, card.id, MeetingBooked(PETROV, T0 + timedelta(days=1)), by=OLGA
    )
    scheduled = [e for e in recorder.events if isinstance(e, ReactionScheduled)]
    assert [e.employee_id for e in scheduled] == [PETROV]


def test_zone_hours_say_until_when_the_answer_holds() -> None:
    from clientops import Policy
    from clientops.rules.campaigns import zone_hours

    policy = Policy()
    moscow = ZoneInfo("Europe/Moscow")

    def hours(at: datetime) -> tuple[bool, datetime]:
        return zone_hours(
            "Europe/Moscow", now=at, policy=policy.campaigns, calendar=policy.calendar
        )

    monday = datetime(2025, 6, 23, 10, 0, tzinfo=moscow)
    assert hours(monday) == (True, datetime(2025, 6, 23, 18, 0, tzinfo=moscow))
    assert hours(monday.replace(hour=8)) == (False, datetime(2025, 6, 23, 9, 0, tzinfo=moscow))
    assert hours(monday.replace(hour=18)) == (False, datetime(2025, 6, 24, 0, 0, tzinfo=moscow))
    saturday = datetime(2025, 6, 28, 10, 0, tzinfo=moscow)
    assert hours(saturday)[0] is False


def test_the_clock_going_back_asks_the_working_hours_again(ops: ClientOps, clock: Clock) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    clock.now = T0 + timedelta(hours=19)  # Tuesday, 05:00 in Moscow: closed
    assert ops.campaigns.next_client(COLD, caller=OLGA) is None
    clock.now = T0 + timedelta(hours=2)  # back to Monday, 12:00 in Moscow: open
    call = ops.campaigns.next_client(COLD, caller=OLGA)
    assert call is not None
    assert call.target.client_id == card.id


def test_a_client_not_on_the_list_is_told_after_the_campaign_and_the_outcome(
    ops: ClientOps,
) -> None:
    _campaign(ops)
    stranger = ops.clients.add(a_client(name="ООО «Чужой»", city="Москва"))
    with pytest.raises(NotFoundError) as caught:
        ops.campaigns.record_outcome(COLD, stranger.id, NotInterested(), by=OLGA)
    assert caught.value.kind == "campaign target"
    with pytest.raises(NotFoundError) as caught:
        ops.campaigns.record_outcome(CampaignId("spring"), stranger.id, NotInterested(), by=OLGA)
    assert caught.value.kind == "campaign"
    with pytest.raises(ValidationError) as refused:
        ops.campaigns.record_outcome(COLD, stranger.id, NotInterested(), by=PETROV)
    assert refused.value.errors[0].path == "by"
    with pytest.raises(ValidationError) as refused:
        ops.campaigns.record_outcome(COLD, stranger.id, (Busy(), NotInterested()), by=OLGA)
    assert refused.value.errors[0].path == "outcome"
    _nothing_stored(ops, stranger.id)


def test_the_stored_call_is_its_wire_form() -> None:
    import json

    import attrs

    from clientops.adapters._sql import call_doc, dump
    from clientops.campaigns import Answer, ScriptReview

    call = CampaignCall(
        id="k1",
        campaign_id=COLD,
        client_id="c1",
        caller_id=OLGA,
        at=T0,
        outcomes=(OutcomeKind.DECISION_MAKER, OutcomeKind.OFFER_SENT),
        note="Перезвонить «после обеда»\nв пятницу",
        call_log_id="pbx-7",
        changed_fields=("ЛПР",),
        reactions=("r1", "r2"),
        outbox_key="k2",
        version=3,
    )
    assert call_doc(call) == dump(call)
    assert set(json.loads(call_doc(call))) == {f.name for f in attrs.fields(CampaignCall)}
    reviewed = attrs.evolve(
        call,
        answers=(Answer("score", number=Decimal(4)),),
        review=ScriptReview(PETROV, T0, ("hello",), ("why",)),
    )
    assert call_doc(reviewed) == dump(reviewed)
    plain = CampaignCall("k3", COLD, "c1", OLGA, T0, (OutcomeKind.NO_ANSWER,))
    assert call_doc(plain) == dump(plain)
    assert call_doc(plain, T0.isoformat()) == dump(plain)
    odd = attrs.evolve(call, note='кавычки " и \\ обратная\tчерта\x01', changed_fields=())
    assert call_doc(odd) == dump(odd)
    assert json.loads(call_doc(odd))["note"] == odd.note


@pytest.mark.parametrize(
    "at",
    [
        T0,  # the policy's zone
        datetime(2025, 6, 23, 7, 0, tzinfo=UTC),  # UTC, no microseconds
        datetime(2025, 6, 23, 7, 0, 0, 120, tzinfo=UTC),
        datetime(2025, 6, 23, 12, 0, 0, 5, tzinfo=ZoneInfo("Asia/Yekaterinburg")),
    ],
)
def test_a_calls_time_is_stored_as_given(ops: ClientOps, clock: Clock, at: datetime) -> None:
    """The call's time comes back as the clock gave it, offset and microseconds, in the
    stored document as its wire form writes it."""
    from clientops.adapters._sql import dump

    _campaign(ops)
    card, other = _listed(ops, "Москва", "Москва")
    clock.now = at
    rows = []
    for client in (card, other):
        call = ops.campaigns.next_client(COLD, caller=OLGA)
        assert call is not None
        assert call.target.client_id == client.id
        outcome = NoAnswer() if client is card else NotInterested()
        record = ops.campaigns.record_outcome(COLD, client.id, outcome, by=OLGA)
        assert record.call == CampaignCall(
            record.call.id, COLD, client.id, OLGA, at, (outcome.kind,)
        )  # as made by its own constructor: every other field at its default
        rows.append(record.target)
    # no answer: due again in two hours; not interested: closed, its time the claim's
    assert [row.next_call_at for row in rows] == [
        at + timedelta(hours=2),
        at + timedelta(minutes=15),
    ]
    calls = sorted(ops.campaigns.calls(COLD), key=lambda c: c.client_id != card.id)
    assert [c.at for c in calls] == [at, at]
    assert [c.at.utcoffset() for c in calls] == [at.utcoffset()] * 2
    storage = ops.storage
    if isinstance(storage, SQLiteStorage):
        docs = [
            doc for (doc,) in storage._db.execute("SELECT doc FROM campaign_calls ORDER BY rowid")
        ]
        assert docs == [dump(c) for c in calls]


# --------------------------------------------------------------------------- what a call reuses
# next_client and record_outcome reuse the campaign as they last read it and the row handed
# out, on the condition that the store still holds them at their versions: a change made
# meanwhile through another ClientOps (another process) is seen as if read afresh.


def _other(ops: ClientOps, clock: Clock) -> ClientOps:
    return ClientOps(ops.storage, host=PluginHost(entry_points=False), clock=clock)


def test_a_row_changed_after_it_was_handed_out_is_read_again(ops: ClientOps, clock: Clock) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    call = ops.campaigns.next_client(COLD, caller=OLGA)
    assert call is not None
    assert call.target.client_id == card.id
    _other(ops, clock).campaigns.set_do_not_call(card.id, by=OLGA)
    with pytest.raises(TransitionError):
        ops.campaigns.record_outcome(COLD, card.id, NoAnswer(), by=OLGA)
    _nothing_stored(ops, card.id)


def test_a_row_recorded_elsewhere_after_it_was_handed_out_is_read_again(
    ops: ClientOps, clock: Clock
) -> None:
    _campaign(ops)
    (card,) = _listed(ops, "Москва")
    assert ops.campaigns.next_client(COLD, caller=OLGA) is not None
    _other(ops, clock).campaigns.record_outcome(COLD, card.id, NotInterested(), by=OLGA)
    with pytest.raises(TransitionError):
        ops.campaigns.record_outcome(COLD, card.id, NoAnswer(), by=OLGA)
    assert len(ops.campaigns.calls(COLD)) == 1


def test_a_campaign_changed_after_it_was_read_is_read_again(ops: ClientOps, clock: Clock) -> None:
    _campaign(ops)
    first, _second = _listed(ops, "Москва", "Москва")
    handed = ops.campaigns.next_client(COLD, caller=ANNA)
    assert handed is not None
    assert handed.target.client_id == first.id
    with ops.storage.unit_of_work() as uow:  # anna no longer calls for it
        stored = uow.campaigns.get(COLD)
        uow.campaigns.update(attrs.evolve(stored, assignees=(OLGA,)))
    with pytest.raises(ValidationError, match="anna"):
        ops.campaigns.record_outcome(COLD, first.id, NoAnswer(), by=ANNA)
    with pytest.raises(ValidationError, match="anna"):
        ops.campaigns.next_client(COLD, caller=ANNA)
    assert ops.campaigns.calls(COLD) == ()
    assert ops.campaigns.next_client(COLD, caller=OLGA) is not None


def test_a_caller_renamed_elsewhere_is_named_so_in_the_script(ops: ClientOps, clock: Clock) -> None:
    _campaign(ops)
    _listed(ops, "Москва", "Москва")
    call = ops.campaigns.next_client(COLD, caller=OLGA)
    assert call is not None
    assert "меня зовут Ольга" in call.script[0]
    _other(ops, clock).clients.add_employee(
        Employee(OLGA, "Орлова Ольга Петровна", "Оля", DepartmentId("client"), (Role.CALL_MANAGER,))
    )
    call = ops.campaigns.next_client(COLD, caller=OLGA)
    assert call is not None
    assert "меня зовут Оля" in call.script[0]


def test_calls_in_a_row_reuse_what_was_read_and_store_what_a_fresh_read_would(
    ops: ClientOps,
) -> None:
    _campaign(ops)
    cards = _listed(ops, "Москва", "Москва", "Москва", "Москва")
    for at, card in enumerate(cards):
        call = ops.campaigns.next_client(COLD, caller=OLGA)
        assert call is not None
        assert call.target.client_id == card.id
        outcome = NotInterested() if at % 2 else NoAnswer()
        record = ops.campaigns.record_outcome(COLD, card.id, outcome, by=OLGA)
        with ops.storage.unit_of_work(readonly=True) as uow:
            assert uow.campaigns.target(COLD, card.id) == record.target
    assert ops.campaigns.next_client(COLD, caller=OLGA) is None
    assert [c.outcome for c in ops.campaigns.calls(COLD)] == [
        OutcomeKind.NO_ANSWER,
        OutcomeKind.NOT_INTERESTED,
        OutcomeKind.NO_ANSWER,
        OutcomeKind.NOT_INTERESTED,
    ]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Beirut", "Europe/Moscow"])
def test_the_campaigns_period_ends_at_local_midnight_on_days_the_clocks_change(zone: str) -> None:
    """The period is in the policy's time zone to the microsecond, whatever day the calls
    of a day were asked on before (its bounds are kept for the next calls), also on the days
    the zone's offset changes (26 October 2025 in Berlin and Beirut, at 03:00 and 00:00)."""
    tz = ZoneInfo(zone)
    clock = Clock()
    ops = ClientOps(
        MemoryStorage(),
        policy=clientops.Policy(timezone=zone),
        host=PluginHost(entry_points=False),
        clock=clock,
    )
    ops.clients.add_staff(a_staff())
    stranger = ops.clients.add(a_client(name="ООО «Чужой»", city="Москва"))
    for campaign, end in ((CampaignId("c25"), date(2025, 10, 25)), (COLD, date(2025, 10, 26))):
        ops.campaigns.create(
            Campaign(
                id=campaign,
                name="Осень",
                purpose=CampaignPurpose.COLD_CALLS,
                script=SCRIPT,
                assignees=(ANNA,),
                start=date(2025, 10, 20),
                end=end,
            ),
            by=ANNA,
        )
    tick = timedelta(microseconds=1)
    instants = []
    for day in (20, 25, 26, 27):
        midnight = datetime(2025, 10, day, tzinfo=tz)
        later = midnight.astimezone(ZoneInfo("UTC")) + timedelta(minutes=30)  # Beirut: 23:30
        instants += [midnight - tick, midnight, later, midnight + timedelta(hours=12)]
        instants += [midnight + tick]
    instants += list(reversed(instants))
    for at in instants + [a.astimezone(ZoneInfo("UTC")) for a in instants]:
        clock.now = at
        for campaign, end in ((CampaignId("c25"), 25), (COLD, 26)):
            local = at.astimezone(tz).date()
            running = date(2025, 10, 20) <= local <= date(2025, 10, end)
            with pytest.raises(NotFoundError if running else TransitionError):
                ops.campaigns.record_outcome(campaign, stranger.id, NotInterested(), by=ANNA)


def test_the_stores_conditional_writes_are_the_ones_the_port_documents() -> None:
    """claim_next_while and update_target_while, which a store MAY offer
    (``CampaignsRepository``), take in every store that has them the arguments the port
    documents."""
    import inspect

    from clientops.adapters._sql import SQLCampaigns
    from clientops.adapters.memory import _Campaigns
    from clientops.ports import CampaignsRepository

    port = " ".join((inspect.getdoc(CampaignsRepository) or "").split())
    for name, documented in (
        ("claim_next_while", "(campaign, *, due_by, timezones, caller, until)"),
        ("update_target_while", "(target, campaign)"),
    ):
        assert f"``{name}{documented} -> CampaignTarget | None``" in port
        for store in (SQLCampaigns, _Campaigns):
            parameters = list(inspect.signature(getattr(store, name)).parameters.values())[1:]
            names = [p.name for p in parameters if p.kind is not p.KEYWORD_ONLY]
            keywords = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY]
            said = ", ".join(names + (["*", *keywords] if keywords else []))
            assert f"({said})" == documented, store
