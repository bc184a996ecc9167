"""Reactions as a loop (``ops.clients``): an appeal and a reaction opened by hand, a reaction
completed with its result and the next one scheduled in the same unit of work (once, even
when the completion is retried), rescheduled, reassigned and taken; on memory, SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

import clientops
from clientops import ClientOps, PluginHost, hookimpl
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.clients import (
    Appeal,
    DepartmentId,
    EmployeeId,
    NextReaction,
    Reaction,
    ReactionResult,
)
from clientops.errors import NotFoundError, StorageError, TransitionError, ValidationError
from clientops.events import Event, ReactionCompleted, ReactionScheduled
from clientops.ports import Storage
from clientops.testing import T0, FailingStorage, a_client, a_staff

ANNA, PETROV, KUZNETSOVA = EmployeeId("anna"), EmployeeId("petrov"), EmployeeId("kuznetsova")
CLIENT, SALES = DepartmentId("client"), DepartmentId("sales")


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def clientops_event(self, event: Event) -> None:
        self.events.append(event)


def _open(storage: Storage, recorder: Recorder) -> ClientOps:
    host = PluginHost(entry_points=False)
    host.register(recorder, name="recorder")
    ops = ClientOps(storage, host=host, clock=lambda: T0)
    ops.clients.add_staff(a_staff())
    return ops


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Storage]:
    if request.param == "memory":
        return MemoryStorage
    if request.param == "sqlite":
        return lambda: SQLiteStorage(tmp_path / "loop.db")
    url = request.getfixturevalue("postgres_url")
    return lambda: clientops.connect(url).storage


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def ops(make_storage: Callable[[], Storage], recorder: Recorder) -> Iterator[ClientOps]:
    with _open(make_storage(), recorder) as ops:
        yield ops


def _first_reaction(ops: ClientOps) -> tuple[Appeal, Reaction]:
    card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    appeal = ops.clients.open_appeal(
        card.id, topic="Продление договора", department_id=CLIENT, by=ANNA
    )
    reaction = ops.clients.add_reaction(
        appeal.id, NextReaction(T0 + timedelta(hours=1), employee_id=ANNA), by=ANNA
    )
    return appeal, reaction


def _call_back(days: int = 1) -> NextReaction:
    return NextReaction(T0 + timedelta(days=days), employee_id=ANNA, topic="Перезвонить")


def test_an_appeal_and_a_reaction_opened_by_hand_are_stored_and_published(
    ops: ClientOps, recorder: Recorder
) -> None:
    appeal, reaction = _first_reaction(ops)
    assert ops.clients.appeals_of(appeal.client_id) == (appeal,)
    assert ops.clients.reactions_of(appeal.client_id) == (reaction,)
    # the plan had no topic: the appeal's; an employee alone brings their department
    assert (reaction.topic, reaction.department_id, reaction.created_by) == (
        "Продление договора",
        CLIENT,
        ANNA,
    )
    assert [type(e).__name__ for e in recorder.events][-2:] == [
        "AppealOpened",
        "ReactionScheduled",
    ]


def test_completing_stores_the_result_and_the_next_reaction_which_reaches_the_agenda(
    ops: ClientOps, recorder: Recorder
) -> None:
    _, reaction = _first_reaction(ops)
    recorder.events.clear()
    done = ops.clients.complete_reaction(
        reaction.id,
        ReactionResult.NO_ANSWER,
        by=ANNA,
        note="Не взяли трубку",
        then=NextReaction(T0 - timedelta(hours=2), employee_id=ANNA, topic="Перезвонить"),
    )
    assert done.next is not None
    assert not done.repeated
    stored = {r.id: r for r in ops.clients.reactions_of(reaction.client_id)}
    first = stored[reaction.id]
    assert (first.done, first.result, first.outcome, first.done_by) == (
        True,
        ReactionResult.NO_ANSWER,
        "Не взяли трубку",
        ANNA,
    )
    assert first.result is not None
    assert first.result.label == "Не дозвонились"
    follow = stored[done.next.id]
    assert (follow.topic, follow.employee_id, follow.appeal_id, follow.done) == (
        "Перезвонить",
        ANNA,
        reaction.appeal_id,
        False,
    )
    assert [type(e) for e in recorder.events] == [ReactionCompleted, ReactionScheduled]
    completed = recorder.events[0]
    assert isinstance(completed, ReactionCompleted)
    assert (completed.reaction_id, completed.next_reaction_id) == (reaction.id, follow.id)
    # the next reaction, overdue already, is on Anna's agenda; the done one is not
    agenda = ops.agenda.for_manager(ANNA)
    refs = [item.ref for item in agenda.items]
    assert follow.id in refs
    assert reaction.id not in refs
    (item,) = (i for i in agenda.items if i.ref == follow.id)
    assert item.overdue
    assert "Перезвонить" in item.why


def test_a_retried_completion_creates_the_next_reaction_once(
    ops: ClientOps, recorder: Recorder
) -> None:
    _, reaction = _first_reaction(ops)
    first = ops.clients.complete_reaction(
        reaction.id, ReactionResult.DONE, by=ANNA, then=_call_back()
    )
    recorder.events.clear()
    again = ops.clients.complete_reaction(
        reaction.id, ReactionResult.DONE, by=ANNA, then=_call_back(days=3)
    )
    assert again.repeated
    assert (again.done, again.next) == (first.done, first.next)
    assert len(ops.clients.reactions_of(reaction.client_id)) == 2
    assert recorder.events == []
    # another result on a done reaction is refused, nothing changes
    with pytest.raises(TransitionError) as refused:
        ops.clients.complete_reaction(reaction.id, ReactionResult.REFUSED, by=ANNA)
    assert "done" in str(refused.value)
    assert reaction.id in str(refused.value)
    assert ops.clients.reactions_of(reaction.client_id) == tuple(
        sorted((first.done, first.next), key=lambda r: r.due_at)  # type: ignore[arg-type, return-value]
    )


def test_a_store_failing_mid_completion_stores_neither_and_a_retry_stores_both(
    make_storage: Callable[[], Storage], recorder: Recorder
) -> None:
    with _open(make_storage(), recorder) as ops:
        _, reaction = _first_reaction(ops)
        failing = FailingStorage(ops.storage, "appeals.add_reaction")
        broken = ClientOps(failing, host=PluginHost(entry_points=False), clock=lambda: T0)
        with pytest.raises(StorageError):
            broken.clients.complete_reaction(
                reaction.id, ReactionResult.DONE, by=ANNA, then=_call_back()
            )
        assert ops.clients.reactions_of(reaction.client_id) == (reaction,)
        done = ops.clients.complete_reaction(
            reaction.id, ReactionResult.DONE, by=ANNA, then=_call_back()
        )
        assert not done.repeated
        assert done.next is not None
        assert len(ops.clients.reactions_of(reaction.client_id)) == 2


def test_reschedule_reassign_and_take(ops: ClientOps, recorder: Recorder) -> None:
    _, reaction = _first_reaction(ops)
    later = T0 + timedelta(days=2)
    moved = ops.clients.reschedule_reaction(reaction.id, later, by=ANNA)
    assert ops.clients.reactions_of(reaction.client_id)[0].due_at == later == moved.due_at
    # to the sales department: no one owns it, off Anna's list
    to_sales = ops.clients.reassign_reaction(reaction.id, department_id=SALES, by=ANNA)
    assert (to_sales.department_id, to_sales.employee_id) == (SALES, None)
    assert ops.clients.due_reactions(ANNA, until=later) == ()
    with pytest.raises(ValidationError) as outsider:
        ops.clients.take_reaction(reaction.id, by=ANNA)
    assert [e.path for e in outsider.value.errors] == ["by"]
    taken = ops.clients.take_reaction(reaction.id, by=PETROV)
    assert taken.employee_id == PETROV
    assert [d.reaction_id for d in ops.clients.due_reactions(PETROV, until=later)] == [reaction.id]
    assert ops.clients.take_reaction(reaction.id, by=PETROV) == taken  # already his
    with pytest.raises(TransitionError):
        ops.clients.take_reaction(reaction.id, by=KUZNETSOVA)
    # to an employee: the employee's department comes with them
    back = ops.clients.reassign_reaction(reaction.id, employee_id=ANNA, by=PETROV)
    assert (back.department_id, back.employee_id) == (CLIENT, ANNA)
    scheduled = [e for e in recorder.events if isinstance(e, ReactionScheduled)]
    assert [e.employee_id for e in scheduled][-4:] == [ANNA, None, PETROV, ANNA]
    # a done reaction is not moved
    ops.clients.complete_reaction(reaction.id, ReactionResult.MOVED, by=ANNA)
    with pytest.raises(TransitionError):
        ops.clients.reschedule_reaction(reaction.id, later, by=ANNA)
    with pytest.raises(TransitionError):
        ops.clients.reassign_reaction(reaction.id, department_id=SALES, by=ANNA)


def test_bad_input_names_the_field_and_stores_nothing(ops: ClientOps, recorder: Recorder) -> None:
    appeal, reaction = _first_reaction(ops)
    before = ops.clients.reactions_of(reaction.client_id)
    recorder.events.clear()
    cases: list[tuple[Callable[[], object], str]] = [
        (
            lambda: ops.clients.complete_reaction(
                reaction.id,
                ReactionResult.DONE,
                by=ANNA,
                then=NextReaction(T0, employee_id=EmployeeId("nobody")),
            ),
            "then.employee_id",
        ),
        (
            lambda: ops.clients.complete_reaction(
                reaction.id,
                ReactionResult.DONE,
                by=ANNA,
                then=NextReaction(T0, department_id=DepartmentId("nowhere")),
            ),
            "then.department_id",
        ),
        (
            lambda: ops.clients.complete_reaction(reaction.id, "done", by=ANNA),  # type: ignore[arg-type]
            "result",
        ),
        (lambda: NextReaction(T0), "employee_id"),
        (lambda: NextReaction(T0.replace(tzinfo=None), employee_id=ANNA), "due_at"),
        (
            lambda: ops.clients.add_reaction(
                appeal.id, NextReaction(T0, department_id=DepartmentId("nowhere")), by=ANNA
            ),
            "plan.department_id",
        ),
        (
            lambda: ops.clients.open_appeal(
                appeal.client_id, topic="Х", department_id=DepartmentId("nowhere"), by=ANNA
            ),
            "department_id",
        ),
        (
            lambda: ops.clients.open_appeal(
                appeal.client_id, topic=" ", department_id=CLIENT, by=ANNA
            ),
            "topic",
        ),
        (lambda: ops.clients.reassign_reaction(reaction.id, by=ANNA), "employee_id"),
        (
            lambda: ops.clients.reassign_reaction(
                reaction.id, employee_id=PETROV, department_id=CLIENT, by=ANNA
            ),
            "employee_id",
        ),
        (
            lambda: ops.clients.reschedule_reaction(reaction.id, T0.replace(tzinfo=None), by=ANNA),
            "due_at",
        ),
    ]
    for call, path in cases:
        with pytest.raises(ValidationError) as bad:
            call()
        assert path in [e.path for e in bad.value.errors], (path, bad.value)
    with pytest.raises(NotFoundError):
        ops.clients.complete_reaction(reaction.id, ReactionResult.DONE, by=EmployeeId("nobody"))
    assert ops.clients.reactions_of(reaction.client_id) == before
    assert ops.clients.appeals_of(appeal.client_id) == (appeal,)
    assert recorder.events == []
