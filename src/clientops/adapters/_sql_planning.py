"""The monthly report's read model on SQLite and PostgreSQL (``uow.planning``).

One statement gives a row per client of the managers asked: the orders, allocations, claims,
service contracts, satisfaction round and retention record of each client grouped in SQL
(``GROUP BY`` client), joined to the card. Rows are read as they come (a server-side cursor on
PostgreSQL), so memory does not grow with the number of clients or orders. With the default
rules, ``client_groups`` groups those rows once more in SQL, by what the rules read of a
client: a row a group, not a client. On PostgreSQL the grouped rows are received whole (a
plain statement, which the server may run with parallel workers, where it never runs a
server-side cursor's so), then converted a row at a time: the driver holds a row a group.

Days are taken in the policy's time zone by its UTC offset: exact for a zone whose offset does
not change over the months asked (every Russian zone since 2014). For a zone whose offset
changes in them, the rows come from the repositories instead
(:class:`clientops.planning.RepositoryPlanningQueries`), which convert every moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from clientops._billing import Month
from clientops._planning import ClientGroup, ClientMonth, fixed_offset_minutes
from clientops.model import ClientId, EmployeeId

__all__ = ["SQLPlanning"]

_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_MISSING = object()


class _Dialect:
    """The few expressions that differ: a JSON path, a local day of a stored moment, the
    first step of a history with a given stage, a money amount, a list of distinct months."""

    def __init__(self, postgres: bool, minutes: int, marks: str) -> None:
        self.postgres = postgres
        self.minutes = minutes
        self.marks = marks
        # the managers' clients, as a set to test a record's client against: on SQLite the
        # CTE ``mine`` (searched by the index on client_id, a client at a time); on
        # PostgreSQL the cards themselves, so that the planner, knowing how many there are,
        # joins them by hash to the records read in one scan
        if postgres:
            self.mine = f"(SELECT id FROM clients WHERE manager_id IN ({marks}))"
        else:
            self.mine = "(SELECT id FROM mine)"

    def doc(self, alias: str) -> str:
        return f"({alias}.doc::jsonb)" if self.postgres else f"{alias}.doc"

    def text(self, doc: str, *path: str | int) -> str:
        if self.postgres:
            steps = "".join(f"->{p}" if isinstance(p, int) else f"->'{p}'" for p in path[:-1])
            last = path[-1]
            tail = f"->>{last}" if isinstance(last, int) else f"->>'{last}'"
            return f"{doc}{steps}{tail}"
        json_path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        return f"json_extract({doc}, '{json_path}')"

    def day(self, moment: str) -> str:
        """The local day (``YYYY-MM-DD`` text on SQLite, a date on PostgreSQL)."""
        if self.postgres:
            return (
                f"((({moment})::timestamptz AT TIME ZONE 'UTC') "
                f"+ interval '{self.minutes} minutes')::date"
            )
        return f"date({moment}, '{self.minutes:+d} minutes')"

    def literal(self, day: date) -> str:
        return f"DATE '{day.isoformat()}'" if self.postgres else f"'{day.isoformat()}'"

    def stored_day(self, text: str) -> str:
        return f"({text})::date" if self.postgres else text

    def contains(self, raw: str, stage: str) -> str:
        """Whether the stored text names ``stage`` at all (a cheap test before a search)."""
        if self.postgres:
            return f"strpos({raw}, '\"{stage}\"') > 0"
        return f"instr({raw}, '\"{stage}\"') > 0"

    def first_step(self, doc: str, guard: str, stage: str) -> str:
        """The moment of the first step of ``doc``'s history that led to ``stage``, searched
        only where ``guard`` holds."""
        if self.postgres:
            found = (
                f"(SELECT h->>'at' FROM jsonb_array_elements({doc}->'history') "
                f"WITH ORDINALITY e(h, i) WHERE h->>'stage' = '{stage}' ORDER BY i LIMIT 1)"
            )
            return f"CASE WHEN {guard} THEN {found} END"
        found = (
            f"(SELECT json_extract(h.value, '$.at') FROM json_each({doc}, '$.history') h "
            f"WHERE json_extract(h.value, '$.stage') = '{stage}' ORDER BY h.key LIMIT 1)"
        )
        return f"CASE WHEN {guard} THEN {found} END"

    def amount(self, text: str) -> str:
        """A money amount: numeric on PostgreSQL, whole kopecks on SQLite (exact sums)."""
        if self.postgres:
            return f"coalesce(({text})::numeric, 0)"
        return f"coalesce(CAST(round(CAST({text} AS REAL) * 100) AS INTEGER), 0)"

    def money(self, value: Any) -> Decimal:
        if not value:
            return _ZERO
        if self.postgres:
            return Decimal(value)
        return (Decimal(int(value)) / 100).quantize(_CENT)

    def to_day(self, value: Any) -> date | None:
        if value is None or isinstance(value, date):
            return value
        return date.fromisoformat(str(value)[:10])


def _orders_pg(d: _Dialect) -> str:
    # each order's document cast to jsonb once (``j``; OFFSET 0: not inlined), each figure
    # of an order computed once before grouping (OFFSET 0: a subquery of its own, not
    # inlined into each aggregate, and not written out as a MATERIALIZED CTE would be: the
    # orders of a million clients spilled to disk); the history searched only
    # for the closed orders (closed is the last stage) and those from a supplier
    return f"""o1 AS (
  SELECT cid, opened, supplied, price,
         {d.day(d.first_step("o.j", "is_closed", "closed"))} AS closed,
         {d.day(d.first_step("o.j", "supplied", "quality_accepted"))} AS accepted,
         CASE WHEN supplied OR is_closed
              THEN {d.amount(d.text("o.j", "quote", "cost", "amount"))} ELSE 0 END AS cost
  FROM (
    SELECT cid, j, is_closed,
           {d.day(d.text("j", "history", 0, "at"))} AS opened,
           coalesce({d.text("j", "supplier")}, '') <> '' AS supplied,
           {d.amount(d.text("j", "price", "amount"))} AS price
    FROM (SELECT client_id AS cid, stage = 'closed' AS is_closed, {d.doc("orders")} AS j
          FROM orders WHERE client_id IN {d.mine} OFFSET 0) src) o OFFSET 0),
