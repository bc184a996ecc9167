"""The production calendar (clientops.workdays) against the real Russian calendars of 2025 and
2026, the user's own calendars, the stepping functions, and a Policy round trip."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientops import ConfigurationError, Policy
from clientops.serialization import from_json, to_json
from clientops.workdays import (
    FixedCalendar,
    MissingDecreeWarning,
    ProductionCalendar,
    WorkCalendar,
    add_working_days,
    next_working_day,
    previous_working_day,
    russian_calendar,
    working_days,
)

# The government decrees, written out by hand (not read from the holidays package):
# 2025 (decree 1335 of 4.10.2024): 4 Jan → 2 May, 5 Jan → 31 Dec, 23 Feb → 8 May,
# 8 Mar → 13 Jun, Saturday 1 Nov worked → 3 Nov off.
# 2026 (decree 1466 of 24.09.2025): 3 Jan → 9 Jan, 4 Jan → 31 Dec, 8 Mar → 9 Mar,
# 9 May → 11 May; no Saturday worked.
WEEKDAYS_OFF = {
    2025: {
        *(date(2025, 1, d) for d in (1, 2, 3, 6, 7, 8)),
        *(date(2025, 5, d) for d in (1, 2, 8, 9)),
        date(2025, 6, 12),
        date(2025, 6, 13),
        date(2025, 11, 3),
        date(2025, 11, 4),
        date(2025, 12, 31),
    },
    2026: {
        *(date(2026, 1, d) for d in (1, 2, 5, 6, 7, 8, 9)),
        date(2026, 2, 23),
        date(2026, 3, 9),
        date(2026, 5, 1),
        date(2026, 5, 11),
        date(2026, 6, 12),
        date(2026, 11, 4),
        date(2026, 12, 31),
    },
}
WEEKENDS_WORKED = {2025: {date(2025, 11, 1)}, 2026: set()}
#: Working days per year in the official production calendar.
WORKING_DAY_COUNT = {2025: 247, 2026: 247}


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def expected_working(day: date) -> bool:
    if day in WEEKENDS_WORKED[day.year]:
        return True
    return day.weekday() < 5 and day not in WEEKDAYS_OFF[day.year]


class NeverWorks:
    """A WorkCalendar of the protocol alone, without a single working day."""

    name = "never"

    def is_working_day(self, day: date) -> bool:
        return False


# --------------------------------------------------------------------------- whole years


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_day_of_the_year_follows_the_production_calendar(year: int) -> None:
    calendar = ProductionCalendar()
    wrong = [d for d in days_of(year) if calendar.is_working_day(d) != expected_working(d)]
    assert wrong == []


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_year_has_the_official_number_of_working_days(year: int) -> None:
    calendar = ProductionCalendar()
    assert sum(calendar.is_working_day(d) for d in days_of(year)) == WORKING_DAY_COUNT[year]
    assert (
        len(list(working_days(calendar, date(year, 1, 1), date(year, 12, 31))))
        == (WORKING_DAY_COUNT[year])
    )


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_ordinary_weekend_is_off(year: int) -> None:
    calendar = ProductionCalendar()
    weekends = [d for d in days_of(year) if d.weekday() >= 5 and d not in WEEKENDS_WORKED[year]]
    assert len(weekends) >= 103
    assert not any(calendar.is_working_day(d) for d in weekends)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 11, 1), True),  # Saturday worked in exchange for 3 November
        (date(2025, 11, 3), False),
        (date(2025, 11, 4), False),  # Unity Day
        (date(2025, 5, 2), False),  # moved from 4 January
        (date(2025, 5, 8), False),  # moved from 23 February
        (date(2025, 6, 13), False),  # moved from 8 March
        (date(2025, 12, 31), False),  # moved from 5 January
        (date(2025, 12, 30), True),
        (date(2026, 1, 1), False),
        (date(2026, 1, 9), False),  # moved from 3 January
        (date(2026, 1, 11), False),
        (date(2026, 1, 12), True),
        (date(2026, 2, 23), False),
        (date(2026, 3, 9), False),  # 8 March is a Sunday
        (date(2026, 5, 11), False),  # 9 May is a Saturday
        (date(2026, 12, 31), False),  # moved from 4 January
        (date(2026, 11, 16), True),
    ],
)
def test_moved_days_off_and_worked_saturdays(day: date, working: bool) -> None:
    assert russian_calendar().is_working_day(day) is working


@pytest.mark.parametrize("year", [2025, 2026])
def test_holidays_of_a_year_hold_every_weekday_off(year: int) -> None:
    off = ProductionCalendar().holidays(year)
    assert WEEKDAYS_OFF[year] <= off
    assert all(d.year == year for d in off)
    assert not off & WEEKENDS_WORKED[year]


def test_2026_new_year_holidays_run_from_the_1st_to_the_11th() -> None:
    calendar = russian_calendar()
    assert [calendar.is_working_day(date(2026, 1, d)) for d in range(1, 13)] == [False] * 11 + [
        True
    ]
    assert next_working_day(calendar, date(2026, 1, 1)) == date(2026, 1, 12)
    assert previous_working_day(calendar, date(2026, 1, 11)) == date(2025, 12, 30)


# --------------------------------------------------------------------------- own calendars


def test_production_calendar_takes_extra_holidays_and_workdays() -> None:
    calendar = ProductionCalendar(
        extra_holidays=[date(2026, 12, 30)], extra_workdays=[date(2026, 1, 9)]
    )
    assert not calendar.is_working_day(date(2026, 12, 30))
    assert calendar.is_working_day(date(2026, 1, 9))  # a decreed day off, worked here
    assert date(2026, 12, 30) in calendar.holidays(2026)
    assert date(2026, 1, 9) not in calendar.holidays(2026)
    assert russian_calendar().is_working_day(date(2026, 12, 30))


def test_production_calendar_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="in both"):
        ProductionCalendar(extra_holidays=[date(2026, 5, 5)], extra_workdays=[date(2026, 5, 5)])
    with pytest.raises(ValueError, match="country"):
        ProductionCalendar("XX")
    with pytest.raises(ValueError, match="subdiv"):
        ProductionCalendar("RU", subdiv="Омск")
    with pytest.raises(TypeError, match="expected dates"):
        ProductionCalendar(extra_holidays=["2026-05-05"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="expected dates"):  # a datetime would never match
        ProductionCalendar(extra_holidays=[datetime(2026, 5, 5, 9, 0)])


def test_production_calendars_compare_by_their_settings() -> None:
    a = ProductionCalendar(extra_holidays=[date(2026, 12, 30)])
    b = ProductionCalendar(extra_holidays=(date(2026, 12, 30),))
    assert a == b
    assert hash(a) == hash(b)
    assert a != ProductionCalendar()
    assert a != "RU"
    assert repr(a) == "ProductionCalendar('RU', subdiv=None)"
    assert a.name == "production calendar RU"
    assert ProductionCalendar("US", subdiv="CA").name == "production calendar US-CA"
    assert russian_calendar() is russian_calendar()
    assert isinstance(a, WorkCalendar)


def test_fixed_calendar() -> None:
    shop = FixedCalendar(
        holidays={date(2026, 12, 30)}, workdays={date(2026, 12, 27)}, weekend={6}, name="shop"
    )
    assert shop.is_working_day(date(2026, 12, 26))  # Saturday: not a weekend here
    assert shop.is_working_day(date(2026, 12, 27))  # Sunday, listed as worked
    assert not shop.is_working_day(date(2026, 12, 30))
    assert not shop.is_working_day(date(2027, 1, 3))  # an ordinary Sunday
    assert isinstance(shop, WorkCalendar)
    plain = FixedCalendar()
    assert plain.is_working_day(date(2026, 1, 1))  # no holidays unless given
    assert not plain.is_working_day(date(2026, 1, 3))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"holidays": {date(2026, 1, 5)}, "workdays": {date(2026, 1, 5)}}, ValueError, "both"),
        ({"weekend": set(range(7))}, ValueError, "some working days"),
        ({"weekend": {7}}, ValueError, "weekday numbers"),
        ({"holidays": {"2026-01-05"}}, TypeError, "expected dates"),
        ({"holidays": {datetime(2026, 1, 5)}}, TypeError, "expected dates"),
    ],
)
def test_fixed_calendar_refuses_bad_input(
    kwargs: dict[str, object], error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        FixedCalendar(**kwargs)  # type: ignore[arg-type]


def test_every_day_of_the_week_off_is_allowed_with_listed_workdays() -> None:
    only = FixedCalendar(weekend=set(range(7)), workdays={date(2026, 3, 3)})
    assert next_working_day(only, date(2026, 1, 1)) == date(2026, 3, 3)


# --------------------------------------------------------------------------- stepping


def test_next_and_previous_working_day() -> None:
    calendar = russian_calendar()
    assert next_working_day(calendar, date(2026, 11, 16)) == date(2026, 11, 16)
    assert next_working_day(calendar, date(2026, 11, 14)) == date(2026, 11, 16)
    assert previous_working_day(calendar, date(2026, 11, 15)) == date(2026, 11, 13)
    assert previous_working_day(calendar, date(2025, 6, 15)) == date(2025, 6, 11)
    assert next_working_day(calendar, date(2025, 6, 12)) == date(2025, 6, 16)
    assert previous_working_day(calendar, date(2025, 11, 3)) == date(2025, 11, 1)


def test_add_working_days() -> None:
    calendar = russian_calendar()
    assert add_working_days(calendar, date(2026, 11, 3), 1) == date(2026, 11, 5)
    assert add_working_days(calendar, date(2025, 12, 30), 1) == date(2026, 1, 12)
    assert add_working_days(calendar, date(2026, 1, 12), -1) == date(2025, 12, 30)
    assert add_working_days(calendar, date(2026, 1, 3), 0) == date(2026, 1, 12)
    assert add_working_days(calendar, date(2025, 10, 30), 2) == date(2025, 11, 1)
    assert add_working_days(calendar, date(2026, 11, 13), 5) == date(2026, 11, 20)


def test_working_days_lists_the_working_days_in_order() -> None:
    calendar = russian_calendar()
    assert list(working_days(calendar, date(2025, 10, 30), date(2025, 11, 5))) == [
        date(2025, 10, 30),
        date(2025, 10, 31),
        date(2025, 11, 1),
        date(2025, 11, 5),
    ]
    assert list(working_days(calendar, date(2026, 1, 5), date(2026, 1, 1))) == []


def test_a_calendar_without_working_days_fails_loudly() -> None:
    never = NeverWorks()
    assert isinstance(never, WorkCalendar)
    with pytest.raises(ValueError, match="no working day"):
        next_working_day(never, date(2026, 1, 1))
    with pytest.raises(ValueError, match="never"):
        add_working_days(never, date(2026, 1, 1), -2)


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
    count=st.integers(min_value=-40, max_value=40),
)
def test_add_working_days_counts_exactly_that_many_working_days(start: date, count: int) -> None:
    calendar = russian_calendar()
    end = add_working_days(calendar, start, count)
    assert calendar.is_working_day(end)
    if count > 0:
        assert len(list(working_days(calendar, start + timedelta(days=1), end))) == count
    elif count < 0:
        assert len(list(working_days(calendar, end, start - timedelta(days=1)))) == -count
    else:
        assert end == next_working_day(calendar, start)


@given(day=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)))
def test_next_and_previous_bracket_the_day(day: date) -> None:
    calendar = russian_calendar()
    before, after = previous_working_day(calendar, day), next_working_day(calendar, day)
    assert before <= day <= after
    assert (before == after) is calendar.is_working_day(day)
    between = [before + timedelta(days=n) for n in range(1, (after - before).days)]
    assert not any(calendar.is_working_day(d) for d in between)


# --------------------------------------------------------------------------- serialization


@pytest.mark.parametrize(
    "calendar",
    [
        ProductionCalendar(),
        ProductionCalendar(extra_holidays=[date(2026, 12, 30)], extra_workdays=[date(2026, 1, 9)]),
        FixedCalendar(holidays={date(2026, 3, 9)}, workdays={date(2026, 3, 7)}, name="мой"),
        FixedCalendar(weekend={6}),
    ],
)
def test_policy_with_a_calendar_round_trips_through_json(calendar: WorkCalendar) -> None:
    policy = Policy(calendar=calendar)
    again = from_json(to_json(policy), Policy)
    assert again == policy
    assert type(again.calendar) is type(calendar)
    assert [again.calendar.is_working_day(d) for d in days_of(2026)] == [
        calendar.is_working_day(d) for d in days_of(2026)
    ]


def test_a_calendar_that_cannot_be_written_out_is_refused() -> None:
    policy = attrs.evolve(Policy(), calendar=NeverWorks())
    with pytest.raises(TypeError, match="cannot be written out"):
        to_json(policy)


# ------------------------------------------------------------------- decrees


def test_the_holidays_floor_carries_the_2026_decree() -> None:
    """holidays 0.107 is the first release with the decree of 2026 (9 January and
    31 December days off, checked by installing 0.60 … 0.109 one by one): a lower floor lets
    an install count them as working days."""
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text("utf-8"))
    floor = next(d for d in project["project"]["dependencies"] if d.startswith("holidays"))
    assert tuple(int(p) for p in floor.split(">=")[1].split(".")) >= (0, 107)
    calendar = ProductionCalendar()
    assert not calendar.is_working_day(date(2026, 1, 9))
    assert not calendar.is_working_day(date(2026, 12, 31))
    assert next_working_day(calendar, date(2026, 1, 1)) == date(2026, 1, 12)


def test_a_year_without_a_decree_is_refused_or_warned_about() -> None:
    calendar = ProductionCalendar()
    last = calendar.decreed_through
    assert last is not None
    assert last >= 2026
    assert calendar.is_working_day(date(last, 12, 1)) in (True, False)
    after = date(last + 1, 3, 10)
    with pytest.raises(ConfigurationError, match=f"not {last + 1}"):
        calendar.is_working_day(after)
    with pytest.raises(ConfigurationError):
        next_working_day(calendar, date(last, 12, 31) + timedelta(days=1))
    warned = ProductionCalendar(missing_decree="warn")
    with pytest.warns(MissingDecreeWarning, match=f"not {last + 1}"):
        by_holidays = warned.is_working_day(after)
    assert by_holidays == ProductionCalendar(missing_decree="ignore").is_working_day(after)
    quiet = ProductionCalendar(missing_decree="ignore", extra_holidays={after})
    assert not quiet.is_working_day(after)
    with pytest.raises(ValueError, match="missing_decree"):
        ProductionCalendar(missing_decree="never")  # type: ignore[arg-type]
