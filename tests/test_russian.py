"""clientops.russian and clientops.labels: names in the case the sentence needs, one formatter
for money, dates, numbers and plurals, the typographic check, and a Russian label for every
enum value clientops has."""

from __future__ import annotations

import enum
import importlib
import pkgutil
from datetime import date
from decimal import Decimal

import attrs
import pytest

import clientops
from clientops.labels import ACTIONS, REASONS, action_label, label, reason_label
from clientops.model import Contact, Employee
from clientops.policy import ENGLISH, Messages
from clientops.russian import (
    Case,
    CurrencyStyle,
    Gender,
    PersonName,
    count_text,
    currency_style,
    current_currency_style,
    decline,
    gender_of,
    long_date,
    money_text,
    number_text,
    plural,
    quote,
    short_date,
    typeset,
    typography_problems,
)
from clientops.testing import a_client

NB = "\xa0"

#: (nominative, genitive, dative, instrumental): male, female and the hard cases.
DECLENSIONS = [
    ("Кузнецова Мария Павловна", "Кузнецовой Марии Павловны", "Кузнецовой Марии Павловне",
     "Кузнецовой Марией Павловной"),
    ("Ильина Анна", "Ильиной Анны", "Ильиной Анне", "Ильиной Анной"),
    ("Шевчук Игорь Олегович", "Шевчука Игоря Олеговича", "Шевчуку Игорю Олеговичу",
     "Шевчуком Игорем Олеговичем"),
    ("Руслан Ахмедович Алиев", "Руслана Ахмедовича Алиева", "Руслану Ахмедовичу Алиеву",
     "Русланом Ахмедовичем Алиевым"),
    # a woman's surname in a consonant does not decline
    ("Шевчук Анна Игоревна", "Шевчук Анны Игоревны", "Шевчук Анне Игоревне",
     "Шевчук Анной Игоревной"),
    ("Смирнова Анна Сергеевна", "Смирновой Анны Сергеевны", "Смирновой Анне Сергеевне",
     "Смирновой Анной Сергеевной"),
    ("Петров Игорь Олегович", "Петрова Игоря Олеговича", "Петрову Игорю Олеговичу",
     "Петровым Игорем Олеговичем"),
    # a man's name in -а declines like a woman's, his surname like a man's
    ("Никита Сергеевич Ильин", "Никиты Сергеевича Ильина", "Никите Сергеевичу Ильину",
     "Никитой Сергеевичем Ильиным"),
    # surnames in -ых and foreign ones in a vowel do not decline
    ("Черных Ольга Петровна", "Черных Ольги Петровны", "Черных Ольге Петровне",
     "Черных Ольгой Петровной"),
    ("Римская-Корсакова Анна", "Римской-Корсаковой Анны", "Римской-Корсаковой Анне",
     "Римской-Корсаковой Анной"),
    ("Анна", "Анны", "Анне", "Анной"),
    ("Олег", "Олега", "Олегу", "Олегом"),
    ("Лебедева Ольга Петровна", "Лебедевой Ольги Петровны", "Лебедевой Ольге Петровне",
     "Лебедевой Ольгой Петровной"),
]  # fmt: skip


@pytest.mark.parametrize(("nom", "gen", "dat", "ins"), DECLENSIONS)
def test_names_are_declined_in_the_case_the_sentence_needs(
    nom: str, gen: str, dat: str, ins: str
) -> None:
    assert decline(nom, Case.NOM) == nom
    assert (decline(nom, Case.GEN), decline(nom, Case.DAT), decline(nom, Case.INS)) == (
        gen,
        dat,
        ins,
    )


def test_the_gender_comes_from_the_patronymic_the_name_or_the_surname() -> None:
    assert gender_of("Кузнецова Мария Павловна") is Gender.FEMALE
    assert gender_of("Руслан Ахмедович Алиев") is Gender.MALE
    assert gender_of("Ильина Анна") is Gender.FEMALE
    assert gender_of("Петров") is Gender.MALE
    assert gender_of("Саша Шевчук") is None  # Саша is either: nothing is declined
    assert decline("Саша Шевчук", Case.DAT) == "Саша Шевчук"


def test_a_persons_gender_field_overrides_the_name() -> None:
    sasha = Employee("sasha", "Саша Шевчук", "Саша", "sales", gender=Gender.FEMALE)
    assert f"{sasha.person:dat}" == "Саше Шевчук"
    man = attrs.evolve(sasha, gender=Gender.MALE)
    assert f"{man.person:dat}" == "Саше Шевчуку"
    contact = Contact("Саша Шевчук", gender=Gender.MALE)
    assert f"{contact.person:gen}" == "Саши Шевчука"
    with pytest.raises(clientops.errors.ValidationError, match="gender"):
        Employee("x", "Саша", "Саша", "sales", gender="female")  # type: ignore[arg-type]


