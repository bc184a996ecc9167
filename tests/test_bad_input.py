"""Bad input gets one typed error, names what is wrong, and changes nothing (issue 16, item 10).

Every public entry point of ClientOps, and the public readers and constructors, is called with
malformed arguments against every store (memory, a SQLite file, PostgreSQL). Each call must
raise a clientops error naming the field or line, and leave the store's full dump as it was.
"""

from __future__ import annotations

import inspect
import itertools
import os
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientops import (
    ClientOps,
    ClientopsError,
    InvalidPhoneError,
    Money,
    Phone,
    PluginHost,
    StorageError,
    ValidationError,
)
from clientops._checks import ID_LENGTH, NAME_LENGTH, TOPIC_LENGTH, _checks_of
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.postgres import PostgresStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.billing import Month, read_bank_statement
from clientops.clients import read_clients_csv
from clientops.model import Client, ClientQuery
from clientops.rules.calls import CallIntent, IncomingCall
from clientops.serialization import from_json
from clientops.testing import T0, a_client, a_staff

STATEMENT = Path(__file__).resolve().parent / "data" / "statements" / "one_day_utf8_bom.txt"


@attrs.define
class World:
    """One store with a staff and a card in it, and how to dump everything it holds."""

    ops: ClientOps
    card: Client
    dump: Callable[[], str]


def _memory_dump(storage: MemoryStorage) -> Callable[[], str]:
    return lambda: repr(storage._committed)


def _sqlite_dump(path: Path) -> Callable[[], str]:
    def dump() -> str:
        with sqlite3.connect(path) as db:
            return "\n".join(db.iterdump())

    return dump


def _postgres_dump(server: str, schema: str) -> Callable[[], str]:
    import psycopg

    def dump() -> str:
        with psycopg.connect(server) as conn:
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema=%s "
                    "ORDER BY table_name",
                    (schema,),
                )
            ]
            assert tables
            out = []
            for table in tables:
                rows = conn.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
                out.append(f"{table}: {sorted(map(repr, rows))}")
            return "\n".join(out)

    return dump


def _open(kind: str, tmp: Path, request: pytest.FixtureRequest) -> tuple[Any, Callable[[], str]]:
    if kind == "memory":
        storage = MemoryStorage()
        return storage, _memory_dump(storage)
    if kind == "sqlite":
        path = tmp / "bad-input.db"
        return SQLiteStorage(path), _sqlite_dump(path)
    server = request.getfixturevalue("postgres_server")
    # named like the conftest's schemas, so that the session drops it at the end
    schema = f"clientops_t{os.getpid()}_bad_input_{next(_schemas)}"
    return PostgresStorage.from_url(f"{server}?schema={schema}"), _postgres_dump(server, schema)


STORES = ["memory", "sqlite", "postgresql"]
_schemas = itertools.count()


@pytest.fixture(scope="module", params=STORES)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    storage, dump = _open(request.param, tmp_path_factory.mktemp("bad"), request)
    ops = ClientOps(storage, host=PluginHost(entry_points=False), clock=lambda: T0)
    ops.clients.add_staff(a_staff())
    card = ops.clients.add(a_client(name="ООО «Ромашка»", city="Омск", contract_numbers=("12/25",)))
    yield World(ops, card, dump)
    ops.close()


def refused(world: World, call: Callable[[], object]) -> ClientopsError:
    """Run ``call``: it must raise a clientops error and leave the store as it was."""
    before = world.dump()
    with pytest.raises(ClientopsError) as caught:
        call()
    assert world.dump() == before
    return caught.value


def named(err: ClientopsError, *paths: str) -> None:
    """The error names one of ``paths`` (a field, a parameter, a line)."""
    assert isinstance(err, ValidationError), repr(err)
    found = err.paths
    assert any(p in found_path for p in paths for found_path in found), (found, str(err))


# --------------------------------------------------------------------------- every entry point


class _Wrong:
    """A value of no type any entry point accepts."""

    def __repr__(self) -> str:
        return "<wrong>"


