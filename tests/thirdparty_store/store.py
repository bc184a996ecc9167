"""``DictStore``: the clients area of a clientops store (``uow.clients``, ``uow.appeals``,
``uow.staff``) on plain dicts, written against the ports only, as a third party would."""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import attrs

from clientops.clients import ListFilter
from clientops.errors import ConflictError, DuplicateError, NotFoundError, StorageError
from clientops.model import (
    Absence,
    Appeal,
    AppealId,
    Client,
    ClientId,
    ClientQuery,
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    Reaction,
    ReactionId,
    StaffDirectory,
    city_key,
    contract_key,
)

READ_ONLY = "the unit of work is read-only"


class _Tables:
    def __init__(self) -> None:
        self.clients: dict[ClientId, Client] = {}
        self.appeals: dict[AppealId, Appeal] = {}
        self.reactions: dict[ReactionId, Reaction] = {}
        self.departments: dict[str, Department] = {}
        self.employees: dict[str, Employee] = {}
        self.absences: list[Absence] = []
        #: when each card was last written (the listing's ``changed_since``)
        self.changed: dict[ClientId, datetime] = {}


def _page(records: Iterable[Any], keep: Any, after: int, limit: int) -> tuple[tuple[int, Any], ...]:
    """A record's position is its place in its dict (an update keeps it)."""
    rows = itertools.islice(enumerate(records, start=1), after, None)
    return tuple(itertools.islice(((n, r) for n, r in rows if keep(r)), limit))


def _check_external(records: Iterable[Any], record: Any) -> None:
    if record.external_id is None:
        return
    for other in records:
        if other.id != record.id and other.external_id == record.external_id:
            raise DuplicateError("external id", str(record.external_id), owner=other.id)


class _Work:
    """One unit of work: a copy of the tables, kept on commit."""

    def __init__(self, tables: _Tables, *, readonly: bool, name: str) -> None:
        self.tables = tables
        self.readonly = readonly
        self.name = name
        self.clients = Clients(self)
        self.appeals = Appeals(self)
        self.staff = Staff(self)

    def writable(self) -> _Tables:
        if self.readonly:
            raise StorageError(self.name, "write", READ_ONLY)
        return self.tables


class Clients:
    def __init__(self, work: _Work) -> None:
        self._work = work

    def _check_contracts(self, client: Client) -> None:
        keys = {contract_key(n): n for n in client.contract_numbers}
        for other in self._work.tables.clients.values():
            if other.id != client.id:
                for number in other.contract_numbers:
                    if contract_key(number) in keys:
                        raise DuplicateError("contract", keys[contract_key(number)], owner=other.id)

    def add(self, client: Client) -> None:
        tables = self._work.writable()
        if client.id in tables.clients:
            raise DuplicateError("client", client.id)
        self._check_contracts(client)
        _check_external(tables.clients.values(), client)
        tables.clients[client.id] = client
        tables.changed[client.id] = datetime.now(UTC)

    def add_many(self, clients: Sequence[Client]) -> None:
        for client in clients:
            self.add(client)

    def contract_owners(self, numbers: Iterable[str]) -> Mapping[str, ClientId]:
        wanted = {contract_key(n) for n in numbers}
        return {
            contract_key(n): c.id
            for c in self._work.tables.clients.values()
            for n in c.contract_numbers
            if contract_key(n) in wanted
        }

    def get(self, client_id: ClientId) -> Client:
        try:
            return self._work.tables.clients[client_id]
        except KeyError:
            raise NotFoundError("client", client_id) from None

    def update(self, client: Client) -> Client:
        tables = self._work.writable()
        stored = self.get(client.id)
        self._check_contracts(client)
        if stored.version != client.version:
            raise ConflictError("client", client.id, expected=client.version, found=stored.version)
        _check_external(tables.clients.values(), client)
        new = attrs.evolve(client, version=client.version + 1)
        tables.clients[client.id] = new
        tables.changed[client.id] = datetime.now(UTC)
        return new

    def find(self, query: ClientQuery) -> tuple[Client, ...]:
        return tuple(c for c in self._work.tables.clients.values() if query.matches(c))

    def count(self) -> int:
        return len(self._work.tables.clients)

    def all(self) -> tuple[Client, ...]:
        return tuple(self._work.tables.clients.values())

    def by_external(self, source: str, ids: Iterable[str]) -> Mapping[str, Client]:
        wanted = set(ids)
        return {
            c.external_id.id: c
            for c in self._work.tables.clients.values()
            if c.external_id is not None
            and c.external_id.source == source
            and c.external_id.id in wanted
        }

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Client], ...]:
        changed = self._work.tables.changed

        def keep(c: Client) -> bool:
            return (
                (where.manager_id is None or c.manager_id == where.manager_id)
                and (where.city is None or city_key(c.city) == city_key(where.city))
                and (where.category is None or c.category is where.category)
                and (where.changed_since is None or changed[c.id] >= where.changed_since)
            )

        return _page(self._work.tables.clients.values(), keep, after, limit)


