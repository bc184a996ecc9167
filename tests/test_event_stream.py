"""One event stream: every :class:`clientops.events.Event` subclass is published by some use
case, once, after its commit (a listener reading the store sees the change), never on a
refused call; and every one is documented in docs/hooks.md."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest

import clientops
from clientops import ClientOps, EmployeeId, Money, PluginHost, hookimpl
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.offline_cloud import OfflineCloud
from clientops.adapters.offline_courier import OfflineCourier
from clientops.billing import InvoiceIssued, InvoiceLine, Month, PaymentMatched
from clientops.calls import CallDirection, CallNumber, CallStatus
from clientops.claims import ClaimFiled, ClaimSource, EscalateToDirector, ReferToLegal
from clientops.clients import NextReaction, ReactionResult
from clientops.contractors import Contractor, ContractorContract, ContractorId, Contractors
from clientops.courier import Address, Party
from clientops.errors import NotFoundError, TransitionError, ValidationError
from clientops.events import ClientUpdated, Event
from clientops.legal import LegalCases
from clientops.model import ClientId, Department, DepartmentId, Employee, Phone, Role
from clientops.onboarding import (
    ClientFolder,
    DocumentCopy,
    FolderContract,
    FolderInvoice,
    OnboardingStep,
    OnboardingStepDone,
    TitlePage,
)
from clientops.orders import ApproveRequest, OrderAdvanced, OrderSpecification
from clientops.planning import Planning
from clientops.retention import Retention
from clientops.rules.calls import CallIntent, IncomingCall
from clientops.satisfaction import SatisfactionCall, SatisfactionOutcome
from clientops.service_visits import VisitId
from clientops.supply import (
    CarrierKind,
    Installations,
    ShipmentLine,
    SupplierOffer,
    Supply,
)
from clientops.telephony import CallEnded, CallStarted
from clientops.testing import a_client, a_payment, a_service_contract, a_staff

MSK = ZoneInfo("Europe/Moscow")
ANNA, SIDOROV = EmployeeId("anna"), EmployeeId("sidorov")
SALES = DepartmentId("sales")
DOCS = Path(__file__).resolve().parent.parent / "docs"


def msk(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MSK)


class Clock:
    def __init__(self) -> None:
        self.now = msk(date(2026, 3, 2))

    def __call__(self) -> datetime:
        return self.now

    def to(self, day: date, hour: int = 10, minute: int = 0) -> None:
        self.now = msk(day, hour, minute)


class Recorder:
    """Keeps every event it hears, with what the store holds of its subject at that moment
    (``reads`` is called with the event, after the use case's commit)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.reads: list[object] = []
        self.read: object = None

    @hookimpl
    def clientops_event(self, event: Event) -> None:
        self.events.append(event)
        if callable(self.read):
            self.reads.append(self.read(event))


def every_event_class() -> set[type[Event]]:
    """Every subclass of :class:`Event`, recursively, from every public module."""
    found: set[type[Event]] = set()
    todo = [Event]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def a_folder() -> ClientFolder:
    return ClientFolder(
        title_page=TitlePage(
            client_name="ООО «Ландыш»",
            contract_number="12/25",
            sales_manager="Кузнецова Мария Павловна",
            city="Омск",
            contact_person="Иванов Пётр",
            phone="+7 3812 12-34-56",
            products=("ArchiMed+",),
            address="ул. Ленина, 10, офис 5",
        ),
        contracts=(FolderContract("12/25", copies=(DocumentCopy(),) * 3),),
        invoices=(FolderInvoice("С-77", copies=(DocumentCopy(),) * 2, amount=Money("48000")),),
    )


def a_spec() -> OrderSpecification:
    return OrderSpecification(
        product_type="Календарь настенный",
        quantity=500,
        design="Календарь 2026",
        materials="Мелованная бумага 170 г/м²",
        production_deadline=date(2026, 4, 20),
        delivery_address="Омск, ул. Ленина, 10",
        packaging_type="Гофрокороб",
        packaging_marking="Логотип клиента",
        delivery_deadline=date(2026, 4, 25),
        delivery_format="Курьер до двери",
    )


def open_ops(clock: Clock, recorder: Recorder) -> ClientOps:
    host = PluginHost(entry_points=False)
    host.register(recorder, name="recorder")
    ops = ClientOps(MemoryStorage(), host=host, clock=clock)
    ops.clients.add_staff(a_staff())
    ops.clients.add_department(
        Department(DepartmentId("tech_support"), "Техническая поддержка", SIDOROV)
    )
    ops.clients.add_employee(
        Employee(
            SIDOROV,
            "Сидоров Пётр Ильич",
            "Пётр",
            DepartmentId("tech_support"),
            (Role.TECH_SUPPORT,),
        )
    )
    return ops


def drive_every_area(ops: ClientOps, clock: Clock) -> None:
    """One day (and a week) of the company: every area does what it publishes."""
    # clients and calls
    card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA, inn="5501100012"))
    card = ops.clients.update(attrs.evolve(card, city="Омск"))
    card = ops.clients.update(attrs.evolve(card, phones=(Phone.parse("+79123456789"),)))
    ops.calls.handle_incoming(
        IncomingCall(
            CallIntent.PRODUCT_INFO,
            caller_phone="8 913 000-00-01",
            name="ООО Лютик",
            city="Омск",
            topic="Цены",
        ),
        answered_by=ANNA,
    )
    start = clock.now
    ops.calls.record_event(
        CallStarted(
            call_id="m-1",
            direction=CallDirection.INCOMING,
            from_number=CallNumber.parse("+79123456789"),
            to_number=CallNumber.parse("+74951234567"),
            line="+74951234567",
            at=start,
        )
    )
    ops.calls.record_event(
        CallEnded(
            call_id="m-1",
            at=start + timedelta(seconds=30),
            status=CallStatus.NO_ANSWER,
            duration_seconds=30,
            employee_id=ANNA,
        )
    )
    # the reactions' loop: a reaction by hand, done, and the next one scheduled
    appeal = ops.clients.open_appeal(card.id, topic="Продление", department_id=SALES, by=ANNA)
    reaction = ops.clients.add_reaction(
        appeal.id, NextReaction(clock.now, employee_id=ANNA), by=ANNA
    )
    ops.clients.complete_reaction(
        reaction.id,
        ReactionResult.NO_ANSWER,
        by=ANNA,
        then=NextReaction(clock.now + timedelta(days=1), employee_id=ANNA),
    )
    # onboarding
    intake = ops.onboarding.receive_folder(a_folder(), manager=ANNA)
    ops.onboarding.complete_step(intake.onboarding.id, OnboardingStep.PREPARE_BOX, by=ANNA)
    # orders
    opened = ops.orders.open(card.id, a_spec(), number="З-1", by=ANNA)
    ops.orders.advance(opened.order.id, ApproveRequest(), by=ANNA)
    # billing
    line = InvoiceLine(name="Турникет", unit="шт", quantity=Decimal(1), price=Money("45000"))
    first = ops.billing.issue_invoice(card.id, [line])
    ops.billing.correct_invoice(first.id, lines=[attrs.evolve(line, price=Money("40000"))])
    second = ops.billing.issue_invoice(card.id, [line])
    ops.billing.cancel_invoice(second.id)
    payment = a_payment(None, amount=Money("40000"))
    with ops.storage.unit_of_work() as uow:
        uow.payments.add(payment)
    ops.billing.assign_payment(payment.id, card.id)
    # claims and satisfaction
    claim = ops.claims.file(
        card.id, department_id=SALES, source=ClaimSource.client_words("Сорвали сроки"), by=ANNA
    ).claim
    ops.claims.advance(claim.id, EscalateToDirector("клиент требует возврата"), by=ANNA)
    call = SatisfactionCall(card.id, ANNA, clock.now, SatisfactionOutcome.SATISFIED, "Всё ок")
    ops.claims.record_satisfaction(card.id, call, by=ANNA)
    # service: an emergency visit late, then planned; a training agreed and moved
    contract = ops.service.add_contract(a_service_contract(card, emergency_response_days=1))
    visit = ops.service.request_emergency_visit(
        contract.id, problem="Турникет не пропускает", by=ANNA, visit_id=VisitId("v1")
    )
    clock.to(date(2026, 3, 5), 10)
    ops.service.check_visit_sla()
    ops.service.plan_visit(visit.id, engineer=SIDOROV, by=ANNA, day=date(2026, 3, 5))
    training = ops.service.open_training(card.id, manager=ANNA, by=ANNA, topic="Отчёты")
    ops.service.schedule_training(training.id, starts_at=msk(date(2026, 3, 10), 15), by=ANNA)
    # plans and reports
    Planning(ops).propose_plan(ANNA, Month(2026, 4), by=ANNA)
    Planning(ops).escalate_missed(clock.now.date(), department=DepartmentId("client"))
    # keeping clients: the client announces it ends its contract
    Retention(ops).announce_termination(card.id, date(2026, 4, 30), by=ANNA)
    ops.claims.advance(claim.id, ReferToLegal("клиент подал иск"), by=ANNA)
    contractors = Contractors(ops)
    contractors.add(
        Contractor(
            ContractorId("montazh"),
            "ООО «Монтаж-Сервис»",
            ("монтаж турникета",),
            contract=ContractorContract("П-3/26", date(2026, 1, 1)),
        ),
        by=ANNA,
    )
    contractors.schedule_visit(
        ContractorId("montazh"), card.id, "монтаж турникета", date(2026, 3, 20), by=ANNA
    )
    LegalCases(ops).open(
        claim.id,
        lawyer_id=ANNA,
        court="Арбитражный суд Омской области",
        case_number="А46-1/2026",
        by=ANNA,
    )
    # equipment: a purchase into stock, a shipment to the client, its installation, a pilot
    # turned into paying, the client's cloud
    drive_supply(ops, card.id, clock)


