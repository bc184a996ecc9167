"""``ops.agenda.publish_calendar`` finds what it published before in the publication state of
the manager's calendar (``uow.outbox.publications``), not by reading the outbox's history;
a store from before that state (schema 17) gets it from its outbox when it is upgraded."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests._schema_back import drop_later

import clientops
from clientops import ClientOps, PluginHost
from clientops.adapters import _schema, memory
from clientops.adapters.memory import MemoryStorage
from clientops.calendar import PUBLISH_TOPIC
from clientops.clients import NextReaction, ReactionResult
from clientops.model import DepartmentId, EmployeeId
from clientops.testing import T0, a_client, a_staff

ANNA = EmployeeId("anna")


def _reactions(ops: ClientOps, n: int) -> list[Any]:
    """``n`` open reactions of anna's, each on an appeal of its own."""
    card = ops.clients.add(a_client(manager_id=ANNA))
    made = []
    for k in range(n):
        appeal = ops.clients.open_appeal(
            card.id, topic=f"Дело {k}", department_id=DepartmentId("client"), by=ANNA
        )
        made.append(
            ops.clients.add_reaction(
                appeal.id,
                NextReaction(due_at=T0 + timedelta(days=k + 1), employee_id=ANNA),
                by=ANNA,
            )
        )
    return made


def test_publishing_never_reads_the_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    ops = ClientOps(MemoryStorage(), host=PluginHost(entry_points=False).load(), clock=lambda: T0)
    ops.clients.add_staff(a_staff())
    reactions = _reactions(ops, 3)
    for n in range(200):  # a long history of other messages
        ops.outbox.enqueue("other.topic", {"n": n}, key=f"other-{n}")

    def no_listing(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("publish_calendar listed the outbox")

    monkeypatch.setattr(memory._Outbox, "messages", no_listing)
    first = ops.agenda.publish_calendar(ANNA)
    assert len(first) == 3
    assert ops.agenda.publish_calendar(ANNA) == ()  # unchanged: the state says so
    ops.clients.reschedule_reaction(reactions[0].id, T0 + timedelta(days=9), by=ANNA)
    [moved] = ops.agenda.publish_calendar(ANNA)
    assert (moved.data()["uid"], moved.data()["sequence"]) == (first[0].data()["uid"], 1)
    with ops.storage.unit_of_work(readonly=True) as uow:
        state = uow.outbox.publications(ANNA)
    assert state[moved.data()["uid"]]["sequence"] == 1
    assert len(state) == 3


def test_a_store_from_before_the_publication_state_gets_it_from_its_outbox(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with clientops.connect(url, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        reactions = _reactions(ops, 2)
        published = ops.agenda.publish_calendar(ANNA)
        ops.clients.reschedule_reaction(reactions[1].id, T0 + timedelta(days=5), by=ANNA)
        ops.agenda.publish_calendar(ANNA)  # the second event again, SEQUENCE 1
    added = next(t.since for t in _schema.TABLES if t.name == "calendar_published")
    with sqlite3.connect(tmp_path / "old.db") as db:  # as the clientops before it left it
        drop_later(db.execute, added - 1)
        db.execute(f"PRAGMA user_version={added - 1}")
        assert (
            db.execute("SELECT count(*) FROM outbox WHERE topic=?", (PUBLISH_TOPIC,)).fetchone()[0]
            == 3
        )
    with clientops.connect(url, clock=lambda: T0) as ops:
        with ops.storage.unit_of_work(readonly=True) as uow:
            state = uow.outbox.publications(ANNA)
        uids = [m.data()["uid"] for m in published]
        assert {uid: state[uid]["sequence"] for uid in uids} == {uids[0]: 0, uids[1]: 1}
        assert ops.agenda.publish_calendar(ANNA) == ()  # nothing published twice
        ops.clients.complete_reaction(reactions[0].id, ReactionResult.DONE, by=ANNA)
        [cancelled] = ops.agenda.publish_calendar(ANNA)
        assert cancelled.data()["cancelled"] is True
        assert cancelled.data()["sequence"] == 1


def test_the_state_is_kept_per_manager(postgres_url: str) -> None:
    with clientops.connect(postgres_url, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        _reactions(ops, 1)
        [message] = ops.agenda.publish_calendar(ANNA)
        assert ops.agenda.publish_calendar(EmployeeId("petrov")) == ()
        with ops.storage.unit_of_work(readonly=True) as uow:
            assert uow.outbox.publications(ANNA) == {
                message.data()["uid"]: {
                    "sequence": 0,
                    "digest": message.data()["digest"],
                    "cancelled": False,
                }
            }
            assert uow.outbox.publications(EmployeeId("petrov")) == {}