class Appeals:
    def __init__(self, work: _Work) -> None:
        self._work = work

    def add(self, appeal: Appeal) -> None:
        tables = self._work.writable()
        self._work.clients.get(appeal.client_id)
        if appeal.id in tables.appeals:
            raise DuplicateError("appeal", appeal.id)
        tables.appeals[appeal.id] = appeal

    def add_many(self, appeals: Sequence[Appeal]) -> None:
        tables = self._work.writable()
        seen: set[str] = set()
        for appeal in appeals:  # every check first: a failed batch writes nothing
            self._work.clients.get(appeal.client_id)
            if appeal.id in tables.appeals or appeal.id in seen:
                raise DuplicateError("appeal", appeal.id)
            seen.add(appeal.id)
        for appeal in appeals:
            self.add(appeal)

    def get(self, appeal_id: AppealId) -> Appeal:
        try:
            return self._work.tables.appeals[appeal_id]
        except KeyError:
            raise NotFoundError("appeal", appeal_id) from None

    def of_client(self, client_id: ClientId) -> tuple[Appeal, ...]:
        return tuple(a for a in self._work.tables.appeals.values() if a.client_id == client_id)

    def add_reaction(self, reaction: Reaction) -> None:
        tables = self._work.writable()
        appeal = tables.appeals.get(reaction.appeal_id)
        if appeal is None or appeal.client_id != reaction.client_id:
            raise NotFoundError("appeal of client", (reaction.client_id, reaction.appeal_id))
        if reaction.id in tables.reactions:
            raise DuplicateError("reaction", reaction.id)
        tables.reactions[reaction.id] = reaction

    def add_many_reactions(self, reactions: Sequence[Reaction]) -> None:
        tables = self._work.writable()
        seen: set[str] = set()
        for reaction in reactions:  # every check first: a failed batch writes nothing
            appeal = tables.appeals.get(reaction.appeal_id)
            if appeal is None or appeal.client_id != reaction.client_id:
                raise NotFoundError("appeal of client", (reaction.client_id, reaction.appeal_id))
            if reaction.id in tables.reactions or reaction.id in seen:
                raise DuplicateError("reaction", reaction.id)
            seen.add(reaction.id)
        for reaction in reactions:
            self.add_reaction(reaction)

    def get_reaction(self, reaction_id: ReactionId) -> Reaction:
        try:
            return self._work.tables.reactions[reaction_id]
        except KeyError:
            raise NotFoundError("reaction", reaction_id) from None

    def update_reaction(self, reaction: Reaction) -> Reaction:
        tables = self._work.writable()
        stored = self.get_reaction(reaction.id)
        if stored.version != reaction.version:
            raise ConflictError(
                "reaction", reaction.id, expected=reaction.version, found=stored.version
            )
        new = attrs.evolve(reaction, version=reaction.version + 1)
        tables.reactions[reaction.id] = new
        return new

    def reactions_of(self, client_id: ClientId) -> tuple[Reaction, ...]:
        found = [r for r in self._work.tables.reactions.values() if r.client_id == client_id]
        return tuple(sorted(found, key=lambda r: r.due_at))

    def open_reactions(self, employee_id: EmployeeId) -> tuple[Reaction, ...]:
        found = [
            r
            for r in self._work.tables.reactions.values()
            if r.employee_id == employee_id and not r.done
        ]
        return tuple(sorted(found, key=lambda r: r.due_at))

    def department_reactions(self, department_id: DepartmentId) -> tuple[Reaction, ...]:
        found = [
            r
            for r in self._work.tables.reactions.values()
            if r.department_id == department_id and r.employee_id is None and not r.done
        ]
        return tuple(sorted(found, key=lambda r: r.due_at))

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Appeal], ...]:
        def keep(a: Appeal) -> bool:
            return where.client_id is None or a.client_id == where.client_id

        return _page(self._work.tables.appeals.values(), keep, after, limit)

    def reactions_page(
        self, where: ListFilter, *, after: int, limit: int
    ) -> tuple[tuple[int, Reaction], ...]:
        def keep(r: Reaction) -> bool:
            return (
                (where.client_id is None or r.client_id == where.client_id)
                and (where.manager_id is None or r.employee_id == where.manager_id)
                and (where.status is None or r.done == (where.status == "done"))
            )

        return _page(self._work.tables.reactions.values(), keep, after, limit)


class Staff:
    def __init__(self, work: _Work) -> None:
        self._work = work

    def put_department(self, department: Department) -> None:
        self._work.writable().departments[department.id] = department

    def put_employee(self, employee: Employee) -> None:
        tables = self._work.writable()
        if employee.department_id not in tables.departments:
            raise NotFoundError("department", employee.department_id)
        _check_external(tables.employees.values(), employee)
        tables.employees[employee.id] = employee

    def add_absence(self, absence: Absence) -> None:
        tables = self._work.writable()
        if absence.employee_id not in tables.employees:
            raise NotFoundError("employee", absence.employee_id)
        tables.absences.append(absence)

    def directory(self) -> StaffDirectory:
        tables = self._work.tables
        return StaffDirectory(
            departments=tuple(tables.departments.values()),
            employees=tuple(tables.employees.values()),
            absences=tuple(tables.absences),
        )


class DictStore:
    """The clients area of a clientops store, in this process only."""

    name = "dicts"

    def __init__(self) -> None:
        self._tables = _Tables()
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def unit_of_work(self, *, readonly: bool = False) -> Iterator[Any]:
        if self._closed:
            raise StorageError(self.name, "begin", "the store is closed")
        if not self._lock.acquire(blocking=False):
            raise StorageError(self.name, "begin", "a unit of work is already open")
        try:
            work = _Work(copy.deepcopy(self._tables), readonly=readonly, name=self.name)
            yield work
            if not readonly:
                self._tables = work.tables
        finally:
            self._lock.release()

    def close(self) -> None:
        self._closed = True