def drive_supply(ops: ClientOps, client_id: ClientId, clock: Clock) -> None:
    courier = OfflineCourier(clock=clock)
    sender = Party("Кладовщик", Phone.parse("+7 495 123-45-67"), Address("Москва", "Склад"))
    supply = Supply(ops, couriers=dict.fromkeys(CarrierKind, courier), sender=sender)
    offer = SupplierOffer("ООО «Дёшево»", "Турникет T-3", Money(58000), 5, 3)
    purchase = supply.request_offers("Турникет T-3", 1, offers=(offer,))
    supply.order(purchase.id, invoice_number="218")
    supply.accept_goods(purchase.id, received=1, serials=("T3-001",))
    line = ShipmentLine("Турникет T-3", 1, "Склад в бизнес-парке", unit_price=Money(75000))
    shipment = supply.plan_shipment(
        client_id, reason="Оборудование", city="Омск", address="ул. Ленина, 10", lines=(line,)
    )
    recipient = Party("Белов", Phone.parse("+7 3812 12-34-56"), Address("Омск", "ул. Ленина"))
    supply.book(shipment.id, recipient=recipient)
    supply.mark_delivered(shipment.id)
    supply.accept(shipment.id)
    supply.sign_documents(shipment.id)
    work = Installations(ops, cloud=OfflineCloud())
    today = clock.now.date()
    site = work.add_site(client_id, address="Омск, ул. Ленина, 10", ready_on=today)
    installation = work.schedule_installation(site.id, shipment.id, today)
    work.finish_installation(installation.id, act_number="МО-1")
    pilot = work.start_pilot(
        client_id,
        site_id=site.id,
        equipment=("Турникет T-3",),
        start=today,
        planned_end=today + timedelta(days=30),
        fee=Money(15000),
    )
    work.end_pilot(pilot.id, on=today + timedelta(days=30), billing_from=today + timedelta(days=31))
    cloud = work.agree_cloud_url(client_id, "romashka.cloud.example")
    work.provision_cloud(cloud.id, email="admin@romashka.example")


