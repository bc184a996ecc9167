"""A campaign's script says each person's case (``{contact:gen}``, ``{caller:nom}``) like every
other template; a bare ``{contact}`` is refused when the script is built, and the scripts
stored before schema 25 are rewritten by the migration to the nominative they always printed,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest
from tests._schema_back import drop_later

import clientops
from clientops.adapters import _schema
from clientops.adapters._schema import POSTGRESQL
from clientops.campaigns import (
    CallScript,
    Campaign,
    CampaignId,
    CampaignPurpose,
    ScriptPoint,
    upgrade_script_text,
)
from clientops.errors import ValidationError
from clientops.model import Contact
from clientops.russian import PersonName
from clientops.testing import T0, a_client, a_staff

NEW = CallScript(
    (
        ScriptPoint("hello", "Здравствуйте, {contact:nom}! {company}, {caller:nom}."),
        ScriptPoint("ask", "Могу я поговорить с {contact:ins}? Вам звонит {caller:nom}."),
    )
)
#: what a script said before schema 25, as it is in a stored campaign's JSON
OLD_TEXTS = ("Здравствуйте, {contact}! {company}, {caller}.", "До свидания, {{скобки}}!")


@pytest.mark.parametrize("person", ["contact", "caller"])
def test_a_persons_placeholder_without_its_case_is_refused_naming_it(person: str) -> None:
    with pytest.raises(ValidationError) as err:
        ScriptPoint("hello", f"Здравствуйте, {{{person}}}!")
    [problem] = err.value.errors
    assert problem.path == "text"
    assert f"{{{person}}} is a person: say the case ({{{person}:nom}}" in problem.message
    with pytest.raises(ValidationError, match="case"):
        ScriptPoint("hello", f"Здравствуйте, {{{person}:dative}}!")


def test_organisations_and_the_city_take_no_case() -> None:
    with pytest.raises(ValidationError, match="client"):
        ScriptPoint("hello", "Звоню в {client:gen}")
    ScriptPoint("hello", "Звоню в {client} из города {city}, {company}")


def test_the_script_declines_the_contact_and_the_caller() -> None:
    said = NEW.render(
        company="MLS IT",
        caller="Ольга",
        client="ООО «Ромашка»",
        contact="Кузнецова Мария Павловна",
        city="Омск",
    )
    assert said == (
        "Здравствуйте, Кузнецова Мария Павловна! MLS IT, Ольга.",
        "Могу я поговорить с Кузнецовой Марией Павловной? Вам звонит Ольга.",
    )


def test_an_old_script_is_rewritten_to_the_nominative_it_printed() -> None:
    assert [upgrade_script_text(t) for t in OLD_TEXTS] == [
        "Здравствуйте, {contact:nom}! {company}, {caller:nom}.",
        "До свидания, {{скобки}}!",
    ]
    old = "Здравствуйте, {contact}! {company}, {caller}."
    values: dict[str, Any] = {
        "company": "MLS IT",
        "caller": "Ольга",
        "client": "ООО",
        "contact": "Иван",
        "city": "Омск",
    }
    point = ScriptPoint("hello", upgrade_script_text(old))
    assert CallScript((point,)).render(**values) == (old.format(**values),)
    assert upgrade_script_text("{contact:gen} {caller!r}") == "{contact:gen} {caller!r}"


def test_the_next_call_declines_the_cards_contact_in_the_script() -> None:
    ops = clientops.connect("memory://", clock=lambda: T0)
    ops.clients.add_staff(a_staff())
    contact = Contact(name="Кузнецова Мария Павловна", decision_maker=True)
    card = ops.clients.add(a_client(name="ООО «Ромашка»", city="Москва", contacts=(contact,)))
    ops.campaigns.create(_a_campaign(), by="anna")
    ops.campaigns.add_targets(CampaignId("c1"), [card.id], by="anna")
    call = ops.campaigns.next_client(CampaignId("c1"), caller="anna")
    assert call is not None
    assert call.script[1] == "Могу я поговорить с Кузнецовой Марией Павловной? Вам звонит Анна."


@pytest.mark.parametrize(
    "texts",
    [
        ("{{скобки}} {company}: {caller:gen}, {contact:dat}, {contact:nom}, {city}, {client}",),
        ("{client:>30}|{city:.3}|{company:^12}", "{caller:ins} и {contact:ins}", "без полей"),
        ("{caller!r} {contact:gen}", "{company!s}"),
    ],
)
def test_the_next_calls_script_is_what_render_says_for_every_card_and_caller(
    texts: tuple[str, ...],
) -> None:
    """next_client fills in what is the same for every card once per caller: its scripts
    are still what :meth:`CallScript.render` says, braces and specs and cases and all."""
    script = CallScript(tuple(ScriptPoint(f"p{i}", t) for i, t in enumerate(texts)))
    policy = clientops.Policy(company_name="ООО «{Фигурные}» скобки")
    ops = clientops.connect("memory://", clock=lambda: T0, policy=policy)
    ops.clients.add_staff(a_staff())
    contacts = [(Contact(name="Кузнецова Мария Павловна"),), (Contact(name="Петров Иван"),), ()]
    cards = [
        ops.clients.add(a_client(name=f"ООО «Клиент {{{i}}}»", city="Омск", contacts=c))
        for i, c in enumerate(contacts)
    ]
    ops.campaigns.create(
        attrs.evolve(_a_campaign(), script=script, assignees=("anna", "petrov")), by="anna"
    )
    ops.campaigns.add_targets(CampaignId("c1"), [c.id for c in cards], by="anna")
    staff = {e.id: e for e in a_staff().employees}
    for caller in ("anna", "petrov", "anna"):
        call = ops.campaigns.next_client(CampaignId("c1"), caller=caller)
        assert call is not None
        card = ops.clients.get(call.target.client_id)
        expected = script.render(
            company=policy.company_name,
            caller=PersonName(staff[caller].first_name, staff[caller].gender),
            client=card.name,
            contact=card.contacts[0].name if card.contacts else "",
            city=card.city,
        )
        assert call.script == expected


def _a_campaign() -> Campaign:
    return Campaign(
        id=CampaignId("c1"),
        name="Весна",
        purpose=CampaignPurpose.COLD_CALLS,
        script=NEW,
        assignees=("anna",),
        start=date(2025, 6, 1),
        end=date(2025, 6, 30),
    )


# ------------------------------------------------------------------------- the migration


def _old_doc(doc: str) -> str:
    """The stored JSON of a campaign as a version before 25 wrote it: bare placeholders."""
    raw = json.loads(doc)
    raw["script"]["points"] = [{"id": f"p{i}", "text": t} for i, t in enumerate(OLD_TEXTS)]
    return json.dumps(raw, ensure_ascii=False)


def _check_migrated(ops: clientops.ClientOps) -> None:
    campaign = ops.campaigns.get(CampaignId("c1"))
    assert [p.text for p in campaign.script.points] == [
        "Здравствуйте, {contact:nom}! {company}, {caller:nom}.",
        "До свидания, {{скобки}}!",
    ]


def test_a_sqlite_file_of_schema_24_gets_its_scripts_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with clientops.connect(f"sqlite:///{path}", clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        ops.campaigns.create(_a_campaign(), by="anna")
    with sqlite3.connect(path) as db:
        [(doc,)] = db.execute("SELECT doc FROM campaigns").fetchall()
        db.execute("UPDATE campaigns SET doc=?", (_old_doc(doc),))
        drop_later(db.execute, 24)
        db.execute("PRAGMA user_version=24")
    with clientops.connect(f"sqlite:///{path}", clock=lambda: T0) as ops:
        assert ops.storage.schema_version == _schema.HEAD  # type: ignore[attr-defined]
        _check_migrated(ops)


def test_a_postgresql_schema_of_version_24_gets_its_scripts_rewritten(postgres_url: str) -> None:
    import psycopg

    with clientops.connect(postgres_url, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        ops.campaigns.create(_a_campaign(), by="anna")
    server, schema = postgres_url.split("?schema=")
    with psycopg.connect(server) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        [(doc,)] = conn.execute("SELECT doc FROM campaigns").fetchall()
        conn.execute("UPDATE campaigns SET doc=%s", (_old_doc(doc),))
        drop_later(conn.execute, 24, POSTGRESQL)
        conn.execute("UPDATE clientops_schema SET version=24")
    with clientops.connect(postgres_url, clock=lambda: T0) as ops:
        _check_migrated(ops)


def test_a_stored_script_that_cannot_be_read_stops_the_upgrade_and_keeps_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with clientops.connect(f"sqlite:///{path}", clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        ops.campaigns.create(_a_campaign(), by="anna")
    with sqlite3.connect(path) as db:
        [(doc,)] = db.execute("SELECT doc FROM campaigns").fetchall()
        raw = json.loads(_old_doc(doc))
        raw["script"]["points"][1]["text"] = "{manager} {contact}"  # never a placeholder
        db.execute("UPDATE campaigns SET doc=?", (json.dumps(raw, ensure_ascii=False),))
        drop_later(db.execute, 24)
        db.execute("PRAGMA user_version=24")
    with pytest.raises(ValidationError, match="manager"):
        clientops.connect(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:  # rolled back: the file is as it was
        assert db.execute("PRAGMA user_version").fetchone()[0] == 24
        [(doc,)] = db.execute("SELECT doc FROM campaigns").fetchall()
        assert "{contact}" in doc