def _services() -> dict[str, type]:
    """The area services of ClientOps (``clients``, ``billing``…) by attribute name."""
    ops = ClientOps(MemoryStorage(), host=PluginHost(entry_points=False), clock=lambda: T0)
    try:
        return {
            name: type(value)
            for name, value in vars(ops).items()
            if not name.startswith("_")
            and type(value).__module__.startswith("clientops.")
            and name != "context"
        }
    finally:
        ops.close()


_SERVICES = _services()


def _entry_points() -> list[str]:
    return sorted(
        f"{area}.{name}"
        for area, service in _SERVICES.items()
        for name, member in inspect.getmembers(service, inspect.isfunction)
        if not name.startswith("_")
    )


def _function(name: str) -> Any:
    """The function of an entry point named ``area.method``."""
    area, method = name.split(".")
    return getattr(_SERVICES[area], method)


def _bound(ops: ClientOps, name: str) -> Any:
    area, method = name.split(".")
    return getattr(getattr(ops, area), method)


#: Entry points with no parameter a wrong type could be passed in: nothing to check.
_NOTHING_TO_PASS = {
    "agenda.for_everyone",
    "clients.staff",
    "billing.unmatched_payments",
    "billing.reminders",
    "billing.debtors",
    "billing.payment_plan",
    "service.check_visit_sla",
}


#: Parameters typed ``object`` whose callee names what it looked at instead.
_ALSO_NAMED = {"documents.render": ("kind",)}


def _wrong_call(name: str) -> tuple[dict[str, Any], tuple[str, ...]] | None:
    """Keyword arguments with a wrong value for every required checked parameter (or, with
    none required, for the first checked one), and the names of the wrong ones."""
    function = _function(name)
    checks = _checks_of(inspect.unwrap(function))
    parameters = [
        p
        for p in inspect.signature(function).parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    required = [p for p in parameters if p.default is p.empty]
    if any(p.name not in checks for p in required):
        return None
    wrong = [p.name for p in required] or [p.name for p in parameters if p.name in checks][:1]
    if not wrong:
        return None
    return {n: _Wrong() for n in wrong}, tuple(wrong)


@pytest.mark.parametrize("name", _entry_points())
def test_every_entry_point_refuses_a_wrong_type_naming_the_parameter(
    world: World, name: str
) -> None:
    call = _wrong_call(name)
    if call is None:
        assert name in _NOTHING_TO_PASS or not any(
            p.default is p.empty
            for p in inspect.signature(_function(name)).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ), f"{name}: a required parameter cannot be checked"
        return
    kwargs, wrong = call
    positional_only = [
        p.name
        for p in inspect.signature(_function(name)).parameters.values()
        if p.kind is p.POSITIONAL_ONLY and p.name != "self"
    ]
    args = [kwargs.pop(n) for n in positional_only if n in kwargs]
    err = refused(world, lambda: _bound(world.ops, name)(*args, **kwargs))
    named(err, *wrong, *_ALSO_NAMED.get(name, ()))


@pytest.mark.parametrize(
    ("args", "kwargs", "said"),
    [
        ((), {}, "missing a required argument: 'client_id'"),
        (("c1",), {"by": "anna", "reason": "x", "colour": "red"}, "unexpected keyword"),
        (("c1", "c1"), {"by": "anna"}, "too many positional arguments"),
        (("c1",), {"client_id": "c1", "by": "anna"}, "multiple values for argument 'client_id'"),
    ],
)
def test_a_call_of_the_wrong_shape_is_refused_naming_the_arguments(
    world: World, args: tuple[Any, ...], kwargs: dict[str, Any], said: str
) -> None:
    """A call the entry point's signature does not take raises ValidationError naming
    ``arguments``, with what ``inspect.Signature.bind`` says of it, before anything runs."""
    set_flag: Any = world.ops.campaigns.set_do_not_call
    err = refused(world, lambda: set_flag(*args, **kwargs))
    named(err, "arguments")
    assert said in str(err)


# --------------------------------------------------------------------------- cards


def test_add_client_of_none(world: World) -> None:
    named(refused(world, lambda: world.ops.clients.add(None)), "client")  # type: ignore[arg-type]


def test_a_phone_given_as_a_string_names_the_field(world: World) -> None:
    err = refused(world, lambda: world.ops.clients.add(a_client(phones=("+79123456789",))))
    named(err, "phones[0]")
    assert "Attribute(" not in str(err)


def test_a_phone_one_digit_short_is_not_stored(world: World) -> None:
    short = Phone("+7912345678")  # E.164 shape, but no such number
    err = refused(world, lambda: world.ops.clients.add(a_client(phones=(short,))))
    assert isinstance(err, InvalidPhoneError)
    assert err.value == "+7912345678"
    named(err, "phones[0]")
    bad_update = lambda: world.ops.clients.update(attrs.evolve(world.card, phones=(short,)))  # noqa: E731
    named(refused(world, bad_update), "phones[0]")


@pytest.mark.parametrize("number", ["", "   ", "№", "Договор №"])
def test_a_blank_contract_number_is_refused(world: World, number: str) -> None:
    err = refused(world, lambda: world.ops.clients.add(a_client(contract_numbers=(number,))))
    named(err, "contract_numbers[0]")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 1963),
        ("name", "ООО\x00Ромашка"),
        ("name", "ООО \ud800"),
        ("city", "Омск\x1b"),
        ("id", "c" * (ID_LENGTH + 1)),
        ("city", "о" * (NAME_LENGTH + 1)),
    ],
)
def test_text_every_store_could_not_keep_is_refused_first(
    world: World, field: str, value: str
) -> None:
    err = refused(world, lambda: world.ops.clients.add(a_client(**{field: value})))
    named(err, field)


