"""Equipment from the supplier to an installed, paying client (seed 002): purchases, stock,
shipments, installations, pilots and the cloud, on the memory, SQLite and PostgreSQL stores.
Bad input is refused with a typed error naming it and leaves the store as it was; a carrier
or a cloud tool failing halfway leaves nothing done twice."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import docx
import pytest
from tests._office import convert_to_pdf

import clientops
from clientops import ClientOps, Money, Phone, PluginHost, Policy
from clientops._supply_watch import supply_owner
from clientops.adapters.offline_cloud import OfflineCloud
from clientops.adapters.offline_courier import OfflineCourier
from clientops.agenda import AgendaKind
from clientops.billing import Month, SupplierBillStatus
from clientops.courier import Address, Booking, Courier, Parcel, Party, PickupRequest
from clientops.documents import (
    CONSIGNMENT_NOTE,
    PACKING_LIST,
    UNIVERSAL_TRANSFER_DOCUMENT,
    ConsignmentItem,
    ConsignmentNote,
    PackingList,
    PackingPlace,
    UniversalTransferDocument,
    document_type,
    render_document,
)
from clientops.documents import Party as DocParty
from clientops.errors import (
    BackendError,
    CourierError,
    NotFoundError,
    ParcelRefusedError,
    TransitionError,
    ValidationError,
)
from clientops.feed import Feed
from clientops.jobs import DEFAULT_JOBS, JobResult, run_job
from clientops.model import Client, EmployeeId
from clientops.service_visits import InstalledEquipment, ServerFormat, TechFacts, TrainingStatus
from clientops.supply import (
    CarrierKind,
    CloudStep,
    CourierBalance,
    Installations,
    OutOfStockError,
    PilotStage,
    PurchaseStage,
    ShipmentLine,
    ShipmentStage,
    SupplierOffer,
    Suppliers,
    Supply,
    SupplyPolicy,
)
from clientops.testing import a_client, a_staff

STORES = ("memory", "sqlite", "postgresql")
PARK, OFFICE = "Склад в бизнес-парке", "Офис"
TURNSTILE, BARRIER = "Турникет T-3", "Шлагбаум BR-6"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def days(self, n: int) -> None:
        self.now += timedelta(days=n)


@pytest.fixture(params=STORES)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clientops.db'}"
    postgres_url: str = request.getfixturevalue("postgres_url")
    return postgres_url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ops(url: str, clock: Clock) -> Iterator[ClientOps]:
    host = PluginHost(entry_points=False)
    ops = ClientOps(host.load().open_storage(url), host=host, clock=clock)
    ops.clients.add_staff(a_staff())
    yield ops
    ops.close()


SENDER = Party(
    "Кладовщик Орлов", Phone.parse("+7 495 123-45-67"), Address("Москва", "ул. Складская, 3")
)


def recipient(city: str) -> Party:
    return Party(
        "Белов Борис",
        Phone.parse("+7 3812 12-34-56"),
        Address(city, "ул. Ленина, 10"),
        company="ООО «Ромашка»",
    )


@pytest.fixture
def courier(clock: Clock) -> OfflineCourier:
    return OfflineCourier(clock=clock)


@pytest.fixture
def supply(ops: ClientOps, courier: Courier) -> Supply:
    return Supply(ops, couriers=dict.fromkeys(CarrierKind, courier), sender=SENDER)


@pytest.fixture
def client(ops: ClientOps) -> Client:
    return ops.clients.add(a_client(name="ООО «Ромашка»", city="Омск"))


def offers(item: str = TURNSTILE) -> tuple[SupplierOffer, ...]:
    return (
        SupplierOffer("ООО «Быстро»", item, Money(61000), 10, 2),
        SupplierOffer("ООО «Дёшево»", item, Money(58000), 10, 9),
        SupplierOffer("ООО «Мало»", item, Money(40000), 1, 3),
    )


def stocked(supply: Supply, quantity: int = 4, item: str = TURNSTILE) -> None:
    serials = tuple(f"{item[-3:]}-{i:03}" for i in range(1, quantity + 1))
    supply.add_stock(PARK, item, quantity, serials=serials)


def line(quantity: int = 1, **kw: Any) -> ShipmentLine:
    fields: dict[str, Any] = {"item": TURNSTILE, "quantity": quantity, "warehouse": PARK}
    fields.update(kw)
    fields.setdefault("unit_price", Money(75000))
    return ShipmentLine(**fields)


# ------------------------------------------------------------------------------ purchases


def test_the_cheapest_offer_that_covers_the_quantity_is_ordered_and_its_bill_planned(
    ops: ClientOps, supply: Supply, client: Client
) -> None:
    purchase = supply.request_offers(TURNSTILE, 2, offers=offers()[:1], client_id=client.id)
    purchase = supply.add_offer(purchase.id, offers()[1])
    purchase = supply.add_offer(purchase.id, offers()[2])
    ordered = supply.order(purchase.id, invoice_number="218", accountant=EmployeeId("anna"))

    assert ordered.stage is PurchaseStage.ORDERED
    assert ordered.chosen is not None
    assert ordered.chosen.supplier == "ООО «Дёшево»"
    assert ordered.due_on == date(2026, 12, 16)  # nine days of delivery
    (row,) = ops.billing.payment_plan().rows
    assert row.bill.id == ordered.bill_id
    assert (row.bill.supplier, row.bill.number, row.bill.amount) == (
        "ООО «Дёшево»",
        "218",
        Money(116000),
    )
    assert row.bill.status is SupplierBillStatus.TASK_SET
    assert row.bill.assignee == "anna"
    with pytest.raises(TransitionError):
        supply.order(purchase.id, invoice_number="219")
    assert len(ops.billing.payment_plan().rows) == 1


def test_speed_first_when_the_policy_says_so(ops: ClientOps) -> None:
    fast = attrs.evolve(ops.policy, supply=SupplyPolicy(offer_order=("days", "price")))
    other = ClientOps(ops.context.storage, policy=fast, host=ops.context.host)
    purchase = Supply(other).request_offers(TURNSTILE, 2, offers=offers())
    chosen = Supply(other).order(purchase.id, invoice_number="1").chosen
    assert chosen is not None
    assert chosen.supplier == "ООО «Быстро»"


def test_goods_accepted_remotely_go_into_stock_with_serials_and_discrepancies(
    supply: Supply,
) -> None:
    purchase = supply.request_offers(TURNSTILE, 3, offers=offers())
    supply.order(purchase.id, invoice_number="218")
    accepted = supply.accept_goods(
        purchase.id,
        received=2,
        serials=("T3-001", "T3-002"),
        remote=True,
        photos=("https://disk.example/photo-1.jpg",),
        discrepancies=("Царапина на корпусе",),
    )
    assert accepted.stage is PurchaseStage.RECEIVED
    assert accepted.acceptance is not None
    assert accepted.acceptance.remote
    assert accepted.acceptance.discrepancies == (
        "Царапина на корпусе",
        "Получено 2 шт. вместо 3 шт.",
    )
    (level,) = supply.stock()
    assert (level.warehouse, level.item, level.quantity, level.serials) == (
        PARK,
        TURNSTILE,
        2,
        ("T3-001", "T3-002"),
    )
    with pytest.raises(TransitionError):
        supply.accept_goods(purchase.id, received=1)
    assert supply.stock()[0].quantity == 2


def test_a_purchase_without_offers_cannot_be_ordered(supply: Supply) -> None:
    purchase = supply.request_offers(TURNSTILE, 1)
    with pytest.raises(ValidationError) as caught:
        supply.order(purchase.id, invoice_number="1")
    assert caught.value.errors[0].path == "offers"
    assert supply.purchase(purchase.id).stage is PurchaseStage.OFFERS


# ------------------------------------------------------------------------------ stock


def test_stock_moves_between_warehouses_and_refuses_what_is_not_free(supply: Supply) -> None:
    stocked(supply, 3)
    left, arrived = supply.move_stock(
        TURNSTILE, 1, source=PARK, target=OFFICE, serials=("T-3-001",)
    )
    assert (left.quantity, arrived.quantity, arrived.serials) == (2, 1, ("T-3-001",))
    with pytest.raises(OutOfStockError) as caught:
        supply.move_stock(TURNSTILE, 5, source=PARK, target=OFFICE)
    assert (caught.value.wanted, caught.value.free) == (5, 2)
    with pytest.raises(ValidationError) as bad:
        supply.move_stock(TURNSTILE, 1, source="Подвал", target=OFFICE)
    assert bad.value.errors[0].path == "source"
    assert supply.stock_report() == (
        "Склад в бизнес-парке: Турникет T-3 — 2 шт., свободно 2 шт.\n"
        "Офис: Турникет T-3 — 1 шт., свободно 1 шт."
    )


# ------------------------------------------------------------------------------ shipments


@pytest.mark.parametrize(
    ("city", "lines", "kind"),
    [
        ("Москва", (line(1),), CarrierKind.COURIER),
        ("Омск", (line(1),), CarrierKind.TRANSPORT_COMPANY),
        (
            "Москва",
            (line(1, item=BARRIER, unit_grams=60_000, length_cm=420),),
            CarrierKind.LARGE_VEHICLE,
        ),
        (  # a barrier to another city is freight: the transport company's, not a town van
            "Омск",
            (line(1, item=BARRIER, unit_grams=60_000, length_cm=420),),
            CarrierKind.TRANSPORT_COMPANY,
        ),
    ],
)
def test_the_carrier_is_chosen_by_city_and_load(
    supply: Supply, client: Client, city: str, lines: tuple[ShipmentLine, ...], kind: CarrierKind
) -> None:
    supply.add_stock(PARK, lines[0].item, 2)
    shipment = supply.plan_shipment(
        client.id, reason="Оборудование", city=city, address="ул. Ленина, 10", lines=lines
    )
    assert shipment.carrier is kind


def test_shipping_more_than_is_in_stock_is_refused_and_nothing_is_stored(
    supply: Supply, client: Client
) -> None:
    stocked(supply, 2)
    with pytest.raises(OutOfStockError) as caught:
        supply.plan_shipment(
            client.id,
            reason="Оборудование",
            city="Омск",
            address="ул. Ленина, 10",
            lines=(line(1, item=TURNSTILE), line(2, item=TURNSTILE)),
        )
    assert caught.value.path == "lines[1].quantity"
    assert supply.shipments_of(client.id) == ()
    assert supply.stock()[0].reserved == 0


def test_an_intercity_shipment_from_booking_to_signed_closing_documents(
    ops: ClientOps, supply: Supply, client: Client, clock: Clock
) -> None:
    stocked(supply, 4)
    planned = supply.plan_shipment(
        client.id,
        reason="Оборудование по договору № 5/26",
        city="Омск",
        address="ул. Ленина, 10",
        lines=(line(2),),
    )
    assert supply.stock()[0].reserved == 2
    booked = supply.book(planned.id, recipient=recipient("Омск"))
    assert booked.stage is ShipmentStage.BOOKED
    assert booked.courier == "offline"
    assert booked.price is not None
    assert booked.price.amount > 0
    assert booked.serials == ("T-3-001", "T-3-002")
    level = supply.stock()[0]
    assert (level.quantity, level.reserved, level.serials) == (2, 0, ("T-3-003", "T-3-004"))
    # the carrier's bill awaits in the payment plan
    (awaiting,) = ops.billing.payment_plan().awaiting
    assert awaiting.id == booked.carrier_bill_id
    assert awaiting.supplier == "Курьерская служба"

    with pytest.raises(TransitionError):
        supply.accept(planned.id)
    delivered = supply.mark_delivered(planned.id)
    accepted = supply.accept(planned.id, feedback="Доставили вовремя, коробки целые")
    assert (delivered.stage, accepted.stage) == (ShipmentStage.DELIVERED, ShipmentStage.ACCEPTED)
    assert supply.due() == ()
    clock.days(10)
    (unsigned,) = supply.due()
    assert unsigned.text == (
        "Закрывающие документы по отгрузке клиенту ООО «Ромашка» не подписаны с 07.12.2026"
    )
    closed = supply.sign_documents(planned.id)
    assert closed.stage is ShipmentStage.CLOSED
    assert closed.documents_signed_on == date(2026, 12, 17)
    assert supply.due() == ()
    kinds = [e.kind for e in Feed(ops).read(after=0)]
    assert {"ShipmentBooked", "ShipmentAccepted", "ShippingDocumentsSigned"} <= set(kinds)


class FlakyCourier:
    """Books with the carrier, then loses the answer once (a timeout after the booking)."""

    def __init__(self, inner: OfflineCourier) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0
        self.lose = 1

    def quote(self, origin: str, destination: str, parcel: Parcel) -> Any:
        return self.inner.quote(origin, destination, parcel)

    def book_pickup(self, request: PickupRequest) -> Booking:
        self.calls += 1
        booking = self.inner.book_pickup(request)
        if self.lose:
            self.lose -= 1
            raise CourierError(self.name, "book_pickup", "timed out")
        return booking

    def track(self, order_id: str) -> Any:
        return self.inner.track(order_id)

    def cancel(self, order_id: str) -> None:
        self.inner.cancel(order_id)

    def close(self) -> None:
        pass


def test_a_booking_lost_in_a_timeout_is_found_again_not_made_twice(
    ops: ClientOps, client: Client, courier: OfflineCourier
) -> None:
    flaky = FlakyCourier(courier)
    supply = Supply(ops, couriers={CarrierKind.TRANSPORT_COMPANY: flaky}, sender=SENDER)
    stocked(supply, 2)
    planned = supply.plan_shipment(
        client.id, reason="Оборудование", city="Омск", address="ул. Ленина, 10", lines=(line(1),)
    )
    with pytest.raises(CourierError):
        supply.book(planned.id, recipient=recipient("Омск"))
    assert supply.shipment(planned.id).stage is ShipmentStage.PLANNED
    assert supply.stock()[0].quantity == 2
    assert ops.billing.payment_plan().awaiting == ()
    booked = supply.book(planned.id, recipient=recipient("Омск"))
    first = courier.book_pickup(
        PickupRequest(
            key=f"shipment:{planned.id}",
            parcel=Parcel(1000),
            sender=SENDER,
            recipient=recipient("Омск"),
            pickup_date=date(2026, 12, 7),
        )
    )
    assert booked.order_id == first.order_id  # the same carrier order both times
    assert flaky.calls == 2
    assert len(ops.billing.payment_plan().awaiting) == 1
    with pytest.raises(TransitionError):
        supply.book(planned.id, recipient=recipient("Омск"))


def test_a_carrier_refusing_the_weight_or_the_city_books_nothing(
    ops: ClientOps, client: Client, clock: Clock
) -> None:
    light = OfflineCourier(clock=clock, max_weight_grams=5_000)
    supply = Supply(ops, couriers=dict.fromkeys(CarrierKind, light), sender=SENDER)
    stocked(supply, 4)
    heavy = supply.plan_shipment(
        client.id,
        reason="Оборудование",
        city="Омск",
        address="ул. Ленина, 10",
        lines=(line(2, unit_grams=4_000),),
    )
    with pytest.raises(ParcelRefusedError):
        supply.book(heavy.id, recipient=recipient("Омск"))
    nowhere = supply.plan_shipment(
        client.id,
        reason="Оборудование",
        city="Урюпинск-на-Луне",
        address="ул. Ленина, 10",
        lines=(line(1),),
    )
    with pytest.raises(CourierError):
        supply.book(nowhere.id, recipient=recipient("Урюпинск-на-Луне"))
    assert {s.stage for s in supply.shipments_of(client.id)} == {ShipmentStage.PLANNED}
    assert supply.stock()[0].quantity == 4
    assert ops.billing.payment_plan().awaiting == ()


def test_a_cancelled_shipment_gives_its_goods_back(
    ops: ClientOps, supply: Supply, client: Client
) -> None:
    stocked(supply, 3)
    planned = supply.plan_shipment(
        client.id, reason="Оборудование", city="Омск", address="ул. Ленина, 10", lines=(line(1),)
    )
    booked = supply.plan_shipment(
        client.id,
        reason="Посылка",
        city="Омск",
        address="ул. Ленина, 10",
        lines=(line(1),),
        on=date(2026, 12, 8),
    )
    supply.book(booked.id, recipient=recipient("Омск"))
    supply.cancel(planned.id)
    assert len(ops.billing.payment_plan().awaiting) == 1
    supply.cancel(booked.id)
    assert ops.billing.payment_plan().awaiting == ()
    level = supply.stock()[0]
    assert (level.quantity, level.reserved, sorted(level.serials)) == (
        3,
        0,
        ["T-3-001", "T-3-002", "T-3-003"],
    )


# ------------------------------------------------------------------------------ installations


def test_installation_only_after_delivery_on_a_ready_site(
    supply: Supply, ops: ClientOps, client: Client
) -> None:
    work = Installations(ops)
    stocked(supply, 2)
    site = work.add_site(
        client.id, address="г. Омск, ул. Ленина, 10", installed=("Контроллер",), passage_points=2
    )
    shipment = supply.plan_shipment(
        client.id, reason="Оборудование", city="Омск", address="ул. Ленина, 10", lines=(line(2),)
    )
    with pytest.raises(TransitionError, match="not delivered"):
        work.schedule_installation(site.id, shipment.id, date(2026, 12, 20))
    supply.book(shipment.id, recipient=recipient("Омск"))
    supply.mark_delivered(shipment.id)
    with pytest.raises(TransitionError, match="site is not ready"):
        work.schedule_installation(site.id, shipment.id, date(2026, 12, 20))
    work.set_site_ready(site.id, date(2026, 12, 21))
    with pytest.raises(TransitionError, match="site is not ready"):
        work.schedule_installation(site.id, shipment.id, date(2026, 12, 20))
    assert work.installations_of(client.id) == ()
    installation = work.schedule_installation(site.id, shipment.id, date(2026, 12, 22))
    done = work.finish_installation(installation.id, act_number="МО-7", on=date(2026, 12, 22))
    assert done.act_number == "МО-7"
    assert work.site(site.id).installed == ("Контроллер", TURNSTILE)
    work.record_support_facts(site.id, TechFacts(server_format=ServerFormat.CLOUD))
    more = TechFacts(
        equipment=(InstalledEquipment(TURNSTILE, 2), InstalledEquipment("Контроллер")),
        integration=True,
        integration_note="1С:ЗУП",
        passage_points=2,
    )
    work.record_support_facts(site.id, more)
    (seen,) = work.sites_of(client.id)
    assert seen.support == attrs.evolve(more, server_format=ServerFormat.CLOUD)
    assert seen.support.missing() == ()


# ------------------------------------------------------------------------------ pilots


def test_a_pilot_with_check_ins_becomes_a_billed_subscription(
    ops: ClientOps, client: Client, clock: Clock
) -> None:
    work = Installations(ops)
    site = work.add_site(client.id, address="г. Омск, ул. Ленина, 10")
    with pytest.raises(ValidationError) as caught:
        work.start_pilot(
            client.id,
            site_id=site.id,
            equipment=(TURNSTILE,),
            start=date(2026, 12, 10),
            planned_end=date(2026, 12, 1),
            fee=Money(15000),
        )
    assert caught.value.errors[0].path == "planned_end"
    pilot = work.start_pilot(
        client.id,
        site_id=site.id,
        equipment=(TURNSTILE,),
        start=date(2026, 12, 7),
        planned_end=date(2027, 1, 15),
        fee=Money(15000),
    )
    supply = Supply(ops)
    clock.days(7)
    (call,) = supply.due()
    assert call.text == "Узнать у клиента ООО «Ромашка», как работает оборудование пилота"
    work.check_in(pilot.id, works=True, note="Проходы считаются верно")
    assert supply.due() == ()
    with pytest.raises(ValidationError) as early:
        work.end_pilot(pilot.id, on=date(2026, 12, 1), billing_from=date(2027, 1, 16))
    assert early.value.errors[0].path == "on"
    assert work.pilot(pilot.id).stage is PilotStage.RUNNING
    ended = work.end_pilot(pilot.id, on=date(2027, 1, 15), billing_from=date(2027, 1, 16))
    assert ended.stage is PilotStage.PAYING
    (subscription,) = ops.billing.subscriptions_of(client.id)
    assert (subscription.start, subscription.fee, str(subscription.id)) == (
        date(2027, 1, 16),
        Money(15000),
        ended.subscription_id,
    )
    plan = ops.billing.plan(Month(2027, 2))
    assert [i.client_id for i in plan.to_issue] == [client.id]
    with pytest.raises(TransitionError):
        work.end_pilot(pilot.id, billing_from=date(2027, 2, 1))
    assert len(ops.billing.subscriptions_of(client.id)) == 1


# ------------------------------------------------------------------------------ the cloud


def test_the_cloud_checklist_survives_a_failing_tool_and_keeps_no_secret(
    ops: ClientOps, client: Client, url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tool = OfflineCloud()
    work = Installations(ops, cloud=tool)
    with pytest.raises(ValidationError):
        work.agree_cloud_url(client.id, "не адрес")
    setup = work.agree_cloud_url(client.id, "romashka.cloud.example")
    tool.fail_next = 1
    tool.calls = 0
    with pytest.raises(BackendError):
        work.provision_cloud(
            setup.id, email="admin@romashka.example", materials=("Инструкция администратора.pdf",)
        )
    assert work.cloud(setup.id).done == (CloudStep.URL_AGREED,)
    tool.fail_next = 0
    done = work.provision_cloud(
        setup.id, email="admin@romashka.example", materials=("Инструкция администратора.pdf",)
    )
    assert done.done == tuple(CloudStep)
    assert not done.is_open
    assert done.support_login == "support@romashka.cloud.example"
    (letter,) = tool.mailbox
    assert letter.email == "admin@romashka.example"
    assert work.provision_cloud(setup.id, email="admin@romashka.example") == done
    assert len(tool.mailbox) == 1
    secret = letter.password
    assert secret not in caplog.text
    assert all(secret not in str(e.payload) for e in Feed(ops).read(after=0))
    assert secret not in repr(work.clouds_of(client.id))
    if url.startswith("sqlite"):
        for path in tmp_path.glob("clientops.db*"):
            assert secret.encode() not in path.read_bytes()


# ------------------------------------------------------------------------------ papers

MLS = DocParty("ООО «MLS IT»", "ИНН 7701234567, г. Москва", "Директор", "А. А. Орлов")
ROMASHKA = DocParty("ООО «Ромашка»", "ИНН 5507654321, г. Омск", "Директор", "Б. Б. Белов")


def test_the_shipping_papers_and_the_installation_act_read_back_and_convert(
    ops: ClientOps, supply: Supply, client: Client, tmp_path: Path
) -> None:
    stocked(supply, 2)
    shipment = supply.plan_shipment(
        client.id,
        reason="Оборудование",
        city="Омск",
        address="ул. Ленина, 10",
        lines=(line(2),),
    )
    supply.book(shipment.id, recipient=recipient("Омск"))
    supply.mark_delivered(shipment.id)
    note = supply.shipping_papers(
        shipment.id, number="ТН-17", supplier=MLS, consignee=ROMASHKA, basis="Договор № 5/26"
    )
    work = Installations(ops)
    site = work.add_site(client.id, address="г. Омск, ул. Ленина, 10", ready_on=date(2026, 12, 8))
    installation = work.schedule_installation(site.id, shipment.id, date(2026, 12, 9))
    with pytest.raises(ValidationError):
        work.installation_act(
            installation.id,
            executor=MLS,
            customer=ROMASHKA,
            contract="Договор № 5/26",
            city="г. Омск",
            price=Money(9000),
        )
    work.finish_installation(installation.id, act_number="МО-7", on=date(2026, 12, 9))
    act = render_document(
        work.installation_act(
            installation.id,
            executor=MLS,
            customer=ROMASHKA,
            contract="Договор № 5/26",
            city="г. Омск",
            price=Money(9000),
        )
    )
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(note)).paragraphs)
    cells = " ".join(
        c.text for t in docx.Document(io.BytesIO(note)).tables for r in t.rows for c in r.cells
    )
    assert "Товарная накладная №\xa0ТН-17 от 07.12.2026" in text
    assert "Перевозчик: Курьерская служба" in text
    assert "T-3-001, T-3-002" in cells
    assert "150\u00a0000,00" in cells
    assert "Сто пятьдесят тысяч рублей 00 копеек" in text
    texts = convert_to_pdf({"note": note, "act": act}, tmp_path)
    expected = {
        "note": [
            "Товарная накладная № ТН-17",
            "Турникет T-3",
            "T-3-001, T-3-002",
            "Отпуск груза произвёл",
            "Груз получил",
        ],
        "act": ["Монтаж и пусконаладка: Турникет T-3", "18 000,00"],
    }
    for name, found in texts.items():
        if found is None:
            continue
        assert not [s for s in expected[name] if s not in found], found[:600]


def a_note(**changes: Any) -> ConsignmentNote:
    fields: dict[str, Any] = {
        "number": "ТН-1",
        "date": date(2026, 12, 7),
        "supplier": MLS,
        "consignee": ROMASHKA,
        "basis": "Договор № 5/26 от 01.12.2026",
        "items": (
            ConsignmentItem(
                "Турникет T-3 с планкой антипаники",
                2,
                Money("75000.00"),
                serials=("T3-2026-000001", "T3-2026-000002"),
            ),
            ConsignmentItem("Контроллер СКУД", 1, Money("18500.50")),
        ),
        "carrier": "Деловые Линии",
    }
    fields.update(changes)
    return ConsignmentNote(**fields)


def a_upd(**changes: Any) -> UniversalTransferDocument:
    note = a_note()
    fields: dict[str, Any] = {
        "number": "1/2026",
        "date": note.date,
        "status": 1,
        "seller": MLS,
        "buyer": ROMASHKA,
        "basis": note.basis,
        "items": note.items,
        "carrier": "Деловые Линии, Омск",
        "accountant": "В. В. Счётова",
    }
    fields.update(changes)
    return UniversalTransferDocument(**fields)


def a_packing_list(**changes: Any) -> PackingList:
    fields: dict[str, Any] = {
        "number": "1/2026",
        "date": date(2026, 12, 7),
        "sender": MLS,
        "recipient": ROMASHKA,
        "city": "Омск",
        "address": "ул. Ленина, 10, офис 5",
        "places": (
            PackingPlace(
                "Турникет T-3 с планкой антипаники",
                2,
                49000,
                120,
                serials=("T3-2026-000001", "T3-2026-000002"),
            ),
            PackingPlace("Контроллер СКУД", 1, 1250, 30),
        ),
        "carrier": "Деловые Линии (транспортная компания)",
        "origin": "Москва, Склад в бизнес-парке",
        "packer": "В. В. Складов",
    }
    fields.update(changes)
    return PackingList(**fields)


#: The shipping papers for the document font checks (tests/test_document_fonts.py).
SAMPLES = {"consignment_note": a_note, "upd": a_upd, "packing_list": a_packing_list}


def test_the_consignment_note_offers_exactly_its_fields_and_names_bad_ones() -> None:
    note = a_note(
        items=(ConsignmentItem("Турникет T-3", 1, Money(75000)),), vat_rate=None, carrier=""
    )
    assert document_type(note) is CONSIGNMENT_NOTE
    values = CONSIGNMENT_NOTE.values(note)
    lists = {name for name, value in values.items() if not isinstance(value, str)}
    assert set(values) - lists == CONSIGNMENT_NOTE.fields.scalars
    assert lists == set(CONSIGNMENT_NOTE.fields.lists)
    assert set(values["items"][0]) == CONSIGNMENT_NOTE.fields.lists["items"]  # type: ignore[index]
    assert values["vat_line"] == "Без налога (НДС)"
    assert values["carrier_line"] == "Самовывоз"
    with pytest.raises(ValidationError) as caught:
        ConsignmentNote(
            number=" ",
            date=date(2026, 12, 7),
            supplier=MLS,
            consignee=ROMASHKA,
            basis="Договор",
            items=(),
        )
    assert {e.path for e in caught.value.errors} <= {"number", "items"}


# ------------------------------------------------------------------------------ trainings


def test_a_training_as_use_cases_from_agreeing_to_closed(
    ops: ClientOps, client: Client, clock: Clock
) -> None:
    anna = EmployeeId("anna")
    training = ops.service.open_training(client.id, manager=anna, by=anna)
    starts = clock.now + timedelta(days=2)
    ops.service.schedule_training(training.id, starts_at=starts, by=anna)
    ops.service.reschedule_training(
        training.id, starts_at=starts + timedelta(days=1), reason="Клиент в отпуске", by=anna
    )
    with pytest.raises(TransitionError):
        ops.service.hold_training(training.id, by=anna)  # before its time
    clock.days(3)
    clock.now += timedelta(hours=2)
    ops.service.hold_training(training.id, by=anna, note="Показали отчёты по проходам")
    facts = TechFacts(server_format=ServerFormat.ON_PREMISES, passage_points=4)
    ops.service.record_training_facts(training.id, facts, by=anna)
    with pytest.raises(ValidationError) as bad:
        ops.service.collect_training_feedback(training.id, text="Всё понятно", rating=9, by=anna)
    assert bad.value.errors[0].path == "rating"
    ops.service.collect_training_feedback(training.id, text="Всё понятно", rating=5, by=anna)
    done = ops.service.send_training_recording(
        training.id, url="https://disk.example/obuchenie.mp4", by=anna
    )
    assert done.status is TrainingStatus.CLOSED
    assert done.facts.server_format is ServerFormat.ON_PREMISES
    assert done.facts.passage_points == 4
    assert len(done.reschedules) == 1
    (stored,) = ops.service.trainings_of(client.id)
    assert stored == done
    other = ops.service.open_training(client.id, manager=anna, by=anna)
    cancelled = ops.service.cancel_training(other.id, reason="Клиент отказался", by=anna)
    assert cancelled.status is TrainingStatus.CANCELLED


@pytest.mark.parametrize("service", [Supply, Installations, Suppliers])
def test_the_services_are_plain_classes_over_the_context_not_too_long(service: type) -> None:
    import inspect

    assert service.__bases__ == (object,)
    lines = Path(inspect.getfile(service)).read_text(encoding="utf-8").count("\n")
    assert lines <= 700
    assert service.__doc__
    assert ">>>" in service.__doc__
    ops = clientops.connect("memory://")
    try:
        assert service(ops)._context is ops.context
    finally:
        ops.close()


# ------------------------------------------------------------------------------ the agenda


def supply_items(ops: ClientOps, who: str) -> list[tuple[str, str, bool]]:
    agenda = ops.agenda.for_manager(EmployeeId(who))
    return [(i.client_name, i.why, i.overdue) for i in agenda.of_kind(AgendaKind.SUPPLY)]


def test_supply_deadlines_are_on_the_responsible_managers_agenda_once_however_often_asked(
    ops: ClientOps, supply: Supply, clock: Clock
) -> None:
    anna, petrov = EmployeeId("anna"), EmployeeId("petrov")
    romashka = ops.clients.add(a_client(name="ООО «Ромашка»", city="Омск", manager_id=anna))
    lyutik = ops.clients.add(a_client(name="ООО «Лютик»", city="Омск", manager_id=petrov))
    for_client = supply.request_offers(TURNSTILE, 2, offers=offers(), client_id=romashka.id)
    supply.order(for_client.id, invoice_number="218")  # ООО «Дёшево», 9 days: by 16.12
    for_stock = supply.request_offers(BARRIER, 2, offers=offers(BARRIER))
    supply.order(for_stock.id, invoice_number="219")
    stocked(supply, 1)
    shipment = supply.plan_shipment(
        romashka.id, reason="Оборудование", city="Омск", address="ул. Ленина, 10", lines=(line(),)
    )
    supply.book(shipment.id, recipient=recipient("Омск"))
    supply.mark_delivered(shipment.id)
    supply.accept(shipment.id)  # 07.12: the papers are due back by 17.12
    work = Installations(ops)
    site = work.add_site(lyutik.id, address="г. Омск, ул. Мира, 1")
    pilot = work.start_pilot(
        lyutik.id,
        site_id=site.id,
        equipment=(TURNSTILE,),
        start=date(2026, 12, 7),
        planned_end=date(2027, 1, 15),
        fee=Money(15000),
    )
    assert supply_items(ops, "anna") == []  # nothing due yet
    clock.days(7)  # Monday 14.12
    due_soon = [
        ("", "Поставщик ООО «Дёшево» должен отгрузить «Шлагбаум BR-6» до 16.12.2026", False),
        (
            "ООО «Ромашка»",
            "Поставщик ООО «Дёшево» должен отгрузить «Турникет T-3» до 16.12.2026",
            False,
        ),
    ]
    assert supply_items(ops, "anna") == due_soon
    check_in = ("ООО «Лютик»", "Узнать у клиента ООО «Лютик», как работает оборудование пилота")
    assert supply_items(ops, "petrov") == [(*check_in, False)]  # his client's pilot, not anna's
    clock.days(4)  # Friday 18.12: all of it late
    late = [
        (
            "ООО «Ромашка»",
            "Закрывающие документы по отгрузке клиенту ООО «Ромашка» не подписаны с 07.12.2026",
            True,
        ),
        ("", "Поставщик ООО «Дёшево» не отгрузил «Шлагбаум BR-6» к 16.12.2026", True),
        ("ООО «Ромашка»", "Поставщик ООО «Дёшево» не отгрузил «Турникет T-3» к 16.12.2026", True),
    ]
    assert sorted(supply_items(ops, "anna")) == sorted(late)
    assert supply_items(ops, "anna") == supply_items(ops, "anna")  # asking again: the same
    lines = ops.agenda.for_manager(anna).lines(ops.policy.tz)
    assert "ПРОСРОЧЕНО 16.12 весь день Поставка — ООО «Ромашка»: Поставщик ООО «Дёшево» не " in (
        "\n".join(lines)
    )
    # the daily job, run twice for the day: done once, nothing made, the agenda the same
    job = next(j for j in DEFAULT_JOBS if j.name == "supply")
    first = run_job(ops, job, date(2026, 12, 18))
    second = run_job(ops, job, date(2026, 12, 18))
    assert first.result is JobResult.DONE
    assert "Сроков и сигналов поставок на 18.12.2026: 4" in (first.summary or "")
    assert second.result is not JobResult.DONE
    assert sorted(supply_items(ops, "anna")) == sorted(late)
    # the records move on: their items leave the agenda
    supply.accept_goods(for_client.id, received=2)
    supply.accept_goods(for_stock.id, received=2)
    supply.sign_documents(shipment.id)
    work.check_in(pilot.id, works=True)
    assert supply_items(ops, "anna") == supply_items(ops, "petrov") == []


class FundedCourier(OfflineCourier):
    """The offline courier with an account balance, as Dostavista tells it."""

    name = "dostavista"

    def __init__(self, clock: Clock, balance: Money) -> None:
        super().__init__(clock=clock)
        self.money = balance
        self.asked = 0

    def balance(self) -> Money:
        self.asked += 1
        return self.money


@pytest.fixture
def watched(url: str, clock: Clock) -> Iterator[ClientOps]:
    """A store whose supply items of no client are Иванов's (``SupplyPolicy.responsible``)."""
    host = PluginHost(entry_points=False)
    policy = attrs.evolve(Policy(), supply=SupplyPolicy(responsible="ivanov"))
    ops = ClientOps(host.load().open_storage(url), host=host, clock=clock, policy=policy)
    ops.clients.add_staff(a_staff())
    yield ops
    ops.close()


