"""The satisfaction round (seed 000): the 14-day cadence across month and year ends and the
Russian holidays, the calls due (in memory and as bounds for a store), and what a call's
outcome sets off: a recommendation letter, a claim with its escalation, a call again."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientops import Policy
from clientops.claims import ClaimFiled, ClaimId, ClaimOccasion, ClaimPolicy, SourceKind
from clientops.commands import CreateAppeal, CreateReaction
from clientops.errors import ValidationError
from clientops.model import (
    AppealType,
    ClientId,
    Contact,
    DepartmentId,
    EmployeeId,
    Money,
    Phone,
    ReactionKind,
)
from clientops.orders import OrderId
from clientops.rules.satisfaction import (
    next_satisfaction_call,
    record_satisfaction,
    satisfaction_appeal_id,
    satisfaction_due,
    satisfaction_due_bounds,
    satisfaction_policy,
)
from clientops.satisfaction import (
    AssignedClient,
    SatisfactionCall,
    SatisfactionDueBounds,
    SatisfactionOutcome,
    SatisfactionPolicy,
    SatisfactionRecorded,
    SatisfactionTexts,
)
from clientops.testing import a_client, a_staff
from clientops.workdays import FixedCalendar, russian_calendar

MSK = ZoneInfo("Europe/Moscow")
ANNA = EmployeeId("anna")
POLICY = Policy()
ROUND = SatisfactionPolicy()
BARE = attrs.evolve(ROUND, shift_to_working_day=False)
RU = russian_calendar()
ASSIGNED = date(2025, 9, 1)


# --------------------------------------------------------------------------- the cadence


@pytest.mark.parametrize(
    ("last_call", "bare", "shifted"),
    [
        # an ordinary fortnight
        (date(2026, 1, 20), date(2026, 2, 3), date(2026, 2, 3)),
        # across month ends
        (date(2026, 1, 30), date(2026, 2, 13), date(2026, 2, 13)),
        (date(2026, 3, 25), date(2026, 4, 8), date(2026, 4, 8)),
        (date(2026, 4, 30), date(2026, 5, 14), date(2026, 5, 14)),
        # across February of a leap year, onto a Sunday
        (date(2024, 2, 18), date(2024, 3, 3), date(2024, 3, 4)),
        # onto public holidays: 1 May, 23 February, 4 November
        (date(2026, 4, 17), date(2026, 5, 1), date(2026, 5, 4)),
        (date(2026, 2, 9), date(2026, 2, 23), date(2026, 2, 24)),
        (date(2026, 10, 21), date(2026, 11, 4), date(2026, 11, 5)),
        # across the year end: 7 January 2027 is Christmas, the holidays last to the 10th
        (date(2026, 12, 24), date(2027, 1, 7), date(2027, 1, 11)),
        (date(2026, 12, 17), date(2026, 12, 31), date(2027, 1, 11)),
        (date(2025, 12, 30), date(2026, 1, 13), date(2026, 1, 13)),
    ],
)
def test_the_next_call_is_two_weeks_after_the_last(
    last_call: date, bare: date, shifted: date
) -> None:
    assert next_satisfaction_call(last_call, ASSIGNED, BARE) == bare
    assert bare - last_call == timedelta(days=14)
    assert next_satisfaction_call(last_call, ASSIGNED, ROUND) == shifted
    assert next_satisfaction_call(last_call, ASSIGNED, ROUND, RU) == shifted
    assert RU.is_working_day(shifted)


def test_christmas_2027_is_not_a_working_day() -> None:
    assert not RU.is_working_day(date(2027, 1, 7))


def test_the_first_call_counts_from_the_day_the_client_was_assigned() -> None:
    assert next_satisfaction_call(None, date(2026, 1, 28), ROUND) == date(2026, 2, 11)
    # assigned on 24 December: the first call falls in the New Year holidays
    assert next_satisfaction_call(None, date(2026, 12, 24), ROUND) == date(2027, 1, 11)
    sooner = attrs.evolve(ROUND, first_call_after=timedelta(days=3))
    assert next_satisfaction_call(None, date(2026, 3, 2), sooner) == date(2026, 3, 5)
    # a call made before the client came to this manager still counts
    assert next_satisfaction_call(date(2026, 2, 20), date(2026, 3, 1), ROUND) == date(2026, 3, 6)


def test_the_users_own_calendar_decides_what_a_working_day_is() -> None:
    shop = FixedCalendar(holidays={date(2026, 2, 3)}, weekend={6})
    assert next_satisfaction_call(date(2026, 1, 20), ASSIGNED, ROUND, shop) == date(2026, 2, 4)
    # a Saturday is a working day there
    assert next_satisfaction_call(date(2026, 1, 17), ASSIGNED, ROUND, shop) == date(2026, 1, 31)


def test_the_cadence_wants_dates() -> None:
    with pytest.raises(ValidationError) as caught:
        next_satisfaction_call(datetime(2026, 1, 20, tzinfo=UTC), ASSIGNED, ROUND)
    assert caught.value.paths == ("last_call",)
    with pytest.raises(ValidationError) as caught:
        next_satisfaction_call(None, "2026-01-01", ROUND)  # type: ignore[arg-type]
    assert caught.value.paths == ("assigned_on",)


# up to the last year with a decree in the installed holidays (2027 at least)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 10))


@settings(max_examples=300, deadline=None)
@given(last_call=days)
def test_a_shifted_call_is_the_first_working_day_from_its_bare_day(last_call: date) -> None:
    bare = next_satisfaction_call(last_call, ASSIGNED, BARE)
    shifted = next_satisfaction_call(last_call, ASSIGNED, ROUND)
    assert bare == last_call + timedelta(days=14)
    assert RU.is_working_day(shifted)
    assert bare <= shifted
    gap = (shifted - bare).days
    assert all(not RU.is_working_day(bare + timedelta(days=i)) for i in range(gap))


# --------------------------------------------------------------------------- calls due


def assigned(
    client: str, *, last_call: date | None, on: date = ASSIGNED, name: str = ""
) -> AssignedClient:
    return AssignedClient(
        ClientId(client), ANNA, on, last_call=last_call, client_name=name or client
    )


def test_the_calls_due_longest_overdue_first() -> None:
    clients = [
        assigned("c1", last_call=date(2026, 2, 20), name="Ромашка"),  # due 06.03
        assigned("c2", last_call=date(2026, 2, 25), name="Василёк"),  # due 11.03: not yet
        assigned("c3", last_call=None, on=date(2026, 2, 10), name="Астра"),  # due 24.02
        assigned("c4", last_call=date(2026, 2, 20), name="Берёза"),  # due 06.03
        assigned("c5", last_call=date(2026, 2, 24), name="Клён"),  # 10.03: today
    ]
    due = satisfaction_due(clients, date(2026, 3, 10), policy=ROUND)
    assert [(d.client_id, d.due_on, d.days_overdue) for d in due] == [
        ("c3", date(2026, 2, 24), 14),
        ("c4", date(2026, 3, 6), 4),
        ("c1", date(2026, 3, 6), 4),
        ("c5", date(2026, 3, 10), 0),
    ]
    assert due[0].reason == "Первый звонок удовлетворённости: клиент закреплён 10.02.2026"
    assert due[1].reason == "Звонок удовлетворённости: прошлый звонок 20.02.2026"
    assert (due[0].manager_id, due[0].client_name, due[0].last_call) == (ANNA, "Астра", None)


def test_on_a_holiday_nothing_new_falls_due() -> None:
    # 24.12 + 14 = 07.01.2027, moved to 11.01: not due during the holidays
    client = assigned("c1", last_call=date(2026, 12, 24))
    assert satisfaction_due([client], date(2027, 1, 8), policy=ROUND) == ()
    assert len(satisfaction_due([client], date(2027, 1, 8), policy=BARE)) == 1
    (due,) = satisfaction_due([client], date(2027, 1, 11), policy=ROUND)
    assert due.days_overdue == 0


def test_the_bounds_a_store_queries_by() -> None:
    assert satisfaction_due_bounds(date(2026, 3, 10), ROUND) == SatisfactionDueBounds(
        date(2026, 3, 10), date(2026, 2, 24), date(2026, 2, 24)
    )
    # 11 January 2027 (Monday): the last working day before the holidays bounds the query
    bounds = satisfaction_due_bounds(date(2027, 1, 8), ROUND)
    assert bounds.last_call_until == date(2026, 12, 30) - timedelta(days=14)
    assert satisfaction_due_bounds(date(2027, 1, 8), BARE).last_call_until == date(2026, 12, 25)
    sooner = attrs.evolve(ROUND, first_call_after=timedelta(days=3))
    assert satisfaction_due_bounds(date(2026, 3, 10), sooner).assigned_until == date(2026, 3, 7)


def _by_bounds(clients: list[AssignedClient], bounds: SatisfactionDueBounds) -> set[str]:
    """What a store does: two range conditions, no calendar."""
    return {
        c.client_id
        for c in clients
        if (c.last_call is not None and c.last_call <= bounds.last_call_until)
        or (c.last_call is None and c.assigned_on <= bounds.assigned_until)
    }


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(days, st.none() | days), max_size=12),
    days,
    st.booleans(),
    st.integers(0, 20),
)
def test_the_bounds_select_exactly_the_calls_due(
    rows: list[tuple[date, date | None]], day: date, shift: bool, first_after: int
) -> None:
    policy = attrs.evolve(
        ROUND, shift_to_working_day=shift, first_call_after=timedelta(days=first_after)
    )
    clients = [assigned(f"c{i}", last_call=last, on=on) for i, (on, last) in enumerate(rows)]
    due = {d.client_id for d in satisfaction_due(clients, day, policy=policy)}
    assert due == _by_bounds(clients, satisfaction_due_bounds(day, policy))


def test_an_assigned_client_is_checked() -> None:
    with pytest.raises(ValidationError) as caught:
        AssignedClient(ClientId(""), ANNA, datetime(2026, 1, 1, tzinfo=UTC))
    assert set(caught.value.paths) == {"assigned_on", "client_id"}


# --------------------------------------------------------------------------- the policy


def test_the_policy_names_every_bad_value() -> None:
    with pytest.raises(ValidationError) as caught:
        SatisfactionPolicy(
            interval=timedelta(days=14, hours=1),
            first_call_after=timedelta(days=-1),
            call_time=time(11, tzinfo=UTC),
            letter_follow_up_days=0,
            retry_after_days=1.5,  # type: ignore[arg-type]
        )
    assert caught.value.paths == (
        "interval",
        "first_call_after",
        "call_time",
        "letter_follow_up_days",
        "retry_after_days",
    )
    with pytest.raises(ValueError, match="placeholders are"):
        SatisfactionTexts(retry="{who}")
    with pytest.raises(ValidationError, match="questions"):
        SatisfactionTexts(questions=("",))


def test_the_policy_in_force() -> None:
    assert satisfaction_policy(POLICY) == ROUND
    assert satisfaction_policy(POLICY, BARE) is BARE
    assert len(ROUND.texts.questions) == 3


# --------------------------------------------------------------------------- recording a call


#: Monday 2 March 2026, 13:00 in Moscow.
CALLED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def a_call(outcome: SatisfactionOutcome, **overrides: Any) -> SatisfactionCall:
    fields: dict[str, Any] = {
        "client_id": ClientId("c1"),
        "manager_id": ANNA,
        "at": CALLED,
        "outcome": outcome,
    }
    fields.update(overrides)
    return SatisfactionCall(**fields)


def client() -> Any:
    return a_client(
        id=ClientId("c1"),
        name="ООО «Ромашка»",
        manager_id=ANNA,
        contacts=(Contact("Сидоров Пётр", position="Директор"),),
    )


def record(call: SatisfactionCall, **overrides: Any) -> Any:
    fields: dict[str, Any] = {"client": client(), "staff": a_staff(), "policy": POLICY}
    fields.update(overrides)
    return record_satisfaction(call, **fields)


def test_a_satisfied_client_is_asked_for_a_recommendation_letter() -> None:
    staff = a_staff()
    found = staff.employee(ANNA)
    assert found is not None
    anna = attrs.evolve(found, phone=Phone.parse("+7 912 345-67-89"), email="anna@mls.ru")
    staff = attrs.evolve(
        staff, employees=tuple(anna if e.id == ANNA else e for e in staff.employees)
    )
    decision = record(
        a_call(SatisfactionOutcome.SATISFIED, notes="Хвалит техподдержку: отвечают за минуту"),
        staff=staff,
    )
    appeal = decision.appeal
    assert appeal.id == satisfaction_appeal_id(ClientId("c1"), CALLED)
    assert appeal.id == "satisfaction-c1-20260302T100000"
    assert (appeal.type, appeal.department_id, appeal.topic) == (
        AppealType.CLIENT_DEPARTMENT,
        "client",
        "Звонок удовлетворённости: ООО «Ромашка»",
    )
    call, follow_up = decision.reactions
    assert call.id == "satisfaction-c1-20260302T100000-call"
    assert call.kind is ReactionKind.OUTGOING_CALL
    assert call.done_at == call.due_at == CALLED
    assert call.outcome == "Клиент удовлетворён. Хвалит техподдержку: отвечают за минуту"
    # five working days after Monday 2 March: Tuesday 10 March (9 March is 8 March moved)
    assert follow_up.id == "satisfaction-c1-20260302T100000-letter"
    assert follow_up.due_at == datetime(2026, 3, 10, 11, 0, tzinfo=MSK)
    assert follow_up.employee_id == ANNA
    assert not follow_up.done
    assert follow_up.topic == (
        "ООО «Ромашка»: проверить, пришло ли рекомендательное письмо (запрошено 02.03.2026)"
    )
    letter = decision.recommendation
    assert letter is not None
    assert (letter.client_name, letter.contact_person) == ("ООО «Ромашка»", "Сидоров Пётр")
    assert (letter.manager_name, letter.manager_phone, letter.manager_email) == (
        "Смирнова Анна Сергеевна",
        Phone("+79123456789"),
        "anna@mls.ru",
    )
    assert (letter.requested_on, letter.follow_up_on) == (date(2026, 3, 2), date(2026, 3, 10))
    assert letter.company == "MLS IT"
    assert letter.praise == "Хвалит техподдержку: отвечают за минуту"
    assert "рекомендательное письмо" in letter.text
    assert decision.last_call == date(2026, 3, 2)
    assert decision.claim is None
    assert decision.events == (
        SatisfactionRecorded(ClientId("c1"), ANNA, SatisfactionOutcome.SATISFIED, CALLED),
    )
    assert decision.commands == (
        CreateAppeal(appeal),
        CreateReaction(call),
        CreateReaction(follow_up),
    )


def test_the_letters_follow_up_skips_the_new_year_holidays() -> None:
    at = datetime(2026, 12, 29, 9, 0, tzinfo=MSK)
    decision = record(a_call(SatisfactionOutcome.SATISFIED, at=at))
    assert decision.reactions[1].due_at == datetime(2027, 1, 14, 11, 0, tzinfo=MSK)


def test_an_unsatisfied_client_becomes_a_claim_passed_on_at_once() -> None:
    call = a_call(
        SatisfactionOutcome.UNSATISFIED,
        notes="Турникет на проходной не работает, техподдержка не приезжает",
        department_id=DepartmentId("sales"),
        money=Money("45000"),
        order_id=OrderId("o7"),
    )
    decision = record(call)
    assert decision.recommendation is None
    assert decision.last_call == date(2026, 3, 2)
    (done,) = decision.reactions
    assert done.outcome is not None
    assert done.outcome.startswith("Клиент не удовлетворён. Турникет")
    filed = decision.claim
    assert filed is not None
    claim = filed.claim
    assert claim.id == ClaimId("satisfaction-c1-20260302T100000")
    assert claim.source.kind is SourceKind.MANAGER_NOTES
    assert claim.source.text == call.notes
    assert (claim.department_id, claim.money, claim.order_id, claim.occasion) == (
        "sales",
        Money(Decimal(45000)),
        "o7",
        ClaimOccasion.SATISFACTION_CALL,
    )
    assert [(r.employee_id, r.due_at) for r in filed.reactions] == [
        ("petrov", CALLED),
        ("ivanov", CALLED),
    ]
    recorded, claim_filed = decision.events
    assert recorded == SatisfactionRecorded(
        ClientId("c1"), ANNA, SatisfactionOutcome.UNSATISFIED, CALLED, claim.id
    )
    assert isinstance(claim_filed, ClaimFiled)
    assert claim_filed.recipients == ("petrov", "ivanov")
    assert decision.commands == (
        CreateAppeal(decision.appeal),
        CreateReaction(done),
        CreateAppeal(filed.appeal),
        *(CreateReaction(r) for r in filed.reactions),
    )


def test_the_clients_own_words_are_the_claim_when_taken_down() -> None:
    call = a_call(
        SatisfactionOutcome.UNSATISFIED,
        notes="Раздражён",
        client_words="Третий раз прошу починить шлагбаум!",
        department_id=DepartmentId("tech_support"),
    )
    decision = record(call, claim_id=ClaimId("k42"), claims=ClaimPolicy(text_limit=20))
    assert decision.claim is not None
    claim = decision.claim.claim
    assert claim.id == "k42"
    assert claim.source.kind is SourceKind.CLIENT_WORDS
    assert claim.source.text == "Третий раз прошу починить шлагбаум!"
    (director,) = decision.claim.reactions  # tech support has no head
    assert director.employee_id == "ivanov"
    assert director.topic.endswith("Третий раз прошу по…")


def test_an_unsatisfied_call_needs_the_department_at_fault_and_words() -> None:
    with pytest.raises(ValidationError) as caught:
        record(a_call(SatisfactionOutcome.UNSATISFIED, notes="Недоволен"))
    assert caught.value.paths == ("department_id",)
    with pytest.raises(ValidationError) as caught:
        record(
            a_call(
                SatisfactionOutcome.UNSATISFIED,
                notes="Недоволен",
                department_id=DepartmentId("legal"),
            )
        )
    assert caught.value.paths == ("department_id",)
    with pytest.raises(ValidationError) as caught:
        a_call(SatisfactionOutcome.UNSATISFIED, department_id=DepartmentId("sales"))
    assert caught.value.paths == ("notes",)


def test_a_client_not_reached_is_called_again_the_next_working_day() -> None:
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=MSK)  # Monday 9 March is a day off
    decision = record(a_call(SatisfactionOutcome.NOT_REACHED, at=friday))
    done, retry = decision.reactions
    assert done.outcome == "Не дозвонились"
    assert retry.id == f"{decision.appeal.id}-retry"
    assert retry.due_at == datetime(2026, 3, 10, 11, 0, tzinfo=MSK)
    assert retry.kind is ReactionKind.OUTGOING_CALL
    assert (
        retry.topic
        == "ООО «Ромашка»: повторить звонок удовлетворённости (не дозвонились 06.03.2026)"
    )
    assert decision.last_call is None
    assert decision.claim is None
    assert decision.recommendation is None
    later = attrs.evolve(ROUND, retry_after_days=2, call_time=time(9, 30))
    retry = record(
        a_call(SatisfactionOutcome.NOT_REACHED, at=friday), satisfaction=later
    ).reactions[1]
    assert retry.due_at == datetime(2026, 3, 11, 9, 30, tzinfo=MSK)


def test_recording_the_same_call_twice_makes_the_same_records() -> None:
    call = a_call(
        SatisfactionOutcome.UNSATISFIED, notes="Недоволен", department_id=DepartmentId("sales")
    )
    assert record(call) == record(call)


def test_the_call_must_be_the_clients_and_the_manager_known() -> None:
    with pytest.raises(ValidationError) as caught:
        record(a_call(SatisfactionOutcome.SATISFIED, client_id=ClientId("c2")))
    assert caught.value.paths == ("client_id",)
    with pytest.raises(ValidationError) as caught:
        record(a_call(SatisfactionOutcome.SATISFIED, manager_id=EmployeeId("ghost")))
    assert caught.value.paths == ("manager_id",)


def test_a_call_is_checked() -> None:
    with pytest.raises(ValidationError) as caught:
        SatisfactionCall(
            ClientId("c1"),
            ANNA,
            datetime(2026, 3, 2, 10, 0),
            "satisfied",  # type: ignore[arg-type]
        )
    assert caught.value.paths == ("at", "outcome")
    assert SatisfactionOutcome.NOT_REACHED.label == "Не дозвонились"
