"""A CDEK (СДЭК) courier over the public API v2, with httpx.

:class:`CdekCourier` implements :class:`clientops.courier.Courier`:

* **quote**: finds both cities with ``GET /location/cities`` (exact names), else with
  ``GET /location/suggest/cities`` (any case; codes are cached), then prices
  the parcel with ``POST /calculator/tariff`` (tariff 139, «Посылка дверь-дверь», unless
  another ``tariff_code`` is given). The days are calendar days when CDEK sends them,
  otherwise its working days.
* **book_pickup**: creates an order (``POST /orders``) whose ``number`` is the request's key,
  then a courier visit for it (``POST /intakes``).
* **track**: ``GET /orders/{uuid}``, its ``statuses`` mapped to
  :class:`~clientops.courier.ShipmentStatus`.
* **cancel**: ``DELETE /orders/{uuid}``, then ``DELETE /intakes/{uuid}`` for its pickup.

**Authentication.** OAuth 2 client credentials (``POST /oauth/token``). The token is kept until
30 seconds before it expires, and fetched again once when any call answers 401.

**Asynchronous requests.** CDEK answers creations and deletions with 202 and the state of a
*request* (``ACCEPTED``), not of the order: the order exists only once a later
``GET /orders/{uuid}`` shows the request ``SUCCESSFUL`` (``INVALID`` lists the errors). The
courier polls, ``poll_attempts`` times ``poll_interval`` seconds apart; when CDEK is still busy
after that, the call raises CourierError and a retry with the same key continues where it
stopped.

**Booking once per key.** CDEK has no idempotency-key header. What it documents instead is
that the client's order ``number`` is unique (a second order with the same number ends
``INVALID`` with ``error_validate_im_dep_number_has_already_had_integration``) and that an
order can be read back by it, ``GET /orders?im_number=<number>``. So the request's key is sent
as the order number and, **before creating**, the courier looks the key up: an order found
(still being processed or created) is the one a previous attempt made, even one whose answer
was lost to a timeout or a dropped connection, and is used instead of a new one. An order
whose creation ended ``INVALID`` does not count; one that was cancelled makes the key spent.
Should two attempts race past the lookup, CDEK refuses the second number and the courier
reads the first order back. Pickups are de-duplicated the same way: the order's
``related_entities`` name an existing intake (and CDEK refuses a second one for an order with
``v2_intake_exists_by_order``), so a retry never sends a second courier.

**Errors.** Every failure is :class:`~clientops.errors.CourierError` with ``backend="cdek"``
and the operation (``quote``, ``book_pickup``, ``track``, ``cancel``): no answer within
``timeout``, a refused connection, a 5xx, an answer that is not JSON or lacks a field, and
every refusal, with CDEK's error codes in ``codes``. A city CDEK does not know is
:class:`~clientops.errors.UnservedCityError`; an unknown order id
:class:`~clientops.errors.ShipmentNotFoundError`; a parcel the tariff does not take
(``ERR_PVZ_WEIGHT_LIMIT``, ``err_invalid_tariff_with_dimentions``)
:class:`~clientops.errors.ParcelRefusedError`. httpx's exceptions never escape (they are
kept as ``__cause__``).

Tests pass ``transport`` or ``base_url`` to talk to a local stand-in instead of CDEK.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any
from urllib.parse import quote as urlquote
from urllib.parse import urlencode

import attrs
import httpx

from clientops.courier import (
    Booking,
    Parcel,
    Party,
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

__all__ = ["BACKEND", "DEFAULT_TARIFF", "EDU_URL", "PRODUCTION_URL", "CdekCourier", "status_of"]

BACKEND = "cdek"
PRODUCTION_URL = "https://api.cdek.ru/v2"
#: CDEK's test environment (the account published in its documentation works there).
EDU_URL = "https://api.edu.cdek.ru/v2"
#: «Посылка дверь-дверь»: the courier collects from the sender and delivers to the door.
DEFAULT_TARIFF = 139
#: Refresh a token this many seconds before CDEK says it expires.
TOKEN_MARGIN = 30.0

_DUPLICATE_NUMBER = "error_validate_im_dep_number_has_already_had_integration"
_INTAKE_EXISTS = "v2_intake_exists_by_order"
_CITY_PREFIX = re.compile(r"^(?:г\.|г |город )\s*", re.IGNORECASE)

# CDEK's status codes (Appendices 1 and 15, both naming families) in clientops terms; any
# other code means the parcel is moving.
_STATUSES: Mapping[str, ShipmentStatus] = {
    **dict.fromkeys(("ACCEPTED", "CREATED"), ShipmentStatus.CREATED),
    "INVALID": ShipmentStatus.PROBLEM,
    "REMOVED": ShipmentStatus.CANCELLED,
    **dict.fromkeys(
        ("RECEIVED_AT_SHIPMENT_WAREHOUSE", "RECEIVED_AT_SENDER_WAREHOUSE"),
        ShipmentStatus.PICKED_UP,
    ),
    **dict.fromkeys(
        (
            "ACCEPTED_IN_RECIPIENT_CITY",
            "MET_AT_RECIPIENT_OFFICE",
            "ARRIVED_AT_RECIPIENT_CITY",
            "ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE",
            "ACCEPTED_AT_PICK_UP_POINT",
            "RETURNED_TO_RECIPIENT_CITY_WAREHOUSE",
            "POSTOMAT_POSTED",
        ),
        ShipmentStatus.ARRIVED,
    ),
    "TAKEN_BY_COURIER": ShipmentStatus.OUT_FOR_DELIVERY,
    **dict.fromkeys(("DELIVERED", "POSTOMAT_RECEIVED"), ShipmentStatus.DELIVERED),
    "NOT_DELIVERED": ShipmentStatus.NOT_DELIVERED,
}


def status_of(code: str) -> ShipmentStatus:
    """The clientops status of a CDEK status code (unknown codes: in transit).

    >>> status_of("TAKEN_BY_COURIER"), status_of(" RECEIVED_AT_SHIPMENT_WAREHOUSE ")
    (<ShipmentStatus.OUT_FOR_DELIVERY: 'out_for_delivery'>, <ShipmentStatus.PICKED_UP: 'picked_up'>)
    >>> status_of("SENT_TO_TRANSIT_CITY")
    <ShipmentStatus.IN_TRANSIT: 'in_transit'>
    """
    return _STATUSES.get(code.strip(), ShipmentStatus.IN_TRANSIT)


# --------------------------------------------------------------------------- answers


@attrs.frozen
class _Reply:
    method: str
    path: str
    status: int
    body: Any


def _garbage(operation: str, reply: _Reply, what: str) -> CourierError:
    return CourierError(
        BACKEND, operation, f"CDEK's answer to {reply.method} {reply.path} makes no sense: {what}"
    )


def _errors(body: object) -> list[tuple[str, str]]:
    """(code, message) of every error in any of CDEK's three error envelopes."""
    found: list[tuple[str, str]] = []

    def collect(items: object) -> None:
        if isinstance(items, list):
            for e in items:
                if isinstance(e, dict):
                    found.append((str(e.get("code", "")).strip(), str(e.get("message", ""))))

    if isinstance(body, dict):
        collect(body.get("errors"))
        requests = body.get("requests")
        if isinstance(requests, list):
            for r in requests:
                if isinstance(r, dict):
                    collect(r.get("errors"))
        if isinstance(body.get("error"), str):
            found.append((body["error"], str(body.get("error_description", ""))))
    return found