"""


def _orders_sqlite(d: _Dialect) -> str:
    # each order's document parsed once: the four values read with one json_extract (an
    # array, kept in o0); the history searched only for the closed orders (closed is the
    # last stage: no step leads out of it) and those from a supplier
    def step(stage: str) -> str:
        found = (
            "(SELECT json_extract(h.value, '$.at') FROM orders x, json_each(x.doc, '$.history') h "
            f"WHERE x.rowid = o0.rid AND json_extract(h.value, '$.stage') = '{stage}' "
            "ORDER BY h.key LIMIT 1)"
        )
        return d.day(found)

    return f"""o0 AS MATERIALIZED (
  SELECT o.rowid AS rid, o.client_id AS cid,
         json_extract(o.doc, '$.history[0].at', '$.price.amount', '$.supplier',
                      '$.quote.cost.amount') AS f,
         o.stage = 'closed' AS is_closed
  FROM orders o WHERE o.client_id IN (SELECT id FROM mine)),
o1 AS MATERIALIZED (
  SELECT cid,
         {d.day("json_extract(f, '$[0]')")} AS opened,
         coalesce(json_extract(f, '$[2]'), '') <> '' AS supplied,
         {d.amount("json_extract(f, '$[1]')")} AS price,
         {d.amount("json_extract(f, '$[3]')")} AS cost,
         CASE WHEN is_closed THEN {step("closed")} END AS closed,
         CASE WHEN coalesce(json_extract(f, '$[2]'), '') <> ''
              THEN {step("quality_accepted")} END AS accepted
  FROM o0),
