"""Working days: the Russian production calendar, or the user's own.

Billing on the 15th, reminders from the 20th, pickups, service deadlines in working days: every
rule that counts working days takes a :class:`WorkCalendar`. The default,
:class:`ProductionCalendar`, follows the Russian production calendar (производственный
календарь) as kept by the maintained `holidays <https://pypi.org/project/holidays/>`_ package:
public holidays, the days off moved by government decree, and the Saturdays made working days
in exchange::

    >>> from datetime import date
    >>> from clientops.workdays import ProductionCalendar, next_working_day
    >>> calendar = ProductionCalendar()
    >>> calendar.is_working_day(date(2025, 11, 1))       # a Saturday worked for 3 November
    True
    >>> calendar.is_working_day(date(2025, 11, 3))       # the Monday given off for it
    False
    >>> next_working_day(calendar, date(2026, 1, 1))     # after the New Year holidays
    datetime.date(2026, 1, 12)

A company with its own calendar (a shift schedule, a regional holiday, a decree the package has
not caught up with) passes a :class:`FixedCalendar`, or adds its dates to the production
calendar (``ProductionCalendar(extra_holidays=..., extra_workdays=...)``), or implements the
one-method :class:`WorkCalendar` protocol itself, and hands it to
:class:`clientops.Policy` as ``calendar=``.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Literal, Protocol, runtime_checkable

import attrs

from clientops.errors import ConfigurationError

__all__ = [
    "FixedCalendar",
    "MissingDecreeWarning",
    "ProductionCalendar",
    "WorkCalendar",
    "add_working_days",
    "next_working_day",
    "previous_working_day",
    "russian_calendar",
    "working_days",
]

#: Saturday and Sunday, as ``date.weekday()`` numbers.
WEEKEND = frozenset({5, 6})
#: How far the stepping functions look before deciding that a calendar has no working days.
_HORIZON = 366


@runtime_checkable
class WorkCalendar(Protocol):
    """Says whether a day is a working day. ``name`` names the calendar in messages."""

    @property
    def name(self) -> str:
        """The calendar's name, for messages."""

    def is_working_day(self, day: date) -> bool:
        """``True`` for a working day."""


def _dates(values: Iterable[date]) -> frozenset[date]:
    days = frozenset(values)
    for day in days:
        # a datetime is a date too, but never equal to one: it would be silently ignored
        if not isinstance(day, date) or isinstance(day, datetime):
            raise TypeError(f"expected dates, got {day!r}")
    return days


def _weekend(values: Iterable[int]) -> frozenset[int]:
    days = frozenset(values)
    if not days <= set(range(7)):
        raise ValueError(f"weekend: weekday numbers are 0 (Monday) to 6 (Sunday), got {values!r}")
    return days


@attrs.frozen
class FixedCalendar:
    """A calendar written out by the user: a weekly weekend, days off and working days.

    A day in ``workdays`` is a working day even on a weekend; a day in ``holidays`` is a day off
    even on a weekday (a day in both is refused).

    >>> from datetime import date
    >>> shop = FixedCalendar(holidays={date(2026, 12, 30)}, weekend={6})
    >>> shop.is_working_day(date(2026, 12, 26)), shop.is_working_day(date(2026, 12, 30))
    (True, False)
    """

    holidays: frozenset[date] = attrs.field(factory=frozenset, converter=_dates)
    workdays: frozenset[date] = attrs.field(factory=frozenset, converter=_dates)
    weekend: frozenset[int] = attrs.field(default=WEEKEND, converter=_weekend)
    name: str = "fixed calendar"

    def __attrs_post_init__(self) -> None:
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"holidays and workdays: {both[0].isoformat()} is in both")
        if len(self.weekend) == 7 and not self.workdays:
            raise ValueError("weekend: a calendar needs some working days")

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() not in self.weekend


class MissingDecreeWarning(UserWarning):
    """A production calendar was asked about a year for which the installed ``holidays``
    package has no decree moving days off (``ProductionCalendar(missing_decree="warn")``)."""


#: Countries whose days off are moved every year by a decree (Russia: the government's
#: decree on moving days off): a year the installed data has no decree for is not known yet.
DECREE_COUNTRIES = frozenset({"RU"})