def _codes(body: object) -> tuple[str, ...]:
    return tuple(code for code, _ in _errors(body) if code)


def _not_found(reply: _Reply) -> bool:
    return reply.status in (400, 404) and any("not_found" in c for c in _codes(reply.body))


#: CDEK's error codes (the calculator's, lower-cased) that refuse the parcel itself, and the
#: field of :class:`~clientops.courier.Parcel` each is about.
_PARCEL_REFUSALS = {
    "err_pvz_weight_limit": "weight_grams",
    "err_invalid_tariff_with_dimentions": "dimensions",
}


def _describe(errors: Iterable[tuple[str, str]]) -> str:
    return "; ".join(f"{code}: {message}" if message else code for code, message in errors)


def _refused(operation: str, reply: _Reply, doing: str) -> CourierError:
    errors = _errors(reply.body)
    detail = _describe(errors) or f"HTTP {reply.status} without a reason"
    codes = tuple(c for c, _ in errors if c)
    message = f"CDEK refused to {doing} ({reply.status}): {detail}"
    for code in codes:  # a parcel the tariff does not take: too heavy, too big
        field = _PARCEL_REFUSALS.get(code.lower())
        if field is not None:
            return ParcelRefusedError(BACKEND, operation, field, message, codes=codes)
    return CourierError(BACKEND, operation, message, codes=codes)


