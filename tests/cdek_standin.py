"""A local stand-in for CDEK API v2: a real HTTP server on 127.0.0.1 speaking the documented
wire format (see the CDEK reference in the project's shared notes).

It knows four cities (44 Москва, 137 Санкт-Петербург, 270 Новосибирск, 259 Челябинск), prices
tariffs 136–139 on the routes between them (Челябинск – Санкт-Петербург is not served), and
keeps orders and intakes in memory. Creations and deletions answer 202 with a request in
state ``ACCEPTED``; the request is processed after ``processing_polls`` reads of the entity
(``SUCCESSFUL`` or ``INVALID``), as CDEK does asynchronously.

Faults are queued per route (``"POST /orders"``, ``"GET /orders/{uuid}"``…) with
:meth:`CdekStandin.inject`:

``slow``      the request takes effect, the answer comes ``delay`` seconds late
``drop``      the request takes effect, the connection is closed without an answer
``500``       ``v2_internal_error`` with status 500; nothing happens
``garbage``   status 200 with an HTML page; nothing happens
``empty``     status 200 with ``{}``; nothing happens
``notfound``  400 ``v2_entity_not_found_im_number``, as a lookup that does not see an order yet

A package heavier than :data:`MAX_WEIGHT` is refused by the calculator and by the order's
creation with the documented ``ERR_PVZ_WEIGHT_LIMIT``.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections import defaultdict, deque
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_CEILING, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CLIENT_ID = "standin-account"
CLIENT_SECRET = "standin-secure-password"

CITIES: tuple[dict[str, Any], ...] = (
    {"code": 44, "city": "Москва", "region": "Москва", "longitude": 37.6173, "latitude": 55.7558},
    {
        "code": 137,
        "city": "Санкт-Петербург",
        "region": "Санкт-Петербург",
        "longitude": 30.3351,
        "latitude": 59.9343,
    },
    {
        "code": 270,
        "city": "Новосибирск",
        "region": "Новосибирская область",
        "longitude": 82.9357,
        "latitude": 55.0084,
    },
    {
        "code": 259,
        "city": "Челябинск",
        "region": "Челябинская область",
        "longitude": 61.4026,
        "latitude": 55.16,
    },
)

#: (from, to) → (base sum, per started kg, period_min, period_max), both directions.
ROUTES: dict[frozenset[int], tuple[int, int, int, int]] = {
    frozenset({44}): (300, 20, 1, 1),
    frozenset({137}): (300, 20, 1, 1),
    frozenset({270}): (300, 20, 1, 1),
    frozenset({259}): (300, 20, 1, 1),
    frozenset({44, 137}): (450, 40, 1, 2),
    frozenset({44, 270}): (700, 90, 3, 5),
    frozenset({44, 259}): (600, 70, 2, 4),
    frozenset({137, 270}): (800, 100, 4, 6),
    frozenset({270, 259}): (550, 60, 2, 3),
}
#: Tariff code → price multiplier (warehouse-warehouse is cheapest, door-door dearest).
TARIFFS = {136: Decimal("0.8"), 137: Decimal("0.9"), 138: Decimal("0.9"), 139: Decimal(1)}
INSURANCE_RATE = Decimal("0.0075")
#: The heaviest package the parcel tariffs take (grams, the weight charged); heavier ones are
#: refused with the calculator's documented ``ERR_PVZ_WEIGHT_LIMIT``.
MAX_WEIGHT = 30_000
FAULTS = ("slow", "drop", "500", "garbage", "empty", "notfound")


_MSK = timezone(timedelta(hours=3))
_ticks = itertools.count()


def _now() -> str:
    """The stand-in's clock: a minute later at every call, in CDEK's ``±hhmm`` format."""
    moment = datetime(2025, 6, 23, 9, 0, tzinfo=_MSK) + timedelta(minutes=next(_ticks))
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def _route(method: str, path: str) -> str:
    """``POST /v2/orders`` → ``POST /orders``; a uuid in the path becomes ``{uuid}``."""
    parts = path.removeprefix("/v2").strip("/").split("/")
    shape = [
        "{uuid}" if i > 0 and parts[0] in ("orders", "intakes") else p for i, p in enumerate(parts)
    ]
    return f"{method} /{'/'.join(shape)}"


class _Reply(Exception):
    def __init__(self, status: int, body: object) -> None:
        self.status = status
        self.body = body


def _invalid(status: int, kind: str, code: str, message: str) -> _Reply:
    return _Reply(
        status,
        {
            "requests": [
                {
                    "request_uuid": str(uuid.uuid4()),
                    "type": kind,
                    "date_time": _now(),
                    "state": "INVALID",
                    "errors": [{"code": code, "message": message}],
                }
            ]
        },
    )


class CdekStandin:
    """The stand-in server. Use as a context manager; ``base_url`` ends in ``/v2``."""

    def __init__(
        self,
        *,
        processing_polls: int = 1,
        token_lifetime: int = 3599,
        today: date | None = None,
        calculator_error_status: int = 400,
    ) -> None:
        self.processing_polls = processing_polls
        self.token_lifetime = token_lifetime
        self.today = today or date.today()
        self.calculator_error_status = calculator_error_status
        self.orders: dict[str, dict[str, Any]] = {}
        self.intakes: dict[str, dict[str, Any]] = {}
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.log: list[str] = []
        self.handler_errors: list[BaseException] = []
        self._faults: dict[str, deque[tuple[str, float]]] = defaultdict(deque)
        self._numbers = itertools.count(1_107_000_001)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> CdekStandin:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        standin = self

        class Handler(_Handler):
            pass

        Handler.standin = standin
        server = _Server(("127.0.0.1", 0), Handler)
        server.standin = standin
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="cdek-standin"
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        assert self._thread is not None
        self._thread.join()
        self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v2"

    # ------------------------------------------------------------------ knobs
    def inject(self, route: str, fault: str, *, times: int = 1, delay: float = 2.0) -> None:
        """Make the next ``times`` calls of ``route`` fail with ``fault`` (see the module)."""
        assert fault in FAULTS, fault
        with self._lock:
            self._faults[route].extend([(fault, delay)] * times)

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (as after its expiry)."""
        with self._lock:
            self.tokens.clear()

    def add_status(self, order_uuid: str, code: str, name: str, city: str = "Москва") -> None:
        """The order moves on: a new status, newest first as CDEK lists them."""
        with self._lock:
            order = self.orders[order_uuid]["entity"]
            order["statuses"].insert(
                0,
                {"code": code, "name": name, "date_time": _now(), "city": city, "deleted": False},
            )

    def calls(self, route: str) -> int:
        """How many calls of ``route`` (``"POST /orders"``) reached the server."""
        return sum(1 for r in self.log if r == route)

    def live_orders(self, number: str) -> list[dict[str, Any]]:
        """The orders with this number that were not refused."""
        return [
            o["entity"]
            for o in self.orders.values()
            if o["entity"].get("number") == number and o["outcome"] != "INVALID"
        ]

    def _next_fault(self, route: str) -> tuple[str, float] | None:
        with self._lock:
            queue = self._faults.get(route)
            return queue.popleft() if queue else None

    # ------------------------------------------------------------------ routes
    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, raw: bytes
    ) -> tuple[int, object]:
        parts = path.removeprefix("/v2").strip("/").split("/")
        try:
            if parts == ["oauth", "token"] and method == "POST":
                return 200, self._token(query, headers, raw)
            self._authorise(headers)
            body = json.loads(raw, parse_float=Decimal) if raw else None
            with self._lock:
                return self._dispatch(method, parts, query, body)
        except _Reply as reply:
            return reply.status, reply.body

    def _token(self, query: dict[str, str], headers: Any, raw: bytes) -> object:
        fields = dict(query)
        if "x-www-form-urlencoded" in (headers.get("Content-Type") or ""):
            fields.update({k: v[0] for k, v in parse_qs(raw.decode()).items()})
        with self._lock:
            self.token_requests += 1
            if (
                fields.get("grant_type") != "client_credentials"
                or fields.get("client_id") != CLIENT_ID
                or fields.get("client_secret") != CLIENT_SECRET
            ):
                raise _Reply(
                    401, {"error": "unauthorized", "error_description": "No such account secure"}
                )
            token = f"standin-token-{self.token_requests}"
            self.tokens.add(token)
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.token_lifetime,
            "scope": "location:all order:all payment:all",
            "jti": str(uuid.uuid4()),
        }

    def _authorise(self, headers: Any) -> None:
        value = headers.get("Authorization") or ""
        with self._lock:
            ok = value.startswith("Bearer ") and value[7:] in self.tokens
        if not ok:
            raise _invalid(401, "AUTH", "v2_token_expired", "Токен истёк или не передан")

    def _dispatch(
        self, method: str, parts: list[str], query: dict[str, str], body: Any
    ) -> tuple[int, object]:
        match method, parts:
            case "GET", ["location", "cities"]:
                return 200, self._cities(query)
            case "GET", ["location", "suggest", "cities"]:
                return 200, self._suggest(query)
            case "POST", ["calculator", "tariff"]:
                return 200, self._tariff(body)
            case "POST", ["orders"]:
                return 202, self._create_order(body)
            case "GET", ["orders"]:
                return 200, self._find_order(query)
            case "GET", ["orders", order_uuid]:
                return 200, self._show(self.orders, order_uuid)
            case "DELETE", ["orders", order_uuid]:
                return 202, self._delete_order(order_uuid)
            case "POST", ["intakes"]:
                return 202, self._create_intake(body)
            case "GET", ["intakes", intake_uuid]:
                return 200, self._show(self.intakes, intake_uuid)
            case "DELETE", ["intakes", intake_uuid]:
                return 200, self._delete_intake(intake_uuid)
        raise _Reply(404, {"errors": [{"code": "v2_bad_request", "message": "no such method"}]})

    def _cities(self, query: dict[str, str]) -> list[dict[str, Any]]:
        countries = (query.get("country_codes") or "RU").split(",")
        return [
            {
                **c,
                "city_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, c["city"])),
                "country_code": "RU",
                "country": "Россия",
                "time_zone": "Europe/Moscow",
                "payment_limit": -1.0,
            }
            for c in CITIES
            if "RU" in countries and ("city" not in query or c["city"] == query["city"])
        ]

    def _suggest(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """Fuzzy search: any city whose name starts with ``name``, case aside."""
        text = (query.get("name") or "").casefold()
        return [
            {
                "city_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, c["city"])),
                "code": c["code"],
                "full_name": f"{c['city']}, {c['region']}, Россия",
                "country_code": "RU",
            }
            for c in CITIES
            if text and c["city"].casefold().startswith(text)
        ]

    def _tariff(self, body: Any) -> dict[str, Any]:
        try:
            code = int(body["tariff_code"])
            a = int(body["from_location"]["code"])
            b = int(body["to_location"]["code"])
            package = body["packages"][0]
            grams = int(package["weight"])
        except (KeyError, TypeError, ValueError, IndexError):
            raise _Reply(
                400, {"errors": [{"code": "v2_bad_request", "message": "Некорректный запрос"}]}
            ) from None
        route = ROUTES.get(frozenset({a, b}))
        if route is None or code not in TARIFFS:
            raise _Reply(
                self.calculator_error_status,
                {
                    "errors": [
                        {
                            "code": "err_result_service_empty",
                            "message": "Выбранный тариф недоступен по заданному направлению",
                        }
                    ]
                },
            )
        if all(k in package for k in ("length", "width", "height")):
            grams = max(
                grams, int(package["length"]) * int(package["width"]) * int(package["height"]) // 5
            )
        if grams > MAX_WEIGHT:
            raise _Reply(
                self.calculator_error_status,
                {
                    "errors": [
                        {
                            "code": "ERR_PVZ_WEIGHT_LIMIT",
                            "message": f"Вес {grams} г превышает допустимый для тарифа",
                        }
                    ]
                },
            )
        base, per_kg, low, high = route
        kilos = (Decimal(grams) / 1000).to_integral_value(rounding=ROUND_CEILING)
        delivery = ((base + per_kg * kilos) * TARIFFS[code]).quantize(Decimal("0.01"))
        insured = Decimal(0)
        for service in body.get("services") or ():
            if service.get("code") == "INSURANCE":
                insured = (Decimal(service["parameter"]) * INSURANCE_RATE).quantize(Decimal("0.01"))
        return {
            "delivery_sum": delivery,
            "period_min": low,
            "period_max": high,
            "calendar_min": low,
            "calendar_max": high + 1,
            "weight_calc": grams,
            "services": [{"code": "INSURANCE", "sum": insured, "total_sum": insured}]
            if insured
            else [],
            "total_sum": delivery + insured,
            "currency": "RUB",
        }

    # -- entities: {"entity": …, "requests": […], "outcome", "polls", "errors"}
    def _request(self, kind: str) -> dict[str, Any]:
        return {
            "request_uuid": str(uuid.uuid4()),
            "type": kind,
            "date_time": _now(),
            "state": "ACCEPTED",
        }

    def _envelope(self, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "entity": record["entity"],
            "requests": record["requests"],
            "related_entities": record["entity"].get("related_entities", []),
        }

    def _advance(self, record: dict[str, Any]) -> None:
        """A pending request is processed once it has been read ``processing_polls`` times."""
        pending = [r for r in record["requests"] if r["state"] == "ACCEPTED"]
        if not pending:
            return
        if record["polls"] > 0:
            record["polls"] -= 1
            return
        for request in pending:
            finish = record.pop("finish_" + request["type"].lower())
            finish(record, request)

    def _show(self, table: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
        record = table.get(key)
        if record is None:
            raise _invalid(404, "GET", "v2_entity_not_found", f"Entity is not found by uuid {key}")
        self._advance(record)
        return self._envelope(record)

    def _create_order(self, body: Any) -> dict[str, Any]:
        required = ("tariff_code", "recipient", "packages")
        missing = [f for f in required if not isinstance(body, dict) or not body.get(f)]
        if missing:
            raise _invalid(400, "CREATE", "v2_field_is_empty", f"Поле не заполнено: {missing[0]}")
        heavy = [
            p
            for p in body["packages"]
            if isinstance(p, dict) and int(p.get("weight", 0)) > MAX_WEIGHT
        ]
        if heavy:
            raise _invalid(
                400,
                "CREATE",
                "ERR_PVZ_WEIGHT_LIMIT",
                f"Вес {heavy[0]['weight']} г превышает допустимый для тарифа",
            )
        number = body.get("number")
        order_uuid = str(uuid.uuid4())
        duplicate = bool(number) and bool(self.live_orders(number))
        entity = {
            "uuid": order_uuid,
            "type": body.get("type", 1),
            "number": number,
            "tariff_code": body["tariff_code"],
            "sender": body.get("sender"),
            "recipient": body["recipient"],
            "from_location": body.get("from_location"),
            "to_location": body.get("to_location"),
            "packages": body["packages"],
            "statuses": [],
            "related_entities": [],
        }
        request = self._request("CREATE")

        def finish(record: dict[str, Any], req: dict[str, Any]) -> None:
            if record["outcome"] == "INVALID":
                req["state"] = "INVALID"
                req["errors"] = [
                    {
                        "code": "error_validate_im_dep_number_has_already_had_integration",
                        "message": "Введенный номер отправления ИМ не уникальный. "
                        "Введите уникальный номер.",
                    }
                ]
                record["entity"]["statuses"] = [
                    {
                        "code": "INVALID",
                        "name": "Некорректный заказ",
                        "date_time": _now(),
                        "deleted": False,
                    }
                ]
                return
            req["state"] = "SUCCESSFUL"
            record["entity"]["cdek_number"] = str(next(self._numbers))
            accepted, created = _now(), _now()
            record["entity"]["statuses"] = [  # newest first, as recorded from CDEK
                {
                    "code": "CREATED",
                    "name": "Создан",
                    "date_time": created,
                    "city": "Офис СДЭК",
                    "deleted": False,
                },
                {
                    "code": "ACCEPTED",
                    "name": "Принят",
                    "date_time": accepted,
                    "city": "Офис СДЭК",
                    "deleted": False,
                },
            ]

        record = {
            "entity": entity,
            "requests": [request],
            "outcome": "INVALID" if duplicate else "SUCCESSFUL",
            "polls": self.processing_polls,
            "finish_create": finish,
        }
        self.orders[order_uuid] = record
        return {"entity": {"uuid": order_uuid}, "requests": [dict(request)], "related_entities": []}

    def _find_order(self, query: dict[str, str]) -> dict[str, Any]:
        if "im_number" in query:
            found = [
                o for o in self.orders.values() if o["entity"].get("number") == query["im_number"]
            ]
            code = "v2_entity_not_found_im_number"
        elif "cdek_number" in query:
            found = [
                o
                for o in self.orders.values()
                if o["entity"].get("cdek_number") == query["cdek_number"]
            ]
            code = "v2_order_not_found"
        else:
            raise _invalid(400, "GET", "v2_parameters_empty", "Не передан параметр поиска")
        if not found:
            # the documentation leaves 400 or 404 open: answer 400 here, 404 for a uuid
            raise _invalid(400, "GET", code, "Заказ не найден")
        # several orders with one number: the most recently *created* one, as documented; an
        # order refused as a duplicate was never created, so it comes back only when alone
        created = [o for o in found if o["outcome"] != "INVALID"]
        record = (created or found)[-1]
        self._advance(record)
        return self._envelope(record)

    def _delete_order(self, order_uuid: str) -> dict[str, Any]:
        record = self.orders.get(order_uuid)
        if record is None:
            raise _invalid(
                404, "DELETE", "v2_entity_not_found", f"Entity is not found by uuid {order_uuid}"
            )
        request = self._request("DELETE")

        def finish(record: dict[str, Any], req: dict[str, Any]) -> None:
            latest = record["entity"]["statuses"][0]["code"] if record["entity"]["statuses"] else ""
            if latest not in ("CREATED", "ACCEPTED"):
                req["state"] = "INVALID"
                req["errors"] = [
                    {
                        "code": "v2_update_forbidden",
                        "message": "Удаление невозможно: груз уже в пути",
                    }
                ]
                return
            req["state"] = "SUCCESSFUL"
            record["entity"]["statuses"].insert(
                0, {"code": "REMOVED", "name": "Удален", "date_time": _now(), "deleted": False}
            )

        record["requests"].append(request)
        record["polls"] = self.processing_polls
        record["finish_delete"] = finish
        return {"entity": {"uuid": order_uuid}, "requests": [dict(request)], "related_entities": []}

    def _create_intake(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise _invalid(400, "CREATE", "v2_invalid_format", "Ожидался объект")
        for field in ("intake_date", "intake_time_from", "intake_time_to"):
            if not body.get(field):
                raise _invalid(400, "CREATE", "v2_field_is_empty", f"Поле не заполнено: {field}")
        try:
            day = date.fromisoformat(body["intake_date"])
            start = datetime.strptime(body["intake_time_from"], "%H:%M").time()
            end = datetime.strptime(body["intake_time_to"], "%H:%M").time()
        except ValueError:
            raise _invalid(
                400, "CREATE", "v2_invalid_format", "Неверный формат даты или времени"
            ) from None
        if not self.today <= day <= self.today + timedelta(days=31):
            raise _invalid(
                400, "CREATE", "v2_bad_request", "Дата забора: от сегодня до 31 дня вперёд"
            )
        if start.hour < 9 or (end.hour, end.minute) > (22, 0) or end <= start:
            raise _invalid(400, "CREATE", "v2_bad_request", "Время забора: с 09:00 до 22:00")
        order_uuid = body.get("order_uuid")
        order = self.orders.get(order_uuid or "")
        if order is None:
            raise _invalid(
                400, "CREATE", "v2_entity_not_found", f"Entity is not found by uuid {order_uuid}"
            )
        taken = any(
            i["entity"]["order_uuid"] == order_uuid
            and i["outcome"] != "INVALID"
            and not any(s["code"] == "REMOVED" for s in i["entity"]["statuses"])
            for i in self.intakes.values()
        )
        intake_uuid = str(uuid.uuid4())
        request = self._request("CREATE")

        def finish(record: dict[str, Any], req: dict[str, Any]) -> None:
            if record["outcome"] == "INVALID":
                req["state"] = "INVALID"
                req["errors"] = [
                    {
                        "code": "v2_intake_exists_by_order",
                        "message": "Заявка на вызов курьера по заказу уже существует",
                    }
                ]
                return
            req["state"] = "SUCCESSFUL"
            record["entity"]["intake_number"] = str(next(self._numbers))
            record["entity"]["statuses"] = [
                {"code": status, "name": status, "date_time": _now()}
                for status in ("READY_FOR_APPOINTMENT", "CREATED", "ACCEPTED")
            ]

        self.intakes[intake_uuid] = {
            "entity": {"uuid": intake_uuid, **body, "statuses": []},
            "requests": [request],
            "outcome": "INVALID" if taken else "SUCCESSFUL",
            "polls": self.processing_polls,
            "finish_create": finish,
        }
        if not taken:
            order["entity"]["related_entities"].append({"type": "intake", "uuid": intake_uuid})
        return {
            "entity": {"uuid": intake_uuid},
            "requests": [dict(request)],
            "related_entities": [],
        }

    def _delete_intake(self, intake_uuid: str) -> dict[str, Any]:
        record = self.intakes.get(intake_uuid)
        if record is None:
            raise _invalid(
                404, "DELETE", "v2_entity_not_found", f"Entity is not found by uuid {intake_uuid}"
            )
        record["entity"]["statuses"].insert(
            0, {"code": "REMOVED", "name": "Удалена", "date_time": _now()}
        )
        request = {**self._request("DELETE"), "state": "SUCCESSFUL"}
        record["requests"].append(request)
        return {"entity": {"uuid": intake_uuid}, "requests": [request]}


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    standin: CdekStandin

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        error = sys.exc_info()[1]
        if error is not None:
            self.standin.handler_errors.append(error)


def _json_bytes(body: object) -> bytes:
    def default(value: object) -> object:
        if isinstance(value, Decimal):
            return float(value)
        raise TypeError(repr(value))

    return json.dumps(body, ensure_ascii=False, default=default).encode()


class _Handler(BaseHTTPRequestHandler):
    standin: CdekStandin

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        route = _route(method, split.path)
        standin = self.standin
        with standin._lock:
            standin.log.append(route)
        fault = standin._next_fault(route)
        kind = fault[0] if fault else None
        if kind == "500":
            self._send(
                500,
                _json_bytes(
                    {
                        "requests": [
                            {
                                "type": "GET",
                                "state": "INVALID",
                                "errors": [
                                    {"code": "v2_internal_error", "message": "Internal error"}
                                ],
                            }
                        ]
                    }
                ),
            )
            return
        if kind == "garbage":
            self._send(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
            return
        if kind == "empty":
            self._send(200, b"{}")
            return
        if kind == "notfound":
            missing: dict[str, object] = {
                "requests": [
                    {
                        "type": "GET",
                        "state": "INVALID",
                        "errors": [
                            {"code": "v2_entity_not_found_im_number", "message": "Заказ не найден"}
                        ],
                    }
                ]
            }
            self._send(400, _json_bytes(missing))
            return
        status, body = standin.handle(method, split.path, query, self.headers, raw)
        if kind == "drop":
            self.close_connection = True
            return
        if kind == "slow":
            assert fault is not None
            if standin._stopping.wait(fault[1]):
                return
        self._send(status, _json_bytes(body))

    def _send(self, status: int, payload: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")
