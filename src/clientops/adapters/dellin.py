"""Деловые Линии (Dellin), the transport company for intercity freight (сборный груз, LTL),
as a :class:`~clientops.courier.Courier`, over httpx.

It speaks the wire format of Dellin's API (``POST https://api.dellin.ru/<version>/<path>.json``,
JSON in and out, the ``appkey`` and the ``sessionID`` **in the body**, answers in a
``{"metadata": {"status": …}, "data": …}`` envelope, refusals in an ``errors[]`` list):

* **cities**: ``POST /v2/public/kladr.json`` (``q`` = the city's name) gives the city's KLADR
  code; a city the answer does not name exactly is :class:`~clientops.errors.UnservedCityError`.
  Codes are cached. :meth:`DellinCourier.terminals` lists a city's terminals
  (``/v1/public/request_terminals.json``).
* **quote**: ``POST /v2/calculator.json``, door to door (``variant: address``) unless
  ``derival="terminal"`` (the cargo handed in at the city's default terminal); the price is
  ``data.price`` (a contract price, ``price: null``, is :class:`PriceOnRequestError`), the
  days from the pickup to ``orderDates.derrivalToAddress``/``derivalToAddressMax``. With an
  account the calculator is called with the session, so the contract's discounts apply.
* **book_pickup**: ``POST /v2/request.json`` with the calculator's body, the cargo's
  ``freightUID`` (option ``freight_uid``), the sender and the receiver, and ``orderNumber``
  = a digest of the request's key. The booking's ``order_id`` is Dellin's ``requestID``.
* **track**: the orders journal (``POST /v3/orders.json``, ``docIds``) for the current state,
  ``POST /v3/orders/statuses_history.json`` for the history; Dellin's states are mapped to
  :class:`~clientops.courier.ShipmentStatus` (an unknown state is "in transit").
* **cancel**: ``POST /v3/orders/cancel_pickup.json`` (the API cannot cancel a whole order,
  only its courier legs). The request counts as cancelled once its ``request`` document reads
  ``canceled`` (or the order ``declined``).
* :meth:`DellinCourier.waybill` fetches the printable waybill (``POST /v1/printable.json``).

**Sessions.** ``login``/``password`` (``/v3/auth/login.json``) or a personal access token
``pat`` (``/v4/auth/login.json``) open a session on first need; a call refused for its session
(HTTP 401) logs in again **once** and is repeated, never in a loop. Without an account only the
public methods work (cities, terminals, the calculator at public prices, tracking).

**Booking once per key.** The API takes no idempotency key. Every request carries the key's
digest as ``orderNumber``, and a booking first searches the orders journal for it: an order
found is the one a previous attempt made (its answer lost to a 500, a garbled body or a
timeout), and is returned instead of a new one. A cancelled one makes the key spent.

**Limits.** A parcel heavier than ``max_weight_kg`` or longer/wider/higher than ``max_size_cm``
is refused before any call (:class:`~clientops.errors.ParcelRefusedError`). The defaults are a
standard semi-trailer's (20 t, 13.6 × 2.45 × 2.5 m), not figures from Dellin: change them to
your contract. Places longer than ``oversized_side_cm`` (3 m) or heavier than
``oversized_weight_kg`` (100 kg) are declared oversized (``cargo.oversizedWeight/Volume``).

**Errors.** Every failure is :class:`~clientops.errors.CourierError` with ``backend="dellin"``
and the operation, Dellin's error codes in ``codes``; its message is built from the errors'
``title``/``detail``/``fields``. The app key, the password, the token and the session never
appear in an error (any echo of them is masked).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import httpx

from clientops._checks import fail
from clientops.courier import (
    Booking,
    Parcel,
    PickupRequest,
    Quote,
    ShipmentStatus,
    Tracking,
    TrackingStep,
)
from clientops.errors import (
    ConfigurationError,
    CourierError,
    ParcelRefusedError,
    ShipmentNotFoundError,
    UnservedCityError,
)
from clientops.model import Money, city_key

__all__ = [
    "BACKEND",
    "PRODUCTION_URL",
    "DellinCourier",
    "DellinTerminal",
    "PriceOnRequestError",
    "status_of",
]

BACKEND = "dellin"
#: Dellin has one host and no test environment: order operations touch real data.
PRODUCTION_URL = "https://api.dellin.ru"

#: Dellin's order states in clientops terms; any other state means the cargo is moving.
_STATES: Mapping[str, ShipmentStatus] = {
    "draft": ShipmentStatus.CREATED,
    "processing": ShipmentStatus.CREATED,
    "pickup": ShipmentStatus.CREATED,
    "waiting": ShipmentStatus.CREATED,
    "declined": ShipmentStatus.CANCELLED,
    "received": ShipmentStatus.PICKED_UP,
    "received_warehousing": ShipmentStatus.PICKED_UP,
    "inway": ShipmentStatus.IN_TRANSIT,
    "arrived": ShipmentStatus.ARRIVED,
    "warehousing": ShipmentStatus.ARRIVED,
    "arrived_to_airport": ShipmentStatus.ARRIVED,
    "airport_warehousing": ShipmentStatus.ARRIVED,
    "delivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "accompanying_documents_return": ShipmentStatus.DELIVERED,
    "finished": ShipmentStatus.DELIVERED,
}
#: States after which the pickup can no longer be cancelled: the cargo is in Dellin's hands.
_HANDED_OVER = frozenset(
    s for s, status in _STATES.items() if status not in (ShipmentStatus.CREATED,)
) - {"declined"}
_NOT_FOUND = "608001"
_CITY_PREFIX = re.compile(r"^(?:г\.|г |город )\s*", re.IGNORECASE)
_REQUEST_DOCUMENTS = ("request", "request_sf", "request_ftl")


def status_of(state: str) -> ShipmentStatus:
    """Dellin's order ``state`` as a :class:`~clientops.courier.ShipmentStatus`.

    >>> status_of("inway"), status_of("finished"), status_of("something_new")
    (<ShipmentStatus.IN_TRANSIT: 'in_transit'>, <ShipmentStatus.DELIVERED: 'delivered'>, \
<ShipmentStatus.IN_TRANSIT: 'in_transit'>)
    """
    return _STATES.get(state, ShipmentStatus.IN_TRANSIT)


class PriceOnRequestError(CourierError):
    """Dellin gave no price (``price: null``, a contract price): its manager confirms the cost
    after the order. Nothing was booked."""


@attrs.frozen
class DellinTerminal:
    """A Dellin terminal of a city: its id (``terminalID``), name and address, whether it is
    the city's default one."""

    id: int
    name: str
    address: str
    default: bool = False


