"""A local stand-in for the Dostavista Business API 1.4: a real HTTP server on 127.0.0.1
speaking the documented wire format (see ``dostavista.md`` in the project's shared notes).

It knows the addresses of two towns (Москва, Санкт-Петербург; points in both is
``different_regions``, anything else ``address_not_found``), prices an order by its vehicle
and weight, refuses a load over the vehicle's payload (``total_weight_kg: max_value``), keeps
orders in memory (``new`` until :meth:`DostavistaStandin.advance`), debits a simulated
balance for orders paid from it (``insufficient_balance`` when short), answers ``GET /client``
with the balance.

Faults are queued per route (``"POST /create-order"``…) with :meth:`DostavistaStandin.inject`:
``500`` (an HTML page with status 500, nothing happens), ``garbage`` (status 200, a cut
JSON, nothing happens), ``drop`` (the request takes effect, the connection is closed
without an answer).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import defaultdict, deque
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "standin-token"
MSK = timezone(timedelta(hours=3))
TOWNS = {"Москва": ("55.7558", "37.6173"), "Санкт-Петербург": ("59.9343", "30.3351")}
#: vehicle type -> (payload kg, base fare)
VEHICLES = {6: (15, 300), 7: (50, 350), 1: (500, 600), 2: (700, 800), 3: (1000, 1000),
            4: (1500, 1500), 5: (10000, 3000)}  # fmt: skip
PREFIX = "/api/business/1.4"


class DostavistaStandin:
    def __init__(self, *, balance: Decimal = Decimal("100000.00")) -> None:
        self.balance = balance
        self.orders: dict[int, dict[str, Any]] = {}
        self.faults: dict[str, deque[str]] = defaultdict(deque)
        self._ids = itertools.count(1250001)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    def __enter__(self) -> DostavistaStandin:
        standin = self

        class Handler(_Handler):
            owner = standin

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def inject(self, route: str, *faults: str) -> None:
        self.faults[route].extend(faults)

    def advance(self, order_id: int, status: str) -> None:
        self.orders[order_id]["status"] = status

    # ------------------------------------------------------------------ the API
    def _points(self, body: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        points = body.get("points") or []
        errors: list[Any] = []
        towns = []
        for point in points:
            address = str(point.get("address", ""))
            town = next((t for t in TOWNS if address.startswith(t)), None)
            towns.append(town)
            errors.append(None if town else {"address": ["address_not_found"]})
        if all(towns) and len(set(towns)) > 1:
            errors[-1] = {"address": ["different_regions"]}
        problems: dict[str, Any] = {}
        if any(errors):
            problems["points"] = errors
        vehicle = body.get("vehicle_type_id", 7)
        if vehicle not in VEHICLES:
            problems["vehicle_type_id"] = ["invalid_vehicle_type"]
        elif int(body.get("total_weight_kg", 0)) > VEHICLES[vehicle][0]:
            problems["total_weight_kg"] = ["max_value"]
        out = [
            {**p, "latitude": TOWNS[t][0], "longitude": TOWNS[t][1]} if t else dict(p)
            for p, t in zip(points, towns, strict=True)
        ]
        return out, problems

    def _price(self, body: dict[str, Any]) -> Decimal:
        vehicle = body.get("vehicle_type_id", 7)
        return Decimal(VEHICLES[vehicle][1]) + Decimal(int(body.get("total_weight_kg", 0))) * 5

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        if method == "GET" and path == "":
            return 200, {"is_successful": True}
        if method == "POST" and path in ("/calculate-order", "/create-order"):
            points, problems = self._points(body)
            if problems:
                return 400, {
                    "is_successful": False,
                    "errors": ["invalid_parameters"],
                    "parameter_errors": problems,
                }
            price = self._price(body)
            order = {
                "order_id": None,
                "status": None,
                "points": points,
                "matter": body["matter"],
                "vehicle_type_id": body.get("vehicle_type_id"),
                "total_weight_kg": body.get("total_weight_kg", 0),
                "payment_amount": f"{price:.2f}",
                "delivery_fee_amount": f"{price:.2f}",
            }
            if path == "/calculate-order":
                return 200, {"is_successful": True, "order": order, "warnings": []}
            if any(not (p.get("contact_person") or {}).get("phone") for p in points):
                return 400, {
                    "is_successful": False,
                    "errors": ["invalid_parameters"],
                    "parameter_errors": {"points": [{"contact_person": {"phone": ["required"]}}]},
                }
            if body.get("payment_method") in ("balance", "non_cash"):
                if self.balance < price:
                    return 400, {
                        "is_successful": False,
                        "errors": ["insufficient_balance"],
                        "parameter_errors": None,
                    }
                self.balance -= price
            order_id = next(self._ids)
            order.update(
                order_id=order_id,
                order_name=str(order_id)[-5:],
                status="new",
                created_datetime=datetime.now(MSK).isoformat(timespec="seconds"),
                points=[
                    {
                        **p,
                        "point_id": order_id * 10 + i,
                        "tracking_url": f"https://dostavista.example/t/{order_id}/{i}",
                    }
                    for i, p in enumerate(points)
                ],
            )
            self.orders[order_id] = order
            return 200, {"is_successful": True, "order": order}
        if method == "POST" and path == "/cancel-order":
            order = self.orders.get(int(body.get("order_id", 0)))
            if order is None:
                return 400, {
                    "is_successful": False,
                    "errors": ["invalid_parameters"],
                    "parameter_errors": {"order_id": ["invalid_value"]},
                }
            if order["status"] not in ("new", "available", "active", "delayed"):
                return 400, {"is_successful": False, "errors": ["order_cannot_be_canceled"]}
            order["status"] = "canceled"
            return 200, {"is_successful": True, "order": order}
        if method == "GET" and path == "/orders":
            wanted = {int(i) for i in query.get("order_id[]", []) if i.isdigit()}
            found = [o for o in self.orders.values() if not wanted or o["order_id"] in wanted]
            offset = int(query.get("offset", ["0"])[0])
            count = min(int(query.get("count", ["10"])[0]), 50)
            page = found[offset : offset + count]
            return 200, {"is_successful": True, "orders": page, "orders_count": len(page)}
        if method == "GET" and path == "/client":
            return 200, {
                "is_successful": True,
                "client": {
                    "legal_type": "legal_entity",
                    "allowed_payment_methods": ["balance", "cash"],
                    "balance": f"{self.balance:.2f}",
                },
            }
        return 400, {"is_successful": False, "errors": ["invalid_api_method"]}


class _Handler(BaseHTTPRequestHandler):
    owner: DostavistaStandin

    def log_message(self, format: str, *args: Any) -> None:
        del format, args

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path.removeprefix(PREFIX).rstrip("/")
        route = f"{method} {path}"
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        fault = None
        with self.owner._lock:
            if self.owner.faults[route]:
                fault = self.owner.faults[route].popleft()
        if fault == "500":
            self._send(500, b"<html>Internal Server Error</html>", "text/html")
            return
        if fault == "garbage":
            self._send(200, b'{"is_successful": tr', "application/json")
            return
        if self.headers.get("X-DV-Auth-Token") != TOKEN:
            body = {"is_successful": False, "errors": ["invalid_auth_token"]}
            self._send(401, json.dumps(body).encode(), "application/json")
            return
        with self.owner._lock:
            status, answer = self.owner.handle(
                method, path, parse_qs(parts.query), json.loads(raw) if raw else None
            )
        if fault == "drop":
            self.close_connection = True
            self.connection.close()
            return
        self._send(status, json.dumps(answer, ensure_ascii=False).encode(), "application/json")

    def _send(self, status: int, data: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")