names_with_a_bad_character = st.tuples(
    st.text(max_size=10),
    st.sampled_from(["\x00", "\ud800", "\udfff", "\x07", "\x1f", "\x85", "\x7f"]),
    st.text(max_size=10),
).map("".join)


@given(name=names_with_a_bad_character)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_name_with_a_nul_a_surrogate_or_a_control_is_refused(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        a_client(name=name)
    assert caught.value.paths == ("name",)
    with pytest.raises(ValidationError) as caught:
        ClientQuery(name=name)
    assert caught.value.paths == ("name",)


def test_a_name_asked_for_with_a_surrogate_is_refused(world: World) -> None:
    named(refused(world, lambda: world.ops.clients.find(name="Ромашка\ud800")), "name")
    named(refused(world, lambda: world.ops.billing.find_invoice("\x00")), "number")


def test_a_long_topic_is_refused_before_any_store_sees_it(world: World) -> None:
    call = IncomingCall(
        CallIntent.PRODUCT_INFO,
        caller_phone=world.card.phones[0].e164,
        name=world.card.name,
        city=world.card.city,
        topic="т" * 1840,
    )
    err = refused(world, lambda: world.ops.calls.handle_incoming(call, answered_by="anna"))
    named(err, "topic")
    assert f"at most {TOPIC_LENGTH}" in str(err)


def test_a_malformed_caller_phone_is_not_dropped_when_the_name_matches(world: World) -> None:
    call = IncomingCall(
        CallIntent.PRODUCT_INFO,
        caller_phone="8 912 12",
        name=world.card.name,
        city=world.card.city,
        topic="Цены",
    )
    err = refused(world, lambda: world.ops.calls.handle_incoming(call, answered_by="anna"))
    named(err, "caller_phone")


# --------------------------------------------------------------------------- counts, payloads


@pytest.mark.parametrize("batch", ["5", 0, -1, 2.0, True])
def test_run_billing_batch(world: World, batch: object) -> None:
    err = refused(world, lambda: world.ops.billing.run(Month(2025, 7), batch=batch))  # type: ignore[arg-type]
    named(err, "batch")


@pytest.mark.parametrize("limit", ["5", 0, None])
def test_deliver_outbox_limit(world: World, limit: object) -> None:
    named(refused(world, lambda: world.ops.outbox.deliver(limit=limit)), "limit")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "payload", [{"when": date(2025, 1, 1)}, {"x": float("nan")}, {"x": {1, 2}}, {"s": "\ud800"}]
)
def test_enqueue_a_payload_that_is_not_json(world: World, payload: dict[str, Any]) -> None:
    named(refused(world, lambda: world.ops.outbox.enqueue("t", payload)), "payload")


def test_enqueue_a_topic_with_a_nul(world: World) -> None:
    named(refused(world, lambda: world.ops.outbox.enqueue("t\x00", {})), "topic")


