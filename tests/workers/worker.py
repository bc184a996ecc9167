"""A worker process for the concurrency and crash tests: ``python worker.py <job> <url> ...``.

Each job talks to a real store through the public API and reports on stdout, one line per
step, so the test can synchronise with it (and kill it) at a known point.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import attrs

import clientops
from clientops import ClientId, ConflictError, PluginHost, hookimpl
from clientops.outbox import OutboxMessage


def say(*words: object) -> None:
    print(*words, flush=True)


def connect(url: str, now: str | None = None) -> clientops.ClientOps:
    clock = (lambda: datetime.fromisoformat(now)) if now else None
    return clientops.connect(url, host=PluginHost(entry_points=False), clock=clock)


def wait_for(path: str) -> None:
    deadline = time.monotonic() + 60
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.005)


def edit(url: str, client_id: str, city: str, go: str) -> None:
    """Read the card, wait until told, then save it with another city."""
    with connect(url) as ops:
        card = ops.clients.get(ClientId(client_id))
        say("read", card.version)
        wait_for(go)
        try:
            saved = ops.clients.update(attrs.evolve(card, city=city))
        except ConflictError as err:
            say("conflict", err.kind, err.key, err.expected, err.found)
        else:
            say("saved", saved.version)


def append(url: str, client_id: str, tag: str, count: str) -> None:
    """Add ``count`` contract numbers to one card, redoing each change after a conflict."""
    conflicts = 0
    with connect(url) as ops:
        for i in range(int(count)):
            while True:
                card = ops.clients.get(ClientId(client_id))
                changed = attrs.evolve(
                    card, contract_numbers=(*card.contract_numbers, f"{tag}-{i}")
                )
                try:
                    ops.clients.update(changed)
                    break
                except ConflictError:
                    conflicts += 1
    say("done", conflicts)


def bulk(url: str, csv_path: str, die_inside: str) -> None:
    """Import a CSV file; with ``die_inside=1``, kill this process with SIGKILL after the rows
    are written and before the unit of work commits."""
    with connect(url) as ops:
        if die_inside == "1":
            storage = ops.storage
            real = storage.unit_of_work

            def dying_unit_of_work(*, readonly=False):  # type: ignore[no-untyped-def]
                if readonly:  # the reads before the import
                    return real(readonly=True)
                cm = real()
                uow = cm.__enter__()
                add_clients = uow.clients.add_many

                def add_then_die(clients):  # type: ignore[no-untyped-def]
                    add_clients(clients)
                    say("written", len(clients))
                    os.kill(os.getpid(), signal.SIGKILL)

                uow.clients.add_many = add_then_die
                return _Entered(cm, uow)

            storage.unit_of_work = dying_unit_of_work  # type: ignore[method-assign]
        report = ops.clients.import_csv(Path(csv_path))
        say("imported", len(report.stored), "skipped", int(report.already_imported))


class _Entered:
    def __init__(self, cm, uow):  # type: ignore[no-untyped-def]
        self._cm, self._uow = cm, uow

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self._uow

    def __exit__(self, *exc):  # type: ignore[no-untyped-def]
        return self._cm.__exit__(*exc)


def deliver(url: str, log: str, now: str, die_after_send: str) -> None:
    """Deliver the outbox to a "backend" that appends each key to ``log``; with
    ``die_after_send=1``, die by SIGKILL right after the first backend call, before the
    delivery is marked."""

    class Backend:
        @hookimpl
        def clientops_register_deliverer(self, register):  # type: ignore[no-untyped-def]
            def send(message: OutboxMessage) -> None:
                with open(log, "a", encoding="utf-8") as f:
                    f.write(f"{os.getpid()} {message.key}\n")
                    f.flush()
                    os.fsync(f.fileno())
                if die_after_send == "1":
                    os.kill(os.getpid(), signal.SIGKILL)

            register("test.effect", send)

    with connect(url, now) as ops:
        ops.context.host.register(Backend(), "backend")
        total = 0
        while True:
            report = ops.outbox.deliver(limit=7)
            total += len(report.delivered)
            if not (report.delivered or report.retried or report.lost_lease):
                break
        say("delivered", total)


def hold(url: str, birthday: str, go: str) -> None:
    """Write a card of ``anna``'s born on ``birthday`` and keep the write transaction open
    (holding the database's write lock) until told, then commit."""
    from clientops.testing import a_client

    with connect(url) as ops, ops.storage.unit_of_work() as uow:
        uow.clients.add(
            a_client(manager_id="anna", birthday=datetime.fromisoformat(birthday).date())
        )
        say("holding")
        wait_for(go)
    say("committed")


JOBS = {"edit": edit, "append": append, "bulk": bulk, "deliver": deliver, "hold": hold}

if __name__ == "__main__":
    JOBS[sys.argv[1]](*sys.argv[2:])
