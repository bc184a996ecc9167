"""Legal cases (``clientops.legal``) on memory, SQLite and PostgreSQL: a claim referred to
the lawyers taken to court, its hearings and deadlines on the lawyer's agenda, documents by
reference, rulings passed on to the instance named, the outcome; bad input refused with
nothing stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import clientops
from clientops import ClientOps, PluginHost, hookimpl
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.claims import ClaimId, ClaimSource, ReferToLegal
from clientops.clients import EmployeeId, ReactionKind
from clientops.errors import NotFoundError, TransitionError, ValidationError
from clientops.events import Event, ReactionScheduled
from clientops.legal import LegalCaseChanged, LegalCaseId, LegalCases, LegalOutcome
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
