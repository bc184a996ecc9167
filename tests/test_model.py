from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import attrs
import pytest

from clientops import (
    Client,
    ClientId,
    EmployeeId,
    InvalidPhoneError,
    Money,
    Phone,
    Reaction,
    ReactionId,
    ReactionKind,
    ValidationError,
    new_id,
)
from clientops.clients import ClientQuery, contract_key, organisation_key
from clientops.model import AppealId
from clientops.testing import T0, a_client, a_staff


@pytest.mark.parametrize(
    "written",
    ["+7 912 345-67-89", "8 (912) 345-67-89", "89123456789", "+79123456789", "912 345 67 89"],
)
def test_phone_written_any_usual_way_becomes_e164(written: str) -> None:
    assert Phone.parse(written).e164 == "+79123456789"


def test_phone_of_another_country_and_display_form() -> None:
    assert Phone.parse("+375 29 123-45-67").e164 == "+375291234567"
    assert Phone.parse("8 912 345 67 89").international() == "+7 912 345-67-89"


@pytest.mark.parametrize("bad", ["", "   ", "abc", "12", "+7 123", "8 (000) 000-00-00"])
def test_bad_phone_names_the_value(bad: str) -> None:
    with pytest.raises(InvalidPhoneError) as err:
        Phone.parse(bad)
    assert repr(bad) in str(err.value) or bad.strip() == ""
    assert err.value.paths == ("phone",)


#: ten national digits for every first digit: mobiles, landlines (Moscow, St Petersburg),
#: Kazakhstan, toll-free, and unallocated blocks
_NATIONAL = (
    "0123456789",
    "1023456789",
    "1234567890",
    "2123456789",
    "3432123456",
    "4951234567",
    "5123456789",
    "6123456789",
    "7011234567",
    "7271234567",
    "7123456789",
    "8001234567",
    "8121234567",
    "8612345678",
    "8881234567",
    "9123456789",
    "9967040628",
    "9000000000",
)
#: the ways a number is written: with +7, with 8, bare, spaced, dashed, dotted, bracketed
_WRITINGS: tuple[Callable[[str], str], ...] = (
    lambda d: f"+7{d}",
    lambda d: f"+7 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}",
    lambda d: f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
    lambda d: f"+7({d[:3]}){d[3:]}",
    lambda d: f"8{d}",
    lambda d: f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
    lambda d: f"8-{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:]}",
    lambda d: f"8.{d[:3]}.{d[3:6]}.{d[6:8]}.{d[8:]}",
    lambda d: d,
    lambda d: f"{d[:3]} {d[3:6]} {d[6:8]} {d[8:]}",
    lambda d: f"({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
    lambda d: f"8\u00a0{d[:3]}\u00a0{d[3:]}",
    lambda d: f" +7 {d} ",
    lambda d: f"(8) {d}",
    lambda d: f"+7 8 {d}",
    lambda d: f"7{d}",
    lambda d: f"+8{d}",
    lambda d: f"+7{d}1",
    lambda d: f"8{d[:9]}",
    lambda d: f"+7 {d} доб. 12",
)


@pytest.mark.parametrize("region", ["RU", "KZ", "BY", "US"])
def test_phone_written_as_usual_reads_as_phonenumbers_reads_it(region: str) -> None:
    """The direct reading of the usual writings of a number of country code 7 is the
    parser's, on every first digit; the rest is left to the parser."""
    import phonenumbers

    from clientops.model import _written_ru

    direct = 0
    for digits in _NATIONAL:
        for writing in _WRITINGS:
            text = writing(digits)
            number = _written_ru(text, region)
            if number is None:
                continue
            direct += 1
            assert number == phonenumbers.parse(text, region), text
    assert direct >= (len(_NATIONAL) - 6) * 5  # the +7 forms at least, in every region