def test_a_low_courier_balance_is_kept_once_and_on_the_responsibles_agenda(
    watched: ClientOps, clock: Clock
) -> None:
    dostavista = FundedCourier(clock, Money(1500))
    supply = Supply(watched, couriers=dict.fromkeys(CarrierKind, dostavista), sender=SENDER)
    low = (
        "Баланс Достависта: 1\u00a0500,00\u00a0руб., ниже 5\u00a0000,00\u00a0руб. — пополнить счёт"
    )
    assert [d.text for d in supply.record_balances()] == [low]
    assert [d.text for d in supply.record_balances()] == [low]  # read again, kept once
    assert dostavista.asked == 2
    with watched.context.storage.unit_of_work(readonly=True) as uow:
        readings = uow.supply.all(CourierBalance)
    assert [(r.courier, r.balance, r.day) for r in readings] == [
        ("Достависта", Money(1500), date(2026, 12, 7))
    ]
    assert supply_items(watched, "ivanov") == [("", low, False)]
    assert supply_items(watched, "anna") == []  # a responsible is named: not every manager's
    unknown = attrs.evolve(watched.policy, supply=SupplyPolicy(responsible="nobody"))
    (due,) = supply.due()
    with watched.context.storage.unit_of_work(readonly=True) as uow:
        owners = supply_owner(due, {}, uow.staff.directory(), unknown.supply)
    assert owners == (EmployeeId("anna"),)  # one the staff does not know: every client manager
    clock.days(1)  # not read today: yesterday's reading stays, overdue
    assert supply_items(watched, "ivanov") == [("", low, True)]
    dostavista.money = Money(9000)
    assert supply.record_balances() == ()
    assert supply_items(watched, "ivanov") == []