def test_an_organisation_is_never_declined_by_a_persons_placeholder() -> None:
    card = a_client(name="ООО «Ромашка»")
    assert f"{card.name} сообщает" == "ООО «Ромашка» сообщает"


def test_a_persons_placeholder_must_say_its_case_when_the_template_is_loaded() -> None:
    with pytest.raises(ValueError, match=r"\{employee\} is a person: say the case"):
        Messages(employee_absent="{employee} сейчас нет на месте. {target}.")
    with pytest.raises(ValueError, match="bad template"):
        Messages(greeting="Компания {company}, {manager:dative}, здравствуйте!")
    ok = Messages(employee_absent="Соединяю с {employee:ins}. {target}.")
    line = ok.employee_absent.format(employee=PersonName("Кузнецова Мария Павловна"), target="")
    assert line.startswith("Соединяю с Кузнецовой Марией Павловной.")
    assert ENGLISH.employee_absent.format(employee=PersonName("Maria"), target="sales") == (
        "Maria is not in today. Putting you through: sales."
    )


def test_the_formatter_writes_money_dates_numbers_and_plurals_the_russian_way() -> None:
    assert money_text(clientops.model.Money("108500")) == f"108{NB}500,00{NB}руб."
    assert money_text(clientops.model.Money("-5.5")) == f"-5,50{NB}руб."
    assert money_text(clientops.model.Money("1234.5"), lang="en") == f"1,234.50{NB}roubles"
    assert money_text(clientops.model.Money("7", "USD")) == f"7,00{NB}USD"
    assert long_date(date(2026, 11, 13)) == f"13 ноября 2026{NB}г."
    assert long_date(date(2026, 11, 13), lang="en") == "13 November 2026"
    assert short_date(date(2026, 11, 3)) == "03.11"
    assert number_text(Decimal("4.5"), places=2) == "4,50"
    assert number_text(1234567) == f"1{NB}234{NB}567"
    forms = ("дело", "дела", "дел")
    assert [plural(n, *forms) for n in (0, 1, 2, 4, 5, 11, 12, 21, 22, 25, 101, 111)] == [
        "дел", "дело", "дела", "дела", "дел", "дел", "дел", "дело", "дела", "дел", "дело", "дел",
    ]  # fmt: skip
    assert count_text(2, *forms) == f"2{NB}дела"
    with pytest.raises(ValueError, match="lang"):
        long_date(date(2026, 1, 1), lang="de")


def test_quotes_nest_and_the_check_finds_what_the_issue_quotes() -> None:
    assert quote("ООО «Ромашка»") == "«ООО „Ромашка“»"
    assert quote('ООО "Ромашка"') == "«ООО „Ромашка“»"
    assert typography_problems("«ООО „Ромашка“»") == ()
    assert typography_problems("«ООО «Ромашка»»")
    assert typography_problems('ООО "Ромашка"')
    assert typography_problems("Компания MLS IT, Анна здравствуйте!")
    assert typography_problems("Компания MLS IT, Анна, здравствуйте!") == ()
    assert typography_problems("Смирнова: 2 дел(а)")
    assert typography_problems("срок - завтра")
    assert typography_problems("счёт № 12")
    assert typography_problems(f"счёт №{NB}12 на 6{NB}000,00{NB}руб.") == ()
    assert typography_problems("+7 912 345-67-89, 09:00") == ()  # a phone number keeps its spaces


def test_typeset_makes_the_spaces_russian_print_needs() -> None:
    assert typeset("№ 12 от 13.11, 6 000 руб., 3 мм, 4 дн.") == (
        f"№{NB}12 от 13.11, 6{NB}000{NB}руб., 3{NB}мм, 4{NB}дн."
    )
    assert typeset("И. О. Петров и Иванов И. И.") == f"И.{NB}О.{NB}Петров и Иванов{NB}И.{NB}И."
    assert typeset("срок - завтра") == "срок — завтра"
    assert typeset("М.П.") == "М.П."
    assert typeset("№ п/п") == "№ п/п"  # a column heading may break


def _enums() -> list[type[enum.Enum]]:
    found: dict[type[enum.Enum], None] = {}
    for info in pkgutil.walk_packages(clientops.__path__, prefix="clientops."):
        if any(p in info.name for p in (".cli", ".adapters", "._kits", "._worker", "__main__")):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, enum.Enum)
                and value.__module__.startswith("clientops")
            ):
                found[value] = None
    return list(found)


