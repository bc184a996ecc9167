"""The courier kit (``clientops.testing.CourierContract``) against the built-in couriers: the
offline one, CDEK over its loopback stand-in (tests/cdek_standin.py) and Деловые Линии over
its own (tests/dellin_standin.py). Dostavista's runs in tests/test_dostavista.py."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
from tests.cdek_standin import CLIENT_ID, CLIENT_SECRET, MAX_WEIGHT, CdekStandin
from tests.dellin_standin import APPKEY, FREIGHT_UID, LOGIN, MAX_WEIGHT_KG, PASSWORD, DellinStandin

from clientops.adapters.cdek import CdekCourier
from clientops.adapters.dellin import DellinCourier
from clientops.adapters.offline_courier import OfflineCourier, OfflineZone
from clientops.courier import Parcel
from clientops.errors import ParcelRefusedError
from clientops.model import Money
from clientops.testing import CourierContract

NOW = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)


class TestOfflineCourier(CourierContract):
    destination = "Омск"
    refused_weight_grams = 30_001

    @pytest.fixture
    def courier(self) -> OfflineCourier:
        return OfflineCourier(clock=lambda: NOW)

    @pytest.fixture
    def carrier_bookings(self, courier: OfflineCourier) -> Callable[[], int]:
        return lambda: len(courier.bookings())

    @pytest.fixture
    def failing_courier(self) -> OfflineCourier:
        # a zone table that covers no route between two cities: every price fails
        zone = OfflineZone(1, 0, 1, 2, Money(100), Money(10))
        return OfflineCourier(clock=lambda: NOW, zones=[zone])


def test_the_offline_weight_limit_counts_the_volumetric_weight() -> None:
    from clientops.courier import Dimensions

    courier = OfflineCourier(clock=lambda: NOW, max_weight_grams=10_000)
    bulky = Parcel(weight_grams=1000, dimensions=Dimensions(50, 40, 30))  # 12 kg by volume
    with pytest.raises(ParcelRefusedError, match="12000 g"):
        courier.quote("Москва", "Омск", bulky)
    assert courier.quote("Москва", "Омск", Parcel(weight_grams=10_000)).price.amount > 0


class TestCdekCourier(CourierContract):
    destination = "Новосибирск"
    refused_weight_grams = MAX_WEIGHT + 1

    @pytest.fixture
    def standin(self) -> Iterator[CdekStandin]:
        with CdekStandin(today=date(2025, 6, 23)) as server:
            yield server

    def _cdek(self, base_url: str) -> CdekCourier:
        return CdekCourier(
            CLIENT_ID,
            CLIENT_SECRET,
            base_url=base_url,
            timeout=0.5,
            poll_interval=0.0,
            poll_attempts=5,
        )

    @pytest.fixture
    def courier(self, standin: CdekStandin) -> Iterator[CdekCourier]:
        courier = self._cdek(standin.base_url)
        yield courier
        courier.close()

    @pytest.fixture
    def carrier_bookings(self, standin: CdekStandin) -> Callable[[], int]:
        return lambda: sum(1 for o in standin.orders.values() if o["outcome"] != "INVALID")

    @pytest.fixture
    def failing_courier(self) -> Iterator[CdekCourier]:
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        courier = self._cdek(f"http://127.0.0.1:{port}/v2")
        yield courier
        courier.close()


def _dellin(base_url: str) -> DellinCourier:
    return DellinCourier(
        APPKEY,
        login=LOGIN,
        password=PASSWORD,
        freight_uid=FREIGHT_UID,
        base_url=base_url,
        timeout=0.5,
        clock=lambda: NOW,
    )


class TestDellinCourier(CourierContract):
    destination = "Новосибирск"
    refused_weight_grams = MAX_WEIGHT_KG * 1000 + 1

    @pytest.fixture
    def standin(self) -> Iterator[DellinStandin]:
        with DellinStandin(now=NOW) as server:
            yield server

    @pytest.fixture
    def courier(self, standin: DellinStandin) -> Iterator[DellinCourier]:
        courier = _dellin(standin.base_url)
        yield courier
        courier.close()

    @pytest.fixture
    def carrier_bookings(self, standin: DellinStandin) -> Callable[[], int]:
        return lambda: len(standin.orders)

    @pytest.fixture
    def failing_courier(self) -> Iterator[DellinCourier]:
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        courier = _dellin(f"http://127.0.0.1:{port}")
        yield courier
        courier.close()
