"""ops.clients.import_csv: a CSV file checked row by row, stored in one go, once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import clientops
from clientops import ClientOps, PluginHost, ValidationError, hookimpl
from clientops.events import ClientCreated, Event
from clientops.testing import T0, a_client, a_staff

HEADER = "Наименование;Город;Телефон;Договор;Менеджер\n"
ROWS = (
    "ООО «Ромашка»;Москва;+7 495 123-45-67;Д-1;anna\n"
    "ООО «Лютик»;Омск;не телефон;Д-2;anna\n"
    "ИП Петров;Тула;8 (4872) 55-44-33;Д-3;\n"
)


class Listener:
    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def clientops_event(self, event: Event) -> None:
        self.events.append(event)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'import.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def ops(url: str, listener: Listener) -> Iterator[ClientOps]:
    host = PluginHost(entry_points=False)
    host.register(listener, "listener")
    with clientops.connect(url, host=host, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        yield ops


def test_good_rows_are_stored_and_bad_ones_reported_by_line(
    ops: ClientOps, tmp_path: Path, listener: Listener
) -> None:
    path = tmp_path / "clients.csv"
    path.write_bytes((HEADER + ROWS).encode("cp1251"))
    report = ops.clients.import_csv(path)
    assert report.parsed.encoding == "cp1251"
    assert [row.line for row in report.stored] == [2, 4]
    assert [(row.line, [r.path for r in row.reasons]) for row in report.rejected] == [
        (3, ["Телефон"])
    ]
    assert report.summary() == "Строк: 3, добавлено: 2, отклонено: 1."
    (card,) = ops.clients.find(contract="д-1")
    assert (card.name, card.city, card.manager_id) == ("ООО «Ромашка»", "Москва", "anna")
    assert [c.name for c in ops.clients.find(phone="+7 4872 554433")] == ["ИП Петров"]
    assert [type(e) for e in listener.events] == [ClientCreated, ClientCreated]


def test_the_same_file_twice_stores_nothing_twice(ops: ClientOps) -> None:
    data = (HEADER + ROWS).encode("utf-8")
    first = ops.clients.import_csv(data)
    again = ops.clients.import_csv(data)
    assert (len(first.stored), again.already_imported, again.stored) == (2, True, ())
    assert again.summary().startswith("Файл уже загружен")
    with ops.storage.unit_of_work() as uow:
        assert uow.clients.count() == 2


def test_a_contract_a_stored_card_holds_rejects_the_row_naming_the_holder(
    ops: ClientOps,
) -> None:
    holder = ops.clients.add(a_client(contract_numbers=("Д-3",)))
    report = ops.clients.import_csv((HEADER + ROWS).encode())
    assert [row.line for row in report.stored] == [2]
    (_, taken) = report.rejected
    assert taken.line == 4
    assert taken.reasons[0].path == "Договор"
    assert holder.id in taken.reasons[0].message
    with ops.storage.unit_of_work() as uow:
        assert uow.clients.count() == 2


def test_a_corrupt_file_raises_and_stores_nothing(ops: ClientOps) -> None:
    with pytest.raises(ValidationError) as err:
        ops.clients.import_csv(b"\x00\x01\x02garbage\xff\xfe" * 20)
    assert err.value.errors
    with pytest.raises(ValidationError, match="Кличка"):
        ops.clients.import_csv("Кличка;Город\nБобик;Москва\n".encode())
    with ops.storage.unit_of_work() as uow:
        assert uow.clients.count() == 0