def test_every_enum_value_has_a_russian_and_an_english_label() -> None:
    enums = _enums()
    assert len(enums) > 40
    missing = []
    for kind in enums:
        for value in kind:
            try:
                russian = label(value)
            except KeyError as err:
                missing.append(str(err))
                continue
            latin = any("a" <= c.lower() <= "z" for c in russian.replace("e-mail", ""))
            assert russian, value
            assert not latin, (value, russian)
            assert label(value, lang="en")
    assert not missing, missing


def test_every_order_action_and_refusal_reason_has_a_russian_label() -> None:
    from clientops._orders import TRANSITIONS

    assert {t.action for t in TRANSITIONS} <= set(ACTIONS)
    assert action_label("update_specification") == "изменить спецификацию"
    assert action_label("ship", lang="en") == "ship"
    assert reason_label("quality not accepted yet") == "продукция ещё не принята по качеству"
    assert all(not any("a" <= c <= "z" for c in text) for text in REASONS.values())


# ------------------------------------------------------------------- the currency, a policy


def test_the_currency_is_one_policy_value_for_russian_and_english() -> None:
    money = clientops.model.Money("108500")
    assert clientops.Policy().currency == CurrencyStyle(ru="руб.", en="roubles")
    sign = CurrencyStyle(ru="₽", en="RUB")
    assert money_text(money, style=sign) == f"108{NB}500,00{NB}₽"
    assert money_text(money, lang="en", style=sign) == f"108,500.00{NB}RUB"
    with currency_style(sign):
        assert money_text(money) == f"108{NB}500,00{NB}₽"
        assert current_currency_style() is sign
    assert money_text(money) == f"108{NB}500,00{NB}руб."  # the block ended
    for bad in ("", " руб.", "5 руб.", "р\nуб", "x" * 17):
        with pytest.raises(ValueError, match="ru"):
            CurrencyStyle(ru=bad)
    with pytest.raises(TypeError, match="CurrencyStyle"), currency_style("₽"):  # type: ignore[arg-type]
        pass


def test_what_a_service_writes_names_money_as_its_policy_says() -> None:
    from clientops.testing import T0, a_staff

    policy = clientops.Policy(currency=CurrencyStyle(ru="₽"))
    ops = clientops.connect("memory://", policy=policy, clock=lambda: T0)
    ops.clients.add_staff(a_staff())
    card = ops.clients.add(a_client(name="ООО «Ромашка»"))
    from clientops.billing import Month, Subscription, SubscriptionId

    ops.billing.add_subscription(
        Subscription(
            SubscriptionId("s1"), card.id, clientops.model.Money("12000"), date(2025, 1, 1)
        )
    )
    plan = ops.billing.plan(Month.parse("2025-06"))
    # computed inside the service: the skip reasons, the plan's words (outside: the default)
    assert money_text(plan.total) == f"12{NB}000,00{NB}руб."
    with ops:  # an opened ClientOps writes as its policy says
        assert plan.report({card.id: card.name}).splitlines()[1].endswith(f"12{NB}000,00{NB}₽")
    assert money_text(plan.total) == f"12{NB}000,00{NB}руб."


def test_documents_and_calendars_set_no_break_spaces_where_print_needs_them() -> None:
    import io
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import docx
    from icalendar import Calendar

    from clientops.calendar import CalendarEntry
    from clientops.documents import Fields, Template
    from clientops.ics import to_ics

    plain = "Договор № 12 от 13 ноября 2026 г. на 6 000 руб. - Иванов И. И."
    typeset_ = f"Договор №{NB}12 от 13 ноября 2026{NB}г. на 6{NB}000{NB}руб. — Иванов{NB}И.{NB}И."
    blank = docx.Document()
    blank.add_paragraph("{{ line }}")
    buffer = io.BytesIO()
    blank.save(buffer)
    template = Template.from_docx(buffer.getvalue(), Fields(scalars={"line"}))
    rendered = docx.Document(io.BytesIO(template.render({"line": plain})))
    assert [p.text for p in rendered.paragraphs] == [typeset_]
    assert typography_problems(typeset_) == ()
    assert typography_problems(plain)  # what the document would say without them

    event = CalendarEntry(
        uid="u1@example.ru",
        start=datetime(2026, 11, 13, 10, 0, tzinfo=ZoneInfo("Europe/Moscow")),
        summary="Счёт № 12",
        duration=timedelta(minutes=15),
        description=plain,
    )
    [read] = Calendar.from_ical(to_ics([event])).walk("VEVENT")
    assert (str(read["SUMMARY"]), str(read["DESCRIPTION"])) == (f"Счёт №{NB}12", typeset_)
