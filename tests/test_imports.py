"""Reading a CSV file of clients for a bulk import: encodings, delimiters, headers, every
reason a row is refused (with its physical line), duplicates, broken files."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientops import (
    ClientCategory,
    ClientKind,
    DepartmentId,
    Employee,
    EmployeeId,
    FieldError,
    Phone,
    Policy,
    ValidationError,
)
from clientops.imports import (
    COLUMNS,
    ENGLISH_IMPORT_MESSAGES,
    ClientImport,
    ImportMessages,
    RejectedRow,
    read_clients_csv,
)
from clientops.testing import T0, a_staff

DOCS = Path(__file__).resolve().parents[1] / "docs"

RU_HEADER = "Наименование;Город;Телефон;E-mail;Контактное лицо;Договор;ИНН"
EN_HEADER = "name,city,phone,email,contact_person,contract,inn"
RU_ROWS = (
    'ООО "Ромашка";Омск;8 (3812) 12-34-56;info@romashka.ru;Иванов Иван;Д-1/25;7707083893',
    "ИП Сидоров Пётр;Тара;+7 912 345-67-89;;;;500100732259",
)


def read(data: bytes | str | Path, **options: Any) -> ClientImport:
    return read_clients_csv(data, now=T0, **options)


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "clients.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def only_rejected(result: ClientImport) -> RejectedRow:
    (row,) = result.rejected
    return row


def reasons(row: RejectedRow) -> list[tuple[str, str]]:
    return [(r.path, r.message) for r in row.reasons]


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1251", "cp1251")],
)
def test_a_russian_office_file_in_each_encoding(
    tmp_path: Path, encoding: str, detected: str
) -> None:
    path = write(tmp_path, "\r\n".join((RU_HEADER, *RU_ROWS)) + "\r\n", encoding)
    result = read(path)
    assert (result.encoding, result.delimiter, result.header_line) == (detected, ";", 1)
    assert result.ok
    assert result.header[0] == "Наименование"  # no BOM left on the first column
    first, second = result.clients
    assert first.name == 'ООО "Ромашка"'
    assert (first.city, first.phones, first.emails) == (
        "Омск",
        (Phone("+73812123456"),),
        ("info@romashka.ru",),
    )
    assert (first.contact_person, first.contract_numbers, first.inn) == (
        "Иванов Иван",
        ("Д-1/25",),
        "7707083893",
    )
    assert (second.name, second.contact_person, second.inn) == (
        "ИП Сидоров Пётр",
        "—",
        "500100732259",
    )
    assert [row.line for row in result.accepted] == [2, 3]


def test_an_english_header_with_commas_in_windows_1251(tmp_path: Path) -> None:
    rows = ['"ООО ""Ромашка""",Омск,8 (3812) 12-34-56,,Иванов Иван,"Д-1/25",7707083893']
    result = read(write(tmp_path, "\n".join((EN_HEADER, *rows)), "cp1251"))
    assert (result.encoding, result.delimiter) == ("cp1251", ",")
    (card,) = result.clients
    assert (card.name, card.contact_person) == ('ООО "Ромашка"', "Иванов Иван")
    assert result.fields == (
        "name",
        "city",
        "phones",
        "emails",
        "contact_person",
        "contract_numbers",
        "inn",
    )


def test_bytes_a_str_path_and_a_path_read_alike(tmp_path: Path) -> None:
    data = "\n".join((RU_HEADER, *RU_ROWS)).encode("cp1251")
    path = tmp_path / "clients.csv"
    path.write_bytes(data)
    results = [read(data), read(str(path)), read(path)]
    assert {r.digest for r in results} == {hashlib.sha256(data).hexdigest()}
    assert len({tuple(c.name for c in r.clients) for r in results}) == 1
    assert read(data + b"\n").digest != results[0].digest


def test_explicit_encoding_and_delimiter_override_detection(tmp_path: Path) -> None:
    text = "name;city;phone\nЁлка;Омск;+7 912 345-67-89\n"
    path = write(tmp_path, text, "cp1251")
    result = read(path, encoding="windows-1251")
    assert result.encoding == "cp1251"
    assert result.clients[0].name == "Ёлка"
    with pytest.raises(ValidationError) as err:
        read(path, encoding="utf-8")
    assert err.value.paths == ("line 2",)
    with pytest.raises(ValidationError, match="name;city;phone"):
        read(path, delimiter=",")
    with pytest.raises(ValidationError, match="encoding"):
        read(path, encoding="no-such-codec")
    with pytest.raises(ValidationError, match="delimiter"):
        read(path, delimiter=";;")


