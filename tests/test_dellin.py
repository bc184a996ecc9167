"""The Деловые Линии courier against its loopback stand-in (tests/dellin_standin.py; the
courier conformance kit runs in tests/test_kit_couriers.py): the session (re-login once,
never in a loop), the city and terminal lookup, the limits, the stand-in's faults (500,
garbage, a timeout, a lost answer) never booking twice, tracking, cancelling, the waybill,
no secret in any error; and an intercity shipment of the supply area booked through it on
every storage."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.dellin_standin import (
    APPKEY,
    FREIGHT_UID,
    LOGIN,
    MAX_WEIGHT_KG,
    PASSWORD,
    PAT,
    DellinStandin,
)

from clientops import ClientOps, ConfigurationError, Money, Phone, PluginHost
from clientops.adapters.dellin import DellinCourier, PriceOnRequestError
from clientops.courier import (
    Address,
    Dimensions,
    Parcel,
    Party,
    PickupRequest,
    ShipmentStatus,
)
from clientops.errors import (
    CourierError,
    ParcelRefusedError,
    ShipmentNotFoundError,
    UnservedCityError,
    ValidationError,
)
from clientops.supply import CarrierKind, ShipmentLine, ShipmentStage, Supply
from clientops.testing import a_client, a_staff

NOW = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)


def _courier(base_url: str, **options: Any) -> DellinCourier:
    options.setdefault("login", LOGIN)
    options.setdefault("password", PASSWORD)
    options.setdefault("freight_uid", FREIGHT_UID)
    return DellinCourier(APPKEY, base_url=base_url, timeout=0.5, clock=lambda: NOW, **options)


@pytest.fixture
def standin() -> Iterator[DellinStandin]:
    with DellinStandin(now=NOW) as server:
        server.delay = 1.0
        yield server


@pytest.fixture
def courier(standin: DellinStandin) -> Iterator[DellinCourier]:
    courier = _courier(standin.base_url)
    yield courier
    courier.close()


SENDER = Party(
    "Кладовщик Орлов",
    Phone("+74951234567"),
    Address("Москва", "ул. Складская, 3"),
    company="ООО «Клиентский сервис»",
)
RECIPIENT = Party("Белов Борис", Phone("+79123456789"), Address("Новосибирск", "ул. Блюхера, 32"))
BOOM = Parcel(120_000, Dimensions(520, 40, 40), Money(150000), "Стрела шлагбаума 5 м")


def request(key: str, parcel: Parcel = BOOM, **kw: Any) -> PickupRequest:
    return PickupRequest(
        key=key,
        parcel=parcel,
        sender=SENDER,
        recipient=kw.pop("recipient", RECIPIENT),
        pickup_date=date(2025, 6, 25),
        **kw,
    )


def created(standin: DellinStandin) -> list[dict[str, Any]]:
    return [body for path, body in standin.calls if path == "/v2/request.json"]


# ------------------------------------------------------------------------------ the wire


def test_a_quote_sends_the_documented_body_and_reads_price_and_dates(
    standin: DellinStandin, courier: DellinCourier
) -> None:
    quote = courier.quote("Москва", "Новосибирск", BOOM)
    _path, body = next(c for c in standin.calls if c[0] == "/v2/calculator.json")
    assert body["appkey"] == APPKEY
    assert body["sessionID"] in standin.sessions  # with an account: the contract's prices
    derival, arrival = body["delivery"]["derival"], body["delivery"]["arrival"]
    assert (derival["variant"], arrival["variant"]) == ("address", "address")
    assert derival["produceDate"] == "2025-06-24"
    assert arrival["address"] == {"search": "Новосибирск"}
    cargo = body["cargo"]
    assert (cargo["length"], cargo["width"], cargo["height"], cargo["weight"]) == (
        5.2,
        0.4,
        0.4,
        120.0,
    )
    assert cargo["oversizedWeight"] == 120.0  # longer than 3 m: oversized
    assert cargo["insurance"]["statedValue"] == 150000.0
    assert body["payment"]["paymentCity"] == "7700000000000000000000000"
    # 7 days on the line, then a day to the terminal's give-out and to the door: 8 to 9 days
    assert (quote.tariff, quote.days_min, quote.days_max) == ("auto", 8, 9)
    public = DellinCourier(APPKEY, base_url=standin.base_url, clock=lambda: NOW)
    try:
        assert public.quote("Москва", "Новосибирск", BOOM).price.amount > quote.price.amount
    finally:
        public.close()
    assert standin.logins == 1


def test_the_city_lookup_is_cached_and_an_unknown_city_is_named(
    standin: DellinStandin, courier: DellinCourier
) -> None:
    assert courier.city_code("г. Санкт-Петербург") == "7800000000000000000000000"
    assert courier.city_code("санкт-петербург") == "7800000000000000000000000"
    lookups = [c for c in standin.calls if c[0] == "/v2/public/kladr.json"]
    assert len(lookups) == 1
    with pytest.raises(UnservedCityError) as caught:
        courier.city_code("Москв")  # a part of a name is not the city
    assert caught.value.city == "Москв"


def test_the_terminals_of_a_city_default_first_and_a_handover_at_the_terminal(
    standin: DellinStandin,
) -> None:
    courier = _courier(standin.base_url, derival="terminal")
    try:
        terminals = courier.terminals("Москва")
        assert [t.id for t in terminals] == [39, 40]
        assert terminals[0].default
        assert courier.terminals("Казань") == ()
        booking = courier.book_pickup(request("shipment:terminal-1"))
        (body,) = created(standin)
        assert body["delivery"]["derival"]["variant"] == "terminal"
        assert body["delivery"]["derival"]["terminalID"] == 39
        assert booking.order_id in {str(r) for r in standin.orders}
        with pytest.raises(UnservedCityError):  # no terminal to hand the cargo in
            courier.quote("Казань", "Москва", BOOM)
    finally:
        courier.close()


def test_a_booking_carries_the_members_the_freight_and_the_key(
    standin: DellinStandin, courier: DellinCourier
) -> None:
    booking = courier.book_pickup(request("shipment:members-1", comment="Хрупкое"))
    (body,) = created(standin)
    assert body["cargo"]["freightUID"] == FREIGHT_UID
    assert body["inOrder"] is True
    assert body["orderNumber"].startswith("CO")
    assert len(body["orderNumber"]) == 32
    assert body["members"]["sender"]["counteragent"] == {"name": "ООО «Клиентский сервис»"}
    assert body["members"]["receiver"]["counteragent"] == {
        "name": "Белов Борис",
        "isAnonym": True,
        "phone": "79123456789",
    }
    assert body["delivery"]["derival"]["time"] == {"worktimeStart": "10:00", "worktimeEnd": "18:00"}
    assert body["comment"] == "Хрупкое"
    assert booking.tracking_number == booking.order_id
    assert int(booking.order_id) in standin.orders


def test_without_a_freight_uid_or_an_account_nothing_is_booked(standin: DellinStandin) -> None:
    for options in ({"freight_uid": None}, {"login": None, "password": None}):
        courier = _courier(standin.base_url, **options)
        try:
            with pytest.raises(CourierError) as caught:
                courier.book_pickup(request("shipment:nothing-1"))
            assert caught.value.operation == "book_pickup"
        finally:
            courier.close()
    assert standin.orders == {}


# ------------------------------------------------------------------------------ sessions


def test_a_refused_session_logs_in_again_once(
    standin: DellinStandin, courier: DellinCourier
) -> None:
    courier.book_pickup(request("shipment:session-1"))
    assert standin.logins == 1
    standin.expire_sessions()
    booking = courier.book_pickup(request("shipment:session-2"))
    assert standin.logins == 2
    assert len(standin.orders) == 2
    assert courier.track(booking.order_id).status is ShipmentStatus.CREATED


def test_a_session_refused_again_after_the_login_does_not_loop(
    standin: DellinStandin, courier: DellinCourier, monkeypatch: pytest.MonkeyPatch
) -> None:
    courier.quote("Москва", "Омск", BOOM)
    original = standin.handle

    def refuse(path: str, body: dict[str, Any]) -> tuple[int, Any]:
        answer = original(path, body)
        standin.expire_sessions()  # every session dies at once
        return answer

    monkeypatch.setattr(standin, "handle", refuse)
    standin.expire_sessions()
    with pytest.raises(CourierError, match="refused after a new login"):
        courier.book_pickup(request("shipment:loop-1"))
    assert standin.logins == 2
    assert standin.orders == {}


@pytest.mark.parametrize("account", ["password", "pat"])
def test_bad_credentials_are_a_courier_error_without_them(
    standin: DellinStandin, account: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "Wr0ng-Secret-42"
    options: dict[str, Any] = (
        {"password": wrong} if account == "password" else {"login": None, "pat": wrong}
    )
    courier = _courier(standin.base_url, **options)
    try:
        with pytest.raises(CourierError) as caught:
            courier.book_pickup(request("shipment:bad-1"))
        assert caught.value.codes == ("100003",)
        assert standin.logins == 1  # no loop
        texts = [str(caught.value), repr(caught.value), repr(courier), caplog.text]
        assert not [t for t in texts if wrong in t or APPKEY in t]
    finally:
        courier.close()


def test_a_personal_access_token_opens_the_session(standin: DellinStandin) -> None:
    courier = _courier(standin.base_url, login=None, password=None, pat=PAT)
    try:
        courier.book_pickup(request("shipment:pat-1"))
        assert [c[0] for c in standin.calls].count("/v4/auth/login.json") == 1
        assert len(standin.orders) == 1
    finally:
        courier.close()


def test_no_secret_in_an_error_even_when_the_carrier_echoes_it(
    standin: DellinStandin, courier: DellinCourier, monkeypatch: pytest.MonkeyPatch
) -> None:
    courier.quote("Москва", "Омск", BOOM)

    def echo(path: str, body: dict[str, Any]) -> tuple[int, Any]:
        detail = f"appkey {body['appkey']} session {body.get('sessionID')} refused"
        return 400, {"metadata": {"status": 400}, "errors": [{"code": 1, "detail": detail}]}

    monkeypatch.setattr(standin, "handle", echo)
    with pytest.raises(CourierError) as caught:
        courier.quote("Москва", "Омск", BOOM)
    (session,) = standin.sessions
    assert APPKEY not in str(caught.value)
    assert session not in str(caught.value)
    assert "appkey *** session *** refused" in str(caught.value)


# ------------------------------------------------------------------------------ refusals


def test_limits_are_refused_before_any_call_naming_the_field(
    standin: DellinStandin, courier: DellinCourier
) -> None:
    too_long = Parcel(50_000, Dimensions(1400, 40, 40))
    with pytest.raises(ParcelRefusedError) as caught:
        courier.quote("Москва", "Омск", too_long)
    assert (caught.value.backend, caught.value.field) == ("dellin", "dimensions")
    with pytest.raises(ParcelRefusedError) as heavy:
        courier.book_pickup(request("shipment:heavy-1", Parcel(MAX_WEIGHT_KG * 1000 + 1)))
    assert heavy.value.field == "weight_grams"
    assert standin.calls == []
    wider = _courier(standin.base_url, max_size_cm=(1500, 300, 300), max_weight_kg=30_000)
    try:
        with pytest.raises(CourierError) as refused:  # the carrier's own range refuses it
            wider.quote("Москва", "Омск", Parcel(25_000_000))
        assert refused.value.codes == ("281017",)
        assert "cargo.totalWeight" in str(refused.value)
        assert wider.quote("Москва", "Омск", too_long).price.amount > 0
    finally:
        wider.close()


def test_a_contract_price_is_no_quote(standin: DellinStandin, courier: DellinCourier) -> None:
    standin.contract_price = True
    with pytest.raises(PriceOnRequestError) as caught:
        courier.quote("Москва", "Омск", BOOM)
    assert caught.value.operation == "quote"


def test_an_errors_envelope_is_a_refusal_even_with_status_200(
    standin: DellinStandin, courier: DellinCourier, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: str, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {
            "metadata": {"status": 200},
            "errors": [{"code": 117004, "title": "значение не найдено в справочнике",
                        "fields": ["requester"], "badValues": ["0x1"]}],
        }  # fmt: skip

    monkeypatch.setattr(standin, "handle", refuse)
    with pytest.raises(CourierError) as caught:
        courier.quote("Москва", "Омск", BOOM)
    assert caught.value.codes == ("117004",)
    assert "значение не найдено в справочнике (requester)" in str(caught.value)


# ------------------------------------------------------------------------------ faults


@pytest.mark.parametrize("fault", ["500", "garbage", "timeout"])
def test_a_failed_creation_books_nothing_and_a_retry_books_once(
    standin: DellinStandin, courier: DellinCourier, fault: str
) -> None:
    standin.inject("/v2/request.json", fault)
    with pytest.raises(CourierError) as caught:
        courier.book_pickup(request("shipment:f-1"))
    assert (caught.value.backend, caught.value.operation) == ("dellin", "book_pickup")
    assert standin.orders == {}
    first = courier.book_pickup(request("shipment:f-1"))
    assert courier.book_pickup(request("shipment:f-1")) == first
    assert len(standin.orders) == 1


def test_a_lost_answer_books_once(standin: DellinStandin, courier: DellinCourier) -> None:
    standin.inject("/v2/request.json", "lost")
    with pytest.raises(CourierError, match="no answer in time"):
        courier.book_pickup(request("shipment:lost-1"))
    assert len(standin.orders) == 1  # made, the answer lost
    booking = courier.book_pickup(request("shipment:lost-1"))
    assert len(standin.orders) == 1
    assert len(created(standin)) == 1
    assert booking.order_id == str(next(iter(standin.orders)))


@pytest.mark.parametrize("fault", ["500", "garbage", "timeout"])
def test_a_failed_journal_lookup_books_nothing(
    standin: DellinStandin, courier: DellinCourier, fault: str
) -> None:
    standin.inject("/v3/orders.json", fault)
    with pytest.raises(CourierError):
        courier.book_pickup(request("shipment:j-1"))
    assert standin.orders == {}


def test_the_envelope_spelled_metadata_is_read(
    standin: DellinStandin, courier: DellinCourier
) -> None:
    standin.inject("/v2/calculator.json", "MetaData")
    assert courier.quote("Москва", "Омск", BOOM).price.amount > 0


# ------------------------------------------------------------------------------ tracking


def test_an_order_is_tracked_through_its_states_with_its_history(
    standin: DellinStandin, courier: DellinCourier
) -> None:
    booking = courier.book_pickup(request("shipment:track-1"))
    request_id = int(booking.order_id)
    expected = {
        "pickup": ShipmentStatus.CREATED,
        "received": ShipmentStatus.PICKED_UP,
        "inway": ShipmentStatus.IN_TRANSIT,
        "arrived": ShipmentStatus.ARRIVED,
        "delivery": ShipmentStatus.OUT_FOR_DELIVERY,
        "finished": ShipmentStatus.DELIVERED,
    }
    for state, status in expected.items():
        standin.advance(request_id, state)
        tracking = courier.track(booking.order_id)
        assert tracking.status is status, state
    assert tracking.tracking_number == str(standin.orders[request_id]["orderId"])
    assert [s.code for s in tracking.history] == ["processing", *expected]
    assert tracking.history[-1].description == "Заказ завершён"
    assert tracking.status.is_final
    standin.advance(request_id, "something_new")
    assert courier.track(booking.order_id).status is ShipmentStatus.IN_TRANSIT


def test_the_waybill_is_pending_until_the_cargo_is_received(
    standin: DellinStandin, courier: DellinCourier
) -> None:
    booking = courier.book_pickup(request("shipment:pdf-1"))
    assert courier.waybill(booking.order_id) is None
    standin.advance(int(booking.order_id), "received")
    pdf = courier.waybill(booking.order_id)
    assert pdf is not None
    assert pdf.startswith(b"%PDF")


# ------------------------------------------------------------------------------ cancelling


def test_a_pickup_is_not_cancelled_after_the_cutoff_or_once_received(
    standin: DellinStandin, courier: DellinCourier
) -> None:
    late = courier.book_pickup(request("shipment:late-1"))
    standin.now = datetime(2025, 6, 24, 14, 0, tzinfo=UTC)  # 17:00 in Moscow, the day before
    with pytest.raises(CourierError) as caught:
        courier.cancel(late.order_id)
    assert caught.value.codes == ("608010",)
    assert courier.track(late.order_id).status is ShipmentStatus.CREATED
    standin.now = NOW
    gone = courier.book_pickup(request("shipment:gone-1"))
    standin.advance(int(gone.order_id), "received")
    with pytest.raises(CourierError, match="already with Dellin"):
        courier.cancel(gone.order_id)


def test_a_request_not_processed_yet_cannot_be_cancelled_but_is_tracked(
    standin: DellinStandin, courier: DellinCourier
) -> None:
    standin.auto_process = False
    booking = courier.book_pickup(request("shipment:raw-1"))
    assert courier.track(booking.order_id).status is ShipmentStatus.CREATED
    with pytest.raises(CourierError, match="not processed"):
        courier.cancel(booking.order_id)
    standin.process(int(booking.order_id))
    courier.cancel(booking.order_id)
    assert courier.track(booking.order_id).status is ShipmentStatus.CANCELLED


def test_an_order_unknown_to_dellin_is_not_found(courier: DellinCourier) -> None:
    for operation in ("track", "cancel", "waybill"):
        with pytest.raises(ShipmentNotFoundError) as caught:
            getattr(courier, operation)("123456789")
        assert caught.value.operation == operation


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"derival": "airport"}, "derival"),
        ({"max_weight_kg": 0}, "max_weight_kg"),
        ({"max_size_cm": (1360, 245)}, "max_size_cm"),
        ({"default_size_cm": (40, -1, 20)}, "default_size_cm"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_options_that_cannot_work_are_refused_by_name(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        DellinCourier(APPKEY, **options)
    with pytest.raises(ConfigurationError, match="appkey"):
        DellinCourier(" ")


def test_a_terminal_direction_is_checked(courier: DellinCourier) -> None:
    with pytest.raises(ValidationError) as caught:
        courier.terminals("Москва", "sideways")
    assert caught.value.errors[0].path == "direction"


# ------------------------------------------------------------------------------ the plugin


def test_the_plugin_opens_it_by_name_with_its_key(
    standin: DellinStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = PluginHost(entry_points=False).load()
    assert "dellin" in host.couriers()
    for name in ("DELLIN_APPKEY", "DELLIN_LOGIN", "DELLIN_PASSWORD", "DELLIN_PAT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="DELLIN_APPKEY"):
        host.open_courier("dellin")
    monkeypatch.setenv("DELLIN_APPKEY", APPKEY)
    monkeypatch.setenv("DELLIN_PAT", PAT)
    courier = host.open_courier(
        "dellin", base_url=standin.base_url, freight_uid=FREIGHT_UID, clock=lambda: NOW
    )
    try:
        assert courier.name == "dellin"
        assert courier.book_pickup(request("shipment:plugin-1")).courier == "dellin"
        assert PAT not in repr(courier)
        assert APPKEY not in repr(courier)
    finally:
        courier.close()


# ------------------------------------------------------------------------------ supply


STORES = ("memory", "sqlite", "postgresql")


@pytest.fixture(params=STORES)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clientops.db'}"
    postgres_url: str = request.getfixturevalue("postgres_url")
    return postgres_url


@pytest.fixture
def ops(url: str) -> Iterator[ClientOps]:
    host = PluginHost(entry_points=False)
    ops = ClientOps(
        host.load().open_storage(url),
        host=host,
        clock=lambda: datetime(2025, 6, 23, 7, 0, tzinfo=UTC),
    )
    ops.clients.add_staff(a_staff())
    yield ops
    ops.close()


def test_an_intercity_shipment_is_booked_through_dellin_once(
    ops: ClientOps, standin: DellinStandin, courier: DellinCourier
) -> None:
    client = ops.clients.add(a_client(name="ООО «Ромашка»", city="Новосибирск"))
    supply = Supply(
        ops,
        couriers={CarrierKind.TRANSPORT_COMPANY: courier},
        sender=SENDER,
    )
    supply.add_stock("Склад в бизнес-парке", "Турникет T-3", 2)
    line = ShipmentLine(
        "Турникет T-3", 2, "Склад в бизнес-парке", unit_grams=20_000, unit_price=Money(75000)
    )
    planned = supply.plan_shipment(
        client.id, reason="Турникеты", city="Новосибирск", address="ул. Блюхера, 32", lines=(line,)
    )
    assert planned.carrier is CarrierKind.TRANSPORT_COMPANY
    standin.inject("/v2/request.json", "lost")
    with pytest.raises(CourierError):
        supply.book(planned.id, recipient=RECIPIENT)
    assert supply.shipment(planned.id).stage is ShipmentStage.PLANNED
    assert ops.billing.payment_plan().awaiting == ()
    booked = supply.book(planned.id, recipient=RECIPIENT)
    assert booked.stage is ShipmentStage.BOOKED
    assert booked.courier == "dellin"
    assert booked.order_id == str(next(iter(standin.orders)))
    assert len(standin.orders) == 1
    assert booked.price is not None
    assert booked.price.amount > 0
    (bill,) = ops.billing.payment_plan().awaiting
    assert bill.supplier == "Деловые Линии"
    standin.advance(int(booked.order_id), "finished")
    assert courier.track(booked.order_id).status is ShipmentStatus.DELIVERED
