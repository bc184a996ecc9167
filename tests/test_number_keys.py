"""Finding what people dictate: one key for contract and invoice numbers, on store and on
search, whoever wrote the number (a space for the dash, a Latin D for «Д», «№» in front), and
the stored keys of an older database recomputed when it is opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests._schema_back import drop_later

from clientops.adapters import _schema
from clientops.adapters._schema import POSTGRESQL, SQLITE, Dialect
from clientops.adapters._sql import dump
from clientops.bank_statements import invoice_number_key
from clientops.clients import ClientQuery, contract_key, organisation_key
from clientops.model import DASHES, SLASHES, SOUND_ALIKES, VISUAL_LOOKALIKES, number_key
from clientops.testing import a_client, an_invoice

# -- the normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "dictated",
    ["Д-2025/117", "д 2025/117", "Д–2025/117", "D-2025/117", "№ Д-2025/117", "Договор № Д-2025/117",
     "d—2025∕117", "Д 2025 / 0117", "No. Д-2025/117"],
)  # fmt: skip
def test_every_way_of_writing_a_contract_number_is_one_key(dictated: str) -> None:
    assert contract_key(dictated) == contract_key("Д-2025/117")


def test_contract_and_invoice_numbers_have_one_key() -> None:
    for number in ("С-077", "c 77", "Д-2025/117", "№ 00238"):
        assert invoice_number_key(number) == contract_key(number) == number_key(number)


@pytest.mark.parametrize(
    ("one", "other"),
    [("12-5", "125"), ("12/5", "12-5"), ("Д-2025/117", "Д-2025/118"), ("1-25", "12-5"),
     ("Д-1", "Б-1"), ("W-1", "Ш-1")],
)  # fmt: skip
def test_numbers_that_differ_keep_their_own_keys(one: str, other: str) -> None:
    assert number_key(one) != number_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [("OOO «POMAШKA»", "ООО «Ромашка»"), ("Ёлка-Плюс", "елка плюс"), ("MLS IT", "МLS IТ")],
)
def test_organisation_names_ignore_yo_and_latin_look_alikes(one: str, other: str) -> None:
    assert organisation_key(one) == organisation_key(other)


# a number as it is printed: a series of letters, then digit groups joined by dashes or slashes
_SERIES = st.text(alphabet="АБВГДЕКМНОРСТУХЯ", max_size=3)
_GROUPS = st.lists(st.integers(min_value=0, max_value=99_999), min_size=1, max_size=4)
_JOINS = st.lists(st.sampled_from("-/"), min_size=3, max_size=3)
# the look-alike where there is one (a Latin N then a space is read as «№», not as «Н»)
_LATIN_FOR = {c: latin for latin, c in (SOUND_ALIKES | VISUAL_LOOKALIKES).items()}


def _printed(series: str, groups: list[int], joins: list[str]) -> str:
    text = str(groups[0])
    for join, group in zip(joins, groups[1:], strict=False):
        text += join + str(group)
    return f"{series}-{text}" if series else text


@st.composite
def _dictated(draw: st.DrawFn, series: str, groups: list[int], joins: list[str]) -> str:
    """The same number as a person writes it down: the case, Latin letters for Cyrillic
    ones, any dash or slash, spaces, «№», a «договор» or «счёт» in front, zeros in front."""
    letters = "".join(
        draw(st.sampled_from([c, c.lower(), *(_LATIN_FOR.get(c.lower(), c) for _ in "x")]))
        for c in series
    )
    sep = st.sampled_from(["", " ", "  ", "\u00a0"])
    digits = []
    for group in groups:
        digits.append("0" * draw(st.integers(0, 2)) + str(group))
    text = digits[0]
    for join, group in zip(joins, digits[1:], strict=False):
        mark = draw(st.sampled_from(DASHES if join == "-" else SLASHES))
        text += draw(sep) + mark + draw(sep) + group
    if letters:
        dash = draw(st.sampled_from(["", *DASHES]))
        text = letters + draw(sep) + dash + draw(sep) + text
    prefix = draw(st.sampled_from(["", "№", "№ ", "N ", "No. ", "# ", "договор ", "Счёт № "]))
    return prefix + text


@given(st.text(max_size=30))
def test_the_key_of_a_key_is_itself(text: str) -> None:
    assert number_key(number_key(text)) == number_key(text)


@given(_SERIES, _GROUPS, _JOINS, st.data())
def test_a_number_as_dictated_has_the_key_of_the_number_as_printed(
    series: str, groups: list[int], joins: list[str], data: st.DataObject
) -> None:
    dictated = data.draw(_dictated(series, groups, joins))
    assert number_key(dictated) == number_key(_printed(series, groups, joins))


@given(_SERIES, _GROUPS, _GROUPS, _JOINS)
def test_numbers_that_differ_in_their_digits_never_share_a_key(
    series: str, groups: list[int], others: list[int], joins: list[str]
) -> None:
    if groups != others:
        assert number_key(_printed(series, groups, joins)) != number_key(
            _printed(series, others, joins)
        )


# -- the stored keys of an older database -----------------------------------------------------
# What schema 12 stored for these (the keys as they were computed before version 13).
_OLD_CONTRACT_KEY = "д-2025/117"
_OLD_INVOICE_KEY = "с-77"
_OLD_NAME_KEY = "ooo pomaшka"  # Latin O, P, K were not folded


def _fill(storage: object) -> tuple[object, object]:
    card = a_client(name="OOO «POMAШKA»", contract_numbers=("Д-2025/117",))
    invoice = an_invoice(card, number="С-077")
    with storage.unit_of_work() as uow:  # type: ignore[attr-defined]
        uow.clients.add(card)
        uow.invoices.add(invoice)
    return card, invoice


def _check_found_as_dictated(storage: object, card: object, invoice: object) -> None:
    with storage.unit_of_work() as uow:  # type: ignore[attr-defined]
        assert uow.clients.find(ClientQuery(contract="D 2025/117")) == (card,)
        assert uow.clients.find(ClientQuery(contract="Д-2025/117")) == (card,)
        assert uow.clients.find(ClientQuery(name="ООО «Ромашка»")) == (card,)
        assert uow.invoices.find("с 77") == invoice
        assert uow.invoices.find("С-077") == invoice


def _drop_later_tables(execute: Any, version: int = 12, dialect: Dialect = SQLITE) -> None:
    drop_later(execute, version, dialect)


_SET_OLD_KEYS = (
    ("UPDATE client_contracts SET contract_key=?", _OLD_CONTRACT_KEY),
    ("UPDATE invoices SET number_key=?", _OLD_INVOICE_KEY),
    ("UPDATE clients SET name_key=?", _OLD_NAME_KEY),
)


#: What takes a head database back to schema 12's tables: dropping the tables added since.
_LATER_TABLES = tuple(dict.fromkeys(f"DROP TABLE {t.name}" for t in _schema.TABLES if t.since > 12))


def test_a_sqlite_file_of_schema_12_gets_the_new_keys(tmp_path: Path) -> None:
    from clientops.adapters.sqlite import SQLiteStorage

    path = tmp_path / "old.db"
    storage = SQLiteStorage(path)
    card, invoice = _fill(storage)
    storage.close()
    from clientops.adapters import _schema

    with sqlite3.connect(path) as db:  # schema 13 changed no table: only the keys differ
        for statement, key in _SET_OLD_KEYS:
            db.execute(statement, (key,))
        _drop_later_tables(db.execute)
        db.execute("PRAGMA user_version=12")
    storage = SQLiteStorage(path)
    try:
        assert storage.schema_version == _schema.HEAD
        _check_found_as_dictated(storage, card, invoice)
    finally:
        storage.close()


def test_a_postgresql_schema_of_version_12_gets_the_new_keys(postgres_url: str) -> None:
    import psycopg

    from clientops.adapters.postgres import PostgresStorage

    server, schema = postgres_url.split("?schema=")
    storage = PostgresStorage(server, schema=schema, min_size=0)
    card, invoice = _fill(storage)
    storage.close()
    with psycopg.connect(server) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        for statement, key in _SET_OLD_KEYS:
            conn.execute(statement.replace("?", "%s"), (key,))
        _drop_later_tables(conn.execute, dialect=POSTGRESQL)
        conn.execute("UPDATE clientops_schema SET version=12")
    storage = PostgresStorage(server, schema=schema, min_size=0)
    try:
        _check_found_as_dictated(storage, card, invoice)
    finally:
        storage.close()


def test_numbers_that_now_share_a_key_stop_the_upgrade_and_keep_the_file(tmp_path: Path) -> None:
    from clientops.adapters.sqlite import SQLiteStorage
    from clientops.errors import DuplicateError

    path = tmp_path / "old.db"
    storage = SQLiteStorage(path)
    first = a_client(contract_numbers=("Д-1",))
    with storage.unit_of_work() as uow:
        uow.clients.add(first)
    storage.close()
    second = a_client(name="АО «Вектор»", contract_numbers=("D-1",))
    with sqlite3.connect(path) as db:  # stored under schema 12, when «D-1» was not «Д-1»
        db.execute("UPDATE client_contracts SET contract_key='д-1'")
        db.execute(
            "INSERT INTO clients(id, version, name_key, city_key, manager_id, doc, name) "
            "VALUES (?, 0, 'вектор', 'омск', NULL, ?, ?)",
            (second.id, dump(second), second.name),
        )
        db.execute("INSERT INTO client_contracts VALUES ('d-1', ?)", (second.id,))
        _drop_later_tables(db.execute)
        db.execute("PRAGMA user_version=12")
    with pytest.raises(DuplicateError) as err:
        SQLiteStorage(path)
    assert (err.value.key, err.value.owner) == ("D-1", first.id)
    with sqlite3.connect(path) as db:  # rolled back: the file is as it was
        assert db.execute("PRAGMA user_version").fetchone()[0] == 12
        assert db.execute("SELECT count(*) FROM client_contracts").fetchone()[0] == 2