def test_utf16_with_tabs_as_excel_saves_unicode_text(tmp_path: Path) -> None:
    text = "Наименование\tГород\tТелефон\r\nЛес\tОмск\t+7 912 345-67-89\r\n"
    result = read(write(tmp_path, text, "utf-16"))
    assert (result.encoding, result.delimiter) == ("utf-16", "\t")
    assert [c.name for c in result.clients] == ["Лес"]


def test_excel_sep_line_sets_the_delimiter_and_shifts_the_lines(tmp_path: Path) -> None:
    text = "sep=,\nname,city,phone\nЛес,Омск,12\n"
    result = read(write(tmp_path, text))
    assert (result.delimiter, result.header_line) == (",", 2)
    assert only_rejected(result).line == 3


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "header",
    [
        "Название;Город;Телефоны",
        "КЛИЕНТ ; город ; ТЕЛ.",
        "Наименование контрагента;Группа;Номер телефона",
        "name;City;Phones",
        "Client Name;CITY;Telephone",
    ],
)
def test_header_names_match_regardless_of_case_spaces_and_punctuation(header: str) -> None:
    result = read(f"{header}\nЛес;Омск;+7 912 345-67-89\n".encode())
    assert result.fields == ("name", "city", "phones")
    assert result.ok


def test_every_column_has_english_and_russian_names_and_no_name_is_shared() -> None:
    seen: dict[str, str] = {}
    for column in COLUMNS:
        assert column.names[0].isascii()
        assert any(not name.isascii() for name in column.names)
        for name in column.names:
            key = " ".join(re.sub(r"[\W_]+", " ", name.casefold()).split())
            assert seen.setdefault(key, column.field) == column.field, name


def test_all_optional_columns_in_russian(tmp_path: Path) -> None:
    header = (
        "Наименование;Город;Телефон;Телефон 2;Эл. почта;Тип;Категория;Контактное лицо;"
        "Телефон контактного лица;Менеджер;Номер договора;ИНН;Дата рождения;День компании"
    )
    row = (
        "Петров Пётр Петрович;Омск;8 912 345 67 89;+7 (3812) 12-34-56;p@mail.ru;"
        "Физическое лицо;Дилер;Жена;8 912 000-11-22;Смирнова Анна;№ 7/1;;"
        "01.02.1980;2001-05-31"
    )
    result = read(write(tmp_path, f"{header}\n{row}\n", "cp1251"), staff=a_staff())
    (card,) = result.clients
    assert card.kind is ClientKind.PERSON
    assert card.category is ClientCategory.DEALER
    assert card.phones == (Phone("+79123456789"), Phone("+73812123456"))
    assert card.emails == ("p@mail.ru",)
    assert card.contacts[0].name == "Жена"
    assert card.contacts[0].phones == (Phone("+79120001122"),)
    assert card.manager_id == "anna"
    assert card.contract_numbers == ("№ 7/1",)
    assert (card.birthday, card.company_day) == (date(1980, 2, 1), date(2001, 5, 31))
    assert (card.created_at, card.version) == (T0, 0)


def test_unknown_columns_are_one_error_naming_line_and_column() -> None:
    data = "Наименование;Город;Адрес;Телефон;Кличка\nЛес;Омск;ул. Мира;1;Бобик\n"
    with pytest.raises(ValidationError) as err:
        read(data.encode())
    assert err.value.subject == "CSV header"
    assert err.value.paths == ("line 1, column 3 (Адрес)", "line 1, column 5 (Кличка)")
    assert "неизвестный столбец" in err.value.errors[0].message


def test_missing_required_columns_are_named() -> None:
    with pytest.raises(ValidationError) as err:
        read("\n\nНазвание;ИНН\nЛес;7707083893\n".encode())
    assert err.value.paths == ("line 3: city", "line 3: phones")
    assert "Город" in err.value.errors[0].message
    assert "Телефон" in err.value.errors[1].message


def test_a_single_valued_column_twice_is_an_error_but_phones_may_repeat() -> None:
    with pytest.raises(ValidationError) as err:
        read("Название;Город;Телефон;Клиент\nЛес;Омск;1;Лес\n".encode())
    assert err.value.paths == ("line 1, column 4 (Клиент)",)
    result = read("Название;Город;Телефон;Телефон\nЛес;Омск;8 912 345 67 89;;\n".encode())
    assert result.fields == ("name", "city", "phones", "phones")


