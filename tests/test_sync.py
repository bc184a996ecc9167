"""Living beside a host CRM: cards upserted by the host's ids, listings paged by cursor, the
export of cards that the import reads back. Against memory, SQLite and the real PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from clientops import ClientOps, PluginHost, Policy, hookimpl
from clientops.clients import (
    ClientCategory,
    ExternalCard,
    ExternalId,
    ListFilter,
    SyncStatus,
)
from clientops.errors import DuplicateError, ValidationError
from clientops.events import ClientCreated, ClientUpdated, Event
from clientops.model import Contact, EmployeeId, Phone
from clientops.orders import OrderStage
from clientops.serialization import from_json
from clientops.testing import T0, a_claim, a_client, a_staff, an_invoice, an_order

POLICY = Policy(external_sources=("crm",))


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def ops(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClientOps]:
    if request.param == "memory":
        url = "memory://"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'crm.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    host = PluginHost(entry_points=False).load()
    ops = ClientOps(host.open_storage(url), host=host, policy=POLICY, clock=lambda: T0)
    ops.clients.add_staff(a_staff())
    yield ops
    ops.close()


def _card(n: int, **changes: object) -> ExternalCard:
    fields: dict[str, object] = {
        "external_id": ExternalId("crm", f"c-{n}"),
        "name": f"ООО «Клиент {n}»",
        "city": "Омск",
        "phones": (Phone(f"+7913{n:07d}"),),
        "contacts": (Contact("Иванов Иван", external_id=ExternalId("crm", f"p-{n}")),),
    }
    fields.update(changes)
    return ExternalCard(**fields)  # type: ignore[arg-type]


class _Listener:
    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def clientops_event(self, event: Event) -> None:
        self.events.append(event)


def _heard(ops: ClientOps) -> list[Event]:
    listener = _Listener()
    ops.context.host.register(listener, name="listener")
    return listener.events


# --------------------------------------------------------------------------- upsert


def test_an_upsert_creates_updates_and_then_changes_nothing(ops: ClientOps) -> None:
    heard = _heard(ops)
    created = ops.clients.upsert(_card(1))
    assert created.status is SyncStatus.CREATED
    card = created.card
    assert card.external_id == ExternalId("crm", "c-1")
    assert card.category is POLICY.new_card_category
    assert card.created_at == T0
    # clientops's own fields: a manager set in clientops survives the host's next sync
    mine = ops.clients.update(
        attrs.evolve(card, manager_id=EmployeeId("anna"), category=ClientCategory.DEALER)
    )
    again = ops.clients.upsert(_card(1))
    assert again.status is SyncStatus.UNCHANGED
    assert again.card == mine
    moved = ops.clients.upsert(_card(1, city="Тверь"))
    assert moved.status is SyncStatus.UPDATED
    assert (moved.card.id, moved.card.city, moved.card.manager_id) == (card.id, "Тверь", "anna")
    assert moved.card.category is ClientCategory.DEALER
    assert moved.card.version == mine.version + 1
    assert ops.clients.get(card.id) == moved.card
    assert [type(e) for e in heard] == [ClientCreated, ClientUpdated, ClientUpdated]


def test_a_bulk_upsert_of_thousands_reports_once_and_is_idempotent(ops: ClientOps) -> None:
    cards = [_card(n) for n in range(2_500)]
    first = ops.clients.upsert_many(iter(cards))
    assert (len(first.created), len(first.updated), len(first.unchanged)) == (2_500, 0, 0)
    assert "создано: 2500" in first.summary()
    second = ops.clients.upsert_many(cards)
    assert second.unchanged == first.created
    assert (second.created, second.updated) == ((), ())
    cards[7] = _card(7, name="ООО «Новое имя»")
    third = ops.clients.upsert_many(cards)
    assert third.updated == (first.created[7],)
    assert len(third.unchanged) == 2_499
    assert ops.clients.get(first.created[7]).name == "ООО «Новое имя»"
    assert ops.clients.list(limit=1).items[0].id == first.created[0]


def test_an_undeclared_source_is_refused_and_nothing_is_stored(ops: ClientOps) -> None:
    batch = [_card(1), _card(2, external_id=ExternalId("1c", "2"))]
    with pytest.raises(ValidationError) as refused:
        ops.clients.upsert_many(batch)
    assert refused.value.errors[0].path == "cards[1].external_id.source"
    assert "'1c'" in str(refused.value)
    with pytest.raises(ValidationError):
        ops.clients.upsert(_card(3, external_id=ExternalId("erp", "3")))
    assert ops.clients.list().items == ()


def test_an_external_id_twice_in_a_batch_is_named_and_nothing_is_stored(ops: ClientOps) -> None:
    batch = [_card(1), _card(2), _card(3, external_id=ExternalId("crm", "c-1"))]
    with pytest.raises(DuplicateError) as twice:
        ops.clients.upsert_many(batch)
    assert (twice.value.kind, twice.value.key) == ("external id", "crm:c-1")
    assert "cards[0]" in str(twice.value)
    assert ops.clients.list().items == ()


def test_a_bad_card_in_a_batch_is_named_and_nothing_is_stored(ops: ClientOps) -> None:
    batch = [_card(1), _card(2, inn="123")]
    with pytest.raises(ValidationError) as bad:
        ops.clients.upsert_many(batch)
    assert bad.value.errors[0].path == "cards[1].inn"
    held = a_client(contract_numbers=("Д-1",))
    ops.clients.add(held)
    with pytest.raises(DuplicateError):
        ops.clients.upsert_many([_card(3), _card(4, contract_numbers=("д 1",))])
    assert [c.id for c in ops.clients.list().items] == [held.id]


# --------------------------------------------------------------------------- listings


def test_cards_are_paged_by_cursor_with_filters(ops: ClientOps) -> None:
    anna = EmployeeId("anna")
    cards = [
        a_client(city=("Омск", "Тверь")[n % 2], manager_id=anna if n % 3 == 0 else None)
        for n in range(7)
    ]
    for card in cards:
        ops.clients.add(card)
    seen = []
    page = ops.clients.list(limit=3)
    while True:
        seen.extend(page.items)
        if page.next_cursor is None:
            break
        ops.clients.add(late := a_client())  # added while paging: listed once, at the end
        cards.append(late)
        page = ops.clients.list(cursor=page.next_cursor, limit=3)
    assert [c.id for c in seen] == [c.id for c in cards]
    assert ops.clients.list(city="тверь").items == tuple(cards[1:7:2])
    assert ops.clients.list(manager_id=anna).items == (cards[0], cards[3], cards[6])


def test_a_cursor_of_another_listing_or_garbage_is_refused(ops: ClientOps) -> None:
    for _ in range(3):
        ops.clients.add(a_client(city="Омск"))
    cursor = ops.clients.list(city="Омск", limit=1).next_cursor
    assert cursor is not None
    assert len(ops.clients.list(city="Омск", cursor=cursor).items) == 2
    for wrong in (
        lambda: ops.clients.list(city="Тверь", cursor=cursor),
        lambda: ops.orders.list(cursor=cursor),
        lambda: ops.clients.list(cursor="not-a-cursor!"),
        lambda: ops.clients.list(limit=0),
    ):
        with pytest.raises(ValidationError) as refused:
            wrong()
        assert refused.value.errors[0].path in ("cursor", "limit")


def test_find_without_anything_to_find_by_points_to_the_listing(ops: ClientOps) -> None:
    with pytest.raises(ValidationError, match=r"ops\.clients\.list"):
        ops.clients.find()
    with pytest.raises(ValidationError, match="query"):
        ops.clients.find(city="Омск")


def test_orders_invoices_claims_and_reactions_are_listed(ops: ClientOps) -> None:
    one, two = a_client(manager_id=EmployeeId("anna")), a_client()
    ops.clients.add(one)
    ops.clients.add(two)
    orders = [an_order(c) for c in (one, two, one)]
    with ops.storage.unit_of_work() as uow:
        for order in orders:
            uow.orders.add(order)
        uow.invoices.add(invoice := an_invoice(one))
        uow.invoices.add(an_invoice(two))
        uow.claims.add(claim := a_claim(two))
    assert ops.orders.list(client_id=one.id).items == (orders[0], orders[2])
    assert ops.orders.list(stage=OrderStage.CLOSED).items == ()
    page = ops.orders.list(limit=2)
    assert page.next_cursor is not None
    assert ops.orders.list(cursor=page.next_cursor, limit=2).items == (orders[2],)
    assert ops.billing.list_invoices(ListFilter(manager_id=EmployeeId("anna"))).items == (invoice,)
    assert ops.claims.list(client_id=two.id).items == (claim,)
    assert ops.clients.list_appeals().items == ()
    assert ops.clients.list_reactions(status="open").items == ()
    with pytest.raises(ValidationError) as wrong:
        ops.clients.list_reactions(status="finished")
    assert wrong.value.errors[0].path == "status"
    with pytest.raises(ValidationError) as wrong:
        ops.billing.list_invoices(ListFilter(city="Омск"))
    assert wrong.value.errors[0].path == "city"


# --------------------------------------------------------------------------- export


def test_an_export_imports_back_to_the_same_cards(ops: ClientOps, tmp_path: Path) -> None:
    cards = [
        a_client(
            name="ООО «Ромашка; и партнёры»",
            emails=("info@romashka.ru", "buh@romashka.ru"),
            contacts=(Contact("Петров Пётр", phones=(Phone("+79130000001"),)),),
            manager_id=EmployeeId("anna"),
            contract_numbers=("Д-2025/1", "Д-2025/2"),
            inn="7707083893",
            category=ClientCategory.DEALER,
        ),
        a_client(name="Сидорова Анна", city="Тверь", phones=(Phone("+74951234567"),)),
    ]
    for card in cards:
        ops.clients.add(card)
    path = tmp_path / "cards.csv"
    assert ops.clients.export(path) == 2
    fresh = ClientOps(
        PluginHost(entry_points=False).load().open_storage("memory://"),
        host=PluginHost(entry_points=False),
        clock=lambda: T0,
    )
    fresh.clients.add_staff(a_staff())
    report = fresh.clients.import_csv(path)
    assert report.rejected == ()
    imported = [row.client for row in report.stored]

    def carried(card: object) -> object:
        return attrs.evolve(card, id="x", created_at=None)  # type: ignore[misc]

    assert [carried(c) for c in imported] == [carried(c) for c in cards]
    fresh.close()


def test_cards_are_exported_as_json_lines(ops: ClientOps) -> None:
    cards = [a_client(city=city) for city in ("Омск", "Тверь", "Омск")]
    for card in cards:
        ops.clients.add(card)
    out = io.StringIO()
    assert ops.clients.export(out, format="jsonl", city="Омск") == 2
    lines = out.getvalue().splitlines()
    assert [from_json(line, type(cards[0])) for line in lines] == [cards[0], cards[2]]
    assert json.loads(lines[0])["city"] == "Омск"
    with pytest.raises(ValidationError):
        ops.clients.export(out, format="xlsx")


# --------------------------------------------------------------------------- the command


def test_the_command_exports_what_clients_import_reads_back(tmp_path: Path) -> None:
    from click.testing import CliRunner

    import clientops
    from clientops.cli import EXIT_BAD_INPUT, EXIT_OK, cli

    store = f"sqlite:///{tmp_path / 'ops.db'}"
    with clientops.connect(store) as ops:
        ops.clients.add_staff(a_staff())
        for city in ("Омск", "Тверь", "Омск"):
            ops.clients.add(a_client(city=city, manager_id=EmployeeId("anna")))
    runner = CliRunner(env={"CLIENTOPS_STORE": None, "CLIENTOPS_LANG": None})
    out = tmp_path / "omsk.csv"
    done = runner.invoke(
        cli, ["--store", store, "--json", "clients", "export", str(out), "--city", "омск"]
    )
    assert done.exit_code == EXIT_OK, done.output
    assert json.loads(done.stdout) == {"exported": 2, "file": str(out), "format": "csv"}
    lines = runner.invoke(cli, ["--store", store, "clients", "export", "--format", "jsonl"])
    assert lines.exit_code == EXIT_OK, lines.output
    assert len(lines.stdout.splitlines()) == 3
    other = f"sqlite:///{tmp_path / 'other.db'}"
    with clientops.connect(other) as ops:
        ops.clients.add_staff(a_staff())
    loaded = runner.invoke(cli, ["--store", other, "--json", "clients", "import", str(out)])
    assert loaded.exit_code == EXIT_OK, loaded.output
    assert json.loads(loaded.stdout)["stored"] == 2
    bad = runner.invoke(cli, ["--store", store, "clients", "export", "--changed-since", "вчера"])
    assert bad.exit_code == EXIT_BAD_INPUT


def test_the_fast_check_of_a_russian_phone_agrees_with_phonenumbers() -> None:
    import random

    import phonenumbers

    from clientops.model import _valid_e164

    rng = random.Random(18)
    numbers = [f"+7{rng.randrange(10**10):010d}" for _ in range(3_000)]
    numbers += ["+79123456789", "+77012345678", "+70000000000", "+7912345678", "+441632960961"]
    for e164 in numbers:
        _valid_e164.cache_clear()
        try:
            expected = phonenumbers.is_valid_number(phonenumbers.parse(e164, None))
        except phonenumbers.NumberParseException:
            expected = False
        assert _valid_e164(e164) is expected, e164
