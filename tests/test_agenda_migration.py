"""Schema 11 on data a schema-10 clientops left: the client's name copied onto its reactions,
satisfaction row and invoices, the invoice's due date and the amount still owed filled in
(the amount computed in Python from each invoice's lines, VAT and payments), and the agenda
read from the new columns, in SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
import psycopg

from clientops import EmployeeId
from clientops.adapters import postgres, sqlite
from clientops.adapters.postgres import PostgresStorage, _split_url
from clientops.adapters.sqlite import SQLiteStorage
from clientops.billing import Invoice, InvoiceStatus
from clientops.model import Client, Money, Reaction
from clientops.ports import Storage
from clientops.serialization import to_json
from clientops.testing import T0, a_client, a_reaction, an_appeal, an_invoice

ANNA = EmployeeId("anna")


Records = tuple[Client, Reaction, Invoice, Invoice]


def _records() -> Records:
    card = a_client(name="ООО «Старое имя»", manager_id=ANNA)
    reaction = a_reaction(an_appeal(card), employee_id=ANNA, due_at=T0)
    issued = an_invoice(card)
    part = an_invoice(card)
    part = attrs.evolve(part, status=InvoiceStatus.PARTLY_PAID, paid=part.total - Money(2500))
    return card, reaction, issued, part


def _fill_version_10(
    records: Records, execute: Callable[[str, tuple[Any, ...]], object], ts: Any
) -> None:
    """The rows a schema-10 clientops wrote for the records (its columns, its documents)."""
    card, reaction, issued, part = records
    appeal = an_appeal(card, id=reaction.appeal_id)
    execute(
        "INSERT INTO clients(id, version, name_key, city_key, manager_id, doc, name) "
        "VALUES (?, 0, 'старое имя', 'омск', ?, ?, ?)",
        (card.id, card.manager_id, to_json(card), card.name),
    )
    execute(
        "INSERT INTO appeals(id, client_id, version, doc) VALUES (?, ?, 0, ?)",
        (appeal.id, card.id, to_json(appeal)),
    )
    execute(
        "INSERT INTO reactions(id, appeal_id, client_id, department_id, employee_id, due_at, "
        "done, version, doc, kind, topic) VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?)",
        (
            reaction.id,
            appeal.id,
            card.id,
            reaction.department_id,
            ANNA,
            ts(reaction.due_at),
            to_json(reaction),
            reaction.kind.value,
            reaction.topic,
        ),
    )
    execute(
        "INSERT INTO satisfaction(client_id, manager_id, assigned_on, last_call) "
        "VALUES (?, ?, ?, NULL)",
        (card.id, ANNA, date(2025, 5, 5)),
    )
    for invoice in (issued, part):
        execute(
            "INSERT INTO invoices(id, number, number_key, client_id, period, status, "
            "issue_date, version, doc, manager_id) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            (
                invoice.id,
                invoice.number,
                invoice.number,
                card.id,
                str(invoice.period),
                invoice.status.value,
                invoice.issue_date,
                to_json(invoice),
                ANNA,
            ),
        )


def _check_version_11(store: Storage, records: Records) -> None:
    card, reaction, issued, part = records
    with store.unit_of_work() as uow:
        (due,) = uow.agenda.due_reactions(ANNA, until=T0 + timedelta(hours=1))
        assert (due.reaction_id, due.client_name) == (reaction.id, "ООО «Старое имя»")
        row = uow.claims.satisfaction_of(card.id)
        assert row is not None
        assert row.client_name == "ООО «Старое имя»"
        owed = uow.agenda.open_invoices_managed_by(ANNA)
        assert [(i.id, i.outstanding, i.due_date, i.client_name) for i in owed] == [
            (issued.id, issued.total, issued.due_date, "ООО «Старое имя»"),
            (part.id, Money(2500), part.due_date, "ООО «Старое имя»"),
        ]
        # and the copies follow the card from now on
        uow.clients.update(attrs.evolve(uow.clients.get(card.id), name="ООО «Новое имя»"))
    with store.unit_of_work() as uow:
        (due,) = uow.agenda.due_reactions(ANNA, until=T0 + timedelta(hours=1))
        assert due.client_name == "ООО «Новое имя»"
        assert {i.client_name for i in uow.agenda.open_invoices_managed_by(ANNA)} == {
            "ООО «Новое имя»"
        }


def test_a_version_10_file_gets_the_agenda_columns(db_path: Path) -> None:
    records = _records()
    with sqlite3.connect(db_path) as raw:
        for migration in sqlite.MIGRATIONS[:10]:
            for statement in migration:
                raw.execute(statement)
        raw.execute("PRAGMA user_version=10")
        _fill_version_10(
            records,
            lambda sql, params: raw.execute(
                sql, tuple(p.isoformat() if isinstance(p, date) else p for p in params)
            ),
            lambda moment: sqlite._utc(moment),
        )
    store = SQLiteStorage(db_path)
    try:
        assert store.schema_version == sqlite.SCHEMA_VERSION >= 11
        _check_version_11(store, records)
    finally:
        store.close()
    with sqlite3.connect(db_path) as raw:
        plan = raw.execute(
            "EXPLAIN QUERY PLAN SELECT id, client_id, client_name, kind, topic, due_at "
            "FROM reactions WHERE employee_id='anna' AND done=0 AND due_at<='x' "
            "ORDER BY due_at, client_name, id"
        ).fetchall()
    assert "COVERING INDEX reactions_open" in plan[0][-1]


def test_a_version_10_schema_gets_the_agenda_columns(postgres_url: str) -> None:
    records = _records()
    conninfo, options = _split_url(postgres_url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{options["schema"]}"')
        conn.execute(f'SET search_path TO "{options["schema"]}"')
        for migration in postgres.MIGRATIONS[:10]:
            for statement in migration:
                conn.execute(statement.encode())
        conn.execute("CREATE TABLE clientops_schema (version integer)")
        conn.execute("INSERT INTO clientops_schema VALUES (10)")
        _fill_version_10(
            records,
            lambda sql, params: conn.execute(sql.replace("?", "%s").encode(), params),
            lambda moment: moment,
        )
    store = PostgresStorage.from_url(postgres_url)
    try:
        assert store.schema_version == postgres.SCHEMA_VERSION >= 11
        _check_version_11(store, records)
    finally:
        store.close()