@pytest.mark.parametrize("strict", [True, False])
def test_phone_parsed_directly_or_in_full_gives_the_same_answer(
    strict: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Phone.parse, strict or not, gives the E.164 form or the error that the parser alone
    gives, whichever way the number is written."""
    from clientops import model

    def answers() -> list[str]:
        found = []
        for digits in _NATIONAL:
            for writing in _WRITINGS:
                try:
                    found.append(model._parse_e164.__wrapped__(writing(digits), "RU", strict))
                except InvalidPhoneError as exc:
                    found.append(f"refused: {exc}")
        return found

    direct = answers()
    monkeypatch.setattr(model, "_written_ru", lambda text, region: None)
    assert direct == answers()
    assert sum(not a.startswith("refused") for a in direct) > len(_NATIONAL) * 5


def test_phone_value_must_be_e164() -> None:
    with pytest.raises(ValueError, match=r"E\.164"):
        Phone("8 912 345 67 89")


def test_money_is_never_float_and_adds_within_a_currency() -> None:
    assert Money("10.10") + Money(5) == Money(Decimal("15.10"))
    assert (Money("1.005") * 3).rounded() == Money("3.02")
    assert Money(3) < Money(4)
    with pytest.raises(ValidationError, match="float"):
        Money(0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mix"):
        Money(1) + Money(1, "USD")
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(1, "руб")
    with pytest.raises(ValueError, match="finite"):
        Money("NaN")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ('ООО "Ромашка"', "ромашка"),
        ("ромашка ооо", "ромашка"),
        ("«РОМАШКА», ООО", "ромашка"),
        ("Общество с ограниченной ответственностью «Ромашка»", "ромашка"),
        ("ИП Сидоров Пётр", "сидоров петр"),
        ("АО «Северсталь-Сервис»", "северсталь сервис"),
        ("ООО", "ооо"),
    ],
)
def test_organisation_key_ignores_case_quotes_and_legal_form(name: str, key: str) -> None:
    assert organisation_key(name) == key


@pytest.mark.parametrize("number", ["12/25-А", "№ 12/25-а", "Договор №12/25-А", " 12 / 25-а "])
def test_contract_key(number: str) -> None:
    assert contract_key(number) == "12/25а"


def test_ids_sort_by_creation() -> None:
    ids = [new_id() for _ in range(1000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 1000


def test_ids_of_a_forked_child_share_no_random_part_with_its_parent() -> None:
    """The random parts are drawn ahead (a pool); a forked child draws its own."""
    import os

    new_id()  # the pool is drawn in the parent
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, through the pipe
        os.write(write, ",".join(new_id()[16:] for _ in range(20)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split(","))
    os.waitpid(pid, 0)
    parent = {new_id()[16:] for _ in range(20)}
    assert len(child) == 20
    assert not child & parent


def test_a_number_parsed_again_is_the_same_phone() -> None:
    first = Phone.parse("8 (912) 345-67-89")
    assert Phone.parse("+7 912 345 67 89") == first == Phone("+79123456789")
    assert Phone.parse("8 (912) 345-67-89") is first  # not checked again


def test_client_refuses_lists_blank_names_and_naive_times() -> None:
    with pytest.raises(ValidationError) as err:
        a_client(phones=[Phone("+79123456789")])
    assert err.value.paths == ("phones",)
    with pytest.raises(ValueError, match="name"):
        a_client(name="  ")
    with pytest.raises(ValueError, match="timezone"):
        a_client(created_at=datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="e-mail"):
        a_client(emails=("not-an-email",))
    with pytest.raises(ValueError, match="INN"):
        a_client(inn="12345")


def test_client_contact_person_is_a_dash_when_none_given() -> None:
    assert a_client().contact_person == "—"
    assert not a_client().is_dealer


def test_reaction_needs_someone_responsible() -> None:
    with pytest.raises(ValueError, match="responsible"):
        Reaction(
            id=ReactionId("r"),
            appeal_id=AppealId("a"),
            client_id=ClientId("c"),
            kind=ReactionKind.TASK,
            topic="t",
            due_at=T0,
            created_at=T0,
        )


def test_client_query_needs_a_key_and_matches_like_the_stores() -> None:
    with pytest.raises(ValueError, match="needs"):
        ClientQuery(city="Омск")
    card = a_client(name='ООО "Ромашка"', contract_numbers=("7/1",))
    assert ClientQuery(name="ромашка", city="ОМСК").matches(card)
    assert ClientQuery(contract="№ 7/1").matches(card)
    assert not ClientQuery(contract="7/2").matches(card)


def test_staff_directory_answers_who_is_who() -> None:
    staff = a_staff()
    assert [e.id for e in staff.find_employee("Петров")] == ["petrov"]
    assert [e.id for e in staff.find_employee("игорь петров")] == ["petrov"]
    assert [e.id for e in staff.find_employee("Кузнецова М.")] == ["kuznetsova"]
    assert staff.find_employee("Сидоров") == ()
    assert staff.find_employee("  ") == ()
    assert staff.is_absent(EmployeeId("kuznetsova"), date(2025, 6, 27))
    assert not staff.is_absent(EmployeeId("kuznetsova"), date(2025, 6, 28))
    head = staff.head_of(staff.departments[0].id)
    assert head is not None
    assert head.full_name.startswith("Петров")
    assert len(staff.members(staff.departments[0].id)) == 2


def test_records_are_immutable() -> None:
    card = a_client()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        card.name = "x"  # type: ignore[misc]
    assert isinstance(card, Client)
