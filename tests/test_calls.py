"""Routing an incoming call: the pure rule branch by branch, then the service on SQLite."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from clientops import (
    ClientCategory,
    ClientOps,
    EmployeeId,
    InvalidPhoneError,
    Phone,
    Policy,
    ReactionKind,
    StorageError,
    ValidationError,
)
from clientops.calls import CallBranch, CallIntent, IncomingCall
from clientops.commands import CreateAppeal, CreateClient, CreateReaction, TransferCall
from clientops.events import ClientCreated
from clientops.policy import ENGLISH
from clientops.rules.calls import client_queries, route_incoming_call
from clientops.testing import T0, FailingStorage, a_client, a_staff

ANNA = EmployeeId("anna")
GREETING = "Компания MLS IT, Анна, здравствуйте! Чем я могу Вам помочь?"
CLOSING = "Спасибо за звонок! Обращайтесь к нам ещё!"


def a_call(intent: CallIntent = CallIntent.PRODUCT_INFO, **fields: Any) -> IncomingCall:
    defaults: dict[str, Any] = {
        "caller_phone": "8 (912) 345-67-89",
        "name": 'ООО "Ромашка"',
        "city": "Омск",
        "contact_person": "Сергей Петрович",
        "topic": "Запрос цен по ArchiCredit",
    }
    defaults.update(fields)
    return IncomingCall(intent, **defaults)


def route(call: IncomingCall, *matches: tuple[Any, ...], policy: Policy | None = None) -> Any:
    return route_incoming_call(
        call,
        answered_by=ANNA,
        staff=a_staff(),
        matches=matches,
        now=T0,
        policy=policy or Policy(),
    )


# ----------------------------------------------------------------------------- the rule


def test_commercial_request_creates_card_appeal_and_sales_reaction_due_in_a_minute() -> None:
    routing = route(a_call())
    assert routing.branch is CallBranch.SALES
    assert routing.script == (GREETING, "Перевожу Ваш звонок: Отдел продаж.", CLOSING)
    assert routing.transfer_to == TransferCall(department_id="sales")
    kinds = [type(c) for c in routing.decision.commands]
    assert kinds == [CreateClient, CreateAppeal, CreateReaction, TransferCall]
    card, appeal, reaction = routing.client, routing.appeal, routing.reaction
    assert (card.name, card.city, card.phones, card.contact_person) == (
        'ООО "Ромашка"',
        "Омск",
        (Phone("+79123456789"),),
        "Сергей Петрович",
    )
    assert card.category is ClientCategory.CLIENT
    assert (appeal.department_id, appeal.topic) == ("sales", "Запрос цен по ArchiCredit")
    assert reaction.kind is ReactionKind.INCOMING_CALL
    assert reaction.department_id == "sales"
    assert reaction.due_at == T0 + timedelta(minutes=1)
    assert reaction.created_by == ANNA
    assert routing.new_client


def test_contact_person_not_given_shows_a_dash() -> None:
    assert route(a_call(contact_person=None)).client.contact_person == "—"
    assert route(a_call(contact_person="-")).client.contact_person == "—"


def test_known_caller_keeps_their_card() -> None:
    known = a_client(phones=(Phone("+79123456789"),))
    routing = route(a_call(), (known,))
    assert routing.client == known
    assert not routing.new_client
    assert [type(c) for c in routing.decision.commands] == [
        CreateAppeal,
        CreateReaction,
        TransferCall,
    ]


def test_lookups_for_a_new_caller_are_phone_then_name_in_city() -> None:
    queries = client_queries(a_call(), Policy())
    assert [(q.phone, q.name, q.city) for q in queries] == [
        (Phone("+79123456789"), None, None),
        (None, 'ООО "Ромашка"', "Омск"),
    ]
    assert (
        client_queries(a_call(CallIntent.SALES_MANAGER, requested_manager="Петров"), Policy()) == ()
    )


@pytest.mark.parametrize(
    ("missing", "paths"),
    [
        ({"name": None}, ("name",)),
        ({"name": " ", "city": "", "caller_phone": None}, ("name", "city", "caller_phone")),
        ({"city": None, "caller_phone": "12"}, ("city", "caller_phone")),
    ],
)
def test_new_card_lists_every_missing_field(
    missing: dict[str, Any], paths: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationError) as err:
        route(a_call(**missing))
    assert err.value.paths == paths


def test_the_records_of_a_call_are_what_their_checked_constructors_make() -> None:
    """The card, contact, appeal, reaction, look-ups and timeline entries of a call are made
    without running their checks again: each is the value its own constructor makes."""
    from clientops._timeline import timeline_entries

    for call in (a_call(), a_call(contact_person=None, project="Сеть", note="Перезвонить")):
        routing = route(call)
        made = [routing.client, *routing.client.contacts, routing.appeal, routing.reaction]
        made += client_queries(call, Policy())
        made += timeline_entries(routing.appeal) + timeline_entries(routing.reaction)
        for value in made:
            assert attrs.evolve(value) == value, value  # evolve runs __init__ and its checks


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ({"topic": "т" * 301}, "topic", "at most 300"),
        ({"name": "ООО\x07Ромашка"}, "name", "control character"),
        ({"city": "О" * 201}, "city", "at most 200"),
        ({"contact_person": "Сергей\x00"}, "name", "control character"),
        ({"project": "п" * 201}, "project", "at most 200"),
        ({"note": "заметка\x1b"}, "note", "control character"),
    ],
)
def test_a_bad_part_of_a_call_is_refused_by_the_record_that_checks_it(
    fields: dict[str, Any], path: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as err:
        route(a_call(**fields))
    assert err.value.paths == (path,)


def test_a_part_a_check_takes_but_the_shortcut_does_not_is_kept() -> None:
    """A tab or a line break in a contact's name or a note passes the checks (the shortcut
    leaves such a part to them); an id of a custom make_id that is too long is refused."""
    routing = route(a_call(contact_person="Сергей\tПетрович", note="строка\nстрока"))
    assert routing.client.contact_person == "Сергей\tПетрович"
    assert routing.appeal.note == "строка\nстрока"
    with pytest.raises(ValidationError) as err:
        route_incoming_call(
            a_call(),
            answered_by=ANNA,
            staff=a_staff(),
            matches=(),
            now=T0,
            policy=Policy(),
            make_id=lambda: "x" * 129,
        )
    assert err.value.paths == ("id",)


def test_unparseable_phone_is_named() -> None:
    with pytest.raises(ValidationError, match="'не помню'"):
        route(a_call(caller_phone="не помню"))


def test_named_sales_manager_is_put_through_and_nothing_recorded() -> None:
    routing = route(a_call(CallIntent.SALES_MANAGER, requested_manager="Игорь Петров"))
    assert routing.branch is CallBranch.NAMED_MANAGER
    assert routing.transfer_to == TransferCall(employee_id="petrov")
    assert routing.script[1] == "Перевожу Ваш звонок: Петров Игорь Олегович."
    assert routing.decision.commands == (TransferCall(employee_id="petrov"),)
    assert routing.client is None


def test_absent_named_manager_goes_to_the_sales_department() -> None:
    routing = route(a_call(CallIntent.SALES_MANAGER, requested_manager="Кузнецова"))
    assert routing.branch is CallBranch.NAMED_MANAGER_UNAVAILABLE
    assert routing.transfer_to == TransferCall(department_id="sales")
    assert routing.decision.codes() == ("employee_absent",)
    assert "Кузнецовой Марии Павловны сейчас нет на месте" in routing.script[1]
    assert not any(isinstance(c, (CreateClient, CreateAppeal)) for c in routing.decision.commands)


def test_unknown_named_manager_goes_to_the_sales_department() -> None:
    routing = route(a_call(CallIntent.SALES_MANAGER, requested_manager="Сидоров"))
    assert routing.transfer_to == TransferCall(department_id="sales")
    assert routing.decision.codes() == ("employee_not_found",)


def test_named_manager_must_be_named() -> None:
    with pytest.raises(ValidationError) as err:
        route(a_call(CallIntent.SALES_MANAGER))
    assert err.value.paths == ("requested_manager",)


def test_support_for_a_found_client_uses_the_existing_card() -> None:
    client = a_client(contract_numbers=("12/25",))
    call = a_call(CallIntent.TECH_SUPPORT, is_customer=True, contract_number="12/25", name=None)
    assert [q.contract for q in client_queries(call, Policy())] == ["12/25", None]
    routing = route(call, (client,), ())
    assert routing.branch is CallBranch.TECH_SUPPORT
    assert routing.client == client
    assert routing.transfer_to == TransferCall(department_id="tech_support")
    assert routing.reaction.department_id == "tech_support"
    assert routing.reaction.due_at == T0 + timedelta(minutes=1)
    assert not any(isinstance(c, CreateClient) for c in routing.decision.commands)


def test_support_caller_not_found_is_asked_again_and_nothing_recorded() -> None:
    call = a_call(CallIntent.TECH_SUPPORT, is_customer=True, contract_number="99/99")
    routing = route(call, (), (), ())
    assert routing.branch is CallBranch.UNIDENTIFIED
    assert routing.decision.codes() == ("client_not_found",)
    assert routing.decision.commands == ()
    assert routing.transfer_to is None
    assert CLOSING not in routing.script


def test_support_caller_matching_several_cards_is_asked_to_say_which() -> None:
    call = a_call(CallIntent.TECH_SUPPORT, is_customer=True, name="Ромашка")
    routing = route(call, (a_client(), a_client(city="Тула")))
    assert routing.decision.codes() == ("client_ambiguous",)
    assert routing.decision.commands == ()


def test_support_caller_who_is_neither_client_nor_dealer_goes_to_sales() -> None:
    routing = route(a_call(CallIntent.TECH_SUPPORT, is_customer=False))
    assert routing.branch is CallBranch.NOT_A_CUSTOMER
    assert routing.transfer_to == TransferCall(department_id="sales")
    assert routing.reaction.department_id == "sales"


def test_support_caller_must_say_whether_a_customer() -> None:
    with pytest.raises(ValidationError) as err:
        route(a_call(CallIntent.TECH_SUPPORT))
    assert err.value.paths == ("is_customer",)


@pytest.mark.parametrize("intent", [CallIntent.COOPERATION, CallIntent.UNCLEAR])
def test_cooperation_or_unclear_goes_to_management_with_a_call_back_promise(
    intent: CallIntent,
) -> None:
    routing = route(a_call(intent))
    assert routing.branch is CallBranch.MANAGEMENT
    assert routing.transfer_to is None
    assert routing.reaction.department_id == "management"
    assert routing.script == (
        GREETING,
        "В ближайшее время Вам позвонит человек, уполномоченный решать заданные Вами вопросы.",
        CLOSING,
    )


def test_unknown_employee_answering_is_bad_input() -> None:
    with pytest.raises(ValidationError, match="answered_by"):
        route_incoming_call(
            a_call(),
            answered_by=EmployeeId("ghost"),
            staff=a_staff(),
            matches=(),
            now=T0,
            policy=Policy(),
        )


def test_policy_changes_delay_company_and_language() -> None:
    policy = attrs.evolve(
        Policy(),
        company_name="Acme",
        sales_reaction_delay=timedelta(minutes=5),
        messages=ENGLISH,
    )
    routing = route(a_call(), policy=policy)
    assert routing.reaction.due_at == T0 + timedelta(minutes=5)
    assert routing.script[0] == "Acme, Анна speaking, good day! How can I help you?"
    assert routing.script[-1] == "Thank you for calling! Do call us again!"


# --------------------------------------------------------------------------- the service


def _counts(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as raw:
        return tuple(  # type: ignore[return-value]
            raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("clients", "appeals", "reactions")
        )


def test_service_records_a_commercial_call(sqlite_ops: ClientOps, db_path: Path) -> None:
    routing = sqlite_ops.calls.handle_incoming(a_call(), answered_by=ANNA)
    assert _counts(db_path) == (1, 1, 1)
    stored = sqlite_ops.clients.get(routing.client.id)
    assert stored == routing.client
    assert sqlite_ops.clients.reactions_of(stored.id) == (routing.reaction,)
    assert sqlite_ops.clients.appeals_of(stored.id) == (routing.appeal,)


def test_a_routed_call_leaves_no_garbage_for_the_collector(sqlite_ops: ClientOps) -> None:
    """The unit of work and its repositories are freed when it ends (no reference cycle is
    left for the garbage collector), and a repository asked for after the end is made
    again."""
    import gc

    sqlite_ops.calls.handle_incoming(a_call(), answered_by=ANNA)  # every module loaded
    gc.collect()
    gc.disable()
    try:
        for phone in ("+7 912 345-67-80", "+7 912 345-67-81"):
            sqlite_ops.calls.handle_incoming(a_call(caller_phone=phone), answered_by=ANNA)
        assert gc.collect() == 0
    finally:
        gc.enable()
    storage = sqlite_ops.storage
    with storage.unit_of_work(readonly=True) as uow:
        clients = uow.clients
    assert "clients" not in vars(uow)
    assert uow.clients is not clients


def test_second_call_from_the_same_phone_reuses_the_card(
    sqlite_ops: ClientOps, db_path: Path
) -> None:
    first = sqlite_ops.calls.handle_incoming(a_call(), answered_by=ANNA)
    again = sqlite_ops.calls.handle_incoming(
        a_call(caller_phone="+7 912 345 67 89", name="ромашка ооо", topic="Ещё вопрос"),
        answered_by=ANNA,
    )
    assert again.client.id == first.client.id
    assert _counts(db_path) == (1, 2, 2)


def test_the_card_found_by_phone_wins_over_one_found_by_name(
    sqlite_ops: ClientOps, db_path: Path
) -> None:
    by_phone = sqlite_ops.clients.add(
        a_client(name="ООО Вектор", phones=(Phone.parse("+79123456789"),))
    )
    sqlite_ops.clients.add(a_client(name='ООО "Ромашка"', city="Омск"))
    routing = sqlite_ops.calls.handle_incoming(a_call(), answered_by=ANNA)
    assert routing.client == by_phone
    assert not routing.new_client
    assert _counts(db_path) == (2, 1, 1)


def test_service_named_manager_records_nothing(sqlite_ops: ClientOps, db_path: Path) -> None:
    sqlite_ops.calls.handle_incoming(
        a_call(CallIntent.SALES_MANAGER, requested_manager="Петров"), answered_by=ANNA
    )
    assert _counts(db_path) == (0, 0, 0)


def test_service_support_call_attaches_to_the_existing_client(
    sqlite_ops: ClientOps, db_path: Path
) -> None:
    client = sqlite_ops.clients.add(a_client(name='ООО "Вектор"', contract_numbers=("Д-15/24",)))
    by_contract = sqlite_ops.calls.handle_incoming(
        a_call(CallIntent.TECH_SUPPORT, is_customer=True, contract_number="д-15/24", name=None),
        answered_by=ANNA,
    )
    by_name = sqlite_ops.calls.handle_incoming(
        a_call(CallIntent.TECH_SUPPORT, is_customer=True, name="вектор ООО", caller_phone=None),
        answered_by=ANNA,
    )
    assert by_contract.client == client
    assert by_name.client == client
    assert _counts(db_path) == (1, 2, 2)
    assert {r.department_id for r in sqlite_ops.clients.reactions_of(client.id)} == {"tech_support"}


def test_service_unidentified_support_caller_records_nothing(
    sqlite_ops: ClientOps, db_path: Path
) -> None:
    routing = sqlite_ops.calls.handle_incoming(
        a_call(CallIntent.TECH_SUPPORT, is_customer=True, contract_number="нет такого"),
        answered_by=ANNA,
    )
    assert routing.decision.codes() == ("client_not_found",)
    assert _counts(db_path) == (0, 0, 0)


def test_service_missing_fields_store_nothing(sqlite_ops: ClientOps, db_path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        sqlite_ops.calls.handle_incoming(
            a_call(name=None, city=None, caller_phone=None), answered_by=ANNA
        )
    assert err.value.paths == ("name", "city", "caller_phone")
    assert _counts(db_path) == (0, 0, 0)


@pytest.mark.parametrize("failing", ["clients.add", "appeals.add", "appeals.add_reaction"])
def test_a_storage_failure_mid_call_stores_nothing_of_it(
    sqlite_ops: ClientOps, db_path: Path, failing: str
) -> None:
    sqlite_ops.calls.handle_incoming(a_call(caller_phone="+79120000001"), answered_by=ANNA)
    broken = ClientOps(
        FailingStorage(sqlite_ops.storage, failing),
        host=sqlite_ops.context.host,
        clock=lambda: T0,
    )
    with pytest.raises(StorageError, match="injected"):
        broken.calls.handle_incoming(
            a_call(caller_phone="+79120000002", name="АО «Вектор»"), answered_by=ANNA
        )
    assert _counts(db_path) == (1, 1, 1)
    assert sqlite_ops.clients.find(phone="+79120000002") == ()


def test_events_are_published_after_commit(sqlite_ops: ClientOps) -> None:
    seen: list[object] = []

    class Listener:
        from clientops import hookimpl

        @hookimpl
        def clientops_event(self, event: object) -> None:
            seen.append(event)

    sqlite_ops.context.host.register(Listener(), name="listener")
    routing = sqlite_ops.calls.handle_incoming(a_call(), answered_by=ANNA)
    assert [type(e).__name__ for e in seen] == [
        "ClientCreated",
        "AppealOpened",
        "ReactionScheduled",
        "CallRouted",
    ]
    assert seen[0] == ClientCreated(routing.client.id, T0)


@pytest.mark.parametrize("written", ["8 912 345-67-89", "+7 (912) 3456789", "9123456789"])
def test_find_clients_by_phone_in_any_format(sqlite_ops: ClientOps, written: str) -> None:
    card = sqlite_ops.clients.add(a_client(phones=(Phone("+79123456789"),)))
    assert sqlite_ops.clients.find(phone=written) == (card,)


def test_find_clients_with_a_malformed_phone_names_it(sqlite_ops: ClientOps) -> None:
    with pytest.raises(InvalidPhoneError, match="'12-34'"):
        sqlite_ops.clients.find(phone="12-34")
    with pytest.raises(ValidationError, match="needs"):
        sqlite_ops.clients.find(city="Омск")


def test_named_manager_must_be_in_sales() -> None:
    routing = route(a_call(CallIntent.SALES_MANAGER, requested_manager="Иванов"))  # director
    assert routing.branch is CallBranch.NAMED_MANAGER_UNAVAILABLE
    assert routing.decision.codes() == ("employee_not_found",)


def test_new_card_category_comes_from_the_policy() -> None:
    policy = attrs.evolve(Policy(), new_card_category=ClientCategory.PROSPECT)
    assert route(a_call(), policy=policy).client.category is ClientCategory.PROSPECT


def test_a_script_template_with_an_unknown_placeholder_is_refused() -> None:
    from clientops.policy import Messages

    with pytest.raises(ValueError, match=r"closing.*\{company\}"):
        Messages(closing="Спасибо, {client}!")


def test_update_client_keeps_versions(sqlite_ops: ClientOps) -> None:
    from clientops import ConflictError

    card = sqlite_ops.clients.add(a_client())
    stored = sqlite_ops.clients.update(attrs.evolve(card, emails=("info@romashka.ru",)))
    assert stored.version == 1
    assert sqlite_ops.clients.get(card.id) == stored
    with pytest.raises(ConflictError, match=card.id):
        sqlite_ops.clients.update(attrs.evolve(card, city="Тула"))


def test_add_staff_is_all_or_nothing(tmp_path: Path) -> None:
    from clientops import Employee, NotFoundError, connect
    from clientops.clients import StaffDirectory

    staff = a_staff()
    stray = Employee(EmployeeId("x"), "Икс Игрек", "Икс", "nowhere")  # type: ignore[arg-type]
    with connect(f"sqlite:///{tmp_path / 's.db'}") as ops:
        with pytest.raises(NotFoundError, match="nowhere"):
            ops.clients.add_staff(attrs.evolve(staff, employees=(*staff.employees, stray)))
        assert ops.clients.staff() == StaffDirectory()
        ops.clients.add_staff(staff)
        assert len(ops.clients.staff().employees) == len(staff.employees)
