"""Claims (seeds 000, 002 process 16, 003): the process and its table, who is told at once (the
head of the department at fault and the general director), the reactions and events, and the
figures of the manager's report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientops import Policy
from clientops.claims import (
    FILE,
    TRANSITIONS,
    Claim,
    ClaimAction,
    ClaimAdvanced,
    ClaimFiled,
    ClaimId,
    ClaimOccasion,
    ClaimPolicy,
    ClaimSource,
    ClaimStage,
    ClaimStep,
    ClaimTexts,
    EscalateToDirector,
    FindCauses,
    FixKind,
    ReferToLegal,
    ResolveSatisfied,
    ResolveUnsatisfied,
    SourceKind,
    StartFix,
    Withdraw,
    advance,
    allowed_actions,
    open_claim,
    state_diagram,
)
from clientops.commands import CreateAppeal, CreateReaction
from clientops.errors import TransitionError, ValidationError
from clientops.model import (
    AppealType,
    ClientId,
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    Money,
    ReactionKind,
    Role,
    StaffDirectory,
)
from clientops.orders import OrderId
from clientops.rules.claims import (
    ClaimRecipient,
    advance_claim,
    claim_appeal_id,
    claim_figures,
    claim_policy,
    claim_recipients,
    escalation_reaction_id,
    file_claim,
    general_director,
)
from clientops.serialization import make_converter
from clientops.testing import a_client, a_staff

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ANNA = EmployeeId("anna")
POLICY = Policy()
S = ClaimStage
D = DepartmentId
E = EmployeeId
MSK = ZoneInfo("Europe/Moscow")


# --------------------------------------------------------------------------- builders


def a_claim(**overrides: Any) -> Claim:
    fields: dict[str, Any] = {
        "id": ClaimId("k1"),
        "client_id": ClientId("c1"),
        "department_id": D("tech_support"),
        "source": ClaimSource.client_words("Турникет не пропускает сотрудников"),
        "now": T0,
        "by": ANNA,
    }
    fields.update(overrides)
    return open_claim(**fields)


def walk(claim: Claim, *actions: ClaimAction) -> Claim:
    """``claim`` after ``actions``, an hour apart, done by ``anna``."""
    now = claim.history[-1].at
    for action in actions:
        now += timedelta(hours=1)
        claim = advance(claim, action, now=now, by=ANNA)
    return claim


#: One way to reach each stage.
PATHS: dict[ClaimStage, tuple[ClaimAction, ...]] = {
    S.FILED: (),
    S.CAUSES_FOUND: (FindCauses("Контроллер вышел из строя"),),
    S.BEING_FIXED: (FindCauses("Контроллер вышел из строя"), StartFix(FixKind.REPLACEMENT)),
    S.RESOLVED_SATISFIED: (
        FindCauses("Контроллер вышел из строя"),
        StartFix(FixKind.REPLACEMENT),
        ResolveSatisfied("Контроллер заменён, клиент доволен"),
    ),
    S.RESOLVED_UNSATISFIED: (
        FindCauses("Сроки сорваны поставщиком"),
        ResolveUnsatisfied("Клиент остался недоволен сроками"),
    ),
    S.WITHDRAWN: (Withdraw("Клиент разобрался сам"),),
}

#: One of each action, by name.
ACTIONS: dict[str, ClaimAction] = {
    "find_causes": FindCauses("Ошибка монтажа"),
    "start_fix": StartFix(FixKind.FIX),
    "resolve_satisfied": ResolveSatisfied("Исправлено"),
    "resolve_unsatisfied": ResolveUnsatisfied("Клиент недоволен"),
    "withdraw": Withdraw("Клиент отозвал"),
    "escalate_to_director": EscalateToDirector("Клиент требует директора"),
    "refer_to_legal": ReferToLegal("Клиент подал иск"),
}

_EVERYWHERE_OPEN = {"find_causes", "withdraw", "escalate_to_director", "refer_to_legal"}
#: What each stage allows, written out from the seeds rather than read from the table.
LEGAL: dict[ClaimStage, set[str]] = {
    S.FILED: _EVERYWHERE_OPEN,
    S.CAUSES_FOUND: _EVERYWHERE_OPEN | {"start_fix", "resolve_satisfied", "resolve_unsatisfied"},
    S.BEING_FIXED: _EVERYWHERE_OPEN | {"resolve_satisfied", "resolve_unsatisfied"},
    S.RESOLVED_SATISFIED: set(),
    S.RESOLVED_UNSATISFIED: set(),
    S.WITHDRAWN: set(),
}
TARGET: dict[str, ClaimStage | None] = {
    "find_causes": S.CAUSES_FOUND,
    "start_fix": S.BEING_FIXED,
    "resolve_satisfied": S.RESOLVED_SATISFIED,
    "resolve_unsatisfied": S.RESOLVED_UNSATISFIED,
    "withdraw": S.WITHDRAWN,
    "escalate_to_director": None,
    "refer_to_legal": None,
}


def at_stage(stage: ClaimStage) -> Claim:
    return walk(a_claim(), *PATHS[stage])


def staff_with(
    *, departments: tuple[Department, ...], employees: tuple[Employee, ...]
) -> StaffDirectory:
    return StaffDirectory(departments=departments, employees=employees)


def an_employee(id: str, department: str, *roles: Role) -> Employee:
    return Employee(E(id), f"{id.title()} Иван", "Иван", D(department), roles)


# --------------------------------------------------------------------------- the claim


def test_a_new_claim_is_filed_with_its_first_step() -> None:
    claim = a_claim(money=Money("45000.50"), order_id=OrderId("o7"))
    assert claim.stage is S.FILED
    assert claim.history == (
        ClaimStep(S.FILED, T0, ANNA, FILE, "Турникет не пропускает сотрудников"),
    )
    assert (claim.filed_at, claim.filed_by, claim.manager_id) == (T0, ANNA, ANNA)
    assert claim.money == Money(Decimal("45000.50"))
    assert not claim.closed
    assert claim.closed_at is None
    assert claim.satisfied is None
    assert claim.stage.label == "Рекламация зарегистрирована"


@pytest.mark.parametrize("department", [None, "", "   "])
def test_a_claim_without_a_responsible_department_is_refused(department: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        a_claim(department_id=department)
    assert caught.value.paths == ("department_id",)
    assert "department whose work caused it" in str(caught.value)


def test_every_bad_field_of_a_claim_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        a_claim(department_id=None, money=Money("-5"), client_id=" ", now=T0)
    assert set(caught.value.paths) == {"client_id", "department_id", "money"}


def test_a_claim_needs_an_aware_time_and_a_filer() -> None:
    with pytest.raises(ValidationError) as caught:
        a_claim(now=datetime(2026, 3, 2, 10, 0), by="")
    assert caught.value.paths == ("now", "by")


@pytest.mark.parametrize("money", [Money(0), Money("-1")])
def test_the_money_of_a_claim_is_positive(money: Money) -> None:
    with pytest.raises(ValidationError, match="money: must be positive"):
        a_claim(money=money)


def test_money_is_never_a_float() -> None:
    with pytest.raises(ValidationError, match="never a float"):
        a_claim(money=Money(100.5))


def test_a_source_needs_words() -> None:
    with pytest.raises(ValidationError) as caught:
        ClaimSource.manager_notes("  ")
    assert caught.value.paths == ("text",)
    assert ClaimSource.client_words("Плохо").kind is SourceKind.CLIENT_WORDS
    assert SourceKind.CLIENT_WORDS.label == "Со слов клиента"


def test_a_hand_built_claim_must_agree_with_its_history() -> None:
    claim = a_claim()
    with pytest.raises(ValidationError) as caught:
        attrs.evolve(claim, stage=S.CAUSES_FOUND)
    assert caught.value.paths == ("stage",)
    with pytest.raises(ValidationError, match="history"):
        attrs.evolve(claim, history=())


# --------------------------------------------------------------------------- transitions


@pytest.mark.parametrize("stage", list(ClaimStage))
def test_each_stage_allows_exactly_what_the_seeds_say(stage: ClaimStage) -> None:
    assert set(allowed_actions(at_stage(stage))) == LEGAL[stage]


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("stage", list(ClaimStage))
def test_every_action_at_every_stage(stage: ClaimStage, action: str) -> None:
    claim = at_stage(stage)
    now = claim.history[-1].at + timedelta(minutes=5)
    if action in LEGAL[stage]:
        after = advance(claim, ACTIONS[action], now=now, by=E("petrov"))
        target = TARGET[action]
        assert after.stage is (target if target is not None else stage)
        assert after.history[:-1] == claim.history
        assert after.history[-1] == ClaimStep(
            after.stage, now, E("petrov"), action, after.history[-1].note
        )
        assert after.history[-1].note
    else:
        with pytest.raises(TransitionError) as caught:
            advance(claim, ACTIONS[action], now=now, by=E("petrov"))
        err = caught.value
        assert (err.subject, err.current, err.attempted) == ("claim k1", stage.value, action)
        assert err.allowed == allowed_actions(claim)
        assert err.reason


def test_a_closed_claim_says_so() -> None:
    with pytest.raises(TransitionError, match=r"the claim is closed\); allowed next: nothing"):
        advance(at_stage(S.WITHDRAWN), FindCauses("x"), now=T0 + timedelta(days=1), by=ANNA)


def test_nothing_is_fixed_or_resolved_before_the_causes_are_found() -> None:
    for action in (StartFix(FixKind.REFUND), ResolveSatisfied("ok")):
        with pytest.raises(TransitionError, match="the causes are not found yet"):
            advance(a_claim(), action, now=T0, by=ANNA)


def test_the_fix_is_recorded_and_decided_anew_when_it_did_not_help() -> None:
    fixing = at_stage(S.BEING_FIXED)
    assert fixing.fix is FixKind.REPLACEMENT
    again = walk(fixing, FindCauses("Замена не помогла: неверная прошивка"))
    assert (again.stage, again.fix) == (S.CAUSES_FOUND, None)
    assert again.causes == "Замена не помогла: неверная прошивка"
    refunded = walk(again, StartFix(FixKind.REFUND, note="Вернуть 45 000"), ResolveSatisfied("ok"))
    assert refunded.fix is FixKind.REFUND
    assert [s.action for s in refunded.history] == [
        "file",
        "find_causes",
        "start_fix",
        "find_causes",
        "start_fix",
        "resolve_satisfied",
    ]


def test_resolved_without_a_fix_means_nothing_to_put_right() -> None:
    resolved = walk(at_stage(S.CAUSES_FOUND), ResolveUnsatisfied("Претензия необоснованна"))
    assert (resolved.fix, resolved.outcome, resolved.satisfied) == (
        FixKind.NONE,
        "Претензия необоснованна",
        False,
    )
    assert resolved.closed_at == resolved.history[-1].at


def test_the_director_and_the_lawyers_are_brought_in_once() -> None:
    claim = walk(a_claim(), EscalateToDirector("Клиент угрожает расторжением"))
    assert claim.stage is S.FILED
    assert claim.director_involved
    with pytest.raises(TransitionError, match="the director is already involved"):
        walk(claim, EscalateToDirector("ещё раз"))
    claim = walk(claim, ReferToLegal("Досудебная претензия"))
    assert claim.legal
    with pytest.raises(TransitionError, match="already with the lawyers"):
        walk(claim, ReferToLegal("иск"))
    assert claim.did("escalate_to_director")
    assert not claim.did("withdraw")


def test_bad_action_values_are_named() -> None:
    with pytest.raises(ValidationError) as caught:
        FindCauses("  ")
    assert caught.value.paths == ("causes",)
    with pytest.raises(ValidationError) as caught:
        StartFix(FixKind.NONE)
    assert caught.value.paths == ("kind",)
    with pytest.raises(ValidationError) as caught:
        Withdraw("")
    assert caught.value.paths == ("reason",)
    with pytest.raises(TypeError):
        advance(a_claim(), "find_causes", now=T0, by=ANNA)  # type: ignore[arg-type]


def test_time_runs_forward_and_someone_acts() -> None:
    claim = at_stage(S.CAUSES_FOUND)
    with pytest.raises(ValidationError) as caught:
        advance(claim, StartFix(FixKind.FIX), now=T0, by=ANNA)
    assert caught.value.paths == ("now",)
    with pytest.raises(ValidationError) as caught:
        advance(claim, StartFix(FixKind.FIX), now=T0 + timedelta(days=1), by=E(""))
    assert caught.value.paths == ("by",)


def test_the_diagram_draws_every_row_of_the_table() -> None:
    diagram = state_diagram()
    for transition in TRANSITIONS:
        for source in transition.sources:
            target = transition.leads_to(source)
            assert f"{source.value} --> {target.value} : {transition.action}" in diagram
    assert "withdrawn --> [*]" in diagram
    assert "filed --> [*]" not in diagram


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(sorted(ACTIONS)), max_size=25))
def test_random_actions_never_reach_an_illegal_stage(names: list[str]) -> None:
    rows = {(s, t.action): t.leads_to(s) for t in TRANSITIONS for s in t.sources}
    claim = a_claim()
    now = T0
    for name in names:
        now += timedelta(minutes=7)
        before = claim
        allowed = allowed_actions(claim)
        if name not in allowed:
            with pytest.raises(TransitionError) as caught:
                advance(claim, ACTIONS[name], now=now, by=ANNA)
            assert (caught.value.current, caught.value.allowed) == (claim.stage.value, allowed)
            continue
        claim = advance(claim, ACTIONS[name], now=now, by=ANNA)
        assert rows[(before.stage, name)] is claim.stage
        assert claim.stage is claim.history[-1].stage
        assert len(claim.history) == len(before.history) + 1
        if claim.stage.closed:
            assert allowed_actions(claim) == ()
        if claim.stage is S.BEING_FIXED:
            assert claim.fix in (FixKind.REPLACEMENT, FixKind.FIX, FixKind.REFUND)
        if claim.stage in (S.RESOLVED_SATISFIED, S.RESOLVED_UNSATISFIED):
            assert claim.fix is not None
            assert claim.causes
            assert claim.outcome
        assert claim.director_involved == claim.did("escalate_to_director")
        assert claim.legal == claim.did("refer_to_legal")


# --------------------------------------------------------------------------- recipients


def reasons(recipients: tuple[ClaimRecipient, ...]) -> list[tuple[str, tuple[str, ...]]]:
    return [(r.employee_id, tuple(x.value for x in r.reasons)) for r in recipients]


def test_the_head_of_the_department_at_fault_and_the_director_are_told() -> None:
    told = claim_recipients(D("sales"), staff=a_staff(), policy=POLICY)
    assert reasons(told) == [
        ("petrov", ("head_of_department",)),
        ("ivanov", ("general_director",)),
    ]


def test_a_department_without_a_head_falls_back_to_the_director_told_once() -> None:
    told = claim_recipients(D("tech_support"), staff=a_staff(), policy=POLICY)
    assert reasons(told) == [("ivanov", ("no_head_of_department", "general_director"))]


def test_the_director_heading_the_department_at_fault_is_told_once() -> None:
    told = claim_recipients(D("management"), staff=a_staff(), policy=POLICY)
    assert reasons(told) == [("ivanov", ("head_of_department", "general_director"))]


def test_a_head_missing_from_the_staff_falls_back_to_the_director() -> None:
    staff = a_staff()
    ghost = Department(D("tech_support"), "Техническая поддержка", head_id=E("left_the_company"))
    staff = attrs.evolve(
        staff,
        departments=tuple(ghost if d.id == ghost.id else d for d in staff.departments),
    )
    told = claim_recipients(D("tech_support"), staff=staff, policy=POLICY)
    assert reasons(told) == [("ivanov", ("no_head_of_department", "general_director"))]


def test_without_a_head_of_management_the_director_is_found_by_role() -> None:
    staff = staff_with(
        departments=(Department(D("sales"), "Продажи"), Department(D("management"), "Дирекция")),
        employees=(
            an_employee("zorin", "management", Role.DIRECTOR),
            an_employee("belov", "management", Role.DIRECTOR),
            an_employee("popov", "sales", Role.SALES_MANAGER),
        ),
    )
    assert general_director(staff, policy=POLICY).id == "belov"
    told = claim_recipients(D("sales"), staff=staff, policy=POLICY)
    assert reasons(told) == [("belov", ("no_head_of_department", "general_director"))]


def test_the_management_department_comes_from_the_policy() -> None:
    staff = staff_with(
        departments=(
            Department(D("sales"), "Продажи", head_id=E("popov")),
            Department(D("board"), "Дирекция", head_id=E("zorin")),
        ),
        employees=(an_employee("zorin", "board"), an_employee("popov", "sales")),
    )
    policy = attrs.evolve(POLICY, management_department=D("board"))
    assert [r.employee_id for r in claim_recipients(D("sales"), staff=staff, policy=policy)] == [
        "popov",
        "zorin",
    ]


def test_the_director_can_be_named_in_the_policy() -> None:
    named = ClaimPolicy(director_id=E("petrov"))
    told = claim_recipients(D("sales"), staff=a_staff(), policy=POLICY, claims=named)
    assert reasons(told) == [("petrov", ("head_of_department", "general_director"))]
    with pytest.raises(ValidationError, match=r"'nobody' .* is not in the staff") as caught:
        general_director(a_staff(), policy=POLICY, claims=ClaimPolicy(director_id=E("nobody")))
    assert caught.value.paths == ("staff",)


def test_no_director_in_the_staff_is_a_clear_error() -> None:
    staff = staff_with(
        departments=(Department(D("sales"), "Продажи", head_id=E("popov")),),
        employees=(an_employee("popov", "sales"),),
    )
    with pytest.raises(ValidationError, match="no general director") as caught:
        claim_recipients(D("sales"), staff=staff, policy=POLICY)
    assert caught.value.paths == ("staff",)
    # told only the head, the claim needs no director
    only_head = ClaimPolicy(notify_director=False)
    assert reasons(claim_recipients(D("sales"), staff=staff, policy=POLICY, claims=only_head)) == [
        ("popov", ("head_of_department",))
    ]


def test_who_is_told_is_the_policys_choice_but_someone_is() -> None:
    only_director = ClaimPolicy(notify_head=False)
    told = claim_recipients(D("sales"), staff=a_staff(), policy=POLICY, claims=only_director)
    assert reasons(told) == [("ivanov", ("general_director",))]
    with pytest.raises(ValidationError, match="must reach the head or the director"):
        ClaimPolicy(notify_head=False, notify_director=False)


def test_an_unknown_department_is_a_clear_error() -> None:
    with pytest.raises(ValidationError) as caught:
        claim_recipients(D("legal"), staff=a_staff(), policy=POLICY)
    assert caught.value.paths == ("department_id",)
    assert "'legal' is not a department of the staff (known: client, management" in str(
        caught.value
    )


# --------------------------------------------------------------------------- filing


def file(**overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "id": ClaimId("k1"),
        "client": a_client(id=ClientId("c1"), name="ООО «Ромашка»", manager_id=ANNA),
        "department_id": D("sales"),
        "source": ClaimSource.client_words("Обещали скидку 10% и не дали"),
        "now": T0,
        "by": ANNA,
        "staff": a_staff(),
        "policy": POLICY,
    }
    fields.update(overrides)
    return file_claim(**fields)


def test_filing_makes_the_claim_its_appeal_and_a_reaction_for_each_recipient_at_once() -> None:
    decision = file(money=Money("12000"), order_id=OrderId("o7"), invoice_id="С-15")
    claim = decision.claim
    assert (claim.id, claim.client_id, claim.department_id, claim.stage) == (
        "k1",
        "c1",
        "sales",
        S.FILED,
    )
    assert (claim.money, claim.order_id, claim.invoice_id) == (Money(12000), "o7", "С-15")
    appeal = decision.appeal
    assert appeal is not None
    assert appeal.id == claim_appeal_id(claim.id) == "claim-k1"
    assert (appeal.type, appeal.department_id, appeal.client_id) == (
        AppealType.CLAIM,
        "client",
        "c1",
    )
    assert appeal.topic == "Рекламация: ООО «Ромашка» — Отдел продаж"
    assert appeal.note == "Обещали скидку 10% и не дали"
    head, director = decision.reactions
    assert head.id == escalation_reaction_id(ClaimId("k1"), E("petrov")) == "claim-k1-notify-petrov"
    assert director.id == "claim-k1-notify-ivanov"
    for reaction, who in ((head, "petrov"), (director, "ivanov")):
        assert reaction.employee_id == who
        assert reaction.appeal_id == "claim-k1"
        assert reaction.kind is ReactionKind.TASK
        assert reaction.due_at == reaction.created_at == T0
        assert reaction.created_by == ANNA
        assert not reaction.done
    assert head.topic == (
        "ЧП: рекламация клиента ООО «Ромашка» на работу Вашего отдела. Обещали скидку 10% и не дали"
    )
    assert director.topic.startswith("ЧП: рекламация клиента ООО «Ромашка», отдел «Отдел продаж».")


def test_filing_publishes_an_event_plugins_can_forward() -> None:
    decision = file(money=Money("12000"), order_id=OrderId("o7"))
    assert decision.events == (
        ClaimFiled(
            claim_id=ClaimId("k1"),
            client_id=ClientId("c1"),
            department_id=D("sales"),
            recipients=(E("petrov"), E("ivanov")),
            source=SourceKind.CLIENT_WORDS,
            text="Обещали скидку 10% и не дали",
            money=Money(12000),
            order_id=OrderId("o7"),
            by=ANNA,
            at=T0,
        ),
    )
    assert decision.commands == (
        CreateAppeal(decision.appeal),
        CreateReaction(decision.reactions[0]),
        CreateReaction(decision.reactions[1]),
    )


def test_filing_twice_makes_the_same_records() -> None:
    assert file() == file()


def test_a_department_without_a_head_sends_the_director_its_own_words() -> None:
    decision = file(department_id=D("tech_support"))
    (reaction,) = decision.reactions
    assert reaction.employee_id == "ivanov"
    assert reaction.topic.startswith(
        "ЧП: рекламация клиента ООО «Ромашка», у отдела «Техническая поддержка» нет начальника."
    )


def test_delays_come_from_the_policy() -> None:
    rules = ClaimPolicy(head_delay=timedelta(minutes=15), reaction_kind=ReactionKind.EMAIL)
    head, director = file(claims=rules).reactions
    assert head.due_at == T0 + timedelta(minutes=15)
    assert director.due_at == T0
    assert head.kind is director.kind is ReactionKind.EMAIL
    # the director heading the department at fault: the sooner of the two
    (both,) = file(department_id=D("management"), claims=rules).reactions
    assert both.due_at == T0


def test_policy_claims_is_used_once_the_policy_has_it() -> None:
    assert claim_policy(POLICY) == ClaimPolicy()
    mine = ClaimPolicy(text_limit=40)
    assert claim_policy(POLICY, mine) is mine


def test_long_words_are_cut_in_topics_but_kept_whole_in_the_claim() -> None:
    words = "Очень длинная жалоба " * 30
    decision = file(source=ClaimSource.manager_notes(words), claims=ClaimPolicy(text_limit=40))
    head = decision.reactions[0]
    assert head.topic.endswith("…")
    assert len(head.topic.split("отдела. ", 1)[1]) == 40
    assert decision.claim.source.text == words
    assert decision.events[0].source is SourceKind.MANAGER_NOTES


def test_the_claim_belongs_to_the_clients_manager() -> None:
    assert file(by=E("petrov")).claim.manager_id == "anna"
    orphan = a_client(id=ClientId("c1"))
    claim = file(client=orphan, by=E("petrov")).claim
    assert (claim.manager_id, claim.filed_by) == ("petrov", "petrov")


@pytest.mark.parametrize("department", [None, ""])
def test_filing_without_a_department_names_department_id(department: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        file(department_id=department)
    assert caught.value.paths == ("department_id",)
    assert caught.value.subject == "claim"


def test_filing_against_an_unknown_department_and_bad_money_names_both() -> None:
    with pytest.raises(ValidationError) as caught:
        file(department_id=D("legal"), money=Money(0))
    assert caught.value.paths == ("money", "department_id")


def test_custom_words() -> None:
    texts = ClaimTexts(to_director="Директору: {client} / {department} / {head:dat}")
    decision = file(claims=ClaimPolicy(texts=texts))
    assert decision.reactions[1].topic == (
        "Директору: ООО «Ромашка» / Отдел продаж / Петрову Игорю Олеговичу"
    )
    with pytest.raises(ValueError, match="is a person: say the case"):
        ClaimTexts(to_head="{head}, рекламация {client}")
    with pytest.raises(ValueError, match="placeholders are"):
        ClaimTexts(to_head="{nobody}")


# --------------------------------------------------------------------------- advancing


def test_escalating_to_the_director_makes_a_reaction_and_an_event() -> None:
    client = a_client(id=ClientId("c1"), name="ООО «Ромашка»")
    claim = file().claim
    later = T0 + timedelta(days=2)
    decision = advance_claim(
        claim,
        EscalateToDirector("Клиент требует расторгнуть договор"),
        client=client,
        now=later,
        by=ANNA,
        staff=a_staff(),
        policy=POLICY,
        claims=ClaimPolicy(director_delay=timedelta(minutes=30)),
    )
    assert decision.claim.director_involved
    assert decision.appeal is None
    (reaction,) = decision.reactions
    assert reaction.id == "claim-k1-escalate-ivanov"
    assert reaction.appeal_id == "claim-k1"
    assert reaction.due_at == later + timedelta(minutes=30)
    assert reaction.topic == (
        "Рекламация клиента ООО «Ромашка»: менеджер не может урегулировать сам — "
        "Клиент требует расторгнуть договор"
    )
    assert decision.events == (
        ClaimAdvanced(
            ClaimId("k1"),
            ClientId("c1"),
            "escalate_to_director",
            S.FILED,
            ANNA,
            later,
            (E("ivanov"),),
        ),
    )
    assert decision.commands == (CreateReaction(reaction),)


def test_other_steps_only_publish_the_move() -> None:
    client = a_client(id=ClientId("c1"))
    decision = advance_claim(
        file().claim,
        FindCauses("Менеджер продаж не внёс скидку в счёт"),
        client=client,
        now=T0 + timedelta(hours=3),
        by=E("petrov"),
        staff=a_staff(),
        policy=POLICY,
    )
    assert decision.reactions == ()
    assert decision.commands == ()
    (event,) = decision.events
    assert isinstance(event, ClaimAdvanced)
    assert (event.action, event.stage, event.by, event.recipients) == (
        "find_causes",
        S.CAUSES_FOUND,
        "petrov",
        (),
    )


def test_advancing_needs_the_claims_own_client() -> None:
    with pytest.raises(ValidationError) as caught:
        advance_claim(
            file().claim,
            FindCauses("x"),
            client=a_client(),
            now=T0,
            by=ANNA,
            staff=a_staff(),
            policy=POLICY,
        )
    assert caught.value.paths == ("client",)


def test_an_illegal_step_through_the_rules_is_refused_too() -> None:
    with pytest.raises(TransitionError):
        advance_claim(
            file().claim,
            ResolveSatisfied("ok"),
            client=a_client(id=ClientId("c1")),
            now=T0,
            by=ANNA,
            staff=a_staff(),
            policy=POLICY,
        )


# --------------------------------------------------------------------------- figures


def dated(
    claim_id: str,
    filed: datetime,
    department: str,
    *steps: tuple[ClaimAction, datetime],
    money: str | None = None,
    order: str | None = None,
    manager: str = "anna",
) -> Claim:
    claim = a_claim(
        id=ClaimId(claim_id),
        department_id=D(department),
        now=filed,
        money=Money(money) if money is not None else None,
        order_id=OrderId(order) if order is not None else None,
        manager_id=E(manager),
    )
    for action, at in steps:
        claim = advance(claim, action, now=at, by=ANNA)
    return claim


def march(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=MSK)


CAUSES = FindCauses("Причина")
CLAIMS: tuple[Claim, ...] = (
    # filed and resolved satisfied in March
    dated(
        "a",
        march(2),
        "tech_support",
        (CAUSES, march(3)),
        (StartFix(FixKind.REPLACEMENT), march(4)),
        (ResolveSatisfied("Заменили"), march(10)),
        money="45000.50",
        order="o1",
    ),
    # filed in March, resolved unsatisfied in April
    dated(
        "b",
        march(5),
        "tech_support",
        (CAUSES, march(6)),
        (ResolveUnsatisfied("Недоволен"), datetime(2026, 4, 2, 10, tzinfo=MSK)),
        money="1000",
        order="o1",
    ),
    # filed in February, resolved satisfied in March
    dated(
        "c",
        datetime(2026, 2, 20, 10, tzinfo=MSK),
        "sales",
        (CAUSES, march(1)),
        (ResolveSatisfied("Дали скидку"), march(31, 23)),
        money="300.25",
        order="o2",
        manager="petrov",
    ),
    # filed in March without money, withdrawn in March
    dated("d", march(12), "sales", (Withdraw("Отозвал"), march(13)), manager="petrov"),
    # filed 1 April 01:30 Moscow time = 31 March 22:30 UTC: April's
    dated("e", datetime(2026, 3, 31, 22, 30, tzinfo=UTC), "sales", money="999"),
    # open, filed in March
    dated("f", march(20), "tech_support", (CAUSES, march(21)), money="0.25", order="o3"),
)


def test_claim_figures_for_a_month() -> None:
    report = claim_figures(CLAIMS, date(2026, 3, 1), date(2026, 3, 31), tz=MSK)
    total = report.total
    assert (total.filed, total.filed_orders) == (4, 2)
    assert total.filed_money.amount == Decimal("46000.75")
    assert (total.resolved_satisfied, total.satisfied_orders) == (2, 2)
    assert total.satisfied_money == Money("45300.75")
    assert (total.resolved_unsatisfied, total.unsatisfied_money) == (0, Money(0))
    assert total.withdrawn == 1
    assert isinstance(total.filed_money.amount, Decimal)


def test_claim_figures_per_department_and_per_manager() -> None:
    report = claim_figures(CLAIMS, date(2026, 3, 1), date(2026, 3, 31), tz=MSK)
    assert [d for d, _ in report.by_department] == ["sales", "tech_support"]
    tech = report.for_department(D("tech_support"))
    assert (tech.filed, tech.filed_money.amount, tech.filed_orders) == (
        3,
        Decimal("46000.75"),
        2,
    )
    assert (tech.resolved_satisfied, tech.satisfied_money.amount) == (1, Decimal("45000.50"))
    sales = report.for_department(D("sales"))
    assert (sales.filed, sales.filed_money, sales.resolved_satisfied, sales.withdrawn) == (
        1,
        Money(0),
        1,
        1,
    )
    assert sales.satisfied_money == Money("300.25")
    assert report.for_department(D("client")).filed == 0
    assert report.for_manager(E("petrov")).resolved_satisfied == 1
    assert report.for_manager(E("anna")).filed == 3
    assert [m for m, _ in report.by_manager] == ["anna", "petrov"]


def test_claim_figures_count_each_event_in_its_own_period() -> None:
    april = claim_figures(CLAIMS, date(2026, 4, 1), date(2026, 4, 30), tz=MSK)
    assert (april.total.filed, april.total.filed_money) == (1, Money(999))
    assert (april.total.resolved_unsatisfied, april.total.unsatisfied_money) == (1, Money(1000))
    assert april.total.resolved_satisfied == 0
    in_utc = claim_figures(CLAIMS, date(2026, 3, 1), date(2026, 3, 31), tz=UTC)
    assert in_utc.total.filed == 5


def test_claim_figures_refuse_mixed_currencies_and_backward_periods() -> None:
    euro = a_claim(id=ClaimId("x"), money=Money("10", "EUR"))
    with pytest.raises(ValidationError) as caught:
        claim_figures((*CLAIMS, euro), date(2026, 3, 1), date(2026, 3, 31), tz=MSK)
    assert caught.value.paths == ("claims[6].money",)
    in_euro = claim_figures([euro], date(2026, 3, 1), date(2026, 3, 31), tz=UTC, currency="EUR")
    assert in_euro.total.filed_money == Money("10", "EUR")
    with pytest.raises(ValidationError) as caught:
        claim_figures(CLAIMS, date(2026, 3, 31), date(2026, 3, 1), tz=MSK)
    assert caught.value.paths == ("end",)


# --------------------------------------------------------------------------- storage shape


def test_claims_and_their_policy_survive_the_converter() -> None:
    converter = make_converter()
    claim = walk(
        a_claim(money=Money("10.10"), order_id=OrderId("o1"), occasion=ClaimOccasion.SERVICE_VISIT),
        FindCauses("x"),
        StartFix(FixKind.FIX),
        EscalateToDirector("y"),
    )
    assert converter.structure(converter.unstructure(claim), Claim) == claim
    rules = ClaimPolicy(director_id=E("ivanov"), head_delay=timedelta(minutes=5))
    assert converter.structure(converter.unstructure(rules), ClaimPolicy) == rules
