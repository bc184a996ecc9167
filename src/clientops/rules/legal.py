"""Court dates against the production calendar, as pure functions: a hearing or a
procedural deadline on a non-working day of ``Policy.calendar`` refused, flagged or (a
deadline) moved to the next working day, as :class:`~clientops.legal.LegalPolicy` says; a
deadline counted in working days (АПК РФ ст. 113 ч. 3: non-working days are not counted)::

    >>> from datetime import date
    >>> from clientops.legal import LegalPolicy
    >>> from clientops.workdays import russian_calendar
    >>> calendar = russian_calendar()
    >>> court_day(date(2026, 11, 4), "day", calendar=calendar,
    ...           rule=LegalPolicy().deadline_on_day_off)   # 4 November: a holiday
    (datetime.date(2026, 11, 5), False)
    >>> deadline_in(date(2026, 11, 2), 2, calendar=calendar)  # Tuesday 3rd, then Thursday 5th
    datetime.date(2026, 11, 5)
"""

from __future__ import annotations

from datetime import date

from clientops._legal import CourtDayRule
from clientops.errors import FieldError, ValidationError
from clientops.workdays import WorkCalendar, add_working_days, next_working_day

__all__ = ["court_day", "deadline_in"]

_WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")


def court_day(
    day: date, path: str, *, calendar: WorkCalendar, rule: CourtDayRule
) -> tuple[date, bool]:
    """The day a hearing or a deadline of ``day`` is kept on, and whether it is flagged: a
    working day as it is; a non-working day moved to the next working day
    (:attr:`~CourtDayRule.NEXT_WORKING_DAY`), kept and flagged (:attr:`~CourtDayRule.FLAG`),
    or refused with a :class:`~clientops.errors.ValidationError` naming ``path``
    (:attr:`~CourtDayRule.REFUSE`)."""
    if calendar.is_working_day(day):
        return day, False
    if rule is CourtDayRule.NEXT_WORKING_DAY:
        return next_working_day(calendar, day), False
    if rule is CourtDayRule.FLAG:
        return day, True
    raise ValidationError(
        [
            FieldError(
                path,
                f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]}) is not a working day in "
                f"{calendar.name}; the policy refuses court dates on non-working days",
            )
        ],
        subject="court date",
    )


def deadline_in(start: date, working_days: int, *, calendar: WorkCalendar) -> date:
    """The last day of a term of ``working_days`` working days running from ``start`` (the
    day of the event it counts from, not counted itself), non-working days left out."""
    if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 1:
        raise ValidationError(
            [FieldError("working_days", f"not a whole number ≥ 1: {working_days!r}")]
        )
    return add_working_days(calendar, start, working_days)