class ProductionCalendar:
    """The production calendar of a country (Russia by default) from the ``holidays`` package.

    Days off are the public holidays and the moved days off of that package; a Saturday or
    Sunday it lists as worked in exchange is a working day. ``extra_holidays`` and
    ``extra_workdays`` override it for single dates. Years are computed once, on first use, and
    kept.

    The days off of a Russian year are only known once the government's decree moving them
    is out (in the autumn before) and the installed ``holidays`` carries it:
    :attr:`decreed_through` is the last year it has a decree for. Asked about a later year,
    the calendar raises :class:`~clientops.errors.ConfigurationError` (``missing_decree=
    "error"``, the default for Russia), warns with :class:`MissingDecreeWarning` and goes on
    with the public holidays alone (``"warn"``), or goes on silently (``"ignore"``, the
    default for countries without such decrees). Upgrade ``holidays``, or add the decree's
    dates with ``extra_holidays`` / ``extra_workdays`` and ``missing_decree="ignore"``.
    """

    def __init__(
        self,
        country: str = "RU",
        *,
        subdiv: str | None = None,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        missing_decree: Literal["error", "warn", "ignore"] | None = None,
    ) -> None:
        import holidays  # loaded when a calendar is first built

        if country not in holidays.list_supported_countries():
            raise ValueError(f"country: the holidays package has no calendar for {country!r}")
        if subdiv is not None:
            try:
                holidays.country_holidays(country, subdiv=subdiv)
            except NotImplementedError:
                raise ValueError(
                    f"subdiv: the holidays package has no subdivision {subdiv!r} of {country!r}"
                ) from None
        self.country = country
        self.subdiv = subdiv
        self.extra_holidays = _dates(extra_holidays)
        self.extra_workdays = _dates(extra_workdays)
        both = sorted(self.extra_holidays & self.extra_workdays)
        if both:
            raise ValueError(f"extra_holidays and extra_workdays: {both[0].isoformat()} is in both")
        where = f"{country}-{subdiv}" if subdiv else country
        self.name = f"production calendar {where}"
        if missing_decree is None:
            missing_decree = "error" if country in DECREE_COUNTRIES else "ignore"
        if missing_decree not in ("error", "warn", "ignore"):
            raise ValueError(f"missing_decree: 'error', 'warn' or 'ignore', got {missing_decree!r}")
        self.missing_decree = missing_decree
        table = holidays.country_holidays(country, subdiv=subdiv)
        # the years of the package's data with days off moved (or added) by decree
        decreed = {
            *getattr(table, "special_public_holidays", {}),
            *getattr(table, "special_public_holidays_observed", {}),
        }
        #: The last year the installed ``holidays`` has a decree moving days off for
        #: (``None``: it has none for this country).
        self.decreed_through: int | None = max(decreed, default=None)
        self._years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
        self._names: dict[int, dict[date, str]] = {}
        self._lock = threading.Lock()

    def _check_decree(self, year: int) -> None:
        """ConfigurationError (or a warning, by ``missing_decree``) for a year after the last
        one the installed data has a decree for."""
        if self.missing_decree == "ignore" or self.country not in DECREE_COUNTRIES:
            return
        if self.decreed_through is not None and year <= self.decreed_through:
            return
        import holidays  # loaded when a calendar is first built

        installed = getattr(holidays, "__version__", "?")
        last = "no year" if self.decreed_through is None else f"up to {self.decreed_through}"
        message = (
            f"{self.name}: the installed holidays {installed} has the decree moving "
            f"days off {last}, not {year}: its working days are not known. Upgrade holidays, "
            "or give the decree's dates as extra_holidays/extra_workdays with "
            "missing_decree='ignore'"
        )
        if self.missing_decree == "warn":
            warnings.warn(message, MissingDecreeWarning, stacklevel=4)
            return
        raise ConfigurationError(message)

    def _year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        import holidays  # loaded when a calendar is first built

        known = self._years.get(year)
        if known is not None:
            return known
        self._check_decree(year)
        with self._lock:
            table = holidays.country_holidays(self.country, subdiv=self.subdiv, years=year)
            off = frozenset(day for day in table if day.year == year)
            worked = frozenset(day for day in table.weekend_workdays if day.year == year)
            self._years[year] = (off, worked)
            return off, worked

    def holiday_name(self, day: date) -> str | None:
        """The name of the public holiday on ``day`` in Russian (``None`` for an ordinary day,
        a weekend, or a moved day off): what a greeting to clients is about."""
        import holidays  # loaded when a calendar is first built

        names = self._names.get(day.year)
        if names is None:
            self._check_decree(day.year)
            table = holidays.country_holidays(
                self.country, subdiv=self.subdiv, years=day.year, language="ru"
            )
            names = {
                d: n
                for d, n in table.items()
                if "(" not in n and "перенес" not in n.lower() and "выходной" not in n.lower()
            }
            self._names[day.year] = names
        return names.get(day)

    def holidays(self, year: int) -> frozenset[date]:
        """The year's days off other than ordinary weekends (holidays and moved days off)."""
        off, _ = self._year(year)
        return (off | {d for d in self.extra_holidays if d.year == year}) - self.extra_workdays

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        off, worked = self._year(day.year)
        if day in worked:
            return True
        return day not in off and day.weekday() not in WEEKEND

    def _key(self) -> tuple[object, ...]:
        return (
            self.country,
            self.subdiv,
            self.extra_holidays,
            self.extra_workdays,
            self.missing_decree,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProductionCalendar):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"ProductionCalendar({self.country!r}, subdiv={self.subdiv!r})"


_DEFAULT: ProductionCalendar | None = None


def russian_calendar() -> ProductionCalendar:
    """The shared Russian production calendar: the default of :class:`clientops.Policy`."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ProductionCalendar("RU")
    return _DEFAULT


def _step(calendar: WorkCalendar, day: date, step: timedelta) -> date:
    for _ in range(_HORIZON):
        if calendar.is_working_day(day):
            return day
        day += step
    raise ValueError(f"{calendar.name}: no working day within {_HORIZON} days of {day.isoformat()}")


def next_working_day(calendar: WorkCalendar, day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    return _step(calendar, day, timedelta(days=1))


def previous_working_day(calendar: WorkCalendar, day: date) -> date:
    """``day`` itself when it is a working day, else the last working day before it."""
    return _step(calendar, day, timedelta(days=-1))


def add_working_days(calendar: WorkCalendar, day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself not counted); for
    ``count == 0``, :func:`next_working_day`. Negative counts go back in time.

    >>> from datetime import date
    >>> add_working_days(russian_calendar(), date(2026, 11, 3), 1)   # 4 November is a holiday
    datetime.date(2026, 11, 5)
    """
    if count == 0:
        return next_working_day(calendar, day)
    step = timedelta(days=1 if count > 0 else -1)
    left = abs(count)
    while left:
        day = _step(calendar, day + step, step)
        left -= 1
    return day


def working_days(calendar: WorkCalendar, start: date, end: date) -> Iterator[date]:
    """The working days from ``start`` up to and including ``end``, in order."""
    day = start
    one = timedelta(days=1)
    while day <= end:
        if calendar.is_working_day(day):
            yield day
        day += one
