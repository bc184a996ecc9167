"""Taking over a client folder through ClientOps, on a real SQLite file (and on PostgreSQL):
the intake, the checklist, the courier through the outbox (the offline courier and the CDEK
stand-in with its faults), the welcome call, the contacts e-mail, the papers and the calendar.

"Storage unchanged" is checked on the database file itself: its full SQL dump before and
after a refused call must be identical."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import docx
import pytest
from icalendar import Calendar
from tests._vcal import read_vcalendar
from tests.cdek_standin import CLIENT_ID, CLIENT_SECRET, CdekStandin

from clientops import ClientOps, Money, Phone, PluginHost
from clientops.adapters.cdek import CdekCourier
from clientops.adapters.offline_courier import OfflineCourier
from clientops.adapters.sqlite import SQLiteStorage
from clientops.errors import (
    CourierError,
    DuplicateError,
    NotFoundError,
    TransitionError,
    UnservedCityError,
    ValidationError,
)
from clientops.model import ClientId, EmployeeId, ReactionKind, StaffDirectory
from clientops.onboarding import (
    CONTACTS_EMAIL_TOPIC,
    PICKUP_TOPIC,
    ClientFolder,
    DocumentCopy,
    FolderContract,
    FolderInvoice,
    NonconformityKind,
    OnboardingStep,
    TitlePage,
)
from clientops.outbox import OutboxStatus
from clientops.testing import a_staff

#: Monday 23 June 2025, 10:00 in Moscow.
T0 = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
ANNA = EmployeeId("anna")
NAME = 'ООО "Ромашка" <Север> & Co'


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def staff() -> StaffDirectory:
    """The sample department; Анна (the client manager) has a phone and an e-mail address."""
    base = a_staff()
    employees = tuple(
        attrs.evolve(e, phone=Phone.parse("+7 495 123-45-67"), email="anna@example.ru")
        if e.id == ANNA
        else e
        for e in base.employees
    )
    return attrs.evolve(base, employees=employees)


def a_folder(
    *,
    city: str = "Омск",
    contract: str = "12/25",
    sales_manager: str = "Кузнецова Мария Павловна",
    products: tuple[str, ...] = ("ArchiMed+",),
    signed: bool = True,
) -> ClientFolder:
    return ClientFolder(
        title_page=TitlePage(
            client_name=NAME,
            contract_number=contract,
            sales_manager=sales_manager,
            city=city,
            contact_person="Иванов Пётр",
            phone="+7 3812 12-34-56",
            products=products,
            address="ул. Ленина, 10, офис 5",
        ),
        contracts=(
            FolderContract(
                contract,
                copies=(DocumentCopy(), DocumentCopy(signed=signed), DocumentCopy()),
            ),
        ),
        invoices=(FolderInvoice("С-77", copies=(DocumentCopy(),) * 2, amount=Money("48000")),),
    )


def dump(path: Path) -> str:
    """Every row of every table of the database file, as SQL."""
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def offline(clock: Clock) -> OfflineCourier:
    return OfflineCourier(clock=clock)


@pytest.fixture
def ops(db_path: Path, clock: Clock, offline: OfflineCourier) -> Iterator[ClientOps]:
    ops = ClientOps(
        SQLiteStorage(db_path),
        host=PluginHost(entry_points=False).load(),
        clock=clock,
        courier=offline,
    )
    ops.clients.add_staff(staff())
    yield ops
    ops.close()


# =========================================================================== the intake


def test_a_folder_in_order_makes_the_card_the_appeal_and_the_first_steps(ops: ClientOps) -> None:
    intake = ops.onboarding.receive_folder(a_folder(), manager=ANNA)

    assert intake.check.ok
    assert intake.new_client
    card = ops.clients.get(intake.client.id)
    assert card.name == NAME
    assert card.city == "Омск"
    assert card.contract_numbers == ("12/25",)
    assert card.phones == (Phone.parse("+7 3812 12-34-56"),)
    assert card.manager_id == ANNA
    assert [c.name for c in card.contacts] == ["Иванов Пётр"]
    (appeal,) = ops.clients.appeals_of(card.id)
    assert appeal.topic == "Приём клиентской папки"
    assert ops.clients.reactions_of(card.id) == ()  # nothing to tell anyone

    stored = ops.onboarding.get(intake.onboarding.id)
    assert stored == attrs.evolve(intake.onboarding, version=stored.version)
    assert stored.record(OnboardingStep.CHECK_FOLDER).done_by == ANNA
    assert stored.record(OnboardingStep.CHECK_SIGNATURES).done
    assert stored.next_step is OnboardingStep.CALL_COURIER
    assert ops.onboarding.onboardings_of(card.id) == (stored,)
    assert ops.onboarding.open(ANNA) == (stored,)


def test_nonconformities_go_to_the_sales_manager_and_the_head_of_sales(ops: ClientOps) -> None:
    intake = ops.onboarding.receive_folder(a_folder(signed=False), manager=ANNA)

    assert intake.check.kinds() == (NonconformityKind.UNSIGNED,)
    reactions = ops.clients.reactions_of(intake.client.id)
    told = {r.employee_id: r for r in reactions if r.topic.startswith("Несоответствия")}
    # the sales manager on the title page and the head of sales (Петров)
    assert set(told) == {"kuznetsova", "petrov"}
    assert all(r.due_at == T0 + timedelta(hours=1) for r in told.values())
    assert all(r.kind is ReactionKind.TASK for r in told.values())
    (sign,) = (r for r in reactions if r.employee_id == ANNA)
    assert "Договор № 12/25" in sign.topic
    assert sign.due_at == T0 + timedelta(hours=4)
    (appeal,) = ops.clients.appeals_of(intake.client.id)
    assert appeal.note == "Договор № 12/25, экземпляр 2: нет подписи руководителя"
    # the signatures are not there yet: step 2 is open, and so is everything that needs it
    onboarding = ops.onboarding.get(intake.onboarding.id)
    assert not onboarding.is_closed(OnboardingStep.CHECK_SIGNATURES)
    with pytest.raises(TransitionError, match="needs step 2"):
        ops.onboarding.complete_step(onboarding.id, OnboardingStep.KEY_AND_DISC, by=ANNA)
    # the copy is signed: step 2 done, and the manager's task with it
    ops.onboarding.complete_step(
        onboarding.id, OnboardingStep.CHECK_SIGNATURES, by=ANNA, note="подписан"
    )
    (closed,) = (r for r in ops.clients.reactions_of(intake.client.id) if r.id == sign.id)
    assert closed.done_at == T0
    assert closed.outcome == "подписан"
    assert all(not r.done for r in ops.clients.reactions_of(intake.client.id) if r.id != sign.id)
    ops.onboarding.complete_step(onboarding.id, OnboardingStep.KEY_AND_DISC, by=ANNA)


def test_a_folder_without_a_title_page_stores_nothing(ops: ClientOps, db_path: Path) -> None:
    before = dump(db_path)
    with pytest.raises(ValidationError) as caught:
        ops.onboarding.receive_folder(attrs.evolve(a_folder(), title_page=None), manager=ANNA)
    assert caught.value.paths == ("title_page",)
    assert dump(db_path) == before


def test_a_contract_of_another_client_is_refused_and_nothing_is_stored(
    ops: ClientOps, db_path: Path
) -> None:
    first = ops.onboarding.receive_folder(a_folder(), manager=ANNA)
    before = dump(db_path)
    other = attrs.evolve(
        a_folder(), title_page=attrs.evolve(a_folder().title_page, client_name="ООО «Лютик»")
    )
    with pytest.raises(DuplicateError) as caught:
        ops.onboarding.receive_folder(other, manager=ANNA)
    assert caught.value.key == "12/25"
    assert caught.value.owner == first.client.id
    assert dump(db_path) == before


def test_a_second_folder_for_a_known_client_extends_the_card(ops: ClientOps) -> None:
    first = ops.onboarding.receive_folder(a_folder(), manager=ANNA)
    second = ops.onboarding.receive_folder(
        a_folder(contract="13/25", products=("ArchiSport",)),
        manager=ANNA,
        client_id=first.client.id,
    )
    assert not second.new_client
    card = ops.clients.get(first.client.id)
    assert card.contract_numbers == ("12/25", "13/25")
    assert card.phones == (Phone.parse("+7 3812 12-34-56"),)  # not twice
    assert len(card.contacts) == 1
    assert len(ops.onboarding.onboardings_of(card.id)) == 2


def test_unknown_manager_or_client_is_an_error_not_a_record(ops: ClientOps, db_path: Path) -> None:
    before = dump(db_path)
    with pytest.raises(NotFoundError, match="nobody"):
        ops.onboarding.receive_folder(a_folder(), manager=EmployeeId("nobody"))
    with pytest.raises(NotFoundError, match="c-404"):
        ops.onboarding.receive_folder(a_folder(), manager=ANNA, client_id=ClientId("c-404"))
    assert dump(db_path) == before


# =========================================================================== the checklist


def test_the_whole_checklist_to_the_end(ops: ClientOps, clock: Clock) -> None:
    onboarding = ops.onboarding.receive_folder(a_folder(), manager=ANNA).onboarding
    oid = onboarding.id

    booked = ops.onboarding.book_delivery(oid, by=ANNA)
    assert booked.delivery is not None
    assert booked.delivery.pickup_date == date(2025, 6, 24)  # the next day
    assert booked.delivery.booking is None  # in the outbox, not booked yet
    clock.now += timedelta(minutes=5)
    call = ops.onboarding.record_welcome_call(oid, by=ANNA, email="director@romashka.ru")
    assert ops.clients.get(call.client_id).emails == ("director@romashka.ru",)
    # the courier is called and the client told: the delivery-date call is on the agenda
    assert call.record(OnboardingStep.DELIVERY_REACTION).done
    assert booked.delivery is not None
    (delivery_call,) = (
        r for r in ops.clients.reactions_of(call.client_id) if r.kind is ReactionKind.OUTGOING_CALL
    )
    planned = booked.delivery.planned_date
    assert delivery_call.due_at == datetime(
        planned.year, planned.month, planned.day, 7, 0, tzinfo=UTC
    )  # 10:00 in Moscow
    assert delivery_call.employee_id == ANNA

    mail = ops.onboarding.send_contacts(oid, by=ANNA)
    assert mail.to == "director@romashka.ru"
    assert "Смирнова Анна Сергеевна" in mail.body
    assert "+7 495 123-45-67" in mail.body
    for step in (
        OnboardingStep.PREPARE_BOX,
        OnboardingStep.KEY_AND_DISC,
        OnboardingStep.PREPARE_BOOK,
        OnboardingStep.PREPARE_ACTS,
    ):
        assert not ops.onboarding.get(oid).parcel_ready
        ops.onboarding.complete_step(oid, step, by=ANNA, note="готово")
    # all ten steps closed; only the booking (in the outbox) keeps the parcel
    done = ops.onboarding.get(oid)
    assert done.finished
    assert [b.reason for b in done.parcel_blockers()] == ["забор груза ещё не подтверждён"]
    assert ops.onboarding.open(ANNA) == ()

    report = ops.outbox.deliver()
    assert {m.topic for m in report.delivered} == {PICKUP_TOPIC}
    assert {m.topic for m in report.retried} == {CONTACTS_EMAIL_TOPIC}  # no mail deliverer
    assert ops.onboarding.get(oid).parcel_ready
    assert ops.onboarding.booking(oid) is not None


@pytest.mark.parametrize(
    "step",
    [
        OnboardingStep.CALL_COURIER,
        OnboardingStep.WELCOME_CALL,
        OnboardingStep.SEND_CONTACTS,
        OnboardingStep.DELIVERY_REACTION,
    ],
)
def test_steps_with_their_own_use_case_are_not_ticked(
    ops: ClientOps, db_path: Path, step: OnboardingStep
) -> None:
    oid = ops.onboarding.receive_folder(a_folder(), manager=ANNA).onboarding.id
    before = dump(db_path)
    with pytest.raises(TransitionError, match=r"done through ops\.onboarding\."):
        ops.onboarding.complete_step(oid, step, by=ANNA)
    assert dump(db_path) == before


def test_a_step_done_twice_is_refused_and_changes_nothing(ops: ClientOps, db_path: Path) -> None:
    oid = ops.onboarding.receive_folder(a_folder(), manager=ANNA).onboarding.id
    ops.onboarding.complete_step(oid, OnboardingStep.PREPARE_BOX, by=ANNA)
    before = dump(db_path)
    with pytest.raises(TransitionError) as caught:
        ops.onboarding.complete_step(oid, OnboardingStep.PREPARE_BOX, by=ANNA)
    assert "already done by anna" in str(caught.value)
    assert "call_courier" in caught.value.allowed
    assert dump(db_path) == before


def test_steps_that_do_not_apply_cannot_be_done(ops: ClientOps) -> None:
    # a product without a book: step 9 is marked not applicable at intake
    oid = ops.onboarding.receive_folder(
        a_folder(products=("Бухгалтерия",)), manager=ANNA
    ).onboarding.id
    onboarding = ops.onboarding.get(oid)
    assert onboarding.record(OnboardingStep.PREPARE_BOOK).not_applicable
    with pytest.raises(TransitionError, match="not applicable"):
        ops.onboarding.complete_step(oid, OnboardingStep.PREPARE_BOOK, by=ANNA)


def test_welcome_call_first_then_courier_makes_the_delivery_call(ops: ClientOps) -> None:
    oid = ops.onboarding.receive_folder(a_folder(), manager=ANNA).onboarding.id
    script = ops.onboarding.welcome_script(oid)
    assert script[0].startswith("Здравствуйте! Меня зовут Анна")
    assert "ArchiMed+" in script[0]
    assert "как только его подтвердит курьерская служба" in script[-1]

    after_call = ops.onboarding.record_welcome_call(oid, by=ANNA, email=None)
    assert after_call.email is None
    assert not after_call.record(OnboardingStep.DELIVERY_REACTION).done
    booked = ops.onboarding.book_delivery(oid, by=ANNA)
    assert booked.record(OnboardingStep.DELIVERY_REACTION).done
    assert booked.delivery is not None
    assert ops.onboarding.welcome_script(oid)[-1] == (
        f"Посылку с программным продуктом Вам доставят до {booked.delivery.planned_date:%d.%m.%Y}."
    )
    # no address was captured: the contacts cannot be sent
    with pytest.raises(TransitionError, match="no e-mail address"):
        ops.onboarding.send_contacts(oid, by=ANNA)


def test_a_bad_email_is_refused_and_nothing_changes(ops: ClientOps, db_path: Path) -> None:
    oid = ops.onboarding.receive_folder(a_folder(), manager=ANNA).onboarding.id
    before = dump(db_path)
    with pytest.raises(ValidationError) as caught:
        ops.onboarding.record_welcome_call(oid, by=ANNA, email="director at romashka")
    assert caught.value.paths == ("email",)
    assert dump(db_path) == before


def test_contacts_are_sent_once_through_the_outbox(ops: ClientOps) -> None:
    oid = ops.onboarding.receive_folder(a_folder(), manager=ANNA).onboarding.id
    with pytest.raises(TransitionError, match="needs step 4"):
        ops.onboarding.send_contacts(oid, by=ANNA)
    ops.onboarding.record_welcome_call(oid, by=ANNA, email="director@romashka.ru")
    ops.onboarding.send_contacts(oid, by=ANNA)
    with pytest.raises(TransitionError, match="already done"):
        ops.onboarding.send_contacts(oid, by=ANNA)
    (message,) = ops.outbox.messages()
    assert message.topic == CONTACTS_EMAIL_TOPIC
    assert message.data()["to"] == "director@romashka.ru"
    assert message.data()["subject"] == "Ваш менеджер в компании MLS IT"


# =========================================================================== the courier


def test_an_unserved_city_is_an_error_and_stores_nothing(ops: ClientOps, db_path: Path) -> None:
    oid = ops.onboarding.receive_folder(a_folder(city="Нигдеград"), manager=ANNA).onboarding.id
    before = dump(db_path)
    with pytest.raises(UnservedCityError) as caught:
        ops.onboarding.book_delivery(oid, by=ANNA)
    assert caught.value.backend == "offline"
    assert caught.value.operation == "quote"
    assert dump(db_path) == before


def test_a_pickup_in_the_past_or_without_a_phone_is_refused(ops: ClientOps, db_path: Path) -> None:
    oid = ops.onboarding.receive_folder(a_folder(), manager=ANNA).onboarding.id
    before = dump(db_path)
    with pytest.raises(ValidationError) as past:
        ops.onboarding.book_delivery(oid, by=ANNA, pickup_date=date(2025, 6, 20))
    assert past.value.paths == ("pickup_date",)
    with pytest.raises(ValidationError) as no_phone:
        ops.onboarding.book_delivery(oid, by=EmployeeId("petrov"))  # Петров has no phone on file
    assert no_phone.value.paths == ("manager.phone",)
    assert dump(db_path) == before


def test_a_friday_folder_is_picked_up_on_monday(ops: ClientOps, clock: Clock) -> None:
    clock.now = datetime(2025, 6, 27, 9, 0, tzinfo=UTC)  # Friday
    oid = ops.onboarding.receive_folder(a_folder(), manager=ANNA).onboarding.id
    delivery = ops.onboarding.book_delivery(oid, by=ANNA).delivery
    assert delivery is not None
    assert delivery.pickup_date == date(2025, 6, 30)


def test_the_pickup_request_carries_the_folder(ops: ClientOps, offline: OfflineCourier) -> None:
    oid = ops.onboarding.receive_folder(a_folder(), manager=ANNA).onboarding.id
    ops.onboarding.book_delivery(oid, by=ANNA)
    (message,) = ops.outbox.messages()
    assert message.key == f"pickup-{oid}"
    request = message.data()["request"]
    assert request["recipient"]["name"] == "Иванов Пётр"
    assert request["recipient"]["company"] == NAME
    assert request["recipient"]["address"] == {
        "city": "Омск",
        "line": "ул. Ленина, 10, офис 5",
        "postal_code": None,
    }
    assert request["sender"]["name"] == "Смирнова Анна Сергеевна"
    assert Decimal(request["parcel"]["declared_value"]["amount"]) == Decimal(48000)
    # a box and a book of ArchiMed+, the key and disc, two acts: the policy's weights
    assert request["parcel"]["weight_grams"] == 400 + 700 + 100 + 100
    ops.outbox.deliver()
    booking = ops.onboarding.booking(oid)
    assert booking is not None
    assert offline.track(booking.order_id).status.value == "created"


@pytest.fixture
def standin() -> Iterator[CdekStandin]:
    with CdekStandin(today=date(2025, 6, 23)) as server:
        yield server


@pytest.fixture
def cdek_ops(db_path: Path, clock: Clock, standin: CdekStandin) -> Iterator[ClientOps]:
    courier = CdekCourier(
        CLIENT_ID,
        CLIENT_SECRET,
        base_url=standin.base_url,
        timeout=0.5,
        poll_interval=0.0,
        poll_attempts=5,
    )
    ops = ClientOps(
        SQLiteStorage(db_path),
        host=PluginHost(entry_points=False).load(),
        clock=clock,
        courier=courier,
    )
    ops.clients.add_staff(staff())
    yield ops
    ops.close()
    courier.close()


def _retry_later(ops: ClientOps, clock: Clock) -> None:
    clock.now += max(ops.policy.outbox_retry_delays) + timedelta(minutes=1)


@pytest.mark.parametrize("fault", ["500", "garbage", "drop", "slow"])
def test_a_pickup_that_failed_is_not_booked_and_the_retry_books_once(
    cdek_ops: ClientOps, standin: CdekStandin, clock: Clock, fault: str
) -> None:
    oid = cdek_ops.onboarding.receive_folder(
        a_folder(city="Новосибирск"), manager=ANNA
    ).onboarding.id
    cdek_ops.onboarding.book_delivery(oid, by=ANNA)
    standin.inject("POST /orders", fault, delay=1.5)

    first = cdek_ops.outbox.deliver()
    assert [m.topic for m in first.retried] == [PICKUP_TOPIC]
    assert cdek_ops.onboarding.booking(oid) is None  # a failed pickup is not recorded as booked

    _retry_later(cdek_ops, clock)
    second = cdek_ops.outbox.deliver()
    assert [m.topic for m in second.delivered] == [PICKUP_TOPIC]
    booking = cdek_ops.onboarding.booking(oid)
    assert booking is not None
    assert booking.courier == "cdek"
    # "drop" and "slow" made the order on the first try: the retry found it, not a second one
    assert len(standin.live_orders(f"pickup-{oid}")) == 1
    _retry_later(cdek_ops, clock)
    assert cdek_ops.outbox.deliver() == type(second)()  # nothing left to deliver
    assert cdek_ops.outbox.messages(OutboxStatus.DELIVERED)[0].attempts == 2


@pytest.mark.parametrize("fault", ["500", "garbage", "slow", "empty"])
def test_a_quote_that_fails_stores_nothing(
    cdek_ops: ClientOps, standin: CdekStandin, db_path: Path, fault: str
) -> None:
    oid = cdek_ops.onboarding.receive_folder(
        a_folder(city="Новосибирск"), manager=ANNA
    ).onboarding.id
    before = dump(db_path)
    standin.inject("POST /calculator/tariff", fault, delay=1.5)
    with pytest.raises(CourierError) as caught:
        cdek_ops.onboarding.book_delivery(oid, by=ANNA)
    assert caught.value.backend == "cdek"
    assert caught.value.operation == "quote"
    assert dump(db_path) == before
    # and the step can be done once the courier answers again
    assert cdek_ops.onboarding.book_delivery(oid, by=ANNA).delivery is not None


def test_a_city_cdek_does_not_serve(cdek_ops: ClientOps, db_path: Path) -> None:
    oid = cdek_ops.onboarding.receive_folder(a_folder(city="Омск"), manager=ANNA).onboarding.id
    before = dump(db_path)
    with pytest.raises(UnservedCityError):
        cdek_ops.onboarding.book_delivery(oid, by=ANNA)
    assert dump(db_path) == before


# =========================================================================== papers, calendar


def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def test_the_papers_and_the_calendar_of_an_onboarding(
    ops: ClientOps, clock: Clock, tmp_path: Path
) -> None:
    oid = ops.onboarding.receive_folder(a_folder(signed=False), manager=ANNA).onboarding.id
    ops.onboarding.book_delivery(oid, by=ANNA)
    ops.onboarding.record_welcome_call(oid, by=ANNA, email="director@romashka.ru")
    paths = ops.onboarding.export(oid, tmp_path / "out")
    assert [p.name for p in paths] == [
        "title-page.docx",
        "checklist.docx",
        "nonconformities.docx",
        "onboarding.ics",
    ]
    title = _docx_text(paths[0])
    assert NAME in title
    assert "Кузнецова Мария Павловна" in title
    checklist = _docx_text(paths[1])
    assert "Смирнова Анна Сергеевна" in checklist
    assert "23.06.2025" in checklist
    notice = _docx_text(paths[2])
    assert "нет подписи руководителя" in notice
    # addressed in the dative, numbered from the notices' own sequence, never by an id
    assert "Кузнецовой Марии Павловне\nПетрову Игорю Олеговичу\n" in notice
    assert "УВЕДОМЛЕНИЕ №\xa01/2025 от 23.06.2025" in notice
    assert str(oid) not in notice

    data = paths[3].read_bytes()
    delivery = ops.onboarding.get(oid).delivery
    assert delivery is not None
    by_uid = {ev.uid.value: ev for ev in read_vcalendar(data).vevent_list}
    pickup = by_uid[f"pickup-{oid}@clientops.invalid"]
    assert pickup.dtstart.value == delivery.pickup_date
    assert NAME in pickup.summary.value
    planned = by_uid[f"delivery-{oid}@clientops.invalid"]
    assert planned.dtstart.value == delivery.planned_date
    calls = [ev for uid, ev in by_uid.items() if uid.startswith("reaction-")]
    instants = sorted(ev.dtstart.value.astimezone(UTC) for ev in calls)
    # the signing task of the intake (+4 h) and the delivery-date call at 10:00 Moscow
    d = delivery.planned_date
    assert instants == [T0 + timedelta(hours=4), datetime(d.year, d.month, d.day, 7, tzinfo=UTC)]
    # icalendar reads the same events
    parsed = Calendar.from_ical(data)
    assert {str(c["UID"]) for c in parsed.walk("VEVENT")} == set(by_uid)

    # exported again after a change: the same UIDs, a newer sequence
    clock.now += timedelta(hours=1)
    ops.outbox.deliver()
    again = ops.onboarding.export(oid, tmp_path / "out")[-1].read_bytes()
    redone = {ev.uid.value: ev for ev in read_vcalendar(again).vevent_list}
    assert set(redone) == set(by_uid)
    assert int(redone[f"pickup-{oid}@clientops.invalid"].sequence.value) > int(
        pickup.sequence.value
    )
    assert "Номер отправления" in redone[f"pickup-{oid}@clientops.invalid"].description.value


def test_a_managers_onboarding_calendar(ops: ClientOps, tmp_path: Path) -> None:
    first = ops.onboarding.receive_folder(a_folder(), manager=ANNA).onboarding.id
    second = ops.onboarding.receive_folder(a_folder(contract="99/25"), manager=ANNA).onboarding.id
    ops.onboarding.book_delivery(first, by=ANNA)
    ops.onboarding.book_delivery(second, by=ANNA)
    path = ops.onboarding.export_calendar(ANNA, tmp_path / "anna.ics")
    uids = {ev.uid.value for ev in read_vcalendar(path.read_bytes()).vevent_list}
    assert {f"pickup-{first}@clientops.invalid", f"delivery-{second}@clientops.invalid"} <= uids
    with pytest.raises(NotFoundError):
        ops.onboarding.export_calendar(EmployeeId("nobody"), tmp_path / "x.ics")
    assert not (tmp_path / "x.ics").exists()


# =========================================================================== PostgreSQL


def test_the_onboarding_on_postgresql(postgres_url: str, clock: Clock) -> None:
    import clientops

    courier = OfflineCourier(clock=clock)
    with clientops.connect(postgres_url, clock=clock, courier=courier) as ops:
        ops.clients.add_staff(staff())
        intake = ops.onboarding.receive_folder(a_folder(signed=False), manager=ANNA)
        oid = intake.onboarding.id
        with pytest.raises(DuplicateError):
            ops.onboarding.receive_folder(
                attrs.evolve(
                    a_folder(),
                    title_page=attrs.evolve(a_folder().title_page, client_name="Другой"),
                ),
                manager=ANNA,
            )
        ops.onboarding.book_delivery(oid, by=ANNA)
        ops.onboarding.record_welcome_call(oid, by=ANNA, email="director@romashka.ru")
        ops.outbox.deliver()
        stored = ops.onboarding.get(oid)
        assert stored.delivery is not None
        assert stored.delivery.booking is not None
        assert stored.record(OnboardingStep.DELIVERY_REACTION).done
        assert ops.clients.get(intake.client.id).emails == ("director@romashka.ru",)
        assert len(ops.clients.find(contract="12/25")) == 1


def test_notices_of_nonconformities_are_numbered_one_a_year_in_turn(ops: ClientOps) -> None:
    in_order = ops.onboarding.receive_folder(a_folder(contract="11/25"), manager=ANNA).onboarding
    first = ops.onboarding.receive_folder(a_folder(signed=False), manager=ANNA).onboarding
    second = ops.onboarding.receive_folder(
        a_folder(signed=False, contract="13/25"), manager=ANNA
    ).onboarding
    assert in_order.notice_number is None  # a folder in order gets no notice
    assert (first.notice_number, second.notice_number) == ("1/2025", "2/2025")
    assert ops.onboarding.get(second.id).notice_number == "2/2025"  # kept with the onboarding