def test_a_column_without_a_header_must_stay_empty() -> None:
    data = "Название;Город;Телефон;\nЛес;Омск;8 912 345 67 89;\nЛуг;Омск;8 912 345 67 80;х\n"
    result = read(data.encode())
    assert result.fields[-1] is None
    assert [row.line for row in result.accepted] == [2]
    assert reasons(only_rejected(result)) == [("", "значение «х» в столбце без заголовка")]


# --------------------------------------------------------------------------- cells


def test_quoted_cells_hold_delimiters_quotes_and_line_breaks() -> None:
    data = (
        "Наименование;Город;Телефон;Договор\r\n"
        '"ООО ""Лес; Поле""";Омск;"8 912 345 67 89\r\n+7 3812 12-34-56";"Д-1;\r\nД-2, Д-3"\r\n'
        "ИП Пашков;Тара;8 912 345 67 80;\r\n"
    )
    result = read(data.encode("cp1251"))
    first, second = result.accepted
    assert first.client.name == 'ООО "Лес; Поле"'
    assert first.client.phones == (Phone("+79123456789"), Phone("+73812123456"))
    assert first.client.contract_numbers == ("Д-1", "Д-2", "Д-3")
    assert (first.line, second.line) == (2, 5)


def test_a_rejected_row_after_a_multi_line_cell_has_its_physical_line() -> None:
    data = 'name,city,phone\n"Лес\n(бывший\nЛуг)",Омск,8 912 345 67 89\n\nПоле,Тара,12\n'
    result = read(data.encode())
    assert result.accepted[0].client.name == "Лес (бывший Луг)"
    row = only_rejected(result)
    assert (row.line, row.raw) == (6, ("Поле", "Тара", "12"))


@pytest.mark.parametrize("odd", ["\x0b", "\x0c", "\x85", "\u2028", "\u2029"])
def test_only_cr_and_lf_end_a_line(odd: str) -> None:
    data = f"name;city;phone\r\nЛес{odd}Поле;Омск;8 912 345 67 89\rЛуг;Омск;12\n"
    result = read(data.encode())
    assert result.clients[0].name == "Лес Поле"
    assert only_rejected(result).line == 3


def test_blank_lines_and_rows_of_empty_cells_are_skipped() -> None:
    data = "\n\nname;city;phone\n\n;;\n  ; ;\nЛес;Омск;8 912 345 67 89\n\n"
    result = read(data.encode())
    assert (result.header_line, result.rows) == (3, 1)
    assert [row.line for row in result.accepted] == [7]


def test_same_phone_or_email_twice_in_a_row_is_kept_once() -> None:
    data = 'name;city;phone;email\nЛес;Омск;8 912 345 67 89, +79123456789;"a@b.ru\na@b.ru"\n'
    (card,) = read(data.encode()).clients
    assert (card.phones, card.emails) == ((Phone("+79123456789"),), ("a@b.ru",))


GOOD = {
    "Наименование": "ООО Лес",
    "Город": "Омск",
    "Телефон": "8 912 345 67 89",
    "E-mail": "les@mail.ru",
    "Тип": "организация",
    "Категория": "клиент",
    "Контактное лицо": "Иванов",
    "Телефон контакта": "",
    "Менеджер": "",
    "Договор": "Д-1",
    "ИНН": "7707083893",
    "День рождения": "",
    "День компании": "01.02.2003",
}


def one_row(**changes: str) -> bytes:
    cells = {**GOOD}
    for key, value in changes.items():
        cells[key.replace("_", " ")] = value
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(cells)
    writer.writerow(cells.values())
    return out.getvalue().encode("cp1251")


