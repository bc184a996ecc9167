"""What is the PostgreSQL store's own: URLs, the pool, migrations (the contract suite is in
test_storage.py)."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from clientops import ConfigurationError, SchemaVersionError, StorageError
from clientops.adapters.postgres import SCHEMA_VERSION, PostgresStorage, _split_url
from clientops.testing import a_client


def _schema(url: str) -> str:
    return parse_qs(urlsplit(url).query)["schema"][0]


def test_clientops_options_are_taken_out_of_the_url() -> None:
    conninfo, options = _split_url(
        "postgresql://crm:s%40cret@db:6432/crm?schema=sales&sslmode=require&pool_max_size=4"
    )
    assert conninfo == "postgresql://crm:s%40cret@db:6432/crm?sslmode=require"
    assert options == {"schema": "sales", "pool_max_size": "4"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://db/crm", "not a postgresql URL"),
        ("postgresql://db/crm?schema=Robert'); DROP", "schema"),
        ("postgresql://db/crm?pool_max_size=lots", "lots"),
        ("postgresql://db/crm?pool_min_size=5&pool_max_size=2", "pool sizes"),
    ],
)
def test_bad_urls_are_refused_before_connecting(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        PostgresStorage.from_url(url)


def test_a_server_that_does_not_answer_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="no connection") as err:
        PostgresStorage.from_url(
            "postgresql://nobody@127.0.0.1:9/none?pool_timeout=0.5&connect_timeout=1"
        )
    assert (err.value.backend, err.value.operation) == ("postgresql", "open")


def test_the_schema_is_created_and_versioned(postgres_url: str) -> None:
    store = PostgresStorage.from_url(postgres_url)
    try:
        assert store.schema == _schema(postgres_url)
        assert store.schema_version == SCHEMA_VERSION
    finally:
        store.close()
    with psycopg.connect(store.conninfo) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema=%s",
                (store.schema,),
            )
        }
    assert {"clients", "client_phones", "reactions", "outbox", "batch_keys"} <= tables


def test_a_schema_from_a_newer_clientops_is_refused_untouched(postgres_url: str) -> None:
    store = PostgresStorage.from_url(postgres_url)
    store.close()
    with psycopg.connect(store.conninfo, autocommit=True) as conn:
        conn.execute(
            f'UPDATE "{store.schema}".clientops_schema SET version=%s', (SCHEMA_VERSION + 1,)
        )
    with pytest.raises(SchemaVersionError, match="newer") as err:
        PostgresStorage.from_url(postgres_url)
    assert (err.value.found, err.value.supported) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)
    with psycopg.connect(store.conninfo) as conn:
        row = conn.execute(f'SELECT version FROM "{store.schema}".clientops_schema').fetchone()
    assert row == (SCHEMA_VERSION + 1,)


def test_a_version_1_schema_is_migrated_with_its_data(postgres_url: str) -> None:
    from clientops import EmployeeId
    from clientops.adapters.postgres import MIGRATIONS
    from clientops.serialization import to_json
    from clientops.testing import T0, a_reaction, an_appeal

    card = a_client(name="ООО «Старое»")
    appeal = an_appeal(card)
    reaction = a_reaction(appeal, employee_id=EmployeeId("anna"), due_at=T0)
    conninfo, options = _split_url(postgres_url)
    schema = options["schema"]
    with psycopg.connect(conninfo, autocommit=True) as conn:  # as clientops 0.1 left it
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'SET search_path TO "{schema}"')
        for statement in MIGRATIONS[0]:
            conn.execute(statement.encode())
        conn.execute("CREATE TABLE clientops_schema (version integer)")
        conn.execute("INSERT INTO clientops_schema VALUES (1)")
        conn.execute(
            "INSERT INTO clients(id, version, name_key, city_key, doc) VALUES (%s, 0, '', '', %s)",
            (card.id, to_json(card)),
        )
        conn.execute(
            "INSERT INTO appeals(id, client_id, version, doc) VALUES (%s, %s, 0, %s)",
            (appeal.id, card.id, to_json(appeal)),
        )
        conn.execute(
            "INSERT INTO reactions(id, appeal_id, client_id, employee_id, due_at, done, version,"
            " doc) VALUES (%s, %s, %s, 'anna', %s, 0, 0, %s)",
            (reaction.id, appeal.id, card.id, T0, to_json(reaction)),
        )
    store = PostgresStorage.from_url(postgres_url)
    try:
        assert store.schema_version == SCHEMA_VERSION
        with store.unit_of_work() as uow:
            assert uow.clients.get(card.id) == card
            (due,) = uow.agenda.due_reactions(EmployeeId("anna"), until=T0)
            assert (due.client_name, due.topic) == ("ООО «Старое»", reaction.topic)
            assert uow.outbox.record_key("after the upgrade")
    finally:
        store.close()


def test_processes_opening_a_new_schema_together_migrate_it_once(postgres_url: str) -> None:
    script = (
        "import sys; from clientops.adapters.postgres import PostgresStorage;"
        "PostgresStorage.from_url(sys.argv[1]).close()"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, postgres_url], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    store = PostgresStorage.from_url(postgres_url)
    try:
        with psycopg.connect(store.conninfo) as conn:
            rows = conn.execute(f'SELECT version FROM "{store.schema}".clientops_schema')
            assert rows.fetchall() == [(SCHEMA_VERSION,)]
    finally:
        store.close()


def test_a_unit_of_work_inside_another_is_refused_but_threads_run_side_by_side(
    postgres_url: str,
) -> None:
    import threading

    store = PostgresStorage.from_url(postgres_url + "&pool_max_size=4")
    cards = [a_client() for _ in range(4)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work(i: int) -> None:
        try:
            with store.unit_of_work() as uow:
                barrier.wait(timeout=10)  # four transactions open at once
                uow.clients.add(cards[i])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with store.unit_of_work() as uow:
            assert uow.clients.count() == 4
            with pytest.raises(StorageError, match="already open"), store.unit_of_work():
                pass
    finally:
        store.close()
