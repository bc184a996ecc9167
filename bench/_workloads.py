"""The benchmarks' workloads, deterministic under one fixed seed (``SEED``).

Everything a benchmark needs to *define* its work lives here, so that clientops and the
baseline a user would otherwise write run on the very same data:

* agenda: a plain SQLite schema with its indexes, the row generators (clients, reactions) and
  the hand-written "today's agenda" SQL (``_plain_sql`` runs it);
* documents: the context of a one-page Russian act of completed works (``_plain_docx``);
* calendar: follow-up call events in Europe/Moscow with a 15-minute alarm (``_plain_ics``).

The same seed and the same generators as the performance anchors the project was first
measured against, so the data (and the figures) can be compared with theirs.
Only the standard library (and phonenumbers, for :func:`card_phone`) is used.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

SEED = 20250623
#: The fixed "now" of every agenda (naive local time, Europe/Moscow). Day 23 > 20,
#: so the unpaid-subscription part of the agenda is active.
NOW = datetime(2025, 6, 23, 10, 0, 0)
MSK = ZoneInfo("Europe/Moscow")

# --------------------------------------------------------------------------- agenda
MANAGERS = 50
SATISFACTION_INTERVAL_DAYS = 14  # "call every assigned client every two weeks"
DEBT_FROM_DAY = 20  # "from the 20th, every day, unpaid ..."
AGENDA_MANAGER = 7  # the manager whose agenda the one-manager query asks for
REACTIONS_PER_CLIENT = (1, 5)  # uniform -> 3 on average

# Timestamps are stored as text in the formats SQLAlchemy uses for SQLite
# (DateTime: 'YYYY-MM-DD HH:MM:SS.ffffff', Date: 'YYYY-MM-DD'), so the raw and the
# ORM benchmark read the same file. Money is stored as integer kopecks.
SCHEMA_SQL = """
CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    manager_id INTEGER NOT NULL,
    last_satisfaction_call DATE,
    birthday DATE,
    subscription_fee_kop INTEGER NOT NULL,
    balance_kop INTEGER NOT NULL
);
CREATE TABLE reactions (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    responsible INTEGER NOT NULL,
    due_at DATETIME NOT NULL,
    done BOOLEAN NOT NULL
);
"""
INDEX_SQL = [
    "CREATE INDEX ix_reactions_resp_done_due ON reactions(responsible, done, due_at)",
    "CREATE INDEX ix_reactions_client ON reactions(client_id)",
    "CREATE INDEX ix_clients_mgr_call ON clients(manager_id, last_satisfaction_call)",
    "CREATE INDEX ix_clients_mgr_balance ON clients(manager_id, balance_kop)",
    "ANALYZE",
]
PRAGMAS = [
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=OFF",
]
INSERT_CLIENT = "INSERT INTO clients VALUES (?,?,?,?,?,?,?,?)"
INSERT_REACTION = "INSERT INTO reactions VALUES (?,?,?,?,?,?,?)"

REACTION_KINDS = ("incoming_call", "outgoing_call", "email", "meeting", "task")
REACTION_TOPICS = (
    "Перезвонить по счёту",
    "Уточнить дату доставки",
    "Звонок удовлетворённости",
    "Отправить акт сверки",
    "Согласовать макет",
    "Претензия: проверить партию",
)
_ORG_WORDS = (
    "Ромашка",
    "Вектор",
    "Северсталь-Сервис",
    "Альфа-Трейд",
    "Гранит",
    "Лотос",
    "Меридиан",
    "Прогресс",
    "Сибирь",
    "Техснаб",
    "Уралмаш-Опт",
    "Янтарь",
)
_FORMS = ("ООО", "АО", "ИП", "ПАО")


def dt_sql(d: datetime) -> str:
    """datetime -> SQLAlchemy's SQLite text format."""
    return d.strftime("%Y-%m-%d %H:%M:%S.%f")