def test_the_good_row_is_good() -> None:
    assert read(one_row()).ok


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Наименование", "  ", "обязательное поле не заполнено"),
        ("Город", "", "обязательное поле не заполнено"),
        ("Телефон", "", "обязательное поле не заполнено"),
        ("Телефон", "12-34", "«12-34» — не номер телефона"),
        ("Телефон", "8 (000) 000-00-00", "«8 (000) 000-00-00» — не номер телефона"),
        ("E-mail", "les@mail", "«les@mail» — не адрес электронной почты"),
        ("E-mail", "les mail.ru", "«les mail.ru» — не адрес электронной почты"),
        ("Тип", "робот", "«робот» — неизвестное значение; можно: организация (organisation)"),
        ("Категория", "враг", "«враг» — неизвестное значение; можно: клиент (client)"),
        ("Телефон контакта", "12", "«12» — не номер телефона"),
        ("Договор", "№", "«№» — не номер договора"),
        ("ИНН", "77070838", "«77070838» — не ИНН: нужно 10 или 12 цифр"),
        ("ИНН", "77070838ab", "«77070838ab» — не ИНН: нужно 10 или 12 цифр"),
        ("ИНН", "7707083894", "«7707083894» — не сходится контрольное число"),
        ("ИНН", "500100732258", "«500100732258» — не сходится контрольное число"),
        ("День рождения", "31.02.1980", "«31.02.1980» — не дата"),
        ("День компании", "2003/02/01", "«2003/02/01» — не дата"),
    ],
)
def test_each_reason_names_the_column_as_written(column: str, value: str, message: str) -> None:
    row = only_rejected(read(one_row(**{column.replace(" ", "_"): value})))
    assert row.line == 2
    ((path, text),) = reasons(row)
    assert path == column
    assert text.startswith(message)
    assert row.raw[list(GOOD).index(column)] == value


def test_a_contact_phone_without_a_contact_person_is_refused() -> None:
    row = only_rejected(read(one_row(Контактное_лицо="—", Телефон_контакта="8 912 000 11 22")))
    assert reasons(row) == [
        ("Телефон контакта", "телефон контакта указан, а контактное лицо — нет")
    ]
    card = read(one_row(Контактное_лицо="—")).clients[0]
    assert card.contact_person == "—"
    assert card.contacts == ()


def test_every_reason_of_a_row_is_reported_in_one_go() -> None:
    data = one_row(Город="", Телефон="12", ИНН="1", Категория="x")
    row = only_rejected(read(data))
    assert [path for path, _ in reasons(row)] == ["Город", "Телефон", "Категория", "ИНН"]


def test_a_row_with_more_cells_than_the_header_is_refused_unless_they_are_empty() -> None:
    data = "name;city;phone\nЛес;Омск;8 912 345 67 89;;\nЛуг;Омск;8 912 345 67 80;лишнее\n"
    result = read(data.encode())
    assert [row.line for row in result.accepted] == [2]
    row = only_rejected(result)
    assert (row.line, reasons(row)) == (3, [("", "ячеек в строке 4, а столбцов в заголовке 3")])
    assert row.raw == ("Луг", "Омск", "8 912 345 67 80", "лишнее")


def test_a_row_with_fewer_cells_reads_the_missing_ones_as_empty() -> None:
    data = "name;city;phone;inn\nЛес;Омск;8 912 345 67 89\nЛуг;Омск\n"
    result = read(data.encode())
    assert result.accepted[0].client.inn is None
    assert reasons(only_rejected(result)) == [("phone", "обязательное поле не заполнено")]


def test_the_manager_is_found_by_id_or_name_in_the_staff() -> None:
    staff = attrs.evolve(
        a_staff(),
        employees=(
            *a_staff().employees,
            Employee(EmployeeId("petrova"), "Петрова Анна", "Анна", DepartmentId("client")),
        ),
    )
    data = (
        "name;city;phone;manager\n"
        "A;Омск;8 912 345 67 81;anna\n"
        "B;Омск;8 912 345 67 82;Петров И.\n"
        "C;Омск;8 912 345 67 83;Сидоров\n"
        "D;Омск;8 912 345 67 84;Анна\n"
    )
    result = read(data.encode(), staff=staff)
    assert [c.manager_id for c in result.clients] == ["anna", "petrov"]
    unknown, ambiguous = result.rejected
    assert reasons(unknown) == [("manager", "сотрудник «Сидоров» не найден")]
    assert reasons(ambiguous)[0][1].startswith("«Анна» — несколько сотрудников: ")
    without_staff = read(data.encode())
    assert [c.manager_id for c in without_staff.clients][2] == "Сидоров"


def test_the_policy_sets_the_phone_region_and_strictness() -> None:
    data = "name;city;phone\nЛес;Минск;29 123-45-67\n".encode()
    assert read(data).rejected
    card = read(data, policy=Policy(phone_region="BY")).clients[0]
    assert card.phones == (Phone("+375291234567"),)
    loose = "name;city;phone\nЛес;Омск;8 (000) 000-00-00\n".encode()
    assert read(loose).rejected
    # a card's phones are valid numbers whatever strict_phones says (issue 16)
    assert read(loose, policy=Policy(strict_phones=False)).rejected


