"""Service visits and trainings (seed 002, processes 7 and 11): maintenance rules across month
and year ends, visits on holidays moved or refused, the emergency deadline across weekends and
the Russian holidays, SLA breaches and who they go to, the visit act, the training's steps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from clientops import (
    AppealType,
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    Money,
    NotFoundError,
    ReactionKind,
    Role,
    TransitionError,
    ValidationError,
)
from clientops.clients import StaffDirectory
from clientops.model import Client, ClientId
from clientops.rules.service_visits import (
    add_part,
    cancel_training,
    cancel_visit,
    collect_feedback,
    complete_visit,
    emergency_deadline,
    escalation_reaction_id,
    hold_training,
    new_training,
    plan_visit,
    record_facts,
    request_emergency_visit,
    reschedule_training,
    resolve_day,
    schedule_training,
    scheduled_visit,
    scheduled_visit_id,
    scheduled_visits,
    send_recording,
    sla_breaches,
    training_allowed_actions,
    training_event,
    visit_act,
    visit_allowed_actions,
    visit_appeal,
)
from clientops.service_visits import (
    TRAINING_TRANSITIONS,
    VISIT_TRANSITIONS,
    InstalledEquipment,
    MaintenanceRecurrence,
    NonWorkingDay,
    Part,
    ServerFormat,
    ServiceContract,
    ServiceContractId,
    TechFacts,
    Training,
    TrainingId,
    TrainingStatus,
    Visit,
    VisitId,
    VisitKind,
    VisitPolicy,
    VisitStatus,
    VisitTexts,
)
from clientops.testing import a_client
from clientops.workdays import FixedCalendar, russian_calendar

MSK = ZoneInfo("Europe/Moscow")
CAL = russian_calendar()
POLICY = VisitPolicy()
ANNA = EmployeeId("anna")
EGOROV = EmployeeId("egorov")
SOKOLOV = EmployeeId("sokolov")
D = date


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)  # type: ignore[misc]


def a_contract(**fields: Any) -> ServiceContract:
    values: dict[str, Any] = {
        "id": ServiceContractId("sc1"),
        "client_id": ClientId("c1"),
        "number": "СО-12/25",
        "starts_on": D(2025, 1, 1),
        "emergency_response_days": 1,
        "maintenance": MaintenanceRecurrence.monthly(day=15),
        "address": "Омск, ул. Ленина, 1",
    }
    values.update(fields)
    return ServiceContract(**values)


def the_client(**fields: Any) -> Client:
    values: dict[str, Any] = {"id": ClientId("c1"), "name": "ООО «Ромашка»", "manager_id": ANNA}
    values.update(fields)
    return a_client(**values)


def a_staff(*, service_head: EmployeeId | None = SOKOLOV) -> StaffDirectory:
    d = DepartmentId
    return StaffDirectory(
        departments=(
            Department(d("client"), "Клиентский отдел", head_id=ANNA),
            Department(d("tech_support"), "Сервисный отдел", head_id=service_head),
        ),
        employees=(
            Employee(ANNA, "Смирнова Анна Сергеевна", "Анна", d("client"), (Role.CLIENT_MANAGER,)),
            Employee(
                SOKOLOV, "Соколов Павел Андреевич", "Павел", d("tech_support"), (Role.TECH_SUPPORT,)
            ),
            Employee(
                EGOROV, "Егоров Денис Викторович", "Денис", d("tech_support"), (Role.TECH_SUPPORT,)
            ),
        ),
    )


def an_emergency(requested_at: datetime, **fields: Any) -> Visit:
    visit = request_emergency_visit(
        id=fields.pop("id", VisitId("v1")),
        contract=fields.pop("contract", a_contract()),
        requested_at=requested_at,
        problem="Не открывается шлагбаум на въезде",
        by=ANNA,
    )
    return attrs.evolve(visit, **fields) if fields else visit


def days(visits: Any) -> list[tuple[date, date]]:
    return [(v.original, v.day) for v in visits]


# ----------------------------------------------------------------------------- recurrence


@pytest.mark.parametrize(
    ("rule", "rrule"),
    [
        (MaintenanceRecurrence.every_weeks(), "FREQ=WEEKLY"),
        (MaintenanceRecurrence.every_weeks(2), "FREQ=WEEKLY;INTERVAL=2"),
        (MaintenanceRecurrence.monthly(day=15), "FREQ=MONTHLY;BYMONTHDAY=15"),
        (MaintenanceRecurrence.monthly(day=-1), "FREQ=MONTHLY;BYMONTHDAY=-1"),
        (MaintenanceRecurrence.quarterly(day=1), "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1"),
        (MaintenanceRecurrence.monthly(day=5, months=2), "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=5"),
    ],
)
def test_a_maintenance_rule_is_one_rrule(rule: MaintenanceRecurrence, rrule: str) -> None:
    assert rule.rrule == rrule


@pytest.mark.parametrize(
    ("rule", "first", "start", "end", "expected"),
    [
        (  # every two weeks over a month end and a year end
            MaintenanceRecurrence.every_weeks(2),
            D(2025, 12, 3),
            D(2025, 12, 10),
            D(2026, 1, 31),
            [D(2025, 12, 17), D(2025, 12, 31), D(2026, 1, 14), D(2026, 1, 28)],
        ),
        (  # the last day of each month, a leap February included
            MaintenanceRecurrence.monthly(day=-1),
            D(2027, 11, 30),
            D(2027, 11, 1),
            D(2028, 3, 31),
            [D(2027, 11, 30), D(2027, 12, 31), D(2028, 1, 31), D(2028, 2, 29), D(2028, 3, 31)],
        ),
        (  # quarterly over a year end, counted from the first visit's month
            MaintenanceRecurrence.quarterly(day=28),
            D(2025, 5, 28),
            D(2025, 9, 1),
            D(2026, 9, 1),
            [D(2025, 11, 28), D(2026, 2, 28), D(2026, 5, 28), D(2026, 8, 28)],
        ),
        (  # a period before the first visit starts with it
            MaintenanceRecurrence.monthly(day=10),
            D(2026, 3, 10),
            D(2026, 1, 1),
            D(2026, 4, 30),
            [D(2026, 3, 10), D(2026, 4, 10)],
        ),
    ],
)
def test_the_days_of_a_rule(
    rule: MaintenanceRecurrence, first: date, start: date, end: date, expected: list[date]
) -> None:
    assert list(rule.dates(first, start, end)) == expected


@pytest.mark.parametrize(
    ("rule", "day", "first"),
    [
        (MaintenanceRecurrence.monthly(day=15), D(2025, 12, 16), D(2026, 1, 15)),
        (MaintenanceRecurrence.monthly(day=15), D(2025, 12, 15), D(2025, 12, 15)),
        (MaintenanceRecurrence.monthly(day=-1), D(2026, 2, 1), D(2026, 2, 28)),
        (MaintenanceRecurrence.quarterly(day=1), D(2026, 12, 2), D(2027, 1, 1)),
        (MaintenanceRecurrence.every_weeks(3), D(2026, 2, 4), D(2026, 2, 4)),
    ],
)
def test_the_first_visit_is_the_first_day_of_the_rule_from_the_start(
    rule: MaintenanceRecurrence, day: date, first: date
) -> None:
    assert rule.first_on_or_after(day) == first
    assert a_contract(starts_on=day, maintenance=rule).first_maintenance == first


@pytest.mark.parametrize(
    ("fields", "paths"),
    [
        ({"month_day": 31}, ("month_day",)),
        ({"month_day": 29}, ("month_day",)),
        ({"month_day": 0}, ("month_day",)),
        ({"month_day": None}, ("month_day",)),
        ({"month_day": 10, "interval": 0}, ("interval",)),
    ],
)
def test_bad_monthly_rules_are_refused(fields: dict[str, Any], paths: tuple[str, ...]) -> None:
    from clientops.service_visits import MaintenanceFrequency

    with pytest.raises(ValidationError) as info:
        MaintenanceRecurrence(MaintenanceFrequency.MONTHLY, **fields)
    assert info.value.paths == paths


def test_a_weekly_rule_has_no_day_of_the_month() -> None:
    from clientops.service_visits import MaintenanceFrequency

    with pytest.raises(ValidationError) as info:
        MaintenanceRecurrence(MaintenanceFrequency.WEEKLY, month_day=3)
    assert info.value.paths == ("month_day",)


def test_a_bad_contract_names_every_field() -> None:
    with pytest.raises(ValidationError) as info:
        a_contract(
            number=" ",
            starts_on=D(2026, 1, 1),
            ends_on=D(2025, 12, 31),
            emergency_response_days=0,
            maintenance="monthly",
        )
    assert info.value.paths == ("number", "ends_on", "emergency_response_days", "maintenance")
    assert "service contract" in str(info.value)


def test_a_contract_ending_before_its_first_visit_has_none() -> None:
    contract = a_contract(starts_on=D(2026, 1, 16), ends_on=D(2026, 2, 10))
    assert contract.first_maintenance is None
    assert (
        scheduled_visits(contract, D(2026, 1, 1), D(2026, 12, 31), policy=POLICY, calendar=CAL)
        == ()
    )


# ----------------------------------------------------------------------------- scheduled visits


def test_visits_on_working_days_stay_and_holidays_move_forward() -> None:
    contract = a_contract(maintenance=MaintenanceRecurrence.monthly(day=9), starts_on=D(2026, 1, 1))
    visits = scheduled_visits(contract, D(2026, 1, 1), D(2026, 6, 30), policy=POLICY, calendar=CAL)
    assert days(visits) == [
        (D(2026, 1, 9), D(2026, 1, 12)),  # New Year holidays to the 11th
        (D(2026, 2, 9), D(2026, 2, 9)),
        (D(2026, 3, 9), D(2026, 3, 10)),  # 8 March fell on a Sunday: Monday off
        (D(2026, 4, 9), D(2026, 4, 9)),
        (D(2026, 5, 9), D(2026, 5, 12)),  # Victory Day, Saturday, and Monday 11 May off
        (D(2026, 6, 9), D(2026, 6, 9)),
    ]
    assert [v.moved for v in visits] == [True, False, True, False, True, False]


def test_visits_move_back_when_the_policy_says_so() -> None:
    policy = VisitPolicy(non_working_day=NonWorkingDay.PREVIOUS_WORKING_DAY)
    contract = a_contract(maintenance=MaintenanceRecurrence.monthly(day=9), starts_on=D(2026, 1, 1))
    visits = scheduled_visits(contract, D(2026, 1, 1), D(2026, 5, 31), policy=policy, calendar=CAL)
    assert days(visits)[0] == (D(2026, 1, 9), D(2025, 12, 30))  # 31 December 2025 is off
    assert days(visits)[2] == (D(2026, 3, 9), D(2026, 3, 6))
    assert days(visits)[4] == (D(2026, 5, 9), D(2026, 5, 8))


def test_refusing_names_every_non_working_day_of_the_period() -> None:
    policy = VisitPolicy(non_working_day=NonWorkingDay.REFUSE)
    contract = a_contract(maintenance=MaintenanceRecurrence.monthly(day=9), starts_on=D(2026, 1, 1))
    with pytest.raises(ValidationError) as info:
        scheduled_visits(contract, D(2026, 2, 1), D(2026, 6, 30), policy=policy, calendar=CAL)
    assert info.value.paths == ("day", "day")
    text = str(info.value)
    assert "2026-03-09 (пн) is not a working day in production calendar RU" in text
    assert "2026-05-09 (сб)" in text
    assert "СО-12/25" in text
    # a period of working days only is fine
    fine = scheduled_visits(contract, D(2026, 2, 1), D(2026, 2, 28), policy=policy, calendar=CAL)
    assert days(fine) == [(D(2026, 2, 9), D(2026, 2, 9))]


def test_two_rule_days_moved_onto_one_day_are_one_visit() -> None:
    weekly = a_contract(maintenance=MaintenanceRecurrence.every_weeks(), starts_on=D(2025, 12, 25))
    visits = scheduled_visits(weekly, D(2025, 12, 20), D(2026, 1, 20), policy=POLICY, calendar=CAL)
    assert [(v.original, v.day, v.merged) for v in visits] == [
        (D(2025, 12, 25), D(2025, 12, 25), ()),
        (D(2026, 1, 1), D(2026, 1, 12), (D(2026, 1, 8),)),
        (D(2026, 1, 15), D(2026, 1, 15), ()),
    ]
    # a Monday series: the moved 5 January joins the visit of 12 January, its own rule day
    mondays = a_contract(maintenance=MaintenanceRecurrence.every_weeks(), starts_on=D(2025, 12, 29))
    visits = scheduled_visits(mondays, D(2025, 12, 29), D(2026, 1, 19), policy=POLICY, calendar=CAL)
    assert [(v.original, v.day, v.merged) for v in visits] == [
        (D(2025, 12, 29), D(2025, 12, 29), ()),
        (D(2026, 1, 12), D(2026, 1, 12), (D(2026, 1, 5),)),
        (D(2026, 1, 19), D(2026, 1, 19), ()),
    ]


def test_a_merged_visit_belongs_to_one_period_whichever_periods_are_asked() -> None:
    mondays = a_contract(maintenance=MaintenanceRecurrence.every_weeks(), starts_on=D(2025, 12, 1))
    whole = scheduled_visits(mondays, D(2025, 12, 1), D(2026, 2, 28), policy=POLICY, calendar=CAL)
    for cut in (D(2026, 1, 5), D(2026, 1, 8), D(2026, 1, 12)):
        before = scheduled_visits(
            mondays, D(2025, 12, 1), cut - timedelta(days=1), policy=POLICY, calendar=CAL
        )
        after = scheduled_visits(mondays, cut, D(2026, 2, 28), policy=POLICY, calendar=CAL)
        assert before + after == whole, cut


def test_the_contract_end_is_the_last_rule_day() -> None:
    contract = a_contract(starts_on=D(2025, 10, 1), ends_on=D(2026, 1, 15))
    visits = scheduled_visits(contract, D(2025, 1, 1), D(2026, 12, 31), policy=POLICY, calendar=CAL)
    assert [v.original for v in visits] == [
        D(2025, 10, 15),
        D(2025, 11, 15),
        D(2025, 12, 15),
        D(2026, 1, 15),
    ]
    assert visits[1].day == D(2025, 11, 17)  # a Saturday


def test_no_maintenance_means_no_scheduled_visits() -> None:
    contract = a_contract(maintenance=None)
    assert (
        scheduled_visits(contract, D(2026, 1, 1), D(2026, 12, 31), policy=POLICY, calendar=CAL)
        == ()
    )


def test_a_bad_period_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        scheduled_visits(a_contract(), D(2026, 2, 1), D(2026, 1, 1), policy=POLICY, calendar=CAL)
    assert info.value.paths == ("end",)


@pytest.mark.parametrize(
    ("rule", "day", "expected"),
    [
        (NonWorkingDay.NEXT_WORKING_DAY, D(2026, 2, 20), D(2026, 2, 20)),
        (NonWorkingDay.NEXT_WORKING_DAY, D(2026, 2, 21), D(2026, 2, 24)),  # 23 Feb, Monday
        (NonWorkingDay.PREVIOUS_WORKING_DAY, D(2026, 2, 23), D(2026, 2, 20)),
        (NonWorkingDay.NEXT_WORKING_DAY, D(2025, 11, 1), D(2025, 11, 1)),  # a worked Saturday
        (NonWorkingDay.REFUSE, D(2026, 2, 24), D(2026, 2, 24)),
    ],
)
def test_resolve_day(rule: NonWorkingDay, day: date, expected: date) -> None:
    policy = VisitPolicy(non_working_day=rule)
    assert resolve_day(day, policy=policy, calendar=CAL) == expected


def test_resolve_day_refuses_with_the_date_and_the_calendar() -> None:
    policy = VisitPolicy(non_working_day=NonWorkingDay.REFUSE)
    shop = FixedCalendar(holidays={D(2026, 7, 1)}, name="календарь сервиса")
    with pytest.raises(ValidationError) as info:
        resolve_day(D(2026, 7, 1), policy=policy, calendar=shop, path="planned_on")
    assert info.value.paths == ("planned_on",)
    assert "2026-07-01 (ср) is not a working day in календарь сервиса" in str(info.value)


# ----------------------------------------------------------------------------- the deadline


@pytest.mark.parametrize(
    ("requested_at", "response_days", "deadline"),
    [
        # Friday evening before the weekend and Monday 9 March (8 March fell on a Sunday)
        (msk(2026, 3, 6, 19, 30), 1, msk(2026, 3, 11, 0, 0)),
        (msk(2026, 3, 6, 19, 30), 2, msk(2026, 3, 12, 0, 0)),
        # the hour never matters: the request day itself does not count
        (msk(2026, 3, 10, 0, 5), 1, msk(2026, 3, 12, 0, 0)),
        (msk(2026, 3, 10, 23, 55), 1, msk(2026, 3, 12, 0, 0)),
        # Friday before Victory Day (Saturday) and its Monday off
        (msk(2026, 5, 8, 18, 0), 1, msk(2026, 5, 13, 0, 0)),
        # asked on the holiday itself
        (msk(2026, 5, 9, 11, 0), 1, msk(2026, 5, 13, 0, 0)),
        # over the year end: 31 December 2025 and 1-11 January 2026 are off
        (msk(2025, 12, 30, 16, 0), 2, msk(2026, 1, 14, 0, 0)),
        # a request stored in UTC late on Thursday is Friday in Moscow
        (datetime(2026, 3, 5, 22, 30, tzinfo=UTC), 1, msk(2026, 3, 11, 0, 0)),
        # a worked Saturday counts (1 November 2025, for Monday 3 November)
        (msk(2025, 10, 31, 12, 0), 1, msk(2025, 11, 2, 0, 0)),
    ],
)
def test_the_emergency_deadline_counts_working_days_after_the_request_day(
    requested_at: datetime, response_days: int, deadline: datetime
) -> None:
    contract = a_contract(emergency_response_days=response_days)
    got = emergency_deadline(requested_at, contract, calendar=CAL, tz="Europe/Moscow")
    assert got == deadline
    assert got.utcoffset() == timedelta(hours=3)


def test_the_deadline_may_be_a_time_of_the_last_day() -> None:
    policy = VisitPolicy(emergency_deadline_time=time(18, 0))
    got = emergency_deadline(
        msk(2026, 3, 6, 19, 30), a_contract(), calendar=CAL, tz=MSK, policy=policy
    )
    assert got == msk(2026, 3, 10, 18, 0)


def test_the_deadline_needs_an_aware_request_time() -> None:
    with pytest.raises(ValidationError) as info:
        emergency_deadline(datetime(2026, 3, 6, 19, 30), a_contract(), calendar=CAL, tz=MSK)
    assert info.value.paths == ("requested_at",)


# ----------------------------------------------------------------------------- SLA breaches


def breaches(visits: list[Visit], now: datetime, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "contracts": [a_contract()],
        "clients": [the_client()],
        "staff": a_staff(),
        "now": now,
        "calendar": CAL,
        "tz": "Europe/Moscow",
        "policy": POLICY,
    }
    args.update(kw)
    return sla_breaches(visits, **args)


def test_a_friday_evening_emergency_is_late_only_after_the_holiday_weekend() -> None:
    visit = an_emergency(msk(2026, 3, 6, 19, 30))
    for now in (msk(2026, 3, 7, 12), msk(2026, 3, 9, 23), msk(2026, 3, 10, 23, 59, 59)):
        assert breaches([visit], now) == (), now
    (breach,) = breaches([visit], msk(2026, 3, 11, 0, 0))
    assert breach.deadline == msk(2026, 3, 11, 0, 0)
    assert breach.late_by == timedelta(0)
    (breach,) = breaches([visit], msk(2026, 3, 11, 9, 30))
    assert breach.late_by == timedelta(hours=9, minutes=30)


def test_the_escalation_goes_to_the_head_of_service_and_the_clients_manager() -> None:
    visit = an_emergency(msk(2026, 3, 6, 19, 30))
    now = msk(2026, 3, 11, 9, 0)
    (breach,) = breaches([visit], now)
    head, manager = breach.reactions
    assert (head.employee_id, head.department_id) == (SOKOLOV, None)
    assert (manager.employee_id, manager.department_id) == (ANNA, None)
    assert [r.id for r in breach.reactions] == ["visit-sla-v1-head", "visit-sla-v1-manager"]
    assert {r.appeal_id for r in breach.reactions} == {"visit-v1"}
    assert all(r.kind is ReactionKind.TASK and r.due_at == now for r in breach.reactions)
    assert head.topic == (
        "Просрочен аварийный выезд: ООО «Ромашка», договор № СО-12/25, заявка от 06.03.2026 "
        "19:30, срок — до 10.03.2026. Организовать выезд немедленно"
    )
    assert manager.topic.endswith("Связаться с клиентом")
    # found again tomorrow: the same reactions, so the store keeps one escalation each
    (again,) = breaches([visit], now + timedelta(days=1))
    assert [r.id for r in again.reactions] == [r.id for r in breach.reactions]
    assert escalation_reaction_id(visit.id, "head") == head.id


def test_escalation_recipients_when_people_are_missing_or_the_same() -> None:
    visit = an_emergency(msk(2026, 3, 6, 19, 30))
    now = msk(2026, 3, 12, 9, 0)
    (breach,) = breaches([visit], now, staff=a_staff(service_head=None))
    assert [(r.employee_id, r.department_id) for r in breach.reactions] == [
        (None, "tech_support"),
        (ANNA, None),
    ]
    (breach,) = breaches([visit], now, clients=[the_client(manager_id=None)])
    assert [(r.employee_id, r.department_id) for r in breach.reactions] == [
        (SOKOLOV, None),
        (None, "client"),
    ]
    (breach,) = breaches([visit], now, clients=[the_client(manager_id=SOKOLOV)])
    assert [r.id for r in breach.reactions] == ["visit-sla-v1-head"]
    policy = VisitPolicy(
        service_department=DepartmentId("client"), escalation_delay=timedelta(hours=1)
    )
    (breach,) = breaches([visit], now, policy=policy)
    assert [r.employee_id for r in breach.reactions] == [ANNA]  # head of client dept = manager
    assert breach.reactions[0].due_at == now + timedelta(hours=1)


def test_only_open_emergency_visits_can_be_late_and_the_most_overdue_comes_first() -> None:
    contract = a_contract()
    early = an_emergency(msk(2026, 2, 2, 10, 0), id=VisitId("early"))
    later = an_emergency(msk(2026, 2, 4, 10, 0), id=VisitId("later"))
    in_time = an_emergency(msk(2026, 2, 10, 10, 0), id=VisitId("in_time"))
    planned = plan_visit(
        an_emergency(msk(2026, 2, 3, 10, 0), id=VisitId("planned")),
        engineer=EGOROV,
        now=msk(2026, 2, 3, 11, 0),
        by=ANNA,
        policy=POLICY,
        calendar=CAL,
        day=D(2026, 2, 6),
    )
    done = complete_visit(
        planned, works=("Заменён привод",), done_at=msk(2026, 2, 6, 15, 0), by=EGOROV
    )
    cancelled = cancel_visit(
        an_emergency(msk(2026, 2, 2, 9, 0), id=VisitId("cancelled")),
        reason="Клиент сам перезапустил контроллер",
        now=msk(2026, 2, 2, 9, 30),
        by=ANNA,
    )
    occurrence = scheduled_visits(
        contract, D(2026, 1, 1), D(2026, 1, 31), policy=POLICY, calendar=CAL
    )[0]
    routine = scheduled_visit(occurrence, contract=contract, now=msk(2026, 1, 1, 9, 0), by=ANNA)
    now = msk(2026, 2, 11, 9, 0)
    found = breaches(
        [in_time, later, done, cancelled, routine, planned, early], now, contracts=[contract]
    )
    assert [b.visit.id for b in found] == ["early", "planned", "later"]
    assert found[0].deadline == msk(2026, 2, 4, 0, 0)


def test_a_visit_of_an_unknown_contract_or_client_is_an_error() -> None:
    visit = an_emergency(msk(2026, 3, 6, 19, 30))
    now = msk(2026, 3, 12, 9, 0)
    with pytest.raises(NotFoundError) as info:
        breaches([visit], now, contracts={})
    assert (info.value.kind, info.value.key) == ("service contract", "sc1")
    with pytest.raises(NotFoundError) as info:
        breaches([visit], now, clients=[])
    assert (info.value.kind, info.value.key) == ("client", "c1")
    with pytest.raises(ValidationError):
        breaches([visit], datetime(2026, 3, 12, 9, 0))


# ----------------------------------------------------------------------------- visits


def test_an_emergency_visit_from_the_call_to_the_act() -> None:
    contract = a_contract()
    visit = an_emergency(msk(2026, 3, 6, 19, 30))
    assert (visit.kind, visit.status, visit.problem) == (
        VisitKind.EMERGENCY,
        VisitStatus.NEW,
        "Не открывается шлагбаум на въезде",
    )
    assert visit_allowed_actions(visit) == ("plan", "add_part", "cancel")
    visit = plan_visit(
        visit,
        engineer=EGOROV,
        now=msk(2026, 3, 6, 19, 45),
        by=ANNA,
        policy=POLICY,
        calendar=CAL,
        day=D(2026, 3, 7),  # a Saturday: the next working day
    )
    assert (visit.status, visit.planned_on, visit.engineer_id) == (
        VisitStatus.PLANNED,
        D(2026, 3, 10),
        EGOROV,
    )
    part = Part("Привод шлагбаума CAME BX-78", 1, Money("18500.00"), supplier="ООО «Техника»")
    visit = add_part(visit, part, now=msk(2026, 3, 10, 8, 0), by=ANNA)
    visit = complete_visit(
        visit,
        works=(" Диагностика контроллера ", "Замена привода шлагбаума"),
        parts=(Part("Фотоэлементы", 2, Money("1250.50")),),
        done_at=msk(2026, 3, 10, 14, 20),
        by=EGOROV,
    )
    assert visit.status is VisitStatus.DONE
    assert visit.works == ("Диагностика контроллера", "Замена привода шлагбаума")
    assert visit.parts_total == Money(Decimal("21001.00"))
    assert [e.action for e in visit.history] == ["request", "plan", "add_part", "complete"]
    assert visit_allowed_actions(visit) == ()

    act = visit_act(
        visit,
        contract=contract,
        client=the_client(),
        staff=a_staff(),
        number="АВ-17",
        tz="Europe/Moscow",
    )
    assert (act.number, act.day, act.client_name, act.contract_number) == (
        "АВ-17",
        D(2026, 3, 10),
        "ООО «Ромашка»",
        "СО-12/25",
    )
    assert (act.kind, act.engineer, act.address) == (
        VisitKind.EMERGENCY,
        "Егоров Денис Викторович",
        "Омск, ул. Ленина, 1",
    )
    assert act.works == visit.works
    assert [p.name for p in act.parts] == ["Привод шлагбаума CAME BX-78", "Фотоэлементы"]
    assert act.parts_total == Money("21001.00")
    assert act.problem == "Не открывается шлагбаум на въезде"


def test_the_act_is_dated_the_day_of_the_visit_in_the_departments_zone() -> None:
    visit = plan_visit(
        an_emergency(msk(2026, 3, 10, 9, 0)),
        engineer=EGOROV,
        now=msk(2026, 3, 10, 9, 5),
        by=ANNA,
        policy=POLICY,
        calendar=CAL,
        day=D(2026, 3, 10),
    )
    late = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)  # 01:30 on the 11th in Moscow
    visit = complete_visit(visit, works=("Настройка",), done_at=late, by=EGOROV)
    act = visit_act(
        visit, contract=a_contract(), client=the_client(), staff=a_staff(), number="1", tz=MSK
    )
    assert act.day == D(2026, 3, 11)


def test_an_act_needs_a_done_visit_its_own_client_and_a_known_engineer() -> None:
    visit = an_emergency(msk(2026, 3, 10, 9, 0))
    args: dict[str, Any] = {
        "contract": a_contract(),
        "client": the_client(),
        "staff": a_staff(),
        "number": "1",
        "tz": MSK,
    }
    with pytest.raises(TransitionError) as info:
        visit_act(visit, **args)
    assert "the visit is not done yet" in str(info.value)
    done = complete_visit(
        plan_visit(
            visit,
            engineer=EmployeeId("stranger"),
            now=msk(2026, 3, 10, 9, 5),
            by=ANNA,
            policy=POLICY,
            calendar=CAL,
            day=D(2026, 3, 10),
        ),
        works=("Настройка",),
        done_at=msk(2026, 3, 10, 12, 0),
        by=EmployeeId("stranger"),
    )
    with pytest.raises(NotFoundError):
        visit_act(done, **args)
    with pytest.raises(ValidationError) as bad:
        visit_act(done, **{**args, "client": a_client(id=ClientId("c2"))})
    assert bad.value.paths == ("client",)


def test_visit_steps_the_process_does_not_allow_are_transition_errors() -> None:
    visit = an_emergency(msk(2026, 3, 10, 9, 0))
    with pytest.raises(TransitionError) as info:
        complete_visit(visit, works=("x",), done_at=msk(2026, 3, 10, 12, 0), by=EGOROV)
    assert (info.value.current, info.value.attempted) == ("new", "complete")
    assert info.value.allowed == ("plan", "add_part", "cancel")
    cancelled = cancel_visit(visit, reason="Дубль заявки", now=msk(2026, 3, 10, 9, 1), by=ANNA)
    assert cancelled.history[-1].note == "Дубль заявки"
    for step in (
        lambda: cancel_visit(cancelled, reason="ещё раз", now=msk(2026, 3, 10, 9, 2), by=ANNA),
        lambda: plan_visit(
            cancelled,
            engineer=EGOROV,
            now=msk(2026, 3, 10, 9, 2),
            by=ANNA,
            policy=POLICY,
            calendar=CAL,
        ),
        lambda: add_part(
            cancelled, Part("Винт", 1, Money(10)), now=msk(2026, 3, 10, 9, 2), by=ANNA
        ),
    ):
        with pytest.raises(TransitionError) as info:
            step()
        assert info.value.current == "cancelled"
        assert info.value.allowed == ()


def test_bad_visit_steps_name_the_field() -> None:
    visit = an_emergency(msk(2026, 3, 10, 9, 0))
    with pytest.raises(ValidationError) as info:
        plan_visit(
            visit, engineer=EGOROV, now=msk(2026, 3, 10, 9, 5), by=ANNA, policy=POLICY, calendar=CAL
        )
    assert info.value.paths == ("day",)
    with pytest.raises(ValidationError) as info:
        plan_visit(
            visit,
            engineer=EGOROV,
            now=msk(2026, 3, 10, 8, 0),  # before the request
            by=ANNA,
            policy=POLICY,
            calendar=CAL,
            day=D(2026, 3, 11),
        )
    assert info.value.paths == ("now",)
    refuse = VisitPolicy(non_working_day=NonWorkingDay.REFUSE)
    with pytest.raises(ValidationError) as info:
        plan_visit(
            visit,
            engineer=EGOROV,
            now=msk(2026, 3, 10, 9, 5),
            by=ANNA,
            policy=refuse,
            calendar=CAL,
            day=D(2026, 3, 14),
        )
    assert "2026-03-14 (сб) is not a working day" in str(info.value)
    planned = plan_visit(
        visit,
        engineer=EGOROV,
        now=msk(2026, 3, 10, 9, 5),
        by=ANNA,
        policy=refuse,
        calendar=CAL,
        day=D(2026, 3, 11),
    )
    with pytest.raises(ValidationError) as info:
        complete_visit(planned, works=(), done_at=msk(2026, 3, 11, 12, 0), by=EGOROV)
    assert info.value.paths == ("works",)
    with pytest.raises(ValidationError) as info:
        complete_visit(planned, works=("ok", " "), done_at=msk(2026, 3, 11, 12, 0), by=EGOROV)
    assert info.value.paths == ("works[1]",)
    with_part = add_part(
        planned, Part("Винт", 4, Money("12.5")), now=msk(2026, 3, 10, 9, 6), by=ANNA
    )
    with pytest.raises(ValidationError) as info:
        add_part(with_part, Part("Bolt", 1, Money(3, "EUR")), now=msk(2026, 3, 10, 9, 7), by=ANNA)
    assert info.value.paths == ("part.unit_price",)
    with pytest.raises(ValidationError) as info:
        complete_visit(
            with_part,
            works=("ok",),
            parts=(Part("Bolt", 1, Money(3, "EUR")),),
            done_at=msk(2026, 3, 11, 12, 0),
            by=EGOROV,
        )
    assert info.value.paths == ("parts[0].unit_price",)


def test_money_of_parts_is_never_a_float() -> None:
    with pytest.raises(ValidationError, match="never a float"):
        Part("Винт", 1, Money(12.5))  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as info:
        Part(" ", 0, Money(-1))
    assert info.value.paths == ("name", "quantity", "unit_price")


def test_a_visit_value_keeps_its_invariants() -> None:
    visit = an_emergency(msk(2026, 3, 10, 9, 0))
    with pytest.raises(ValidationError) as info:
        attrs.evolve(visit, status=VisitStatus.DONE)
    assert info.value.paths == ("status", "planned_on", "engineer_id", "done_at", "works")
    with pytest.raises(ValidationError) as info:
        attrs.evolve(visit, occurrence=D(2026, 3, 1), requested_at=datetime(2026, 3, 10))
    assert info.value.paths == ("requested_at", "occurrence")


def test_a_scheduled_visit_has_a_deterministic_id_and_its_rule_day() -> None:
    contract = a_contract(starts_on=D(2026, 1, 1))
    occurrence = scheduled_visits(
        contract, D(2026, 2, 1), D(2026, 2, 28), policy=POLICY, calendar=CAL
    )[0]
    visit = scheduled_visit(occurrence, contract=contract, now=msk(2026, 2, 1, 9, 0), by=ANNA)
    assert visit.id == scheduled_visit_id(contract.id, D(2026, 2, 15)) == "sc1-2026-02-15"
    assert (visit.kind, visit.occurrence, visit.planned_on) == (
        VisitKind.SCHEDULED,
        D(2026, 2, 15),
        D(2026, 2, 16),  # a Sunday
    )
    planned = plan_visit(
        visit, engineer=EGOROV, now=msk(2026, 2, 2, 9, 0), by=ANNA, policy=POLICY, calendar=CAL
    )
    assert planned.planned_on == D(2026, 2, 16)
    other = attrs.evolve(occurrence, contract_id=ServiceContractId("sc9"))
    with pytest.raises(ValidationError) as info:
        scheduled_visit(other, contract=contract, now=msk(2026, 2, 1, 9, 0), by=ANNA)
    assert info.value.paths == ("occurrence",)


def test_the_appeal_of_a_visit_is_a_service_appeal() -> None:
    contract = a_contract()
    appeal = visit_appeal(an_emergency(msk(2026, 3, 10, 9, 0)), contract, policy=POLICY)
    assert (appeal.id, appeal.type, appeal.department_id) == (
        "visit-v1",
        AppealType.SERVICE,
        "tech_support",
    )
    assert (
        appeal.topic == "Аварийный выезд по договору № СО-12/25: Не открывается шлагбаум на въезде"
    )
    occurrence = scheduled_visits(
        contract, D(2026, 2, 1), D(2026, 2, 28), policy=POLICY, calendar=CAL
    )[0]
    routine = scheduled_visit(occurrence, contract=contract, now=msk(2026, 2, 1, 9, 0), by=ANNA)
    assert visit_appeal(routine, contract, policy=POLICY).topic == (
        "Плановое сервисное обслуживание по договору № СО-12/25"
    )


def test_the_transition_tables_are_consistent() -> None:
    for table in (VISIT_TRANSITIONS, TRAINING_TRANSITIONS):
        actions = [row.action for row in table]
        assert len(actions) == len(set(actions))
        for row in table:
            sources = row.sources
            assert len(sources) == len(set(sources)), row.action


# ----------------------------------------------------------------------------- trainings


def a_training() -> Training:
    now = msk(2026, 2, 2, 10, 0)
    return new_training(
        id=TrainingId("t1"),
        client_id=ClientId("c1"),
        manager_id=ANNA,
        now=now,
        by=ANNA,
        policy=POLICY,
    )


def test_a_training_from_agreeing_the_date_to_closing() -> None:
    training = a_training()
    assert (training.status, training.topic) == (
        TrainingStatus.TO_AGREE,
        "Обучение работе с приложением",
    )
    assert training_allowed_actions(training) == ("schedule", "record_facts", "cancel")
    training = schedule_training(
        training, starts_at=msk(2026, 2, 5, 11, 0), now=msk(2026, 2, 2, 10, 5), by=ANNA
    )
    training = reschedule_training(
        training,
        starts_at=msk(2026, 2, 6, 15, 0),
        reason="Клиент на выезде",
        now=msk(2026, 2, 4, 9, 0),
        by=ANNA,
    )
    training = reschedule_training(
        training,
        starts_at=msk(2026, 2, 10, 10, 0),
        reason="Не готов сервер",
        now=msk(2026, 2, 6, 9, 0),
        by=ANNA,
    )
    assert [(r.previous, r.new, r.reason) for r in training.reschedules] == [
        (msk(2026, 2, 5, 11, 0), msk(2026, 2, 6, 15, 0), "Клиент на выезде"),
        (msk(2026, 2, 6, 15, 0), msk(2026, 2, 10, 10, 0), "Не готов сервер"),
    ]
    assert training.starts_at == msk(2026, 2, 10, 10, 0)
    training = record_facts(
        training,
        TechFacts(server_format=ServerFormat.ON_PREMISES, passage_points=3),
        now=msk(2026, 2, 6, 9, 30),
        by=ANNA,
    )
    assert training.facts.missing() == ("equipment", "integration")
    with pytest.raises(TransitionError) as info:
        hold_training(training, now=msk(2026, 2, 10, 9, 0), by=ANNA)
    assert "agreed for 2026-02-10T10:00:00+03:00" in str(info.value)
    training = hold_training(training, now=msk(2026, 2, 10, 11, 0), by=ANNA)
    assert training.held_at == msk(2026, 2, 10, 11, 0)
    training = send_recording(
        training, url="https://disk.example.ru/rec/t1", now=msk(2026, 2, 10, 12, 0), by=ANNA
    )
    assert training.status is TrainingStatus.RECORDING_SENT
    training = record_facts(
        training,
        TechFacts(
            equipment=(InstalledEquipment("Шлагбаум CAME", 2), InstalledEquipment("Камера LPR")),
            integration=True,
            integration_note="1С: УНФ",
        ),
        now=msk(2026, 2, 10, 12, 5),
        by=ANNA,
    )
    assert training.facts.complete
    assert training.facts.server_format is ServerFormat.ON_PREMISES
    assert training.facts.integration_note == "1С: УНФ"
    training = collect_feedback(
        training, text="Всё понятно, спасибо", rating=5, now=msk(2026, 2, 11, 10, 0), by=ANNA
    )
    assert training.status is TrainingStatus.CLOSED
    assert training.feedback is not None
    assert (training.feedback.text, training.feedback.rating) == ("Всё понятно, спасибо", 5)
    assert [e.action for e in training.history] == [
        "open",
        "schedule",
        "reschedule",
        "reschedule",
        "record_facts",
        "hold",
        "send_recording",
        "record_facts",
        "collect_feedback",
    ]


def scheduled_training() -> Training:
    return schedule_training(
        a_training(), starts_at=msk(2026, 2, 5, 11, 0), now=msk(2026, 2, 2, 10, 5), by=ANNA
    )


def test_feedback_first_then_the_recording_also_closes_the_training() -> None:
    held = hold_training(scheduled_training(), now=msk(2026, 2, 5, 12, 0), by=ANNA)
    training = collect_feedback(held, text="Хорошо", now=msk(2026, 2, 5, 13, 0), by=ANNA)
    assert training.status is TrainingStatus.FEEDBACK_COLLECTED
    with pytest.raises(TransitionError) as info:
        collect_feedback(training, text="Ещё", now=msk(2026, 2, 5, 14, 0), by=ANNA)
    assert info.value.allowed == ("send_recording", "record_facts")
    training = send_recording(
        training, url="https://x.example/r", now=msk(2026, 2, 5, 14, 0), by=ANNA
    )
    assert training.status is TrainingStatus.CLOSED
    assert training.recording_sent_at == msk(2026, 2, 5, 14, 0)


@pytest.mark.parametrize(
    ("step", "current"),
    [
        (lambda t: hold_training(t, now=msk(2026, 2, 6, 12, 0), by=ANNA), "to_agree"),
        (
            lambda t: send_recording(t, url="https://x.example/r", now=msk(2026, 2, 6), by=ANNA),
            "to_agree",
        ),
        (lambda t: collect_feedback(t, text="ok", now=msk(2026, 2, 6), by=ANNA), "to_agree"),
        (
            lambda t: reschedule_training(
                t, starts_at=msk(2026, 2, 9, 10), reason="r", now=msk(2026, 2, 6), by=ANNA
            ),
            "to_agree",
        ),
    ],
)
def test_training_steps_out_of_order_are_transition_errors(step: Any, current: str) -> None:
    with pytest.raises(TransitionError) as info:
        step(a_training())
    assert info.value.current == current
    assert info.value.subject == "training t1"


def test_a_held_training_cannot_be_moved_or_cancelled() -> None:
    held = hold_training(scheduled_training(), now=msk(2026, 2, 5, 12, 0), by=ANNA)
    with pytest.raises(TransitionError):
        reschedule_training(
            held, starts_at=msk(2026, 2, 9, 10), reason="r", now=msk(2026, 2, 6), by=ANNA
        )
    with pytest.raises(TransitionError):
        cancel_training(held, reason="r", now=msk(2026, 2, 6), by=ANNA)


def test_a_cancelled_training_takes_no_more_steps() -> None:
    cancelled = cancel_training(
        scheduled_training(), reason="Клиент отказался", now=msk(2026, 2, 3), by=ANNA
    )
    assert cancelled.status is TrainingStatus.CANCELLED
    assert training_allowed_actions(cancelled) == ()
    with pytest.raises(TransitionError):
        record_facts(cancelled, TechFacts(passage_points=1), now=msk(2026, 2, 4), by=ANNA)
    assert training_event(cancelled, client=the_client(), policy=POLICY) is None


def test_bad_training_steps_name_the_field() -> None:
    training = a_training()
    with pytest.raises(ValidationError) as info:
        schedule_training(
            training, starts_at=msk(2026, 2, 1, 10), now=msk(2026, 2, 2, 10, 5), by=ANNA
        )
    assert info.value.paths == ("starts_at",)
    with pytest.raises(ValidationError) as info:
        schedule_training(
            training,
            starts_at=datetime(2026, 2, 5, 10),
            duration=timedelta(0),
            now=msk(2026, 2, 2, 10, 5),
            by=ANNA,
        )
    assert info.value.paths == ("starts_at", "duration")
    scheduled = scheduled_training()
    with pytest.raises(ValidationError) as info:
        reschedule_training(
            scheduled, starts_at=msk(2026, 2, 5, 11, 0), reason=" ", now=msk(2026, 2, 3), by=ANNA
        )
    assert info.value.paths == ("reason",)
    with pytest.raises(ValidationError) as info:
        reschedule_training(
            scheduled, starts_at=msk(2026, 2, 5, 11, 0), reason="r", now=msk(2026, 2, 3), by=ANNA
        )
    assert info.value.paths == ("starts_at",)
    held = hold_training(scheduled, now=msk(2026, 2, 5, 12, 0), by=ANNA)
    with pytest.raises(ValidationError) as info:
        collect_feedback(held, text="ok", rating=6, now=msk(2026, 2, 5, 13), by=ANNA)
    assert info.value.paths == ("rating",)
    with pytest.raises(ValidationError) as info:
        send_recording(held, url="", now=msk(2026, 2, 5, 13), by=ANNA)
    assert info.value.paths == ("url",)
    with pytest.raises(ValidationError) as info:
        TechFacts(passage_points=-1, equipment=("Шлагбаум",))  # type: ignore[arg-type]
    assert info.value.paths == ("equipment[0]", "passage_points")


def test_a_training_event_follows_its_reschedules() -> None:
    training = scheduled_training()
    client = the_client()
    event = training_event(training, client=client, policy=POLICY)
    assert event is not None
    assert (event.uid, event.start, event.sequence, event.duration) == (
        "training-t1@clientops.invalid",
        msk(2026, 2, 5, 11, 0),
        0,
        timedelta(hours=1),
    )
    assert event.summary == "Обучение: ООО «Ромашка» — Обучение работе с приложением"
    moved = reschedule_training(
        training, starts_at=msk(2026, 2, 6, 15), reason="r", now=msk(2026, 2, 3), by=ANNA
    )
    again = training_event(moved, client=client, policy=POLICY)
    assert again is not None
    assert (again.uid, again.start, again.sequence) == (event.uid, msk(2026, 2, 6, 15), 1)
    assert training_event(a_training(), client=client, policy=POLICY) is None


# ----------------------------------------------------------------------------- the policy


def test_policy_values_are_checked() -> None:
    with pytest.raises(ValidationError):
        VisitPolicy(visit_duration=timedelta(0))
    with pytest.raises(ValidationError):
        VisitPolicy(escalation_delay=timedelta(minutes=-1))
    with pytest.raises(ValidationError):
        VisitPolicy(service_department=DepartmentId(""))
    with pytest.raises(TypeError):
        VisitPolicy(non_working_day="refuse")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="placeholders are"):
        VisitTexts(escalation_head="Просрочено: {visit}")


def test_the_rule_in_words() -> None:
    texts = VisitTexts()
    assert texts.rule(MaintenanceRecurrence.every_weeks()) == "еженедельно"
    assert texts.rule(MaintenanceRecurrence.every_weeks(2)) == "каждые 2 нед."
    assert texts.rule(MaintenanceRecurrence.monthly(day=15)) == "ежемесячно, 15-го числа"
    assert texts.rule(MaintenanceRecurrence.quarterly(day=-1)) == (
        "ежеквартально, в последний день месяца"
    )
    assert texts.rule(MaintenanceRecurrence.monthly(day=1, months=2)) == "каждые 2 мес., 1-го числа"