"""


def _window(since: date, month: Month) -> list[Month]:
    """The months of the regular window: from ``since`` up to the month before ``month``."""
    found, current = [], Month(since.year, since.month)
    while current.first_day < month.first_day:
        found.append(current)
        current = current.next()
    return found


def _mask(d: _Dialect, since: date, month: Month) -> str:
    """The months of the window with orders, as a number: bit ``i`` for the ``i``-th month
    (one comparison an order and a month, no list to sort or to make distinct)."""
    parts = [
        f"max(CASE WHEN opened >= {d.literal(m.first_day)} "
        f"AND opened < {d.literal(m.next().first_day)} THEN {1 << i} ELSE 0 END)"
        for i, m in enumerate(_window(since, month))
    ]
    return " + ".join(parts) if parts else "0"


def _statement(d: _Dialect, month: Month, since: date) -> str:
    marks = d.marks
    start, end = d.literal(month.first_day), d.literal(month.last_day)
    # each order's document is cast to jsonb once on PostgreSQL (``j``)
    cl, sc, r, c = d.doc("cl"), d.doc("sc"), d.doc("r"), d.doc("c")
    in_month = "BETWEEN " + start + " AND " + end
    orders = _orders_pg(d) if d.postgres else _orders_sqlite(d)
    return f"""
WITH mine AS (SELECT id FROM clients WHERE manager_id IN ({marks})),
{orders}o2 AS (
  SELECT cid,
         min(CASE WHEN opened <= {end} THEN opened END) AS first_order,
         max(CASE WHEN opened <= {end} THEN opened END) AS last_order,
         {_mask(d, since, month)} AS window_months,
         sum(CASE WHEN opened {in_month} THEN 1 ELSE 0 END) AS orders,
         sum(CASE WHEN opened {in_month} THEN price ELSE 0 END) AS ordered,
         sum(CASE WHEN closed {in_month} THEN price - cost ELSE 0 END) AS profit,
         sum(CASE WHEN accepted {in_month} AND supplied THEN 1 ELSE 0 END) AS received,
         sum(CASE WHEN accepted {in_month} AND supplied THEN cost ELSE 0 END) AS received_cost
  FROM o1 GROUP BY cid),
a2 AS (
  SELECT a.client_id AS cid, sum({d.amount(d.text(d.doc("a"), "amount", "amount"))}) AS cash
  FROM allocations a
  WHERE a.client_id IN {d.mine}
    AND {d.stored_day(d.text(d.doc("a"), "date"))} {in_month}
  GROUP BY a.client_id),
cl1 AS MATERIALIZED (
  SELECT cl.client_id AS cid,
         cl.stage NOT IN ('resolved_satisfied', 'resolved_unsatisfied', 'withdrawn') AS is_open,
         {d.day(d.text(cl, "history", 0, "at"))} AS filed,
         {d.day(d.first_step(cl, d.contains("cl.doc", "resolved_satisfied"), "resolved_satisfied"))}
           AS won,
         {d.amount(d.text(cl, "money", "amount"))} AS money
  FROM claims cl WHERE cl.client_id IN {d.mine}),
cl2 AS (
  SELECT cid,
         sum(CASE WHEN filed {in_month} THEN 1 ELSE 0 END) AS filed,
         sum(CASE WHEN filed {in_month} THEN money ELSE 0 END) AS filed_sum,
         sum(CASE WHEN won {in_month} THEN 1 ELSE 0 END) AS won,
         sum(CASE WHEN won {in_month} THEN money ELSE 0 END) AS won_sum,
         min(CASE WHEN is_open AND filed <= {end} THEN filed END) AS open_claim
  FROM cl1 GROUP BY cid),
sc2 AS (
  SELECT sc.client_id AS cid, count(*) AS contracts,
         count({d.text(sc, "ends_on")}) AS ending,
         max({d.stored_day(d.text(sc, "ends_on"))}) AS ends_on
  FROM service_contracts sc WHERE sc.client_id IN {d.mine} GROUP BY sc.client_id)
SELECT c.id, c.name, c.manager_id,
       o2.first_order, o2.last_order, o2.window_months, o2.orders, o2.ordered, o2.profit,
       o2.received, o2.received_cost, a2.cash,
       cl2.filed, cl2.filed_sum, cl2.won, cl2.won_sum, cl2.open_claim,
       CASE WHEN sc2.contracts = sc2.ending THEN sc2.ends_on END AS ended,
       coalesce(s.assigned_on, {d.day(d.text(c, "created_at"))}) AS joined,
       CASE WHEN r.status <> 'stayed' THEN {d.stored_day(d.text(r, "termination_on"))} END
         AS termination
