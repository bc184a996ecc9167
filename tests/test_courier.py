"""The courier port: the offline courier, the CDEK adapter against a loopback stand-in that
speaks CDEK v2's wire format, and courier plugins through PluginHost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from tests.cdek_standin import CLIENT_ID, CLIENT_SECRET, CdekStandin

from clientops import ConfigurationError, Money, Phone, PluginError, PluginHost, hookimpl
from clientops.adapters.cdek import CdekCourier, status_of
from clientops.adapters.offline_courier import OfflineCity, OfflineCourier, OfflineZone
from clientops.courier import (
    Address,
    Booking,
    Courier,
    Dimensions,
    Parcel,
    Party,
    PickupRequest,
    Quote,
    ShipmentStatus,
)
from clientops.errors import (
    BackendError,
    CourierError,
    ShipmentNotFoundError,
    UnservedCityError,
    ValidationError,
)

MOSCOW_TZ = "Europe/Moscow"
#: Monday 23 June 2025, 10:00 in Moscow.
NOW = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)


def a_party(city: str, name: str = "Смирнова Анна", phone: str = "+7 912 345-67-89") -> Party:
    return Party(name, Phone.parse(phone), Address(city, "ул. Ленина, 1"))


def a_request(
    key: str = "pickup:order-1",
    *,
    origin: str = "Москва",
    destination: str = "Новосибирск",
    pickup_date: date = date(2025, 6, 24),
    parcel: Parcel | None = None,
) -> PickupRequest:
    return PickupRequest(
        key=key,
        parcel=parcel or Parcel(weight_grams=2500, declared_value=Money(1000)),
        sender=a_party(origin),
        recipient=attrs.evolve(a_party(destination, "Иванов Пётр"), company="ООО «Ромашка»"),
        pickup_date=pickup_date,
        window_from=time(10, 0),
        window_to=time(18, 0),
    )


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# =========================================================================== the port


def test_values_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="weight_grams"):
        Parcel(weight_grams=0)
    with pytest.raises(ValueError, match="height_cm"):
        Dimensions(10, 10, -1)
    with pytest.raises(ValueError, match="declared_value"):
        Parcel(weight_grams=1, declared_value=Money(-1))
    with pytest.raises(ValueError, match="key"):
        a_request(key="pickup order 1")  # a space
    with pytest.raises(ValueError, match="key"):
        a_request(key="заказ-1")  # not ASCII: CDEK's order number must be
    with pytest.raises(ValueError, match="key"):
        a_request(key="pickup-1\n")
    with pytest.raises(ValueError, match="key"):
        a_request(key="k" * 65)
    with pytest.raises(ValueError, match="window"):
        attrs.evolve(a_request(), window_from=time(18, 0), window_to=time(10, 0))
    with pytest.raises(ValueError, match="days_max"):
        Quote("x", "a", "b", "t", Money(1), 5, 4)


def test_status_labels_and_finality() -> None:
    assert ShipmentStatus.DELIVERED.label == "Вручён"
    assert ShipmentStatus.DELIVERED.is_final
    assert not ShipmentStatus.IN_TRANSIT.is_final
    assert all(status.label for status in ShipmentStatus)


def test_courier_errors_carry_backend_operation_and_city() -> None:
    err = UnservedCityError("cdek", "quote", "Урюпинск", codes=("x",))
    assert isinstance(err, CourierError)
    assert isinstance(err, BackendError)
    assert (err.backend, err.operation, err.city, err.codes) == (
        "cdek",
        "quote",
        "Урюпинск",
        ("x",),
    )
    assert str(err) == "cdek: quote failed: city 'Урюпинск' is not served"
    missing = ShipmentNotFoundError("offline", "track", "OFF-1")
    assert isinstance(missing, LookupError)
    assert missing.order_id == "OFF-1"


# =========================================================================== offline courier


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def offline(clock: Clock) -> OfflineCourier:
    return OfflineCourier(clock=clock, timezone=MOSCOW_TZ)


def test_offline_courier_is_a_courier(offline: OfflineCourier) -> None:
    assert isinstance(offline, Courier)
    assert offline.name == "offline"


def test_offline_quote_from_the_shipped_table(offline: OfflineCourier) -> None:
    quote = offline.quote("Москва", "Омск", Parcel(weight_grams=1500, declared_value=Money(5000)))
    # ~2240 km: zone 3 (≤ 3000 km): 550 + 80 × 2 started kg + 0.75 % of 5000
    assert quote == Quote("offline", "Москва", "Омск", "zone-3", Money("747.50"), 4, 7)
    assert quote.delivery_window(date(2025, 6, 24)) == (date(2025, 6, 28), date(2025, 7, 1))


def test_offline_quote_matches_city_names_loosely(offline: OfflineCourier) -> None:
    parcel = Parcel(weight_grams=800)
    exact = offline.quote("Москва", "Орёл", parcel)
    assert offline.quote("г. москва", "ОРЕЛ", parcel) == exact
    assert offline.quote("  Москва ", "орёл", parcel) == exact
    assert exact.destination == "Орёл"


def test_offline_quote_prices_by_zone_weight_and_volume(offline: OfflineCourier) -> None:
    light = offline.quote("Москва", "Москва", Parcel(weight_grams=1000))
    assert (light.tariff, light.price, light.days_min, light.days_max) == (
        "zone-0",
        Money("265.00"),
        1,
        2,
    )
    heavy = offline.quote("Москва", "Москва", Parcel(weight_grams=1001))
    assert heavy.price == Money("280.00")  # a started kilogram counts
    bulky = Parcel(weight_grams=1000, dimensions=Dimensions(50, 40, 30))  # 12 kg by volume
    assert offline.quote("Москва", "Москва", bulky).price == Money(250 + 15 * 12)
    far = offline.quote("Москва", "Владивосток", Parcel(weight_grams=1000))
    assert far.tariff == "zone-5"
    assert far.days_min > offline.quote("Москва", "Омск", Parcel(weight_grams=1000)).days_min


def test_offline_remote_cities_take_longer(offline: OfflineCourier) -> None:
    parcel = Parcel(weight_grams=1000)
    krasnoyarsk = offline.quote("Новосибирск", "Красноярск", parcel)
    norilsk = offline.quote("Новосибирск", "Норильск", parcel)
    assert norilsk.days_min >= krasnoyarsk.days_min + 3


def test_offline_unserved_city(offline: OfflineCourier) -> None:
    with pytest.raises(UnservedCityError) as caught:
        offline.quote("Москва", "Урюпинск", Parcel(weight_grams=1000))
    err = caught.value
    assert (err.backend, err.operation, err.city) == ("offline", "quote", "Урюпинск")
    with pytest.raises(UnservedCityError, match="Атлантида") as caught:
        offline.book_pickup(a_request(destination="Атлантида"))
    assert caught.value.operation == "book_pickup"


def test_offline_table_overridden_by_a_file(tmp_path: Path, clock: Clock) -> None:
    cities = tmp_path / "cities.csv"
    cities.write_text(
        "city,region,latitude,longitude,extra_days\n"
        "Посёлок Северный,Тестовая область,60.0,30.0,2\n"
        "Южный,Тестовая область,59.0,30.0,\n",
        encoding="utf-8",
    )
    zones = tmp_path / "zones.csv"
    zones.write_text(
        "zone,max_km,days_min,days_max,base_price,price_per_kg\n"
        "1,50,1,1,100,10\n"
        "2,,3,4,200.50,20\n",
        encoding="utf-8",
    )
    courier = OfflineCourier(cities=cities, zones=str(zones), clock=clock, insurance_rate="0")
    assert courier.cities() == ("Посёлок Северный", "Южный")
    quote = courier.quote("поселок северный", "Южный", Parcel(weight_grams=1500))
    # 111 km: zone 2; 2 extra days for the remote village
    assert quote == Quote("offline", "Посёлок Северный", "Южный", "zone-2", Money("240.50"), 5, 6)
    with pytest.raises(UnservedCityError):
        courier.quote("Москва", "Южный", Parcel(weight_grams=1000))


def test_offline_table_overridden_by_rows(clock: Clock) -> None:
    courier = OfflineCourier(
        cities=[OfflineCity("Омск", "Омская область", 54.99, 73.32)],
        zones=[OfflineZone(0, None, 0, 1, Money(100), Money(0))],
        clock=clock,
    )
    assert courier.quote("Омск", "омск", Parcel(weight_grams=5000)).price == Money(100)
    with pytest.raises(UnservedCityError):
        courier.quote("Омск", "Москва", Parcel(weight_grams=5000))


def test_offline_bad_table_names_every_bad_line(tmp_path: Path) -> None:
    cities = tmp_path / "cities.csv"
    cities.write_text(
        "city,region,latitude,longitude,extra_days\n"
        "Омск,Омская область,54.99,73.32,0\n"
        ",Где-то,1,2,0\n"
        "Томск,Томская область,север,84.9,0\n"
        "Тара,Омская область,56.9,74.4,-1\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        OfflineCourier(cities=cities)
    assert caught.value.paths == ("line 3: city", "line 4: latitude", "line 5: extra_days")
    with pytest.raises(ValidationError, match="cannot read"):
        OfflineCourier(cities=tmp_path / "missing.csv")
    zones = tmp_path / "zones.csv"
    zones.write_text("zone,max_km,days_min,days_max,base_price,price_per_kg\n1,10,5,2,1,1\n")
    with pytest.raises(ValidationError, match="days_max"):
        OfflineCourier(zones=zones)


def test_offline_booking_is_once_per_key_and_deterministic(clock: Clock) -> None:
    first = OfflineCourier(clock=clock)
    booking = first.book_pickup(a_request("pickup:order-1"))
    assert booking.courier == "offline"
    assert booking.key == "pickup:order-1"
    assert booking.pickup_date == date(2025, 6, 24)
    assert first.book_pickup(a_request("pickup:order-1")) == booking
    other = first.book_pickup(a_request("pickup:order-2"))
    assert other.order_id != booking.order_id
    assert other.tracking_number != booking.tracking_number
    # another process, same key: the same ids
    again = OfflineCourier(clock=clock).book_pickup(a_request("pickup:order-1"))
    assert again == booking
    assert booking.tracking_number is not None
    assert len(booking.tracking_number) == 10
    assert booking.tracking_number.isdigit()


def test_offline_failed_booking_is_not_recorded(offline: OfflineCourier) -> None:
    with pytest.raises(UnservedCityError):
        offline.book_pickup(a_request("pickup:7", destination="Урюпинск"))
    with pytest.raises(CourierError, match="in the past") as caught:
        offline.book_pickup(a_request("pickup:7", pickup_date=date(2025, 6, 22)))
    assert caught.value.operation == "book_pickup"
    # the failed attempts left nothing behind: the key books what is asked now
    booking = offline.book_pickup(a_request("pickup:7", destination="Омск"))
    assert offline.track(booking.order_id).history[0].city == "Москва"
    assert offline.quote("Москва", "Омск", Parcel(weight_grams=1)).destination == "Омск"


def test_offline_tracking_follows_the_clock(offline: OfflineCourier, clock: Clock) -> None:
    booking = offline.book_pickup(a_request())  # Москва → Новосибирск: 4–7 days
    statuses: list[ShipmentStatus] = []
    for moment in (
        datetime(2025, 6, 23, 12, 0),  # before the pickup
        datetime(2025, 6, 24, 10, 0),  # the window opens: collected
        datetime(2025, 6, 24, 20, 0),  # on its way
        datetime(2025, 6, 29, 9, 0),  # 24 + (4 + 7) // 2 days: arrived
        datetime(2025, 6, 29, 11, 0),
        datetime(2025, 6, 29, 15, 0),
    ):
        clock.now = moment.replace(tzinfo=offline._tz)
        statuses.append(offline.track(booking.order_id).status)
    assert statuses == [
        ShipmentStatus.CREATED,
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.ARRIVED,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.DELIVERED,
    ]
    tracking = offline.track(booking.order_id)
    assert [e.status for e in tracking.history] == statuses
    assert [e.at for e in tracking.history] == sorted(e.at for e in tracking.history)
    assert tracking.history[-1].city == "Новосибирск"
    assert tracking.history[-1].description == "Вручён"
    assert tracking.tracking_number == booking.tracking_number


def test_offline_cancel(offline: OfflineCourier, clock: Clock) -> None:
    booking = offline.book_pickup(a_request())
    offline.cancel(booking.order_id)
    offline.cancel(booking.order_id)  # again: nothing more
    tracking = offline.track(booking.order_id)
    assert tracking.status is ShipmentStatus.CANCELLED
    assert [e.status for e in tracking.history] == [
        ShipmentStatus.CREATED,
        ShipmentStatus.CANCELLED,
    ]
    with pytest.raises(CourierError, match="cancelled; book again with a new key"):
        offline.book_pickup(a_request())
    collected = offline.book_pickup(a_request("pickup:order-2"))
    clock.now = datetime(2025, 6, 24, 10, 30, tzinfo=offline._tz)
    with pytest.raises(CourierError, match="no longer be cancelled") as caught:
        offline.cancel(collected.order_id)
    assert caught.value.operation == "cancel"
    assert offline.track(collected.order_id).status is ShipmentStatus.PICKED_UP


def test_offline_unknown_order(offline: OfflineCourier) -> None:
    with pytest.raises(ShipmentNotFoundError) as caught:
        offline.track("OFF-NOPE")
    assert (caught.value.backend, caught.value.operation) == ("offline", "track")
    with pytest.raises(ShipmentNotFoundError):
        offline.cancel("OFF-NOPE")


# =========================================================================== CDEK


@pytest.fixture
def standin() -> Iterator[CdekStandin]:
    with CdekStandin(today=date(2025, 6, 23)) as server:
        yield server
    # a late answer the client gave up on may fail to write; nothing else may fail
    unexpected = [e for e in server.handler_errors if not isinstance(e, ConnectionError)]
    assert not unexpected


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


CdekFactory = Callable[..., CdekCourier]


@pytest.fixture
def make_cdek(standin: CdekStandin, monotonic: Monotonic) -> Iterator[CdekFactory]:
    made: list[CdekCourier] = []

    def make(**options: Any) -> CdekCourier:
        settings: dict[str, Any] = {
            "base_url": standin.base_url,
            "timeout": 0.5,
            "poll_interval": 0.0,
            "poll_attempts": 5,
            "clock": monotonic,
        }
        settings.update(options)
        courier = CdekCourier(
            settings.pop("client_id", CLIENT_ID),
            settings.pop("client_secret", CLIENT_SECRET),
            **settings,
        )
        made.append(courier)
        return courier

    yield make
    for courier in made:
        courier.close()


@pytest.fixture
def cdek(make_cdek: CdekFactory) -> CdekCourier:
    return make_cdek()


def a_cdek_request(key: str = "pickup-order-1", **overrides: Any) -> PickupRequest:
    overrides.setdefault("pickup_date", date(2025, 6, 24))
    return a_request(key, **overrides)


def test_cdek_is_a_courier(cdek: CdekCourier) -> None:
    assert isinstance(cdek, Courier)
    assert cdek.name == "cdek"
    assert CLIENT_SECRET not in repr(cdek)


def test_cdek_quote(cdek: CdekCourier, standin: CdekStandin) -> None:
    parcel = Parcel(weight_grams=2500, declared_value=Money(1000))
    quote = cdek.quote("москва", "Новосибирск", parcel)
    # route 44–270: 700 + 90 × 3 started kg, tariff 139 at full price, insurance 0.75 % of 1000
    assert quote == Quote("cdek", "Москва", "Новосибирск", "139", Money("977.50"), 3, 6)
    assert quote.price.amount == Decimal("977.5")  # exact: floats are never used


def test_cdek_quote_uses_volume_and_the_tariff_given(make_cdek: CdekFactory) -> None:
    cdek = make_cdek(tariff_code=136)
    bulky = Parcel(weight_grams=1000, dimensions=Dimensions(50, 40, 30))  # 12 kg by volume
    quote = cdek.quote("Москва", "Санкт-Петербург", bulky)
    assert quote.tariff == "136"
    assert quote.price == Money((450 + 40 * 12) * Decimal("0.8"))


def test_cdek_city_codes_are_cached(cdek: CdekCourier, standin: CdekStandin) -> None:
    parcel = Parcel(weight_grams=1000)
    cdek.quote("Москва", "Челябинск", parcel)
    cdek.quote("Москва", "Челябинск", parcel)
    cdek.quote("г. Москва", "челябинск", parcel)
    assert standin.calls("GET /location/cities") == 2
    assert standin.calls("POST /calculator/tariff") == 3


def test_cdek_unserved_city(cdek: CdekCourier) -> None:
    with pytest.raises(UnservedCityError) as caught:
        cdek.quote("Москва", "Урюпинск", Parcel(weight_grams=1000))
    err = caught.value
    assert (err.backend, err.operation, err.city) == ("cdek", "quote", "Урюпинск")


@pytest.mark.parametrize("status", [400, 200])
def test_cdek_unserved_route(make_cdek: CdekFactory, standin: CdekStandin, status: int) -> None:
    standin.calculator_error_status = status  # the documentation leaves both open
    with pytest.raises(CourierError) as caught:
        make_cdek().quote("Челябинск", "Санкт-Петербург", Parcel(weight_grams=1000))
    err = caught.value
    assert err.codes == ("err_result_service_empty",)
    assert (err.backend, err.operation) == ("cdek", "quote")
    assert "Выбранный тариф недоступен" in str(err)


def test_cdek_token_is_cached_until_it_expires(
    cdek: CdekCourier, standin: CdekStandin, monotonic: Monotonic
) -> None:
    parcel = Parcel(weight_grams=1000)
    cdek.quote("Москва", "Челябинск", parcel)
    cdek.quote("Москва", "Новосибирск", parcel)
    assert standin.token_requests == 1
    monotonic.now += 3599 - 31  # still 31 s left: kept
    cdek.quote("Москва", "Новосибирск", parcel)
    assert standin.token_requests == 1
    monotonic.now += 2  # within the last 30 s: a new one
    cdek.quote("Москва", "Новосибирск", parcel)
    assert standin.token_requests == 2


def test_cdek_token_refreshed_on_401(cdek: CdekCourier, standin: CdekStandin) -> None:
    parcel = Parcel(weight_grams=1000)
    cdek.quote("Москва", "Челябинск", parcel)
    standin.expire_tokens()
    quote = cdek.quote("Москва", "Новосибирск", parcel)
    assert quote.destination == "Новосибирск"
    assert standin.token_requests == 2
    # the refused call was made once more, with the new token
    assert standin.log[-4:] == [
        "GET /location/cities",
        "POST /oauth/token",
        "GET /location/cities",
        "POST /calculator/tariff",
    ]


def test_cdek_bad_account(make_cdek: CdekFactory) -> None:
    cdek = make_cdek(client_secret="wrong-secret")
    with pytest.raises(CourierError) as caught:
        cdek.quote("Москва", "Челябинск", Parcel(weight_grams=1000))
    err = caught.value
    assert err.codes == ("unauthorized",)
    assert err.operation == "quote"
    assert "No such account secure" in str(err)
    assert "wrong-secret" not in str(err)


@pytest.mark.parametrize(
    ("route", "fault", "message"),
    [
        ("GET /location/cities", "slow", "no answer to GET location/cities within 0.5 s"),
        ("GET /location/cities", "500", "v2_internal_error: Internal error"),
        ("GET /location/cities", "garbage", "not JSON: '<html>"),
        ("GET /location/cities", "drop", "RemoteProtocolError"),
        ("GET /location/cities", "empty", "the list of cities is not a list"),
        ("POST /calculator/tariff", "empty", "it has no 'total_sum'"),
        ("POST /calculator/tariff", "500", "CDEK answered 500"),
        ("POST /oauth/token", "garbage", "not JSON"),
        ("POST /oauth/token", "empty", "it has no 'access_token'"),
    ],
)
def test_cdek_failures_are_courier_errors(
    cdek: CdekCourier, standin: CdekStandin, route: str, fault: str, message: str
) -> None:
    standin.inject(route, fault)
    with pytest.raises(CourierError, match=r"^cdek: quote failed: ") as caught:
        cdek.quote("Москва", "Челябинск", Parcel(weight_grams=1000))
    assert message in str(caught.value)
    assert type(caught.value) is CourierError
    # the fault was one-off: the same call works now
    assert cdek.quote("Москва", "Челябинск", Parcel(weight_grams=1000)).origin == "Москва"


def test_cdek_connection_refused(make_cdek: CdekFactory) -> None:
    with CdekStandin() as gone:
        url = gone.base_url
    cdek = make_cdek(base_url=url)
    with pytest.raises(CourierError, match=r"cannot connect to http://127\.0\.0\.1") as caught:
        cdek.track("3f1c8b1e-0000-0000-0000-000000000000")
    assert caught.value.operation == "track"


def test_cdek_books_an_order_and_a_pickup(cdek: CdekCourier, standin: CdekStandin) -> None:
    request = a_cdek_request()
    booking = cdek.book_pickup(request)
    order = standin.orders[booking.order_id]["entity"]
    assert booking == Booking(
        courier="cdek",
        key="pickup-order-1",
        order_id=order["uuid"],
        tracking_number=order["cdek_number"],
        pickup_id=booking.pickup_id,
        pickup_date=date(2025, 6, 24),
    )
    # what went over the wire, in CDEK's terms
    assert order["number"] == "pickup-order-1"
    assert order["tariff_code"] == 139
    assert order["from_location"] == {"code": 44, "address": "ул. Ленина, 1"}
    assert order["to_location"]["code"] == 270
    assert order["recipient"] == {
        "name": "Иванов Пётр",
        "phones": [{"number": "+79123456789"}],
        "company": "ООО «Ромашка»",
    }
    (package,) = order["packages"]
    assert package["weight"] == 2500
    assert package["items"][0]["cost"] == 1000
    assert booking.pickup_id is not None
    intake = standin.intakes[booking.pickup_id]["entity"]
    assert intake["order_uuid"] == booking.order_id
    assert (intake["intake_date"], intake["intake_time_from"], intake["intake_time_to"]) == (
        "2025-06-24",
        "10:00",
        "18:00",
    )
    assert standin.intakes[booking.pickup_id]["requests"][0]["state"] == "SUCCESSFUL"


def test_cdek_the_same_key_books_once(cdek: CdekCourier, standin: CdekStandin) -> None:
    booking = cdek.book_pickup(a_cdek_request())
    assert cdek.book_pickup(a_cdek_request()) == booking
    assert standin.calls("POST /orders") == 1
    assert standin.calls("POST /intakes") == 1
    other = cdek.book_pickup(a_cdek_request("pickup-order-2"))
    assert other.order_id != booking.order_id
    assert other.tracking_number != booking.tracking_number


@pytest.mark.parametrize("fault", ["drop", "slow"])
def test_cdek_retry_after_a_lost_answer_books_once(
    cdek: CdekCourier, standin: CdekStandin, fault: str
) -> None:
    standin.inject("POST /orders", fault)
    with pytest.raises(CourierError) as caught:
        cdek.book_pickup(a_cdek_request())
    assert caught.value.operation == "book_pickup"
    assert len(standin.live_orders("pickup-order-1")) == 1  # CDEK did create it
    booking = cdek.book_pickup(a_cdek_request())
    assert standin.calls("POST /orders") == 1
    assert [o["uuid"] for o in standin.live_orders("pickup-order-1")] == [booking.order_id]
    assert booking.tracking_number == standin.orders[booking.order_id]["entity"]["cdek_number"]
    assert standin.calls("POST /intakes") == 1


def test_cdek_retry_after_a_lost_pickup_answer_sends_one_courier(
    cdek: CdekCourier, standin: CdekStandin
) -> None:
    standin.inject("POST /intakes", "drop")
    with pytest.raises(CourierError, match="RemoteProtocolError"):
        cdek.book_pickup(a_cdek_request())
    booking = cdek.book_pickup(a_cdek_request())
    assert standin.calls("POST /orders") == 1
    assert standin.calls("POST /intakes") == 1
    assert list(standin.intakes) == [booking.pickup_id]


def test_cdek_a_racing_second_order_is_refused_and_the_first_is_used(
    cdek: CdekCourier, standin: CdekStandin
) -> None:
    standin.inject("POST /orders", "drop")
    with pytest.raises(CourierError):
        cdek.book_pickup(a_cdek_request())
    # the lookup does not see the first order yet: a second one is sent, and CDEK refuses
    # its number as a duplicate
    standin.inject("GET /orders", "notfound")
    booking = cdek.book_pickup(a_cdek_request())
    assert standin.calls("POST /orders") == 2
    assert [o["uuid"] for o in standin.live_orders("pickup-order-1")] == [booking.order_id]
    refused = [o for o in standin.orders.values() if o["outcome"] == "INVALID"]
    assert len(refused) == 1
    assert refused[0]["requests"][0]["state"] == "INVALID"
    assert standin.calls("POST /intakes") == 1


@pytest.mark.parametrize("fault", ["500", "garbage", "empty"])
def test_cdek_an_order_that_failed_is_created_by_the_retry(
    cdek: CdekCourier, standin: CdekStandin, fault: str
) -> None:
    standin.inject("POST /orders", fault)
    with pytest.raises(CourierError):
        cdek.book_pickup(a_cdek_request())
    assert standin.live_orders("pickup-order-1") == []
    booking = cdek.book_pickup(a_cdek_request())
    assert [o["uuid"] for o in standin.live_orders("pickup-order-1")] == [booking.order_id]


def test_cdek_refused_pickup_is_not_a_booking(cdek: CdekCourier, standin: CdekStandin) -> None:
    too_late = a_cdek_request(pickup_date=date(2025, 8, 1))  # more than 31 days ahead
    with pytest.raises(CourierError, match="CDEK refused to book a courier") as caught:
        cdek.book_pickup(too_late)
    assert caught.value.codes == ("v2_bad_request",)
    assert standin.calls("POST /intakes") == 1
    assert standin.intakes == {}
    booking = cdek.book_pickup(a_cdek_request())  # corrected date, same key
    assert standin.calls("POST /orders") == 1
    assert booking.pickup_id in standin.intakes


def test_cdek_unserved_city_when_booking(cdek: CdekCourier, standin: CdekStandin) -> None:
    with pytest.raises(UnservedCityError) as caught:
        cdek.book_pickup(a_cdek_request(destination="Урюпинск"))
    assert caught.value.operation == "book_pickup"
    assert standin.calls("POST /orders") == 0


def test_cdek_still_processing_then_retry(make_cdek: CdekFactory, standin: CdekStandin) -> None:
    standin.processing_polls = 4
    impatient = make_cdek(poll_attempts=2)
    with pytest.raises(CourierError, match="still processing the CREATE request"):
        impatient.book_pickup(a_cdek_request())
    booking = make_cdek(poll_attempts=10).book_pickup(a_cdek_request())
    assert standin.calls("POST /orders") == 1
    assert booking.tracking_number is not None


def test_cdek_track(cdek: CdekCourier, standin: CdekStandin) -> None:
    booking = cdek.book_pickup(a_cdek_request())
    tracking = cdek.track(booking.order_id)
    assert tracking.status is ShipmentStatus.CREATED
    assert [e.code for e in tracking.history] == ["ACCEPTED", "CREATED"]  # oldest first
    assert [e.description for e in tracking.history] == ["Принят", "Создан"]
    assert tracking.tracking_number == booking.tracking_number
    steps = [
        ("RECEIVED_AT_SHIPMENT_WAREHOUSE", ShipmentStatus.PICKED_UP),
        ("SENT_TO_TRANSIT_CITY", ShipmentStatus.IN_TRANSIT),
        ("ACCEPTED_AT_PICK_UP_POINT", ShipmentStatus.ARRIVED),
        ("TAKEN_BY_COURIER", ShipmentStatus.OUT_FOR_DELIVERY),
        ("DELIVERED", ShipmentStatus.DELIVERED),
    ]
    for code, expected in steps:
        standin.add_status(booking.order_id, code, code.title(), city="Новосибирск")
        assert cdek.track(booking.order_id).status is expected
    tracking = cdek.track(booking.order_id)
    assert [e.code for e in tracking.history][-5:] == [code for code, _ in steps]
    assert tracking.history[-1].city == "Новосибирск"
    assert tracking.history[-1].at.utcoffset() is not None


def test_cdek_status_codes() -> None:
    assert status_of("READY_FOR_SHIPMENT_IN_TRANSIT_CITY") is ShipmentStatus.IN_TRANSIT
    assert status_of("MET_AT_RECIPIENT_OFFICE") is ShipmentStatus.ARRIVED
    assert status_of("ARRIVED_AT_RECIPIENT_CITY") is ShipmentStatus.ARRIVED
    assert status_of("NOT_DELIVERED") is ShipmentStatus.NOT_DELIVERED
    assert status_of("REMOVED") is ShipmentStatus.CANCELLED
    assert status_of("INVALID") is ShipmentStatus.PROBLEM
    assert status_of("SOMETHING_NEW") is ShipmentStatus.IN_TRANSIT


def test_cdek_track_unknown_order(cdek: CdekCourier) -> None:
    with pytest.raises(ShipmentNotFoundError) as caught:
        cdek.track("3f1c8b1e-0000-0000-0000-000000000000")
    err = caught.value
    assert (err.backend, err.operation) == ("cdek", "track")
    assert err.codes == ("v2_entity_not_found",)


def test_cdek_track_garbage_dates(cdek: CdekCourier, standin: CdekStandin) -> None:
    booking = cdek.book_pickup(a_cdek_request())
    standin.orders[booking.order_id]["entity"]["statuses"][0]["date_time"] = "вчера"
    with pytest.raises(CourierError, match="'вчера' is not a date and time"):
        cdek.track(booking.order_id)


def test_cdek_cancel(cdek: CdekCourier, standin: CdekStandin) -> None:
    booking = cdek.book_pickup(a_cdek_request())
    cdek.cancel(booking.order_id)
    assert cdek.track(booking.order_id).status is ShipmentStatus.CANCELLED
    assert booking.pickup_id is not None
    intake_statuses = standin.intakes[booking.pickup_id]["entity"]["statuses"]
    assert intake_statuses[0]["code"] == "REMOVED"
    cdek.cancel(booking.order_id)  # again: nothing more is sent
    assert standin.calls("DELETE /orders/{uuid}") == 1
    assert standin.calls("DELETE /intakes/{uuid}") == 1
    with pytest.raises(CourierError, match="was cancelled; book again with a new key"):
        cdek.book_pickup(a_cdek_request())


def test_cdek_cannot_cancel_a_parcel_on_its_way(cdek: CdekCourier, standin: CdekStandin) -> None:
    booking = cdek.book_pickup(a_cdek_request())
    standin.add_status(booking.order_id, "RECEIVED_AT_SHIPMENT_WAREHOUSE", "Принят на склад")
    with pytest.raises(CourierError, match="CDEK refused to cancel") as caught:
        cdek.cancel(booking.order_id)
    assert caught.value.codes == ("v2_update_forbidden",)
    assert cdek.track(booking.order_id).status is ShipmentStatus.PICKED_UP
    assert standin.calls("DELETE /intakes/{uuid}") == 0


def test_cdek_cancel_unknown_order(cdek: CdekCourier) -> None:
    with pytest.raises(ShipmentNotFoundError):
        cdek.cancel("3f1c8b1e-0000-0000-0000-000000000000")


# =========================================================================== plugins


def test_builtin_couriers_are_registered() -> None:
    host = PluginHost(entry_points=False)
    assert sorted(host.couriers()) == ["cdek", "dellin", "dostavista", "offline"]
    assert "clientops.offline_courier" in host.plugin_names()
    courier = host.open_courier("Offline", clock=lambda: NOW)
    assert isinstance(courier, OfflineCourier)
    assert courier.quote("Москва", "Омск", Parcel(weight_grams=1000)).days_min == 4


def test_open_the_cdek_courier_through_the_host(standin: CdekStandin) -> None:
    host = PluginHost(entry_points=False)
    courier = host.open_courier(
        "cdek", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, base_url=standin.base_url
    )
    try:
        assert isinstance(courier, CdekCourier)
        assert courier.quote("Москва", "Челябинск", Parcel(weight_grams=1000)).tariff == "139"
    finally:
        courier.close()


def test_cdek_account_from_the_environment(
    standin: CdekStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = PluginHost(entry_points=False)
    monkeypatch.delenv("CDEK_CLIENT_ID", raising=False)
    monkeypatch.delenv("CDEK_CLIENT_SECRET", raising=False)
    with pytest.raises(ConfigurationError, match="CDEK_CLIENT_ID"):
        host.open_courier("cdek")
    monkeypatch.setenv("CDEK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("CDEK_CLIENT_SECRET", CLIENT_SECRET)
    courier = host.open_courier("cdek", base_url=standin.base_url)
    try:
        assert courier.quote("Москва", "Москва", Parcel(weight_grams=1)).days_min == 1
    finally:
        courier.close()


def test_unknown_courier_name() -> None:
    host = PluginHost(entry_points=False)
    with pytest.raises(
        ConfigurationError,
        match=r"no courier named 'dhl' \(registered: cdek, dellin, dostavista, offline\)",
    ):
        host.open_courier("dhl")


def test_a_third_party_courier_plugin(clock: Clock) -> None:
    class Pigeon(OfflineCourier):
        name = "pigeon"

    class PigeonPlugin:
        @hookimpl
        def clientops_register_courier(self, register: Any) -> None:
            register("pigeon", Pigeon)

    host = PluginHost(entry_points=False)
    host.register(PigeonPlugin(), name="pigeon")
    assert sorted(host.couriers()) == ["cdek", "dellin", "dostavista", "offline", "pigeon"]
    pigeon = host.open_courier("pigeon", clock=clock)
    assert pigeon.name == "pigeon"
    assert pigeon.quote("Москва", "Тверь", Parcel(weight_grams=10)).courier == "pigeon"
    with pytest.raises(UnservedCityError) as caught:
        pigeon.quote("Москва", "Урюпинск", Parcel(weight_grams=10))
    assert caught.value.backend == "pigeon"
    host.unregister("pigeon")
    assert "pigeon" not in host.couriers()


def test_a_courier_name_registered_twice() -> None:
    class Clash:
        @hookimpl
        def clientops_register_courier(self, register: Any) -> None:
            register("OFFLINE", OfflineCourier)

    host = PluginHost(entry_points=False)
    host.register(Clash(), name="clash")
    with pytest.raises(PluginError, match="courier 'OFFLINE' is registered twice"):
        host.couriers()


def test_a_factory_that_makes_no_courier() -> None:
    class Broken:
        @hookimpl
        def clientops_register_courier(self, register: Any) -> None:
            register("broken", lambda **options: object())

    host = PluginHost(entry_points=False)
    host.register(Broken(), name="broken")
    with pytest.raises(PluginError, match="not a Courier"):
        host.open_courier("broken")


def test_blocking_the_cdek_plugin() -> None:
    host = PluginHost(entry_points=False, environ={"CLIENTOPS_DISABLE_PLUGINS": "clientops.cdek"})
    assert sorted(host.couriers()) == ["dellin", "dostavista", "offline"]
