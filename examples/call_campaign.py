"""A call manager's day: a cold-call campaign and a client survey, on a SQLite file.

Run it:  python examples/call_campaign.py [--db clientops-demo/campaign.db]

Ольга, the call manager, works through a cold-call list of eight prospects in four cities
(each called in its own working hours) and then a satisfaction survey of four clients. Every
outcome of the job description happens once: no answer, busy, a call back asked for, the card
brought up to date with a new decision maker (ЛПР) and a commercial offer sent with the PDF
attached (and a reaction to check it arrived), an information letter sent, a meeting booked
for Петров of active sales (on his agenda and calendar), a warm contact handed to sales,
«не интересно», «неверный номер». A client who asked not to be called is never handed out;
a call recorded for him, or an outcome that does not belong to the campaign, is refused.
The e-mails go out through a deliverer plugin; a reviewer marks the script points kept on two
recordings. At the end: the campaign's figures, script adherence and the survey's results.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from _support.fresh import fresh_sqlite
from _support.output import typeset_output
from babel.dates import get_timezone_location

import clientops
from clientops import (
    Client,
    ClientId,
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    Phone,
    PluginHost,
    Role,
    hookimpl,
)
from clientops.campaigns import (
    Attachment,
    Busy,
    CallBack,
    CallScript,
    Campaign,
    CampaignId,
    CampaignPurpose,
    CardChanges,
    CardUpdated,
    DecisionMakerFound,
    DocumentKind,
    DocumentSent,
    MeetingBooked,
    NoAnswer,
    NotInterested,
    Question,
    QuestionKind,
    Questionnaire,
    ScriptPoint,
    ShowIf,
    SurveyCompleted,
    WarmLead,
    WrongNumber,
)
from clientops.clients import Contact, StaffDirectory
from clientops.errors import TransitionError, ValidationError
from clientops.russian import count_text, quote

MOSCOW = ZoneInfo("Europe/Moscow")
OLGA, PETROV, ANNA = EmployeeId("olga"), EmployeeId("petrov"), EmployeeId("anna")
COLD, SURVEY = CampaignId("cold-2026-11"), CampaignId("survey-2026-11")

PROSPECTS = (  # key, name, city
    ("vektor", "ООО «Вектор»", "Москва"),
    ("zarya", "ООО «Заря»", "Казань"),
    ("kedr", "ООО «Кедр»", "Новосибирск"),
    ("mayak", "АО «Маяк»", "Москва"),
    ("sever", "ООО «Север»", "Екатеринбург"),
    ("rassvet", "ООО «Рассвет»", "Москва"),
    ("volna", "ООО «Волна»", "Омск"),
    ("tishina", "ООО «Тишина»", "Москва"),
)
CLIENTS = (
    ("romashka", "ООО «Ромашка»", "Москва"),
    ("lotos", "ООО «Лотос»", "Казань"),
    ("berezka", "ООО «Берёзка»", "Москва"),
    ("akatsiya", "ООО «Акация»", "Омск"),
)

CONTACTS = {
    "romashka": "Ирина Васильевна",
    "lotos": "Марат Ильдарович",
    "berezka": "Олег Петрович",
    "akatsiya": "Светлана Юрьевна",
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=MOSCOW)  # Monday, 9:00 in Moscow

    def __call__(self) -> datetime:
        return self.now


class Mailer:
    """A deliverer plugin: «sends» each campaign e-mail by printing it."""

    @hookimpl
    def clientops_register_deliverer(self, register):  # type: ignore[no-untyped-def]
        def send(message: Any) -> None:
            mail = message.data()
            files = ", ".join(a["filename"] for a in mail["attachments"])
            print(f"  ✉ {mail['to']}: {quote(mail['subject'])}, вложение: {files}")

        register("clientops.email.campaign", send)


def staff() -> StaffDirectory:
    d = DepartmentId
    return StaffDirectory(
        departments=(
            Department(d("sales"), "Отдел продаж", head_id=PETROV),
            Department(d("client"), "Клиентский отдел", head_id=ANNA),
        ),
        employees=(
            Employee(OLGA, "Орлова Ольга Петровна", "Ольга", d("client"), (Role.CALL_MANAGER,)),
            Employee(ANNA, "Смирнова Анна Сергеевна", "Анна", d("client"), (Role.CLIENT_MANAGER,)),
            Employee(PETROV, "Петров Игорь Олегович", "Игорь", d("sales"), (Role.SALES_MANAGER,)),
        ),
    )


def cold_campaign() -> Campaign:
    return Campaign(
        id=COLD,
        name="Облачная 1С, ноябрь",
        purpose=CampaignPurpose.COLD_CALLS,
        script=CallScript(
            (
                ScriptPoint("hello", "Здравствуйте! Компания {company}, меня зовут {caller:nom}."),
                ScriptPoint("who", "Подскажите, кто у Вас в {client} отвечает за учёт?"),
                ScriptPoint("why", "Мы переводим учёт компаний города {city} в облако."),
                ScriptPoint("next", "Можно прислать Вам коммерческое предложение?"),
            )
        ),
        assignees=(OLGA,),
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
        daily_plan=60,
    )


def survey_campaign() -> Campaign:
    return Campaign(
        id=SURVEY,
        name="Удовлетворённость клиентов",
        purpose=CampaignPurpose.SURVEY,
        script=CallScript(
            (
                ScriptPoint("hello", "Здравствуйте, {contact:nom}! {company}, {caller:nom}."),
                ScriptPoint("ask", "Ответите на пять коротких вопросов о нашей работе?"),
            )
        ),
        questionnaire=Questionnaire(
            "Как мы работаем",
            (
                Question(
                    "uses",
                    "Пользуетесь ли Вы облачной 1С?",
                    QuestionKind.SINGLE,
                    choices=("да", "нет"),
                ),
                Question(
                    "score",
                    "Оцените её работу от 1 до 5",
                    QuestionKind.SCALE,
                    low=1,
                    high=5,
                    show_if=ShowIf("uses", ("да",)),
                ),
                Question(
                    "important",
                    "Что для Вас важнее всего?",
                    QuestionKind.MULTIPLE,
                    choices=("цена", "скорость", "поддержка"),
                ),
                Question(
                    "users", "Сколько у Вас пользователей?", QuestionKind.NUMBER, required=False
                ),
                Question("wish", "Ваши пожелания", QuestionKind.TEXT, required=False),
            ),
        ),
        assignees=(OLGA,),
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
        daily_plan=30,
    )


def add_cards(ops: clientops.ClientOps) -> None:
    for n, (key, name, city) in enumerate((*PROSPECTS, *CLIENTS)):
        contacts = (Contact(CONTACTS[key]),) if key in CONTACTS else ()
        ops.clients.add(
            Client(
                id=ClientId(key),
                name=name,
                city=city,
                phones=(Phone.parse(f"+7 912 200-00-{n + 10:02d}"),),
                contacts=contacts,
            )
        )


def cold_outcome(key: str, attempt: int, clock: Clock) -> Any:
    """What came of the call to ``key`` (the ``attempt``-th call to it)."""
    if key == "vektor":
        if attempt == 1:
            return NoAnswer()
        return (
            CardUpdated(
                CardChanges(
                    inn="7707083893", email="info@vektor.ru", needs="1С в облаке на 12 мест"
                )
            ),
            DecisionMakerFound(Contact("Сидоров Пётр Ильич", position="директор")),
            DocumentSent(
                DocumentKind.OFFER,
                "sidorov@vektor.ru",
                Attachment("КП Облачная 1С.pdf", b"%PDF-1.4 commercial offer"),
            ),
        )
    if key == "zarya":
        if attempt == 1:
            return Busy()
        return DocumentSent(
            DocumentKind.LETTER, "office@zarya.ru", Attachment("О компании.pdf", b"%PDF-1.4")
        )
    if key == "kedr":
        return MeetingBooked(PETROV, clock.now + timedelta(days=2, hours=2), place="офис клиента")
    if key == "mayak":
        return WarmLead(note="хотят демонстрацию в декабре")
    if key == "sever":
        return NotInterested("уже работают с другим поставщиком")
    if key == "rassvet":
        return WrongNumber(Phone.parse("+7 912 200-00-15"))
    return CallBack(clock.now + timedelta(days=1))


def call_through(ops: clientops.ClientOps, clock: Clock, attempts: dict[str, int]) -> list[str]:
    """Ольга calls the cold list until no one is due; the call ids, for the review."""
    ids = []
    while (call := ops.campaigns.next_client(COLD, caller=OLGA)) is not None:
        key = call.target.client_id
        attempts[key] = attempts.get(key, 0) + 1
        local = clock.now.astimezone(ZoneInfo(call.target.timezone)).strftime("%H:%M")
        print(f"\n{clock.now:%H:%M} МСК, у клиента {local}: {call.client_name}")
        print(f"  {quote(call.script[0] + ' ' + call.script[1])}")
        outcome = cold_outcome(key, attempts[key], clock)
        record = ops.campaigns.record_outcome(COLD, call.target.client_id, outcome, by=OLGA)
        print(f"  → {', '.join(kind.label for kind in record.call.outcomes)}")
        if record.call.changed_fields:
            print(f"    карточка: {', '.join(record.call.changed_fields)}")
        for reaction in ops.clients.reactions_of(call.target.client_id):
            if reaction.id in record.call.reactions:
                owner = _owner(ops, reaction.employee_id, reaction.department_id)
                due = reaction.due_at.astimezone(MOSCOW)
                print(f"    реакция: {reaction.topic} — {owner}, к {due:%d.%m %H:%M}")
        ids.append(record.call.id)
        clock.now += timedelta(minutes=10)
    return ids


def _owner(ops: clientops.ClientOps, employee_id: str | None, department_id: str | None) -> str:
    """Who a reaction is for, as a person reads it: the employee's name, else the department's."""
    staff = ops.clients.staff()
    employee = staff.employee(employee_id) if employee_id else None
    if employee is not None:
        return employee.full_name
    department = staff.department(department_id) if department_id else None
    return department.name if department else "отдел"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("clientops-demo/campaign.db"))
    path: Path = parser.parse_args().db
    typeset_output()
    url = fresh_sqlite(path, "call_campaign")  # empty each run; never another's file

    clock = Clock()
    host = PluginHost()
    host.register(Mailer(), name="mailer")
    with clientops.connect(url, clock=clock, host=host) as ops:
        ops.clients.add_staff(staff())
        add_cards(ops)
        ops.campaigns.set_do_not_call(ClientId("tishina"), by=OLGA, reason="просили не звонить")

        print("=== Холодные звонки: «Облачная 1С, ноябрь» ===")
        ops.campaigns.create(cold_campaign(), by=OLGA)
        listed = ops.campaigns.add_targets(COLD, [ClientId(k) for k, _, _ in PROSPECTS], by=OLGA)
        zones = ", ".join(
            get_timezone_location(zone, locale="ru_RU", return_city=True)
            for zone in ops.campaigns.get(COLD).timezones
        )
        print(
            f"В списке {count_text(listed, 'организация', 'организации', 'организаций')}; "
            f"время по городам: {zones}"
        )

        clock.now = datetime(2026, 11, 23, 9, 0, tzinfo=MOSCOW)
        attempts: dict[str, int] = {}
        first = call_through(ops, clock, attempts)
        clock.now = datetime(2026, 11, 23, 13, 0, tzinfo=MOSCOW)  # the retries are due
        print("\n— После обеда: повторные звонки —")
        second = call_through(ops, clock, attempts)

        print("\n— Что не даёт сделать система —")
        try:
            ops.campaigns.record_outcome(COLD, ClientId("tishina"), WarmLead(), by=OLGA)
        except TransitionError:
            print("  Звонок «Тишине» не записан: клиент просил больше не звонить.")
        try:
            ops.campaigns.record_outcome(
                COLD, ClientId("volna"), SurveyCompleted({"uses": "да"}), by=OLGA
            )
        except ValidationError as exc:
            if exc.errors[0].path == "outcome":
                print("  Анкета в холодном звонке не записана: она не относится к этой кампании.")

        print("\nОтправка писем:")
        report = ops.outbox.deliver()
        print(f"\nПисьма отправлены: {len(report.delivered)}")

        agenda = ops.agenda.for_manager(PETROV, date(2026, 11, 25))
        print("\nПовестка Петрова на 25.11:")
        for item in agenda.items:
            print(f"  • {item.client_name}: {item.why}")
        events = ops.agenda.publish_calendar(PETROV)
        print(f"  в календарь Петрова передано событий: {len(events)}")

        ops.campaigns.review_call(first[0], ["hello", "who"], by=PETROV)
        ops.campaigns.review_call(second[0], ["hello", "who", "why", "next"], by=PETROV)

        figures = ops.campaigns.figures(COLD)
        print("\nИтоги кампании:")
        print(f"  {figures.summary()}")
        for kind, count in figures.by_outcome:
            print(f"  {kind.label}: {count}")
        names = {e.id: e.full_name for e in ops.clients.staff().employees}
        for employee, calls in figures.today:
            print(f"  {names[employee]}: звонков сегодня {calls} при плане {figures.daily_plan}")
        for share in ops.campaigns.adherence(COLD):
            print(
                f"  {names[share.employee_id]}: соблюдение скрипта — {share.kept} из "
                f"{share.checked} пунктов в {share.reviewed} прослушанных звонках "
                f"({share.share:.0%})"
            )

        print("\n=== Анкетирование: «Удовлетворённость клиентов» ===")
        ops.campaigns.create(survey_campaign(), by=OLGA)
        ops.campaigns.add_targets(SURVEY, [ClientId(k) for k, _, _ in CLIENTS], by=OLGA)
        clock.now = datetime(2026, 11, 24, 10, 0, tzinfo=MOSCOW)
        answers = {
            "romashka": {"uses": "да", "score": 5, "important": ("цена", "поддержка"), "users": 12},
            "lotos": {"uses": "да", "score": 4, "important": "скорость", "wish": "Отчёты быстрее"},
            "berezka": {"uses": "нет", "important": ("цена",)},
        }
        while (call := ops.campaigns.next_client(SURVEY, caller=OLGA)) is not None:
            key = call.target.client_id
            print(f"\n{call.client_name}: {quote(call.script[0])}")
            if key not in answers:
                ops.campaigns.record_outcome(SURVEY, key, NotInterested("нет времени"), by=OLGA)
                print("  → отказались отвечать")
                continue
            if key == "romashka":
                try:
                    wrong = {**answers[key], "score": 7}
                    ops.campaigns.record_outcome(SURVEY, key, SurveyCompleted(wrong), by=OLGA)
                except ValidationError as exc:
                    asked = exc.errors[0].path.removeprefix("answers.")
                    survey = ops.campaigns.get(SURVEY).questionnaire
                    question = survey.question(asked) if survey else None
                    text = question.text if question else asked
                    print(f"  ответ на вопрос {quote(text)} вне шкалы 1–5, не принят; переспросили")
            ops.campaigns.record_outcome(SURVEY, key, SurveyCompleted(answers[key]), by=OLGA)
            print("  → анкета заполнена")

        print("\nРезультаты опроса:")
        for result in ops.campaigns.survey_results(SURVEY):
            print(f"  {result.text} (ответили: {result.answered})")
            for option, count, share in result.options:
                print(f"    {option}: {count} ({share:.0%})")
            if result.average is not None:
                average = str(result.average).replace(".", ",")
                print(f"    среднее: {average}, от {result.least} до {result.greatest}")
            for text in result.texts:
                print(f"    {quote(text)}")
        csv_path = path.with_suffix(".csv")
        ops.campaigns.export_results(SURVEY, csv_path)
        print(f"\nCSV с результатами: {csv_path.name}")


if __name__ == "__main__":
    main()