# ------------------------------------------------------------------------------ suppliers' prices


def price_list(supplier: str, *rows: tuple[str, int, int]) -> list[SupplierOffer]:
    return [SupplierOffer(supplier, item, Money(price), stock, 5) for item, price, stock in rows]


def test_suppliers_prices_and_stock_over_time_flag_rises_and_shortages(
    watched: ClientOps, clock: Clock
) -> None:
    anna = EmployeeId("anna")
    romashka = watched.clients.add(a_client(name="ООО «Ромашка»", manager_id=anna))
    suppliers, supply = Suppliers(watched), Supply(watched)
    suppliers.record_price_list("ООО «Дёшево»", price_list("ООО «Дёшево»", (TURNSTILE, 58000, 10)))
    suppliers.record_price_list(
        "ООО «Быстро»", price_list("ООО «Быстро»", (TURNSTILE, 61000, 10), (BARRIER, 98000, 3))
    )
    assert [(o.supplier, o.unit_price) for o in suppliers.offers_for(TURNSTILE)] == [
        ("ООО «Дёшево»", Money(58000)),
        ("ООО «Быстро»", Money(61000)),
    ]
    purchase = supply.request_offers(
        TURNSTILE, 4, offers=suppliers.offers_for(TURNSTILE), client_id=romashka.id
    )
    supply.order(purchase.id, invoice_number="301")  # ООО «Дёшево», 58 000,00 руб.
    wanted = supply.request_offers(BARRIER, 5, offers=suppliers.offers_for(BARRIER))
    nobody = "Ни у одного поставщика нет 5\u00a0шт. «Шлагбаум BR-6»: искать другого поставщика"
    assert supply_items(watched, "ivanov") == [("", nobody, False)]
    clock.days(3)
    # a rise of 3,4 %: under the policy's 5 %; the stock falls below the 4 ordered
    list_day = suppliers.record_price_list(
        "ООО «Быстро»", price_list("ООО «Быстро»", (TURNSTILE, 63100, 2))
    )
    assert [len(s.history) for s in list_day] == [2]
    suppliers.record_price_list("ООО «Дёшево»", price_list("ООО «Дёшево»", (TURNSTILE, 63800, 3)))
    again = suppliers.record_price_list(  # the same day's list again: replaces, not added
        "ООО «Дёшево»", price_list("ООО «Дёшево»", (TURNSTILE, 63800, 3))
    )
    history = suppliers.price_history("ООО «Дёшево»", TURNSTILE).history
    assert again[0].history == history
    assert [(p.day, p.unit_price, p.in_stock) for p in history] == [
        (date(2026, 12, 7), Money(58000), 10),
        (date(2026, 12, 10), Money(63800), 3),
    ]
    rise = (
        "Поставщик ООО «Дёшево» поднял цену «Турникет T-3» на 10%: "
        "58\u00a0000,00\u00a0руб. → 63\u00a0800,00\u00a0руб."
    )
    short = "У поставщика ООО «Дёшево» на складе 3\u00a0шт. «Турникет T-3», а заказано 4\u00a0шт."
    assert [d.reason for d in suppliers.alerts()] == ["nobody_has", "price_rise", "supplier_short"]
    assert supply_items(watched, "ivanov") == [("", nobody, False), ("", rise, False)]
    shipping = "Поставщик ООО «Дёшево» должен отгрузить «Турникет T-3» до 12.12.2026"
    assert supply_items(watched, "anna") == [
        ("ООО «Ромашка»", short, False),
        ("ООО «Ромашка»", shipping, False),
    ]
    assert {d.ref for d in supply.due()} >= {
        f"supply:supplier_short:{purchase.id}",
        f"supply:nobody_has:{wanted.id}",
    }
    clock.days(7)  # the rise is a week old: off the agenda; the shortage stays while it lasts
    assert supply_items(watched, "ivanov") == [("", nobody, False)]
    assert ("ООО «Ромашка»", short, False) in supply_items(watched, "anna")