class _SessionRefused(Exception):
    """A call refused for its session (HTTP 401): log in again once."""


def _reference(key: str) -> str:
    """The key as the request's ``orderNumber``: ``CO`` and 30 hex digits of its digest."""
    return "CO" + hashlib.sha256(key.encode()).hexdigest()[:30]


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def _day(value: object) -> date | None:
    """The day of a Dellin date (``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS``)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _options(
    appkey: str,
    derival: str,
    max_weight_kg: int,
    max_size_cm: tuple[int, int, int],
    default_size_cm: tuple[int, int, int],
    timeout: float,
) -> None:
    """Refuse options that cannot work, naming the first (ConfigurationError)."""
    if not isinstance(appkey, str) or not appkey.strip():
        raise ConfigurationError("the dellin courier needs its application key (appkey)")
    if derival not in ("address", "terminal"):
        raise ConfigurationError(f"derival must be 'address' or 'terminal', got {derival!r}")
    if not isinstance(max_weight_kg, int) or max_weight_kg <= 0:
        raise ConfigurationError(
            f"max_weight_kg must be a positive whole number of kg, got {max_weight_kg!r}"
        )
    for name, sizes in (("max_size_cm", max_size_cm), ("default_size_cm", default_size_cm)):
        if len(tuple(sizes)) != 3 or any(not isinstance(v, int) or v <= 0 for v in sizes):
            raise ConfigurationError(
                f"{name} must be three positive whole centimetres, got {sizes!r}"
            )
    if not timeout > 0:
        raise ConfigurationError(f"timeout must be positive seconds, got {timeout!r}")


class DellinCourier:
    """A Dellin account: ``appkey`` (the application key from dev.dellin.ru) and, to book and
    cancel, ``login``/``password`` or a personal access token ``pat``. ``freight_uid`` is the
    nature of the cargo (a UID of Dellin's freight directory), required by a request."""

    name = BACKEND

    def __init__(
        self,
        appkey: str,
        *,
        login: str | None = None,
        password: str | None = None,
        pat: str | None = None,
        freight_uid: str | None = None,
        base_url: str = PRODUCTION_URL,
        timeout: float = 15.0,
        derival: str = "address",
        requirements: tuple[str, ...] = (),
        max_weight_kg: int = 20_000,
        max_size_cm: tuple[int, int, int] = (1360, 245, 250),
        oversized_side_cm: int = 300,
        oversized_weight_kg: int = 100,
        default_size_cm: tuple[int, int, int] = (40, 30, 20),
        payment_type: str = "noncash",
        clock: Callable[[], datetime] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        _options(appkey, derival, max_weight_kg, max_size_cm, default_size_cm, timeout)
        self._appkey = appkey
        self._login = login
        self._password = password
        self._pat = pat
        self._freight = freight_uid
        self._derival = derival
        self._requirements = tuple(requirements)
        self._max_kg = max_weight_kg
        self._max_cm = tuple(sorted(max_size_cm, reverse=True))
        self._oversized_cm = oversized_side_cm
        self._oversized_kg = oversized_weight_kg
        self._default_cm = default_size_cm
        self._payment = payment_type
        self._clock = clock or (lambda: datetime.now(UTC))
        self._session: str | None = None
        self._codes: dict[str, str] = {}
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )
        self._closed = False

    def __repr__(self) -> str:
        return f"DellinCourier(base_url={str(self._client.base_url)!r})"

    # ------------------------------------------------------------------ the wire
    def _mask(self, text: str) -> str:
        for secret in (self._appkey, self._password, self._pat, self._session):
            if secret:
                text = text.replace(secret, "***")
        return text

    def _post(self, path: str, operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST ``body`` (the appkey added) and return the answer; a refusal or a failure is
        CourierError; HTTP 401 is _SessionRefused."""
        try:
            response = self._client.post(path, json={"appkey": self._appkey, **body})
        except httpx.TimeoutException:
            raise CourierError(self.name, operation, "no answer in time") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise CourierError(
                self.name, operation, f"not reachable ({type(exc).__name__})"
            ) from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code == 401:
            raise _SessionRefused
        if not isinstance(answer, dict):
            raise CourierError(
                self.name, operation, f"HTTP {response.status_code}: an answer that is not its JSON"
            )
        errors = answer.get("errors")
        meta = answer.get("metadata") or answer.get("MetaData") or {}
        status = meta.get("status", 200) if isinstance(meta, dict) else 200
        if errors or response.status_code >= 400 or status not in (200, "200"):
            self._refused(answer, response.status_code, operation)
        return answer

    def _problems(self, answer: dict[str, Any]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
        items = [e for e in answer.get("errors") or () if isinstance(e, dict)]
        return tuple(str(e.get("code")) for e in items if e.get("code") is not None), items

    def _refused(self, answer: dict[str, Any], http: int, operation: str) -> None:
        codes, items = self._problems(answer)
        texts = []
        for item in items:
            words = " — ".join(str(item[k]) for k in ("title", "detail") if item.get(k))
            fields = item.get("fields") or ()
            if fields:
                words += f" ({', '.join(map(str, fields))})"
            texts.append(f"{item.get('code', '?')}: {words}".strip())
        message = "; ".join(texts) or f"HTTP {http}: refused"
        raise CourierError(self.name, operation, self._mask(message), codes=codes)

    # ------------------------------------------------------------------ the session
    def _sign_in(self, operation: str) -> str:
        if self._pat:
            path, body = "/v4/auth/login.json", {"pat": self._pat}
        elif self._login and self._password:
            path, body = "/v3/auth/login.json", {"login": self._login, "password": self._password}
        else:
            raise CourierError(self.name, operation, "no account: pass login and password, or pat")
        try:
            answer = self._post(path, operation, body)
        except _SessionRefused:
            raise CourierError(self.name, operation, "the login was refused") from None
        data = answer.get("data")
        session = data.get("sessionID") if isinstance(data, dict) else None
        if not isinstance(session, str) or not session:
            raise CourierError(self.name, operation, "the login answer has no sessionID")
        self._session = session
        return session

    @property
    def _has_account(self) -> bool:
        return bool(self._pat or (self._login and self._password))

    def _call(
        self, path: str, operation: str, body: Mapping[str, Any], *, session: bool = False
    ) -> dict[str, Any]:
        """POST with the session when ``session`` (logging in first, and once more when the
        session is refused), else without one."""
        if not session:
            try:
                return self._post(path, operation, body)
            except _SessionRefused:
                raise CourierError(self.name, operation, "HTTP 401: refused") from None
        for attempt in (1, 2):
            sid = self._session or self._sign_in(operation)
            try:
                return self._post(path, operation, {**body, "sessionID": sid})
            except _SessionRefused:
                self._session = None
                if attempt == 2:
                    break
        raise CourierError(self.name, operation, "the session was refused after a new login")

    # ------------------------------------------------------------------ cities
    def city_code(self, city: str, operation: str = "quote") -> str:
        """The KLADR code of ``city`` (``/v2/public/kladr.json``); UnservedCityError when
        Dellin does not know it."""
        bare = _CITY_PREFIX.sub("", city.strip())
        wanted = city_key(bare)
        if wanted in self._codes:
            return self._codes[wanted]
        answer = self._call("/v2/public/kladr.json", operation, {"q": bare, "limit": 10})
        found = answer.get("cities")
        if found is None and isinstance(answer.get("data"), dict):
            found = answer["data"].get("cities")
        for item in found or ():
            if not isinstance(item, dict):
                continue
            names = (str(item.get("searchString", "")), str(item.get("aString", "")))
            if any(city_key(_CITY_PREFIX.sub("", n.strip())) == wanted for n in names):
                code = str(item.get("code", ""))
                if code:
                    self._codes[wanted] = code
                    return code
        raise UnservedCityError(self.name, operation, city)

    def terminals(self, city: str, direction: str = "derival") -> tuple[DellinTerminal, ...]:
        """The terminals of ``city`` that accept cargo (``derival``) or give it out
        (``arrival``), the default one first."""
        if direction not in ("derival", "arrival"):
            fail("direction", f"must be 'derival' or 'arrival', got {direction!r}")
        code = self.city_code(city, "terminals")
        answer = self._call(
            "/v1/public/request_terminals.json",
            "terminals",
            {"code": code, "direction": direction},
        )
        found = []
        for item in answer.get("terminals") or ():
            try:
                found.append(
                    DellinTerminal(
                        int(item["id"]),
                        str(item.get("name", "")),
                        str(item.get("address", "")),
                        bool(item.get("default")),
                    )
                )
            except (KeyError, TypeError, ValueError):
                raise CourierError(self.name, "terminals", "a terminal without an id") from None
        return tuple(sorted(found, key=lambda t: not t.default))

    # ------------------------------------------------------------------ the cargo
    def _cargo(self, parcel: Parcel, operation: str) -> dict[str, Any]:
        kg = parcel.weight_grams / 1000
        if kg > self._max_kg:
            raise ParcelRefusedError(
                self.name, operation, "weight_grams", f"{kg:g} kg is over {self._max_kg} kg"
            )
        d = parcel.dimensions
        sides = (d.length_cm, d.width_cm, d.height_cm) if d else self._default_cm
        if any(s > m for s, m in zip(sorted(sides, reverse=True), self._max_cm, strict=True)):
            limit = "×".join(str(m) for m in self._max_cm)
            raise ParcelRefusedError(
                self.name,
                operation,
                "dimensions",
                f"{'×'.join(map(str, sides))} cm does not fit {limit} cm",
            )
        length, width, height = (s / 100 for s in sides)
        volume = round(length * width * height, 4)
        cargo: dict[str, Any] = {
            "quantity": 1,
            "length": length,
            "width": width,
            "height": height,
            "weight": kg,
            "totalVolume": volume,
            "totalWeight": kg,
            "hazardClass": 0,
        }
        if max(sides) > self._oversized_cm or kg > self._oversized_kg:
            cargo["oversizedWeight"] = kg
            cargo["oversizedVolume"] = volume
        if parcel.declared_value.amount > 0:
            cargo["insurance"] = {
                "statedValue": float(parcel.declared_value.amount),
                "payer": "sender",
                "term": False,
            }
        return cargo

    def _leg(self, city: str, line: str, operation: str, *, derival: bool) -> dict[str, Any]:
        if derival and self._derival == "terminal":
            found = self.terminals(city, "derival")
            if not found:
                raise UnservedCityError(self.name, operation, city)
            return {"variant": "terminal", "terminalID": found[0].id}
        search = f"{city}, {line}".strip(", ") if line else city
        leg: dict[str, Any] = {"variant": "address", "address": {"search": search}}
        if not derival and self._requirements:
            leg["requirements"] = list(self._requirements)
        return leg

    def _body(
        self,
        parcel: Parcel,
        origin: tuple[str, str],
        destination: tuple[str, str],
        produce: date,
        operation: str,
    ) -> dict[str, Any]:
        cargo = self._cargo(parcel, operation)
        codes = (self.city_code(origin[0], operation), self.city_code(destination[0], operation))
        derival = self._leg(origin[0], origin[1], operation, derival=True)
        derival["produceDate"] = produce.isoformat()
        arrival = self._leg(destination[0], destination[1], operation, derival=False)
        return {
            "delivery": {
                "deliveryType": {"type": "auto"},
                "derival": derival,
                "arrival": arrival,
            },
            "cargo": cargo,
            "payment": {
                "type": self._payment,
                "primaryPayer": "sender",
                "paymentCity": codes[0],
            },
        }

    def _money(self, value: object, operation: str) -> Money:
        try:
            return Money(Decimal(str(value)))
        except (InvalidOperation, ValueError, TypeError):
            raise CourierError(
                self.name, operation, f"a price that is not one: {value!r}"
            ) from None

    # ------------------------------------------------------------------ the port
    def quote(self, origin: str, destination: str, parcel: Parcel) -> Quote:
        produce = self._clock().date() + timedelta(days=1)
        body = self._body(parcel, (origin, ""), (destination, ""), produce, "quote")
        answer = self._call("/v2/calculator.json", "quote", body, session=self._has_account)
        data = answer.get("data")
        if not isinstance(data, dict):
            raise CourierError(self.name, "quote", "the answer has no data")
        if data.get("price") is None:
            raise PriceOnRequestError(
                self.name, "quote", "a contract price: Dellin's manager confirms it after the order"
            )
        price = self._money(data["price"], "quote")
        dates = data.get("orderDates") or {}
        first = _day(dates.get("derrivalToAddress")) or _day(dates.get("giveoutFromOspReceiver"))
        last = _day(dates.get("derivalToAddressMax")) or first
        if first is None or last is None:
            raise CourierError(self.name, "quote", "the answer has no delivery dates")
        days_min = max(0, (first - produce).days)
        return Quote(
            self.name,
            origin,
            destination,
            "auto",
            price,
            days_min,
            max(days_min, (last - produce).days),
        )

    def _journal(self, operation: str, **query: Any) -> list[dict[str, Any]]:
        answer = self._call("/v3/orders.json", operation, query, session=True)
        orders = answer.get("orders")
        if orders is None and isinstance(answer.get("data"), dict):
            orders = answer["data"].get("orders")
        return [o for o in orders or () if isinstance(o, dict)]

    @staticmethod
    def _request_id(order: dict[str, Any]) -> str | None:
        for doc in order.get("documents") or ():
            if isinstance(doc, dict) and doc.get("type") in _REQUEST_DOCUMENTS and doc.get("id"):
                return str(doc["id"])
        return None

    @staticmethod
    def _cancelled(order: dict[str, Any]) -> bool:
        if order.get("state") == "declined":
            return True
        return any(
            isinstance(doc, dict)
            and doc.get("type") in _REQUEST_DOCUMENTS
            and doc.get("state") == "canceled"
            for doc in order.get("documents") or ()
        )

    def _booking(self, request_id: str, request: PickupRequest) -> Booking:
        return Booking(self.name, request.key, request_id, request_id, None, request.pickup_date)

    def book_pickup(self, request: PickupRequest) -> Booking:
        if not self._freight:
            raise CourierError(
                self.name,
                "book_pickup",
                "no freight_uid: pass the nature of the cargo from Dellin's freight directory",
            )
        sender, recipient = request.sender, request.recipient
        body = self._body(
            request.parcel,
            (sender.address.city, sender.address.line),
            (recipient.address.city, recipient.address.line),
            request.pickup_date,
            "book_pickup",
        )
        reference = _reference(request.key)
        for order in self._journal("book_pickup", orderNumber=reference):
            if order.get("orderNumber") != reference:
                continue
            if self._cancelled(order):
                raise CourierError(
                    self.name,
                    "book_pickup",
                    "the booking under this key was cancelled: use a new key",
                )
            found = self._request_id(order) or str(order.get("orderId") or "")
            if found:
                return self._booking(found, request)
        start, end = f"{request.window_from:%H:%M}", f"{request.window_to:%H:%M}"
        body["delivery"]["derival"]["time"] = {"worktimeStart": start, "worktimeEnd": end}
        body["cargo"]["freightUID"] = self._freight
        body["cargo"]["freightName"] = request.parcel.description
        body["members"] = {
            "requester": {"role": "sender"},
            "sender": self._member(sender),
            "receiver": self._member(recipient),
        }
        body["inOrder"] = True
        body["orderNumber"] = reference
        if request.comment:
            body["comment"] = request.comment[:250]
        # a lost answer may hide a made request: a retry under the key finds it (above)
        answer = self._call("/v2/request.json", "book_pickup", body, session=True)
        data = answer.get("data")
        made = data.get("requestID") if isinstance(data, dict) else None
        if made is None or made == "":
            raise CourierError(self.name, "book_pickup", "the answer has no requestID")
        return self._booking(str(made), request)

    @staticmethod
    def _member(party: Any) -> dict[str, Any]:
        counteragent: dict[str, Any] = {"name": party.company or party.name}
        if party.company is None:
            counteragent.update(isAnonym=True, phone=_digits(party.phone.e164))
        member: dict[str, Any] = {
            "counteragent": counteragent,
            "contactPersons": [{"name": party.name}],
            "phoneNumbers": [{"number": _digits(party.phone.e164)}],
        }
        if party.email:
            member["email"] = party.email
        return member

    def _order(self, order_id: str, operation: str) -> dict[str, Any]:
        if not order_id.isdigit():
            raise ShipmentNotFoundError(self.name, operation, order_id)
        for order in self._journal(operation, docIds=[order_id]):
            if order_id in (self._request_id(order), str(order.get("orderId"))):
                return order
        raise ShipmentNotFoundError(self.name, operation, order_id)

    def track(self, order_id: str) -> Tracking:
        order = self._order(order_id, "track")
        state = str(order.get("state") or "")
        status = ShipmentStatus.CANCELLED if self._cancelled(order) else status_of(state)
        number = str(order.get("orderId") or order_id)
        answer = self._call("/v3/orders/statuses_history.json", "track", {"docIds": [number]})
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        history = (data or {}).get("statusHistory") or {}
        steps = []
        raw = (
            history.get(number) or history.get(order_id) or () if isinstance(history, dict) else ()
        )
        for item in raw:
            if not isinstance(item, dict):
                continue
            try:
                at = datetime.fromisoformat(str(item.get("stateDate")))
            except ValueError:
                continue
            if at.utcoffset() is None:
                continue
            code = str(item.get("state") or "")
            text = str(item.get("detailedStatusRus") or item.get("stateName") or code)
            steps.append(TrackingStep(status_of(code), at, code, text))
        steps.sort(key=lambda s: s.at)
        tracking_number = str(order.get("orderId") or order_id)
        return Tracking(self.name, order_id, tracking_number, status, tuple(steps))

    def cancel(self, order_id: str) -> None:
        order = self._order(order_id, "cancel")
        if self._cancelled(order):
            return
        if order.get("state") in _HANDED_OVER:
            raise CourierError(
                self.name, "cancel", f"the cargo is already with Dellin ({order.get('state')})"
            )
        number = order.get("orderId")
        if not number:
            raise CourierError(
                self.name, "cancel", "Dellin has not processed the request yet: try again later"
            )
        try:
            answer = self._call(
                "/v3/orders/cancel_pickup.json", "cancel", {"orderID": number}, session=True
            )
        except CourierError as error:
            if _NOT_FOUND in error.codes:
                raise ShipmentNotFoundError(
                    self.name, "cancel", order_id, codes=error.codes
                ) from None
            raise
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        outcome = (data or {}).get("state") or (data or {}).get("status")
        if outcome != "success":
            raise CourierError(
                self.name, "cancel", f"the cancellation was not accepted ({outcome})"
            )

    def waybill(self, order_id: str, mode: str = "order") -> bytes | None:
        """The printable form of the order (``order``: the waybill, ``bill``, ``invoice``,
        ``giveout``) as PDF bytes, or ``None`` while Dellin has not issued the waybill."""
        order = self._order(order_id, "waybill")
        uid = next(
            (
                d.get("uid")
                for d in order.get("documents") or ()
                if isinstance(d, dict) and d.get("type") == "shipping" and d.get("uid")
            ),
            None,
        )
        if uid is None:
            return None
        answer = self._call(
            "/v1/printable.json", "waybill", {"docUID": uid, "mode": mode}, session=True
        )
        for item in answer.get("data") or ():
            encoded = item.get("base64") if isinstance(item, dict) else None
            if isinstance(encoded, str):
                try:
                    pdf = base64.b64decode(encoded, validate=True)
                except (binascii.Error, ValueError):
                    pdf = b""
                if pdf.startswith(b"%PDF"):
                    return pdf
        raise CourierError(self.name, "waybill", "the answer has no PDF")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._client.close()