def test_every_event_class_is_published_by_some_use_case() -> None:
    clock, recorder = Clock(), Recorder()
    with open_ops(clock, recorder) as ops:
        drive_every_area(ops, clock)
    published = {type(e) for e in recorder.events}
    never = sorted(c.__qualname__ for c in every_event_class() - published)
    assert never == [], f"event classes never published: {never}"
    assert all(isinstance(e.at, datetime) and e.at.tzinfo is not None for e in recorder.events)


def test_every_event_class_is_in_docs_hooks_md() -> None:
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    missing = sorted(
        c.__qualname__
        for c in every_event_class()
        if not re.search(rf"^\| `{c.__qualname__}\(", text, re.MULTILINE)
    )
    assert missing == [], f"event classes not in docs/hooks.md: {missing}"


def test_the_event_family_is_importable_from_the_public_namespaces() -> None:
    for cls in every_event_class():
        module = __import__(cls.__module__, fromlist=["__all__"])
        assert not cls.__module__.rsplit(".", 1)[-1].startswith("_"), cls
        assert cls.__name__ in module.__all__, f"{cls.__name__} not in {cls.__module__}.__all__"
    assert clientops.Event is Event


# ----------------------------------------------------------------- once, after the commit


def test_an_event_is_heard_after_the_commit_once_and_never_on_a_refused_call() -> None:
    clock, recorder = Clock(), Recorder()
    with open_ops(clock, recorder) as ops:
        card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
        # the listener reads the store: the change it hears of is already committed
        recorder.read = lambda e: ops.clients.get(card.id).city
        recorder.events.clear()
        ops.clients.update(attrs.evolve(card, city="Тара"))
        assert [type(e) for e in recorder.events] == [ClientUpdated]
        assert recorder.reads == ["Тара"]
        recorder.read = None
        # the same card stored again changes nothing: nothing is published
        recorder.events.clear()
        ops.clients.update(ops.clients.get(card.id))
        assert recorder.events == []

        opened = ops.orders.open(card.id, a_spec(), number="З-1", by=ANNA)
        recorder.read = lambda e: ops.orders.get(opened.order.id).stage
        recorder.events.clear()
        recorder.reads.clear()
        moved = ops.orders.advance(opened.order.id, ApproveRequest(), by=ANNA)
        assert [type(e) for e in recorder.events] == [OrderAdvanced]
        assert recorder.reads == [moved.order.stage]
        recorder.read = None
        recorder.events.clear()
        with pytest.raises(TransitionError):
            ops.orders.advance(opened.order.id, ApproveRequest(), by=ANNA)
        assert recorder.events == []