def _field(operation: str, reply: _Reply, value: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(value, dict) and value.get(part) is not None:
            value = value[part]
        else:
            raise _garbage(operation, reply, f"it has no {path!r}")
    return value


def _text(operation: str, reply: _Reply, value: Any, path: str) -> str:
    found = _field(operation, reply, value, path)
    if isinstance(found, bool) or not isinstance(found, (str, int)) or not str(found).strip():
        raise _garbage(operation, reply, f"{path!r} is {found!r}, not a text")
    return str(found).strip()


def _whole(operation: str, reply: _Reply, value: Any, path: str) -> int:
    found = _field(operation, reply, value, path)
    if isinstance(found, Decimal) and found == found.to_integral_value():
        found = int(found)
    if isinstance(found, bool) or not isinstance(found, int):
        raise _garbage(operation, reply, f"{path!r} is {found!r}, not a whole number")
    return found


def _amount(operation: str, reply: _Reply, value: Any, path: str) -> Decimal:
    found = _field(operation, reply, value, path)
    if isinstance(found, bool) or not isinstance(found, (int, Decimal)):
        raise _garbage(operation, reply, f"{path!r} is {found!r}, not an amount")
    return Decimal(found)


def _entity(operation: str, reply: _Reply) -> dict[str, Any]:
    entity = _field(operation, reply, reply.body, "entity")
    if not isinstance(entity, dict):
        raise _garbage(operation, reply, "'entity' is not an object")
    return entity


def _request_state(entity: dict[str, Any], body: Any, kind: str) -> tuple[str, list[Any]]:
    """The state of the latest request of ``kind`` (CREATE, DELETE) on an entity, and its
    errors. Without such a request, the entity's own statuses tell."""
    requests = body.get("requests") if isinstance(body, dict) else None
    if isinstance(requests, list):
        matching = [r for r in requests if isinstance(r, dict) and r.get("type") == kind]
        if matching:
            last = matching[-1]
            errors = last.get("errors")
            return str(last.get("state", "")).strip(), errors if isinstance(errors, list) else []
    codes = {
        str(s.get("code", "")).strip()
        for s in entity.get("statuses") or ()
        if isinstance(s, dict) and not s.get("deleted")
    }
    if kind == "DELETE":
        return ("SUCCESSFUL" if "REMOVED" in codes else "ACCEPTED"), []
    if "INVALID" in codes:
        return "INVALID", []
    return ("SUCCESSFUL" if codes - {"ACCEPTED"} else "ACCEPTED"), []


def _has_status(entity: dict[str, Any], code: str) -> bool:
    return any(
        isinstance(s, dict) and str(s.get("code", "")).strip() == code and not s.get("deleted")
        for s in entity.get("statuses") or ()
    )


def _related(entity: dict[str, Any], kind: str) -> list[str]:
    return [
        str(r["uuid"])
        for r in entity.get("related_entities") or ()
        if isinstance(r, dict) and r.get("type") == kind and r.get("uuid")
    ]


def _moment(operation: str, reply: _Reply, raw: Any) -> datetime:
    try:
        at = datetime.fromisoformat(str(raw).strip())
    except ValueError:
        raise _garbage(operation, reply, f"{raw!r} is not a date and time") from None
    return at if at.utcoffset() is not None else at.replace(tzinfo=UTC)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{value!r} cannot be sent to CDEK")


# --------------------------------------------------------------------------- request bodies


def _package(parcel: Parcel) -> dict[str, Any]:
    package: dict[str, Any] = {"weight": parcel.weight_grams}
    if parcel.dimensions is not None:
        package["length"] = parcel.dimensions.length_cm
        package["width"] = parcel.dimensions.width_cm
        package["height"] = parcel.dimensions.height_cm
    return package


def _contact(party: Party) -> dict[str, Any]:
    contact: dict[str, Any] = {"name": party.name, "phones": [{"number": party.phone.e164}]}
    if party.company:
        contact["company"] = party.company
    if party.email:
        contact["email"] = party.email
    return contact


def _location(code: int, party: Party) -> dict[str, Any]:
    location: dict[str, Any] = {"code": code, "address": party.address.line}
    if party.address.postal_code:
        location["postal_code"] = party.address.postal_code
    return location


def _lookup_key(name: str) -> str:
    return city_key(_CITY_PREFIX.sub("", name.strip()))


# --------------------------------------------------------------------------- the courier


class CdekCourier:
    """A CDEK account as a :class:`~clientops.courier.Courier`.

    ``client_id`` and ``client_secret`` are the account («Account», «Secure password»).
    ``base_url`` ends in ``/v2`` (:data:`PRODUCTION_URL`, :data:`EDU_URL` for CDEK's test
    environment, or a stand-in's). ``tariff_code`` is used for quotes and orders;
    ``order_type`` is 1 for an online-store contract, 2 for an ordinary delivery contract.
    ``timeout`` (seconds) bounds every HTTP call. ``transport``, ``clock`` (monotonic
    seconds) and ``sleep`` are for tests. Use it as a context manager, or call :meth:`close`.
    """

    name = BACKEND

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        base_url: str = PRODUCTION_URL,
        tariff_code: int = DEFAULT_TARIFF,
        order_type: int = 1,
        country_codes: Iterable[str] = ("RU",),
        timeout: float = 15.0,
        poll_interval: float = 1.0,
        poll_attempts: int = 10,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not client_id or not client_secret:
            raise ConfigurationError("the cdek courier needs client_id and client_secret")
        if poll_attempts < 1:
            raise ConfigurationError("poll_attempts must be at least 1")
        self._client_id = client_id
        self._client_secret = client_secret
        self._tariff = tariff_code
        self._order_type = order_type
        self._countries = ",".join(country_codes)
        self._timeout = timeout
        self._poll_interval = poll_interval
        self._poll_attempts = poll_attempts
        self._clock = clock
        self._sleep = sleep
        self._base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self._base_url + "/",
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"Accept": "application/json"},
        )
        self._lock = threading.RLock()
        self._token: str | None = None
        self._token_expires = 0.0
        self._cities: dict[str, tuple[int, str]] = {}

    def __repr__(self) -> str:
        return f"CdekCourier(base_url={self._base_url!r}, tariff_code={self._tariff})"

    def __enter__(self) -> CdekCourier:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ HTTP
    def _exchange(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None,
        content: bytes | None,
        headers: dict[str, str],
    ) -> httpx.Response:
        try:
            return self._http.request(method, path, params=params, content=content, headers=headers)
        except httpx.TimeoutException as exc:
            raise CourierError(
                BACKEND,
                operation,
                f"no answer to {method} {path} within {self._timeout:g} s ({type(exc).__name__})",
            ) from exc
        except httpx.ConnectError as exc:
            raise CourierError(
                BACKEND, operation, f"cannot connect to {self._base_url}: {exc}"
            ) from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise CourierError(
                BACKEND, operation, f"{method} {path} failed: {type(exc).__name__}: {exc}"
            ) from exc

    def _decode(self, operation: str, method: str, path: str, response: httpx.Response) -> _Reply:
        status = response.status_code
        try:
            body = json.loads(response.content, parse_float=Decimal)
        except ValueError:
            body = None
            parsed = False
        else:
            parsed = True
        if status >= 500 or not (200 <= status < 300 or 400 <= status < 500):
            errors = _errors(body)
            detail = _describe(errors) or repr(response.text[:120])
            raise CourierError(
                BACKEND,
                operation,
                f"CDEK answered {status} to {method} {path}: {detail}",
                codes=(c for c, _ in errors if c),
            )
        if not parsed:
            raise CourierError(
                BACKEND,
                operation,
                f"CDEK answered {status} to {method} {path} with something that is not JSON: "
                f"{response.text[:120]!r}",
            )
        return _Reply(method, path, status, body)

    def _bearer(self, operation: str) -> str:
        with self._lock:
            if self._token is not None and self._clock() < self._token_expires:
                return self._token
            form = urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                }
            ).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            path = "oauth/token"
            response = self._exchange(
                operation, "POST", path, params=None, content=form, headers=headers
            )
            reply = self._decode(operation, "POST", path, response)
            if reply.status != 200:
                raise _refused(operation, reply, "accept the account (client_id/client_secret)")
            token = _text(operation, reply, reply.body, "access_token")
            lifetime = _whole(operation, reply, reply.body, "expires_in")
            self._token = token
            self._token_expires = self._clock() + lifetime - TOKEN_MARGIN
            return token

    def _send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: object = None,
    ) -> _Reply:
        """One authorised call. A 401 drops the token and the call is made once more with a
        fresh one."""
        content = None
        headers: dict[str, str] = {}
        if body is not None:
            content = json.dumps(body, ensure_ascii=False, default=_json_default).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            headers["Authorization"] = f"Bearer {self._bearer(operation)}"
            response = self._exchange(
                operation, method, path, params=params, content=content, headers=headers
            )
            if response.status_code == 401 and attempt == 1:
                with self._lock:
                    self._token = None
                continue
            reply = self._decode(operation, method, path, response)
            if reply.status == 401:
                raise _refused(operation, reply, "authorise a fresh token")
            return reply
        raise AssertionError("unreachable")  # pragma: no cover

    def _await(
        self, operation: str, path: str, kind: str, *, gone_ok: bool = False
    ) -> tuple[str, _Reply | None]:
        """Poll ``GET path`` until the latest ``kind`` request on the entity is SUCCESSFUL or
        INVALID; returns that state and the last answer. ``gone_ok``: an entity that no
        longer exists counts as SUCCESSFUL (a deletion)."""
        for _ in range(self._poll_attempts):
            self._sleep(self._poll_interval)
            reply = self._send(operation, "GET", path)
            if _not_found(reply):
                if gone_ok:
                    return "SUCCESSFUL", None
                raise ShipmentNotFoundError(
                    BACKEND, operation, path.rsplit("/", 1)[-1], codes=_codes(reply.body)
                )
            if reply.status != 200:
                raise _refused(operation, reply, f"show {path}")
            state, _ = _request_state(_entity(operation, reply), reply.body, kind)
            if state in ("SUCCESSFUL", "INVALID"):
                return state, reply
        raise CourierError(
            BACKEND,
            operation,
            f"CDEK is still processing the {kind} request on {path} after "
            f"{self._poll_attempts} checks; try again later (retrying is safe)",
        )

    # ------------------------------------------------------------------ cities
    def _city(self, operation: str, name: str) -> tuple[int, str]:
        """CDEK's code and spelling of a city; UnservedCityError when it has none."""
        wanted = _lookup_key(name)
        cached = self._cities.get(wanted)
        if cached is not None:
            return cached
        asked = _CITY_PREFIX.sub("", name.strip())
        params = {"city": asked, "country_codes": self._countries, "size": "20"}
        reply = self._send(operation, "GET", "location/cities", params=params)
        if reply.status != 200:
            raise _refused(operation, reply, f"look up the city {name!r}")
        if not isinstance(reply.body, list):
            raise _garbage(operation, reply, "the list of cities is not a list")
        for item in reply.body:
            if isinstance(item, dict) and _lookup_key(str(item.get("city", ""))) == wanted:
                found = (
                    _whole(operation, reply, item, "code"),
                    _text(operation, reply, item, "city"),
                )
                self._cities[wanted] = found
                return found
        # ``city`` must match CDEK's spelling exactly ("москва" finds nothing): ask the fuzzy
        # search, and keep only a city whose name is the one asked, case and ё aside
        params = {"name": asked, "country_code": self._countries.split(",")[0]}
        reply = self._send(operation, "GET", "location/suggest/cities", params=params)
        if reply.status != 200:
            raise _refused(operation, reply, f"look up the city {name!r}")
        if not isinstance(reply.body, list):
            raise _garbage(operation, reply, "the list of cities is not a list")
        for item in reply.body:
            if not isinstance(item, dict):
                continue
            spelling = str(item.get("full_name", "")).split(",")[0].strip()
            if _lookup_key(spelling) == wanted:
                found = (_whole(operation, reply, item, "code"), spelling)
                self._cities[wanted] = found
                return found
        raise UnservedCityError(BACKEND, operation, name)

    # ------------------------------------------------------------------ quote
    def quote(self, origin: str, destination: str, parcel: Parcel) -> Quote:
        operation = "quote"
        from_code, from_name = self._city(operation, origin)
        to_code, to_name = self._city(operation, destination)
        body: dict[str, Any] = {
            "tariff_code": self._tariff,
            "from_location": {"code": from_code},
            "to_location": {"code": to_code},
            "packages": [_package(parcel)],
        }
        if parcel.declared_value.amount > 0:
            body["services"] = [
                {"code": "INSURANCE", "parameter": str(parcel.declared_value.amount)}
            ]
        reply = self._send(operation, "POST", "calculator/tariff", body=body)
        if reply.status != 200 or _errors(reply.body):
            raise _refused(
                operation, reply, f"price tariff {self._tariff} from {from_name} to {to_name}"
            )
        answer = reply.body
        total = _amount(operation, reply, answer, "total_sum")
        currency = _text(operation, reply, answer, "currency")
        calendar = isinstance(answer, dict) and answer.get("calendar_min") is not None
        prefix = "calendar" if calendar else "period"
        days_min = _whole(operation, reply, answer, f"{prefix}_min")
        days_max = _whole(operation, reply, answer, f"{prefix}_max")
        try:
            return Quote(
                courier=BACKEND,
                origin=from_name,
                destination=to_name,
                tariff=str(self._tariff),
                price=Money(total, currency),
                days_min=days_min,
                days_max=days_max,
            )
        except (ValueError, TypeError) as exc:
            raise _garbage(operation, reply, str(exc)) from None

    # ------------------------------------------------------------------ orders
    def _find_order(self, operation: str, key: str) -> _Reply | None:
        """The order a previous attempt made under ``key`` (looked up by CDEK's
        ``im_number``), or None. An order whose creation ended INVALID does not count."""
        reply = self._send(operation, "GET", "orders", params={"im_number": key})
        if _not_found(reply):
            return None
        if reply.status != 200:
            raise _refused(operation, reply, f"look up the order number {key!r}")
        entity = reply.body.get("entity") if isinstance(reply.body, dict) else None
        if not entity:
            return None
        if not isinstance(entity, dict):
            raise _garbage(operation, reply, "'entity' is not an object")
        state, _ = _request_state(entity, reply.body, "CREATE")
        return None if state == "INVALID" else reply

    def _create_order(self, operation: str, request: PickupRequest) -> _Reply:
        from_code, _ = self._city(operation, request.sender.address.city)
        to_code, _ = self._city(operation, request.recipient.address.city)
        parcel = request.parcel
        package = {
            "number": "1",
            **_package(parcel),
            "comment": parcel.description,
            "items": [
                {
                    "name": parcel.description,
                    "ware_key": request.key,
                    "payment": {"value": 0},
                    "cost": parcel.declared_value.amount,
                    "weight": parcel.weight_grams,
                    "amount": 1,
                }
            ],
        }
        body: dict[str, Any] = {
            "type": self._order_type,
            "number": request.key,
            "tariff_code": self._tariff,
            "sender": _contact(request.sender),
            "recipient": _contact(request.recipient),
            "from_location": _location(from_code, request.sender),
            "to_location": _location(to_code, request.recipient),
            "packages": [package],
        }
        if request.comment:
            body["comment"] = request.comment
        reply = self._send(operation, "POST", "orders", body=body)
        if reply.status >= 300:
            if _DUPLICATE_NUMBER in _codes(reply.body):
                return self._earlier_order(operation, request.key, reply)
            raise _refused(operation, reply, f"create the order {request.key!r}")
        uuid = _text(operation, reply, _entity(operation, reply), "uuid")
        state, done = self._await(operation, f"orders/{urlquote(uuid, safe='')}", "CREATE")
        assert done is not None
        if state == "INVALID":
            if _DUPLICATE_NUMBER in _codes(done.body):
                return self._earlier_order(operation, request.key, done)
            raise _refused(operation, done, f"create the order {request.key!r}")
        return done

    def _earlier_order(self, operation: str, key: str, refusal: _Reply) -> _Reply:
        found = self._find_order(operation, key)
        if found is None:
            raise _refused(operation, refusal, f"create the order {key!r}")
        return found

    def _order(self, operation: str, order_id: str) -> _Reply:
        if not order_id.strip():
            raise ShipmentNotFoundError(BACKEND, operation, order_id)
        reply = self._send(operation, "GET", f"orders/{urlquote(order_id, safe='')}")
        if _not_found(reply):
            raise ShipmentNotFoundError(BACKEND, operation, order_id, codes=_codes(reply.body))
        if reply.status != 200:
            raise _refused(operation, reply, f"show the order {order_id}")
        _entity(operation, reply)
        return reply

    def _intake_alive(self, operation: str, intake_uuid: str) -> bool:
        reply = self._send(operation, "GET", f"intakes/{urlquote(intake_uuid, safe='')}")
        if _not_found(reply):
            return False
        if reply.status != 200:
            raise _refused(operation, reply, f"show the pickup {intake_uuid}")
        entity = _entity(operation, reply)
        state, _ = _request_state(entity, reply.body, "CREATE")
        return state != "INVALID" and not _has_status(entity, "REMOVED")

    def _ensure_intake(self, operation: str, order: _Reply, request: PickupRequest) -> str:
        """The courier visit for the order: the one a previous attempt booked, or a new one."""
        entity = _entity(operation, order)
        order_uuid = _text(operation, order, entity, "uuid")
        for intake_uuid in _related(entity, "intake"):
            if self._intake_alive(operation, intake_uuid):
                return intake_uuid
        body = {
            "order_uuid": order_uuid,
            "intake_date": request.pickup_date.isoformat(),
            "intake_time_from": f"{request.window_from:%H:%M}",
            "intake_time_to": f"{request.window_to:%H:%M}",
            "name": request.parcel.description,
            "need_call": False,
        }
        if request.comment:
            body["comment"] = request.comment
        reply = self._send(operation, "POST", "intakes", body=body)
        if reply.status >= 300:
            if _INTAKE_EXISTS in _codes(reply.body):
                return self._booked_intake(operation, order_uuid, reply)
            raise _refused(operation, reply, f"book a courier for the order {order_uuid}")
        intake_uuid = _text(operation, reply, _entity(operation, reply), "uuid")
        state, done = self._await(operation, f"intakes/{urlquote(intake_uuid, safe='')}", "CREATE")
        assert done is not None
        if state == "INVALID":
            if _INTAKE_EXISTS in _codes(done.body):
                return self._booked_intake(operation, order_uuid, done)
            raise _refused(operation, done, f"book a courier for the order {order_uuid}")
        return intake_uuid

    def _booked_intake(self, operation: str, order_uuid: str, refusal: _Reply) -> str:
        """CDEK says the order has a pickup already: find which."""
        order = self._order(operation, order_uuid)
        for intake_uuid in _related(_entity(operation, order), "intake"):
            if self._intake_alive(operation, intake_uuid):
                return intake_uuid
        raise _refused(operation, refusal, f"book a courier for the order {order_uuid}")

    def book_pickup(self, request: PickupRequest) -> Booking:
        """Create the order (number = ``request.key``) and its courier visit, once per key:
        see the module's docstring for how a retry finds what an earlier attempt made."""
        operation = "book_pickup"
        order = self._find_order(operation, request.key)
        if order is None:
            order = self._create_order(operation, request)
        entity = _entity(operation, order)
        uuid = _text(operation, order, entity, "uuid")
        if _has_status(entity, "REMOVED"):
            raise CourierError(
                BACKEND,
                operation,
                f"the order with number {request.key!r} ({uuid}) was cancelled; "
                "book again with a new key",
            )
        state, _ = _request_state(entity, order.body, "CREATE")
        if state != "SUCCESSFUL":
            state, done = self._await(operation, f"orders/{urlquote(uuid, safe='')}", "CREATE")
            assert done is not None
            if state == "INVALID":
                raise _refused(operation, done, f"create the order {request.key!r}")
            order, entity = done, _entity(operation, done)
        intake_uuid = self._ensure_intake(operation, order, request)
        number = entity.get("cdek_number")
        return Booking(
            courier=BACKEND,
            key=request.key,
            order_id=uuid,
            tracking_number=str(number) if number else None,
            pickup_id=intake_uuid,
            pickup_date=request.pickup_date,
        )

    # ------------------------------------------------------------------ track, cancel
    def track(self, order_id: str) -> Tracking:
        operation = "track"
        reply = self._order(operation, order_id)
        entity = _entity(operation, reply)
        history: list[TrackingStep] = []
        for raw in entity.get("statuses") or ():
            if not isinstance(raw, dict) or raw.get("deleted"):
                continue
            code = _text(operation, reply, raw, "code")
            history.append(
                TrackingStep(
                    status=status_of(code),
                    at=_moment(operation, reply, _field(operation, reply, raw, "date_time")),
                    code=code,
                    description=str(raw.get("name") or code),
                    city=str(raw["city"]) if raw.get("city") else None,
                )
            )
        if len(history) > 1 and history[0].at > history[-1].at:
            history.reverse()  # CDEK lists the newest first: keep ties in their real order
        history.sort(key=lambda e: e.at)
        state, _ = _request_state(entity, reply.body, "CREATE")
        if state == "INVALID":
            status = ShipmentStatus.PROBLEM
        else:
            status = history[-1].status if history else ShipmentStatus.CREATED
        number = entity.get("cdek_number")
        return Tracking(
            courier=BACKEND,
            order_id=order_id,
            tracking_number=str(number) if number else None,
            status=status,
            history=tuple(history),
        )

    def cancel(self, order_id: str) -> None:
        """Delete the order (CDEK allows it until the parcel reaches its warehouse), then its
        courier visit. Cancelling again does nothing more."""
        operation = "cancel"
        reply = self._order(operation, order_id)
        entity = _entity(operation, reply)
        path = f"orders/{urlquote(order_id, safe='')}"
        if not _has_status(entity, "REMOVED"):
            deleted = self._send(operation, "DELETE", path)
            if deleted.status >= 300:
                raise _refused(operation, deleted, f"cancel the order {order_id}")
            state, done = self._await(operation, path, "DELETE", gone_ok=True)
            if state == "INVALID":
                assert done is not None
                raise _refused(operation, done, f"cancel the order {order_id}")
        for intake_uuid in _related(entity, "intake"):
            if self._intake_alive(operation, intake_uuid):
                gone = self._send(operation, "DELETE", f"intakes/{urlquote(intake_uuid, safe='')}")
                if gone.status >= 300 and not _not_found(gone):
                    raise _refused(operation, gone, f"cancel the pickup {intake_uuid}")
