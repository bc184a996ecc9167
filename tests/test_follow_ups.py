"""Follow-up plans (chains of reactions with delays in working days or hours) and the
department-owned reactions on the department's agenda and calendar; on memory, SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

import clientops
from clientops import ClientOps, Policy
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.clients import (
    Delay,
    DepartmentId,
    EmployeeId,
    FollowUpPlan,
    FollowUpPlans,
    NextReaction,
    PlanStep,
    ReactionKind,
    ReactionResult,
    Role,
)
from clientops.errors import NotFoundError, StorageError, ValidationError
from clientops.ports import Storage
from clientops.testing import FailingStorage, a_client, a_staff
from clientops.workdays import FixedCalendar

ANNA, PETROV = EmployeeId("anna"), EmployeeId("petrov")
SALES, CLIENT = DepartmentId("sales"), DepartmentId("client")
#: Tuesday 3 November 2026, 9:00 in Moscow; 4 November is a public holiday
NOW = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Storage]:
    if request.param == "memory":
        return MemoryStorage
    if request.param == "sqlite":
        return lambda: SQLiteStorage(tmp_path / "plans.db")
    url = request.getfixturevalue("postgres_url")
    return lambda: clientops.connect(url).storage


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _ops(storage: Storage, clock: Clock, policy: Policy | None = None) -> ClientOps:
    ops = ClientOps(storage, clock=clock, policy=policy or Policy())
    ops.clients.add_staff(a_staff())
    return ops


@pytest.fixture
def ops(make_storage: Callable[[], Storage], clock: Clock) -> Iterator[ClientOps]:
    with _ops(make_storage(), clock) as ops:
        yield ops


# ------------------------------------------------------------------ plans are checked data


def test_a_plan_with_a_cycle_names_the_step_closing_it() -> None:
    with pytest.raises(ValidationError) as caught:
        FollowUpPlan(
            "loop",
            "Петля",
            (
                PlanStep("send", "Отправить КП", then="check"),
                PlanStep("check", "Проверить", Delay(working_days=2), then="call"),
                PlanStep("call", "Перезвонить", Delay(working_days=5), then="check"),
            ),
        )
    assert caught.value.paths == ("steps[2].then",)
    assert "check → call → check" in str(caught.value)


@pytest.mark.parametrize(
    ("steps", "path", "words"),
    [
        ((PlanStep("a", "А", then="b"),), "steps[0].then", "unknown step 'b'"),
        ((PlanStep("a", "А"), PlanStep("a", "Б")), "steps[1].name", "step 'a' twice"),
        ((PlanStep("a", "А"), PlanStep("b", "Б")), "steps[1]", "never reached"),
        ((), "steps", "at least one step"),
    ],
)
def test_a_bad_plan_is_a_typed_error_naming_the_step(
    steps: tuple[PlanStep, ...], path: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        FollowUpPlan("bad", "Плохой", steps)
    assert caught.value.paths == (path,)
    assert words in str(caught.value)


def test_a_delay_is_whole_numbers_and_counts_working_days_of_the_calendar() -> None:
    with pytest.raises(ValidationError) as caught:
        Delay(working_days=-1)
    assert caught.value.paths == ("working_days",)
    tz = Policy().tz
    # the 4th is a holiday in the production calendar; the same local time on the day
    assert Delay(working_days=1).due(NOW, calendar=Policy().calendar, tz=tz) == NOW + timedelta(
        days=2
    )
    fixed = FixedCalendar(holidays=())
    assert Delay(working_days=1).due(NOW, calendar=fixed, tz=tz) == NOW + timedelta(days=1)
    assert Delay(hours=3).due(NOW, calendar=fixed, tz=tz) == NOW + timedelta(hours=3)
    with pytest.raises(ValidationError):
        FollowUpPlans((Policy().follow_up_plans.plans[0],) * 2)


# ------------------------------------------------------------------ plans as a loop


def test_a_plan_started_by_hand_chains_its_steps_once_even_when_retried(
    ops: ClientOps, clock: Clock
) -> None:
    card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    first = ops.clients.start_plan(card.id, "commercial_offer", by=ANNA)
    (appeal,) = ops.clients.appeals_of(card.id)
    assert appeal.topic == "КП отправлено"
    assert (first.plan, first.step, first.topic) == (
        "commercial_offer",
        "check_receipt",
        "Проверить получение КП",
    )
    # two working days: Thursday the 5th is the first, the 4th being a holiday
    assert first.due_at == datetime(2026, 11, 6, 6, 0, tzinfo=UTC)
    assert (first.employee_id, first.department_id) == (ANNA, CLIENT)

    clock.now = first.due_at
    done = ops.clients.complete_reaction(first.id, ReactionResult.DONE, by=ANNA, note="Получили")
    assert done.next is not None
    assert (done.next.step, done.next.topic) == ("call_back", "Перезвонить по КП")
    # five working days after Friday the 6th: the 13th
    assert done.next.due_at == datetime(2026, 11, 13, 6, 0, tzinfo=UTC)
    again = ops.clients.complete_reaction(first.id, ReactionResult.DONE, by=ANNA)
    assert again.repeated
    assert again.next == done.next
    assert len(ops.clients.reactions_of(card.id)) == 2

    last = ops.clients.complete_reaction(done.next.id, ReactionResult.DONE, by=ANNA)
    assert last.next is None
    assert len(ops.clients.reactions_of(card.id)) == 2


def test_a_retry_after_a_failed_store_stores_the_next_step_once(
    ops: ClientOps, clock: Clock
) -> None:
    card = ops.clients.add(a_client(manager_id=ANNA))
    first = ops.clients.start_plan(card.id, "commercial_offer", by=ANNA)
    failing = FailingStorage(ops.storage, "appeals.add_reaction")
    broken = ClientOps(failing, clock=clock)
    with pytest.raises(StorageError):
        broken.clients.complete_reaction(first.id, ReactionResult.DONE, by=ANNA)
    assert ops.clients.reactions_of(card.id) == (first,)
    done = ops.clients.complete_reaction(first.id, ReactionResult.DONE, by=ANNA)
    again = ops.clients.complete_reaction(first.id, ReactionResult.DONE, by=ANNA)
    assert not done.repeated
    assert again.repeated
    assert done.next is not None
    assert again.next == done.next
    assert [r.step for r in ops.clients.reactions_of(card.id)] == ["check_receipt", "call_back"]


def test_a_refusal_or_a_hand_made_next_reaction_ends_the_plan(ops: ClientOps) -> None:
    card = ops.clients.add(a_client(manager_id=ANNA))
    first = ops.clients.start_plan(card.id, "commercial_offer", by=ANNA)
    refused = ops.clients.complete_reaction(first.id, ReactionResult.REFUSED, by=ANNA)
    assert refused.next is None
    second = ops.clients.start_plan(card.id, "commercial_offer", by=ANNA)
    by_hand = ops.clients.complete_reaction(
        second.id,
        ReactionResult.DONE,
        by=ANNA,
        then=NextReaction(NOW + timedelta(days=1), employee_id=ANNA, topic="Встреча"),
    )
    assert by_hand.next is not None
    assert (by_hand.next.topic, by_hand.next.plan, by_hand.next.step) == ("Встреча", None, None)


def test_a_users_own_plan_with_roles_departments_and_hours(
    make_storage: Callable[[], Storage], clock: Clock
) -> None:
    plan = FollowUpPlan(
        "warm_lead",
        "Тёплый контакт",
        (
            PlanStep(
                "hand_over",
                "Передать тёплый контакт",
                Delay(hours=2),
                then="meet",
                department_id=SALES,
            ),
            PlanStep(
                "meet",
                "Провести встречу",
                Delay(working_days=1),
                then="report",
                kind=ReactionKind.MEETING,
                role=Role.SALES_MANAGER,
            ),
            PlanStep("report", "Доложить итог", Delay(hours=1), role=Role.CLIENT_MANAGER),
        ),
    )
    policy = attrs.evolve(Policy(), follow_up_plans=FollowUpPlans((plan,)))
    with _ops(make_storage(), clock, policy) as ops:
        card = ops.clients.add(a_client(manager_id=ANNA))
        appeal = ops.clients.open_appeal(card.id, topic="Интерес", department_id=CLIENT, by=ANNA)
        with pytest.raises(ValidationError) as caught:
            ops.clients.start_plan(card.id, "commercial_offer", by=ANNA)
        assert caught.value.paths == ("plan",)
        first = ops.clients.start_plan(card.id, "warm_lead", by=ANNA, appeal_id=appeal.id)
        assert (first.employee_id, first.department_id) == (None, SALES)
        assert first.due_at == NOW + timedelta(hours=2)
        assert first.appeal_id == appeal.id
        ops.clients.take_reaction(first.id, by=PETROV)
        meet = ops.clients.complete_reaction(first.id, ReactionResult.DONE, by=PETROV).next
        assert meet is not None
        assert (meet.employee_id, meet.kind) == (PETROV, ReactionKind.MEETING)
        report = ops.clients.complete_reaction(meet.id, ReactionResult.DONE, by=PETROV).next
        # the client manager's step goes to the card's manager: Petrov is a sales manager
        assert report is not None
        assert report.employee_id == ANNA
        other = ops.clients.add(a_client())
        with pytest.raises(NotFoundError):
            ops.clients.start_plan(other.id, "warm_lead", by=ANNA, appeal_id=appeal.id)
        assert ops.clients.reactions_of(other.id) == ()


# ------------------------------------------------------------------ department-owned


def test_a_department_reaction_is_on_every_members_agenda_and_calendar_until_taken(
    ops: ClientOps, clock: Clock
) -> None:
    card = ops.clients.add(a_client(name="ООО «Лютик»", manager_id=ANNA))
    appeal = ops.clients.open_appeal(card.id, topic="Хочет купить", department_id=SALES, by=ANNA)
    reaction = ops.clients.add_reaction(
        appeal.id, NextReaction(NOW + timedelta(minutes=1), department_id=SALES), by=ANNA
    )
    clock.now = NOW + timedelta(days=1)  # overdue since yesterday: it stays
    for agenda in ops.agenda.for_department(SALES):
        (item,) = (i for i in agenda.items if i.ref == reaction.id)
        assert item.overdue
        assert "никто не взял" in item.why
    assert reaction.id not in [i.ref for i in ops.agenda.for_manager(ANNA).items]
    ics = ops.agenda.department_calendar(SALES).decode()
    assert f"reaction-{reaction.id}@" in ics
    assert "никто не взял" in ics
    published = ops.agenda.publish_calendar(EmployeeId("kuznetsova"))
    assert [m.data()["cancelled"] for m in published] == [False]

    ops.clients.take_reaction(reaction.id, by=PETROV)
    assert reaction.id in [i.ref for i in ops.agenda.for_manager(PETROV).items]
    assert reaction.id not in [
        i.ref for i in ops.agenda.for_manager(EmployeeId("kuznetsova")).items
    ]
    assert f"reaction-{reaction.id}@" not in ops.agenda.department_calendar(SALES).decode()
    (cancelled,) = ops.agenda.publish_calendar(EmployeeId("kuznetsova"))
    assert cancelled.data()["cancelled"]
    with pytest.raises(NotFoundError):
        ops.agenda.department_calendar(DepartmentId("nowhere"))