# --------------------------------------------------------------------------- duplicates


def test_a_contract_number_repeated_in_the_file_refuses_the_later_row() -> None:
    data = (
        "Название;Город;Телефон;Договор\n"
        "Лес;Омск;8 912 345 67 81;Договор № 12/25-А\n"
        "Луг;Тара;8 912 345 67 82;Д-2\n"
        "Поле;Омск;8 912 345 67 83;д-3, 12/25-а\n"
    )
    result = read(data.encode())
    assert [row.line for row in result.accepted] == [2, 3]
    assert reasons(only_rejected(result)) == [("Договор", "договор «12/25-а» уже есть в строке 2")]


def test_the_same_name_and_phone_twice_refuses_the_later_row() -> None:
    data = (
        "Название;Город;Телефон\n"
        'ООО "Лес";Омск;8 912 345 67 81\n'
        "Лес ООО;Омск;+7 912 345-67-82\n"
        "Луг;Омск;+7 912 345-67-81\n"
        "лес, ооо;Тара;+7 (912) 345-67-81\n"
    )
    result = read(data.encode())
    assert [row.line for row in result.accepted] == [2, 3, 4]
    row = only_rejected(result)
    assert (row.line, reasons(row)) == (
        5,
        [("Название", "«лес, ооо» с этим телефоном уже есть в строке 2")],
    )


def test_a_duplicate_of_a_refused_row_still_names_it() -> None:
    data = (
        "Название;Город;Телефон;Договор\nЛес;;8 912 345 67 81;Д-1\nЛуг;Омск;8 912 345 67 82;Д-1\n"
    )
    first, second = read(data.encode()).rejected
    assert reasons(first) == [("Город", "обязательное поле не заполнено")]
    assert reasons(second) == [("Договор", "договор «Д-1» уже есть в строке 2")]


# --------------------------------------------------------------------------- broken files


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\r\n\r\n",
        "\ufeff".encode(),
        b";;;\n",
    ],
)
def test_a_file_without_a_header_is_an_error(data: bytes) -> None:
    with pytest.raises(ValidationError) as err:
        read(data)
    assert err.value.subject == "CSV file"
    assert err.value.errors[0].message == "в файле нет строки заголовка"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4, 1),  # an .xlsx, not a CSV
        (bytes(range(256)) * 16, 1),
        ("name;city;phone\nЛес;Омск;1\nЛуг\x00;Омск;1\n".encode(), 3),
    ],
)
def test_binary_garbage_is_an_error_naming_the_line(data: bytes, line: int) -> None:
    with pytest.raises(ValidationError) as err:
        read(data)
    assert err.value.paths == (f"line {line}",)
    assert "не текстовый файл" in err.value.errors[0].message


def test_bytes_foreign_to_every_encoding_name_their_line() -> None:
    data = "name;city;phone\r\nЛес;Омск;1\r\n\r\nЛуг;Омск;1\r\n".encode("cp1251")
    data += b"\x98;\xd0;1\r\n"  # 0x98 is in no windows-1251 character, and not UTF-8
    with pytest.raises(ValidationError) as err:
        read(data)
    assert err.value.paths == ("line 5",)
    assert err.value.errors[0].message == "байты не читаются в кодировке cp1251"


def test_an_unclosed_quote_is_an_error_naming_the_line_it_opens_on() -> None:
    data = 'name;city;phone\nЛес;Омск;8 912 345 67 81\n"Луг;Омск;8 912 345 67 82\nПоле;Омск;1\n'
    with pytest.raises(ValidationError) as err:
        read(data.encode())
    assert err.value.paths == ("line 3",)
    assert "не закрыта" in err.value.errors[0].message
    with pytest.raises(ValidationError) as err:
        read(b'"name;city;phone\n')
    assert err.value.paths == ("line 1",)


def test_text_after_a_closing_quote_refuses_that_row_only() -> None:
    data = (
        "name;city;phone\n"
        '"ООО "Лес"";Омск;8 912 345 67 81\n'
        'Луг;"Омск\n"x;8 912 345 67 82\n'
        "Поле;Омск;8 912 345 67 83\n"
    )
    result = read(data.encode())
    assert [c.name for c in result.clients] == ["Поле"]
    first, second = result.rejected
    assert (first.line, second.line) == (2, 3)
    assert first.raw == ('"ООО "Лес"";Омск;8 912 345 67 81',)
    assert second.raw == ('Луг;"Омск\n"x;8 912 345 67 82',)
    assert "кавычки" in first.reasons[0].message