def test_a_price_list_naming_another_supplier_or_an_item_twice_stores_nothing(
    watched: ClientOps,
) -> None:
    suppliers = Suppliers(watched)
    mixed = price_list("ООО «Дёшево»", (TURNSTILE, 58000, 10)) + price_list(
        "ООО «Быстро»", (BARRIER, 98000, 1)
    )
    with pytest.raises(ValidationError) as caught:
        suppliers.record_price_list("ООО «Дёшево»", mixed)
    assert caught.value.errors[0].path == "offers[1].supplier"
    twice = price_list("ООО «Дёшево»", (TURNSTILE, 58000, 10), (TURNSTILE, 57000, 10))
    with pytest.raises(ValidationError) as caught:
        suppliers.record_price_list("ООО «Дёшево»", twice)
    assert caught.value.errors[0].path == "offers[1].item"
    with pytest.raises(ValidationError) as caught:
        suppliers.record_price_list(" ", twice)
    assert caught.value.errors[0].path == "supplier"
    assert suppliers.offers_for(TURNSTILE) == ()
    with pytest.raises(NotFoundError):
        suppliers.price_history("ООО «Дёшево»", TURNSTILE)


@pytest.mark.parametrize(
    ("field", "value"),
    [("price_rise_percent", Decimal(-1)), ("shipping_form", "torg"), ("price_watch_days", 0)],
)
def test_the_supply_policy_names_a_bad_number(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        SupplyPolicy(**{field: value})  # type: ignore[arg-type]
    assert [e.path for e in caught.value.errors] == [field]


# ------------------------------------------------------------------------------ the УПД


def test_the_upd_numbers_from_its_sequence_reads_back_and_converts(
    ops: ClientOps, supply: Supply, client: Client, tmp_path: Path
) -> None:
    stocked(supply, 3)
    supply.add_stock(PARK, BARRIER, 1)
    shipments = [
        supply.plan_shipment(
            client.id, reason="Оборудование", city="Омск", address="ул. Ленина, 10", lines=lines
        )
        for lines in ((line(2), line(1, item=BARRIER, unit_price=Money("18500.50"))), (line(1),))
    ]
    for shipment in shipments:
        supply.book(shipment.id, recipient=recipient("Омск"))
    first = supply.upd(shipments[0].id, seller=MLS, buyer=ROMASHKA, basis="Договор № 5/26")
    second = supply.upd(
        shipments[1].id, seller=MLS, buyer=ROMASHKA, basis="Договор № 5/26", status=2
    )
    again = supply.upd(shipments[0].id, seller=MLS, buyer=ROMASHKA, basis="Договор № 5/26")
    assert (first.number, second.number, again.number) == ("1/2026", "2/2026", "1/2026")
    assert supply.shipment(shipments[0].id).upd_number == "1/2026"
    # the consignment note has a sequence of its own
    note = supply.consignment_note(shipments[0].id, supplier=MLS, consignee=ROMASHKA, basis="Д")
    assert note.number == "1/2026"
    upd = supply.shipping_papers(
        shipments[0].id, supplier=MLS, consignee=ROMASHKA, basis="Договор № 5/26", form="upd"
    )
    document = docx.Document(io.BytesIO(upd))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    assert "Универсальный передаточный документ" in text
    assert "Статус: 1 — счёт-фактура и передаточный документ (акт)" in text
    assert "Счёт-фактура №\u00a01/2026 от 7 декабря 2026\u00a0г. (1)" in text
    assert "Грузоотправитель и его адрес (3): он же" in text
    assert "Данные о транспортировке и грузе [9]: Курьерская служба, Омск" in text
    total = "Всего к оплате (9): без налога 140\u00a0417,08, сумма налога 28\u00a0083,42"
    assert total in text
    assert "с налогом 168\u00a0500,50" in text
    assert "Сто шестьдесят восемь тысяч пятьсот рублей 50 копеек" in text
    rows = [r for r in cells if r[0] in ("1", "2")]
    assert rows[0][1] == "Турникет T-3 (T-3-001, T-3-002)"
    assert rows[0][2:6] == ["796\u00a0шт.", "2", "62\u00a0500,00", "125\u00a0000,00"]
    assert rows[0][7:10] == ["20%", "25\u00a0000,00", "150\u00a0000,00"]
    assert rows[1][4:10] == [
        "15\u00a0417,08",
        "15\u00a0417,08",
        "без акциза",
        "20%",
        "3\u00a0083,42",
        "18\u00a0500,50",
    ]
    texts = convert_to_pdf({"upd": upd}, tmp_path)
    expected = [
        "Универсальный передаточный документ",
        "Счёт-фактура № 1/2026",
        "Турникет T-3",
        "168 500,50",
        "Товар (груз) передал",
        "Товар (груз) получил",
    ]
    found = texts["upd"]
    if found is not None:
        assert not [s for s in expected if s not in found], found[:800]


def test_the_upd_offers_exactly_its_fields_and_names_bad_ones(supply: Supply) -> None:
    upd = a_upd(vat_rate=None, status=2)
    assert document_type(upd) is UNIVERSAL_TRANSFER_DOCUMENT
    values = UNIVERSAL_TRANSFER_DOCUMENT.values(upd)
    lists = {name for name, value in values.items() if not isinstance(value, str)}
    assert set(values) - lists == UNIVERSAL_TRANSFER_DOCUMENT.fields.scalars
    assert set(values["items"][0]) == UNIVERSAL_TRANSFER_DOCUMENT.fields.lists["items"]  # type: ignore[index]
    assert values["status_line"] == "2 — передаточный документ (акт)"
    assert (values["total_vat"], values["total_without_vat"]) == ("без НДС", values["total"])
    for bad, path in ((3, "status"), (True, "status")):
        with pytest.raises(ValidationError) as caught:
            a_upd(status=bad)
        assert [e.path for e in caught.value.errors] == [path]
    with pytest.raises(ValidationError) as caught:
        supply.upd("nope", seller=MLS, buyer=ROMASHKA, basis="Договор", status=0)
    assert [e.path for e in caught.value.errors] == ["status"]
    with pytest.raises(ValidationError) as caught:
        supply.shipping_papers("nope", supplier=MLS, consignee=ROMASHKA, basis="Д", form="торг")
    assert [e.path for e in caught.value.errors] == ["form"]


def test_the_policy_chooses_the_upd_as_the_shipping_papers(url: str, clock: Clock) -> None:
    host = PluginHost(entry_points=False)
    policy = attrs.evolve(Policy(), supply=SupplyPolicy(shipping_form="upd"))
    ops = ClientOps(host.load().open_storage(url), host=host, clock=clock, policy=policy)
    try:
        ops.clients.add_staff(a_staff())
        client = ops.clients.add(a_client(name="ООО «Ромашка»", city="Омск"))
        supply = Supply(ops, couriers=dict.fromkeys(CarrierKind, OfflineCourier(clock=clock)))
        stocked(supply, 1)
        shipment = supply.plan_shipment(
            client.id, reason="Оборудование", city="Омск", address="ул. Ленина, 10", lines=(line(),)
        )
        papers = [
            supply.shipping_papers(shipment.id, supplier=MLS, consignee=ROMASHKA, basis="Д")
            for _ in range(2)
        ]
        texts = ["\n".join(p.text for p in docx.Document(io.BytesIO(d)).paragraphs) for d in papers]
        assert all("Счёт-фактура №\xa01/2026 от 7 декабря 2026" in t for t in texts)
        with pytest.raises(ValidationError) as caught:  # a УПД takes no number of yours
            supply.shipping_papers(
                shipment.id, supplier=MLS, consignee=ROMASHKA, basis="Д", number="ТН-1"
            )
        assert [e.path for e in caught.value.errors] == ["form"]
        note = supply.shipping_papers(
            shipment.id, supplier=MLS, consignee=ROMASHKA, basis="Д", form="consignment_note"
        )
        assert "Товарная накладная №\xa01/2026" in "\n".join(
            p.text for p in docx.Document(io.BytesIO(note)).paragraphs
        )
    finally:
        ops.close()


# ------------------------------------------------------------------------------ the packing list


def test_the_packing_list_numbers_from_its_sequence_reads_back_and_converts(
    ops: ClientOps, supply: Supply, client: Client, tmp_path: Path
) -> None:
    stocked(supply, 3)
    supply.add_stock(PARK, BARRIER, 1)
    heavy = line(2, unit_grams=12500, length_cm=40)
    light = line(1, item=BARRIER, unit_grams=1250, unit_price=Money("18500.50"))
    shipments = [
        supply.plan_shipment(
            client.id, reason="Оборудование", city="Омск", address="ул. Ленина, 10", lines=lines
        )
        for lines in ((heavy, light), (line(1),))
    ]
    supply.book(shipments[0].id, recipient=recipient("Омск"))
    first = supply.packing_list(shipments[0].id, sender=MLS, packer="В. В. Складов")
    second = supply.packing_list(shipments[1].id, sender=MLS)
    again = supply.packing_list(shipments[0].id, sender=MLS, packer="В. В. Складов")
    assert (first.number, second.number, again.number) == ("1/2026", "2/2026", "1/2026")
    assert first == again
    assert supply.shipment(shipments[0].id).packing_number == "1/2026"
    # the УПД keeps a sequence of its own
    upd = supply.upd(shipments[0].id, seller=MLS, buyer=ROMASHKA, basis="Договор № 5/26")
    assert upd.number == "1/2026"
    assert first.recipient.name == "ООО «Ромашка»"
    assert (first.city, first.address) == ("Омск", "ул. Ленина, 10")
    assert first.carrier == "Курьерская служба (транспортная компания)"
    assert first.origin == "Москва, Склад в бизнес-парке"
    # a shipment not yet booked: nothing issued, so no serials; its kind of transport
    assert second.places[0].serials == ()
    assert second.carrier == "транспортная компания"
    data = ops.documents.render(first)
    assert data == render_document(first)
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    assert "Упаковочный лист №\u00a01/2026 от 7 декабря 2026\u00a0г." in text
    assert "Отправитель: ООО «MLS IT», ИНН 7701234567, г. Москва" in text
    assert "Пункт отправления: Москва, Склад в бизнес-парке" in text
    assert "Получатель: ООО «Ромашка»" in text
    assert "Адрес доставки: Омск, ул. Ленина, 10" in text
    assert "Перевозчик: Курьерская служба (транспортная компания)" in text
    assert "Всего 2\u00a0места общим весом 26,25\u00a0кг" in text
    assert "Единиц оборудования: 3\u00a0штуки" in text
    assert "Упаковал: ______________ / В.\u00a0В.\u00a0Складов /" in text
    assert cells[0] == ["№\u00a0места", "Наименование", "Серийные номера", "Количество", "Вес, кг",
                        "Длина, см"]  # fmt: skip
    assert cells[1] == ["1", TURNSTILE, "T-3-001, T-3-002", "2\u00a0штуки", "25,0", "40"]
    assert cells[2] == ["2", BARRIER, "—", "1\u00a0штука", "1,25", "30"]
    texts = convert_to_pdf({"packing": data}, tmp_path)
    expected = [
        "Упаковочный лист № 1/2026",
        "Турникет T-3",
        "T-3-001, T-3-002",
        "Всего 2 места общим весом 26,25 кг",
        "Упаковал",
    ]
    found = texts["packing"]
    if found is not None:
        assert not [s for s in expected if s not in found], found[:800]


def test_the_packing_list_offers_exactly_its_fields_and_names_bad_ones(
    supply: Supply, client: Client
) -> None:
    packing = a_packing_list(carrier="", origin="", packer="")
    assert document_type(packing) is PACKING_LIST
    assert document_type("packing_list") is PACKING_LIST
    values = PACKING_LIST.values(packing)
    lists = {name for name, value in values.items() if not isinstance(value, str)}
    assert set(values) - lists == PACKING_LIST.fields.scalars
    assert lists == set(PACKING_LIST.fields.lists)
    assert set(values["items"][0]) == PACKING_LIST.fields.lists["items"]  # type: ignore[index]
    assert (values["carrier_line"], values["origin_line"]) == ("Самовывоз", "—")
    assert values["packer_line"] == "______________ / ______________ /"
    assert values["weight_total"] == "50,25\u00a0кг"
    assert values["items"][0]["weight"] == "49,0"  # type: ignore[index]
    for make, path in (
        (lambda: a_packing_list(places=()), "places"),
        (lambda: a_packing_list(places=[PackingPlace("Т", 1, 1, 1)]), "places"),
        (lambda: a_packing_list(city=" "), "city"),
        (lambda: a_packing_list(recipient="ООО «Ромашка»"), "recipient"),
        (lambda: PackingPlace("Т", 0, 1000, 30), "quantity"),
        (lambda: PackingPlace("Т", True, 1000, 30), "quantity"),
        (lambda: PackingPlace("Т", 1, 0, 30), "weight_grams"),
        (lambda: PackingPlace("Т", 1, 1000, 1.5), "length_cm"),
        (lambda: PackingPlace("Т", 1, 1000, 30, serials=("",)), "serials"),
    ):
        with pytest.raises(ValidationError) as caught:
            make()
        assert [e.path for e in caught.value.errors] == [path]
    with pytest.raises(NotFoundError) as missing:
        supply.packing_list("shipment-nope", sender=MLS)
    assert "shipment-nope" in str(missing.value)
    stocked(supply, 1)
    shipment = supply.plan_shipment(
        client.id, reason="Оборудование", city="Омск", address="ул. Ленина, 10", lines=(line(),)
    )
    with pytest.raises(ValidationError) as caught:
        supply.packing_list(shipment.id, sender="ООО «MLS IT»")  # type: ignore[arg-type]
    assert [e.path for e in caught.value.errors] == ["sender"]
    with pytest.raises(ValidationError) as caught:
        supply.packing_list(shipment.id, sender=MLS, packer="Складов\x07")
    assert [e.path for e in caught.value.errors] == ["packer"]
    # the refused call took no number
    assert supply.shipment(shipment.id).packing_number is None
    assert supply.packing_list(shipment.id, sender=MLS).number == "1/2026"


@pytest.mark.parametrize(
    ("grams", "text"),
    [(25000, "25,0"), (1250, "1,25"), (1234, "1,234"), (500, "0,5"), (1, "0,001"),
     (1_234_500, "1\u00a0234,5")],
)  # fmt: skip
def test_a_weight_is_written_in_kilograms_with_a_decimal_comma(grams: int, text: str) -> None:
    from clientops._documents._supply import kilograms

    assert kilograms(grams) == text


def test_a_list_older_than_the_purchase_flags_no_shortage_and_small_rises_pass() -> None:
    from clientops.rules.supply import supplier_alerts
    from clientops.supply import PricePoint, Purchase, PurchaseStage, SupplierItem

    offer = SupplierOffer("ООО «Дёшево»", TURNSTILE, Money(58000), 10, 9)
    ordered = Purchase(
        "p1",
        TURNSTILE,
        4,
        date(2026, 12, 7),
        PARK,
        offers=(offer,),
        stage=PurchaseStage.ORDERED,
        chosen=offer,
    )

    def history(*points: tuple[date, int, int]) -> SupplierItem:
        made = tuple(PricePoint(d, Money(price), stock) for d, price, stock in points)
        return SupplierItem("ООО «Дёшево»", TURNSTILE, made)

    policy = SupplyPolicy()
    old = history((date(2026, 12, 1), 58000, 2))  # before the order: its offer replaced it
    assert supplier_alerts([old], [ordered], today=date(2026, 12, 8), policy=policy) == ()
    new = history((date(2026, 12, 1), 58000, 2), (date(2026, 12, 8), 60900, 2))  # +5 %: not above
    found = supplier_alerts([new], [ordered], today=date(2026, 12, 8), policy=policy)
    assert [d.reason for d in found] == ["supplier_short"]
    strict = SupplyPolicy(price_rise_percent=Decimal("4.9"))
    found = supplier_alerts([new], [ordered], today=date(2026, 12, 8), policy=strict)
    assert sorted(d.reason for d in found) == ["price_rise", "supplier_short"]
