"""A local stand-in for Dellin's API (Деловые Линии): a real HTTP server on 127.0.0.1 speaking
the wire format of ``dellin.md`` in the project's shared notes.

Every route is ``POST`` with a JSON body; ``appkey`` (and ``sessionID`` where the account is
needed) travel in the body. Answers are ``{"metadata": {"status", "generated_at"}, "data"}``
except the city search (top-level ``cities``), the terminals (top-level ``terminals``) and the
orders journal (top-level ``orders``); refusals are ``{"metadata": {"status": 400, …},
"errors": [{code, title, detail, fields}]}``.

It knows six cities with their KLADR codes and terminals, prices LTL cargo by weight, volume,
distance, oversize and special transport (10 % off with a session: the contract's discount;
``contract_price`` answers ``price: null``), keeps requests in memory (each is at once an order
in ``processing``, with ``orderId`` and a ``request`` document, unless ``auto_process`` is
false: then :meth:`DellinStandin.process` does it), moves them with
:meth:`DellinStandin.advance`, cancels a pickup until 17:00 (Moscow) of the day before it
(``now``), prints a tiny PDF for a waybill.

Faults are queued per path (``"/v2/request.json"``…) with :meth:`DellinStandin.inject`:
``500`` (an HTML page, nothing happens), ``garbage`` (status 200, a cut JSON, nothing happens),
``timeout`` (no answer within :attr:`DellinStandin.delay`, nothing happens), ``lost`` (the
request takes effect, the answer comes too late), ``MetaData`` (the envelope's key spelled so).
:meth:`DellinStandin.expire_sessions` makes every open session refused (HTTP 401) on its next
use.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
import uuid
from collections import defaultdict, deque
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

APPKEY = "0A1B2C3D-0000-4000-8000-00000000A55C"
LOGIN = "sklad@romashka.example"
PASSWORD = "standin-password"
PAT = "standin-personal-access-token"
FREIGHT_UID = "0xa4a904f0e0ea6bc4407b7a3d2b4b6b31"
MSK = timezone(timedelta(hours=3))
#: the heaviest cargo it takes, kg (the adapter refuses heavier first)
MAX_WEIGHT_KG = 20_000

#: name -> (cityID, KLADR code, region, terminals [(id, name, address)])
CITIES: dict[str, tuple[int, str, str, list[tuple[int, str, str]]]] = {
    "Москва": (
        1,
        "7700000000000000000000000",
        "Москва",
        [(39, "Москва Восток", "ул. Складочная, 1"), (40, "Москва Юг", "Варшавское ш., 170")],
    ),
    "Санкт-Петербург": (
        2,
        "7800000000000000000000000",
        "Санкт-Петербург",
        [(60, "Санкт-Петербург Парнас", "пр. Энгельса, 163")],
    ),
    "Новосибирск": (
        3,
        "5400000100000000000000000",
        "Новосибирская обл.",
        [(71, "Новосибирск Толмачёвский", "ул. Толмачёвская, 45")],
    ),
    "Омск": (4, "5500000100000000000000000", "Омская обл.", [(80, "Омск", "ул. 22 Декабря, 98")]),
    "Екатеринбург": (
        5,
        "6600000100000000000000000",
        "Свердловская обл.",
        [(90, "Екатеринбург", "ул. Складская, 4")],
    ),
    "Казань": (6, "1600000100000000000000000", "Республика Татарстан", []),
}
#: the line-haul days from Москва (other pairs: 5)
DAYS = {
    "Москва": 1,
    "Санкт-Петербург": 2,
    "Казань": 3,
    "Екатеринбург": 4,
    "Омск": 6,
    "Новосибирск": 7,
}
STATE_NAMES = {
    "processing": "В обработке",
    "pickup": "Забор груза от адреса",
    "received": "Груз принят к перевозке",
    "inway": "Груз в пути",
    "arrived": "Груз прибыл на терминал",
    "delivery": "Доставка груза до адреса",
    "finished": "Заказ завершён",
    "declined": "Отклонён",
}
_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
_SESSION_ROUTES = {
    "/v2/request.json",
    "/v3/orders/cancel_pickup.json",
    "/v3/orders/cancel_delivery.json",
    "/v1/printable.json",
    "/v3/auth/session_info.json",
}


def _error(status: int, code: int, title: str, *fields: str, detail: str = "") -> tuple[int, Any]:
    return status, {
        "metadata": {"status": status, "detail": title, "generated_at": _stamp()},
        "errors": [
            {
                "code": code,
                "title": title,
                "detail": detail or title,
                "link": f"https://dev.dellin.ru/api/errors/#error_{code}",
                "fields": list(fields),
            }
        ],
    }


def _stamp() -> str:
    return datetime.now(MSK).strftime("%Y-%m-%d %H:%M:%S")


def _city_of(text: str) -> str | None:
    return next((c for c in CITIES if text.strip().startswith(c)), None)


class DellinStandin:
    def __init__(
        self,
        *,
        now: datetime = datetime(2025, 6, 23, 7, 0, tzinfo=UTC),
        auto_process: bool = True,
    ) -> None:
        self.now = now
        self.auto_process = auto_process
        self.contract_price = False
        self.delay = 1.5
        self.orders: dict[int, dict[str, Any]] = {}  # by requestID
        self.sessions: set[str] = set()
        self.logins = 0
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.faults: dict[str, deque[str]] = defaultdict(deque)
        self._requests = itertools.count(400275691)
        self._orders = itertools.count(25100000001)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> DellinStandin:
        standin = self

        class Handler(_Handler):
            owner = standin

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ test hooks
    def inject(self, path: str, *faults: str) -> None:
        self.faults[path].extend(faults)

    def expire_sessions(self) -> None:
        self.sessions.clear()

    def process(self, request_id: int) -> None:
        """Dellin processes the request: it becomes an order with an ``orderId``."""
        order = self.orders[request_id]
        if order["orderId"] is None:
            order["orderId"] = next(self._orders)

    def advance(self, request_id: int, state: str) -> None:
        """Move the order to ``state``; from ``received`` on it has a waybill."""
        self.process(request_id)
        order = self.orders[request_id]
        order["state"] = state
        order["stateName"] = STATE_NAMES.get(state, state)
        order["history"].append((state, self.now + timedelta(hours=len(order["history"]))))
        if state not in ("processing", "pickup", "declined") and not any(
            d["type"] == "shipping" for d in order["documents"]
        ):
            order["documents"].append(
                {
                    "id": order["orderId"],
                    "uid": f"0x{uuid.uuid4().hex}",
                    "type": "shipping",
                    "state": "in_way",
                }
            )

    # ------------------------------------------------------------------ the API
    def _price(self, body: dict[str, Any], session: bool) -> tuple[int, Any] | dict[str, Any]:
        delivery = body.get("delivery") or {}
        legs = {}
        for side in ("derival", "arrival"):
            leg = delivery.get(side) or {}
            if leg.get("variant") == "terminal":
                if (leg.get("address") or {}).get("search"):
                    return _error(
                        400,
                        180002,
                        "Некорректный адрес: необходимо указать терминал",
                        f"delivery.{side}.address",
                    )
                terminal = int(leg.get("terminalID") or 0)
                city = next(
                    (c for c, v in CITIES.items() if terminal in [t[0] for t in v[3]]), None
                )
                if city is None:
                    return _error(
                        400,
                        117004,
                        "значение не найдено в справочнике",
                        f"delivery.{side}.terminalID",
                    )
            elif leg.get("variant") == "address":
                city = _city_of(str((leg.get("address") or {}).get("search", "")))
                if city is None:
                    return _error(
                        400, 117004, "значение не найдено в справочнике", f"delivery.{side}.address"
                    )
            else:
                return _error(
                    400, 110003, "не указан обязательный параметр", f"delivery.{side}.variant"
                )
            legs[side] = (city, leg)
        cargo = body.get("cargo") or {}
        try:
            weight = float(cargo["totalWeight"])
            volume = float(cargo["totalVolume"])
            produce = date.fromisoformat(legs["derival"][1]["produceDate"])
        except (KeyError, TypeError, ValueError):
            return _error(400, 110003, "не указан обязательный параметр", "cargo")
        if weight > MAX_WEIGHT_KG:
            return _error(400, 281017, "значение вне допустимого диапазона", "cargo.totalWeight")
        origin, target = legs["derival"][0], legs["arrival"][0]
        days = abs(DAYS[target] - DAYS[origin]) or 1
        intercity = Decimal(600) + Decimal(str(weight)) * 12 * days + Decimal(str(volume)) * 900
        if cargo.get("oversizedWeight"):
            intercity += Decimal(str(cargo["oversizedWeight"])) * 3
        requirements = legs["arrival"][1].get("requirements") or []
        door = {
            side: Decimal(450 if leg.get("variant") == "address" else 0)
            for side, (_, leg) in legs.items()
        }
        door["arrival"] += 1500 * len(requirements)
        insured = Decimal(str((cargo.get("insurance") or {}).get("statedValue", 0))) / 1000
        total = intercity + door["derival"] + door["arrival"] + insured
        if session:
            total *= Decimal("0.9")
        total = total.quantize(Decimal("0.01"))
        arrive = produce + timedelta(days=days + 1)
        fmt = "%Y-%m-%d %H:%M:%S"

        def at(day: date, hour: int = 10) -> str:
            return datetime(day.year, day.month, day.day, hour).strftime(fmt)

        return {
            "price": None if self.contract_price else float(total),
            "priceMinimal": float(total),
            "intercity": {"price": float(intercity), "contractPrice": self.contract_price},
            "derival": {"terminal": origin, "price": float(door["derival"])},
            "arrival": {"terminal": target, "price": float(door["arrival"])},
            "insurance": float(insured),
            "orderDates": {
                "derrivalFromOspSender": at(produce + timedelta(days=1)),
                "arrivalToOspReceiver": at(arrive),
                "giveoutFromOspReceiver": at(arrive + timedelta(days=1)),
                "derrivalToAddress": at(arrive + timedelta(days=1)),
                "derivalToAddressMax": at(arrive + timedelta(days=2)),
            },
            "deliveryTerm": 1,
            "_legs": legs,
            "_produce": produce,
        }

    def _ok(self, data: Any) -> tuple[int, Any]:
        return 200, {"metadata": {"status": 200, "generated_at": _stamp()}, "data": data}

    def _public(self, order: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in order.items() if not k.startswith("_") and k != "history"}

    def handle(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        if body.get("appkey") != APPKEY:
            return _error(401, 100001, "Некорректный ключ приложения", "appkey")
        session = body.get("sessionID")
        guarded = path in _SESSION_ROUTES or (session is not None and "/auth/login" not in path)
        if guarded and session not in self.sessions:
            return _error(401, 100002, "Сессия истекла или не найдена", "sessionID")
        if path in ("/v3/auth/login.json", "/v4/auth/login.json"):
            self.logins += 1
            good = (
                body.get("pat") == PAT
                if path.startswith("/v4")
                else (body.get("login"), body.get("password")) == (LOGIN, PASSWORD)
            )
            if not good:
                return 200, {
                    "metadata": {"status": 401, "generated_at": _stamp()},
                    "errors": [
                        {
                            "code": 100003,
                            "title": "Неверный логин или пароль",
                            "fields": ["login", "password"],
                        }
                    ],
                }
            sid = str(uuid.uuid4()).upper()
            self.sessions.add(sid)
            return self._ok({"sessionID": sid})
        if path == "/v3/auth/session_info.json":
            expires = (self.now + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
            return self._ok({"session": {"expireTime": expires, "expired": False}})
        if path == "/v2/public/kladr.json":
            q = str(body.get("q", "")).casefold()
            code = body.get("code")
            found = [
                {
                    "cityID": v[0],
                    "code": v[1],
                    "aString": f"г. {name}",
                    "searchString": name,
                    "region_name": v[2],
                    "isTerminal": 1 if v[3] else 0,
                }
                for name, v in CITIES.items()
                if (q and q in name.casefold()) or (code and code == v[1])
            ]
            return 200, {"cities": found[: int(body.get("limit") or 10)]}
        if path == "/v1/public/request_terminals.json":
            wanted = body.get("code") or body.get("cityID")
            city = next((c for c, v in CITIES.items() if wanted in (v[1], v[0])), None)
            if city is None:
                return _error(400, 117004, "значение не найдено в справочнике", "code")
            v = CITIES[city]
            return 200, {
                "terminals": [
                    {
                        "id": t[0],
                        "city": city,
                        "cityID": v[0],
                        "city_code": v[1],
                        "name": t[1],
                        "address": t[2],
                        "default": i == 0,
                        "express": False,
                    }
                    for i, t in enumerate(v[3])
                ]
            }
        if path == "/v2/calculator.json":
            priced = self._price(body, session is not None)
            if isinstance(priced, tuple):
                return priced
            return self._ok({k: v for k, v in priced.items() if not k.startswith("_")})
        if path == "/v2/request.json":
            if not (body.get("cargo") or {}).get("freightUID"):
                return _error(400, 110003, "не указан обязательный параметр", "cargo.freightUID")
            priced = self._price(body, True)
            if isinstance(priced, tuple):
                return priced
            request_id = next(self._requests)
            legs = priced["_legs"]
            order = {
                "orderId": None,
                "orderNumber": body.get("orderNumber"),
                "orderDate": self.now.date().isoformat(),
                "state": "processing",
                "stateName": STATE_NAMES["processing"],
                "derival": {"city": legs["derival"][0]},
                "arrival": {"city": legs["arrival"][0]},
                "totalSum": priced["price"],
                "orderDates": priced["orderDates"],
                "documents": [
                    {
                        "id": request_id,
                        "uid": f"0x{uuid.uuid4().hex}",
                        "type": "request",
                        "state": "ordered",
                    }
                ],
                "history": [("processing", self.now)],
                "_produce": priced["_produce"],
                "_body": body,
            }
            self.orders[request_id] = order
            if self.auto_process:
                self.process(request_id)
            data: dict[str, Any] = {"state": "success", "requestID": request_id}
            if legs["derival"][1].get("variant") == "terminal":
                data["barcode"] = str(request_id)[-7:]
            return self._ok(data)
        if path == "/v3/orders.json":
            ids = {str(i) for i in body.get("docIds") or ()}
            number = body.get("orderNumber")
            found = [
                self._public(o)
                for rid, o in self.orders.items()
                if (not ids or str(rid) in ids or str(o["orderId"]) in ids)
                and (number is None or o["orderNumber"] == number)
            ]
            return 200, {"metadata": {"status": 200, "generated_at": _stamp()}, "orders": found}
        if path == "/v3/orders/statuses_history.json":
            history: dict[str, Any] = {}
            for number in body.get("docIds") or ():
                order = self._by_number(str(number))
                if order is not None:
                    history[str(number)] = [
                        {
                            "number": str(number),
                            "state": s,
                            "stateName": STATE_NAMES.get(s, s),
                            "stateDate": at.astimezone(MSK).isoformat(timespec="milliseconds"),
                        }
                        for s, at in order["history"]
                    ]
            return self._ok({"statusHistory": history})
        if path in ("/v3/orders/cancel_pickup.json", "/v3/orders/cancel_delivery.json"):
            order = self._by_number(str(body.get("orderID")), processed=True)
            if order is None:
                return _error(400, 608001, "Заказ не найден", "orderID")
            cutoff = datetime.combine(
                order["_produce"] - timedelta(days=1), datetime.min.time(), MSK
            ).replace(hour=17)
            if self.now >= cutoff or order["state"] not in ("processing", "pickup", "waiting"):
                return _error(
                    400,
                    608010,
                    "Изменение недоступно",
                    "orderID",
                    detail="Отмена возможна до 17:00 дня, предшествующего забору",
                )
            for doc in order["documents"]:
                if doc["type"] == "request":
                    doc["state"] = "canceled"
            return self._ok({"state": "success", "status": "success"})
        if path == "/v1/printable.json":
            uid = body.get("docUID") or body.get("docuid")
            for order in self.orders.values():
                for doc in order["documents"]:
                    if doc["uid"] == uid and doc["type"] == "shipping":
                        encoded = base64.b64encode(_PDF).decode()
                        return self._ok([{"uid": uid, "base64": encoded}])
            return _error(400, 117004, "значение не найдено в справочнике", "docUID")
        return _error(404, 100404, "Метод не найден")

    def _by_number(self, number: str, *, processed: bool = False) -> dict[str, Any] | None:
        for rid, order in self.orders.items():
            if str(order["orderId"]) == number or (not processed and str(rid) == number):
                return order
        return None


class _Handler(BaseHTTPRequestHandler):
    owner: DellinStandin

    def log_message(self, format: str, *args: Any) -> None:
        del format, args

    def do_POST(self) -> None:
        path = self.path.split("?")[0]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        owner = self.owner
        with owner._lock:
            fault = owner.faults[path].popleft() if owner.faults[path] else None
        if fault == "500":
            self._send(500, b"<html>Internal Server Error</html>", "text/html")
            return
        if fault == "garbage":
            self._send(200, b'{"metadata": {"status": 200}, "data": {"requ', "application/json")
            return
        if fault == "timeout":
            time.sleep(owner.delay)
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._send(
                400,
                json.dumps(_error(400, 110003, "Некорректный JSON")[1]).encode(),
                "application/json",
            )
            return
        with owner._lock:
            owner.calls.append((path, body))
            status, answer = owner.handle(path, body)
        if fault == "lost":
            time.sleep(owner.delay)
            return
        if fault == "MetaData" and isinstance(answer, dict) and "metadata" in answer:
            answer["MetaData"] = answer.pop("metadata")
        self._send(status, json.dumps(answer, ensure_ascii=False).encode(), "application/json")

    def _send(self, status: int, data: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
