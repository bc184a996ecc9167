"""User-supplied files: every reader takes exactly bytes or a path (an int is never taken for a
file descriptor, so a store's own file cannot be closed under it), and statements, CSV imports
and templates have documented size limits, checked while reading, refused naming the limit."""

from __future__ import annotations

import io
import os
import sqlite3
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clientops import ClientOps, PluginHost, ValidationError
from clientops.adapters.offline_courier import load_cities, load_zones
from clientops.adapters.sqlite import SQLiteStorage
from clientops.bank_statements import StatementLimits, read_bank_statement
from clientops.documents import TemplateLimits, builtin_docx, load_template
from clientops.errors import TemplateError
from clientops.imports import ImportLimits, read_clients_csv
from clientops.testing import T0, a_client, a_staff

OWN = "40702810900000000001"
HEADER = (
    "1CClientBankExchange\r\nВерсияФормата=1.03\r\nКодировка=Windows\r\n"
    f"ДатаНачала=01.07.2025\r\nДатаКонца=31.07.2025\r\nРасчСчет={OWN}\r\n"
)
DOCUMENT = (
    "СекцияДокумент=Платежное поручение\r\nНомер={n}\r\nДата=16.07.2025\r\nСумма={n}.00\r\n"
    "ПлательщикСчет=40702810500000000002\r\nПлательщикИНН=5501123450\r\n"
    'Плательщик1=ООО "Ромашка"\r\nПлательщикБанк1=ПАО СБЕРБАНК\r\nПлательщикБИК=045209673\r\n'
    f"ПолучательСчет={OWN}\r\nДатаПоступило=17.07.2025\r\nПолучательИНН=7728012340\r\n"
    'Получатель1=ООО "Клиентский сервис"\r\n'
    "НазначениеПлатежа=Оплата по счету № {n} от 15.07.2025 за обслуживание\r\nКонецДокумента\r\n"
)


def statement(documents: int) -> bytes:
    body = "".join(DOCUMENT.format(n=n) for n in range(1, documents + 1))
    return (HEADER + body + "КонецФайла\r\n").encode("cp1251")


CSV = "Наименование;Город;Телефон\nООО Лес;Омск;8 912 345 67 81\nООО Луг;Тара;8 912 345 67 82\n"


# --------------------------------------------------------------------------- source types