def test_a_header_that_is_a_data_row_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        read("ООО Лес;Омск;8 912 345 67 81\n".encode())
    assert len(err.value.errors) == 3 + 3  # three unknown columns, three missing ones


def test_misuse_is_refused() -> None:
    with pytest.raises(ValidationError, match="now"):
        read_clients_csv(b"", now=datetime(2025, 1, 1))
    with pytest.raises(ValidationError, match="bytes") as caught:
        read("name;city;phone\nЛес;Омск;1\n")
    assert caught.value.paths == ("source",)
    with pytest.raises(FileNotFoundError):
        read("no-such-file.csv")


# --------------------------------------------------------------------------- the report


def test_summary_and_report_in_russian_and_in_english() -> None:
    data = (
        "name;city;phone;inn\nЛес;Омск;8 912 345 67 81;\nЛуг;;12;\nПоле;Омск;8 912 345 67 83;1\n"
    ).encode()
    result = read(data)
    assert result.rows == 3
    assert result.summary() == "Строк: 3, принято: 1, отклонено: 2."
    assert result.report().splitlines() == [
        "Строк: 3, принято: 1, отклонено: 2.",
        "Строка 3: city: обязательное поле не заполнено; phone: «12» — не номер телефона",
        "Строка 4: inn: «1» — не ИНН: нужно 10 или 12 цифр",
    ]
    assert result.report(limit=1).splitlines()[-1] == "… и ещё отклонённых строк: 1"
    english = read(data, messages=ENGLISH_IMPORT_MESSAGES)
    assert english.report(limit=0).splitlines() == [
        "Rows: 3, accepted: 1, rejected: 2.",
        "… and 2 more rejected rows",
    ]
    assert english.rejected[0].reasons[1] == FieldError("phone", "'12' is not a phone number")


def test_a_bad_message_template_is_refused() -> None:
    with pytest.raises(ValueError, match="required"):
        ImportMessages(required="{nope}")


def test_ids_come_from_make_id_and_every_card_is_created_now() -> None:
    ids = iter(["id-1", "id-2"])
    result = read_clients_csv(
        "\n".join((RU_HEADER, *RU_ROWS)).encode(), now=T0, make_id=lambda: next(ids)
    )
    assert [(c.id, c.created_at) for c in result.clients] == [("id-1", T0), ("id-2", T0)]


def test_the_docs_list_every_column_name() -> None:
    text = (DOCS / "import.md").read_text(encoding="utf-8")
    section = text.split("\n## Columns", 1)[1].split("\n## ", 1)[0]
    documented: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`") and cells[0].endswith("`"):
            field = cells[0].strip("`")
            names = re.findall(r"«([^»]+)»|`([^`]+)`", cells[1] + " " + cells[2])
            documented[field] = {a or b for a, b in names}

    def key(name: str) -> str:
        return " ".join(re.sub(r"[\W_]+", " ", name.casefold().replace("ё", "е")).split())

    assert set(documented) == {c.field for c in COLUMNS}
    for column in COLUMNS:
        assert {key(n) for n in documented[column.field]} == {key(n) for n in column.names}


# --------------------------------------------------------------------------- round trip

_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯabcXYZ0123456789"
_WORD = st.text(_LETTERS + "\"'«»-.,;№&", min_size=1, max_size=8).filter(
    lambda w: any(ch.isalnum() for ch in w)
)
_PLAIN_WORD = st.text(_LETTERS, min_size=1, max_size=8)
_VALID_INNS = ("7707083893", "7736207543", "500100732259", "7830002293")
_KINDS = {"организация": ClientKind.ORGANISATION, "Физ. лицо": ClientKind.PERSON, "": None}
_CATEGORIES = {"Клиент": ClientCategory.CLIENT, "dealer": ClientCategory.DEALER, "": None}
_PHONE_FORMATS = ("8 ({a}) {b}-{c}-{d}", "+7 {a} {b} {c} {d}", "8{a}{b}{c}{d}")
_MOBILE_CODES = (903, 905, 909, 912, 913, 916, 921, 926, 950, 960, 977, 985, 999)


