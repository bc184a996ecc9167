"""Legal cases (``clientops.legal``) on memory, SQLite and PostgreSQL: a claim referred to
the lawyers taken to court, its hearings and deadlines on the lawyer's agenda, documents by
reference, rulings passed on to the instance named, the outcome; bad input refused with
nothing stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

import clientops
from clientops import ClientOps, PluginHost, Policy, hookimpl
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.claims import ClaimId, ClaimSource, ReferToLegal
from clientops.clients import EmployeeId, ReactionKind
from clientops.errors import NotFoundError, TransitionError, ValidationError
from clientops.events import Event, ReactionScheduled
from clientops.legal import (
    CourtDayRule,
    LegalCaseChanged,
    LegalCaseId,
    LegalCases,
    LegalOutcome,
)
from clientops.model import ClientId, DepartmentId, Money
from clientops.ports import Storage
from clientops.testing import T0, a_client, a_staff

ANNA, IVANOV, PETROV = EmployeeId("anna"), EmployeeId("ivanov"), EmployeeId("petrov")
COURT = "Арбитражный суд города Москвы"


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def clientops_event(self, event: Event) -> None:
        self.events.append(event)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Storage]:
    if request.param == "memory":
        return MemoryStorage
    if request.param == "sqlite":
        return lambda: SQLiteStorage(tmp_path / "legal.db")
    url = request.getfixturevalue("postgres_url")
    return lambda: clientops.connect(url).storage


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def ops(make_storage: Callable[[], Storage], recorder: Recorder) -> Iterator[ClientOps]:
    host = PluginHost(entry_points=False)
    host.register(recorder, name="recorder")
    with ClientOps(make_storage(), host=host, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        yield ops


def _claim(ops: ClientOps, *, legal: bool = True) -> tuple[ClientId, ClaimId]:
    card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    claim = ops.claims.file(
        card.id,
        department_id=DepartmentId("sales"),
        source=ClaimSource.client_words("Требуем вернуть 45 000 ₽ за сорванную поставку"),
        by=ANNA,
    ).claim
    if legal:
        ops.claims.advance(claim.id, ReferToLegal("клиент подал иск"), by=ANNA)
    return card.id, claim.id


def test_a_court_case_from_opening_to_the_ruling_passed_on_and_closed(
    ops: ClientOps, recorder: Recorder
) -> None:
    client_id, claim_id = _claim(ops)
    legal = LegalCases(ops)
    recorder.events.clear()
    case = legal.open(
        claim_id, lawyer_id=IVANOV, court=COURT, case_number="А40-12345/2025", by=ANNA
    )
    assert (case.client_id, case.claim_id, case.lawyer_id) == (client_id, claim_id, IVANOV)
    (appeal,) = [a for a in ops.clients.appeals_of(client_id) if a.id == case.appeal_id]
    assert appeal.topic == f"Дело № А40-12345/2025, {COURT}"

    hearing_at = datetime(2025, 7, 3, 7, 0, tzinfo=UTC)
    legal.add_hearing(case.id, hearing_at, by=ANNA, what="Предварительное заседание")
    legal.add_deadline(case.id, date(2025, 7, 1), "Отзыв на иск", by=IVANOV)
    legal.add_document(case.id, "docs/iск-12345.pdf", by=IVANOV)
    legal.add_document(case.id, "docs/iск-12345.pdf", by=IVANOV)  # kept once
    legal.record_ruling(
        case.id,
        date(2025, 7, 3),
        "Иск удовлетворён частично: вернуть 20 000 ₽",
        pass_to="sales",
        by=IVANOV,
        money=Money("20000"),
    )
    closed = legal.close(case.id, LegalOutcome.SETTLED, by=IVANOV, money=Money("20000"))
    assert closed.outcome is LegalOutcome.SETTLED
    assert closed.closed_at == T0
    assert closed.documents == ("docs/iск-12345.pdf",)
    assert [h.what for h in closed.hearings] == ["Предварительное заседание"]
    assert [d.what for d in closed.deadlines] == ["Отзыв на иск"]
    assert [(r.passed_to, r.money) for r in closed.rulings] == [("sales", Money("20000"))]
    assert legal.of_client(client_id) == (closed,)
    assert legal.get(case.id) == closed

    reactions = {r.id: r for r in ops.clients.reactions_of(client_id)}
    hearing = reactions[closed.hearings[0].reaction_id or ""]
    assert (hearing.kind, hearing.employee_id, hearing.due_at) == (
        ReactionKind.MEETING,
        IVANOV,
        hearing_at,
    )
    assert hearing.topic == f"Предварительное заседание: дело № А40-12345/2025, {COURT}"
    deadline = reactions[closed.deadlines[0].reaction_id or ""]
    assert deadline.topic == "Срок до 01.07.2025: Отзыв на иск (дело № А40-12345/2025)"
    assert deadline.due_at == datetime(2025, 7, 1, 6, 0, tzinfo=UTC)  # 9:00 in Moscow
    ruling = reactions[closed.rulings[0].reaction_id or ""]
    assert (ruling.department_id, ruling.employee_id) == ("sales", None)
    assert ruling.topic.startswith("Решение суда от 03.07.2025 по делу № А40-12345/2025: Иск")
    # the hearing is on the lawyer's agenda of that day and in his calendar
    agenda = ops.agenda.for_manager(IVANOV, date(2025, 7, 3))
    assert hearing.id in {item.ref for item in agenda.items}
    entries = ops.agenda.calendar_entries(IVANOV)
    assert [e.start for e in entries if "Предварительное заседание" in e.summary] == [hearing_at]

    changes = [e.what for e in recorder.events if isinstance(e, LegalCaseChanged)]
    assert changes == ["opened", "hearing", "deadline", "document", "document", "ruling", "closed"]
    assert sum(isinstance(e, ReactionScheduled) for e in recorder.events) == 3
    with pytest.raises(TransitionError):
        legal.add_document(case.id, "ещё.pdf", by=IVANOV)


def test_a_case_needs_a_claim_with_the_lawyers_and_bad_input_stores_nothing(
    ops: ClientOps,
) -> None:
    legal = LegalCases(ops)
    client_id, claim_id = _claim(ops, legal=False)
    with pytest.raises(TransitionError):
        legal.open(claim_id, lawyer_id=IVANOV, court=COURT, case_number="А40-1/2025", by=ANNA)
    with pytest.raises(NotFoundError):
        legal.open(
            ClaimId("missing"), lawyer_id=IVANOV, court=COURT, case_number="А40-1/2025", by=ANNA
        )
    ops.claims.advance(claim_id, ReferToLegal("иск"), by=ANNA)
    for kwargs, path in (
        ({"lawyer_id": EmployeeId("nobody"), "court": COURT, "case_number": "1"}, "lawyer_id"),
        ({"lawyer_id": IVANOV, "court": "  ", "case_number": "1"}, "court"),
        ({"lawyer_id": IVANOV, "court": COURT, "case_number": ""}, "case_number"),
    ):
        with pytest.raises(ValidationError) as err:
            legal.open(claim_id, by=ANNA, **kwargs)  # type: ignore[arg-type]
        assert err.value.errors[0].path == path
    assert legal.of_client(client_id) == ()
    assert len(ops.clients.appeals_of(client_id)) == 1  # the claim's own

    case = legal.open(claim_id, lawyer_id=IVANOV, court=COURT, case_number="А40-1/2025", by=ANNA)
    with pytest.raises(ValidationError) as err:
        legal.add_hearing(case.id, datetime(2025, 7, 3, 10, 0), by=ANNA)  # naive
    assert err.value.errors[0].path == "at"
    with pytest.raises(ValidationError) as err:
        legal.record_ruling(case.id, date(2025, 7, 3), "Отказать", pass_to="nowhere", by=ANNA)
    assert err.value.errors[0].path == "pass_to"
    with pytest.raises(ValidationError) as err:
        legal.add_deadline(case.id, "2025-07-01", "Отзыв", by=ANNA)  # type: ignore[arg-type]
    assert err.value.errors[0].path == "day"
    with pytest.raises(NotFoundError):
        legal.add_document(LegalCaseId("missing"), "a.pdf", by=ANNA)
    stored = legal.get(case.id)
    assert (stored.hearings, stored.rulings, stored.deadlines, stored.version) == ((), (), (), 0)
    assert not [r for r in ops.clients.reactions_of(client_id) if r.appeal_id == case.appeal_id]


# ------------------------------------------------------------------- the production calendar


def _case(ops: ClientOps) -> LegalCaseId:
    _, claim_id = _claim(ops)
    case = LegalCases(ops).open(
        claim_id, lawyer_id=IVANOV, court=COURT, case_number="А40-7/2026", by=ANNA
    )
    return case.id


def _legal_policy(**changes: Any) -> Policy:
    base = Policy()
    return attrs.evolve(base, legal=attrs.evolve(base.legal, **changes))


def test_a_hearing_on_a_non_working_day_is_refused_and_stores_nothing(ops: ClientOps) -> None:
    legal = LegalCases(ops)
    case_id = _case(ops)
    # Wednesday 4 November 2026: Народного единства, a holiday; Saturday 7 November
    for at in (datetime(2026, 11, 4, 7, 0, tzinfo=UTC), datetime(2026, 11, 7, 7, 0, tzinfo=UTC)):
        with pytest.raises(ValidationError) as err:
            legal.add_hearing(case_id, at, by=ANNA)
        assert err.value.paths == ("at",)
        assert "not a working day" in str(err.value)
    # 11:00 Moscow on Friday 6 November: a working day
    legal.add_hearing(case_id, datetime(2026, 11, 6, 8, 0, tzinfo=UTC), by=ANNA)
    with pytest.raises(ValidationError):  # 1:00 Moscow on Saturday, Friday 22:00 in UTC
        legal.add_hearing(case_id, datetime(2026, 11, 6, 22, 0, tzinfo=UTC), by=ANNA)
    stored = legal.get(case_id)
    assert [h.at.day for h in stored.hearings] == [6]
    assert stored.version == 1


@pytest.mark.parametrize("rule", list(CourtDayRule), ids=lambda r: r.value)
def test_deadlines_move_off_a_non_working_day_or_are_refused_or_flagged(
    make_storage: Callable[[], Storage], rule: CourtDayRule
) -> None:
    holiday = date(2026, 11, 4)
    expected = {
        CourtDayRule.NEXT_WORKING_DAY: (date(2026, 11, 5), "Срок до 05.11.2026: Отзыв"),
        CourtDayRule.FLAG: (holiday, "Срок до 04.11.2026: Отзыв"),
    }
    policy = _legal_policy(deadline_on_day_off=rule)
    with ClientOps(make_storage(), policy=policy, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        legal = LegalCases(ops)
        case_id = _case(ops)
        if rule is CourtDayRule.REFUSE:
            with pytest.raises(ValidationError) as err:
                legal.add_deadline(case_id, holiday, "Отзыв", by=IVANOV)
            assert err.value.paths == ("day",)
            assert legal.get(case_id).deadlines == ()
            return
        case = legal.add_deadline(case_id, holiday, "Отзыв", by=IVANOV)
        day, words = expected[rule]
        assert [d.day for d in case.deadlines] == [day]
        (task,) = [r for r in ops.clients.reactions_of(case.client_id) if "Срок" in r.topic]
        assert task.topic.startswith(words)
        flagged = "нерабочий день по производственному календарю" in task.topic
        assert flagged is (rule is CourtDayRule.FLAG)


def test_a_hearing_may_be_kept_and_flagged_but_never_moved(
    make_storage: Callable[[], Storage],
) -> None:
    with pytest.raises(ValidationError):
        _legal_policy(hearing_on_day_off=CourtDayRule.NEXT_WORKING_DAY)
    policy = _legal_policy(hearing_on_day_off=CourtDayRule.FLAG)
    with ClientOps(make_storage(), policy=policy, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        legal = LegalCases(ops)
        at = datetime(2026, 11, 7, 7, 0, tzinfo=UTC)
        case = legal.add_hearing(_case(ops), at, by=ANNA)
        assert [h.at for h in case.hearings] == [at]
        (meeting,) = [r for r in ops.clients.reactions_of(case.client_id) if r.due_at == at]
        assert meeting.topic.endswith(
            "(нерабочий день по производственному календарю — проверьте дату)"
        )


def test_a_deadline_counted_in_working_days_skips_the_days_off(ops: ClientOps) -> None:
    legal = LegalCases(ops)
    case_id = _case(ops)
    # from Friday 30 October 2026: Mon 2, Tue 3, (Wed 4 a holiday), Thu 5, Fri 6 November
    case = legal.add_deadline_in(
        case_id, 4, "Апелляционная жалоба", by=IVANOV, counted_from=date(2026, 10, 30)
    )
    assert [d.day for d in case.deadlines] == [date(2026, 11, 6)]
    for bad, path in ((0, "working_days"), (True, "working_days")):
        with pytest.raises(ValidationError) as err:
            legal.add_deadline_in(case_id, bad, "Отзыв", by=IVANOV)
        assert err.value.paths == (path,)
    with pytest.raises(ValidationError) as err:
        legal.add_deadline_in(
            case_id,
            3,
            "Отзыв",
            by=IVANOV,
            counted_from="2026-10-30",  # type: ignore[arg-type]
        )
    assert err.value.paths == ("counted_from",)
    assert len(legal.get(case_id).deadlines) == 1