def test_billing_and_claims_publish_once_per_invoice_and_claim_and_nothing_when_refused() -> None:
    clock, recorder = Clock(), Recorder()
    with open_ops(clock, recorder) as ops:
        card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA, inn="5501100012"))
        line = InvoiceLine(name="Турникет", unit="шт", quantity=Decimal(1), price=Money("45000"))
        recorder.read = lambda e: (
            ops.billing.invoice(e.invoice_id).number if isinstance(e, InvoiceIssued) else None
        )
        recorder.events.clear()
        invoice = ops.billing.issue_invoice(card.id, [line])
        assert [type(e) for e in recorder.events] == [InvoiceIssued]
        assert recorder.reads == [invoice.number]
        recorder.read = None
        recorder.events.clear()
        with pytest.raises(NotFoundError):
            ops.billing.issue_invoice(clientops.ClientId("nobody"), [line])
        payment = a_payment(None, amount=Money("45000"))
        with ops.storage.unit_of_work() as uow:
            uow.payments.add(payment)
        ops.billing.assign_payment(payment.id, card.id)
        (matched,) = recorder.events
        assert isinstance(matched, PaymentMatched)
        assert (matched.client_id, matched.invoice_numbers) == (card.id, (invoice.number,))

        recorder.events.clear()
        ops.claims.file(
            card.id, department_id=SALES, source=ClaimSource.client_words("Сроки"), by=ANNA
        )
        filed = [e for e in recorder.events if isinstance(e, ClaimFiled)]
        assert [e.client_id for e in filed] == [card.id]
        recorder.events.clear()
        with pytest.raises(ValidationError):  # an unknown department is refused
            ops.claims.file(
                card.id,
                department_id=DepartmentId("nowhere"),
                source=ClaimSource.client_words("Сроки"),
                by=ANNA,
            )
        assert recorder.events == []


def test_onboarding_steps_are_published_once_each() -> None:
    clock, recorder = Clock(), Recorder()
    with open_ops(clock, recorder) as ops:
        intake = ops.onboarding.receive_folder(a_folder(), manager=ANNA)
        recorder.events.clear()
        ops.onboarding.complete_step(intake.onboarding.id, OnboardingStep.PREPARE_BOX, by=ANNA)
        assert [(type(e), e.step) for e in recorder.events] == [  # type: ignore[attr-defined]
            (OnboardingStepDone, OnboardingStep.PREPARE_BOX)
        ]
        recorder.events.clear()
        with pytest.raises(TransitionError):
            ops.onboarding.complete_step(intake.onboarding.id, OnboardingStep.PREPARE_BOX, by=ANNA)
        assert recorder.events == []