@pytest.fixture
def ops(tmp_path: Path) -> Iterator[ClientOps]:
    storage = SQLiteStorage(tmp_path / "store.db")
    with ClientOps(storage, host=PluginHost(entry_points=False), clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        yield ops


def store_descriptor(path: Path) -> int:
    """The number of a descriptor this process holds open on ``path`` (the store's file)."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd")
    for entry in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{entry}") == str(path):
                return int(entry)
        except OSError:
            continue
    raise AssertionError(f"{path} is not open")


READERS: dict[str, tuple[str, Callable[[ClientOps, Any], object]]] = {
    "read_clients_csv": ("source", lambda ops, s: read_clients_csv(s, now=T0)),
    "import_clients": ("source", lambda ops, s: ops.clients.import_csv(s)),
    "read_bank_statement": ("source", lambda ops, s: read_bank_statement(s)),
    "import_bank_statement": ("source", lambda ops, s: ops.billing.import_bank_statement(s)),
    "load_template": ("source", lambda ops, s: load_template(s, "completed_works_act")),
    "load_cities": ("path", lambda ops, s: load_cities(s)),
    "load_zones": ("path", lambda ops, s: load_zones(s)),
}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_the_store_s_own_descriptor_is_refused_and_the_store_keeps_working(
    reader: str, ops: ClientOps, tmp_path: Path
) -> None:
    name, call = READERS[reader]
    db = tmp_path / "store.db"
    before = ops.clients.add(a_client(name="ООО До"))
    fd = store_descriptor(db)
    with pytest.raises(ValidationError) as caught:
        call(ops, fd)
    assert caught.value.paths == (name,)
    assert "int" in str(caught.value)
    os.fstat(fd)  # still open: nothing closed it
    # the next file opened would take a closed descriptor's number; the store must not care
    other = tmp_path / "unrelated.txt"
    with other.open("w") as file:
        file.write("unrelated")
        after = ops.clients.add(a_client(name="ООО После"))
    assert other.read_text() == "unrelated"
    with sqlite3.connect(db) as check:
        names = {row[0] for row in check.execute("select name from sqlite_master")}
    assert names, "the database file has lost its tables"
    assert ops.clients.get(before.id).name == "ООО До"
    assert ops.clients.get(after.id).name == "ООО После"


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("source", [3.0, None, ["a.csv"], io.BytesIO(b"x"), "bad\0path"], ids=repr)
def test_a_source_of_another_type_is_refused_naming_it(
    reader: str, source: object, ops: ClientOps
) -> None:
    name, call = READERS[reader]
    if reader in ("load_cities", "load_zones") and source is None:
        pytest.skip("None is the shipped table")
    if reader == "load_template" and isinstance(source, io.BytesIO):
        pytest.skip("a template may be a binary file object")
    with pytest.raises(ValidationError) as caught:
        call(ops, source)
    assert caught.value.paths == (name,)


def test_the_courier_tables_take_a_path_not_bytes() -> None:
    with pytest.raises(ValidationError) as caught:
        load_cities(b"city,region,latitude,longitude\n")
    assert caught.value.paths == ("path",)


def test_a_template_still_reads_from_a_binary_file_object() -> None:
    data = builtin_docx("completed_works_act")
    template = load_template(io.BytesIO(data), "completed_works_act")
    assert template.placeholders


# --------------------------------------------------------------------------- statements


def test_a_statement_over_a_limit_is_refused_naming_it(tmp_path: Path) -> None:
    data = statement(3)
    path = tmp_path / "statement.txt"
    path.write_bytes(data)
    for source in (data, path):
        with pytest.raises(ValidationError) as caught:
            read_bank_statement(source, limits=StatementLimits(max_bytes=len(data) - 1))
        assert caught.value.paths == ("max_bytes",)
        assert read_bank_statement(source, limits=StatementLimits(max_bytes=len(data)))
    with pytest.raises(ValidationError) as caught:
        read_bank_statement(data, limits=StatementLimits(max_documents=2))
    lines = data.decode("cp1251").split("\r\n")
    opened = [i + 1 for i, line in enumerate(lines) if line.startswith("СекцияДокумент")]
    (error,) = caught.value.errors
    assert error.path == f"line {opened[2]}: СекцияДокумент"
    assert "max_documents" in error.message


def test_a_line_over_the_limit_names_its_line() -> None:
    text = statement(1).decode("cp1251").replace("за обслуживание", "x" * 5000)
    line = text.split("\r\n").index(next(s for s in text.split("\r\n") if "xxx" in s)) + 1
    with pytest.raises(ValidationError) as caught:
        read_bank_statement(text.encode("cp1251"), limits=StatementLimits(max_line_bytes=4096))
    assert [e.path for e in caught.value.errors] == [f"line {line}"]
    assert "max_line_bytes" in caught.value.errors[0].message


def test_a_file_of_garbage_stops_at_max_problems() -> None:
    data = ("1CClientBankExchange\n" + "мусор\n" * 50_000).encode("cp1251")
    with pytest.raises(ValidationError) as caught:
        read_bank_statement(data, limits=StatementLimits(max_problems=100))
    assert len(caught.value.errors) == 101
    assert caught.value.errors[-1].path == "max_problems"


def test_reading_a_large_statement_needs_a_small_multiple_of_its_size() -> None:
    data = statement(2500)  # about 1.5 MiB
    tracemalloc.start()
    try:
        result = read_bank_statement(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(result.payments) == 2500
    assert peak < 6 * len(data), f"peak {peak} for a file of {len(data)} bytes"


# --------------------------------------------------------------------------- CSV imports


def test_an_unquoted_cell_over_the_field_limit_is_a_long_cell_on_its_line() -> None:
    data = (CSV + "ООО Поле;" + "Омск" * 40_000 + ";8 912 345 67 83\n").encode()
    with pytest.raises(ValidationError) as caught:
        read_clients_csv(data, now=T0)
    (error,) = caught.value.errors
    assert error.path == "line 4"
    assert "длиннее 131072 символов" in error.message
    assert "кавычка" not in error.message


def test_csv_limits_name_the_line_and_the_limit(ops: ClientOps) -> None:
    data = CSV.encode()
    cases = {
        ImportLimits(max_bytes=len(data) - 1): ("max_bytes", "max_bytes"),
        ImportLimits(max_rows=1): ("line 3", "max_rows"),
        ImportLimits(max_line_chars=27): ("line 2", "max_line_chars"),
        ImportLimits(max_cell_chars=13): ("line 2", "max_cell_chars"),
    }
    for limits, (path, limit) in cases.items():
        with pytest.raises(ValidationError) as caught:
            ops.clients.import_csv(data, limits=limits)
        (error,) = caught.value.errors
        assert (error.path, limit in error.message or limit == error.path) == (path, True)
    assert ops.clients.find(name="ООО") == ()  # nothing stored
    assert len(ops.clients.import_csv(data).stored) == 2


# --------------------------------------------------------------------------- templates


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """The built-in act with one more part that inflates from ~65 KiB to 65 MiB of zeros."""
    out = io.BytesIO()
    act = io.BytesIO(builtin_docx("completed_works_act"))
    with zipfile.ZipFile(act) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        with target.open("word/media/bomb.bin", "w") as part:
            zeros = bytes(1 << 20)
            for _ in range(65):
                part.write(zeros)
    return out.getvalue()


def test_a_zip_bomb_template_is_refused_naming_the_part(bomb: bytes) -> None:
    assert len(bomb) < 1 << 20
    with pytest.raises(TemplateError) as caught:
        load_template(bomb, "completed_works_act")
    assert caught.value.paths == ("word/media/bomb.bin",)
    assert "max_part_bytes" in caught.value.errors[0].message


def test_a_zip_bomb_is_refused_without_inflating_it(bomb: bytes) -> None:
    limits = TemplateLimits(max_part_bytes=4 << 20, max_total_bytes=8 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(TemplateError) as caught:
            load_template(bomb, "completed_works_act", limits=limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.paths == ("word/media/bomb.bin",)
    assert peak < 16 << 20, f"peak {peak}"


def test_template_limits_on_the_file_the_parts_and_their_total(tmp_path: Path) -> None:
    data = builtin_docx("completed_works_act")
    path = tmp_path / "act.docx"
    path.write_bytes(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        count = len(archive.infolist())
        total = sum(info.file_size for info in archive.infolist())
    cases = {
        TemplateLimits(max_bytes=len(data) - 1): "max_bytes",
        TemplateLimits(max_parts=count - 1): "max_parts",
        TemplateLimits(max_total_bytes=total - 1): "max_total_bytes",
    }
    for limits, limit in cases.items():
        for source in (data, path):
            with pytest.raises(TemplateError) as caught:
                load_template(source, "completed_works_act", limits=limits)
            assert limit in str(caught.value)
    exact = TemplateLimits(max_bytes=len(data), max_parts=count, max_total_bytes=total)
    assert load_template(path, "completed_works_act", limits=exact).placeholders


def test_a_limit_must_be_a_positive_int() -> None:
    for make in (StatementLimits, ImportLimits, TemplateLimits):
        for bad in (0, -1, True, 1.5):
            with pytest.raises(ValidationError):
                make(max_bytes=bad)