FROM clients c
LEFT JOIN o2 ON o2.cid = c.id
LEFT JOIN a2 ON a2.cid = c.id
LEFT JOIN cl2 ON cl2.cid = c.id
LEFT JOIN sc2 ON sc2.cid = c.id
LEFT JOIN satisfaction s ON s.client_id = c.id
LEFT JOIN retention r ON r.client_id = c.id
WHERE c.manager_id IN ({marks})
"""


def _grouped(d: _Dialect, month: Month, since: date) -> str:
    """The rows of :func:`_statement` grouped by manager and by what the default rules read
    of a client (whether the first order is before the month, the last order's day, the
    window's months, the end of the contracts, the oldest open claim, the termination): one
    row a group, its figures summed, with the number of its clients, of those with orders in
    the month and of those new in the base in it."""
    start, end = d.literal(month.first_day), d.literal(month.last_day)
    return f"""
WITH per AS ({_statement(d, month, since)})
SELECT manager_id, min(first_order), last_order, window_months, ended, open_claim,
       termination,
       count(*), sum(CASE WHEN orders > 0 THEN 1 ELSE 0 END),
       sum(ordered), sum(profit), sum(received), sum(received_cost), sum(cash),
       sum(filed), sum(filed_sum), sum(won), sum(won_sum),
       sum(CASE WHEN joined BETWEEN {start} AND {end} THEN 1 ELSE 0 END)
FROM per
GROUP BY manager_id, first_order < {start}, last_order, window_months, ended, open_claim,
         termination
"""


def _months_of(since: date, month: Month) -> Callable[[Any], tuple[str, ...]]:
    """The months (``YYYY-MM``) of a window's number (:func:`_mask`), each number decoded
    once."""
    names = [str(m) for m in _window(since, month)]
    decoded: dict[int, tuple[str, ...]] = {}

    def months(value: Any) -> tuple[str, ...]:
        mask = int(value or 0)
        found = decoded.get(mask)
        if found is None:
            found = decoded[mask] = tuple(n for i, n in enumerate(names) if mask >> i & 1)
        return found

    return months


_PG_SETTINGS = (
    "SELECT set_config('cursor_tuple_fraction', '1', true), set_config('jit', 'off', true)"
)


class SQLPlanning:
    """:class:`~clientops.ports.PlanningQueries` of a SQL unit of work: one statement."""

    def __init__(
        self,
        stream: Callable[[str, Sequence[Any]], Iterable[Sequence[Any]]],
        *,
        postgres: bool,
        read: Callable[[str, Sequence[Any]], Iterable[Sequence[Any]]] | None = None,
    ) -> None:
        self._stream = stream
        # the grouped rows (``client_groups``): as many as the groups, not the clients, so
        # a store may read them whole (on PostgreSQL: not through a server-side cursor,
        # whose statement is never run in parallel)
        self._read = read or stream
        self._postgres = postgres

    def _rows(
        self, sql: str, managers: Sequence[EmployeeId], *, grouped: bool = False
    ) -> Iterable[Sequence[Any]]:
        """The rows of a statement whose only parameters are lists of the managers."""
        if self._postgres:
            # for the rest of this unit of work (set_config(..., true): set back when its
            # transaction ends): plan to read to the end, not for a fast start (a server-side
            # cursor's default: nested loops, a client at a time), and do not compile (JIT):
            # the time goes to reading JSON, and compiling the many expressions took longer
            # than it saved (4.3 s of 24 at 100,000 clients)
            for _ in self._stream(_PG_SETTINGS, ()):
                pass
        copies = sql.count("?") // len(managers)
        read = self._read if grouped else self._stream
        return read(sql, tuple(managers) * copies)

    def _dialect(self, month: Month, window: int, tz: tzinfo, count: int) -> tuple[_Dialect, date]:
        index = month.year * 12 + month.month - 1 - window
        since = Month(index // 12, index % 12 + 1).first_day
        minutes = fixed_offset_minutes(tz, since - timedelta(days=366 * 3), month.last_day)
        if minutes is None:
            raise ValueError(
                "the time zone's UTC offset changes over the months asked: "
                "ask clientops.planning.RepositoryPlanningQueries"
            )
        marks = ", ".join("?" * count)
        return _Dialect(self._postgres, minutes, marks), since

    def client_months(
        self, managers: Sequence[EmployeeId], month: Month, *, window: int, tz: tzinfo
    ) -> Iterator[ClientMonth]:
        d, since = self._dialect(month, window, tz, len(managers))
        if not managers:
            return
        sql = _statement(d, month, since)
        # days and month lists repeat from client to client: each is converted once
        days: dict[Any, date | None] = {None: None}

        def day(value: Any) -> date | None:
            found = days.get(value, _MISSING)
            if found is _MISSING:
                found = days[value] = d.to_day(value)
            return found  # type: ignore[return-value]

        months = _months_of(since, month)

        for row in self._rows(sql, managers):
            if len(days) > 100_000:  # bounded, whatever the data
                days.clear()
                days[None] = None
            yield self._row(d, row, day, months)

    def client_groups(
        self, managers: Sequence[EmployeeId], month: Month, *, window: int, tz: tzinfo
    ) -> Iterator[ClientGroup]:
        """The rows of :meth:`client_months` grouped in SQL by manager and by what the
        default rules read of a client (:class:`~clientops._planning.ClientGroup`): the
        default rules decide a group once, and a group's figures are its clients' sums."""
        d, since = self._dialect(month, window, tz, len(managers))
        if not managers:
            return
        sql = _grouped(d, month, since)
        money, day, months_of = d.money, d.to_day, _months_of(since, month)
        for row in self._rows(sql, managers, grouped=True):
            (
                manager,
                first,
                last,
                months,
                ended,
                open_claim,
                termination,
                clients,
                buyers,
                ordered,
                profit,
                received,
                received_cost,
                cash,
                filed,
                filed_sum,
                won,
                won_sum,
                joined,
            ) = row
            figures = ClientMonth(
                ClientId(""),
                "",
                manager,
                first_order=day(first),
                last_order=day(last),
                window_months=months_of(months),
                orders=int(buyers or 0),
                ordered=money(ordered),
                cash=money(cash),
                profit=money(profit),
                received=int(received or 0),
                received_cost=money(received_cost),
                claims_filed=int(filed or 0),
                claims_filed_sum=money(filed_sum),
                claims_satisfied=int(won or 0),
                claims_satisfied_sum=money(won_sum),
                open_claim=day(open_claim),
                contract_ended_on=day(ended),
                termination_on=day(termination),
            )
            yield ClientGroup(figures, int(clients), int(buyers or 0), int(joined or 0))

    @staticmethod
    def _row(
        d: _Dialect,
        row: Sequence[Any],
        day: Callable[[Any], date | None],
        months_of: Callable[[Any], tuple[str, ...]],
    ) -> ClientMonth:
        (
            cid,
            name,
            manager,
            first,
            last,
            months,
            orders,
            ordered,
            profit,
            received,
            received_cost,
            cash,
            filed,
            filed_sum,
            won,
            won_sum,
            open_claim,
            ended,
            joined,
            termination,
        ) = row
        return ClientMonth(
            ClientId(cid),
            name or "",
            manager,
            first_order=day(first),
            last_order=day(last),
            window_months=months_of(months),
            orders=int(orders or 0),
            ordered=d.money(ordered),
            cash=d.money(cash),
            profit=d.money(profit),
            received=int(received or 0),
            received_cost=d.money(received_cost),
            claims_filed=int(filed or 0),
            claims_filed_sum=d.money(filed_sum),
            claims_satisfied=int(won or 0),
            claims_satisfied_sum=d.money(won_sum),
            open_claim=day(open_claim),
            contract_ended_on=day(ended),
            joined_on=day(joined),
            termination_on=day(termination),
        )