@st.composite
def client_rows(draw: st.DrawFn, index: int) -> dict[str, Any]:
    """One valid row, unique in the file by its phones and contract (built from ``index``)."""
    phones = []
    for n in range(draw(st.integers(1, 3))):
        pattern = draw(st.sampled_from(_PHONE_FORMATS))
        a, b = f"{draw(st.sampled_from(_MOBILE_CODES))}", f"{index:03d}"
        c, d = f"{n + 10}", f"{draw(st.integers(10, 99))}"
        phones.append(pattern.format(a=a, b=b, c=c, d=d))
    return {
        "name": " ".join(draw(st.lists(_WORD, min_size=1, max_size=4))),
        "city": draw(st.sampled_from(("Омск", "Москва", "Ханты-Мансийск", "Orёl"))),
        "phones": phones,
        "emails": [
            f"{w}{index}@mail.ru"
            for w in draw(st.lists(st.sampled_from("abc"), max_size=2, unique=True))
        ],
        "kind": draw(st.sampled_from(sorted(_KINDS))),
        "category": draw(st.sampled_from(sorted(_CATEGORIES))),
        "contact": draw(st.one_of(st.just(""), _PLAIN_WORD)),
        "contracts": [f"Д-{index}/{k}" for k in range(draw(st.integers(0, 2)))],
        "inn": draw(st.sampled_from(("", *_VALID_INNS))),
        "birthday": draw(st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2100, 12, 31)))),
    }


@st.composite
def files(draw: st.DrawFn) -> tuple[list[dict[str, Any]], str, str, bool, str]:
    count = draw(st.integers(1, 8))
    rows = [draw(client_rows(i)) for i in range(count)]
    encoding = draw(st.sampled_from(("utf-8", "utf-8-sig", "cp1251")))
    delimiter = draw(st.sampled_from((";", ",")))
    russian = draw(st.booleans())
    newline = draw(st.sampled_from(("\r\n", "\n")))
    return rows, encoding, delimiter, russian, newline


_RU_ROUND_TRIP = (
    *("Наименование", "Город", "Телефоны", "Эл. почта", "Вид", "Категория"),
    *("Контактное лицо", "Номер договора", "ИНН", "Дата рождения"),
)
_EN_ROUND_TRIP = (
    *("name", "city", "phones", "emails", "kind", "category"),
    *("contact_person", "contracts", "inn", "birthday"),
)


@settings(max_examples=60, deadline=None)
@given(files())
def test_valid_rows_round_trip_in_any_encoding_and_delimiter(
    case: tuple[list[dict[str, Any]], str, str, bool, str],
) -> None:
    rows, encoding, delimiter, russian, newline = case
    header = _RU_ROUND_TRIP if russian else _EN_ROUND_TRIP
    separator = {";": ",", ",": ";"}[delimiter]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    for i, row in enumerate(rows):
        day = row["birthday"]
        writer.writerow(
            (
                row["name"],
                row["city"],
                "\n".join(row["phones"]) if i % 2 else f"{separator} ".join(row["phones"]),
                separator.join(row["emails"]),
                row["kind"],
                row["category"],
                row["contact"],
                "\n".join(row["contracts"]),
                row["inn"],
                "" if day is None else day.strftime("%d.%m.%Y") if i % 2 else day.isoformat(),
            )
        )
    result = read(out.getvalue().encode(encoding))
    assert (result.encoding, result.delimiter, result.rejected) == (encoding, delimiter, ())
    lines, line = [], 2
    for i, row in enumerate(rows):  # a record spans one line more per line break in a cell
        lines.append(line)
        line += 1 + (len(row["phones"]) - 1 if i % 2 else 0) + max(len(row["contracts"]) - 1, 0)
    assert [row.line for row in result.accepted] == lines
    for card, row in zip(result.clients, rows, strict=True):
        assert card.name == row["name"]
        assert card.city == row["city"]
        assert card.phones == tuple(Phone.parse(p) for p in row["phones"])
        assert card.emails == tuple(row["emails"])
        assert card.kind is (_KINDS[row["kind"]] or ClientKind.ORGANISATION)
        assert card.category is (_CATEGORIES[row["category"]] or ClientCategory.CLIENT)
        assert card.contact_person == (row["contact"] or "—")
        assert card.contract_numbers == tuple(row["contracts"])
        assert card.inn == (row["inn"] or None)
        assert card.birthday == row["birthday"]
        assert card.created_at == T0