# --------------------------------------------------------------------------- money, statements


@pytest.mark.parametrize("amount", [10**26, "1e26", Decimal("-1E+20"), 0.5, None])
def test_money_out_of_range_or_of_a_wrong_type(amount: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        Money(amount)
    assert caught.value.paths == ("amount",)


def _statement_with(amount: str) -> bytes:
    text = STATEMENT.read_text(encoding="utf-8-sig")
    return text.replace("Сумма=25000.00", f"Сумма={amount}", 1).encode("utf-8-sig")


def test_a_statement_amount_money_cannot_hold_is_refused_on_its_line() -> None:
    with pytest.raises(ValidationError) as caught:
        read_bank_statement(_statement_with("1" + "0" * 26))
    assert any("Сумма" in p or "25" in p for p in caught.value.paths), caught.value.paths
    assert "25" in str(caught.value)  # the line of «Сумма=»


def test_import_bank_statement_of_a_huge_amount_changes_nothing(world: World) -> None:
    err = refused(world, lambda: world.ops.billing.import_bank_statement(_statement_with("9" * 26)))
    assert "Сумма" in str(err)


def test_a_csv_row_with_a_nul_or_a_long_name_is_refused_naming_its_line() -> None:
    head = "Название;city;phone\nЛуг;Омск;8 912 345 67 80\n"
    long_name = head + "x" * 1963 + ";Омск;8 912 345 67 82\n"
    result = read_clients_csv(long_name.encode(), now=T0)
    assert [row.line for row in result.rejected] == [3]
    assert [e.path for e in result.rejected[0].reasons] == ["Название"]
    with pytest.raises(ValidationError, match="line 3"):
        read_clients_csv((head + "Лес\x00;Омск;8 912 345 67 81\n").encode(), now=T0)


# --------------------------------------------------------------------------- json, closed store


def test_deeply_nested_json_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        from_json("[" * 100_000 + "]" * 100_000, Client)
    assert caught.value.paths == ("$",)


def test_a_closed_store_raises_a_storage_error(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    for kind in STORES:
        storage, _ = _open(kind, tmp_path, request)
        ops = ClientOps(storage, host=PluginHost(entry_points=False), clock=lambda: T0)
        ops.clients.add_staff(a_staff())
        ops.close()
        with pytest.raises(StorageError, match="closed"):
            ops.clients.staff()


def test_a_type_found_fine_once_does_not_let_another_through() -> None:
    """The checks remember the types they found fine (isinstance asks the type only): a
    bool after an int, a text after an outcome, a datetime after a date are still refused,
    as is a value a runtime protocol refuses after one of the same type it took."""
    from datetime import datetime
    from typing import Protocol, runtime_checkable

    from clientops._checks import checked_arguments
    from clientops.campaigns import CallOutcome, NoAnswer, NotInterested
    from clientops.errors import ValidationError

    @runtime_checkable
    class Named(Protocol):
        name: str

    class Thing:
        pass

    def entry(count: Any, outcome: Any, day: Any, who: Any) -> None:
        del count, outcome, day, who

    # the annotations as objects (this module's are texts, and these names are local)
    entry.__annotations__ = {
        "count": int,
        "outcome": CallOutcome | tuple[CallOutcome, ...],
        "day": date,
        "who": Named,
        "return": None,
    }
    checked = checked_arguments(entry)
    named, unnamed = Thing(), Thing()
    named.name = "x"  # type: ignore[attr-defined]
    for _ in range(2):
        checked(1, NoAnswer(), date(2025, 1, 1), named)
        checked(2, (NoAnswer(), NotInterested()), date(2025, 1, 2), named)
    for count, outcome, day, who, path in (
        (True, NoAnswer(), date(2025, 1, 1), named, "count"),
        (1, "no_answer", date(2025, 1, 1), named, "outcome"),
        (1, NoAnswer(), datetime(2025, 1, 1), named, "day"),
        (1, NoAnswer(), date(2025, 1, 1), unnamed, "who"),
    ):
        with pytest.raises(ValidationError) as refused:
            checked(count, outcome, day, who)
        assert refused.value.errors[0].path == path
