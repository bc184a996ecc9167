"""The daily agenda: everything due today for a manager, each item saying why it is there,
ordered by urgency.

What a client manager opens every morning (DOMAIN.md; seeds 000, 002, 003). The sources are
gathered by :meth:`ops.agenda.for_manager` from the store with set-based queries;
this module holds the values and the one pure rule that merges and orders them,
:func:`build_agenda`:

1. **overdue** items first, the most overdue first — a claim or a broken service deadline is
   an emergency, a reaction past its time a promise not kept;
2. then the day's items by kind, in the order of :class:`AgendaKind` (claims, service
   deadlines, reactions, satisfaction calls, payment reminders, visits, trainings, touches);
3. within a kind, by time, then by client.

>>> from datetime import UTC, date, datetime
>>> from clientops.model import ClientId, EmployeeId
>>> now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
>>> call = AgendaItem(AgendaKind.SATISFACTION_CALL, "Звонок удовлетворённости: 14 дней",
...                   ClientId("c1"), "ООО «Ромашка»", due_on=date(2026, 11, 24), ref="c1")
>>> late = AgendaItem(AgendaKind.REACTION, "Перезвонить", ClientId("c2"), "ООО «Лютик»",
...                   due_at=datetime(2026, 11, 23, 7, 0, tzinfo=UTC), ref="r1")
>>> agenda = build_agenda(EmployeeId("anna"), date(2026, 11, 24), [call, late], now=now)
>>> [(i.kind.value, i.overdue) for i in agenda.items]
[('reaction', True), ('satisfaction_call', False)]
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Iterable
from datetime import date, datetime, time, tzinfo
from typing import NamedTuple

import attrs

from clientops._formats import short_date
from clientops.errors import FieldError, ValidationError
from clientops.model import Client, ClientId, EmployeeId

__all__ = [
    "Agenda",
    "AgendaItem",
    "AgendaKind",
    "ClientTouch",
    "TouchKind",
    "build_agenda",
    "client_touches",
]


class AgendaKind(enum.Enum):
    """What an agenda item is; the order of the members is the order of urgency within a day.
    ``label`` is the Russian heading."""

    CLAIM = "claim"
    SERVICE_DEADLINE = "service_deadline"
    REACTION = "reaction"
    SATISFACTION_CALL = "satisfaction_call"
    PAYMENT_REMINDER = "payment_reminder"
    VISIT = "visit"
    TRAINING = "training"
    SUPPLY = "supply"
    PLAN = "plan"
    TOUCH = "touch"

    #: members are singletons compared by identity: hashed by identity too (in C), not by
    #: their name as Enum does in Python (items are grouped by kind in dicts, per item)
    __hash__ = object.__hash__

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def rank(self) -> int:
        return _RANKS[self]


_LABELS = {
    AgendaKind.CLAIM: "Претензия",
    AgendaKind.SERVICE_DEADLINE: "Срок сервиса",
    AgendaKind.REACTION: "Реакция",
    AgendaKind.SATISFACTION_CALL: "Звонок удовлетворённости",
    AgendaKind.PAYMENT_REMINDER: "Напоминание об оплате",
    AgendaKind.VISIT: "Выезд",
    AgendaKind.TRAINING: "Обучение",
    AgendaKind.SUPPLY: "Поставка",
    AgendaKind.PLAN: "План и отчёт",
    AgendaKind.TOUCH: "Касание",
}
_RANKS = {kind: n for n, kind in enumerate(AgendaKind)}


class TouchKind(enum.Enum):
    """Why a client is touched today: its contact's birthday, the company's day, a holiday."""

    BIRTHDAY = "birthday"
    COMPANY_DAY = "company_day"
    HOLIDAY = "holiday"


@attrs.frozen
class ClientTouch:
    """A client whose birthday or company day falls on the day (a store's answer to
    :meth:`~clientops.ports.AgendaQueries.client_touches`)."""

    client_id: ClientId
    client_name: str
    manager_id: EmployeeId | None
    kind: TouchKind


def client_touches(
    cards: Iterable[Client], month_days: Iterable[str], *, manager_id: EmployeeId | None = None
) -> tuple[ClientTouch, ...]:
    """The touches among ``cards`` (of ``manager_id``'s clients, or everyone's) whose
    birthday or company day is one of ``month_days`` (``"MM-DD"``), ordered by kind, client
    name and id: what :meth:`~clientops.ports.AgendaQueries.client_touches` answers."""
    wanted = set(month_days)
    found = [
        ClientTouch(c.id, c.name, c.manager_id, kind)
        for c in cards
        if manager_id is None or c.manager_id == manager_id
        for kind, day in (
            (TouchKind.BIRTHDAY, c.birthday),
            (TouchKind.COMPANY_DAY, c.company_day),
        )
        if day is not None and day.strftime("%m-%d") in wanted
    ]
    return tuple(sorted(found, key=lambda t: (t.kind.value, t.client_name, t.client_id)))


class AgendaItem(NamedTuple):
    """One thing to do: its ``kind``, ``why`` it is on the agenda (a sentence in Russian), the
    client it is about (``None`` for a holiday), when it is due (a moment, ``due_at``, which
    must be timezone-aware, or a day, ``due_on``) and ``ref``, the id of the record behind it
    (a reaction, an invoice, a visit…). ``overdue`` is set by :func:`build_agenda`, which
    also checks the items it is given.

    An immutable row (a named tuple: an agenda holds thousands of them, and each costs a
    fraction of a microsecond to make)."""

    kind: AgendaKind
    why: str
    client_id: ClientId | None
    client_name: str
    due_at: datetime | None = None
    due_on: date | None = None
    ref: str = ""
    overdue: bool = False

    def due(self, tz: tzinfo) -> datetime | None:
        """When it is due, as a moment (a day's item: the start of that day in ``tz``)."""
        if self.due_at is not None:
            return self.due_at
        if self.due_on is not None:
            return datetime.combine(self.due_on, time(), tz)
        return None


@attrs.frozen
class Agenda:
    """The agenda of ``employee_id`` for ``day``: the ``items`` in order of urgency."""

    employee_id: EmployeeId
    day: date
    items: tuple[AgendaItem, ...] = ()

    def of_kind(self, kind: AgendaKind) -> tuple[AgendaItem, ...]:
        return tuple(i for i in self.items if i.kind is kind)

    @property
    def overdue(self) -> tuple[AgendaItem, ...]:
        return tuple(i for i in self.items if i.overdue)

    def lines(self, tz: tzinfo) -> tuple[str, ...]:
        """The agenda as text in Russian, one line per item: time (or «весь день»), what,
        for whom, why; overdue items marked «ПРОСРОЧЕНО»."""
        out = []
        for item in self.items:
            if item.due_at is not None:
                when = item.due_at.astimezone(tz).strftime("%d.%m %H:%M")
            elif item.due_on is not None:
                when = short_date(item.due_on) + " весь день"
            else:
                when = "сегодня"
            mark = "ПРОСРОЧЕНО " if item.overdue else ""
            client = f" — {item.client_name}" if item.client_name else ""
            out.append(f"{mark}{when} {item.kind.label}{client}: {item.why}")
        return tuple(out)


def build_agenda(
    employee_id: EmployeeId,
    day: date,
    items: Iterable[AgendaItem],
    *,
    now: datetime,
    tz: tzinfo | None = None,
) -> Agenda:
    """Merge the items of all sources into one agenda, ordered by urgency (see the module):
    overdue first (due before ``now``, or a day's item due before ``day``), most overdue
    first; then by kind; then by due time and client. The same item (kind and ``ref``) given
    twice is kept once. Each item is checked: an :class:`AgendaItem` of an
    :class:`AgendaKind`, ``due_at`` timezone-aware."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValidationError([FieldError("now", "must be timezone-aware")], subject="agenda")
    ranking = AgendaRanking(day, now, tz or now.tzinfo)
    seen: set[tuple[AgendaKind, str, ClientId | None]] = set()
    groups = ranking.groups()
    for n, item in enumerate(items):
        _check(n, item)
        key = (item.kind, item.ref, item.client_id)
        if item.ref and key in seen:
            continue
        seen.add(key)
        ranking.add(groups, item)
    for group in groups.values():
        group.sort(key=ranking.within)
    return ranking.agenda(employee_id, groups)


def _check(n: int, item: object) -> None:
    """One ValidationError naming the first wrong field of ``item`` (the ``n``-th given)."""
    path, problem = f"items[{n}]", ""
    if not isinstance(item, AgendaItem):
        problem = f"not an AgendaItem: {item!r}"
    elif not isinstance(item.kind, AgendaKind):
        path, problem = f"{path}.kind", f"not an AgendaKind: {item.kind!r}"
    elif item.due_at is not None and (
        not isinstance(item.due_at, datetime) or item.due_at.utcoffset() is None
    ):
        path, problem = f"{path}.due_at", f"must be timezone-aware, got {item.due_at!r}"
    elif item.due_on is not None and (
        isinstance(item.due_on, datetime) or not isinstance(item.due_on, date)
    ):
        path, problem = f"{path}.due_on", f"must be a date, got {item.due_on!r}"
    if problem:
        raise ValidationError([FieldError(path, problem)], subject="agenda")


class AgendaSources(NamedTuple):
    """Which of the agenda's small sources hold any row for the day, as a store can tell in
    one cheap statement (``uow.agenda.sources``, optional): the agenda then runs the
    queries of those that do and skips the rest, which would return nothing. A store that
    cannot tell says every source has rows (:data:`EVERY_SOURCE`)."""

    claims: bool = True  # open claims
    visits: bool = True  # open service visits
    trainings: bool = True  # trainings scheduled on the day (of the manager, if one)
    touches: bool = True  # clients with a birthday or company day on the day
    plans: bool = True  # plan sheets of the month and the two around it
    supply: bool = True  # any supply record
    untaken: bool = True  # open reactions of the departments no one has taken


#: The answer of a store that does not probe its sources: read every one.
EVERY_SOURCE = AgendaSources()


#: Items grouped by (overdue, kind), each group in its order within a kind.
Groups = dict[tuple[bool, AgendaKind], list[AgendaItem]]


class AgendaRanking:
    """The order of :func:`build_agenda` on one day, shared with the agenda use cases.

    Items are kept in groups by (overdue, kind), each group ordered by due moment, client
    name and ``ref`` (:meth:`within`). The agenda is then the overdue groups in the order of
    the kinds, sorted (stably) by due moment alone, followed by the other groups in the order
    of the kinds: the order the module describes, with one float per item as the only sort
    key. The use cases fill the two big groups (reactions, satisfaction calls) already in
    order, from the store, and sort only the small ones."""

    __slots__ = ("_days", "day", "now", "now_stamp", "tz")

    def __init__(self, day: date, now: datetime, tz: tzinfo) -> None:
        self.day = day
        self.now = now
        self.now_stamp = now.timestamp()
        self.tz = tz
        self._days = _DayStamps(tz)

    @staticmethod
    def groups() -> Groups:
        return {(late, kind): [] for late in (True, False) for kind in AgendaKind}

    def day_stamp(self, day: date) -> float:
        """The start of ``day`` in the zone, as a POSIX timestamp (cached per day)."""
        return self._days[day]

    def stamp(self, item: AgendaItem) -> float:
        """When ``item`` is due, as a POSIX timestamp (never: infinity)."""
        if item.due_at is not None:
            return item.due_at.timestamp()
        if item.due_on is not None:
            return self.day_stamp(item.due_on)
        return _NEVER

    def late(self, item: AgendaItem) -> bool:
        if item.due_at is not None:
            return item.due_at < self.now
        return item.due_on is not None and item.due_on < self.day

    def within(self, item: AgendaItem) -> tuple[float, str, str]:
        """The order within a group: due moment, client name, ``ref``."""
        return (self.stamp(item), item.client_name, item.ref)

    def add(self, groups: Groups, item: AgendaItem) -> None:
        """Mark ``item`` overdue or not and put it in its group (unordered)."""
        late = self.late(item)
        if late != item.overdue:
            item = item._replace(overdue=late)
        groups[late, item.kind].append(item)

    def agenda(self, employee_id: EmployeeId, groups: Groups) -> Agenda:
        """The agenda of the groups, each already in its order."""
        late = [group for kind in AgendaKind if (group := groups[True, kind])]
        overdue: list[AgendaItem] = []
        if len(late) == 1:
            overdue = late[0]
            if not _ordered(self._stamps(overdue)):
                overdue = sorted(overdue, key=self.stamp)
        elif late:
            # stable: at one moment, by kind, then client, ref; the keys made per group
            stamps = [stamp for group in late for stamp in self._stamps(group)]
            overdue = [item for group in late for item in group]
            if not _ordered(stamps):
                order = sorted(range(len(stamps)), key=stamps.__getitem__)
                overdue = list(map(overdue.__getitem__, order))
        upcoming = [item for kind in AgendaKind for item in groups[False, kind]]
        return Agenda(employee_id=employee_id, day=self.day, items=(*overdue, *upcoming))

    def _stamps(self, group: list[AgendaItem]) -> list[float]:
        """:meth:`stamp` of each item of ``group``, in C where the group allows."""
        due_at = list(map(_DUE_AT, group))
        if None not in due_at:
            return [moment.timestamp() for moment in due_at]
        if due_at.count(None) == len(due_at):
            due_on = list(map(_DUE_ON, group))
            if None not in due_on:
                return list(map(self._days.__getitem__, due_on))
        return list(map(self.stamp, group))


class _DayStamps(dict[date, float]):
    """The start of each day in a zone as a POSIX timestamp, computed once per day."""

    __slots__ = ("tz",)

    def __init__(self, tz: tzinfo) -> None:
        super().__init__()
        self.tz = tz

    def __missing__(self, day: date) -> float:
        found = self[day] = datetime.combine(day, time(), self.tz).timestamp()
        return found


def _ordered(stamps: list[float]) -> bool:
    """Whether ``stamps`` never go down."""
    return all(map(operator.le, stamps, stamps[1:]))


_DUE_AT = operator.itemgetter(4)
_DUE_ON = operator.itemgetter(5)


_NEVER = float("inf")
