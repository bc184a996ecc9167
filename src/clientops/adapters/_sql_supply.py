"""The supply records of both SQL stores (``uow.supply``, schema 21): one ``supply`` table
holding each record as a JSON document under its kind and id, with the columns its lists are
looked up by (the client, whether it is open)."""

from __future__ import annotations

from typing import Any, TypeVar

import attrs

from clientops._supply import KINDS
from clientops.adapters._sql import SQLRepository, dump, load
from clientops.errors import ConflictError, DuplicateError, NotFoundError
from clientops.model import ClientId
from clientops.ports import SupplyRecord

__all__ = ["SQLSupply"]

R = TypeVar("R", bound=SupplyRecord)


def kind_of(cls: type) -> str:
    try:
        return KINDS[cls]
    except KeyError:
        raise TypeError(f"{cls.__name__} is not a supply record") from None


class SQLSupply(SQLRepository):
    """Purchases, stock levels, shipments, sites, installations, pilots and clouds."""

    def add(self, record: SupplyRecord) -> None:
        kind = kind_of(type(record))
        if self._one("SELECT 1 FROM supply WHERE kind=? AND id=?", (kind, record.id)):
            raise DuplicateError(kind, record.id)
        try:
            self._x(
                "INSERT INTO supply(kind, id, client_id, is_open, version, doc) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    kind,
                    record.id,
                    record.client_id,
                    int(record.is_open),
                    record.version,
                    dump(record),
                ),
            )
        except self.integrity_errors:
            raise DuplicateError(kind, record.id) from None

    def find(self, kind: type[R], record_id: str, *, lock: bool = False) -> R | None:
        doc = self._one(
            f"SELECT doc FROM supply WHERE kind=? AND id=?{self.row_lock if lock else ''}",
            (kind_of(kind), record_id),
        )
        return None if doc is None else load(doc, kind)

    def get(self, kind: type[R], record_id: str, *, lock: bool = False) -> R:
        found = self.find(kind, record_id, lock=lock)
        if found is None:
            raise NotFoundError(kind_of(kind), record_id)
        return found

    def update(self, record: R) -> R:
        kind = kind_of(type(record))
        new: R = attrs.evolve(record, version=record.version + 1)  # type: ignore[misc]
        cur = self._x(
            "UPDATE supply SET version=?, client_id=?, is_open=?, doc=? "
            "WHERE kind=? AND id=? AND version=?",
            (
                new.version,
                new.client_id,
                int(new.is_open),
                dump(new),
                kind,
                record.id,
                record.version,
            ),
        )
        if cur.rowcount == 0:
            found = self._one("SELECT version FROM supply WHERE kind=? AND id=?", (kind, record.id))
            if found is None:
                raise NotFoundError(kind, record.id)
            raise ConflictError(kind, record.id, expected=record.version, found=found)
        return new

    def _list(self, kind: type[R], where: str, params: tuple[Any, ...]) -> tuple[R, ...]:
        rows = self._x(
            f"SELECT doc FROM supply WHERE kind=?{where} ORDER BY seq", (kind_of(kind), *params)
        )
        return tuple(load(doc, kind) for (doc,) in rows)

    def of_client(self, kind: type[R], client_id: ClientId) -> tuple[R, ...]:
        return self._list(kind, " AND client_id=?", (client_id,))

    def all(self, kind: type[R], *, open_only: bool = False) -> tuple[R, ...]:
        return self._list(kind, " AND is_open=1" if open_only else "", ())