def gen_clients(n: int, seed: int = SEED) -> list[tuple]:
    """Rows for ``clients``: 1..n, 50 managers, ~6% overdue satisfaction calls,
    60% with a subscription of which ~8% carry a negative balance (unpaid)."""
    rng = random.Random(seed)
    today = NOW.date()
    rows = []
    ap = rows.append
    for i in range(1, n + 1):
        days_ago = int(rng.expovariate(1 / 5))  # P(>=14) ~ e^-2.8 ~ 6%
        fee = rng.choice((150_000, 300_000, 500_000, 1_200_000)) if rng.random() < 0.6 else 0
        if fee and rng.random() < 0.08:
            balance = -fee * rng.randint(1, 3)
        else:
            balance = rng.randint(0, 5_000_000)
        ap(
            (
                i,
                f"{_FORMS[i % 4]} «{_ORG_WORDS[i % 12]} {i}»",
                f"+7 9{rng.randint(0, 99):02d} {rng.randint(0, 9999999):07d}",
                rng.randint(1, MANAGERS),
                (today - timedelta(days=days_ago)).isoformat(),
                date(1950 + rng.randint(0, 55), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
                fee,
                balance,
            )
        )
    return rows


def gen_reactions(clients: list[tuple], seed: int = SEED) -> list[tuple]:
    """Rows for ``reactions``: 1-5 per client (3 on average), due within +-30 days of
    NOW; 90% of past ones done, 5% of future ones done; 90% owned by the client's manager."""
    rng = random.Random(seed + 1)
    rows = []
    ap = rows.append
    rid = 0
    span = 30 * 86400
    lo, hi = REACTIONS_PER_CLIENT
    for c in clients:
        cid, mgr = c[0], c[3]
        for _ in range(rng.randint(lo, hi)):
            rid += 1
            off = rng.randint(-span, span)
            past = off <= 0
            done = rng.random() < (0.9 if past else 0.05)
            ap(
                (
                    rid,
                    cid,
                    REACTION_KINDS[rid % 5],
                    REACTION_TOPICS[rid % 6],
                    mgr if rng.random() < 0.9 else rng.randint(1, MANAGERS),
                    dt_sql(NOW + timedelta(seconds=off)),
                    1 if done else 0,
                )
            )
    return rows


def agenda_params(now: datetime = NOW) -> dict:
    """Bound parameters of the agenda queries for ``now``."""
    return {
        "now": dt_sql(now),
        "call_cutoff": (now.date() - timedelta(days=SATISFACTION_INTERVAL_DAYS)).isoformat(),
        "debts_active": now.day >= DEBT_FROM_DAY,
    }


# The three parts of "today's agenda" for one manager (:m), in named-parameter style.
AGENDA_ONE_SQL = {
    "reactions": (
        "SELECT r.id, r.client_id, c.name, c.phone, r.kind, r.topic, r.due_at "
        "FROM reactions r JOIN clients c ON c.id = r.client_id "
        "WHERE r.responsible = :m AND r.done = 0 AND r.due_at <= :now "
        "ORDER BY r.due_at"
    ),
    "calls": (
        "SELECT id, name, phone, last_satisfaction_call FROM clients "
        "WHERE manager_id = :m AND last_satisfaction_call <= :call_cutoff "
        "ORDER BY last_satisfaction_call"
    ),
    "debts": (
        "SELECT id, name, phone, subscription_fee_kop, balance_kop FROM clients "
        "WHERE manager_id = :m AND balance_kop < 0 AND subscription_fee_kop > 0 "
        "ORDER BY balance_kop"
    ),
}
# The same for all managers at once, grouped by manager.
AGENDA_ALL_SQL = {
    "reactions": (
        "SELECT r.responsible, r.id, r.client_id, c.name, c.phone, r.kind, r.topic, r.due_at "
        "FROM reactions r JOIN clients c ON c.id = r.client_id "
        "WHERE r.done = 0 AND r.due_at <= :now "
        "ORDER BY r.responsible, r.due_at"
    ),
    "calls": (
        "SELECT manager_id, id, name, phone, last_satisfaction_call FROM clients "
        "WHERE last_satisfaction_call <= :call_cutoff "
        "ORDER BY manager_id, last_satisfaction_call"
    ),
    "debts": (
        "SELECT manager_id, id, name, phone, subscription_fee_kop, balance_kop FROM clients "
        "WHERE balance_kop < 0 AND subscription_fee_kop > 0 "
        "ORDER BY manager_id, balance_kop"
    ),
}

# ------------------------------------------------------------------------ documents
_RU_ITEMS = (
    ("Абонентское обслуживание за июнь 2025 г.", "мес.", 1, Decimal("12000.00")),
    ("Доставка заказа курьером по Москве", "усл.", 3, Decimal("850.00")),
    ("Печать каталогов А4, 48 полос, тираж 500 экз.", "экз.", 500, Decimal("94.40")),
    ("Разработка макета рекламного модуля", "шт.", 2, Decimal("4500.00")),
    ("Срочность исполнения заказа (надбавка 20%)", "усл.", 1, Decimal("9440.00")),
)


def fmt_money(x: Decimal) -> str:
    """12345.6 -> '12 345,60' (Russian grouping with a no-break space)."""
    s = f"{x:,.2f}"
    return s.replace(",", "\u00a0").replace(".", ",")


def act_context(i: int = 1, seed: int = SEED) -> dict:
    """Context of act No. i: title, parties, 5 items with amounts, total, amount in
    words (a placeholder string: the words routine is the project's own), signatures.
    Values are strings ready to print; ``items`` is a list of 5 dicts."""
    rng = random.Random(seed * 1000 + i)
    items = []
    total = Decimal("0")
    for n, (name, unit, qty, price) in enumerate(_RU_ITEMS, 1):
        price = price + Decimal(rng.randint(0, 99)) / 100
        amount = price * qty
        total += amount
        items.append(
            {
                "n": str(n),
                "name": name,
                "unit": unit,
                "qty": str(qty),
                "price": fmt_money(price),
                "amount": fmt_money(amount),
            }
        )
    vat = (total * Decimal(20) / Decimal(120)).quantize(Decimal("0.01"))
    d = date(2025, 6, 30)
    return {
        "number": f"{i:05d}",
        "date": d.strftime("%d.%m.%Y"),
        "city": "г. Москва",
        "executor": "ООО «Типография „Полиграф-Сервис“»",
        "executor_details": (
            "ИНН 7701234567, КПП 770101001, 123456, г. Москва, ул. Печатников, д. 5"
        ),
        "customer": f"{_FORMS[i % 4]} «{_ORG_WORDS[i % 12]}»",
        "customer_details": (
            "ИНН 7809876543, КПП 780901001, 190000, г. Санкт-Петербург, Невский пр., д. 1"
        ),
        "contract": f"Договор № {100 + i % 900}/25 от 15.01.2025",
        "items": items,
        "total": fmt_money(total),
        "vat": fmt_money(vat),
        "amount_words": "Сто двадцать три тысячи четыреста пятьдесят шесть рублей 78 копеек",
        "executor_sign": "Генеральный директор ______________ / И. И. Иванов /",
        "customer_sign": "Директор ______________ / П. П. Петров /",
    }


# ------------------------------------------------------------------------- calendar
N_EVENTS = 10_000
DTSTAMP = datetime(2025, 6, 23, 7, 0, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CalEvent:
    uid: str
    summary: str
    description: str
    start: datetime  # aware, Europe/Moscow
    duration: timedelta
    alarm_before: timedelta


def gen_events(n: int = N_EVENTS, seed: int = SEED) -> list[CalEvent]:
    """n follow-up events: Cyrillic summary (often > 75 octets, so lines fold),
    DTSTART in Europe/Moscow within working hours, 30 min, alarm 15 min before."""
    rng = random.Random(seed + 2)
    base = datetime(2025, 6, 23, 9, 0, tzinfo=MSK)
    out = []
    for i in range(n):
        start = base + timedelta(days=rng.randint(0, 60), minutes=15 * rng.randint(0, 36))
        org = f"{_FORMS[i % 4]} «{_ORG_WORDS[i % 12]}»"
        out.append(
            CalEvent(
                uid=f"reaction-{i:07d}@clientops.example",
                summary=f"{REACTION_TOPICS[i % 6]}: {org}, менеджер №{1 + i % MANAGERS}",
                description=(
                    f"Клиент {org}; тел. +7 9{i % 100:02d} {i:07d}; перезвонить, уточнить; "
                    "итог записать в CRM."
                ),
                start=start,
                duration=timedelta(minutes=30),
                alarm_before=timedelta(minutes=15),
            )
        )
    return out


def card_phone(text: str) -> str:
    """The workload's phone as a card may hold it, in E.164. The workload draws mobile numbers
    at random (``+7 9xx …``); about 2 in 10,000 fall in a range phonenumbers does not know as
    valid, which a card refuses. Those get the operator code 900 with the same subscriber
    number, so both sides of a benchmark store the same number of phones."""
    import phonenumbers

    e164 = "+" + "".join(ch for ch in text if ch.isdigit())
    if phonenumbers.is_valid_number(phonenumbers.parse(e164, None)):
        return e164
    return e164[:2] + "900" + e164[5:]
